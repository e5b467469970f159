// SPDX-License-Identifier: GPL-2.0
#include <bpf/bpf.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include "dump.h"
#include "engine.h"
#include "evqueue.h"
#include "exit.h"
#include "kernel.h"
#include "ksyms.h"
#include "live.h"
#include "loader.h"
#include "modwatch.h"
#include "pathres.h"
#include "report.h"
#include "rules.h"
#include "tracefs.h"
#include "util.h"
#include "watch.h"

static volatile sig_atomic_t stop_requested;	/* the signal that asked */
static volatile sig_atomic_t report_requested;	/* watch: SIGHUP */

static void on_signal(int sig)
{
	stop_requested = sig;
}

static void on_hup(int sig)
{
	(void)sig;
	report_requested = 1;
}

struct live_ctx {
	struct fl_engine *e;
	struct fl_dump_writer *rec;	/* record: the dump, or NULL */
	struct fl_watch *watch;		/* watch: where new violations go */
	struct fl_run_info *ri;
	struct fl_loader *l;
	uint64_t *lost_prev;		/* record: lost per CPU at the last snapshot */
	struct fl_symbolizer *sz;
	struct fl_evq parked;		/* events waiting for the symbols (feed) */
	unsigned int modules;		/* modules loaded since the start, as last seen */
	bool syms_stale;		/* kallsyms is being read again */
};

/*
 * A module loaded since the start: its functions are not in the symbols
 * read before, and a frame in it would be named after whatever precedes
 * it (and sign its violation so).  kallsyms is read again in the
 * background; events that name frames wait for it (feed), and once it is
 * there the reports and the dump name frames from the new table.
 */
static void syms_resync(struct live_ctx *c)
{
	const struct fl_ksyms *ks;

	if (c->l->modules_loaded != c->modules) {
		c->modules = c->l->modules_loaded;
		if (fl_symbolizer_reload(c->sz))
			c->syms_stale = true;
	}
	if (!c->syms_stale || !fl_symbolizer_ready(c->sz))
		return;
	c->syms_stale = false;
	ks = fl_symbolizer_get(c->sz);
	if (c->ri->ksyms)
		c->ri->ksyms = ks;
	if (c->rec)
		fl_dump_ksyms(c->rec, ks);
}

/*
 * Parked events take at most this much memory; beyond it the consumer
 * waits for the symbols after all (and the ring buffer takes the rest).
 */
#define FL_PARKED_MAX	(64U << 20)

/*
 * Resolve a violation's path as soon as it is found: the file may be
 * gone (unlinked, unmounted) by the time the run ends.  record: the event
 * goes to the dump first, the path after it.
 */
static void consume(struct live_ctx *c, const struct fl_event *ev)
{
	struct fl_engine *e = c->e;
	size_t before;

	if (c->syms_stale)
		syms_resync(c);
	before = e->nviol;
	if (c->rec)
		fl_dump_event(c->rec, ev);
	fl_engine_feed(e, ev);
	for (size_t i = before; i < e->nviol; i++) {
		e->viol[i].path = fl_inode_path(e->viol[i].ev.inode.dev,
						e->viol[i].ev.inode.ino,
						e->viol[i].ev.inode.gen,
						e->viol[i].ev.tgid);
		if (c->rec)
			fl_dump_path(c->rec, &e->viol[i].ev.inode, e->viol[i].path);
		if (c->watch)
			fl_watch_violation(c->watch, e, c->ri, &e->viol[i]);
	}
}

/*
 * Parked events to the engine, at most @max, once the symbols are there
 * (@wait: once they are, however long that takes).
 */
static void drain_parked(struct live_ctx *c, size_t max, bool wait)
{
	struct fl_event ev;

	if (!c->parked.n)
		return;
	if (wait)
		fl_symbolizer_get(c->sz);
	else if (!fl_symbolizer_ready(c->sz))
		return;
	for (size_t n = 0; n < max && fl_evq_pop(&c->parked, &ev); n++)
		consume(c, &ev);
}

/*
 * Judging a candidate names its stack's frames, from kallsyms, which takes
 * a second to read on a host and several in a slow guest: long enough for
 * a bug storm to fill the ring buffer behind a consumer that stopped to
 * read it (the first candidate of a storm in a 6.12 TCG guest lost 139,022
 * events that way).  So the symbols load in a thread of their own, and
 * such an event waits in the parked queue, with every event after it (the
 * engine sees them in their order), while the consumer goes on draining
 * the ring.  record has its symbols from the start and never parks.
 */
static int feed(void *ctx, const struct fl_event *ev)
{
	struct live_ctx *c = ctx;

	if (!c->parked.n && (!fl_engine_names_frames(ev) || fl_symbolizer_ready(c->sz))) {
		consume(c, ev);
		return 0;
	}
	fl_symbolizer_start(c->sz);
	if (!fl_evq_push(&c->parked, ev))
		return 0;
	/* out of room: wait after all; what the ring cannot hold is counted lost */
	drain_parked(c, SIZE_MAX, true);
	consume(c, ev);
	return 0;
}

static void add_repeats(void *ctx, const struct fl_seen_key *k, uint64_t repeats)
{
	struct live_ctx *c = ctx;

	if (c->rec)
		fl_dump_repeat(c->rec, k, repeats);
	fl_engine_sync_repeats(c->e, k, repeats);
}

static void lo_counted_edge(void *ctx, const struct fl_lo_edge_key *k, uint64_t n)
{
	struct live_ctx *c = ctx;

	if (c->rec)
		fl_dump_lo_edge(c->rec, k, n);
	fl_lo_sync_counted_edge(c->e->lo, k, n);
}

static void lo_counted_class(void *ctx, const struct fl_lo_class_key *k,
			     const struct fl_lo_class_count *n)
{
	struct live_ctx *c = ctx;

	if (c->rec)
		fl_dump_lo_class(c->rec, k, n);
	fl_lo_sync_counted_class(c->e->lo, k, n);
}

static const struct fl_lo_counted_fns lo_counted = {
	.edge = lo_counted_edge, .cls = lo_counted_class,
};

/* record: the answer the settle step got, kept for the report */
static bool record_changes(void *ctx, uint64_t kaddr, const struct fl_inode_key *who,
			   uint64_t *n)
{
	struct live_ctx *c = ctx;
	bool present = fl_loader_extent_changes(c->l, kaddr, who, n);

	fl_dump_settle(c->rec, kaddr, present, present ? *n : 0);
	return present;
}

/* record: a counter snapshot, a LOST record per CPU that lost more, flush */
static void record_snapshot(struct live_ctx *c, struct fl_run_info *ri,
			    const struct fl_counts *final)
{
	struct fl_counts slots[FL_MAX_SLOTS];
	uint64_t now = fl_now_ns();

	/* the last snapshot is exactly what the live report uses */
	if (final)
		memcpy(slots, final, sizeof(slots));
	else if (fl_loader_counts(c->l, slots, ri->lost_per_cpu))
		return;
	for (int cpu = 0; cpu < ri->ncpus; cpu++) {
		struct fl_rec_lost lr = { .ts = now, .cpu = cpu, .total = ri->lost_per_cpu[cpu] };

		if (ri->lost_per_cpu[cpu] == c->lost_prev[cpu])
			continue;
		c->lost_prev[cpu] = ri->lost_per_cpu[cpu];
		fl_dump_record(c->rec, FL_REC_LOST, &lr, sizeof(lr), NULL, 0);
	}
	fl_dump_counts(c->rec, now, slots, ri->lost_per_cpu, ri->ncpus);
	fl_dump_flush(c->rec);
}

static int record_start(struct live_ctx *c, const struct fl_live_opts *o,
			struct fl_run_info *ri, struct fl_symbolizer *sz)
{
	struct fl_dump_meta m = {
		.devs = o->devs, .ndevs = o->ndevs, .tgids = o->tgids, .ntgids = o->ntgids,
		.ring_bytes = o->ring_bytes, .duration_opt = o->duration, .cmd = o->cmd,
	};

	/* the symbols come from kallsyms read after our programs loaded */
	if (fl_dump_start(c->rec, ri, &m, fl_symbolizer_get(sz)))
		return -1;
	c->lost_prev = fl_xcalloc(ri->ncpus, sizeof(uint64_t));
	record_snapshot(c, ri, NULL);
	return 0;
}

/*
 * The traced command (or demo's workload).  Its process group is ours to
 * signal only while the leader is unreaped: a zombie keeps its pid, and so
 * the group id, from being handed out again; once reaped, the number may
 * name a stranger's group.
 */
struct child {
	pid_t pid;		/* -1: none */
	bool gone;		/* reaped (or lost to ECHILD): never signal again */
	bool reaped;		/* @status is its wait status */
	int status;
};

static void start_child(const struct fl_live_opts *o, struct child *c)
{
	pid_t pid = fork();

	if (pid != 0) {
		c->pid = pid;
		/* also here: a stop must not race the child's own setpgid */
		if (pid > 0)
			setpgid(pid, pid);
		return;
	}
	/*
	 * Own process group, so a stop reaches everything the command
	 * started; on a terminal that group becomes the foreground one, or a
	 * command reading the terminal would stop on SIGTTIN for good.
	 */
	setpgid(0, 0);
	if (isatty(STDIN_FILENO)) {
		signal(SIGTTOU, SIG_IGN);
		tcsetpgrp(STDIN_FILENO, getpid());
		signal(SIGTTOU, SIG_DFL);
	}
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	if (o->cmd) {
		execvp(o->cmd[0], o->cmd);
		fl_err("cannot run %s: %s", o->cmd[0], strerror(errno));
		_exit(127);
	}
	_exit(o->child_fn(o->child_arg));
}

/* Reap the child if it has ended (or wait for it): true once it is gone. */
static bool child_wait(struct child *c, bool block)
{
	pid_t r;

	if (c->pid < 0 || c->gone)
		return true;
	do
		r = waitpid(c->pid, &c->status, block ? 0 : WNOHANG);
	while (r < 0 && errno == EINTR);
	if (r == 0)
		return false;
	c->gone = true;
	c->reaped = r == c->pid;
	return true;
}

/* Take the terminal back from the command's process group. */
static void reclaim_tty(void)
{
	if (!isatty(STDIN_FILENO))
		return;
	signal(SIGTTOU, SIG_IGN);
	tcsetpgrp(STDIN_FILENO, getpgrp());
	signal(SIGTTOU, SIG_DFL);
}

/*
 * End a child still running: SIGTERM to its group, SIGKILL after 3 s.
 * Returns true if it had to be signalled.  Processes of the group that
 * outlive a reaped leader are left alone, as when the command exits itself.
 */
static bool stop_child(struct child *c)
{
	if (child_wait(c, false))
		return false;
	kill(-c->pid, SIGTERM);
	for (int i = 0; i < 150; i++) {
		usleep(20000);
		if (child_wait(c, false))
			return true;
	}
	kill(-c->pid, SIGKILL);
	child_wait(c, true);
	return true;
}

/*
 * Name a slot's filesystem: mount point and type from mountinfo while it is
 * mounted, its s_magic from statfs there; once it is gone, the type from
 * the magic BPF saw (fl_slot_table).
 */
static void name_slot(struct fl_slot_info *si, uint32_t kdev, uint32_t magic)
{
	struct statfs sf;

	si->used = true;
	si->kdev = kdev;
	si->magic = magic;
	if (fl_dev_mount(kdev, si->mount, sizeof(si->mount), si->fstype, sizeof(si->fstype))) {
		si->mount[0] = 0;
		fl_fs_label(magic, si->fstype, sizeof(si->fstype));
		return;
	}
	if (!si->magic && !statfs(si->mount, &sf))
		si->magic = (uint32_t)sf.f_type;
}

static void fill_slots(struct fl_run_info *ri, const struct fl_live_opts *o)
{
	ri->filtered = o->ndevs > 0;
	for (int i = 0; i < o->ndevs; i++)
		name_slot(&ri->slots[i + 1], o->devs[i], 0);
}

/*
 * Unfiltered: the filesystems BPF gave slots to since the last call, named
 * while they are (likely) still mounted.  True when something is new.
 */
static bool update_slots(struct fl_run_info *ri, struct fl_loader *l)
{
	struct fl_slot_table t;
	uint32_t other[FL_MAX_OTHER_FS];
	bool changed = false;
	int n;

	if (ri->filtered)
		return false;
	n = fl_loader_slots(l, &t, other, FL_MAX_OTHER_FS);
	if (n < 0)
		return false;
	for (int s = 1; s < FL_MAX_SLOTS; s++) {
		if (!t.dev[s] || ri->slots[s].used)
			continue;
		name_slot(&ri->slots[s], t.dev[s], t.magic[s]);
		changed = true;
	}
	if (n != ri->nother)
		changed = true;
	memcpy(ri->other_magics, other, n * sizeof(other[0]));
	ri->nother = n;
	return changed;
}

/*
 * BPF's counts into the engine: the counters, and (@totals) the repeats and
 * lock-order observations it counted instead of sending, which cost a map
 * walk each.  At the end, and while a watch runs.
 */
static void sync_counts(struct live_ctx *c, const struct fl_live_opts *o, bool totals)
{
	struct fl_counts slots[FL_MAX_SLOTS];

	if (!fl_loader_counts(c->l, slots, c->ri->lost_per_cpu))
		memcpy(c->e->slots, slots, sizeof(slots));
	update_slots(c->ri, c->l);
	if (!totals)
		return;
	fl_loader_repeats(c->l, add_repeats, c);
	if (o->lock_order)
		fl_loader_lo_counted(c->l, &lo_counted, c);
}

/*
 * A module loaded after the start brought hooks (loader_late.c): the run's
 * attach table follows, and the dump and the watch's stream say so.
 */
static void late_hooks(struct live_ctx *c, const char *mod)
{
	struct fl_run_info *ri = c->ri;
	int attached = 0, failed = 0;
	double at = 0;

	memcpy(ri->attach, c->l->attach, sizeof(ri->attach));
	ri->nattach = c->l->nattach;
	for (int i = 0; i < ri->nattach; i++) {
		if (!ri->attach[i].late || strcmp(ri->attach[i].module, mod))
			continue;
		if (ri->attach[i].late_s > at)
			at = ri->attach[i].late_s;
		if (!strcmp(ri->attach[i].status, "attached"))
			attached++;
		else
			failed++;
	}
	fl_info("module %s loaded: %d hook%s attached at +%.1f s%s (its events before then "
		"were not seen)", mod, attached, attached == 1 ? "" : "s", at,
		failed ? ", some failed (see above)" : "");
	if (c->rec)
		fl_dump_attach(c->rec, ri);
	if (c->watch)
		fl_watch_hooks(c->watch, ri, mod);
}

/* A thread of the traced system still exists (its id in our pid namespace). */
static bool task_alive(void *ctx, uint32_t pid)
{
	(void)ctx;
	return !kill((pid_t)pid, 0) || errno != ESRCH;
}

/*
 * A watch runs for weeks: what lost events left behind (windows and holds
 * of tasks gone since, stale finds no answer came for) must not pile up.
 * A find waits microseconds for its answer; after a minute it has none.
 */
#define STALE_WAIT_NS	60000000000ULL

static void forget_stale_state(struct live_ctx *c)
{
	uint64_t now = fl_now_ns();

	fl_engine_tasks_gone(c->e, task_alive, NULL);
	if (now > STALE_WAIT_NS)
		fl_engine_settle_stale_before(c->e, now - STALE_WAIT_NS, fl_loader_extent_changes,
					      c->l);
}

static bool watches_tmpfs(const struct fl_run_info *ri)
{
	for (int s = 0; s < FL_MAX_SLOTS; s++)
		if (ri->slots[s].used && !strcmp(ri->slots[s].fstype, "tmpfs"))
			return true;
	return false;
}

static bool prog_attached(const struct fl_loader *l, const char *prog)
{
	for (int i = 0; i < l->nattach; i++)
		if (!strcmp(l->attach[i].prog, prog))
			return !strcmp(l->attach[i].status, "attached");
	return false;
}

/*
 * The stale-map rule needs the write's map and the folios it instantiates,
 * in both its forms: where a hook is missing, the rule is reported as not
 * checked rather than passing blind.  The sequence form reads xfs's
 * through the xfs module's BTF: without it, xfs is judged by the window.
 */
static void stale_rule_coverage(const struct fl_loader *l)
{
	unsigned int n;
	const struct fl_fs_proto *p = fl_fs_protos(&n);
	bool maps = (prog_attached(l, "fl_tp_iomap_dstmap") || prog_attached(l, "fl_fx_iomap_map") ||
		     prog_attached(l, "fl_kr_iomap_map")) &&
		    (prog_attached(l, "fl_tp_folio_use") || prog_attached(l, "fl_tp_insert"));

	for (unsigned int i = 0; i < n; i++) {
		unsigned int off = 0;

		if (!maps)
			off = FL_RULE_STALE_MAPS | FL_RULE_STALE_WINDOW;
		else if (!strcmp(p[i].name, "xfs") && !fl_kernel_has_btf_tp("xfs_iext_insert"))
			off = FL_RULE_STALE_MAPS;
		if (off)
			fl_rules_set_flags(p[i].magic, p[i].flags & ~off);
	}
}

int fl_live_run(const struct fl_live_opts *o)
{
	struct fl_loader_opts lo = {
		.ring_bytes = o->ring_bytes, .attach = o->attach, .precise = o->precise,
		.lock_order = o->lock_order,
	};
	struct fl_run_info *ri = fl_xcalloc(1, sizeof(*ri));
	struct fl_counts slots[FL_MAX_SLOTS];
	void (*old_hup)(int) = SIG_ERR;
	uint64_t last_totals = 0;
	struct fl_symbolizer sz = { .path = "/proc/kallsyms" };
	struct fl_engine *eng = NULL;
	struct fl_loader l;
	struct live_ctx lc = { .rec = o->record, .watch = o->watch, .ri = ri, .l = &l, .sz = &sz };
	uint64_t last_snap = 0;
	int ret = FL_EXIT_ENV, err;
	void (*old_int)(int) = SIG_ERR, (*old_term)(int) = SIG_ERR;
	uint64_t t0, deadline;
	int stats_fd = -1;
	struct child child = { .pid = -1 };
	const char *why_stop = NULL;	/* what ended tracing, if not the child */
	bool loaded = false, slots_changed;
	char mod[FL_MODNAME_LEN];
	FILE *report;

	ri->mode = o->mode;
	ri->lock_words = fl_kernel_lock_words();
	if (ri->lock_words)
		snprintf(ri->lock_word_shape, sizeof(ri->lock_word_shape), "%s",
			 fl_kernel_lock_word_shape());
	ri->locks = o->precise ? "precise" : "lock-word";
	ri->lock_order = o->lock_order;
	ri->attach_mode = fl_attach_mode_name(o->attach);
	ri->cmd.argv = o->cmd;
	fl_kernel_release(ri->kernel, sizeof(ri->kernel));
	if (fl_kernel_preflight())
		goto out;
	if (!ri->lock_words)
		fl_warn("this kernel's rw_semaphore has neither known lock-word shape: lock "
			"states cannot be read, every lock rule is NOT CHECKED (counted as unknown)");
	else if (!strcmp(ri->lock_word_shape, "rwbase_rt") && !o->precise)
		fl_info("PREEMPT_RT: the rw_semaphore word (rwbase_rt) proves free and exclusive "
			"holds but names no reader; shared holds are unknown (--locks=precise cannot "
			"decide them either: BPF programs are preemptible on RT)");

	fl_evq_init(&lc.parked, FL_PARKED_MAX);
	fl_rules_init(fl_kernel_has_func, NULL);
	eng = fl_engine_new(fl_symbolizer_name, &sz);
	lc.e = eng;
	lo.emit_all = o->record != NULL;

	fill_slots(ri, o);
	lo.ndevs = o->ndevs;
	memcpy(lo.devs, o->devs, sizeof(o->devs));
	lo.ntgids = o->ntgids;
	memcpy(lo.tgids, o->tgids, sizeof(o->tgids));
	lo.watch_tmpfs = watches_tmpfs(ri);

	/* statistics on before our programs attach, off when the fd closes */
	if (o->self_cost) {
		stats_fd = bpf_enable_stats(BPF_STATS_RUN_TIME);
		if (stats_fd < 0)
			fl_warn("--self-cost: cannot enable BPF run-time statistics: %s",
				strerror(errno));
	}
	err = fl_loader_open(&l, &lo, feed, &lc);
	if (err)
		goto out;
	loaded = true;
	ri->bpf_preempt = l.bpf_preempt;
	ri->ncpus = l.ncpus;
	ri->lost_per_cpu = fl_xcalloc(l.ncpus, sizeof(uint64_t));
	memcpy(ri->attach, l.attach, sizeof(l.attach));
	ri->nattach = l.nattach;
	stale_rule_coverage(&l);
	for (int i = 0; i < l.nattach; i++)
		if (strcmp(l.attach[i].status, "attached"))
			fl_info("%s (%s): %s%s%s", l.attach[i].prog, l.attach[i].target,
				l.attach[i].status, l.attach[i].why[0] ? ": " : "", l.attach[i].why);
	if (lc.rec && record_start(&lc, o, ri, &sz))
		goto out;
	/* its hooks attach when it loads; the iomap programs are loaded without its types */
	if (!fl_kernel_has_btf_tp("xfs_free_file_space") && !o->ndevs)
		fl_warn("the xfs module is not loaded: if it loads during this run, its hooks "
			"attach then (its events before that are not seen), and the stale-map "
			"rule judges xfs by its window form only");

	old_int = signal(SIGINT, on_signal);
	old_term = signal(SIGTERM, on_signal);
	if (o->watch) {
		/* an alert names its stack the moment it goes out */
		ri->ksyms = fl_symbolizer_get(&sz);
		old_hup = signal(SIGHUP, on_hup);
		fl_watch_started(o->watch, eng, ri);
	}
	t0 = fl_now_ns();
	deadline = o->duration > 0 ? t0 + (uint64_t)(o->duration * 1e9) : 0;
	if (o->cmd || o->child_fn) {
		start_child(o, &child);
		if (child.pid < 0) {
			fl_err("cannot fork: %s", strerror(errno));
			goto out;
		}
	}
	fl_info("tracing%s; Ctrl-C to stop", o->duration > 0 ? " for the set duration" : "");

	for (;;) {
		if (stop_requested) {
			why_stop = stop_requested == SIGINT ? "faultline got SIGINT" :
				   "faultline got SIGTERM";
			break;
		}
		/* parked events to feed: come back at once */
		err = fl_loader_poll(&l, lc.parked.n && fl_symbolizer_ready(&sz) ? 0 : 100);
		if (err < 0 && err != -EINTR) {
			fl_err("ring buffer poll failed: %s", strerror(-err));
			why_stop = "faultline's ring buffer poll failed";
			break;
		}
		/* the command ended: stop now, whatever its group still runs */
		if (child.pid > 0 && child_wait(&child, false))
			break;
		/* a slice at a time: the ring is drained between slices */
		drain_parked(&lc, 4096, false);
		if (fl_loader_late_poll(&l, mod, sizeof(mod)) > 0)
			late_hooks(&lc, mod);
		syms_resync(&lc);
		if (deadline && fl_now_ns() >= deadline) {
			why_stop = "--duration elapsed";
			break;
		}
		if (fl_now_ns() - last_snap >= 1000000000ULL) {
			if (update_slots(ri, &l) && lc.rec)
				fl_dump_slots(lc.rec, ri);
			if (lc.rec)
				record_snapshot(&lc, ri, NULL);
			if (o->watch) {
				bool totals = fl_now_ns() - last_totals >= 5000000000ULL;

				sync_counts(&lc, o, totals);
				if (totals) {
					forget_stale_state(&lc);
					last_totals = fl_now_ns();
				}
				fl_watch_tick(o->watch, eng, ri, &l);
			}
			last_snap = fl_now_ns();
		}
		if (report_requested) {
			report_requested = 0;
			sync_counts(&lc, o, true);
			ri->duration_s = (fl_now_ns() - t0) / 1e9;
			fl_watch_report(o->watch, eng, ri, o->json_path);
		}
		if (lc.rec && fl_dump_stopped(lc.rec)) {
			why_stop = "the dump stopped (--max-size reached, or a write error)";
			break;
		}
	}
	if (o->watch)
		fl_watch_stopping(o->watch);
	if (child.pid > 0) {
		if (stop_child(&child))
			ri->cmd.stopped_by = why_stop;
		reclaim_tty();
	}
	ri->cmd.reaped = child.reaped;
	ri->cmd.status = child.status;
	/* drain what is left, bounded: a busy host never runs dry */
	for (int i = 0; i < 100 && fl_loader_poll(&l, 0) > 0; i++)
		;
	drain_parked(&lc, SIZE_MAX, true);
	if (lc.parked.peak)
		fl_info("%zu events waited for the kernel's symbols (at most %zu at once)",
			lc.parked.pushed, lc.parked.peak);
	ri->duration_s = (fl_now_ns() - t0) / 1e9;
	/* a module's programs may be loading still: their rows say so */
	memcpy(ri->attach, l.attach, sizeof(ri->attach));
	ri->nattach = l.nattach;

	if (stats_fd >= 0) {
		ri->self_cost = true;
		fl_loader_self_cost(&l, &ri->bpf_run_ns, &ri->bpf_runs);
	}
	/* without the last counters, losses are unknown: no complete verdict */
	if (fl_loader_counts(&l, slots, ri->lost_per_cpu))
		ri->partial = "BPF's counters could not be read at the end: the counts and "
			      "lost events are unknown";
	if (o->precise)
		ri->precise_skipped_known = !fl_loader_precise_skipped(&l, &ri->precise_skipped,
									&ri->precise_skipped_holds);
	memcpy(eng->slots, slots, sizeof(slots));
	/* after the counts: every slot counted has a name */
	slots_changed = update_slots(ri, &l);
	if (lc.rec) {
		fl_dump_closing(lc.rec);
		record_snapshot(&lc, ri, slots);
		/* in the room kept for the end, as the final counts */
		if (ri->precise_skipped_known)
			fl_dump_precise(lc.rec, ri);
		/* after the final counts, which must fit; a cut dump may lack it */
		if (slots_changed)
			fl_dump_slots(lc.rec, ri);
	}
	fl_loader_repeats(&l, add_repeats, &lc);
	if (o->lock_order)
		fl_loader_lo_counted(&l, &lo_counted, &lc);
	if (lc.rec)
		fl_engine_settle_stale(eng, record_changes, &lc);
	else
		fl_engine_settle_stale(eng, fl_loader_extent_changes, &l);
	/*
	 * The reports name frames: violations', and lock-order edges'.  Only
	 * then is kallsyms read (a second or so): a clean run ends at once.
	 */
	if (eng->nviol || (eng->lo && eng->lo->nedges))
		ri->ksyms = fl_symbolizer_get(&sz);
	if (o->watch)
		fl_watch_stopped(o->watch, eng, ri, &l);
	report = o->watch ? fl_watch_text(o->watch) : stdout;
	fl_report_text(report, eng, ri);
	fflush(report);
	if (o->json_path) {
		err = fl_report_json(o->json_path, eng, ri);
		if (err) {
			fl_err("cannot write %s: %s", o->json_path, strerror(-err));
			goto out;
		}
	}
	/* demo's own workload failing is faultline failing */
	if (o->child_fn && (!child.reaped || !WIFEXITED(child.status) || WEXITSTATUS(child.status))) {
		fl_err("the workload failed (status %d)", child.status);
		goto out;
	}
	if (o->cmd && child.reaped && WIFEXITED(child.status) && WEXITSTATUS(child.status) == 127)
		fl_err("the traced command could not be run");
	ret = fl_exit_status(eng, ri);
out:
	stop_child(&child);
	if (lc.rec && fl_dump_close(lc.rec, ri->duration_s))
		ret = FL_EXIT_ENV;
	free(lc.lost_prev);
	fl_evq_free(&lc.parked);
	if (loaded)
		fl_loader_close(&l);
	if (stats_fd >= 0)
		close(stats_fd);
	fl_engine_free(eng);
	fl_symbolizer_free(&sz);
	free(ri->lost_per_cpu);
	free(ri);
	if (old_int != SIG_ERR)
		signal(SIGINT, old_int);
	if (old_term != SIG_ERR)
		signal(SIGTERM, old_term);
	if (old_hup != SIG_ERR)
		signal(SIGHUP, old_hup);
	return ret;
}
