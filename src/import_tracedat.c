// SPDX-License-Identifier: GPL-2.0
/*
 * trace-cmd import: a trace.dat read through libtracecmd becomes the
 * struct fl_event stream a live check would have produced, as far as plain
 * tracepoints carry it.
 *
 * What the tracepoints do not carry:
 *  - lock words.  Lock states are FL_LOCK_NA ("unknown"), and such events
 *    are counted unknown where BPF would have judged them (mirroring the
 *    BPF programs' counting).  xfs is the exception: its lock tracepoints
 *    give a task's own IOLOCK/MMAPLOCK holds (xfs_holds.h, which says what
 *    not holding them proves).
 *  - the file system type: learned per device from the ext4:* and xfs:*
 *    records that name it (a first pass over the file), so a recording
 *    needs -e ext4 / -e xfs for the rules to apply.
 *  - i_generation: every inode key has gen 0.
 *  - the tgid: 0.
 *  - the inode of fallocate/ftruncate (an fd): windows open at the
 *    filesystem's own invalidation tracepoint of the same task, as the BPF
 *    path does for truncate(2), and close at the syscall's exit.
 *  - the invalidator's locked section: windows span the whole syscall, so
 *    an overlap with them is no evidence; events carry FL_F_NO_LOCKWORD and
 *    the engine makes no observed-race judgement of their unknown states.
 *
 * Kernel stacks (trace-cmd record -T) follow their event on the same CPU
 * as an ftrace:kernel_stack record and are attached to it.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sched.h>	/* cpu_set_t, which trace-cmd.h uses */
#include <trace-cmd.h>

#include "dump.h"
#include "import_tracedat.h"
#include "rules.h"
#include "util.h"
#include "xfs_holds.h"

/* Exported by libtracecmd (3.1) but not declared in its public header. */
const char *tracecmd_get_uname(struct tracecmd_input *handle);
int tracecmd_cpus(struct tracecmd_input *handle);

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
	struct tracecmd_input *h;
	struct tep_handle *tep;
	struct fl_engine *e;
	struct fl_run_info *ri;
	struct fl_tracedat_stats *st;
	bool discover;		/* first pass: devices only */

	struct evinfo *ev;
	int nev;
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

	uint64_t first_ts, last_ts;
	bool instances_bad;	/* buffer instances could not be opened */
	/* every event as it is fed (report --timeline), or NULL */
	void (*on_event)(void *ctx, const struct fl_event *ev);
	void *cb_ctx;
};

/* ---- records and fields ---------------------------------------------- */

/* A field's value, if the record is long enough to hold it. */
static bool rd(const struct tep_record *r, const struct tep_format_field *f, uint64_t *v)
{
	unsigned long long val;

	if (!f || f->offset < 0 || f->size <= 0 || f->size > 8 ||
	    (long long)f->offset + f->size > r->size)
		return false;
	if (tep_read_number_field((struct tep_format_field *)f, r->data, &val))
		return false;
	*v = val;
	return true;
}

static bool rd_all(const struct tep_record *r, struct tep_format_field *const *f, int n,
		   uint64_t *v)
{
	for (int i = 0; i < n; i++)
		if (!rd(r, f[i], &v[i]))
			return false;
	return true;
}

static void set_event(struct imp *im, const char *sys, const char *name, enum kind k,
		      uint8_t op, const char *const *fields)
{
	struct tep_event *te = tep_find_event_by_name(im->tep, sys, name);
	struct evinfo *ei;

	if (!te || te->id < 0 || te->id >= im->nev)
		return;
	ei = &im->ev[te->id];
	ei->kind = k;
	ei->op = op;
	for (int i = 0; fields && fields[i] && i < NFIELDS; i++) {
		ei->f[i] = tep_find_field(te, fields[i]);
		if (!ei->f[i]) {
			/* this kernel's tracepoint lacks a field we need */
			fl_debug("trace.dat: %s:%s has no field %s: ignored", sys, name, fields[i]);
			ei->kind = K_NONE;
			return;
		}
	}
}

static int setup_events(struct imp *im)
{
	static const char *const add[] = { "s_dev", "i_ino", "index", NULL };
	static const char *const fault[] = { "s_dev", "i_ino", "index", NULL };
	static const char *const map[] = { "s_dev", "i_ino", "index", "last_index", NULL };
	static const char *const iter[] = { "dev", "ino", "pos", "length", "flags", NULL };
	static const char *const dst[] = { "dev", "ino", "offset", "length", NULL };
	static const char *const falloc[] = { "mode", "offset", "len", NULL };
	static const char *const trunc[] = { "length", NULL };
	static const char *const ret[] = { "ret", NULL };
	static const char *const devino[] = { "dev", "ino", NULL };
	static const char *const lock[] = { "dev", "ino", "lock_flags", NULL };
	static const char *const stack[] = { "size", "caller", NULL };
	static const struct {
		const char *sys, *name;
		enum kind kind;
		const char *const *fields;
	} evs[] = {
		{ "filemap", "mm_filemap_add_to_page_cache", K_ADD, add },
		{ "filemap", "mm_filemap_delete_from_page_cache", K_DEL, add },
		{ "filemap", "mm_filemap_fault", K_FAULT, fault },
		{ "filemap", "mm_filemap_map_pages", K_MAP, map },
		{ "iomap", "iomap_iter", K_ITER, iter },
		{ "iomap", "iomap_iter_dstmap", K_DSTMAP, dst },
		{ "syscalls", "sys_enter_fallocate", K_FALLOC, falloc },
		{ "syscalls", "sys_enter_ftruncate", K_FTRUNC, trunc },
		{ "syscalls", "sys_enter_truncate", K_TRUNC, trunc },
		{ "syscalls", "sys_exit_fallocate", K_SYSEXIT, ret },
		{ "syscalls", "sys_exit_ftruncate", K_SYSEXIT, ret },
		{ "syscalls", "sys_exit_truncate", K_SYSEXIT, ret },
		{ "xfs", "xfs_ilock", K_ILOCK, lock },
		{ "xfs", "xfs_ilock_nowait", K_ILOCK, lock },
		{ "xfs", "xfs_iunlock", K_IUNLOCK, lock },
		{ "xfs", "xfs_ilock_demote", K_DEMOTE, lock },
		{ "ftrace", "kernel_stack", K_STACK, stack },
	};
	static const struct { const char *sys, *name; uint8_t op; } steps[] = {
		{ "ext4", "ext4_punch_hole", FL_OP_PUNCH },
		{ "ext4", "ext4_zero_range", FL_OP_ZERO },
		{ "ext4", "ext4_collapse_range", FL_OP_COLLAPSE },
		{ "ext4", "ext4_insert_range", FL_OP_INSERT },
		{ "ext4", "ext4_truncate_enter", FL_OP_TRUNCATE },
		{ "xfs", "xfs_free_file_space", FL_OP_PUNCH },
		{ "xfs", "xfs_zero_file_space", FL_OP_ZERO },
		{ "xfs", "xfs_collapse_file_space", FL_OP_COLLAPSE },
		{ "xfs", "xfs_insert_file_space", FL_OP_INSERT },
		{ "xfs", "xfs_itruncate_extents_start", FL_OP_TRUNCATE },
	};
	int n = tep_get_events_count(im->tep), maxid = 0;
	struct tep_event *te;

	for (int i = 0; i < n; i++) {
		te = tep_get_event(im->tep, i);
		if (te && te->id > maxid)
			maxid = te->id;
	}
	if (maxid > 0xffff)
		maxid = 0xffff;		/* common_type is 16 bits */
	im->nev = maxid + 1;
	im->ev = calloc(im->nev, sizeof(*im->ev));
	if (!im->ev)
		return -ENOMEM;

	/* every ext4/xfs event with a dev field tells that device's fs type */
	for (int i = 0; i < n; i++) {
		uint32_t magic;

		te = tep_get_event(im->tep, i);
		if (!te || te->id < 0 || te->id >= im->nev || !te->system)
			continue;
		if (!strcmp(te->system, "ext4"))
			magic = EXT4_MAGIC;
		else if (!strcmp(te->system, "xfs"))
			magic = XFS_MAGIC;
		else
			continue;
		im->ev[te->id].magic = magic;
		im->ev[te->id].f[F0] = tep_find_field(te, "dev");
		if (im->ev[te->id].f[F0])
			im->ev[te->id].kind = K_FSDEV;
	}
	for (size_t i = 0; i < ARRAY_SIZE(evs); i++)
		set_event(im, evs[i].sys, evs[i].name, evs[i].kind, 0, evs[i].fields);
	for (size_t i = 0; i < ARRAY_SIZE(steps); i++)
		set_event(im, steps[i].sys, steps[i].name, K_STEP, steps[i].op, devino);
	/* kernel_stack's caller array is read by attach_stack, not by rd() */
	te = tep_find_event_by_name(im->tep, "ftrace", "kernel_stack");
	im->have_stacks = te && te->id >= 0 && te->id < im->nev && im->ev[te->id].kind == K_STACK;
	return 0;
}

/* ---- devices ----------------------------------------------------------- */

static struct devinfo *dev_find(struct imp *im, uint32_t kdev)
{
	for (int i = 0; i < im->ndevs; i++)
		if (im->devs[i].kdev == kdev)
			return &im->devs[i];
	return NULL;
}

/* First pass: which fs a device is, from its ext4/xfs records. */
static void dev_learn(struct imp *im, uint32_t kdev, uint32_t magic)
{
	struct devinfo *d = dev_find(im, kdev);

	if (d) {
		if (!d->magic)
			d->magic = magic;
		return;
	}
	if (im->ndevs == MAX_DEVS)
		return;
	d = &im->devs[im->ndevs++];
	d->kdev = kdev;
	d->magic = magic;
	d->slot = 0;
}

/*
 * The slot of a device's events: one per filesystem seen (up to the
 * report's slots), 0 for the rest; -1 when the caller filtered it out.
 */
static int dev_slot(struct imp *im, uint32_t kdev, uint32_t *magic)
{
	struct fl_run_info *ri = im->ri;
	struct devinfo *d = dev_find(im, kdev);
	int s;

	if (!d) {
		if (im->ndevs == MAX_DEVS) {
			*magic = 0;
			return ri->filtered ? -1 : 0;
		}
		d = &im->devs[im->ndevs++];
		d->kdev = kdev;
		d->magic = 0;
		d->slot = 0;
	}
	*magic = d->magic;
	if (d->slot)
		return d->slot;
	if (ri->filtered) {
		for (s = 1; s < FL_MAX_SLOTS; s++)
			if (ri->slots[s].used && ri->slots[s].kdev == kdev)
				break;
		d->slot = s < FL_MAX_SLOTS ? s : -1;
	} else if (im->next_slot < FL_MAX_SLOTS) {
		d->slot = im->next_slot++;
		ri->slots[d->slot].used = true;
		ri->slots[d->slot].kdev = kdev;
	} else {
		return 0;	/* counted in the total only */
	}
	if (d->slot > 0) {
		ri->slots[d->slot].magic = d->magic;
		snprintf(ri->slots[d->slot].fstype, sizeof(ri->slots[d->slot].fstype), "%s",
			 d->magic ? fl_fs_name(d->magic) : "unknown");
	}
	return d->slot;
}

/* ---- events ------------------------------------------------------------ */

static bool held(unsigned int st)
{
	return st == FL_LOCK_EXCL_ME || st == FL_LOCK_SHARED_ME;
}

static bool undecided(unsigned int st)
{
	return st == FL_LOCK_NA || st == FL_LOCK_SHARED_OTHER;
}

/*
 * The counters BPF keeps beside the events (faults.bpf.c, pagecache.bpf.c,
 * iomap.bpf.c): unknown and unchecked, for the checks that apply.  The
 * engine counts the rest from the events (count_events).
 */
static void count_evidence(struct imp *im, const struct fl_event *ev)
{
	uint64_t *c = im->e->slots[ev->slot].c;
	uint32_t rules = fl_fs_flags(ev->fs_magic);

	switch (ev->type) {
	case FL_EV_MAP_PAGES:
		if ((rules & FL_RULE_MAP_PAGES_LOCKED) && !held(ev->inval_lock) &&
		    undecided(ev->inval_lock))
			c[FL_CNT_UNKNOWN]++;
		break;
	case FL_EV_INSERT:
		if (held(ev->inval_lock) || held(ev->i_rwsem))
			break;
		if (!(rules & FL_RULE_INSERT_LOCKED))
			c[FL_CNT_UNCHECKED]++;
		else if (undecided(ev->inval_lock) || ev->i_rwsem == FL_LOCK_SHARED_OTHER ||
			 ev->i_rwsem == FL_LOCK_NA)
			c[FL_CNT_UNKNOWN]++;
		break;
	case FL_EV_IOMAP:
		if (!(ev->aux & (FL_IOMAP_WRITE | FL_IOMAP_ZERO | FL_IOMAP_UNSHARE)) ||
		    (ev->aux & (FL_IOMAP_FAULT | FL_IOMAP_DIRECT)) || held(ev->i_rwsem))
			break;
		if (!(rules & FL_RULE_WRITE_LOCKED))
			c[FL_CNT_UNCHECKED]++;
		else if (undecided(ev->i_rwsem))
			c[FL_CNT_UNKNOWN]++;
		break;
	default:
		break;
	}
}

static void feed(struct imp *im, const struct fl_event *ev)
{
	fl_engine_feed(im->e, ev);
	if (im->on_event)
		im->on_event(im->cb_ctx, ev);
}

/* Held until its stack record (if any) has had the chance to follow. */
static void emit(struct imp *im, const struct fl_event *ev)
{
	int cpu = ev->cpu;

	count_evidence(im, ev);
	if (!im->pend || cpu >= im->ncpus) {
		feed(im, ev);
		return;
	}
	if (im->pend[cpu].valid)
		feed(im, &im->pend[cpu].ev);
	im->pend[cpu].ev = *ev;
	im->pend[cpu].valid = true;
}

/* Before a record at @ts on @cpu: events whose stack can no longer come. */
static void flush_pending(struct imp *im, int cpu, uint64_t ts)
{
	for (int c = 0; im->pend && c < im->ncpus; c++) {
		struct pending *p = &im->pend[c];

		if (p->valid && (c == cpu || p->ev.ts + STACK_SLACK_NS < ts)) {
			feed(im, &p->ev);
			p->valid = false;
		}
	}
}

static void attach_stack(struct imp *im, const struct tep_record *r, const struct evinfo *ei)
{
	struct pending *p = im->pend && r->cpu >= 0 && r->cpu < im->ncpus ? &im->pend[r->cpu] : NULL;
	const struct tep_format_field *f = ei->f[F1];
	uint64_t size;
	long long avail;
	unsigned int n;

	if (!p || !p->valid)
		return;		/* the stack of an event we do not use */
	if (!rd(r, ei->f[F0], &size)) {
		im->st->skipped++;
		return;
	}
	avail = ((long long)r->size - f->offset) / 8;
	if (f->offset < 0 || avail <= 0) {
		im->st->skipped++;
		return;
	}
	n = size < (uint64_t)avail ? (unsigned int)size : (unsigned int)avail;
	if (n > FL_MAX_FRAMES)
		n = FL_MAX_FRAMES;
	for (unsigned int i = 0; i < n; i++)
		p->ev.frames[i] = tep_read_number(im->tep, (char *)r->data + f->offset + 8 * i, 8);
	p->ev.nr_frames = n;
	p->ev.flags |= FL_F_STACK;
	im->st->stacks++;
	feed(im, &p->ev);
	p->valid = false;
}

static struct task_inval *task_find(struct imp *im, uint32_t pid)
{
	for (int i = 0; i < im->ntasks; i++)
		if (im->tasks[i].pid == pid)
			return &im->tasks[i];
	return NULL;
}

static void task_drop(struct imp *im, struct task_inval *t)
{
	*t = im->tasks[--im->ntasks];
}

/* sys_enter of an invalidating syscall: the window waits for its inode. */
static void task_enter(struct imp *im, uint32_t pid, uint8_t op, uint64_t start,
		       uint64_t end, uint64_t mode)
{
	struct task_inval *t = task_find(im, pid);

	if (!t) {
		if (im->ntasks == MAX_TASKS)
			return;
		t = &im->tasks[im->ntasks++];
	}
	*t = (struct task_inval){ .pid = pid, .op = op, .start = start, .end = end,
				  .mode = mode };
}

static void base_event(struct imp *im, const struct tep_record *r, struct fl_event *ev,
		       uint16_t type, uint32_t pid)
{
	const char *comm = tep_data_comm_from_pid(im->tep, (int)pid);

	memset(ev, 0, sizeof(*ev));
	ev->type = type;
	ev->cpu = (uint16_t)r->cpu;
	ev->ts = r->ts;
	ev->pid = pid;
	snprintf(ev->comm, sizeof(ev->comm), "%s", comm ? comm : "<...>");
	ev->flags = FL_F_NO_LOCKWORD;
}

/* Fills the inode and slot; false when the device is filtered out. */
static bool on_inode(struct imp *im, struct fl_event *ev, uint64_t dev, uint64_t ino)
{
	uint32_t magic;
	int slot = dev_slot(im, (uint32_t)dev, &magic);

	if (slot < 0) {
		im->st->filtered++;
		return false;
	}
	ev->slot = (uint8_t)slot;
	ev->inode.dev = (uint32_t)dev;
	ev->inode.ino = ino;
	ev->inode.gen = 0;	/* not in the tracepoints */
	ev->fs_magic = magic;
	return true;
}

static void fs_step(struct imp *im, const struct tep_record *r, uint32_t pid, uint8_t op,
		    uint64_t dev, uint64_t ino)
{
	struct task_inval *t = task_find(im, pid);
	struct fl_event ev;

	base_event(im, r, &ev, FL_EV_INVAL_BEGIN, pid);
	if (!on_inode(im, &ev, dev, ino))
		return;
	if (!t) {
		/* inode eviction truncates too; that is not a user invalidation */
		if (op != FL_OP_TRUNCATE)
			im->e->slots[ev.slot].c[FL_CNT_INVAL_UNTRACKED]++;
		return;
	}
	ev.op = t->op;
	ev.start = t->start;
	ev.end = t->end;
	ev.aux = t->mode;
	if (!t->opened) {
		t->opened = true;
		t->key = ev.inode;
		t->magic = ev.fs_magic;
		t->slot = ev.slot;
		feed(im, &ev);
	}
	if (t->stepped || t->key.dev != ev.inode.dev || t->key.ino != ev.inode.ino)
		return;
	t->stepped = true;
	ev.type = FL_EV_INVAL_STEP;
	ev.op = op;
	if (ev.fs_magic == XFS_MAGIC)
		fl_xfs_holds_states(&im->xfs, &ev);
	emit(im, &ev);
}

static void sys_exit(struct imp *im, const struct tep_record *r, uint32_t pid, int64_t ret)
{
	struct task_inval *t = task_find(im, pid);
	struct fl_event ev;

	if (!t)
		return;
	if (t->opened) {
		base_event(im, r, &ev, FL_EV_INVAL_END, pid);
		ev.inode = t->key;
		ev.fs_magic = t->magic;
		ev.slot = t->slot;
		ev.op = t->op;
		ev.start = t->start;
		ev.end = t->end;
		ev.aux = (uint64_t)ret;
		emit(im, &ev);
	}
	task_drop(im, t);
}

static uint8_t falloc_op(uint64_t mode)
{
	if (mode & FALLOC_PUNCH)
		return FL_OP_PUNCH;
	if (mode & (FALLOC_ZERO | FALLOC_WZEROES))
		return FL_OP_ZERO;
	if (mode & FALLOC_COLLAPSE)
		return FL_OP_COLLAPSE;
	if (mode & FALLOC_INSERT)
		return FL_OP_INSERT;
	return FL_OP_NONE;	/* allocation drops no page cache */
}

/* One page-cache, fault or iomap record: the event, with xfs lock states. */
static void data_event(struct imp *im, const struct tep_record *r, uint32_t pid,
		       enum kind k, const uint64_t *v)
{
	static const uint16_t type_of[] = {
		[K_ADD] = FL_EV_INSERT, [K_DEL] = FL_EV_DELETE, [K_FAULT] = FL_EV_FAULT,
		[K_MAP] = FL_EV_MAP_PAGES, [K_ITER] = FL_EV_IOMAP, [K_DSTMAP] = FL_EV_IOMAP_MAP,
	};
	unsigned int sh = im->page_shift;
	struct fl_event ev;

	base_event(im, r, &ev, type_of[k], pid);
	if (!on_inode(im, &ev, v[0], v[1]))
		return;
	switch (k) {
	case K_ADD:
	case K_DEL:
	case K_FAULT:
		ev.start = v[2] << sh;
		ev.end = (v[2] + 1) << sh;
		break;
	case K_MAP:
		ev.start = v[2] << sh;
		ev.end = (v[3] + 1) << sh;
		break;
	case K_ITER:
		ev.start = v[2];
		ev.end = v[2] + v[3];
		ev.aux = v[4];
		break;
	case K_DSTMAP:
		ev.start = v[2];
		ev.end = v[2] + v[3];
		break;
	default:
		return;
	}
	if (ev.fs_magic == XFS_MAGIC)
		fl_xfs_holds_states(&im->xfs, &ev);
	emit(im, &ev);
}

static int on_record(struct tracecmd_input *h, struct tep_record *r, int cpu, void *ctx)
{
	struct imp *im = ctx;
	const struct evinfo *ei;
	uint64_t v[NFIELDS] = { 0 };
	int type, pid, nf = 0;

	(void)h;
	(void)cpu;
	im->st->records++;
	if (r->missed_events && !im->discover) {
		uint64_t n = r->missed_events > 0 ? (uint64_t)r->missed_events : 1;

		im->st->lost += n;
		if (im->ri->lost_per_cpu && r->cpu >= 0 && r->cpu < im->ri->ncpus)
			im->ri->lost_per_cpu[r->cpu] += n;
	}
	/* common_type and common_pid are the first 8 bytes */
	if (!r->data || r->size < 8)
		goto skip;
	type = tep_data_type(im->tep, r);
	ei = type >= 0 && type < im->nev ? &im->ev[type] : NULL;
	if (im->discover) {
		if (ei && ei->magic && rd(r, ei->f[F0], &v[0]))
			dev_learn(im, (uint32_t)v[0], ei->magic);
		return 0;
	}
	if (!im->first_ts)
		im->first_ts = r->ts;
	if (r->ts > im->last_ts)
		im->last_ts = r->ts;
	if (ei && ei->kind == K_STACK) {
		attach_stack(im, r, ei);
		return 0;
	}
	/* any other record on this CPU: the pending event's stack is not coming */
	flush_pending(im, r->cpu, r->ts);
	if (!ei || ei->kind == K_NONE || ei->kind == K_FSDEV)
		return 0;
	pid = tep_data_pid(im->tep, r);
	for (nf = 0; nf < NFIELDS && ei->f[nf]; nf++)
		;
	if (!rd_all(r, ei->f, nf, v))
		goto skip;
	im->st->used++;
	switch (ei->kind) {
	case K_ADD: case K_DEL: case K_FAULT: case K_MAP: case K_ITER: case K_DSTMAP:
		data_event(im, r, (uint32_t)pid, ei->kind, v);
		break;
	case K_FALLOC: {
		uint8_t op = falloc_op(v[0]);

		if (op == FL_OP_COLLAPSE || op == FL_OP_INSERT)
			task_enter(im, pid, op, v[1], FL_EOF, v[0]);
		else if (op != FL_OP_NONE)
			task_enter(im, pid, op, v[1], v[1] + v[2], v[0]);
		break;
	}
	case K_FTRUNC:
	case K_TRUNC:
		/* growing drops nothing; no fs truncation step then opens no window */
		task_enter(im, pid, FL_OP_TRUNCATE, v[0], FL_EOF, 0);
		break;
	case K_SYSEXIT:
		sys_exit(im, r, (uint32_t)pid, (int64_t)v[0]);
		break;
	case K_STEP:
		fs_step(im, r, (uint32_t)pid, ei->op, v[0], v[1]);
		break;
	case K_ILOCK: case K_IUNLOCK: case K_DEMOTE:
		fl_xfs_holds_record(&im->xfs, ei->kind == K_ILOCK ? FL_XFS_LOCK :
				    ei->kind == K_IUNLOCK ? FL_XFS_UNLOCK : FL_XFS_DEMOTE,
				    (uint32_t)pid, (uint32_t)v[0], v[1], (uint32_t)v[2]);
		break;
	default:
		break;
	}
	return 0;
skip:
	im->st->skipped++;
	return 0;
}

/* ---- the file ---------------------------------------------------------- */

static int open_file(struct imp *im, const char *path, char *err, size_t errlen)
{
	struct stat sb;
	int ps;

	if (stat(path, &sb)) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -errno;
	}
	if (!S_ISREG(sb.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file (a trace.dat is read with seeks)",
			 path);
		return -EINVAL;
	}
	im->h = tracecmd_open(path, TRACECMD_FL_LOAD_NO_PLUGINS |
			      TRACECMD_FL_LOAD_NO_SYSTEM_PLUGINS);
	if (!im->h) {
		snprintf(err, errlen, "%s: not a readable trace-cmd trace.dat "
			 "(libtracecmd could not open it; bad magic, version or headers)", path);
		return -EINVAL;
	}
	im->tep = tracecmd_get_tep(im->h);
	if (!im->tep) {
		snprintf(err, errlen, "%s: trace.dat without event formats", path);
		return -EINVAL;
	}
	ps = tep_get_page_size(im->tep);
	im->page_shift = ps > 0 ? (unsigned int)__builtin_ctz((unsigned int)ps) : 12;
	if (im->page_shift < 9 || im->page_shift > 21)
		im->page_shift = 12;
	return setup_events(im);
}

static void close_file(struct imp *im)
{
	free(im->ev);
	im->ev = NULL;
	im->nev = 0;
	if (im->h)
		tracecmd_close(im->h);
	im->h = NULL;
	im->tep = NULL;
}

/* "Linux host 6.18.0-1-amd64 #1 SMP ..." -> the release. */
static void kernel_release(struct imp *im)
{
	const char *u = tracecmd_get_uname(im->h);
	char sys[64], node[256], rel[128];

	snprintf(im->ri->kernel, sizeof(im->ri->kernel), "unknown (trace.dat has no uname)");
	if (u && sscanf(u, "%63s %255s %127s", sys, node, rel) == 3)
		snprintf(im->ri->kernel, sizeof(im->ri->kernel), "%s", rel);
}

/* Frames of the reported events, named from the trace.dat's kallsyms. */
static void add_sym(struct imp *im, struct fl_ksyms *ks, uint64_t addr)
{
	unsigned long long start = tep_find_function_address(im->tep, addr);
	const char *name = tep_find_function(im->tep, addr);

	if (!name || !start)
		return;
	for (size_t i = 0; i < ks->n; i++)
		if (ks->syms[i].addr == start)
			return;
	fl_ksyms_add(ks, start, name);
}

static void add_frames(struct imp *im, struct fl_ksyms *ks, const struct fl_event *ev)
{
	for (unsigned int i = 0; (ev->flags & FL_F_STACK) && i < ev->nr_frames &&
	     i < FL_MAX_FRAMES; i++)
		add_sym(im, ks, ev->frames[i]);
}

static struct fl_ksyms *report_syms(struct imp *im)
{
	struct fl_ksyms *ks = fl_xcalloc(1, sizeof(*ks));

	for (size_t i = 0; i < im->e->nviol; i++) {
		add_frames(im, ks, &im->e->viol[i].ev);
		if (im->e->viol[i].has_partner)
			add_frames(im, ks, &im->e->viol[i].partner.step);
	}
	fl_ksyms_sort(ks);
	return ks;
}

/* The engine's stack classification during the import: the file's kallsyms. */
static const char *tep_symname(void *ctx, uint64_t addr)
{
	return tep_find_function(ctx, addr);
}

/*
 * libtracecmd 3.1's tracecmd_buffer_instance_handle() dereferences NULL
 * in its own error path when an instance's data is cut off (a truncated
 * file version 6).  Whether the instances open is therefore asked in a
 * child first, with the default action for crashes (no sanitizer report
 * for the library's bug); if they do not, only the top buffer is read and
 * the report is partial.
 */
static bool instances_open(struct tracecmd_input *h, int ninst)
{
	int status;
	pid_t pid;

	if (!ninst)
		return true;
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return false;
	if (pid == 0) {
		int devnull = open("/dev/null", O_WRONLY);

		if (devnull >= 0)
			dup2(devnull, STDERR_FILENO);
		signal(SIGSEGV, SIG_DFL);
		signal(SIGBUS, SIG_DFL);
		signal(SIGABRT, SIG_DFL);
		for (int i = 0; i < ninst && i < MAX_INSTANCES; i++) {
			struct tracecmd_input *ih = tracecmd_buffer_instance_handle(h, i);

			if (!ih)
				_exit(1);
			tracecmd_close(ih);
		}
		_exit(0);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return false;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

/*
 * The top buffer and every instance (trace-cmd record -B, extract -B),
 * merged in time order.  Returns the callback's result, or -1 when
 * libtracecmd could not read on.
 */
static int iterate(struct imp *im)
{
	struct tracecmd_input *hs[1 + MAX_INSTANCES];
	int n = 0, ninst = tracecmd_buffer_instances(im->h), ret;

	if (im->discover)
		im->instances_bad = !instances_open(im->h, ninst);
	if (im->instances_bad) {
		ninst = 0;
		im->st->partial = true;
	}
	hs[n++] = im->h;
	for (int i = 0; i < ninst && n < 1 + MAX_INSTANCES; i++) {
		struct tracecmd_input *ih = tracecmd_buffer_instance_handle(im->h, i);

		if (ih)
			hs[n++] = ih;
	}
	if (n == 1)
		ret = tracecmd_iterate_events(im->h, NULL, 0, on_record, im);
	else
		ret = tracecmd_iterate_events_multi(hs, n, on_record, im);
	for (int i = 1; i < n; i++)
		tracecmd_close(hs[i]);
	return ret;
}

static int read_all(const char *path, struct fl_engine *e, struct fl_run_info *ri,
		    struct fl_tracedat_stats *st, struct fl_dump_meta_in *m,
		    char *err, size_t errlen)
{
	struct imp *im = fl_xcalloc(1, sizeof(*im));
	int ret;

	memset(st, 0, sizeof(*st));
	if (m) {
		im->on_event = m->on_event;
		im->cb_ctx = m->cb_ctx;
	}
	if (fl_verbose < 2)
		tracecmd_set_loglevel(TEP_LOG_NONE);
	im->e = e;
	im->ri = ri;
	im->st = st;
	im->next_slot = 1;
	e->count_events = true;
	ri->mode = "report";
	ri->attach_mode = "trace-cmd";
	ri->locks = "tracepoints";
	ri->lock_words = true;	/* the rules are checked, with unknowns counted */

	/* pass 1: which filesystem each device is */
	im->discover = true;
	ret = open_file(im, path, err, errlen);
	if (ret)
		goto out;
	ret = iterate(im);
	close_file(im);
	memset(st, 0, sizeof(*st));
	st->partial = im->instances_bad;

	/* pass 2: the events */
	im->discover = false;
	ret = open_file(im, path, err, errlen);
	if (ret)
		goto out;
	kernel_release(im);
	im->ncpus = tracecmd_cpus(im->h);
	if (im->ncpus <= 0 || im->ncpus > MAX_CPUS)
		im->ncpus = im->ncpus <= 0 ? 1 : MAX_CPUS;
	ri->ncpus = im->ncpus;
	ri->lost_per_cpu = fl_xcalloc(im->ncpus, sizeof(uint64_t));
	if (im->have_stacks)
		im->pend = fl_xcalloc(im->ncpus, sizeof(*im->pend));
	e->symname = tep_symname;
	e->symctx = im->tep;
	ret = iterate(im);
	flush_pending(im, -1, UINT64_MAX);
	st->xfs_locks = im->xfs.records;
	st->lock_overflow = im->xfs.overflow;
	if (ret < 0)
		st->partial = true;
	ri->duration_s = im->last_ts > im->first_ts ? (im->last_ts - im->first_ts) / 1e9 : 0;
	ri->ksyms = report_syms(im);
	e->symname = fl_ksyms_name;
	e->symctx = (void *)ri->ksyms;
	if ((st->partial || st->skipped) && ri->nattach < FL_MAX_ATTACH) {
		struct fl_attach_status *a = &ri->attach[ri->nattach++];

		snprintf(a->prog, sizeof(a->prog), "trace.dat");
		snprintf(a->target, sizeof(a->target), "records");
		snprintf(a->status, sizeof(a->status), st->partial ? "partial" : "skipped");
		snprintf(a->why, sizeof(a->why), "%" PRIu64 " records too short or missing "
			 "fields%s", st->skipped,
			 im->instances_bad ? "; buffer instances unreadable (cut off?)" :
			 st->partial ? "; the file could not be read to its end" : "");
	}
	ret = 0;
out:
	close_file(im);
	free(im->pend);
	free(im);
	return ret;
}

int fl_tracedat_read_stats(const char *path, struct fl_engine *e, struct fl_run_info *ri,
			   struct fl_tracedat_stats *st, char *err, size_t errlen)
{
	return read_all(path, e, ri, st, NULL, err, errlen);
}

int fl_tracedat_read(const char *path, struct fl_engine *e, struct fl_run_info *ri,
		     char *err, size_t errlen)
{
	struct fl_tracedat_stats st;

	return fl_tracedat_read_stats(path, e, ri, &st, err, errlen);
}

/*
 * `faultline report`'s reader for trace.dat (see report_cmd.c): the import,
 * with the timeline fed as it goes, its symbols handed over to @m (where
 * the report looks names up) and its statistics on stderr.
 */
int fl_tracedat_report(const char *path, struct fl_engine *e, struct fl_run_info *ri,
		       struct fl_dump_meta_in *m, char *err, size_t errlen)
{
	struct fl_tracedat_stats st;
	struct fl_ksyms *ks;

	if (read_all(path, e, ri, &st, m, err, errlen))
		return -1;
	ks = (struct fl_ksyms *)ri->ksyms;
	if (ks) {
		m->syms = *ks;
		free(ks);
	}
	ri->ksyms = &m->syms;
	e->symname = fl_dump_symname;
	e->symctx = m;
	m->events = e->events;
	m->complete = !st.partial;
	if (st.partial)
		snprintf(m->why, sizeof(m->why), "the trace.dat could not be read to its end");
	fprintf(stderr, "tracedat: records=%" PRIu64 " used=%" PRIu64 " skipped=%" PRIu64
		" filtered=%" PRIu64 " stacks=%" PRIu64 " lost=%" PRIu64 " xfs_locks=%" PRIu64
		" events=%" PRIu64 " partial=%d\n", st.records, st.used, st.skipped, st.filtered,
		st.stacks, st.lost, st.xfs_locks, e->events, st.partial);
	return 0;
}

void fl_tracedat_free_info(struct fl_run_info *ri)
{
	fl_ksyms_free((struct fl_ksyms *)ri->ksyms);
	ri->ksyms = NULL;
	free(ri->lost_per_cpu);
	ri->lost_per_cpu = NULL;
}
