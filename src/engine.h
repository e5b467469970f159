/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The correlation and rule engine, shared by live tracing and post-mortem
 * analysis.  It keeps the invalidation windows per inode, judges every
 * page-cache, fault and iomap event it is fed against the filesystem's
 * protocol (rules.h), and collects deduplicated violations.
 */
#ifndef FL_ENGINE_H
#define FL_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "faultline/events.h"
#include "lockorder.h"
#include "rules.h"

/* An invalidation, from its syscall's entry to its exit. */
struct fl_window {
	struct fl_event begin;
	struct fl_event step;	/* the fs's own invalidation code, with stack */
	bool has_step;
	uint64_t ts_end;	/* 0 while open */
	int64_t ret;		/* the syscall's return value, once closed by its END */
	bool ended;		/* closed by its END (not by the task's next window) */
};

struct fl_violation {
	enum fl_rule rule;
	enum fl_evidence evidence;
	struct fl_event ev;	/* first occurrence */
	bool has_partner;
	struct fl_window partner;
	uint64_t count;		/* occurrences: seen, and the repeats BPF counted */
	uint64_t repeats;	/* ... of which BPF counted (fl_seen, cumulative) */
	uint64_t bpf_total;	/* BPF's running total for it when last synced */
	uint64_t other_files;	/* occurrences on files beyond FL_VIOL_FILES_PER_PATH */
	uint64_t last_ts;
	uint64_t sig;		/* rule, inode and stack: what one entry stands for */
	uint64_t code_path;	/* rule and stack, whatever the file */
	char *path;		/* resolved by the reporter, may stay NULL */
	int lo_edge;		/* lock-order: the edge (fl_lo_graph.edges), else -1 */
	int lo_cycle;		/* ... and the cycle it closed, else -1 */
};

struct fl_counts {
	uint64_t c[FL_CNT_MAX];
};

/* Names a kernel text address ("function" without offset), or NULL. */
typedef const char *(*fl_symname_fn)(void *ctx, uint64_t addr);

#define FL_CLOSED_WINDOWS	64
/*
 * Open windows are one per invalidating task; more than this many means
 * ENDs were lost (each task is in one syscall at a time).
 */
#define FL_MAX_OPEN_WINDOWS	1024
#define FL_MAX_STALE_UNSEEN	4096

/*
 * A map the kernel found stale before we had seen it change: settled by
 * the inode's next traced change (FL_EV_STALE_ANSWER), or at the end.
 * Sequences are xfs fork sequences, COW << 32 | data.
 */
struct fl_stale_unseen {
	uint64_t kaddr;		/* the inode in the kernel */
	uint64_t snap;		/* the kernel's snapshot (cookie) it found stale */
	uint8_t forks;		/* which it compared: bit 0 data, bit 1 COW */
	struct fl_event ev;
};

/*
 * The window form of the stale-map rule (filesystems whose extent sequence
 * faultline does not know): folios writes instantiated under a map that an
 * invalidation of their range may have made stale.
 */
struct fl_stale_window_stats {
	uint64_t across;	/* an invalidation of the folio's range ran whole
				 * between the map and the folio */
	uint64_t revalidated;	/* ... and the write stopped there for a new map */
	uint64_t undecided;	/* one overlapped the map's life only in part (or
				 * failed, or its end was lost): not judged */
};

/* Agreement with the filesystem's own stale-map detection. */
struct fl_stale_stats {
	uint64_t kernel_found;	/* maps the kernel found stale */
	uint64_t seen;		/* ... that faultline had seen go stale */
	uint64_t seen_late;	/* ... whose change was traced just after */
	uint64_t missed;	/* ... that faultline never saw change */
};
#define FL_MAX_VIOLATIONS	4096
/*
 * Files kept per code path: a bug on a path that every file takes (a
 * service runs for weeks) would otherwise fill the table with one entry per
 * file and leave no room for the next, different bug.  Occurrences on more
 * files count on the path's first entry (other_files).
 */
#define FL_VIOL_FILES_PER_PATH	8

/* check's race partners (FL_EV_RACE), each until its candidate comes */
#define FL_RACES		16

struct fl_race {
	bool used;
	struct fl_event ev;
};

struct fl_engine {
	fl_symname_fn symname;
	void *symctx;
	bool count_events;	/* counts come from the events (post-mortem) */

	struct fl_window *open;
	size_t nopen, capopen;
	struct fl_window closed[FL_CLOSED_WINDOWS];
	size_t closed_next, nclosed;
	uint64_t windows_unended;	/* closed without their END: it was lost */

	struct fl_violation *viol;
	size_t nviol, capviol;
	uint64_t viol_dropped;	/* occurrences of violations beyond the cap */

	struct fl_counts slots[FL_MAX_SLOTS];
	struct fl_stale_unseen *unseen;
	size_t nunseen, capunseen;
	struct fl_stale_stats stale;
	struct fl_stale_window_stats stale_window;
	uint64_t events;
	uint64_t not_truncation;	/* unlocked deletions that were not truncation */
	uint64_t lockless_readers;	/* unlocked insertions by uprobes, fs-verity */
	uint64_t first_ts;
	uint64_t last_ts;	/* the newest event's */
	struct fl_lo_graph *lo;	/* lock-order graph (FL_EV_LOCK_ACQ/REL) */
	struct fl_race races[FL_RACES];
	size_t race_next;
	struct fl_window race_win;	/* the candidate being judged: its partner */
	const struct fl_window *race_now;
};

struct fl_engine *fl_engine_new(fl_symname_fn symname, void *symctx);
void fl_engine_free(struct fl_engine *e);
void fl_engine_feed(struct fl_engine *e, const struct fl_event *ev);
/*
 * Would feeding @ev name its frames (fl_stack_*: symname)?  Live, naming
 * needs kallsyms, which a consumer must not stop to read (live.c).
 */
bool fl_engine_names_frames(const struct fl_event *ev);
/*
 * After the run: settle the maps the kernel found stale whose change's
 * trace never answered (FL_EV_STALE_ANSWER).  @seq_now gives the
 * sequences the last traced change of the inode @who at @kaddr left (COW
 * << 32 | data, the BPF map), or returns false if it has none (or another
 * inode lives there now).  Fills e->stale.
 */
typedef bool (*fl_seq_now_fn)(void *ctx, uint64_t kaddr, const struct fl_inode_key *who,
			      uint64_t *seq);
void fl_engine_settle_stale(struct fl_engine *e, fl_seq_now_fn seq_now, void *ctx);
/*
 * The same while the run goes on (watch), for the finds older than
 * @before (CLOCK_MONOTONIC ns): an answer comes within microseconds, so a
 * find still waiting long after will not get one, and need not be kept.
 */
void fl_engine_settle_stale_before(struct fl_engine *e, uint64_t before, fl_seq_now_fn seq_now,
				   void *ctx);
/*
 * Live: forget what tasks that have gone away left behind because their
 * last events were lost: open invalidation windows (closed as of the
 * newest event) and lock-order holds.  @alive says whether a task (its
 * thread id) still exists.  Returns how many tasks were found gone.
 */
typedef bool (*fl_task_alive_fn)(void *ctx, uint32_t pid);
size_t fl_engine_tasks_gone(struct fl_engine *e, fl_task_alive_fn alive, void *ctx);
/* Did a change leave a sequence newer than @snap in one of @forks? */
bool fl_stale_newer(uint64_t seen, uint64_t snap, unsigned int forks);
/*
 * Occurrences BPF counted but did not send (same event type, code path and
 * inode as one it sent), as the running total it has for @k: the part not
 * synced before is added to the violation it repeats.  Returns how many
 * were added; repeats of candidates that were no violation are not.
 */
uint64_t fl_engine_sync_repeats(struct fl_engine *e, const struct fl_seen_key *k,
				uint64_t repeats);
/* Totals over every slot. */
void fl_engine_total(const struct fl_engine *e, struct fl_counts *out);
uint64_t fl_engine_total_of(const struct fl_engine *e, enum fl_counter c);

/* Stack classification, exposed for the tests and the reporters. */
bool fl_stack_has(const struct fl_engine *e, const struct fl_event *ev,
		  const char *const *names);
bool fl_stack_in_fault(const struct fl_engine *e, const struct fl_event *ev);
bool fl_stack_truncates(const struct fl_engine *e, const struct fl_event *ev);
bool fl_stack_lockless_reader(const struct fl_engine *e, const struct fl_event *ev);

#endif
