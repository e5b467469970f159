// SPDX-License-Identifier: GPL-2.0
/*
 * tracedat_report: the trace-cmd importer on its own, until `faultline
 * report FILE` reads trace.dat files by their magic.
 *
 *   tracedat_report FILE [--json OUT] [--dev MAJ:MIN]... [--assume-protocol FS:RULE]
 *
 * Prints the same text report as `faultline check`, and one line of import
 * statistics on stderr ("tracedat: records=N used=N ...").  Exit status 0
 * no violation, 1 violations, 2 the file could not be read.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "import_tracedat.h"
#include "report.h"
#include "rules.h"
#include "util.h"

static const char usage[] =
"usage: tracedat_report FILE [--json OUT] [--dev MAJ:MIN]... [--assume-protocol FS:RULE]\n";

static int add_dev(struct fl_run_info *ri, int *n, const char *arg)
{
	unsigned int maj, min;
	char tail;

	if (sscanf(arg, "%u:%u%c", &maj, &min, &tail) != 2 || *n >= FL_MAX_SLOTS - 1) {
		fl_err("--dev %s: MAJ:MIN, at most %d", arg, FL_MAX_SLOTS - 1);
		return -1;
	}
	(*n)++;
	ri->filtered = true;
	ri->slots[*n].used = true;
	ri->slots[*n].kdev = (maj << 20) | min;
	snprintf(ri->slots[*n].fstype, sizeof(ri->slots[*n].fstype), "unknown");
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", required_argument, NULL, 'j' },
		{ "dev", required_argument, NULL, 'd' },
		{ "assume-protocol", required_argument, NULL, 'A' },
		{ "verbose", no_argument, NULL, 'v' },
		{ NULL, 0, NULL, 0 },
	};
	static struct fl_run_info ri;
	struct fl_tracedat_stats st;
	const char *json = NULL;
	struct fl_engine *e;
	char err[512];
	int c, ndev = 0, rc;

	while ((c = getopt_long(argc, argv, "j:d:A:v", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = optarg;
			break;
		case 'd':
			if (add_dev(&ri, &ndev, optarg))
				return FL_EXIT_ENV;
			break;
		case 'A':
			if (fl_rules_assume(optarg))
				return FL_EXIT_ENV;
			break;
		case 'v':
			fl_verbose++;
			break;
		default:
			fputs(usage, stderr);
			return FL_EXIT_ENV;
		}
	}
	if (optind != argc - 1) {
		fputs(usage, stderr);
		return FL_EXIT_ENV;
	}
	e = fl_engine_new(NULL, NULL);
	if (fl_tracedat_read_stats(argv[optind], e, &ri, &st, err, sizeof(err))) {
		fl_err("%s", err);
		fl_engine_free(e);
		return FL_EXIT_ENV;
	}
	fprintf(stderr, "tracedat: records=%" PRIu64 " used=%" PRIu64 " skipped=%" PRIu64
		" filtered=%" PRIu64 " stacks=%" PRIu64 " lost=%" PRIu64 " xfs_locks=%" PRIu64
		" events=%" PRIu64 " partial=%d\n", st.records, st.used, st.skipped, st.filtered,
		st.stacks, st.lost, st.xfs_locks, e->events, st.partial);
	fl_report_text(stdout, e, &ri);
	rc = e->nviol ? FL_EXIT_VIOLATIONS : FL_EXIT_CLEAN;
	if (json && fl_report_json(json, e, &ri)) {
		fl_err("cannot write %s", json);
		rc = FL_EXIT_ENV;
	}
	fl_engine_free(e);
	fl_tracedat_free_info(&ri);
	return rc;
}
