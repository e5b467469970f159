/* SPDX-License-Identifier: GPL-2.0 */
/*
 * `faultline watch`: a live session that runs until it is told to stop and
 * delivers each new distinct violation the moment it is found, to what the
 * host already runs: stdout, an NDJSON stream, the systemd journal, the
 * kernel log (where fstests' dmesg check sees it), a Prometheus textfile.
 */
#ifndef FL_WATCH_H
#define FL_WATCH_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "engine.h"
#include "report.h"

struct fl_loader;

struct fl_watch_opts {
	const char *events;	/* NDJSON: a file, or "-" for stdout */
	const char *metrics;	/* Prometheus textfile, rewritten atomically */
	bool journal;		/* the systemd journal (also when run by systemd) */
	bool kmsg;		/* lockdep-shaped splats in /dev/kmsg */
	double stats_every;	/* seconds between NDJSON stats objects */
	double metrics_every;	/* seconds between metrics files */
};

struct fl_watch;

/* Opens the sinks (-1 after saying why), or NULL opts: no watch. */
struct fl_watch *fl_watch_new(const struct fl_watch_opts *o);
/* Tracing is on: the service is ready (sd_notify READY=1). */
void fl_watch_started(struct fl_watch *w, struct fl_engine *e, struct fl_run_info *ri);
/* A violation the engine just found (new to it): alert once per signature. */
void fl_watch_violation(struct fl_watch *w, const struct fl_engine *e,
			const struct fl_run_info *ri, const struct fl_violation *v);
/* A module loaded after the start: its hooks (late rows of @ri) to the NDJSON stream. */
void fl_watch_hooks(struct fl_watch *w, const struct fl_run_info *ri, const char *module);
/* Once a second: counts synced into @e, stats (with @l's map fill), metrics, watchdog. */
void fl_watch_tick(struct fl_watch *w, const struct fl_engine *e, const struct fl_run_info *ri,
		   struct fl_loader *l);
/* Tracing ended, @e has the final counts: last stats (@l's map fill), last metrics (down). */
void fl_watch_stopped(struct fl_watch *w, const struct fl_engine *e, const struct fl_run_info *ri,
		      struct fl_loader *l);
/* Where the text reports go: stdout, or stderr when stdout is the NDJSON. */
FILE *fl_watch_text(const struct fl_watch *w);
/* Tracing ends (a signal, --duration): systemd's STOPPING=1, a last ping. */
void fl_watch_stopping(struct fl_watch *w);
/* SIGHUP: the report so far, text (fl_watch_text) and (json_path) the JSON file. */
void fl_watch_report(struct fl_watch *w, const struct fl_engine *e, const struct fl_run_info *ri,
		     const char *json_path);
void fl_watch_free(struct fl_watch *w);

/* The sinks, one file each. */
struct fl_kmsg;
struct fl_kmsg *fl_kmsg_open(void);
void fl_kmsg_violation(struct fl_kmsg *k, const struct fl_engine *e, const struct fl_run_info *ri,
		       const struct fl_violation *v, const char *sig);
void fl_kmsg_close(struct fl_kmsg *k);

bool fl_journal_available(void);	/* built with libsystemd */
bool fl_journal_under_systemd(void);	/* run by systemd: log there by default */
int fl_journal_violation(const struct fl_engine *e, const struct fl_run_info *ri,
			 const struct fl_violation *v, const char *sig);
void fl_notify(const char *state);	/* sd_notify, a no-op outside systemd */
bool fl_notify_watchdog(void);		/* the unit asked for WATCHDOG=1 pings */

int fl_metrics_write(const char *path, const struct fl_engine *e, const struct fl_run_info *ri,
		     const uint64_t *by_rule_evidence, bool up);

#endif
