// SPDX-License-Identifier: GPL-2.0
/*
 * Option groups and the parser every command uses.  getopt_long's tables
 * are built from the groups a command lists, and so is its --help: an
 * option cannot mean one thing in check and another in record, nor say
 * one thing in --help and do another.  The reference is the man pages
 * (faultline-<command>(8)), which describe the same rows.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "filters.h"
#include "loader.h"
#include "rules.h"
#include "util.h"

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
	  "MAJ:MIN (repeatable, up to 7)", set_dev },
	{ "path", 'p', "DIR", "watch only the filesystem of the mount holding DIR "
	  "(repeatable)", set_path },
	{ "pid", 'P', "PID", "watch only this process (repeatable)", set_pid },
	{ NULL },
};

/* ---- the session ------------------------------------------------------ */

static int set_duration(struct fl_cli *c, const char *arg)
{
	if (!fl_cli_seconds(arg, &c->live.duration))
		return 0;
	fl_err("--duration %s: not a positive number of seconds", arg);
	return -1;
}

const struct fl_opt fl_opts_duration[] = {
	{ "duration", 't', "SECS", "stop after SECS seconds (default: when CMD exits, or "
	  "SIGINT/SIGTERM)", set_duration },
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

static int set_self_cost(struct fl_cli *c, const char *arg)
{
	(void)arg;
	c->live.self_cost = true;
	return 0;
}

const struct fl_opt fl_opts_ring[] = {
	{ "ring-size", 'r', "MIB", "BPF ring buffer: integer MiB, or KiB with K (4K..1024); "
	  "what does not fit is lost, and said", set_ring_size },
	{ "self-cost", 'C', NULL, "measure faultline's own BPF run time (\"self_cost\" in "
	  "the JSON)", set_self_cost },
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

static int set_lock_order(struct fl_cli *c, const char *arg)
{
	(void)arg;
	c->live.lock_order = true;
	return 0;
}

const struct fl_opt fl_opts_attach[] = {
	{ "attach", 'a', "MODE", "auto (tracepoint, else fentry, else kprobe), or force tp, "
	  "fentry or kprobe", set_attach },
	{ "locks", 'L', "MODE", "lock evidence: word (the lock words) or precise (fentry on "
	  "the rw_semaphore operations)", set_locks },
	{ "lock-order", 'O', NULL, "also verify lock order: cycles and inversions of the "
	  "documented hierarchy", set_lock_order },
	{ NULL },
};

static int set_assume(struct fl_cli *c, const char *arg)
{
	(void)c;
	return fl_rules_assume(arg) ? -1 : 0;
}

const struct fl_opt fl_opts_rules[] = {
	{ "assume-protocol", 'A', "FS:RULE[,RULE]", "test faultline: add a requirement to a "
	  "filesystem's protocol (e.g. xfs:map-pages-locked)", set_assume },
	{ NULL },
};

static int set_json(struct fl_cli *c, const char *arg)
{
	c->live.json_path = arg;
	return 0;
}

const struct fl_opt fl_opts_json[] = {
	{ "json", 'j', "FILE", "also write the report as JSON (a new or regular file)",
	  set_json },
	{ NULL },
};

/* Every command's: -v and -h. */
static int set_verbose(struct fl_cli *c, const char *arg)
{
	(void)c;
	(void)arg;
	fl_verbose++;
	return 0;
}

static const struct fl_opt general[] = {
	{ "verbose", 'v', NULL, "more diagnostics (twice: libbpf's own)", set_verbose },
	{ "help", 'h', NULL, "this help; the manual is faultline-<command>(8)", NULL },
	{ NULL },
};

/* ---- parsing and help -------------------------------------------------- */

#define FL_CLI_MAX_OPTS	48
#define FL_HELP_INDENT	26	/* where an option's help starts */
#define FL_HELP_WIDTH	79

/* @text from column FL_HELP_INDENT, wrapped at word boundaries. */
static void print_wrapped(FILE *out, int col, const char *text)
{
	const char *w = text;

	while (*w) {
		const char *e = w;
		int len;

		while (*e && *e != ' ')
			e++;
		len = e - w;
		if (col > FL_HELP_INDENT && col + 1 + len > FL_HELP_WIDTH) {
			fprintf(out, "\n%*s", FL_HELP_INDENT, "");
			col = FL_HELP_INDENT;
		} else if (col > FL_HELP_INDENT) {
			fputc(' ', out);
			col++;
		}
		fprintf(out, "%.*s", len, w);
		col += len;
		w = *e ? e + 1 : e;
	}
	fputc('\n', out);
}

static void print_help(const struct fl_cmd_spec *spec, FILE *out)
{
	fprintf(out, "usage: faultline %s %s\n\n%s\n\n", spec->name, spec->synopsis, spec->about);
	for (int g = 0; g <= (int)ARRAY_SIZE(spec->groups); g++) {
		const struct fl_opt *rows = g < (int)ARRAY_SIZE(spec->groups) ? spec->groups[g] :
										general;

		if (!rows)
			continue;
		for (const struct fl_opt *o = rows; o->name; o++) {
			int col = fprintf(out, "  -%c, --%s%s%s", o->key, o->name,
					  o->arg ? " " : "", o->arg ? o->arg : "");

			if (col >= FL_HELP_INDENT - 1) {
				fprintf(out, "\n");
				col = 0;
			}
			fprintf(out, "%*s", FL_HELP_INDENT - col, "");
			print_wrapped(out, FL_HELP_INDENT, o->help);
		}
	}
	fprintf(out, "\nSee faultline-%s(8).\n", spec->name);
}

int fl_cli_usage(const struct fl_cmd_spec *spec)
{
	fprintf(stderr, "usage: faultline %s %s\n(faultline %s --help, faultline-%s(8))\n",
		spec->name, spec->synopsis, spec->name, spec->name);
	return FL_EXIT_ENV;
}

static const struct fl_opt *find(const struct fl_cmd_spec *spec, int key)
{
	for (int g = 0; g <= (int)ARRAY_SIZE(spec->groups); g++) {
		const struct fl_opt *rows = g < (int)ARRAY_SIZE(spec->groups) ? spec->groups[g] :
										general;

		for (const struct fl_opt *o = rows; o && o->name; o++)
			if (o->key == key)
				return o;
	}
	return NULL;
}

int fl_cli_parse(const struct fl_cmd_spec *spec, int argc, char **argv, struct fl_cli *c,
		 int *first)
{
	struct option longs[FL_CLI_MAX_OPTS + 1];
	char shorts[3 * FL_CLI_MAX_OPTS + 2];
	size_t nl = 0, ns = 0;
	int key;

	/* "+": stop at the first operand, the traced command keeps its options */
	shorts[ns++] = '+';
	for (int g = 0; g <= (int)ARRAY_SIZE(spec->groups); g++) {
		const struct fl_opt *rows = g < (int)ARRAY_SIZE(spec->groups) ? spec->groups[g] :
										general;

		for (const struct fl_opt *o = rows; o && o->name; o++) {
			/* a table that grew past the arrays is a build-time mistake */
			if (nl == FL_CLI_MAX_OPTS)
				abort();
			longs[nl++] = (struct option){ o->name, o->arg ? required_argument :
							 no_argument, NULL, o->key };
			shorts[ns++] = (char)o->key;
			if (o->arg)
				shorts[ns++] = ':';
		}
	}
	longs[nl] = (struct option){ NULL, 0, NULL, 0 };
	shorts[ns] = '\0';

	optind = 1;
	while ((key = getopt_long(argc, argv, shorts, longs, NULL)) != -1) {
		const struct fl_opt *o = find(spec, key);

		if (key == 'h') {
			print_help(spec, stdout);
			return 1;
		}
		if (!o || key == '?' || key == ':') {
			fl_cli_usage(spec);
			return -1;
		}
		if (o->set(c, optarg))
			return -1;
	}
	*first = optind;
	if (optind < argc && !spec->takes_command) {
		fl_err("%s takes no arguments: %s", spec->name, argv[optind]);
		return -1;
	}
	return 0;
}
