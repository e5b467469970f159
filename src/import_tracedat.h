/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Import of trace-cmd recordings (trace.dat, read with Debian's
 * libtracecmd/libtraceevent): the tracepoint records are turned into
 * struct fl_event and fed to the same engine as a live check.
 */
#ifndef FL_IMPORT_TRACEDAT_H
#define FL_IMPORT_TRACEDAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine.h"
#include "report.h"

/* What the import saw besides events: for the report and the tests. */
struct fl_tracedat_stats {
	uint64_t records;	/* every record in the file */
	uint64_t used;		/* records that became engine events or state */
	uint64_t skipped;	/* relevant records too short or missing fields */
	uint64_t filtered;	/* on a filesystem the caller did not ask for */
	uint64_t stacks;	/* kernel stacks attached to events */
	uint64_t lost;		/* events the ring buffer dropped (missed_events) */
	uint64_t xfs_locks;	/* xfs_ilock/iunlock/demote records tracked */
	uint64_t lock_overflow;	/* holds not tracked: table full */
	bool partial;		/* the reader stopped before the file's end */
};

/*
 * Reads @path into @e (which must be fresh; e->count_events is set) and
 * fills @ri as a "report" run with attach mode "trace-cmd".  If the caller
 * sets ri->filtered with ri->slots[1..] naming devices (kdev), only those
 * filesystems are imported, like `check --dev`.
 *
 * i_generation is not in any tracepoint: every inode key has gen 0.
 * Returns 0 (the report may still be partial: stats->partial) or -errno
 * with a message in @err.  Free what @ri got with fl_tracedat_free_info.
 */
int fl_tracedat_read(const char *path, struct fl_engine *e, struct fl_run_info *ri,
		     char *err, size_t errlen);
/* The same, with the import's own counts. */
int fl_tracedat_read_stats(const char *path, struct fl_engine *e, struct fl_run_info *ri,
			   struct fl_tracedat_stats *st, char *err, size_t errlen);
void fl_tracedat_free_info(struct fl_run_info *ri);

struct fl_dump_meta_in;
/*
 * The reader `faultline report` dispatches a trace.dat to (report_cmd.c's
 * readers[]); a binary built without libtracecmd (faultline-static) has
 * one that says so (import_tracedat_none.c).
 */
int fl_tracedat_report(const char *path, struct fl_engine *e, struct fl_run_info *ri,
		       struct fl_dump_meta_in *m, char *err, size_t errlen);

#endif
