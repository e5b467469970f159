// SPDX-License-Identifier: GPL-2.0
/*
 * faultline bug zoo, class 002 (seed 002): a buffered write that keeps
 * using an extent map after a concurrent extent change.
 *
 * On an "iomap" mount (mount -o iomap, or bugs=002) regular files keep
 * their data on a fake disk, an xarray of pages, and have a sequence
 * number that every extent change bumps: writeback "allocating" a block
 * for a folio (xfs converts unwritten extents at I/O completion, without
 * i_rwsem), a punch or a truncation freeing blocks.  Buffered writes go
 * through the kernel's own iomap code (iomap_file_buffered_write) with
 * zoofs iomap_ops: the map a write iterates with carries the sequence as
 * its validity cookie.  iomap asks ->iomap_valid after it has the folio
 * for each step; healthy, a changed sequence makes iomap drop the folio
 * and ask for a new map (IOMAP_F_STALE), as xfs does since 6.2 (6.1.y by
 * backport).  Bug 002 counts the stale map and uses it all the same.
 *
 * zoofs has no block device, so the maps are IOMAP_UNWRITTEN (iomap zeroes
 * what a write does not cover instead of reading blocks) and writes must be
 * page-aligned, whole pages: then neither twin loses data, and the bug's
 * evidence is the folio written under the stale map (map_stale_used here,
 * the stale-map rule in faultline).
 */
#define pr_fmt(fmt) "zoofs: " fmt

#include <linux/highmem.h>
#include <linux/iomap.h>
#include <linux/mm.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/uio.h>
#include <linux/writeback.h>
#include <linux/xarray.h>

#include "zoo.h"

#define ZOO_MAP_MAX	SZ_1M	/* the longest map ->iomap_begin hands out */

/*
 * The sequence comes first: faultline reads it at i_private, as it reads
 * xfs's if_seq, to tell a map that went stale (its stale-map rule).  A
 * "nocookie" mount keeps its disks in the superblock, by inode number (no
 * sequence where faultline looks), and hands out maps without a validity
 * cookie or ->iomap_valid, as gfs2 and zonefs do: faultline then judges
 * its maps by invalidation windows.
 */
struct zoo_disk {
	atomic64_t seq;		/* extent changes: the maps' validity cookie */
	struct xarray pages;	/* index -> struct page: what writeback stored */
};

static bool zoo_nocookie(struct inode *inode)
{
	return ZOO_SB(inode->i_sb)->nocookie;
}

static struct zoo_disk *zoo_disk(struct inode *inode)
{
	if (zoo_nocookie(inode))
		return xa_load(&ZOO_SB(inode->i_sb)->disks, inode->i_ino);
	return inode->i_private;
}

bool zoo_iomap_file(struct inode *inode)
{
	return S_ISREG(inode->i_mode) && zoo_disk(inode);
}

static void zoo_extent_change(struct inode *inode)
{
	atomic64_inc(&zoo_disk(inode)->seq);
	zoo_count(inode, ZS_EXTENT_CHANGES, 1);
}

/* ---- the fake disk ------------------------------------------------------ */

/*
 * Page copies happen under the xarray's lock, so a punch freeing disk
 * pages never races with a copy; folios are order-0 (zoofs does not ask
 * for large folios).
 */
bool zoo_disk_fill(struct folio *folio)
{
	struct inode *inode = folio->mapping->host;
	struct zoo_disk *d;
	struct page *p;

	if (!zoo_iomap_file(inode))
		return false;
	d = zoo_disk(inode);
	xa_lock(&d->pages);
	p = xa_load(&d->pages, folio->index);
	if (p)
		memcpy_to_page(folio_page(folio, 0), 0, page_address(p), PAGE_SIZE);
	xa_unlock(&d->pages);
	return p != NULL;
}

/* Store a folio; *allocated when its block is new (an extent change). */
static int zoo_disk_store(struct inode *inode, struct folio *folio, bool *allocated)
{
	struct zoo_disk *d = zoo_disk(inode);
	struct page *p, *fresh = NULL;
	int err = 0;

	*allocated = false;
	if (!xa_load(&d->pages, folio->index)) {
		fresh = alloc_page(GFP_NOFS);
		if (!fresh)
			return -ENOMEM;
	}
	xa_lock(&d->pages);
	p = xa_load(&d->pages, folio->index);
	if (!p && fresh) {
		p = __xa_store(&d->pages, folio->index, fresh, GFP_NOFS);
		if (xa_is_err(p)) {
			err = xa_err(p);
			p = NULL;
		} else {
			p = fresh;
			fresh = NULL;
			*allocated = true;
		}
	}
	if (p)
		memcpy_from_page(page_address(p), folio_page(folio, 0), 0, PAGE_SIZE);
	else if (!err)
		err = -EAGAIN;	/* punched between the two looks: retried later */
	xa_unlock(&d->pages);
	if (fresh)
		__free_page(fresh);
	return err;
}

void zoo_disk_punch(struct inode *inode, loff_t start, loff_t end)
{
	struct zoo_disk *d;
	unsigned long idx;
	struct page *p;
	bool freed = false;

	if (!zoo_iomap_file(inode) || end <= start)
		return;
	d = zoo_disk(inode);
	xa_lock(&d->pages);
	xa_for_each_range(&d->pages, idx, p, start >> PAGE_SHIFT, (end - 1) >> PAGE_SHIFT) {
		loff_t ps = (loff_t)idx << PAGE_SHIFT;
		size_t from = max(start, ps) - ps;
		size_t to = min_t(loff_t, end - ps, PAGE_SIZE);

		if (from == 0 && to == PAGE_SIZE) {
			__xa_erase(&d->pages, idx);
			__free_page(p);
			freed = true;
		} else {
			memzero_page(p, from, to - from);
		}
	}
	xa_unlock(&d->pages);
	if (freed)
		zoo_extent_change(inode);
}

int zoo_iomap_init(struct inode *inode)
{
	struct zoo_disk *d = kzalloc(sizeof(*d), GFP_KERNEL);

	if (!d)
		return -ENOMEM;
	xa_init(&d->pages);
	atomic64_set(&d->seq, 0);
	if (zoo_nocookie(inode)) {
		int err = xa_err(xa_store(&ZOO_SB(inode->i_sb)->disks, inode->i_ino, d,
					  GFP_KERNEL));

		if (err) {
			kfree(d);
			return err;
		}
	} else {
		inode->i_private = d;
	}
	inode->i_mapping->a_ops = &zoo_iomap_aops;
	return 0;
}

/* After truncate_inode_pages_final(): nothing can reach the disk any more. */
void zoo_iomap_evict(struct inode *inode)
{
	struct zoo_disk *d = zoo_disk(inode);
	unsigned long idx;
	struct page *p;

	if (!zoo_iomap_file(inode))
		return;
	xa_for_each(&d->pages, idx, p)
		__free_page(p);
	xa_destroy(&d->pages);
	kfree(d);
	if (zoo_nocookie(inode))
		xa_erase(&ZOO_SB(inode->i_sb)->disks, inode->i_ino);
	else
		inode->i_private = NULL;
}

/* ---- writeback: copy to the disk; a new block is an extent change ------- */

static int zoo_writeback_folio(struct folio *folio, struct writeback_control *wbc)
{
	struct inode *inode = folio->mapping->host;
	bool allocated;
	int err;

	err = zoo_disk_store(inode, folio, &allocated);
	if (err) {
		folio_redirty_for_writepage(wbc, folio);
		folio_unlock(folio);
		return err == -EAGAIN ? 0 : err;
	}
	folio_start_writeback(folio);
	folio_unlock(folio);
	/* like an unwritten extent converted at I/O completion */
	if (allocated)
		zoo_extent_change(inode);
	zoo_count(inode, ZS_WRITEBACK, 1);
	folio_end_writeback(folio);
	return 0;
}

#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 3, 0)
static int zoo_writepage_cb(struct folio *folio, struct writeback_control *wbc, void *data)
{
	return zoo_writeback_folio(folio, wbc);
}
#else
static int zoo_writepage_cb(struct page *page, struct writeback_control *wbc, void *data)
{
	return zoo_writeback_folio(page_folio(page), wbc);
}
#endif

static int zoo_writepages(struct address_space *mapping, struct writeback_control *wbc)
{
	return write_cache_pages(mapping, wbc, zoo_writepage_cb, NULL);
}

const struct address_space_operations zoo_iomap_aops = {
	.read_folio	= zoo_read_folio,
	.writepages	= zoo_writepages,
	.dirty_folio	= filemap_dirty_folio,
};

/* ---- buffered writes through iomap -------------------------------------- */

static bool zoo_iomap_valid(struct inode *inode, const struct iomap *iomap)
{
	if (iomap->validity_cookie == (u64)atomic64_read(&zoo_disk(inode)->seq))
		return true;
	zoo_count(inode, ZS_MAP_STALE, 1);
	if (!zoo_bug(inode, ZOO_BUG_002))
		return false;	/* iomap drops the folio and asks for a new map */
	zoo_count(inode, ZS_MAP_STALE_USED, 1);
	pr_info_ratelimited("bug 002: %s ino %lu: buffered write goes on with a stale map at %lld\n",
			    inode->i_sb->s_id, inode->i_ino, iomap->offset);
	return true;
}

#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 3, 0)
static const struct iomap_folio_ops zoo_folio_ops = {
	.iomap_valid	= zoo_iomap_valid,
};
#define ZOO_SET_VALIDITY_OPS(iomap)	((iomap)->folio_ops = &zoo_folio_ops)
#else
/* 6.1.y has ->iomap_valid by backport, in the older iomap_page_ops */
static const struct iomap_page_ops zoo_page_ops = {
	.iomap_valid	= zoo_iomap_valid,
};
#define ZOO_SET_VALIDITY_OPS(iomap)	((iomap)->page_ops = &zoo_page_ops)
#endif

static int zoo_iomap_begin(struct inode *inode, loff_t pos, loff_t length,
			   unsigned int flags, struct iomap *iomap, struct iomap *srcmap)
{
	loff_t start = round_down(pos, PAGE_SIZE);
	loff_t end = min_t(loff_t, round_up(pos + length, PAGE_SIZE), start + ZOO_MAP_MAX);

	iomap->offset = start;
	iomap->length = end - start;
	iomap->type = IOMAP_UNWRITTEN;
	iomap->addr = start;	/* a fake disk address: never used for I/O */
	iomap->flags = 0;
	iomap->bdev = NULL;
	if (zoo_nocookie(inode))
		return 0;	/* like gfs2 and zonefs: nothing revalidates the map */
	/* read after the map is built: a change from now on makes it stale */
	iomap->validity_cookie = atomic64_read(&zoo_disk(inode)->seq);
	ZOO_SET_VALIDITY_OPS(iomap);
	return 0;
}

static const struct iomap_ops zoo_iomap_ops = {
	.iomap_begin	= zoo_iomap_begin,
};

#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 12, 0)
#define ZOO_BUFFERED_WRITE(iocb, from) iomap_file_buffered_write(iocb, from, &zoo_iomap_ops, NULL)
#else
#define ZOO_BUFFERED_WRITE(iocb, from) iomap_file_buffered_write(iocb, from, &zoo_iomap_ops)
#endif

/* i_rwsem held, as xfs does; page-aligned whole pages only (see above). */
ssize_t zoo_iomap_write_iter(struct kiocb *iocb, struct iov_iter *from)
{
	struct file *file = iocb->ki_filp;
	struct inode *inode = file_inode(file);
	loff_t pos;
	ssize_t ret;

	inode_lock(inode);
	ret = generic_write_checks(iocb, from);
	if (ret <= 0)
		goto out;
	if (!PAGE_ALIGNED(iocb->ki_pos) || !PAGE_ALIGNED(ret)) {
		ret = -EINVAL;
		goto out;
	}
	ret = file_remove_privs(file);
	if (!ret)
		ret = file_update_time(file);
	if (ret)
		goto out;
	zoo_count(inode, ZS_IOMAP_WRITE, 1);
	/* whether iomap advances ki_pos itself differs by version */
	pos = iocb->ki_pos;
	ret = ZOO_BUFFERED_WRITE(iocb, from);
	if (ret > 0)
		iocb->ki_pos = pos + ret;
out:
	inode_unlock(inode);
	if (ret > 0)
		ret = generic_write_sync(iocb, ret);
	return ret;
}
