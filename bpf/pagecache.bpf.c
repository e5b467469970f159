// SPDX-License-Identifier: GPL-2.0
/*
 * Page-cache insertion and deletion.
 *
 * Insertion must be serialised against invalidation: the inserting task
 * holds mapping->invalidate_lock (faults, readahead) or inode->i_rwsem
 * (buffered writes).  Deletion by a task that is invalidating a range must
 * happen with invalidate_lock held exclusive; deletion while holding it only
 * shared is the fault-path-punches-out bug (seed 000) unless it is reclaim,
 * which user space tells apart from the stack.
 */
#include "fl_common.bpf.h"
#include "fl_stale.bpf.h"

/*
 * An insertion into a watched file (@host, counter @slot).  @mapping and
 * @index are passed: at fentry the folio is not yet set up.
 */
static __always_inline void fl_insert_watched(void *ctx, bool kp, struct address_space *mapping,
					      struct inode *host, struct folio *folio, __u64 index,
					      __u32 slot)
{
	__u64 inval_owner = 0, irw_owner = 0;
	struct fl_event *e;
	__u8 inval, irw = FL_LOCK_NA;
	bool candidate = false;
	__s32 stack_id = -1;

	fl_count(slot, FL_CNT_INSERTIONS);

	inval = fl_inval_lock_state(kp, mapping, &inval_owner);
	if (!fl_held_by_me(inval)) {
		irw = fl_rwsem_state(kp, &host->i_rwsem, &irw_owner);
		if (!fl_held_by_me(irw)) {
			if (!fl_rule_checked(kp, host, FL_RULE_INSERT_LOCKED)) {
				fl_count(slot, FL_CNT_UNCHECKED);
			} else {
				/* neither held by me, as far as known: settle the rest */
				inval = fl_inval_lock_wait(mapping, inval, &inval_owner);
				irw = fl_precise_wait(&host->i_rwsem, irw, &irw_owner);
				candidate = fl_candidate_unless_unknown(slot,
					inval == FL_LOCK_NA || inval == FL_LOCK_SHARED_OTHER ||
					irw == FL_LOCK_SHARED_OTHER);
			}
		}
	}
	e = fl_event_for(ctx, FL_EV_INSERT, slot, host, candidate, &stack_id);
	if (!e)
		return;
	e->start = index << fl_cfg.page_shift;
	e->end = e->start + (fl_folio_nr_pages(folio) << fl_cfg.page_shift);
	fl_event_inode_locks(kp, e, host, inval, inval_owner, irw, irw_owner);
	fl_event_submit(ctx, e, slot, candidate, stack_id);
}

static __always_inline int fl_insert_common(void *ctx, bool kp, struct address_space *mapping,
					    struct folio *folio, __u64 index)
{
	struct inode *host;
	__u32 slot;

	host = fl_watched_mapping(kp, mapping, &slot);
	if (host)
		fl_insert_watched(ctx, kp, mapping, host, folio, index, slot);
	return 0;
}

static __always_inline int fl_delete_common(void *ctx, bool kp, struct folio *folio)
{
	__u64 inval_owner = 0, irw_owner = 0;
	struct address_space *mapping;
	struct fl_task_inval *t;
	struct inode *host;
	struct fl_event *e;
	__u32 slot, rules;
	__u8 inval, irw;
	bool candidate = false, in_window = false;
	__s32 stack_id = -1;

	if (!folio)
		return 0;
	mapping = FL_RD(kp, folio, mapping);
	host = fl_watched_mapping(kp, mapping, &slot);
	if (!host)
		return 0;
	fl_count(slot, FL_CNT_DELETIONS);

	t = fl_task_window();
	if (t) {
		/* truncate(2) names a path: the inode shows up here first. */
		if (!t->opened)
			fl_window_open(ctx, t, host, slot, true);
		in_window = t->inode == (__u64)host;
	}

	/*
	 * Inside its own invalidation, any state but "exclusive by me" proves
	 * the task does not hold the lock exclusive (readers exclude a
	 * writer).  Outside, a truncation under a shared hold is the fault
	 * path's bug (seed 000): user space checks the stack.  Filesystems
	 * that truncate under i_rwsem instead (fuse, gfs2: FL_RULE_INVAL_IRWSEM)
	 * are judged on it, inside their own invalidation only.
	 */
	inval = fl_inval_lock_state(kp, mapping, &inval_owner);
	if (inval != FL_LOCK_EXCL_ME && inval != FL_LOCK_NA &&
	    (in_window || inval == FL_LOCK_SHARED_ME) &&
	    fl_rule_checked(kp, host, FL_RULE_INVAL_EXCL))
		candidate = true;
	irw = FL_LOCK_NA;
	if (in_window && !candidate) {
		rules = fl_fs_rules_of(FL_RD(kp, host, i_sb, s_magic));
		if ((rules & FL_RULE_INVAL_IRWSEM) && !(rules & FL_RULE_INVAL_EXCL)) {
			irw = fl_rwsem_state(kp, &host->i_rwsem, &irw_owner);
			candidate = irw != FL_LOCK_EXCL_ME && irw != FL_LOCK_NA &&
				    !fl_is_internal(host);
		}
	}
	e = fl_event_for(ctx, FL_EV_DELETE, slot, host, candidate, &stack_id);
	if (!e)
		return 0;
	e->start = BPF_CORE_READ(folio, index) << fl_cfg.page_shift;
	e->end = e->start + (fl_folio_nr_pages(folio) << fl_cfg.page_shift);
	fl_event_inode_locks(kp, e, host, inval, inval_owner, irw, irw_owner);
	if (in_window)
		e->flags |= FL_F_IN_WINDOW;
	fl_event_submit(ctx, e, slot, candidate, stack_id);
	return 0;
}

/* Not inlined: the batch programs call them once per folio. */
static __noinline int fl_delete_btf(void *ctx, struct folio *folio)
{
	return fl_delete_common(ctx, FL_BTF, folio);
}

static __noinline int fl_delete_kp(void *ctx, struct folio *folio)
{
	return fl_delete_common(ctx, FL_KP, folio);
}

/*
 * Both jobs of the insertion tracepoint in one program: the insertion's
 * own rule, and the stale-map rule's folio (fl_stale.bpf.h), which was a
 * program of its own.  Every insertion of the host crosses this hook, and
 * a second program paid the dispatch and the early exit again, and a
 * lookup in fl_curmap, on each.  The folio's job needs no look at any
 * other inode: a write's map is followed only on a watched inode
 * (fl_step_begins), by a watched task.
 */
SEC("tp_btf/mm_filemap_add_to_page_cache")
int BPF_PROG(fl_tp_insert, struct folio *folio)
{
	struct address_space *mapping = folio->mapping;
	struct inode *host;
	__u32 slot;

	if (!mapping)
		return 0;
	host = mapping->host;
	if (!fl_watched(FL_BTF, host, &slot))
		return 0;
	fl_insert_watched(ctx, FL_BTF, mapping, host, folio, folio->index, slot);
	return fl_folio_instantiated(ctx, folio, mapping, host);
}

/* Truncation removes folios in batches, reclaim and invalidation one by one. */
SEC("tp_btf/mm_filemap_delete_from_page_cache")
int BPF_PROG(fl_tp_delete, struct folio *folio)
{
	return fl_delete_btf(ctx, folio);
}

SEC("fentry/__filemap_add_folio")
int BPF_PROG(fl_fe_insert, struct address_space *mapping, struct folio *folio, unsigned long index)
{
	return fl_insert_common(ctx, FL_BTF, mapping, folio, index);
}

SEC("fentry/__filemap_remove_folio")
int BPF_PROG(fl_fe_delete, struct folio *folio)
{
	return fl_delete_btf(ctx, folio);
}

/*
 * The batch holds 15 folios on 6.1 and 31 later (fl_core_fixes.bpf.h),
 * at a relocated byte offset.  Walked with bpf_loop so the verifier checks
 * the per-folio body once, not once per slot: unrolled, 6.1's verifier gave
 * up (1M instructions) on an unfiltered fentry or kprobe load.  The body
 * reads each folio pointer with a probe read (a loop index cannot offset a
 * BTF pointer), so it takes the kprobe form of the delete.
 */
struct fl_batch_walk {
	void *ctx;
	__u64 slots;	/* the folios array's address */
};

static long fl_delete_slot(__u32 i, void *data)
{
	struct fl_batch_walk *w = data;
	struct folio *folio = NULL;

	bpf_probe_read_kernel(&folio, sizeof(folio), (void *)(w->slots + i * sizeof(void *)));
	if (folio)
		fl_delete_kp(w->ctx, folio);
	return 0;
}

static __always_inline void fl_delete_batch(void *ctx, struct folio_batch *fbatch,
					    unsigned int nr)
{
	struct fl_batch_walk w = { .ctx = ctx };
	__u32 max = fl_fbatch_max(fbatch);

	w.slots = fl_addr(fbatch) + fl_fbatch_off(fbatch);
	bpf_loop(nr < max ? nr : max, fl_delete_slot, &w, 0);
}

SEC("fentry/delete_from_page_cache_batch")
int BPF_PROG(fl_fe_delete_batch, struct address_space *mapping, struct folio_batch *fbatch)
{
	fl_delete_batch(ctx, fbatch, fbatch->nr);
	return 0;
}

SEC("kprobe/__filemap_add_folio")
int BPF_KPROBE(fl_kp_insert, struct address_space *mapping, struct folio *folio, unsigned long index)
{
	return fl_insert_common(ctx, FL_KP, mapping, folio, index);
}

SEC("kprobe/__filemap_remove_folio")
int BPF_KPROBE(fl_kp_delete, struct folio *folio)
{
	return fl_delete_kp(ctx, folio);
}

SEC("kprobe/delete_from_page_cache_batch")
int BPF_KPROBE(fl_kp_delete_batch, struct address_space *mapping, struct folio_batch *fbatch)
{
	fl_delete_batch(ctx, fbatch, BPF_CORE_READ(fbatch, nr));
	return 0;
}

/*
 * shmem inserts folios with its own code and no tracepoint; the LRU
 * insertion that follows is the closest observable point.  It may run in
 * the context of whoever drains the per-CPU LRU batch, so it is counted
 * only, never judged.  Loaded only when tmpfs is watched.
 */
#define TMPFS_MAGIC_ 0x01021994

SEC("tp_btf/mm_lru_insertion")
int BPF_PROG(fl_tp_lru_insert, struct folio *folio)
{
	unsigned long m = (unsigned long)BPF_CORE_READ(folio, mapping);
	struct address_space *mapping = (void *)m;
	struct inode *host;
	__u32 slot;

	if (!m || (m & 3))	/* anon or movable: not page cache */
		return 0;
	host = BPF_CORE_READ(mapping, host);
	if (!host || BPF_CORE_READ(host, i_sb, s_magic) != TMPFS_MAGIC_)
		return 0;
	if (fl_watched_probe(host, &slot))
		fl_count(slot, FL_CNT_INSERTIONS);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
