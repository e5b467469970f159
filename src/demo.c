// SPDX-License-Identifier: GPL-2.0
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "kernel.h"
#include "outputs.h"
#include "rules.h"
#include "scratch.h"
#include "util.h"
#include "workload.h"

/*
 * Ctrl-C during set-up or clean-up must not leave loop mounts behind: it
 * is remembered here and acted on once the scratch state is consistent.
 */
static volatile sig_atomic_t demo_interrupted;

static void on_demo_signal(int sig)
{
	(void)sig;
	demo_interrupted = 1;
}

struct demo {
	struct fl_scratch scratch;
	double seconds;
	const char *fstypes[FL_SCRATCH_MAX];
	int nfs;
	/* requested but not available here, and why: said before and after */
	const char *skipped[FL_SCRATCH_MAX];
	char why[FL_SCRATCH_MAX][256];
	int nskipped;
	bool faults_only;
	bool stale_maps;
};

static int demo_workload(void *arg)
{
	struct demo *d = arg;

	for (int i = 0; i < d->scratch.n; i++) {
		struct fl_workload_opts wo = {
			.dir = d->scratch.fs[i].mnt,
			.seconds = d->seconds,
			.faults_only = d->faults_only,
			.stale_maps = d->stale_maps,
			.zonefs = !strcmp(d->scratch.fs[i].fstype, "zonefs"),
		};
		struct fl_workload_stats st;
		int err = fl_workload_run(&wo, &st);

		if (err) {
			fprintf(stderr, "faultline: demo workload on %s failed: %s\n",
				d->scratch.fs[i].fstype, strerror(-err));
			return 1;
		}
		fprintf(stderr, "faultline: demo %s: %llu mmap reads, %llu mmap writes, "
			"%llu reads, %llu writes, %llu punches, %llu zero, %llu collapse, "
			"%llu insert, %llu truncate, %llu cache drops, %llu syncs, "
			"%llu direct-I/O/copy/clone rounds\n",
			d->scratch.fs[i].fstype,
			(unsigned long long)st.mmap_reads, (unsigned long long)st.mmap_writes,
			(unsigned long long)st.reads, (unsigned long long)st.writes,
			(unsigned long long)st.punches, (unsigned long long)st.zeroes,
			(unsigned long long)st.collapses, (unsigned long long)st.inserts,
			(unsigned long long)st.truncates, (unsigned long long)st.drops,
			(unsigned long long)st.syncs, (unsigned long long)st.other);
	}
	return 0;
}

static int parse_fs(const char *list, const char **out, int *n)
{
	char *copy = fl_xstrdup(list), *save = NULL;

	*n = 0;
	for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		const char *type = NULL;
		bool dup = false;

		for (unsigned int i = 0; i < fl_scratch_ntypes; i++)
			if (!strcmp(t, fl_scratch_types[i]))
				type = fl_scratch_types[i];
		if (!type) {
			fl_err("--fs: unknown filesystem '%s' (ext4, xfs, tmpfs, f2fs, gfs2, "
			       "zonefs, fuse)", t);
			free(copy);
			return -1;
		}
		for (int j = 0; j < *n; j++)
			dup = dup || out[j] == type;
		if (!dup && *n < FL_SCRATCH_MAX)
			out[(*n)++] = type;
	}
	free(copy);
	return *n ? 0 : -1;
}

/*
 * A requested filesystem this machine cannot make (the kernel lacks it,
 * or a program is missing) is left out loudly, never silently: named with
 * the reason now and again after the report.
 */
static int drop_unavailable(struct demo *d)
{
	int kept = 0;

	for (int i = 0; i < d->nfs; i++) {
		char *why = d->why[d->nskipped];

		if (fl_scratch_available(d->fstypes[i], why, sizeof(d->why[0]))) {
			d->fstypes[kept++] = d->fstypes[i];
			continue;
		}
		fl_warn("demo: %s SKIPPED: %s", d->fstypes[i], why);
		d->skipped[d->nskipped++] = d->fstypes[i];
	}
	d->nfs = kept;
	if (kept)
		return 0;
	fl_err("demo: none of the requested filesystems can be made here");
	return -1;
}

static void say_skipped(const struct demo *d)
{
	for (int i = 0; i < d->nskipped; i++)
		fl_warn("demo: %s was NOT RUN: %s", d->skipped[i], d->why[i]);
}

static int set_fs(struct fl_cli *c, const char *arg)
{
	struct demo *d = c->cmd;

	return parse_fs(arg, d->fstypes, &d->nfs);
}

static const struct fl_opt demo_opts[] = {
	{ "duration", 't', "SECS", "workload time per filesystem (default 3)",
	  FL_CMD(FL_STORE_SECS, struct demo, seconds) },
	{ "seconds", 's', "SECS", "the same as --duration (older name)",
	  FL_CMD(FL_STORE_SECS, struct demo, seconds) },
	{ "fs", 'f', "LIST", "comma-separated list of ext4, xfs, tmpfs, f2fs, gfs2, zonefs, fuse "
	  "(default ext4,xfs,tmpfs); one this machine cannot make is skipped, saying why",
	  .set = set_fs },
	{ "faults-only", 'F', NULL, "only the mmap fault threads (what `make bench` measures)",
	  FL_CMD(FL_STORE_TRUE, struct demo, faults_only) },
	{ "stale-maps", 'S', NULL, "instead: unaligned writes racing writeback, cache drops "
	  "and punches (seed 002's conditions)", FL_CMD(FL_STORE_TRUE, struct demo, stale_maps) },
	{ NULL },
};

static const struct fl_cmd_spec demo_spec = {
	.name = "demo",
	.synopsis = "[options]",
	.about =
"Make scratch filesystems (loop-mounted ext4 and xfs images, a tmpfs; on\n"
"request f2fs, gfs2, zonefs on a zoned null_blk device, fuse2fs) in a\n"
"new temporary directory, run `faultline check` on them while a built-in\n"
"workload faults a file in through mmap, reads and writes it, and punches,\n"
"zeroes, collapses, inserts and truncates it concurrently; then unmount and\n"
"remove everything.  A healthy kernel shows nonzero counts and no violation.\n"
"Exit status as check's; the workload failing is faultline failing (2).",
	.groups = { demo_opts, fl_opts_json, fl_opts_ring, fl_opts_attach, fl_opts_rules },
};

int fl_cmd_demo(int argc, char **argv)
{
	struct demo d = { .seconds = 3, .fstypes = { "ext4", "xfs", "tmpfs" }, .nfs = 3 };
	struct fl_cli c = { .live = { .mode = "demo" }, .cmd = &d };
	struct fl_live_opts *o = &c.live;
	int first, ret = fl_cli_parse(&demo_spec, argc, argv, &c, &first);

	if (ret)
		return ret > 0 ? FL_EXIT_CLEAN : FL_EXIT_ENV;
	if (fl_files_check((struct fl_file_arg[]){ { "--json", o->json_path, true } }, 1))
		return FL_EXIT_ENV;
	/* root, BTF, tracefs first: not a loop-device error for what is a privilege one */
	if (fl_kernel_preflight())
		return FL_EXIT_ENV;
	if (drop_unavailable(&d))
		return FL_EXIT_ENV;
	signal(SIGINT, on_demo_signal);
	signal(SIGTERM, on_demo_signal);
	if (fl_scratch_create(&d.scratch, d.fstypes, d.nfs))
		return FL_EXIT_ENV;
	if (demo_interrupted) {
		fl_scratch_destroy(&d.scratch);
		return FL_EXIT_ENV;
	}
	for (int i = 0; i < d.scratch.n; i++) {
		o->devs[o->ndevs++] = d.scratch.fs[i].kdev;
		fl_info("demo: %s at %s", d.scratch.fs[i].fstype, d.scratch.fs[i].mnt);
	}
	o->child_fn = demo_workload;
	o->child_arg = &d;
	ret = fl_live_run(o);
	fl_scratch_destroy(&d.scratch);
	say_skipped(&d);
	return ret;
}
