/* SPDX-License-Identifier: GPL-2.0 */
/* From (dev, ino, generation) back to a path, while the file still exists. */
#ifndef FL_PATHRES_H
#define FL_PATHRES_H

#include <stddef.h>
#include <stdint.h>

/* Mount point and fs type of a kernel dev_t; 0 or -ENOENT. */
int fl_dev_mount(uint32_t kdev, char *mnt, size_t mntlen, char *fstype, size_t fslen);
/*
 * malloc'd path, or NULL when it cannot be found.  Looks first at the files
 * that process @tgid has open or mapped (it just touched the inode), then
 * asks the filesystem through a file handle.
 */
char *fl_inode_path(uint32_t kdev, uint64_t ino, uint32_t gen, uint32_t tgid);

#endif
