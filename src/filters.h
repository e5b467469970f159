/* SPDX-License-Identifier: GPL-2.0 */
/* Watch filters: what --dev, --path and --pid name, as BPF compares it. */
#ifndef FL_FILTERS_H
#define FL_FILTERS_H

#include "live.h"

/* 0, or -errno after saying why: nothing of that name to watch. */
int fl_filter_dev(struct fl_live_opts *o, const char *dev);
int fl_filter_path(struct fl_live_opts *o, const char *path);
int fl_filter_pid(struct fl_live_opts *o, const char *pid);

#endif
