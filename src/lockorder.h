/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The lock-order verifier: lockdep's order checking, from the
 * FL_EV_LOCK_ACQ/REL events of kernels that have no lockdep.
 *
 * Each task's held locks are kept from its events; an acquisition while
 * holding others adds class-level edges (holder -> acquired), each edge
 * keeping the first pair of stacks and tasks that showed it.  An edge that
 * closes a cycle is a possible deadlock; an edge that goes against the
 * documented hierarchy (lock_hierarchy.c) is reported at once, before any
 * cycle closes.  Same-class nesting on two instances (rename, reflink) is
 * no edge: see fl_lo_acquire() for why.
 */
#ifndef FL_LOCKORDER_H
#define FL_LOCKORDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "faultline/events.h"

#define FL_LO_MAX_CLASSES	64
#define FL_LO_MAX_HELD		16	/* per task; deeper holds are counted, not kept */
#define FL_LO_MAX_TASKS		4096
#define FL_LO_MAX_EDGES		1024
#define FL_LO_MAX_CYCLES	64
#define FL_LO_MAX_CHAIN		16	/* classes in one reported cycle */

struct fl_lo_class {
	uint8_t kind;		/* enum fl_lock_kind */
	uint32_t fs_magic;	/* 0: no filesystem (mmap_lock) */
	uint64_t acquisitions;
	uint64_t nested;	/* taken while holding another instance of itself */
	uint64_t counted_acquisitions, counted_nested;	/* BPF's totals synced so far */
};

struct fl_lo_held {
	int cls;
	uint64_t inst;
	uint32_t mode;		/* FL_LKM_* */
	bool implied;		/* from a lock word, not from its acquisition */
	struct fl_event acq;	/* the acquisition (stack if it had one) */
};

struct fl_lo_task {
	uint32_t pid;
	int n;
	struct fl_lo_held held[FL_LO_MAX_HELD];
};

struct fl_lo_edge {
	int from, to;		/* class indexes */
	uint64_t count;
	uint64_t blocking;	/* observations where the new lock could wait */
	bool inverted;		/* goes against the documented hierarchy */
	const char *doc;	/* the documented order it inverts */
	struct fl_event holder;	/* first (blocking) observation: the holder's acquisition */
	bool holder_implied;	/* ... known only from its lock word: no stack */
	struct fl_event acq;	/* ... and the new acquisition */
	uint64_t counted[2];	/* BPF's totals synced so far: blocking, trylock */
};

struct fl_lo_cycle {
	int n;
	int edges[FL_LO_MAX_CHAIN];	/* edge indexes, edges[i].to == edges[i+1].from */
};

struct fl_lo_graph {
	struct fl_lo_class cls[FL_LO_MAX_CLASSES];
	int ncls;
	struct fl_lo_task *tasks;
	size_t ntasks, captasks;
	struct fl_lo_edge edges[FL_LO_MAX_EDGES];
	int nedges;
	struct fl_lo_cycle cycles[FL_LO_MAX_CYCLES];
	int ncycles;
	/* what could not be followed, reported so that a miss is never silent */
	uint64_t acquisitions, releases;
	uint64_t unmatched_releases;	/* release of a hold never sent (BPF's are counted there) */
	uint64_t held_overflow;		/* holds beyond FL_LO_MAX_HELD */
	uint64_t syncs;			/* FL_EV_LOCK_SYNC events */
	uint64_t sync_dropped;		/* holds a sync showed gone: their release was lost */
	uint64_t gone_dropped;		/* holds of tasks found gone: their release was lost */
	uint64_t dropped;		/* classes, tasks, edges or cycles beyond the caps */
	uint64_t dropped_counted;	/* ... of which BPF's totals, synced so far */
	uint64_t try_failed_unknown;	/* attempts (FL_LKM_ATTEMPT) not kept as holds */
};

/* Called for each new finding: the edge that inverts, or that closed a cycle. */
enum fl_lo_finding { FL_LO_INVERSION, FL_LO_CYCLE };
typedef void (*fl_lo_report_fn)(void *ctx, enum fl_lo_finding what,
				const struct fl_lo_graph *lo, int edge, int cycle);

struct fl_lo_graph *fl_lo_new(void);
void fl_lo_free(struct fl_lo_graph *lo);
/* FL_EV_LOCK_ACQ / _REL / _SYNC; other events are ignored. */
void fl_lo_feed(struct fl_lo_graph *lo, const struct fl_event *ev,
		fl_lo_report_fn report, void *ctx);
/* Live: task @pid no longer exists; the holds kept for it go. */
void fl_lo_task_gone(struct fl_lo_graph *lo, uint32_t pid);
/*
 * Observations BPF counted instead of sending (fl_lo_edges, fl_lo_classes),
 * as its running totals: what was not synced before is added.
 */
void fl_lo_sync_counted_edge(struct fl_lo_graph *lo, const struct fl_lo_edge_key *k, uint64_t n);
void fl_lo_sync_counted_class(struct fl_lo_graph *lo, const struct fl_lo_class_key *k,
			      const struct fl_lo_class_count *c);

const char *fl_lo_kind_name(unsigned int kind);
/* "i_rwsem (xfs IOLOCK)", "invalidate_lock (ext4)", "mmap_lock" */
void fl_lo_class_name(const struct fl_lo_graph *lo, int cls, char *buf, size_t len);

/*
 * The documented hierarchy (lock_hierarchy.c): does the documentation
 * order @b before @a on a filesystem with @magic (0: any)?  Returns the
 * source of that order, or NULL.  Transitive: a -> x -> b documents a -> b.
 */
const char *fl_lo_documented_before(unsigned int b, unsigned int a, uint32_t magic);

#endif
