/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Building events: the common part, lock evidence, the ring-buffer
 * reservation that counts what it loses, the candidate gate that sends a
 * repeat only now and then, and the race partner sent with a candidate.
 */
#ifndef FL_EVENT_BPF_H
#define FL_EVENT_BPF_H

#include "fl_maps.bpf.h"
#include "fl_filter.bpf.h"
#include "fl_lockword.bpf.h"

/* Lock evidence into an event that is about to be sent. */
static __always_inline void fl_event_locks(struct fl_event *e, __u8 inval, __u64 inval_owner,
					   __u8 irw, __u64 irw_owner)
{
	/* precise_all: the records decided (not where BPF is preemptible) */
	if (fl_cfg.precise_all)
		e->flags |= FL_F_PRECISE;
	e->inval_lock = inval;
	e->inval_owner = fl_task_pid(inval_owner);
	e->i_rwsem = irw;
	e->i_rwsem_owner = fl_task_pid(irw_owner);
}

/*
 * The same with @inode's i_rwsem read now, unless the check already read
 * it (@irw is not FL_LOCK_NA).
 */
static __always_inline void fl_event_inode_locks(bool kp, struct fl_event *e, struct inode *inode,
						 __u8 inval, __u64 inval_owner, __u8 irw,
						 __u64 irw_owner)
{
	if (irw == FL_LOCK_NA)
		irw = fl_rwsem_state(kp, &inode->i_rwsem, &irw_owner);
	fl_event_locks(e, inval, inval_owner, irw, irw_owner);
}

static __always_inline void fl_inode_key(struct inode *inode, struct fl_inode_key *key)
{
	key->dev = BPF_CORE_READ(inode, i_sb, s_dev);
	key->ino = BPF_CORE_READ(inode, i_ino);
	key->gen = BPF_CORE_READ(inode, i_generation);
}

/* Fill the common part of an event, in the ring buffer or elsewhere. */
static __always_inline void fl_event_init(struct fl_event *e, __u16 type, __u32 slot,
					  struct inode *inode)
{
	__u64 id = bpf_get_current_pid_tgid();

	e->type = type;
	e->flags = 0;
	e->cpu = bpf_get_smp_processor_id();
	e->op = 0;
	e->slot = slot;
	e->ts = bpf_ktime_get_ns();
	e->pid = (__u32)id;
	e->tgid = id >> 32;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	if (inode) {
		fl_inode_key(inode, &e->inode);
		e->fs_magic = BPF_CORE_READ(inode, i_sb, s_magic);
		if (fl_is_internal(inode))
			e->flags |= FL_F_INTERNAL;
	} else {
		__builtin_memset(&e->inode, 0, sizeof(e->inode));
		e->fs_magic = 0;
	}
	e->inval_lock = FL_LOCK_NA;
	e->i_rwsem = FL_LOCK_NA;
	e->nr_frames = 0;
	e->stack_id = -1;
	e->pad = 0;
	e->kaddr = 0;
	e->inval_owner = 0;
	e->i_rwsem_owner = 0;
	e->start = 0;
	e->end = 0;
	e->aux = 0;
}

/* What a lost event of @type blinds: the counter beside FL_CNT_LOST. */
static __always_inline __u32 fl_lost_kind(__u16 type)
{
	switch (type) {
	case FL_EV_INVAL_BEGIN:
	case FL_EV_INVAL_STEP:
	case FL_EV_INVAL_END:
	case FL_EV_RACE:
		return FL_CNT_LOST_WINDOWS;
	case FL_EV_IOMAP_MAP:
	case FL_EV_STALE_UNSEEN:
	case FL_EV_STALE_ANSWER:
		return FL_CNT_LOST_MAPS;
	case FL_EV_LOCK_ACQ:
	case FL_EV_LOCK_REL:
	case FL_EV_LOCK_SYNC:
		return FL_CNT_LOST_LOCKS;
	default:
		return FL_CNT_LOST_CHECKS;
	}
}

/*
 * Reserve and fill the common part of an event, with room for a stack
 * only when @stack (fl_event_stack may then fill it): most events carry
 * none, and a ring of short records holds three times as many.  A full
 * ring buffer is an accounted loss, never a silent one.
 */
static __always_inline struct fl_event *fl_event_reserve(__u16 type, __u32 slot,
							 struct inode *inode, bool stack)
{
	struct fl_event *e;

	if (stack)
		e = bpf_ringbuf_reserve(&fl_events, sizeof(*e), 0);
	else
		e = bpf_ringbuf_reserve(&fl_events, FL_EVENT_HEAD, 0);
	if (!e) {
		fl_count(slot, FL_CNT_LOST);
		fl_count(slot, fl_lost_kind(type));
		return NULL;
	}
	fl_event_init(e, type, slot, inode);
	return e;
}

/* An event that carries no stack. */
static __always_inline struct fl_event *fl_event_new(__u16 type, __u32 slot,
						     struct inode *inode)
{
	return fl_event_reserve(type, slot, inode, false);
}

/* An event with room for the kernel stack (fl_event_stack). */
static __always_inline struct fl_event *fl_event_new_stack(__u16 type, __u32 slot,
							   struct inode *inode)
{
	return fl_event_reserve(type, slot, inode, true);
}

static __always_inline void fl_event_stack(void *ctx, struct fl_event *e)
{
	long n = bpf_get_stack(ctx, e->frames, sizeof(e->frames), 0);

	if (n > 0) {
		e->nr_frames = n / sizeof(__u64);
		e->flags |= FL_F_STACK;
	}
}

/*
 * Should this candidate be sent?  A buggy path fires on every fault or
 * page: the first occurrence per code path and inode goes to user space
 * (with its stack), repeats within FL_RESEND_NS are only counted, so a bug
 * storm neither floods the ring buffer nor loses the evidence.  *stack_id
 * names the path for user space to add the repeats back.
 */
static __always_inline bool fl_candidate_gate(void *ctx, __u16 type, __u32 slot,
					      struct inode *inode, __s32 *stack_id)
{
	struct fl_seen_key key = { .type = type };
	struct fl_seen *seen, fresh = {};
	__u64 now;

	/* no REUSE: a hash collision returns -EEXIST and the event is sent,
	 * rather than one path's repeats counted under another's id */
	*stack_id = bpf_get_stackid(ctx, &fl_stackmap, 0);
	if (fl_cfg.emit_all)
		return true;
	if (*stack_id < 0) {
		/* the map is never emptied: a full one sends, and says so */
		fl_count(slot, FL_CNT_STACK_UNKEYED);
		return true;
	}
	key.stack_id = *stack_id;
	fl_inode_key(inode, &key.inode);
	now = bpf_ktime_get_ns();
	seen = bpf_map_lookup_elem(&fl_seen, &key);
	if (seen && now - seen->last_ns < FL_RESEND_NS) {
		__sync_fetch_and_add(&seen->repeats, 1);
		fl_count(slot, FL_CNT_REPEATS);
		return false;
	}
	if (seen) {
		seen->last_ns = now;
	} else {
		fresh.last_ns = now;
		bpf_map_update_elem(&fl_seen, &key, &fresh, BPF_ANY);
	}
	return true;
}

/*
 * check: the invalidation another task has in progress on @inode, sent
 * just before a candidate on it as its race partner (FL_EV_RACE).  check
 * sends no window of its own: a window matters only to a candidate that
 * races it, and a punch storm would otherwise send three events a punch
 * (the storm scenario: up to 10,000 punches a second in a TCG guest,
 * 22,000 on the host, most of the ring's traffic).  Read here, at the
 * candidate, whether the window is open is exact, where user space could
 * only match times and ranges.  The entry belongs to another task, which
 * may be leaving its syscall: it is copied, then checked to be that
 * task's window on this inode.
 */
static __always_inline void fl_race_send(struct inode *inode, __u32 slot, __s32 stack_id)
{
	__u64 key = (__u64)inode;
	__u32 me = (__u32)bpf_get_current_pid_tgid(), pid, stepped, *owner;
	struct fl_inval_stack *st = NULL;
	struct fl_task_inval *t, w;
	struct fl_event *e;

	owner = bpf_map_lookup_elem(&fl_inval_inodes, &key);
	if (!owner)
		return;
	pid = *owner;
	if (pid == me)
		return;
	t = bpf_map_lookup_elem(&fl_tasks, &pid);
	if (!t)
		return;
	/* the step's fields were set before it (x86: loads stay in order) */
	stepped = *(volatile __u32 *)&t->step_done;
	__builtin_memcpy(&w, t, sizeof(w));
	if (w.pid != pid || w.inode != key || !w.opened)
		return;
	if (w.has_stack)
		st = bpf_map_lookup_elem(&fl_inval_stacks, &pid);
	e = fl_event_reserve(FL_EV_RACE, slot, NULL, st != NULL);
	if (!e)
		return;
	e->ts = w.ts;
	e->pid = pid;
	e->tgid = w.tgid;
	__builtin_memcpy(e->comm, w.comm, sizeof(e->comm));
	e->inode = w.key;
	e->fs_magic = w.magic;
	e->op = w.op;
	e->start = w.start;
	e->end = w.end;
	e->aux = w.mode;
	e->kaddr = me;
	e->stack_id = stack_id;
	if (stepped) {
		e->flags |= FL_F_STEPPED | (w.step_precise ? FL_F_PRECISE : 0);
		e->inval_lock = w.step_inval;
		e->inval_owner = w.step_inval_owner;
		e->i_rwsem = w.step_irw;
		e->i_rwsem_owner = w.step_irw_owner;
	}
	if (st) {
		__u32 n = st->nr;

		if (n > FL_MAX_FRAMES)
			n = FL_MAX_FRAMES;
		if (!bpf_probe_read_kernel(e->frames, sizeof(e->frames), st->frames)) {
			e->nr_frames = n;
			e->flags |= FL_F_STACK;
		}
	}
	bpf_ringbuf_submit(e, 0);
}

/*
 * The event for a judged hook, or NULL when nothing is to be sent: not a
 * candidate (unless every event is recorded), a repeat the gate counted, or
 * a full ring buffer.  check sends an insertion's, fault-around's or
 * write's race partner first.
 */
static __always_inline struct fl_event *fl_event_for(void *ctx, __u16 type, __u32 slot,
						     struct inode *inode, bool candidate,
						     __s32 *stack_id)
{
	if (!candidate && !fl_cfg.emit_all)
		return NULL;
	if (candidate && !fl_candidate_gate(ctx, type, slot, inode, stack_id))
		return NULL;
	if (candidate && !fl_cfg.emit_all && type != FL_EV_DELETE)
		fl_race_send(inode, slot, *stack_id);
	return fl_event_reserve(type, slot, inode, candidate);
}

/*
 * A check that found its lock not held by the task, as far as the words
 * tell: a candidate, unless its state is unknown (readers hold it and the
 * owner hint names another task, or it cannot be read), which is counted
 * and never sent.
 */
static __always_inline bool fl_candidate_unless_unknown(__u32 slot, bool unknown)
{
	if (unknown)
		fl_count(slot, FL_CNT_UNKNOWN);
	return !unknown;
}

/* Candidates carry the kernel stack that user space judges and shows. */
static __always_inline void fl_event_submit(void *ctx, struct fl_event *e, __u32 slot,
					    bool candidate, __s32 stack_id)
{
	e->stack_id = stack_id;
	if (candidate) {
		e->flags |= FL_F_CANDIDATE;
		fl_count(slot, FL_CNT_CANDIDATES);
		fl_event_stack(ctx, e);
	}
	bpf_ringbuf_submit(e, 0);
}

#endif /* FL_EVENT_BPF_H */
