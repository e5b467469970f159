// SPDX-License-Identifier: GPL-2.0
/*
 * What the reports say per filesystem, shared by the text and the JSON
 * report: which rows there are (every slot that counted something, and
 * the filesystems beyond the last slot), which filesystem types the run
 * watched or saw (the rules' coverage names only those), and what the
 * "unknown" count means and how to get rid of it.
 */
#include <stdio.h>
#include <string.h>

#include "report.h"
#include "rules.h"

/* Event counts, not bookkeeping: a slot with only "lost" saw no event. */
static bool counted(const struct fl_counts *c)
{
	static const int events[] = {
		FL_CNT_FAULTS, FL_CNT_MAP_PAGES, FL_CNT_INSERTIONS, FL_CNT_DELETIONS,
		FL_CNT_INVALIDATIONS, FL_CNT_IOMAP, FL_CNT_IOMAP_MAPS, FL_CNT_UNKNOWN,
		FL_CNT_UNCHECKED, FL_CNT_INVAL_UNTRACKED,
	};

	for (size_t i = 0; i < sizeof(events) / sizeof(events[0]); i++)
		if (c->c[events[i]])
			return true;
	return false;
}

bool fl_report_slot_row(const struct fl_engine *e, const struct fl_run_info *ri, int s)
{
	if (s <= 0 || s >= FL_MAX_SLOTS)
		return false;
	/* named (watched, or given out); or counted but never named (a cut dump) */
	return ri->slots[s].used || counted(&e->slots[s]);
}

bool fl_report_other_row(const struct fl_engine *e, const struct fl_run_info *ri)
{
	return !ri->filtered && counted(&e->slots[0]);
}

static int add_type(struct fl_fs_type *out, int n, int max, uint32_t magic, const char *name)
{
	/* older dumps name a filtered run's slots by type only, magic 0 */
	if (!magic && name && fl_fs_proto_by_name(name))
		magic = fl_fs_proto_by_name(name)->magic;
	for (int i = 0; i < n; i++)
		if (out[i].magic == magic && (magic || !strcmp(out[i].name, name)))
			return n;
	if (n == max)
		return n;
	out[n].magic = magic;
	if (magic && fl_fs_proto(magic))
		snprintf(out[n].name, sizeof(out[n].name), "%s", fl_fs_name(magic));
	else if (name && name[0])
		snprintf(out[n].name, sizeof(out[n].name), "%s", name);
	else
		fl_fs_label(magic, out[n].name, sizeof(out[n].name));
	return n + 1;
}

int fl_report_fs_types(const struct fl_run_info *ri, struct fl_fs_type *out, int max)
{
	int n = 0;

	for (int s = 1; s < FL_MAX_SLOTS; s++)
		if (ri->slots[s].used)
			n = add_type(out, n, max, ri->slots[s].magic, ri->slots[s].fstype);
	for (int i = 0; i < ri->nother; i++)
		n = add_type(out, n, max, ri->other_magics[i], NULL);
	return n;
}

/*
 * Why a lock check stays undecided, by where the lock evidence comes from,
 * and what decides it (README: Evidence, Importing trace-cmd recordings).
 */
bool fl_report_rt_words(const struct fl_run_info *ri)
{
	return !strcmp(ri->lock_word_shape, "rwbase_rt");
}

/*
 * Why readers' holds stayed unknown, and what would decide them: one case
 * each, picked by unknown_case() in this order.
 */
enum unknown_case {
	UNK_TRACEPOINTS, UNK_NO_WORDS, UNK_RT, UNK_PREEMPT, UNK_PREEMPT_UNSURE, UNK_PRECISE,
	UNK_HINT
};

static enum unknown_case unknown_case(const struct fl_run_info *ri)
{
	bool precise = ri->locks && !strcmp(ri->locks, "precise");

	if (ri->locks && !strcmp(ri->locks, "tracepoints"))
		return UNK_TRACEPOINTS;
	if (!ri->lock_words)
		return UNK_NO_WORDS;
	if (fl_report_rt_words(ri) && !precise)
		return UNK_RT;
	if (precise && ri->bpf_preempt)
		return ri->bpf_preempt > 0 ? UNK_PREEMPT : UNK_PREEMPT_UNSURE;
	return precise ? UNK_PRECISE : UNK_HINT;
}

const char *fl_report_unknown_why(const struct fl_run_info *ri)
{
	static const char *const why[] = {
		[UNK_TRACEPOINTS] = "tracepoints carry no lock words (xfs's lock tracepoints "
				    "decide xfs's own)",
		[UNK_NO_WORDS] = "this kernel's rw_semaphore has no lock word faultline can read",
		[UNK_RT] = "readers held the lock, and a PREEMPT_RT rw_semaphore (rwbase_rt) "
			   "counts its readers without naming any",
		[UNK_PREEMPT] = "readers held the lock, and BPF programs are preemptible on this "
				"kernel: a hook the kernel skipped (busy on its CPU with a task "
				"preempted inside it) could make precise tracking's records lie, "
				"so they decide nothing",
		[UNK_PREEMPT_UNSURE] = "readers held the lock, and faultline cannot tell whether "
				       "BPF programs are preemptible on this kernel: a hook the "
				       "kernel skipped could make precise tracking's records lie, "
				       "so they decide nothing",
		[UNK_PRECISE] = "readers held the lock and precise tracking could not account "
				"for them (holds taken before it attached, or on paths it does "
				"not hook)",
		[UNK_HINT] = "readers held the lock and the owner hint (which outlives up_read) "
			     "named another task",
	};

	return why[unknown_case(ri)];
}

const char *fl_report_unknown_remedy(const struct fl_run_info *ri)
{
	static const char *const remedy[] = {
		[UNK_TRACEPOINTS] = "`faultline record`, where BPF can load, reads the lock words",
		[UNK_NO_WORDS] = "nothing decides them on this kernel",
		[UNK_RT] = "nothing decides them on PREEMPT_RT (its BPF programs are "
			   "preemptible, so `--locks=precise` cannot either)",
		[UNK_PREEMPT] = "a kernel that does not preempt BPF programs decides them "
				"(not PREEMPT_RT; PREEMPT_DYNAMIC booted with preempt=none or "
				"preempt=voluntary)",
		[UNK_PREEMPT_UNSURE] = "a kernel whose preemption model faultline can read "
				       "(uname -v, or debugfs sched/preempt) decides them where "
				       "it does not preempt BPF programs",
		[UNK_PRECISE] = "start faultline before the workload takes its locks",
		[UNK_HINT] = "`--locks=precise` decides them where fentry is allowed "
			     "(see `faultline probe`)",
	};

	return remedy[unknown_case(ri)];
}
