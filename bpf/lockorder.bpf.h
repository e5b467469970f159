/* SPDX-License-Identifier: GPL-2.0 */
/*
 * FL_EV_LOCK_ACQ / FL_EV_LOCK_REL for the lock-order verifier, shared by
 * the lockorder object (tracepoints) and the locks object (precise mode,
 * fentry on the rw_semaphore operations).  Field use: events.h.
 *
 * Most acquisitions nest nothing (xfs takes ILOCK alone for every read and
 * iomap step), and an event costs about a microsecond.  An edge needs a
 * hold with something taken under it, so a hold taken while the task holds
 * nothing (by its events or its lock words) is only remembered in
 * fl_lo_depth; it is sent when a nested acquisition comes (with its own
 * time, before the nested one), and its release is sent only if it was.
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
	__u32 magic;		/* without an inode */
	__u32 dev;		/* without an inode */
	__u64 kaddr;
	struct inode *inode;	/* may be NULL */
};

static __always_inline bool fl_lo_mine(__u8 state, bool precise)
{
	return state == FL_LOCK_EXCL_ME || (precise && state == FL_LOCK_SHARED_ME);
}

/* Count a hold of @kind in or out; t->mask follows (no loop for the verifier). */
static __always_inline void fl_lo_count(struct fl_lo_task *t, __u8 kind, int n)
{
	if (kind >= FL_LK_MAX)
		return;
	if (n > 0 && t->held[kind] < 255)
		t->held[kind]++;
	else if (n < 0 && t->held[kind])
		t->held[kind]--;
	if (t->held[kind])
		t->mask |= 1U << kind;
	else
		t->mask &= ~(1U << kind);
}

static __always_inline struct fl_event *fl_lo_new(__u16 type, __u8 kind, __u32 slot,
						  struct inode *inode, __u32 magic, __u32 dev,
						  __u64 kaddr, __u32 mode)
{
	struct fl_event *e = fl_event_new(type, slot, inode);

	if (!e)
		return NULL;
	if (!inode) {
		e->fs_magic = magic;
		e->inode.dev = dev;
	}
	e->op = kind;
	e->kaddr = kaddr;
	e->aux = mode;
	if (fl_cfg.precise)
		e->flags |= FL_F_PRECISE;
	return e;
}

/* The pending hold, now that something is taken under it. */
static __always_inline void fl_lo_flush(struct fl_lo_task *t)
{
	struct fl_event *e;

	if (!t->pend)
		return;
	t->pend = 0;
	e = fl_lo_new(FL_EV_LOCK_ACQ, t->pend_kind, t->pend_slot, (void *)t->pend_inode,
		      t->pend_magic, t->pend_dev, t->pend_kaddr, t->pend_mode);
	if (!e)
		return;
	e->ts = t->pend_ts;
	bpf_ringbuf_submit(e, 0);
}

/*
 * The stack, when no stack was taken for this kind under the same held
 * kinds in the last FL_RESEND_NS: the walk is most of an event's cost, and
 * user space keeps one stack per edge.
 */
static __always_inline void fl_lo_stack(void *ctx, struct fl_event *e, __u32 held)
{
	struct fl_lo_gate_key k = {};
	__u64 now, *last;

	k.held_mask = held;
	k.kind = e->op;
	k.magic = e->fs_magic;
	k.mode = e->aux & FL_LKM_TRY;
	now = bpf_ktime_get_ns();
	last = bpf_map_lookup_elem(&fl_lo_gate, &k);
	if (!fl_cfg.emit_all && last && now - *last < FL_RESEND_NS)
		return;
	if (last)
		*last = now;
	else
		bpf_map_update_elem(&fl_lo_gate, &k, &now, BPF_ANY);
	fl_event_stack(ctx, e);
}

static __always_inline void fl_lo_acquire(void *ctx, struct fl_lo_op *op)
{
	__u32 pid = (__u32)bpf_get_current_pid_tgid(), held = 0;
	struct fl_lo_task *t = bpf_map_lookup_elem(&fl_lo_depth, &pid), fresh = {};
	bool precise = fl_cfg.precise, keep;
	struct task_struct *task;
	struct fl_event *e;
	__u64 owner = 0;
	__u32 mode = op->mode;
	__u8 kind = op->kind;

	if (kind >= FL_LK_MAX)
		return;
	if (t)
		held = t->mask;
	/* holds no hook here sees, from the lock words */
	task = bpf_get_current_task_btf();
	if (kind != FL_LK_MMAP && task->mm &&
	    fl_rwsem_state(&task->mm->mmap_lock, &owner) == FL_LOCK_EXCL_ME) {
		mode |= FL_LKM_MMAP_EXCL;
		held |= 1U << FL_LK_MMAP;
	}
	if (kind != FL_LK_I_RWSEM && fl_lo_mine(op->irw, precise))
		held |= 1U << FL_LK_I_RWSEM;
	if (kind != FL_LK_I_RWSEM && kind != FL_LK_INVAL && fl_lo_mine(op->inval, precise))
		held |= 1U << FL_LK_INVAL;
	/* an attempt may fail and is never released: no hold to count */
	keep = !(mode & FL_LKM_ATTEMPT);
	if (!held) {
		/* an attempt under nothing orders nothing */
		if (!keep)
			return;
		if (!t) {
			bpf_map_update_elem(&fl_lo_depth, &pid, &fresh, BPF_ANY);
			t = bpf_map_lookup_elem(&fl_lo_depth, &pid);
		}
		if (t) {
			fl_lo_count(t, kind, 1);
			t->pend = 1;
			t->pend_kind = kind;
			t->pend_slot = op->slot;
			t->pend_mode = mode;
			t->pend_magic = op->magic;
			t->pend_dev = op->dev;
			t->pend_inode = (__u64)op->inode;
			t->pend_kaddr = op->kaddr;
			t->pend_ts = bpf_ktime_get_ns();
			return;
		}
		/* no room to remember it: send it now */
	}
	if (!t && keep) {
		/* counted in the map's value: a variable index into the stack is refused */
		bpf_map_update_elem(&fl_lo_depth, &pid, &fresh, BPF_ANY);
		t = bpf_map_lookup_elem(&fl_lo_depth, &pid);
	}
	if (t) {
		fl_lo_flush(t);
		if (keep)
			fl_lo_count(t, kind, 1);
	}
	e = fl_lo_new(FL_EV_LOCK_ACQ, kind, op->slot, op->inode, op->magic, op->dev, op->kaddr,
		      mode);
	if (!e)
		return;
	e->i_rwsem = op->irw;
	e->inval_lock = op->inval;
	if (held)
		fl_lo_stack(ctx, e, held);
	bpf_ringbuf_submit(e, 0);
}

/* A release, or a downgrade (FL_LKM_DOWNGRADE): sent only if its hold was. */
static __always_inline void fl_lo_release(void *ctx, __u16 type, struct fl_lo_op *op)
{
	__u32 pid = (__u32)bpf_get_current_pid_tgid();
	struct fl_lo_task *t = bpf_map_lookup_elem(&fl_lo_depth, &pid);
	bool pending = t && t->pend && t->pend_kaddr == op->kaddr && t->pend_kind == op->kind;
	__u8 kind = op->kind;
	struct fl_event *e;

	if (kind >= FL_LK_MAX)
		return;
	if (op->mode & FL_LKM_DOWNGRADE) {
		if (pending) {
			t->pend_mode = (t->pend_mode & ~FL_LKM_EXCL) | FL_LKM_SHARED;
			return;
		}
		e = fl_lo_new(FL_EV_LOCK_ACQ, kind, op->slot, op->inode, op->magic, op->dev,
			      op->kaddr, op->mode);
		if (e)
			bpf_ringbuf_submit(e, 0);
		return;
	}
	if (t)
		fl_lo_count(t, kind, -1);
	if (pending) {
		t->pend = 0;
	} else {
		e = fl_lo_new(FL_EV_LOCK_REL, kind, op->slot, op->inode, op->magic, op->dev,
			      op->kaddr, 0);
		if (e)
			bpf_ringbuf_submit(e, 0);
	}
	if (t && !t->mask)
		bpf_map_delete_elem(&fl_lo_depth, &pid);
}

static __always_inline void fl_lo_op(void *ctx, __u16 type, struct fl_lo_op *op)
{
	if (type == FL_EV_LOCK_ACQ && !(op->mode & FL_LKM_DOWNGRADE))
		fl_lo_acquire(ctx, op);
	else
		fl_lo_release(ctx, type, op);
}

#endif /* FL_LOCKORDER_BPF_H */
