/* SPDX-License-Identifier: GPL-2.0 */
/* The lock-order sections of the text and JSON reports. */
#ifndef FL_REPORT_LOCKORDER_H
#define FL_REPORT_LOCKORDER_H

#include <json-c/json.h>
#include <stdio.h>

#include "report.h"

/*
 * Was lock order checked: --lock-order live, or lock events in a dump
 * (whose header does not say).
 */
bool fl_report_lo_checked(const struct fl_engine *e, const struct fl_run_info *ri);
/* lockdep-shaped: "possible circular locking dependency detected", chain, stacks */
void fl_report_lo_violation(FILE *out, const struct fl_engine *e, const struct fl_run_info *ri,
			    const struct fl_violation *v, size_t idx);
/* The edges seen and what could not be followed (nothing if no lock events). */
void fl_report_lo_summary(FILE *out, const struct fl_engine *e, const struct fl_run_info *ri);
/*
 * Did precise tracking's rw_semaphore hooks feed lock order?  Only with
 * --locks=precise where BPF programs are not preemptible (the loader's
 * fl_config.precise_all).  *why: the reason when not.
 */
bool fl_report_lo_precise_hooks(const struct fl_run_info *ri, const char **why);

/* Symbolised frames as a JSON array (report_json.c). */
json_object *fl_report_stack_json(const struct fl_run_info *ri, const struct fl_event *ev);
json_object *fl_report_lo_edge_json(const struct fl_lo_graph *lo, const struct fl_run_info *ri,
				    int edge);
/* The report's "lock_order" object. */
json_object *fl_report_lo_json(const struct fl_engine *e, const struct fl_run_info *ri);
/* A violation's "lock_order" detail, or NULL for other rules. */
json_object *fl_report_lo_violation_json(const struct fl_engine *e, const struct fl_run_info *ri,
					 const struct fl_violation *v);

#endif
