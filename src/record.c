// SPDX-License-Identifier: GPL-2.0
/* `faultline record`: a live session whose every event also goes to a dump. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "dump.h"
#include "outputs.h"
#include "util.h"

#define FL_RECORD_RING_MIB	64U

static const char record_usage[] =
"usage: faultline record -o FILE [--max-size SIZE] [--json FILE]\n"
"                        [--dev DEV|--path DIR]... [--pid PID]... [--duration SECS]\n"
"                        [--ring-size MIB] [--attach MODE] [--locks word|precise] [--lock-order]\n"
"                        [--assume-protocol FS:RULE] [--self-cost] [-v]\n"
"                        [-- CMD ARGS...]\n"
"\n"
"Trace like `faultline check` (same filters and options), but send every\n"
"event to user space and write it to a dump FILE (mode 0600) for\n"
"`faultline report`, here or on another machine.  The live report of the\n"
"same run is printed as by check.\n"
"\n"
"  -o, --output FILE  the dump (replaced if it exists, unless it is also\n"
"                     another of this run's files)\n"
"  --max-size SIZE    stop recording when the dump reaches SIZE bytes (K, M, G\n"
"                     suffixes); the dump is then marked as cut, tracing\n"
"                     stops and CMD is stopped like at --duration\n"
"  --json FILE        also write the live report of this run as JSON\n"
"  --ring-size MIB    as for check, but 64 by default: every event is sent\n"
"\n"
"See `faultline check --help` for the other options.  Exit status as check;\n"
"2 also when the dump could not be written whole.\n";

static int parse_size(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;

	unsigned int shift = 0;

	/* strtoull takes "-1" (and blanks) without complaint */
	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s)
		return -EINVAL;
	switch (*end) {
	case 'k': case 'K': shift = 10; end++; break;
	case 'm': case 'M': shift = 20; end++; break;
	case 'g': case 'G': shift = 30; end++; break;
	default: break;
	}
	if (*end || !v || v > (UINT64_MAX >> shift))
		return -EINVAL;
	v <<= shift;
	*out = v;
	return 0;
}

int fl_cmd_record(int argc, char **argv)
{
	static const struct option opts[] = {
		FL_CLI_TRACE_OPTIONS,
		{ "output", required_argument, NULL, 'o' },
		{ "max-size", required_argument, NULL, 'M' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct fl_live_opts o = { .mode = "record" };
	const char *out = NULL;
	uint64_t max_size = 0;
	int c;

	while ((c = getopt_long(argc, argv, "+" FL_CLI_TRACE_SHORT "o:M:h", opts, NULL)) != -1) {
		switch (c) {
		case 'o':
			out = optarg;
			break;
		case 'M':
			if (parse_size(optarg, &max_size)) {
				fl_err("--max-size %s: not a size (bytes, or with K, M, G)", optarg);
				return FL_EXIT_ENV;
			}
			break;
		case 'h':
			fputs(record_usage, stdout);
			return FL_EXIT_CLEAN;
		default:
			if (fl_cli_trace(c, optarg, &o) <= 0)
				return fl_cli_usage_error(c, record_usage);
		}
	}
	if (!out) {
		fl_err("record: -o FILE is required");
		fputs(record_usage, stderr);
		return FL_EXIT_ENV;
	}
	/* before the dump is created: -o truncates an existing file */
	if (fl_files_check((struct fl_file_arg[]){ { "-o", out, true },
						   { "--json", o.json_path, true } }, 2))
		return FL_EXIT_ENV;
	if (optind < argc)
		o.cmd = argv + optind;
	/* every event is sent, not only candidates: a ring buffer to match */
	if (!o.ring_bytes)
		o.ring_bytes = FL_RECORD_RING_MIB << 20;
	o.record = fl_dump_create(out, max_size);
	if (!o.record)
		return FL_EXIT_ENV;
	return fl_live_run(&o);
}
