// SPDX-License-Identifier: GPL-2.0
/*
 * faultline: a lock-discipline verifier for the Linux page cache.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "util.h"

static const char usage[] =
"usage: faultline <command> [options]\n"
"\n"
"faultline traces page faults, page-cache insertions and deletions, iomap\n"
"steps and invalidations (hole punch, zero/collapse/insert range, truncate)\n"
"with eBPF, correlates them per inode and reports the lock-discipline\n"
"violations behind known page-cache data-loss bugs, with their evidence.\n"
"\n"
"commands:\n"
"  check [options] [-- CMD ARGS...]   trace until CMD exits, a signal or --duration,\n"
"                                     then report; exit status bits: 1 violations,\n"
"                                     4 incomplete verdict, 8 CMD failed; 2 error;\n"
"                                     0 clean (see check --help)\n"
"  record -o FILE [options] [-- CMD]  as check, and write every event to a dump FILE\n"
"  report FILE [--json OUT] [--timeline OUT]\n"
"                                     judge a recorded dump (here or on another\n"
"                                     machine) like check; a Perfetto timeline\n"
"  probe                              what this kernel allows, and the attach plan\n"
"  watch [options]                    the always-on service: as check until SIGTERM,\n"
"                                     each new violation delivered as found (stdout,\n"
"                                     NDJSON, journal, kernel log, Prometheus)\n"
"  demo [options]                     run `check` over a built-in workload on scratch\n"
"                                     ext4, xfs and tmpfs filesystems\n"
"\n"
"Run `faultline <command> --help` for the options of each command.\n";

static const struct {
	const char *name;
	int (*run)(int argc, char **argv);
} commands[] = {
	{ "check", fl_cmd_check },
	{ "record", fl_cmd_record },
	{ "report", fl_cmd_report },
	{ "probe", fl_cmd_probe },
	{ "watch", fl_cmd_watch },
	{ "demo", fl_cmd_demo },
};

int main(int argc, char **argv)
{
	if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") ||
	    !strcmp(argv[1], "help")) {
		fputs(usage, argc < 2 ? stderr : stdout);
		return argc < 2 ? FL_EXIT_ENV : FL_EXIT_CLEAN;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("faultline %s (event ABI %d)\n", FL_VERSION, FL_ABI_VERSION);
		return 0;
	}
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].run(argc - 1, argv + 1);
	fl_err("unknown command '%s'", argv[1]);
	fprintf(stderr, "\n%s", usage);
	return FL_EXIT_ENV;
}
