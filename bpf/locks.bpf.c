// SPDX-License-Identifier: GPL-2.0
/*
 * Precise lock tracking: each task's acquisitions and releases of the
 * rw_semaphores that matter (mapping->invalidate_lock and inode->i_rwsem of
 * watched files), so that "readers hold it, the owner hint names someone
 * else" is decided instead of counted as unknown.
 *
 * The rwsem operations run for every rw_semaphore in the kernel (~10^5/s
 * on an idle machine), so the filter comes first: the semaphore must sit at
 * the invalidate_lock offset of an address_space whose host points back at
 * it, or at the i_rwsem offset of an inode whose mapping points back, and
 * that file must be watched.  Acquisitions are taken at fexit (when they
 * succeeded), releases at fentry.  Needs fentry: kprobes could not see the
 * semaphore at return.  A hold taken before these programs attached (or
 * missed) is never recorded; fl_precise_refine compares the recorded read
 * holds with the lock word's reader count, so a miss leaves the verdict
 * unknown instead of wrong.
 */
#include "lockorder.bpf.h"

/*
 * Is @sem the invalidate_lock or i_rwsem of a watched file?  *inode, *kind
 * and *slot say whose and which (for lock-order events).
 */
static __always_inline bool fl_sem_watched(struct rw_semaphore *sem, struct inode **inode,
					   __u8 *kind, __u32 *slot)
{
	__u64 addr = (__u64)sem;
	struct address_space *m;

	m = (void *)(addr - bpf_core_field_offset(struct address_space, invalidate_lock));
	*inode = BPF_CORE_READ(m, host);
	if (*inode && BPF_CORE_READ(*inode, i_mapping) == m) {
		*kind = FL_LK_INVAL;
		return fl_watched_probe(*inode, slot);
	}
	*inode = (void *)(addr - bpf_core_field_offset(struct inode, i_rwsem));
	m = BPF_CORE_READ(*inode, i_mapping);
	if (m && BPF_CORE_READ(m, host) == *inode) {
		*kind = FL_LK_I_RWSEM;
		return fl_watched_probe(*inode, slot);
	}
	return false;
}

/* Lock order (--lock-order): the same acquisitions and releases, as events. */
static __always_inline void fl_lo_send(void *ctx, __u16 type, struct rw_semaphore *sem,
				       struct inode *inode, __u8 kind, __u32 slot, __u32 mode)
{
	struct fl_lo_op op = {
		.kind = kind, .slot = slot, .mode = mode, .kaddr = (__u64)sem,
		.inode = inode, .irw = FL_LOCK_NA, .inval = FL_LOCK_NA,
	};

	if (!fl_cfg.lock_order)
		return;
	op.magic = BPF_CORE_READ(inode, i_sb, s_magic);
	fl_lo_op(ctx, type, &op, true);
}

/*
 * An xfs_ilock call that takes ILOCK after this semaphore left its ILOCK
 * in the task's state (lockorder.bpf.c): it is taken now, in its place.
 */
static __always_inline void fl_lo_deferred(void *ctx, struct rw_semaphore *sem)
{
	struct fl_lo_task *t;
	struct fl_lo_op op = {
		.kind = FL_LK_XFS_ILOCK, .irw = FL_LOCK_NA, .inval = FL_LOCK_NA,
		.magic = 0x58465342,	/* XFS_SB_MAGIC */
	};

	if (!fl_cfg.lock_order)
		return;
	t = fl_lo_task_get(false);
	if (!t || t->defer_after != (__u64)sem)
		return;
	op.kaddr = t->defer_kaddr;
	op.inode = (void *)t->defer_inode;
	op.mode = t->defer_mode;
	op.slot = t->defer_slot;
	t->defer_after = 0;
	fl_lo_op(ctx, FL_EV_LOCK_ACQ, &op, true);
}

/* Read holds of @sem over all tasks: what fl_precise_refine compares. */
static __always_inline void fl_sem_readers_add(__u64 sem, __s64 n)
{
	__s64 *v = bpf_map_lookup_elem(&fl_sem_readers, &sem);

	if (v) {
		__sync_fetch_and_add(v, n);
		return;
	}
	if (n > 0 && bpf_map_update_elem(&fl_sem_readers, &sem, &n, BPF_NOEXIST)) {
		v = bpf_map_lookup_elem(&fl_sem_readers, &sem);
		if (v)
			__sync_fetch_and_add(v, n);
	}
}

static __always_inline void fl_acquired(void *ctx, struct rw_semaphore *sem, bool write,
					bool try)
{
	struct fl_held_key k = { .sem = (__u64)sem };
	struct fl_held *h, zero = {};
	struct inode *inode;
	__u32 slot;
	__u8 kind;

	if (!fl_sem_watched(sem, &inode, &kind, &slot))
		return;
	fl_lo_send(ctx, FL_EV_LOCK_ACQ, sem, inode, kind, slot,
		   (write ? FL_LKM_EXCL : FL_LKM_SHARED) | (try ? FL_LKM_TRY : 0));
	fl_lo_deferred(ctx, sem);
	k.pid = (__u32)bpf_get_current_pid_tgid();
	h = bpf_map_lookup_elem(&fl_held, &k);
	if (!h) {
		bpf_map_update_elem(&fl_held, &k, &zero, BPF_NOEXIST);
		h = bpf_map_lookup_elem(&fl_held, &k);
		if (!h) {
			/* a hold we cannot record would later read as "not me" */
			fl_count(0, FL_CNT_PRECISE_MISSED);
			return;
		}
	}
	if (write) {
		h->writer = 1;
	} else {
		h->readers++;
		fl_sem_readers_add(k.sem, 1);
	}
}

static __always_inline void fl_released(void *ctx, struct rw_semaphore *sem, bool write)
{
	struct fl_held_key k = { .sem = (__u64)sem };
	struct inode *inode;
	struct fl_held *h;
	__u32 slot;
	__u8 kind;

	/* every release of a watched lock, also of holds taken before attach */
	if (fl_cfg.lock_order && fl_sem_watched(sem, &inode, &kind, &slot))
		fl_lo_send(ctx, FL_EV_LOCK_REL, sem, inode, kind, slot, 0);
	k.pid = (__u32)bpf_get_current_pid_tgid();
	h = bpf_map_lookup_elem(&fl_held, &k);
	if (!h)
		return;
	if (write) {
		h->writer = 0;
	} else if (h->readers) {
		h->readers--;
		fl_sem_readers_add(k.sem, -1);
	}
	if (!h->writer && !h->readers)
		bpf_map_delete_elem(&fl_held, &k);
}

SEC("fexit/down_read")
int BPF_PROG(fl_lk_down_read, struct rw_semaphore *sem)
{
	fl_acquired(ctx, sem, false, false);
	return 0;
}

SEC("fexit/down_read_killable")
int BPF_PROG(fl_lk_down_read_killable, struct rw_semaphore *sem, int ret)
{
	if (!ret)
		fl_acquired(ctx, sem, false, false);
	return 0;
}

SEC("fexit/down_read_interruptible")
int BPF_PROG(fl_lk_down_read_intr, struct rw_semaphore *sem, int ret)
{
	if (!ret)
		fl_acquired(ctx, sem, false, false);
	return 0;
}

SEC("fexit/down_read_trylock")
int BPF_PROG(fl_lk_down_read_trylock, struct rw_semaphore *sem, int ret)
{
	if (ret == 1)
		fl_acquired(ctx, sem, false, true);
	return 0;
}

SEC("fexit/down_write")
int BPF_PROG(fl_lk_down_write, struct rw_semaphore *sem)
{
	fl_acquired(ctx, sem, true, false);
	return 0;
}

SEC("fexit/down_write_killable")
int BPF_PROG(fl_lk_down_write_killable, struct rw_semaphore *sem, int ret)
{
	if (!ret)
		fl_acquired(ctx, sem, true, false);
	return 0;
}

SEC("fexit/down_write_trylock")
int BPF_PROG(fl_lk_down_write_trylock, struct rw_semaphore *sem, int ret)
{
	if (ret == 1)
		fl_acquired(ctx, sem, true, true);
	return 0;
}

SEC("fentry/up_read")
int BPF_PROG(fl_lk_up_read, struct rw_semaphore *sem)
{
	fl_released(ctx, sem, false);
	return 0;
}

SEC("fentry/up_write")
int BPF_PROG(fl_lk_up_write, struct rw_semaphore *sem)
{
	fl_released(ctx, sem, true);
	return 0;
}

/* The writer becomes a reader without releasing. */
SEC("fexit/downgrade_write")
int BPF_PROG(fl_lk_downgrade, struct rw_semaphore *sem)
{
	struct fl_held_key k = { .sem = (__u64)sem };
	struct fl_held *h;

	k.pid = (__u32)bpf_get_current_pid_tgid();
	h = bpf_map_lookup_elem(&fl_held, &k);
	if (h && h->writer) {
		struct inode *inode;
		__u32 slot;
		__u8 kind;

		h->writer = 0;
		h->readers++;
		fl_sem_readers_add(k.sem, 1);
		if (fl_cfg.lock_order && fl_sem_watched(sem, &inode, &kind, &slot))
			fl_lo_send(ctx, FL_EV_LOCK_ACQ, sem, inode, kind, slot,
				   FL_LKM_SHARED | FL_LKM_DOWNGRADE);
	}
	return 0;
}

/*
 * With lockdep, the _nested forms are functions of their own (xfs_ilock
 * takes MMAPLOCK through them); without it they are macros and these
 * programs are reported missing.
 */
SEC("fexit/down_read_nested")
int BPF_PROG(fl_lk_down_read_nested, struct rw_semaphore *sem, int subclass)
{
	fl_acquired(ctx, sem, false, false);
	return 0;
}

SEC("fexit/down_write_nested")
int BPF_PROG(fl_lk_down_write_nested, struct rw_semaphore *sem, int subclass)
{
	fl_acquired(ctx, sem, true, false);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
