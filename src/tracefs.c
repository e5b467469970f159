// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "tracefs.h"
#include "util.h"

#define TRACEFS_MAGIC_	0x74726163
#define TRACEFS_PATH	"/sys/kernel/tracing"
#define DEBUGFS_TRACING	"/sys/kernel/debug/tracing"

static const char *root;

static bool is_tracefs(const char *path)
{
	struct statfs st;

	return !statfs(path, &st) && st.f_type == TRACEFS_MAGIC_;
}

const char *fl_tracefs_root(void)
{
	if (root)
		return root;
	if (is_tracefs(TRACEFS_PATH))
		root = TRACEFS_PATH;
	else if (is_tracefs(DEBUGFS_TRACING))
		root = DEBUGFS_TRACING;
	return root;
}

int fl_tracefs_ensure(void)
{
	if (fl_tracefs_root())
		return 0;
	if (mount("nodev", TRACEFS_PATH, "tracefs", 0, NULL)) {
		int err = -errno;

		fl_err("tracefs is not mounted and mounting it at %s failed: %s",
		       TRACEFS_PATH, strerror(errno));
		return err;
	}
	/*
	 * Left mounted on exit: unmounting under another tracer (or a second
	 * faultline) would pull tracefs from under it, and a mounted tracefs
	 * changes nothing else.
	 */
	fl_info("mounted tracefs at %s (it was not mounted; it stays mounted)", TRACEFS_PATH);
	root = TRACEFS_PATH;
	return 0;
}

bool fl_tracefs_has_event(const char *cat_name)
{
	char path[PATH_MAX];

	if (!fl_tracefs_root())
		return false;
	snprintf(path, sizeof(path), "%s/events/%s", root, cat_name);
	return access(path, F_OK) == 0;
}
