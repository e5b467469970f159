/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The demo workload: one file per directory, hammered by threads that
 * fault it in through mmap (read and write), read() and write() it, while
 * others punch holes, zero, collapse and insert ranges, truncate it and drop
 * its page cache, while another does direct I/O, copies, clones and
 * O_TRUNC opens.  On a zonefs the same threads work on a conventional
 * zone's file and sequential zones are appended to, mapped, read, reset
 * and finished.  Used by `faultline demo`, the live tests and the bench.
 */
#ifndef FL_WORKLOAD_H
#define FL_WORKLOAD_H

#include <stdbool.h>
#include <stdint.h>

struct fl_workload_stats {
	uint64_t mmap_reads, mmap_writes, reads, writes, syncs;
	uint64_t punches, zeroes, collapses, inserts, truncates, drops;
	uint64_t other;		/* rounds of direct I/O, copies, clones, O_TRUNC */
	uint64_t errors;
};

struct fl_workload_opts {
	const char *dir;
	double seconds;
	bool faults_only;	/* no invalidations, no read()/write() (bench) */
	bool stale_maps;	/* make xfs find its write maps stale (seed 002) */
	bool zonefs;		/* @dir is a zonefs: files are zones, see workload.c */
	/* called as the timed phase begins (true) and ends (false): the bench */
	void (*timed)(void *ctx, bool begin);
	void *timed_ctx;
};

/* Runs in the calling process; 0 or -errno (setup failure). */
int fl_workload_run(const struct fl_workload_opts *o, struct fl_workload_stats *st);

#endif
