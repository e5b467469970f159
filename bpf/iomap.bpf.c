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

SEC("tp_btf/iomap_iter")
int BPF_PROG(fl_tp_iomap_iter, struct iomap_iter *iter, const void *ops,
	     unsigned long caller)
{
	__u64 inval_owner = 0, irw_owner = 0;
	struct inode *inode = iter->inode;
	struct fl_event *e;
	__u32 slot, flags;
	__u8 irw = FL_LOCK_NA;
	bool candidate = false;

	if (!fl_watched(inode, &slot))
		return 0;
	fl_count(slot, FL_CNT_IOMAP);

	flags = iter->flags;
	if ((flags & FL_IOMAP_WRITE_LIKE) &&
	    !(flags & (FL_IOMAP_FAULT | FL_IOMAP_DIRECT))) {
		irw = fl_rwsem_state(&inode->i_rwsem, &irw_owner);
		if (!fl_held_by_me(irw)) {
			if (!(fl_fs_rules_of(inode->i_sb->s_magic) & FL_RULE_WRITE_LOCKED) ||
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

	e = fl_event_new(FL_EV_IOMAP, slot, inode);
	if (!e)
		return 0;
	e->start = iter->pos;
	e->end = e->start + iter->len;
	e->aux = flags;
	if (irw == FL_LOCK_NA)
		irw = fl_rwsem_state(&inode->i_rwsem, &irw_owner);
	fl_event_locks(e, fl_inval_lock_state(inode->i_mapping, &inval_owner), inval_owner,
		       irw, irw_owner);
	fl_event_submit(ctx, e, slot, candidate);
	return 0;
}

SEC("tp_btf/iomap_iter_dstmap")
int BPF_PROG(fl_tp_iomap_dstmap, struct inode *inode, struct iomap *iomap)
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
	e->start = iomap->offset;
	e->end = e->start + iomap->length;
	e->aux = ((__u64)iomap->type << 16) | iomap->flags;
	bpf_ringbuf_submit(e, 0);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
