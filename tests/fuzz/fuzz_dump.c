// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for the dump reader: any byte string must give an
 * error or a (partial) report, never a crash, a leak or undefined
 * behaviour.  Built with clang -fsanitize=fuzzer,address,undefined by
 * `make build/fuzz/fuzz_dump`; run by tests/dump/test_fuzz.sh.
 */
#include <stdint.h>
#include <stdlib.h>

#include "dump.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fl_dump_meta_in m = { 0 };
	struct fl_run_info ri = { 0 };
	struct fl_engine *e = fl_engine_new(fl_dump_symname, &m);
	char err[256];

	fl_dump_read_mem(data, size, e, &ri, &m, err, sizeof(err));
	/* the reporters walk what the reader filled in */
	if (e->nviol) {
		FILE *devnull = fopen("/dev/null", "w");

		if (devnull) {
			fl_report_text(devnull, e, &ri);
			fclose(devnull);
		}
	}
	fl_engine_free(e);
	fl_dump_meta_free(&m);
	free(ri.lost_per_cpu);
	return 0;
}
