// SPDX-License-Identifier: GPL-2.0
/* `faultline check`: trace until CMD exits, a signal or --duration; report. */
#include "cli.h"
#include "outputs.h"
#include "util.h"

static const struct fl_cmd_spec check_spec = {
	.name = "check",
	.synopsis = "[options] [-- CMD ARGS...]",
	.about =
"Trace page faults, page-cache insertions and deletions, iomap steps and\n"
"invalidations (and with --lock-order, lock acquisitions) until CMD exits\n"
"(it starts once tracing is attached), SIGINT/SIGTERM or --duration; then\n"
"report every violation with its evidence and stacks.  Exit status bits:\n"
"1 violations, 4 incomplete verdict, 8 CMD failed; 2 faultline failed.",
	.groups = { fl_opts_json, fl_opts_filters, fl_opts_duration, fl_opts_ring,
		    fl_opts_attach, fl_opts_rules },
	.takes_command = true,
};

int fl_cmd_check(int argc, char **argv)
{
	struct fl_cli c = { .live = { .mode = "check" } };
	int first, err = fl_cli_parse(&check_spec, argc, argv, &c, &first);

	if (err)
		return err > 0 ? FL_EXIT_CLEAN : FL_EXIT_ENV;
	if (fl_files_check((struct fl_file_arg[]){ { "--json", c.live.json_path, true } }, 1))
		return FL_EXIT_ENV;
	if (first < argc)
		c.live.cmd = argv + first;
	return fl_live_run(&c.live);
}
