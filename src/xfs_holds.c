// SPDX-License-Identifier: GPL-2.0
#include <stdbool.h>
#include <stddef.h>

#include "xfs_holds.h"

static int hold_find(const struct fl_xfs_holds *hs, uint32_t pid, uint32_t dev, uint64_t ino)
{
	for (int i = 0; i < hs->n; i++)
		if (hs->h[i].pid == pid && hs->h[i].dev == dev && hs->h[i].ino == ino)
			return i;
	return -1;
}

static void dec(uint16_t *c)
{
	if (*c)
		(*c)--;
}

/*
 * xfs_ilock_nowait traces the attempt, not the success: a failed attempt
 * leaves a hold that no unlock drops.  That errs towards "held", which
 * can only hide a violation, never invent one.  An unlock without a traced
 * lock (taken before the recording began) is ignored.
 */
void fl_xfs_holds_record(struct fl_xfs_holds *hs, enum fl_xfs_lock_op op, uint32_t pid,
			 uint32_t dev, uint64_t ino, uint32_t fl)
{
	int i = hold_find(hs, pid, dev, ino);
	struct fl_xfs_hold *h;

	hs->records++;
	if (i < 0) {
		if (op != FL_XFS_LOCK)
			return;
		if (hs->n == FL_XFS_MAX_HOLDS) {
			hs->overflow++;
			return;
		}
		i = hs->n++;
		hs->h[i] = (struct fl_xfs_hold){ .pid = pid, .dev = dev, .ino = ino };
	}
	h = &hs->h[i];
	switch (op) {
	case FL_XFS_LOCK:
		h->io_excl += !!(fl & FL_XFS_IOLOCK_EXCL);
		h->io_shared += !!(fl & FL_XFS_IOLOCK_SHARED);
		h->mm_excl += !!(fl & FL_XFS_MMAPLOCK_EXCL);
		h->mm_shared += !!(fl & FL_XFS_MMAPLOCK_SHARED);
		break;
	case FL_XFS_UNLOCK:
		if (fl & FL_XFS_IOLOCK_EXCL)
			dec(&h->io_excl);
		if (fl & FL_XFS_IOLOCK_SHARED)
			dec(&h->io_shared);
		if (fl & FL_XFS_MMAPLOCK_EXCL)
			dec(&h->mm_excl);
		if (fl & FL_XFS_MMAPLOCK_SHARED)
			dec(&h->mm_shared);
		break;
	case FL_XFS_DEMOTE:
		if ((fl & FL_XFS_IOLOCK_EXCL) && h->io_excl) {
			h->io_excl--;
			h->io_shared++;
		}
		if ((fl & FL_XFS_MMAPLOCK_EXCL) && h->mm_excl) {
			h->mm_excl--;
			h->mm_shared++;
		}
		break;
	}
	if (!h->io_excl && !h->io_shared && !h->mm_excl && !h->mm_shared)
		*h = hs->h[--hs->n];
}

void fl_xfs_holds_states(const struct fl_xfs_holds *hs, struct fl_event *ev)
{
	int i = hold_find(hs, ev->pid, ev->inode.dev, ev->inode.ino);
	const struct fl_xfs_hold *me = i >= 0 ? &hs->h[i] : NULL;

	if (me && me->mm_excl)
		ev->inval_lock = FL_LOCK_EXCL_ME;
	else if (me && me->mm_shared)
		ev->inval_lock = FL_LOCK_SHARED_ME;
	else if (ev->type == FL_EV_MAP_PAGES) {
		ev->inval_lock = FL_LOCK_FREE;	/* as far as xfs_ilock shows */
		for (int j = 0; j < hs->n; j++) {
			const struct fl_xfs_hold *h = &hs->h[j];

			if (h->pid == ev->pid || h->dev != ev->inode.dev || h->ino != ev->inode.ino)
				continue;
			if (h->mm_excl) {
				ev->inval_lock = FL_LOCK_EXCL_OTHER;
				ev->inval_owner = h->pid;
				break;
			}
			if (h->mm_shared)
				ev->inval_lock = FL_LOCK_READERS_NOT_ME;
		}
	}
	if (me && me->io_excl)
		ev->i_rwsem = FL_LOCK_EXCL_ME;
	else if (me && me->io_shared)
		ev->i_rwsem = FL_LOCK_SHARED_ME;
}
