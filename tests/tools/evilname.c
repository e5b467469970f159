// SPDX-License-Identifier: GPL-2.0
/*
 * evilname DIR FILE COMM SECONDS: a task named COMM (prctl PR_SET_NAME)
 * fault-maps the cached pages of DIR/FILE for SECONDS, so that names
 * chosen to forge report lines (newlines, terminal escape sequences) end
 * up in a violation's task name and path (tests/live/test_report_names.sh).
 * Reads of a cached file through mmap go through fault-around
 * (->map_pages), which xfs runs without invalidate_lock since 6.4.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#define FILE_SIZE	(8 << 20)

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	static char buf[1 << 16];
	double end, seconds;
	unsigned long sum = 0, passes = 0;
	long page = sysconf(_SC_PAGESIZE);
	int dfd, fd;

	if (argc != 5 || (seconds = atof(argv[4])) <= 0) {
		fprintf(stderr, "usage: evilname DIR FILE COMM SECONDS\n");
		return 2;
	}
	if (prctl(PR_SET_NAME, argv[3], 0, 0, 0)) {
		perror("evilname: prctl(PR_SET_NAME)");
		return 1;
	}
	dfd = open(argv[1], O_DIRECTORY | O_RDONLY);
	fd = dfd < 0 ? -1 : openat(dfd, argv[2], O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (fd < 0) {
		perror("evilname: open");
		return 1;
	}
	memset(buf, 'x', sizeof(buf));
	for (int i = 0; i < FILE_SIZE / (int)sizeof(buf); i++) {
		if (write(fd, buf, sizeof(buf)) != sizeof(buf)) {
			perror("evilname: write");
			return 1;
		}
	}
	end = now() + seconds;
	while (now() < end) {
		volatile unsigned char *p = mmap(NULL, FILE_SIZE, PROT_READ, MAP_SHARED, fd, 0);

		if (p == MAP_FAILED) {
			perror("evilname: mmap");
			return 1;
		}
		for (long off = 0; off < FILE_SIZE; off += page)
			sum += p[off];
		munmap((void *)p, FILE_SIZE);
		passes++;
	}
	/* stderr: the report on stdout is checked line by line */
	fprintf(stderr, "evilname: %lu passes over %d MiB (sum %lu)\n", passes, FILE_SIZE >> 20,
		sum);
	close(fd);
	close(dfd);
	return 0;
}
