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
 * Lock order (--lock-order): the same acquisitions and releases, as events,
 * where no run of these hooks is ever skipped (fl_lo_precise).
 */
static __always_inline void fl_lo_send(void *ctx, __u16 type, struct rw_semaphore *sem,
				       struct inode *inode, __u8 kind, __u32 slot, __u32 mode)
{
	struct fl_lo_op op = {
		.kind = kind, .slot = slot, .mode = mode, .kaddr = (__u64)sem,
		.inode = inode, .irw = FL_LOCK_NA, .inval = FL_LOCK_NA,
	};

	if (!fl_cfg.lock_order || !fl_lo_precise())
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

	if (!fl_cfg.lock_order || !fl_lo_precise())
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

/*
 * The semaphores that may have records (fl_held, fl_sem_readers): a byte
 * per bucket of their addresses, set before a watched lock's first record
 * is made and never cleared.  fl_released runs for every rw_semaphore
 * release in the kernel (on 6.4+ at least one per page fault: the per-VMA
 * lock), and nearly none of them was ever recorded: one inlined array load
 * then replaces two hash lookups that would find nothing.  A bucket a
 * watched lock shares only costs those lookups again; no record is ever
 * skipped.
 * One per object instance: locks.bpf.c is loaded once (never by
 * loader_late.c), so its acquisitions and releases see the same bytes.
 */
#define FL_SEM_SEEN_SHIFT	14

struct fl_sem_seen {
	__u8 b[1 << FL_SEM_SEEN_SHIFT];
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct fl_sem_seen);
} fl_sem_seen SEC(".maps");

static __always_inline __u8 *fl_sem_seen_byte(__u64 sem)
{
	struct fl_sem_seen *s;
	__u32 zero = 0;
	__u64 b;

	s = bpf_map_lookup_elem(&fl_sem_seen, &zero);
	if (!s)
		return NULL;
	/* Fibonacci hashing: slab addresses differ in their middle bits */
	b = (sem * 0x9E3779B97F4A7C15ULL) >> (64 - FL_SEM_SEEN_SHIFT);
	return &s->b[b & ((1 << FL_SEM_SEEN_SHIFT) - 1)];
}

/*
 * The semaphore, the first argument of every hooked function, as a number
 * to hash: the verifier allows no multiplication of a pointer.  The
 * argument read from the trampoline's frame (inlined by the verifier,
 * 5.17+) costs no helper call.
 */
static __always_inline __u64 fl_sem_addr(void *ctx, struct rw_semaphore *sem)
{
	__u64 v;

	if (bpf_core_enum_value_exists(enum bpf_func_id, BPF_FUNC_get_func_arg) &&
	    !bpf_get_func_arg(ctx, 0, &v))
		return v;
	return fl_addr(sem);
}

/* Before any record of @sem: a release looks for records only after it. */
static __always_inline void fl_sem_seen_mark(__u64 sem)
{
	__u8 *seen = fl_sem_seen_byte(sem);

	/* written once: the bytes are read on every CPU at every release */
	if (seen && !*(volatile __u8 *)seen)
		*(volatile __u8 *)seen = 1;
}

/*
 * Read holds of @sem over all tasks: what fl_precise_refine compares.  @n
 * is +1 or -1; the generation moves with each change.
 */
static __always_inline void fl_sem_readers_add(__u64 sem, int n)
{
	__u64 *rec = bpf_map_lookup_elem(&fl_sem_readers, &sem), one = FL_SEM_GEN | 1;

	if (rec) {
		__sync_fetch_and_add(rec, FL_SEM_GEN + n);
		return;
	}
	if (n > 0 && bpf_map_update_elem(&fl_sem_readers, &sem, &one, BPF_NOEXIST)) {
		rec = bpf_map_lookup_elem(&fl_sem_readers, &sem);
		if (rec)
			__sync_fetch_and_add(rec, FL_SEM_GEN + n);
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
	fl_sem_seen_mark(fl_sem_addr(ctx, sem));
	/*
	 * Counted first: from the kernel's count to this record no other
	 * task's check of the lock can decide, a window to keep short.
	 * Taken back below if the hold cannot be kept.
	 */
	if (!write)
		fl_sem_readers_add(k.sem, 1);
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
			if (!write)
				fl_sem_readers_add(k.sem, -1);
			fl_precise_own_off();
			fl_count(0, FL_CNT_PRECISE_MISSED);
			return;
		}
	}
	if (write)
		h->writer = 1;
	else
		h->readers++;
}

static __always_inline void fl_released(void *ctx, struct rw_semaphore *sem, bool write)
{
	struct fl_held_key k = { .sem = (__u64)sem };
	bool counted = false;
	struct inode *inode;
	struct fl_held *h;
	__u8 kind, *seen;
	__u32 slot;

	/* every release of a watched lock, also of holds taken before attach */
	if (fl_cfg.lock_order && fl_lo_precise() && fl_sem_watched(sem, &inode, &kind, &slot))
		fl_lo_send(ctx, FL_EV_LOCK_REL, sem, inode, kind, slot, 0);
	seen = fl_sem_seen_byte(fl_sem_addr(ctx, sem));
	if (seen && !*(volatile __u8 *)seen)
		return;
	k.pid = (__u32)bpf_get_current_pid_tgid();
	h = bpf_map_lookup_elem(&fl_held, &k);
	/*
	 * A read hold of a watched lock we never saw taken, by a task whose
	 * record was complete: should not be, so trust no record from now.
	 */
	if (!write && (!h || !h->readers) && bpf_map_lookup_elem(&fl_sem_readers, &k.sem) &&
	    fl_precise_own(&k) && fl_sem_watched(sem, &inode, &kind, &slot)) {
		fl_precise_own_off();
		fl_count(slot, FL_CNT_PRECISE_MISSED);
	}
	if (!h)
		return;
	if (write) {
		h->writer = 0;
	} else if (h->readers) {
		h->readers--;
		counted = true;
	}
	if (!h->writer && !h->readers)
		bpf_map_delete_elem(&fl_held, &k);
	/* last: the kernel uncounts the reader right after we return */
	if (counted)
		fl_sem_readers_add(k.sem, -1);
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
 * Readers granted together.  When a writer releases the lock (or a reader
 * finds queued readers it may let in, or a writer downgrades), the
 * kernel's rwsem_mark_wake() grants the read lock to every queued reader
 * at once: the lock word counts them all from that moment, but each is
 * recorded only when it runs again and leaves down_read(), which on a busy
 * machine can be milliseconds later.  Meanwhile the records fall short of
 * the lock word, and every other task's check of that lock is unknown.
 * So the grant is recorded where it happens:
 *
 *  - a reader entering rwsem_down_read_slowpath() on a watched lock gets
 *    an entry in fl_rd_wait: the semaphore, a new id (fl_rd_seq) and
 *    FL_RDW_WAITING;
 *  - rwsem_mark_wake() puts the readers it granted on its wake queue; on
 *    its way out (still under the semaphore's wait_lock) every task on
 *    that queue whose entry has waited on this semaphore since before the
 *    call began is marked FL_RDW_GRANTED (compare-and-exchange) and added
 *    to fl_sem_readers, after the kernel added it to the lock word;
 *  - the reader takes the grant back out of fl_sem_readers when it leaves
 *    the slow path (exchange), and the down_read fexit records its hold
 *    like any other.
 *
 * "Since before the call began" (an id no newer than fl_rd_seq was when
 * the call was entered) matters: a reader granted by an earlier call may
 * have returned, released and entered the slow path again, not queued
 * yet, while this waker still holds it on its queue; that new entry is
 * not a grant.  The exchanges settle the race between the waker marking
 * an entry and the reader leaving: whichever comes second sees the other,
 * so a grant is added and taken back exactly once, always while the
 * kernel counts the reader.  Writers on the wake queue, readers of other
 * locks and unwatched tasks have no matching entry.  A reader the kernel
 * granted but could not queue (it is on another waker's queue still) is
 * recorded only when it returns: unknown until then, never wrong.
 *
 * These four programs need the BPF atomic exchanges (5.12+); the loader
 * leaves them out where the kernel has none, and never attaches the entry
 * without the exit (a grant nobody takes back would be counted forever).
 */
#define FL_RDW_WAITING	1ULL
#define FL_RDW_GRANTED	2ULL
#define FL_RDW_STATE	3ULL
#define FL_WAKE_MAX	64	/* queued tasks looked at per call */

struct fl_rd_wait {
	__u64 word;	/* id << 2 | FL_RDW_*, 0 when left */
	__u64 sem;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, struct fl_rd_wait);
} fl_rd_wait SEC(".maps");

/* The last id handed out. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} fl_rd_seq SEC(".maps");

/* Per CPU: fl_rd_seq when the running rwsem_mark_wake() began. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} fl_rd_wake_seq SEC(".maps");

/* The reader left the slow path (or we missed that): its grant goes. */
static __always_inline void fl_rd_leave(struct fl_rd_wait *w)
{
	__u64 old = __sync_lock_test_and_set(&w->word, 0);

	if (old & FL_RDW_GRANTED)
		fl_sem_readers_add(w->sem, -1);
}

/* Before its entry in the object: attached first. */
SEC("fexit/rwsem_down_read_slowpath")
int BPF_PROG(fl_lk_rd_slow_exit, struct rw_semaphore *sem)
{
	__u32 pid = (__u32)bpf_get_current_pid_tgid();
	struct fl_rd_wait *w = bpf_map_lookup_elem(&fl_rd_wait, &pid);

	if (w) {
		fl_rd_leave(w);
		bpf_map_delete_elem(&fl_rd_wait, &pid);
	}
	return 0;
}

SEC("fentry/rwsem_down_read_slowpath")
int BPF_PROG(fl_lk_rd_slow_enter, struct rw_semaphore *sem)
{
	__u32 pid = (__u32)bpf_get_current_pid_tgid(), zero = 0, slot;
	struct fl_rd_wait *w, fresh = {};
	struct inode *inode;
	__u64 *seq, id;
	__u8 kind;

	seq = bpf_map_lookup_elem(&fl_rd_seq, &zero);
	if (!seq || !fl_sem_watched(sem, &inode, &kind, &slot))
		return 0;
	/* a grant (fl_lk_wake_exit) adds to fl_sem_readers */
	fl_sem_seen_mark(fl_sem_addr(ctx, sem));
	w = bpf_map_lookup_elem(&fl_rd_wait, &pid);
	if (!w) {
		bpf_map_update_elem(&fl_rd_wait, &pid, &fresh, BPF_NOEXIST);
		w = bpf_map_lookup_elem(&fl_rd_wait, &pid);
		if (!w)
			return 0;
	}
	/* an entry whose exit we missed: its grant goes first */
	fl_rd_leave(w);
	w->sem = (__u64)sem;
	/*
	 * The id is drawn only now that the entry is ours: the element may
	 * be one a granted reader just freed, found by a waker that is still
	 * walking its queue, and the waker must see an id newer than its
	 * call.  Stored last: a waker that sees it sees this semaphore (x86).
	 */
	id = __sync_fetch_and_add(seq, 1) + 1;
	*(volatile __u64 *)&w->word = id << 2 | FL_RDW_WAITING;
	return 0;
}

SEC("fentry/rwsem_mark_wake")
int BPF_PROG(fl_lk_wake_enter, struct rw_semaphore *sem)
{
	__u32 zero = 0;
	__u64 *seq = bpf_map_lookup_elem(&fl_rd_seq, &zero);
	__u64 *snap = bpf_map_lookup_elem(&fl_rd_wake_seq, &zero);

	/* wait_lock is held, interrupts are off: this CPU's exit comes next */
	if (seq && snap)
		*snap = *(volatile __u64 *)seq;
	return 0;
}

SEC("fexit/rwsem_mark_wake")
int BPF_PROG(fl_lk_wake_exit, struct rw_semaphore *sem, enum rwsem_wake_type type,
	     struct wake_q_head *wake_q)
{
	__u32 off = bpf_core_field_offset(struct task_struct, wake_q), zero = 0, pid;
	__u64 *snap = bpf_map_lookup_elem(&fl_rd_wake_seq, &zero), before, word;
	struct wake_q_node *node = BPF_CORE_READ(wake_q, first);
	struct fl_rd_wait *w;

	if (!snap)
		return 0;
	before = *snap;
	for (int i = 0; i < FL_WAKE_MAX; i++) {
		/* the queue ends at WAKE_Q_TAIL, (struct wake_q_node *)1 */
		if ((unsigned long)node <= 1)
			break;
		pid = BPF_CORE_READ((struct task_struct *)((void *)node - off), pid);
		w = bpf_map_lookup_elem(&fl_rd_wait, &pid);
		if (w) {
			word = *(volatile __u64 *)&w->word;
			if ((word & FL_RDW_STATE) == FL_RDW_WAITING && word >> 2 <= before &&
			    w->sem == (__u64)sem &&
			    __sync_val_compare_and_swap(&w->word, word, word | FL_RDW_GRANTED) == word) {
				fl_sem_readers_add((__u64)sem, 1);
			}
		}
		node = BPF_CORE_READ(node, next);
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
