// SPDX-License-Identifier: GPL-2.0
/*
 * Two names are the same file when they stat to the same (st_dev, st_ino),
 * or, for outputs not created yet, when their directories resolve to the
 * same place and their last components match.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "outputs.h"
#include "util.h"

struct ident {
	bool exists;
	dev_t dev;
	ino_t ino;
	char path[PATH_MAX + NAME_MAX + 2];	/* outputs: resolved directory + name */
};

/* An output's directory must take a new file (reports are written beside it, then renamed). */
static int resolve_output(const struct fl_file_arg *f, struct ident *id)
{
	char dir[PATH_MAX], real[PATH_MAX];
	const char *base;
	char *slash;

	if (snprintf(dir, sizeof(dir), "%s", f->path) >= (int)sizeof(dir)) {
		fl_err("%s %s: name too long", f->opt, f->path);
		return -1;
	}
	slash = strrchr(dir, '/');
	if (!slash) {
		base = f->path;
		snprintf(dir, sizeof(dir), ".");
	} else {
		base = f->path + (slash - dir) + 1;
		slash[slash == dir] = 0;	/* "/x" keeps "/" */
	}
	if (!*base || !strcmp(base, ".") || !strcmp(base, "..")) {
		fl_err("%s %s: names a directory, not a file", f->opt, f->path);
		return -1;
	}
	if (!realpath(dir, real)) {
		fl_err("%s %s: directory %s: %s", f->opt, f->path, dir, strerror(errno));
		return -1;
	}
	if (access(real, W_OK | X_OK)) {
		fl_err("%s %s: cannot create files in %s: %s", f->opt, f->path, real,
		       strerror(errno));
		return -1;
	}
	snprintf(id->path, sizeof(id->path), "%s/%s", strcmp(real, "/") ? real : "", base);
	return 0;
}

static int identify(const struct fl_file_arg *f, struct ident *id)
{
	struct stat st;

	if (!stat(f->path, &st)) {
		id->exists = true;
		id->dev = st.st_dev;
		id->ino = st.st_ino;
		/* a device or FIFO would be replaced by a regular file, not written */
		if (f->output && !S_ISREG(st.st_mode)) {
			fl_err("%s %s: exists and is not a regular file", f->opt, f->path);
			return -1;
		}
	} else if (errno != ENOENT) {
		fl_err("%s %s: %s", f->opt, f->path, strerror(errno));
		return -1;
	}
	return f->output ? resolve_output(f, id) : 0;
}

static bool same_file(const struct ident *a, const struct ident *b)
{
	if (a->exists && b->exists)
		return a->dev == b->dev && a->ino == b->ino;
	return a->path[0] && !strcmp(a->path, b->path);
}

int fl_files_check(const struct fl_file_arg *files, int n)
{
	struct ident *ids = fl_xcalloc(n, sizeof(*ids));
	int ret = -1;

	for (int i = 0; i < n; i++)
		if (files[i].path && identify(&files[i], &ids[i]))
			goto out;
	for (int i = 0; i < n; i++) {
		for (int j = i + 1; j < n; j++) {
			const struct fl_file_arg *a = &files[i], *b = &files[j];

			if (!a->path || !b->path || (!a->output && !b->output))
				continue;
			if (!same_file(&ids[i], &ids[j]))
				continue;
			fl_err("%s %s: the same file as %s %s: refusing to write over it",
			       b->opt, b->path, a->opt, a->path);
			goto out;
		}
	}
	ret = 0;
out:
	free(ids);
	return ret;
}
