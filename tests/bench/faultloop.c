// SPDX-License-Identifier: GPL-2.0
/*
 * faultloop: the page-fault workloads `make bench` times with and without
 * `faultline check` attached.  Built by tests/bench/bench.sh with gcc -O2,
 * with src/workload.c and src/util.c.
 *
 *   faultloop [-s MIB] create FILE
 *       write FILE (MIB MiB, default 256) with real data and fsync it
 *   faultloop [-t SECS] cached FILE
 *       read faults on a MAP_SHARED PROT_READ mapping of FILE, which stays in
 *       the page cache: mmap, touch every page, munmap, repeat
 *       (filemap_fault + filemap_map_pages, no insertion)
 *   faultloop [-t SECS] uncached FILE
 *       the same, but FILE's page cache is dropped before every pass with
 *       posix_fadvise(POSIX_FADV_DONTNEED), so faults insert pages (readahead)
 *   faultloop [-t SECS] cached-private-write FILE
 *       write faults on a MAP_PRIVATE mapping of cached FILE: one
 *       filemap_fault and a copy-on-write per page
 *   faultloop [-t SECS] demo-faults FILE
 *       the fault threads of `faultline demo --faults-only`, the same code
 *       (src/workload.c, linked in): FILE must be DIR/faultline-demo.dat;
 *       it is (re)created at 16 MiB, the first 8 MiB mapped MAP_SHARED, one
 *       thread reads random pages, one writes them, one drops the page
 *       cache every 2 ms; FILE is removed at the end
 *
 * Setup (creating, pre-reading) happens before the timed window.  The result
 * is one line on stdout, prefixed "faultloop:" so that it can be told apart
 * from a tracer's report on the same stdout:
 *
 *   faultloop: mode=cached ops=N seconds=S ops_per_s=X minflt=N majflt=N ...
 *
 * ops are pages touched (demo-faults: mmap reads + writes, as the demo counts
 * them); minflt/majflt and cpu_s (user + system time of all threads) come
 * from getrusage over the timed window.  Exit
 * status 0 on success, 1 on error, 2 on usage error.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "workload.h"

static long page;

static void die(const char *what, const char *path)
{
	fprintf(stderr, "faultloop: %s %s: %s\n", what, path ? path : "", strerror(errno));
	exit(1);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

struct window {
	double t0, t1;
	struct rusage r0, r1;
};

static void window_begin(struct window *w)
{
	getrusage(RUSAGE_SELF, &w->r0);
	w->t0 = now();
}

static void window_end(struct window *w)
{
	w->t1 = now();
	getrusage(RUSAGE_SELF, &w->r1);
}

static void report(const char *mode, const struct window *w, uint64_t ops,
		   uint64_t passes, const char *extra)
{
	double secs = w->t1 - w->t0;
	long minflt = w->r1.ru_minflt - w->r0.ru_minflt;
	long majflt = w->r1.ru_majflt - w->r0.ru_majflt;

	double cpu = (w->r1.ru_utime.tv_sec - w->r0.ru_utime.tv_sec) +
		     (w->r1.ru_stime.tv_sec - w->r0.ru_stime.tv_sec) +
		     ((w->r1.ru_utime.tv_usec - w->r0.ru_utime.tv_usec) +
		      (w->r1.ru_stime.tv_usec - w->r0.ru_stime.tv_usec)) / 1e6;

	printf("faultloop: mode=%s ops=%llu seconds=%.6f ops_per_s=%.1f minflt=%ld "
	       "majflt=%ld faults_per_s=%.1f passes=%llu cpu_s=%.6f%s%s\n",
	       mode, (unsigned long long)ops, secs, ops / secs, minflt, majflt,
	       (minflt + majflt) / secs, (unsigned long long)passes, cpu,
	       extra ? " " : "", extra ? extra : "");
	fflush(stdout);
}

/* ---- create ----------------------------------------------------------- */

static int do_create(const char *path, long mib)
{
	static char buf[1 << 20];
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	if (fd < 0)
		die("cannot create", path);
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (char)(i * 131 + 7);
	for (long i = 0; i < mib; i++) {
		buf[0] = (char)i;	/* not all pages alike */
		if (pwrite(fd, buf, sizeof(buf), (off_t)i << 20) != (ssize_t)sizeof(buf))
			die("cannot write", path);
	}
	if (fsync(fd))
		die("cannot fsync", path);
	close(fd);
	printf("faultloop: mode=create file=%s mib=%ld\n", path, mib);
	return 0;
}

/* ---- whole-file loops --------------------------------------------------- */

/* Bring FILE into the page cache with read(): no fault, no mapping. */
static void preread(int fd, const char *path)
{
	static char buf[1 << 20];
	off_t off = 0;
	ssize_t n;

	while ((n = pread(fd, buf, sizeof(buf), off)) > 0)
		off += n;
	if (n < 0)
		die("cannot read", path);
}

static int do_loop(const char *mode, const char *path, double seconds)
{
	bool uncached = !strcmp(mode, "uncached");
	bool private_write = !strcmp(mode, "cached-private-write");
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	uint64_t ops = 0, passes = 0;
	volatile char sink = 0;
	struct window w;
	struct stat st;
	size_t len, npages;

	if (fd < 0)
		die("cannot open", path);
	if (fstat(fd, &st))
		die("cannot stat", path);
	len = (size_t)st.st_size & ~((size_t)page - 1);
	npages = len / page;
	if (!npages) {
		fprintf(stderr, "faultloop: %s is empty (run `faultloop create` first)\n", path);
		return 1;
	}
	if (!uncached)
		preread(fd, path);

	window_begin(&w);
	do {
		char *map;

		if (uncached && posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED))
			die("posix_fadvise(DONTNEED)", path);
		map = mmap(NULL, len, private_write ? PROT_READ | PROT_WRITE : PROT_READ,
			   private_write ? MAP_PRIVATE : MAP_SHARED, fd, 0);
		if (map == MAP_FAILED)
			die("cannot mmap", path);
		if (private_write) {
			for (size_t i = 0; i < npages; i++)
				map[i * page] = (char)i;
		} else {
			for (size_t i = 0; i < npages; i++)
				sink += map[i * page];
		}
		if (munmap(map, len))
			die("cannot munmap", path);
		ops += npages;
		passes++;
	} while (now() - w.t0 < seconds);
	window_end(&w);
	(void)sink;
	close(fd);
	report(mode, &w, ops, passes, NULL);
	return 0;
}

/* ---- demo-faults: the demo's own fault threads (src/workload.c) ----------- */

static void demo_timed(void *ctx, bool begin)
{
	if (begin)
		window_begin(ctx);
	else
		window_end(ctx);
}

static int do_demo(const char *path, double seconds)
{
	char dir[4096], extra[160];
	struct fl_workload_stats st;
	struct window win;
	struct fl_workload_opts o = {
		.dir = dir, .seconds = seconds, .faults_only = true,
		.timed = demo_timed, .timed_ctx = &win,
	};
	const char *slash = strrchr(path, '/');
	int err;

	/* the workload names its file itself, in FILE's directory */
	snprintf(dir, sizeof(dir), "%.*s", slash ? (int)(slash - path) : 1,
		 slash ? path : ".");
	err = fl_workload_run(&o, &st);
	if (err) {
		errno = -err;
		die("demo workload failed in", dir);
	}
	snprintf(extra, sizeof(extra), "mmap_reads=%llu mmap_writes=%llu drops=%llu",
		 (unsigned long long)st.mmap_reads, (unsigned long long)st.mmap_writes,
		 (unsigned long long)st.drops);
	report("demo-faults", &win, st.mmap_reads + st.mmap_writes, 0, extra);
	return 0;
}

static void usage(FILE *f)
{
	fputs("usage: faultloop [-s MIB] create FILE\n"
	      "       faultloop [-t SECS] cached|uncached|cached-private-write|demo-faults FILE\n",
	      f);
}

int main(int argc, char **argv)
{
	pid_t parent = getppid();
	double seconds = 4;
	long mib = 256;
	const char *mode, *path;
	char *end;
	int c;

	/* never outlive the tracer or script that started us */
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getppid() != parent)
		return 1;
	page = sysconf(_SC_PAGESIZE);

	while ((c = getopt(argc, argv, "s:t:h")) != -1) {
		switch (c) {
		case 's':
			mib = strtol(optarg, &end, 10);
			if (*end || mib <= 0 || mib > (1L << 20)) {
				usage(stderr);
				return 2;
			}
			break;
		case 't':
			seconds = strtod(optarg, &end);
			if (*end || !(seconds > 0) || seconds > 1e6) {
				usage(stderr);
				return 2;
			}
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (argc - optind != 2) {
		usage(stderr);
		return 2;
	}
	mode = argv[optind];
	path = argv[optind + 1];

	if (!strcmp(mode, "create"))
		return do_create(path, mib);
	if (!strcmp(mode, "cached") || !strcmp(mode, "uncached") ||
	    !strcmp(mode, "cached-private-write"))
		return do_loop(mode, path, seconds);
	if (!strcmp(mode, "demo-faults"))
		return do_demo(path, seconds);
	usage(stderr);
	return 2;
}
