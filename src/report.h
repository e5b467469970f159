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
};

/* every program of every object, with room to grow (the plan lists each) */
#define FL_MAX_ATTACH 128

struct fl_run_info {
	const char *mode;
	const char *locks;		/* "lock-word" or "precise" */
	bool lock_order;		/* --lock-order: the lock-order rule is checked */
	const char *attach_mode;	/* --attach */
	bool lock_words;		/* rw_semaphore words readable (not PREEMPT_RT) */
	bool self_cost;			/* bpf_run_ns / bpf_runs measured */
	uint64_t bpf_run_ns, bpf_runs;
	char kernel[128];
	double duration_s;
	struct fl_slot_info slots[FL_MAX_SLOTS];
	bool filtered;		/* slots name the only watched filesystems */
	uint64_t *lost_per_cpu;
	int ncpus;
	struct fl_attach_status attach[FL_MAX_ATTACH];
	int nattach;
	const struct fl_ksyms *ksyms;
	const char *partial;	/* post-mortem: why the input is incomplete, or NULL */
	char lost_note[256];	/* where the lost counts come from, if not BPF's ring */
};

void fl_report_text(FILE *out, const struct fl_engine *e, const struct fl_run_info *ri);
/* 0 or -errno; the file is written whole or not at all. */
int fl_report_json(const char *path, const struct fl_engine *e, const struct fl_run_info *ri);

/* The attach plan as a JSON array (the report, and the dump's header). */
struct json_object;
struct json_object *fl_report_attach_json(const struct fl_run_info *ri);
/* A task name (at most FL_COMM_LEN bytes, exact) as a JSON string. */
struct json_object *fl_report_comm_json(const char *comm);

/* Frames worth showing: tracepoint glue and BPF frames are dropped. */
int fl_report_frames(const struct fl_run_info *ri, const struct fl_event *ev,
		     char out[][160], int max);
uint64_t fl_report_lost(const struct fl_engine *e, const struct fl_run_info *ri);

#endif
