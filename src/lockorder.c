// SPDX-License-Identifier: GPL-2.0
/*
 * The lock-order graph: per-task held locks from FL_EV_LOCK_ACQ/REL, class
 * edges with their first stacks, hierarchy inversions and cycles.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lockorder.h"
#include "rules.h"
#include "util.h"

const char *fl_lo_kind_name(unsigned int kind)
{
	static const char *const names[FL_LK_MAX] = {
		[FL_LK_NONE] = "?",
		[FL_LK_I_RWSEM] = "i_rwsem",
		[FL_LK_INVAL] = "invalidate_lock",
		[FL_LK_I_MMAP] = "i_mmap_rwsem",
		[FL_LK_MMAP] = "mmap_lock",
		[FL_LK_FOLIO] = "folio_lock",
		[FL_LK_XFS_ILOCK] = "ILOCK",
		[FL_LK_JBD2] = "jbd2_handle",
	};

	return kind < FL_LK_MAX && names[kind] ? names[kind] : "?";
}

#define XFS_MAGIC	0x58465342u

void fl_lo_class_name(const struct fl_lo_graph *lo, int cls, char *buf, size_t len)
{
	const struct fl_lo_class *c = &lo->cls[cls];
	const char *alias = "";

	if (c->fs_magic == XFS_MAGIC && c->kind == FL_LK_I_RWSEM)
		alias = " IOLOCK";
	else if (c->fs_magic == XFS_MAGIC && c->kind == FL_LK_INVAL)
		alias = " MMAPLOCK";
	if (!c->fs_magic)
		snprintf(buf, len, "%s", fl_lo_kind_name(c->kind));
	else
		snprintf(buf, len, "%s (%s%s)", fl_lo_kind_name(c->kind), fl_fs_name(c->fs_magic),
			 alias);
}

struct fl_lo_graph *fl_lo_new(void)
{
	return fl_xcalloc(1, sizeof(struct fl_lo_graph));
}

void fl_lo_free(struct fl_lo_graph *lo)
{
	if (!lo)
		return;
	free(lo->tasks);
	free(lo);
}

/* ---- classes, instances, tasks --------------------------------------- */

static int class_of(struct fl_lo_graph *lo, unsigned int kind, uint32_t magic)
{
	if (kind == FL_LK_NONE || kind >= FL_LK_MAX)
		return -1;
	if (kind == FL_LK_MMAP)
		magic = 0;	/* one per process, no filesystem's */
	for (int i = 0; i < lo->ncls; i++)
		if (lo->cls[i].kind == kind && lo->cls[i].fs_magic == magic)
			return i;
	if (lo->ncls == FL_LO_MAX_CLASSES) {
		lo->dropped++;
		return -1;
	}
	lo->cls[lo->ncls].kind = kind;
	lo->cls[lo->ncls].fs_magic = magic;
	return lo->ncls++;
}

static bool same_inode(const struct fl_inode_key *a, const struct fl_inode_key *b)
{
	return a->dev == b->dev && a->ino == b->ino && a->gen == b->gen;
}

/*
 * One lock instance: its address when both sides know it, else the inode
 * it belongs to (a lock-word hold has no address; one lock of each kind per
 * inode).  mmap_lock belongs to the process.
 */
static bool same_instance(const struct fl_lo_held *h, int cls, const struct fl_event *ev)
{
	if (h->cls != cls)
		return false;
	if (h->acq.op == FL_LK_MMAP)
		return h->acq.tgid == ev->tgid;
	if (h->inst && ev->kaddr)
		return h->inst == ev->kaddr;
	return same_inode(&h->acq.inode, &ev->inode);
}

static struct fl_lo_task *task_find(struct fl_lo_graph *lo, uint32_t pid)
{
	for (size_t i = 0; i < lo->ntasks; i++)
		if (lo->tasks[i].pid == pid)
			return &lo->tasks[i];
	return NULL;
}

static struct fl_lo_task *task_get(struct fl_lo_graph *lo, uint32_t pid)
{
	struct fl_lo_task *t = task_find(lo, pid);

	if (t)
		return t;
	if (lo->ntasks == lo->captasks) {
		size_t cap = lo->captasks ? lo->captasks * 2 : 64;
		struct fl_lo_task *n;

		if (cap > FL_LO_MAX_TASKS || !(n = realloc(lo->tasks, cap * sizeof(*n)))) {
			lo->dropped++;
			return NULL;
		}
		lo->tasks = n;
		lo->captasks = cap;
	}
	t = &lo->tasks[lo->ntasks++];
	t->pid = pid;
	t->n = 0;
	return t;
}

/* A task that holds nothing needs no slot. */
static void task_put(struct fl_lo_graph *lo, struct fl_lo_task *t)
{
	if (t->n)
		return;
	*t = lo->tasks[--lo->ntasks];
}

static void held_remove(struct fl_lo_task *t, int i)
{
	memmove(&t->held[i], &t->held[i + 1], (t->n - i - 1) * sizeof(t->held[0]));
	t->n--;
}

/* ---- edges and cycles ------------------------------------------------ */

static int edge_find(const struct fl_lo_graph *lo, int from, int to)
{
	for (int i = 0; i < lo->nedges; i++)
		if (lo->edges[i].from == from && lo->edges[i].to == to)
			return i;
	return -1;
}

/*
 * The shortest chain of blocking edges from @src to @dst (breadth-first);
 * @path gets edge indexes in order.  Returns its length, 0 if none.
 */
static int chain(const struct fl_lo_graph *lo, int src, int dst, int *path)
{
	int via[FL_LO_MAX_CLASSES], queue[FL_LO_MAX_CLASSES], head = 0, tail = 0, n = 0;
	bool seen[FL_LO_MAX_CLASSES] = { false };

	seen[src] = true;
	queue[tail++] = src;
	while (head < tail) {
		int c = queue[head++];

		for (int i = 0; i < lo->nedges; i++) {
			const struct fl_lo_edge *e = &lo->edges[i];

			if (e->from != c || !e->blocking || seen[e->to])
				continue;
			seen[e->to] = true;
			via[e->to] = i;
			if (e->to == dst)
				goto found;
			queue[tail++] = e->to;
		}
	}
	return 0;
found:
	for (int c = dst; c != src; c = lo->edges[via[c]].from)
		n++;
	if (n > FL_LO_MAX_CHAIN - 1)
		return -1;
	for (int c = dst, i = n - 1; c != src; c = lo->edges[via[c]].from, i--)
		path[i] = via[c];
	return n;
}

/* The same cycle found again from another of its edges. */
static bool cycle_known(const struct fl_lo_graph *lo, const struct fl_lo_cycle *c)
{
	for (int k = 0; k < lo->ncycles; k++) {
		const struct fl_lo_cycle *o = &lo->cycles[k];
		int match = 0;

		if (o->n != c->n)
			continue;
		for (int i = 0; i < c->n; i++)
			for (int j = 0; j < o->n; j++)
				if (c->edges[i] == o->edges[j])
					match++;
		if (match == c->n)
			return true;
	}
	return false;
}

/* The new blocking edge @ei (from -> to) closes a cycle if to reaches from. */
static void check_cycle(struct fl_lo_graph *lo, int ei, fl_lo_report_fn report, void *ctx)
{
	const struct fl_lo_edge *e = &lo->edges[ei];
	struct fl_lo_cycle c = { 0 };
	int n = chain(lo, e->to, e->from, c.edges + 1);

	if (n == 0)
		return;
	if (n < 0 || lo->ncycles == FL_LO_MAX_CYCLES) {
		lo->dropped++;
		return;
	}
	c.edges[0] = ei;
	c.n = n + 1;
	if (cycle_known(lo, &c))
		return;
	lo->cycles[lo->ncycles] = c;
	if (report)
		report(ctx, FL_LO_CYCLE, lo, ei, lo->ncycles);
	lo->ncycles++;
}

static const char *inverts(const struct fl_lo_graph *lo, int from, int to)
{
	const struct fl_lo_class *a = &lo->cls[from], *b = &lo->cls[to];
	uint32_t magic = a->fs_magic ? a->fs_magic : b->fs_magic;

	/* two filesystems' locks are documented by neither */
	if (a->fs_magic && b->fs_magic && a->fs_magic != b->fs_magic)
		return NULL;
	return fl_lo_documented_before(b->kind, a->kind, magic);
}

static void add_edge(struct fl_lo_graph *lo, const struct fl_lo_held *h, int to,
		     const struct fl_event *ev, bool blocking, fl_lo_report_fn report, void *ctx)
{
	int ei = edge_find(lo, h->cls, to);
	struct fl_lo_edge *e;
	bool first_blocking;

	if (ei < 0) {
		if (lo->nedges == FL_LO_MAX_EDGES) {
			lo->dropped++;
			return;
		}
		ei = lo->nedges++;
		e = &lo->edges[ei];
		memset(e, 0, sizeof(*e));
		e->from = h->cls;
		e->to = to;
		e->holder = h->acq;
		e->holder_implied = h->implied;
		e->acq = *ev;
	}
	e = &lo->edges[ei];
	e->count++;
	if (!blocking)
		return;
	first_blocking = !e->blocking++;
	if (!first_blocking) {
		/* BPF takes a stack once a second per kind and held kinds: keep one */
		if (!(e->acq.flags & FL_F_STACK) && (ev->flags & FL_F_STACK)) {
			e->acq = *ev;
			e->holder = h->acq;
			e->holder_implied = h->implied;
		}
		return;
	}
	/* the evidence shown is the first observation that could deadlock */
	e->holder = h->acq;
	e->holder_implied = h->implied;
	e->acq = *ev;
	e->doc = inverts(lo, e->from, e->to);
	e->inverted = e->doc != NULL;
	if (e->inverted && report)
		report(ctx, FL_LO_INVERSION, lo, ei, -1);
	check_cycle(lo, ei, report, ctx);
}

/* ---- acquisitions and releases --------------------------------------- */

/*
 * A hold the task's lock words show but its events do not (the VFS's
 * inode_lock around an xfs_ilock, mmap_lock taken for writing): a holder for
 * this one acquisition, never kept, since its release will not be seen.
 * Shared holds count only when precise tracking vouches for them: the lock
 * word's reader hint outlives the hold.
 */
static int implied_holds(struct fl_lo_graph *lo, const struct fl_event *ev,
			 struct fl_lo_held *out)
{
	bool precise = ev->flags & FL_F_PRECISE;
	int n = 0;

	if (ev->op != FL_LK_I_RWSEM && (ev->i_rwsem == FL_LOCK_EXCL_ME ||
					 (precise && ev->i_rwsem == FL_LOCK_SHARED_ME))) {
		out[n].cls = class_of(lo, FL_LK_I_RWSEM, ev->fs_magic);
		out[n].mode = ev->i_rwsem == FL_LOCK_EXCL_ME ? FL_LKM_EXCL : FL_LKM_SHARED;
		n++;
	}
	if (ev->op != FL_LK_INVAL && ev->op != FL_LK_I_RWSEM &&
	    (ev->inval_lock == FL_LOCK_EXCL_ME ||
	     (precise && ev->inval_lock == FL_LOCK_SHARED_ME))) {
		out[n].cls = class_of(lo, FL_LK_INVAL, ev->fs_magic);
		out[n].mode = ev->inval_lock == FL_LOCK_EXCL_ME ? FL_LKM_EXCL : FL_LKM_SHARED;
		n++;
	}
	if (ev->op != FL_LK_MMAP && (ev->aux & FL_LKM_MMAP_EXCL)) {
		out[n].cls = class_of(lo, FL_LK_MMAP, 0);
		out[n].mode = FL_LKM_EXCL;
		n++;
	}
	for (int i = 0; i < n; i++) {
		out[i].inst = 0;
		out[i].implied = true;
		out[i].acq = *ev;
		out[i].acq.op = lo->cls[out[i].cls < 0 ? 0 : out[i].cls].kind;
		out[i].acq.flags &= ~FL_F_STACK;
		out[i].acq.nr_frames = 0;
	}
	return n;
}

static bool lo_kind_is_mm(unsigned int kind)
{
	return kind == FL_LK_MMAP;
}

static bool holds_class_on_inode(const struct fl_lo_task *t, int cls, const struct fl_event *ev)
{
	for (int i = 0; t && i < t->n; i++)
		if (t->held[i].cls == cls && (lo_kind_is_mm(t->held[i].acq.op) ||
					      same_inode(&t->held[i].acq.inode, &ev->inode)))
			return true;
	return false;
}

/*
 * Each lock the task holds orders before the new one.  Nesting two
 * instances of one class (rename's two i_rwsems, reflink's two inodes'
 * IOLOCKs) is no edge: the kernel orders such pairs by address or inode
 * number and tells lockdep so with a subclass (I_MUTEX_NONDIR2,
 * XFS_IOLOCK_DEP); the hooks cannot see subclasses, so such nesting is only
 * counted per class, never reported.  A trylock adds edges that are shown
 * but never close a cycle or count as an inversion: it cannot wait.
 */
static void acquire(struct fl_lo_graph *lo, const struct fl_event *ev, fl_lo_report_fn report,
		    void *ctx)
{
	struct fl_lo_held implied[3], *h;
	int cls = class_of(lo, ev->op, ev->fs_magic), nimp;
	bool blocking = !(ev->aux & FL_LKM_TRY);
	struct fl_lo_task *t;

	if (cls < 0)
		return;
	t = task_get(lo, ev->pid);
	if (ev->aux & FL_LKM_DOWNGRADE) {
		for (int i = t ? t->n - 1 : -1; i >= 0; i--) {
			if (same_instance(&t->held[i], cls, ev)) {
				t->held[i].mode = (t->held[i].mode & ~FL_LKM_EXCL) | FL_LKM_SHARED;
				break;
			}
		}
		goto out;
	}
	/* a hold BPF counted when it was taken, sent because something nests in it */
	if (ev->aux & FL_LKM_LATE)
		goto keep;
	lo->acquisitions++;
	lo->cls[cls].acquisitions++;
	nimp = implied_holds(lo, ev, implied);
	for (int i = 0; i < nimp; i++) {
		if (implied[i].cls < 0 || holds_class_on_inode(t, implied[i].cls, ev))
			continue;
		add_edge(lo, &implied[i], cls, ev, blocking, report, ctx);
	}
	for (int i = 0; t && i < t->n; i++) {
		h = &t->held[i];
		if (h->cls != cls)
			add_edge(lo, h, cls, ev, blocking, report, ctx);
		else if (!same_instance(h, cls, ev))
			lo->cls[cls].nested++;
	}
	if (!t)
		return;
	/* a try seen before it succeeded may have failed: its release never comes */
	if ((ev->aux & FL_LKM_TRY) && (ev->aux & FL_LKM_ATTEMPT)) {
		lo->try_failed_unknown++;
		goto out;
	}
keep:
	if (!t)
		return;
	if (t->n == FL_LO_MAX_HELD) {
		lo->held_overflow++;
		goto out;
	}
	h = &t->held[t->n++];
	h->cls = cls;
	h->inst = ev->kaddr;
	h->mode = ev->aux & ~FL_LKM_LATE;
	h->implied = false;
	h->acq = *ev;
out:
	if (t)
		task_put(lo, t);
}

/* Releases may come in any order: the newest matching hold goes. */
static void release(struct fl_lo_graph *lo, const struct fl_event *ev)
{
	int cls = class_of(lo, ev->op, ev->fs_magic);
	struct fl_lo_task *t = task_find(lo, ev->pid);

	lo->releases++;
	for (int i = t && cls >= 0 ? t->n - 1 : -1; i >= 0; i--) {
		if (same_instance(&t->held[i], cls, ev)) {
			held_remove(t, i);
			task_put(lo, t);
			return;
		}
	}
	lo->unmatched_releases++;
}

/*
 * BPF lists the holds of a task it told user space of: any other hold kept
 * for the pid has gone unseen (its release was lost, or the pid belonged
 * to a task that exited since), and must not order what comes next.
 */
static void sync(struct fl_lo_graph *lo, const struct fl_event *ev)
{
	struct fl_lo_task *t = task_find(lo, ev->pid);
	int n = ev->nr_frames < FL_MAX_FRAMES ? ev->nr_frames : FL_MAX_FRAMES;

	lo->syncs++;
	for (int i = t ? t->n - 1 : -1; i >= 0; i--) {
		bool listed = false;

		for (int k = 0; k < n && !listed; k++)
			listed = t->held[i].inst == ev->frames[k];
		if (listed)
			continue;
		held_remove(t, i);
		lo->sync_dropped++;
	}
	if (t)
		task_put(lo, t);
}

/*
 * A task holds nothing when it exits: what is kept for one that is gone
 * lost its releases (full ring buffer), and would otherwise stay until the
 * pid is reused and its new task's first event syncs it.
 */
void fl_lo_task_gone(struct fl_lo_graph *lo, uint32_t pid)
{
	struct fl_lo_task *t = task_find(lo, pid);

	if (!t)
		return;
	lo->gone_dropped += t->n;
	t->n = 0;
	task_put(lo, t);
}

void fl_lo_feed(struct fl_lo_graph *lo, const struct fl_event *ev,
		fl_lo_report_fn report, void *ctx)
{
	if (ev->type == FL_EV_LOCK_ACQ)
		acquire(lo, ev, report, ctx);
	else if (ev->type == FL_EV_LOCK_REL)
		release(lo, ev);
	else if (ev->type == FL_EV_LOCK_SYNC)
		sync(lo, ev);
}

/* What a running total from BPF adds to what was synced of it before. */
static uint64_t since(uint64_t *seen, uint64_t total)
{
	uint64_t add = total > *seen ? total - *seen : 0;

	*seen += add;
	return add;
}

void fl_lo_sync_counted_edge(struct fl_lo_graph *lo, const struct fl_lo_edge_key *k,
			     uint64_t n)
{
	int from = class_of(lo, k->from, k->from_magic), to = class_of(lo, k->to, k->to_magic);
	int ei = from < 0 || to < 0 ? -1 : edge_find(lo, from, to);
	struct fl_lo_edge *e;

	/* BPF counts an edge only once user space has it: else beyond the limits */
	if (ei < 0) {
		lo->dropped += since(&lo->dropped_counted, n);
		return;
	}
	e = &lo->edges[ei];
	n = since(&e->counted[!!k->try], n);
	e->count += n;
	if (!k->try)
		e->blocking += n;
}

void fl_lo_sync_counted_class(struct fl_lo_graph *lo, const struct fl_lo_class_key *k,
			      const struct fl_lo_class_count *c)
{
	int cls = class_of(lo, k->kind, k->magic);
	uint64_t acq;

	if (cls < 0)
		return;
	acq = since(&lo->cls[cls].counted_acquisitions, c->acquisitions);
	lo->cls[cls].acquisitions += acq;
	lo->cls[cls].nested += since(&lo->cls[cls].counted_nested, c->nested);
	lo->acquisitions += acq;
}
