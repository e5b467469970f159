/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Who holds a lock, read from its lock word: rw_semaphore count and owner
 * (or the PREEMPT_RT rwbase_rt word, fl_core_fixes.bpf.h), refined by
 * precise tracking's records (locks.bpf.c) where they are complete.
 */
#ifndef FL_LOCKWORD_BPF_H
#define FL_LOCKWORD_BPF_H

#include "fl_maps.bpf.h"
#include "fl_core_fixes.bpf.h"
#include "fl_filter.bpf.h"

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

/*
 * Is the current task's record of @k->sem complete, every hold it has of
 * it recorded by the lock hooks?  Yes if the task began after the hooks
 * were in place (it took every hold through them), or if the lock word
 * has shown it holding none of @k->sem since then (fl_own, set by
 * fl_precise_none): any hold it has now came later, through the hooks.
 * Their programs run to the end in the task before it goes on, unless
 * the kernel preempts BPF programs (another task could find one busy and
 * skip it): the loader enables this only where the kernel does not, no
 * acquisition path is left unhooked (no lockdep _nested forms) and every
 * read acquisition hook attached.
 */
static __always_inline struct fl_precise_ctl *fl_precise_ctl_get(void)
{
	__u32 zero = 0;
	struct fl_precise_ctl *c = bpf_map_lookup_elem(&fl_precise_ctl, &zero);

	/* the loader sets own with ready_ns, both once the hooks are attached */
	if (!c || !c->own)
		return NULL;
	return c;
}

/* Did the current task begin after the hooks were in place? */
static __always_inline bool fl_precise_new_task(struct fl_precise_ctl *c)
{
	struct task_struct *t = (void *)bpf_get_current_task();

	return BPF_CORE_READ(t, start_time) > c->ready_ns;
}

static __always_inline bool fl_precise_own(struct fl_held_key *k)
{
	struct fl_precise_ctl *c = fl_precise_ctl_get();

	if (!c)
		return false;
	return fl_precise_new_task(c) || bpf_map_lookup_elem(&fl_own, k);
}

/* The lock word shows the current task holding none of @sem: note it. */
static __always_inline void fl_precise_none(struct rw_semaphore *sem)
{
	struct fl_held_key k = { .sem = (__u64)sem };
	struct fl_precise_ctl *c;
	__u8 one = 1;

	if (!fl_cfg.precise_all)
		return;
	c = fl_precise_ctl_get();
	/* a task begun since the hooks were in place needs no note */
	if (!c || fl_precise_new_task(c))
		return;
	k.pid = (__u32)bpf_get_current_pid_tgid();
	if (!bpf_map_lookup_elem(&fl_own, &k))
		bpf_map_update_elem(&fl_own, &k, &one, BPF_ANY);
}

/* A hold went unrecorded: no task's own record can be trusted from now. */
static __always_inline void fl_precise_own_off(void)
{
	__u32 zero = 0;
	struct fl_precise_ctl *c = bpf_map_lookup_elem(&fl_precise_ctl, &zero);

	if (c)
		c->own = 0;
}

/*
 * The owner hint cannot say whether we are among the readers (it names the
 * last reader, and is not cleared when that reader leaves); our own
 * recorded acquisitions can.  "Not me" needs more than a missing record: a
 * hold taken before tracking attached, or by a path the hooks do not see,
 * would look the same.  So it is claimed only when the recorded read holds
 * of this semaphore account for every reader the lock word counts.
 *
 * Every recorded hold is in the lock word (an acquisition is recorded
 * after the kernel counted it, a release before the kernel uncounts it,
 * a grant after rwsem_mark_wake() counted it: locks.bpf.c), so if the
 * records equal the count at one moment, no unrecorded reader, such as we,
 * is among them.  That moment must be the same for both: the count is
 * read between two reads of the records' word, and a generation that
 * moved in between (an acquisition recorded after the count was read
 * could make up for an unrecorded hold of ours) sends us round again.
 * The loads are not reordered on x86; a weakly ordered machine would need
 * a barrier BPF does not have before 6.15.
 *
 * Only where no hook run is ever skipped: a kernel that preempts BPF
 * programs skips a program for a task that finds it busy on its CPU (a
 * task preempted inside it), and a skipped down_read leaves our hold
 * unrecorded while a skipped up_read leaves another's recorded, so the
 * equality would lie.  There the loader leaves fl_cfg.precise_all 0 and
 * no record decides anything (fl_precise_refine): these checks stay unknown.
 *
 * fl_precise_try looks once: FREE or EXCL_OTHER if the lock word now
 * proves we hold nothing, READERS_NOT_ME if the records account for it,
 * SHARED_OTHER if they do not (yet).
 */
static __always_inline __u8 fl_precise_try(struct rw_semaphore *sem, __u64 *rec,
					   __u64 *owner, __u64 *word)
{
	__u64 v, task = 0, count;
	bool wlocked;

	v = *(volatile __u64 *)rec;
	/* a helper call: neither merged with the caller's read nor moved */
	if (fl_rwsem_rt_word(sem, &task, &count)) {
		wlocked = task != 0;
	} else {
		barrier_var(sem);	/* as in fl_rwsem_rt_word, for RT kernels */
		count = BPF_CORE_READ(sem, count.counter);
		wlocked = count & 1;
		if (wlocked)
			task = BPF_CORE_READ(sem, owner.counter) & ~0x7UL;
		count = (count >> 8) & ((1UL << 55) - 1);
	}
	*word = v;
	if (wlocked) {
		/* a writer, not we (we held nothing as writer a moment ago),
		 * and readers cannot hold it with a writer */
		if (task == bpf_get_current_task())
			return FL_LOCK_SHARED_OTHER;
		*owner = task;
		return FL_LOCK_EXCL_OTHER;
	}
	if (!count)
		return FL_LOCK_FREE;
	if (fl_cfg.precise_all && *(volatile __u64 *)rec == v && (__u32)v == count)
		return FL_LOCK_READERS_NOT_ME;
	return FL_LOCK_SHARED_OTHER;
}

static __always_inline __u8 fl_precise_refine(struct rw_semaphore *sem, __u8 state,
					      __u64 *owner)
{
	struct fl_held_key k = { .sem = (__u64)sem };
	__u64 *rec;
	struct fl_held *h;
	__u64 word;

	/*
	 * Where BPF programs are preemptible a skipped up_read leaves a
	 * phantom hold as well: no record decides, not even "held by me"
	 * (a false invalidation-shared), and the lock word's state stands.
	 */
	if (!fl_cfg.precise_all || (state != FL_LOCK_SHARED_OTHER && state != FL_LOCK_SHARED_ME))
		return state;
	k.pid = (__u32)bpf_get_current_pid_tgid();
	h = bpf_map_lookup_elem(&fl_held, &k);
	if (h && h->readers)
		return FL_LOCK_SHARED_ME;
	rec = bpf_map_lookup_elem(&fl_sem_readers, &k.sem);
	if (fl_precise_own(&k)) {
		struct inode *inode;
		__u32 slot;
		__u8 kind;

		/*
		 * Our record is complete for the locks the hooks track; no read
		 * hold of this one recorded yet (the first reader may be between
		 * the kernel's count and its hook) asks whether it is one.
		 */
		if (rec || fl_sem_watched(sem, &inode, &kind, &slot))
			return FL_LOCK_READERS_NOT_ME;
		return FL_LOCK_SHARED_OTHER;
	}
	/* records exist only for the locks the hooks track (fl_sem_watched) */
	if (!rec)
		return FL_LOCK_SHARED_OTHER;
	return fl_precise_try(sem, rec, owner, &word);
}

/*
 * A check that would otherwise count "unknown" looks again, a bounded
 * number of times: another reader may be between the kernel's change of
 * the lock word and the hook that records it (well under a microsecond
 * on hardware).  A global function: the verifier walks the loop once per
 * program, not once per caller.
 */
#define FL_PRECISE_TRIES 256

__noinline int fl_precise_settle(__u64 addr)
{
	__u64 *rec = bpf_map_lookup_elem(&fl_sem_readers, &addr);
	struct rw_semaphore *sem = (void *)addr;
	__u64 word, owner;
	int state = FL_LOCK_SHARED_OTHER;

	if (!rec)
		return state;
	for (int i = 0; i < FL_PRECISE_TRIES && state == FL_LOCK_SHARED_OTHER; i++)
		state = fl_precise_try(sem, rec, &owner, &word);
	return state;
}

/* A pointer's value as a plain number, for a global function's argument. */
static __always_inline __u64 fl_addr(void *p)
{
	__u64 a = 0;

	bpf_probe_read_kernel(&a, sizeof(a), &p);
	return a;
}

/*
 * SHARED_OTHER, about to be counted unknown: wait for precise tracking,
 * where all tasks' records may decide (else there is nothing to wait for).
 */
static __always_inline __u8 fl_precise_wait(struct rw_semaphore *sem, __u8 state,
					    __u64 *owner)
{
	if (!fl_cfg.precise_all || state != FL_LOCK_SHARED_OTHER)
		return state;
	state = fl_precise_settle(fl_addr(sem));
	if (state == FL_LOCK_EXCL_OTHER) {
		__u64 writer, readers;

		if (fl_rwsem_rt_word(sem, &writer, &readers)) {
			*owner = writer;
		} else {
			barrier_var(sem);
			*owner = BPF_CORE_READ(sem, owner.counter) & ~0x7UL;
		}
	}
	return state;
}

/*
 * fl_rwsem_state on PREEMPT_RT: free and write-locked are read as on other
 * kernels; readers are counted but not named, so a shared hold is unknown
 * ("shared-owner-other" without an owner) unless precise tracking knows.
 */
static __always_inline __u8 fl_rwsem_rt_state(struct rw_semaphore *sem, __u64 *owner)
{
	__u64 writer, readers;

	if (!fl_rwsem_rt_word(sem, &writer, &readers))
		return FL_LOCK_NA;
	if (writer) {
		if (writer == bpf_get_current_task())
			return FL_LOCK_EXCL_ME;
		*owner = writer;
		return FL_LOCK_EXCL_OTHER;
	}
	if (!readers)
		return FL_LOCK_FREE;
	return fl_precise_refine(sem, FL_LOCK_SHARED_OTHER, owner);
}

/*
 * Classify an rw_semaphore from its lock word (5.3+ layout): bit 0 of
 * count is the writer, count >> 8 the readers; owner is a task pointer
 * whose bit 0 marks reader ownership.  The reader owner is only a hint
 * (set by the last reader, never cleared on up_read).  *owner gets the
 * other task named by the owner field; fl_task_pid() names it, only for
 * events that are sent.  PREEMPT_RT kernels: fl_rwsem_rt_state.
 */
static __always_inline __u8 fl_rwsem_state(bool kp, struct rw_semaphore *sem, __u64 *owner)
{
	__u64 me = bpf_get_current_task();
	unsigned long count, word, readers;
	__u64 task;

	if (!bpf_core_field_exists(sem->count))
		return fl_rwsem_rt_state(sem, owner);
	count = FL_RD(kp, sem, count.counter);
	word = FL_RD(kp, sem, owner.counter);
	task = word & ~0x7UL;

	if (count & 1) {
		if (task == me)
			return FL_LOCK_EXCL_ME;
		/* a writer that is not we: no reader holds it either */
		fl_precise_none(sem);
		*owner = task;
		return FL_LOCK_EXCL_OTHER;
	}
	readers = (count >> 8) & ((1UL << 55) - 1);
	if (!readers) {
		fl_precise_none(sem);
		return FL_LOCK_FREE;
	}
	/* the hint survives up_read: "me" may be a read lock long released */
	if ((word & 1) && task == me)
		return fl_precise_refine(sem, FL_LOCK_SHARED_ME, owner);
	*owner = task;
	return fl_precise_refine(sem, FL_LOCK_SHARED_OTHER, owner);
}

static __always_inline __u32 fl_task_pid(__u64 task)
{
	struct task_struct *t = (void *)task;

	return t ? BPF_CORE_READ(t, pid) : 0;
}

static __always_inline bool fl_held_by_me(__u8 state)
{
	return state == FL_LOCK_EXCL_ME || state == FL_LOCK_SHARED_ME;
}

static __always_inline __u8 fl_inval_lock_state(bool kp, struct address_space *mapping,
						 __u64 *owner)
{
	if (!fl_has_invalidate_lock(mapping))
		return FL_LOCK_NA;
	return fl_rwsem_state(kp, &mapping->invalidate_lock, owner);
}

static __always_inline __u8 fl_inval_lock_wait(struct address_space *mapping, __u8 state,
					       __u64 *owner)
{
	if (!fl_has_invalidate_lock(mapping))
		return state;
	return fl_precise_wait(&mapping->invalidate_lock, state, owner);
}

#endif /* FL_LOCKWORD_BPF_H */
