// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <linux/falloc.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/ioctl.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <linux/fs.h>
#include <unistd.h>

#include "util.h"
#include "workload.h"

/*
 * Sizes keep every mapped page inside EOF whatever the invalidator does:
 * the file is FILE_SIZE, only the first MAP_SIZE is mapped, truncation goes
 * no lower than TRUNC_SIZE and collapse/insert move CHUNK at a time within
 * one invalidator thread, so no fault ever sees SIGBUS.
 */
#define FILE_SIZE	(16u << 20)
#define MAP_SIZE	(8u << 20)
#define TRUNC_SIZE	(12u << 20)
#define CHUNK		(64u << 10)
#define WL_MAX_THREADS	8	/* the most any workload below starts */

struct wl {
	int fd;
	const char *path;
	char *map;
	long page;
	atomic_bool stop;
	struct fl_workload_stats st;
	pthread_mutex_t lock;
	/* zonefs: its mount, a zone's size, the next sequential file to take */
	const char *dir;
	off_t zone;
	atomic_int next_seq;
};

static uint64_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static void add(struct wl *w, uint64_t *field, uint64_t n)
{
	pthread_mutex_lock(&w->lock);
	*field += n;
	pthread_mutex_unlock(&w->lock);
}

/* What a repeating thread's rounds share. */
struct wl_round {
	uint64_t seed;		/* its random sequence */
	uint64_t done;		/* what the rounds returned so far */
	char *buf;
};

/*
 * A thread of a workload, named for ps and stacks.  Most repeat one round
 * until the workload stops and add what the rounds returned to one count
 * of the stats; the others loop on their own (@run).
 */
struct wl_job {
	const char *name;
	void (*run)(struct wl *w);
	uint64_t (*round)(struct wl *w, struct wl_round *r);
	size_t count;		/* offsetof(struct fl_workload_stats, ...): WL_COUNT */
	uint64_t seed;
	bool seed_per_thread;	/* the seed differs in each thread of the job */
	size_t buf;		/* a buffer of this many bytes of @fill for the rounds */
	char fill;
};

#define WL_COUNT(field)	offsetof(struct fl_workload_stats, field)

static uint64_t mmap_read_round(struct wl *w, struct wl_round *r)
{
	volatile char sink;

	for (int i = 0; i < 256; i++) {
		uint64_t off = (rnd(&r->seed) % (MAP_SIZE / w->page)) * w->page;

		sink = w->map[off];
	}
	(void)sink;
	/* unmap our PTEs so the next pass faults again */
	madvise(w->map, MAP_SIZE / 2, MADV_DONTNEED);
	return 256;
}

static uint64_t mmap_write_round(struct wl *w, struct wl_round *r)
{
	for (int i = 0; i < 128; i++) {
		uint64_t off = (rnd(&r->seed) % (MAP_SIZE / w->page)) * w->page;

		w->map[off] = (char)(r->done + i);
	}
	madvise(w->map + MAP_SIZE / 2, MAP_SIZE / 2, MADV_DONTNEED);
	return 128;
}

static uint64_t read_round(struct wl *w, struct wl_round *r)
{
	uint64_t off = (rnd(&r->seed) % (FILE_SIZE / CHUNK)) * CHUNK;

	if (pread(w->fd, r->buf, CHUNK, off) < 0)
		add(w, &w->st.errors, 1);
	return 1;
}

static uint64_t write_round(struct wl *w, struct wl_round *r)
{
	uint64_t off = (rnd(&r->seed) % (TRUNC_SIZE / CHUNK)) * CHUNK;

	if (pwrite(w->fd, r->buf, CHUNK / 4, off + (r->done % 4) * 512) < 0)
		add(w, &w->st.errors, 1);
	return 1;
}

static void invalidate(struct wl *w)
{
	uint64_t seed = 0x13579b;
	struct fl_workload_stats s = { 0 };

	while (!w->stop) {
		uint64_t off = (rnd(&seed) % (TRUNC_SIZE / CHUNK - 4)) * CHUNK;

		if (!fallocate(w->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, off, 4 * CHUNK))
			s.punches++;
		off = (rnd(&seed) % (TRUNC_SIZE / CHUNK - 4)) * CHUNK;
		if (!fallocate(w->fd, FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE, off, 2 * CHUNK))
			s.zeroes++;
		off = (rnd(&seed) % (TRUNC_SIZE / CHUNK - 4)) * CHUNK;
		/* collapse then insert one chunk: the size comes back */
		if (!fallocate(w->fd, FALLOC_FL_COLLAPSE_RANGE, off, CHUNK)) {
			s.collapses++;
			if (!fallocate(w->fd, FALLOC_FL_INSERT_RANGE, off, CHUNK))
				s.inserts++;
			else if (!ftruncate(w->fd, FILE_SIZE))
				s.errors++;
		}
		if (!ftruncate(w->fd, TRUNC_SIZE) && !ftruncate(w->fd, FILE_SIZE))
			s.truncates++;
		usleep(200);
	}
	pthread_mutex_lock(&w->lock);
	w->st.punches += s.punches;
	w->st.zeroes += s.zeroes;
	w->st.collapses += s.collapses;
	w->st.inserts += s.inserts;
	w->st.truncates += s.truncates;
	w->st.errors += s.errors;
	pthread_mutex_unlock(&w->lock);
}

/*
 * The other ways into the page cache a healthy kernel takes without the
 * invalidate lock or with locks of its own, so that the negative control
 * covers them too: direct I/O (invalidates the range it writes), copies
 * (copy_file_range, sendfile/splice), cloning (FICLONERANGE: reflink on
 * xfs, refused elsewhere) and truncation by open(O_TRUNC).
 */
static void other_io(struct wl *w)
{
	char path[4200];
	uint64_t seed = 0x5eed, n = 0;
	void *buf = NULL;
	int dfd, cfd;

	snprintf(path, sizeof(path), "%s.copy", w->path);
	if (posix_memalign(&buf, 4096, CHUNK))
		return;
	memset(buf, 0x77, CHUNK);
	dfd = open(w->path, O_RDWR | O_DIRECT | O_CLOEXEC);	/* tmpfs: EINVAL */
	while (!w->stop) {
		uint64_t off = (rnd(&seed) % (TRUNC_SIZE / CHUNK)) * CHUNK;
		loff_t in = off, out = 0;
		struct file_clone_range fcr;

		if (dfd >= 0 && (pwrite(dfd, buf, CHUNK, off) < 0 || pread(dfd, buf, CHUNK, off) < 0))
			add(w, &w->st.errors, 1);
		/* O_TRUNC truncates the copy's page cache at every open */
		cfd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (cfd < 0)
			break;
		copy_file_range(w->fd, &in, cfd, &out, CHUNK, 0);
		in = off;
		sendfile(cfd, w->fd, &in, CHUNK);
		fcr.src_fd = w->fd;
		fcr.src_offset = off;
		fcr.src_length = CHUNK;
		fcr.dest_offset = 0;
		ioctl(cfd, FICLONERANGE, &fcr);
		close(cfd);
		n++;
		usleep(500);
	}
	if (dfd >= 0)
		close(dfd);
	unlink(path);
	free(buf);
	add(w, &w->st.other, n);
}

static uint64_t drop_round(struct wl *w, struct wl_round *r)
{
	(void)r;
	/* clean pages leave the cache, so faults must insert again */
	fdatasync(w->fd);
	posix_fadvise(w->fd, 0, 0, POSIX_FADV_DONTNEED);
	usleep(2000);
	return 1;
}

static const struct wl_job mmap_reader = {
	.name = "fl-mmap-read", .round = mmap_read_round, .count = WL_COUNT(mmap_reads),
	.seed = 0x1234567,
};
static const struct wl_job mmap_writer = {
	.name = "fl-mmap-write", .round = mmap_write_round, .count = WL_COUNT(mmap_writes),
	.seed = 0x7654321,
};
static const struct wl_job reader = {
	.name = "fl-read", .round = read_round, .count = WL_COUNT(reads),
	.seed = 0xabcdef, .buf = CHUNK,
};
static const struct wl_job writer = {
	.name = "fl-write", .round = write_round, .count = WL_COUNT(writes),
	.seed = 0xfedcba, .buf = CHUNK, .fill = 0x5a,
};
static const struct wl_job invalidator = { .name = "fl-invalidate", .run = invalidate };
static const struct wl_job other = { .name = "fl-other-io", .run = other_io };
static const struct wl_job dropper = {
	.name = "fl-drop-cache", .round = drop_round, .count = WL_COUNT(drops),
};

/*
 * Seed 002's conditions: unaligned buffered writes over unwritten extents
 * while writeback converts them, the cache is dropped and ranges are
 * punched and reallocated, so the maps writers hold keep going stale.
 */
#define STALE_FILE	(64u << 20)
#define STALE_BUF	(576u << 10)

static uint64_t stale_write_round(struct wl *w, struct wl_round *r)
{
	size_t len = (64 << 10) + rnd(&r->seed) % (512 << 10);
	uint64_t off = rnd(&r->seed) % (STALE_FILE - len);

	if (pwrite(w->fd, r->buf, len, off) < 0)
		add(w, &w->st.errors, 1);
	return 1;
}

static uint64_t stale_sync_round(struct wl *w, struct wl_round *r)
{
	(void)r;
	sync_file_range(w->fd, 0, 0, SYNC_FILE_RANGE_WRITE);
	return 1;
}

static uint64_t stale_drop_round(struct wl *w, struct wl_round *r)
{
	(void)r;
	posix_fadvise(w->fd, 0, 0, POSIX_FADV_DONTNEED);
	usleep(500);
	return 1;
}

static uint64_t stale_punch_round(struct wl *w, struct wl_round *r)
{
	uint64_t off = (rnd(&r->seed) % (STALE_FILE >> 20)) << 20;
	bool done = !fallocate(w->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, off, 1 << 20) &&
		    !fallocate(w->fd, 0, off, 1 << 20);

	usleep(1000);
	return done;
}

static const struct wl_job stale_writer = {
	.name = "fl-stale-write", .round = stale_write_round, .count = WL_COUNT(writes),
	.seed = 0x2468ace, .seed_per_thread = true, .buf = STALE_BUF, .fill = 0x3c,
};
static const struct wl_job stale_syncer = {
	.name = "fl-stale-sync", .round = stale_sync_round, .count = WL_COUNT(syncs),
};
static const struct wl_job stale_dropper = {
	.name = "fl-stale-drop", .round = stale_drop_round, .count = WL_COUNT(drops),
};
static const struct wl_job stale_puncher = {
	.name = "fl-stale-punch", .round = stale_punch_round, .count = WL_COUNT(punches),
	.seed = 0x13579bdf,
};

struct wl_thread {
	pthread_t tid;
	struct wl *w;
	const struct wl_job *job;
};

static void *job_thread(void *arg)
{
	const struct wl_thread *t = arg;
	const struct wl_job *j = t->job;
	struct wl *w = t->w;
	struct wl_round r = { .seed = j->seed };

	prctl(PR_SET_NAME, j->name);
	if (j->run) {
		j->run(w);
		return NULL;
	}
	if (j->seed_per_thread)
		r.seed ^= (uint64_t)pthread_self();
	if (j->buf) {
		r.buf = malloc(j->buf);
		if (!r.buf) {
			add(w, &w->st.errors, 1);
			return NULL;
		}
		memset(r.buf, j->fill, j->buf);
	}
	while (!w->stop)
		r.done += j->round(w, &r);
	add(w, (uint64_t *)((char *)&w->st + j->count), r.done);
	free(r.buf);
	return NULL;
}

/*
 * Run each of @jobs on @w in a thread of its own for @seconds, then stop
 * and join them all (those started, if one could not be).
 */
static int run_threads(struct wl *w, const struct wl_job *const jobs[], int njobs,
		       double seconds)
{
	struct wl_thread t[WL_MAX_THREADS];
	int n = 0, err = 0;

	for (; n < njobs && n < WL_MAX_THREADS; n++) {
		t[n].w = w;
		t[n].job = jobs[n];
		if (pthread_create(&t[n].tid, NULL, job_thread, &t[n])) {
			err = -EAGAIN;
			break;
		}
	}
	if (!err)
		usleep((useconds_t)(seconds * 1e6));
	w->stop = true;
	for (int i = 0; i < n; i++)
		pthread_join(t[i].tid, NULL);
	return err;
}

static int stale_run(struct wl *w, const struct fl_workload_opts *o)
{
	const struct wl_job *const jobs[] = { &stale_writer, &stale_writer, &stale_writer,
					      &stale_writer, &stale_syncer, &stale_dropper,
					      &stale_puncher };

	_Static_assert(ARRAY_SIZE(jobs) <= WL_MAX_THREADS, "run_threads starts them all");
	/* preallocated: the writes land in unwritten extents */
	if (fallocate(w->fd, 0, 0, STALE_FILE))
		return -errno;
	return run_threads(w, jobs, ARRAY_SIZE(jobs), o->seconds);
}

static int fill(int fd)
{
	static char buf[1 << 20];

	memset(buf, 0xa5, sizeof(buf));
	for (unsigned int off = 0; off < FILE_SIZE; off += sizeof(buf))
		if (pwrite(fd, buf, sizeof(buf), off) != (ssize_t)sizeof(buf))
			return -EIO;
	return fsync(fd) ? -errno : 0;
}

/*
 * zonefs (fs/zonefs): every file is a zone of the device.  The file of a
 * conventional zone (cnv/0) takes random writes and shared writable
 * mappings, but no truncation and no fallocate: the mmap, read, write and
 * cache-drop threads work on it.  The files of sequential zones (seq/N)
 * are written only by direct I/O at their write pointer, mapped read-only
 * and truncated only to 0 (a zone reset) or to the zone's size (a zone
 * finish); each reset and finish takes invalidate_lock and drops the
 * file's page cache (zonefs_file_truncate).  A zone cycler resets one such
 * file, appends to it, faults its pages in through a read-only mapping and
 * reads it, and sometimes finishes it; a reader races reads of those files
 * against the resets.  No mapping outlives its cycle, so no fault is ever
 * beyond EOF.
 */
#define ZONE_CYCLERS	2

static void zone_cycle(struct wl *w)
{
	int idx = atomic_fetch_add(&w->next_seq, 1);
	uint64_t seed = 0x2545f491 + idx, reads = 0, writes = 0, resets = 0, n = 0;
	char path[4200];
	void *buf = NULL;
	int dfd, fd;

	snprintf(path, sizeof(path), "%s/seq/%d", w->dir, idx);
	dfd = open(path, O_WRONLY | O_DIRECT | O_CLOEXEC);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (dfd < 0 || fd < 0 || posix_memalign(&buf, 4096, CHUNK)) {
		add(w, &w->st.errors, 1);
		goto out;
	}
	memset(buf, 0x6b, CHUNK);
	while (!w->stop) {
		off_t size = 0, chunks = 1 + rnd(&seed) % 32;
		volatile char sink;
		char *map;

		if (ftruncate(dfd, 0))	/* zone reset */
			add(w, &w->st.errors, 1);
		else
			resets++;
		for (off_t i = 0; i < chunks && size + CHUNK <= w->zone; i++, size += CHUNK)
			if (pwrite(dfd, buf, CHUNK, size) != CHUNK)
				break;
		writes += size / CHUNK;
		map = mmap(NULL, size, PROT_READ, MAP_SHARED, fd, 0);
		if (size && map != MAP_FAILED) {
			for (off_t off = 0; off < size; off += w->page)
				sink = map[off];
			(void)sink;
			munmap(map, size);
			reads += size / w->page;
		}
		if (size && pread(fd, buf, CHUNK, rnd(&seed) % size & ~(off_t)4095) >= 0)
			reads++;
		/* a zone finish every fourth round: the file becomes the whole zone */
		if (++n % 4 == 0 && !ftruncate(dfd, w->zone))
			resets++;
		usleep(200);
	}
out:
	add(w, &w->st.mmap_reads, reads);
	add(w, &w->st.writes, writes);
	add(w, &w->st.truncates, resets);
	free(buf);
	if (dfd >= 0)
		close(dfd);
	if (fd >= 0)
		close(fd);
}

static void zone_read(struct wl *w)
{
	uint64_t seed = 0x9e3779b9, n = 0;
	static __thread char buf[CHUNK];
	int fds[ZONE_CYCLERS];

	for (int i = 0; i < ZONE_CYCLERS; i++) {
		char path[4200];

		snprintf(path, sizeof(path), "%s/seq/%d", w->dir, i);
		fds[i] = open(path, O_RDONLY | O_CLOEXEC);
	}
	while (!w->stop) {
		int fd = fds[rnd(&seed) % ZONE_CYCLERS];

		/* past the write pointer a read returns 0: racing a reset is fine */
		if (fd >= 0 && pread(fd, buf, CHUNK, (rnd(&seed) % (2u << 20)) & ~4095u) >= 0)
			n++;
	}
	for (int i = 0; i < ZONE_CYCLERS; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	add(w, &w->st.reads, n);
}

static const struct wl_job zone_cycler = { .name = "fl-zone-cycle", .run = zone_cycle };
static const struct wl_job zone_reader = { .name = "fl-zone-read", .run = zone_read };

static int zonefs_run(struct wl *w, const struct fl_workload_opts *o)
{
	const struct wl_job *const jobs[] = { &mmap_reader, &mmap_writer, &reader, &writer,
					      &dropper, &zone_cycler, &zone_cycler, &zone_reader };
	char path[4096];
	struct stat st;
	int err = 0;

	_Static_assert(ZONE_CYCLERS == 2, "two zone_cycler threads above");
	_Static_assert(ARRAY_SIZE(jobs) <= WL_MAX_THREADS, "run_threads starts them all");
	snprintf(path, sizeof(path), "%s/cnv/0", o->dir);
	w->dir = o->dir;
	w->fd = open(path, O_RDWR | O_CLOEXEC);
	if (w->fd < 0)
		return -errno;
	if (fstat(w->fd, &st)) {
		err = -errno;
		goto out;
	}
	/* without aggregation, a conventional zone's file is one zone */
	w->zone = st.st_size;
	if (w->zone < (off_t)FILE_SIZE) {
		fl_err("zonefs %s: zones of %lld bytes, the workload needs %u", o->dir,
		       (long long)w->zone, FILE_SIZE);
		err = -EINVAL;
		goto out;
	}
	err = fill(w->fd);
	if (err)
		goto out;
	w->map = mmap(NULL, MAP_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, w->fd, 0);
	if (w->map == MAP_FAILED) {
		err = -errno;
		goto out;
	}
	err = run_threads(w, jobs, ARRAY_SIZE(jobs), o->seconds);
	munmap(w->map, MAP_SIZE);
out:
	close(w->fd);
	return err;
}

int fl_workload_run(const struct fl_workload_opts *o, struct fl_workload_stats *st)
{
	const struct wl_job *const all[] = { &mmap_reader, &mmap_writer, &reader, &writer,
					     &invalidator, &dropper, &other };
	const struct wl_job *const faults[] = { &mmap_reader, &mmap_writer, &dropper };
	const struct wl_job *const *jobs = o->faults_only ? faults : all;
	int njobs = o->faults_only ? (int)ARRAY_SIZE(faults) : (int)ARRAY_SIZE(all);
	char path[4096];
	struct wl w;
	int err;

	_Static_assert(ARRAY_SIZE(all) <= WL_MAX_THREADS, "run_threads starts them all");
	memset(&w, 0, sizeof(w));
	pthread_mutex_init(&w.lock, NULL);
	w.page = sysconf(_SC_PAGESIZE);
	if (o->zonefs) {
		err = zonefs_run(&w, o);
		if (st)
			*st = w.st;
		return err;
	}
	snprintf(path, sizeof(path), "%s/faultline-demo.dat", o->dir);
	w.path = path;
	w.fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (w.fd < 0)
		return -errno;
	if (o->stale_maps) {
		err = stale_run(&w, o);
		if (st)
			*st = w.st;
		goto out;
	}
	err = fill(w.fd);
	if (err)
		goto out;
	w.map = mmap(NULL, MAP_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, w.fd, 0);
	if (w.map == MAP_FAILED) {
		err = -errno;
		goto out;
	}
	if (o->timed)
		o->timed(o->timed_ctx, true);
	err = run_threads(&w, jobs, njobs, o->seconds);
	if (o->timed)
		o->timed(o->timed_ctx, false);
	munmap(w.map, MAP_SIZE);
	if (st)
		*st = w.st;
out:
	close(w.fd);
	unlink(path);
	return err;
}
