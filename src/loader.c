// SPDX-License-Identifier: GPL-2.0
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "faultline/events.h"	/* types the skeletons' rodata uses */
#include "faults.skel.h"
#include "faults_kp.skel.h"
#include "inval.skel.h"
#include "iomap.skel.h"
#include "iomap_kp.skel.h"
#include "lockorder.skel.h"
#include "locks.skel.h"
#include "pagecache.skel.h"
#include "pagecache_kp.skel.h"

#include "kernel.h"
#include "loader.h"
#include "loader_late.h"
#include "rules.h"
#include "tracefs.h"
#include "util.h"

/*
 * One object per concern, each built twice: with BTF-typed programs
 * (tp_btf, fentry) and for kprobes (-DFL_KPROBE, probe reads).  The
 * pagecache object comes first: it creates the maps the others share.
 */
static const struct fl_obj_desc {
	const char *name;
	const void *(*elf)(size_t *sz);
	const void *(*elf_kp)(size_t *sz);
} obj_descs[FL_NR_OBJS] = {
	{ "pagecache", fl_pagecache__elf_bytes, fl_pagecache_kp__elf_bytes },
	{ "faults", fl_faults__elf_bytes, fl_faults_kp__elf_bytes },
	{ "inval", fl_inval__elf_bytes, NULL },
	{ "iomap", fl_iomap__elf_bytes, fl_iomap_kp__elf_bytes },
	/* loaded only for --locks=precise */
	{ "locks", fl_locks__elf_bytes, NULL },
	/* loaded only for --lock-order */
	{ "lockorder", fl_lockorder__elf_bytes, NULL },
};

enum fl_mech { MECH_NONE, MECH_TP, MECH_FENTRY, MECH_KPROBE };

/*
 * The hooks that have a function form besides their tracepoint.  A
 * tracepoint takes one program; a function form may need two (deletions
 * happen one by one and in truncation batches).
 */
static const struct fl_hook {
	const char *obj;
	const char *tp;		/* program */
	const char *tp_target;
	const char *fentry[2];
	const char *kprobe[2];
	const char *func[2];	/* kernel functions behind fentry/kprobe */
} hooks[] = {
	{ "faults", "fl_tp_fault", "mm_filemap_fault",
	  { "fl_fe_fault" }, { "fl_kp_fault" }, { "filemap_fault" } },
	{ "faults", "fl_tp_map_pages", "mm_filemap_map_pages",
	  { "fl_fe_map_pages" }, { "fl_kp_map_pages" }, { "filemap_map_pages" } },
	{ "pagecache", "fl_tp_insert", "mm_filemap_add_to_page_cache",
	  { "fl_fe_insert" }, { "fl_kp_insert" }, { "__filemap_add_folio" } },
	{ "pagecache", "fl_tp_delete", "mm_filemap_delete_from_page_cache",
	  { "fl_fe_delete", "fl_fe_delete_batch" }, { "fl_kp_delete", "fl_kp_delete_batch" },
	  { "__filemap_remove_folio", "delete_from_page_cache_batch" } },
	{ "iomap", "fl_tp_iomap_iter", "iomap_iter",
	  { "fl_fe_iomap_iter" }, { "fl_kp_iomap_iter" }, { "iomap_iter" } },
	/* the kretprobe finds the iterator its entry kprobe kept */
	{ "iomap", "fl_tp_iomap_dstmap", "iomap_iter_dstmap",
	  { "fl_fx_iomap_map" }, { "fl_kp_iomap_map_entry", "fl_kr_iomap_map" }, { "iomap_iter" } },
};

/*
 * Tracepoints whose arguments changed between kernels: each program fits
 * one form, known by its argument count (the mmap_lock events pass a memcg
 * path in 6.1 and 6.12, not in 6.18).
 */
static const struct tp_form {
	const char *prog;
	int nargs;
} tp_forms[] = {
	{ "fl_lo_mmap_start", 2 }, { "fl_lo_mmap_start_memcg", 3 },
	{ "fl_lo_mmap_acq", 3 }, { "fl_lo_mmap_acq_memcg", 4 },
	{ "fl_lo_mmap_rel", 2 }, { "fl_lo_mmap_rel_memcg", 3 },
};

/*
 * Precise mode's grant records (locks.bpf.c) use the BPF atomic exchanges
 * (5.12+).  Their slow-path entry is attached only after its exit: an
 * entry granted and never left would be counted as a reader forever.
 */
static const char *const atomic_progs[] = {
	"fl_lk_rd_slow_exit", "fl_lk_rd_slow_enter", "fl_lk_wake_enter", "fl_lk_wake_exit", NULL,
};

static const struct attach_need {
	const char *prog;
	const char *needs;
} attach_needs[] = {
	{ "fl_lk_rd_slow_enter", "fl_lk_rd_slow_exit" },
};

/* Programs that only serve tmpfs and run on every user fault / LRU add. */
static const char *const tmpfs_only[] = { "fl_tp_user_fault", "fl_tp_lru_insert", NULL };

static const char *const shared_maps[] = {
	"fl_events", "fl_counts", "fl_tgids", "fl_fs_rules", "fl_tasks", "fl_held",
	"fl_stackmap", "fl_seen", "fl_active", "fl_sem_readers", "fl_lo_tasks",
	"fl_lo_edges", "fl_lo_classes", "fl_armed", "fl_slot_table", "fl_slot_claim",
	"fl_other_magic", "fl_inval_stacks", "fl_inval_inodes", "fl_precise_ctl", "fl_own",
	"fl_inval_last", NULL,
};

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
			for (int j = 0; j < FL_NR_OBJS; j++)
				if (!strcmp(obj_descs[j].name, h->obj))
					p->kprobe_obj[j] = true;
	}
	return 0;
}

static bool name_in(const char *name, const char *const *list, int n)
{
	for (int i = 0; i < n; i++)
		if (list[i] && !strcmp(list[i], name))
			return true;
	return false;
}

/*
 * A hook's program: loaded iff the plan chose its mechanism.  Returns
 * false when @name belongs to no hook.
 */
static bool plan_hook_prog(struct fl_loader *l, const char *objname, const char *name,
			   const char *label, const struct plan *p, bool *load)
{
	for (size_t i = 0; i < ARRAY_SIZE(hooks); i++) {
		const struct fl_hook *h = &hooks[i];
		enum fl_mech mech;

		if (strcmp(h->obj, objname))
			continue;
		if (!strcmp(name, h->tp))
			mech = MECH_TP;
		else if (name_in(name, h->fentry, 2))
			mech = MECH_FENTRY;
		else if (name_in(name, h->kprobe, 2))
			mech = MECH_KPROBE;
		else
			continue;
		*load = p->mech[i] == mech;
		/* a hook nothing can attach is reported once, on its tracepoint */
		if (p->mech[i] == MECH_NONE && mech == MECH_TP)
			add_status(l, name, label, "missing", p->why[i]);
		return true;
	}
	return false;
}

/* Any other program: loaded when its attach point exists (and is wanted). */
static bool plan_plain_prog(const char *name, const char *sec, const char *target,
			    const struct fl_loader_opts *o, const char **status, const char **why)
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
	for (size_t i = 0; i < ARRAY_SIZE(tp_forms); i++) {
		if (strcmp(name, tp_forms[i].prog) ||
		    fl_kernel_btf_tp_nargs(target) == tp_forms[i].nargs)
			continue;
		*status = "skipped";
		*why = "the kernel's tracepoint has another argument form";
		return false;
	}
	if (name_in(name, atomic_progs, ARRAY_SIZE(atomic_progs)) && !fl_kernel_bpf_atomics()) {
		*status = "skipped";
		*why = "needs the BPF atomic exchanges (Linux 5.12+)";
		return false;
	}
	if (name_in(name, tmpfs_only, ARRAY_SIZE(tmpfs_only)) && !o->watch_tmpfs) {
		*status = "skipped";
		*why = "only needed when tmpfs is watched";
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
static void plan_object(struct fl_loader *l, struct bpf_object *obj, const char *objname,
			const struct plan *p, const struct fl_loader_opts *o)
{
	struct bpf_program *prog;

	bpf_object__for_each_program(prog, obj) {
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
		if (plan_hook_prog(l, objname, name, label, p, &load)) {
			bpf_program__set_autoload(prog, load);
			if (load)
				add_loaded(l, p, o, name, label, sec, "");
			continue;
		}
		load = plan_plain_prog(name, sec, target, o, &status, &why);
		bpf_program__set_autoload(prog, load);
		if (load)
			add_loaded(l, p, o, name, label, sec, why);
		else
			add_status(l, name, label, status, why);
	}
}

static int share_maps(struct bpf_object *from, struct bpf_object *to)
{
	for (const char *const *n = shared_maps; *n; n++) {
		struct bpf_map *src = bpf_object__find_map_by_name(from, *n);
		struct bpf_map *dst = bpf_object__find_map_by_name(to, *n);
		int err;

		if (!src || !dst)
			continue;
		err = bpf_map__reuse_fd(dst, bpf_map__fd(src));
		if (err)
			return err;
	}
	return 0;
}

/*
 * Set a variable of an object's .rodata before load, found by name in the
 * object's BTF: the objects differ in layout, the variables do not.
 */
static int set_rodata(struct bpf_object *obj, const char *var, const void *val, size_t len)
{
	const struct btf *btf = bpf_object__btf(obj);
	const struct btf_var_secinfo *vs;
	const struct btf_type *sec;
	struct bpf_map *map;
	size_t size;
	char *data = NULL;
	int id;

	bpf_object__for_each_map(map, obj) {
		const char *n = bpf_map__name(map);

		if (bpf_map__is_internal(map) && strlen(n) >= 7 && !strcmp(n + strlen(n) - 7, ".rodata"))
			/* writable until load, whatever libbpf's prototype says */
			data = (char *)bpf_map__initial_value(map, &size);
	}
	id = btf ? btf__find_by_name_kind(btf, ".rodata", BTF_KIND_DATASEC) : -1;
	if (!data || id < 0)
		return -ENOENT;
	sec = btf__type_by_id(btf, id);
	vs = btf_var_secinfos(sec);
	for (int i = 0; i < btf_vlen(sec); i++, vs++) {
		const struct btf_type *v = btf__type_by_id(btf, vs->type);

		if (strcmp(btf__name_by_offset(btf, v->name_off), var))
			continue;
		if (vs->size != len || vs->offset + len > size)
			return -EINVAL;
		memcpy(data + vs->offset, val, len);
		return 0;
	}
	return -ENOENT;
}

static int configure(struct bpf_object *obj, const struct fl_loader_opts *o)
{
	struct fl_config cfg = {
		.filter_dev = o->ndevs > 0,
		.filter_pid = o->ntgids > 0,
		.emit_all = o->emit_all,
		.self_tgid = getpid(),
		.page_shift = __builtin_ctz(sysconf(_SC_PAGESIZE)),
		.precise = o->precise,
		.lock_order = o->lock_order,
	};
	uint32_t devs[FL_MAX_DEVS] = { 0 };

	memcpy(devs, o->devs, sizeof(devs));
	return set_rodata(obj, "fl_cfg", &cfg, sizeof(cfg)) ?:
	       set_rodata(obj, "fl_watch_devs", devs, sizeof(devs));
}

static int write_maps(struct bpf_object *obj, const struct fl_loader_opts *o)
{
	unsigned int nprotos;
	const struct fl_fs_proto *p = fl_fs_protos(&nprotos);
	__u8 one = 1;
	int err = 0;

	for (int i = 0; !err && i < o->ntgids; i++)
		err = bpf_map__update_elem(bpf_object__find_map_by_name(obj, "fl_tgids"),
					   &o->tgids[i], sizeof(__u32), &one, sizeof(one), BPF_ANY);
	for (unsigned int i = 0; !err && i < nprotos; i++)
		err = bpf_map__update_elem(bpf_object__find_map_by_name(obj, "fl_fs_rules"),
					   &p[i].magic, sizeof(__u32), &p[i].flags,
					   sizeof(__u32), BPF_ANY);
	return err;
}

/*
 * Programs that end what others begin attach before them: a lock taken
 * while its release hook was not attached yet would be held forever in
 * BPF's bookkeeping (and in user space's), an invalidation window opened
 * without its sys_exit would never close.  Attached first, the worst a
 * start-up race leaves is a release whose acquisition was not seen, which
 * is counted.
 */
static const char *const ends[] = {
	"fl_lo_xfs_iunlock", "fl_lo_xfs_ilock_demote", "fl_lo_jbd2_stats", "fl_lo_mmap_rel",
	"fl_lo_mmap_rel_memcg", "fl_lk_up_read", "fl_lk_up_write", "fl_lk_downgrade",
	"fl_lk_rd_slow_exit", NULL,
};

static bool ends_something(const char *name)
{
	for (const char *const *e = ends; *e; e++)
		if (!strcmp(*e, name))
			return true;
	return !strncmp(name, "fl_sys_exit_", 12);
}

static struct fl_attach_status *attach_status(struct fl_loader *l, const char *prog)
{
	for (int i = 0; i < l->nattach; i++)
		if (!strcmp(l->attach[i].prog, prog))
			return &l->attach[i];
	return NULL;
}

/* A program attached only after another (attach_needs): is that one? */
static bool attach_needs_met(struct fl_loader *l, const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(attach_needs); i++) {
		struct fl_attach_status *need, *me;

		if (strcmp(attach_needs[i].prog, name))
			continue;
		need = attach_status(l, attach_needs[i].needs);
		if (need && !strcmp(need->status, "attached"))
			continue;
		me = attach_status(l, name);
		if (me) {
			snprintf(me->status, sizeof(me->status), "skipped");
			snprintf(me->why, sizeof(me->why), "%s is not attached",
				 attach_needs[i].needs);
		}
		fl_warn("not attaching %s: %s is not attached", name, attach_needs[i].needs);
		return false;
	}
	return true;
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

static void attach_object(struct fl_loader *l, struct bpf_object *obj)
{
	struct bpf_program *prog;

	for (int pass = 0; pass < 2; pass++) {
		bpf_object__for_each_program(prog, obj) {
			if (!bpf_program__autoload(prog) ||
			    ends_something(bpf_program__name(prog)) != (pass == 0) ||
			    !attach_needs_met(l, bpf_program__name(prog)))
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
 * hook is attached; the first program to see it stamps the time.
 */
static void precise_own(struct fl_loader *l)
{
	static const char *const readers[] = {
		"fl_lk_down_read", "fl_lk_down_read_killable", "fl_lk_down_read_intr",
		"fl_lk_down_read_trylock", "fl_lk_downgrade",
	};
	struct bpf_map *map = bpf_object__find_map_by_name(l->objs[0], "fl_precise_ctl");
	struct fl_precise_ctl c = { 0 };
	struct fl_attach_status *st;
	__u32 zero = 0;
	int pre;

	l->own_why[0] = '\0';
	for (size_t i = 0; i < ARRAY_SIZE(readers) && !l->own_why[0]; i++) {
		st = attach_status(l, readers[i]);
		if (!st || strcmp(st->status, "attached"))
			snprintf(l->own_why, sizeof(l->own_why), "%s is not attached", readers[i]);
	}
	if (!l->own_why[0] && fl_kernel_rwsem_lockdep())
		snprintf(l->own_why, sizeof(l->own_why),
			 "a lockdep kernel (its _nested and _non_owner forms are not all hooked)");
	if (!l->own_why[0] && (pre = fl_kernel_bpf_preemptible()))
		snprintf(l->own_why, sizeof(l->own_why), "%s",
			 pre > 0 ? "the kernel preempts BPF programs (a busy hook can be skipped)" :
				   "cannot tell whether the kernel preempts BPF programs");
	c.own = !l->own_why[0];
	if (c.own && (!map || bpf_map__update_elem(map, &zero, sizeof(zero), &c, sizeof(c),
						   BPF_ANY)))
		snprintf(l->own_why, sizeof(l->own_why), "cannot set fl_precise_ctl");
	if (l->own_why[0])
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

static struct bpf_object *open_object(const struct fl_obj_desc *d, bool kprobe)
{
	LIBBPF_OPTS(bpf_object_open_opts, opts, .object_name = d->name);
	size_t sz;
	const void *elf = (kprobe ? d->elf_kp : d->elf)(&sz);

	return bpf_object__open_mem(elf, sz, &opts);
}

int fl_loader_open(struct fl_loader *l, const struct fl_loader_opts *o,
		   fl_event_fn fn, void *ctx)
{
	uint64_t armed;
	__u32 zero = 0;
	struct plan p;
	int err;

	memset(l, 0, sizeof(*l));
	l->counts_fd = -1;
	l->opts = *o;
	libbpf_set_print(libbpf_print);
	/* before the plan: a module loaded after this is news, none is lost */
	if (!o->no_attach)
		l->late = fl_late_new();

	err = plan_hooks(o, &p);
	if (err)
		goto fail;
	memcpy(l->kprobe_obj, p.kprobe_obj, sizeof(l->kprobe_obj));
	for (int i = 0; i < FL_NR_OBJS; i++) {
		const struct fl_obj_desc *d = &obj_descs[i];

		if (!strcmp(d->name, "locks") && !o->precise)
			continue;
		if (!strcmp(d->name, "lockorder") && !o->lock_order)
			continue;
		l->objs[i] = open_object(d, p.kprobe_obj[i]);
		if (!l->objs[i]) {
			err = -errno;
			fl_err("cannot open the %s BPF object: %s", d->name, strerror(-err));
			goto fail;
		}
		err = configure(l->objs[i], o);
		if (err) {
			fl_err("cannot configure the %s BPF object: %s", d->name, strerror(-err));
			goto fail;
		}
		plan_object(l, l->objs[i], d->name, &p, o);
	}
	fl_late_explain(l);
	if (o->ring_bytes)
		bpf_map__set_max_entries(bpf_object__find_map_by_name(l->objs[0], "fl_events"),
					 o->ring_bytes);
	for (int i = 0; i < FL_NR_OBJS; i++) {
		if (!l->objs[i])
			continue;
		if (i > 0) {
			err = share_maps(l->objs[0], l->objs[i]);
			if (err) {
				fl_err("cannot share maps with %s: %s", obj_descs[i].name,
				       strerror(-err));
				goto fail;
			}
		}
		err = bpf_object__load(l->objs[i]);
		if (err) {
			fl_err("cannot load the %s BPF object%s: %s%s%s", obj_descs[i].name,
			       p.kprobe_obj[i] ? " (kprobe build)" : "", strerror(-err),
			       err != -EPERM ? "" : l->unattachable ?
			       " (this kernel refuses the programs asked for, see above)" :
			       " (need root / CAP_BPF and CAP_PERFMON)",
			       fl_verbose ? "" : "; -v shows libbpf's messages");
			goto fail;
		}
	}
	err = write_maps(l->objs[0], o);
	if (err) {
		fl_err("cannot configure the BPF maps: %s", strerror(-err));
		goto fail;
	}
	l->counts_fd = bpf_map__fd(bpf_object__find_map_by_name(l->objs[0], "fl_counts"));
	l->ncpus = libbpf_num_possible_cpus();
	if (o->no_attach)
		return 0;

	l->fn = fn;
	l->fn_ctx = ctx;
	l->rb = ring_buffer__new(bpf_map__fd(bpf_object__find_map_by_name(l->objs[0], "fl_events")),
				 on_sample, l, NULL);
	if (!l->rb) {
		err = -errno;
		fl_err("cannot set up the ring buffer: %s", strerror(-err));
		goto fail;
	}
	for (int i = 0; i < FL_NR_OBJS; i++)
		if (l->objs[i])
			attach_object(l, l->objs[i]);
	/* from now on a release without its acquisition is no attach race */
	armed = fl_now_ns();
	bpf_map__update_elem(bpf_object__find_map_by_name(l->objs[0], "fl_armed"), &zero,
			     sizeof(zero), &armed, sizeof(armed), BPF_ANY);
	l->start_ns = armed;
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
		bpf_object__close(l->objs[i]);
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
	uint64_t *vals = calloc(l->ncpus, sizeof(*vals));

	if (!vals)
		return -ENOMEM;
	memset(slots, 0, sizeof(struct fl_counts) * FL_MAX_SLOTS);
	memset(lost_per_cpu, 0, l->ncpus * sizeof(*lost_per_cpu));
	for (__u32 s = 0; s < FL_MAX_SLOTS; s++) {
		for (__u32 c = 0; c < FL_CNT_MAX; c++) {
			__u32 idx = s * FL_CNT_MAX + c;

			if (bpf_map_lookup_elem(l->counts_fd, &idx, vals))
				continue;
			for (int cpu = 0; cpu < l->ncpus; cpu++) {
				slots[s].c[c] += vals[cpu];
				if (c == FL_CNT_LOST)
					lost_per_cpu[cpu] += vals[cpu];
			}
		}
	}
	free(vals);
	return 0;
}

int fl_loader_slots(struct fl_loader *l, struct fl_slot_table *t, uint32_t *other, int max)
{
	struct bpf_map *tm = bpf_object__find_map_by_name(l->objs[0], "fl_slot_table");
	struct bpf_map *om = bpf_object__find_map_by_name(l->objs[0], "fl_other_magic");
	uint32_t zero = 0, key, next, *prev = NULL;
	int n = 0;

	memset(t, 0, sizeof(*t));
	if (!tm || !om || bpf_map_lookup_elem(bpf_map__fd(tm), &zero, t))
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
	int fd = bpf_map__fd(bpf_object__find_map_by_name(l->objs[0], "fl_seen"));
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
	int efd = bpf_map__fd(bpf_object__find_map_by_name(l->objs[0], "fl_lo_edges"));
	int cfd = bpf_map__fd(bpf_object__find_map_by_name(l->objs[0], "fl_lo_classes"));
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
	struct bpf_map *m = l->objs[3] ? bpf_object__find_map_by_name(l->objs[3], "fl_extchg") : NULL;
	struct fl_extchg x;

	if (!m || bpf_map_lookup_elem(bpf_map__fd(m), &kaddr, &x))
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
	for (int i = 0; i < FL_NR_OBJS; i++) {
		struct bpf_program *prog;

		if (!l->objs[i])
			continue;
		bpf_object__for_each_program(prog, l->objs[i]) {
			struct bpf_prog_info info = {};
			__u32 len = sizeof(info);

			if (!bpf_program__autoload(prog) ||
			    bpf_obj_get_info_by_fd(bpf_program__fd(prog), &info, &len))
				continue;
			*run_ns += info.run_time_ns;
			*runs += info.run_cnt;
		}
	}
	fl_late_self_cost(l->late, run_ns, runs);
	return 0;
}

/* ---- for loader_late.c ------------------------------------------------ */

const char *fl_loader_obj_name(int i)
{
	return i >= 0 && i < FL_NR_OBJS ? obj_descs[i].name : NULL;
}

/* Another instance of object @i, opened and configured as the start's. */
struct bpf_object *fl_loader_reopen(const struct fl_loader *l, int i)
{
	struct bpf_object *obj = open_object(&obj_descs[i], l->kprobe_obj[i]);
	int err;

	if (!obj)
		return NULL;
	err = configure(obj, &l->opts);
	if (err) {
		bpf_object__close(obj);
		errno = -err;
		return NULL;
	}
	return obj;
}

bool fl_loader_plan_late(const struct fl_loader *l, int i, struct bpf_program *prog,
			 const char **status, const char **why)
{
	const char *name = bpf_program__name(prog), *sec = bpf_program__section_name(prog);
	const char *slash = strchr(sec, '/');

	*status = NULL;
	/* the hooks' targets are the kernel's own functions and tracepoints */
	for (size_t h = 0; h < ARRAY_SIZE(hooks); h++)
		if (!strcmp(hooks[h].obj, obj_descs[i].name) &&
		    (!strcmp(name, hooks[h].tp) || name_in(name, hooks[h].fentry, 2) ||
		     name_in(name, hooks[h].kprobe, 2)))
			return false;
	return plan_plain_prog(name, sec, slash ? slash + 1 : sec, &l->opts, status, why);
}

void fl_loader_attach_late(struct fl_loader *l, struct bpf_object *obj)
{
	attach_object(l, obj);
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
