// SPDX-License-Identifier: GPL-2.0
/*
 * iomap: each iomap_iter step and the extent map it hands out.
 *
 * A buffered write, zeroing or unsharing step (not a fault, not direct
 * I/O) must run under inode->i_rwsem (seed 003): that is the write-unlocked
 * check.  Direct I/O may hold it shared and page_mkwrite holds the
 * invalidate lock instead, so both are left out.
 */
#include "fl_common.bpf.h"

#define FL_IOMAP_WRITE_LIKE (FL_IOMAP_WRITE | FL_IOMAP_ZERO | FL_IOMAP_UNSHARE)

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
	if (!candidate && !fl_cfg.emit_all)
		return 0;
	if (candidate && !fl_candidate_gate(ctx, FL_EV_IOMAP, slot, inode, &stack_id))
		return 0;

	e = fl_event_new(FL_EV_IOMAP, slot, inode);
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

	if (!fl_watched(inode, &slot))
		return 0;
	fl_count(slot, FL_CNT_IOMAP_MAPS);
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

char LICENSE[] SEC("license") = "GPL";
