/* SPDX-License-Identifier: GPL-2.0 */
/* From (dev, ino, generation) back to a path, while the file still exists. */
#ifndef FL_PATHRES_H
#define FL_PATHRES_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

/* A line of /proc/self/mountinfo. */
struct fl_mount {
	int id;
	uint32_t kdev;		/* the superblock's s_dev (kernel encoding): BPF's dev */
	char root[PATH_MAX];	/* what of the filesystem is mounted ("/" all of it) */
	char mnt[PATH_MAX];	/* mount point */
	char fstype[64];
	char source[PATH_MAX];
	char opts[PATH_MAX];	/* super options */
};

/* Mount point and fs type of a kernel dev_t; 0 or -ENOENT. */
int fl_dev_mount(uint32_t kdev, char *mnt, size_t mntlen, char *fstype, size_t fslen);
/*
 * The mounted filesystem whose s_dev is @dev, else the one mounted from
 * the block device @dev (btrfs: an anonymous s_dev); 0 or -ENOENT.
 */
int fl_dev_find(uint32_t dev, struct fl_mount *m);
/*
 * The mount that holds @path, by its mount id; 0 or -errno: -ENOENT when
 * that mount is not in this namespace's mountinfo, -ENOTSUP without
 * mount ids (kernels before 3.15).
 */
int fl_path_mount(const char *path, struct fl_mount *m);
/* An overlay's layer directories (upper, then lower); count or -E2BIG. */
int fl_overlay_layers(const struct fl_mount *m, char dirs[][PATH_MAX], int max);
/*
 * malloc'd path, or NULL when it cannot be found.  Looks first at the files
 * that process @tgid has open or mapped (it just touched the inode), then
 * asks the filesystem through a file handle.
 */
char *fl_inode_path(uint32_t kdev, uint64_t ino, uint32_t gen, uint32_t tgid);

#endif
