// SPDX-License-Identifier: GPL-2.0
/*
 * The documented lock hierarchy, as data.  Each row is one "outer ->
 * inner" step the kernel's own comments state; an observed acquisition
 * that goes the other way (directly or through a chain of rows) inverts
 * it.  Only orders between the classes faultline tracks are listed, and
 * only where the sources agree: the folio lock against mmap_lock (filemap.c
 * "mmap_lock -> lock_page", xfs_inode.c "page lock -> mmap_lock") and
 * against a jbd2 handle (ext4's buffer_head and iomap paths differ) are
 * left out.
 */
#include <stddef.h>

#include "lockorder.h"
#include "util.h"

#define XFS_MAGIC	0x58465342u
#define EXT4_MAGIC	0xEF53u

struct fl_lo_rule {
	unsigned int outer, inner;	/* enum fl_lock_kind */
	uint32_t magic;			/* 0: every filesystem */
	const char *source;
};

static const struct fl_lo_rule hierarchy[] = {
	/* mm/filemap.c, "Lock ordering:" */
	{ FL_LK_I_RWSEM, FL_LK_INVAL, 0,
	  "mm/filemap.c: i_rwsem -> invalidate_lock (acquired by fs in truncate path)" },
	{ FL_LK_INVAL, FL_LK_I_MMAP, 0,
	  "mm/filemap.c: invalidate_lock -> i_mmap_rwsem (truncate->unmap_mapping_range)" },
	{ FL_LK_MMAP, FL_LK_I_MMAP, 0, "mm/filemap.c: mmap_lock -> i_mmap_rwsem" },
	{ FL_LK_MMAP, FL_LK_INVAL, 0, "mm/filemap.c: mmap_lock -> invalidate_lock (filemap_fault)" },
	{ FL_LK_INVAL, FL_LK_FOLIO, 0,
	  "mm/filemap.c: invalidate_lock -> lock_page (filemap_fault)" },
	{ FL_LK_I_RWSEM, FL_LK_MMAP, 0,
	  "mm/filemap.c: i_rwsem -> mmap_lock (fault_in_readable->do_page_fault)" },
	/* fs/xfs/xfs_inode.c, xfs_ilock(): "Basic locking order" */
	{ FL_LK_INVAL, FL_LK_XFS_ILOCK, XFS_MAGIC,
	  "fs/xfs/xfs_inode.c: i_rwsem -> invalidate_lock -> page_lock -> i_ilock" },
	{ FL_LK_FOLIO, FL_LK_XFS_ILOCK, XFS_MAGIC,
	  "fs/xfs/xfs_inode.c: i_rwsem -> invalidate_lock -> page_lock -> i_ilock" },
	/* fs/ext4/super.c, "Lock ordering" */
	{ FL_LK_INVAL, FL_LK_JBD2, EXT4_MAGIC,
	  "fs/ext4/super.c: invalidate_lock -> transaction start (page fault, truncate)" },
	{ FL_LK_I_RWSEM, FL_LK_JBD2, EXT4_MAGIC,
	  "fs/ext4/super.c: i_rwsem -> transaction start (buffered write, direct IO)" },
};

/* Is there a documented path from @from to @to (depth-first, bounded)? */
static const char *reaches(unsigned int from, unsigned int to, uint32_t magic, int depth)
{
	if (depth > FL_LK_MAX)
		return NULL;
	for (size_t i = 0; i < ARRAY_SIZE(hierarchy); i++) {
		const struct fl_lo_rule *r = &hierarchy[i];
		const char *via;

		if (r->outer != from || (r->magic && r->magic != magic))
			continue;
		if (r->inner == to)
			return r->source;
		via = reaches(r->inner, to, magic, depth + 1);
		if (via)
			return r->source;
	}
	return NULL;
}

const char *fl_lo_documented_before(unsigned int b, unsigned int a, uint32_t magic)
{
	if (a == b)
		return NULL;
	return reaches(b, a, magic, 0);
}
