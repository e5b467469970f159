/* SPDX-License-Identifier: GPL-2.0 */
/*
 * FL_EV_LOCK_ACQ / FL_EV_LOCK_REL / FL_EV_LOCK_SYNC for the lock-order
 * verifier, shared by the lockorder object (tracepoints) and the locks
 * object (precise mode, fentry on the rw_semaphore operations).  Field
 * use: events.h.
 *
 * Each task's holds are followed here, by instance (fl_lo_tasks), so that
 * a release ends exactly the hold it belongs to, whatever became of the
 * inode in between (xfs frees an inode under its ILOCK: i_mode is 0 by the
 * time the ILOCK goes), and a release whose acquisition was never followed
 * is counted here instead of reaching user space.
 *
 * Most acquisitions order nothing new: xfs takes ILOCK under MMAPLOCK on
 * every write fault, an edge user space has known since the first one.  An
 * event costs about a microsecond and the ring is shared with the page
 * cache rules, so an acquisition leaves BPF only when it adds an edge that
 * user space was not sent yet (or, recording, when it nests at all); the
 * holds it nests under follow it first (FL_LKM_LATE), a release only if
 * its acquisition was sent, and the repeats are counted in fl_lo_edges and
 * fl_lo_classes.
 *
 * A lost event must not leave user space with a hold that is gone (every
 * later acquisition would order under it): after a lost release, and
 * before a task's first event, FL_EV_LOCK_SYNC lists the holds user space
 * was told of, and nothing else of the task is sent until it got through.
 *
 * The walks over a task's holds are global functions, not static ones: the
 * verifier checks a global function once per program, a static one again
 * at every call site, with every state of the caller.  Inlined into the
 * three locks of one xfs_ilock call they cost 444,000 verified
 * instructions per program (2.5 s to load the object on the host, most of
 * a lock-order start's 110-134 s in the 6.1 TCG guest); as global
 * functions 66,000 (0.26 s, and 2.4 s in that guest).  A global function
 * takes only scalars and pointers to memory, which it must test for NULL.
 */
#ifndef FL_LOCKORDER_BPF_H
#define FL_LOCKORDER_BPF_H

#include "fl_common.bpf.h"

/* One lock operation, as the hook saw it. */
struct fl_lo_op {
	__u8 kind;		/* enum fl_lock_kind */
	__u8 irw, inval;	/* ACQ: the inode's lock words, FL_LOCK_NA if unread */
	__u32 slot;
	__u32 mode;		/* FL_LKM_* */
	__u32 magic;		/* the lock's filesystem, 0 for mmap_lock */
	__u32 dev;		/* without an inode */
	__u64 kaddr;
	__u64 ts;		/* one per hook call: the locks of one xfs_ilock share it */
	struct inode *inode;	/* may be NULL */
	__u32 counted;		/* FL_LO_COUNT's walk: what it counted (fl_lo_walk) */
};

/* What walking a task's holds for a new acquisition does with each edge. */
enum {
	FL_LO_PROBE,		/* find out what the acquisition would add */
	FL_LO_COUNT,		/* find out, and count the known edges in the maps */
	FL_LO_UNCOUNT,		/* it is sent after all: take back what COUNT counted */
	FL_LO_LEARN,		/* it was sent: user space knows its edges now */
};

#define FL_LO_NEW	(1 << 0)	/* an edge user space was not sent */
#define FL_LO_EDGE	(1 << 1)	/* any edge */
#define FL_LO_NESTED	(1 << 2)	/* another instance of its own class is held */

static __always_inline bool fl_lo_mine(__u8 state, bool precise)
{
	return state == FL_LOCK_EXCL_ME || (precise && state == FL_LOCK_SHARED_ME);
}

/*
 * Does precise tracking feed lock order?  Its rw_semaphore hooks (fentry,
 * locks.bpf.c) are records like any other: where the kernel preempts BPF
 * programs it skips a hook that another task is inside on the same CPU, so
 * a skipped release would leave a hold that is gone (every later
 * acquisition would order under it: a false edge) and a skipped
 * acquisition an edge missed.  There (fl_cfg.precise_all 0, as for the
 * page-cache rules: fl_lockword.bpf.h) lock order is what it is without
 * --locks=precise: tracepoints, which run with preemption off, and
 * exclusive holds proven by the lock word; no record vouches for a shared
 * hold either.
 */
static __always_inline bool fl_lo_precise(void)
{
	return fl_cfg.precise_all;
}

static __always_inline struct fl_lo_task *fl_lo_task_get(bool create)
{
	return bpf_task_storage_get(&fl_lo_tasks, bpf_get_current_task_btf(), NULL,
				    create ? BPF_LOCAL_STORAGE_GET_F_CREATE : 0);
}

/* The rw_semaphore behind a hold, or 0 (a journal handle is no semaphore). */
static __always_inline __u64 fl_lo_sem(const struct fl_lo_hold *h)
{
	switch (h->kind) {
	case FL_LK_MMAP:
		return h->kaddr + bpf_core_field_offset(struct mm_struct, mmap_lock);
	case FL_LK_I_RWSEM:
	case FL_LK_INVAL:
	case FL_LK_XFS_ILOCK:	/* an mrlock_t starts with its rw_semaphore */
		return h->kaddr;
	default:
		return 0;
	}
}

/*
 * Does the lock word still show @h held?  Exclusive: the writer bit with
 * us as owner; shared: any reader (the owner hint cannot say which; on
 * PREEMPT_RT no field names one).  Journal handles say yes.
 */
static __always_inline bool fl_lo_still_held(const struct fl_lo_hold *h)
{
	struct rw_semaphore *sem = (void *)fl_lo_sem(h);
	unsigned long count, owner;
	__u64 writer, readers;

	if (!sem)
		return true;
	if (fl_rwsem_rt_word(sem, &writer, &readers))
		return (h->mode & FL_LKM_EXCL) ? writer == bpf_get_current_task() : readers != 0;
	if (!bpf_core_field_exists(sem->count))
		return true;
	count = BPF_CORE_READ(sem, count.counter);
	if (h->mode & FL_LKM_EXCL) {
		owner = BPF_CORE_READ(sem, owner.counter);
		return (count & 1) && (owner & ~0x7UL) == bpf_get_current_task();
	}
	return (count >> 8) != 0;
}

/* Remove hold @i, keeping the rest in the order they were taken. */
static __noinline void fl_lo_drop(struct fl_lo_task *t, __u32 i)
{
	__u32 n = t->n;

	if (!n || n > FL_LO_HELD || i >= n)
		return;
	for (__u32 j = i; j + 1 < n && j + 1 < FL_LO_HELD; j++)
		t->h[j] = t->h[j + 1];
	t->n = n - 1;
}

static __always_inline struct fl_event *fl_lo_new(__u16 type, __u8 kind, __u32 slot,
						  struct inode *inode, __u32 magic, __u32 dev,
						  __u64 kaddr, __u32 mode, bool stack)
{
	struct fl_event *e = fl_event_reserve(type, slot, inode, stack);

	if (!e)
		return NULL;
	if (!inode) {
		e->fs_magic = magic;
		e->inode.dev = dev;
	}
	e->op = kind;
	e->kaddr = kaddr;
	e->aux = mode;
	if (fl_lo_precise())
		e->flags |= FL_F_PRECISE;
	return e;
}

/* Tell user space every hold of the task it knows of, if it must hear it. */
__noinline int fl_lo_sync(struct fl_lo_task *t, __u32 slot)
{
	struct fl_event *e;
	__u32 n = 0;

	if (!t)
		return false;
	if (t->synced)
		return true;
	e = fl_event_new_stack(FL_EV_LOCK_SYNC, slot, NULL);	/* frames: the instances */
	if (!e)
		return false;
	for (__u32 i = 0; i < FL_LO_HELD; i++) {
		if (i >= t->n)
			break;
		if (t->h[i].sent && n < FL_MAX_FRAMES)
			e->frames[n++] = t->h[i].kaddr;
	}
	e->nr_frames = n;
	bpf_ringbuf_submit(e, 0);
	if (t->resync)
		fl_count(slot, FL_CNT_LO_RESYNCS);
	t->synced = 1;
	t->resync = 0;
	return true;
}

/* An event of the task was lost: user space must be told its holds again. */
static __always_inline void fl_lo_lost(struct fl_lo_task *t)
{
	t->synced = 0;
	t->resync = 1;		/* not a task's first event */
}

/* Send the holds user space does not have yet, in the order they were taken. */
__noinline int fl_lo_flush(struct fl_lo_task *t)
{
	if (!t)
		return 0;
	for (__u32 i = 0; i < FL_LO_HELD; i++) {
		struct fl_lo_hold *h;
		struct fl_event *e;

		if (i >= t->n)
			break;
		h = &t->h[i];
		if (h->sent || h->attempt)
			continue;
		e = fl_lo_new(FL_EV_LOCK_ACQ, h->kind, h->slot, (void *)h->inode, h->magic,
			      h->dev, h->kaddr, h->mode | FL_LKM_LATE, false);
		if (!e)
			continue;	/* stays unsent: its release stays in BPF too */
		e->ts = h->ts;
		bpf_ringbuf_submit(e, 0);
		h->sent = 1;
	}
	return 0;
}

__noinline int fl_lo_edge(__u8 from, __u32 from_magic, struct fl_lo_op *op, int what)
{
	struct fl_lo_edge_key k = { .from = from, .from_magic = from_magic };
	__u64 zero = 0, *v;

	if (!op)
		return 0;
	k.to = op->kind;
	k.try = !!(op->mode & FL_LKM_TRY);
	k.to_magic = op->magic;
	v = bpf_map_lookup_elem(&fl_lo_edges, &k);

	if (what == FL_LO_COUNT && v)
		__sync_fetch_and_add(v, 1);
	else if (what == FL_LO_UNCOUNT && v)
		__sync_fetch_and_add(v, -1);
	else if (what == FL_LO_LEARN && !v)
		bpf_map_update_elem(&fl_lo_edges, &k, &zero, BPF_NOEXIST);
	return v ? FL_LO_EDGE : FL_LO_EDGE | FL_LO_NEW;
}

/* Does the task hold a lock of this class on @inode (any, for mmap_lock)? */
static __noinline bool fl_lo_holds(struct fl_lo_task *t, __u8 kind, __u32 magic,
					__u64 inode)
{
	for (__u32 i = 0; i < FL_LO_HELD; i++) {
		struct fl_lo_hold *h;

		if (i >= t->n)
			break;
		h = &t->h[i];
		if (!h->attempt && h->kind == kind && h->magic == magic &&
		    (kind == FL_LK_MMAP || h->inode == inode))
			return true;
	}
	return false;
}

static __always_inline void fl_lo_count_class(struct fl_lo_op *op, bool nested, __s64 n)
{
	struct fl_lo_class_key k = { .kind = op->kind, .magic = op->magic };
	struct fl_lo_class_count zero = {}, *c;

	c = bpf_map_lookup_elem(&fl_lo_classes, &k);
	if (!c) {
		bpf_map_update_elem(&fl_lo_classes, &k, &zero, BPF_NOEXIST);
		c = bpf_map_lookup_elem(&fl_lo_classes, &k);
		if (!c)
			return;
	}
	if (nested)
		__sync_fetch_and_add(&c->nested, n);
	else
		__sync_fetch_and_add(&c->acquisitions, n);
}

/*
 * The edges a new acquisition adds: one from each lock the task holds
 * (another instance of the same class is nesting, no edge: see
 * lockorder.c), and from the holds only its lock words show (the VFS's
 * inode_lock around an xfs_ilock, mmap_lock taken for writing).  The same
 * decisions as user space's acquire() in lockorder.c, which makes the
 * edges of what is sent.
 *
 * FL_LO_COUNT sets a bit in op->counted for each count it adds (bit i: the
 * hold h[i]; FL_LO_HELD and up: the holds from lock words), and
 * FL_LO_UNCOUNT takes back only those: an edge COUNT found new may have
 * been learnt on another CPU since, and was never counted here.
 */
#define FL_LO_BIT_MMAP		(1U << FL_LO_HELD)
#define FL_LO_BIT_I_RWSEM	(1U << (FL_LO_HELD + 1))
#define FL_LO_BIT_INVAL		(1U << (FL_LO_HELD + 2))

static __always_inline int fl_lo_edge_bit(__u8 from, __u32 from_magic, struct fl_lo_op *op,
					  int what, __u32 bit)
{
	int r;

	if (what == FL_LO_UNCOUNT && !(op->counted & bit))
		return 0;
	r = fl_lo_edge(from, from_magic, op, what);
	if (what == FL_LO_COUNT && !(r & FL_LO_NEW))
		op->counted |= bit;
	return r;
}

__noinline int fl_lo_walk(struct fl_lo_task *t, struct fl_lo_op *op, int what)
{
	bool precise = fl_lo_precise();
	__u64 inode;
	int found = 0;

	if (!t || !op)
		return 0;
	inode = (__u64)op->inode;
	for (__u32 i = 0; i < FL_LO_HELD; i++) {
		struct fl_lo_hold *h;

		if (i >= t->n)
			break;
		h = &t->h[i];
		if (h->attempt || h->kaddr == op->kaddr)
			continue;
		if (h->kind == op->kind && h->magic == op->magic) {
			found |= FL_LO_NESTED;
			if (what == FL_LO_COUNT) {
				fl_lo_count_class(op, true, 1);
				op->counted |= 1U << i;
			} else if (what == FL_LO_UNCOUNT && (op->counted & (1U << i))) {
				fl_lo_count_class(op, true, -1);
			}
			continue;
		}
		found |= fl_lo_edge_bit(h->kind, h->magic, op, what, 1U << i);
	}
	if (op->kind != FL_LK_MMAP && (op->mode & FL_LKM_MMAP_EXCL) &&
	    !fl_lo_holds(t, FL_LK_MMAP, 0, 0))
		found |= fl_lo_edge_bit(FL_LK_MMAP, 0, op, what, FL_LO_BIT_MMAP);
	if (op->kind != FL_LK_I_RWSEM && fl_lo_mine(op->irw, precise) &&
	    !fl_lo_holds(t, FL_LK_I_RWSEM, op->magic, inode))
		found |= fl_lo_edge_bit(FL_LK_I_RWSEM, op->magic, op, what, FL_LO_BIT_I_RWSEM);
	if (op->kind != FL_LK_I_RWSEM && op->kind != FL_LK_INVAL && fl_lo_mine(op->inval, precise) &&
	    !fl_lo_holds(t, FL_LK_INVAL, op->magic, inode))
		found |= fl_lo_edge_bit(FL_LK_INVAL, op->magic, op, what, FL_LO_BIT_INVAL);
	return found;
}

/*
 * Before an edge is sent: a hold the lock word no longer shows was
 * released where no hook saw it, and orders nothing.  Holds taken in this
 * same hook call are not taken yet (xfs_ilock traces on entry).
 */
__noinline int fl_lo_check_holds(struct fl_lo_task *t, __u64 ts)
{
	if (!t)
		return 0;
	for (__u32 k = 0; k < FL_LO_HELD; k++) {
		__u32 i = FL_LO_HELD - 1 - k;	/* newest first: dropping shifts the rest */
		struct fl_lo_hold *h;

		if (i >= t->n)
			continue;
		h = &t->h[i];
		if (h->attempt || h->ts == ts || fl_lo_still_held(h))
			continue;
		if (h->sent)
			fl_lo_lost(t);
		fl_count(h->slot, FL_CNT_LO_ORPHANS);
		fl_lo_drop(t, i);
	}
	return 0;
}

/*
 * A _nowait traced on entry may have failed.  By the task's next
 * acquisition it either holds the lock, exclusively as owner or among
 * the readers, or it does not: decided from the lock word where it can be.
 * A shared attempt among other readers stays undecided (and is no holder)
 * until its release or a later look settles it.
 */
__noinline int fl_lo_resolve(struct fl_lo_task *t)
{
	__u64 me = bpf_get_current_task();

	if (!t)
		return 0;
	for (__u32 k = 0; k < FL_LO_HELD; k++) {
		__u32 i = FL_LO_HELD - 1 - k;
		struct rw_semaphore *sem;
		unsigned long count, owner;
		__u64 writer, readers;
		struct fl_lo_hold *h;
		bool held, known;

		if (i >= t->n)
			continue;
		h = &t->h[i];
		if (!h->attempt)
			continue;
		sem = (void *)fl_lo_sem(h);
		if (!sem)
			continue;
		if (fl_rwsem_rt_word(sem, &writer, &readers)) {
			/* RT: a shared attempt is settled only when no reader is left */
			held = (h->mode & FL_LKM_EXCL) && writer == me;
			known = (h->mode & FL_LKM_EXCL) || !readers;
		} else {
			if (!bpf_core_field_exists(sem->count))
				continue;
			count = BPF_CORE_READ(sem, count.counter);
			owner = BPF_CORE_READ(sem, owner.counter);
			if (h->mode & FL_LKM_EXCL) {
				held = (count & 1) && (owner & ~0x7UL) == me;
				known = true;
			} else {
				held = !(count & 1) && (count >> 8) && (owner & 1) &&
				       (owner & ~0x7UL) == me;
				known = held || !(count >> 8) || (count & 1);
			}
		}
		if (!known)
			continue;
		if (held) {
			h->attempt = 0;
			continue;
		}
		fl_count(h->slot, FL_CNT_LO_ATTEMPT_FAILED);
		fl_lo_drop(t, i);
	}
	return 0;
}

static __always_inline void fl_lo_keep(struct fl_lo_task *t, struct fl_lo_op *op, bool sent)
{
	__u32 n = t->n;
	struct fl_lo_hold *h;

	if (n >= FL_LO_HELD) {
		t->overflow++;
		fl_count(op->slot, FL_CNT_LO_OVERFLOW);
		return;
	}
	h = &t->h[n];
	h->kaddr = op->kaddr;
	h->inode = (__u64)op->inode;
	h->ts = op->ts;
	h->magic = op->magic;
	h->dev = op->dev;
	h->mode = op->mode & ~FL_LKM_ATTEMPT;
	h->kind = op->kind;
	h->slot = op->slot;
	h->sent = sent;
	h->attempt = !!(op->mode & FL_LKM_ATTEMPT);
	t->n = n + 1;
}

/*
 * @t: the task's state if the hook has fetched it already (mmap_lock's
 * does, for its start_locking mark), else NULL: fetched here, created if
 * the task has none yet.
 */
static __noinline void fl_lo_acquire_t(void *ctx, struct fl_lo_op *op, struct fl_lo_task *t)
{
	int first = fl_cfg.emit_all ? FL_LO_PROBE : FL_LO_COUNT;
	bool sent = false, counted = false;
	struct task_struct *task;
	struct fl_event *e;
	__u64 owner = 0;
	int found;

	if (op->kind >= FL_LK_MAX)
		return;
	if (!t)
		t = fl_lo_task_get(true);
	if (!t) {
		fl_count(op->slot, FL_CNT_LO_NO_STATE);
		return;
	}
	/*
	 * mmap_lock with nothing held, the common case (it is the outermost
	 * lock): no attempt to resolve, no edge and no nesting to find (its
	 * op carries no lock words), so the walks below would find nothing.
	 */
	if (op->kind == FL_LK_MMAP && !t->n)
		goto counted;
	fl_lo_resolve(t);
	/* mmap_lock held for writing is a holder even where its hooks are off */
	task = bpf_get_current_task_btf();
	if (op->kind != FL_LK_MMAP && task->mm &&
	    fl_rwsem_state(FL_BTF, &task->mm->mmap_lock, &owner) == FL_LOCK_EXCL_ME)
		op->mode |= FL_LKM_MMAP_EXCL;
	/*
	 * Most acquisitions add no edge: the first walk counts as it looks,
	 * and is the only one.  One that adds an edge takes its counts back
	 * (user space may read them meanwhile: one more repeat, for a moment)
	 * and looks again.  Recording sends every nesting: it only looks.
	 */
	op->counted = 0;
	found = fl_lo_walk(t, op, first);
	if (found & FL_LO_NEW) {
		if (first == FL_LO_COUNT)
			fl_lo_walk(t, op, FL_LO_UNCOUNT);
		fl_lo_check_holds(t, op->ts);
		found = fl_lo_walk(t, op, FL_LO_PROBE);
	} else {
		counted = first == FL_LO_COUNT;
	}
	if (fl_cfg.emit_all ? (found & (FL_LO_EDGE | FL_LO_NESTED)) : (found & FL_LO_NEW)) {
		if (!fl_lo_sync(t, op->slot))
			goto counted;
		fl_lo_flush(t);
		e = found & FL_LO_NEW ?
		    fl_lo_new(FL_EV_LOCK_ACQ, op->kind, op->slot, op->inode, op->magic, op->dev,
			      op->kaddr, op->mode, true) :
		    fl_lo_new(FL_EV_LOCK_ACQ, op->kind, op->slot, op->inode, op->magic, op->dev,
			      op->kaddr, op->mode, false);
		if (!e)
			goto keep;	/* a loss: the edges may be missing, nothing is wrong */
		e->ts = op->ts;
		e->i_rwsem = op->irw;
		e->inval_lock = op->inval;
		if (found & FL_LO_NEW)
			fl_event_stack(ctx, e);
		bpf_ringbuf_submit(e, 0);
		fl_lo_walk(t, op, FL_LO_LEARN);
		/* user space keeps no attempt: nothing to release there */
		sent = !(op->mode & FL_LKM_ATTEMPT);
		goto keep;
	}
counted:
	if (!counted)
		fl_lo_walk(t, op, FL_LO_COUNT);
	fl_lo_count_class(op, false, 1);
keep:
	fl_lo_keep(t, op, sent);
}

static __always_inline void fl_lo_acquire(void *ctx, struct fl_lo_op *op)
{
	fl_lo_acquire_t(ctx, op, NULL);
}

/* The newest hold of this instance, or FL_LO_HELD. */
static __always_inline __u32 fl_lo_find(struct fl_lo_task *t, struct fl_lo_op *op)
{
	for (__u32 k = 0; k < FL_LO_HELD; k++) {
		__u32 i = FL_LO_HELD - 1 - k;

		if (i >= t->n)
			continue;
		if (t->h[i].kaddr == op->kaddr && t->h[i].kind == op->kind)
			return i;
	}
	return FL_LO_HELD;
}

/*
 * A release (or downgrade) of a hold the task's state does not have.  The
 * release hooks attach before the acquisition hooks, so it was taken
 * before its hook attached: in the attach window (a second after the
 * programs were all attached at most), or held since before the start.
 * In tracepoint mode, xfs IOLOCK and MMAPLOCK are also taken through the
 * VFS (inode_lock, filemap_invalidate_lock_two: reflink and dedupe) and
 * let go by xfs_iunlock or demoted by xfs_ilock_demote: no tracepoint
 * shows such an acquisition.
 */
static __always_inline void fl_lo_unmatched(struct fl_lo_op *op)
{
	__u32 key = FL_ARMED_AT;
	__u64 *armed = bpf_map_lookup_elem(&fl_armed, &key);

	if (!fl_lo_precise() && op->magic == 0x58465342 &&	/* XFS_SB_MAGIC */
	    (op->kind == FL_LK_I_RWSEM || op->kind == FL_LK_INVAL)) {
		fl_count(op->slot, FL_CNT_LO_VFS);
		return;
	}
	if (armed && *armed && bpf_ktime_get_ns() > *armed + FL_RESEND_NS)
		fl_count(op->slot, FL_CNT_LO_UNMATCHED_LATE);
	else
		fl_count(op->slot, FL_CNT_LO_UNMATCHED);
}

/*
 * A release, or a downgrade (FL_LKM_DOWNGRADE): sent only if its hold was.
 * @followed: the lock could have been followed at its acquisition (a
 * watched regular file, or an inode being created or freed), so a release
 * nobody saw taken is worth counting.
 */
__noinline int fl_lo_release(struct fl_lo_op *op, bool followed)
{
	struct fl_lo_task *t = fl_lo_task_get(false);
	struct fl_lo_hold *h;
	struct fl_event *e;
	__u32 i;

	if (!op || op->kind >= FL_LK_MAX)
		return 0;
	i = t ? fl_lo_find(t, op) : FL_LO_HELD;
	if (i >= FL_LO_HELD || !t) {
		if (t && t->overflow && !(op->mode & FL_LKM_DOWNGRADE))
			t->overflow--;
		else if (followed)
			fl_lo_unmatched(op);
		return 0;
	}
	h = &t->h[i];
	if (op->mode & FL_LKM_DOWNGRADE) {
		h->mode = (h->mode & ~FL_LKM_EXCL) | FL_LKM_SHARED;
		if (!h->sent)
			return 0;
		e = fl_lo_new(FL_EV_LOCK_ACQ, op->kind, h->slot, (void *)h->inode, h->magic,
			      h->dev, op->kaddr, op->mode, false);
		if (e)
			bpf_ringbuf_submit(e, 0);
		return 0;
	}
	if (h->sent) {
		e = fl_lo_new(FL_EV_LOCK_REL, op->kind, h->slot, (void *)h->inode, h->magic,
			      h->dev, op->kaddr, 0, false);
		if (e)
			bpf_ringbuf_submit(e, 0);
		else
			fl_lo_lost(t);
	}
	fl_lo_drop(t, i);
	return 0;
}

/* A release's time is its event's own (fl_event_init): only a hold keeps op->ts. */
static __always_inline void fl_lo_op(void *ctx, __u16 type, struct fl_lo_op *op, bool followed)
{
	if (type == FL_EV_LOCK_ACQ && !(op->mode & FL_LKM_DOWNGRADE)) {
		if (!op->ts)
			op->ts = bpf_ktime_get_ns();
		fl_lo_acquire(ctx, op);
	} else {
		fl_lo_release(op, followed);
	}
}

#endif /* FL_LOCKORDER_BPF_H */
