// SPDX-License-Identifier: GPL-2.0
/*
 * flfloor: faultline's BPF cost per hook, next to the floor, in one run.
 *
 *   faultline check [...] -- flfloor [-p PID] [-P PEER [-H KIND:TARGET]...] [-o FILE]
 *                                      [-l LABEL] [-w HOOKS] -- CMD [ARG...]
 *   flfloor -e HOOKS -- CMD [ARG...]
 *
 * Run as the command of `faultline check`, it finds the BPF links faultline
 * (PID, default the parent) holds, from /proc/PID/fdinfo, and attaches to
 * each hook they attach to an empty program of the same kind (bpf/floor.bpf.c:
 * tp_btf, raw_tp, fentry, fexit, classic tracepoint, kprobe/kretprobe).  It
 * turns on the kernel's BPF run-time statistics, runs CMD, and reads every
 * program's run count and run time before and after it.  Both sets of
 * programs see the same events of the same workload in the same run, so the
 * empty program's ns per run is the floor for that hook on this machine at
 * this moment, and faultline's ns per run over it is the ratio that means
 * something across machines (issue 12).  Beside it, a program that only
 * counts its event in a per-CPU array (the count floor): what any tool that
 * says how many events it saw pays at the least, measured the same way.
 *
 * FILE (default stdout) gets a markdown table: one row per faultline program
 * that ran (program, hook, runs, ns per run, share of faultline's BPF time,
 * the floor's runs and ns per run on that hook, the ratio, the count floor's
 * ns per run and the ratio to it), the total, and
 * the hooks it could not put a floor on.  -P PEER: the same for the programs
 * of another tracer already running (bench.sh: a bpftrace one-liner that
 * counts), in a second table, its hooks given floors of their own kind.
 * A peer that attached with the perf_event ioctl (bpftrace 0.17) holds no
 * link to name its hooks: -H names them (kinds as in the table, e.g.
 * tracepoint:filemap/mm_filemap_fault); a program whose name is the start of
 * exactly one of those events' names is put on it, the others are held
 * against the floor over all of them together.  CMD's stdout and stderr are left
 * alone.  Exit status: CMD's (128 + signal if it was killed); 1 when the
 * statistics cannot be turned on, no faultline link is found, or CMD cannot
 * be started.  Not part of faultline: a bench tool (tests/bench/bench.sh,
 * tests/bench/guest/lockcost.sh).
 *
 * -w HOOKS writes faultline's hooks to HOOKS, one KIND:TARGET a line.
 * -e HOOKS is the floor alone, for wall-clock pairs: with no faultline
 * running, it attaches only the empty programs, to the hooks in HOOKS,
 * leaves the statistics off (they cost every run two clock reads) and runs
 * CMD.  A hook it cannot put its program on is an error: the leg would
 * otherwise measure less than it says.
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <glob.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "floor.skel.h"
#include "util.h"

#define MAX_PROGS 256
#define NAME_LEN 128
#define TARGET_LEN (2 * NAME_LEN + 2)	/* category/name */

/*
 * struct bpf_link_info's perf_event arm (Linux 6.6), which the uapi header
 * this is built against (Debian 12: 6.1) does not have yet.
 */
struct perf_link_info {
	uint32_t type, id, prog_id, pad;
	uint32_t perf_type, pad2;
	union {
		struct {
			uint64_t func_name;
			uint32_t name_len, offset;
		} kprobe;
		struct {
			uint64_t tp_name;
			uint32_t name_len, pad;
		} tracepoint;
	};
};
#define PERF_EVENT_KPROBE 3	/* enum bpf_perf_event_type */
#define PERF_EVENT_KRETPROBE 4
#define PERF_EVENT_TRACEPOINT 5
#define LINK_TYPE_PERF_EVENT 7	/* BPF_LINK_TYPE_PERF_EVENT */

/* A floor program on a hook, and its statistics before and after CMD. */
struct floor {
	struct fl_floor *skel;	/* NULL when there is none */
	struct bpf_link *link;
	uint64_t runs[2], ns[2], miss[2];
};

enum { EMPTY, COUNT, NFLOORS };
static const char *const floor_names[NFLOORS] = { "floor", "count floor" };

/* A hook: the kind of program and its target, e.g. "tp_btf" "xfs_ilock". */
struct hook {
	char kind[16];
	char target[TARGET_LEN];
	struct floor fl[NFLOORS];	/* the empty program, the counting one */
	char why[NAME_LEN];	/* why there is no empty one */
	bool given;		/* -H: a peer's hook, given on the command line */
};

struct prog {
	uint32_t id;
	int fd;
	char name[BPF_OBJ_NAME_LEN];
	int hook;		/* index into hooks */
	int owner;		/* 0: faultline (-p), 1: the peer (-P) */
	uint64_t runs[2], ns[2], miss[2];
};

static struct hook hooks[MAX_PROGS];
static int nhooks;
static struct prog progs[MAX_PROGS];
static int nprogs;
static struct btf *vmlinux_btf;

static int usage(void)
{
	fprintf(stderr, "usage: flfloor [-p PID] [-P PEER [-H KIND:TARGET]...] [-o FILE] [-l LABEL] [-w HOOKS] -- CMD [ARG...]\n"
			"       flfloor -e HOOKS -- CMD [ARG...]\n");
	return 2;
}

/* The name of a BTF type of the kernel or of one of its modules. */
static int btf_name(uint32_t obj_id, uint32_t type_id, char *out, size_t len)
{
	struct btf *btf = vmlinux_btf, *mod = NULL;
	const struct btf_type *t;

	if (type_id >= btf__type_cnt(vmlinux_btf)) {
		mod = btf__load_from_kernel_by_id_split(obj_id, vmlinux_btf);
		if (!mod)
			return -errno;
		btf = mod;
	}
	t = btf__type_by_id(btf, type_id);
	if (t)
		snprintf(out, len, "%s", btf__name_by_offset(btf, t->name_off));
	btf__free(mod);
	return t ? 0 : -ENOENT;
}

/* A classic tracepoint's category, from tracefs: perf links name only the event. */
static int tp_category(const char *name, char *out, size_t len)
{
	static const char *const roots[] = { "/sys/kernel/tracing/events",
					     "/sys/kernel/debug/tracing/events" };
	char pat[PATH_MAX];
	glob_t g;

	for (size_t i = 0; i < sizeof(roots) / sizeof(roots[0]); i++) {
		snprintf(pat, sizeof(pat), "%s/*/%s", roots[i], name);
		if (glob(pat, 0, NULL, &g) || g.gl_pathc != 1) {
			globfree(&g);
			continue;
		}
		/* .../events/CATEGORY/NAME */
		*strrchr(g.gl_pathv[0], '/') = '\0';
		snprintf(out, len, "%s", strrchr(g.gl_pathv[0], '/') + 1);
		globfree(&g);
		return 0;
	}
	return -ENOENT;
}

/* Kind and target of link LINK_ID; its program's id in *prog_id. */
static int link_hook(uint32_t link_id, uint32_t *prog_id, char *kind, char *target)
{
	union {
		struct bpf_link_info l;
		struct perf_link_info p;
		char room[256];
	} info;
	struct bpf_prog_info pi;
	uint32_t len = sizeof(info), plen = sizeof(pi);
	char name[NAME_LEN] = "", cat[NAME_LEN];
	int fd, pfd, err;

	fd = bpf_link_get_fd_by_id(link_id);
	if (fd < 0)
		return -errno;
	/*
	 * Twice: the arms put their name pointers in different places, and a
	 * pointer without a length is refused; the first call gives the type.
	 */
	memset(&info, 0, sizeof(info));
	err = bpf_obj_get_info_by_fd(fd, &info, &len);
	if (!err && info.l.type == BPF_LINK_TYPE_RAW_TRACEPOINT) {
		info.l.raw_tracepoint.tp_name = (uintptr_t)name;
		info.l.raw_tracepoint.tp_name_len = sizeof(name);
		err = bpf_obj_get_info_by_fd(fd, &info, &len);
	} else if (!err && info.l.type == LINK_TYPE_PERF_EVENT) {
		/* kprobe and tracepoint keep name and length at the same offsets */
		memset(&info, 0, sizeof(info));
		info.p.tracepoint.tp_name = (uintptr_t)name;
		info.p.tracepoint.name_len = sizeof(name);
		len = sizeof(info);
		err = bpf_obj_get_info_by_fd(fd, &info, &len);
	}
	close(fd);
	if (err)
		return -errno;
	*prog_id = info.l.prog_id;

	pfd = bpf_prog_get_fd_by_id(*prog_id);
	if (pfd < 0)
		return -errno;
	memset(&pi, 0, sizeof(pi));
	err = bpf_obj_get_info_by_fd(pfd, &pi, &plen);
	close(pfd);
	if (err)
		return -errno;

	switch (info.l.type) {
	case BPF_LINK_TYPE_RAW_TRACEPOINT:
		strcpy(kind, pi.type == BPF_PROG_TYPE_TRACING ? "tp_btf" : "raw_tp");
		snprintf(target, TARGET_LEN, "%s", name);
		return 0;
	case BPF_LINK_TYPE_TRACING:
		if (info.l.tracing.attach_type == BPF_TRACE_FENTRY)
			strcpy(kind, "fentry");
		else if (info.l.tracing.attach_type == BPF_TRACE_FEXIT)
			strcpy(kind, "fexit");
		else
			return -EOPNOTSUPP;
		return btf_name(info.l.tracing.target_obj_id, info.l.tracing.target_btf_id,
				target, TARGET_LEN);
	case LINK_TYPE_PERF_EVENT:
		switch (info.p.perf_type) {
		case PERF_EVENT_TRACEPOINT:
			if (tp_category(name, cat, sizeof(cat)))
				return -ENOENT;
			strcpy(kind, "tracepoint");
			snprintf(target, TARGET_LEN, "%s/%s", cat, name);
			return 0;
		case PERF_EVENT_KPROBE:
		case PERF_EVENT_KRETPROBE:
			strcpy(kind, info.p.perf_type == PERF_EVENT_KPROBE ? "kprobe" : "kretprobe");
			snprintf(target, TARGET_LEN, "%s", name);
			return 0;
		}
		return -EOPNOTSUPP;
	}
	return -EOPNOTSUPP;
}

static int find_hook(const char *kind, const char *target)
{
	for (int i = 0; i < nhooks; i++)
		if (!strcmp(hooks[i].kind, kind) && !strcmp(hooks[i].target, target))
			return i;
	if (nhooks == MAX_PROGS)
		return -1;
	snprintf(hooks[nhooks].kind, sizeof(hooks[nhooks].kind), "%s", kind);
	snprintf(hooks[nhooks].target, sizeof(hooks[nhooks].target), "%s", target);
	return nhooks++;
}

static bool have_prog(uint32_t id)
{
	for (int i = 0; i < nprogs; i++)
		if (progs[i].id == id)
			return true;
	return false;
}

static int add_prog(uint32_t prog_id, int hook, int owner)
{
	if (nprogs == MAX_PROGS) {
		fprintf(stderr, "flfloor: more than %d programs, the rest not measured\n", MAX_PROGS);
		return -1;
	}
	progs[nprogs].id = prog_id;
	progs[nprogs].hook = hook;
	progs[nprogs].owner = owner;
	progs[nprogs].fd = bpf_prog_get_fd_by_id(prog_id);
	nprogs++;
	return 0;
}

/*
 * The -H hook a program without a link is on, when its name tells: bpftrace
 * names a tracepoint probe's program after the event (truncated to 15).
 */
static int given_hook(uint32_t prog_id)
{
	struct bpf_prog_info info;
	uint32_t len = sizeof(info);
	int fd, found = -1;

	fd = bpf_prog_get_fd_by_id(prog_id);
	if (fd < 0)
		return -1;
	memset(&info, 0, sizeof(info));
	if (bpf_obj_get_info_by_fd(fd, &info, &len) || !info.name[0]) {
		close(fd);
		return -1;
	}
	close(fd);
	for (int i = 0; i < nhooks; i++) {
		const char *ev = strrchr(hooks[i].target, '/');

		ev = ev ? ev + 1 : hooks[i].target;
		if (!hooks[i].given || strncmp(ev, info.name, strlen(info.name)))
			continue;
		if (found >= 0)
			return -1;	/* two fit: say nothing */
		found = i;
	}
	return found;
}

/*
 * Every BPF link PID holds: its programs and their hooks.  The peer's
 * programs without a link (attached with the perf_event ioctl, as older
 * bpftrace does) are measured too, their hook unknown.
 */
static int find_links(pid_t pid, int owner)
{
	char dir[64], path[PATH_MAX], line[256];
	uint32_t loose[MAX_PROGS];
	int nloose = 0;
	struct dirent *de;
	DIR *d;

	snprintf(dir, sizeof(dir), "/proc/%d/fdinfo", (int)pid);
	d = opendir(dir);
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		char kind[16], target[TARGET_LEN];
		unsigned int link_id = 0, id = 0;
		uint32_t prog_id = 0;
		int h, err;
		FILE *f;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		while (fgets(line, sizeof(line), f)) {
			sscanf(line, "link_id: %u", &link_id);
			sscanf(line, "prog_id: %u", &id);
		}
		fclose(f);
		if (!link_id) {
			if (id && owner && nloose < MAX_PROGS)
				loose[nloose++] = id;
			continue;
		}
		err = link_hook(link_id, &prog_id, kind, target);
		if (err) {
			fprintf(stderr, "flfloor: link %u of pid %d: no hook (%s)\n", link_id,
				(int)pid, strerror(-err));
			snprintf(kind, sizeof(kind), "?");
			snprintf(target, sizeof(target), "link %u", link_id);
		}
		h = find_hook(kind, target);
		if (h < 0 || add_prog(prog_id, h, owner))
			break;
		if (err)
			snprintf(hooks[h].why, sizeof(hooks[h].why), "%s", strerror(-err));
	}
	closedir(d);
	for (int i = 0; i < nloose; i++)
		if (!have_prog(loose[i]) && add_prog(loose[i], given_hook(loose[i]), owner))
			break;
	return 0;
}

/* The program named PREFIX_SUFFIX of @s, e.g. count_fentry. */
static struct bpf_program *floor_prog(struct fl_floor *s, const char *prefix, const char *suffix)
{
	char name[64];

	snprintf(name, sizeof(name), "%s_%s", prefix, suffix);
	return bpf_object__find_program_by_name(s->obj, name);
}

/* The empty (@which EMPTY) or counting program of the hook's kind on the hook. */
static int attach_floor(struct hook *h, int which)
{
	const char *prefix = which == COUNT ? "count" : "floor", *kind = h->kind;
	struct bpf_program *want, *p;
	struct fl_floor *s;
	struct bpf_link *link;
	char cat[TARGET_LEN], *name;
	int err;

	if (h->kind[0] == '?')
		return -EOPNOTSUPP;
	if (!strcmp(kind, "tracepoint"))
		kind = "tp";
	else if (!strcmp(kind, "kretprobe"))
		kind = "kprobe";
	s = fl_floor__open();
	if (!s)
		return -errno;
	want = floor_prog(s, prefix, kind);
	if (!want) {
		err = -EOPNOTSUPP;
		goto fail;
	}
	bpf_object__for_each_program(p, s->obj)
		bpf_program__set_autoload(p, p == want);
	if (!strcmp(kind, "tp_btf") || !strcmp(kind, "fentry") || !strcmp(kind, "fexit")) {
		err = bpf_program__set_attach_target(want, 0, h->target);
		if (err)
			goto fail;
	}
	err = fl_floor__load(s);
	if (err)
		goto fail;
	if (!strcmp(kind, "raw_tp")) {
		link = bpf_program__attach_raw_tracepoint(want, h->target);
	} else if (!strcmp(kind, "tp")) {
		snprintf(cat, sizeof(cat), "%s", h->target);
		name = strchr(cat, '/');
		*name++ = '\0';
		link = bpf_program__attach_tracepoint(want, cat, name);
	} else if (!strcmp(kind, "kprobe")) {
		link = bpf_program__attach_kprobe(want, !strcmp(h->kind, "kretprobe"), h->target);
	} else {
		link = bpf_program__attach(want);
	}
	if (!link) {
		err = -errno;
		goto fail;
	}
	h->fl[which].skel = s;
	h->fl[which].link = link;
	return 0;
fail:
	fl_floor__destroy(s);
	return err;
}

static int floor_fd(const struct floor *fl)
{
	struct bpf_program *p;

	bpf_object__for_each_program(p, fl->skel->obj)
		if (bpf_program__autoload(p))
			return bpf_program__fd(p);
	return -1;
}

static void stats(int fd, uint64_t *runs, uint64_t *ns, uint64_t *miss, char *name)
{
	struct bpf_prog_info info;
	uint32_t len = sizeof(info);

	memset(&info, 0, sizeof(info));
	if (fd < 0 || bpf_obj_get_info_by_fd(fd, &info, &len))
		return;
	*runs = info.run_cnt;
	*ns = info.run_time_ns;
	*miss = info.recursion_misses;
	if (name)
		snprintf(name, BPF_OBJ_NAME_LEN, "%s", info.name);
}

static void snapshot(int k)
{
	for (int i = 0; i < nprogs; i++)
		stats(progs[i].fd, &progs[i].runs[k], &progs[i].ns[k], &progs[i].miss[k],
		      progs[i].name);
	for (int i = 0; i < nhooks; i++)
		for (int w = 0; w < NFLOORS; w++) {
			struct floor *fl = &hooks[i].fl[w];

			if (fl->skel)
				stats(floor_fd(fl), &fl->runs[k], &fl->ns[k], &fl->miss[k], NULL);
		}
}


static double per_run(uint64_t ns, uint64_t runs)
{
	return runs ? (double)ns / runs : 0;
}

/* The ns per run of floor @which on hook @h, 0 when it has none or it did not run. */
static double floor_per_run(const struct hook *h, int which)
{
	const struct floor *fl;

	if (!h || !h->fl[which].skel)
		return 0;
	fl = &h->fl[which];
	return per_run(fl->ns[1] - fl->ns[0], fl->runs[1] - fl->runs[0]);
}

static int by_time(const void *a, const void *b)
{
	const struct prog *x = a, *y = b;
	uint64_t tx = x->ns[1] - x->ns[0], ty = y->ns[1] - y->ns[0];

	return tx < ty ? 1 : tx > ty ? -1 : strcmp(x->name, y->name);
}

/*
 * The floor per run over the hooks given with -H: for a peer whose programs
 * have no link to name their hooks, the hooks it is told it attaches to.
 */
static double given_floor(int which)
{
	uint64_t runs = 0, ns = 0;

	for (int i = 0; i < nhooks; i++) {
		const struct floor *fl = &hooks[i].fl[which];

		if (hooks[i].given && fl->skel) {
			runs += fl->runs[1] - fl->runs[0];
			ns += fl->ns[1] - fl->ns[0];
		}
	}
	return per_run(ns, runs);
}

static void table(FILE *f, const char *label, int owner)
{
	uint64_t runs = 0, ns = 0, idle = 0;
	bool floorless[NFLOORS] = { false }, hookless = false;
	double floor_ns[NFLOORS] = { 0 }, given[NFLOORS];
	char ratio[NFLOORS][32];
	int n = 0;

	for (int w = 0; w < NFLOORS; w++)
		given[w] = given_floor(w);
	for (int i = 0; i < nprogs; i++) {
		const struct hook *h = progs[i].hook < 0 ? NULL : &hooks[progs[i].hook];
		uint64_t r = progs[i].runs[1] - progs[i].runs[0];

		if (progs[i].owner != owner)
			continue;
		n++;
		runs += r;
		ns += progs[i].ns[1] - progs[i].ns[0];
		hookless |= !h && given[EMPTY] > 0;
		for (int w = 0; w < NFLOORS; w++) {
			if (!h && given[w] > 0)
				floor_ns[w] += r * given[w];
			else if (!h || !h->fl[w].skel)
				floorless[w] |= r > 0;
			else
				floor_ns[w] += r * floor_per_run(h, w);
		}
	}
	if (label)
		fprintf(f, "%s\n\n", label);
	fprintf(f, "| program | hook | runs | ns per run | share | floor runs | floor ns per run | ratio "
		"| count floor ns per run | ratio to it |\n");
	fprintf(f, "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
	for (int i = 0; i < nprogs; i++) {
		const struct prog *p = &progs[i];
		const struct hook *h = p->hook < 0 ? NULL : &hooks[p->hook];
		uint64_t r = p->runs[1] - p->runs[0], t = p->ns[1] - p->ns[0];
		uint64_t fr = h && h->fl[EMPTY].skel ? h->fl[EMPTY].runs[1] - h->fl[EMPTY].runs[0] : 0;

		if (p->owner != owner)
			continue;
		if (!r) {
			idle++;
			continue;
		}
		fprintf(f, "| %s | %s%s%s | %llu | %.0f | %.1f%% | ", p->name,
			h ? h->kind : "(no link)", h ? ":" : "", h ? h->target : "",
			(unsigned long long)r, per_run(t, r), ns ? 100.0 * t / ns : 0);
		if (h && fr)
			fprintf(f, "%llu |", (unsigned long long)fr);
		else
			fprintf(f, "%s |", !h && given[EMPTY] > 0 ? "(-H)" : "-");
		for (int w = 0; w < NFLOORS; w++) {
			double fpr = h ? floor_per_run(h, w) : given[w];

			if (fpr > 0)
				fprintf(f, " %.0f | %.2f |", fpr, per_run(t, r) / fpr);
			else if (w == EMPTY)
				fprintf(f, " - | no floor%s%s |", h && h->why[0] ? ": " : "",
					h ? h->why : "");
			else
				fprintf(f, " - | - |");
		}
		fprintf(f, "\n");
	}
	/*
	 * The total's floor: the floor's ns per run on each program's hook,
	 * weighted by that program's runs (two programs on one hook: two floors).
	 */
	for (int w = 0; w < NFLOORS; w++) {
		if (floorless[w] || !floor_ns[w])
			snprintf(ratio[w], sizeof(ratio[w]), "-");
		else
			snprintf(ratio[w], sizeof(ratio[w]), "%.2f", (double)ns / floor_ns[w]);
	}
	fprintf(f, "| all %d programs | | %llu | %.0f | 100%% | | %.0f | %s | %.0f | %s |\n", n,
		(unsigned long long)runs, per_run(ns, runs), runs ? floor_ns[EMPTY] / runs : 0,
		ratio[EMPTY], runs ? floor_ns[COUNT] / runs : 0, ratio[COUNT]);
	fprintf(f, "\n%llu programs attached but not run in this window are not listed.\n",
		(unsigned long long)idle);
	/*
	 * A run the kernel skipped (the program already running on that CPU,
	 * or, for kprobes and classic tracepoints, any such program) is not in
	 * its run count: the reason two programs on one hook can differ.
	 */
	for (int i = 0; i < nprogs; i++) {
		const struct prog *p = &progs[i];
		const struct hook *h = p->hook < 0 ? NULL : &hooks[p->hook];

		if (p->owner != owner)
			continue;
		if (p->miss[1] - p->miss[0])
			fprintf(f, "%s: %llu runs missed (recursion)\n", p->name,
				(unsigned long long)(p->miss[1] - p->miss[0]));
		for (int w = 0; h && w < NFLOORS; w++) {
			const struct floor *fl = &h->fl[w];

			if (fl->skel && fl->miss[1] - fl->miss[0])
				fprintf(f, "%s on %s:%s: %llu runs missed (recursion)\n",
					floor_names[w], h->kind, h->target,
					(unsigned long long)(fl->miss[1] - fl->miss[0]));
		}
	}
	if (hookless)
		fprintf(f, "Programs without a link (attached by perf_event ioctl) are held against the "
			"floors over the hooks given with -H, all together.\n");
	for (int w = 0; w < NFLOORS; w++)
		if (floorless[w])
			fprintf(f, "!!! some hooks have no %s: the total's %s and ratio are left out\n",
				floor_names[w], floor_names[w]);
}

/* CMD's exit status, as a shell gives it; -1 when it cannot be started. */
static int run_cmd(char **argv)
{
	pid_t child;
	int status;

	child = fork();
	if (child < 0) {
		fprintf(stderr, "flfloor: fork: %s\n", strerror(errno));
		return -1;
	}
	if (!child) {
		execvp(argv[0], argv);
		fprintf(stderr, "flfloor: cannot run %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	while (waitpid(child, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* -w: faultline's hooks, one KIND:TARGET a line. */
static int write_hooks(const char *path)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f;
	int err;

	f = open_memstream(&buf, &len);
	if (!f)
		return -errno;
	for (int i = 0; i < nhooks; i++) {
		bool ours = false;

		for (int j = 0; j < nprogs; j++)
			ours |= progs[j].hook == i && progs[j].owner == 0;
		if (ours && hooks[i].kind[0] != '?')
			fprintf(f, "%s:%s\n", hooks[i].kind, hooks[i].target);
	}
	fclose(f);
	err = fl_write_atomic(path, buf, len, NULL);
	free(buf);
	return err;
}

/* -e: empty programs on the hooks in @path, no statistics, then CMD. */
static int floor_alone(const char *path, char **argv)
{
	char line[TARGET_LEN + 32];
	int rc = 1, n = 0;
	FILE *f;

	f = fopen(path, "r");
	if (!f) {
		fprintf(stderr, "flfloor: %s: %s\n", path, strerror(errno));
		return 1;
	}
	while (fgets(line, sizeof(line), f)) {
		char *colon = strchr(line, ':');
		int h, err;

		line[strcspn(line, "\n")] = '\0';
		if (!colon)
			continue;
		*colon = '\0';
		h = find_hook(line, colon + 1);
		if (h < 0 || hooks[h].fl[EMPTY].link)
			continue;
		err = attach_floor(&hooks[h], EMPTY);
		if (err) {
			fprintf(stderr, "flfloor: no empty program on %s:%s: %s\n", line, colon + 1,
				strerror(-err));
			goto out;
		}
		n++;
	}
	if (!n) {
		fprintf(stderr, "flfloor: no hooks in %s\n", path);
		goto out;
	}
	fprintf(stderr, "flfloor: %d empty programs, statistics off\n", n);
	rc = run_cmd(argv);
	if (rc < 0)
		rc = 1;
out:
	fclose(f);
	for (int i = 0; i < nhooks; i++) {
		bpf_link__destroy(hooks[i].fl[EMPTY].link);
		fl_floor__destroy(hooks[i].fl[EMPTY].skel);
	}
	return rc;
}

int main(int argc, char **argv)
{
	const char *out = NULL, *label = NULL, *hooks_out = NULL, *alone = NULL;
	pid_t pid = getppid(), peer = 0;
	char *buf = NULL;
	size_t len = 0;
	int c, rc, stats_fd, nfloor[NFLOORS] = { 0 };
	FILE *f;

	while ((c = getopt(argc, argv, "+p:P:H:o:l:w:e:")) != -1) {
		char *colon;
		int h;

		switch (c) {
		case 'H':
			/* KIND:TARGET, e.g. tracepoint:filemap/mm_filemap_fault */
			colon = strchr(optarg, ':');
			if (!colon)
				return usage();
			*colon = '\0';
			h = find_hook(optarg, colon + 1);
			if (h < 0)
				return usage();
			hooks[h].given = true;
			break;
		case 'p': pid = atoi(optarg); break;
		case 'P': peer = atoi(optarg); break;
		case 'o': out = optarg; break;
		case 'l': label = optarg; break;
		case 'w': hooks_out = optarg; break;
		case 'e': alone = optarg; break;
		default: return usage();
		}
	}
	if (optind >= argc)
		return usage();
	libbpf_set_print(NULL);
	if (alone)
		return floor_alone(alone, argv + optind);

	stats_fd = bpf_enable_stats(BPF_STATS_RUN_TIME);
	if (stats_fd < 0) {
		fprintf(stderr, "flfloor: cannot turn on BPF run-time statistics: %s\n",
			strerror(errno));
		return 1;
	}
	vmlinux_btf = btf__load_vmlinux_btf();
	if (!vmlinux_btf) {
		fprintf(stderr, "flfloor: no kernel BTF: %s\n", strerror(errno));
		return 1;
	}
	if (find_links(pid, 0) || !nprogs) {
		fprintf(stderr, "flfloor: no BPF links held by pid %d\n", (int)pid);
		return 1;
	}
	if (peer) {
		int before = nprogs;

		if (find_links(peer, 1) || nprogs == before) {
			fprintf(stderr, "flfloor: no BPF links held by the peer, pid %d\n", (int)peer);
			return 1;
		}
	}
	for (int i = 0; i < nhooks; i++)
		for (int w = 0; w < NFLOORS; w++) {
			int err = attach_floor(&hooks[i], w);

			if (err && w == EMPTY && !hooks[i].why[0])
				snprintf(hooks[i].why, sizeof(hooks[i].why), "%s", strerror(-err));
			nfloor[w] += !err;
		}
	fprintf(stderr, "flfloor: %d programs of pid %d on %d hooks, %d empty and %d counting floor programs\n",
		nprogs, (int)pid, nhooks, nfloor[EMPTY], nfloor[COUNT]);
	if (hooks_out && write_hooks(hooks_out))
		fprintf(stderr, "flfloor: cannot write %s\n", hooks_out);

	snapshot(0);
	rc = run_cmd(argv + optind);
	if (rc < 0)
		return 1;
	snapshot(1);

	f = out ? open_memstream(&buf, &len) : stdout;
	if (!f)
		return 1;
	qsort(progs, nprogs, sizeof(progs[0]), by_time);
	table(f, label, 0);
	if (peer) {
		fprintf(f, "\npeer, pid %d, same run:\n\n", (int)peer);
		table(f, NULL, 1);
	}
	if (out) {
		fclose(f);
		if (fl_write_atomic(out, buf, len, NULL))
			fprintf(stderr, "flfloor: cannot write %s\n", out);
		free(buf);
	}
	for (int i = 0; i < nhooks; i++)
		for (int w = 0; w < NFLOORS; w++) {
			bpf_link__destroy(hooks[i].fl[w].link);
			fl_floor__destroy(hooks[i].fl[w].skel);
		}
	close(stats_fd);
	return rc;
}
