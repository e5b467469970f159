// SPDX-License-Identifier: GPL-2.0
/*
 * Invalidations: hole punch, zero/collapse/insert range and truncate.
 *
 * The window of an invalidation is the syscall that asks for it: it opens
 * at sys_enter (fallocate and ftruncate name the file by fd) and closes at
 * sys_exit, which every path reaches, so no window is left open by an error
 * return inside the filesystem.  The filesystems' own tracepoints say which
 * code ran and supply the invalidator's stack; truncate(2) names a path, so
 * its window opens at the first of them (or at the first page dropped).
 */
#include "fl_common.bpf.h"

#define FALLOC_FL_PUNCH_HOLE_	0x02
#define FALLOC_FL_COLLAPSE_RANGE_ 0x08
#define FALLOC_FL_ZERO_RANGE_	0x10
#define FALLOC_FL_INSERT_RANGE_	0x20
#define FALLOC_FL_WRITE_ZEROES_	0x80

static __always_inline struct inode *fl_fd_inode(long fd)
{
	struct task_struct *task = (void *)bpf_get_current_task();
	struct fdtable *fdt = BPF_CORE_READ(task, files, fdt);
	struct file **fds;
	struct file *f = NULL;

	if (!fdt || fd < 0 || fd >= BPF_CORE_READ(fdt, max_fds))
		return NULL;
	fds = BPF_CORE_READ(fdt, fd);
	if (bpf_probe_read_kernel(&f, sizeof(f), &fds[fd]) || !f)
		return NULL;
	return BPF_CORE_READ(f, f_inode);
}

static __always_inline int fl_enter(void *ctx, struct inode *inode, __u8 op,
				    __u64 start, __u64 end, __u64 mode)
{
	struct fl_task_inval t = {};
	struct fl_task_inval *tp;
	__u32 pid = (__u32)bpf_get_current_pid_tgid();
	__u32 slot = 0;

	if (inode && !fl_watched_probe(inode, &slot))
		return 0;
	t.op = op;
	t.start = start;
	t.end = end;
	t.mode = mode;
	t.pid = pid;
	t.tgid = bpf_get_current_pid_tgid() >> 32;
	bpf_get_current_comm(t.comm, sizeof(t.comm));
	if (!bpf_map_update_elem(&fl_tasks, &pid, &t, BPF_NOEXIST)) {
		fl_active_add(1);
	} else if (bpf_map_update_elem(&fl_tasks, &pid, &t, BPF_ANY)) {
		/* full: this invalidation goes untracked, and the verdict says so */
		fl_count(slot, FL_CNT_INVAL_FULL);
		return 0;
	}
	tp = bpf_map_lookup_elem(&fl_tasks, &pid);
	if (tp && inode)
		fl_window_open(ctx, tp, inode, slot, false);
	return 0;
}

/*
 * The exit programs attach first (the loader's ends[]): an entry recorded
 * by sys_enter always finds its sys_exit attached, and no task is left
 * "invalidating" for good.
 */
/* Invalidations are counted when they succeed: tmpfs refuses collapse. */
static __always_inline int fl_exit(struct syscall_trace_exit *ctx)
{
	__u32 pid = (__u32)bpf_get_current_pid_tgid();
	struct fl_task_inval *t;
	struct fl_event *e;
	struct fl_task_inval copy;

	t = bpf_map_lookup_elem(&fl_tasks, &pid);
	if (!t)
		return 0;
	copy = *t;
	if (!bpf_map_delete_elem(&fl_tasks, &pid))
		fl_active_add(-1);
	if (!copy.opened)
		return 0;
	if (ctx->ret == 0)
		fl_count(copy.slot, FL_CNT_INVALIDATIONS);
	if (fl_fs_rules_of(copy.magic) & FL_RULE_STALE_WINDOW)
		fl_inval_last_close(&copy, ctx->ret);
	if (!fl_cfg.emit_all) {
		__u32 *owner = bpf_map_lookup_elem(&fl_inval_inodes, &copy.inode);

		/* another task's window on the inode stays its */
		if (owner && *owner == pid)
			bpf_map_delete_elem(&fl_inval_inodes, &copy.inode);
		bpf_map_delete_elem(&fl_inval_stacks, &pid);
		return 0;
	}
	e = fl_event_new(FL_EV_INVAL_END, copy.slot, NULL);
	if (!e)
		return 0;
	e->inode = copy.key;
	e->fs_magic = copy.magic;
	e->op = copy.op;
	e->start = copy.start;
	e->end = copy.end;
	e->aux = ctx->ret;
	bpf_ringbuf_submit(e, 0);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_fallocate")
int fl_sys_exit_fallocate(struct syscall_trace_exit *ctx)
{
	return fl_exit(ctx);
}

SEC("tracepoint/syscalls/sys_exit_ftruncate")
int fl_sys_exit_ftruncate(struct syscall_trace_exit *ctx)
{
	return fl_exit(ctx);
}

SEC("tracepoint/syscalls/sys_exit_truncate")
int fl_sys_exit_truncate(struct syscall_trace_exit *ctx)
{
	return fl_exit(ctx);
}

SEC("tracepoint/syscalls/sys_enter_fallocate")
int fl_sys_enter_fallocate(struct syscall_trace_enter *ctx)
{
	long fd = ctx->args[0], mode = ctx->args[1];
	__u64 off = ctx->args[2], len = ctx->args[3];
	__u8 op;

	if (mode & FALLOC_FL_PUNCH_HOLE_)
		op = FL_OP_PUNCH;
	else if (mode & (FALLOC_FL_ZERO_RANGE_ | FALLOC_FL_WRITE_ZEROES_))
		op = FL_OP_ZERO;
	else if (mode & FALLOC_FL_COLLAPSE_RANGE_)
		op = FL_OP_COLLAPSE;
	else if (mode & FALLOC_FL_INSERT_RANGE_)
		op = FL_OP_INSERT;
	else
		return 0;	/* allocation drops no page cache */

	/* Collapse and insert shift everything after the offset. */
	if (op == FL_OP_COLLAPSE || op == FL_OP_INSERT)
		return fl_enter(ctx, fl_fd_inode(fd), op, off, FL_EOF, mode);
	return fl_enter(ctx, fl_fd_inode(fd), op, off, off + len, mode);
}

SEC("tracepoint/syscalls/sys_enter_ftruncate")
int fl_sys_enter_ftruncate(struct syscall_trace_enter *ctx)
{
	struct inode *inode = fl_fd_inode(ctx->args[0]);
	__u64 length = ctx->args[1];

	/* Only shrinking drops page cache. */
	if (!inode || length >= (__u64)BPF_CORE_READ(inode, i_size))
		return 0;
	return fl_enter(ctx, inode, FL_OP_TRUNCATE, length, FL_EOF, 0);
}

SEC("tracepoint/syscalls/sys_enter_truncate")
int fl_sys_enter_truncate(struct syscall_trace_enter *ctx)
{
	return fl_enter(ctx, NULL, FL_OP_TRUNCATE, ctx->args[1], FL_EOF, 0);
}

/*
 * The filesystem's invalidation code ran for @inode.  Inside a traced
 * syscall this opens the window if the syscall could not name the inode and
 * records the invalidator's stack once; outside one it is a coverage gap
 * (an ioctl, or an fs-internal caller) and is counted.
 */
static __always_inline int fl_fs_step(void *ctx, struct inode *inode, __u8 op)
{
	__u32 pid = (__u32)bpf_get_current_pid_tgid();
	__u64 inval_owner = 0, irw_owner = 0;
	struct fl_task_inval *t;
	struct fl_event *e;
	__u32 slot;

	if (!inode || !fl_watched(FL_BTF, inode, &slot))
		return 0;
	t = bpf_map_lookup_elem(&fl_tasks, &pid);
	if (!t) {
		/* inode eviction truncates too; that is not a user invalidation */
		if (op != FL_OP_TRUNCATE)
			fl_count(slot, FL_CNT_INVAL_UNTRACKED);
		return 0;
	}
	if (!t->opened)
		fl_window_open(ctx, t, inode, slot, false);
	if (t->stepped || t->inode != (__u64)inode)
		return 0;
	t->stepped = 1;
	if (!fl_cfg.emit_all) {
		__u64 key = (__u64)inode;

		/* kept for the race partners of candidates (fl_race_send) */
		t->step_inval = fl_inval_lock_state(FL_BTF, inode->i_mapping, &inval_owner);
		t->step_inval_owner = fl_task_pid(inval_owner);
		t->step_irw = fl_rwsem_state(FL_BTF, &inode->i_rwsem, &irw_owner);
		t->step_irw_owner = fl_task_pid(irw_owner);
		t->step_precise = fl_cfg.precise_all;	/* the records decided */
		fl_window_keep_stack(ctx, t);
		/* after the fields: another task's fl_race_send reads it first */
		__sync_fetch_and_add(&t->step_done, 1);
		bpf_map_update_elem(&fl_inval_inodes, &key, &pid, BPF_ANY);
		return 0;
	}
	e = fl_event_new_stack(FL_EV_INVAL_STEP, slot, inode);
	if (!e)
		return 0;
	e->op = op;
	e->start = t->start;
	e->end = t->end;
	fl_event_locks(e, fl_inval_lock_state(FL_BTF, inode->i_mapping, &inval_owner), inval_owner,
		       fl_rwsem_state(FL_BTF, &inode->i_rwsem, &irw_owner), irw_owner);
	fl_event_stack(ctx, e);
	bpf_ringbuf_submit(e, 0);
	return 0;
}

SEC("tp_btf/ext4_punch_hole")
int BPF_PROG(fl_ext4_punch, struct inode *inode, loff_t off, loff_t len, int mode)
{
	return fl_fs_step(ctx, inode, FL_OP_PUNCH);
}

SEC("tp_btf/ext4_zero_range")
int BPF_PROG(fl_ext4_zero, struct inode *inode, loff_t off, loff_t len, int mode)
{
	return fl_fs_step(ctx, inode, FL_OP_ZERO);
}

SEC("tp_btf/ext4_collapse_range")
int BPF_PROG(fl_ext4_collapse, struct inode *inode, loff_t off, loff_t len)
{
	return fl_fs_step(ctx, inode, FL_OP_COLLAPSE);
}

SEC("tp_btf/ext4_insert_range")
int BPF_PROG(fl_ext4_insert, struct inode *inode, loff_t off, loff_t len)
{
	return fl_fs_step(ctx, inode, FL_OP_INSERT);
}

SEC("tp_btf/ext4_truncate_enter")
int BPF_PROG(fl_ext4_truncate, struct inode *inode)
{
	return fl_fs_step(ctx, inode, FL_OP_TRUNCATE);
}

SEC("tp_btf/xfs_free_file_space")
int BPF_PROG(fl_xfs_free, struct xfs_inode *ip)
{
	/* maybe-NULL tracepoint argument (fl_core_fixes.bpf.h) */
	if (!ip)
		return 0;
	return fl_fs_step(ctx, &ip->i_vnode, FL_OP_PUNCH);
}

SEC("tp_btf/xfs_zero_file_space")
int BPF_PROG(fl_xfs_zero, struct xfs_inode *ip)
{
	/* maybe-NULL tracepoint argument (fl_core_fixes.bpf.h) */
	if (!ip)
		return 0;
	return fl_fs_step(ctx, &ip->i_vnode, FL_OP_ZERO);
}

SEC("tp_btf/xfs_collapse_file_space")
int BPF_PROG(fl_xfs_collapse, struct xfs_inode *ip)
{
	/* maybe-NULL tracepoint argument (fl_core_fixes.bpf.h) */
	if (!ip)
		return 0;
	return fl_fs_step(ctx, &ip->i_vnode, FL_OP_COLLAPSE);
}

SEC("tp_btf/xfs_insert_file_space")
int BPF_PROG(fl_xfs_insert, struct xfs_inode *ip)
{
	/* maybe-NULL tracepoint argument (fl_core_fixes.bpf.h) */
	if (!ip)
		return 0;
	return fl_fs_step(ctx, &ip->i_vnode, FL_OP_INSERT);
}

SEC("tp_btf/xfs_itruncate_extents_start")
int BPF_PROG(fl_xfs_truncate, struct xfs_inode *ip, xfs_fsize_t new_size)
{
	/* maybe-NULL tracepoint argument (fl_core_fixes.bpf.h) */
	if (!ip)
		return 0;
	return fl_fs_step(ctx, &ip->i_vnode, FL_OP_TRUNCATE);
}

char LICENSE[] SEC("license") = "GPL";
