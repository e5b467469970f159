// SPDX-License-Identifier: GPL-2.0
/*
 * The demo's workload (src/workload.c) as a command, so that a test can
 * run it under `faultline record/check ... -- workload DIR SECS`.
 * Built by the tests that use it: gcc -D_GNU_SOURCE -Iinclude -Isrc
 * tests/live/tools/workload.c src/workload.c src/util.c -lpthread
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "workload.h"

int main(int argc, char **argv)
{
	struct fl_workload_opts o = { 0 };
	struct fl_workload_stats st = { 0 };
	int err;

	if (argc != 3 || atof(argv[2]) <= 0) {
		fprintf(stderr, "usage: workload DIR SECONDS\n");
		return 2;
	}
	o.dir = argv[1];
	o.seconds = atof(argv[2]);
	err = fl_workload_run(&o, &st);
	if (err) {
		fprintf(stderr, "workload: %s\n", strerror(-err));
		return 1;
	}
	printf("workload: mmap_reads=%llu punches=%llu truncates=%llu errors=%llu\n",
	       (unsigned long long)st.mmap_reads, (unsigned long long)st.punches,
	       (unsigned long long)st.truncates, (unsigned long long)st.errors);
	return 0;
}
