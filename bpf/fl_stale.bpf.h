/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The stale-map rule at the folio (iomap.bpf.c describes the rule): a
 * folio that a buffered write instantiates under a map gone stale since it
 * was handed out is kept for the verdict of the write's next step.  Done
 * by the program on the page-cache insertion tracepoint: pagecache.bpf.c's
 * fl_tp_insert where that tracepoint is the insertion hook, iomap.bpf.c's
 * fl_tp_folio_use where the insertion is hooked otherwise.  The write's
 * state is in fl_curmap (fl_maps.bpf.h), which iomap.bpf.c keeps.
 */
#ifndef FL_STALE_BPF_H
#define FL_STALE_BPF_H

#include "fl_common.bpf.h"

#define XFS_MAGIC_ 0x58465342
#define ZOOFS_MAGIC_ 0x7a6f6f66

/*
 * The filesystem's own extent sequence, as its ->iomap_valid compares it:
 * xfs's data fork if_seq, with the COW fork's above it for a shared map;
 * zoofs (tests/zoo) keeps its sequence in the first word of i_private.
 * False for a filesystem whose sequence faultline does not know.
 */
static __always_inline bool fl_fs_seq(struct inode *inode, bool shared, __u64 *seq)
{
	__u32 magic = BPF_CORE_READ(inode, i_sb, s_magic);

	if (magic == XFS_MAGIC_) {
		struct xfs_inode *ip;
		struct xfs_ifork *cow;

		/* resolved at load: without the xfs module this is dead code */
		if (!bpf_core_type_exists(struct xfs_inode))
			return false;
		ip = (void *)inode - bpf_core_field_offset(struct xfs_inode, i_vnode);
		*seq = BPF_CORE_READ(ip, i_df.if_seq);
		cow = shared ? BPF_CORE_READ(ip, i_cowfp) : NULL;
		if (cow)
			*seq |= (__u64)BPF_CORE_READ(cow, if_seq) << 32;
		return true;
	}
	if (magic == ZOOFS_MAGIC_) {
		void *priv = BPF_CORE_READ(inode, i_private);

		return priv && !bpf_probe_read_kernel(seq, sizeof(*seq), priv);
	}
	return false;
}

/*
 * check sends no windows: the invalidation that made a window-form use a
 * candidate is kept to go with it as its race partner, as it was when the
 * folio came (FL_F_ENDED: it had ended, successfully, at aux).  record
 * sends every window itself.
 */
static __always_inline void fl_stale_race_keep(struct fl_event *use, struct fl_inval_last *last)
{
	__u32 pid = use->pid;
	struct fl_event *r = bpf_map_lookup_elem(&fl_stale_race, &pid);

	if (!r) {
		fl_exit_mark(pid);
		bpf_map_update_elem(&fl_stale_race, &pid, use, BPF_ANY);
		r = bpf_map_lookup_elem(&fl_stale_race, &pid);
		if (!r)
			return;
	}
	r->type = FL_EV_RACE;
	r->flags = 0;
	r->slot = use->slot;
	r->cpu = use->cpu;
	r->ts = last->ts;
	r->pid = last->pid;
	r->tgid = last->tgid;
	__builtin_memcpy(r->comm, last->comm, sizeof(r->comm));
	r->inode = last->key;
	r->fs_magic = last->magic;
	r->op = last->op;
	r->start = last->start;
	r->end = last->end;
	r->inval_lock = FL_LOCK_NA;
	r->i_rwsem = FL_LOCK_NA;
	r->inval_owner = 0;
	r->i_rwsem_owner = 0;
	r->nr_frames = 0;
	r->kaddr = pid;
	r->stack_id = use->stack_id;
	r->aux = *(volatile __u64 *)&last->ts_end;
	if (r->aux)
		r->flags |= FL_F_ENDED;
}

/*
 * A folio enters the page cache.  Instantiated by a task in the middle of
 * a buffered write under a map that has gone stale since it was handed
 * out, it is what the fs must revalidate: keep it for the verdict.
 */
static __always_inline int fl_folio_instantiated(void *ctx, struct folio *folio,
						 struct address_space *mapping, struct inode *inode)
{
	__u32 pid = (__u32)bpf_get_current_pid_tgid();
	__u64 pos, seq, inval_owner = 0, irw_owner = 0;
	struct fl_inval_last *last = NULL;
	struct fl_map_state *st;
	struct fl_event *e;

	if (!fl_exit_marked(pid))
		return 0;
	st = bpf_map_lookup_elem(&fl_curmap, &pid);
	if (!st || !st->active || st->pending || (__u64)inode != st->inode)
		return 0;
	pos = BPF_CORE_READ(folio, index) << fl_cfg.page_shift;
	if (pos < st->wpos || pos >= st->wend || pos < st->mpos || pos >= st->mend)
		return 0;
	if (st->form == FL_FORM_WINDOW) {
		__u64 key = (__u64)inode, end;

		last = bpf_map_lookup_elem(&fl_inval_last, &key);
		end = pos + (fl_folio_nr_pages(folio) << fl_cfg.page_shift);
		/* no invalidation of this folio began since the map: nothing to judge */
		if (!last || last->ts <= st->map_ts || last->start >= end || pos >= last->end)
			return 0;
	} else if (!fl_fs_seq(inode, st->shared, &seq) || seq == st->seq) {
		return 0;
	} else {
		fl_count(st->slot, FL_CNT_STALE_USES);
	}
	e = bpf_map_lookup_elem(&fl_stale_use, &pid);
	if (!e) {
		__u32 zero = 0;

		/* from a map: the insertion's program has no stack left for one */
		e = bpf_map_lookup_elem(&fl_event_zero, &zero);
		if (!e)
			return 0;
		fl_exit_mark(pid);
		bpf_map_update_elem(&fl_stale_use, &pid, e, BPF_ANY);
		e = bpf_map_lookup_elem(&fl_stale_use, &pid);
		if (!e)
			return 0;
	}
	fl_event_init(e, FL_EV_FOLIO_USE, st->slot, inode);
	e->start = pos;
	e->end = pos + (fl_folio_nr_pages(folio) << fl_cfg.page_shift);
	if (st->form == FL_FORM_WINDOW) {
		e->op = FL_FOLIO_USE_WINDOW;
		e->kaddr = st->map_ts;
	} else {
		e->kaddr = st->mpos;
	}
	e->flags |= FL_F_CANDIDATE;
	fl_event_locks(e, fl_inval_lock_state(FL_BTF, mapping, &inval_owner), inval_owner,
		       fl_rwsem_state(FL_BTF, &inode->i_rwsem, &irw_owner), irw_owner);
	fl_event_stack(ctx, e);
	if (last && !fl_cfg.emit_all)
		fl_stale_race_keep(e, last);
	st->use_pos = pos;
	st->pending = 1;
	return 0;
}

#endif /* FL_STALE_BPF_H */
