/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Invalidation windows: a task inside fallocate/ftruncate/truncate, its
 * stack for its race partners, and each inode's last invalidation (the
 * window form of the stale-map rule).
 */
#ifndef FL_WINDOW_BPF_H
#define FL_WINDOW_BPF_H

#include "fl_maps.bpf.h"
#include "fl_event.bpf.h"

/* @t's window opened on its inode: it is now the inode's last. */
static __always_inline void fl_inval_last_open(struct fl_task_inval *t)
{
	struct fl_inval_last *l;
	__u32 zero = 0;

	l = bpf_map_lookup_elem(&fl_inval_last_scratch, &zero);
	if (!l)
		return;
	l->ts = t->ts;
	l->ts_end = 0;
	l->start = t->start;
	l->end = t->end;
	l->pid = t->pid;
	l->tgid = t->tgid;
	l->magic = t->magic;
	l->op = t->op;
	l->key = t->key;
	__builtin_memcpy(l->comm, t->comm, sizeof(l->comm));
	bpf_map_update_elem(&fl_inval_last, &t->inode, l, BPF_ANY);
}

/*
 * @t's syscall returned @ret: if its window is still the inode's last,
 * it ended (a failed one stays "running": neither can be judged).
 */
static __always_inline void fl_inval_last_close(struct fl_task_inval *t, long ret)
{
	struct fl_inval_last *l = bpf_map_lookup_elem(&fl_inval_last, &t->inode);

	if (!l || l->pid != t->pid || l->ts != t->ts || ret)
		return;
	l->ts_end = bpf_ktime_get_ns();
}

/* check: the invalidator's stack, kept for its race partners. */
static __always_inline void fl_window_keep_stack(void *ctx, struct fl_task_inval *t)
{
	struct fl_inval_stack *st;
	__u32 pid = t->pid, zero = 0;
	long n;

	st = bpf_map_lookup_elem(&fl_inval_stacks, &pid);
	if (!st) {
		st = bpf_map_lookup_elem(&fl_inval_stack_zero, &zero);
		if (!st || bpf_map_update_elem(&fl_inval_stacks, &pid, st, BPF_ANY))
			return;
		st = bpf_map_lookup_elem(&fl_inval_stacks, &pid);
		if (!st)
			return;
	}
	n = bpf_get_stack(ctx, st->frames, sizeof(st->frames), 0);
	if (n <= 0)
		return;
	st->nr = n / sizeof(__u64);
	t->has_stack = 1;
}

/*
 * Open the task's invalidation window on @inode (once per syscall).
 * record sends it; check only notes who invalidates the inode, with the
 * stack when @stack (the syscall's entry has none worth keeping).
 */
static __always_inline void fl_window_open(void *ctx, struct fl_task_inval *t,
					   struct inode *inode, __u32 slot, bool stack)
{
	__u64 key = (__u64)inode;
	struct fl_event *e;

	t->inode = key;
	t->slot = slot;
	t->ts = bpf_ktime_get_ns();
	fl_inode_key(inode, &t->key);
	t->magic = BPF_CORE_READ(inode, i_sb, s_magic);
	t->opened = 1;
	if (fl_fs_rules_of(t->magic) & FL_RULE_STALE_WINDOW)
		fl_inval_last_open(t);
	if (!fl_cfg.emit_all) {
		bpf_map_update_elem(&fl_inval_inodes, &key, &t->pid, BPF_ANY);
		if (stack)
			fl_window_keep_stack(ctx, t);
		return;
	}
	e = fl_event_new_stack(FL_EV_INVAL_BEGIN, slot, inode);
	if (!e)
		return;
	e->op = t->op;
	e->start = t->start;
	e->end = t->end;
	e->aux = t->mode;
	fl_event_stack(ctx, e);
	bpf_ringbuf_submit(e, 0);
}

#endif /* FL_WINDOW_BPF_H */
