// SPDX-License-Identifier: GPL-2.0
/*
 * iomap: each iomap_iter step and the extent map it hands out.
 *
 * A buffered write, zeroing or unsharing step (not a fault, not direct
 * I/O) must run under inode->i_rwsem (seed 003): that is the write-unlocked
 * check.  Direct I/O may hold it shared and page_mkwrite holds the
 * invalidate lock instead, so both are left out.  The maps' staleness is
 * followed too (below), against xfs's own validity check.
 */
#include "fl_common.bpf.h"

#define FL_IOMAP_WRITE_LIKE (FL_IOMAP_WRITE | FL_IOMAP_ZERO | FL_IOMAP_UNSHARE)

/*
 * Stale maps, seen independently of the filesystem's own check.  xfs bumps
 * its fork sequence (the validity cookie's source) on every in-core extent
 * insert, remove and update, and traces each; counting them per inode, a
 * map handed out before a change is stale.  When xfs finds a map stale
 * (xfs_iomap_invalid for buffered writes, xfs_wb_*_iomap_invalid for
 * writeback), the task's map must be one we saw go stale: the agreement
 * check.  Attribute-fork changes are left out: they do not invalidate.
 */
#define BMAP_ATTRFORK_ (1U << 8)
#define XFS_MAGIC_ 0x58465342

struct fl_map_state {
	__u64 inode;
	__u64 changes;		/* the inode's extent changes when mapped */
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);
	__type(value, __u64);
} fl_extchg SEC(".maps");

/* Each task's current map: for writes (iomap) and for writeback (wb). */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 8192);
	__type(key, __u32);
	__type(value, struct fl_map_state);
} fl_curmap SEC(".maps"), fl_wbmap SEC(".maps");

static __always_inline __u64 fl_changes(struct inode *inode)
{
	__u64 key = (__u64)inode, *n = bpf_map_lookup_elem(&fl_extchg, &key);

	return n ? *n : 0;
}

static __always_inline void fl_map_taken(void *map, struct inode *inode)
{
	__u32 pid = (__u32)bpf_get_current_pid_tgid();
	struct fl_map_state st = { .inode = (__u64)inode, .changes = fl_changes(inode) };

	bpf_map_update_elem(map, &pid, &st, BPF_ANY);
}

static __always_inline int fl_iomap_iter_common(void *ctx, struct iomap_iter *iter)
{
	__u64 inval_owner = 0, irw_owner = 0;
	struct inode *inode = FL_RD(iter, inode);
	struct fl_event *e;
	__u32 slot, flags;
	__u8 irw = FL_LOCK_NA;
	bool candidate = false;
	__s32 stack_id = -1;

	if (!fl_watched(inode, &slot))
		return 0;
	fl_count(slot, FL_CNT_IOMAP);

	flags = FL_RD(iter, flags);
	if ((flags & FL_IOMAP_WRITE_LIKE) &&
	    !(flags & (FL_IOMAP_FAULT | FL_IOMAP_DIRECT))) {
		irw = fl_rwsem_state(&inode->i_rwsem, &irw_owner);
		if (!fl_held_by_me(irw)) {
			if (!(fl_fs_rules_of(FL_RD(inode, i_sb, s_magic)) & FL_RULE_WRITE_LOCKED) ||
			    fl_is_internal(inode))
				fl_count(slot, FL_CNT_UNCHECKED);
			else if (irw == FL_LOCK_SHARED_OTHER || irw == FL_LOCK_NA)
				fl_count(slot, FL_CNT_UNKNOWN);
			else
				candidate = true;
		}
	}
	e = fl_event_for(ctx, FL_EV_IOMAP, slot, inode, candidate, &stack_id);
	if (!e)
		return 0;
	e->start = BPF_CORE_READ(iter, pos);
	e->end = e->start + BPF_CORE_READ(iter, len);
	e->aux = flags;
	if (irw == FL_LOCK_NA)
		irw = fl_rwsem_state(&inode->i_rwsem, &irw_owner);
	fl_event_locks(e, fl_inval_lock_state(FL_RD(inode, i_mapping), &inval_owner),
		       inval_owner, irw, irw_owner);
	fl_event_submit(ctx, e, slot, candidate, stack_id);
	return 0;
}

static __always_inline int fl_iomap_map_common(struct inode *inode, struct iomap *iomap)
{
	struct fl_event *e;
	__u32 slot;

	if (!iomap || !fl_watched(inode, &slot))
		return 0;
	fl_count(slot, FL_CNT_IOMAP_MAPS);
	/* only xfs's maps are checked against its own stale detection */
	if (FL_RD(inode, i_sb, s_magic) == XFS_MAGIC_)
		fl_map_taken(&fl_curmap, inode);
	if (!fl_cfg.emit_all)
		return 0;
	e = fl_event_new(FL_EV_IOMAP_MAP, slot, inode);
	if (!e)
		return 0;
	e->start = BPF_CORE_READ(iomap, offset);
	e->end = e->start + BPF_CORE_READ(iomap, length);
	e->aux = ((__u64)BPF_CORE_READ(iomap, type) << 16) | BPF_CORE_READ(iomap, flags);
	bpf_ringbuf_submit(e, 0);
	return 0;
}

SEC("tp_btf/iomap_iter")
int BPF_PROG(fl_tp_iomap_iter, struct iomap_iter *iter, const void *ops,
	     unsigned long caller)
{
	return fl_iomap_iter_common(ctx, iter);
}

SEC("tp_btf/iomap_iter_dstmap")
int BPF_PROG(fl_tp_iomap_dstmap, struct inode *inode, struct iomap *iomap)
{
	return fl_iomap_map_common(inode, iomap);
}

#ifndef FL_KPROBE
SEC("fentry/iomap_iter")
int BPF_PROG(fl_fe_iomap_iter, struct iomap_iter *iter, const void *ops)
{
	return fl_iomap_iter_common(ctx, iter);
}

/* iomap_iter() returns > 0 when ->iomap_begin handed out a new map. */
SEC("fexit/iomap_iter")
int BPF_PROG(fl_fx_iomap_map, struct iomap_iter *iter, const void *ops, int ret)
{
	if (ret <= 0)
		return 0;
	return fl_iomap_map_common(iter->inode, &iter->iomap);
}
#else
SEC("kprobe/iomap_iter")
int BPF_KPROBE(fl_kp_iomap_iter, struct iomap_iter *iter, const void *ops)
{
	return fl_iomap_iter_common(ctx, iter);
}
#endif

static __always_inline int fl_extent_changed(struct xfs_inode *ip, int state)
{
	struct inode *inode;
	__u64 key, one = 1, *n;
	__u32 slot;

	if (!ip || (state & BMAP_ATTRFORK_))
		return 0;
	inode = &ip->i_vnode;
	if (!fl_watched(inode, &slot))
		return 0;
	key = (__u64)inode;
	n = bpf_map_lookup_elem(&fl_extchg, &key);
	if (n)
		__sync_fetch_and_add(n, 1);
	else
		bpf_map_update_elem(&fl_extchg, &key, &one, BPF_NOEXIST);
	return 0;
}

SEC("tp_btf/xfs_iext_insert")
int BPF_PROG(fl_xfs_iext_insert, struct xfs_inode *ip, void *cur, int state, unsigned long ip_)
{
	return fl_extent_changed(ip, state);
}

SEC("tp_btf/xfs_iext_remove")
int BPF_PROG(fl_xfs_iext_remove, struct xfs_inode *ip, void *cur, int state, unsigned long ip_)
{
	return fl_extent_changed(ip, state);
}

SEC("tp_btf/xfs_bmap_post_update")
int BPF_PROG(fl_xfs_iext_update, struct xfs_inode *ip, void *cur, int state, unsigned long ip_)
{
	return fl_extent_changed(ip, state);
}

/* Writeback took a map, found or freshly allocated. */
static __always_inline int fl_wbmap_taken(struct xfs_inode *ip)
{
	__u32 slot;

	if (ip && fl_watched(&ip->i_vnode, &slot))
		fl_map_taken(&fl_wbmap, &ip->i_vnode);
	return 0;
}

SEC("tp_btf/xfs_map_blocks_found")
int BPF_PROG(fl_xfs_wbmap_found, struct xfs_inode *ip)
{
	return fl_wbmap_taken(ip);
}

SEC("tp_btf/xfs_map_blocks_alloc")
int BPF_PROG(fl_xfs_wbmap_alloc, struct xfs_inode *ip)
{
	return fl_wbmap_taken(ip);
}

static __always_inline int fl_kernel_found_stale(struct xfs_inode *ip, const struct iomap *iomap,
						 void *maps)
{
	__u32 pid = (__u32)bpf_get_current_pid_tgid(), slot;
	struct fl_map_state *st;
	struct inode *inode;
	struct fl_event *e;

	/* 6.12+ types tracepoint arguments as maybe-NULL */
	if (!ip || !iomap)
		return 0;
	inode = &ip->i_vnode;
	if (!fl_watched(inode, &slot))
		return 0;
	fl_count(slot, FL_CNT_STALE_KERNEL);
	st = bpf_map_lookup_elem(maps, &pid);
	if (st && st->inode == (__u64)inode && fl_changes(inode) != st->changes) {
		fl_count(slot, FL_CNT_STALE_SEEN);
		return 0;
	}
	/* maybe the change's tracepoint has not run yet: user space looks again */
	e = fl_event_new(FL_EV_STALE_UNSEEN, slot, inode);
	if (!e)
		return 0;
	e->kaddr = (__u64)inode;
	e->aux = st && st->inode == (__u64)inode ? st->changes : ~0ULL;
	e->start = BPF_CORE_READ(iomap, offset);
	e->end = e->start + BPF_CORE_READ(iomap, length);
	bpf_ringbuf_submit(e, 0);
	return 0;
}

SEC("tp_btf/xfs_iomap_invalid")
int BPF_PROG(fl_xfs_iomap_invalid, struct xfs_inode *ip, const struct iomap *iomap)
{
	return fl_kernel_found_stale(ip, iomap, &fl_curmap);
}

SEC("tp_btf/xfs_wb_data_iomap_invalid")
int BPF_PROG(fl_xfs_wb_invalid, struct xfs_inode *ip, const struct iomap *iomap)
{
	return fl_kernel_found_stale(ip, iomap, &fl_wbmap);
}

SEC("tp_btf/xfs_wb_cow_iomap_invalid")
int BPF_PROG(fl_xfs_wb_cow_invalid, struct xfs_inode *ip, const struct iomap *iomap)
{
	return fl_kernel_found_stale(ip, iomap, &fl_wbmap);
}

char LICENSE[] SEC("license") = "GPL";
