/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The trace.dat importer's own state, shared by its three parts:
 * import_tracedat.c (the file: passes, buffer instances, symbols),
 * tracedat_events.c (which tracepoints and fields it reads) and
 * tracedat_records.c (each record to engine events).
 */
#ifndef FL_TRACEDAT_IMP_H
#define FL_TRACEDAT_IMP_H

#include <stdbool.h>
#include <stdint.h>

#include <sched.h>	/* cpu_set_t, which trace-cmd.h uses */
#include <trace-cmd.h>

#include "import_tracedat.h"
#include "xfs_holds.h"

#define EXT4_MAGIC	0xEF53
#define XFS_MAGIC	0x58465342

#define FALLOC_PUNCH	0x02
#define FALLOC_COLLAPSE	0x08
#define FALLOC_ZERO	0x10
#define FALLOC_INSERT	0x20
#define FALLOC_WZEROES	0x80

#define MAX_CPUS	4096
#define MAX_TASKS	4096	/* tasks inside a traced invalidation syscall */
#define MAX_DEVS	256
#define MAX_INSTANCES	16
#define STACK_SLACK_NS	1000000	/* a stack record follows its event within this */

enum kind {
	K_NONE = 0,
	K_ADD, K_DEL, K_FAULT, K_MAP, K_ITER, K_DSTMAP,
	K_FALLOC, K_FTRUNC, K_TRUNC, K_SYSEXIT,
	K_STEP, K_ILOCK, K_IUNLOCK, K_DEMOTE,
	K_STACK,
	K_FSDEV,	/* any other ext4/xfs event: names a device's fs type */
};

enum { F0, F1, F2, F3, F4, NFIELDS };

struct evinfo {
	uint8_t kind;
	uint8_t op;		/* K_STEP */
	uint32_t magic;		/* ext4/xfs system events */
	struct tep_format_field *f[NFIELDS];
};

struct task_inval {		/* a task inside fallocate/ftruncate/truncate */
	uint32_t pid;
	uint8_t op;
	bool opened, stepped;
	uint64_t start, end, mode;
	struct fl_inode_key key;
	uint32_t magic;
	uint8_t slot;
};

struct devinfo {
	uint32_t kdev;
	uint32_t magic;
	int slot;		/* -1: filtered out */
};

struct pending {
	bool valid;
	struct fl_event ev;
};

struct imp {
	const char *path;
	struct tracecmd_input *h;
	struct tep_handle *tep;
	struct fl_engine *e;
	struct fl_run_info *ri;
	struct fl_tracedat_stats *st;
	bool first_open;	/* the file is opened in a child first */

	/*
	 * One pass when it can (import_tracedat.c): each record teaches its
	 * device's fs type before it is used.  A record that needs a device
	 * no record has named yet stops the use at @resume_at; the pass goes
	 * on learning only, and a second one uses the records from there.
	 */
	struct devinfo learned[MAX_DEVS];	/* kdev, magic: in learning order */
	int nlearned;
	uint64_t nrec;		/* records handed over in this iteration */
	uint64_t resume_at;
	bool learn_only;	/* the first iteration, from @resume_at on */
	bool replay;		/* the second: use records from @resume_at */

	struct evinfo *ev;
	int nev;
	bool native;		/* the file's byte order is the host's */
	bool common_fixed;	/* common_type and common_pid at 0 and 4 */
	unsigned int page_shift;
	bool have_stacks;

	struct devinfo devs[MAX_DEVS];
	int ndevs;
	int next_slot;
	struct task_inval tasks[MAX_TASKS];
	int ntasks;
	struct fl_xfs_holds xfs;
	struct pending *pend;	/* per CPU, when the trace has stacks */
	int ncpus;

	/*
	 * iterate() (import_tracedat.c): the handles it reads, and per
	 * handle and CPU the page whose first record it holds, when
	 * @hold_pages (see hold_page())
	 */
	struct tracecmd_input *iter_h[1 + MAX_INSTANCES];
	int iter_n;
	struct td_fly *fly;	/* tracedat_fly.c's reader, when it reads the file */
	bool fly_tried;
	bool hold_pages;
	void **held_page;

	uint64_t first_ts, last_ts;
	bool instances_bad;	/* buffer instances could not be opened */
	/* import_tracedat.c's lib_probe: damage libtracecmd would not tell */
	bool lib_crashed, lib_cut;
	uint64_t lib_limit, lib_seen;	/* records before the crash; read so far */
	/* every event as it is fed (report --timeline), or NULL */
	void (*on_event)(void *ctx, const struct fl_event *ev);
	void *cb_ctx;
};

/* tracedat_events.c */
int td_setup_events(struct imp *im);
bool td_rd(const struct imp *im, const struct tep_record *r, const struct tep_format_field *f,
	   uint64_t *v);
bool td_rd_all(const struct imp *im, const struct tep_record *r,
	       struct tep_format_field *const *f, int n, uint64_t *v);
int td_type(const struct imp *im, struct tep_record *r);
int td_pid(const struct imp *im, struct tep_record *r);

/* tracedat_records.c: libtracecmd's per-record callback, and the end of input */
int td_on_record(struct tracecmd_input *h, struct tep_record *r, int cpu, void *ctx);
void td_flush_pending(struct imp *im, int cpu, uint64_t ts);
/* Before a second iteration: the devices as the whole file names them. */
void td_devs_final(struct imp *im);

#endif
