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
 * a _nowait is sent as an attempt (FL_LKM_TRY | FL_LKM_ATTEMPT) when the
 * task holds something, never kept as a hold in user space.  Holds taken
 * while holding nothing are sent only once something nests under them
 * (lockorder.bpf.h).  In precise mode the locks object sees
 * i_rwsem and invalidate_lock itself (after they are taken), so only ILOCK
 * is sent from here, and its acquisition only when the same call takes
 * nothing else: its entry tracepoint would otherwise put ILOCK before the
 * rw_semaphores that the call takes first (counted as precise_missed).
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

#define EXT4_MAGIC		0xEF53

static __always_inline __u32 xfs_mode(unsigned int flags, unsigned int excl)
{
	return (flags & excl) ? FL_LKM_EXCL : FL_LKM_SHARED;
}

static __always_inline void xfs_one(void *ctx, __u16 type, __u8 kind, __u32 slot,
				    struct xfs_inode *ip, __u64 kaddr, __u32 mode)
{
	struct fl_lo_op op = {
		.kind = kind, .slot = slot, .mode = mode, .kaddr = kaddr,
		.inode = &ip->i_vnode, .irw = FL_LOCK_NA, .inval = FL_LOCK_NA,
	};
	__u64 owner = 0;

	/* the inode's own lock words: the VFS's inode_lock is no xfs_ilock */
	if (type == FL_EV_LOCK_ACQ && !(mode & FL_LKM_DOWNGRADE)) {
		op.irw = fl_rwsem_state(&ip->i_vnode.i_rwsem, &owner);
		op.inval = fl_inval_lock_state(ip->i_vnode.i_mapping, &owner);
	}
	fl_lo_op(ctx, type, &op);
}

/*
 * The locks of one xfs_ilock-family call, in xfs's own order (IOLOCK,
 * MMAPLOCK, ILOCK); releases in reverse.  @extra: FL_LKM_TRY etc.
 */
static __always_inline void xfs_locks(void *ctx, __u16 type, struct xfs_inode *ip,
				      unsigned int flags, __u32 extra)
{
	struct inode *inode;
	__u64 io, mmap, il;
	bool precise = fl_cfg.precise;
	__u32 slot;

	/* maybe-NULL tracepoint argument (6.12's BTF says so) */
	if (!ip)
		return;
	inode = &ip->i_vnode;
	if (!fl_watched(inode, &slot))
		return;
	io = (__u64)&inode->i_rwsem;
	mmap = (__u64)&inode->i_data.invalidate_lock;
	il = (__u64)&ip->i_lock;
	if (precise) {
		/* the rw_semaphore hooks see IOLOCK and MMAPLOCK */
		if (!(flags & XFS_ILOCK_ANY))
			return;
		/* a release never orders: always send it, or the hold lingers */
		if (type == FL_EV_LOCK_ACQ && !(extra & FL_LKM_DOWNGRADE) &&
		    (flags & (XFS_IOLOCK_ANY | XFS_MMAPLOCK_ANY))) {
			fl_count(slot, FL_CNT_PRECISE_MISSED);
			return;
		}
		xfs_one(ctx, type, FL_LK_XFS_ILOCK, slot, ip, il,
			xfs_mode(flags, XFS_ILOCK_EXCL) | extra);
		return;
	}
	if (type == FL_EV_LOCK_REL) {
		if (flags & XFS_ILOCK_ANY)
			xfs_one(ctx, type, FL_LK_XFS_ILOCK, slot, ip, il, 0);
		if (flags & XFS_MMAPLOCK_ANY)
			xfs_one(ctx, type, FL_LK_INVAL, slot, ip, mmap, 0);
		if (flags & XFS_IOLOCK_ANY)
			xfs_one(ctx, type, FL_LK_I_RWSEM, slot, ip, io, 0);
		return;
	}
	if (flags & XFS_IOLOCK_ANY)
		xfs_one(ctx, type, FL_LK_I_RWSEM, slot, ip, io,
			xfs_mode(flags, XFS_IOLOCK_EXCL) | extra);
	if (flags & XFS_MMAPLOCK_ANY)
		xfs_one(ctx, type, FL_LK_INVAL, slot, ip, mmap,
			xfs_mode(flags, XFS_MMAPLOCK_EXCL) | extra);
	if (flags & XFS_ILOCK_ANY)
		xfs_one(ctx, type, FL_LK_XFS_ILOCK, slot, ip, il,
			xfs_mode(flags, XFS_ILOCK_EXCL) | extra);
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
	long count = BPF_CORE_READ(sem, count.counter);
	unsigned long word = BPF_CORE_READ(sem, owner.counter);

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
		if (m && bpf_core_field_exists(m->invalidate_lock))
			op.inval = sem_excl_me((void *)((__u64)m +
				bpf_core_field_offset(struct address_space, invalidate_lock)));
	}
	fl_lo_op(ctx, type, &op);
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
 * nest nothing, costing only the task's fl_lo_depth entry.  A blocking
 * acquisition traces start_locking before it may wait; a trylock only
 * returns; mmap_write_downgrade returns a read acquisition under the
 * task's write hold.  fl_lo_mm tells the three apart.  Older kernels (6.1,
 * 6.12) pass the memcg path as second argument, newer ones (6.18) do not:
 * each program below fits one form, and the loader loads the form the
 * kernel's BTF has.
 */
struct fl_lo_mm {
	__u64 starting;		/* the mm of a blocking acquisition under way */
	__u64 writer;		/* the mm the task holds for writing */
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 8192);
	__type(key, __u32);
	__type(value, struct fl_lo_mm);
} fl_lo_mm SEC(".maps");

static __always_inline void mmap_starting(struct mm_struct *mm)
{
	__u32 pid = (__u32)bpf_get_current_pid_tgid();
	struct fl_lo_mm *m, fresh = { .starting = (__u64)mm };

	if (!fl_task_watched())
		return;
	m = bpf_map_lookup_elem(&fl_lo_mm, &pid);
	if (m)
		m->starting = (__u64)mm;
	else
		bpf_map_update_elem(&fl_lo_mm, &pid, &fresh, BPF_ANY);
}

static __always_inline void mmap_acquired(void *ctx, struct mm_struct *mm, bool write,
					  bool success)
{
	__u32 pid = (__u32)bpf_get_current_pid_tgid();
	struct fl_lo_mm *m, fresh = {};
	struct fl_lo_op op = {
		.kind = FL_LK_MMAP, .kaddr = (__u64)mm, .irw = FL_LOCK_NA, .inval = FL_LOCK_NA,
	};
	bool blocking;

	if (!success || !fl_task_watched())
		return;
	m = bpf_map_lookup_elem(&fl_lo_mm, &pid);
	blocking = m && m->starting == (__u64)mm;
	if (m)
		m->starting = 0;
	if (!write && !blocking && m && m->writer == (__u64)mm) {
		m->writer = 0;
		op.mode = FL_LKM_SHARED | FL_LKM_DOWNGRADE;
		fl_lo_op(ctx, FL_EV_LOCK_ACQ, &op);
		return;
	}
	if (write) {
		if (!m) {
			fresh.writer = (__u64)mm;
			bpf_map_update_elem(&fl_lo_mm, &pid, &fresh, BPF_ANY);
		} else {
			m->writer = (__u64)mm;
		}
	}
	op.mode = (write ? FL_LKM_EXCL : FL_LKM_SHARED) | (blocking ? 0 : FL_LKM_TRY);
	fl_lo_op(ctx, FL_EV_LOCK_ACQ, &op);
}

static __always_inline void mmap_released(void *ctx, struct mm_struct *mm, bool write)
{
	__u32 pid = (__u32)bpf_get_current_pid_tgid();
	struct fl_lo_mm *m;
	struct fl_lo_op op = {
		.kind = FL_LK_MMAP, .kaddr = (__u64)mm, .irw = FL_LOCK_NA, .inval = FL_LOCK_NA,
	};

	if (!fl_task_watched())
		return;
	m = write ? bpf_map_lookup_elem(&fl_lo_mm, &pid) : NULL;
	if (m && m->writer == (__u64)mm)
		m->writer = 0;
	fl_lo_op(ctx, FL_EV_LOCK_REL, &op);
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
