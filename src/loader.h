/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Loads the BPF objects (one per concern) through their skeletons, shares
 * their maps, plans per hook which mechanism attaches it on this kernel
 * (tracepoint, fentry, kprobe: programs of the same object, one
 * autoloaded), and attaches.
 */
#ifndef FL_LOADER_H
#define FL_LOADER_H

#include <stdbool.h>
#include <stdint.h>

#include "engine.h"
#include "report.h"

enum fl_attach_mode {
	FL_ATTACH_AUTO = 0,	/* tracepoint, else fentry, else kprobe */
	FL_ATTACH_TP,		/* tracepoints only */
	FL_ATTACH_FENTRY,	/* fentry/fexit for every hook that has a function */
	FL_ATTACH_KPROBE,	/* kprobes for every hook that has a function */
};

struct fl_loader_opts {
	enum fl_attach_mode attach;
	bool watch_tmpfs;	/* load the tmpfs-only programs (cost on every fault) */
	bool emit_all;		/* send every event, not only candidates */
	bool no_attach;		/* plan and load only (faultline probe) */
	bool precise;		/* track rwsem acquisitions (fentry) */
	bool lock_order;	/* send lock acquisitions/releases (lockorder object) */
	uint32_t ring_bytes;
	uint32_t devs[FL_MAX_DEVS];	/* kernel dev_t, slot = index + 1 */
	int ndevs;
	uint32_t tgids[64];
	int ntgids;
};

typedef int (*fl_event_fn)(void *ctx, const struct fl_event *ev);

struct fl_late;

#define FL_NR_OBJS 6

struct fl_loader {
	fl_event_fn fn;
	void *fn_ctx;
	void *skels[FL_NR_OBJS];	/* struct fl_pagecache *, ... (loader.c's obj_descs) */
	struct bpf_object *objs[FL_NR_OBJS];	/* their objects */
	struct ring_buffer *rb;
	struct bpf_link *links[FL_MAX_ATTACH];
	int nlinks;
	int counts_fd;
	int ncpus;
	struct fl_attach_status attach[FL_MAX_ATTACH];
	int nattach;
	int unattachable;	/* no_attach: loaded, but this kernel cannot attach them */
	char own_why[96];	/* --locks=precise: why a task's own record cannot decide */
	/*
	 * --locks=precise: fl_kernel_bpf_preemptible() (1 yes, -1 cannot
	 * tell, 0 no); not 0: no record decides "not me" (fl_config.precise_all)
	 */
	int bpf_preempt;
	/* for the hooks of modules loaded after the start (loader_late.c) */
	struct fl_loader_opts opts;
	uint64_t start_ns;		/* the start's hooks were all attached */
	struct fl_late *late;
	unsigned int modules_loaded;	/* since the start (kallsyms changed) */
};

/* 0, or a negative errno with the reason already printed. */
int fl_loader_open(struct fl_loader *l, const struct fl_loader_opts *o,
		   fl_event_fn fn, void *ctx);
void fl_loader_close(struct fl_loader *l);
/* Poll the ring buffer; returns events consumed or a negative errno. */
int fl_loader_poll(struct fl_loader *l, int timeout_ms);
/*
 * A module loaded since the start (xfs, ext4 or jbd2 built as modules):
 * load and attach the programs whose targets it brought, which the start
 * reported missing.  Their rows of l->attach become attached (late, late_s,
 * module) or failed.  Returns how many rows changed, with the module's
 * name in @module, or 0 when no module with hooks of ours was loaded.
 * Cheap to call often (loader_late.c).
 */
int fl_loader_late_poll(struct fl_loader *l, char *module, size_t len);
/* Per-slot sums over CPUs, and lost events per CPU (array of ncpus). */
int fl_loader_counts(struct fl_loader *l, struct fl_counts slots[FL_MAX_SLOTS],
		     uint64_t *lost_per_cpu);
/*
 * Unfiltered runs: which filesystem each counter slot counts, and up to
 * @max types (s_magic) of the filesystems beyond the last slot (slot 0).
 * Returns how many types, or a negative errno.
 */
int fl_loader_slots(struct fl_loader *l, struct fl_slot_table *t, uint32_t *other, int max);
/* Candidate repeats BPF counted instead of sending (fl_seen), one call each. */
int fl_loader_repeats(struct fl_loader *l, void (*fn)(void *ctx, const struct fl_seen_key *k,
						      uint64_t repeats), void *ctx);
/*
 * Lock order: the acquisitions BPF counted instead of sending (edges user
 * space already has), one call each.  Once, at the end.
 */
struct fl_lo_counted_fns {
	void (*edge)(void *ctx, const struct fl_lo_edge_key *k, uint64_t n);
	void (*cls)(void *ctx, const struct fl_lo_class_key *k, const struct fl_lo_class_count *c);
};
int fl_loader_lo_counted(struct fl_loader *l, const struct fl_lo_counted_fns *fns, void *ctx);
/*
 * The sequences the last traced extent change of the inode @who at @kaddr
 * left (fl_extchg); false if none was traced, or another inode lives there.
 */
bool fl_loader_extent_changes(void *l, uint64_t kaddr, const struct fl_inode_key *who,
			      uint64_t *n);
/* Run time and runs of our programs (kernel BPF stats must be on). */
int fl_loader_self_cost(struct fl_loader *l, uint64_t *run_ns, uint64_t *runs);
/*
 * --locks=precise: runs of the lock hooks the kernel skipped (a program
 * busy on its CPU: bpf_prog_info.recursion_misses), summed: all of them
 * in @skipped, those of the acquisition and release hooks (which also
 * feed lock order; not the read grants') in @holds.  0, or -1 when not
 * loaded or not readable.
 */
int fl_loader_precise_skipped(struct fl_loader *l, uint64_t *skipped, uint64_t *holds);
/* A map's fill: entries of max_entries (-1: arrays, ring buffer, task storage). */
#define FL_MAX_MAP_FILL	64	/* room: the objects hold about 30 maps today */
struct fl_map_fill {
	char name[32];
	uint32_t type;		/* BPF_MAP_TYPE_* */
	uint32_t max_entries;
	int64_t entries;
};
/* Each map's fill, up to @max; returns how many. */
int fl_loader_map_fill(struct fl_loader *l, struct fl_map_fill *out, int max);
/* "auto", "tp", "fentry", "kprobe" -> mode; -EINVAL otherwise. */
int fl_attach_mode_parse(const char *s, enum fl_attach_mode *mode);
const char *fl_attach_mode_name(enum fl_attach_mode mode);

#endif
