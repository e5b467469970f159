/* SPDX-License-Identifier: GPL-2.0 */
/*
 * FL_EV_LOCK_ACQ / FL_EV_LOCK_REL for the lock-order verifier, shared by
 * the lockorder object (tracepoints) and the locks object (precise mode,
 * fentry on the rw_semaphore operations).  Field use: events.h.
 */
#ifndef FL_LOCKORDER_BPF_H
#define FL_LOCKORDER_BPF_H

#include "fl_common.bpf.h"

/* Count the task's holds; true if it held a tracked lock before this one. */
static __always_inline bool fl_lo_depth_add(__u16 type, __u32 mode)
{
	__u32 pid = (__u32)bpf_get_current_pid_tgid();
	__s32 *d = bpf_map_lookup_elem(&fl_lo_depth, &pid), one = 1;
	bool held = d && *d > 0;

	if (type == FL_EV_LOCK_REL) {
		if (d && *d > 1)
			(*d)--;
		else if (d)
			bpf_map_delete_elem(&fl_lo_depth, &pid);
		return held;
	}
	/* a downgrade is no new hold; an attempt may fail and never be released */
	if (mode & (FL_LKM_DOWNGRADE | FL_LKM_ATTEMPT))
		return held;
	if (d)
		(*d)++;
	else
		bpf_map_update_elem(&fl_lo_depth, &pid, &one, BPF_ANY);
	return held;
}

/*
 * One acquisition or release, for the caller to complete and hand to
 * fl_lo_submit.  @inode may be NULL (a jbd2 handle): the caller fills
 * e->inode.  Acquisitions carry the task's mmap_lock word (a hold no hook
 * here sees); callers with a BTF-typed inode add its i_rwsem and
 * invalidate_lock words (fl_lo_words).
 */
static __always_inline struct fl_event *fl_lo_event(__u16 type, __u8 kind, __u32 slot,
						    struct inode *inode, __u64 kaddr,
						    __u32 mode)
{
	bool nested = fl_lo_depth_add(type, mode);
	struct task_struct *task;
	__u64 owner = 0;
	struct fl_event *e;

	e = fl_event_new(type, slot, inode);
	if (!e)
		return NULL;
	e->op = kind;
	e->kaddr = kaddr;
	e->aux = mode;
	if (fl_cfg.precise)
		e->flags |= FL_F_PRECISE;
	if (type != FL_EV_LOCK_ACQ || (mode & FL_LKM_DOWNGRADE))
		return e;
	task = bpf_get_current_task_btf();
	if (task->mm && fl_rwsem_state(&task->mm->mmap_lock, &owner) == FL_LOCK_EXCL_ME)
		e->aux |= FL_LKM_MMAP_EXCL;
	if (nested)
		e->flags |= FL_F_STACK;	/* fl_lo_submit: take it */
	return e;
}

static __always_inline bool fl_lo_mine(__u8 state, bool precise)
{
	return state == FL_LOCK_EXCL_ME || (precise && state == FL_LOCK_SHARED_ME);
}

/*
 * Submit, with the stack when the acquisition can add an edge: another
 * tracked lock held by the task's events, or one its lock words show.
 */
static __always_inline void fl_lo_submit(void *ctx, struct fl_event *e)
{
	bool precise = e->flags & FL_F_PRECISE;
	bool held = (e->flags & FL_F_STACK) || (e->aux & FL_LKM_MMAP_EXCL) ||
		    (e->op != FL_LK_I_RWSEM && fl_lo_mine(e->i_rwsem, precise)) ||
		    (e->op != FL_LK_I_RWSEM && e->op != FL_LK_INVAL &&
		     fl_lo_mine(e->inval_lock, precise));

	e->flags &= ~FL_F_STACK;
	if (e->type == FL_EV_LOCK_ACQ && !(e->aux & FL_LKM_DOWNGRADE) && held)
		fl_event_stack(ctx, e);
	bpf_ringbuf_submit(e, 0);
}

/*
 * The inode's own lock words at an acquisition: holds taken where no hook
 * sees them (the VFS's inode_lock around an xfs_ilock) still order.
 */
static __always_inline void fl_lo_words(struct fl_event *e, struct inode *inode)
{
	__u64 owner = 0;

	e->i_rwsem = fl_rwsem_state(&inode->i_rwsem, &owner);
	e->inval_lock = fl_inval_lock_state(inode->i_mapping, &owner);
}

#endif /* FL_LOCKORDER_BPF_H */
