// SPDX-License-Identifier: GPL-2.0
/*
 * The JSON report.  json-c builds the document so escaping (comm strings,
 * paths) is never hand-rolled; the file is written to a temporary name and
 * renamed, so a reader never sees half a report.
 */
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "report.h"
#include "report_lockorder.h"
#include "rules.h"
#include "signature.h"
#include "util.h"


static json_object *counts_obj(const struct fl_counts *c)
{
	json_object *o = json_object_new_object();

	for (int i = 0; i < FL_CNT_MAX; i++)
		if (fl_counter_name(i))
			json_object_object_add(o, fl_counter_name(i), json_object_new_uint64(c->c[i]));
	return o;
}

/*
 * A task name as the kernel had it: exact bytes (json-c escapes control
 * characters; bytes >= 0x80 go out as they are, so a name that is not
 * UTF-8 stays exact but makes the document not strictly UTF-8).  A comm
 * read from a dump may lack its NUL: at most FL_COMM_LEN bytes.
 */
json_object *fl_report_comm_json(const char *comm)
{
	return json_object_new_string_len(comm, strnlen(comm, FL_COMM_LEN));
}

static json_object *dev_str(uint32_t kdev)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%u:%u", fl_kdev_major(kdev), fl_kdev_minor(kdev));
	return json_object_new_string(buf);
}

json_object *fl_report_stack_json(const struct fl_run_info *ri, const struct fl_event *ev)
{
	char frames[FL_MAX_FRAMES][160];
	int n = fl_report_frames(ri, ev, frames, FL_MAX_FRAMES);
	json_object *a = json_object_new_array();

	for (int i = 0; i < n; i++)
		json_object_array_add(a, json_object_new_string(frames[i]));
	return a;
}

static json_object *range_end(uint64_t end)
{
	return end == FL_EOF ? NULL : json_object_new_uint64(end);
}

static json_object *window_obj(const struct fl_run_info *ri, const struct fl_window *w)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "pid", json_object_new_int64(w->begin.pid));
	json_object_object_add(o, "comm", fl_report_comm_json(w->begin.comm));
	json_object_object_add(o, "op", json_object_new_string(fl_op_name(w->begin.op)));
	json_object_object_add(o, "start", json_object_new_uint64(w->begin.start));
	json_object_object_add(o, "end", range_end(w->begin.end));
	json_object_object_add(o, "ts_begin_ns", json_object_new_uint64(w->begin.ts));
	json_object_object_add(o, "ts_end_ns", w->ts_end ? json_object_new_uint64(w->ts_end) : NULL);
	if (w->has_step) {
		json_object_object_add(o, "invalidate_lock",
				       json_object_new_string(fl_lock_state_name(w->step.inval_lock)));
		json_object_object_add(o, "stack", fl_report_stack_json(ri, &w->step));
	} else {
		json_object_object_add(o, "stack", fl_report_stack_json(ri, &w->begin));
	}
	return o;
}

json_object *fl_report_violation_json(const struct fl_engine *e, const struct fl_run_info *ri,
				      const struct fl_violation *v)
{
	const struct fl_event *ev = &v->ev;
	json_object *o = json_object_new_object();
	json_object *locks = json_object_new_object();

	char sig[FL_SIG_LEN];

	fl_signature(e, ri, v, sig);
	json_object_object_add(o, "rule", json_object_new_string(fl_rule_info(v->rule)->name));
	json_object_object_add(o, "signature", json_object_new_string(sig));
	json_object_object_add(o, "evidence", json_object_new_string(fl_evidence_name(v->evidence)));
	json_object_object_add(o, "event", json_object_new_string(fl_event_type_name(ev->type)));
	json_object_object_add(o, "dev", dev_str(ev->inode.dev));
	json_object_object_add(o, "ino", json_object_new_uint64(ev->inode.ino));
	json_object_object_add(o, "gen", json_object_new_uint64(ev->inode.gen));
	json_object_object_add(o, "fs", json_object_new_string(fl_fs_name(ev->fs_magic)));
	json_object_object_add(o, "path", v->path ? json_object_new_string(v->path) : NULL);
	json_object_object_add(o, "start", json_object_new_uint64(ev->start));
	json_object_object_add(o, "end", range_end(ev->end));
	json_object_object_add(o, "pid", json_object_new_int64(ev->pid));
	json_object_object_add(o, "tgid", json_object_new_int64(ev->tgid));
	json_object_object_add(o, "comm", fl_report_comm_json(ev->comm));
	json_object_object_add(o, "ts_ns", json_object_new_uint64(ev->ts));
	json_object_object_add(o, "last_ts_ns", json_object_new_uint64(v->last_ts));
	json_object_object_add(o, "count", json_object_new_uint64(v->count));
	json_object_object_add(o, "count_other_files", json_object_new_uint64(v->other_files));
	json_object_object_add(locks, "invalidate_lock",
			       json_object_new_string(fl_lock_state_name(ev->inval_lock)));
	json_object_object_add(locks, "invalidate_lock_owner", json_object_new_int64(ev->inval_owner));
	json_object_object_add(locks, "i_rwsem", json_object_new_string(fl_lock_state_name(ev->i_rwsem)));
	json_object_object_add(locks, "i_rwsem_owner", json_object_new_int64(ev->i_rwsem_owner));
	json_object_object_add(o, "locks", locks);
	json_object_object_add(o, "stack", fl_report_stack_json(ri, ev));
	json_object_object_add(o, "race", v->has_partner ? window_obj(ri, &v->partner) : NULL);
	if (v->rule == FL_R_LOCK_ORDER)
		json_object_object_add(o, "lock_order", fl_report_lo_violation_json(e, ri, v));
	if (v->rule == FL_R_STALE_MAP) {
		json_object *m = json_object_new_object();
		bool window = ev->op == FL_FOLIO_USE_WINDOW;

		json_object_object_add(m, "form", json_object_new_string(window ? "window" :
									 "sequence"));
		json_object_object_add(m, "went_to", json_object_new_uint64(ev->aux));
		json_object_object_add(m, "map_ts_ns", window ? json_object_new_uint64(ev->kaddr) :
				       NULL);
		json_object_object_add(o, "stale_map", m);
	}
	return o;
}

/* Agreement with the filesystem's own stale-map check (xfs, 6.2+). */
static json_object *stale_obj(const struct fl_engine *e)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "kernel_found", json_object_new_uint64(e->stale.kernel_found));
	json_object_object_add(o, "faultline_saw", json_object_new_uint64(e->stale.seen));
	json_object_object_add(o, "faultline_saw_late", json_object_new_uint64(e->stale.seen_late));
	json_object_object_add(o, "missed", json_object_new_uint64(e->stale.missed));
	return o;
}

/* The stale-map rule's window form (filesystems without a known sequence). */
static json_object *stale_window_obj(const struct fl_engine *e)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "across", json_object_new_uint64(e->stale_window.across));
	json_object_object_add(o, "revalidated",
			       json_object_new_uint64(e->stale_window.revalidated));
	json_object_object_add(o, "undecided", json_object_new_uint64(e->stale_window.undecided));
	return o;
}

/* As the text's coverage: the types this run watched or saw, only. */
static json_object *coverage_arr(const struct fl_run_info *ri, bool lock_order)
{
	json_object *a = json_object_new_array();
	struct fl_fs_type types[FL_MAX_SLOTS + FL_MAX_OTHER_FS];
	int n = fl_report_fs_types(ri, types, ARRAY_SIZE(types));

	for (int r = 0; r < FL_R_MAX; r++) {
		const struct fl_rule_info *info = fl_rule_info(r);
		json_object *o = json_object_new_object();
		json_object *unchecked = json_object_new_array();
		json_object *why = json_object_new_object();
		json_object *forms = json_object_new_object();

		json_object_object_add(o, "rule", json_object_new_string(info->name));
		json_object_object_add(o, "seed", json_object_new_string(info->seed));
		json_object_object_add(o, "checked", json_object_new_boolean(
			info->implemented && (r != FL_R_LOCK_ORDER || lock_order)));
		for (int i = 0; r != FL_R_LOCK_ORDER && i < n; i++) {
			const char *w = fl_fs_why_not(types[i].magic, r);

			if (r == FL_R_STALE_MAP && !w)
				json_object_object_add(forms, types[i].name, json_object_new_string(
					fl_fs_stale_form(types[i].magic)));
			if (!w)
				continue;
			json_object_array_add(unchecked, json_object_new_string(types[i].name));
			json_object_object_add(why, types[i].name, json_object_new_string(w));
		}
		json_object_object_add(o, "not_checked_on", unchecked);
		json_object_object_add(o, "not_checked_why", why);
		if (r == FL_R_STALE_MAP)
			json_object_object_add(o, "forms", forms);
		else
			json_object_put(forms);
		json_object_array_add(a, o);
	}
	return a;
}

/* The protocol of each filesystem type the run watched or saw (src/rules.c). */
static json_object *protocols_arr(const struct fl_run_info *ri)
{
	json_object *a = json_object_new_array();
	struct fl_fs_type types[FL_MAX_SLOTS + FL_MAX_OTHER_FS];
	int n = fl_report_fs_types(ri, types, ARRAY_SIZE(types));

	for (int i = 0; i < n; i++) {
		const struct fl_fs_proto *p = fl_fs_proto(types[i].magic);
		json_object *o;

		if (!p)
			continue;
		o = json_object_new_object();
		json_object_object_add(o, "fs", json_object_new_string(p->name));
		json_object_object_add(o, "protocol", json_object_new_string(p->note));
		json_object_object_add(o, "since", json_object_new_string(p->since));
		json_object_object_add(o, "source", json_object_new_string(p->source));
		json_object_object_add(o, "reads", json_object_new_string(p->reads));
		json_object_array_add(a, o);
	}
	return a;
}

/* null without a command; else its argv and how it ended */
static json_object *command_obj(const struct fl_cmd_fate *cmd)
{
	json_object *o, *argv;
	char sig[32];
	bool exited = cmd->reaped && WIFEXITED(cmd->status);
	bool killed = cmd->reaped && WIFSIGNALED(cmd->status);

	if (!cmd->argv)
		return NULL;
	o = json_object_new_object();
	argv = json_object_new_array();
	for (char *const *a = cmd->argv; *a; a++)
		json_object_array_add(argv, json_object_new_string(*a));
	json_object_object_add(o, "argv", argv);
	json_object_object_add(o, "exit_status",
			       exited ? json_object_new_int(WEXITSTATUS(cmd->status)) : NULL);
	json_object_object_add(o, "signal", killed ? json_object_new_string(
		fl_signal_name(WTERMSIG(cmd->status), sig, sizeof(sig))) : NULL);
	json_object_object_add(o, "stopped_by",
			       cmd->stopped_by ? json_object_new_string(cmd->stopped_by) : NULL);
	return o;
}

/* Unfiltered: the filesystems beyond the last slot, or null. */
static json_object *other_obj(const struct fl_engine *e, const struct fl_run_info *ri)
{
	json_object *o, *types;

	if (!fl_report_other_row(e, ri))
		return NULL;
	o = json_object_new_object();
	types = json_object_new_array();
	for (int i = 0; i < ri->nother; i++) {
		char name[32];

		fl_fs_label(ri->other_magics[i], name, sizeof(name));
		json_object_array_add(types, json_object_new_string(name));
	}
	json_object_object_add(o, "fstypes", types);
	json_object_object_add(o, "counts", counts_obj(&e->slots[0]));
	return o;
}

json_object *fl_report_bpf_preempt_json(const struct fl_run_info *ri)
{
	if (!ri->locks || strcmp(ri->locks, "precise") || ri->bpf_preempt < 0)
		return NULL;
	return json_object_new_boolean(ri->bpf_preempt > 0);
}

/* The undecided lock checks (counts.unknown_lock_state): why, and the cure. */
static json_object *unknown_obj(const struct fl_run_info *ri, const struct fl_counts *t)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "count", json_object_new_uint64(t->c[FL_CNT_UNKNOWN]));
	json_object_object_add(o, "per_insertion", json_object_new_double(
		t->c[FL_CNT_INSERTIONS] ? (double)t->c[FL_CNT_UNKNOWN] / t->c[FL_CNT_INSERTIONS]
					: 0.0));
	json_object_object_add(o, "why", json_object_new_string(fl_report_unknown_why(ri)));
	json_object_object_add(o, "to_decide",
			       json_object_new_string(fl_report_unknown_remedy(ri)));
	return o;
}

json_object *fl_report_attach_json(const struct fl_run_info *ri)
{
	json_object *attach = json_object_new_array();

	for (int i = 0; i < ri->nattach; i++) {
		json_object *o = json_object_new_object();

		json_object_object_add(o, "program", json_object_new_string(ri->attach[i].prog));
		json_object_object_add(o, "target", json_object_new_string(ri->attach[i].target));
		json_object_object_add(o, "status", json_object_new_string(ri->attach[i].status));
		json_object_object_add(o, "why", json_object_new_string(ri->attach[i].why));
		/* missing at the start, tried when its module loaded: when, and which */
		if (ri->attach[i].late) {
			json_object_object_add(o, "late_s", json_object_new_double(ri->attach[i].late_s));
			json_object_object_add(o, "module",
					       json_object_new_string(ri->attach[i].module));
		}
		json_object_array_add(attach, o);
	}
	return attach;
}

int fl_report_json(const char *path, const struct fl_engine *e, const struct fl_run_info *ri)
{
	json_object *root = json_object_new_object();
	json_object *fss = json_object_new_array();
	json_object *viols = json_object_new_array();
	json_object *lost = json_object_new_array();
	struct fl_counts total;
	const char *text;
	size_t len;
	int err;

	fl_engine_total(e, &total);
	json_object_object_add(root, "faultline_version", json_object_new_string(FL_VERSION));
	json_object_object_add(root, "abi_version", json_object_new_int(FL_ABI_VERSION));
	json_object_object_add(root, "mode", json_object_new_string(ri->mode));
	json_object_object_add(root, "kernel", json_object_new_string(ri->kernel));
	json_object_object_add(root, "attach_mode",
			       json_object_new_string(ri->attach_mode ? ri->attach_mode : "auto"));
	json_object_object_add(root, "lock_words_readable", json_object_new_boolean(ri->lock_words));
	json_object_object_add(root, "lock_word_shape", ri->lock_word_shape[0] ?
			       json_object_new_string(ri->lock_word_shape) : NULL);
	json_object_object_add(root, "lock_evidence",
			       json_object_new_string(ri->locks ? ri->locks : "lock-word"));
	json_object_object_add(root, "bpf_preemptible", fl_report_bpf_preempt_json(ri));
	json_object_object_add(root, "precise_hooks_skipped", ri->precise_skipped_known ?
			       json_object_new_uint64(ri->precise_skipped) : NULL);
	json_object_object_add(root, "precise_hooks_skipped_relevant", ri->precise_skipped_known ?
			       json_object_new_uint64(fl_report_precise_skips_relevant(ri)) : NULL);
	json_object_object_add(root, "duration_s", json_object_new_double(ri->duration_s));
	json_object_object_add(root, "counts", counts_obj(&total));
	for (int i = 0; i < ri->ncpus; i++)
		json_object_array_add(lost, json_object_new_uint64(ri->lost_per_cpu[i]));
	json_object_object_add(root, "lost_per_cpu", lost);
	json_object_object_add(root, "complete", json_object_new_boolean(fl_report_complete(e, ri)));
	if (ri->partial)
		json_object_object_add(root, "partial_reason", json_object_new_string(ri->partial));
	for (int s = 1; s < FL_MAX_SLOTS; s++) {
		const struct fl_slot_info *si = &ri->slots[s];
		json_object *o;

		if (!fl_report_slot_row(e, ri, s))
			continue;
		o = json_object_new_object();
		/* a slot that counted but was never named (a cut dump): dev null */
		json_object_object_add(o, "dev", si->used ? dev_str(si->kdev) : NULL);
		json_object_object_add(o, "fstype", json_object_new_string(si->used ? si->fstype
									    : "unknown"));
		json_object_object_add(o, "mount", json_object_new_string(si->mount));
		json_object_object_add(o, "counts", counts_obj(&e->slots[s]));
		json_object_object_add(o, "no_events",
				       json_object_new_boolean(fl_report_slot_silent(e, ri, s)));
		json_object_array_add(fss, o);
	}
	json_object_object_add(root, "filesystems", fss);
	json_object_object_add(root, "other_filesystems", other_obj(e, ri));
	json_object_object_add(root, "unknown", unknown_obj(ri, &total));
	json_object_object_add(root, "rules", coverage_arr(ri, fl_report_lo_checked(e, ri)));
	json_object_object_add(root, "protocols", protocols_arr(ri));
	json_object_object_add(root, "attach", fl_report_attach_json(ri));
	for (size_t i = 0; i < e->nviol; i++)
		json_object_array_add(viols, fl_report_violation_json(e, ri, &e->viol[i]));
	json_object_object_add(root, "violations", viols);
	json_object_object_add(root, "stale_maps", stale_obj(e));
	json_object_object_add(root, "stale_maps_window", stale_window_obj(e));
	json_object_object_add(root, "lock_order", fl_report_lo_json(e, ri));
	if (ri->self_cost) {
		json_object *c = json_object_new_object();

		json_object_object_add(c, "bpf_run_ns", json_object_new_uint64(ri->bpf_run_ns));
		json_object_object_add(c, "bpf_runs", json_object_new_uint64(ri->bpf_runs));
		json_object_object_add(root, "self_cost", c);
	}
	json_object_object_add(root, "violations_dropped", json_object_new_uint64(e->viol_dropped));
	json_object_object_add(root, "windows_unended", json_object_new_uint64(e->windows_unended));
	json_object_object_add(root, "command", command_obj(&ri->cmd));

	text = json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY |
					      JSON_C_TO_STRING_NOSLASHESCAPE);
	len = strlen(text);
	err = fl_write_atomic(path, text, len, "\n");
	json_object_put(root);
	return err;
}
