// SPDX-License-Identifier: GPL-2.0
/*
 * A heavier workload for the stale-map agreement, run long (issue 14.11):
 * many files, each hit by fsx-style random operations from several threads
 * at once (unaligned buffered writes, direct I/O, mmap reads and writes,
 * punch, zero, collapse, insert, truncate, preallocation, reflink with the
 * COW that follows it), writeback and cache drops, while files are deleted
 * and re-created so that inodes are evicted and their memory reused.  At
 * the end the files are deleted and small files keep coming and going for
 * TEARDOWN_S more seconds: by then new inodes live where the files did.
 *
 *   usage: stale_heavy DIR SECONDS [FILES [TEARDOWN]]
 *
 * TEARDOWN (default 10) is the seconds of the teardown phase.  Besides the
 * per-operation counts at the end, a "stale_heavy_rate:" line gives the
 * operations completed by the workers per second of the timed phase (the
 * ops/s of tests/bench/bench.sh, which runs it with TEARDOWN 0).
 *
 * Errors of single operations are expected (collapse past EOF, racing
 * truncates) and only counted; setup failures exit 1.  Built by the test
 * that uses it: gcc -O2 -D_GNU_SOURCE tests/live/tools/stale_heavy.c -lpthread
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/falloc.h>
#include <linux/fs.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define BLK		4096u
#define FILE_MAX	(4u << 20)	/* sizes stay below this */
#define MAX_FILES	256
#define WORKERS		6
#define TEARDOWN_S	10	/* default */

enum op {
	OP_WRITE, OP_DIO, OP_MREAD, OP_MWRITE, OP_PUNCH, OP_ZERO, OP_COLLAPSE,
	OP_INSERT, OP_TRUNC, OP_PREALLOC, OP_CLONE, OP_CHURN, OP_MAX
};
static const char *const op_name[OP_MAX] = {
	"write", "direct", "mmap_read", "mmap_write", "punch", "zero", "collapse",
	"insert", "truncate", "prealloc", "clone", "churn",
};
/* how often each is picked, out of the sum */
static const unsigned int op_weight[OP_MAX] = { 30, 8, 6, 6, 6, 4, 3, 3, 4, 6, 6, 2 };

struct slot {
	pthread_rwlock_t lock;	/* write-held only while the file is replaced */
	int fd, dfd;		/* buffered, O_DIRECT */
	unsigned int gen;
};

static const char *dir;
static int nfiles = 48;
static int teardown_s = TEARDOWN_S;
static struct slot slots[MAX_FILES];
static atomic_bool stop;
static atomic_ullong done[OP_MAX], failed[OP_MAX], syncs, drops, sigbus, small;
static __thread sigjmp_buf bus_jmp;
static __thread volatile int bus_armed;

static uint64_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* a racing truncate makes a mapped page vanish: fsx's way out */
static void on_sigbus(int sig)
{
	(void)sig;
	if (!bus_armed)
		abort();
	siglongjmp(bus_jmp, 1);
}

static int open_slot(struct slot *s, int i)
{
	char path[4200];

	snprintf(path, sizeof(path), "%s/f%03d.%u", dir, i, ++s->gen);
	s->fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (s->fd < 0)
		return -1;
	s->dfd = open(path, O_RDWR | O_DIRECT | O_CLOEXEC);
	return s->dfd < 0 ? -1 : 0;
}

static off_t fsize(int fd)
{
	struct stat st;

	return fstat(fd, &st) ? 0 : st.st_size;
}

static int mmap_op(int fd, uint64_t *seed, bool write)
{
	off_t size = fsize(fd);
	volatile char *m;
	int ret = 0;

	if (size < (off_t)BLK)
		return 0;
	m = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (m == MAP_FAILED)
		return -1;
	bus_armed = 1;
	if (sigsetjmp(bus_jmp, 1)) {
		sigbus++;
		ret = 0;
	} else {
		for (int i = 0; i < 16; i++) {
			off_t off = rnd(seed) % size;

			if (write)
				m[off] = (char)off;
			else
				(void)m[off];
		}
	}
	bus_armed = 0;
	munmap((void *)m, size);
	return ret;
}

/* Replace the file: unlink, create anew, sometimes as a clone of another. */
static int churn(int i, uint64_t *seed)
{
	struct slot *s = &slots[i], *src = &slots[rnd(seed) % nfiles];
	char path[4200];
	int ret;

	pthread_rwlock_wrlock(&s->lock);
	close(s->fd);
	close(s->dfd);
	snprintf(path, sizeof(path), "%s/f%03d.%u", dir, i, s->gen);
	unlink(path);
	ret = open_slot(s, i);
	if (!ret && src != s && !pthread_rwlock_tryrdlock(&src->lock)) {
		if (rnd(seed) & 1)
			ioctl(s->fd, FICLONE, src->fd);
		pthread_rwlock_unlock(&src->lock);
	}
	pthread_rwlock_unlock(&s->lock);
	return ret;
}

static int do_op(enum op op, int i, uint64_t *seed, char *buf, char *dbuf)
{
	struct slot *s = &slots[i];
	uint64_t r = rnd(seed);
	off_t off = (r % (FILE_MAX / BLK)) * BLK, size;
	size_t len = (1 + (r >> 32) % 64) * BLK;
	struct file_clone_range fcr;
	int fd = s->fd;

	if (off + len > FILE_MAX)
		len = FILE_MAX - off;
	switch (op) {
	case OP_WRITE:	/* unaligned, up to 576 KiB */
		len = 1 + (r >> 24) % (576 << 10);
		off = (r >> 8) % (FILE_MAX - len);
		return pwrite(fd, buf, len, off) < 0 ? -1 : 0;
	case OP_DIO:
		len = len > (256 << 10) ? 256 << 10 : len;
		if ((r >> 40) & 1)
			return pread(s->dfd, dbuf, len, off) < 0 ? -1 : 0;
		return pwrite(s->dfd, dbuf, len, off) < 0 ? -1 : 0;
	case OP_MREAD:
		return mmap_op(fd, seed, false);
	case OP_MWRITE:
		return mmap_op(fd, seed, true);
	case OP_PUNCH:
		return fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, off, len);
	case OP_ZERO:
		return fallocate(fd, FALLOC_FL_ZERO_RANGE | ((r >> 40) & 1 ? FALLOC_FL_KEEP_SIZE : 0),
				 off, len);
	case OP_COLLAPSE:
		size = fsize(fd) / BLK * BLK;
		if (size < (off_t)(2 * BLK))
			return 0;
		off = (off % size) / BLK * BLK;
		len = len % (size - off) / BLK * BLK;
		return len ? fallocate(fd, FALLOC_FL_COLLAPSE_RANGE, off, len) : 0;
	case OP_INSERT:
		size = fsize(fd) / BLK * BLK;
		if (!size || size + len > FILE_MAX)
			return 0;
		return fallocate(fd, FALLOC_FL_INSERT_RANGE, off % size / BLK * BLK, len);
	case OP_TRUNC:
		return ftruncate(fd, (r >> 16) % FILE_MAX);
	case OP_PREALLOC:	/* unwritten extents for the writes to convert */
		return fallocate(fd, (r >> 40) & 1 ? FALLOC_FL_KEEP_SIZE : 0, off, len);
	case OP_CLONE: {	/* reflink: the next writes to either side COW */
		struct slot *src = &slots[rnd(seed) % nfiles];
		int ret = -1;

		if (src != s && pthread_rwlock_tryrdlock(&src->lock))
			return 0;
		size = fsize(src->fd) / BLK * BLK;
		if (size) {
			fcr.src_fd = src->fd;
			fcr.src_offset = off % size / BLK * BLK;
			fcr.src_length = len < size - fcr.src_offset ? len : size - fcr.src_offset;
			fcr.dest_offset = (rnd(seed) % (FILE_MAX / BLK)) * BLK;
			if (fcr.dest_offset + fcr.src_length > FILE_MAX)
				fcr.dest_offset = 0;
			/* the same file: the ranges may not overlap */
			if (src == s && fcr.dest_offset < fcr.src_offset + fcr.src_length &&
			    fcr.src_offset < fcr.dest_offset + fcr.src_length)
				ret = 0;
			else
				ret = ioctl(fd, FICLONERANGE, &fcr);
		} else {
			ret = 0;
		}
		if (src != s)
			pthread_rwlock_unlock(&src->lock);
		return ret;
	}
	default:
		return 0;
	}
}

static void *worker(void *arg)
{
	uint64_t seed = 0x9e3779b97f4a7c15ULL ^ (uintptr_t)arg * 0x100000001b3ULL;
	unsigned int total = 0;
	static __thread char buf[576 << 10];
	void *dbuf;

	if (posix_memalign(&dbuf, BLK, 256 << 10))
		return NULL;
	memset(buf, 0x5a, sizeof(buf));
	memset(dbuf, 0xd1, 256 << 10);
	for (int o = 0; o < OP_MAX; o++)
		total += op_weight[o];
	while (!stop) {
		unsigned int w = rnd(&seed) % total;
		int i = rnd(&seed) % nfiles, o = 0;

		while (w >= op_weight[o])
			w -= op_weight[o++];
		if (o == OP_CHURN) {
			if (churn(i, &seed)) {
				perror("stale_heavy: re-create");
				exit(1);
			}
			done[o]++;
			continue;
		}
		pthread_rwlock_rdlock(&slots[i].lock);
		if (do_op(o, i, &seed, buf, dbuf))
			failed[o]++;
		else
			done[o]++;
		pthread_rwlock_unlock(&slots[i].lock);
	}
	free(dbuf);
	return NULL;
}

/* Writeback and cache drops: what converts, COWs and re-reads extents. */
static void *flusher(void *arg)
{
	uint64_t seed = 0x51ed270b;

	(void)arg;
	while (!stop) {
		int i = rnd(&seed) % nfiles;

		pthread_rwlock_rdlock(&slots[i].lock);
		if (rnd(&seed) % 4)
			sync_file_range(slots[i].fd, 0, 0, SYNC_FILE_RANGE_WRITE);
		else
			fdatasync(slots[i].fd);
		syncs++;
		if (!(rnd(&seed) % 3)) {
			posix_fadvise(slots[i].fd, 0, 0, POSIX_FADV_DONTNEED);
			drops++;
		}
		pthread_rwlock_unlock(&slots[i].lock);
		usleep(200);
	}
	return NULL;
}

/*
 * Many short-lived small files beside the big ones: written (delalloc, then
 * real extents at writeback), sometimes reflinked from a big file, then
 * deleted.  Tens of thousands of inodes come and go in a run, and their
 * memory is reused for new ones.
 */
#define SMALL_POOL	64

static void *small_files(void *arg)
{
	uint64_t seed = 0x2545f4914f6cdd1dULL;
	static char buf[64 << 10];
	unsigned long long n = 0;
	char path[4200];

	(void)arg;
	memset(buf, 0x11, sizeof(buf));
	while (!stop) {
		uint64_t r = rnd(&seed);
		int fd;

		snprintf(path, sizeof(path), "%s/s%llu", dir, n % SMALL_POOL);
		unlink(path);
		fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (fd < 0) {
			perror("stale_heavy: small file");
			exit(1);
		}
		if (pwrite(fd, buf, 1 + r % sizeof(buf), (r >> 20) % (256 << 10)) > 0 &&
		    !((r >> 40) % 4))
			fdatasync(fd);
		if (!((r >> 44) % 8) && slots[0].fd >= 0) {
			struct slot *src = &slots[(r >> 48) % nfiles];
			struct file_clone_range fcr = { .src_length = 64 << 10 };

			if (!pthread_rwlock_tryrdlock(&src->lock)) {
				fcr.src_fd = src->fd;
				ioctl(fd, FICLONERANGE, &fcr);
				pthread_rwlock_unlock(&src->lock);
			}
		}
		close(fd);
		n++;
	}
	small += n;
	return NULL;
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_sigbus };
	pthread_t tids[WORKERS + 2];
	struct timespec t0, t1;
	unsigned long long ops = 0;
	double seconds, elapsed;

	if (argc < 3 || argc > 5 || (seconds = atof(argv[2])) <= 0) {
		fprintf(stderr, "usage: stale_heavy DIR SECONDS [FILES [TEARDOWN]]\n");
		return 2;
	}
	dir = argv[1];
	if (argc >= 4)
		nfiles = atoi(argv[3]);
	if (nfiles < 2 || nfiles > MAX_FILES) {
		fprintf(stderr, "stale_heavy: FILES must be 2..%d\n", MAX_FILES);
		return 2;
	}
	if (argc == 5)
		teardown_s = atoi(argv[4]);
	if (teardown_s < 0) {
		fprintf(stderr, "stale_heavy: TEARDOWN must be >= 0\n");
		return 2;
	}
	sigaction(SIGBUS, &sa, NULL);
	for (int i = 0; i < nfiles; i++) {
		pthread_rwlock_init(&slots[i].lock, NULL);
		if (open_slot(&slots[i], i)) {
			perror("stale_heavy: create");
			return 1;
		}
	}
	/* the clock of the rate: the timed phase only, not the file creation */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (long t = 0; t < WORKERS + 2; t++)
		if (pthread_create(&tids[t], NULL, t < WORKERS ? worker :
				   t == WORKERS ? flusher : small_files, (void *)t)) {
			fprintf(stderr, "stale_heavy: cannot start threads\n");
			return 1;
		}
	usleep((useconds_t)(seconds * 1e6));
	stop = true;
	for (int t = 0; t < WORKERS + 2; t++)
		pthread_join(tids[t], NULL);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	elapsed = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	for (int o = 0; o < OP_MAX; o++)
		ops += done[o];
	printf("stale_heavy_rate: seconds=%.3f ops=%llu ops_per_s=%.1f\n",
	       elapsed, ops, elapsed > 0 ? ops / elapsed : 0.0);
	fflush(stdout);
	/* the teardown: the files go, their inodes are reclaimed, new ones come */
	for (int i = 0; i < nfiles; i++) {
		char path[4200];

		close(slots[i].fd);
		close(slots[i].dfd);
		slots[i].fd = slots[i].dfd = -1;
		snprintf(path, sizeof(path), "%s/f%03d.%u", dir, i, slots[i].gen);
		unlink(path);
	}
	stop = false;
	if (pthread_create(&tids[0], NULL, small_files, NULL)) {
		fprintf(stderr, "stale_heavy: cannot start threads\n");
		return 1;
	}
	sleep(teardown_s);
	stop = true;
	pthread_join(tids[0], NULL);
	printf("stale_heavy: %d files, %.0f s + %d s teardown:", nfiles, seconds, teardown_s);
	for (int o = 0; o < OP_MAX; o++)
		printf(" %s=%llu/%llu", op_name[o], (unsigned long long)done[o],
		       (unsigned long long)failed[o]);
	printf(" syncs=%llu drops=%llu sigbus=%llu small_files=%llu\n",
	       (unsigned long long)syncs, (unsigned long long)drops,
	       (unsigned long long)sigbus, (unsigned long long)small);
	return 0;
}
