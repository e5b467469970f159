/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The files a command reads and writes, checked before any work starts:
 * an output must never replace an input or another output, and one that
 * cannot be written must fail the command now, not after the whole run.
 */
#ifndef FL_OUTPUTS_H
#define FL_OUTPUTS_H

#include <stdbool.h>

struct fl_file_arg {
	const char *opt;	/* how the user named it: "--json", "-o", "input" */
	const char *path;	/* NULL: not given */
	bool output;
};

/* 0, or -1 after a one-line error. */
int fl_files_check(const struct fl_file_arg *files, int n);

#endif
