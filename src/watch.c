// SPDX-License-Identifier: GPL-2.0
/*
 * `faultline watch`: the always-on service.  The session is fl_live_run's;
 * this file is what a service adds to it: one alert per distinct bug (its
 * signature) on every sink the moment the engine finds it, counts and
 * metrics while it runs, the report on SIGHUP, and systemd's protocol.
 */
#include <errno.h>
#include <inttypes.h>
#include <bpf/libbpf.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "loader.h"
#include "outputs.h"
#include "rules.h"
#include "signature.h"
#include "sigset.h"
#include "util.h"
#include "watch.h"

/*
 * One alert per signature: the engine keeps at most FL_MAX_VIOLATIONS, so
 * as many signatures fit.  The set has its own bound all the same.
 */
#define FL_WATCH_MAX_ALERTS	FL_MAX_VIOLATIONS

struct fl_watch {
	struct fl_watch_opts o;
	FILE *events;			/* NDJSON, or NULL */
	FILE *text;			/* the text blocks: stdout, stderr when NDJSON is there */
	struct fl_kmsg *kmsg;
	bool journal;
	struct fl_sigset alerted;	/* signatures already alerted */
	uint64_t start_ns, last_stats, last_metrics, ticks;
	bool watchdog;
};

static double wall_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * An event's CLOCK_MONOTONIC stamp (bpf_ktime_get_ns) as wall-clock
 * seconds: what an operator compares with logs.  The offset is taken now,
 * so a clock step between the event and this call moves it; NTP's slewing
 * does not matter at the scale of an alert.
 */
static double wall_of(uint64_t mono_ns)
{
	uint64_t now = fl_now_ns();
	double wall = wall_now();

	return mono_ns <= now ? wall - (now - mono_ns) / 1e9 : wall + (mono_ns - now) / 1e9;
}

struct fl_watch *fl_watch_new(const struct fl_watch_opts *o)
{
	struct fl_watch *w = fl_xcalloc(1, sizeof(*w));

	w->o = *o;
	w->text = stdout;
	if (o->events && !strcmp(o->events, "-")) {
		w->events = stdout;
		w->text = stderr;
	} else if (o->events) {
		/* appended: a restarted service continues the stream */
		w->events = fopen(o->events, "ae");
		if (!w->events) {
			fl_err("--events %s: %s", o->events, strerror(errno));
			goto fail;
		}
	}
	if (o->kmsg) {
		w->kmsg = fl_kmsg_open();
		if (!w->kmsg)
			goto fail;
	}
	w->journal = o->journal || fl_journal_under_systemd();
	if (o->journal && !fl_journal_available()) {
		fl_err("--journal: this build has no libsystemd (the static build)");
		goto fail;
	}
	fl_sigset_init(&w->alerted, FL_WATCH_MAX_ALERTS);
	return w;
fail:
	fl_watch_free(w);
	return NULL;
}

void fl_watch_free(struct fl_watch *w)
{
	if (!w)
		return;
	if (w->events && w->events != stdout)
		fclose(w->events);
	fl_kmsg_close(w->kmsg);
	fl_sigset_free(&w->alerted);
	free(w);
}

FILE *fl_watch_text(const struct fl_watch *w)
{
	return w->text;
}

/* Occurrences per rule and evidence, over every violation kept. */
static void by_rule(const struct fl_engine *e, uint64_t *n)
{
	memset(n, 0, FL_R_MAX * FL_EVID_MAX * sizeof(*n));
	for (size_t i = 0; i < e->nviol; i++)
		n[e->viol[i].rule * FL_EVID_MAX + e->viol[i].evidence] +=
			e->viol[i].count + e->viol[i].other_files;
}

static void metrics(struct fl_watch *w, const struct fl_engine *e, const struct fl_run_info *ri,
		    bool up)
{
	uint64_t n[FL_R_MAX * FL_EVID_MAX];

	by_rule(e, n);
	if (fl_metrics_write(w->o.metrics, e, ri, n, up))
		fl_warn("cannot write --metrics %s", w->o.metrics);
	w->last_metrics = fl_now_ns();
}

/* systemd's STATUS=: one format from READY=1 on, for whoever parses it */
static void notify_status(const struct fl_watch *w, const char *prefix,
			  const struct fl_engine *e, const struct fl_run_info *ri)
{
	char status[256];
	uint64_t occ = 0;

	for (size_t i = 0; i < e->nviol; i++)
		occ += e->viol[i].count + e->viol[i].other_files;
	snprintf(status, sizeof(status), "%sSTATUS=watching; %zu distinct violations (%" PRIu64
		 " occurrences), %" PRIu64 " lost events%s", prefix, e->nviol, occ,
		 fl_report_lost(e, ri),
		 w->alerted.dropped ? "; alert table full: new signatures not alerted" : "");
	fl_notify(status);
}

void fl_watch_started(struct fl_watch *w, struct fl_engine *e, struct fl_run_info *ri)
{
	w->start_ns = fl_now_ns();
	w->last_stats = w->last_metrics = w->start_ns;
	w->watchdog = fl_notify_watchdog();
	/* a scrape sees the service up (and its counters at 0) from the start */
	if (w->o.metrics)
		metrics(w, e, ri, true);
	notify_status(w, "READY=1\n", e, ri);
}

void fl_watch_stopping(struct fl_watch *w)
{
	/*
	 * systemd keeps the watchdog armed while a service stops: a last ping
	 * gives the drain and the final report a whole WatchdogSec.
	 */
	fl_notify(w->watchdog ? "STOPPING=1\nWATCHDOG=1" : "STOPPING=1");
}

static void ndjson(struct fl_watch *w, json_object *o)
{
	if (!w->events) {
		json_object_put(o);
		return;
	}
	fprintf(w->events, "%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	fflush(w->events);
	json_object_put(o);
}

void fl_watch_violation(struct fl_watch *w, const struct fl_engine *e,
			const struct fl_run_info *ri, const struct fl_violation *v)
{
	uint64_t dropped = w->alerted.dropped;
	char sig[FL_SIG_LEN];
	json_object *o;

	fl_signature(e, ri, v, sig);
	/* the same bug on another inode: its count grows, nobody is paged again */
	if (!fl_sigset_first(&w->alerted, sig)) {
		if (!dropped && w->alerted.dropped)
			fl_warn("%zu signatures alerted, the most a watch remembers: "
				"new ones are no longer alerted (counted in alerts_dropped; "
				"the report lists them)", w->alerted.n);
		return;
	}
	fl_report_text_violation(w->text, e, ri, v, v - e->viol);
	fflush(w->text);
	o = fl_report_violation_json(e, ri, v);
	json_object_object_add(o, "type", json_object_new_string("violation"));
	/* when it was found, and when the event that proved it happened */
	json_object_object_add(o, "time", json_object_new_double(wall_now()));
	json_object_object_add(o, "event_time", json_object_new_double(wall_of(v->ev.ts)));
	ndjson(w, o);
	if (w->journal && fl_journal_violation(e, ri, v, sig))
		fl_warn("cannot write violation %s to the journal", sig);
	if (w->kmsg)
		fl_kmsg_violation(w->kmsg, e, ri, v, sig);
}

void fl_watch_hooks(struct fl_watch *w, const struct fl_run_info *ri, const char *module)
{
	json_object *o = json_object_new_object();
	json_object *ok = json_object_new_array(), *failed = json_object_new_array();
	double at = 0;

	for (int i = 0; i < ri->nattach; i++) {
		const struct fl_attach_status *a = &ri->attach[i];

		if (!a->late || strcmp(a->module, module))
			continue;
		if (a->late_s > at)
			at = a->late_s;
		if (!strcmp(a->status, "attached")) {
			json_object_array_add(ok, json_object_new_string(a->prog));
		} else {
			json_object *f = json_object_new_object();

			json_object_object_add(f, "program", json_object_new_string(a->prog));
			json_object_object_add(f, "why", json_object_new_string(a->why));
			json_object_array_add(failed, f);
		}
	}
	json_object_object_add(o, "type", json_object_new_string("attach"));
	json_object_object_add(o, "time", json_object_new_double(wall_now()));
	json_object_object_add(o, "uptime_s",
			       json_object_new_double((fl_now_ns() - w->start_ns) / 1e9));
	json_object_object_add(o, "module", json_object_new_string(module));
	json_object_object_add(o, "late_s", json_object_new_double(at));
	json_object_object_add(o, "attached", ok);
	json_object_object_add(o, "failed", failed);
	ndjson(w, o);
}

static json_object *fill_obj(int64_t entries, uint64_t max)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "entries", entries < 0 ? NULL : json_object_new_int64(entries));
	json_object_object_add(o, "max_entries", json_object_new_uint64(max));
	return o;
}

/* BPF's maps, as full as they are now: a service must not grow. */
static json_object *maps_obj(struct fl_loader *l)
{
	struct fl_map_fill f[FL_MAX_MAP_FILL];
	json_object *o = json_object_new_object();
	int n = l ? fl_loader_map_fill(l, f, FL_MAX_MAP_FILL) : 0;

	for (int i = 0; i < n; i++) {
		json_object *m = fill_obj(f[i].entries, f[i].max_entries);
		const char *type = libbpf_bpf_map_type_str(f[i].type);

		json_object_object_add(m, "type", json_object_new_string(type ? type : "?"));
		json_object_object_add(o, f[i].name, m);
	}
	return o;
}

/* The engine's and the watch's own tables, each with its bound. */
static json_object *tables_obj(const struct fl_watch *w, const struct fl_engine *e)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "violations", fill_obj(e->nviol, FL_MAX_VIOLATIONS));
	json_object_object_add(o, "alerts", fill_obj(w->alerted.n, FL_WATCH_MAX_ALERTS));
	json_object_object_add(o, "open_windows", fill_obj(e->nopen, FL_MAX_OPEN_WINDOWS));
	json_object_object_add(o, "stale_waiting", fill_obj(e->nunseen, FL_MAX_STALE_UNSEEN));
	json_object_object_add(o, "lock_order_tasks", fill_obj(e->lo->ntasks, FL_LO_MAX_TASKS));
	json_object_object_add(o, "lock_order_edges", fill_obj(e->lo->nedges, FL_LO_MAX_EDGES));
	json_object_object_add(o, "lock_order_classes",
			       fill_obj(e->lo->ncls, FL_LO_MAX_CLASSES));
	json_object_object_add(o, "lock_order_cycles", fill_obj(e->lo->ncycles, FL_LO_MAX_CYCLES));
	return o;
}

/* VmRSS and VmHWM of this process, in KiB (0 if /proc says nothing). */
static json_object *memory_obj(void)
{
	json_object *o = json_object_new_object();
	uint64_t rss = 0, hwm = 0;
	char line[128];
	FILE *f = fopen("/proc/self/status", "re");

	while (f && fgets(line, sizeof(line), f)) {
		if (!strncmp(line, "VmRSS:", 6))
			rss = strtoull(line + 6, NULL, 10);
		else if (!strncmp(line, "VmHWM:", 6))
			hwm = strtoull(line + 6, NULL, 10);
	}
	if (f)
		fclose(f);
	json_object_object_add(o, "rss_kib", json_object_new_uint64(rss));
	json_object_object_add(o, "peak_rss_kib", json_object_new_uint64(hwm));
	return o;
}

static void stats(struct fl_watch *w, const struct fl_engine *e, const struct fl_run_info *ri,
		  struct fl_loader *l)
{
	json_object *o = json_object_new_object(), *c = json_object_new_object();
	struct fl_counts t;

	fl_engine_total(e, &t);
	for (int i = 0; i < FL_CNT_MAX; i++)
		if (fl_counter_name(i))
			json_object_object_add(c, fl_counter_name(i), json_object_new_uint64(t.c[i]));
	json_object_object_add(o, "type", json_object_new_string("stats"));
	json_object_object_add(o, "time", json_object_new_double(wall_now()));
	json_object_object_add(o, "uptime_s",
			       json_object_new_double((fl_now_ns() - w->start_ns) / 1e9));
	json_object_object_add(o, "counts", c);
	json_object_object_add(o, "lost", json_object_new_uint64(fl_report_lost(e, ri)));
	json_object_object_add(o, "unknown", json_object_new_uint64(t.c[FL_CNT_UNKNOWN]));
	json_object_object_add(o, "violations", json_object_new_uint64(e->nviol));
	json_object_object_add(o, "alerts", json_object_new_uint64(w->alerted.n));
	json_object_object_add(o, "alerts_dropped", json_object_new_uint64(w->alerted.dropped));
	json_object_object_add(o, "memory", memory_obj());
	json_object_object_add(o, "tables", tables_obj(w, e));
	json_object_object_add(o, "maps", maps_obj(l));
	ndjson(w, o);
}

void fl_watch_tick(struct fl_watch *w, const struct fl_engine *e, const struct fl_run_info *ri,
		   struct fl_loader *l)
{
	uint64_t now = fl_now_ns();

	w->ticks++;
	notify_status(w, "", e, ri);
	if (w->watchdog)
		fl_notify("WATCHDOG=1");
	if (w->events && now - w->last_stats >= (uint64_t)(w->o.stats_every * 1e9)) {
		stats(w, e, ri, l);
		w->last_stats = now;
	}
	if (w->o.metrics && now - w->last_metrics >= (uint64_t)(w->o.metrics_every * 1e9))
		metrics(w, e, ri, true);
}

/*
 * Tracing has stopped and @e holds the final counts (the report's): the
 * last stats object, and the metrics file rewritten with them and
 * faultline_up 0, so that neither stream ends on numbers the report
 * contradicts, nor claims a watch that has ended.
 */
void fl_watch_stopped(struct fl_watch *w, const struct fl_engine *e, const struct fl_run_info *ri,
		      struct fl_loader *l)
{
	if (w->events)
		stats(w, e, ri, l);
	if (w->o.metrics)
		metrics(w, e, ri, false);
}

void fl_watch_report(struct fl_watch *w, const struct fl_engine *e, const struct fl_run_info *ri,
		     const char *json_path)
{
	int err;

	/* stdout may be the NDJSON stream (--events -): the text goes beside it */
	fl_report_text(w->text, e, ri);
	fflush(w->text);
	if (!json_path)
		return;
	err = fl_report_json(json_path, e, ri);
	if (err)
		fl_warn("cannot write %s: %s", json_path, strerror(-err));
}

/* ---- the command ---------------------------------------------------- */

static const struct fl_opt watch_opts[] = {
	{ "events", 'e', "FILE", "NDJSON: each new violation and periodic stats (- for "
	  "stdout; appended)", FL_CMD(FL_STORE_STR, struct fl_watch_opts, events) },
	{ "metrics", 'm', "FILE", "Prometheus textfile (node_exporter's textfile "
	  "collector), rewritten atomically every 5 s",
	  FL_CMD(FL_STORE_STR, struct fl_watch_opts, metrics) },
	{ "journal", 'J', NULL, "each new violation to the systemd journal (the default "
	  "when systemd runs faultline)", FL_CMD(FL_STORE_TRUE, struct fl_watch_opts, journal) },
	{ "kmsg", 'k', NULL, "each new violation as a WARNING splat in /dev/kmsg, for "
	  "dmesg checks (fstests)", FL_CMD(FL_STORE_TRUE, struct fl_watch_opts, kmsg) },
	{ "stats-interval", 'S', "SECS", "seconds between NDJSON stats objects (default 60)",
	  FL_CMD(FL_STORE_SECS, struct fl_watch_opts, stats_every) },
	{ NULL },
};

static const struct fl_cmd_spec watch_spec = {
	.name = "watch",
	.synopsis = "[options]",
	.about =
"Watch until SIGTERM or SIGINT, as check does, and deliver each new\n"
"distinct violation (one per signature) the moment it is found: a text\n"
"block on stdout, and as asked to an NDJSON stream, the systemd journal,\n"
"the kernel log, a Prometheus textfile.  SIGHUP prints the report so far\n"
"(and rewrites --json) without stopping.  Exit status as check's.",
	.groups = { watch_opts, fl_opts_json, fl_opts_filters, fl_opts_duration, fl_opts_ring,
		    fl_opts_attach, fl_opts_rules },
};

int fl_cmd_watch(int argc, char **argv)
{
	struct fl_watch_opts wo = { .stats_every = 60, .metrics_every = 5 };
	struct fl_cli c = { .live = { .mode = "watch" }, .cmd = &wo };
	int first, ret = fl_cli_parse(&watch_spec, argc, argv, &c, &first);

	if (ret)
		return ret > 0 ? FL_EXIT_CLEAN : FL_EXIT_ENV;
	if (fl_files_check((struct fl_file_arg[]){
			{ "--json", c.live.json_path, true },
			{ "--events", wo.events && strcmp(wo.events, "-") ? wo.events : NULL, true },
			{ "--metrics", wo.metrics, true } }, 3))
		return FL_EXIT_ENV;
	c.live.watch = fl_watch_new(&wo);
	if (!c.live.watch)
		return FL_EXIT_ENV;
	ret = fl_live_run(&c.live);
	fl_watch_free(c.live.watch);
	return ret;
}
