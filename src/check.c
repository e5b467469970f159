// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "cli.h"
#include "loader.h"
#include "outputs.h"
#include "pathres.h"
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
"  --json FILE      also write the report as JSON (see README, \"JSON report\");\n"
"                   a new or regular file, checked before tracing starts\n"
"  --dev DEV        watch only this mounted filesystem: the block device it is\n"
"                   mounted from (/dev/loop0) or its major:minor as in\n"
"                   /proc/self/mountinfo; repeatable (up to 7)\n"
"  --path DIR       watch only the filesystem of the mount that holds DIR (an\n"
"                   overlay: the filesystems of its layers); repeatable\n"
"  --pid PID        watch only this process (thread group); repeatable\n"
"  --duration SECS  stop after SECS seconds (default: until CMD exits / Ctrl-C)\n"
"  --ring-size MIB  BPF ring buffer size: an integer number of MiB (default 4,\n"
"                   at most 1024), or of KiB with a K suffix (4K and up);\n"
"                   rounded down to a power of two; events that do not fit\n"
"                   are counted as lost\n"
"  --attach MODE    how hooks attach: auto (default: tracepoint, else fentry,\n"
"                   else kprobe), tp, fentry or kprobe (forced, for testing)\n"
"  --self-cost      measure faultline's own BPF run time (kernel BPF stats on\n"
"                   for the run) and report it (\"self_cost\" in the JSON)\n"
"  --locks MODE     lock evidence: word (default: read the lock words) or\n"
"                   precise (also track every acquisition and release of the\n"
"                   watched files' locks with fentry; decides the cases the\n"
"                   lock word leaves unknown; from ~3 s after start)\n"
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
"every user page fault); the summary still has a row per filesystem (the\n"
"first 15 seen; any beyond are counted together as \"other filesystems\").\n"
"\n"
"A --dev, --path or --pid that matches no mounted filesystem or no process\n"
"is an error; a watched filesystem that sees no event is named in the\n"
"report (NO EVENTS).  The report gives CMD's fate (\"command: ...\").\n"
"\n"
"Exit status, bits that add up (as fsck's):\n"
"  0  clean: no violation, complete verdict, CMD (if any) exited 0\n"
"  1  violations found\n"
"  4  the verdict is incomplete: events were lost (\"complete\": false)\n"
"  8  CMD failed: exited nonzero (127: could not be run) or was killed by\n"
"     a signal (also the SIGTERM/SIGKILL of faultline's stop at --duration\n"
"     or SIGINT/SIGTERM)\n"
"  2  faultline itself failed (usage, not root, no kernel BTF, tracefs not\n"
"     mountable, cannot load or attach, an output not writable); never\n"
"     combined with the others\n"
"e.g. 13 = violations found in a lossy run whose command failed.\n";

int fl_cli_seconds(const char *s, double *out)
{
	char *end;
	double v;

	/* nan compares false with every bound: finite, then in range */
	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !isfinite(v) || v <= 0 || v > 1e7)
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

/*
 * A filter that matches no filesystem would trace nothing and pass as a
 * clean run: --dev must name a mounted filesystem, by its s_dev (what BPF
 * compares) or by the block device it is mounted from.
 */
int fl_cli_add_dev(struct fl_live_opts *o, const char *dev)
{
	struct fl_mount *m;
	unsigned int maj, min;
	struct stat st;
	uint32_t kdev;
	char tail;
	int err;

	if (sscanf(dev, "%u:%u%c", &maj, &min, &tail) == 2 && maj < 4096 && min < (1u << 20)) {
		kdev = (maj << 20) | min;
	} else if (stat(dev, &st)) {
		fl_err("--dev %s: %s", dev, strerror(errno));
		return -errno;
	} else if (!S_ISBLK(st.st_mode)) {
		fl_err("--dev %s: not a block device or MAJ:MIN (use --path for a directory)", dev);
		return -EINVAL;
	} else {
		kdev = fl_kdev(st.st_rdev);
	}
	m = fl_xcalloc(1, sizeof(*m));
	err = fl_dev_find(kdev, m);
	if (err) {
		fl_err("--dev %s: no mounted filesystem is on device %u:%u", dev,
		       fl_kdev_major(kdev), fl_kdev_minor(kdev));
		free(m);
		return -ENODEV;
	}
	if (m->kdev != kdev)
		fl_info("--dev %s: %s at %s has device %u:%u", dev, m->fstype, m->mnt,
			fl_kdev_major(m->kdev), fl_kdev_minor(m->kdev));
	err = add_kdev(o, m->kdev, dev);
	free(m);
	return err;
}

/*
 * The filesystem of the mount that holds @path, from mountinfo: a file's
 * st_dev is not always its superblock's (btrfs subvolumes have their own),
 * while BPF compares inode->i_sb->s_dev.  An overlay's files live in its
 * layers' filesystems, which are watched instead.
 */
static int add_path(struct fl_live_opts *o, const char *arg, const char *path, int depth)
{
	char (*layers)[PATH_MAX];
	struct fl_mount *m = fl_xcalloc(1, sizeof(*m));
	int err, n;

	err = fl_path_mount(path, m);
	if (err == -ENOENT || err == -ENOTSUP) {
		struct stat st;

		/* right for every filesystem whose files carry the superblock's dev */
		err = stat(path, &st) ? -errno : 0;
		if (!err) {
			fl_warn("--path %s: its mount is not in /proc/self/mountinfo: watching "
				"its st_dev %u:%u (not right for btrfs)", arg, major(st.st_dev),
				minor(st.st_dev));
			err = add_kdev(o, fl_kdev(st.st_dev), arg);
			goto out;
		}
	}
	if (err) {
		fl_err("--path %s: %s%s%s", arg, depth ? path : "", depth ? ": " : "",
		       strerror(-err));
		goto out;
	}
	if (strcmp(m->fstype, "overlay")) {
		err = add_kdev(o, m->kdev, arg);
		goto out;
	}
	layers = fl_xcalloc(FL_MAX_SLOTS, PATH_MAX);
	n = fl_overlay_layers(m, layers, FL_MAX_SLOTS);
	if (n <= 0 || depth >= 2) {
		fl_err("--path %s: overlay at %s: %s; name its layers' directories with --path",
		       arg, m->mnt, n < 0 ? "too many layers" : n ? "nested overlays" :
		       "no layer directories in its options");
		err = -EINVAL;
	}
	for (int i = 0; !err && i < n; i++) {
		if (layers[i][0] != '/') {
			fl_err("--path %s: overlay layer '%s' is not an absolute path; name the "
			       "layers' directories with --path", arg, layers[i]);
			err = -EINVAL;
			break;
		}
		fl_info("--path %s: overlay; watching its layer %s", arg, layers[i]);
		err = add_path(o, arg, layers[i], depth + 1);
	}
	free(layers);
out:
	free(m);
	return err;
}

int fl_cli_add_path(struct fl_live_opts *o, const char *path)
{
	return add_path(o, path, path, 0);
}

/* An integer number of MiB, or of KiB with a K suffix: 4K up to 1024 (MiB). */
int fl_cli_ring_size(struct fl_live_opts *o, const char *arg)
{
	unsigned long long v;
	uint64_t bytes;
	char *end;

	errno = 0;
	v = strtoull(arg, &end, 10);
	bytes = v << 20;
	if (end != arg && (*end == 'K' || *end == 'k')) {
		bytes = v << 10;
		end++;
	}
	if (errno || end == arg || *end || arg[0] < '0' || arg[0] > '9' ||
	    v > 1024ull << 10 || bytes < 4096 || bytes > 1024ull << 20) {
		fl_err("--ring-size %s: not an integer number of MiB (1 to 1024), or of KiB "
		       "with a K suffix (4K and up)", arg);
		return -EINVAL;
	}
	/* ring buffer sizes are a power of two of pages */
	o->ring_bytes = 1u << (63 - __builtin_clzll(bytes));
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

/* --pid takes a process (thread group) that exists: BPF compares tgids. */
int fl_cli_add_pid(struct fl_live_opts *o, const char *pid)
{
	char path[64], *line = NULL;
	size_t cap = 0;
	long v, tgid = -1;
	char *end;
	FILE *f;

	errno = 0;
	v = strtol(pid, &end, 10);
	if (errno || end == pid || *end || v <= 0 || v > 0x3fffffff) {
		fl_err("--pid %s: not a process id", pid);
		return -EINVAL;
	}
	snprintf(path, sizeof(path), "/proc/%ld/status", v);
	f = fopen(path, "re");
	while (f && getline(&line, &cap, f) > 0)
		if (sscanf(line, "Tgid: %ld", &tgid) == 1)
			break;
	if (f)
		fclose(f);
	free(line);
	if (tgid < 0) {
		fl_err("--pid %s: no such process", pid);
		return -ESRCH;
	}
	if (tgid != v) {
		fl_err("--pid %s: a thread of process %ld; --pid takes a process id", pid, tgid);
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
	if (fl_files_check((struct fl_file_arg[]){ { "--json", o.json_path, true } }, 1))
		return FL_EXIT_ENV;
	if (optind < argc)
		o.cmd = argv + optind;
	return fl_live_run(&o);
}
