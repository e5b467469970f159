// SPDX-License-Identifier: GPL-2.0
/*
 * What the reports say, on hand-made engine states and inputs: untrusted
 * names escaped (issue 14, point 6); a trace.dat's ring-buffer statistics
 * read as losses (point 3); a row per filesystem, coverage of the watched
 * filesystems only, the unknown count explained (point 10).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <json-c/json.h>
#include <unistd.h>

#include "engine.h"
#include "exit.h"
#include "import_tracedat.h"
#include "report.h"
#include "rules.h"
#include "util.h"
#include "report_util.h"

#define XFS_MAGIC	0x58465342u
#define EXT4_MAGIC	0xEF53u
#define TMPFS_MAGIC	0x01021994u
#define MSDOS_MAGIC	0x4d44u
#define GFS2_MAGIC	0x01161970u
#define ORANGEFS_MAGIC	0x20030528u

/* ---- fl_esc ------------------------------------------------------------ */

static void esc_is(const char *in, size_t max, size_t len, const char *want)
{
	char buf[256];

	assert_true(len <= sizeof(buf));
	assert_string_equal(fl_esc(buf, len, in, max), want);
}

static void test_esc_bytes(void **state)
{
	(void)state;
	esc_is("plain name-1.txt", 64, 64, "plain name-1.txt");
	esc_is("a\\b", 64, 64, "a\\\\b");
	esc_is("x\nviolations: 0", 64, 64, "x\\nviolations: 0");
	esc_is("\t\r", 64, 64, "\\t\\r");
	esc_is("f\x1b[31mred", 64, 64, "f\\x1b[31mred");
	esc_is("\x7f\x01\xff\xc3\xa9", 64, 64, "\\x7f\\x01\\xff\\xc3\\xa9");
	esc_is("", 64, 64, "");
}

/* A comm read from a dump may fill its 16 bytes without a NUL. */
static void test_esc_max(void **state)
{
	char comm[FL_COMM_LEN + 4];

	(void)state;
	memset(comm, 'a', sizeof(comm));
	esc_is(comm, FL_COMM_LEN, 64, "aaaaaaaaaaaaaaaa");
}

/* Cut at a whole escape, marked: never half an \xNN. */
static void test_esc_cut(void **state)
{
	(void)state;
	esc_is("abcdefgh", 64, 8, "abcd...");
	esc_is("ab\x1b" "cdefgh", 64, 8, "ab...");
	esc_is("abc", 64, 4, "abc");
	esc_is("abcd", 64, 4, "...");
	esc_is("abcdefg", 64, 8, "abcdefg");
}

/* ---- the text report --------------------------------------------------- */

static struct fl_run_info *run_info(void)
{
	struct fl_run_info *ri = fl_xcalloc(1, sizeof(*ri));

	ri->mode = "check";
	ri->locks = "lock-word";
	ri->attach_mode = "auto";
	ri->lock_words = true;
	ri->ncpus = 2;
	ri->lost_per_cpu = fl_xcalloc(2, sizeof(uint64_t));
	snprintf(ri->kernel, sizeof(ri->kernel), "6.18-test");
	return ri;
}

static void run_free(struct fl_engine *e, struct fl_run_info *ri)
{
	free(ri->lost_per_cpu);
	free(ri);
	fl_engine_free(e);
}

/* One definite fault-unlocked violation, a map_pages on xfs, @count times. */
static struct fl_violation *one_violation(struct fl_engine *e, uint64_t count)
{
	struct fl_violation *v;

	e->viol = fl_xcalloc(1, sizeof(*e->viol));
	e->capviol = e->nviol = 1;
	v = &e->viol[0];
	v->rule = FL_R_FAULT_UNLOCKED;
	v->evidence = FL_EVID_DEFINITE;
	v->count = count;
	v->lo_edge = v->lo_cycle = -1;
	v->ev.type = FL_EV_MAP_PAGES;
	v->ev.fs_magic = XFS_MAGIC;
	return v;
}

static int count_lines_starting(const char *text, const char *prefix)
{
	int n = 0;

	for (const char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL)
		n += !strncmp(l, prefix, strlen(prefix));
	return n;
}

/* One fault-unlocked violation by a task and on a file with forging names. */
static void test_text_names_escaped(void **state)
{
	struct fl_engine *e = fl_engine_new(NULL, NULL);
	struct fl_run_info *ri = run_info();
	struct fl_violation *v;
	char *text;

	(void)state;
	v = one_violation(e, 1);
	v->ev.pid = 42;
	memcpy(v->ev.comm, "x\nviolations: 0", 16);
	v->path = fl_xstrdup("/mnt/f\n\x1b[31mred");
	v->has_partner = true;
	memcpy(v->partner.begin.comm, "\x1b]0;pwned\x07zzzzzz", 16);	/* no NUL */
	v->partner.begin.op = FL_OP_PUNCH;
	text = render(e, ri);
	assert_null(strchr(text, '\x1b'));
	assert_null(strchr(text, '\x07'));
	assert_int_equal(count_lines_starting(text, "violations: "), 1);
	assert_non_null(strstr(text, "violations: 1 distinct\n"));
	assert_non_null(strstr(text, "(x\\nviolations: 0) mapped cached pages"));
	assert_non_null(strstr(text, "/mnt/f\\n\\x1b[31mred\n"));
	assert_non_null(strstr(text, "(\\x1b]0;pwned\\x07zzzzzz) punch"));
	free(text);
	run_free(e, ri);
}

/* ---- per filesystem ------------------------------------------------------ */

static void slot(struct fl_run_info *ri, int s, uint32_t magic, const char *fstype,
		 unsigned int maj, unsigned int min)
{
	ri->slots[s].used = true;
	ri->slots[s].magic = magic;
	ri->slots[s].kdev = (maj << 20) | min;
	snprintf(ri->slots[s].fstype, sizeof(ri->slots[s].fstype), "%s", fstype);
}

/* the rules: and coverage lines, up to the next section */
static char *rules_part(const char *text)
{
	const char *a = strstr(text, "rules:\n"), *b = a ? strstr(a, "violations: ") : NULL;

	assert_non_null(a);
	assert_non_null(b);
	return strndup(a, b - a);
}

/* --dev of one xfs: no other filesystem is named in the coverage. */
static void test_coverage_watched_only(void **state)
{
	struct fl_engine *e = fl_engine_new(NULL, NULL);
	struct fl_run_info *ri = run_info();
	char *text, *rules;

	(void)state;
	ri->filtered = true;
	slot(ri, 1, XFS_MAGIC, "xfs", 7, 0);
	text = render(e, ri);
	rules = rules_part(text);
	assert_null(strstr(rules, "not on"));
	assert_null(strstr(rules, "ext4"));
	assert_null(strstr(rules, "tmpfs"));
	assert_null(strstr(rules, "btrfs"));
	free(rules);
	free(text);
	/* and ext4 when ext4 is watched */
	slot(ri, 2, EXT4_MAGIC, "ext4", 7, 1);
	text = render(e, ri);
	assert_non_null(strstr(text, "write-unlocked         checked (not on ext4)\n"));
	assert_null(strstr(text, "f2fs"));
	free(text);
	run_free(e, ri);
}

/* Unfiltered: a row per slot given out, the rest in "other", all named. */
static void test_rows_unfiltered(void **state)
{
	struct fl_engine *e = fl_engine_new(NULL, NULL);
	struct fl_run_info *ri = run_info();
	char *text, *rules;

	(void)state;
	slot(ri, 1, EXT4_MAGIC, "ext4", 254, 0);
	slot(ri, 2, MSDOS_MAGIC, "vfat", 8, 1);
	e->slots[1].c[FL_CNT_INSERTIONS] = 10;
	e->slots[2].c[FL_CNT_FAULTS] = 3;
	e->slots[0].c[FL_CNT_MAP_PAGES] = 5;	/* beyond the last slot */
	e->slots[5].c[FL_CNT_DELETIONS] = 2;	/* counted, never named (cut dump) */
	ri->other_magics[ri->nother++] = TMPFS_MAGIC;
	text = render(e, ri);
	assert_non_null(strstr(text, "\n  ext4 254:0  "));
	assert_non_null(strstr(text, "\n  vfat 8:1  "));
	assert_non_null(strstr(text, "\n  (slot 5, not named)  "));
	assert_non_null(strstr(text, "\n  other filesystems (1 type)  "));
	assert_non_null(strstr(text, "\n  total (all filesystems)  "));
	rules = rules_part(text);
	assert_non_null(strstr(rules, "write-unlocked         checked (not on ext4, vfat, tmpfs)\n"));
	assert_non_null(strstr(rules, "\n  on vfat                no protocol known to faultline"));
	assert_non_null(strstr(rules, "\n  on tmpfs               own protocol"));
	assert_null(strstr(rules, "btrfs"));
	assert_null(strstr(rules, "f2fs"));
	free(rules);
	free(text);
	run_free(e, ri);
}

/* The unknown count: its share, what it means, what decides it. */
static void test_unknown_line(void **state)
{
	struct fl_engine *e = fl_engine_new(NULL, NULL);
	struct fl_run_info *ri = run_info();
	char *text;

	(void)state;
	text = render(e, ri);
	assert_null(strstr(text, "\nunknown: "));	/* none: no line */
	free(text);
	e->slots[1].c[FL_CNT_INSERTIONS] = 400;
	e->slots[1].c[FL_CNT_UNKNOWN] = 100;
	text = render(e, ri);
	assert_non_null(strstr(text, "\nunknown: 100 lock checks undecided (25.0 per 100 insertions): "
				     "readers held the lock and the owner hint"));
	assert_non_null(strstr(text, "counted, never reported; `--locks=precise` decides them"));
	free(text);
	ri->locks = "tracepoints";
	text = render(e, ri);
	assert_non_null(strstr(text, "tracepoints carry no lock words"));
	assert_non_null(strstr(text, "`faultline record`"));
	free(text);
	run_free(e, ri);
}

/*
 * Every filesystem a rule is not checked on says why, from the protocol
 * table (issue 10): a partial protocol per rule, a filesystem without any
 * checked rule once, and one faultline knows nothing of as such.
 */
static void test_coverage_reasons(void **state)
{
	struct fl_engine *e = fl_engine_new(NULL, NULL);
	struct fl_run_info *ri = run_info();
	char *text, *rules;

	(void)state;
	ri->filtered = true;
	slot(ri, 1, EXT4_MAGIC, "ext4", 7, 0);
	slot(ri, 2, GFS2_MAGIC, "gfs2", 7, 1);
	slot(ri, 3, ORANGEFS_MAGIC, "orangefs", 0, 40);
	slot(ri, 4, MSDOS_MAGIC, "vfat", 8, 1);
	slot(ri, 5, XFS_MAGIC, "xfs", 7, 2);
	text = render(e, ri);
	rules = rules_part(text);
	assert_non_null(strstr(rules, "\n  on ext4                write-unlocked not checked: "
				      "ext4's buffered writes do not go through iomap"));
	assert_non_null(strstr(rules, "\n  on ext4                stale-map not checked: "));
	assert_non_null(strstr(rules, "\n  on gfs2                invalidation-shared not checked: "
				      "gfs2 takes no invalidate_lock"));
	/* gfs2's invalidations are checked in their i_rwsem form */
	assert_null(strstr(rules, "gfs2                invalidation-unlocked"));
	assert_non_null(strstr(rules, "invalidation-unlocked  checked (not on orangefs, vfat)\n"));
	assert_non_null(strstr(rules, "\n  on orangefs            not checked: no orangefs server"));
	assert_non_null(strstr(rules, "\n  on vfat                no protocol known to faultline"));
	/* the stale-map rule's form per filesystem */
	assert_non_null(strstr(rules, "stale-map              checked (sequence, else window: xfs; window: gfs2; "
				      "not on ext4, orangefs, vfat)\n"));
	/* xfs follows every rule: no line of its own */
	assert_null(strstr(rules, "on xfs"));
	free(rules);
	free(text);
	run_free(e, ri);
}

/* The unknown line and its JSON, text and JSON from the same run info. */
static void unknown_says(const struct fl_engine *e, const struct fl_run_info *ri,
			 const char *why, const char *remedy, json_type preempt)
{
	char *text = render(e, ri);
	json_object *root = render_json(e, ri), *u, *v, *p;

	assert_non_null(strstr(text, why));
	assert_non_null(strstr(text, remedy));
	assert_true(json_object_object_get_ex(root, "unknown", &u));
	assert_true(json_object_object_get_ex(u, "why", &v));
	assert_non_null(strstr(json_object_get_string(v), why));
	assert_true(json_object_object_get_ex(u, "to_decide", &v));
	assert_non_null(strstr(json_object_get_string(v), remedy));
	assert_true(json_object_object_get_ex(root, "bpf_preemptible", &p));
	assert_int_equal(json_object_get_type(p), preempt);
	json_object_put(root);
	free(text);
}

/*
 * Precise tracking on a kernel that preempts BPF programs (or may): its
 * records decided nothing, and the unknowns say so, RT words or not.
 */
static void test_preempt_unknown(void **state)
{
	struct fl_engine *e = fl_engine_new(NULL, NULL);
	struct fl_run_info *ri = run_info();
	json_object *root, *p;
	char *text;

	(void)state;
	e->slots[1].c[FL_CNT_INSERTIONS] = 400;
	e->slots[1].c[FL_CNT_UNKNOWN] = 100;
	ri->locks = "precise";
	ri->bpf_preempt = 1;
	unknown_says(e, ri, "readers held the lock, and BPF programs are preemptible on this "
			    "kernel: a hook the kernel skipped",
		     "a kernel that does not preempt BPF programs decides them", json_type_boolean);
	root = render_json(e, ri);
	assert_true(json_object_object_get_ex(root, "bpf_preemptible", &p));
	assert_true(json_object_get_boolean(p));
	json_object_put(root);
	snprintf(ri->lock_word_shape, sizeof(ri->lock_word_shape), "rwbase_rt");
	unknown_says(e, ri, "could make precise tracking's records lie, so they decide nothing",
		     "(not PREEMPT_RT; PREEMPT_DYNAMIC booted with preempt=none",
		     json_type_boolean);
	text = render(e, ri);
	assert_non_null(strstr(text, "\nunknown: 100 lock checks undecided (25.0 per 100 "
				     "insertions): readers held the lock, and BPF programs are "
				     "preemptible"));
	assert_null(strstr(text, "without naming any"));
	free(text);
	ri->bpf_preempt = -1;
	unknown_says(e, ri, "faultline cannot tell whether BPF programs are preemptible",
		     "a kernel whose preemption model faultline can read", json_type_null);
	/* not preempted: the records decided, what is left is theirs */
	ri->lock_word_shape[0] = 0;
	ri->bpf_preempt = 0;
	unknown_says(e, ri, "precise tracking could not account for them",
		     "start faultline before the workload", json_type_boolean);
	root = render_json(e, ri);
	assert_true(json_object_object_get_ex(root, "bpf_preemptible", &p));
	assert_false(json_object_get_boolean(p));
	json_object_put(root);
	/* lock-word evidence never asked */
	ri->locks = "lock-word";
	ri->bpf_preempt = 1;
	unknown_says(e, ri, "the owner hint", "`--locks=precise` decides them", json_type_null);
	run_free(e, ri);
}

/* lock_order.precise_hooks and its reason, in the JSON of one run info. */
static void lo_precise_says(const struct fl_engine *e, const struct fl_run_info *ri,
			    bool fed, const char *why)
{
	json_object *root = render_json(e, ri), *lo, *v;

	assert_true(json_object_object_get_ex(root, "lock_order", &lo));
	assert_true(json_object_object_get_ex(lo, "precise_hooks", &v));
	assert_int_equal(json_object_get_boolean(v), fed);
	assert_true(json_object_object_get_ex(lo, "precise_hooks_why", &v));
	if (why)
		assert_non_null(strstr(json_object_get_string(v), why));
	else
		assert_null(v);
	json_object_put(root);
}

/*
 * --lock-order with --locks=precise where BPF programs are preemptible:
 * the hooks' records fed no lock order (BPF leaves them out), and the
 * text and the JSON say so; where they are not, nothing is said.
 */
static void test_preempt_lock_order(void **state)
{
	const char *line = "\n  precise tracking does not feed lock order here: ";
	struct fl_engine *e = fl_engine_new(NULL, NULL);
	struct fl_run_info *ri = run_info();
	char *text;

	(void)state;
	e->lo->acquisitions = 10;
	ri->lock_order = true;
	ri->locks = "precise";
	ri->bpf_preempt = 1;
	text = render(e, ri);
	assert_non_null(strstr(text, "\n  precise tracking does not feed lock order here: BPF "
				     "programs are preemptible on this kernel: a run of a lock hook "
				     "the kernel skipped"));
	free(text);
	lo_precise_says(e, ri, false, "BPF programs are preemptible on this kernel");
	ri->bpf_preempt = -1;
	text = render(e, ri);
	assert_non_null(strstr(text, "here: faultline cannot tell whether BPF programs are "
				     "preemptible"));
	free(text);
	lo_precise_says(e, ri, false, "cannot tell whether BPF programs are preemptible");
	ri->bpf_preempt = 0;
	text = render(e, ri);
	assert_null(strstr(text, line));
	free(text);
	lo_precise_says(e, ri, true, NULL);
	/* without --locks=precise there is nothing to say in the text */
	ri->locks = "lock-word";
	ri->bpf_preempt = 1;
	text = render(e, ri);
	assert_null(strstr(text, line));
	free(text);
	lo_precise_says(e, ri, false, "--locks=precise not given");
	/* no lock order at all: nothing was fed, whatever the evidence */
	e->lo->acquisitions = 0;
	ri->lock_order = false;
	ri->locks = "precise";
	ri->bpf_preempt = 0;
	lo_precise_says(e, ri, false, "lock order not checked");
	run_free(e, ri);
}

/* @path of the JSON report, as an integer; -1 if null. */
static int64_t json_int_at(const struct fl_engine *e, const struct fl_run_info *ri,
			   const char *key)
{
	json_object *root = render_json(e, ri), *v;
	int64_t n;

	assert_true(json_object_object_get_ex(root, key, &v));
	n = v ? json_object_get_int64(v) : -1;
	json_object_put(root);
	return n;
}

static bool json_complete(const struct fl_engine *e, const struct fl_run_info *ri)
{
	json_object *root = render_json(e, ri), *v;
	bool b;

	assert_true(json_object_object_get_ex(root, "complete", &v));
	b = json_object_get_boolean(v);
	json_object_put(root);
	return b;
}

/* 7 skipped hook runs, a note ending in @why, and a complete, clean verdict. */
static void skips_only_noted(const struct fl_engine *e, const struct fl_run_info *ri,
			     const char *why)
{
	char want[512], *text;

	snprintf(want, sizeof(want), "\nprecise: 7 runs of the lock hooks skipped by the kernel "
		 "(recursion_misses: busy on their CPU); no verdict rests on them: %s", why);
	text = render(e, ri);
	assert_non_null(strstr(text, want));
	assert_null(strstr(text, "INCOMPLETE"));
	free(text);
	assert_true(fl_report_complete(e, ri));
	assert_int_equal(fl_exit_status(e, ri), FL_EXIT_CLEAN);
	assert_int_equal(json_int_at(e, ri, "precise_hooks_skipped_relevant"), 0);
}

/*
 * Hook runs the kernel skipped (recursion_misses).  A skipped acquisition
 * or release leaves a lock record missing or stale: where the records
 * decide lock states (BPF not preemptible) every skip makes the verdict
 * incomplete (text, JSON, exit bit 4); where they decide nothing (BPF
 * preemptible, or not known to be) they feed no lock order either
 * (fl_lo_precise): a note.
 */
static void test_precise_skipped(void **state)
{
	static const char loud[] = "\nPRECISE HOOKS SKIPPED: 7 runs of the lock hooks skipped by "
				   "the kernel (recursion_misses: busy on their CPU)";
	struct fl_engine *e = fl_engine_new(NULL, NULL);
	struct fl_run_info *ri = run_info();
	char *text;

	(void)state;
	ri->locks = "precise";
	/* not read (a dump without them, or not precise): nothing said */
	assert_int_equal(json_int_at(e, ri, "precise_hooks_skipped"), -1);
	assert_int_equal(json_int_at(e, ri, "precise_hooks_skipped_relevant"), -1);
	ri->precise_skipped = 7;
	assert_true(fl_report_complete(e, ri));
	ri->precise_skipped = 0;

	/* read, none skipped: complete, silent */
	ri->precise_skipped_known = true;
	text = render(e, ri);
	assert_null(strstr(text, "skipped by the kernel"));
	free(text);
	assert_true(fl_report_complete(e, ri));
	assert_int_equal(json_int_at(e, ri, "precise_hooks_skipped"), 0);

	/* BPF not preemptible: the records decided, every skip counts */
	ri->bpf_preempt = 0;
	ri->precise_skipped = 7;
	ri->precise_skipped_holds = 5;
	text = render(e, ri);
	assert_non_null(strstr(text, loud));
	assert_non_null(strstr(text, "(recursion_misses: busy on their CPU)\n  a skipped "
				     "acquisition or release leaves a lock record missing or "
				     "stale, and the records decided lock states: a report or a "
				     "clean check may rest on a wrong record: the run is "
				     "incomplete\n"));
	assert_non_null(strstr(text, "in an INCOMPLETE verdict"));
	free(text);
	assert_int_equal(fl_report_precise_skips_relevant(ri), 7);
	assert_false(fl_report_complete(e, ri));
	assert_false(json_complete(e, ri));
	assert_int_equal(fl_exit_status(e, ri), FL_EXIT_INCOMPLETE);
	assert_int_equal(json_int_at(e, ri, "precise_hooks_skipped"), 7);
	assert_int_equal(json_int_at(e, ri, "precise_hooks_skipped_relevant"), 7);
	/* only read grants skipped: they fed the records that decided */
	ri->precise_skipped_holds = 0;
	assert_false(fl_report_complete(e, ri));
	ri->lock_order = true;
	text = render(e, ri);
	assert_non_null(strstr(text, "the records decided lock states and lock order: "));
	free(text);
	ri->lock_order = false;

	/* BPF preemptible: no record decided a lock state */
	ri->bpf_preempt = 1;
	ri->precise_skipped_holds = 5;
	skips_only_noted(e, ri, "no record decides a lock state where BPF programs are "
			 "preemptible\n");
	ri->bpf_preempt = -1;
	text = render(e, ri);
	assert_non_null(strstr(text, "where faultline cannot tell whether BPF programs are "
				     "preemptible\n"));
	free(text);
	assert_true(fl_report_complete(e, ri));

	/* ... with --lock-order too: the records feed it only where they decide */
	ri->lock_order = true;
	ri->bpf_preempt = 1;
	skips_only_noted(e, ri, "no record decides a lock state or feeds lock order where "
			 "BPF programs are preemptible\n");
	run_free(e, ri);
}

/* PREEMPT_RT words: checked, and the unknowns explained for that shape. */
static void test_rt_words(void **state)
{
	struct fl_engine *e = fl_engine_new(NULL, NULL);
	struct fl_run_info *ri = run_info();
	char *text;

	(void)state;
	snprintf(ri->lock_word_shape, sizeof(ri->lock_word_shape), "rwbase_rt");
	e->slots[1].c[FL_CNT_INSERTIONS] = 400;
	e->slots[1].c[FL_CNT_UNKNOWN] = 100;
	text = render(e, ri);
	assert_non_null(strstr(text, "(attach auto, lock evidence: lock-word, PREEMPT_RT rwbase_rt "
				     "words)\n"));
	assert_null(strstr(text, "NOT CHECKED: this kernel"));
	assert_non_null(strstr(text, "counts its readers without naming any; counted, never "
				     "reported; nothing decides them on PREEMPT_RT (its BPF "
				     "programs are preemptible, so `--locks=precise` cannot "
				     "either)"));
	free(text);
	/* precise tracking names the readers: the usual explanation */
	ri->locks = "precise";
	text = render(e, ri);
	assert_null(strstr(text, "without naming any"));
	assert_non_null(strstr(text, "precise tracking could not account for them"));
	free(text);
	/* neither shape readable: said loudly */
	ri->locks = "lock-word";
	ri->lock_words = false;
	ri->lock_word_shape[0] = 0;
	text = render(e, ri);
	assert_non_null(strstr(text, "\nLOCK RULES NOT CHECKED: "));
	free(text);
	run_free(e, ri);
}

/* ---- bounded state: what overflowed is said ------------------------------ */

/*
 * A full BPF table of invalidating tasks hides findings: the verdict is
 * incomplete (text, JSON "complete", exit status).  A full stack map hides
 * nothing (the candidates are sent each time): a note.  So are windows
 * whose END was lost, and a code path's files beyond those listed.
 */
static void test_state_overflow(void **state)
{
	struct fl_engine *e = fl_engine_new(NULL, NULL);
	struct fl_run_info *ri = run_info();
	struct fl_violation *v;
	json_object *root, *o;
	char *text;

	(void)state;
	text = render(e, ri);
	assert_null(strstr(text, "NOT FOLLOWED"));
	assert_null(strstr(text, "no stack id"));
	assert_null(strstr(text, "without their end"));
	free(text);
	assert_true(fl_report_complete(e, ri));

	e->slots[1].c[FL_CNT_STACK_UNKEYED] = 3;
	e->windows_unended = 2;
	v = one_violation(e, 2);
	v->other_files = 40;
	text = render(e, ri);
	assert_non_null(strstr(text, "\nnote: 3 candidates got no stack id"));
	assert_non_null(strstr(text, "\nnote: 2 invalidation windows ended without their end"));
	assert_non_null(strstr(text, "    and 40 times on other files than the 8 listed"));
	assert_null(strstr(text, "INCOMPLETE"));
	free(text);
	assert_true(fl_report_complete(e, ri));

	e->slots[2].c[FL_CNT_INVAL_FULL] = 5;
	text = render(e, ri);
	assert_non_null(strstr(text, "\nINVALIDATIONS NOT FOLLOWED: 5 "));
	assert_non_null(strstr(text, "in an INCOMPLETE verdict"));
	free(text);
	assert_false(fl_report_complete(e, ri));

	root = render_json(e, ri);
	assert_true(json_object_object_get_ex(root, "complete", &o));
	assert_false(json_object_get_boolean(o));
	assert_true(json_object_object_get_ex(root, "windows_unended", &o));
	assert_int_equal(json_object_get_uint64(o), 2);
	assert_true(json_object_object_get_ex(root, "counts", &o));
	assert_true(json_object_object_get_ex(o, "invalidations_not_followed", &o));
	assert_int_equal(json_object_get_uint64(o), 5);
	json_object_object_get_ex(root, "counts", &o);
	assert_true(json_object_object_get_ex(o, "candidates_unkeyed", &o));
	assert_int_equal(json_object_get_uint64(o), 3);
	json_object_object_get_ex(root, "violations", &o);
	o = json_object_array_get_idx(o, 0);
	assert_true(json_object_object_get_ex(o, "count_other_files", &o));
	assert_int_equal(json_object_get_uint64(o), 40);
	json_object_put(root);
	run_free(e, ri);
}

/* ---- rule identities ---------------------------------------------------- */

/*
 * Every rule has a journal MESSAGE_ID of its own (32 lowercase hex
 * digits, as sd-id128 writes them), and an id once given never changes:
 * journalctl MESSAGE_ID=... and catalogs find entries by it.
 */
static void test_rule_journal_ids(void **state)
{
	(void)state;
	for (int r = 0; r < FL_R_MAX; r++) {
		const char *id = fl_rule_info(r)->journal_id;

		assert_non_null(id);
		assert_int_equal(strlen(id), 32);
		assert_int_equal(strspn(id, "0123456789abcdef"), 32);
		for (int o = 0; o < r; o++)
			assert_string_not_equal(id, fl_rule_info(o)->journal_id);
	}
	assert_string_equal(fl_rule_info(FL_R_FAULT_UNLOCKED)->journal_id,
			    "afae6f9e85c7446d8f12f97849489e0e");
}

/* ---- trace.dat CPU statistics ------------------------------------------ */

/* As trace-cmd 3.1 stores them: top buffer, then "Buffer: NAME" blocks. */
static const char cpustats[] =
	"CPU: 0\nentries: 0\noverrun: 0\ncommit overrun: 0\nbytes: 0\n"
	"oldest event ts:     0.000000\nnow ts:   664.826387\ndropped events: 0\n"
	"read events: 0\n\n"
	"CPU: 1\nentries: 2\noverrun: 5\ncommit overrun: 0\nbytes: 0\n"
	"oldest event ts:     0.000000\nnow ts:   664.826425\ndropped events: 0\n"
	"read events: 0\n\n\n"
	"Buffer: fl-import\n\n\n"
	"CPU: 0\nentries: 0\noverrun: 0\ncommit overrun: 3\nbytes: 0\n"
	"oldest event ts:   662.670397\nnow ts:   664.826460\ndropped events: 178162\n"
	"read events: 363\n\n"
	"CPU: 1\nentries: 0\noverrun: 0\ncommit overrun: 0\nbytes: 0\n"
	"oldest event ts:   662.673805\nnow ts:   664.826499\ndropped events: 15766\n"
	"read events: 441\n\n"
	"Buffer: other\n\n\nCPU: 0\ndropped events: 1000000\n";

static bool read_fl_import(void *ctx, const char *name)
{
	(void)ctx;
	return !strcmp(name, "fl-import");
}

static void test_cpustats(void **state)
{
	struct fl_tracedat_losses sum;
	uint64_t lost[2] = { 0, 0 };

	(void)state;
	/* "other" was not read: its drops are not this import's */
	assert_int_equal(fl_tracedat_cpustats(cpustats, read_fl_import, NULL, lost, 2, &sum), 4);
	assert_int_equal(lost[0], 178162 + 3);
	assert_int_equal(lost[1], 2 + 5 + 15766);
	assert_int_equal(sum.dropped, 178162 + 15766);
	assert_int_equal(sum.overrun, 5);
	assert_int_equal(sum.commit_overrun, 3);
	assert_int_equal(sum.unread, 2);
	/* only the top buffer read (instances unreadable) */
	lost[0] = lost[1] = 0;
	assert_int_equal(fl_tracedat_cpustats(cpustats, NULL, NULL, lost, 2, &sum), 2);
	assert_int_equal(lost[0], 0);
	assert_int_equal(lost[1], 7);
	/* a CPU beyond the file's count, garbage, nothing */
	lost[0] = lost[1] = 0;
	assert_int_equal(fl_tracedat_cpustats("CPU: 9\ndropped events: 5\nCPU: x\n"
					      "dropped events: zz\n", NULL, NULL, lost, 2, &sum), 0);
	assert_int_equal(lost[0] + lost[1], 0);
	assert_int_equal(fl_tracedat_cpustats("", NULL, NULL, lost, 2, &sum), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_esc_bytes),
		cmocka_unit_test(test_esc_max),
		cmocka_unit_test(test_esc_cut),
		cmocka_unit_test(test_text_names_escaped),
		cmocka_unit_test(test_cpustats),
		cmocka_unit_test(test_coverage_watched_only),
		cmocka_unit_test(test_rows_unfiltered),
		cmocka_unit_test(test_unknown_line),
		cmocka_unit_test(test_coverage_reasons),
		cmocka_unit_test(test_rt_words),
		cmocka_unit_test(test_preempt_unknown),
		cmocka_unit_test(test_preempt_lock_order),
		cmocka_unit_test(test_precise_skipped),
		cmocka_unit_test(test_state_overflow),
		cmocka_unit_test(test_rule_journal_ids),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
