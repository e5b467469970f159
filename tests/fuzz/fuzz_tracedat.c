// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for the trace-cmd importer.  libtracecmd opens files by
 * path, so each input is written to a memfd and read as /proc/self/fd/N
 * (no disk, no cleanup).  Seed it with real trace.dat files.
 */
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "import_tracedat.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fl_run_info ri0;
	struct fl_run_info ri = ri0;
	struct fl_engine *e;
	char path[64], err[256];
	int fd = memfd_create("fuzz_tracedat", MFD_CLOEXEC);

	if (fd < 0)
		return 0;
	if (write(fd, data, size) != (ssize_t)size) {
		close(fd);
		return 0;
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	e = fl_engine_new(NULL, NULL);
	if (!fl_tracedat_read(path, e, &ri, err, sizeof(err)))
		fl_tracedat_free_info(&ri);
	fl_engine_free(e);
	close(fd);
	return 0;
}
