// SPDX-License-Identifier: GPL-2.0
/*
 * The lock-order graph on synthetic acquisition streams: edges, the
 * documented hierarchy, cycles (2 and 5 classes), same-class nesting,
 * trylocks, downgrades, out-of-order releases, lost releases (syncs) and
 * what BPF counted instead of sending.  Every
 * quiet case ends with a positive control on the same graph.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include <json-c/json.h>
#include <stdlib.h>
#include <unistd.h>

#include "engine.h"
#include "lockorder.h"
#include "report.h"
#include "rules.h"
#include "report_util.h"

#define XFS_MAGIC	0x58465342u
#define EXT4_MAGIC	0xEF53u
#define ZOO_MAGIC	0x7a6f6f66u
#define DEV		((8u << 20) | 1)
#define MS		1000000ull

static uint64_t now = 1000 * MS;

static struct fl_event lk(uint16_t type, uint32_t pid, unsigned int kind, uint32_t magic,
			  uint64_t ino, uint32_t mode)
{
	struct fl_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.type = type;
	ev.pid = pid;
	ev.tgid = pid;
	ev.op = kind;
	ev.fs_magic = magic;
	ev.inode.dev = DEV;
	ev.inode.ino = ino;
	ev.inode.gen = 1;
	/* instance: one lock of each kind per inode */
	ev.kaddr = kind == FL_LK_MMAP ? 0 : (ino << 8) | kind;
	ev.aux = mode;
	ev.ts = (now += MS);
	ev.inval_lock = FL_LOCK_NA;
	ev.i_rwsem = FL_LOCK_NA;
	ev.flags = FL_F_STACK;
	ev.nr_frames = 1;
	ev.frames[0] = 0xffffffff81000000ull + kind * 0x100 + pid;
	snprintf(ev.comm, sizeof(ev.comm), "t%u", pid);
	return ev;
}

struct sink {
	int inversions, cycles;
	int last_edge, last_cycle;
};

static void sink_fn(void *ctx, enum fl_lo_finding what, const struct fl_lo_graph *lo,
		    int edge, int cycle)
{
	struct sink *s = ctx;

	(void)lo;
	if (what == FL_LO_INVERSION)
		s->inversions++;
	else
		s->cycles++;
	s->last_edge = edge;
	s->last_cycle = cycle;
}

static void acq(struct fl_lo_graph *lo, struct sink *s, uint32_t pid, unsigned int kind,
		uint32_t magic, uint64_t ino, uint32_t mode)
{
	struct fl_event ev = lk(FL_EV_LOCK_ACQ, pid, kind, magic, ino, mode);

	fl_lo_feed(lo, &ev, sink_fn, s);
}

static void rel(struct fl_lo_graph *lo, uint32_t pid, unsigned int kind, uint32_t magic,
		uint64_t ino)
{
	struct fl_event ev = lk(FL_EV_LOCK_REL, pid, kind, magic, ino, 0);

	fl_lo_feed(lo, &ev, NULL, NULL);
}

/* A(x) then B(x) in one task, released in reverse. */
static void nest(struct fl_lo_graph *lo, struct sink *s, uint32_t pid, unsigned int a,
		 unsigned int b, uint32_t magic, uint64_t ino)
{
	acq(lo, s, pid, a, magic, ino, FL_LKM_EXCL);
	acq(lo, s, pid, b, magic, ino, FL_LKM_EXCL);
	rel(lo, pid, b, magic, ino);
	rel(lo, pid, a, magic, ino);
}

static int edge(const struct fl_lo_graph *lo, unsigned int from, unsigned int to)
{
	for (int i = 0; i < lo->nedges; i++)
		if (lo->cls[lo->edges[i].from].kind == from && lo->cls[lo->edges[i].to].kind == to)
			return i;
	return -1;
}

/* A fresh graph for each test (*state), freed even when an assertion fails. */
static int graph_setup(void **state)
{
	*state = fl_lo_new();
	return *state ? 0 : -1;
}

static int graph_teardown(void **state)
{
	fl_lo_free(*state);
	return 0;
}

static void test_documented_order_is_quiet(void **state)
{
	struct fl_lo_graph *lo = *state;
	struct sink s = { 0 };

	/* xfs: IOLOCK -> MMAPLOCK -> ILOCK, as xfs_ilock documents */
	acq(lo, &s, 1, FL_LK_I_RWSEM, XFS_MAGIC, 10, FL_LKM_EXCL);
	acq(lo, &s, 1, FL_LK_INVAL, XFS_MAGIC, 10, FL_LKM_EXCL);
	acq(lo, &s, 1, FL_LK_XFS_ILOCK, XFS_MAGIC, 10, FL_LKM_EXCL);
	rel(lo, 1, FL_LK_XFS_ILOCK, XFS_MAGIC, 10);
	rel(lo, 1, FL_LK_INVAL, XFS_MAGIC, 10);
	rel(lo, 1, FL_LK_I_RWSEM, XFS_MAGIC, 10);
	/* a fault: mmap_lock -> invalidate_lock */
	nest(lo, &s, 2, FL_LK_MMAP, FL_LK_INVAL, XFS_MAGIC, 11);
	assert_int_equal(lo->nedges, 4);
	assert_int_equal(s.inversions, 0);
	assert_int_equal(s.cycles, 0);
	assert_int_equal(lo->ntasks, 0);	/* nothing held any more */
	assert_int_equal(lo->unmatched_releases, 0);
	/* the first stacks are kept: holder IOLOCK, acquisition MMAPLOCK */
	int e = edge(lo, FL_LK_I_RWSEM, FL_LK_INVAL);
	assert_true(e >= 0);
	assert_int_equal(lo->edges[e].holder.op, FL_LK_I_RWSEM);
	assert_int_equal(lo->edges[e].acq.op, FL_LK_INVAL);
	assert_int_equal(lo->edges[e].acq.pid, 1);
	/* positive control: ILOCK -> IOLOCK inverts the documented order */
	nest(lo, &s, 3, FL_LK_XFS_ILOCK, FL_LK_I_RWSEM, XFS_MAGIC, 12);
	assert_int_equal(s.inversions, 1);
}

static void test_two_class_cycle(void **state)
{
	struct fl_lo_graph *lo = *state;
	struct sink s = { 0 };
	const struct fl_lo_cycle *c;

	nest(lo, &s, 1, FL_LK_I_RWSEM, FL_LK_INVAL, ZOO_MAGIC, 10);
	assert_int_equal(s.cycles, 0);
	/* another task, another inode, the other order: a cycle and an inversion */
	nest(lo, &s, 2, FL_LK_INVAL, FL_LK_I_RWSEM, ZOO_MAGIC, 20);
	assert_int_equal(s.inversions, 1);
	assert_int_equal(s.cycles, 1);
	assert_int_equal(lo->ncycles, 1);
	c = &lo->cycles[0];
	assert_int_equal(c->n, 2);
	assert_int_equal(lo->edges[c->edges[0]].to, lo->edges[c->edges[1]].from);
	assert_int_equal(lo->edges[c->edges[1]].to, lo->edges[c->edges[0]].from);
	/* both stacks: each edge keeps its own task's acquisition */
	assert_int_equal(lo->edges[c->edges[0]].acq.pid, 2);
	assert_int_equal(lo->edges[c->edges[1]].acq.pid, 1);
	/* the same cycle again is not a new finding */
	nest(lo, &s, 2, FL_LK_INVAL, FL_LK_I_RWSEM, ZOO_MAGIC, 20);
	nest(lo, &s, 1, FL_LK_I_RWSEM, FL_LK_INVAL, ZOO_MAGIC, 10);
	assert_int_equal(s.cycles, 1);
	assert_int_equal(lo->edges[c->edges[0]].count, 2);
}

/* Five classes (kinds on two filesystems), closed by the fifth edge only. */
static void test_long_cycle(void **state)
{
	struct fl_lo_graph *lo = *state;
	struct sink s = { 0 };
	const struct {
		unsigned int kind;
		uint32_t magic;
	} k[5] = {
		{ FL_LK_I_RWSEM, EXT4_MAGIC }, { FL_LK_JBD2, EXT4_MAGIC },
		{ FL_LK_FOLIO, XFS_MAGIC }, { FL_LK_XFS_ILOCK, XFS_MAGIC },
		{ FL_LK_I_MMAP, ZOO_MAGIC },
	};

	for (int i = 0; i < 4; i++) {
		acq(lo, &s, 10 + i, k[i].kind, k[i].magic, 100 + i, FL_LKM_EXCL);
		acq(lo, &s, 10 + i, k[i + 1].kind, k[i + 1].magic, 200 + i, FL_LKM_EXCL);
		rel(lo, 10 + i, k[i].kind, k[i].magic, 100 + i);
		rel(lo, 10 + i, k[i + 1].kind, k[i + 1].magic, 200 + i);
	}
	assert_int_equal(lo->nedges, 4);
	assert_int_equal(s.cycles, 0);
	acq(lo, &s, 20, k[4].kind, k[4].magic, 300, FL_LKM_EXCL);
	acq(lo, &s, 20, k[0].kind, k[0].magic, 301, FL_LKM_EXCL);
	assert_int_equal(s.cycles, 1);
	assert_int_equal(lo->cycles[0].n, 5);
	/* the chain is connected and closed */
	for (int i = 0; i < 5; i++)
		assert_int_equal(lo->edges[lo->cycles[0].edges[i]].to,
				 lo->edges[lo->cycles[0].edges[(i + 1) % 5]].from);
	/* none of these edges is documented either way: no inversion */
	assert_int_equal(s.inversions, 0);
}

/* rename/reflink: two i_rwsems nested, either order; no edge, no cycle. */
static void test_same_class_nesting(void **state)
{
	struct fl_lo_graph *lo = *state;
	struct sink s = { 0 };

	nest(lo, &s, 1, FL_LK_I_RWSEM, FL_LK_I_RWSEM, XFS_MAGIC, 10);	/* same inode: recursion */
	acq(lo, &s, 1, FL_LK_I_RWSEM, XFS_MAGIC, 10, FL_LKM_EXCL);
	acq(lo, &s, 1, FL_LK_I_RWSEM, XFS_MAGIC, 11, FL_LKM_EXCL);
	rel(lo, 1, FL_LK_I_RWSEM, XFS_MAGIC, 11);
	rel(lo, 1, FL_LK_I_RWSEM, XFS_MAGIC, 10);
	acq(lo, &s, 2, FL_LK_I_RWSEM, XFS_MAGIC, 11, FL_LKM_EXCL);
	acq(lo, &s, 2, FL_LK_I_RWSEM, XFS_MAGIC, 10, FL_LKM_EXCL);
	rel(lo, 2, FL_LK_I_RWSEM, XFS_MAGIC, 10);
	rel(lo, 2, FL_LK_I_RWSEM, XFS_MAGIC, 11);
	assert_int_equal(lo->nedges, 0);
	assert_int_equal(s.cycles + s.inversions, 0);
	assert_int_equal(lo->ncls, 1);
	assert_int_equal(lo->cls[0].nested, 2);
	assert_int_equal(lo->ntasks, 0);
	/* same kind on two filesystems are two classes: an edge */
	nest(lo, &s, 3, FL_LK_I_RWSEM, FL_LK_I_RWSEM, EXT4_MAGIC, 12);
	acq(lo, &s, 3, FL_LK_I_RWSEM, XFS_MAGIC, 13, FL_LKM_EXCL);
	acq(lo, &s, 3, FL_LK_I_RWSEM, EXT4_MAGIC, 14, FL_LKM_EXCL);
	assert_int_equal(lo->nedges, 1);
}

/* A trylock cannot wait: its edge is kept but closes no cycle. */
static void test_trylock_closes_no_cycle(void **state)
{
	struct fl_lo_graph *lo = *state;
	struct sink s = { 0 };
	int e;

	nest(lo, &s, 1, FL_LK_INVAL, FL_LK_XFS_ILOCK, XFS_MAGIC, 10);
	/* reclaim-style: ILOCK held, try the MMAPLOCK (inverted, but a try) */
	acq(lo, &s, 2, FL_LK_XFS_ILOCK, XFS_MAGIC, 20, FL_LKM_EXCL);
	acq(lo, &s, 2, FL_LK_INVAL, XFS_MAGIC, 20, FL_LKM_EXCL | FL_LKM_TRY);
	rel(lo, 2, FL_LK_INVAL, XFS_MAGIC, 20);
	rel(lo, 2, FL_LK_XFS_ILOCK, XFS_MAGIC, 20);
	e = edge(lo, FL_LK_XFS_ILOCK, FL_LK_INVAL);
	assert_true(e >= 0);
	assert_int_equal(lo->edges[e].count, 1);
	assert_int_equal(lo->edges[e].blocking, 0);
	assert_int_equal(s.cycles + s.inversions, 0);
	assert_int_equal(lo->unmatched_releases, 0);
	/* a try held does order what is taken under it (blocking) */
	acq(lo, &s, 3, FL_LK_I_RWSEM, XFS_MAGIC, 30, FL_LKM_EXCL | FL_LKM_TRY);
	acq(lo, &s, 3, FL_LK_INVAL, XFS_MAGIC, 30, FL_LKM_EXCL);
	assert_true(edge(lo, FL_LK_I_RWSEM, FL_LK_INVAL) >= 0);
	assert_int_equal(s.cycles + s.inversions, 0);
	/* a try seen only as an attempt (xfs_ilock_nowait) is not kept as held */
	acq(lo, &s, 4, FL_LK_XFS_ILOCK, XFS_MAGIC, 40, FL_LKM_EXCL | FL_LKM_TRY | FL_LKM_ATTEMPT);
	acq(lo, &s, 4, FL_LK_I_RWSEM, XFS_MAGIC, 40, FL_LKM_EXCL);
	assert_int_equal(lo->try_failed_unknown, 1);
	assert_int_equal(edge(lo, FL_LK_XFS_ILOCK, FL_LK_I_RWSEM), -1);
	/* positive control: the same inverted acquisition blocking closes the cycle */
	acq(lo, &s, 5, FL_LK_XFS_ILOCK, XFS_MAGIC, 50, FL_LKM_EXCL);
	acq(lo, &s, 5, FL_LK_INVAL, XFS_MAGIC, 50, FL_LKM_EXCL);
	assert_int_equal(s.inversions, 1);
	assert_int_equal(s.cycles, 1);
}

/* downgrade_write / xfs_ilock_demote: the mode changes, not the order. */
static void test_downgrade(void **state)
{
	struct fl_lo_graph *lo = *state;
	struct sink s = { 0 };
	const struct fl_lo_task *t;

	acq(lo, &s, 1, FL_LK_I_RWSEM, XFS_MAGIC, 10, FL_LKM_EXCL);
	acq(lo, &s, 1, FL_LK_I_RWSEM, XFS_MAGIC, 10, FL_LKM_DOWNGRADE);
	assert_int_equal(lo->nedges, 0);
	assert_int_equal(lo->ntasks, 1);
	t = &lo->tasks[0];
	assert_int_equal(t->n, 1);
	assert_true(t->held[0].mode & FL_LKM_SHARED);
	assert_false(t->held[0].mode & FL_LKM_EXCL);
	assert_int_equal(lo->acquisitions, 1);
	acq(lo, &s, 1, FL_LK_INVAL, XFS_MAGIC, 10, FL_LKM_SHARED);
	assert_int_equal(lo->nedges, 1);
	rel(lo, 1, FL_LK_INVAL, XFS_MAGIC, 10);
	rel(lo, 1, FL_LK_I_RWSEM, XFS_MAGIC, 10);
	assert_int_equal(lo->ntasks, 0);
	assert_int_equal(s.cycles + s.inversions, 0);
}

static void test_release_out_of_order(void **state)
{
	struct fl_lo_graph *lo = *state;
	struct sink s = { 0 };

	acq(lo, &s, 1, FL_LK_I_RWSEM, XFS_MAGIC, 10, FL_LKM_EXCL);
	acq(lo, &s, 1, FL_LK_INVAL, XFS_MAGIC, 10, FL_LKM_EXCL);
	rel(lo, 1, FL_LK_I_RWSEM, XFS_MAGIC, 10);	/* outer first */
	/* only MMAPLOCK is held now: ILOCK orders after it alone */
	acq(lo, &s, 1, FL_LK_XFS_ILOCK, XFS_MAGIC, 10, FL_LKM_EXCL);
	assert_int_equal(edge(lo, FL_LK_I_RWSEM, FL_LK_XFS_ILOCK), -1);
	assert_true(edge(lo, FL_LK_INVAL, FL_LK_XFS_ILOCK) >= 0);
	rel(lo, 1, FL_LK_INVAL, XFS_MAGIC, 10);
	rel(lo, 1, FL_LK_XFS_ILOCK, XFS_MAGIC, 10);
	assert_int_equal(lo->ntasks, 0);
	assert_int_equal(lo->unmatched_releases, 0);
	assert_int_equal(s.cycles + s.inversions, 0);
}

static void sync_ev(struct fl_lo_graph *lo, uint32_t pid, int n, const uint64_t *kaddrs)
{
	struct fl_event ev = lk(FL_EV_LOCK_SYNC, pid, FL_LK_NONE, 0, 0, 0);

	ev.flags = 0;
	ev.nr_frames = n;
	for (int i = 0; i < n; i++)
		ev.frames[i] = kaddrs[i];
	fl_lo_feed(lo, &ev, NULL, NULL);
}

/*
 * Lost releases: BPF follows the task's holds itself and, after an event
 * of the task was lost, sends FL_EV_LOCK_SYNC with the holds that remain
 * before anything else of the task.  The hold whose release was lost must
 * not order what comes next: here ILOCK(10) was let go unseen, and the
 * task's next acquisition, a MMAPLOCK, would invert xfs's order
 * (MMAPLOCK -> ILOCK) if the orphan stayed.
 */
static void test_lost_release(void **state)
{
	struct fl_lo_graph *lo = *state, *nosync;
	uint64_t iolock10 = (10ull << 8) | FL_LK_I_RWSEM;
	struct sink s = { 0 };

	/* a release user space never saw the acquisition of is counted */
	rel(lo, 1, FL_LK_XFS_ILOCK, XFS_MAGIC, 10);
	assert_int_equal(lo->unmatched_releases, 1);
	assert_int_equal(lo->ntasks, 0);

	acq(lo, &s, 1, FL_LK_I_RWSEM, XFS_MAGIC, 10, FL_LKM_EXCL);
	acq(lo, &s, 1, FL_LK_XFS_ILOCK, XFS_MAGIC, 10, FL_LKM_EXCL);
	/* ILOCK's release is lost; BPF says IOLOCK is all the task holds */
	sync_ev(lo, 1, 1, &iolock10);
	assert_int_equal(lo->sync_dropped, 1);
	acq(lo, &s, 1, FL_LK_INVAL, XFS_MAGIC, 11, FL_LKM_EXCL);
	assert_int_equal(edge(lo, FL_LK_XFS_ILOCK, FL_LK_INVAL), -1);
	assert_int_equal(s.inversions + s.cycles, 0);
	/* ... while the hold the sync kept still orders (IOLOCK -> MMAPLOCK) */
	assert_true(edge(lo, FL_LK_I_RWSEM, FL_LK_INVAL) >= 0);
	rel(lo, 1, FL_LK_INVAL, XFS_MAGIC, 11);
	rel(lo, 1, FL_LK_I_RWSEM, XFS_MAGIC, 10);
	assert_int_equal(lo->ntasks, 0);

	/* positive control, on a graph of its own: without the sync the orphan orders, falsely */
	nosync = fl_lo_new();
	assert_non_null(nosync);
	memset(&s, 0, sizeof(s));
	acq(nosync, &s, 1, FL_LK_XFS_ILOCK, XFS_MAGIC, 10, FL_LKM_EXCL);
	acq(nosync, &s, 1, FL_LK_INVAL, XFS_MAGIC, 11, FL_LKM_EXCL);
	assert_true(edge(nosync, FL_LK_XFS_ILOCK, FL_LK_INVAL) >= 0);
	assert_int_equal(s.inversions, 1);
	fl_lo_free(nosync);
}

/* A task's first sync drops what an earlier task of the same pid left. */
static void test_sync_pid_reuse(void **state)
{
	struct fl_lo_graph *lo = *state;
	struct sink s = { 0 };

	acq(lo, &s, 7, FL_LK_XFS_ILOCK, XFS_MAGIC, 10, FL_LKM_EXCL);	/* exits, release lost */
	sync_ev(lo, 7, 0, NULL);
	assert_int_equal(lo->ntasks, 0);
	acq(lo, &s, 7, FL_LK_I_RWSEM, XFS_MAGIC, 11, FL_LKM_EXCL);
	assert_int_equal(lo->nedges, 0);
}

/*
 * BPF sends an acquisition only when it adds an edge user space does not
 * have; the holds under it follow as FL_LKM_LATE (kept, not counted: BPF
 * counted them), and the repeats come as counts at the end.
 */
static void test_counted_in_bpf(void **state)
{
	struct fl_lo_graph *lo = *state;
	struct fl_lo_edge_key ek = { .from = FL_LK_INVAL, .to = FL_LK_XFS_ILOCK,
				     .from_magic = XFS_MAGIC, .to_magic = XFS_MAGIC };
	struct fl_lo_class_key ck = { .kind = FL_LK_XFS_ILOCK, .magic = XFS_MAGIC };
	struct fl_lo_class_count cc = { .acquisitions = 40, .nested = 2 };
	struct sink s = { 0 };
	int ei;

	acq(lo, &s, 1, FL_LK_INVAL, XFS_MAGIC, 10, FL_LKM_SHARED | FL_LKM_LATE);
	assert_int_equal(lo->acquisitions, 0);
	assert_int_equal(lo->nedges, 0);
	acq(lo, &s, 1, FL_LK_XFS_ILOCK, XFS_MAGIC, 10, FL_LKM_EXCL);
	ei = edge(lo, FL_LK_INVAL, FL_LK_XFS_ILOCK);
	assert_true(ei >= 0);
	assert_int_equal(lo->edges[ei].count, 1);
	assert_int_equal(lo->acquisitions, 1);
	fl_lo_sync_counted_edge(lo, &ek, 99);
	assert_int_equal(lo->edges[ei].count, 100);
	assert_int_equal(lo->edges[ei].blocking, 100);
	/* totals, read again and again by a long run: only what is new adds */
	fl_lo_sync_counted_edge(lo, &ek, 99);
	assert_int_equal(lo->edges[ei].count, 100);
	fl_lo_sync_counted_edge(lo, &ek, 120);
	fl_lo_sync_counted_edge(lo, &ek, 120);
	assert_int_equal(lo->edges[ei].count, 121);
	assert_int_equal(lo->edges[ei].blocking, 121);
	/* trylock observations have a total of their own, and never block */
	ek.try = 1;
	fl_lo_sync_counted_edge(lo, &ek, 5);
	assert_int_equal(lo->edges[ei].count, 126);
	assert_int_equal(lo->edges[ei].blocking, 121);
	fl_lo_sync_counted_class(lo, &ck, &cc);
	fl_lo_sync_counted_class(lo, &ck, &cc);
	assert_int_equal(lo->acquisitions, 41);
	/* an edge user space never had is beyond its limits, not invented */
	ek.from = FL_LK_I_RWSEM;
	fl_lo_sync_counted_edge(lo, &ek, 3);
	assert_int_equal(edge(lo, FL_LK_I_RWSEM, FL_LK_XFS_ILOCK), -1);
	assert_int_equal(lo->dropped, 3);
	rel(lo, 1, FL_LK_XFS_ILOCK, XFS_MAGIC, 10);
	rel(lo, 1, FL_LK_INVAL, XFS_MAGIC, 10);
	assert_int_equal(lo->ntasks, 0);
	assert_int_equal(lo->unmatched_releases, 0);
}

/* Garbage kinds are ignored; holds beyond FL_LO_MAX_HELD are counted. */
static void test_limits(void **state)
{
	struct fl_lo_graph *lo = *state;
	struct sink s = { 0 };

	acq(lo, &s, 1, 200, XFS_MAGIC, 11, FL_LKM_EXCL);
	acq(lo, &s, 1, FL_LK_NONE, XFS_MAGIC, 11, FL_LKM_EXCL);
	assert_int_equal(lo->nedges, 0);
	for (int i = 0; i < FL_LO_MAX_HELD + 3; i++)
		acq(lo, &s, 2, FL_LK_FOLIO, XFS_MAGIC, 1000 + i, FL_LKM_EXCL);
	assert_int_equal(lo->held_overflow, 3);
}

/* BPF sends a stack once a second per kind: the edge keeps the first one. */
static void test_edge_keeps_a_stack(void **state)
{
	struct fl_lo_graph *lo = *state;
	struct sink s = { 0 };
	struct fl_event ev;
	int e;

	acq(lo, &s, 1, FL_LK_I_RWSEM, XFS_MAGIC, 10, FL_LKM_EXCL);
	ev = lk(FL_EV_LOCK_ACQ, 1, FL_LK_XFS_ILOCK, XFS_MAGIC, 10, FL_LKM_EXCL);
	ev.flags &= ~FL_F_STACK;
	ev.nr_frames = 0;
	fl_lo_feed(lo, &ev, sink_fn, &s);
	rel(lo, 1, FL_LK_XFS_ILOCK, XFS_MAGIC, 10);
	e = edge(lo, FL_LK_I_RWSEM, FL_LK_XFS_ILOCK);
	assert_false(lo->edges[e].acq.flags & FL_F_STACK);
	acq(lo, &s, 1, FL_LK_XFS_ILOCK, XFS_MAGIC, 10, FL_LKM_EXCL);	/* with a stack */
	assert_true(lo->edges[e].acq.flags & FL_F_STACK);
	assert_int_equal(lo->edges[e].count, 2);
	ev = lk(FL_EV_LOCK_ACQ, 1, FL_LK_XFS_ILOCK, XFS_MAGIC, 10, FL_LKM_EXCL);
	ev.frames[0] = 0x1234;
	fl_lo_feed(lo, &ev, sink_fn, &s);
	assert_int_not_equal(lo->edges[e].acq.frames[0], 0x1234);	/* the first one stays */
}

/* A hold only the lock word shows (VFS inode_lock around xfs_ilock). */
static void test_lock_word_holder(void **state)
{
	struct fl_lo_graph *lo = *state;
	struct sink s = { 0 };
	struct fl_event ev = lk(FL_EV_LOCK_ACQ, 1, FL_LK_INVAL, XFS_MAGIC, 10, FL_LKM_EXCL);
	int e;

	ev.i_rwsem = FL_LOCK_SHARED_ME;	/* a hint: not trusted without precise tracking */
	fl_lo_feed(lo, &ev, sink_fn, &s);
	assert_int_equal(lo->nedges, 0);
	rel(lo, 1, FL_LK_INVAL, XFS_MAGIC, 10);
	ev.i_rwsem = FL_LOCK_EXCL_ME;
	ev.aux |= FL_LKM_MMAP_EXCL;
	fl_lo_feed(lo, &ev, sink_fn, &s);
	e = edge(lo, FL_LK_I_RWSEM, FL_LK_INVAL);
	assert_true(e >= 0);
	assert_true(lo->edges[e].holder_implied);
	assert_true(edge(lo, FL_LK_MMAP, FL_LK_INVAL) >= 0);
	assert_int_equal(s.inversions, 0);
	/* an ILOCK taken under that MMAPLOCK while i_rwsem's word says excl */
	ev = lk(FL_EV_LOCK_ACQ, 1, FL_LK_XFS_ILOCK, XFS_MAGIC, 10, FL_LKM_EXCL);
	ev.i_rwsem = FL_LOCK_EXCL_ME;
	ev.inval_lock = FL_LOCK_EXCL_ME;
	fl_lo_feed(lo, &ev, sink_fn, &s);
	/* the held MMAPLOCK is not counted twice from its lock word */
	e = edge(lo, FL_LK_INVAL, FL_LK_XFS_ILOCK);
	assert_int_equal(lo->edges[e].count, 1);
	assert_false(lo->edges[e].holder_implied);
	assert_true(edge(lo, FL_LK_I_RWSEM, FL_LK_XFS_ILOCK) >= 0);
}

static void test_hierarchy_data(void **state)
{
	(void)state;
	assert_non_null(fl_lo_documented_before(FL_LK_I_RWSEM, FL_LK_INVAL, 0));
	assert_non_null(fl_lo_documented_before(FL_LK_MMAP, FL_LK_INVAL, EXT4_MAGIC));
	/* transitive: i_rwsem -> invalidate_lock -> i_mmap_rwsem */
	assert_non_null(fl_lo_documented_before(FL_LK_I_RWSEM, FL_LK_I_MMAP, 0));
	assert_non_null(fl_lo_documented_before(FL_LK_I_RWSEM, FL_LK_XFS_ILOCK, XFS_MAGIC));
	assert_null(fl_lo_documented_before(FL_LK_INVAL, FL_LK_I_RWSEM, 0));
	assert_null(fl_lo_documented_before(FL_LK_INVAL, FL_LK_JBD2, XFS_MAGIC));
	assert_non_null(fl_lo_documented_before(FL_LK_INVAL, FL_LK_JBD2, EXT4_MAGIC));
	assert_null(fl_lo_documented_before(FL_LK_MMAP, FL_LK_MMAP, 0));
}

/* Through the engine: lock-order violations with their edge and cycle. */
static void test_engine_violations(void **state)
{
	struct fl_engine *e = fl_engine_new(NULL, NULL);
	struct fl_event ev;
	int inv = 0, cyc = 0;

	(void)state;
	ev = lk(FL_EV_LOCK_ACQ, 1, FL_LK_I_RWSEM, ZOO_MAGIC, 10, FL_LKM_EXCL);
	fl_engine_feed(e, &ev);
	ev = lk(FL_EV_LOCK_ACQ, 1, FL_LK_INVAL, ZOO_MAGIC, 10, FL_LKM_EXCL);
	fl_engine_feed(e, &ev);
	assert_int_equal(e->nviol, 0);
	ev = lk(FL_EV_LOCK_ACQ, 2, FL_LK_INVAL, ZOO_MAGIC, 20, FL_LKM_EXCL);
	ev.flags |= FL_F_INTERNAL;	/* fs-internal inodes' locks still order */
	fl_engine_feed(e, &ev);
	ev = lk(FL_EV_LOCK_ACQ, 2, FL_LK_I_RWSEM, ZOO_MAGIC, 20, FL_LKM_EXCL);
	fl_engine_feed(e, &ev);
	assert_int_equal(e->nviol, 2);
	for (size_t i = 0; i < e->nviol; i++) {
		assert_int_equal(e->viol[i].rule, FL_R_LOCK_ORDER);
		assert_true(e->viol[i].lo_edge >= 0);
		if (e->viol[i].evidence == FL_EVID_CYCLE) {
			cyc++;
			assert_int_equal(e->viol[i].lo_cycle, 0);
		} else {
			inv++;
			assert_int_equal(e->viol[i].evidence, FL_EVID_INVERSION);
		}
	}
	assert_int_equal(inv, 1);
	assert_int_equal(cyc, 1);
	fl_engine_free(e);
}

/* Both reporters on a cycle: lockdep's headline, the JSON keys README names. */
static void test_reports(void **state)
{
	struct fl_engine *e = fl_engine_new(NULL, NULL);
	struct fl_run_info *ri = calloc(1, sizeof(*ri));
	json_object *root, *lo, *v, *x;
	uint64_t lost = 0;
	struct fl_event ev;
	char *text;

	(void)state;
	ri->mode = "check";
	ri->lock_order = true;
	ri->lost_per_cpu = &lost;
	ri->ncpus = 1;
	ev = lk(FL_EV_LOCK_ACQ, 1, FL_LK_I_RWSEM, ZOO_MAGIC, 10, FL_LKM_EXCL);
	fl_engine_feed(e, &ev);
	ev = lk(FL_EV_LOCK_ACQ, 1, FL_LK_INVAL, ZOO_MAGIC, 10, FL_LKM_EXCL);
	fl_engine_feed(e, &ev);
	ev = lk(FL_EV_LOCK_ACQ, 2, FL_LK_INVAL, ZOO_MAGIC, 20, FL_LKM_EXCL);
	fl_engine_feed(e, &ev);
	ev = lk(FL_EV_LOCK_ACQ, 2, FL_LK_I_RWSEM, ZOO_MAGIC, 20, FL_LKM_EXCL);
	fl_engine_feed(e, &ev);

	text = render(e, ri);
	assert_non_null(strstr(text, "possible circular locking dependency detected"));
	assert_non_null(strstr(text, "lock-order (observed-inversion)"));
	assert_non_null(strstr(text, "*** DEADLOCK ***"));
	free(text);

	root = render_json(e, ri);
	assert_true(json_object_object_get_ex(root, "lock_order", &lo));
	assert_true(json_object_object_get_ex(lo, "edges", &x));
	assert_int_equal(json_object_array_length(x), 2);
	assert_true(json_object_object_get_ex(lo, "cycles", &x));
	assert_int_equal(json_object_array_length(x), 1);
	assert_true(json_object_object_get_ex(root, "violations", &x));
	assert_int_equal(json_object_array_length(x), 2);
	for (int i = 0; i < 2; i++) {
		json_object *r, *detail;

		v = json_object_array_get_idx(x, i);
		assert_true(json_object_object_get_ex(v, "rule", &r));
		assert_string_equal(json_object_get_string(r), "lock-order");
		assert_true(json_object_object_get_ex(v, "lock_order", &detail));
		assert_true(json_object_object_get_ex(detail, "edge", &r));
	}
	json_object_put(root);
	free(ri);
	fl_engine_free(e);
}

/* a test on a fresh graph */
#define T(fn) cmocka_unit_test_setup_teardown(fn, graph_setup, graph_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_documented_order_is_quiet),
		T(test_two_class_cycle),
		T(test_long_cycle),
		T(test_same_class_nesting),
		T(test_trylock_closes_no_cycle),
		T(test_downgrade),
		T(test_release_out_of_order),
		T(test_lost_release),
		T(test_sync_pid_reuse),
		T(test_counted_in_bpf),
		T(test_limits),
		T(test_lock_word_holder),
		T(test_edge_keeps_a_stack),
		cmocka_unit_test(test_hierarchy_data),
		cmocka_unit_test(test_engine_violations),
		cmocka_unit_test(test_reports),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
