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
#include "inval.skel.h"
#include "iomap.skel.h"
#include "pagecache.skel.h"

#include "kernel.h"
#include "loader.h"
#include "rules.h"
#include "tracefs.h"
#include "util.h"

/* Programs that only serve tmpfs and run on every user fault / LRU add. */
static const char *const tmpfs_only[] = { "fl_tp_user_fault", "fl_tp_lru_insert", NULL };

static const char *const shared_maps[] = {
	"fl_events", "fl_counts", "fl_tgids", "fl_fs_rules", "fl_tasks", NULL,
};

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level == LIBBPF_DEBUG && fl_verbose < 2)
		return 0;
	if (level == LIBBPF_INFO && !fl_verbose)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

static bool is_tmpfs_only(const char *prog)
{
	for (const char *const *p = tmpfs_only; *p; p++)
		if (!strcmp(*p, prog))
			return true;
	return false;
}

static struct fl_attach_status *add_status(struct fl_loader *l, const char *prog,
					   const char *target, const char *status,
					   const char *why)
{
	struct fl_attach_status *s;

	if (l->nattach >= FL_MAX_ATTACH)
		return NULL;
	s = &l->attach[l->nattach++];
	snprintf(s->prog, sizeof(s->prog), "%s", prog);
	snprintf(s->target, sizeof(s->target), "%s", target);
	snprintf(s->status, sizeof(s->status), "%s", status);
	snprintf(s->why, sizeof(s->why), "%s", why);
	return s;
}

/*
 * Decide for each program of @obj whether to load it: its tracepoint must
 * exist on this kernel, and tmpfs-only programs need tmpfs to be watched.
 */
static void plan_object(struct fl_loader *l, struct bpf_object *obj,
			const struct fl_loader_opts *o)
{
	struct bpf_program *prog;

	bpf_object__for_each_program(prog, obj) {
		const char *name = bpf_program__name(prog);
		const char *sec = bpf_program__section_name(prog);
		const char *target = strchr(sec, '/') ? strchr(sec, '/') + 1 : sec;
		bool ok;

		if (!strncmp(sec, "tp_btf/", 7))
			ok = fl_kernel_has_btf_tp(target);
		else if (!strncmp(sec, "tracepoint/", 11))
			ok = fl_tracefs_has_event(target);
		else
			ok = true;

		if (!ok) {
			bpf_program__set_autoload(prog, false);
			add_status(l, name, target, "missing", "tracepoint not in this kernel");
		} else if (is_tmpfs_only(name) && !o->watch_tmpfs) {
			bpf_program__set_autoload(prog, false);
			add_status(l, name, target, "skipped", "only needed when tmpfs is watched");
		} else {
			add_status(l, name, target, o->no_attach ? "planned" : "attached", "");
		}
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

static void config_of(const struct fl_loader_opts *o, struct fl_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->filter_dev = o->ndevs > 0;
	cfg->filter_pid = o->ntgids > 0;
	cfg->emit_all = o->emit_all;
	cfg->self_tgid = getpid();
	cfg->page_shift = __builtin_ctz(sysconf(_SC_PAGESIZE));
}

/* Read-only data: set in every object before it is loaded. */
#define SET_RODATA(skel, cfg, o)						\
	do {									\
		(skel)->rodata->fl_cfg = *(cfg);				\
		for (int i_ = 0; i_ < (o)->ndevs && i_ < FL_MAX_SLOTS - 1; i_++)\
			(skel)->rodata->fl_watch_devs[i_] = (o)->devs[i_];	\
	} while (0)

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

/* A program that cannot attach lowers coverage; it is reported, not fatal. */
static void attach_object(struct fl_loader *l, struct bpf_object *obj)
{
	struct bpf_program *prog;

	bpf_object__for_each_program(prog, obj) {
		const char *name = bpf_program__name(prog);
		struct bpf_link *link;

		if (!bpf_program__autoload(prog))
			continue;
		link = bpf_program__attach(prog);
		if (link && l->nlinks < FL_MAX_ATTACH) {
			l->links[l->nlinks++] = link;
			continue;
		}
		for (int i = 0; i < l->nattach; i++) {
			if (strcmp(l->attach[i].prog, name))
				continue;
			snprintf(l->attach[i].status, sizeof(l->attach[i].status), "failed");
			snprintf(l->attach[i].why, sizeof(l->attach[i].why), "%s",
				 link ? "too many programs" : strerror(errno));
		}
		fl_warn("cannot attach %s: %s", name, link ? "too many programs" : strerror(errno));
		bpf_link__destroy(link);
	}
}

static int on_sample(void *ctx, void *data, size_t size)
{
	struct fl_loader *l = ctx;
	struct fl_event ev;

	if (size < sizeof(ev))
		return 0;
	/* copied out: the slot is handed back to the kernel after the callback */
	memcpy(&ev, data, sizeof(ev));
	return l->fn(l->fn_ctx, &ev);
}

int fl_loader_open(struct fl_loader *l, const struct fl_loader_opts *o,
		   fl_event_fn fn, void *ctx)
{
	struct bpf_object *objs[4];
	const char *names[4] = { "pagecache", "faults", "inval", "iomap" };
	struct fl_config cfg;
	int err;

	memset(l, 0, sizeof(*l));
	l->counts_fd = -1;
	libbpf_set_print(libbpf_print);

	l->pagecache = fl_pagecache__open();
	l->faults = fl_faults__open();
	l->inval = fl_inval__open();
	l->iomap = fl_iomap__open();
	if (!l->pagecache || !l->faults || !l->inval || !l->iomap) {
		err = -errno;
		fl_err("cannot open the BPF objects: %s", strerror(-err));
		goto fail;
	}
	objs[0] = l->pagecache->obj;
	objs[1] = l->faults->obj;
	objs[2] = l->inval->obj;
	objs[3] = l->iomap->obj;

	if (o->ring_bytes)
		bpf_map__set_max_entries(l->pagecache->maps.fl_events, o->ring_bytes);
	config_of(o, &cfg);
	SET_RODATA(l->pagecache, &cfg, o);
	SET_RODATA(l->faults, &cfg, o);
	SET_RODATA(l->inval, &cfg, o);
	SET_RODATA(l->iomap, &cfg, o);
	for (int i = 0; i < 4; i++)
		plan_object(l, objs[i], o);

	for (int i = 0; i < 4; i++) {
		if (i > 0) {
			err = share_maps(objs[0], objs[i]);
			if (err) {
				fl_err("cannot share maps with %s: %s", names[i], strerror(-err));
				goto fail;
			}
		}
		err = bpf_object__load(objs[i]);
		if (err) {
			fl_err("cannot load the %s BPF object: %s%s", names[i], strerror(-err),
			       err == -EPERM ? " (need root / CAP_BPF and CAP_PERFMON)" : "");
			goto fail;
		}
	}
	err = write_maps(objs[0], o);
	if (err) {
		fl_err("cannot configure the BPF maps: %s", strerror(-err));
		goto fail;
	}
	l->counts_fd = bpf_map__fd(l->pagecache->maps.fl_counts);
	l->ncpus = libbpf_num_possible_cpus();
	if (o->no_attach)
		return 0;

	l->fn = fn;
	l->fn_ctx = ctx;
	l->rb = ring_buffer__new(bpf_map__fd(l->pagecache->maps.fl_events), on_sample,
				 l, NULL);
	if (!l->rb) {
		err = -errno;
		fl_err("cannot set up the ring buffer: %s", strerror(-err));
		goto fail;
	}
	for (int i = 0; i < 4; i++)
		attach_object(l, objs[i]);
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
	ring_buffer__free(l->rb);
	l->rb = NULL;
	fl_iomap__destroy(l->iomap);
	fl_inval__destroy(l->inval);
	fl_faults__destroy(l->faults);
	fl_pagecache__destroy(l->pagecache);
	l->iomap = NULL;
	l->inval = NULL;
	l->faults = NULL;
	l->pagecache = NULL;
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
