/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Scratch filesystems for the demo, the tests and the benchmark: loop-mounted
 * images, a tmpfs, a zonefs on a zoned null_blk device made for it, and a
 * FUSE filesystem (fuse2fs over an ext4 image), under a fresh temporary
 * directory, never anything that was mounted before.  Everything is undone
 * by fl_scratch_destroy, which is safe to call more than once and after a
 * partial create.
 */
#ifndef FL_SCRATCH_H
#define FL_SCRATCH_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "faultline/events.h"

/* one slot per scratch filesystem: every known type at once fits */
#define FL_SCRATCH_MAX FL_MAX_DEVS

struct fl_scratch_fs {
	char fstype[16];
	char img[PATH_MAX];
	char mnt[PATH_MAX];
	bool mounted;
	uint32_t kdev;
	pid_t daemon;		/* fuse: the fuse2fs process serving the mount, or 0 */
	char nullb[PATH_MAX];	/* zonefs: the null_blk configfs directory made, or "" */
};

struct fl_scratch {
	char dir[PATH_MAX / 2];
	struct fl_scratch_fs fs[FL_SCRATCH_MAX];
	int n;
};

/* The types fl_scratch_create knows, in the demo's order of preference. */
extern const char *const fl_scratch_types[];
extern const unsigned int fl_scratch_ntypes;

/*
 * Can a scratch @fstype be made on this machine?  True, or false with
 * @why saying what is missing (the kernel's filesystem or a device it
 * needs, or a program).  May load a module (modprobe) or mount configfs
 * to find out, as mount(8) would.
 */
bool fl_scratch_available(const char *fstype, char *why, size_t len);

/* fstypes from fl_scratch_types.  0, or -errno with the reason printed. */
int fl_scratch_create(struct fl_scratch *s, const char *const *fstypes, int n);
void fl_scratch_destroy(struct fl_scratch *s);

/* scratch_zoned.c: a zoned null_blk device (configfs) with a zonefs on it. */
bool fl_zoned_available(char *why, size_t len);
int fl_zoned_create(struct fl_scratch_fs *fs, const char *name);
void fl_zoned_destroy(struct fl_scratch_fs *fs);

#endif
