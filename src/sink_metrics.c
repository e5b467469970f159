// SPDX-License-Identifier: GPL-2.0
/*
 * Metrics in Prometheus's text exposition format, for node_exporter's
 * textfile collector: one file, rewritten whole (temporary file, rename)
 * so that a scrape never reads half of it.  Counters only grow while the
 * service runs; a restart starts them again, as Prometheus expects.
 */
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules.h"
#include "util.h"
#include "watch.h"

struct buf {
	char *p;
	size_t len, cap;
};

static void put(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void put(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
		va_end(ap);
		if (n >= 0 && b->len + n < b->cap)
			break;
		b->cap = b->cap ? 2 * b->cap : 4096;
		b->p = realloc(b->p, b->cap);
		if (!b->p)
			abort();
	}
	b->len += n;
}

/* A label value: backslash, double quote and newline escaped, as the format asks. */
static const char *label(char *out, size_t len, const char *s)
{
	size_t o = 0;

	for (; *s && o + 3 < len; s++) {
		if (*s == '\\' || *s == '"')
			out[o++] = '\\';
		if (*s == '\n') {
			out[o++] = '\\';
			out[o++] = 'n';
			continue;
		}
		out[o++] = *s;
	}
	out[o] = 0;
	return out;
}

static const enum fl_counter event_kinds[] = {
	FL_CNT_FAULTS, FL_CNT_MAP_PAGES, FL_CNT_INSERTIONS, FL_CNT_DELETIONS,
	FL_CNT_INVALIDATIONS, FL_CNT_IOMAP, FL_CNT_IOMAP_MAPS,
};

/*
 * The evidence each rule can report (the engine's report() calls).  Each
 * pair is exported from the start, at 0: a series that appears only with
 * its first violation hides exactly that one from increase() and rate(),
 * which need two samples.
 */
static bool rule_has(int rule, int evidence)
{
	switch (rule) {
	case FL_R_FAULT_UNLOCKED:
	case FL_R_INSERT_UNLOCKED:
		return evidence == FL_EVID_DEFINITE || evidence == FL_EVID_OBSERVED_RACE;
	case FL_R_LOCK_ORDER:
		return evidence == FL_EVID_INVERSION || evidence == FL_EVID_CYCLE;
	default:
		return evidence == FL_EVID_DEFINITE;
	}
}

int fl_metrics_write(const char *path, const struct fl_engine *e, const struct fl_run_info *ri,
		     const uint64_t *by_rule_evidence, bool up)
{
	struct buf b = { 0 };
	struct fl_counts t;
	char fs[80], mnt[2 * PATH_MAX];
	int err;

	fl_engine_total(e, &t);
	put(&b, "# HELP faultline_events_total Page-cache events faultline saw, by filesystem.\n"
		"# TYPE faultline_events_total counter\n");
	for (int s = 0; s < FL_MAX_SLOTS; s++) {
		const struct fl_slot_info *si = &ri->slots[s];

		if (!fl_report_slot_row(e, ri, s))
			continue;
		label(fs, sizeof(fs), si->used ? si->fstype : "other");
		label(mnt, sizeof(mnt), si->used ? si->mount : "");
		for (size_t k = 0; k < ARRAY_SIZE(event_kinds); k++)
			put(&b, "faultline_events_total{fs=\"%s\",dev=\"%u:%u\",mount=\"%s\","
				"kind=\"%s\"} %" PRIu64 "\n", fs, fl_kdev_major(si->kdev),
			    fl_kdev_minor(si->kdev), mnt, fl_counter_name(event_kinds[k]),
			    e->slots[s].c[event_kinds[k]]);
	}
	put(&b, "# HELP faultline_violations_total Occurrences of violations, by rule and "
		"evidence.\n# TYPE faultline_violations_total counter\n");
	for (int r = 0; r < FL_R_MAX; r++)
		for (int v = 0; v < FL_EVID_MAX; v++)
			if (rule_has(r, v) || by_rule_evidence[r * FL_EVID_MAX + v])
				put(&b, "faultline_violations_total{rule=\"%s\",evidence=\"%s\"} %"
					PRIu64 "\n", fl_rule_info(r)->name, fl_evidence_name(v),
				    by_rule_evidence[r * FL_EVID_MAX + v]);
	put(&b, "# HELP faultline_violations_distinct Distinct violations found.\n"
		"# TYPE faultline_violations_distinct gauge\nfaultline_violations_distinct %zu\n",
	    e->nviol);
	put(&b, "# HELP faultline_lost_events_total Events the ring buffer could not take: "
		"the verdict is incomplete.\n# TYPE faultline_lost_events_total counter\n"
		"faultline_lost_events_total %" PRIu64 "\n", fl_report_lost(e, ri));
	put(&b, "# HELP faultline_unknown_lock_states_total Lock checks the lock word could "
		"not decide.\n# TYPE faultline_unknown_lock_states_total counter\n"
		"faultline_unknown_lock_states_total %" PRIu64 "\n", t.c[FL_CNT_UNKNOWN]);
	if (ri->self_cost)
		put(&b, "# HELP faultline_bpf_run_seconds_total Time in faultline's BPF "
			"programs.\n# TYPE faultline_bpf_run_seconds_total counter\n"
			"faultline_bpf_run_seconds_total %.9f\n# TYPE faultline_bpf_runs_total "
			"counter\nfaultline_bpf_runs_total %" PRIu64 "\n", ri->bpf_run_ns / 1e9,
		    ri->bpf_runs);
	put(&b, "# HELP faultline_up 1 while faultline watches, 0 once it has stopped.\n"
		"# TYPE faultline_up gauge\nfaultline_up %d\n", up);
	err = fl_write_atomic(path, b.p, b.len, NULL);
	free(b.p);
	return err;
}
