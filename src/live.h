/* SPDX-License-Identifier: GPL-2.0 */
/* A live tracing session: load, trace until told to stop, judge, report. */
#ifndef FL_LIVE_H
#define FL_LIVE_H

#include <stdbool.h>
#include <stdint.h>

#include "faultline/events.h"

struct fl_dump_writer;
struct fl_watch;

struct fl_live_opts {
	const char *mode;		/* "check", "demo" */
	const char *json_path;
	uint32_t devs[FL_MAX_DEVS];	/* kernel dev_t of watched filesystems */
	int ndevs;
	uint32_t tgids[64];
	int ntgids;
	double duration;		/* seconds; 0 = until the command exits or a signal */
	char *const *cmd;		/* run under tracing, or */
	int (*child_fn)(void *arg);	/* run this in a forked child */
	void *child_arg;
	uint32_t ring_bytes;
	int attach;			/* enum fl_attach_mode */
	bool precise;			/* --locks=precise */
	bool lock_order;		/* --lock-order */
	bool self_cost;			/* --self-cost: BPF run-time statistics */
	/*
	 * record: every event (BPF emit_all), counter snapshots, repeats and
	 * settle data also go to this dump; fl_live_run closes it.
	 */
	struct fl_dump_writer *record;
	/* watch: alert on each new distinct violation, SIGHUP reports, ticks */
	struct fl_watch *watch;
};

/* Returns the process exit status: FL_EXIT_CLEAN, _VIOLATIONS or _ENV. */
int fl_live_run(const struct fl_live_opts *o);

#endif
