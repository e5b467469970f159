// SPDX-License-Identifier: GPL-2.0
/*
 * One trace.dat record at a time, into the events a live check would have
 * fed the engine: page-cache, fault and iomap records directly; the
 * invalidation windows from the syscalls around the filesystems' own
 * steps; xfs lock records into the task's IOLOCK/MMAPLOCK holds; kernel
 * stacks onto the event they follow.  Which filesystem a device is comes
 * from the file's ext4/xfs records (dev_learn), learned as they come.
 */
#include <string.h>

#include "rules.h"
#include "tracedat_imp.h"
#include "util.h"

/* ---- devices ----------------------------------------------------------- */

static struct devinfo *dev_find(struct imp *im, uint32_t kdev)
{
	for (int i = 0; i < im->ndevs; i++)
		if (im->devs[i].kdev == kdev)
			return &im->devs[i];
	return NULL;
}

/* The fs type the file's records name for a device so far, 0 if none. */
static uint32_t learned_magic(const struct imp *im, uint32_t kdev)
{
	for (int i = 0; i < im->nlearned; i++)
		if (im->learned[i].kdev == kdev)
			return im->learned[i].magic;
	return 0;
}

/* Which fs a device is, from its ext4/xfs records: the first one says. */
static void dev_learn(struct imp *im, uint32_t kdev, uint32_t magic)
{
	for (int i = 0; i < im->nlearned; i++)
		if (im->learned[i].kdev == kdev) {
			if (!im->learned[i].magic)
				im->learned[i].magic = magic;
			return;
		}
	if (im->nlearned == MAX_DEVS)
		return;
	im->learned[im->nlearned++] = (struct devinfo){ .kdev = kdev, .magic = magic };
}

/* The slot the caller's filter gives a device, -1 if it filtered it out. */
static int filter_slot(const struct fl_run_info *ri, uint32_t kdev)
{
	for (int s = 1; s < FL_MAX_SLOTS; s++)
		if (ri->slots[s].used && ri->slots[s].kdev == kdev)
			return s;
	return -1;
}

/*
 * A kept device whose type no record has named yet, although one may
 * still: its records cannot be used before the file's end is known.
 */
static bool dev_unknown(const struct imp *im, uint32_t kdev)
{
	if (learned_magic(im, kdev) || im->nlearned == MAX_DEVS)
		return false;
	return !im->ri->filtered || filter_slot(im->ri, kdev) > 0;
}

/*
 * Before the second iteration: the device table as a first pass that
 * learned the whole file would have left it (every learned device, in
 * learning order, then those used unlearned), with the slots already
 * given out.
 */
void td_devs_final(struct imp *im)
{
	struct devinfo old[MAX_DEVS];
	int nold = im->ndevs;

	memcpy(old, im->devs, sizeof(old));
	im->ndevs = 0;
	for (int i = 0; i < im->nlearned; i++) {
		struct devinfo *d = &im->devs[im->ndevs++];

		*d = im->learned[i];
		d->slot = 0;
		for (int j = 0; j < nold; j++)
			if (old[j].kdev == d->kdev)
				d->slot = old[j].slot;
	}
	for (int j = 0; j < nold && im->ndevs < MAX_DEVS; j++)
		if (!dev_find(im, old[j].kdev))
			im->devs[im->ndevs++] = old[j];
}

/* A filesystem beyond the last slot: its type, for the report's coverage. */
static void other_fs(struct fl_run_info *ri, uint32_t magic)
{
	for (int i = 0; i < ri->nother; i++)
		if (ri->other_magics[i] == magic)
			return;
	if (ri->nother < FL_MAX_OTHER_FS)
		ri->other_magics[ri->nother++] = magic;
}

/*
 * The slot of a device's events: one per filesystem seen (up to the
 * report's slots), 0 for the rest; -1 when the caller filtered it out.
 */
static int dev_slot(struct imp *im, uint32_t kdev, uint32_t *magic)
{
	struct fl_run_info *ri = im->ri;
	struct devinfo *d = dev_find(im, kdev);

	if (!d) {
		if (im->ndevs == MAX_DEVS) {
			*magic = 0;
			return ri->filtered ? -1 : 0;
		}
		d = &im->devs[im->ndevs++];
		d->kdev = kdev;
		d->magic = learned_magic(im, kdev);
		d->slot = 0;
	}
	*magic = d->magic;
	if (d->slot)
		return d->slot;
	if (ri->filtered) {
		d->slot = filter_slot(ri, kdev);
	} else if (im->next_slot < FL_MAX_SLOTS) {
		d->slot = im->next_slot++;
		ri->slots[d->slot].used = true;
		ri->slots[d->slot].kdev = kdev;
	} else {
		other_fs(ri, d->magic);
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
void td_flush_pending(struct imp *im, int cpu, uint64_t ts)
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
	if (!td_rd(im, r, ei->f[F0], &size)) {
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

/* What every record counts, and the device type it names, as it comes. */
static void arrive(struct imp *im, struct tep_record *r)
{
	const struct evinfo *ei;
	uint64_t dev;
	int type;

	im->st->records++;
	if (r->missed_events) {
		uint64_t n = r->missed_events > 0 ? (uint64_t)r->missed_events : 1;

		im->st->lost_records += n;
		if (im->ri->lost_per_cpu && r->cpu >= 0 && r->cpu < im->ri->ncpus)
			im->ri->lost_per_cpu[r->cpu] += n;
	}
	/* common_type and common_pid are the first 8 bytes */
	if (!r->data || r->size < 8)
		return;
	type = td_type(im, r);
	ei = type >= 0 && type < im->nev ? &im->ev[type] : NULL;
	if (ei && ei->magic && td_rd(im, r, ei->f[F0], &dev))
		dev_learn(im, (uint32_t)dev, ei->magic);
	if (!im->first_ts)
		im->first_ts = r->ts;
	if (r->ts > im->last_ts)
		im->last_ts = r->ts;
}

/* Records whose use takes their device's fs type (on_inode). */
static bool uses_dev(const struct evinfo *ei)
{
	switch (ei->kind) {
	case K_ADD: case K_DEL: case K_FAULT: case K_MAP: case K_ITER: case K_DSTMAP:
	case K_STEP:
		return true;
	default:
		return false;
	}
}

/* One record into engine events and state; false: its device is not known yet. */
static bool use(struct imp *im, struct tep_record *r)
{
	const struct evinfo *ei;
	uint64_t v[NFIELDS] = { 0 };
	int type, pid, nf = 0;

	if (!r->data || r->size < 8)
		goto skip;
	type = td_type(im, r);
	ei = type >= 0 && type < im->nev ? &im->ev[type] : NULL;
	if (!im->replay && ei && uses_dev(ei) && td_rd(im, r, ei->f[F0], &v[0]) &&
	    dev_unknown(im, (uint32_t)v[0]))
		return false;
	if (ei && ei->kind == K_STACK) {
		attach_stack(im, r, ei);
		return true;
	}
	/* any other record on this CPU: the pending event's stack is not coming */
	td_flush_pending(im, r->cpu, r->ts);
	if (!ei || ei->kind == K_NONE || ei->kind == K_FSDEV)
		return true;
	pid = td_pid(im, r);
	for (nf = 0; nf < NFIELDS && ei->f[nf]; nf++)
		;
	if (!td_rd_all(im, r, ei->f, nf, v))
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
	return true;
skip:
	im->st->skipped++;
	return true;
}

int td_on_record(struct tracecmd_input *h, struct tep_record *r, int cpu, void *ctx)
{
	struct imp *im = ctx;
	uint64_t idx = im->nrec++;

	(void)h;
	(void)cpu;
	if (im->replay) {
		/* the first iteration counted every record and used those before */
		if (idx >= im->resume_at)
			use(im, r);
		return 0;
	}
	arrive(im, r);
	if (!im->learn_only && !use(im, r)) {
		im->resume_at = idx;
		im->learn_only = true;
	}
	return 0;
}
