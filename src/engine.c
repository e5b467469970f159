// SPDX-License-Identifier: GPL-2.0
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "util.h"

struct fl_engine *fl_engine_new(fl_symname_fn symname, void *symctx)
{
	struct fl_engine *e = fl_xcalloc(1, sizeof(*e));

	e->symname = symname;
	e->symctx = symctx;
	e->lo = fl_lo_new();
	return e;
}

void fl_engine_free(struct fl_engine *e)
{
	if (!e)
		return;
	for (size_t i = 0; i < e->nviol; i++)
		free(e->viol[i].path);
	free(e->viol);
	free(e->open);
	free(e->unseen);
	fl_lo_free(e->lo);
	free(e);
}

void fl_engine_total(const struct fl_engine *e, struct fl_counts *out)
{
	memset(out, 0, sizeof(*out));
	for (int s = 0; s < FL_MAX_SLOTS; s++)
		for (int c = 0; c < FL_CNT_MAX; c++)
			out->c[c] += e->slots[s].c[c];
}

uint64_t fl_engine_total_of(const struct fl_engine *e, enum fl_counter c)
{
	uint64_t n = 0;

	for (int s = 0; s < FL_MAX_SLOTS; s++)
		n += e->slots[s].c[c];
	return n;
}

static bool same_inode(const struct fl_inode_key *a, const struct fl_inode_key *b)
{
	return a->dev == b->dev && a->ino == b->ino && a->gen == b->gen;
}

/* Half-open ranges; an inverted one (a damaged record) is empty. */
static bool ranges_overlap(uint64_t s1, uint64_t e1, uint64_t s2, uint64_t e2)
{
	return s1 < e1 && s2 < e2 && s1 < e2 && s2 < e1;
}

static bool held_by_me(unsigned int st)
{
	return st == FL_LOCK_EXCL_ME || st == FL_LOCK_SHARED_ME;
}

/* The lock word, or precise tracking, proves the task does not hold the lock. */
static bool proven_not_held(unsigned int st)
{
	return st == FL_LOCK_FREE || st == FL_LOCK_EXCL_OTHER || st == FL_LOCK_READERS_NOT_ME;
}

/* ---- stacks ---------------------------------------------------------- */

bool fl_stack_has(const struct fl_engine *e, const struct fl_event *ev,
		  const char *const *names)
{
	if (!e->symname || !(ev->flags & FL_F_STACK))
		return false;
	for (unsigned int i = 0; i < ev->nr_frames && i < FL_MAX_FRAMES; i++) {
		const char *sym = e->symname(e->symctx, ev->frames[i]);

		if (!sym)
			continue;
		for (const char *const *n = names; *n; n++)
			if (!strcmp(sym, *n))
				return true;
	}
	return false;
}

bool fl_stack_in_fault(const struct fl_engine *e, const struct fl_event *ev)
{
	static const char *const fault_frames[] = {
		"filemap_fault", "__do_fault", "do_fault", "do_read_fault",
		"do_shared_fault", "do_cow_fault", "handle_mm_fault",
		"__handle_mm_fault", "do_user_addr_fault", "exc_page_fault",
		"filemap_map_pages", "do_page_mkwrite", NULL,
	};

	return fl_stack_has(e, ev, fault_frames);
}

/* A deletion that is page-cache truncation, not reclaim or writeback. */
bool fl_stack_truncates(const struct fl_engine *e, const struct fl_event *ev)
{
	static const char *const truncate_frames[] = {
		"truncate_inode_pages_range", "truncate_pagecache_range",
		"truncate_pagecache", "truncate_setsize", "truncate_inode_folio",
		"truncate_inode_partial_folio", "invalidate_inode_pages2_range",
		"delete_from_page_cache_batch", NULL,
	};

	return fl_stack_has(e, ev, truncate_frames);
}

/*
 * Readers of the page cache that take no lock by design: uprobes copy the
 * probed instruction with read_mapping_page(), fs-verity reads Merkle tree
 * pages past EOF with read_mapping_folio().  Neither races with
 * invalidation of file data the way a fault or a write would.
 */
bool fl_stack_lockless_reader(const struct fl_engine *e, const struct fl_event *ev)
{
	static const char *const frames[] = {
		"__copy_insn", "prepare_uprobe", "install_breakpoint", "uprobe_mmap",
		"__uprobe_register", "uprobe_register", "ext4_read_merkle_tree_page",
		"f2fs_read_merkle_tree_page", "fsverity_read_merkle_tree",
		"fsverity_verify_blocks", "verify_data_block", NULL,
	};

	return fl_stack_has(e, ev, frames);
}

/* ---- invalidation windows ------------------------------------------- */

static struct fl_window *find_open(struct fl_engine *e, uint32_t pid,
				   const struct fl_inode_key *key)
{
	for (size_t i = 0; i < e->nopen; i++)
		if (e->open[i].begin.pid == pid && same_inode(&e->open[i].begin.inode, key))
			return &e->open[i];
	return NULL;
}

static void window_close(struct fl_engine *e, struct fl_window *w, uint64_t ts)
{
	w->ts_end = ts;
	e->closed[e->closed_next] = *w;
	e->closed_next = (e->closed_next + 1) % FL_CLOSED_WINDOWS;
	if (e->nclosed < FL_CLOSED_WINDOWS)
		e->nclosed++;
	*w = e->open[--e->nopen];
}

/* A window whose END was lost: it ended at @ts at the latest. */
static void window_unended(struct fl_engine *e, struct fl_window *w, uint64_t ts)
{
	e->windows_unended++;
	window_close(e, w, ts > w->begin.ts ? ts : w->begin.ts);
}

/*
 * A task is in one syscall at a time, so a new invalidation ends whatever
 * window it still had open: its END was lost (full ring buffer).  So do
 * windows beyond one per task the table can hold: the oldest goes.
 */
static void window_begin(struct fl_engine *e, const struct fl_event *ev)
{
	struct fl_window *w;

	for (size_t i = 0; i < e->nopen;) {
		if (e->open[i].begin.pid == ev->pid)
			window_unended(e, &e->open[i], ev->ts);
		else
			i++;
	}
	if (e->nopen == FL_MAX_OPEN_WINDOWS) {
		size_t oldest = 0;

		for (size_t i = 1; i < e->nopen; i++)
			if (e->open[i].begin.ts < e->open[oldest].begin.ts)
				oldest = i;
		window_unended(e, &e->open[oldest], ev->ts);
	}
	if (!fl_grow((void **)&e->open, &e->capopen, e->nopen, sizeof(*e->open), 16))
		return;
	w = &e->open[e->nopen++];
	memset(w, 0, sizeof(*w));
	w->begin = *ev;
}

static void window_step(struct fl_engine *e, const struct fl_event *ev)
{
	struct fl_window *w = find_open(e, ev->pid, &ev->inode);

	if (!w) {
		/* INVAL_STEP implies the window was opened: recover it. */
		window_begin(e, ev);
		w = find_open(e, ev->pid, &ev->inode);
		if (!w)
			return;
		w->begin.type = FL_EV_INVAL_BEGIN;
	}
	w->step = *ev;
	w->has_step = true;
}

static void window_end(struct fl_engine *e, const struct fl_event *ev)
{
	struct fl_window *w = find_open(e, ev->pid, &ev->inode);

	if (!w)
		return;
	w->ret = (int64_t)ev->aux;
	w->ended = true;
	window_close(e, w, ev->ts);
}

static bool window_covers(const struct fl_window *w, const struct fl_event *ev)
{
	if (w->begin.pid == ev->pid || !same_inode(&w->begin.inode, &ev->inode))
		return false;
	if (ev->ts < w->begin.ts || (w->ts_end && ev->ts > w->ts_end))
		return false;
	return ranges_overlap(w->begin.start, w->begin.end, ev->start, ev->end);
}

/* Another task's invalidation of this range, in progress at the event. */
static const struct fl_window *find_partner(const struct fl_engine *e,
					    const struct fl_event *ev)
{
	const struct fl_window *best = NULL;

	for (size_t i = 0; i < e->nopen; i++) {
		const struct fl_window *w = &e->open[i];

		if (!window_covers(w, ev))
			continue;
		/* Prefer the task the lock word names as the writer. */
		if (ev->inval_owner && w->begin.pid == ev->inval_owner)
			return w;
		if (!best)
			best = w;
	}
	for (size_t i = 0; i < e->nclosed && !best; i++)
		if (window_covers(&e->closed[i], ev))
			best = &e->closed[i];
	return best;
}

/*
 * check sends no windows: BPF sends a candidate's race partner just before
 * it (FL_EV_RACE), for the candidate of task kaddr with that stack id.
 */
static void race_note(struct fl_engine *e, const struct fl_event *ev)
{
	struct fl_race *r = &e->races[e->race_next];

	e->race_next = (e->race_next + 1) % FL_RACES;
	r->used = true;
	r->ev = *ev;
}

/* The candidate's partner BPF sent, as a window still open; taken once. */
static const struct fl_window *race_take(struct fl_engine *e, const struct fl_event *ev)
{
	for (size_t i = 0; i < FL_RACES; i++) {
		struct fl_race *r = &e->races[i];
		struct fl_window *w = &e->race_win;

		if (!r->used || r->ev.kaddr != ev->pid || r->ev.stack_id != ev->stack_id ||
		    !same_inode(&r->ev.inode, &ev->inode))
			continue;
		r->used = false;
		/* the same file, another part of it: no race */
		if (!ranges_overlap(r->ev.start, r->ev.end, ev->start, ev->end))
			return NULL;
		memset(w, 0, sizeof(*w));
		w->begin = r->ev;
		w->begin.type = FL_EV_INVAL_BEGIN;
		if (r->ev.flags & FL_F_STEPPED) {
			w->step = r->ev;
			w->step.type = FL_EV_INVAL_STEP;
			w->has_step = true;
		}
		/* a window-form stale use's partner may have ended (ret 0) */
		if (r->ev.flags & FL_F_ENDED) {
			w->ts_end = r->ev.aux;
			w->ended = true;
		}
		return w;
	}
	return NULL;
}

/* The race partner of a candidate: the one BPF sent, or from the windows. */
static const struct fl_window *partner_of(const struct fl_engine *e, const struct fl_event *ev)
{
	return e->race_now ? e->race_now : find_partner(e, ev);
}

/* ---- violations ------------------------------------------------------ */

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
	const unsigned char *c = p;

	for (size_t i = 0; i < n; i++)
		h = (h ^ c[i]) * 0x100000001b3ull;
	return h;
}

/* The code path: the rule and the stack. */
static uint64_t path_of(enum fl_rule rule, const struct fl_event *ev)
{
	uint64_t h = 0xcbf29ce484222325ull;
	unsigned int n = ev->nr_frames < FL_MAX_FRAMES ? ev->nr_frames : FL_MAX_FRAMES;

	h = fnv(h, &rule, sizeof(rule));
	h = fnv(h, ev->frames, n * sizeof(ev->frames[0]));
	return h;
}

/* One report per rule, inode and code path, however often it recurs. */
static uint64_t signature(uint64_t path, const struct fl_event *ev)
{
	return fnv(path, &ev->inode, sizeof(ev->inode));
}

/*
 * The new violation, or NULL when it repeats one, its code path already
 * has FL_VIOL_FILES_PER_PATH files (counted on the first), or the cap is
 * reached.
 */
static struct fl_violation *report_sig(struct fl_engine *e, enum fl_rule rule,
				       enum fl_evidence evid, const struct fl_event *ev,
				       const struct fl_window *partner, uint64_t sig,
				       uint64_t path)
{
	struct fl_violation *v, *first = NULL;
	unsigned int files = 0;

	for (size_t i = 0; i < e->nviol; i++) {
		v = &e->viol[i];
		if (v->code_path == path && v->rule == rule && !files++)
			first = v;
		if (v->sig != sig || v->rule != rule)
			continue;
		v->count++;
		v->last_ts = ev->ts;
		/*
		 * Show the strongest occurrence, and one with a race partner
		 * once there is one: the event and its partner must belong
		 * together (same time, overlapping ranges).
		 */
		if (evid < v->evidence || (evid == v->evidence && partner && !v->has_partner)) {
			v->evidence = evid;
			v->ev = *ev;
			v->has_partner = partner != NULL;
			if (partner)
				v->partner = *partner;
		}
		return NULL;
	}
	if (files >= FL_VIOL_FILES_PER_PATH) {
		first->other_files++;
		first->last_ts = ev->ts;
		return NULL;
	}
	if (e->nviol >= FL_MAX_VIOLATIONS) {
		e->viol_dropped++;
		return NULL;
	}
	if (!fl_grow((void **)&e->viol, &e->capviol, e->nviol, sizeof(*e->viol), 16)) {
		e->viol_dropped++;
		return NULL;
	}
	v = &e->viol[e->nviol++];
	memset(v, 0, sizeof(*v));
	v->rule = rule;
	v->evidence = evid;
	v->ev = *ev;
	v->count = 1;
	v->last_ts = ev->ts;
	v->sig = sig;
	v->code_path = path;
	v->lo_edge = -1;
	v->lo_cycle = -1;
	if (partner) {
		v->partner = *partner;
		v->has_partner = true;
	}
	return v;
}

static void report(struct fl_engine *e, enum fl_rule rule, enum fl_evidence evid,
		   const struct fl_event *ev, const struct fl_window *partner)
{
	uint64_t path = path_of(rule, ev);

	report_sig(e, rule, evid, ev, partner, signature(path, ev), path);
}

/*
 * Lock order (lockorder.c): one violation per inverted edge and one per
 * cycle, shown with the acquisition that added the edge.
 */
static void lock_order_found(void *ctx, enum fl_lo_finding what, const struct fl_lo_graph *lo,
			     int edge, int cycle)
{
	struct fl_engine *e = ctx;
	uint64_t sig = fnv(0xcbf29ce484222325ull, &what, sizeof(what));
	struct fl_violation *v;

	sig = fnv(sig, what == FL_LO_CYCLE ? &cycle : &edge, sizeof(int));
	/* each edge and cycle is its own path: one entry, whatever its inode */
	v = report_sig(e, FL_R_LOCK_ORDER, what == FL_LO_CYCLE ? FL_EVID_CYCLE : FL_EVID_INVERSION,
		       &lo->edges[edge].acq, NULL, sig, sig);
	if (!v)
		return;
	v->lo_edge = edge;
	v->lo_cycle = cycle;
}

/* ---- judgement ------------------------------------------------------- */

/*
 * An insertion (or a fault that instantiates pages) must hold the
 * invalidate lock or i_rwsem.  The lock word proves a violation; without
 * lock words (imports, kernels without invalidate_lock) only an overlapping
 * invalidation by another task can show it.
 */
static void judge_insert(struct fl_engine *e, const struct fl_event *ev)
{
	const struct fl_window *partner;
	enum fl_rule rule;

	/* the healthy majority first: no protocol lookup for them */
	if (held_by_me(ev->inval_lock) || held_by_me(ev->i_rwsem))
		return;
	if (!(fl_fs_flags(ev->fs_magic) & FL_RULE_INSERT_LOCKED))
		return;
	if (fl_stack_lockless_reader(e, ev)) {
		e->lockless_readers++;
		return;
	}
	partner = partner_of(e, ev);
	rule = fl_stack_in_fault(e, ev) ? FL_R_FAULT_UNLOCKED : FL_R_INSERT_UNLOCKED;
	if (proven_not_held(ev->inval_lock) && proven_not_held(ev->i_rwsem)) {
		report(e, rule, FL_EVID_DEFINITE, ev, partner);
		return;
	}
	/*
	 * an i_rwsem that readers hold, maybe we among them, proves nothing;
	 * nor does an import's NA (not recorded): its windows span the whole
	 * syscall, beyond the invalidator's locked section
	 */
	if (ev->inval_lock == FL_LOCK_NA && ev->i_rwsem != FL_LOCK_SHARED_OTHER && partner &&
	    !(ev->flags & FL_F_NO_LOCKWORD))
		report(e, rule, FL_EVID_OBSERVED_RACE, ev, partner);
}

static void judge_map_pages(struct fl_engine *e, const struct fl_event *ev)
{
	const struct fl_window *partner;

	if (held_by_me(ev->inval_lock))
		return;
	if (!(fl_fs_flags(ev->fs_magic) & FL_RULE_MAP_PAGES_LOCKED))
		return;
	partner = partner_of(e, ev);
	if (proven_not_held(ev->inval_lock))
		report(e, FL_R_FAULT_UNLOCKED, FL_EVID_DEFINITE, ev, partner);
	else if (ev->inval_lock == FL_LOCK_NA && partner && !(ev->flags & FL_F_NO_LOCKWORD))
		report(e, FL_R_FAULT_UNLOCKED, FL_EVID_OBSERVED_RACE, ev, partner);
}

/* The task is inside its own invalidation of the event's inode. */
static bool in_own_window(struct fl_engine *e, const struct fl_event *ev)
{
	/*
	 * Live, BPF knows the window exactly (FL_F_IN_WINDOW); the engine's
	 * own windows stand in only for complete recordings, where no lost
	 * END can leave one open by mistake.
	 */
	return (ev->flags & FL_F_IN_WINDOW) ||
	       (e->count_events && find_open(e, ev->pid, &ev->inode));
}

/*
 * A deletion that should hold, exclusive, a lock now in state @lock: one
 * without it and from a truncation stack is reported when inside the task's
 * own invalidation.  True for such a drop outside one, which the caller may
 * still judge.
 */
static bool judge_drop(struct fl_engine *e, const struct fl_event *ev, unsigned int lock)
{
	if (lock == FL_LOCK_EXCL_ME || lock == FL_LOCK_NA)
		return false;
	if (!fl_stack_truncates(e, ev)) {
		e->not_truncation++;
		return false;
	}
	if (in_own_window(e, ev)) {
		report(e, FL_R_INVAL_UNLOCKED, FL_EVID_DEFINITE, ev, NULL);
		return false;
	}
	return true;
}

/*
 * Dropping page cache in an invalidation needs invalidate_lock exclusive.
 * Only a truncation stack makes a deletion such a drop: reclaim (direct
 * reclaim inside a punch's writeback included) removes folios under
 * whatever locks its caller happens to hold.
 *
 * Inside the task's own invalidation every lock state but exclusive-by-me
 * proves the drop unprotected.  Outside one, truncating while holding the
 * lock shared is the fault path's bug (seed 000); the lock word's reader
 * hint survives up_read, so "shared by me" counts only from a fault path
 * or from precise tracking.
 *
 * fuse and gfs2 drop page cache in punch, zero range and truncate under
 * i_rwsem (and gfs2's glock), never invalidate_lock: inside the task's own
 * invalidation, a truncation without i_rwsem exclusive breaks that.
 */
static void judge_delete(struct fl_engine *e, const struct fl_event *ev)
{
	uint32_t flags;

	/* judge_drop passes both of these whatever the protocol: no lookup */
	if ((ev->inval_lock == FL_LOCK_EXCL_ME || ev->inval_lock == FL_LOCK_NA) &&
	    (ev->i_rwsem == FL_LOCK_EXCL_ME || ev->i_rwsem == FL_LOCK_NA))
		return;
	flags = fl_fs_flags(ev->fs_magic);
	if (!(flags & FL_RULE_INVAL_EXCL)) {
		if (flags & FL_RULE_INVAL_IRWSEM)
			judge_drop(e, ev, ev->i_rwsem);
		return;
	}
	if (!judge_drop(e, ev, ev->inval_lock))
		return;
	if (ev->inval_lock == FL_LOCK_SHARED_ME &&
	    ((ev->flags & FL_F_PRECISE) || fl_stack_in_fault(e, ev)))
		report(e, FL_R_INVAL_SHARED, FL_EVID_DEFINITE, ev, NULL);
}

#define WRITE_LIKE (FL_IOMAP_WRITE | FL_IOMAP_ZERO | FL_IOMAP_UNSHARE)

static void judge_iomap(struct fl_engine *e, const struct fl_event *ev)
{
	if (!(ev->aux & WRITE_LIKE) || (ev->aux & (FL_IOMAP_FAULT | FL_IOMAP_DIRECT)))
		return;
	if (!(fl_fs_flags(ev->fs_magic) & FL_RULE_WRITE_LOCKED))
		return;
	if (proven_not_held(ev->i_rwsem))
		report(e, FL_R_WRITE_UNLOCKED, FL_EVID_DEFINITE, ev, partner_of(e, ev));
}

/*
 * How a window @w of another task relates to a map taken at @map_ts and
 * used for @ev's folio at ev->ts: it ran whole in between (1: the map was
 * held across it), only partly or not known to have ended well (-1: not
 * decidable from the times), or not in between at all, or not on the
 * folio's range (0).
 */
static int window_between(const struct fl_window *w, const struct fl_event *ev,
			  uint64_t map_ts)
{
	if (w->begin.pid == ev->pid || !same_inode(&w->begin.inode, &ev->inode) ||
	    !ranges_overlap(w->begin.start, w->begin.end, ev->start, ev->end))
		return 0;
	if ((w->ts_end && w->ts_end < map_ts) || w->begin.ts > ev->ts)
		return 0;
	if (w->begin.ts > map_ts && w->ts_end && w->ts_end < ev->ts && w->ended && !w->ret)
		return 1;
	return -1;
}

/*
 * The window form of the stale-map rule, where no extent sequence is
 * known (gfs2, zonefs): BPF sent a folio a buffered write instantiated
 * under a map taken at ev->kaddr, because an invalidation of the folio's
 * range began since.  If another task's invalidation of that range began
 * after the map was taken and had ended, successfully, before the folio
 * was instantiated, the map was held across it: going on past the folio
 * (ev->aux beyond it) without a new map is a stale use, an observed race
 * with that invalidation as its partner.  Windows that overlap the map's
 * life only in part cannot say whether the change came before or after the
 * map: undecided, counted, never reported.
 */
static void judge_folio_use_window(struct fl_engine *e, const struct fl_event *ev)
{
	const struct fl_window *across = NULL;
	bool undecided = false, went_on = ev->aux > ev->start;
	uint64_t map_ts = ev->kaddr;

	if (!(fl_fs_flags(ev->fs_magic) & FL_RULE_STALE_WINDOW) || fl_stack_in_fault(e, ev))
		return;
	/* check: BPF sent the window with the use (FL_EV_RACE); record: all */
	if (e->race_now) {
		int r = window_between(e->race_now, ev, map_ts);

		if (r > 0)
			across = e->race_now;
		else if (r < 0)
			undecided = true;
	}
	for (size_t i = 0; i < e->nopen + e->nclosed && !across; i++) {
		const struct fl_window *w = i < e->nopen ? &e->open[i] : &e->closed[i - e->nopen];
		int r = window_between(w, ev, map_ts);

		if (r > 0)
			across = w;
		else if (r < 0)
			undecided = true;
	}
	if (across) {
		e->stale_window.across++;
		if (!went_on)
			e->stale_window.revalidated++;
		else
			report(e, FL_R_STALE_MAP, FL_EVID_OBSERVED_RACE, ev, across);
	} else if (undecided && went_on) {
		e->stale_window.undecided++;
	}
}

/*
 * BPF judged it: the write instantiated the folio under a map that had gone
 * stale, and went on past it (ev->aux) instead of stopping there for a new
 * map.  A folio faulted in from the write's own user buffer (an mmap of the
 * same file) is not the write's folio.
 */
static void judge_folio_use(struct fl_engine *e, const struct fl_event *ev)
{
	if (ev->op == FL_FOLIO_USE_WINDOW) {
		judge_folio_use_window(e, ev);
		return;
	}
	if (!(fl_fs_flags(ev->fs_magic) & FL_RULE_STALE_MAPS))
		return;
	if (ev->aux <= ev->start || fl_stack_in_fault(e, ev))
		return;
	report(e, FL_R_STALE_MAP, FL_EVID_DEFINITE, ev, NULL);
}

static void stale_unseen(struct fl_engine *e, const struct fl_event *ev)
{
	struct fl_stale_unseen *u;

	if (e->nunseen == e->capunseen) {
		size_t cap = e->capunseen ? e->capunseen * 2 : 64;
		struct fl_stale_unseen *n;

		if (cap > FL_MAX_STALE_UNSEEN ||
		    !(n = realloc(e->unseen, cap * sizeof(*n)))) {
			e->stale.missed++;	/* cannot be re-checked: counts against us */
			return;
		}
		e->unseen = n;
		e->capunseen = cap;
	}
	u = &e->unseen[e->nunseen++];
	u->kaddr = ev->kaddr;
	u->snap = ev->aux;
	u->forks = ev->op;
	u->ev = *ev;
}

/*
 * A traced change of the inode answers the stale finds waiting for it:
 * those its sequences are newer than were seen go stale, a moment late.
 * Inode memory is reused, so only the finds of the same inode (address
 * and identity) are settled; the others keep waiting.
 */
static void stale_answer(struct fl_engine *e, const struct fl_event *ev)
{
	size_t i = 0;

	if (!(ev->op & FL_EXTCHG_SEQS))
		return;
	while (i < e->nunseen) {
		const struct fl_stale_unseen *u = &e->unseen[i];

		if (u->kaddr != ev->kaddr || !same_inode(&u->ev.inode, &ev->inode) ||
		    !fl_stale_newer(ev->aux, u->snap, u->forks)) {
			i++;
			continue;
		}
		e->stale.seen_late++;
		e->unseen[i] = e->unseen[--e->nunseen];
	}
}

/* Sequences only grow (and wrap): newer is a positive 32-bit difference. */
bool fl_stale_newer(uint64_t seen, uint64_t snap, unsigned int forks)
{
	if ((forks & 1) && (int32_t)((uint32_t)seen - (uint32_t)snap) > 0)
		return true;
	return (forks & 2) && (int32_t)((uint32_t)(seen >> 32) - (uint32_t)(snap >> 32)) > 0;
}

void fl_engine_settle_stale_before(struct fl_engine *e, uint64_t before, fl_seq_now_fn seq_now,
				   void *ctx)
{
	size_t i = 0;

	while (i < e->nunseen) {
		const struct fl_stale_unseen *u = &e->unseen[i];
		uint64_t seq;

		if (u->ev.ts >= before) {
			i++;
			continue;
		}
		if (seq_now(ctx, u->kaddr, &u->ev.inode, &seq) &&
		    fl_stale_newer(seq, u->snap, u->forks))
			e->stale.seen_late++;
		else
			e->stale.missed++;
		e->unseen[i] = e->unseen[--e->nunseen];
	}
}

void fl_engine_settle_stale(struct fl_engine *e, fl_seq_now_fn seq_now, void *ctx)
{
	struct fl_counts t;

	fl_engine_total(e, &t);
	e->stale.kernel_found = t.c[FL_CNT_STALE_KERNEL];
	e->stale.seen = t.c[FL_CNT_STALE_SEEN];
	fl_engine_settle_stale_before(e, UINT64_MAX, seq_now, ctx);
}

/*
 * Per kind of event: the counter it adds to (counted before any filter),
 * and what judges it, or what it tells the judges.
 */
static const struct {
	int counter;
	void (*judge)(struct fl_engine *e, const struct fl_event *ev);
} event_kind[FL_EV_TYPE_MAX] = {
	[FL_EV_FAULT] = { FL_CNT_FAULTS, NULL },
	[FL_EV_MAP_PAGES] = { FL_CNT_MAP_PAGES, judge_map_pages },
	[FL_EV_INSERT] = { FL_CNT_INSERTIONS, judge_insert },
	[FL_EV_DELETE] = { FL_CNT_DELETIONS, judge_delete },
	[FL_EV_IOMAP] = { FL_CNT_IOMAP, judge_iomap },
	[FL_EV_IOMAP_MAP] = { FL_CNT_IOMAP_MAPS, NULL },
	[FL_EV_INVAL_BEGIN] = { 0, window_begin },
	[FL_EV_INVAL_STEP] = { 0, window_step },
	[FL_EV_INVAL_END] = { 0, window_end },
	[FL_EV_STALE_UNSEEN] = { 0, stale_unseen },
	[FL_EV_STALE_ANSWER] = { 0, stale_answer },
	[FL_EV_FOLIO_USE] = { 0, judge_folio_use },
};

static void count_event(struct fl_engine *e, const struct fl_event *ev)
{
	unsigned int slot = ev->slot < FL_MAX_SLOTS ? ev->slot : 0;

	if (ev->type < FL_EV_TYPE_MAX && event_kind[ev->type].counter)
		e->slots[slot].c[event_kind[ev->type].counter]++;
	else if (ev->type == FL_EV_FAULT)
		e->slots[slot].c[FL_CNT_FAULTS]++;
	else if (ev->type == FL_EV_INVAL_END && ev->aux == 0)
		e->slots[slot].c[FL_CNT_INVALIDATIONS]++;
}

/* The judges that look at a stack: judge_insert, judge_delete, judge_folio_use. */
bool fl_engine_names_frames(const struct fl_event *ev)
{
	if (!(ev->flags & FL_F_STACK) || (ev->flags & FL_F_INTERNAL))
		return false;
	return ev->type == FL_EV_INSERT || ev->type == FL_EV_DELETE ||
	       ev->type == FL_EV_FOLIO_USE;
}

void fl_engine_feed(struct fl_engine *e, const struct fl_event *ev)
{
	if (!e->events)
		e->first_ts = ev->ts;
	e->events++;
	if (ev->ts > e->last_ts)
		e->last_ts = ev->ts;
	if (e->count_events)
		count_event(e, ev);
	/* fs-internal inodes' locks order like any others */
	if (ev->type == FL_EV_LOCK_ACQ || ev->type == FL_EV_LOCK_REL ||
	    ev->type == FL_EV_LOCK_SYNC) {
		fl_lo_feed(e->lo, ev, lock_order_found, e);
		return;
	}

	if (ev->flags & FL_F_INTERNAL)
		return;
	if (ev->type == FL_EV_RACE) {
		race_note(e, ev);
		return;
	}
	/* a candidate takes the partner sent for it, judged or not */
	e->race_now = (ev->flags & FL_F_CANDIDATE) ? race_take(e, ev) : NULL;
	if (ev->type < FL_EV_TYPE_MAX && event_kind[ev->type].judge)
		event_kind[ev->type].judge(e, ev);
	e->race_now = NULL;
}

/*
 * fl_seen is an LRU map: a key evicted and made again starts its total
 * from zero.  A total below the last one synced is such a new start, all
 * of it new (what the old entry counted after the last sync is lost).
 */
uint64_t fl_engine_sync_repeats(struct fl_engine *e, const struct fl_seen_key *k,
				uint64_t repeats)
{
	for (size_t i = 0; i < e->nviol; i++) {
		struct fl_violation *v = &e->viol[i];
		uint64_t add;

		if (v->ev.type != k->type || v->ev.stack_id != k->stack_id ||
		    !same_inode(&v->ev.inode, &k->inode))
			continue;
		add = repeats >= v->bpf_total ? repeats - v->bpf_total : repeats;
		v->bpf_total = repeats;
		v->count += add;
		v->repeats += add;
		return add;
	}
	return 0;
}

size_t fl_engine_tasks_gone(struct fl_engine *e, fl_task_alive_fn alive, void *ctx)
{
	size_t gone = 0;

	for (size_t i = 0; i < e->nopen;) {
		if (alive(ctx, e->open[i].begin.pid)) {
			i++;
			continue;
		}
		/* the task ended its syscall before exiting: by the newest event */
		window_unended(e, &e->open[i], e->last_ts);
		gone++;
	}
	for (size_t i = 0; e->lo && i < e->lo->ntasks;) {
		uint32_t pid = e->lo->tasks[i].pid;

		if (alive(ctx, pid)) {
			i++;
			continue;
		}
		fl_lo_task_gone(e->lo, pid);
		gone++;
	}
	return gone;
}
