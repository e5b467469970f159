/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The command line: each command is a table of option groups (cli.c), so
 * that an option means the same in every command that takes it, and its
 * --help comes from the same rows as its parsing.
 */
#ifndef FL_CLI_H
#define FL_CLI_H

#include <stddef.h>

#include "live.h"

#define FL_VERSION	"0.2.0"

int fl_cmd_check(int argc, char **argv);
int fl_cmd_probe(int argc, char **argv);
int fl_cmd_demo(int argc, char **argv);
int fl_cmd_record(int argc, char **argv);
int fl_cmd_report(int argc, char **argv);
int fl_cmd_watch(int argc, char **argv);

/* What parsing fills: the live session's options, and the command's own. */
struct fl_cli {
	struct fl_live_opts live;
	void *cmd;
};

/*
 * What a row does with its argument: most rows only store it, in the live
 * session's options or the command's own, at an offset (FL_LIVE, FL_CMD);
 * the others have a set() that checks it and says what is wrong.
 */
enum fl_opt_store {
	FL_STORE_FN,		/* set() */
	FL_STORE_STR,		/* const char *: the argument */
	FL_STORE_TRUE,		/* bool: true (no argument) */
	FL_STORE_SECS,		/* double: a positive number of seconds */
};

/* One option: --name [ARG], -key. */
struct fl_opt {
	const char *name;
	int key;		/* getopt's: a short letter */
	const char *arg;	/* its argument's name in --help, NULL: none */
	const char *help;	/* one line */
	int (*set)(struct fl_cli *c, const char *arg);	/* 0, or -1 after saying why */
	enum fl_opt_store store;
	bool in_live;		/* stored in fl_cli.live, else in fl_cli.cmd */
	size_t off;
};

#define FL_LIVE(kind, field) \
	.store = (kind), .in_live = true, .off = offsetof(struct fl_live_opts, field)
#define FL_CMD(kind, type, field) .store = (kind), .off = offsetof(type, field)

/*
 * Option groups, each shared by the commands that take it (NULL-terminated
 * arrays of rows):
 *   filters   --dev, --path, --pid            check, record
 *   duration  --duration                      check, record
 *   ring      --ring-size, --self-cost        check, record, demo
 *   attach    --attach, --locks, --lock-order check, record, demo, probe
 *   rules     --assume-protocol               check, record, demo, report
 *   json      --json                          check, record, demo, report
 */
extern const struct fl_opt fl_opts_filters[], fl_opts_duration[], fl_opts_ring[],
	fl_opts_attach[], fl_opts_rules[], fl_opts_json[];

struct fl_cmd_spec {
	const char *name;
	const char *synopsis;	/* after "usage: faultline NAME " */
	const char *about;	/* one paragraph */
	const struct fl_opt *groups[8];	/* the command's own rows first */
	bool takes_command;	/* [-- CMD ARGS...]: options stop at the first operand */
	int operands;		/* otherwise: this many operands, options anywhere */
};

/*
 * Parse @argv by @spec into @c.  0: parsed, *first is the first operand
 * (argc if none); 1: --help was printed (exit 0); -1: an error was said.
 */
int fl_cli_parse(const struct fl_cmd_spec *spec, int argc, char **argv, struct fl_cli *c,
		 int *first);
/* The exit status of a failed parse or a bad operand, and the usage on stderr. */
int fl_cli_usage(const struct fl_cmd_spec *spec);

/* A positive, finite number of seconds (at most 1e7). */
int fl_cli_seconds(const char *s, double *out);

#endif
