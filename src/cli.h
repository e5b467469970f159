/* SPDX-License-Identifier: GPL-2.0 */
#ifndef FL_CLI_H
#define FL_CLI_H

#include "live.h"

int fl_cmd_check(int argc, char **argv);
int fl_cmd_probe(int argc, char **argv);
int fl_cmd_demo(int argc, char **argv);
int fl_cmd_record(int argc, char **argv);
int fl_cmd_report(int argc, char **argv);

/* Shared by check and demo: --dev/--path/--pid parsing into live opts. */
int fl_cli_add_dev(struct fl_live_opts *o, const char *dev);
int fl_cli_add_path(struct fl_live_opts *o, const char *path);
int fl_cli_add_pid(struct fl_live_opts *o, const char *pid);
int fl_cli_seconds(const char *s, double *out);
int fl_cli_ring_size(struct fl_live_opts *o, const char *arg);
/* Options check and demo share (-j -r -A -a -L -v): 1 handled, 0 not ours, -1 bad. */
int fl_cli_common(int c, const char *arg, struct fl_live_opts *o);
/* check's and record's long options, and their short letters for getopt */
#define FL_CLI_TRACE_OPTIONS \
	{ "json", required_argument, NULL, 'j' }, \
	{ "dev", required_argument, NULL, 'd' }, \
	{ "path", required_argument, NULL, 'p' }, \
	{ "pid", required_argument, NULL, 'P' }, \
	{ "duration", required_argument, NULL, 't' }, \
	{ "ring-size", required_argument, NULL, 'r' }, \
	{ "self-cost", no_argument, NULL, 'C' }, \
	{ "assume-protocol", required_argument, NULL, 'A' }, \
	{ "attach", required_argument, NULL, 'a' }, \
	{ "locks", required_argument, NULL, 'L' }, \
	{ "lock-order", no_argument, NULL, 'O' }, \
	{ "verbose", no_argument, NULL, 'v' }
#define FL_CLI_TRACE_SHORT "j:d:p:P:t:r:CA:a:L:Ov"
/* Those options (and fl_cli_common's): 1 handled, 0 not ours, -1 bad. */
int fl_cli_trace(int c, const char *arg, struct fl_live_opts *o);
/* Exit status for an option error; prints @usage for an unknown option. */
int fl_cli_usage_error(int c, const char *usage);

#endif
