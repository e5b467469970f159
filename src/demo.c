// SPDX-License-Identifier: GPL-2.0
#include <getopt.h>
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

static const char demo_usage[] =
"usage: faultline demo [--json FILE] [--seconds N] [--fs LIST] [--faults-only|--stale-maps]\n"
"                      [--assume-protocol FS:RULE] [--ring-size MIB] [--attach MODE]\n"
"                      [--locks word|precise] [--lock-order] [-v]\n"
"\n"
"Create scratch filesystems (loop-mounted ext4 and xfs images and a tmpfs)\n"
"in a new temporary directory, run `faultline check` on them while a\n"
"built-in workload faults a file in through mmap (read and write), reads and\n"
"writes it, and punches holes, zeroes, collapses, inserts ranges and truncates\n"
"it concurrently; then unmount and remove everything.  On a healthy kernel the\n"
"report shows nonzero counts and zero violations.\n"
"\n"
"  --json FILE      write the JSON report to FILE\n"
"  --seconds N      workload time per filesystem (default 3)\n"
"  --fs LIST        comma-separated subset of ext4,xfs,tmpfs (default all)\n"
"  --faults-only    only the mmap fault threads (what `make bench` measures)\n"
"  --stale-maps     instead: unaligned writes over unwritten extents while\n"
"                   writeback, cache drops and punches change the extents\n"
"                   (seed 002's conditions: xfs finds its maps stale)\n"
"  --assume-protocol FS:RULE[,RULE]  as for check (positive controls)\n"
"  --ring-size MIB, --attach MODE, --locks MODE, --lock-order  as for check\n"
"  -v, --verbose    more diagnostics\n"
"\n"
"Exit status as for `check` (0 clean, bits 1 violations and 4 incomplete\n"
"verdict); the workload failing is faultline failing (2).\n";

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
		const char *known[] = { "ext4", "xfs", "tmpfs" };
		bool found = false;

		for (size_t i = 0; i < ARRAY_SIZE(known); i++) {
			if (strcmp(t, known[i]))
				continue;
			found = true;
			if (*n < FL_SCRATCH_MAX)
				out[(*n)++] = known[i];
		}
		if (!found) {
			fl_err("--fs: unknown filesystem '%s' (ext4, xfs, tmpfs)", t);
			free(copy);
			return -1;
		}
	}
	free(copy);
	return *n ? 0 : -1;
}

int fl_cmd_demo(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", required_argument, NULL, 'j' },
		{ "seconds", required_argument, NULL, 's' },
		{ "fs", required_argument, NULL, 'f' },
		{ "faults-only", no_argument, NULL, 'F' },
		{ "stale-maps", no_argument, NULL, 'S' },
		{ "assume-protocol", required_argument, NULL, 'A' },
		{ "ring-size", required_argument, NULL, 'r' },
		{ "attach", required_argument, NULL, 'a' },
		{ "locks", required_argument, NULL, 'L' },
		{ "lock-order", no_argument, NULL, 'O' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *fstypes[FL_SCRATCH_MAX] = { "ext4", "xfs", "tmpfs" };
	struct fl_live_opts o = { .mode = "demo" };
	struct demo d = { .seconds = 3 };
	int nfs = 3, c, ret;

	while ((c = getopt_long(argc, argv, "j:s:f:FSA:r:a:L:Ovh", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			if (fl_cli_seconds(optarg, &d.seconds)) {
				fl_err("--seconds %s: not a positive number", optarg);
				return FL_EXIT_ENV;
			}
			break;
		case 'f':
			if (parse_fs(optarg, fstypes, &nfs))
				return FL_EXIT_ENV;
			break;
		case 'F':
			d.faults_only = true;
			break;
		case 'S':
			d.stale_maps = true;
			break;
		case 'h':
			fputs(demo_usage, stdout);
			return FL_EXIT_CLEAN;
		default:
			if (fl_cli_common(c, optarg, &o) <= 0)
				return fl_cli_usage_error(c, demo_usage);
		}
	}
	if (optind < argc) {
		fl_err("demo takes no arguments (did you mean `check -- CMD`?)");
		return FL_EXIT_ENV;
	}
	if (fl_files_check((struct fl_file_arg[]){ { "--json", o.json_path, true } }, 1))
		return FL_EXIT_ENV;
	/* root, BTF, tracefs first: not a loop-device error for what is a privilege one */
	if (fl_kernel_preflight())
		return FL_EXIT_ENV;
	signal(SIGINT, on_demo_signal);
	signal(SIGTERM, on_demo_signal);
	if (fl_scratch_create(&d.scratch, fstypes, nfs))
		return FL_EXIT_ENV;
	if (demo_interrupted) {
		fl_scratch_destroy(&d.scratch);
		return FL_EXIT_ENV;
	}
	for (int i = 0; i < d.scratch.n; i++) {
		o.devs[o.ndevs++] = d.scratch.fs[i].kdev;
		fl_info("demo: %s at %s", d.scratch.fs[i].fstype, d.scratch.fs[i].mnt);
	}
	o.child_fn = demo_workload;
	o.child_arg = &d;
	ret = fl_live_run(&o);
	fl_scratch_destroy(&d.scratch);
	return ret;
}
