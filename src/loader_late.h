/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Between the loader and its part for modules loaded after the start
 * (loader_late.c); no other file uses this.
 */
#ifndef FL_LOADER_LATE_H
#define FL_LOADER_LATE_H

#include <stdbool.h>
#include <stdint.h>

#include "loader.h"

struct bpf_map;
struct bpf_object;
struct bpf_program;

/* loader_late.c, for loader.c */
/* The modules loaded now are not news (taken before the plan).  NULL: none. */
struct fl_late *fl_late_new(void);
/* Closes the late instances; their links are the loader's, destroyed first. */
void fl_late_free(struct fl_late *lt);
void fl_late_self_cost(const struct fl_late *lt, uint64_t *run_ns, uint64_t *runs);
/* After the plan: a row missing for want of a module says it waits for it. */
void fl_late_explain(struct fl_loader *l);

/* loader.c, for loader_late.c */
const char *fl_loader_obj_name(int i);
/* Another instance (skeleton) of object @i, with the start's configuration. */
void *fl_loader_reopen(const struct fl_loader *l, int i);
struct bpf_object *fl_loader_obj_of(int i, void *skel);
int fl_loader_load(int i, void *skel);
void fl_loader_destroy(int i, void *skel);
/* The attach row of program @prog, or NULL. */
struct fl_attach_status *fl_loader_row(struct fl_loader *l, const char *prog);
/* Adds the run time and runs of @obj's loaded programs. */
void fl_loader_obj_cost(struct bpf_object *obj, uint64_t *run_ns, uint64_t *runs);
/*
 * The start's verdict on @prog of object @i, asked again now: true if it
 * would be loaded; else *status ("missing", "skipped") and *why, or
 * *status NULL for a program whose target never comes with a module.
 */
bool fl_loader_plan_late(const struct fl_loader *l, int i, struct bpf_program *prog,
			 const char **status, const char **why);
/* Attach the loaded programs of @skel, an instance of object @i, as the start's. */
void fl_loader_attach_late(struct fl_loader *l, int i, void *skel);
/* Stamp fl_armed (see fl_loader_open); returns the time stamped. */
uint64_t fl_loader_arm(struct fl_loader *l);
/* The shared map of protocol rules (s_magic -> FL_RULE_*). */
struct bpf_map *fl_loader_fs_rules(const struct fl_loader *l);
/* Tell BPF every rule bit the protocols have now (fl_armed[FL_ARMED_RULES]). */
int fl_loader_publish_rules(struct fl_loader *l);

#endif
