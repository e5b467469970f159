// SPDX-License-Identifier: GPL-2.0
/*
 * The lock-order part of the reports: lockdep-shaped text for each
 * finding, a summary of the graph, and the "lock_order" JSON object.
 */
#include <inttypes.h>
#include <json-c/json.h>
#include <string.h>

#include "report.h"
#include "report_lockorder.h"
#include "rules.h"
#include "util.h"

bool fl_report_lo_checked(const struct fl_engine *e, const struct fl_run_info *ri)
{
	return ri->lock_order || e->lo->acquisitions || e->lo->releases;
}

static void print_frames(FILE *out, const struct fl_run_info *ri, const struct fl_event *ev,
			 bool implied)
{
	char frames[FL_MAX_FRAMES][160];
	int n = fl_report_frames(ri, ev, frames, FL_MAX_FRAMES);

	if (!n) {
		fprintf(out, "       %s\n", implied ? "(held per its lock word: no acquisition seen)"
					       : "(no stack: taken only for nested acquisitions)");
		return;
	}
	/* symbol names come from the dump being read */
	for (int i = 0; i < n; i++) {
		char f[FL_ESC_LEN(160)];

		fprintf(out, "       %s\n", fl_esc(f, sizeof(f), frames[i], 160));
	}
}

static const char *mode_name(uint64_t aux)
{
	if (aux & FL_LKM_TRY)
		return aux & FL_LKM_EXCL ? "trylock exclusive" : "trylock shared";
	if (aux & FL_LKM_EXCL)
		return "exclusive";
	if (aux & FL_LKM_SHARED)
		return "shared";
	return "held";
}

/* One edge as lockdep shows a dependency: the new lock, taken under the old. */
static void print_edge(FILE *out, const struct fl_lo_graph *lo, const struct fl_run_info *ri,
		       int ei)
{
	const struct fl_lo_edge *e = &lo->edges[ei];
	char from[64], to[64], comm[FL_ESC_LEN(FL_COMM_LEN)];

	fl_lo_class_name(lo, e->from, from, sizeof(from));
	fl_lo_class_name(lo, e->to, to, sizeof(to));
	fprintf(out, "    -> %s taken while holding %s (seen %" PRIu64 " time%s)\n", to, from,
		e->count, e->count == 1 ? "" : "s");
	fprintf(out, "       task %u (%s) took %s %s on inode %u:%u ino %" PRIu64 ":\n",
		e->acq.pid, fl_esc(comm, sizeof(comm), e->acq.comm, FL_COMM_LEN), to,
		mode_name(e->acq.aux),
		fl_kdev_major(e->acq.inode.dev), fl_kdev_minor(e->acq.inode.dev),
		(uint64_t)e->acq.inode.ino);
	print_frames(out, ri, &e->acq, false);
	fprintf(out, "       holding %s (%s) on inode %u:%u ino %" PRIu64 ", taken at:\n", from,
		mode_name(e->holder.aux), fl_kdev_major(e->holder.inode.dev),
		fl_kdev_minor(e->holder.inode.dev), (uint64_t)e->holder.inode.ino);
	print_frames(out, ri, &e->holder, e->holder_implied);
}

void fl_report_lo_violation(FILE *out, const struct fl_engine *e, const struct fl_run_info *ri,
			    const struct fl_violation *v, size_t idx)
{
	const struct fl_lo_graph *lo = e->lo;
	const struct fl_lo_edge *ed;
	char from[64], to[64], comm[FL_ESC_LEN(FL_COMM_LEN)];

	if (v->lo_edge < 0 || v->lo_edge >= lo->nedges)
		return;
	ed = &lo->edges[v->lo_edge];
	fl_lo_class_name(lo, ed->from, from, sizeof(from));
	fl_lo_class_name(lo, ed->to, to, sizeof(to));
	if (v->evidence == FL_EVID_CYCLE && v->lo_cycle >= 0 && v->lo_cycle < lo->ncycles) {
		const struct fl_lo_cycle *c = &lo->cycles[v->lo_cycle];

		fprintf(out, "\n[%zu] lock-order (cycle): possible circular locking dependency "
			"detected\n", idx + 1);
		fprintf(out, "    task %u (%s) is trying to acquire %s while holding %s,\n",
			ed->acq.pid, fl_esc(comm, sizeof(comm), ed->acq.comm, FL_COMM_LEN), to, from);
		fprintf(out, "    which closes a cycle of %d lock classes.\n", c->n);
		fprintf(out, "    the existing dependency chain (in reverse order) is:\n");
		for (int i = c->n - 1; i >= 0; i--)
			print_edge(out, lo, ri, c->edges[i]);
		fprintf(out, "    possible unsafe locking scenario:\n");
		fprintf(out, "          CPU0                    CPU1\n");
		fprintf(out, "          ----                    ----\n");
		fprintf(out, "     lock(%s);\n", from);
		fprintf(out, "                                  lock(%s);\n", to);
		fprintf(out, "                                  lock(%s);\n", from);
		fprintf(out, "     lock(%s);\n", to);
		fprintf(out, "     *** DEADLOCK ***\n");
		return;
	}
	fprintf(out, "\n[%zu] lock-order (observed-inversion): %s taken while holding %s\n",
		idx + 1, to, from);
	fprintf(out, "    documented order: %s\n", ed->doc ? ed->doc : "?");
	print_edge(out, lo, ri, v->lo_edge);
}

/*
 * What lock-order tracking could not follow, each kind with what it means
 * for the verdict: counted in BPF (fl_counts) and in the graph.
 */
struct lo_gap {
	const char *key;	/* JSON, under lock_order.not_followed */
	const char *what;	/* text */
	uint64_t n;
};

static const struct lo_gap *not_followed(const struct fl_engine *e, int *n)
{
	static struct lo_gap gaps[10];
	const struct fl_lo_graph *lo = e->lo;
	int k = 0;

	gaps[k++] = (struct lo_gap){ "unmatched_releases",
		"releases of holds taken while the hooks attached (the first second)",
		fl_engine_total_of(e, FL_CNT_LO_UNMATCHED) };
	gaps[k++] = (struct lo_gap){ "unmatched_releases_late",
		"releases of holds held since before the start, or missed",
		fl_engine_total_of(e, FL_CNT_LO_UNMATCHED_LATE) };
	gaps[k++] = (struct lo_gap){ "vfs_taken",
		"xfs IOLOCK/MMAPLOCK let go by xfs but taken through the VFS (reflink, "
		"dedupe): no tracepoint shows it, --locks=precise does (where BPF programs "
		"are not preemptible)",
		fl_engine_total_of(e, FL_CNT_LO_VFS) };
	gaps[k++] = (struct lo_gap){ "unsent_releases",
		"releases of holds BPF never sent: a bug",
		lo->unmatched_releases };
	gaps[k++] = (struct lo_gap){ "held_overflow",
		"holds beyond the per-task table: what nests in them has no edge",
		lo->held_overflow + fl_engine_total_of(e, FL_CNT_LO_OVERFLOW) };
	gaps[k++] = (struct lo_gap){ "orphans",
		"holds released where no hook saw it (the lock word said so): dropped",
		fl_engine_total_of(e, FL_CNT_LO_ORPHANS) };
	gaps[k++] = (struct lo_gap){ "no_task_state",
		"lock operations not followed: no task state in BPF",
		fl_engine_total_of(e, FL_CNT_LO_NO_STATE) };
	gaps[k++] = (struct lo_gap){ "deferred_missed",
		"xfs ILOCKs whose call's rw_semaphores never came (precise mode)",
		fl_engine_total_of(e, FL_CNT_LO_DEFERRED_MISSED) };
	gaps[k++] = (struct lo_gap){ "attempts_not_kept",
		"_nowait attempts sent before their outcome was known: edges shown, no hold",
		lo->try_failed_unknown };
	gaps[k++] = (struct lo_gap){ "beyond_limits",
		"classes, tasks, edges or cycles beyond the graph's limits",
		lo->dropped };
	*n = k;
	return gaps;
}

bool fl_report_lo_precise_hooks(const struct fl_run_info *ri, const char **why)
{
	*why = NULL;
	if (!ri->locks || strcmp(ri->locks, "precise")) {
		*why = "--locks=precise not given";
		return false;
	}
	if (ri->bpf_preempt > 0)
		*why = "BPF programs are preemptible on this kernel: a run of a lock hook the "
		       "kernel skipped (busy on its CPU with a task preempted inside it) would "
		       "leave a hold that is gone, or miss one; lock order came from "
		       "tracepoints and lock words, as without --locks=precise";
	else if (ri->bpf_preempt < 0)
		*why = "faultline cannot tell whether BPF programs are preemptible on this "
		       "kernel: a run of a lock hook the kernel skipped would leave a hold that "
		       "is gone, or miss one; lock order came from tracepoints and lock words, "
		       "as without --locks=precise";
	return !*why;
}

void fl_report_lo_summary(FILE *out, const struct fl_engine *e, const struct fl_run_info *ri)
{
	const struct fl_lo_graph *lo = e->lo;
	const struct lo_gap *nf;
	const char *why;
	int blocking = 0, n;

	if (!lo->acquisitions && !lo->releases && !lo->syncs)
		return;
	for (int i = 0; i < lo->nedges; i++)
		blocking += lo->edges[i].blocking > 0;
	fprintf(out, "lock order: %" PRIu64 " acquisitions, %d classes, %d order edges "
		"(%d by trylock only), %d cycles\n", lo->acquisitions, lo->ncls, lo->nedges,
		lo->nedges - blocking, lo->ncycles);
	for (int i = 0; i < lo->nedges; i++) {
		char from[64], to[64];

		fl_lo_class_name(lo, lo->edges[i].from, from, sizeof(from));
		fl_lo_class_name(lo, lo->edges[i].to, to, sizeof(to));
		fprintf(out, "  %s -> %s: %" PRIu64 "%s%s\n", from, to, lo->edges[i].count,
			lo->edges[i].blocking ? "" : " (trylock only)",
			lo->edges[i].inverted ? " INVERTED" : "");
	}
	/* --locks=precise that could not feed lock order: said, not assumed */
	if (!fl_report_lo_precise_hooks(ri, &why) && ri->locks && !strcmp(ri->locks, "precise"))
		fprintf(out, "  precise tracking does not feed lock order here: %s\n", why);
	nf = not_followed(e, &n);
	for (int i = 0; i < n; i++)
		if (nf[i].n)
			fprintf(out, "  not followed: %" PRIu64 " %s\n", nf[i].n, nf[i].what);
	if (lo->sync_dropped)
		fprintf(out, "  %" PRIu64 " holds dropped when their task's events were lost (%" PRIu64
			" resyncs): no edge rests on them\n", lo->sync_dropped,
			fl_engine_total_of(e, FL_CNT_LO_RESYNCS));
	if (lo->gone_dropped)
		fprintf(out, "  %" PRIu64 " holds dropped when their task was found gone (their "
			"releases were lost): no edge rests on them\n", lo->gone_dropped);
}

/* ---- JSON ------------------------------------------------------------ */

static json_object *acq_json(const struct fl_run_info *ri, const struct fl_event *ev,
			     bool implied)
{
	json_object *o = json_object_new_object();
	char dev[32];

	snprintf(dev, sizeof(dev), "%u:%u", fl_kdev_major(ev->inode.dev),
		 fl_kdev_minor(ev->inode.dev));
	json_object_object_add(o, "pid", json_object_new_int64(ev->pid));
	json_object_object_add(o, "tgid", json_object_new_int64(ev->tgid));
	json_object_object_add(o, "comm", fl_report_comm_json(ev->comm));
	json_object_object_add(o, "mode", json_object_new_string(mode_name(ev->aux)));
	json_object_object_add(o, "dev", json_object_new_string(dev));
	json_object_object_add(o, "ino", json_object_new_uint64(ev->inode.ino));
	json_object_object_add(o, "ts_ns", json_object_new_uint64(ev->ts));
	json_object_object_add(o, "from_lock_word", json_object_new_boolean(implied));
	json_object_object_add(o, "stack", fl_report_stack_json(ri, ev));
	return o;
}

json_object *fl_report_lo_edge_json(const struct fl_lo_graph *lo, const struct fl_run_info *ri,
				    int ei)
{
	const struct fl_lo_edge *e = &lo->edges[ei];
	json_object *o = json_object_new_object();
	char from[64], to[64];

	fl_lo_class_name(lo, e->from, from, sizeof(from));
	fl_lo_class_name(lo, e->to, to, sizeof(to));
	json_object_object_add(o, "from", json_object_new_string(from));
	json_object_object_add(o, "to", json_object_new_string(to));
	json_object_object_add(o, "count", json_object_new_uint64(e->count));
	json_object_object_add(o, "trylock_only", json_object_new_boolean(!e->blocking));
	json_object_object_add(o, "inverted", json_object_new_boolean(e->inverted));
	json_object_object_add(o, "documented", e->doc ? json_object_new_string(e->doc) : NULL);
	json_object_object_add(o, "holder", acq_json(ri, &e->holder, e->holder_implied));
	json_object_object_add(o, "acquired", acq_json(ri, &e->acq, false));
	return o;
}

json_object *fl_report_lo_json(const struct fl_engine *e, const struct fl_run_info *ri)
{
	const struct fl_lo_graph *lo = e->lo;
	json_object *o = json_object_new_object();
	json_object *edges = json_object_new_array();
	json_object *cycles = json_object_new_array();
	json_object *classes = json_object_new_array();
	json_object *nf = json_object_new_object();
	const struct lo_gap *gaps;
	const char *why;
	int ngaps;

	for (int i = 0; i < lo->ncls; i++) {
		json_object *c = json_object_new_object();
		char name[64];

		fl_lo_class_name(lo, i, name, sizeof(name));
		json_object_object_add(c, "class", json_object_new_string(name));
		json_object_object_add(c, "acquisitions",
				       json_object_new_uint64(lo->cls[i].acquisitions));
		json_object_object_add(c, "nested_instances", json_object_new_uint64(lo->cls[i].nested));
		json_object_array_add(classes, c);
	}
	for (int i = 0; i < lo->nedges; i++)
		json_object_array_add(edges, fl_report_lo_edge_json(lo, ri, i));
	for (int k = 0; k < lo->ncycles; k++) {
		json_object *chain = json_object_new_array();

		for (int i = 0; i < lo->cycles[k].n; i++)
			json_object_array_add(chain, json_object_new_int(lo->cycles[k].edges[i]));
		json_object_array_add(cycles, chain);
	}
	json_object_object_add(o, "acquisitions", json_object_new_uint64(lo->acquisitions));
	json_object_object_add(o, "releases", json_object_new_uint64(lo->releases));
	if (fl_report_lo_checked(e, ri)) {
		json_object_object_add(o, "precise_hooks", json_object_new_boolean(
			fl_report_lo_precise_hooks(ri, &why)));
	} else {
		why = "lock order not checked (no --lock-order)";
		json_object_object_add(o, "precise_hooks", json_object_new_boolean(false));
	}
	json_object_object_add(o, "precise_hooks_why", why ? json_object_new_string(why) : NULL);
	json_object_object_add(o, "classes", classes);
	json_object_object_add(o, "edges", edges);
	json_object_object_add(o, "cycles", cycles);
	gaps = not_followed(e, &ngaps);
	for (int i = 0; i < ngaps; i++)
		json_object_object_add(nf, gaps[i].key, json_object_new_uint64(gaps[i].n));
	json_object_object_add(o, "syncs", json_object_new_uint64(lo->syncs));
	json_object_object_add(o, "resyncs",
			       json_object_new_uint64(fl_engine_total_of(e, FL_CNT_LO_RESYNCS)));
	json_object_object_add(o, "sync_dropped", json_object_new_uint64(lo->sync_dropped));
	json_object_object_add(o, "gone_dropped", json_object_new_uint64(lo->gone_dropped));
	json_object_object_add(o, "attempts_failed",
			       json_object_new_uint64(fl_engine_total_of(e, FL_CNT_LO_ATTEMPT_FAILED)));
	json_object_object_add(o, "not_followed", nf);
	return o;
}

/* A lock-order violation's own detail: the edge, and the cycle's chain. */
json_object *fl_report_lo_violation_json(const struct fl_engine *e, const struct fl_run_info *ri,
					 const struct fl_violation *v)
{
	const struct fl_lo_graph *lo = e->lo;
	json_object *o, *chain;

	if (v->lo_edge < 0 || v->lo_edge >= lo->nedges)
		return NULL;
	o = json_object_new_object();
	json_object_object_add(o, "edge", fl_report_lo_edge_json(lo, ri, v->lo_edge));
	if (v->lo_cycle < 0 || v->lo_cycle >= lo->ncycles)
		return o;
	chain = json_object_new_array();
	for (int i = 0; i < lo->cycles[v->lo_cycle].n; i++)
		json_object_array_add(chain, fl_report_lo_edge_json(lo, ri,
								    lo->cycles[v->lo_cycle].edges[i]));
	json_object_object_add(o, "cycle", chain);
	return o;
}
