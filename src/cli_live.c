// SPDX-License-Identifier: GPL-2.0
/*
 * The option groups of live sessions (check, record, demo, probe): what
 * is watched, for how long, through which ring and hooks.  Apart from
 * cli.c because they need the loader and the filters, which the
 * post-mortem side (report) and its tests are built without.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "filters.h"
#include "loader.h"
#include "util.h"

/* ---- filters --------------------------------------------------------- */

static int set_dev(struct fl_cli *c, const char *arg)
{
	return fl_filter_dev(&c->live, arg) ? -1 : 0;
}

static int set_path(struct fl_cli *c, const char *arg)
{
	return fl_filter_path(&c->live, arg) ? -1 : 0;
}

static int set_pid(struct fl_cli *c, const char *arg)
{
	return fl_filter_pid(&c->live, arg) ? -1 : 0;
}

const struct fl_opt fl_opts_filters[] = {
	{ "dev", 'd', "DEV", "watch only this mounted filesystem: its block device or "
	  "MAJ:MIN (repeatable, up to 7)", .set = set_dev },
	{ "path", 'p', "DIR", "watch only the filesystem of the mount holding DIR "
	  "(repeatable)", .set = set_path },
	{ "pid", 'P', "PID", "watch only this process (repeatable)", .set = set_pid },
	{ NULL },
};

/* ---- the session ------------------------------------------------------ */

const struct fl_opt fl_opts_duration[] = {
	{ "duration", 't', "SECS", "stop after SECS seconds (default: when CMD, if any, "
	  "exits, or at SIGINT/SIGTERM)", FL_LIVE(FL_STORE_SECS, duration) },
	{ NULL },
};

/* An integer number of MiB, or of KiB with a K suffix: 4K up to 1024 (MiB). */
static int set_ring_size(struct fl_cli *c, const char *arg)
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
		return -1;
	}
	/* ring buffer sizes are a power of two of pages */
	c->live.ring_bytes = 1u << (63 - __builtin_clzll(bytes));
	return 0;
}

const struct fl_opt fl_opts_ring[] = {
	{ "ring-size", 'r', "MIB", "BPF ring buffer: integer MiB, or KiB with K (4K..1024); "
	  "what does not fit is lost, and said", .set = set_ring_size },
	{ "self-cost", 'C', NULL, "measure faultline's own BPF run time (\"self_cost\" in "
	  "the JSON)", FL_LIVE(FL_STORE_TRUE, self_cost) },
	{ NULL },
};

static int set_attach(struct fl_cli *c, const char *arg)
{
	if (!fl_attach_mode_parse(arg, (enum fl_attach_mode *)&c->live.attach))
		return 0;
	fl_err("--attach %s: one of auto, tp, fentry, kprobe", arg);
	return -1;
}

static int set_locks(struct fl_cli *c, const char *arg)
{
	if (strcmp(arg, "precise") && strcmp(arg, "word")) {
		fl_err("--locks %s: precise or word", arg);
		return -1;
	}
	c->live.precise = !strcmp(arg, "precise");
	return 0;
}

const struct fl_opt fl_opts_attach[] = {
	{ "attach", 'a', "MODE", "auto (tracepoint, else fentry, else kprobe), or force tp, "
	  "fentry or kprobe", .set = set_attach },
	{ "locks", 'L', "MODE", "lock evidence: word (the lock words) or precise (fentry on "
	  "the rw_semaphore operations)", .set = set_locks },
	{ "lock-order", 'O', NULL, "also verify lock order: cycles and inversions of the "
	  "documented hierarchy", FL_LIVE(FL_STORE_TRUE, lock_order) },
	{ NULL },
};
