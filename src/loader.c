// SPDX-License-Identifier: GPL-2.0
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "faultline/events.h"	/* types the skeletons' rodata uses */
#include "faults.skel.h"
#include "inval.skel.h"
#include "iomap.skel.h"
#include "lockorder.skel.h"
#include "locks.skel.h"
#include "pagecache.skel.h"

#include "kernel.h"
#include "loader.h"
#include "loader_late.h"
#include "rules.h"
#include "tracefs.h"
#include "util.h"

/*
 * The maps every object declares (bpf/fl_maps.bpf.h) that all objects
 * share: the pagecache object creates them, the others reuse its fds.
 * Each skeleton has them all, so a map missing from one fails the build.
 */
#define FL_SHARED_MAPS(X)						\
	X(fl_events) X(fl_counts) X(fl_tgids) X(fl_fs_rules) X(fl_tasks)	\
	X(fl_held) X(fl_stackmap) X(fl_seen) X(fl_active) X(fl_sem_readers)	\
	X(fl_lo_tasks) X(fl_lo_edges) X(fl_lo_classes) X(fl_armed)		\
	X(fl_slot_table) X(fl_slot_claim) X(fl_other_magic) X(fl_inval_stacks)	\
	X(fl_inval_inodes) X(fl_precise_ctl) X(fl_own) X(fl_inval_last)	\
	X(fl_curmap) X(fl_stale_use) X(fl_stale_race) X(fl_exit_pids)

#define FL_COUNT_MAP(m) + 1
#define FL_NR_SHARED (0 FL_SHARED_MAPS(FL_COUNT_MAP))

/*
 * What the loader does with any of the skeletons, typed once per object:
 * open (a second instance too, for loader_late.c), write the .rodata
 * configuration, name the shared maps, load, destroy.
 */
#define FL_SKEL_OPS(n)								\
static void *n##_open(void)							\
{										\
	return fl_##n##__open();						\
}										\
										\
static int n##_load(void *skel)							\
{										\
	return fl_##n##__load(skel);						\
}										\
										\
static void n##_destroy(void *skel)						\
{										\
	fl_##n##__destroy(skel);						\
}										\
										\
static struct bpf_object *n##_obj(void *skel)					\
{										\
	return ((struct fl_##n *)skel)->obj;					\
}										\
										\
static void n##_configure(void *skel, const struct fl_config *cfg,		\
			  const uint32_t devs[FL_MAX_DEVS])			\
{										\
	struct fl_##n *s = skel;						\
										\
	_Static_assert(sizeof(s->rodata->fl_watch_devs) ==			\
		       FL_MAX_DEVS * sizeof(uint32_t), "fl_watch_devs");	\
	s->rodata->fl_cfg = *cfg;						\
	memcpy(s->rodata->fl_watch_devs, devs, sizeof(s->rodata->fl_watch_devs)); \
}										\
										\
static void n##_shared(void *skel, struct bpf_map *maps[FL_NR_SHARED])		\
{										\
	struct fl_##n *s = skel;						\
	int i = 0;								\
										\
	FL_SHARED_MAPS(FL_SHARED_OF)						\
}
#define FL_SHARED_OF(m) maps[i++] = s->maps.m;

FL_SKEL_OPS(pagecache)
FL_SKEL_OPS(faults)
FL_SKEL_OPS(inval)
FL_SKEL_OPS(iomap)
FL_SKEL_OPS(locks)
FL_SKEL_OPS(lockorder)

/* loader.h's FL_NR_OBJS, in this order */
enum { OBJ_PAGECACHE, OBJ_FAULTS, OBJ_INVAL, OBJ_IOMAP, OBJ_LOCKS, OBJ_LOCKORDER };

/* One object per concern; pagecache first: it creates the shared maps. */
static const struct fl_obj_desc {
	const char *name;
	void *(*open)(void);
	int (*load)(void *skel);
	void (*destroy)(void *skel);
	struct bpf_object *(*obj)(void *skel);
	void (*configure)(void *skel, const struct fl_config *cfg,
			  const uint32_t devs[FL_MAX_DEVS]);
	void (*shared)(void *skel, struct bpf_map *maps[FL_NR_SHARED]);
} obj_descs[FL_NR_OBJS] = {
#define FL_OBJ(n) { #n, n##_open, n##_load, n##_destroy, n##_obj, n##_configure, n##_shared }
	[OBJ_PAGECACHE] = FL_OBJ(pagecache),
	[OBJ_FAULTS] = FL_OBJ(faults),
	[OBJ_INVAL] = FL_OBJ(inval),
	[OBJ_IOMAP] = FL_OBJ(iomap),
	/* loaded only for --locks=precise */
	[OBJ_LOCKS] = FL_OBJ(locks),
	/* loaded only for --lock-order */
	[OBJ_LOCKORDER] = FL_OBJ(lockorder),
#undef FL_OBJ
};

/* The first object's skeleton: the shared maps, typed. */
static struct fl_pagecache *pagecache(const struct fl_loader *l)
{
	return l->skels[OBJ_PAGECACHE];
}

/*
 * A program of a skeleton, named by its place in the skeleton's progs
 * (PROG below): the hook and rule tables hold these, never names.  0 is
 * no program (a skeleton's first member is not one).
 */
#define PROG(obj, prog) offsetof(struct fl_##obj, progs.prog)

static struct bpf_program *prog_at(void *skel, size_t off)
{
	return skel && off ? *(struct bpf_program **)((char *)skel + off) : NULL;
}

enum fl_mech { MECH_NONE, MECH_TP, MECH_FENTRY, MECH_KPROBE };

/*
 * The hooks that have a function form besides their tracepoint, one row
 * each: adding one is a row here and its programs in the object.  A
 * tracepoint takes one program; a function form may need two (deletions
 * happen one by one and in truncation batches).  The forms are programs of
 * one object; the plan autoloads one form per hook.
 */
static const struct fl_hook {
	int obj;
	const char *tp_target;
	size_t tp;		/* PROG() */
	size_t fentry[2];
	size_t kprobe[2];
	const char *func[2];	/* kernel functions behind fentry/kprobe */
} hooks[] = {
	{ OBJ_FAULTS, "mm_filemap_fault", PROG(faults, fl_tp_fault),
	  { PROG(faults, fl_fe_fault) }, { PROG(faults, fl_kp_fault) }, { "filemap_fault" } },
	{ OBJ_FAULTS, "mm_filemap_map_pages", PROG(faults, fl_tp_map_pages),
	  { PROG(faults, fl_fe_map_pages) }, { PROG(faults, fl_kp_map_pages) },
	  { "filemap_map_pages" } },
	{ OBJ_PAGECACHE, "mm_filemap_add_to_page_cache", PROG(pagecache, fl_tp_insert),
	  { PROG(pagecache, fl_fe_insert) }, { PROG(pagecache, fl_kp_insert) },
	  { "__filemap_add_folio" } },
	{ OBJ_PAGECACHE, "mm_filemap_delete_from_page_cache", PROG(pagecache, fl_tp_delete),
	  { PROG(pagecache, fl_fe_delete), PROG(pagecache, fl_fe_delete_batch) },
	  { PROG(pagecache, fl_kp_delete), PROG(pagecache, fl_kp_delete_batch) },
	  { "__filemap_remove_folio", "delete_from_page_cache_batch" } },
	{ OBJ_IOMAP, "iomap_iter", PROG(iomap, fl_tp_iomap_iter),
	  { PROG(iomap, fl_fe_iomap_iter) }, { PROG(iomap, fl_kp_iomap_iter) }, { "iomap_iter" } },
	/* the kretprobe finds the iterator its entry kprobe kept */
	{ OBJ_IOMAP, "iomap_iter_dstmap", PROG(iomap, fl_tp_iomap_dstmap),
	  { PROG(iomap, fl_fx_iomap_map) },
	  { PROG(iomap, fl_kp_iomap_map_entry), PROG(iomap, fl_kr_iomap_map) }, { "iomap_iter" } },
};

/* What the plan and the attach order must know about other programs. */
enum {
	/*
	 * Ends what others begin: attached before them.  A lock taken while
	 * its release hook was not attached yet would be held forever in
	 * BPF's bookkeeping (and in user space's), an invalidation window
	 * opened without its sys_exit would never close.  Attached first,
	 * the worst a start-up race leaves is a release whose acquisition was
	 * not seen, which is counted.
	 */
	RULE_END = 1 << 0,
	/*
	 * Precise mode's grant records (locks.bpf.c) use the BPF atomic
	 * exchanges (5.12+).
	 */
	RULE_ATOMIC = 1 << 1,
	/* Only serves tmpfs and runs on every user fault / LRU add. */
	RULE_TMPFS = 1 << 2,
	/* Precise mode: a read acquisition a task's own record needs. */
	RULE_READER = 1 << 3,
	/*
	 * Precise mode: records read grants for all tasks' read holds and
	 * nothing else (no lock-order event): its skipped runs matter only
	 * where those records decide (fl_report_precise_skips_relevant).
	 */
	RULE_GRANT = 1 << 4,
	/*
	 * A job the insertion hook's tracepoint program does too
	 * (fl_tp_insert): loaded only where the insertion is hooked otherwise.
	 */
	RULE_INSERT_JOB = 1 << 5,
};

static const struct fl_prog_rule {
	int obj;
	size_t prog;		/* PROG() */
	unsigned int flags;	/* RULE_* */
	/*
	 * A tracepoint whose arguments changed between kernels: this program
	 * fits the form with @nargs arguments (bpf/fl_core_fixes.bpf.h).
	 */
	int nargs;
	/*
	 * Attached only after this program of the same object: the slow-path
	 * entry after its exit, or an entry granted and never left would be
	 * counted as a reader forever.
	 */
	size_t needs;
} prog_rules[] = {
#define RULE(o, p, ...) { .obj = (o), .prog = (p), __VA_ARGS__ }
	RULE(OBJ_FAULTS, PROG(faults, fl_tp_user_fault), .flags = RULE_TMPFS),
	RULE(OBJ_PAGECACHE, PROG(pagecache, fl_tp_lru_insert), .flags = RULE_TMPFS),
	RULE(OBJ_IOMAP, PROG(iomap, fl_tp_folio_use), .flags = RULE_INSERT_JOB),
	RULE(OBJ_INVAL, PROG(inval, fl_sys_exit_fallocate), .flags = RULE_END),
	RULE(OBJ_INVAL, PROG(inval, fl_sys_exit_ftruncate), .flags = RULE_END),
	RULE(OBJ_INVAL, PROG(inval, fl_sys_exit_truncate), .flags = RULE_END),
	RULE(OBJ_LOCKS, PROG(locks, fl_lk_up_read), .flags = RULE_END),
	RULE(OBJ_LOCKS, PROG(locks, fl_lk_up_write), .flags = RULE_END),
	/* the readers in the order precise_own names the first one missing */
	RULE(OBJ_LOCKS, PROG(locks, fl_lk_down_read), .flags = RULE_READER),
	RULE(OBJ_LOCKS, PROG(locks, fl_lk_down_read_killable), .flags = RULE_READER),
	RULE(OBJ_LOCKS, PROG(locks, fl_lk_down_read_intr), .flags = RULE_READER),
	RULE(OBJ_LOCKS, PROG(locks, fl_lk_down_read_trylock), .flags = RULE_READER),
	RULE(OBJ_LOCKS, PROG(locks, fl_lk_downgrade), .flags = RULE_END | RULE_READER),
	RULE(OBJ_LOCKS, PROG(locks, fl_lk_rd_slow_exit),
	     .flags = RULE_END | RULE_ATOMIC | RULE_GRANT),
	RULE(OBJ_LOCKS, PROG(locks, fl_lk_rd_slow_enter), .flags = RULE_ATOMIC | RULE_GRANT,
	     .needs = PROG(locks, fl_lk_rd_slow_exit)),
	RULE(OBJ_LOCKS, PROG(locks, fl_lk_wake_enter), .flags = RULE_ATOMIC | RULE_GRANT),
	RULE(OBJ_LOCKS, PROG(locks, fl_lk_wake_exit), .flags = RULE_ATOMIC | RULE_GRANT),
	RULE(OBJ_LOCKORDER, PROG(lockorder, fl_lo_xfs_iunlock), .flags = RULE_END),
	RULE(OBJ_LOCKORDER, PROG(lockorder, fl_lo_xfs_ilock_demote), .flags = RULE_END),
	RULE(OBJ_LOCKORDER, PROG(lockorder, fl_lo_jbd2_stats), .flags = RULE_END),
	RULE(OBJ_LOCKORDER, PROG(lockorder, fl_lo_mmap_start), .nargs = 2),
	RULE(OBJ_LOCKORDER, PROG(lockorder, fl_lo_mmap_start_memcg), .nargs = 3),
	RULE(OBJ_LOCKORDER, PROG(lockorder, fl_lo_mmap_acq), .nargs = 3),
	RULE(OBJ_LOCKORDER, PROG(lockorder, fl_lo_mmap_acq_memcg), .nargs = 4),
	RULE(OBJ_LOCKORDER, PROG(lockorder, fl_lo_mmap_rel), .flags = RULE_END, .nargs = 2),
	RULE(OBJ_LOCKORDER, PROG(lockorder, fl_lo_mmap_rel_memcg), .flags = RULE_END, .nargs = 3),
#undef RULE
};

/* @prog's row of prog_rules; @skel is the instance of object @obj it is of. */
static const struct fl_prog_rule *prog_rule(void *skel, int obj, const struct bpf_program *prog)
{
	for (size_t i = 0; i < ARRAY_SIZE(prog_rules); i++)
		if (prog_rules[i].obj == obj && prog_at(skel, prog_rules[i].prog) == prog)
			return &prog_rules[i];
	return NULL;
}

static unsigned int prog_flags(void *skel, int obj, const struct bpf_program *prog)
{
	const struct fl_prog_rule *r = prog_rule(skel, obj, prog);

	return r ? r->flags : 0;
}

static const char *const mode_names[] = {
	[FL_ATTACH_AUTO] = "auto", [FL_ATTACH_TP] = "tp",
	[FL_ATTACH_FENTRY] = "fentry", [FL_ATTACH_KPROBE] = "kprobe",
};

int fl_attach_mode_parse(const char *s, enum fl_attach_mode *mode)
{
	for (size_t i = 0; i < ARRAY_SIZE(mode_names); i++) {
		if (!strcmp(s, mode_names[i])) {
			*mode = i;
			return 0;
		}
	}
	return -EINVAL;
}

const char *fl_attach_mode_name(enum fl_attach_mode mode)
{
	return mode < ARRAY_SIZE(mode_names) ? mode_names[mode] : "?";
}

/*
 * libbpf's own lines only with -v (its debug output with -vv): faultline
 * says what failed in one line of its own, and libbpf's guesses (raise
 * RLIMIT_MEMLOCK, `ulimit -l`) mislead where capabilities or a locked
 * ftrace are the cause.
 */
static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level == LIBBPF_DEBUG && fl_verbose < 2)
		return 0;
	if (!fl_verbose)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

/* Where start-up time goes (the verifier, trampolines): said with -v. */
static void say_ms(const char *verb, const char *obj, uint64_t t0)
{
	if (fl_verbose)
		fprintf(stderr, "%s the %s BPF object in %.0f ms\n", verb, obj,
			(fl_now_ns() - t0) / 1e6);
}

static struct fl_attach_status *add_status(struct fl_loader *l, const char *prog,
					   const char *target, const char *status,
					   const char *why)
{
	struct fl_attach_status *s;

	if (l->nattach >= FL_MAX_ATTACH) {
		fl_warn("%s: not in the attach report (more than %d programs)", prog,
			FL_MAX_ATTACH);
		return NULL;
	}
	s = &l->attach[l->nattach++];
	snprintf(s->prog, sizeof(s->prog), "%s", prog);
	snprintf(s->target, sizeof(s->target), "%s", target);
	snprintf(s->status, sizeof(s->status), "%s", status);
	snprintf(s->why, sizeof(s->why), "%s", why);
	return s;
}

struct plan {
	enum fl_mech mech[ARRAY_SIZE(hooks)];
	const char *why[ARRAY_SIZE(hooks)];
	bool kprobe_obj[FL_NR_OBJS];
	bool can_fentry, can_kprobe;
	bool insert_tp;		/* the insertion is hooked at its tracepoint (fl_tp_insert) */
};

static bool funcs_exist(const struct fl_hook *h)
{
	for (int i = 0; i < 2; i++)
		if (h->func[i] && !fl_kernel_has_func(NULL, h->func[i]))
			return false;
	return true;
}

/* Choose a mechanism per hook; -EOPNOTSUPP when a forced mode is impossible. */
static int plan_hooks(const struct fl_loader_opts *o, struct plan *p)
{
	bool can_fentry = fl_kernel_can_fentry();
	bool can_kprobe = fl_kernel_can_kprobe();

	/* probe may still load what it cannot attach: the verifier's verdict */
	if (o->attach == FL_ATTACH_FENTRY && !can_fentry) {
		fl_err("--attach=fentry: this kernel does not allow fentry programs "
		       "(ftrace hooks locked, or no BPF trampolines)");
		if (!o->no_attach)
			return -EOPNOTSUPP;
	}
	if (o->precise && !can_fentry) {
		fl_err("--locks=precise: this kernel does not allow fentry programs, "
		       "which precise lock tracking needs");
		if (!o->no_attach)
			return -EOPNOTSUPP;
	}
	if (o->attach == FL_ATTACH_KPROBE && !can_kprobe) {
		fl_err("--attach=kprobe: this kernel has no kprobes (CONFIG_KPROBES)");
		if (!o->no_attach)
			return -EOPNOTSUPP;
	}
	memset(p, 0, sizeof(*p));
	p->can_fentry = can_fentry;
	p->can_kprobe = can_kprobe;
	for (size_t i = 0; i < ARRAY_SIZE(hooks); i++) {
		const struct fl_hook *h = &hooks[i];
		bool tp = fl_kernel_has_btf_tp(h->tp_target);
		bool funcs = funcs_exist(h);

		switch (o->attach) {
		case FL_ATTACH_TP:
			p->mech[i] = tp ? MECH_TP : MECH_NONE;
			p->why[i] = "tracepoint not in this kernel (--attach=tp)";
			break;
		case FL_ATTACH_FENTRY:
			p->mech[i] = funcs ? MECH_FENTRY : MECH_NONE;
			p->why[i] = "kernel function not in BTF";
			break;
		case FL_ATTACH_KPROBE:
			p->mech[i] = funcs && h->kprobe[0] ? MECH_KPROBE : MECH_NONE;
			p->why[i] = h->kprobe[0] ? "kernel function not in BTF" :
				    "no kprobe form for this hook";
			break;
		default:
			if (tp)
				p->mech[i] = MECH_TP;
			else if (funcs && can_fentry)
				p->mech[i] = MECH_FENTRY;
			else if (funcs && can_kprobe && h->kprobe[0])
				p->mech[i] = MECH_KPROBE;
			else
				p->mech[i] = MECH_NONE;
			p->why[i] = "no tracepoint, and no fentry/kprobe on this kernel";
			break;
		}
		if (p->mech[i] == MECH_KPROBE)
			p->kprobe_obj[h->obj] = true;
		if (h->tp == PROG(pagecache, fl_tp_insert))
			p->insert_tp = p->mech[i] == MECH_TP;
	}
	return 0;
}

/* Which form of hook @h @prog is, of the instance @skel; MECH_NONE: not of @h. */
static enum fl_mech hook_mech(void *skel, const struct fl_hook *h, const struct bpf_program *prog)
{
	if (prog == prog_at(skel, h->tp))
		return MECH_TP;
	for (int k = 0; k < 2; k++) {
		if (prog == prog_at(skel, h->fentry[k]))
			return MECH_FENTRY;
		if (prog == prog_at(skel, h->kprobe[k]))
			return MECH_KPROBE;
	}
	return MECH_NONE;
}

/*
 * A hook's program: loaded iff the plan chose its mechanism.  Returns
 * false when @prog belongs to no hook.
 */
static bool plan_hook_prog(struct fl_loader *l, int obj, const struct bpf_program *prog,
			   const char *label, const struct plan *p, bool *load)
{
	for (size_t i = 0; i < ARRAY_SIZE(hooks); i++) {
		enum fl_mech mech;

		if (hooks[i].obj != obj)
			continue;
		mech = hook_mech(l->skels[obj], &hooks[i], prog);
		if (mech == MECH_NONE)
			continue;
		*load = p->mech[i] == mech;
		/* a hook nothing can attach is reported once, on its tracepoint */
		if (p->mech[i] == MECH_NONE && mech == MECH_TP)
			add_status(l, bpf_program__name(prog), label, "missing", p->why[i]);
		return true;
	}
	return false;
}

/*
 * Any other program: loaded when its attach point exists (and is wanted).
 * @insert_tp: the insertion is hooked at its tracepoint.
 */
static bool plan_plain_prog(const struct fl_prog_rule *r, const char *sec, const char *target,
			    const struct fl_loader_opts *o, bool insert_tp, const char **status,
			    const char **why)
{
	bool exists;

	if (!strncmp(sec, "tp_btf/", 7)) {
		exists = fl_kernel_has_btf_tp(target);
		*why = "tracepoint not in this kernel";
	} else if (!strncmp(sec, "tracepoint/", 11)) {
		exists = fl_tracefs_has_event(target);
		*why = "tracepoint not in this kernel";
	} else {
		exists = fl_kernel_has_func(NULL, target);
		*why = "kernel function not in BTF";
	}
	*status = "missing";
	if (!exists)
		return false;
	if (r && r->nargs && fl_kernel_btf_tp_nargs(target) != r->nargs) {
		*status = "skipped";
		*why = "the kernel's tracepoint has another argument form";
		return false;
	}
	if (r && (r->flags & RULE_ATOMIC) && !fl_kernel_bpf_atomics()) {
		*status = "skipped";
		*why = "needs the BPF atomic exchanges (Linux 5.12+)";
		return false;
	}
	if (r && (r->flags & RULE_TMPFS) && !o->watch_tmpfs) {
		*status = "skipped";
		*why = "only needed when tmpfs is watched";
		return false;
	}
	if (r && (r->flags & RULE_INSERT_JOB) && insert_tp) {
		*status = "skipped";
		*why = "fl_tp_insert does its job on this tracepoint";
		return false;
	}
	*why = "";
	return true;
}

/*
 * probe loads what a forced mode asks for even where it cannot attach
 * (the verifier's verdict is still worth having): such a program is
 * "unattachable", not "planned", and probe fails.
 */
static const char *planned(struct fl_loader *l, const struct plan *p, const char *sec)
{
	const char *why = NULL;

	if ((!strncmp(sec, "fentry/", 7) || !strncmp(sec, "fexit/", 6)) && !p->can_fentry)
		why = "this kernel does not allow fentry programs";
	else if ((!strncmp(sec, "kprobe/", 7) || !strncmp(sec, "kretprobe/", 10)) && !p->can_kprobe)
		why = "this kernel has no kprobes";
	if (!why)
		return "planned";
	l->unattachable++;
	return why;
}

static void add_loaded(struct fl_loader *l, const struct plan *p,
		       const struct fl_loader_opts *o, const char *name, const char *label,
		       const char *sec, const char *why)
{
	const char *st;

	if (!o->no_attach) {
		add_status(l, name, label, "attached", why);
		return;
	}
	st = planned(l, p, sec);
	if (strcmp(st, "planned"))
		add_status(l, name, label, "unattachable", st);
	else
		add_status(l, name, label, "planned", why);
}

/* Autoload exactly the programs the plan chose, and say why for the rest. */
static void plan_object(struct fl_loader *l, int obj, const struct plan *p,
			const struct fl_loader_opts *o)
{
	struct bpf_program *prog;

	bpf_object__for_each_program(prog, l->objs[obj]) {
		const char *name = bpf_program__name(prog);
		const char *sec = bpf_program__section_name(prog);
		const char *slash = strchr(sec, '/');
		const char *target = slash ? slash + 1 : sec;
		const char *status, *why;
		char label[64];
		bool load = false;

		/* "target (mechanism)", e.g. "filemap_fault (fentry)" */
		snprintf(label, sizeof(label), "%s (%.*s)", target,
			 (int)(slash ? slash - sec : (long)strlen(sec)), sec);
		if (plan_hook_prog(l, obj, prog, label, p, &load)) {
			bpf_program__set_autoload(prog, load);
			if (load)
				add_loaded(l, p, o, name, label, sec, "");
			continue;
		}
		load = plan_plain_prog(prog_rule(l->skels[obj], obj, prog), sec, target, o,
				       p->insert_tp, &status, &why);
		bpf_program__set_autoload(prog, load);
		if (load)
			add_loaded(l, p, o, name, label, sec, why);
		else
			add_status(l, name, label, status, why);
	}
}

/*
 * The kretprobe's iterator map (fl_kp_iter) serves only the kprobe form of
 * iomap_iter_dstmap: created only when that form is loaded.
 */
static void plan_maps(struct fl_loader *l)
{
	struct fl_iomap *s = l->skels[OBJ_IOMAP];

	if (s)
		bpf_map__set_autocreate(s->maps.fl_kp_iter,
					bpf_program__autoload(s->progs.fl_kp_iomap_map_entry));
}

/* Object @i's shared maps are the first object's. */
static int share_maps(struct fl_loader *l, int i)
{
	struct bpf_map *from[FL_NR_SHARED], *to[FL_NR_SHARED];

	obj_descs[OBJ_PAGECACHE].shared(l->skels[OBJ_PAGECACHE], from);
	obj_descs[i].shared(l->skels[i], to);
	for (int k = 0; k < FL_NR_SHARED; k++) {
		int err = bpf_map__reuse_fd(to[k], bpf_map__fd(from[k]));

		if (err)
			return err;
	}
	return 0;
}

/* The .rodata configuration of an instance of object @i, before its load. */
static void configure(const struct fl_loader *l, int i, void *skel)
{
	const struct fl_loader_opts *o = &l->opts;
	struct fl_config cfg = {
		.filter_dev = o->ndevs > 0,
		.filter_pid = o->ntgids > 0,
		.emit_all = o->emit_all,
		.self_tgid = getpid(),
		.page_shift = __builtin_ctz(sysconf(_SC_PAGESIZE)),
		.precise = o->precise,
		.lock_order = o->lock_order,
		.precise_all = o->precise && !l->bpf_preempt,
	};

	obj_descs[i].configure(skel, &cfg, o->devs);
}

static int write_maps(struct fl_loader *l, const struct fl_loader_opts *o)
{
	struct fl_pagecache *s = pagecache(l);
	unsigned int nprotos;
	const struct fl_fs_proto *p = fl_fs_protos(&nprotos);
	__u8 one = 1;
	int err = 0;

	for (int i = 0; !err && i < o->ntgids; i++)
		err = bpf_map__update_elem(s->maps.fl_tgids, &o->tgids[i], sizeof(__u32), &one,
					   sizeof(one), BPF_ANY);
	for (unsigned int i = 0; !err && i < nprotos; i++)
		err = bpf_map__update_elem(s->maps.fl_fs_rules, &p[i].magic, sizeof(__u32),
					   &p[i].flags, sizeof(__u32), BPF_ANY);
	if (err)
		return err;
	return fl_loader_publish_rules(l);
}

int fl_loader_publish_rules(struct fl_loader *l)
{
	unsigned int nprotos;
	const struct fl_fs_proto *p = fl_fs_protos(&nprotos);
	__u32 key = FL_ARMED_RULES;
	__u64 any = 0;

	for (unsigned int i = 0; i < nprotos; i++)
		any |= p[i].flags;
	return bpf_map__update_elem(pagecache(l)->maps.fl_armed, &key, sizeof(key), &any,
				    sizeof(any), BPF_ANY);
}


/* A program attached only after another (prog_rules' needs): is that one? */
static bool attach_needs_met(struct fl_loader *l, void *skel, int obj,
			     const struct bpf_program *prog)
{
	const struct fl_prog_rule *r = prog_rule(skel, obj, prog);
	const char *name = bpf_program__name(prog), *needs;
	struct fl_attach_status *need, *me;

	if (!r || !r->needs)
		return true;
	needs = bpf_program__name(prog_at(skel, r->needs));
	need = fl_loader_row(l, needs);
	if (need && !strcmp(need->status, "attached"))
		return true;
	me = fl_loader_row(l, name);
	if (me) {
		snprintf(me->status, sizeof(me->status), "skipped");
		snprintf(me->why, sizeof(me->why), "%s is not attached", needs);
	}
	fl_warn("not attaching %s: %s is not attached", name, needs);
	return false;
}

/* A program that cannot attach lowers coverage; it is reported, not fatal. */
static void attach_one(struct fl_loader *l, struct bpf_program *prog)
{
	const char *name = bpf_program__name(prog);
	struct bpf_link *link = bpf_program__attach(prog);
	int err = errno;

	if (link && l->nlinks < FL_MAX_ATTACH) {
		l->links[l->nlinks++] = link;
		return;
	}
	for (int i = 0; i < l->nattach; i++) {
		if (strcmp(l->attach[i].prog, name))
			continue;
		snprintf(l->attach[i].status, sizeof(l->attach[i].status), "failed");
		snprintf(l->attach[i].why, sizeof(l->attach[i].why), "%s",
			 link ? "too many programs" : strerror(err));
	}
	fl_warn("cannot attach %s: %s", name, link ? "too many programs" : strerror(err));
	bpf_link__destroy(link);
}

/* An instance @skel of object @i: the programs that end something first. */
static void attach_object(struct fl_loader *l, int i, void *skel)
{
	struct bpf_program *prog;

	for (int pass = 0; pass < 2; pass++) {
		bpf_object__for_each_program(prog, obj_descs[i].obj(skel)) {
			bool end = prog_flags(skel, i, prog) & RULE_END;

			if (!bpf_program__autoload(prog) || end != (pass == 0) ||
			    !attach_needs_met(l, skel, i, prog))
				continue;
			attach_one(l, prog);
		}
	}
}

/*
 * Precise mode: may a task's own record decide "not me" (fl_precise_own)?
 * Only if every read acquisition was recorded: each hook attached, no
 * lockdep forms unhooked, and no program skipped because another task,
 * preempted inside it on the same CPU, held it busy.  Written once every
 * hook is attached, with the time from which a new task's record is
 * complete.
 */
static void precise_own(struct fl_loader *l)
{
	struct bpf_map *map = pagecache(l)->maps.fl_precise_ctl;
	struct fl_precise_ctl c = { 0 };
	struct fl_attach_status *st;
	__u32 zero = 0;

	l->own_why[0] = '\0';
	for (size_t i = 0; i < ARRAY_SIZE(prog_rules) && !l->own_why[0]; i++) {
		const char *name;

		if (!(prog_rules[i].flags & RULE_READER))
			continue;
		name = bpf_program__name(prog_at(l->skels[prog_rules[i].obj], prog_rules[i].prog));
		st = fl_loader_row(l, name);
		if (!st || strcmp(st->status, "attached"))
			snprintf(l->own_why, sizeof(l->own_why), "%s is not attached", name);
	}
	if (!l->own_why[0] && fl_kernel_rwsem_lockdep())
		snprintf(l->own_why, sizeof(l->own_why),
			 "a lockdep kernel (its _nested and _non_owner forms are not all hooked)");
	if (!l->own_why[0] && l->bpf_preempt)
		snprintf(l->own_why, sizeof(l->own_why), "%s",
			 l->bpf_preempt > 0 ?
			 "the kernel preempts BPF programs (a busy hook can be skipped)" :
			 "cannot tell whether the kernel preempts BPF programs");
	/*
	 * Stamped here, after the last attach: a task begun later took every
	 * hold through the hooks.  Not by the first program to look, which
	 * may run only after the workload's threads began (a watched file
	 * nobody touched yet) and would leave them all "old".
	 */
	if (!l->own_why[0] && fl_kernel_ktime_ns(&c.ready_ns))
		snprintf(l->own_why, sizeof(l->own_why), "cannot read the kernel's clock");
	c.own = !l->own_why[0];
	if (c.own && bpf_map__update_elem(map, &zero, sizeof(zero), &c, sizeof(c), BPF_ANY))
		snprintf(l->own_why, sizeof(l->own_why), "cannot set fl_precise_ctl");
	if (l->bpf_preempt)
		fl_warn("--locks=precise: %s, so a skipped hook could make the records "
			"lie: no record decides here, only the lock word does "
			"(readers' holds are counted unknown)%s",
			l->bpf_preempt > 0 ? "BPF programs are preemptible on this kernel" :
					     "cannot tell whether BPF programs are preemptible",
			l->opts.lock_order ? "; lock order takes nothing from the hooks either "
					     "(tracepoints and lock words, as without "
					     "--locks=precise)" : "");
	else if (l->own_why[0])
		fl_warn("--locks=precise: a task's own record does not decide here (%s); "
			"the lock word and all tasks' records do", l->own_why);
	else
		fl_info("--locks=precise: a task's own record decides from now "
			"(every read acquisition hooked, BPF programs not preempted)");
}

static int on_sample(void *ctx, void *data, size_t size)
{
	struct fl_loader *l = ctx;
	struct fl_event ev;

	/* FL_EVENT_HEAD without a stack, the whole event with one */
	if (size < FL_EVENT_HEAD)
		return 0;
	if (size > sizeof(ev))
		size = sizeof(ev);
	/* copied out: the slot is handed back to the kernel after the callback */
	memcpy(&ev, data, size);
	if (size < sizeof(ev))
		ev.nr_frames = 0;
	return l->fn(l->fn_ctx, &ev);
}

int fl_loader_open(struct fl_loader *l, const struct fl_loader_opts *o,
		   fl_event_fn fn, void *ctx)
{
	struct plan p;
	uint64_t t0;
	int err;

	memset(l, 0, sizeof(*l));
	l->counts_fd = -1;
	l->opts = *o;
	/*
	 * Before the objects are configured: where BPF programs can be
	 * preempted, no record of holds may decide.
	 */
	if (o->precise)
		l->bpf_preempt = fl_kernel_bpf_preemptible();
	libbpf_set_print(libbpf_print);
	/* before the plan: a module loaded after this is news, none is lost */
	if (!o->no_attach)
		l->late = fl_late_new();

	err = plan_hooks(o, &p);
	if (err)
		goto fail;
	for (int i = 0; i < FL_NR_OBJS; i++) {
		const struct fl_obj_desc *d = &obj_descs[i];

		if ((i == OBJ_LOCKS && !o->precise) || (i == OBJ_LOCKORDER && !o->lock_order))
			continue;
		l->skels[i] = d->open();
		if (!l->skels[i]) {
			err = -errno;
			fl_err("cannot open the %s BPF object: %s", d->name, strerror(-err));
			goto fail;
		}
		l->objs[i] = d->obj(l->skels[i]);
		configure(l, i, l->skels[i]);
		plan_object(l, i, &p, o);
	}
	plan_maps(l);
	fl_late_explain(l);
	if (o->ring_bytes)
		bpf_map__set_max_entries(pagecache(l)->maps.fl_events, o->ring_bytes);
	for (int i = 0; i < FL_NR_OBJS; i++) {
		if (!l->objs[i])
			continue;
		if (i != OBJ_PAGECACHE) {
			err = share_maps(l, i);
			if (err) {
				fl_err("cannot share maps with %s: %s", obj_descs[i].name,
				       strerror(-err));
				goto fail;
			}
		}
		t0 = fl_now_ns();
		err = obj_descs[i].load(l->skels[i]);
		if (err) {
			fl_err("cannot load the %s BPF object%s: %s%s%s", obj_descs[i].name,
			       p.kprobe_obj[i] ? " (kprobe programs)" : "", strerror(-err),
			       err != -EPERM ? "" : l->unattachable ?
			       " (this kernel refuses the programs asked for, see above)" :
			       " (need root / CAP_BPF and CAP_PERFMON)",
			       fl_verbose ? "" : "; -v shows libbpf's messages");
			goto fail;
		}
		say_ms("loaded", obj_descs[i].name, t0);
	}
	err = write_maps(l, o);
	if (err) {
		fl_err("cannot configure the BPF maps: %s", strerror(-err));
		goto fail;
	}
	l->counts_fd = bpf_map__fd(pagecache(l)->maps.fl_counts);
	l->ncpus = libbpf_num_possible_cpus();
	if (o->no_attach)
		return 0;

	l->fn = fn;
	l->fn_ctx = ctx;
	l->rb = ring_buffer__new(bpf_map__fd(pagecache(l)->maps.fl_events), on_sample, l, NULL);
	if (!l->rb) {
		err = -errno;
		fl_err("cannot set up the ring buffer: %s", strerror(-err));
		goto fail;
	}
	for (int i = 0; i < FL_NR_OBJS; i++) {
		if (!l->skels[i])
			continue;
		t0 = fl_now_ns();
		attach_object(l, i, l->skels[i]);
		say_ms("attached", obj_descs[i].name, t0);
	}
	/* from now on a release without its acquisition is no attach race */
	l->start_ns = fl_loader_arm(l);
	if (o->precise)
		precise_own(l);
	return 0;
fail:
	fl_loader_close(l);
	return err;
}

void fl_loader_close(struct fl_loader *l)
{
	for (int i = 0; i < l->nlinks; i++)
		bpf_link__destroy(l->links[i]);
	l->nlinks = 0;
	fl_late_free(l->late);
	l->late = NULL;
	ring_buffer__free(l->rb);
	l->rb = NULL;
	for (int i = FL_NR_OBJS - 1; i >= 0; i--) {
		if (l->skels[i])
			obj_descs[i].destroy(l->skels[i]);
		l->skels[i] = NULL;
		l->objs[i] = NULL;
	}
}

int fl_loader_poll(struct fl_loader *l, int timeout_ms)
{
	return ring_buffer__poll(l->rb, timeout_ms);
}

int fl_loader_counts(struct fl_loader *l, struct fl_counts slots[FL_MAX_SLOTS],
		     uint64_t *lost_per_cpu)
{
	struct fl_count_block *vals = calloc(l->ncpus, sizeof(*vals));
	__u32 zero = 0;

	if (!vals)
		return -ENOMEM;
	memset(slots, 0, sizeof(struct fl_counts) * FL_MAX_SLOTS);
	memset(lost_per_cpu, 0, l->ncpus * sizeof(*lost_per_cpu));
	if (bpf_map_lookup_elem(l->counts_fd, &zero, vals)) {
		int err = -errno;

		fl_warn("cannot read BPF's counters: %s", strerror(-err));
		free(vals);
		return err;
	}
	for (int cpu = 0; cpu < l->ncpus; cpu++) {
		for (__u32 s = 0; s < FL_MAX_SLOTS; s++) {
			const __u64 *c = &vals[cpu].c[s * FL_CNT_MAX];

			for (__u32 i = 0; i < FL_CNT_MAX; i++)
				slots[s].c[i] += c[i];
			lost_per_cpu[cpu] += c[FL_CNT_LOST];
		}
	}
	free(vals);
	return 0;
}

int fl_loader_slots(struct fl_loader *l, struct fl_slot_table *t, uint32_t *other, int max)
{
	struct bpf_map *tm = pagecache(l)->maps.fl_slot_table;
	struct bpf_map *om = pagecache(l)->maps.fl_other_magic;
	uint32_t zero = 0, key, next, *prev = NULL;
	int n = 0;

	memset(t, 0, sizeof(*t));
	if (bpf_map_lookup_elem(bpf_map__fd(tm), &zero, t))
		return -ENOENT;
	while (!bpf_map_get_next_key(bpf_map__fd(om), prev, &next)) {
		if (n < max)
			other[n++] = next;
		key = next;
		prev = &key;
	}
	return n;
}

int fl_loader_repeats(struct fl_loader *l, void (*fn)(void *ctx, const struct fl_seen_key *k,
						      uint64_t repeats), void *ctx)
{
	int fd = bpf_map__fd(pagecache(l)->maps.fl_seen);
	struct fl_seen_key key, next;
	struct fl_seen val;
	void *prev = NULL;

	if (fd < 0)
		return fd;
	while (!bpf_map_get_next_key(fd, prev, &next)) {
		if (!bpf_map_lookup_elem(fd, &next, &val) && val.repeats)
			fn(ctx, &next, val.repeats);
		key = next;
		prev = &key;
	}
	return 0;
}

int fl_loader_lo_counted(struct fl_loader *l, const struct fl_lo_counted_fns *fns, void *ctx)
{
	int efd = bpf_map__fd(pagecache(l)->maps.fl_lo_edges);
	int cfd = bpf_map__fd(pagecache(l)->maps.fl_lo_classes);
	struct fl_lo_edge_key ek, enext;
	struct fl_lo_class_key ck, cnext;
	struct fl_lo_class_count cc;
	void *prev = NULL;
	uint64_t n;

	if (efd < 0 || cfd < 0)
		return -ENOENT;
	while (!bpf_map_get_next_key(efd, prev, &enext)) {
		if (!bpf_map_lookup_elem(efd, &enext, &n) && n)
			fns->edge(ctx, &enext, n);
		ek = enext;
		prev = &ek;
	}
	prev = NULL;
	while (!bpf_map_get_next_key(cfd, prev, &cnext)) {
		if (!bpf_map_lookup_elem(cfd, &cnext, &cc))
			fns->cls(ctx, &cnext, &cc);
		ck = cnext;
		prev = &ck;
	}
	return 0;
}

bool fl_loader_extent_changes(void *ctx, uint64_t kaddr, const struct fl_inode_key *who,
			      uint64_t *n)
{
	struct fl_loader *l = ctx;
	struct fl_iomap *s = l->skels[OBJ_IOMAP];
	struct fl_extchg x;

	if (!s || bpf_map_lookup_elem(bpf_map__fd(s->maps.fl_extchg), &kaddr, &x))
		return false;
	/* inode memory is reused: another inode's sequences say nothing */
	if (x.inode.dev != who->dev || x.inode.ino != who->ino || x.inode.gen != who->gen ||
	    !(x.flags & FL_EXTCHG_SEQS))
		return false;
	*n = x.seqs;
	return true;
}

int fl_loader_self_cost(struct fl_loader *l, uint64_t *run_ns, uint64_t *runs)
{
	*run_ns = *runs = 0;
	for (int i = 0; i < FL_NR_OBJS; i++)
		if (l->objs[i])
			fl_loader_obj_cost(l->objs[i], run_ns, runs);
	fl_late_self_cost(l->late, run_ns, runs);
	return 0;
}

int fl_loader_precise_skipped(struct fl_loader *l, uint64_t *skipped, uint64_t *holds)
{
	struct bpf_program *prog;

	*skipped = *holds = 0;
	if (!l->objs[OBJ_LOCKS])
		return -1;
	bpf_object__for_each_program(prog, l->objs[OBJ_LOCKS]) {
		struct bpf_prog_info info = {};
		__u32 len = sizeof(info);

		if (!bpf_program__autoload(prog))
			continue;
		if (bpf_obj_get_info_by_fd(bpf_program__fd(prog), &info, &len))
			return -1;
		if (!info.recursion_misses)
			continue;
		fl_debug("--locks=precise: %s: %llu runs skipped by the kernel",
			 bpf_program__name(prog), (unsigned long long)info.recursion_misses);
		*skipped += info.recursion_misses;
		if (!(prog_flags(l->skels[OBJ_LOCKS], OBJ_LOCKS, prog) & RULE_GRANT))
			*holds += info.recursion_misses;
	}
	return 0;
}

/* ---- for loader_late.c ------------------------------------------------ */

struct fl_attach_status *fl_loader_row(struct fl_loader *l, const char *prog)
{
	for (int i = 0; i < l->nattach; i++)
		if (!strcmp(l->attach[i].prog, prog))
			return &l->attach[i];
	return NULL;
}

void fl_loader_obj_cost(struct bpf_object *obj, uint64_t *run_ns, uint64_t *runs)
{
	struct bpf_program *prog;

	bpf_object__for_each_program(prog, obj) {
		struct bpf_prog_info info = {};
		__u32 len = sizeof(info);

		if (!bpf_program__autoload(prog) ||
		    bpf_obj_get_info_by_fd(bpf_program__fd(prog), &info, &len))
			continue;
		*run_ns += info.run_time_ns;
		*runs += info.run_cnt;
	}
}

const char *fl_loader_obj_name(int i)
{
	return i >= 0 && i < FL_NR_OBJS ? obj_descs[i].name : NULL;
}

/* Another instance of object @i, opened and configured as the start's. */
void *fl_loader_reopen(const struct fl_loader *l, int i)
{
	void *skel = obj_descs[i].open();

	if (skel)
		configure(l, i, skel);
	return skel;
}

struct bpf_object *fl_loader_obj_of(int i, void *skel)
{
	return obj_descs[i].obj(skel);
}

int fl_loader_load(int i, void *skel)
{
	return obj_descs[i].load(skel);
}

void fl_loader_destroy(int i, void *skel)
{
	if (skel)
		obj_descs[i].destroy(skel);
}

bool fl_loader_plan_late(const struct fl_loader *l, int i, struct bpf_program *prog,
			 const char **status, const char **why)
{
	const char *sec = bpf_program__section_name(prog);
	const char *slash = strchr(sec, '/');
	bool insert_tp = false;

	for (int k = 0; k < l->nattach; k++)
		if (!strcmp(l->attach[k].prog, "fl_tp_insert"))
			insert_tp = !strcmp(l->attach[k].status, "attached");
	*status = NULL;
	/* the hooks' targets are the kernel's own functions and tracepoints */
	for (size_t h = 0; h < ARRAY_SIZE(hooks); h++)
		if (hooks[h].obj == i && hook_mech(l->skels[i], &hooks[h], prog) != MECH_NONE)
			return false;
	return plan_plain_prog(prog_rule(l->skels[i], i, prog), sec, slash ? slash + 1 : sec,
			       &l->opts, insert_tp, status, why);
}

void fl_loader_attach_late(struct fl_loader *l, int i, void *skel)
{
	attach_object(l, i, skel);
}

/*
 * From now on a release without its acquisition may be an attach race (a
 * lock taken before the hooks attached): counted as such for a second.
 */
uint64_t fl_loader_arm(struct fl_loader *l)
{
	uint64_t now = fl_now_ns();
	__u32 key = FL_ARMED_AT;

	bpf_map__update_elem(pagecache(l)->maps.fl_armed, &key, sizeof(key), &now, sizeof(now),
			     BPF_ANY);
	return now;
}

struct bpf_map *fl_loader_fs_rules(const struct fl_loader *l)
{
	return pagecache(l)->maps.fl_fs_rules;
}

/*
 * How full each map is, for a service that must not grow: the hash, LRU
 * and stack maps are walked key by key (a syscall per entry: for periodic
 * stats, not a hot path).  Arrays are full by construction, a ring buffer
 * and task storage cannot be walked: entries -1.  Maps the objects share
 * are counted once (by map id), the objects' own .rodata/.bss not at all.
 * The late instances (loader_late.c) have only the start's maps: nothing
 * more to count.
 */
int fl_loader_map_fill(struct fl_loader *l, struct fl_map_fill *out, int max)
{
	__u32 ids[FL_MAX_MAP_FILL];
	char key[256], next[256];
	int n = 0;

	for (int i = 0; i < FL_NR_OBJS; i++) {
		struct bpf_map *m;

		if (!l->objs[i])
			continue;
		bpf_object__for_each_map(m, l->objs[i]) {
			struct bpf_map_info info = {};
			__u32 len = sizeof(info);
			int fd = bpf_map__fd(m), k;
			void *prev = NULL;

			if (bpf_map__is_internal(m) || fd < 0 ||
			    bpf_obj_get_info_by_fd(fd, &info, &len))
				continue;
			for (k = 0; k < n && ids[k] != info.id; k++)
				;
			if (k < n || n == max || n == FL_MAX_MAP_FILL)
				continue;
			ids[n] = info.id;
			snprintf(out[n].name, sizeof(out[n].name), "%s", bpf_map__name(m));
			out[n].type = info.type;
			out[n].max_entries = info.max_entries;
			out[n].entries = -1;
			switch (info.type) {
			case BPF_MAP_TYPE_HASH:
			case BPF_MAP_TYPE_LRU_HASH:
			case BPF_MAP_TYPE_PERCPU_HASH:
			case BPF_MAP_TYPE_LRU_PERCPU_HASH:
			case BPF_MAP_TYPE_STACK_TRACE:
				if (info.key_size > sizeof(key))
					break;
				/*
				 * a key deleted under the walk restarts it from the
				 * first: a snapshot, bounded by the map's size
				 */
				out[n].entries = 0;
				while (out[n].entries < info.max_entries &&
				       !bpf_map_get_next_key(fd, prev, next)) {
					out[n].entries++;
					memcpy(key, next, info.key_size);
					prev = key;
				}
				break;
			default:
				break;
			}
			n++;
		}
	}
	return n;
}
