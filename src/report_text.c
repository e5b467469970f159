// SPDX-License-Identifier: GPL-2.0
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

#include "report.h"
#include "signature.h"
#include "report_lockorder.h"
#include "rules.h"
#include "util.h"

/* Untrusted text into a local buffer sized FL_ESC_LEN(...) of its source. */
#define ESC(buf, s)	fl_esc(buf, sizeof(buf), s, (sizeof(buf) - 1) / 4)

int fl_report_frames(const struct fl_run_info *ri, const struct fl_event *ev,
		     char out[][160], int max)
{
	int n = 0;

	if (!(ev->flags & FL_F_STACK))
		return 0;
	for (unsigned int i = 0; i < ev->nr_frames && i < FL_MAX_FRAMES && n < max; i++) {
		uint64_t off = 0;
		const struct fl_ksym *s = fl_ksyms_find(ri->ksyms, ev->frames[i], &off);

		if (s && fl_ksym_is_trace_glue(s->name))
			continue;
		if (s)
			snprintf(out[n++], 160, "%s+0x%" PRIx64, s->name, off);
		else
			snprintf(out[n++], 160, "0x%" PRIx64, (uint64_t)ev->frames[i]);
	}
	return n;
}

uint64_t fl_report_lost(const struct fl_engine *e, const struct fl_run_info *ri)
{
	struct fl_counts t;
	uint64_t lost = 0;

	fl_engine_total(e, &t);
	for (int i = 0; i < ri->ncpus; i++)
		lost += ri->lost_per_cpu[i];
	return lost > t.c[FL_CNT_LOST] ? lost : t.c[FL_CNT_LOST];
}

/*
 * A skipped run of a lock hook leaves a record missing (an acquisition)
 * or stale (a release).  The records decide lock states and feed lock
 * order only where BPF programs are not preemptible (the loader's
 * fl_cfg.precise_all; lockorder.bpf.h fl_lo_precise): there every skip
 * counts, the read grants' too; elsewhere nothing rests on them.
 */
uint64_t fl_report_precise_skips_relevant(const struct fl_run_info *ri)
{
	if (!ri->precise_skipped_known || ri->bpf_preempt != 0)
		return 0;
	return ri->precise_skipped;
}

/*
 * Incomplete: events were lost, the input was cut, a bounded BPF table
 * was full where that hides findings (invalidations not followed), or
 * the kernel skipped lock hooks whose records the verdict rests on.
 */
bool fl_report_complete(const struct fl_engine *e, const struct fl_run_info *ri)
{
	return !fl_report_lost(e, ri) && !ri->partial &&
	       !fl_engine_total_of(e, FL_CNT_INVAL_FULL) && !fl_report_precise_skips_relevant(ri);
}

const char *fl_signal_name(int sig, char *buf, size_t len)
{
	const char *abbrev = sigabbrev_np(sig);

	if (abbrev)
		snprintf(buf, len, "SIG%s", abbrev);
	else
		snprintf(buf, len, "signal %d", sig);
	return buf;
}

void fl_report_cmd_fate(const struct fl_cmd_fate *cmd, char *buf, size_t len)
{
	char sig[32];
	int n;

	if (!cmd->reaped) {
		snprintf(buf, len, "did not end (never reaped)");
		return;
	}
	if (WIFEXITED(cmd->status))
		n = snprintf(buf, len, "exited with status %d", WEXITSTATUS(cmd->status));
	else
		n = snprintf(buf, len, "killed by %s%s",
			     fl_signal_name(WTERMSIG(cmd->status), sig, sizeof(sig)),
			     WCOREDUMP(cmd->status) ? " (core dumped)" : "");
	if (cmd->stopped_by && n > 0 && (size_t)n < len)
		snprintf(buf + n, len - n, " (faultline stopped it: %s)", cmd->stopped_by);
}

/*
 * An argument as a shell would read it back, quoted when needed; bytes
 * that are not printable ASCII as \xNN (the one liberty taken).
 */
static void print_arg(FILE *out, const char *arg)
{
	static const char plain[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
				    "0123456789-_./:=@%+,";
	const unsigned char *p;

	if (*arg && strspn(arg, plain) == strlen(arg)) {
		fputs(arg, out);
		return;
	}
	fputc('\'', out);
	for (p = (const unsigned char *)arg; *p; p++) {
		if (*p == '\'')
			fputs("'\\''", out);
		else if (*p < 0x20 || *p >= 0x7f)
			fprintf(out, "\\x%02x", *p);
		else
			fputc(*p, out);
	}
	fputc('\'', out);
}

static void print_command(FILE *out, const struct fl_cmd_fate *cmd)
{
	char fate[160];

	if (!cmd->argv)
		return;
	fprintf(out, "command:");
	for (char *const *a = cmd->argv; *a; a++) {
		fputc(' ', out);
		print_arg(out, *a);
	}
	fl_report_cmd_fate(cmd, fate, sizeof(fate));
	fprintf(out, " %s\n", fate);
}

static bool counts_zero(const struct fl_counts *c)
{
	for (int i = 0; i < FL_CNT_MAX; i++)
		if (c->c[i])
			return false;
	return true;
}

bool fl_report_slot_silent(const struct fl_engine *e, const struct fl_run_info *ri, int slot)
{
	/* a partial input's counts are those of its last snapshot: no claim */
	return ri->filtered && !ri->partial && ri->slots[slot].used &&
	       counts_zero(&e->slots[slot]);
}

/* A watched filesystem that saw nothing was not checked: say so. */
static void print_silent_filesystems(FILE *out, const struct fl_engine *e,
				     const struct fl_run_info *ri)
{
	for (int s = 0; s < FL_MAX_SLOTS; s++) {
		const struct fl_slot_info *si = &ri->slots[s];
		char fstype[FL_ESC_LEN(sizeof(si->fstype))], mount[FL_ESC_LEN(sizeof(si->mount))];

		if (!fl_report_slot_silent(e, ri, s))
			continue;
		fprintf(out, "NO EVENTS: %s %u:%u%s%s was watched but saw no event: nothing on it "
			"was checked\n", ESC(fstype, si->fstype), fl_kdev_major(si->kdev),
			fl_kdev_minor(si->kdev), si->mount[0] ? " at " : "", ESC(mount, si->mount));
	}
}

static void print_stack(FILE *out, const struct fl_run_info *ri, const struct fl_event *ev)
{
	char frames[FL_MAX_FRAMES][160];
	int n = fl_report_frames(ri, ev, frames, FL_MAX_FRAMES);

	if (!n) {
		fprintf(out, "      (no stack)\n");
		return;
	}
	/* symbol names come from the dump or trace.dat being read */
	for (int i = 0; i < n; i++) {
		char f[FL_ESC_LEN(160)];

		fprintf(out, "      %s\n", ESC(f, frames[i]));
	}
}

static void print_range(FILE *out, uint64_t start, uint64_t end)
{
	if (end == FL_EOF)
		fprintf(out, "[%" PRIu64 ", EOF)", start);
	else
		fprintf(out, "[%" PRIu64 ", %" PRIu64 ")", start, end);
}

static double rel_s(const struct fl_engine *e, uint64_t ts)
{
	return ts >= e->first_ts ? (ts - e->first_ts) / 1e9 : 0;
}

static const char *what_happened(const struct fl_event *ev)
{
	switch (ev->type) {
	case FL_EV_INSERT:
		return "added a folio to the page cache";
	case FL_EV_MAP_PAGES:
		return "mapped cached pages (fault-around)";
	case FL_EV_DELETE:
		return "removed a folio from the page cache";
	case FL_EV_IOMAP:
		return "ran a write-type iomap step";
	case FL_EV_FAULT:
		return "faulted on a page";
	case FL_EV_FOLIO_USE:
		return "instantiated a folio for a buffered write";
	default:
		return "did something";
	}
}

void fl_report_text_violation(FILE *out, const struct fl_engine *e,
			      const struct fl_run_info *ri, const struct fl_violation *v, size_t idx)
{
	const struct fl_event *ev = &v->ev;
	const struct fl_rule_info *ri_rule = fl_rule_info(v->rule);
	char comm[FL_ESC_LEN(FL_COMM_LEN)], path[FL_ESC_LEN(PATH_MAX)], sig[FL_SIG_LEN];

	fl_signature(e, ri, v, sig);
	if (v->rule == FL_R_LOCK_ORDER) {
		fl_report_lo_violation(out, e, ri, v, idx);
		fprintf(out, "    signature %s\n", sig);
		return;
	}
	fprintf(out, "\n[%zu] %s (%s): %s\n", idx + 1, ri_rule->name,
		fl_evidence_name(v->evidence), ri_rule->summary);
	fprintf(out, "    signature %s\n", sig);
	fprintf(out, "    inode %u:%u ino %" PRIu64 " gen %u (%s) %s\n",
		fl_kdev_major(ev->inode.dev), fl_kdev_minor(ev->inode.dev),
		(uint64_t)ev->inode.ino, ev->inode.gen, fl_fs_name(ev->fs_magic),
		v->path ? fl_esc(path, sizeof(path), v->path, PATH_MAX) : "(path not resolved)");
	fprintf(out, "    range ");
	print_range(out, ev->start, ev->end);
	fprintf(out, "\n    task %u (%s) %s at +%.6fs; seen %" PRIu64 " time%s, last at +%.6fs\n",
		ev->pid, fl_esc(comm, sizeof(comm), ev->comm, FL_COMM_LEN), what_happened(ev), rel_s(e, ev->ts), v->count,
		v->count == 1 ? "" : "s", rel_s(e, v->last_ts));
	if (v->other_files)
		fprintf(out, "    and %" PRIu64 " time%s on other files than the %d listed for "
			"this code path\n", v->other_files, v->other_files == 1 ? "" : "s",
			FL_VIOL_FILES_PER_PATH);
	if (ev->type == FL_EV_FOLIO_USE && ev->op == FL_FOLIO_USE_WINDOW)
		fprintf(out, "    under a map handed out at +%.6fs, and went on to byte %" PRIu64
			" without a new one\n", rel_s(e, ev->kaddr), (uint64_t)ev->aux);
	else if (ev->type == FL_EV_FOLIO_USE)
		fprintf(out, "    under a map gone stale (the filesystem's extent sequence moved), "
			"and went on to byte %" PRIu64 " without a new one\n", (uint64_t)ev->aux);
	fprintf(out, "    invalidate_lock: %s", fl_lock_state_name(ev->inval_lock));
	if (ev->inval_owner)
		fprintf(out, " (owner pid %u)", ev->inval_owner);
	fprintf(out, "; i_rwsem: %s", fl_lock_state_name(ev->i_rwsem));
	if (ev->i_rwsem_owner)
		fprintf(out, " (owner pid %u)", ev->i_rwsem_owner);
	fprintf(out, "\n    stack:\n");
	print_stack(out, ri, ev);
	if (!v->has_partner)
		return;

	const struct fl_window *w = &v->partner;

	fprintf(out, "    racing invalidation: task %u (%s) %s ", w->begin.pid,
		fl_esc(comm, sizeof(comm), w->begin.comm, FL_COMM_LEN), fl_op_name(w->begin.op));
	print_range(out, w->begin.start, w->begin.end);
	fprintf(out, " from +%.6fs", rel_s(e, w->begin.ts));
	if (w->ts_end)
		fprintf(out, " to +%.6fs\n", rel_s(e, w->ts_end));
	else
		fprintf(out, ", still running\n");
	if (w->has_step) {
		fprintf(out, "    invalidator held invalidate_lock: %s, i_rwsem: %s; stack:\n",
			fl_lock_state_name(w->step.inval_lock),
			fl_lock_state_name(w->step.i_rwsem));
		print_stack(out, ri, &w->step);
	}
}

/* A program that did not attach: what it would have seen is not covered. */
static void print_attach(FILE *out, const struct fl_attach_status *a)
{
	char prog[FL_ESC_LEN(sizeof(a->prog))], target[FL_ESC_LEN(sizeof(a->target))];
	char status[FL_ESC_LEN(sizeof(a->status))], why[FL_ESC_LEN(sizeof(a->why))];

	fprintf(out, "coverage: %s (%s) %s: %s\n", ESC(prog, a->prog), ESC(target, a->target),
		ESC(status, a->status), ESC(why, a->why));
}

/*
 * Hooks that attached only when their module loaded, after the start, one
 * line per module: what it did before then was not seen.
 */
static void print_late(FILE *out, const struct fl_run_info *ri)
{
	for (int i = 0; i < ri->nattach; i++) {
		const struct fl_attach_status *a = &ri->attach[i];
		char mod[FL_ESC_LEN(sizeof(a->module))];
		double at = 0;
		int n = 0, j;

		for (j = 0; j < i; j++)
			if (ri->attach[j].late && !strcmp(ri->attach[j].module, a->module))
				break;
		/* once per module, at its first row */
		if (!a->late || j < i)
			continue;
		/* the module's hooks were all in place at the last one's time */
		for (j = i; j < ri->nattach; j++) {
			const struct fl_attach_status *b = &ri->attach[j];

			if (!b->late || strcmp(b->module, a->module))
				continue;
			n += !strcmp(b->status, "attached");
			if (b->late_s > at)
				at = b->late_s;
		}
		fprintf(out, "coverage: %s: %d hook%s attached at +%.1f s (module loaded after "
			"start; its events before then were not seen)\n", ESC(mod, a->module), n,
			n == 1 ? "" : "s", at);
	}
}

static void print_counts_row(FILE *out, const char *label, const struct fl_counts *c)
{
	fprintf(out, "  %-34s %9" PRIu64 " %9" PRIu64 " %9" PRIu64 " %9" PRIu64
		" %9" PRIu64 " %9" PRIu64 " %8" PRIu64 " %6" PRIu64 "\n",
		label, c->c[FL_CNT_FAULTS], c->c[FL_CNT_MAP_PAGES], c->c[FL_CNT_INSERTIONS],
		c->c[FL_CNT_DELETIONS], c->c[FL_CNT_INVALIDATIONS], c->c[FL_CNT_IOMAP],
		c->c[FL_CNT_UNKNOWN], c->c[FL_CNT_LOST]);
}

/* "not on a, b" for the types in @types whose protocol lacks the rule. */
static void not_on(char *off, size_t size, const struct fl_fs_type *types, int ntypes,
		   enum fl_rule r)
{
	size_t len = 0;

	off[0] = 0;
	for (int i = 0; i < ntypes && len < size; i++) {
		char name[FL_ESC_LEN(sizeof(types[i].name))];

		if (fl_fs_flags(types[i].magic) & fl_rule_flag(r))
			continue;
		len += snprintf(off + len, size - len, "%s%s", len ? ", " : "not on ",
				ESC(name, types[i].name));
	}
}

/*
 * "sequence, else window: xfs; window: gfs2": the stale-map rule's form per
 * filesystem (a filesystem with both uses the window form for a file whose
 * sequence BPF cannot read).
 */
static void stale_forms(char *out, size_t size, const struct fl_fs_type *types, int ntypes)
{
	static const struct {
		uint32_t flags;
		const char *name;
	} forms[] = {
		{ FL_RULE_STALE_MAPS, "sequence" },
		{ FL_RULE_STALE_MAPS | FL_RULE_STALE_WINDOW, "sequence, else window" },
		{ FL_RULE_STALE_WINDOW, "window" },
	};
	const uint32_t both = FL_RULE_STALE_MAPS | FL_RULE_STALE_WINDOW;
	size_t len = 0;

	out[0] = 0;
	for (size_t f = 0; f < ARRAY_SIZE(forms) && len < size; f++) {
		bool first = true;

		for (int i = 0; i < ntypes && len < size; i++) {
			char name[FL_ESC_LEN(sizeof(types[i].name))];

			if ((fl_fs_flags(types[i].magic) & both) != forms[f].flags)
				continue;
			len += snprintf(out + len, size - len, "%s%s%s", first ?
					(len ? "; " : "") : ", ", first ? forms[f].name : "",
					first ? ": " : "");
			if (len < size)
				len += snprintf(out + len, size - len, "%s", ESC(name, types[i].name));
			first = false;
		}
	}
}

/*
 * What was checked where: only the filesystems the run watched or saw are
 * named, so a filesystem in a "not on" list is one whose events are here.
 * Every filesystem a rule is not checked on gets its reason: the protocol
 * table's (src/rules.c), or "no protocol known".
 */
static void print_coverage(FILE *out, const struct fl_run_info *ri, bool lock_order)
{
	struct fl_fs_type types[FL_MAX_SLOTS + FL_MAX_OTHER_FS];
	int ntypes = fl_report_fs_types(ri, types, ARRAY_SIZE(types));

	fprintf(out, "rules:\n");
	for (int r = 0; r < FL_R_MAX; r++) {
		const struct fl_rule_info *info = fl_rule_info(r);
		char off[256] = "", forms[256] = "";

		if (r == FL_R_LOCK_ORDER && !lock_order) {
			fprintf(out, "  %-22s NOT CHECKED (run with --lock-order)\n", info->name);
			continue;
		}
		if (info->implemented && r != FL_R_LOCK_ORDER)
			not_on(off, sizeof(off), types, ntypes, r);
		if (r == FL_R_STALE_MAP)
			stale_forms(forms, sizeof(forms), types, ntypes);
		fprintf(out, "  %-22s %s%s%s%s%s%s\n", info->name,
			info->implemented ? "checked" : "NOT CHECKED (not implemented in this version)",
			forms[0] || off[0] ? " (" : "", forms, forms[0] && off[0] ? "; " : "", off,
			forms[0] || off[0] ? ")" : "");
	}
	for (int i = 0; i < ntypes; i++) {
		const struct fl_fs_proto *p = fl_fs_proto(types[i].magic);
		char name[FL_ESC_LEN(sizeof(types[i].name))];

		ESC(name, types[i].name);
		/* one reason for a filesystem no rule is checked on */
		if (!p || !p->flags) {
			fprintf(out, "  on %-19s %s\n", name,
				fl_fs_why_not(types[i].magic, FL_R_FAULT_UNLOCKED));
			continue;
		}
		for (int r = 0; r < FL_R_MAX; r++) {
			const char *why = fl_fs_why_not(types[i].magic, r);

			if (why && fl_rule_info(r)->implemented)
				fprintf(out, "  on %-19s %s not checked: %s\n", name,
					fl_rule_info(r)->name, why);
		}
	}
}

/* The undecided lock checks: how many, why, and what decides them. */
static void print_unknown(FILE *out, const struct fl_run_info *ri, const struct fl_counts *t)
{
	uint64_t unknown = t->c[FL_CNT_UNKNOWN], ins = t->c[FL_CNT_INSERTIONS];

	if (!unknown)
		return;
	fprintf(out, "unknown: %" PRIu64 " lock checks undecided", unknown);
	if (ins)
		fprintf(out, " (%.1f per 100 insertions)", 100.0 * unknown / ins);
	fprintf(out, ": %s; counted, never reported; %s\n", fl_report_unknown_why(ri),
		fl_report_unknown_remedy(ri));
}

/*
 * Precise tracking's hooks the kernel skipped: loud when a verdict rested
 * on their records, a note when none did.
 */
static void print_precise_skipped(FILE *out, const struct fl_run_info *ri)
{
	uint64_t relevant = fl_report_precise_skips_relevant(ri);

	if (!ri->precise_skipped_known || !ri->precise_skipped)
		return;
	if (!relevant) {
		fprintf(out, "precise: %" PRIu64 " runs of the lock hooks skipped by the kernel "
			"(recursion_misses: busy on their CPU); no verdict rests on them: no record "
			"decides a lock state%s where %s\n", ri->precise_skipped,
			ri->lock_order ? " or feeds lock order" : "",
			ri->bpf_preempt > 0 ? "BPF programs are preemptible" :
			"faultline cannot tell whether BPF programs are preemptible");
		return;
	}
	fprintf(out, "PRECISE HOOKS SKIPPED: %" PRIu64 " runs of the lock hooks skipped by the "
		"kernel (recursion_misses: busy on their CPU)\n  a skipped acquisition or release "
		"leaves a lock record missing or stale, and the records decided lock states%s: "
		"a report or a clean check may rest on a wrong record: the run is incomplete\n",
		relevant, ri->lock_order ? " and lock order" : "");
}

/* One row per filesystem, named or not; the rest (unfiltered) in "other". */
static void print_rows(FILE *out, const struct fl_engine *e, const struct fl_run_info *ri)
{
	for (int s = 1; s < FL_MAX_SLOTS; s++) {
		const struct fl_slot_info *si = &ri->slots[s];
		char label[64], fstype[FL_ESC_LEN(sizeof(si->fstype))];

		if (!fl_report_slot_row(e, ri, s))
			continue;
		if (si->used)
			snprintf(label, sizeof(label), "%s %u:%u", ESC(fstype, si->fstype),
				 fl_kdev_major(si->kdev), fl_kdev_minor(si->kdev));
		else
			snprintf(label, sizeof(label), "(slot %d, not named)", s);
		print_counts_row(out, label, &e->slots[s]);
	}
	if (fl_report_other_row(e, ri)) {
		char label[64];

		snprintf(label, sizeof(label), "other filesystems (%d type%s)", ri->nother,
			 ri->nother == 1 ? "" : "s");
		print_counts_row(out, label, &e->slots[0]);
	}
}

/*
 * What lost events blind, per filesystem: each kind of event feeds
 * different rules, so a loss is not "violations may be missing" alone.
 */
static const struct {
	enum fl_counter c;
	const char *what;
} lost_kinds[] = {
	{ FL_CNT_LOST_CHECKS, "judged events (fault-unlocked, insert-unlocked, invalidation-*, "
			      "write-unlocked: violations in them are missed)" },
	{ FL_CNT_LOST_WINDOWS, "invalidation window events (a finding's racing invalidation, "
			       "observed-race evidence)" },
	{ FL_CNT_LOST_MAPS, "extent-map events (stale-map uses, and the agreement with the "
			    "kernel's own finds)" },
	{ FL_CNT_LOST_LOCKS, "lock-order events (edges in them are missed; a lost release is "
			     "resynced, no finding rests on it)" },
};

static void print_blinded(FILE *out, const struct fl_engine *e, const struct fl_run_info *ri)
{
	for (int s = 0; s < FL_MAX_SLOTS; s++) {
		const struct fl_slot_info *si = &ri->slots[s];
		const struct fl_counts *c = &e->slots[s];
		char fstype[FL_ESC_LEN(sizeof(si->fstype))], mount[FL_ESC_LEN(sizeof(si->mount))];

		if (!c->c[FL_CNT_LOST])
			continue;
		if (si->used)
			fprintf(out, "  on %s %u:%u%s%s:\n", ESC(fstype, si->fstype),
				fl_kdev_major(si->kdev), fl_kdev_minor(si->kdev),
				si->mount[0] ? " at " : "", ESC(mount, si->mount));
		else
			fprintf(out, "  on %s:\n", s ? "a filesystem not named" :
						  "no watched filesystem (or others)");
		for (size_t k = 0; k < ARRAY_SIZE(lost_kinds); k++)
			if (c->c[lost_kinds[k].c])
				fprintf(out, "    %" PRIu64 " %s\n", c->c[lost_kinds[k].c],
					lost_kinds[k].what);
	}
}

void fl_report_text(FILE *out, const struct fl_engine *e, const struct fl_run_info *ri)
{
	char kernel[FL_ESC_LEN(sizeof(ri->kernel))], attach[FL_ESC_LEN(16)], locks[FL_ESC_LEN(16)];
	struct fl_counts total;
	uint64_t lost = fl_report_lost(e, ri);

	fl_engine_total(e, &total);
	/* a dump's or trace.dat's header is as untrusted as the names in it */
	fprintf(out, "faultline %s: %.1f s on Linux %s (attach %s, lock evidence: %s%s)\n",
		ri->mode, ri->duration_s, ESC(kernel, ri->kernel),
		ESC(attach, ri->attach_mode ? ri->attach_mode : "auto"),
		ESC(locks, ri->locks ? ri->locks : "lock-word"),
		fl_report_rt_words(ri) ? ", PREEMPT_RT rwbase_rt words" : "");
	fprintf(out, "  %-34s %9s %9s %9s %9s %9s %9s %8s %6s\n", "filesystem", "faults",
		"map_pages", "inserts", "deletes", "invals", "iomap", "unknown", "lost");
	print_rows(out, e, ri);
	print_counts_row(out, ri->filtered ? "total" : "total (all filesystems)", &total);
	print_silent_filesystems(out, e, ri);
	print_unknown(out, ri, &total);
	print_precise_skipped(out, ri);
	print_coverage(out, ri, fl_report_lo_checked(e, ri));
	if (!ri->lock_words)
		fprintf(out, "LOCK RULES NOT CHECKED: this kernel's rw_semaphore has no lock word "
			"faultline can read (neither count/owner nor PREEMPT_RT's rwbase_rt)\n");
	if (lost) {
		fprintf(out, "LOST EVENTS: %" PRIu64 " (ring buffer full); per CPU:", lost);
		for (int i = 0; i < ri->ncpus; i++)
			fprintf(out, " %" PRIu64, ri->lost_per_cpu[i]);
		fprintf(out, "\n");
		if (ri->lost_note[0])
			fprintf(out, "  %s\n", ri->lost_note);
		print_blinded(out, e, ri);
		fprintf(out, "  the run is incomplete: violations may be missing\n");
	}
	if (ri->partial)
		fprintf(out, "PARTIAL: %s\n  the report covers the input up to that point\n",
			ri->partial);
	if (total.c[FL_CNT_INVAL_FULL])
		fprintf(out, "INVALIDATIONS NOT FOLLOWED: %" PRIu64 " (BPF's table of invalidating "
			"tasks was full)\n  page cache they dropped was not judged "
			"(invalidation-unlocked): the run is incomplete\n",
			total.c[FL_CNT_INVAL_FULL]);
	if (total.c[FL_CNT_STACK_UNKEYED])
		fprintf(out, "note: %" PRIu64 " candidates got no stack id (the stack map was "
			"full, or their bucket taken): sent each time instead of counted in "
			"BPF; nothing is missed, the ring buffer carries more\n",
			total.c[FL_CNT_STACK_UNKEYED]);
	if (e->windows_unended)
		fprintf(out, "note: %" PRIu64 " invalidation windows ended without their end "
			"event (lost): closed at a later event, or when their task was found gone\n",
			e->windows_unended);
	if (total.c[FL_CNT_INVAL_UNTRACKED])
		fprintf(out, "note: %" PRIu64 " invalidations ran outside a traced syscall "
			"(ioctl or fs-internal) and have no window\n",
			total.c[FL_CNT_INVAL_UNTRACKED]);
	for (int i = 0; i < ri->nattach; i++)
		if (strcmp(ri->attach[i].status, "attached"))
			print_attach(out, &ri->attach[i]);
	print_late(out, ri);
	if (ri->self_cost)
		fprintf(out, "self cost: %" PRIu64 " BPF program runs, %.3f s in them (%.0f ns each)\n",
			ri->bpf_runs, ri->bpf_run_ns / 1e9,
			ri->bpf_runs ? (double)ri->bpf_run_ns / ri->bpf_runs : 0.0);
	if (e->stale.kernel_found || e->stale.missed)
		fprintf(out, "stale maps: the kernel found %" PRIu64 " stale; faultline had seen %"
			PRIu64 " go stale (%" PRIu64 " more when the change's trace arrived), "
			"missed %" PRIu64 "\n", e->stale.kernel_found, e->stale.seen,
			e->stale.seen_late, e->stale.missed);
	if (e->stale_window.across || e->stale_window.undecided)
		fprintf(out, "stale maps (window form): %" PRIu64 " folios instantiated under a map "
			"that an invalidation of their range ran across (%" PRIu64 " of them where "
			"the write stopped for a new map); %" PRIu64 " undecided (an invalidation "
			"overlapped the map's life only in part: not judged)\n",
			e->stale_window.across, e->stale_window.revalidated,
			e->stale_window.undecided);
	fl_report_lo_summary(out, e, ri);
	print_command(out, &ri->cmd);
	fprintf(out, "violations: %zu distinct", e->nviol);
	if (e->viol_dropped)
		fprintf(out, " (+%" PRIu64 " occurrences beyond the report limit)", e->viol_dropped);
	if (!fl_report_complete(e, ri))
		fprintf(out, " in an INCOMPLETE verdict (see above): more may be missing");
	fprintf(out, "\n");
	for (size_t i = 0; i < e->nviol; i++)
		fl_report_text_violation(out, e, ri, &e->viol[i], i);
}
