// SPDX-License-Identifier: GPL-2.0
/*
 * faultline bug zoo: "zoofs", a tiny page-cache filesystem whose lock
 * discipline can be broken on demand, one seed bug class at a time.
 *
 *   insmod faultline_zoo.ko
 *   mount -t zoofs -o bugs=004,001 zoo /mnt/zoo    (no option: all healthy)
 *   mount -o remount,bugs=none /mnt/zoo            (switch while mounted)
 *   cat /proc/fs/zoofs/stats                        (how often each path ran)
 *
 * Like ramfs, the page cache is the storage: folios are never written back,
 * a folio missing from the cache reads as zeroes, and dropping a range of the
 * page cache frees (zeroes) it.  Test-only code: it exists so that faultline
 * can be shown real, buggy kernel paths in a guest.
 *
 * Bug classes (see README.md next to this file):
 *   000  ->page_mkwrite truncates page cache (the 64 KiB after the faulting
 *        page) while holding invalidate_lock only shared
 *   001  ->fault instantiates the folio without invalidate_lock
 *   002  a buffered write keeps using an extent map that went stale
 *        (iomap files, "-o iomap": zoo_iomap.c)
 *   003  ->write_iter runs generic_perform_write without i_rwsem
 *   004  fallocate punch/zero drops page cache without invalidate_lock
 *   004t truncate (setattr shrink) drops page cache without invalidate_lock
 *   lo   i_rwsem and invalidate_lock taken in both orders (zoo_lockorder.c)
 *   rdins an ioctl inserts folios without invalidate_lock while other tasks
 *        hold it shared (zoo_rdins.c)
 * The healthy twin of each takes the lock the generic protocol asks for.
 */
#define pr_fmt(fmt) "zoofs: " fmt

#include <linux/fs.h>
#include <linux/fs_context.h>
#include <linux/fs_parser.h>
#include <linux/falloc.h>
#include <linux/highmem.h>
#include <linux/list.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/pagemap.h>
#include <linux/proc_fs.h>
#include <linux/rwsem.h>
#include <linux/seq_file.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uio.h>
#include <linux/version.h>

#include "zoo.h"
#include "zoo_lockorder.h"
#include "zoo_rdins.h"

#define ZOOFS_MAGIC	0x7a6f6f66	/* "zoof" */

/* ---- kernel API differences (6.1 .. 6.12) ----------------------------- */

#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 3, 0)
#define ZOO_IDMAP		struct mnt_idmap
#define ZOO_IDMAP_NONE		(&nop_mnt_idmap)
#else
#define ZOO_IDMAP		struct user_namespace
#define ZOO_IDMAP_NONE		(&init_user_ns)
#endif

#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 6, 0)
typedef fgf_t zoo_fgf_t;
#else
typedef int zoo_fgf_t;
#endif

/* The write_begin flags of later kernels (FGP_WRITEBEGIN), spelled out. */
#define ZOO_FGP_WRITE	(FGP_LOCK | FGP_WRITE | FGP_CREAT | FGP_STABLE)

static void zoo_set_mctime(struct inode *inode)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 7, 0)
	inode_set_mtime_to_ts(inode, inode_set_ctime_current(inode));
#else
	inode->i_mtime = inode->i_ctime = current_time(inode);
#endif
}

static void zoo_init_times(struct inode *inode)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 7, 0)
	simple_inode_init_ts(inode);
#else
	inode->i_atime = inode->i_mtime = inode->i_ctime = current_time(inode);
#endif
}

/* NULL (up to 6.3) or an ERR_PTR (6.4+) both mean "no folio". */
static struct folio *zoo_get_folio(struct address_space *mapping, pgoff_t index,
				   zoo_fgf_t fgp, gfp_t gfp)
{
	struct folio *folio = __filemap_get_folio(mapping, index, fgp, gfp);

	return IS_ERR_OR_NULL(folio) ? NULL : folio;
}

/* ---- bug classes, per-superblock state and counters ------------------ */

static const char *const zoo_bug_names[ZOO_BUG_MAX] = {
	[ZOO_BUG_000] = "000",
	[ZOO_BUG_001] = "001",
	[ZOO_BUG_002] = "002",
	[ZOO_BUG_003] = "003",
	[ZOO_BUG_004] = "004",
	[ZOO_BUG_004T] = "004t",
	[ZOO_BUG_LO] = "lo",
	[ZOO_BUG_002W] = "002w",
	[ZOO_BUG_RDINS] = "rdins",
};

/* classes of iomap files: asking for one makes them */
#define ZOO_BUGS_IOMAP	((1UL << ZOO_BUG_002) | (1UL << ZOO_BUG_002W))
/* "all": every class that acts on the default files */
#define ZOO_BUGS_ALL	(((1UL << ZOO_BUG_MAX) - 1) & ~ZOO_BUGS_IOMAP)

static const char *const zoo_stat_names[ZS_MAX] = {
	[ZS_FAULT] = "fault",
	[ZS_FAULT_NEW] = "fault_new",
	[ZS_FAULT_NEW_NOLOCK] = "fault_new_nolock",
	[ZS_FAULT_NEW_FREE] = "fault_new_free",
	[ZS_MAP_PAGES] = "map_pages",
	[ZS_MKWRITE] = "mkwrite",
	[ZS_MKWRITE_TRUNC] = "mkwrite_trunc_shared",
	[ZS_MKWRITE_DROPPED] = "mkwrite_dropped",
	[ZS_WRITE] = "write",
	[ZS_WRITE_NOLOCK] = "write_nolock",
	[ZS_WRITE_NEW] = "write_new",
	[ZS_WRITE_NEW_FREE] = "write_new_free",
	[ZS_PUNCH] = "punch",
	[ZS_PUNCH_NOLOCK] = "punch_nolock",
	[ZS_PUNCH_FREE] = "punch_free",
	[ZS_PUNCH_DROPPED] = "punch_dropped",
	[ZS_TRUNC] = "trunc",
	[ZS_TRUNC_NOLOCK] = "trunc_nolock",
	[ZS_TRUNC_FREE] = "trunc_free",
	[ZS_IOMAP_WRITE] = "iomap_write",
	[ZS_WRITEBACK] = "writeback",
	[ZS_EXTENT_CHANGES] = "extent_changes",
	[ZS_MAP_STALE] = "map_stale",
	[ZS_MAP_STALE_USED] = "map_stale_used",
	[ZS_PUNCH_NOIRW] = "punch_noirw",
	[ZS_RDINS_HOLD] = "rdins_hold",
	[ZS_RDINS_NEW] = "rdins_new",
	[ZS_RDINS_NEW_NOLOCK] = "rdins_new_nolock",
	[ZS_RDINS_NEW_SHARED] = "rdins_new_shared",
};

static LIST_HEAD(zoo_mounts);
static DEFINE_MUTEX(zoo_mounts_lock);

/* "000,004" or "none" */
static char *zoo_bugs_str(char *buf, size_t size, unsigned long bugs)
{
	size_t n = 0;
	int i;

	buf[0] = '\0';
	if (!bugs)
		strscpy(buf, "none", size);
	for (i = 0; i < ZOO_BUG_MAX; i++)
		if (bugs & (1UL << i))
			n += scnprintf(buf + n, size - n, "%s%s", n ? "," : "",
				       zoo_bug_names[i]);
	return buf;
}

#define ZOO_BUGS_STRLEN	48

/* ---- address space: the page cache is the storage -------------------- */

/*
 * A folio that is not (or no longer) cached reads as zeroes, or, in an
 * iomap file, as what writeback left on its disk.
 */
void zoo_fill(struct folio *folio)
{
	if (!zoo_disk_fill(folio))
		folio_zero_range(folio, 0, folio_size(folio));
	flush_dcache_folio(folio);
	folio_mark_uptodate(folio);
}

int zoo_read_folio(struct file *file, struct folio *folio)
{
	zoo_fill(folio);
	folio_unlock(folio);
	return 0;
}

static int zoo_begin(struct address_space *mapping, loff_t pos, unsigned int len,
		     struct folio **foliop)
{
	struct inode *inode = mapping->host;
	struct folio *folio;
	size_t from;

	folio = zoo_get_folio(mapping, pos >> PAGE_SHIFT, ZOO_FGP_WRITE,
			      mapping_gfp_mask(mapping));
	if (!folio)
		return -ENOMEM;
	if (!folio_test_uptodate(folio)) {
		/* New in the cache (an insertion): count who held i_rwsem. */
		zoo_count(inode, ZS_WRITE_NEW, 1);
		if (!rwsem_is_locked(&inode->i_rwsem))
			zoo_count(inode, ZS_WRITE_NEW_FREE, 1);
		from = offset_in_folio(folio, pos);
		if (from || len < folio_size(folio)) {
			/* Zero what this write does not cover. */
			folio_zero_segments(folio, 0, from, from + len,
					    folio_size(folio));
		}
	}
	*foliop = folio;
	return 0;
}

static int zoo_end(struct address_space *mapping, loff_t pos, unsigned int len,
		   unsigned int copied, struct folio *folio)
{
	struct inode *inode = mapping->host;
	loff_t end = pos + copied;

	if (!folio_test_uptodate(folio)) {
		/* zoo_begin zeroed around [pos, pos + len); zero the uncopied tail */
		if (copied < len)
			folio_zero_range(folio, offset_in_folio(folio, pos) + copied,
					 len - copied);
		flush_dcache_folio(folio);
		folio_mark_uptodate(folio);
	}
	if (end > i_size_read(inode))
		i_size_write(inode, end);
	folio_mark_dirty(folio);
	folio_unlock(folio);
	folio_put(folio);
	return copied;
}

#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 12, 0)
static int zoo_write_begin(struct file *file, struct address_space *mapping,
			   loff_t pos, unsigned int len, struct folio **foliop,
			   void **fsdata)
{
	return zoo_begin(mapping, pos, len, foliop);
}

static int zoo_write_end(struct file *file, struct address_space *mapping,
			 loff_t pos, unsigned int len, unsigned int copied,
			 struct folio *folio, void *fsdata)
{
	return zoo_end(mapping, pos, len, copied, folio);
}
#else
static int zoo_write_begin(struct file *file, struct address_space *mapping,
			   loff_t pos, unsigned int len, struct page **pagep,
			   void **fsdata)
{
	struct folio *folio;
	int err = zoo_begin(mapping, pos, len, &folio);

	if (!err)
		*pagep = folio_file_page(folio, pos >> PAGE_SHIFT);
	return err;
}

static int zoo_write_end(struct file *file, struct address_space *mapping,
			 loff_t pos, unsigned int len, unsigned int copied,
			 struct page *page, void *fsdata)
{
	return zoo_end(mapping, pos, len, copied, page_folio(page));
}
#endif

static const struct address_space_operations zoo_aops = {
	.read_folio	= zoo_read_folio,
	.write_begin	= zoo_write_begin,
	.write_end	= zoo_write_end,
	.dirty_folio	= noop_dirty_folio,
};

/* ---- mmap: ->fault (001), ->map_pages, ->page_mkwrite (000) ------------ */

static pgoff_t zoo_end_index(struct inode *inode)
{
	return DIV_ROUND_UP(i_size_read(inode), PAGE_SIZE);
}

/*
 * A cached folio is returned locked, as filemap_fault does.  A missing one
 * is instantiated here and zero-filled.  The generic protocol wants that
 * insertion under invalidate_lock (shared), so that it cannot slip into a
 * range a punch or truncate is dropping; bug 001 leaves the lock out.
 */
static vm_fault_t zoo_fault(struct vm_fault *vmf)
{
	struct inode *inode = file_inode(vmf->vma->vm_file);
	struct address_space *mapping = inode->i_mapping;
	bool bug = zoo_bug(inode, ZOO_BUG_001);
	pgoff_t index = vmf->pgoff;
	struct folio *folio;

	zoo_count(inode, ZS_FAULT, 1);
	if (index >= zoo_end_index(inode))
		return VM_FAULT_SIGBUS;

	folio = zoo_get_folio(mapping, index, FGP_LOCK | FGP_ACCESSED, 0);
	if (!folio) {
		if (!bug)
			filemap_invalidate_lock_shared(mapping);
		folio = zoo_get_folio(mapping, index,
				      FGP_LOCK | FGP_CREAT | FGP_ACCESSED,
				      vmf->gfp_mask);
		if (folio && !folio_test_uptodate(folio)) {
			zoo_count(inode, ZS_FAULT_NEW, 1);
			if (bug) {
				zoo_count(inode, ZS_FAULT_NEW_NOLOCK, 1);
				pr_info_ratelimited("bug 001: %s ino %lu: fault instantiated index %lu without invalidate_lock\n",
						    inode->i_sb->s_id, inode->i_ino, index);
			}
			if (!rwsem_is_locked(&mapping->invalidate_lock) &&
			    !rwsem_is_locked(&inode->i_rwsem))
				zoo_count(inode, ZS_FAULT_NEW_FREE, 1);
			zoo_fill(folio);
		}
		if (!bug)
			filemap_invalidate_unlock_shared(mapping);
		if (!folio)
			return VM_FAULT_OOM;
	}
	if (folio->mapping != mapping) {
		/* truncated while we slept: let the fault be retried */
		folio_unlock(folio);
		folio_put(folio);
		return VM_FAULT_NOPAGE;
	}
	if (!folio_test_uptodate(folio))
		zoo_fill(folio);	/* left behind by a failed write copy */
	if (index >= zoo_end_index(inode)) {
		folio_unlock(folio);
		folio_put(folio);
		return VM_FAULT_SIGBUS;
	}
	vmf->page = folio_file_page(folio, index);
	return VM_FAULT_LOCKED;
}

/* Fault-around maps only folios already cached: no insertion, no lock. */
static vm_fault_t zoo_map_pages(struct vm_fault *vmf, pgoff_t start_pgoff,
				pgoff_t end_pgoff)
{
	zoo_count(file_inode(vmf->vma->vm_file), ZS_MAP_PAGES, 1);
	return filemap_map_pages(vmf, start_pgoff, end_pgoff);
}

/*
 * Bug 000, after the xfs delalloc punch-out of seed 000: while the fault
 * holds invalidate_lock only shared, drop the cached 64 KiB after the
 * faulting page (as if cleaning up space a failed operation had reserved).
 * Whatever a racing write() put there is lost.  The healthy twin, like the
 * fix, does no invalidation from the fault path.  The faulting folio is not
 * locked yet, and not in the range, so truncation cannot wait on it.
 */
static void zoo_mkwrite_punch_neighbour(struct vm_fault *vmf, struct inode *inode)
{
	struct address_space *mapping = inode->i_mapping;
	loff_t start = ((loff_t)vmf->pgoff + 1) << PAGE_SHIFT;
	loff_t end = min_t(loff_t, start + SZ_64K,
			   round_up(i_size_read(inode), PAGE_SIZE));
	unsigned long before;

	if (start >= end)
		return;
	before = mapping->nrpages;
	truncate_pagecache_range(inode, start, end - 1);
	zoo_count(inode, ZS_MKWRITE_TRUNC, 1);
	if (before > mapping->nrpages)
		zoo_count(inode, ZS_MKWRITE_DROPPED, before - mapping->nrpages);
	pr_info_ratelimited("bug 000: %s ino %lu: page_mkwrite truncated [%lld, %lld) holding invalidate_lock shared\n",
			    inode->i_sb->s_id, inode->i_ino, start, end);
}

static vm_fault_t zoo_page_mkwrite(struct vm_fault *vmf)
{
	struct inode *inode = file_inode(vmf->vma->vm_file);
	struct address_space *mapping = inode->i_mapping;
	struct folio *folio = page_folio(vmf->page);
	vm_fault_t ret = VM_FAULT_LOCKED;

	zoo_count(inode, ZS_MKWRITE, 1);
	sb_start_pagefault(inode->i_sb);
	file_update_time(vmf->vma->vm_file);
	filemap_invalidate_lock_shared(mapping);
	if (zoo_bug(inode, ZOO_BUG_000))
		zoo_mkwrite_punch_neighbour(vmf, inode);
	folio_lock(folio);
	if (folio->mapping != mapping || folio_pos(folio) >= i_size_read(inode)) {
		folio_unlock(folio);
		ret = VM_FAULT_NOPAGE;
		goto out;
	}
	folio_mark_dirty(folio);
	folio_wait_stable(folio);
out:
	filemap_invalidate_unlock_shared(mapping);
	sb_end_pagefault(inode->i_sb);
	return ret;
}

static const struct vm_operations_struct zoo_vm_ops = {
	.fault		= zoo_fault,
	.map_pages	= zoo_map_pages,
	.page_mkwrite	= zoo_page_mkwrite,
};

static int zoo_mmap(struct file *file, struct vm_area_struct *vma)
{
	file_accessed(file);
	vma->vm_ops = &zoo_vm_ops;
	return 0;
}

/* ---- write (003) ------------------------------------------------------ */

/*
 * Healthy: generic_file_write_iter, which takes i_rwsem.  Bug 003 (after
 * the bcachefs lockless buffered write of seed 003): the same steps
 * without the inode lock.  Concurrent O_APPEND writers then pick the same
 * position and overwrite each other.
 */
static ssize_t zoo_write_iter(struct kiocb *iocb, struct iov_iter *from)
{
	struct file *file = iocb->ki_filp;
	struct inode *inode = file_inode(file);
	loff_t pos;
	ssize_t ret;

	zoo_count(inode, ZS_WRITE, 1);
	if (zoo_iomap_file(inode))
		return zoo_iomap_write_iter(iocb, from);
	if (!zoo_bug(inode, ZOO_BUG_003))
		return generic_file_write_iter(iocb, from);

	zoo_count(inode, ZS_WRITE_NOLOCK, 1);
	pr_info_ratelimited("bug 003: %s ino %lu: buffered write without i_rwsem\n",
			    inode->i_sb->s_id, inode->i_ino);
	ret = generic_write_checks(iocb, from);
	if (ret <= 0)
		return ret;
	file_update_time(file);
	/* whether generic_perform_write advances ki_pos differs by version */
	pos = iocb->ki_pos;
	ret = generic_perform_write(iocb, from);
	if (ret > 0) {
		iocb->ki_pos = pos + ret;
		ret = generic_write_sync(iocb, ret);
	}
	return ret;
}

/* ---- fallocate (004) and truncate (004t) ------------------------------ */

/*
 * Punch / zero-range: dropping the range from the page cache frees it.
 * Healthy, like ext4 and xfs: i_rwsem then invalidate_lock exclusive around
 * the truncation, so no fault can instantiate a folio in the range
 * meanwhile.  Bug 004 (seed 004, ext4 before 2016): i_rwsem only.
 */
/*
 * Punch and zero range take i_rwsem, then invalidate_lock (as xfs, ext4).
 * Bug 004 leaves out invalidate_lock.  Bug 002w leaves out i_rwsem in a
 * punch or zero that keeps the size: page-cache truncation is still under
 * invalidate_lock exclusive, but buffered writes, which hold only i_rwsem
 * while they walk their extent map, no longer exclude it, and a write's map
 * can outlive the punch of its range (the window form of faultline's
 * stale-map rule, on a mount whose maps carry no cookie).
 */
static long zoo_fallocate(struct file *file, int mode, loff_t offset, loff_t len)
{
	struct inode *inode = file_inode(file);
	struct address_space *mapping = inode->i_mapping;
	bool bug = zoo_bug(inode, ZOO_BUG_004);
	bool noirw = zoo_bug(inode, ZOO_BUG_002W) && (mode & FALLOC_FL_KEEP_SIZE) &&
		     (mode & (FALLOC_FL_PUNCH_HOLE | FALLOC_FL_ZERO_RANGE));
	loff_t end = offset + len;
	unsigned long before;
	long err = 0;

	if (mode & ~(FALLOC_FL_KEEP_SIZE | FALLOC_FL_PUNCH_HOLE | FALLOC_FL_ZERO_RANGE))
		return -EOPNOTSUPP;

	if (noirw) {
		zoo_count(inode, ZS_PUNCH_NOIRW, 1);
		pr_info_ratelimited("bug 002w: %s ino %lu: punch [%lld, %lld) without i_rwsem\n",
				    inode->i_sb->s_id, inode->i_ino, offset, end);
	} else {
		inode_lock(inode);
	}
	if (!(mode & FALLOC_FL_KEEP_SIZE) && end > i_size_read(inode)) {
		err = inode_newsize_ok(inode, end);
		if (err)
			goto out;
	}
	if (mode & (FALLOC_FL_PUNCH_HOLE | FALLOC_FL_ZERO_RANGE)) {
		if (!bug)
			filemap_invalidate_lock(mapping);
		zoo_count(inode, ZS_PUNCH, 1);
		if (bug) {
			zoo_count(inode, ZS_PUNCH_NOLOCK, 1);
			pr_info_ratelimited("bug 004: %s ino %lu: punch [%lld, %lld) without invalidate_lock\n",
					    inode->i_sb->s_id, inode->i_ino, offset, end);
		}
		if (!rwsem_is_locked(&mapping->invalidate_lock))
			zoo_count(inode, ZS_PUNCH_FREE, 1);
		before = mapping->nrpages;
		truncate_pagecache_range(inode, offset, end - 1);
		if (before > mapping->nrpages)
			zoo_count(inode, ZS_PUNCH_DROPPED, before - mapping->nrpages);
		zoo_disk_punch(inode, offset, end);
		if (!bug)
			filemap_invalidate_unlock(mapping);
	}
	if (!(mode & FALLOC_FL_KEEP_SIZE) && end > i_size_read(inode)) {
		/* growing: nothing cached past the old size, nothing dropped */
		filemap_invalidate_lock(mapping);
		truncate_setsize(inode, end);
		filemap_invalidate_unlock(mapping);
	}
	zoo_set_mctime(inode);
out:
	if (!noirw)
		inode_unlock(inode);
	return err;
}

/* Called with i_rwsem held (VFS). */
static void zoo_truncate(struct inode *inode, loff_t newsize)
{
	struct address_space *mapping = inode->i_mapping;
	bool bug = zoo_bug(inode, ZOO_BUG_004T);
	bool shrink = newsize < i_size_read(inode);

	if (!bug)
		filemap_invalidate_lock(mapping);
	if (shrink) {
		zoo_count(inode, ZS_TRUNC, 1);
		if (bug) {
			zoo_count(inode, ZS_TRUNC_NOLOCK, 1);
			pr_info_ratelimited("bug 004t: %s ino %lu: truncate to %lld without invalidate_lock\n",
					    inode->i_sb->s_id, inode->i_ino, newsize);
		}
		if (!rwsem_is_locked(&mapping->invalidate_lock))
			zoo_count(inode, ZS_TRUNC_FREE, 1);
	}
	truncate_setsize(inode, newsize);
	if (shrink)
		zoo_disk_punch(inode, newsize, LLONG_MAX);
	if (!bug)
		filemap_invalidate_unlock(mapping);
}

static int zoo_setattr(ZOO_IDMAP *idmap, struct dentry *dentry, struct iattr *attr)
{
	struct inode *inode = d_inode(dentry);
	int err;

	err = setattr_prepare(idmap, dentry, attr);
	if (err)
		return err;
	if ((attr->ia_valid & ATTR_SIZE) && attr->ia_size != i_size_read(inode))
		zoo_truncate(inode, attr->ia_size);
	setattr_copy(idmap, inode, attr);
	mark_inode_dirty(inode);
	return 0;
}

static long zoo_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct inode *inode = file_inode(file);

	if (cmd == ZOO_IOC_RD_HOLD || cmd == ZOO_IOC_RD_INSERT || cmd == ZOO_IOC_RD_HOLD_INSERT)
		return zoo_rdins_ioctl(file, cmd, arg, zoo_bug(inode, ZOO_BUG_RDINS));
	return zoo_lockorder_ioctl(file, cmd, arg, zoo_bug(inode, ZOO_BUG_LO));
}

static const struct file_operations zoo_file_fops = {
	.llseek		= generic_file_llseek,
	.read_iter	= generic_file_read_iter,
	.write_iter	= zoo_write_iter,
	.mmap		= zoo_mmap,
	.fsync		= noop_fsync,
	.fallocate	= zoo_fallocate,
	.unlocked_ioctl	= zoo_ioctl,
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 5, 0)
	.splice_read	= filemap_splice_read,
#else
	.splice_read	= generic_file_splice_read,
#endif
	.splice_write	= iter_file_splice_write,
};

static const struct inode_operations zoo_file_iops = {
	.setattr	= zoo_setattr,
	.getattr	= simple_getattr,
};

/* ---- directories and inodes ------------------------------------------- */

static const struct inode_operations zoo_dir_iops;

static struct inode *zoo_new_inode(struct super_block *sb, ZOO_IDMAP *idmap,
				   const struct inode *dir, umode_t mode)
{
	struct inode *inode = new_inode(sb);

	if (!inode)
		return NULL;
	inode->i_ino = get_next_ino();
	inode_init_owner(idmap, inode, dir, mode);
	inode->i_mapping->a_ops = &zoo_aops;
	mapping_set_gfp_mask(inode->i_mapping, GFP_HIGHUSER);
	zoo_init_times(inode);
	if (S_ISREG(mode) && ZOO_SB(sb)->iomap) {
		if (zoo_iomap_init(inode)) {
			iput(inode);
			return NULL;
		}
	} else {
		mapping_set_unevictable(inode->i_mapping);	/* the cache is the data */
	}
	if (S_ISDIR(mode)) {
		inode->i_op = &zoo_dir_iops;
		inode->i_fop = &simple_dir_operations;
		inc_nlink(inode);	/* "." */
	} else {
		inode->i_op = &zoo_file_iops;
		inode->i_fop = &zoo_file_fops;
	}
	return inode;
}

static int zoo_mknod(ZOO_IDMAP *idmap, struct inode *dir, struct dentry *dentry,
		     umode_t mode, dev_t dev)
{
	struct inode *inode;

	if (!S_ISREG(mode) && !S_ISDIR(mode))
		return -EOPNOTSUPP;
	inode = zoo_new_inode(dir->i_sb, idmap, dir, mode);
	if (!inode)
		return -ENOSPC;
	d_instantiate(dentry, inode);
	dget(dentry);		/* pinned until unlink; kill_litter_super drops it */
	zoo_set_mctime(dir);
	return 0;
}

static int zoo_create(ZOO_IDMAP *idmap, struct inode *dir, struct dentry *dentry,
		      umode_t mode, bool excl)
{
	return zoo_mknod(idmap, dir, dentry, (mode & ~S_IFMT) | S_IFREG, 0);
}

static int zoo_mkdir(ZOO_IDMAP *idmap, struct inode *dir, struct dentry *dentry,
		     umode_t mode)
{
	int err = zoo_mknod(idmap, dir, dentry, (mode & ~S_IFMT) | S_IFDIR, 0);

	if (!err)
		inc_nlink(dir);
	return err;
}

static const struct inode_operations zoo_dir_iops = {
	.create		= zoo_create,
	.lookup		= simple_lookup,
	.link		= simple_link,
	.unlink		= simple_unlink,
	.mkdir		= zoo_mkdir,
	.rmdir		= simple_rmdir,
	.mknod		= zoo_mknod,
	.rename		= simple_rename,
};

/* ---- superblock, mount options ---------------------------------------- */

static int zoo_show_options(struct seq_file *m, struct dentry *root)
{
	char buf[ZOO_BUGS_STRLEN];

	seq_printf(m, ",bugs=%s",
		   zoo_bugs_str(buf, sizeof(buf), READ_ONCE(ZOO_SB(root->d_sb)->bugs)));
	if (ZOO_SB(root->d_sb)->iomap)
		seq_puts(m, ",iomap");
	if (ZOO_SB(root->d_sb)->nocookie)
		seq_puts(m, ",nocookie");
	return 0;
}

static void zoo_evict_inode(struct inode *inode)
{
	truncate_inode_pages_final(&inode->i_data);
	clear_inode(inode);
	zoo_iomap_evict(inode);
}

static const struct super_operations zoo_sops = {
	.statfs		= simple_statfs,
	.drop_inode	= generic_delete_inode,
	.evict_inode	= zoo_evict_inode,
	.show_options	= zoo_show_options,
};

struct zoo_fc {
	unsigned long bugs;
	bool bugs_given;
	bool iomap;
	bool nocookie;
};

enum { OPT_BUGS, OPT_IOMAP, OPT_NOCOOKIE };

static const struct fs_parameter_spec zoo_params[] = {
	fsparam_string("bugs", OPT_BUGS),
	fsparam_flag("iomap", OPT_IOMAP),
	fsparam_flag("nocookie", OPT_NOCOOKIE),
	{}
};

static int zoo_bug_index(const char *name)
{
	int i;

	for (i = 0; i < ZOO_BUG_MAX; i++)
		if (!strcmp(name, zoo_bug_names[i]))
			return i;
	return -1;
}

/* "004,001", "all", "none" */
static int zoo_parse_bugs(struct fs_context *fc, const char *list)
{
	struct zoo_fc *ctx = fc->fs_private;
	char *copy, *p, *tok;
	int err = 0, i;

	copy = kstrdup(list, GFP_KERNEL);
	if (!copy)
		return -ENOMEM;
	p = copy;
	while ((tok = strsep(&p, ",")) != NULL) {
		if (!*tok)
			continue;
		if (!strcmp(tok, "none")) {
			ctx->bugs = 0;
		} else if (!strcmp(tok, "all")) {
			ctx->bugs = ZOO_BUGS_ALL;
		} else if ((i = zoo_bug_index(tok)) >= 0) {
			ctx->bugs |= 1UL << i;
		} else {
			err = invalfc(fc, "unknown bug class '%s' (000, 001, 002, 002w, 003, 004, 004t, lo, rdins, all, none)",
				      tok);
			break;
		}
	}
	kfree(copy);
	ctx->bugs_given = true;
	return err;
}

static int zoo_parse_param(struct fs_context *fc, struct fs_parameter *param)
{
	struct fs_parse_result result;
	int opt, i;

	/*
	 * "-o bugs=004,001" reaches us split at the comma: "bugs=004", then a
	 * flag "001".  Bare class names are accepted as members of the set.
	 */
	if (param->type == fs_value_is_flag && (i = zoo_bug_index(param->key)) >= 0) {
		struct zoo_fc *ctx = fc->fs_private;

		ctx->bugs |= 1UL << i;
		ctx->bugs_given = true;
		return 0;
	}
	opt = fs_parse(fc, zoo_params, param, &result);
	if (opt < 0)
		return opt;
	if (opt == OPT_BUGS)
		return zoo_parse_bugs(fc, param->string);
	if (opt == OPT_IOMAP) {
		((struct zoo_fc *)fc->fs_private)->iomap = true;
		return 0;
	}
	if (opt == OPT_NOCOOKIE) {
		((struct zoo_fc *)fc->fs_private)->nocookie = true;
		return 0;
	}
	return -EINVAL;
}

static int zoo_fill_super(struct super_block *sb, struct fs_context *fc)
{
	struct zoo_fc *ctx = fc->fs_private;
	char buf[ZOO_BUGS_STRLEN];
	struct zoo_sb *zs;
	struct inode *root;
	int err;

	zs = kzalloc(sizeof(*zs), GFP_KERNEL);
	if (!zs)
		return -ENOMEM;
	zs->bugs = ctx->bugs;
	/* 002 and 002w are bugs of iomap files: asking for one makes them */
	zs->nocookie = ctx->nocookie;
	xa_init(&zs->disks);
	zs->iomap = ctx->iomap || zs->nocookie || (ctx->bugs & ZOO_BUGS_IOMAP);
	zs->dev = sb->s_dev;
	INIT_LIST_HEAD(&zs->link);
	sb->s_fs_info = zs;
	if (zs->iomap) {
		/* a bdi that does writeback: iomap files' folios reach the disk */
		err = super_setup_bdi(sb);
		if (err)
			return err;
	}

	sb->s_maxbytes = MAX_LFS_FILESIZE;
	sb->s_blocksize = PAGE_SIZE;
	sb->s_blocksize_bits = PAGE_SHIFT;
	sb->s_magic = ZOOFS_MAGIC;
	sb->s_op = &zoo_sops;
	sb->s_time_gran = 1;

	root = zoo_new_inode(sb, ZOO_IDMAP_NONE, NULL, S_IFDIR | 0755);
	sb->s_root = d_make_root(root);
	if (!sb->s_root)
		return -ENOMEM;

	mutex_lock(&zoo_mounts_lock);
	list_add_tail(&zs->link, &zoo_mounts);
	mutex_unlock(&zoo_mounts_lock);
	pr_info("mounted %u:%u bugs=%s%s%s\n", MAJOR(sb->s_dev), MINOR(sb->s_dev),
		zoo_bugs_str(buf, sizeof(buf), zs->bugs), zs->iomap ? " iomap" : "",
		zs->nocookie ? " nocookie" : "");
	return 0;
}

static int zoo_get_tree(struct fs_context *fc)
{
	return get_tree_nodev(fc, zoo_fill_super);
}

static int zoo_reconfigure(struct fs_context *fc)
{
	struct zoo_fc *ctx = fc->fs_private;
	struct zoo_sb *zs = ZOO_SB(fc->root->d_sb);

	if (ctx->bugs_given)
		WRITE_ONCE(zs->bugs, ctx->bugs);
	return 0;
}

static void zoo_free_fc(struct fs_context *fc)
{
	kfree(fc->fs_private);
}

static const struct fs_context_operations zoo_fc_ops = {
	.free		= zoo_free_fc,
	.parse_param	= zoo_parse_param,
	.get_tree	= zoo_get_tree,
	.reconfigure	= zoo_reconfigure,
};

static int zoo_init_fs_context(struct fs_context *fc)
{
	struct zoo_fc *ctx = kzalloc(sizeof(*ctx), GFP_KERNEL);

	if (!ctx)
		return -ENOMEM;
	fc->fs_private = ctx;
	fc->ops = &zoo_fc_ops;
	return 0;
}

static void zoo_log_stats(struct zoo_sb *zs)
{
	char bugs[ZOO_BUGS_STRLEN], buf[1024];
	int i, n = 0;

	for (i = 0; i < ZS_MAX && n < (int)sizeof(buf); i++)
		n += scnprintf(buf + n, sizeof(buf) - n, " %s=%ld", zoo_stat_names[i],
			       atomic_long_read(&zs->stat[i]));
	pr_info("unmounted %u:%u bugs=%s:%s\n", MAJOR(zs->dev), MINOR(zs->dev),
		zoo_bugs_str(bugs, sizeof(bugs), zs->bugs), buf);
}

static void zoo_kill_sb(struct super_block *sb)
{
	struct zoo_sb *zs = ZOO_SB(sb);

	if (zs) {
		mutex_lock(&zoo_mounts_lock);
		list_del_init(&zs->link);
		mutex_unlock(&zoo_mounts_lock);
	}
	kill_litter_super(sb);
	if (zs) {
		zoo_log_stats(zs);
		/* every inode was evicted: its disk went with it */
		WARN_ON(!xa_empty(&zs->disks));
		xa_destroy(&zs->disks);
		kfree(zs);
	}
}

static struct file_system_type zoo_fs_type = {
	.owner			= THIS_MODULE,
	.name			= "zoofs",
	.init_fs_context	= zoo_init_fs_context,
	.parameters		= zoo_params,
	.kill_sb		= zoo_kill_sb,
};

/* ---- /proc/fs/zoofs/stats: one line per mount ------------------------- */

static int zoo_stats_show(struct seq_file *m, void *v)
{
	char buf[ZOO_BUGS_STRLEN];
	struct zoo_sb *zs;
	int i;

	mutex_lock(&zoo_mounts_lock);
	list_for_each_entry(zs, &zoo_mounts, link) {
		seq_printf(m, "dev=%u:%u bugs=%s", MAJOR(zs->dev), MINOR(zs->dev),
			   zoo_bugs_str(buf, sizeof(buf), READ_ONCE(zs->bugs)));
		for (i = 0; i < ZS_MAX; i++)
			seq_printf(m, " %s=%ld", zoo_stat_names[i],
				   atomic_long_read(&zs->stat[i]));
		seq_putc(m, '\n');
	}
	mutex_unlock(&zoo_mounts_lock);
	return 0;
}

static int __init zoo_init(void)
{
	int err;

	if (!proc_mkdir("fs/zoofs", NULL) ||
	    !proc_create_single("fs/zoofs/stats", 0444, NULL, zoo_stats_show) ||
	    zoo_fill_init()) {
		remove_proc_subtree("fs/zoofs", NULL);
		return -ENOMEM;
	}
	err = register_filesystem(&zoo_fs_type);
	if (err) {
		remove_proc_subtree("fs/zoofs", NULL);
		return err;
	}
	pr_info("faultline bug zoo loaded (classes 000 001 002 003 004 004t lo rdins)\n");
	return 0;
}

static void __exit zoo_exit(void)
{
	unregister_filesystem(&zoo_fs_type);
	remove_proc_subtree("fs/zoofs", NULL);
}

module_init(zoo_init);
module_exit(zoo_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("faultline bug zoo: zoofs, page-cache lock-discipline bugs on demand (test only)");
MODULE_ALIAS_FS("zoofs");
