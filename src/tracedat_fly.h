/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A version 7 trace.dat's flyrecord data, read page by page without
 * libtracecmd's record reader (tracedat_fly.c says why and when).
 */
#ifndef FL_TRACEDAT_FLY_H
#define FL_TRACEDAT_FLY_H

#include <stddef.h>

struct td_fly;
struct tep_handle;
struct tep_record;

typedef int (*td_fly_cb)(struct tep_record *r, void *ctx);

/*
 * The top buffer's data and that of the first @ninst buffer instances, as
 * libtracecmd names them.  NULL when the file needs libtracecmd's reader
 * (another version or compression, timestamps it would correct, an
 * inconsistent layout): @why says which.
 */
struct td_fly *td_fly_open(const char *path, struct tep_handle *tep, int ninst,
			   char *why, size_t whylen);

/*
 * Every record, in the order tracecmd_iterate_events_multi() gives them:
 * by timestamp, ties to the earlier buffer, then the lower CPU.  Returns
 * the first negative result of @cb, -1 when some CPU's data was damaged
 * (its records before the damaged chunk or page were given), else 0.  Can
 * be called again.
 */
int td_fly_iterate(struct td_fly *f, td_fly_cb cb, void *ctx);

void td_fly_close(struct td_fly *f);

#endif
