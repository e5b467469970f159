// SPDX-License-Identifier: GPL-2.0
/*
 * linestamp: copy stdin to stdout, each line prefixed with the
 * CLOCK_MONOTONIC time (ns) at which this reader got it, and a tab.
 *
 * The soak (tests/bench/soak.sh) reads `faultline watch --events -`
 * through a FIFO with it: a violation's NDJSON line carries ts_ns, the
 * CLOCK_MONOTONIC time of the BPF event that proved it
 * (bpf_ktime_get_ns), so stamp - ts_ns is the event-to-line latency as a
 * consumer of the stream sees it.  Lines that arrive in one read get the
 * time of that read: never earlier than their arrival.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

int main(void)
{
	char *line = NULL;
	size_t cap = 0;
	struct timespec ts;

	while (getline(&line, &cap, stdin) > 0) {
		clock_gettime(CLOCK_MONOTONIC, &ts);
		printf("%llu\t%s", (unsigned long long)ts.tv_sec * 1000000000ull + ts.tv_nsec,
		       line);
		fflush(stdout);
	}
	free(line);
	return 0;
}
