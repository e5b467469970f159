// SPDX-License-Identifier: GPL-2.0
/*
 * gendump: synthetic faultline dumps, written through the real writer
 * (src/dump_write.c), for the tests and the bench.
 *
 *   gendump seeded FILE     hand-built events with three seeded violations
 *                           (expected result: tests/dump/test_seeded.sh)
 *   gendump bench FILE N    N healthy events of the usual mix (report speed)
 *   gendump offsets FILE    the record boundaries of a dump (bad-file tests)
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dump.h"
#include "rules.h"
#include "util.h"

#define XFS_MAGIC	0x58465342
#define KDEV		((7U << 20) | 99)
#define TEXT		0xffffffff81000000ULL

/* A fake kernel symbol table: what the stacks below name. */
static struct fl_ksym syms[] = {
	{ TEXT + 0x0000, "filemap_fault" },
	{ TEXT + 0x1000, "__do_fault" },
	{ TEXT + 0x2000, "truncate_inode_pages_range" },
	{ TEXT + 0x3000, "xfs_free_file_space" },
	{ TEXT + 0x4000, "vfs_fallocate" },
};

static void base(struct fl_event *ev, uint16_t type, uint64_t ts, uint32_t pid, const char *comm)
{
	memset(ev, 0, sizeof(*ev));
	ev->type = type;
	ev->ts = ts;
	ev->pid = ev->tgid = pid;
	ev->slot = 1;
	snprintf(ev->comm, sizeof(ev->comm), "%s", comm);
	ev->inode = (struct fl_inode_key){ .dev = KDEV, .gen = 1, .ino = 1234 };
	ev->fs_magic = XFS_MAGIC;
}

static void frames(struct fl_event *ev, int n, ...)
{
	va_list ap;

	va_start(ap, n);
	for (int i = 0; i < n; i++)
		ev->frames[i] = va_arg(ap, uint64_t);
	va_end(ap);
	ev->nr_frames = n;
	ev->flags |= FL_F_STACK;
}

static struct fl_dump_writer *start(const char *path, struct fl_ksyms *ks)
{
	static struct fl_run_info ri = {
		.kernel = "6.99.0-synthetic", .lock_words = true, .locks = "lock-word",
		.attach_mode = "auto", .ncpus = 2, .filtered = true,
	};
	struct fl_dump_meta m = { 0 };
	struct fl_dump_writer *w;

	ri.slots[1] = (struct fl_slot_info){ .used = true, .kdev = KDEV, .magic = XFS_MAGIC,
					     .fstype = "xfs", .mount = "/synthetic" };
	snprintf(ri.attach[0].prog, sizeof(ri.attach[0].prog), "fl_synthetic");
	snprintf(ri.attach[0].target, sizeof(ri.attach[0].target), "none");
	snprintf(ri.attach[0].status, sizeof(ri.attach[0].status), "attached");
	ri.nattach = 1;
	struct fl_counts zero[FL_MAX_SLOTS] = { 0 };
	uint64_t lost[2] = { 0, 0 };

	w = fl_dump_create(path, 0);
	if (!w || fl_dump_start(w, &ri, &m, ks) || fl_dump_counts(w, 0, zero, lost, 2))
		exit(1);
	return w;
}

static int seeded(const char *path)
{
	struct fl_ksyms ks = { .syms = syms, .n = ARRAY_SIZE(syms) };
	struct fl_dump_writer *w = start(path, &ks);
	struct fl_counts c[FL_MAX_SLOTS] = { 0 };
	uint64_t lost[2] = { 0, 0 };
	struct fl_seen_key key = { .type = FL_EV_INSERT, .stack_id = 7,
				   .inode = { .dev = KDEV, .gen = 1, .ino = 1234 } };
	struct fl_event ev;

	/* a hole punch of [0, 1 MiB) by task 100 ... */
	base(&ev, FL_EV_INVAL_BEGIN, 1000, 100, "puncher");
	ev.op = FL_OP_PUNCH;
	ev.end = 1 << 20;
	frames(&ev, 2, TEXT + 0x3010, TEXT + 0x4020);
	fl_dump_event(w, &ev);
	/* ... while task 200 faults a page in with no lock: fault-unlocked */
	base(&ev, FL_EV_INSERT, 2000, 200, "reader");
	ev.flags = FL_F_CANDIDATE;
	ev.inval_lock = FL_LOCK_FREE;
	ev.i_rwsem = FL_LOCK_FREE;
	ev.start = 4096;
	ev.end = 8192;
	ev.stack_id = 7;
	frames(&ev, 2, TEXT + 0x10, TEXT + 0x1008);
	fl_dump_event(w, &ev);
	/* healthy: a fault holding invalidate_lock shared */
	base(&ev, FL_EV_INSERT, 2500, 201, "reader2");
	ev.inval_lock = FL_LOCK_SHARED_ME;
	ev.start = 8192;
	ev.end = 12288;
	frames(&ev, 1, TEXT + 0x20);
	fl_dump_event(w, &ev);
	/* the punch drops page cache without invalidate_lock: invalidation-unlocked */
	base(&ev, FL_EV_DELETE, 3000, 100, "puncher");
	ev.flags = FL_F_CANDIDATE | FL_F_IN_WINDOW;
	ev.inval_lock = FL_LOCK_FREE;
	ev.start = 0;
	ev.end = 4096;
	frames(&ev, 2, TEXT + 0x2020, TEXT + 0x3040);
	fl_dump_event(w, &ev);
	/* types this engine does not judge (future or reserved) pass through */
	base(&ev, 250, 3500, 100, "future");
	fl_dump_event(w, &ev);
	base(&ev, FL_EV_LOCK_ACQ, 3600, 100, "puncher");
	fl_dump_event(w, &ev);
	base(&ev, FL_EV_INVAL_END, 4000, 100, "puncher");
	fl_dump_event(w, &ev);
	/* a buffered write step without i_rwsem: write-unlocked */
	base(&ev, FL_EV_IOMAP, 5000, 300, "writer");
	ev.flags = FL_F_CANDIDATE;
	ev.aux = FL_IOMAP_WRITE;
	ev.i_rwsem = FL_LOCK_FREE;
	ev.start = 65536;
	ev.end = 131072;
	fl_dump_event(w, &ev);
	fl_dump_path(w, &key.inode, "/synthetic/seeded.dat");
	/* BPF counted 5 more of the fault's code path without sending them */
	fl_dump_closing(w);
	c[1].c[FL_CNT_FAULTS] = 10;
	c[1].c[FL_CNT_INSERTIONS] = 2;
	c[1].c[FL_CNT_DELETIONS] = 1;
	c[1].c[FL_CNT_INVALIDATIONS] = 1;
	c[1].c[FL_CNT_IOMAP] = 1;
	c[1].c[FL_CNT_CANDIDATES] = 3;
	c[1].c[FL_CNT_REPEATS] = 5;
	fl_dump_counts(w, 6000, c, lost, 2);
	fl_dump_repeat(w, &key, 5);
	return fl_dump_close(w, 1.5) ? 1 : 0;
}

/* The usual mix of a busy recording, nearly all healthy; no stacks. */
static int bench(const char *path, uint64_t n)
{
	struct fl_dump_writer *w = start(path, NULL);
	struct fl_counts c[FL_MAX_SLOTS] = { 0 };
	uint64_t lost[2] = { 0, 0 };
	static const uint16_t mix[8] = {
		FL_EV_FAULT, FL_EV_MAP_PAGES, FL_EV_INSERT, FL_EV_FAULT,
		FL_EV_IOMAP, FL_EV_IOMAP_MAP, FL_EV_DELETE, FL_EV_INSERT,
	};
	struct fl_event ev;

	for (uint64_t i = 0; i < n; i++) {
		uint16_t type = mix[i % 8];

		/* an invalidation window every 4096 events, 64 events long */
		if (i % 4096 == 0)
			type = FL_EV_INVAL_BEGIN;
		else if (i % 4096 == 64)
			type = FL_EV_INVAL_END;
		base(&ev, type, 1000 + i * 100, type == FL_EV_INVAL_BEGIN ||
		     type == FL_EV_INVAL_END ? 100 : 200 + i % 4, "bench");
		ev.inode.ino = 1000 + i % 16;
		ev.start = (i % 1024) * 4096;
		ev.end = ev.start + 4096;
		ev.inval_lock = FL_LOCK_SHARED_ME;
		ev.i_rwsem = FL_LOCK_EXCL_ME;
		if (type == FL_EV_DELETE)
			ev.inval_lock = FL_LOCK_EXCL_ME;
		if (fl_dump_event(w, &ev))
			return 1;
		if (i % (1 << 20) == 0) {
			c[1].c[FL_CNT_FAULTS] = i / 4;
			fl_dump_counts(w, ev.ts, c, lost, 2);
		}
	}
	fl_dump_closing(w);
	fl_dump_counts(w, ev.ts, c, lost, 2);
	return fl_dump_close(w, n * 100 / 1e9) ? 1 : 0;
}

/* Record boundaries (file offsets), one a line, without any checking. */
static int offsets(const char *path)
{
	FILE *f = fopen(path, "re");
	struct fl_rec_hdr h;
	long off = FL_DUMP_PREAMBLE;

	if (!f)
		return 1;
	printf("%ld\n", off);
	while (!fseek(f, off, SEEK_SET) && fread(&h, sizeof(h), 1, f) == 1) {
		off += sizeof(h) + h.len;
		printf("%ld\n", off);
	}
	fclose(f);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "offsets"))
		return offsets(argv[2]);
	if (argc == 3 && !strcmp(argv[1], "seeded"))
		return seeded(argv[2]);
	if (argc == 4 && !strcmp(argv[1], "bench"))
		return bench(argv[2], strtoull(argv[3], NULL, 10));
	fprintf(stderr, "usage: gendump seeded|offsets FILE | gendump bench FILE NEVENTS\n");
	return 2;
}
