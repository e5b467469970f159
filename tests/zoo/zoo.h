/* SPDX-License-Identifier: GPL-2.0 */
/*
 * faultline bug zoo: what zoo.c (zoofs, classes 000 001 003 004 004t 002w),
 * zoo_iomap.c (class 002, stale extent maps) and the ioctl classes
 * (zoo_lockorder.c, zoo_rdins.c) share.
 */
#ifndef ZOO_H
#define ZOO_H

#include <linux/fs.h>
#include <linux/list.h>
#include <linux/pagemap.h>
#include <linux/version.h>
#include <linux/xarray.h>

enum zoo_bug {
	ZOO_BUG_000,
	ZOO_BUG_001,
	ZOO_BUG_002,
	ZOO_BUG_003,
	ZOO_BUG_004,
	ZOO_BUG_004T,
	ZOO_BUG_LO,
	ZOO_BUG_002W,
	ZOO_BUG_RDINS,
	ZOO_BUG_MAX
};

/*
 * What ran, and what the lock words looked like at the critical moment
 * ("_free": rwsem_is_locked() said nobody held the lock).  In a healthy
 * mount every *_nolock, *_free and *_used counter stays 0.
 */
enum zoo_stat {
	ZS_FAULT,		/* ->fault calls */
	ZS_FAULT_NEW,		/* ->fault instantiated the folio */
	ZS_FAULT_NEW_NOLOCK,	/*   ... without taking invalidate_lock (001) */
	ZS_FAULT_NEW_FREE,	/*   ... invalidate_lock and i_rwsem both free */
	ZS_MAP_PAGES,		/* ->map_pages calls */
	ZS_MKWRITE,		/* ->page_mkwrite calls */
	ZS_MKWRITE_TRUNC,	/* neighbour truncated holding invalidate_lock shared (000) */
	ZS_MKWRITE_DROPPED,	/*   folios those truncations removed */
	ZS_WRITE,		/* ->write_iter calls */
	ZS_WRITE_NOLOCK,	/*   ... without i_rwsem (003) */
	ZS_WRITE_NEW,		/* folios instantiated by write_begin */
	ZS_WRITE_NEW_FREE,	/*   ... with i_rwsem free (003) */
	ZS_PUNCH,		/* fallocate punch / zero-range */
	ZS_PUNCH_NOLOCK,	/*   ... without invalidate_lock (004) */
	ZS_PUNCH_FREE,		/*   ... invalidate_lock free when truncating */
	ZS_PUNCH_DROPPED,	/*   folios those punches removed */
	ZS_TRUNC,		/* setattr shrinking i_size */
	ZS_TRUNC_NOLOCK,	/*   ... without invalidate_lock (004t) */
	ZS_TRUNC_FREE,		/*   ... invalidate_lock free when truncating */
	ZS_IOMAP_WRITE,		/* buffered writes through iomap (iomap files) */
	ZS_WRITEBACK,		/* folios written back to the fake disk */
	ZS_EXTENT_CHANGES,	/* extent changes: allocations, punches, truncations */
	ZS_MAP_STALE,		/* ->iomap_valid found the write's map stale */
	ZS_MAP_STALE_USED,	/*   ... and the write used it all the same (002) */
	ZS_PUNCH_NOIRW,		/* punch / zero-range without i_rwsem (002w) */
	ZS_RDINS_HOLD,		/* readers' holds of invalidate_lock (rdins) */
	ZS_RDINS_NEW,		/* folios the rdins inserter instantiated */
	ZS_RDINS_NEW_NOLOCK,	/*   ... without invalidate_lock (rdins) */
	ZS_RDINS_NEW_SHARED,	/*   ... while other tasks held it shared */
	ZS_MAX
};

struct zoo_sb {
	unsigned long bugs;		/* ZOO_BUG_* bits; READ_ONCE: remount changes it */
	bool iomap;			/* regular files are iomap files (class 002) */
	bool nocookie;			/* ... whose maps carry no validity cookie */
	struct xarray disks;		/* nocookie: i_ino -> struct zoo_disk */
	dev_t dev;
	struct list_head link;		/* zoo_mounts */
	atomic_long_t stat[ZS_MAX];
};

static inline struct zoo_sb *ZOO_SB(struct super_block *sb)
{
	return sb->s_fs_info;
}

static inline bool zoo_bug(struct inode *inode, enum zoo_bug bug)
{
	return READ_ONCE(ZOO_SB(inode->i_sb)->bugs) & (1UL << bug);
}

static inline void zoo_count(struct inode *inode, enum zoo_stat s, long n)
{
	atomic_long_add(n, &ZOO_SB(inode->i_sb)->stat[s]);
}

/* zoo.c */
int zoo_read_folio(struct file *file, struct folio *folio);
/* Zero-fill (or read from the fake disk) a new folio and mark it uptodate. */
void zoo_fill(struct folio *folio);

/*
 * zoo_iomap.c: files whose data lives on a fake disk (an xarray of pages)
 * and whose buffered writes go through iomap with a validity cookie.
 */
extern const struct address_space_operations zoo_iomap_aops;
int zoo_iomap_init(struct inode *inode);
void zoo_iomap_evict(struct inode *inode);
bool zoo_iomap_file(struct inode *inode);
ssize_t zoo_iomap_write_iter(struct kiocb *iocb, struct iov_iter *from);
/* Copy a folio's data from the disk; false if the disk has none there. */
bool zoo_disk_fill(struct folio *folio);
/* Drop [start, end) from the disk (after the page cache): an extent change. */
void zoo_disk_punch(struct inode *inode, loff_t start, loff_t end);

/* zoo_fill.c: /proc/fs/zoofs/fill, a page-cache filler for other filesystems */
int zoo_fill_init(void);

#endif
