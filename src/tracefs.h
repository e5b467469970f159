/* SPDX-License-Identifier: GPL-2.0 */
#ifndef FL_TRACEFS_H
#define FL_TRACEFS_H

#include <stdbool.h>

/*
 * Make sure tracefs is mounted (classic tracepoints need it).  Mounts it at
 * /sys/kernel/tracing when absent and says so; 0 or -errno.
 */
int fl_tracefs_ensure(void);
/* "syscalls/sys_enter_fallocate" exists under events/. */
bool fl_tracefs_has_event(const char *cat_name);
const char *fl_tracefs_root(void);

#endif
