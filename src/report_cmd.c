// SPDX-License-Identifier: GPL-2.0
/*
 * `faultline report FILE`: a recorded run through the same engine and
 * reporters as `check`.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "dump.h"
#include "engine.h"
#include "exit.h"
#include "import_tracedat.h"
#include "outputs.h"
#include "report.h"
#include "rules.h"
#include "timeline.h"
#include "util.h"

/*
 * An input reader: fills the engine (fed in event order), the run info and,
 * for faultline dumps, the dump's metadata.  0, or -1 with @err set.
 */
typedef int (*fl_reader_fn)(const char *path, struct fl_engine *e, struct fl_run_info *ri,
			    struct fl_dump_meta_in *m, char *err, size_t errlen);

/*
 * The dispatch point: the input's first bytes name its format.  A new
 * format is one more row here with its magic and its reader, e.g.
 *   { "\x17\x08\x44tracing", 10, "trace-cmd trace.dat", fl_tracedat_read },
 * A reader feeds every event to fl_engine_feed() in time order, calls
 * m->on_event(m->cb_ctx, ev) (the timeline) after each when it is set,
 * fills @ri (kernel, slots, ncpus/lost_per_cpu: malloc'd, freed here), and
 * either restores BPF's counts into e->slots or sets e->count_events before
 * the first event (inputs without counters, e.g. trace.dat).  It sets
 * m->complete = true when it read the whole input, else m->why (the report
 * is then marked partial).  Symbols: the engine names frames through
 * fl_dump_symname(m), i.e. m->syms (empty unless the reader fills it).
 * Other fields of @m are faultline-dump specific.
 */
static const struct {
	const char *magic;
	size_t len;
	const char *name;
	fl_reader_fn read;
} readers[] = {
	{ FL_DUMP_MAGIC, FL_DUMP_MAGIC_LEN, "faultline dump", fl_dump_read },
	{ "\x17\x08\x44tracing", 10, "trace-cmd trace.dat", fl_tracedat_report },
};

/* --dev for an import: the slots name the only filesystems read. */
static int add_dev(struct fl_run_info *ri, const char *arg)
{
	unsigned int maj, min;
	int n = 0;
	char tail;

	while (n < FL_MAX_SLOTS - 1 && ri->slots[n + 1].used)
		n++;
	if (sscanf(arg, "%u:%u%c", &maj, &min, &tail) != 2 || maj >= 4096 || min >= (1u << 20)) {
		fl_err("report: --dev %s: expected MAJ:MIN", arg);
		return -1;
	}
	if (n == FL_MAX_SLOTS - 1) {
		fl_err("report: at most %d --dev", FL_MAX_SLOTS - 1);
		return -1;
	}
	n++;
	ri->filtered = true;
	ri->slots[n].used = true;
	ri->slots[n].kdev = (maj << 20) | min;
	snprintf(ri->slots[n].fstype, sizeof(ri->slots[n].fstype), "unknown");
	return 0;
}

static fl_reader_fn detect(const char *path, char *err, size_t errlen)
{
	unsigned char head[16] = { 0 };
	ssize_t n;
	int fd = fl_open_regular(path, err, errlen);

	if (fd < 0)
		return NULL;
	n = read(fd, head, sizeof(head));
	close(fd);
	if (n <= 0) {
		snprintf(err, errlen, n ? "cannot read it" : "empty file");
		return NULL;
	}
	for (size_t i = 0; i < ARRAY_SIZE(readers); i++)
		if ((size_t)n >= readers[i].len && !memcmp(head, readers[i].magic, readers[i].len))
			return readers[i].read;
	snprintf(err, errlen, "unknown format: neither a faultline dump nor a trace.dat");
	return NULL;
}

struct report_opts {
	struct fl_run_info *ri;
	const char *timeline;
	bool import_opts;	/* --dev or --assume-protocol: trace.dat only */
};

static int set_import_dev(struct fl_cli *c, const char *arg)
{
	struct report_opts *r = c->cmd;

	r->import_opts = true;
	return add_dev(r->ri, arg) ? -1 : 0;
}

static int set_import_assume(struct fl_cli *c, const char *arg)
{
	((struct report_opts *)c->cmd)->import_opts = true;
	return fl_rules_assume(arg) ? -1 : 0;
}

static const struct fl_opt report_opts[] = {
	{ "timeline", 'T', "OUT", "write a Chrome/Perfetto trace-event JSON timeline",
	  FL_CMD(FL_STORE_STR, struct report_opts, timeline) },
	{ "dev", 'd', "MAJ:MIN", "trace.dat: import only this filesystem (repeatable)",
	  .set = set_import_dev },
	{ "assume-protocol", 'A', "FS:RULE[,RULE]", "trace.dat: add a requirement to a "
	  "filesystem's protocol, as check does", .set = set_import_assume },
	{ NULL },
};

static const struct fl_cmd_spec report_spec = {
	.name = "report",
	.synopsis = "[options] FILE",
	.about =
"Judge a dump written by `faultline record` (here or on another machine),\n"
"or a trace.dat recorded by trace-cmd, with the same engine as `check`:\n"
"the same summary, violations and counts.  An input cut short is read up\n"
"to its last whole record and reported as PARTIAL.  Exit status as check's\n"
"(4: the input is partial or lost events); 2: unreadable input.",
	.groups = { report_opts, fl_opts_json },
	.operands = 1,
};

int fl_cmd_report(int argc, char **argv)
{
	struct fl_dump_meta_in *m = fl_xcalloc(1, sizeof(*m));
	struct fl_run_info *ri = fl_xcalloc(1, sizeof(*ri));
	struct report_opts r = { .ri = ri };
	struct fl_cli c = { .live = { .mode = "report" }, .cmd = &r };
	const char *json, *timeline, *path;
	struct fl_timeline *tl = NULL;
	struct fl_engine *e = NULL;
	int first, ret = FL_EXIT_ENV;
	char err[256] = "";
	fl_reader_fn read_fn;

	switch (fl_cli_parse(&report_spec, argc, argv, &c, &first)) {
	case 0:
		break;
	case 1:
		ret = FL_EXIT_CLEAN;
		goto out;
	default:
		goto out;
	}
	json = c.live.json_path;
	timeline = r.timeline;
	path = argv[first];
	if (fl_files_check((struct fl_file_arg[]){ { "input", path, false },
						   { "--json", json, true },
						   { "--timeline", timeline, true } }, 3))
		goto out;
	read_fn = detect(path, err, sizeof(err));
	if (!read_fn) {
		fl_err("report: %s: %s", path, err);
		goto out;
	}
	if (r.import_opts && read_fn == fl_dump_read) {
		fl_err("report: --dev and --assume-protocol apply to trace.dat imports; a "
		       "faultline dump carries the filters and protocol it was recorded with");
		goto out;
	}
	e = fl_engine_new(fl_dump_symname, m);
	if (timeline) {
		tl = fl_timeline_open(timeline);
		if (!tl)
			goto out;
		m->on_event = fl_timeline_event;
		m->on_lost = fl_timeline_lost;
		m->cb_ctx = tl;
	}
	if (read_fn(path, e, ri, m, err, sizeof(err))) {
		fl_err("report: %s: %s", path, err);
		goto out;
	}
	if (!m->complete) {
		ri->partial = m->why[0] ? m->why : "the input is incomplete";
		fl_warn("report: %s is partial: %s", path, ri->partial);
	}
	fl_info("%s: %llu events from %s (%s), boot %s", path, (unsigned long long)m->events,
		m->host[0] ? m->host : "?", ri->kernel, m->boot_id[0] ? m->boot_id : "?");
	fl_report_text(stdout, e, ri);
	fflush(stdout);
	if (json) {
		int r = fl_report_json(json, e, ri);

		if (r) {
			fl_err("cannot write %s: %s", json, strerror(-r));
			goto out;
		}
	}
	if (tl) {
		int r = fl_timeline_close(tl, e);

		tl = NULL;
		if (r)
			goto out;
	}
	ret = fl_exit_status(e, ri);
out:
	if (tl)
		fl_timeline_close(tl, e);
	fl_engine_free(e);
	fl_dump_meta_free(m);
	free(m);
	free(ri->lost_per_cpu);
	free(ri);
	return ret;
}
