/* SPDX-License-Identifier: GPL-2.0 */
/* Reporters: a human summary on stdout, a JSON document for machines. */
#ifndef FL_REPORT_H
#define FL_REPORT_H

#include <limits.h>
#include <stdio.h>

#include "engine.h"
#include "ksyms.h"

struct fl_slot_info {
	bool used;
	uint32_t kdev;
	uint32_t magic;
	char fstype[32];
	char mount[PATH_MAX];
};

struct fl_attach_status {
	char prog[48];
	char target[64];
	char status[16];	/* attached, missing, failed, skipped */
	char why[128];
	/* missing at the start, tried when its module loaded (loader_late.c) */
	bool late;
	double late_s;		/* when, in seconds after the start's hooks attached */
	char module[56];	/* MODULE_NAME_LEN */
};

/* The traced command (check, record): what ran and how it ended. */
struct fl_cmd_fate {
	char *const *argv;	/* NULL: no command (demo, report, a bare run) */
	bool reaped;		/* @status is its wait status */
	int status;
	const char *stopped_by;	/* faultline ended it, and why; NULL if it ended itself */
};
#define FL_MAX_OTHER_FS	64

/* every program of every object, with room to grow (the plan lists each) */
#define FL_MAX_ATTACH 128

struct fl_run_info {
	const char *mode;
	const char *locks;		/* "lock-word" or "precise" */
	/*
	 * precise: BPF programs are preemptible (1), may be (-1: cannot tell)
	 * or are not (0): not 0, no record decided "not me" (loader.h)
	 */
	int bpf_preempt;
	/*
	 * precise: runs of its hooks the kernel skipped, if known (live, or a
	 * dump that carries them); of them, the acquisitions' and releases'
	 */
	bool precise_skipped_known;
	uint64_t precise_skipped;
	uint64_t precise_skipped_holds;
	bool lock_order;		/* --lock-order: the lock-order rule is checked */
	const char *attach_mode;	/* --attach */
	bool lock_words;		/* rw_semaphore words readable */
	/* their shape: "count/owner", "rwbase_rt" (PREEMPT_RT); "" if not known */
	char lock_word_shape[16];
	bool self_cost;			/* bpf_run_ns / bpf_runs measured */
	uint64_t bpf_run_ns, bpf_runs;
	char kernel[128];
	double duration_s;
	struct fl_slot_info slots[FL_MAX_SLOTS];
	bool filtered;		/* slots name the only watched filesystems */
	/* unfiltered: the types (s_magic) of filesystems beyond the slots (slot 0) */
	uint32_t other_magics[FL_MAX_OTHER_FS];
	int nother;
	uint64_t *lost_per_cpu;
	int ncpus;
	struct fl_attach_status attach[FL_MAX_ATTACH];
	int nattach;
	const struct fl_ksyms *ksyms;
	const char *partial;	/* post-mortem: why the input is incomplete, or NULL */
	struct fl_cmd_fate cmd;
	char lost_note[256];	/* where the lost counts come from, if not BPF's ring */
};

void fl_report_text(FILE *out, const struct fl_engine *e, const struct fl_run_info *ri);
/* One violation's block of the text report, numbered @idx + 1. */
void fl_report_text_violation(FILE *out, const struct fl_engine *e,
			      const struct fl_run_info *ri, const struct fl_violation *v, size_t idx);
/* 0 or -errno; the file is written whole or not at all. */
int fl_report_json(const char *path, const struct fl_engine *e, const struct fl_run_info *ri);

/* The attach plan as a JSON array (the report, and the dump's header). */
struct json_object;
struct json_object *fl_report_attach_json(const struct fl_run_info *ri);
/* One violation as the JSON report's "violations" array has it. */
struct json_object *fl_report_violation_json(const struct fl_engine *e,
					     const struct fl_run_info *ri,
					     const struct fl_violation *v);
/* A task name (at most FL_COMM_LEN bytes, exact) as a JSON string. */
struct json_object *fl_report_comm_json(const char *comm);

/* Frames worth showing: tracepoint glue and BPF frames are dropped. */
int fl_report_frames(const struct fl_run_info *ri, const struct fl_event *ev,
		     char out[][160], int max);
uint64_t fl_report_lost(const struct fl_engine *e, const struct fl_run_info *ri);
/* The verdict covers everything: the JSON's "complete", exit bit 4 unset. */
bool fl_report_complete(const struct fl_engine *e, const struct fl_run_info *ri);
/* Skipped runs of the lock hooks the verdict rests on (0: none, or not known). */
uint64_t fl_report_precise_skips_relevant(const struct fl_run_info *ri);
/* A watched filesystem (--dev/--path) whose counters all stayed zero. */
bool fl_report_slot_silent(const struct fl_engine *e, const struct fl_run_info *ri, int slot);
/* "exited with status 7", "killed by SIGKILL", ...: the command's fate. */
void fl_report_cmd_fate(const struct fl_cmd_fate *cmd, char *buf, size_t len);
/* The signal's name ("SIGKILL"), or "signal N" for one without a name. */
const char *fl_signal_name(int sig, char *buf, size_t len);

/* report_fs.c: per filesystem, for both reports. */
struct fl_fs_type {
	uint32_t magic;		/* 0: unknown (named by its mount's type, if any) */
	char name[32];
};

/* Slot @s (1..) has a row: a watched or seen filesystem, or counts. */
bool fl_report_slot_row(const struct fl_engine *e, const struct fl_run_info *ri, int s);
/* Unfiltered: filesystems beyond the last slot counted events (slot 0). */
bool fl_report_other_row(const struct fl_engine *e, const struct fl_run_info *ri);
/*
 * The filesystem types the run watched (--dev) or saw (unfiltered: every
 * slot given out, and the types beyond the last); the rules' coverage is
 * stated for these only.  Returns how many (at most @max).
 */
int fl_report_fs_types(const struct fl_run_info *ri, struct fl_fs_type *out, int max);
/* The lock words were PREEMPT_RT's (rwbase_rt: readers counted, none named). */
bool fl_report_rt_words(const struct fl_run_info *ri);
/* ri->bpf_preempt as JSON: true, false, null (cannot tell, or not precise) */
struct json_object *fl_report_bpf_preempt_json(const struct fl_run_info *ri);
/* What the "unknown" count means for this run's lock evidence, and the cure. */
const char *fl_report_unknown_why(const struct fl_run_info *ri);
const char *fl_report_unknown_remedy(const struct fl_run_info *ri);

#endif
