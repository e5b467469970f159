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
	struct fl_config *cfg = fl_config();
	struct inode *inode;
	struct fl_event *e;
	__u32 slot, flags, owner = 0;
	__u8 irw = FL_LOCK_NA;
	bool candidate = false;

	if (!cfg)
		return 0;
	inode = BPF_CORE_READ(iter, inode);
	if (!fl_watched(cfg, inode, &slot))
		return 0;
	fl_count(slot, FL_CNT_IOMAP);

	flags = BPF_CORE_READ(iter, flags);
	if ((flags & FL_IOMAP_WRITE_LIKE) &&
	    !(flags & (FL_IOMAP_FAULT | FL_IOMAP_DIRECT))) {
		irw = fl_rwsem_state(&inode->i_rwsem, &owner);
		if (!fl_held_by_me(irw)) {
			__u32 magic = BPF_CORE_READ(inode, i_sb, s_magic);

			if (!(fl_fs_rules_of(magic) & FL_RULE_WRITE_LOCKED) ||
			    fl_is_internal(inode))
				fl_count(slot, FL_CNT_UNCHECKED);
			else if (irw == FL_LOCK_SHARED_OTHER || irw == FL_LOCK_NA)
				fl_count(slot, FL_CNT_UNKNOWN);
			else
				candidate = true;
		}
	}
	if (!candidate && !cfg->emit_all)
		return 0;

	e = fl_event_new(FL_EV_IOMAP, slot, inode);
	if (!e)
		return 0;
	e->start = BPF_CORE_READ(iter, pos);
	e->end = e->start + BPF_CORE_READ(iter, len);
	e->aux = flags;
	e->i_rwsem = irw == FL_LOCK_NA ? fl_rwsem_state(&inode->i_rwsem, &owner) : irw;
	e->i_rwsem_owner = owner;
	e->inval_lock = fl_inval_lock_state(BPF_CORE_READ(inode, i_mapping), &e->inval_owner);
	fl_event_submit(ctx, e, slot, candidate);
	return 0;
}

SEC("tp_btf/iomap_iter_dstmap")
int BPF_PROG(fl_tp_iomap_dstmap, struct inode *inode, struct iomap *iomap)
{
	struct fl_config *cfg = fl_config();
	struct fl_event *e;
	__u32 slot;

	if (!cfg || !fl_watched(cfg, inode, &slot))
		return 0;
	fl_count(slot, FL_CNT_IOMAP_MAPS);
	if (!cfg->emit_all)
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

char LICENSE[] SEC("license") = "GPL";
