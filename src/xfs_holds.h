/* SPDX-License-Identifier: GPL-2.0 */
/*
 * xfs inode locks as the xfs_ilock/iunlock/ilock_demote tracepoints show
 * them: per task and inode, the IOLOCK (inode->i_rwsem) and MMAPLOCK
 * (mapping->invalidate_lock) it holds.  Lock evidence for imported traces,
 * where no lock word can be read.
 */
#ifndef FL_XFS_HOLDS_H
#define FL_XFS_HOLDS_H

#include <stdint.h>

#include "faultline/events.h"

/* xfs_inode.h lock flags, as the xfs_ilock tracepoint prints them */
#define FL_XFS_IOLOCK_EXCL	(1u << 0)
#define FL_XFS_IOLOCK_SHARED	(1u << 1)
#define FL_XFS_MMAPLOCK_EXCL	(1u << 4)
#define FL_XFS_MMAPLOCK_SHARED	(1u << 5)

#define FL_XFS_MAX_HOLDS	4096	/* (task, inode) pairs holding a lock at once */

enum fl_xfs_lock_op {
	FL_XFS_LOCK,		/* xfs_ilock, xfs_ilock_nowait */
	FL_XFS_UNLOCK,		/* xfs_iunlock */
	FL_XFS_DEMOTE,		/* xfs_ilock_demote: exclusive becomes shared */
};

struct fl_xfs_hold {
	uint32_t pid;
	uint32_t dev;
	uint64_t ino;
	uint16_t io_excl, io_shared, mm_excl, mm_shared;
};

struct fl_xfs_holds {
	struct fl_xfs_hold h[FL_XFS_MAX_HOLDS];
	int n;
	uint64_t records;	/* lock records seen */
	uint64_t overflow;	/* holds not tracked: table full */
};

void fl_xfs_holds_record(struct fl_xfs_holds *hs, enum fl_xfs_lock_op op, uint32_t pid,
			 uint32_t dev, uint64_t ino, uint32_t flags);
/*
 * Fills ev->inval_lock / ev->i_rwsem (and inval_owner) of an xfs event of
 * task ev->pid on ev->inode from the holds.  Held by the task: EXCL_ME or
 * SHARED_ME.  Not held: FL_LOCK_NA (unknown: the generic fault and
 * readahead paths take invalidate_lock without xfs_ilock), except for
 * FL_EV_MAP_PAGES, where not holding MMAPLOCK is proven (->map_pages runs
 * from the fault handler before any generic lock; the xfs versions that
 * locked it did so with xfs_ilock): FREE, or EXCL_OTHER / READERS_NOT_ME
 * when another task holds it as traced.
 */
void fl_xfs_holds_states(const struct fl_xfs_holds *hs, struct fl_event *ev);

#endif
