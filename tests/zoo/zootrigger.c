// SPDX-License-Identifier: GPL-2.0
/*
 * zootrigger: drive the bug zoo's code paths from user space, with real
 * page faults on an mmap, real fallocate() punches, real write()s.
 *
 *   zootrigger CLASS FILE [-n ITERATIONS] [-t SECONDS] [-c] [-q] [-o OTHER]
 *
 * CLASS is 000, 001, 002, 002w, 003, 004, 004t, lo, rdins, rdhold or all.
 * FILE is created (or reused) on a zoofs mount; the same pattern runs
 * against healthy and buggy mounts.  fill and fill-bug (not in all) take
 * FILE on any filesystem (ext4, xfs): the module's page-cache filler, with
 * and without invalidate_lock, races a tight hole-punch loop there.
 * lo-other (not in all) has the zoo write a page of OTHER, a file on another
 * filesystem, under this task's mmap_lock when the mount has bugs=lo.
 * Each class runs ITERATIONS rounds (default 300) or SECONDS (default 2.5),
 * whichever ends first, then prints one summary line and, when FILE is on
 * zoofs, how the module's counters for that mount moved
 * (/proc/fs/zoofs/stats).  Data checks (000, 002, 003) print lost=N: nonzero is
 * the bug's visible damage.  -c: exit 3 when any data was lost.
 * Exit status: 0 ran, 1 setup or I/O error, 2 usage, 3 data lost with -c.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "zoo_fill.h"

#define PG		4096L
#define NEIGHBOUR	16	/* pages the buggy page_mkwrite (000) drops after the faulting one */

static long opt_iters = 300;
static bool opt_iters_set;	/* -n given: fill bounds its punches too */
static double opt_secs = 2.5;
static bool opt_check, opt_quiet;
static const char *opt_other;	/* -o: lo-other's file on another filesystem */
static int exit_lost;

static atomic_bool stop;
static atomic_long faults;

static void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "zootrigger: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, ": %s\n", strerror(errno));
	va_end(ap);
	exit(1);
}

/* @path, opened read-write (created if need be), or exit */
static int open_file(const char *path)
{
	int fd = open(path, O_RDWR | O_CREAT, 0644);

	if (fd < 0)
		die("open %s", path);
	return fd;
}

static void start_thread(pthread_t *tid, void *(*fn)(void *), void *arg)
{
	if (pthread_create(tid, NULL, fn, arg))
		die("pthread_create");
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static uint64_t rnd(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return *s = x;
}

/* ---- the module's counters for FILE's mount ---------------------------- */

#define MAXSTAT 32

struct stats {
	int n;
	char name[MAXSTAT][32];
	long val[MAXSTAT];
	char bugs[64];
};

static bool read_stats(const char *path, struct stats *st)
{
	char want[32], line[2048];
	struct stat sb;
	bool found = false;
	FILE *f;

	memset(st, 0, sizeof(*st));
	if (stat(path, &sb) < 0)
		return false;
	snprintf(want, sizeof(want), "dev=%u:%u ", major(sb.st_dev), minor(sb.st_dev));
	f = fopen("/proc/fs/zoofs/stats", "r");
	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f)) {
		char *save = NULL, *tok;

		if (strncmp(line, want, strlen(want)))
			continue;
		found = true;
		for (tok = strtok_r(line, " \n", &save); tok; tok = strtok_r(NULL, " \n", &save)) {
			char *eq = strchr(tok, '=');

			if (!eq || !strncmp(tok, "dev=", 4))
				continue;
			*eq = '\0';
			if (!strcmp(tok, "bugs")) {
				snprintf(st->bugs, sizeof(st->bugs), "%s", eq + 1);
			} else if (st->n < MAXSTAT) {
				snprintf(st->name[st->n], sizeof(st->name[0]), "%s", tok);
				st->val[st->n++] = strtol(eq + 1, NULL, 10);
			}
		}
	}
	fclose(f);
	return found;
}

static void print_stats_delta(const char *cls, const struct stats *a, const struct stats *b)
{
	printf("zootrigger %s: zoofs bugs=%s:", cls, b->bugs);
	for (int i = 0; i < b->n; i++) {
		long d = b->val[i] - (i < a->n ? a->val[i] : 0);

		if (d)
			printf(" %s=+%ld", b->name[i], d);
	}
	printf("\n");
}

/* ---- common set-up ----------------------------------------------------- */

struct target {
	const char *path;
	int fd;
	long size, npages;
	char *map;
};

static void target_open(struct target *t, const char *path, long size)
{
	t->path = path;
	t->size = size;
	t->npages = size / PG;
	t->fd = open_file(path);
	if (ftruncate(t->fd, size) < 0)
		die("ftruncate %s", path);
	t->map = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, t->fd, 0);
	if (t->map == MAP_FAILED)
		die("mmap %s", path);
}

static void target_close(struct target *t)
{
	munmap(t->map, t->size);
	close(t->fd);
}

static void punch(struct target *t, long off, long len)
{
	if (fallocate(t->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, off, len) < 0)
		die("fallocate punch %s [%ld, +%ld)", t->path, off, len);
}

static bool budget_left(long i, double t0)
{
	return i < opt_iters && now() - t0 < opt_secs;
}

/*
 * Touching a page that a concurrent truncate cut off raises SIGBUS: the
 * fault threads of 004t survive it and go on.
 */
static __thread sigjmp_buf touch_jmp;
static __thread volatile int touch_armed;
static atomic_long sigbus;

static void on_sigbus(int sig)
{
	if (!touch_armed) {
		signal(sig, SIG_DFL);
		raise(sig);
		return;
	}
	siglongjmp(touch_jmp, 1);
}

static void touch(char *p, bool write, uint64_t r)
{
	touch_armed = 1;
	if (sigsetjmp(touch_jmp, 1)) {
		touch_armed = 0;
		atomic_fetch_add(&sigbus, 1);
		return;
	}
	if (write)
		*(volatile char *)p = (char)r;
	else
		(void)*(volatile char *)p;
	touch_armed = 0;
}

/* Threads that fault random pages of the mapping in, reading and writing. */
struct faulter {
	pthread_t tid;
	struct target *t;
	uint64_t seed;
};

static void *fault_loop(void *arg)
{
	struct faulter *f = arg;
	uint64_t s = f->seed;
	long n = 0;

	while (!atomic_load(&stop)) {
		uint64_t r = rnd(&s);
		long p = (long)(r % f->t->npages);

		touch(f->t->map + p * PG + (long)(r >> 40) % PG, r & 1, r);
		n++;
	}
	atomic_fetch_add(&faults, n);
	return NULL;
}

static void faulters_start(struct faulter *f, int n, struct target *t)
{
	atomic_store(&stop, false);
	for (int i = 0; i < n; i++) {
		f[i].t = t;
		f[i].seed = 0x9e3779b97f4a7c15ull * (i + 1) ^ (uint64_t)getpid();
		start_thread(&f[i].tid, fault_loop, &f[i]);
	}
}

static void faulters_stop(struct faulter *f, int n)
{
	atomic_store(&stop, true);
	for (int i = 0; i < n; i++)
		pthread_join(f[i].tid, NULL);
}

/* ---- 004: hole punch racing page faults -------------------------------- */

/*
 * Two threads fault random pages of a 2 MiB mapping in (reads and writes)
 * while the main thread reads a 64-256 KiB range into the cache through the
 * mapping and punches it.  Buggy: the punch drops the page cache without
 * invalidate_lock, so faults instantiate pages in the range meanwhile.
 */
static void run_004(const char *path)
{
	struct target t;
	struct faulter f[2];
	uint64_t s = 4;
	long i, punches = 0;
	double t0;

	target_open(&t, path, 2L << 20);
	faulters_start(f, 2, &t);
	t0 = now();
	for (i = 0; budget_left(i, t0); i++) {
		long len = 16 + (long)(rnd(&s) % 49);
		long off = (long)(rnd(&s) % (t.npages - len));

		for (long p = off; p < off + len; p++)
			touch(t.map + p * PG, false, 0);
		punch(&t, off * PG, len * PG);
		punches++;
	}
	faulters_stop(f, 2);
	printf("zootrigger 004: iterations=%ld punches=%ld fault_loop_touches=%ld elapsed=%.2fs\n",
	       i, punches, atomic_load(&faults), now() - t0);
	target_close(&t);
}

/* ---- 001: faults instantiating pages in a punched range ----------------- */

static struct target *punch_target;

static void *punch_loop(void *arg)
{
	uint64_t s = 0x1234567 ^ (uintptr_t)arg;
	long n = 0;

	while (!atomic_load(&stop)) {
		long off = (long)(rnd(&s) % (punch_target->npages - 16));

		punch(punch_target, off * PG, 16 * PG);
		n++;
		usleep(500);
	}
	return (void *)n;
}

/*
 * The main thread punches a 64 KiB range (so nothing of it is cached or
 * mapped), then faults every page of it back in through the mapping,
 * alternating read and write faults: each is an instantiation by ->fault.
 * A second thread punches random ranges meanwhile, so some instantiations
 * also race a punch.  Buggy: ->fault inserts without invalidate_lock.
 */
static void run_001(const char *path)
{
	struct target t;
	pthread_t racer;
	void *racer_punches;
	uint64_t s = 1;
	long i, touched = 0;
	double t0;

	target_open(&t, path, 2L << 20);
	punch_target = &t;
	atomic_store(&stop, false);
	start_thread(&racer, punch_loop, NULL);
	t0 = now();
	for (i = 0; budget_left(i, t0); i++) {
		long off = (long)(rnd(&s) % (t.npages - 16));

		punch(&t, off * PG, 16 * PG);
		for (long p = off; p < off + 16; p++, touched++)
			touch(t.map + p * PG, (p + i) & 1, (uint64_t)p);
	}
	atomic_store(&stop, true);
	pthread_join(racer, &racer_punches);
	printf("zootrigger 001: iterations=%ld pages_faulted=%ld racing_punches=%ld elapsed=%.2fs\n",
	       i, touched, (long)racer_punches, now() - t0);
	target_close(&t);
}

/* ---- 000: page_mkwrite invalidating a neighbouring range ---------------- */

/*
 * Each round writes a pattern into the 64 KiB after page p with write()
 * (cached, dirty), zaps the PTE of page p (MADV_DONTNEED) and stores to it
 * through the mapping: a write fault, so ->page_mkwrite runs.  Then it reads
 * the 64 KiB back.  Buggy: page_mkwrite truncated that range holding
 * invalidate_lock only shared and the pattern is gone (lost=N rounds).
 */
static void run_000(const char *path)
{
	static char buf[NEIGHBOUR * PG], back[NEIGHBOUR * PG];
	struct target t;
	uint64_t s = 0;
	long i, lost = 0;
	double t0;

	target_open(&t, path, 4L << 20);
	t0 = now();
	for (i = 0; budget_left(i, t0); i++) {
		long p = (long)(rnd(&s) % (t.npages - NEIGHBOUR - 1));
		off_t nb = (p + 1) * PG;

		memset(buf, 0x41 + (int)(i % 26), sizeof(buf));
		if (pwrite(t.fd, buf, sizeof(buf), nb) != (ssize_t)sizeof(buf))
			die("pwrite %s", path);
		if (madvise(t.map + p * PG, PG, MADV_DONTNEED) < 0)
			die("madvise");
		t.map[p * PG] = 0x5a;
		if (pread(t.fd, back, sizeof(back), nb) != (ssize_t)sizeof(back))
			die("pread %s", path);
		if (memcmp(buf, back, sizeof(buf)))
			lost++;
	}
	printf("zootrigger 000: iterations=%ld write_faults=%ld lost=%ld elapsed=%.2fs\n",
	       i, i, lost, now() - t0);
	if (lost)
		exit_lost = 1;
	target_close(&t);
}

/* ---- 003: buffered writes ---------------------------------------------- */

struct writer {
	pthread_t tid;
	struct target *t;
	int idx;
	long rounds, mismatches;
	int fd;			/* phase 2: O_APPEND descriptor */
	long records;
};

/* Phase 1: punch a range (so it is not cached), write it, read it back. */
static void *write_loop(void *arg)
{
	struct writer *w = arg;
	long half = w->t->npages / 2, base = w->idx * half;
	uint64_t s = 3 + w->idx;
	char *buf = malloc(16 * PG), *back = malloc(16 * PG);
	double t0 = now();

	if (!buf || !back)
		die("malloc");
	for (w->rounds = 0; budget_left(w->rounds, t0); w->rounds++) {
		long pages = 1 + (long)(rnd(&s) % 16);
		long off = (base + (long)(rnd(&s) % (half - pages))) * PG;
		long skew = (w->rounds & 3) == 3 ? (long)(rnd(&s) % PG) : 0;
		long len = pages * PG - skew;

		punch(w->t, off, pages * PG);
		memset(buf, 0x61 + (int)((w->rounds + w->idx) % 26), len);
		if (pwrite(w->t->fd, buf, len, off + skew) != len)
			die("pwrite %s", w->t->path);
		if (pread(w->t->fd, back, len, off + skew) != len)
			die("pread %s", w->t->path);
		if (memcmp(buf, back, len))
			w->mismatches++;
	}
	free(buf);
	free(back);
	return NULL;
}

#define REC	PG

/* Phase 2: concurrent O_APPEND writers of tagged 4 KiB records. */
static void *append_loop(void *arg)
{
	struct writer *w = arg;
	char *rec = malloc(REC);

	if (!rec)
		die("malloc");
	for (long n = 0; n < w->records; n++) {
		memset(rec, 0x30 + w->idx, REC);
		snprintf(rec, 32, "zoo-rec %d %ld", w->idx, n);
		if (write(w->fd, rec, REC) != REC)
			die("append %s", w->t->path);
	}
	free(rec);
	return NULL;
}

/*
 * Phase 1: two threads, each in its own half of a 4 MiB file, punch a
 * range and write() it, so every write instantiates its folios (and reads
 * them back: mismatches would be a zoo bug, not a lock bug).  Buggy: the
 * write holds no i_rwsem.  Phase 2: the file is truncated to 0 and two
 * threads append tagged 4 KiB records with O_APPEND; without i_rwsem two
 * appends can pick the same end of file and one record overwrites the
 * other (lost=N records), the dropped writes of seed 003.  Phase 2 writes
 * min(ITERATIONS, 512) records per thread.
 */
static void run_003(const char *path)
{
	struct target t;
	struct writer w[2];
	/* zoofs is RAM that cannot be reclaimed: at most 2 x 512 x 4 KiB */
	long rounds = 0, mism = 0, records = opt_iters < 512 ? opt_iters : 512;
	long found = 0, expect;
	struct stat sb;
	char *seen, *rec;
	double t0 = now();

	target_open(&t, path, 4L << 20);
	for (int i = 0; i < 2; i++) {
		memset(&w[i], 0, sizeof(w[i]));
		w[i].t = &t;
		w[i].idx = i;
		start_thread(&w[i].tid, write_loop, &w[i]);
	}
	for (int i = 0; i < 2; i++) {
		pthread_join(w[i].tid, NULL);
		rounds += w[i].rounds;
		mism += w[i].mismatches;
	}

	if (ftruncate(t.fd, 0) < 0)
		die("ftruncate %s", path);
	for (int i = 0; i < 2; i++) {
		w[i].records = records;
		w[i].fd = open(path, O_WRONLY | O_APPEND);
		if (w[i].fd < 0)
			die("open %s", path);
		start_thread(&w[i].tid, append_loop, &w[i]);
	}
	for (int i = 0; i < 2; i++) {
		pthread_join(w[i].tid, NULL);
		close(w[i].fd);
	}
	expect = 2 * records;
	seen = calloc(expect, 1);
	rec = malloc(REC);
	if (!seen || !rec || fstat(t.fd, &sb) < 0)
		die("verify %s", path);
	for (off_t off = 0; off + REC <= sb.st_size; off += REC) {
		int idx;
		long n;

		if (pread(t.fd, rec, REC, off) != REC)
			die("pread %s", path);
		if (sscanf(rec, "zoo-rec %d %ld", &idx, &n) == 2 && idx >= 0 && idx < 2 &&
		    n >= 0 && n < records && !seen[idx * records + n]) {
			seen[idx * records + n] = 1;
			found++;
		}
	}
	printf("zootrigger 003: write_rounds=%ld mismatches=%ld appends=%ld size=%ld lost=%ld elapsed=%.2fs\n",
	       rounds, mism, expect, (long)sb.st_size, expect - found, now() - t0);
	if (mism || expect != found)
		exit_lost = 1;
	free(seen);
	free(rec);
	/* back to the usual size for whoever runs next */
	if (ftruncate(t.fd, t.size) < 0)
		die("ftruncate %s", path);
	target_close(&t);
}

/* ---- 004t: truncate racing page faults -------------------------------- */

/*
 * Two threads fault random pages of a 2 MiB mapping (a SIGBUS past the
 * current size is expected and survived) while the main thread shrinks the
 * file to a random size below 1 MiB and grows it back.  Buggy: the shrink
 * drops the page cache without invalidate_lock.
 */
static void run_004t(const char *path)
{
	struct target t;
	struct faulter f[2];
	uint64_t s = 5;
	long i;
	double t0;

	target_open(&t, path, 2L << 20);
	faulters_start(f, 2, &t);
	t0 = now();
	for (i = 0; budget_left(i, t0); i++) {
		long newsize = (long)(rnd(&s) % (t.size / 2));

		for (long p = newsize / PG; p < newsize / PG + 16; p++)
			touch(t.map + p * PG, false, 0);
		if (ftruncate(t.fd, newsize) < 0 || ftruncate(t.fd, t.size) < 0)
			die("ftruncate %s", path);
	}
	faulters_stop(f, 2);
	printf("zootrigger 004t: iterations=%ld truncates=%ld fault_loop_touches=%ld sigbus=%ld elapsed=%.2fs\n",
	       i, i, atomic_load(&faults), atomic_load(&sigbus), now() - t0);
	target_close(&t);
}

/* ---- 002: a buffered write's map goes stale under it ------------------- */

#define MAP_BYTES	(1L << 20)	/* one write, one zoofs map (its longest) */

static int syncer_fd;

/* Writeback of what the writer left dirty: each new block bumps the extents. */
static void *sync_loop(void *arg)
{
	long *syncs = arg;

	while (!atomic_load(&stop)) {
		if (sync_file_range(syncer_fd, 0, MAP_BYTES, SYNC_FILE_RANGE_WRITE) < 0)
			die("sync_file_range");
		(*syncs)++;
	}
	return NULL;
}

/*
 * The main thread punches a 1 MiB range (its blocks are freed: the next
 * writeback allocates them again) and writes it whole with one pwrite(),
 * which iomap walks with one map, a folio at a time, while a second thread
 * keeps starting writeback on the same range: blocks get allocated under
 * the write, and its map goes stale.  Healthy, ->iomap_valid sends iomap
 * back for a new map at the first folio after a change; bug 002 writes on
 * with the old one.  Every round is read back (lost=N: zoofs's own damage;
 * whole-page writes lose nothing in either twin).
 */
static void run_002(const char *path)
{
	char *buf = aligned_alloc(PG, MAP_BYTES), *back = aligned_alloc(PG, MAP_BYTES);
	long rounds, syncs = 0, lost = 0;
	pthread_t tid;
	double t0 = now();
	int fd;

	if (!buf || !back)
		die("malloc");
	fd = open_file(path);
	syncer_fd = fd;
	atomic_store(&stop, false);
	start_thread(&tid, sync_loop, &syncs);
	for (rounds = 0; budget_left(rounds, t0); rounds++) {
		if (fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0, MAP_BYTES) < 0 &&
		    errno != EOPNOTSUPP)
			die("fallocate punch %s", path);
		memset(buf, 0x41 + (int)(rounds % 26), MAP_BYTES);
		if (pwrite(fd, buf, MAP_BYTES, 0) != MAP_BYTES)
			die("pwrite %s", path);
		if (pread(fd, back, MAP_BYTES, 0) != MAP_BYTES)
			die("pread %s", path);
		if (memcmp(buf, back, MAP_BYTES))
			lost++;
	}
	atomic_store(&stop, true);
	pthread_join(tid, NULL);
	if (lost)
		exit_lost = 1;
	printf("zootrigger 002: rounds=%ld syncs=%ld lost=%ld elapsed=%.2fs\n",
	       rounds, syncs, lost, now() - t0);
	close(fd);
	free(buf);
	free(back);
}

/* ---- 002w: a write's map held across a punch of its range -------------- */

static int puncher_fd;

/* Punch 64 KiB windows of the map's upper half, one after another. */
static void *punch_upper_loop(void *arg)
{
	long *punches = arg;
	long off = MAP_BYTES / 2;

	while (!atomic_load(&stop)) {
		if (fallocate(puncher_fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, off,
			      64 * 1024) < 0)
			die("fallocate punch");
		(*punches)++;
		off += 64 * 1024;
		if (off >= MAP_BYTES)
			off = MAP_BYTES / 2;
	}
	return NULL;
}

/*
 * The main thread writes 1 MiB with one pwrite() (one map, a folio at a
 * time) over and over; a second thread punches 64 KiB ranges of its upper
 * half.  Healthy, a punch takes i_rwsem and waits for the write to end;
 * bug 002w punches without it, so a punch can begin after the write's map
 * was handed out and end before the write reaches the punched range, whose
 * folios the write then instantiates under the map from before the punch.
 * On a "nocookie" mount nothing revalidates that map (as on gfs2 and
 * zonefs): faultline's stale-map rule, window form, reports it.
 */
static void run_002w(const char *path)
{
	char *buf = aligned_alloc(PG, MAP_BYTES);
	long rounds, punches = 0;
	pthread_t tid;
	double t0 = now();
	int fd;

	if (!buf)
		die("malloc");
	fd = open_file(path);
	memset(buf, 0x57, MAP_BYTES);
	if (pwrite(fd, buf, MAP_BYTES, 0) != MAP_BYTES)
		die("pwrite %s", path);
	puncher_fd = fd;
	atomic_store(&stop, false);
	start_thread(&tid, punch_upper_loop, &punches);
	for (rounds = 0; budget_left(rounds, t0); rounds++) {
		memset(buf, 0x41 + (int)(rounds % 26), MAP_BYTES);
		if (pwrite(fd, buf, MAP_BYTES, 0) != MAP_BYTES)
			die("pwrite %s", path);
	}
	atomic_store(&stop, true);
	pthread_join(tid, NULL);
	printf("zootrigger 002w: rounds=%ld punches=%ld elapsed=%.2fs\n", rounds, punches,
	       now() - t0);
	close(fd);
	free(buf);
}

/*
 * Lock order ("lo"): the documented paths (i_rwsem or mmap_lock, then
 * invalidate_lock) and the paths bugs=lo inverts, one after the other in
 * this one thread, so nothing can deadlock; faultline --lock-order sees
 * both orders.  The ioctl numbers are zoo_lockorder.h's.
 */
#define ZOO_IOC_LO_DOC	_IO('z', 1)
#define ZOO_IOC_LO_INV	_IO('z', 2)
#define ZOO_IOC_LO_MM_DOC _IO('z', 3)
#define ZOO_IOC_LO_MM_INV _IO('z', 4)
#define ZOO_IOC_LO_OTHER _IO('z', 0x10)

static void run_lo(const char *path)
{
	long i;
	double t0 = now();
	int fd = open(path, O_RDWR);

	if (fd < 0)
		die("open %s", path);
	for (i = 0; budget_left(i, t0); i++) {
		if (ioctl(fd, ZOO_IOC_LO_DOC) < 0 || ioctl(fd, ZOO_IOC_LO_INV) < 0 ||
		    ioctl(fd, ZOO_IOC_LO_MM_DOC) < 0 || ioctl(fd, ZOO_IOC_LO_MM_INV) < 0)
			die("ioctl %s (zoofs with the lo class?)", path);
	}
	printf("zootrigger lo: iterations=%ld elapsed=%.2fs\n", i, now() - t0);
	close(fd);
}

/*
 * lo-other: a page of -o FILE (on another filesystem: xfs in the tests)
 * written by the zoo, under this task's mmap_lock when bugs=lo
 * (ZOO_IOC_LO_OTHER): that filesystem's i_rwsem taken under mmap_lock.
 */
static void run_lo_other(const char *path)
{
	long i;
	double t0 = now();
	int fd = open(path, O_RDWR), other;

	if (fd < 0)
		die("open %s", path);
	if (!opt_other)
		die("lo-other needs -o FILE (a file on another filesystem)");
	other = open(opt_other, O_RDWR | O_CREAT, 0644);
	if (other < 0)
		die("open %s", opt_other);
	for (i = 0; budget_left(i, t0); i++) {
		if (ioctl(fd, ZOO_IOC_LO_OTHER, other) < 0)
			die("ioctl %s (zoofs with the lo class?)", path);
	}
	printf("zootrigger lo-other: iterations=%ld elapsed=%.2fs\n", i, now() - t0);
	close(other);
	close(fd);
}

/* ---- fill, fill-bug: a page-cache filler on another filesystem ---------- */

#define FILL_BYTES	(256L << 10)	/* the range filled and punched */

struct filler {
	int fd;			/* the file, on ext4, xfs, ... */
	bool unlocked;		/* fill-bug */
	long calls, folios, missing, free;
};

/* The module's filler (zoo_fill.c), one pass over the range per ioctl. */
static void *fill_loop(void *arg)
{
	struct filler *f = arg;
	int pfd = open("/proc/fs/zoofs/fill", O_RDONLY);

	if (pfd < 0)
		die("open /proc/fs/zoofs/fill (faultline_zoo loaded?)");
	while (!atomic_load(&stop)) {
		struct zoo_fill_req r = {
			.fd = f->fd, .flags = f->unlocked ? ZOO_FILL_UNLOCKED : 0,
			.start = 0, .len = FILL_BYTES, .passes = 1,
		};

		if (ioctl(pfd, ZOO_IOC_FILL, &r) < 0)
			die("ioctl ZOO_IOC_FILL");
		f->calls++;
		f->folios += (long)r.folios;
		f->missing += (long)r.missing;
		f->free += (long)r.free;
	}
	close(pfd);
	return NULL;
}

/*
 * A bug storm: the filler reads the first 256 KiB of FILE into its page
 * cache over and over while the main thread punches the same range in a
 * tight loop (every punch drops what the filler put back).  fill-bug fills
 * without invalidate_lock: every folio it puts back is an unlocked
 * insertion, many of them while the punch holds the locks.  fill holds
 * invalidate_lock shared around each read: the same storm, healthy.
 * Runs -t seconds (and at most -n punches when -n is given).
 */
static void run_fill_common(const char *path, bool unlocked)
{
	const char *name = unlocked ? "fill-bug" : "fill";
	struct filler f = { .unlocked = unlocked };
	char *buf = malloc(FILL_BYTES);
	long punches;
	pthread_t tid;
	double t0;

	if (!buf)
		die("malloc");
	f.fd = open_file(path);
	/* real blocks to start with: the first punches free them */
	memset(buf, 0x5a, FILL_BYTES);
	if (ftruncate(f.fd, 0) < 0 || pwrite(f.fd, buf, FILL_BYTES, 0) != FILL_BYTES ||
	    fsync(f.fd) < 0)
		die("write %s", path);
	atomic_store(&stop, false);
	start_thread(&tid, fill_loop, &f);
	t0 = now();
	for (punches = 0; now() - t0 < opt_secs && (!opt_iters_set || punches < opt_iters);
	     punches++)
		if (fallocate(f.fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0, FILL_BYTES) < 0)
			die("fallocate punch %s", path);
	atomic_store(&stop, true);
	pthread_join(tid, NULL);
	printf("zootrigger %s: punches=%ld fill_calls=%ld folios=%ld missing=%ld free=%ld "
	       "elapsed=%.2fs\n", name, punches, f.calls, f.folios, f.missing, f.free, now() - t0);
	close(f.fd);
	free(buf);
}

static void run_fill(const char *path)
{
	run_fill_common(path, false);
}

static void run_fill_bug(const char *path)
{
	run_fill_common(path, true);
}

/*
 * Readers and an inserter ("rdins"): RD_READERS threads hold invalidate_lock
 * shared over and over (each hold looks up RD_HOLD_PAGES cached folios),
 * one thread walks the file instantiating every folio that is not cached,
 * and the main thread punches random 64 KiB ranges (the holes the inserter
 * fills).  Each punch takes the lock exclusive: the readers queue behind it
 * and are woken together when it ends.  Healthy, the inserter holds the
 * lock shared too; bugs=rdins leaves it out, which the lock word cannot
 * tell while readers hold it.  The ioctl numbers are zoo_rdins.h's.
 */
#define ZOO_IOC_RD_HOLD		_IO('z', 5)
#define ZOO_IOC_RD_INSERT	_IO('z', 6)
#define ZOO_IOC_RD_HOLD_INSERT	_IO('z', 7)
#define RD_READERS	2
#define RD_HOLD_PAGES	16

static int rd_fd;
static atomic_long rd_holds, rd_inserted, rd_shared;

static void *rd_reader(void *arg)
{
	long n = 0;

	(void)arg;
	while (!atomic_load(&stop)) {
		if (ioctl(rd_fd, ZOO_IOC_RD_HOLD, RD_HOLD_PAGES) < 0)
			die("ioctl RD_HOLD (zoofs with the rdins class?)");
		n++;
	}
	atomic_fetch_add(&rd_holds, n);
	return NULL;
}

static void *rd_inserter(void *arg)
{
	struct target *t = arg;
	long idx = 0, ins = 0, shared = 0, r;

	while (!atomic_load(&stop)) {
		r = ioctl(rd_fd, ZOO_IOC_RD_INSERT, idx);
		if (r < 0)
			die("ioctl RD_INSERT %ld", idx);
		ins += r > 0;
		shared += r == 2;
		idx = (idx + 1) % t->npages;
	}
	atomic_fetch_add(&rd_inserted, ins);
	atomic_fetch_add(&rd_shared, shared);
	return NULL;
}

static void run_rdins(const char *path)
{
	pthread_t readers[RD_READERS], inserter;
	struct target t;
	uint64_t s = 6;
	long i;
	double t0;

	target_open(&t, path, 2L << 20);
	rd_fd = t.fd;
	atomic_store(&stop, false);
	atomic_store(&rd_holds, 0);
	atomic_store(&rd_inserted, 0);
	atomic_store(&rd_shared, 0);
	for (int r = 0; r < RD_READERS; r++)
		start_thread(&readers[r], rd_reader, NULL);
	start_thread(&inserter, rd_inserter, &t);
	t0 = now();
	for (i = 0; budget_left(i, t0); i++) {
		long off = (long)(rnd(&s) % (t.npages - 16));

		punch(&t, off * PG, 16 * PG);
		usleep(500);
	}
	atomic_store(&stop, true);
	for (int r = 0; r < RD_READERS; r++)
		pthread_join(readers[r], NULL);
	pthread_join(inserter, NULL);
	printf("zootrigger rdins: punches=%ld holds=%ld inserted=%ld inserted_shared=%ld elapsed=%.2fs\n",
	       i, atomic_load(&rd_holds), atomic_load(&rd_inserted), atomic_load(&rd_shared),
	       now() - t0);
	target_close(&t);
}

/*
 * "rdhold": one task holds invalidate_lock shared for SECONDS (at most 300,
 * or until killed) and inserts a folio every 20 ms under it (healthy), in
 * a 32 MiB file (164 s before it has them all).  Started before faultline,
 * its hold is one precise tracking never saw taken: the insertions must
 * stay unknown.  Prints "holding" when it is about to take the lock, then
 * what it inserted.
 */
static void run_rdhold(const char *path)
{
	struct target t;
	double t0 = now();
	long r;

	target_open(&t, path, 32L << 20);
	printf("zootrigger rdhold: holding\n");
	fflush(stdout);
	r = ioctl(t.fd, ZOO_IOC_RD_HOLD_INSERT, (unsigned long)(opt_secs * 1000));
	if (r < 0)
		die("ioctl RD_HOLD_INSERT (zoofs with the rdins class?)");
	printf("zootrigger rdhold: inserted=%ld elapsed=%.2fs\n", r, now() - t0);
	target_close(&t);
}

/* ---- main -------------------------------------------------------------- */

static const struct {
	const char *name;
	void (*run)(const char *path);
} classes[] = {
	{ "000", run_000 },
	{ "001", run_001 },
	{ "002", run_002 },
	{ "002w", run_002w },
	{ "003", run_003 },
	{ "004", run_004 },
	{ "004t", run_004t },
	{ "lo", run_lo },
	{ "lo-other", run_lo_other },	/* not in all: -o FILE on another filesystem */
	{ "fill", run_fill },		/* not in all: FILE on another filesystem */
	{ "fill-bug", run_fill_bug },
	{ "rdins", run_rdins },
	{ "rdhold", run_rdhold },
};

static void usage(void)
{
	fprintf(stderr,
		"usage: zootrigger CLASS FILE [-n ITERATIONS] [-t SECONDS] [-c] [-q] [-o OTHER]\n"
		"  CLASS: 000 001 002 002w 003 004 004t lo rdins rdhold all (002 and 002w want an\n"
		"         iomap mount), fill fill-bug (FILE on any filesystem; not in all),\n"
		"         lo-other (-o OTHER: a file on another filesystem; not in all)\n"
		"  -n  rounds per class (default 300)    -t  time limit per class (default 2.5)\n"
		"  -c  exit 3 if data was lost            -q  no zoofs counter line\n");
	exit(2);
}

static void run_one(int c, const char *path)
{
	struct stats a, b;
	bool have = read_stats(path, &a);

	atomic_store(&faults, 0);
	atomic_store(&sigbus, 0);
	classes[c].run(path);
	if (!opt_quiet && have && read_stats(path, &b))
		print_stats_delta(classes[c].name, &a, &b);
	fflush(stdout);
}

int main(int argc, char **argv)
{
	struct sigaction sa;
	const char *cls, *path;
	int opt, fd;

	if (argc < 3)
		usage();
	cls = argv[1];
	path = argv[2];
	optind = 3;
	while ((opt = getopt(argc, argv, "n:t:cqo:")) != -1) {
		switch (opt) {
		case 'n':
			opt_iters = strtol(optarg, NULL, 0);
			opt_iters_set = true;
			break;
		case 't':
			opt_secs = strtod(optarg, NULL);
			break;
		case 'c':
			opt_check = true;
			break;
		case 'q':
			opt_quiet = true;
			break;
		case 'o':
			opt_other = optarg;
			break;
		default:
			usage();
		}
	}
	if (optind != argc || opt_iters <= 0 || opt_secs <= 0)
		usage();

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sigbus;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGBUS, &sa, NULL);
	setvbuf(stdout, NULL, _IOLBF, 0);

	/* The stats line is keyed by the file's device: make sure it exists. */
	fd = open_file(path);
	close(fd);

	if (!strcmp(cls, "all")) {
		for (size_t c = 0; c < sizeof(classes) / sizeof(classes[0]); c++)
			if (strncmp(classes[c].name, "fill", 4) && strcmp(classes[c].name, "lo-other"))
				run_one((int)c, path);
	} else {
		size_t c;

		for (c = 0; c < sizeof(classes) / sizeof(classes[0]); c++)
			if (!strcmp(cls, classes[c].name))
				break;
		if (c == sizeof(classes) / sizeof(classes[0]))
			usage();
		run_one((int)c, path);
	}
	return opt_check && exit_lost ? 3 : 0;
}
