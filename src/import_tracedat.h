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

/* Events the kernel's ring buffer never handed to the recorder. */
struct fl_tracedat_losses {
	uint64_t dropped;	/* buffer full, not overwriting: new events dropped */
	uint64_t overrun;	/* overwriting: old events overwritten unread */
	uint64_t commit_overrun; /* the writer caught up with an unfinished commit */
	uint64_t unread;	/* "entries": still in the buffer when it was saved */
};

/*
 * Parses the per-CPU ring-buffer statistics a trace.dat stores (trace-cmd's
 * CPUSTAT option, tracecmd_get_cpustats()) and adds each CPU's losses, as
 * above, to @lost[cpu] (@ncpus entries).  The top buffer's CPUs are always
 * counted, an instance's ("Buffer: NAME") only if @buffer_read says its
 * events were read.  Returns how many CPU blocks were counted (0: the file
 * has no statistics, e.g. a trace-cmd older than 1.x or a cut file).
 */
int fl_tracedat_cpustats(const char *stats, bool (*buffer_read)(void *ctx, const char *name),
			 void *ctx, uint64_t *lost, int ncpus, struct fl_tracedat_losses *sum);

/* What the import saw besides events: for the report and the tests. */
struct fl_tracedat_stats {
	uint64_t records;	/* every record in the file */
	uint64_t used;		/* records that became engine events or state */
	uint64_t skipped;	/* relevant records too short or missing fields */
	uint64_t filtered;	/* on a filesystem the caller did not ask for */
	uint64_t stacks;	/* kernel stacks attached to events */
	uint64_t lost;		/* events the ring buffer dropped: missed_events of the
				 * records, or the CPU statistics where they say more */
	uint64_t lost_records;	/* ... the records' missed_events alone */
	struct fl_tracedat_losses stats; /* ... the CPU statistics alone */
	int stats_cpus;		/* CPU blocks in the statistics (0: none stored) */
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
