// SPDX-License-Identifier: GPL-2.0
/*
 * The ring-buffer statistics a trace.dat carries (trace-cmd stores each
 * CPU's tracefs per_cpu/cpuN/stats at the end of the recording, as
 * TRACECMD_OPTION_CPUSTAT; `trace-cmd report --stat` prints them): what the
 * kernel dropped or overwrote and what it still held unread.  Those events
 * are in no record of the file, so only these statistics can say that the
 * file is incomplete.  Plain text, parsed here without libtracecmd (the
 * unit tests feed it directly):
 *
 *   CPU: 0
 *   entries: 0
 *   overrun: 0
 *   commit overrun: 0
 *   bytes: 0
 *   ...
 *   dropped events: 178162
 *   read events: 363
 *
 * with "Buffer: NAME" lines before the CPUs of each buffer instance
 * (trace-cmd record -B, extract -B); the top buffer's come first.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "import_tracedat.h"

static bool field(const char *line, const char *name, uint64_t *v)
{
	size_t n = strlen(name);
	char *end;

	if (strncmp(line, name, n))
		return false;
	*v = strtoull(line + n, &end, 10);
	return end != line + n;
}

int fl_tracedat_cpustats(const char *stats, bool (*buffer_read)(void *ctx, const char *name),
			 void *ctx, uint64_t *lost, int ncpus, struct fl_tracedat_losses *sum)
{
	bool counted = true;	/* the top buffer is always read */
	int cpu = -1, cpus_seen = 0;
	const char *l = stats;

	memset(sum, 0, sizeof(*sum));
	while (l && *l) {
		const char *nl = strchr(l, '\n');
		size_t len = nl ? (size_t)(nl - l) : strlen(l);
		char line[256];
		uint64_t v;

		snprintf(line, sizeof(line), "%.*s", (int)(len < sizeof(line) ? len : sizeof(line) - 1), l);
		l = nl ? nl + 1 : NULL;
		if (!strncmp(line, "Buffer: ", 8)) {
			counted = buffer_read && buffer_read(ctx, line + 8);
			cpu = -1;
			continue;
		}
		if (field(line, "CPU: ", &v)) {
			cpu = v < (uint64_t)ncpus ? (int)v : -1;
			cpus_seen += counted && cpu >= 0;
			continue;
		}
		if (!counted || cpu < 0)
			continue;
		/* "commit overrun" before "overrun": neither is a prefix of the other */
		if (field(line, "commit overrun: ", &v))
			sum->commit_overrun += v;
		else if (field(line, "overrun: ", &v))
			sum->overrun += v;
		else if (field(line, "dropped events: ", &v))
			sum->dropped += v;
		else if (field(line, "entries: ", &v))
			sum->unread += v;
		else
			continue;
		lost[cpu] += v;
	}
	return cpus_seen;
}
