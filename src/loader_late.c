// SPDX-License-Identifier: GPL-2.0
/*
 * Hooks that come with a module loaded after the start (xfs, or ext4 and
 * jbd2 where they are modules): their tracepoints and functions did not
 * exist when the plan was made, so their programs were reported missing
 * and not loaded, and libbpf cannot add a program to an object already
 * loaded.  When such a module has loaded, a second instance of each object
 * that has programs for it is loaded with only those autoloaded, every one
 * of its maps the first instance's (bpf_map__reuse_fd before the load):
 * the same ring buffer, per-task and per-inode state, counters and
 * configuration, so the engine sees one stream.  They attach in the
 * start's order, the programs that end what others begin first.
 */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "faultline/events.h"
#include "kernel.h"
#include "loader_late.h"
#include "modwatch.h"
#include "rules.h"
#include "util.h"

/* instances of an object for a module: at most one per object and module */
#define FL_MAX_LATE	32

/* One object's programs for a module, in a second instance of it. */
struct late_obj {
	int i;				/* the object (loader.c's index) */
	void *skel;			/* the instance; NULL: why says why not */
	struct bpf_object *obj;		/* its object */
	const char *want[FL_MAX_ATTACH];	/* its programs to load (the first's names) */
	int want_idx[FL_MAX_ATTACH];	/* ... and places in the object */
	int n;
	int err;			/* the load's */
	uint64_t load_ns;
	char why[96];
};

/* A module's programs, loading in the background. */
struct late_job {
	char mod[FL_MODNAME_LEN];
	struct late_obj o[FL_NR_OBJS];
	int n;
	uint64_t found_ns, planned_ns;
	pthread_t tid;
	bool thread;
	atomic_bool done;
};

/* A loaded second instance of object @i. */
struct late_inst {
	int i;
	void *skel;
	struct bpf_object *obj;
};

struct fl_late {
	struct fl_modwatch *mw;
	struct late_inst objs[FL_MAX_LATE];
	int nobjs;
	struct late_job *job;		/* loading, or NULL */
};

struct fl_late *fl_late_new(void)
{
	struct fl_late *lt = calloc(1, sizeof(*lt));

	if (!lt)
		return NULL;
	lt->mw = fl_modwatch_new();
	if (!lt->mw) {
		free(lt);
		return NULL;
	}
	return lt;
}

void fl_late_free(struct fl_late *lt)
{
	if (!lt)
		return;
	if (lt->job) {
		if (lt->job->thread)
			pthread_join(lt->job->tid, NULL);
		for (int k = 0; k < lt->job->n; k++)
			fl_loader_destroy(lt->job->o[k].i, lt->job->o[k].skel);
		free(lt->job);
	}
	for (int i = 0; i < lt->nobjs; i++)
		fl_loader_destroy(lt->objs[i].i, lt->objs[i].skel);
	fl_modwatch_free(lt->mw);
	free(lt);
}

void fl_late_self_cost(const struct fl_late *lt, uint64_t *run_ns, uint64_t *runs)
{
	for (int i = 0; lt && i < lt->nobjs; i++)
		fl_loader_obj_cost(lt->objs[i].obj, run_ns, runs);
}

/*
 * The module a target would come with, named the way kernel.c looks it up:
 * the prefix of a function or BTF tracepoint ("xfs_ilock": xfs), the
 * category of a tracefs event.  @label is a row's "target (mechanism)".
 */
static bool label_module(const char *label, char mod[FL_MODNAME_LEN])
{
	const char *mech = strrchr(label, '(');
	size_t n;

	if (!mech)
		return false;
	n = strncmp(mech, "(tracepoint)", 12) ? strcspn(label, "_ ") : strcspn(label, "/ ");
	if (!n || n >= FL_MODNAME_LEN)
		return false;
	snprintf(mod, FL_MODNAME_LEN, "%.*s", (int)n, label);
	return true;
}

static void set_row(struct fl_attach_status *st, const char *status, const char *why)
{
	snprintf(st->status, sizeof(st->status), "%s", status);
	snprintf(st->why, sizeof(st->why), "%s", why);
}

static bool module_loaded(const char *mod)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/%s", FL_MODWATCH_DIR, mod);
	return !access(path, F_OK);
}

/* "kernel/fs/xfs/xfs.ko.xz: ..." names module xfs ('-' and '_' are one). */
static bool dep_line_names(const char *line, const char *mod)
{
	const char *colon = strchr(line, ':'), *base;
	size_t n = strlen(mod);

	if (!colon)
		return false;
	for (base = colon; base > line && base[-1] != '/'; base--)
		;
	if ((size_t)(colon - base) < n + 3 || strncmp(base + n, ".ko", 3))
		return false;
	for (size_t i = 0; i < n; i++) {
		char a = base[i] == '-' ? '_' : base[i], b = mod[i] == '-' ? '_' : mod[i];

		if (a != b)
			return false;
	}
	return true;
}

/* Which of @mods (not loaded) this kernel has as modules: modules.dep. */
static void modules_on_disk(char (*mods)[FL_MODNAME_LEN], bool *found, int n)
{
	char rel[128], path[256], line[1024];
	FILE *f;

	fl_kernel_release(rel, sizeof(rel));
	snprintf(path, sizeof(path), "/lib/modules/%s/modules.dep", rel);
	f = fopen(path, "re");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f))
		for (int i = 0; i < n; i++)
			if (!found[i] && dep_line_names(line, mods[i]))
				found[i] = true;
	fclose(f);
}

void fl_late_explain(struct fl_loader *l)
{
	char mods[8][FL_MODNAME_LEN], m[FL_MODNAME_LEN];
	bool found[8] = { false };
	int n = 0;

	for (int i = 0; i < l->nattach; i++) {
		int j;

		if (strcmp(l->attach[i].status, "missing") ||
		    !label_module(l->attach[i].target, m) || module_loaded(m))
			continue;
		for (j = 0; j < n && strcmp(mods[j], m); j++)
			;
		if (j == n && n < (int)ARRAY_SIZE(mods))
			memcpy(mods[n++], m, sizeof(m));
	}
	if (!n)
		return;
	modules_on_disk(mods, found, n);
	for (int i = 0; i < l->nattach; i++) {
		char why[sizeof(l->attach[i].why)];

		if (strcmp(l->attach[i].status, "missing") || !label_module(l->attach[i].target, m))
			continue;
		for (int j = 0; j < n; j++) {
			if (!found[j] || strcmp(mods[j], m))
				continue;
			snprintf(why, sizeof(why), "module %s not loaded: hooked if it loads "
				 "while faultline runs", m);
			set_row(&l->attach[i], "missing", why);
		}
	}
}

/*
 * Every map of @to is @from's, pairwise: both instances come from one ELF.
 * One the start did not create (a kprobe form's, not loaded) is not
 * created here either.
 */
static int reuse_maps(struct bpf_object *from, struct bpf_object *to)
{
	struct bpf_map *a = bpf_object__next_map(from, NULL);
	struct bpf_map *b = bpf_object__next_map(to, NULL);
	int err;

	for (; a && b; a = bpf_object__next_map(from, a), b = bpf_object__next_map(to, b)) {
		if (!bpf_map__autocreate(a)) {
			bpf_map__set_autocreate(b, false);
			continue;
		}
		if (bpf_map__type(a) != bpf_map__type(b) ||
		    bpf_map__key_size(a) != bpf_map__key_size(b) ||
		    bpf_map__value_size(a) != bpf_map__value_size(b))
			return -EINVAL;
		err = bpf_map__reuse_fd(b, bpf_map__fd(a));
		if (err)
			return err;
	}
	return a || b ? -EINVAL : 0;
}

static bool idx_listed(int idx, const int *list, int n)
{
	for (int i = 0; i < n; i++)
		if (list[i] == idx)
			return true;
	return false;
}

/*
 * Object @i's programs for module @mod that the start reported missing,
 * asked again; for those now loadable, a second instance to load them,
 * its maps the first's.  False when none is.
 */
static bool late_plan(struct fl_loader *l, int i, const char *mod, int room, struct late_obj *lo)
{
	struct bpf_program *prog;
	char m[FL_MODNAME_LEN], loading[128];
	int err, idx = 0;

	/* what the row says if tracing ends before the load does */
	snprintf(loading, sizeof(loading), "module %.24s loaded at +%.1f s: its programs were "
		 "still loading", mod, (fl_now_ns() - l->start_ns) / 1e9);
	memset(lo, 0, sizeof(*lo));
	lo->i = i;
	bpf_object__for_each_program(prog, l->objs[i]) {
		struct fl_attach_status *st = fl_loader_row(l, bpf_program__name(prog));
		const char *status, *why;

		idx++;
		if (!st || strcmp(st->status, "missing") || !label_module(st->target, m) ||
		    strcmp(m, mod))
			continue;
		if (fl_loader_plan_late(l, i, prog, &status, &why)) {
			if (lo->n < (int)ARRAY_SIZE(lo->want)) {
				lo->want_idx[lo->n] = idx - 1;
				lo->want[lo->n++] = bpf_program__name(prog);
			}
			set_row(st, "missing", loading);
		} else if (status) {
			/* not in the module either: the start's words again */
			set_row(st, status, why);
		}
	}
	if (!lo->n)
		return false;
	if (room <= 0) {
		snprintf(lo->why, sizeof(lo->why), "more than %d late instances", FL_MAX_LATE);
		return true;
	}
	lo->skel = fl_loader_reopen(l, i);
	if (!lo->skel) {
		snprintf(lo->why, sizeof(lo->why), "cannot open another instance: %s",
			 strerror(errno));
		return true;
	}
	lo->obj = fl_loader_obj_of(i, lo->skel);
	/* the same ELF: its programs come in the start's order */
	idx = 0;
	bpf_object__for_each_program(prog, lo->obj)
		bpf_program__set_autoload(prog, idx_listed(idx++, lo->want_idx, lo->n));
	err = reuse_maps(l->objs[i], lo->obj);
	if (err) {
		snprintf(lo->why, sizeof(lo->why), "cannot share the maps: %s", strerror(-err));
		fl_loader_destroy(i, lo->skel);
		lo->skel = NULL;
		lo->obj = NULL;
	}
	return true;
}

/*
 * The loads, off the live loop: libbpf relocates against the kernel's and
 * the modules' BTF and the verifier checks each program, which takes a
 * good part of a second on a host (and tens of seconds in an emulated
 * guest), all the while the ring buffer would not be drained.
 */
static void *late_load(void *arg)
{
	struct late_job *job = arg;

	for (int k = 0; k < job->n; k++) {
		uint64_t t = fl_now_ns();

		if (job->o[k].skel)
			job->o[k].err = fl_loader_load(job->o[k].i, job->o[k].skel);
		job->o[k].load_ns = fl_now_ns() - t;
	}
	atomic_store(&job->done, true);
	return NULL;
}

/* A new module: plan, and start loading what it made attachable. */
static void late_start(struct fl_loader *l, const char *mod)
{
	struct fl_late *lt = l->late;
	struct late_job *job = calloc(1, sizeof(*job));
	int room = FL_MAX_LATE - lt->nobjs;

	if (!job)
		return;
	snprintf(job->mod, sizeof(job->mod), "%s", mod);
	job->found_ns = fl_now_ns();
	/* a module loaded again may differ from the one seen before */
	fl_kernel_forget_module(mod);
	for (int i = 0; i < FL_NR_OBJS; i++) {
		if (!l->objs[i] || !late_plan(l, i, mod, room, &job->o[job->n]))
			continue;
		room -= job->o[job->n].obj != NULL;
		job->n++;
	}
	if (!job->n) {
		free(job);
		return;
	}
	job->planned_ns = fl_now_ns();
	lt->job = job;
	job->thread = !pthread_create(&job->tid, NULL, late_load, job);
	if (!job->thread)
		late_load(job);
}

/*
 * The protocol table depends on the kernel's functions, a module's too:
 * xfs 5.10..6.3 takes MMAPLOCK in ->map_pages (xfs_filemap_map_pages).
 * Asked again now; what it adds goes to BPF's copy as well.
 */
static void late_rules(struct fl_loader *l)
{
	struct bpf_map *map = fl_loader_fs_rules(l);
	uint32_t before[32];
	unsigned int n;
	const struct fl_fs_proto *p = fl_fs_protos(&n);

	if (n > ARRAY_SIZE(before))
		return;
	for (unsigned int i = 0; i < n; i++)
		before[i] = p[i].flags;
	fl_rules_init(fl_kernel_has_func, NULL);
	for (unsigned int i = 0; i < n; i++) {
		uint32_t added = p[i].flags & ~before[i], flags = 0;

		if (!added)
			continue;
		bpf_map__lookup_elem(map, &p[i].magic, sizeof(p[i].magic), &flags, sizeof(flags), 0);
		flags |= added;
		if (bpf_map__update_elem(map, &p[i].magic, sizeof(p[i].magic), &flags,
					 sizeof(flags), BPF_ANY))
			fl_warn("%s: cannot update the protocol BPF checks", p[i].name);
	}
	if (fl_loader_publish_rules(l))
		fl_warn("cannot tell BPF which rules the protocols have now");
}

/* One object's programs, loaded (or not): attached, and their rows say so. */
static int late_attach(struct fl_loader *l, struct late_obj *lo, const char *mod, double at)
{
	struct fl_late *lt = l->late;
	const char *status = "attached";
	char why[128];

	if (lo->obj && lo->err) {
		snprintf(lo->why, sizeof(lo->why), "cannot load its programs: %s",
			 strerror(-lo->err));
		fl_loader_destroy(lo->i, lo->skel);
		lo->skel = NULL;
		lo->obj = NULL;
	}
	if (lo->obj) {
		lt->objs[lt->nobjs++] = (struct late_inst){ lo->i, lo->skel, lo->obj };
		/* a name longer than this is no module of ours (xfs, ext4, jbd2) */
		snprintf(why, sizeof(why), "module %.24s loaded after the start: attached at "
			 "+%.1f s", mod, at);
	} else {
		status = "failed";
		snprintf(why, sizeof(why), "module %.24s loaded after the start: %.64s", mod,
			 lo->why);
		fl_warn("module %s: the %s programs for it: %s", mod, fl_loader_obj_name(lo->i),
			lo->why);
	}
	for (int k = 0; k < lo->n; k++) {
		struct fl_attach_status *st = fl_loader_row(l, lo->want[k]);

		set_row(st, status, why);
		st->late = true;
		st->late_s = at;
		snprintf(st->module, sizeof(st->module), "%s", mod);
	}
	/* the ends first; a failure makes its row "failed", with the reason */
	if (lo->obj)
		fl_loader_attach_late(l, lo->i, lo->skel);
	return lo->n;
}

/* The background load is done: attach, and say what changed. */
static int late_finish(struct fl_loader *l, char *module, size_t len)
{
	struct late_job *job = l->late->job;
	uint64_t now = fl_now_ns();
	double at = (now - l->start_ns) / 1e9;
	int changed = 0;

	if (job->thread)
		pthread_join(job->tid, NULL);
	l->late->job = NULL;
	fl_debug("module %s: %d objects' programs planned in %.2f s, loaded in %.2f s",
		 job->mod, job->n, (job->planned_ns - job->found_ns) / 1e9,
		 (now - job->planned_ns) / 1e9);
	for (int k = 0; k < job->n; k++) {
		fl_debug("module %s: %d %s programs loaded in %.2f s", job->mod, job->o[k].n,
			 fl_loader_obj_name(job->o[k].i), job->o[k].load_ns / 1e9);
		changed += late_attach(l, &job->o[k], job->mod, at);
	}
	/*
	 * From now on a release without its acquisition may be the new
	 * hooks' attach race (a lock taken before they attached): counted as
	 * such for a second, as at the start.  The rules first: BPF's copies
	 * of them (faults.bpf.c, fl_rules_cache) hold until the next stamp.
	 */
	late_rules(l);
	fl_loader_arm(l);
	snprintf(module, len, "%s", job->mod);
	free(job);
	return changed;
}

int fl_loader_late_poll(struct fl_loader *l, char *module, size_t len)
{
	char mod[FL_MODNAME_LEN];

	if (!l->late)
		return 0;
	if (l->late->job)
		return atomic_load(&l->late->job->done) ? late_finish(l, module, len) : 0;
	/* one module at a time; the next waits for this one's load */
	while (!l->late->job && fl_modwatch_next(l->late->mw, mod)) {
		l->modules_loaded++;
		late_start(l, mod);
	}
	return 0;
}
