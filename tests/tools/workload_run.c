// SPDX-License-Identifier: GPL-2.0
/*
 * workload_run DIR SECONDS [stale]: the demo's workload (src/workload.c) on
 * DIR without faultline's BPF, for recording it with another tracer;
 * "stale" as demo's --stale-maps (xfs finds write maps stale).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "workload.h"

int main(int argc, char **argv)
{
	struct fl_workload_opts o = { 0 };
	struct fl_workload_stats st = { 0 };
	int rc;

	if (argc < 3 || argc > 4 || (o.seconds = atof(argv[2])) <= 0 ||
	    (argc == 4 && strcmp(argv[3], "stale"))) {
		fprintf(stderr, "usage: workload_run DIR SECONDS [stale]\n");
		return 2;
	}
	o.dir = argv[1];
	o.stale_maps = argc == 4;
	rc = fl_workload_run(&o, &st);
	printf("workload: mmap_reads=%llu mmap_writes=%llu punches=%llu zeroes=%llu "
	       "truncates=%llu errors=%llu rc=%d\n", (unsigned long long)st.mmap_reads,
	       (unsigned long long)st.mmap_writes, (unsigned long long)st.punches,
	       (unsigned long long)st.zeroes, (unsigned long long)st.truncates,
	       (unsigned long long)st.errors, rc);
	return rc ? 1 : 0;
}
