/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The bug zoo's page-cache filler (zoo_fill.c), driven by an ioctl on
 * /proc/fs/zoofs/fill.  Shared with zootrigger.c, so user-space types only.
 */
#ifndef ZOO_FILL_H
#define ZOO_FILL_H

#include <linux/ioctl.h>
#include <linux/types.h>

/* The bug: fill without invalidate_lock.  Without it: the healthy twin. */
#define ZOO_FILL_UNLOCKED	(1U << 0)

struct zoo_fill_req {
	__s32 fd;		/* in: the file (any filesystem with ->read_folio) */
	__u32 flags;		/* in: ZOO_FILL_* */
	__u64 start;		/* in: byte range, page-aligned */
	__u64 len;
	__u32 passes;		/* in: passes over the range (1..1024) */
	__u32 pad;
	__u64 folios;		/* out: read_cache_folio calls that returned a folio */
	__u64 missing;		/* out: ... for an index not cached just before */
	__u64 free;		/* out: ... and invalidate_lock and i_rwsem both
				 * unlocked just before (rwsem_is_locked) */
};

#define ZOO_IOC_FILL	_IOWR('z', 0x20, struct zoo_fill_req)

#endif
