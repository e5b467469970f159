// SPDX-License-Identifier: GPL-2.0
/*
 * Lock-order tracking from tracepoints (any kernel, no fentry needed):
 * xfs's inode locks (IOLOCK = i_rwsem, MMAPLOCK = invalidate_lock, ILOCK)
 * from xfs_ilock / xfs_ilock_nowait / xfs_ilock_demote / xfs_iunlock,
 * ext4's journal handles from jbd2_handle_start / jbd2_handle_stats, and
 * mmap_lock from the mmap_lock tracepoints.  Loaded only with
 * --lock-order; filtered to watched filesystems (mmap_lock: watched tasks).
 *
 * xfs_ilock and xfs_ilock_nowait trace on entry, before the lock is
 * taken: the order is known, success is not.  xfs_ilock always succeeds;
 * a _nowait is kept as an attempt that the task's next acquisition
 * settles from the lock word (lockorder.bpf.h).  In precise mode (where
 * BPF programs are not preemptible: fl_lo_precise) the locks
 * object sees i_rwsem and invalidate_lock itself (after they are taken),
 * so only ILOCK comes from here; when one call takes ILOCK after either
 * rw_semaphore, its entry tracepoint would put ILOCK first, so it waits
 * in the task's state for the call's last rw_semaphore (locks.bpf.c).
 */
#include "lockorder.bpf.h"

/* fs/xfs/xfs_inode.h, stable since 4.x */
#define XFS_IOLOCK_EXCL		(1U << 0)
#define XFS_IOLOCK_SHARED	(1U << 1)
#define XFS_ILOCK_EXCL		(1U << 2)
#define XFS_ILOCK_SHARED	(1U << 3)
#define XFS_MMAPLOCK_EXCL	(1U << 4)
#define XFS_MMAPLOCK_SHARED	(1U << 5)
#define XFS_IOLOCK_ANY		(XFS_IOLOCK_EXCL | XFS_IOLOCK_SHARED)
#define XFS_MMAPLOCK_ANY	(XFS_MMAPLOCK_EXCL | XFS_MMAPLOCK_SHARED)
#define XFS_ILOCK_ANY		(XFS_ILOCK_EXCL | XFS_ILOCK_SHARED)

#define XFS_SB_MAGIC		0x58465342
#define EXT4_MAGIC		0xEF53

static __always_inline __u32 xfs_mode(unsigned int flags, unsigned int excl)
{
	return (flags & excl) ? FL_LKM_EXCL : FL_LKM_SHARED;
}

static __always_inline void xfs_one(void *ctx, __u16 type, __u8 kind, __u32 slot,
				    struct xfs_inode *ip, __u64 kaddr, __u32 mode, __u64 ts,
				    bool followed)
{
	struct fl_lo_op op = {
		.kind = kind, .slot = slot, .mode = mode, .kaddr = kaddr, .ts = ts,
		.magic = XFS_SB_MAGIC, .inode = &ip->i_vnode,
		.irw = FL_LOCK_NA, .inval = FL_LOCK_NA,
	};
	__u64 owner = 0;

	/* the inode's own lock words: the VFS's inode_lock is no xfs_ilock */
	if (type == FL_EV_LOCK_ACQ && !(mode & FL_LKM_DOWNGRADE)) {
		op.irw = fl_rwsem_state(FL_BTF, &ip->i_vnode.i_rwsem, &owner);
		op.inval = fl_inval_lock_state(FL_BTF, ip->i_vnode.i_mapping, &owner);
	}
	fl_lo_op(ctx, type, &op, followed);
}

/*
 * When the locks of one call are taken, for the holds they leave (and the
 * same-call test of fl_lo_check_holds).  A release or a downgrade keeps no
 * hold, and its event has its own time: no clock read, which costs more
 * than the rest of a release on a VM (~200 ns; issue 12).
 */
static __always_inline __u64 xfs_acq_ts(__u16 type, __u32 extra)
{
	if (type != FL_EV_LOCK_ACQ || (extra & FL_LKM_DOWNGRADE))
		return 0;
	return bpf_ktime_get_ns();
}

/*
 * Precise mode: the ILOCK of a call that takes an rw_semaphore first is
 * taken once that semaphore is (locks.bpf.c, fl_lo_deferred).
 */
static __always_inline void xfs_defer_ilock(struct xfs_inode *ip, unsigned int flags,
					    __u32 slot, __u32 extra)
{
	struct fl_lo_task *t = fl_lo_task_get(true);
	struct inode *inode = &ip->i_vnode;

	if (!t) {
		fl_count(slot, FL_CNT_LO_NO_STATE);
		return;
	}
	/* a blocking call whose semaphores never came would be a hook we miss */
	if (t->defer_after && !t->defer_try)
		fl_count(t->defer_slot, FL_CNT_LO_DEFERRED_MISSED);
	t->defer_after = (flags & XFS_MMAPLOCK_ANY) ? (__u64)&inode->i_data.invalidate_lock :
						      (__u64)&inode->i_rwsem;
	t->defer_kaddr = (__u64)&ip->i_lock;
	t->defer_inode = (__u64)inode;
	t->defer_mode = xfs_mode(flags, XFS_ILOCK_EXCL) | extra;
	t->defer_slot = slot;
	t->defer_try = !!(extra & FL_LKM_TRY);
}

/*
 * The locks of one xfs_ilock-family call, in xfs's own order (IOLOCK,
 * MMAPLOCK, ILOCK); releases in reverse.  @extra: FL_LKM_TRY etc.
 * Followed: regular files, and inodes with no mode yet (xfs creates an
 * inode under ILOCK before it sets i_mode).  Releases are matched by
 * instance whatever the inode is now (xfs_ifree clears i_mode under
 * ILOCK); one that matches nothing is only worth counting on a regular
 * file: a freed directory's ILOCK was never followed.
 */
static __always_inline void xfs_locks(void *ctx, __u16 type, struct xfs_inode *ip,
				      unsigned int flags, __u32 extra)
{
	struct inode *inode;
	__u64 io, mmap, il, ts;
	bool precise = fl_lo_precise(), followed;
	umode_t mode;
	__u32 slot;

	/* maybe-NULL tracepoint argument (fl_core_fixes.bpf.h) */
	if (!ip)
		return;
	inode = &ip->i_vnode;
	mode = inode->i_mode;
	followed = (mode & S_IFMT_) == S_IFREG_;
	if (!fl_watched_vals(S_IFREG_, inode->i_sb->s_dev, inode, XFS_SB_MAGIC, &slot))
		return;
	if (type == FL_EV_LOCK_ACQ && !followed && mode)
		return;
	io = (__u64)&inode->i_rwsem;
	mmap = (__u64)&inode->i_data.invalidate_lock;
	il = (__u64)&ip->i_lock;
	if (precise) {
		/* the rw_semaphore hooks see IOLOCK and MMAPLOCK */
		if (!(flags & XFS_ILOCK_ANY))
			return;
		if (type == FL_EV_LOCK_ACQ && !(extra & FL_LKM_DOWNGRADE) &&
		    (flags & (XFS_IOLOCK_ANY | XFS_MMAPLOCK_ANY))) {
			xfs_defer_ilock(ip, flags, slot, extra);
			return;
		}
		xfs_one(ctx, type, FL_LK_XFS_ILOCK, slot, ip, il,
			xfs_mode(flags, XFS_ILOCK_EXCL) | extra, xfs_acq_ts(type, extra), followed);
		return;
	}
	if (type == FL_EV_LOCK_REL) {
		if (flags & XFS_ILOCK_ANY)
			xfs_one(ctx, type, FL_LK_XFS_ILOCK, slot, ip, il, 0, 0, followed);
		if (flags & XFS_MMAPLOCK_ANY)
			xfs_one(ctx, type, FL_LK_INVAL, slot, ip, mmap, 0, 0, followed);
		if (flags & XFS_IOLOCK_ANY)
			xfs_one(ctx, type, FL_LK_I_RWSEM, slot, ip, io, 0, 0, followed);
		return;
	}
	ts = xfs_acq_ts(type, extra);
	if (flags & XFS_IOLOCK_ANY)
		xfs_one(ctx, type, FL_LK_I_RWSEM, slot, ip, io,
			xfs_mode(flags, XFS_IOLOCK_EXCL) | extra, ts, followed);
	if (flags & XFS_MMAPLOCK_ANY)
		xfs_one(ctx, type, FL_LK_INVAL, slot, ip, mmap,
			xfs_mode(flags, XFS_MMAPLOCK_EXCL) | extra, ts, followed);
	if (flags & XFS_ILOCK_ANY)
		xfs_one(ctx, type, FL_LK_XFS_ILOCK, slot, ip, il,
			xfs_mode(flags, XFS_ILOCK_EXCL) | extra, ts, followed);
}

SEC("tp_btf/xfs_ilock")
int BPF_PROG(fl_lo_xfs_ilock, struct xfs_inode *ip, unsigned int flags, unsigned long ip_)
{
	xfs_locks(ctx, FL_EV_LOCK_ACQ, ip, flags, 0);
	return 0;
}

SEC("tp_btf/xfs_ilock_nowait")
int BPF_PROG(fl_lo_xfs_ilock_nowait, struct xfs_inode *ip, unsigned int flags,
	     unsigned long ip_)
{
	xfs_locks(ctx, FL_EV_LOCK_ACQ, ip, flags, FL_LKM_TRY | FL_LKM_ATTEMPT);
	return 0;
}

/* flags name the locks that go from exclusive to shared */
SEC("tp_btf/xfs_ilock_demote")
int BPF_PROG(fl_lo_xfs_ilock_demote, struct xfs_inode *ip, unsigned int flags,
	     unsigned long ip_)
{
	xfs_locks(ctx, FL_EV_LOCK_ACQ, ip, flags, FL_LKM_DOWNGRADE);
	return 0;
}

SEC("tp_btf/xfs_iunlock")
int BPF_PROG(fl_lo_xfs_iunlock, struct xfs_inode *ip, unsigned int flags, unsigned long ip_)
{
	xfs_locks(ctx, FL_EV_LOCK_REL, ip, flags, 0);
	return 0;
}

/* Exclusive-by-me from a probe read (an inode pointer kept in a map). */
static __always_inline __u8 sem_excl_me(struct rw_semaphore *sem)
{
	__u64 writer, readers;
	long count;
	unsigned long word;

	if (fl_rwsem_rt_word(sem, &writer, &readers))
		return writer == bpf_get_current_task() ? FL_LOCK_EXCL_ME : FL_LOCK_NA;
	count = BPF_CORE_READ(sem, count.counter);
	word = BPF_CORE_READ(sem, owner.counter);
	if ((count & 1) && (word & ~0x7UL) == bpf_get_current_task())
		return FL_LOCK_EXCL_ME;
	return FL_LOCK_NA;
}

/*
 * A jbd2 handle is a lock in lockdep's eyes (jbd2_handle map): starting
 * one waits for the running transaction's commit.  Nested starts reuse the
 * task's handle without tracing, so start and stats pair up.  The journal
 * is the instance; the inode is unknown here, except inside an invalidating
 * syscall, whose inode's lock words then show what the task holds.
 * Attributed to ext4, the one watched filesystem that uses jbd2.
 */
static __always_inline void jbd2_handle(void *ctx, __u16 type, dev_t dev)
{
	struct fl_lo_op op = {
		.kind = FL_LK_JBD2, .mode = type == FL_EV_LOCK_ACQ ? FL_LKM_EXCL : 0,
		.magic = EXT4_MAGIC, .dev = dev, .kaddr = (__u64)dev | (1ULL << 63),
		.irw = FL_LOCK_NA, .inval = FL_LOCK_NA,
	};
	struct fl_task_inval *w;
	umode_t reg = S_IFREG_;

	if (!fl_watched_vals(reg, dev, NULL, EXT4_MAGIC, &op.slot))
		return;
	w = type == FL_EV_LOCK_ACQ ? fl_task_window() : NULL;
	if (w && w->inode && w->key.dev == dev) {
		struct inode *inode = (struct inode *)w->inode;
		struct address_space *m = BPF_CORE_READ(inode, i_mapping);

		op.inode = inode;
		op.irw = sem_excl_me((void *)(w->inode + bpf_core_field_offset(struct inode, i_rwsem)));
		if (m && fl_has_invalidate_lock(m))
			op.inval = sem_excl_me((void *)((__u64)m +
				bpf_core_field_offset(struct address_space, invalidate_lock)));
	}
	fl_lo_op(ctx, type, &op, true);
}

SEC("tp_btf/jbd2_handle_start")
int BPF_PROG(fl_lo_jbd2_start, dev_t dev, tid_t tid, unsigned int type, unsigned int line,
	     int blocks)
{
	jbd2_handle(ctx, FL_EV_LOCK_ACQ, dev);
	return 0;
}

SEC("tp_btf/jbd2_handle_stats")
int BPF_PROG(fl_lo_jbd2_stats, dev_t dev, tid_t tid, unsigned int type, unsigned int line,
	     int interval, int sync, int requested, int dirtied)
{
	jbd2_handle(ctx, FL_EV_LOCK_REL, dev);
	return 0;
}

/*
 * mmap_lock, from its own tracepoints.  They are per process, not per
 * file: every watched task's mmap_lock operations come here, and most
 * nest nothing, costing only the task's state.  A blocking acquisition
 * traces start_locking before it may wait; a trylock only returns;
 * mmap_write_downgrade returns a read acquisition under the task's write
 * hold.  Older kernels (6.1, 6.12) pass the memcg path as second argument,
 * newer ones (6.18) do not (fl_core_fixes.bpf.h): each program below fits
 * one form, and the loader loads the form the kernel's BTF has.
 */
static __always_inline void mmap_starting(struct mm_struct *mm)
{
	struct fl_lo_task *t;

	if (!fl_task_watched())
		return;
	t = fl_lo_task_get(true);
	if (t)
		t->mm_starting = (__u64)mm;
}

static __always_inline void mmap_acquired(void *ctx, struct mm_struct *mm, bool write,
					  bool success)
{
	struct fl_lo_op op = {
		.kind = FL_LK_MMAP, .kaddr = (__u64)mm, .irw = FL_LOCK_NA, .inval = FL_LOCK_NA,
	};
	struct fl_lo_task *t;
	bool blocking;
	__u32 i;

	if (!fl_task_watched())
		return;
	t = fl_lo_task_get(false);
	blocking = t && t->mm_starting == (__u64)mm;
	if (t)
		t->mm_starting = 0;
	if (!success)
		return;
	if (!write && !blocking && t) {
		i = fl_lo_find(t, &op);
		if (i < FL_LO_HELD && (t->h[i].mode & FL_LKM_EXCL)) {
			op.mode = FL_LKM_SHARED | FL_LKM_DOWNGRADE;
			fl_lo_op(ctx, FL_EV_LOCK_ACQ, &op, true);
			return;
		}
	}
	op.mode = (write ? FL_LKM_EXCL : FL_LKM_SHARED) | (blocking ? 0 : FL_LKM_TRY);
	op.ts = bpf_ktime_get_ns();
	/* the state fetched above: not a second task-storage lookup */
	fl_lo_acquire_t(ctx, &op, t);
}

static __always_inline void mmap_released(void *ctx, struct mm_struct *mm, bool write)
{
	struct fl_lo_op op = {
		.kind = FL_LK_MMAP, .kaddr = (__u64)mm, .irw = FL_LOCK_NA, .inval = FL_LOCK_NA,
	};

	if (!fl_task_watched())
		return;
	fl_lo_op(ctx, FL_EV_LOCK_REL, &op, true);
}

SEC("tp_btf/mmap_lock_start_locking")
int BPF_PROG(fl_lo_mmap_start, struct mm_struct *mm, bool write)
{
	mmap_starting(mm);
	return 0;
}

SEC("tp_btf/mmap_lock_acquire_returned")
int BPF_PROG(fl_lo_mmap_acq, struct mm_struct *mm, bool write, bool success)
{
	mmap_acquired(ctx, mm, write, success);
	return 0;
}

SEC("tp_btf/mmap_lock_released")
int BPF_PROG(fl_lo_mmap_rel, struct mm_struct *mm, bool write)
{
	mmap_released(ctx, mm, write);
	return 0;
}

SEC("tp_btf/mmap_lock_start_locking")
int BPF_PROG(fl_lo_mmap_start_memcg, struct mm_struct *mm, const char *memcg_path, bool write)
{
	mmap_starting(mm);
	return 0;
}

SEC("tp_btf/mmap_lock_acquire_returned")
int BPF_PROG(fl_lo_mmap_acq_memcg, struct mm_struct *mm, const char *memcg_path, bool write,
	     bool success)
{
	mmap_acquired(ctx, mm, write, success);
	return 0;
}

SEC("tp_btf/mmap_lock_released")
int BPF_PROG(fl_lo_mmap_rel_memcg, struct mm_struct *mm, const char *memcg_path, bool write)
{
	mmap_released(ctx, mm, write);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
