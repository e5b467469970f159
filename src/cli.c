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

static int set_assume(struct fl_cli *c, const char *arg)
{
	(void)c;
	return fl_rules_assume(arg) ? -1 : 0;
}

const struct fl_opt fl_opts_rules[] = {
	{ "assume-protocol", 'A', "FS:RULE[,RULE]", "test faultline: add a requirement to a "
	  "filesystem's protocol (e.g. xfs:map-pages-locked)", .set = set_assume },
	{ NULL },
};

const struct fl_opt fl_opts_json[] = {
	{ "json", 'j', "FILE", "also write the report as JSON (a new or regular file)",
	  FL_LIVE(FL_STORE_STR, json_path) },
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
	{ "verbose", 'v', NULL, "more diagnostics (twice: libbpf's own)", .set = set_verbose },
	{ "help", 'h', NULL, "this help; the manual is faultline-<command>(8)",
	  .set = NULL },	/* the parser prints it */
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

static int apply(struct fl_cli *c, const struct fl_opt *o, const char *arg)
{
	char *base = o->in_live ? (char *)&c->live : c->cmd;

	switch (o->store) {
	case FL_STORE_STR:
		*(const char **)(base + o->off) = arg;
		return 0;
	case FL_STORE_TRUE:
		*(bool *)(base + o->off) = true;
		return 0;
	case FL_STORE_SECS:
		if (!fl_cli_seconds(arg, (double *)(base + o->off)))
			return 0;
		fl_err("--%s %s: not a positive number of seconds", o->name, arg);
		return -1;
	default:
		return o->set(c, arg);
	}
}

int fl_cli_parse(const struct fl_cmd_spec *spec, int argc, char **argv, struct fl_cli *c,
		 int *first)
{
	struct option longs[FL_CLI_MAX_OPTS + 1];
	char shorts[3 * FL_CLI_MAX_OPTS + 2];
	size_t nl = 0, ns = 0;
	int key;

	/* "+": stop at the first operand, the traced command keeps its options */
	if (spec->takes_command)
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
		if (apply(c, o, optarg))
			return -1;
	}
	*first = optind;
	if (!spec->takes_command && argc - optind != spec->operands) {
		if (spec->operands)
			fl_cli_usage(spec);
		else
			fl_err("%s takes no arguments: %s", spec->name, argv[optind]);
		return -1;
	}
	return 0;
}
