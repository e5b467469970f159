/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Scratch filesystems for the demo, the tests and the benchmark: loop-mounted
 * images (and tmpfs) under a fresh temporary directory, never anything that
 * was mounted before.  Everything is undone by fl_scratch_destroy, which is
 * safe to call more than once and after a partial create.
 */
#ifndef FL_SCRATCH_H
#define FL_SCRATCH_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

#define FL_SCRATCH_MAX 4

struct fl_scratch_fs {
	char fstype[16];
	char img[PATH_MAX];
	char mnt[PATH_MAX];
	bool mounted;
	uint32_t kdev;
};

struct fl_scratch {
	char dir[PATH_MAX / 2];
	struct fl_scratch_fs fs[FL_SCRATCH_MAX];
	int n;
};

/* fstypes: "ext4", "xfs", "tmpfs".  0, or -errno with the reason printed. */
int fl_scratch_create(struct fl_scratch *s, const char *const *fstypes, int n);
void fl_scratch_destroy(struct fl_scratch *s);

#endif
