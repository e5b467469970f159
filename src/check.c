// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "cli.h"
#include "loader.h"
#include "rules.h"
#include "util.h"

static const char check_usage[] =
"usage: faultline check [--json FILE] [--dev DEV|--path DIR]... [--pid PID]...\n"
"                       [--duration SECS] [--ring-size MIB] [--attach MODE]\n"
"                       [--locks word|precise] [--lock-order] [-v]\n"
"                       [-- CMD ARGS...]\n"
"\n"
"Trace page faults, page-cache insertions/deletions, iomap steps and\n"
"invalidations until CMD exits (it is started after tracing is attached),\n"
"SIGINT/SIGTERM, or --duration elapses; then print a summary and every\n"
"violation found, each with its rule, evidence level (definite or\n"
"observed-race), inode and range, tasks, and kernel stacks.\n"
"\n"
"  --json FILE      also write the report as JSON (see README, \"JSON report\")\n"
"  --dev DEV        watch only this filesystem: a block device (/dev/loop0) or\n"
"                   major:minor; repeatable (up to 7)\n"
"  --path DIR       watch only the filesystem that holds DIR; repeatable\n"
"  --pid PID        watch only this process (thread group); repeatable\n"
"  --duration SECS  stop after SECS seconds (default: until CMD exits / Ctrl-C)\n"
"  --ring-size MIB  BPF ring buffer size (default 4, rounded down to a power\n"
"                   of two); events that do not fit are counted as lost\n"
"  --attach MODE    how hooks attach: auto (default: tracepoint, else fentry,\n"
"                   else kprobe), tp, fentry or kprobe (forced, for testing)\n"
"  --self-cost      measure faultline's own BPF run time (kernel BPF stats on\n"
"                   for the run) and report it (\"self_cost\" in the JSON)\n"
"  --locks MODE     lock evidence: word (default: read the lock words) or\n"
"                   precise (also track every acquisition and release of the\n"
"                   watched files' locks with fentry; decides the cases the\n"
"                   lock word leaves unknown, but for holds taken before it\n"
"                   attached)\n"
"  --lock-order     also verify lock order: acquisitions of xfs's inode locks\n"
"                   and ext4's journal handles (tracepoints), and with\n"
"                   --locks=precise of every watched i_rwsem/invalidate_lock;\n"
"                   cycles and inversions of the documented hierarchy are\n"
"                   violations (rule lock-order)\n"
"  --assume-protocol FS:RULE[,RULE]\n"
"                   test faultline itself: add a requirement to a filesystem's\n"
"                   protocol (insert-locked, inval-excl, map-pages-locked,\n"
"                   write-locked), e.g. xfs:map-pages-locked is the xfs protocol\n"
"                   of 5.10..6.3; a healthy kernel then shows real violations\n"
"  -v, --verbose    more diagnostics (twice: libbpf debug output)\n"
"\n"
"Without --dev/--path every filesystem is watched, except that tmpfs faults\n"
"and insertions are only traced when a tmpfs is named (they cost a check on\n"
"every user page fault).\n"
"\n"
"Exit status: 0 no violation, 1 violations found, 2 usage or environment\n"
"error (not root, no kernel BTF, tracefs not mountable, CMD not runnable).\n";

int fl_cli_seconds(const char *s, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || v <= 0 || v > 1e7)
		return -EINVAL;
	*out = v;
	return 0;
}

static int add_kdev(struct fl_live_opts *o, uint32_t kdev, const char *what)
{
	for (int i = 0; i < o->ndevs; i++)
		if (o->devs[i] == kdev)
			return 0;
	if (o->ndevs >= (int)ARRAY_SIZE(o->devs)) {
		fl_err("too many filesystems (at most %zu): %s", ARRAY_SIZE(o->devs), what);
		return -E2BIG;
	}
	o->devs[o->ndevs++] = kdev;
	return 0;
}

int fl_cli_add_dev(struct fl_live_opts *o, const char *dev)
{
	unsigned int maj, min;
	struct stat st;
	char tail;

	if (sscanf(dev, "%u:%u%c", &maj, &min, &tail) == 2)
		return add_kdev(o, (maj << 20) | min, dev);
	if (stat(dev, &st)) {
		fl_err("--dev %s: %s", dev, strerror(errno));
		return -errno;
	}
	if (!S_ISBLK(st.st_mode)) {
		fl_err("--dev %s: not a block device (use --path for a directory)", dev);
		return -EINVAL;
	}
	return add_kdev(o, fl_kdev(st.st_rdev), dev);
}

int fl_cli_add_path(struct fl_live_opts *o, const char *path)
{
	struct stat st;

	if (stat(path, &st)) {
		fl_err("--path %s: %s", path, strerror(errno));
		return -errno;
	}
	return add_kdev(o, fl_kdev(st.st_dev), path);
}

int fl_cli_ring_size(struct fl_live_opts *o, const char *arg)
{
	double mib;

	if (fl_cli_seconds(arg, &mib) || mib > 1024) {
		fl_err("--ring-size %s: not a size in MiB (up to 1024)", arg);
		return -EINVAL;
	}
	/* ring buffer sizes are a power of two of pages */
	o->ring_bytes = 1u << (31 - __builtin_clz((uint32_t)(mib * (1 << 20)) | 1));
	if (o->ring_bytes < 4096)
		o->ring_bytes = 4096;
	return 0;
}

int fl_cli_common(int c, const char *arg, struct fl_live_opts *o)
{
	switch (c) {
	case 'j':
		o->json_path = arg;
		return 1;
	case 'r':
		return fl_cli_ring_size(o, arg) ? -1 : 1;
	case 'A':
		return fl_rules_assume(arg) ? -1 : 1;
	case 'v':
		fl_verbose++;
		return 1;
	case 'L':
		if (strcmp(arg, "precise") && strcmp(arg, "word")) {
			fl_err("--locks %s: precise or word", arg);
			return -1;
		}
		o->precise = !strcmp(arg, "precise");
		return 1;
	case 'O':
		o->lock_order = true;
		return 1;
	case 'a':
		if (fl_attach_mode_parse(arg, (enum fl_attach_mode *)&o->attach)) {
			fl_err("--attach %s: one of auto, tp, fentry, kprobe", arg);
			return -1;
		}
		return 1;
	default:
		return 0;
	}
}

int fl_cli_usage_error(int c, const char *usage)
{
	/* fl_cli_common already said what was wrong with a value it knows */
	if (c == '?' || c == ':')
		fputs(usage, stderr);
	return FL_EXIT_ENV;
}

int fl_cli_add_pid(struct fl_live_opts *o, const char *pid)
{
	char *end;
	long v = strtol(pid, &end, 10);

	if (end == pid || *end || v <= 0 || v > 0x3fffffff) {
		fl_err("--pid %s: not a process id", pid);
		return -EINVAL;
	}
	if (o->ntgids >= (int)ARRAY_SIZE(o->tgids)) {
		fl_err("too many --pid (at most %zu)", ARRAY_SIZE(o->tgids));
		return -E2BIG;
	}
	o->tgids[o->ntgids++] = (uint32_t)v;
	return 0;
}

/* The options check and record share: filters and the live session's knobs. */
int fl_cli_trace(int c, const char *arg, struct fl_live_opts *o)
{
	switch (c) {
	case 'd':
		return fl_cli_add_dev(o, arg) ? -1 : 1;
	case 'p':
		return fl_cli_add_path(o, arg) ? -1 : 1;
	case 'P':
		return fl_cli_add_pid(o, arg) ? -1 : 1;
	case 't':
		if (fl_cli_seconds(arg, &o->duration)) {
			fl_err("--duration %s: not a positive number of seconds", arg);
			return -1;
		}
		return 1;
	case 'C':
		o->self_cost = true;
		return 1;
	default:
		return fl_cli_common(c, arg, o);
	}
}

int fl_cmd_check(int argc, char **argv)
{
	static const struct option opts[] = {
		FL_CLI_TRACE_OPTIONS,
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct fl_live_opts o = { .mode = "check" };
	int c;

	while ((c = getopt_long(argc, argv, "+" FL_CLI_TRACE_SHORT "h", opts, NULL)) != -1) {
		if (c == 'h') {
			fputs(check_usage, stdout);
			return FL_EXIT_CLEAN;
		}
		if (fl_cli_trace(c, optarg, &o) <= 0)
			return fl_cli_usage_error(c, check_usage);
	}
	if (optind < argc)
		o.cmd = argv + optind;
	return fl_live_run(&o);
}
