// SPDX-License-Identifier: GPL-2.0
/* `faultline record`: a live session whose every event also goes to a dump. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "dump.h"
#include "outputs.h"
#include "util.h"

#define FL_RECORD_RING_MIB	64U

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

struct record_opts {
	const char *out;
	uint64_t max_size;
};

static int set_max_size(struct fl_cli *c, const char *arg)
{
	if (!parse_size(arg, &((struct record_opts *)c->cmd)->max_size))
		return 0;
	fl_err("--max-size %s: not a size (bytes, or with K, M, G)", arg);
	return -1;
}

static const struct fl_opt record_opts[] = {
	{ "output", 'o', "FILE", "the dump (mode 0600; replaced if it exists, unless it is "
	  "another of this run's files)", FL_CMD(FL_STORE_STR, struct record_opts, out) },
	{ "max-size", 'M', "SIZE", "stop recording at SIZE bytes (K, M, G): the dump is "
	  "marked as cut", .set = set_max_size },
	{ NULL },
};

static const struct fl_cmd_spec record_spec = {
	.name = "record",
	.synopsis = "-o FILE [options] [-- CMD ARGS...]",
	.about =
"Trace as `faultline check` does (same options, same live report), and\n"
"also send every event to user space and write it to a dump FILE for\n"
"`faultline report`, here or on another machine.  The ring buffer is\n"
"64 MiB unless --ring-size says otherwise.  Exit status as check's; 2\n"
"also when the dump could not be written whole.",
	.groups = { record_opts, fl_opts_json, fl_opts_filters, fl_opts_duration, fl_opts_ring,
		    fl_opts_attach, fl_opts_rules },
	.takes_command = true,
};

int fl_cmd_record(int argc, char **argv)
{
	struct record_opts r = { 0 };
	struct fl_cli c = { .live = { .mode = "record" }, .cmd = &r };
	int first, err = fl_cli_parse(&record_spec, argc, argv, &c, &first);

	if (err)
		return err > 0 ? FL_EXIT_CLEAN : FL_EXIT_ENV;
	if (!r.out) {
		fl_err("record: -o FILE is required");
		return fl_cli_usage(&record_spec);
	}
	/* before the dump is created: -o truncates an existing file */
	if (fl_files_check((struct fl_file_arg[]){ { "-o", r.out, true },
						   { "--json", c.live.json_path, true } }, 2))
		return FL_EXIT_ENV;
	if (first < argc)
		c.live.cmd = argv + first;
	/* every event is sent, not only candidates: a ring buffer to match */
	if (!c.live.ring_bytes)
		c.live.ring_bytes = FL_RECORD_RING_MIB << 20;
	c.live.record = fl_dump_create(r.out, r.max_size);
	if (!c.live.record)
		return FL_EXIT_ENV;
	return fl_live_run(&c.live);
}
