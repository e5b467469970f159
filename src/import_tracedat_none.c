// SPDX-License-Identifier: GPL-2.0
/*
 * trace.dat import in a binary built without libtracecmd: Debian ships no
 * static libtracecmd, so faultline-static (guest images) reads its own dumps
 * only.
 */
#include <errno.h>
#include <stdio.h>

#include "import_tracedat.h"

int fl_tracedat_report(const char *path, struct fl_engine *e, struct fl_run_info *ri,
		       struct fl_dump_meta_in *m, char *err, size_t errlen)
{
	(void)path, (void)e, (void)ri, (void)m;
	snprintf(err, errlen, "this faultline was built without trace-cmd support "
		 "(a static build): use the dynamically linked faultline");
	return -1;
}
