// SPDX-License-Identifier: GPL-2.0
/*
 * iomap: each iomap_iter step and the extent map it hands out.
 *
 * A buffered write, zeroing or unsharing step (not a fault, not direct
 * I/O) must run under inode->i_rwsem (seed 003): that is the write-unlocked
 * check.  Direct I/O may hold it shared and page_mkwrite holds the
 * invalidate lock instead, so both are left out.  The maps' staleness is
 * followed too (below): against xfs's own validity check, and for the
 * stale-map rule (seed 002).
 */
#include "fl_common.bpf.h"
#include "fl_stale.bpf.h"

#define FL_IOMAP_WRITE_LIKE (FL_IOMAP_WRITE | FL_IOMAP_ZERO | FL_IOMAP_UNSHARE)

/*
 * Stale maps, seen independently of the filesystem's own check.  xfs bumps
 * a fork's sequence (the validity cookies' source) on every in-core extent
 * insert, remove and update, and traces each: BPF keeps, per inode and
 * fork, the sequence it saw the last change leave.  When xfs finds a map
 * stale (xfs_iomap_invalid for buffered writes, xfs_wb_{data,cow}_
 * iomap_invalid for writeback), its cookie or snapshot must be older than
 * a change faultline saw: the agreement check.  The comparison is between
 * sequence values, so it holds for snapshots faultline never saw taken
 * (writeback compares the COW fork against a snapshot from whenever the
 * context last looked at it).  Attribute-fork changes are left out.
 *
 * The stale-map rule (seed 002) reads the filesystem's sequence itself.  A
 * buffered write that instantiates a folio after the sequence moved past
 * the one it had when the map was handed out must not go on using that
 * map for it; the fs's ->iomap_valid runs after the folio is in the cache,
 * so a healthy fs remaps at that very folio, a buggy one writes it and
 * moves past it.
 *
 * Where faultline knows no sequence (gfs2, zonefs: FL_RULE_STALE_WINDOW),
 * the rule is judged by invalidation windows instead: a folio the write
 * instantiates after an invalidation of the inode began since its map was
 * handed out goes to user space with when the map was taken, whatever the
 * write does next; the engine finds the invalidation and decides.
 */
#define BMAP_ATTRFORK_ (1U << 8)
#define BMAP_COWFORK_ (1U << 9)
#define IOMAP_F_SHARED_ (1U << 2)

/*
 * Per inode address: the sequences the last traced change left, whose
 * they are, and the kernel's stale finds waiting for a change's trace
 * (struct fl_extchg, events.h).  LRU: the entries of inodes long gone make
 * room.  A live inode's entry is touched by each of its changes and stale
 * finds, and a wait is answered within microseconds, so an eviction could
 * only drop an unanswered wait (missed at the end: loud), never make a
 * stale map look seen.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);
	__type(value, struct fl_extchg);
} fl_extchg SEC(".maps");

/*
 * A new iomap_iter step: the previous map is done with.  If a folio was
 * instantiated under it after it had gone stale, the step's progress says
 * whether the write used that folio (moved past it) or the fs found the
 * map stale there and asked for a new one (stopped at it).
 */
static __always_inline void fl_step_begins(struct iomap_iter *iter, struct inode *inode,
					   __u32 flags)
{
	__u32 pid = (__u32)bpf_get_current_pid_tgid();
	bool write = (flags & FL_IOMAP_WRITE_LIKE) && !(flags & (FL_IOMAP_FAULT | FL_IOMAP_DIRECT));
	struct fl_map_state fresh = {}, *st;
	struct fl_event *use;
	__u64 done;
	__s64 processed = 0;

	/* nothing to end or begin: no map of the task was ever followed */
	if (!write && !fl_exit_marked(pid))
		return;
	st = bpf_map_lookup_elem(&fl_curmap, &pid);
	if (!st) {
		if (!write)
			return;
		fl_exit_mark(pid);
		bpf_map_update_elem(&fl_curmap, &pid, &fresh, BPF_NOEXIST);
		st = bpf_map_lookup_elem(&fl_curmap, &pid);
		if (!st)
			return;
	}
	if (st->pending && st->inode == (__u64)inode) {
		/* 6.1 .. 6.14 (fl_core_fixes.bpf.h) */
		processed = fl_iomap_iter_processed(iter);
		done = BPF_CORE_READ(iter, pos) + (processed > 0 ? processed : 0);
		use = bpf_map_lookup_elem(&fl_stale_use, &pid);
		if (st->form == FL_FORM_WINDOW) {
			/* both verdicts go to user space: it knows the windows */
			if (use) {
				struct fl_event *race = bpf_map_lookup_elem(&fl_stale_race, &pid);

				if (race && race->type == FL_EV_RACE) {
					if (bpf_ringbuf_output(&fl_events, race, sizeof(*race), 0))
						fl_count(st->slot, FL_CNT_LOST);
					race->type = 0;
				}
				use->aux = done;
				if (bpf_ringbuf_output(&fl_events, use, sizeof(*use), 0)) {
					fl_count(st->slot, FL_CNT_LOST);
					fl_count(st->slot, FL_CNT_LOST_MAPS);
				} else {
					fl_count(st->slot, FL_CNT_CANDIDATES);
				}
			}
		} else if (done <= st->use_pos) {
			fl_count(st->slot, FL_CNT_STALE_REVALIDATED);
		} else if (use) {
			use->aux = done;
			if (bpf_ringbuf_output(&fl_events, use, sizeof(*use), 0))
				fl_count(st->slot, FL_CNT_LOST);
			else
				fl_count(st->slot, FL_CNT_CANDIDATES);
		}
	}
	st->pending = 0;
	st->active = 0;
	st->inode = (__u64)inode;
	st->write = write;
	st->wpos = BPF_CORE_READ(iter, pos);
	st->wend = st->wpos + BPF_CORE_READ(iter, len);
}

static __always_inline int fl_iomap_iter_common(void *ctx, bool kp, struct iomap_iter *iter)
{
	__u64 inval_owner = 0, irw_owner = 0;
	struct inode *inode = FL_RD(kp, iter, inode);
	struct fl_event *e;
	__u32 slot, flags;
	__u8 irw = FL_LOCK_NA;
	bool candidate = false;
	__s32 stack_id = -1;

	if (!fl_watched(kp, inode, &slot))
		return 0;
	fl_count(slot, FL_CNT_IOMAP);

	flags = FL_RD(kp, iter, flags);
	fl_step_begins(iter, inode, flags);
	if ((flags & FL_IOMAP_WRITE_LIKE) &&
	    !(flags & (FL_IOMAP_FAULT | FL_IOMAP_DIRECT))) {
		irw = fl_rwsem_state(kp, &inode->i_rwsem, &irw_owner);
		if (!fl_held_by_me(irw)) {
			if (!fl_rule_checked(kp, inode, FL_RULE_WRITE_LOCKED)) {
				fl_count(slot, FL_CNT_UNCHECKED);
			} else {
				irw = fl_precise_wait(&inode->i_rwsem, irw, &irw_owner);
				candidate = fl_candidate_unless_unknown(slot,
					irw == FL_LOCK_SHARED_OTHER || irw == FL_LOCK_NA);
			}
		}
	}
	e = fl_event_for(ctx, FL_EV_IOMAP, slot, inode, candidate, &stack_id);
	if (!e)
		return 0;
	e->start = BPF_CORE_READ(iter, pos);
	e->end = e->start + BPF_CORE_READ(iter, len);
	e->aux = flags;
	fl_event_inode_locks(kp, e, inode,
			     fl_inval_lock_state(kp, FL_RD(kp, inode, i_mapping), &inval_owner),
			     inval_owner, irw, irw_owner);
	fl_event_submit(ctx, e, slot, candidate, stack_id);
	return 0;
}

/* The map a step will use: remember it, and how current it is. */
static __always_inline void fl_map_for_write(struct inode *inode, struct iomap *iomap,
					     __u32 slot)
{
	__u32 pid = (__u32)bpf_get_current_pid_tgid();
	struct fl_map_state *st;
	__u32 rules;

	if (!fl_exit_marked(pid))
		return;
	st = bpf_map_lookup_elem(&fl_curmap, &pid);
	/* no step seen (attached mid-write): nothing to judge */
	if (!st || st->inode != (__u64)inode)
		return;
	st->active = 0;
	st->form = 0;
	if (!st->write)
		return;
	rules = fl_fs_rules_of(BPF_CORE_READ(inode, i_sb, s_magic));
	if (!(rules & (FL_RULE_STALE_MAPS | FL_RULE_STALE_WINDOW)))
		return;
	st->shared = !!(BPF_CORE_READ(iomap, flags) & IOMAP_F_SHARED_);
	/* read after ->iomap_begin: never older than the map's cookie */
	if ((rules & FL_RULE_STALE_MAPS) && fl_fs_seq(inode, st->shared, &st->seq)) {
		st->form = FL_FORM_SEQ;
	} else if (rules & FL_RULE_STALE_WINDOW) {
		st->form = FL_FORM_WINDOW;
		st->map_ts = bpf_ktime_get_ns();
	} else {
		return;
	}
	st->mpos = BPF_CORE_READ(iomap, offset);
	st->mend = st->mpos + BPF_CORE_READ(iomap, length);
	st->slot = slot;
	st->active = 1;
}

static __always_inline int fl_iomap_map_common(bool kp, struct inode *inode,
					       struct iomap *iomap)
{
	struct fl_event *e;
	__u32 slot;

	if (!iomap || !fl_watched(kp, inode, &slot))
		return 0;
	fl_count(slot, FL_CNT_IOMAP_MAPS);
	fl_map_for_write(inode, iomap, slot);
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
	return fl_iomap_iter_common(ctx, FL_BTF, iter);
}

SEC("tp_btf/iomap_iter_dstmap")
int BPF_PROG(fl_tp_iomap_dstmap, struct inode *inode, struct iomap *iomap)
{
	return fl_iomap_map_common(FL_BTF, inode, iomap);
}

SEC("fentry/iomap_iter")
int BPF_PROG(fl_fe_iomap_iter, struct iomap_iter *iter, const void *ops)
{
	return fl_iomap_iter_common(ctx, FL_BTF, iter);
}

/* iomap_iter() returns > 0 when ->iomap_begin handed out a new map. */
SEC("fexit/iomap_iter")
int BPF_PROG(fl_fx_iomap_map, struct iomap_iter *iter, const void *ops, int ret)
{
	if (ret <= 0)
		return 0;
	return fl_iomap_map_common(FL_BTF, iter->inode, &iter->iomap);
}

SEC("kprobe/iomap_iter")
int BPF_KPROBE(fl_kp_iomap_iter, struct iomap_iter *iter, const void *ops)
{
	return fl_iomap_iter_common(ctx, FL_KP, iter);
}

/*
 * A kretprobe sees only the return value: the map's iterator is kept from
 * the entry, per task (iomap_iter does not nest within a task).  Created
 * only when the kprobe form is loaded (the loader's autocreate).
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 8192);
	__type(key, __u64);
	__type(value, __u64);
} fl_kp_iter SEC(".maps");

SEC("kprobe/iomap_iter")
int BPF_KPROBE(fl_kp_iomap_map_entry, struct iomap_iter *iter)
{
	__u64 id = bpf_get_current_pid_tgid(), p = (__u64)iter;

	bpf_map_update_elem(&fl_kp_iter, &id, &p, BPF_ANY);
	return 0;
}

SEC("kretprobe/iomap_iter")
int BPF_KRETPROBE(fl_kr_iomap_map, int ret)
{
	__u64 id = bpf_get_current_pid_tgid(), *p = bpf_map_lookup_elem(&fl_kp_iter, &id);
	struct iomap_iter *iter;

	if (!p)
		return 0;
	iter = (void *)*p;
	bpf_map_delete_elem(&fl_kp_iter, &id);
	if (ret <= 0)
		return 0;
	return fl_iomap_map_common(FL_KP, BPF_CORE_READ(iter, inode), &iter->iomap);
}

/* The inode as events name it (fl_inode_key), from a BTF-typed pointer. */
static __always_inline void fl_xfs_who(struct xfs_inode *ip, struct fl_inode_key *who)
{
	who->dev = ip->i_vnode.i_sb->s_dev;
	who->gen = ip->i_vnode.i_generation;
	who->ino = ip->i_vnode.i_ino;
}

static __always_inline bool fl_same_inode(const struct fl_inode_key *a,
					  const struct fl_inode_key *b)
{
	return a->ino == b->ino && a->gen == b->gen && a->dev == b->dev;
}

/*
 * Answer the waits on @x's inode: its sequences now go to user space,
 * which settles the stale finds of that inode they are newer than.  Not
 * sent (ring buffer full, counted lost): the next change tries again, and
 * the end of the run settles what is left.
 */
static __always_inline void fl_extchg_answer(struct fl_extchg *x, __u64 key, __u32 slot)
{
	__u32 waiting = x->waiting;
	struct fl_event *e;

	e = fl_event_new(FL_EV_STALE_ANSWER, slot, NULL);
	if (!e)
		return;
	e->inode = x->inode;
	e->fs_magic = XFS_MAGIC_;
	e->kaddr = key;
	e->aux = x->seqs;
	e->op = x->flags;
	bpf_ringbuf_submit(e, 0);
	x->answered = waiting;
}

/*
 * The entry of the inode @who at @key.  Inode memory is reused: an entry
 * left by another inode is taken over (its sequences mean nothing for
 * this one), after answering what that one left waiting.
 */
static __always_inline struct fl_extchg *fl_extchg_of(__u64 key, const struct fl_inode_key *who,
						      __u32 slot)
{
	struct fl_extchg *x = bpf_map_lookup_elem(&fl_extchg, &key);
	struct fl_extchg fresh = { .inode = *who };

	if (x && fl_same_inode(&x->inode, who))
		return x;
	if (x && x->waiting != x->answered)
		fl_extchg_answer(x, key, slot);
	bpf_map_update_elem(&fl_extchg, &key, &fresh, BPF_ANY);
	return bpf_map_lookup_elem(&fl_extchg, &key);
}

/*
 * An extent change in the data or COW fork.  xfs_iext_insert and
 * xfs_iext_update_extent trace after bumping the fork's sequence,
 * xfs_iext_remove before (@before_bump): its change leaves one more.
 * Followed whichever task makes it (--pid too): writeback's unwritten
 * conversion and COW remapping run in kworkers, and the watched task's
 * maps go stale through them all the same.
 */
static __always_inline int fl_extent_changed(struct xfs_inode *ip, int state, bool before_bump)
{
	struct fl_inode_key who;
	struct xfs_ifork *cow;
	struct fl_extchg *x;
	__u32 data, cows, slot;
	__u64 key;

	if (!ip || (state & BMAP_ATTRFORK_))
		return 0;
	if (!fl_file_watched(ip->i_vnode.i_mode, ip->i_vnode.i_sb->s_dev,
			     &ip->i_vnode, 0, fl_task_watched(), &slot))
		return 0;
	key = (__u64)&ip->i_vnode;
	cow = ip->i_cowfp;
	data = ip->i_df.if_seq;
	cows = cow ? cow->if_seq : 0;
	if (before_bump) {
		if (state & BMAP_COWFORK_)
			cows++;
		else
			data++;
	}
	fl_xfs_who(ip, &who);
	x = fl_extchg_of(key, &who, slot);
	if (!x)
		return 0;
	/* changes are serialised by the ILOCK: the last one traced is the newest */
	x->seqs = (__u64)cows << 32 | data;
	x->flags |= FL_EXTCHG_SEQS;
	/*
	 * A locked add (a full barrier on x86) between publishing the
	 * sequences and reading the waits; a stale find adds to the waits
	 * the same way before it reads the sequences again, so at least one
	 * of the two sees the other.
	 */
	__sync_fetch_and_add(&x->changes, 1);
	if (x->waiting != x->answered)
		fl_extchg_answer(x, key, slot);
	return 0;
}


/*
 * Where the insertion is hooked at this tracepoint, fl_tp_insert
 * (pagecache.bpf.c) does this job as well and this program is not loaded:
 * it serves the runs whose insertion hook is fentry or kprobe.
 */
SEC("tp_btf/mm_filemap_add_to_page_cache")
int BPF_PROG(fl_tp_folio_use, struct folio *folio)
{
	struct address_space *mapping;

	if (!folio)
		return 0;
	mapping = folio->mapping;
	if (!mapping)
		return 0;
	return fl_folio_instantiated(ctx, folio, mapping, mapping->host);
}

SEC("tp_btf/xfs_iext_insert")
int BPF_PROG(fl_xfs_iext_insert, struct xfs_inode *ip, void *cur, int state, unsigned long ip_)
{
	return fl_extent_changed(ip, state, false);
}

SEC("tp_btf/xfs_iext_remove")
int BPF_PROG(fl_xfs_iext_remove, struct xfs_inode *ip, void *cur, int state, unsigned long ip_)
{
	return fl_extent_changed(ip, state, true);
}

SEC("tp_btf/xfs_bmap_post_update")
int BPF_PROG(fl_xfs_iext_update, struct xfs_inode *ip, void *cur, int state, unsigned long ip_)
{
	return fl_extent_changed(ip, state, false);
}

/* Did a traced change leave a sequence newer than @snap in one of @forks? */
static __always_inline bool fl_seen_newer(const struct fl_extchg *x, __u64 snap, __u8 forks)
{
	if (!(x->flags & FL_EXTCHG_SEQS))
		return false;
	return ((forks & 1) && (__s32)((__u32)x->seqs - (__u32)snap) > 0) ||
	       ((forks & 2) && (__s32)((__u32)(x->seqs >> 32) - (__u32)(snap >> 32)) > 0);
}

/*
 * xfs found a map stale against its snapshot @snap of the forks in @forks
 * (bit 0 data, bit 1 COW; COW << 32 | data).  Seen: a traced change of
 * this inode had already left a newer sequence in one of them.  Otherwise
 * the change's tracepoint may not have run yet (xfs reads the sequence
 * without the ILOCK, while the change that bumped it still holds it): the
 * find waits for the inode's next traced change to answer it.
 */
static __always_inline int fl_kernel_found_stale(struct xfs_inode *ip, __u64 snap, __u8 forks)
{
	struct fl_inode_key who;
	struct fl_extchg *x;
	struct fl_event *e;
	__u64 key;
	__u32 slot;

	/* maybe-NULL tracepoint argument (fl_core_fixes.bpf.h) */
	if (!ip || !fl_watched(FL_BTF, &ip->i_vnode, &slot))
		return 0;
	fl_count(slot, FL_CNT_STALE_KERNEL);
	key = (__u64)&ip->i_vnode;
	fl_xfs_who(ip, &who);
	x = bpf_map_lookup_elem(&fl_extchg, &key);
	if (x && fl_same_inode(&x->inode, &who) && fl_seen_newer(x, snap, forks)) {
		fl_count(slot, FL_CNT_STALE_SEEN);
		return 0;
	}
	/*
	 * Reserved before the wait is made: records are read in the order
	 * they were reserved, so the answer comes after the find it answers.
	 */
	e = fl_event_new(FL_EV_STALE_UNSEEN, slot, &ip->i_vnode);
	x = fl_extchg_of(key, &who, slot);
	if (x) {
		/* the barrier pairs with the change's (fl_extent_changed) */
		__sync_fetch_and_add(&x->waiting, 1);
		if (fl_seen_newer(x, snap, forks)) {
			if (e)
				bpf_ringbuf_discard(e, 0);
			fl_count(slot, FL_CNT_STALE_SEEN);
			return 0;
		}
	}
	if (!e)
		return 0;
	e->kaddr = key;
	e->aux = snap;
	e->op = forks;
	bpf_ringbuf_submit(e, 0);
	return 0;
}

/* The cookie: the data fork's sequence, with the COW fork's above it for a shared map. */
SEC("tp_btf/xfs_iomap_invalid")
int BPF_PROG(fl_xfs_iomap_invalid, struct xfs_inode *ip, const struct iomap *iomap)
{
	if (!iomap)
		return 0;
	return fl_kernel_found_stale(ip, BPF_CORE_READ(iomap, validity_cookie),
				     BPF_CORE_READ(iomap, flags) & IOMAP_F_SHARED_ ? 3 : 1);
}

SEC("tp_btf/xfs_wb_data_iomap_invalid")
int BPF_PROG(fl_xfs_wb_invalid, struct xfs_inode *ip, const struct iomap *iomap,
	     unsigned int wpcseq, int whichfork)
{
	return fl_kernel_found_stale(ip, wpcseq, 1);
}

SEC("tp_btf/xfs_wb_cow_iomap_invalid")
int BPF_PROG(fl_xfs_wb_cow_invalid, struct xfs_inode *ip, const struct iomap *iomap,
	     unsigned int wpcseq, int whichfork)
{
	return fl_kernel_found_stale(ip, (__u64)wpcseq << 32, 2);
}

/*
 * A task exits: its write state goes with it, not when the LRU gets to it.
 * Nearly no exiting task on the host ever wrote through a watched file:
 * its bit in fl_exit_pids says so without a look at the maps.
 */
SEC("tp_btf/sched_process_exit")
int BPF_PROG(fl_task_exit, struct task_struct *p)
{
	__u32 pid = (__u32)bpf_get_current_pid_tgid();
	__u64 bit = 1ULL << (pid % 64), *v = fl_exit_word(pid);

	if (v && !(*v & bit))
		return 0;
	if (v)
		__sync_fetch_and_and(v, ~bit);
	bpf_map_delete_elem(&fl_curmap, &pid);
	bpf_map_delete_elem(&fl_stale_use, &pid);
	bpf_map_delete_elem(&fl_stale_race, &pid);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
