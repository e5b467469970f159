// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for the dump reader: any byte string must give an
 * error or a (partial) report, never a crash, a leak or undefined
 * behaviour.  Built with clang -fsanitize=fuzzer,address,undefined by
 * `make build/fuzz/fuzz_dump`; run by tests/dump/test_fuzz.sh.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dump.h"
#include "util.h"

/*
 * Random bytes almost never carry a right CRC, so the fuzzer would only
 * exercise the framing.  Each input is also read with its checksums made
 * right, which takes mutations into the record parsers.
 */
static void fix_crcs(uint8_t *d, size_t size)
{
	size_t off = FL_DUMP_PREAMBLE;
	struct fl_rec_hdr h;

	while (off + sizeof(h) <= size) {
		memcpy(&h, d + off, sizeof(h));
		if (h.len > size - off - sizeof(h))
			break;
		h.crc = fl_crc32(fl_crc32(0, &h, offsetof(struct fl_rec_hdr, crc)),
			      d + off + sizeof(h), h.len);
		memcpy(d + off, &h, sizeof(h));
		off += sizeof(h) + h.len;
	}
}

static void read_one(const uint8_t *data, size_t size)
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
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *fixed = malloc(size ? size : 1);

	read_one(data, size);
	if (fixed) {
		memcpy(fixed, data, size);
		fix_crcs(fixed, size);
		read_one(fixed, size);
		free(fixed);
	}
	return 0;
}
