// SPDX-License-Identifier: GPL-2.0
/*
 * Class "fill": a buggy page-cache filler on a file of ANOTHER filesystem
 * (ext4, xfs, ...), the way a driver or a stacked filesystem reads a
 * file's pages through read_cache_folio().
 *
 * read_cache_folio() documents "Expects mapping->invalidate_lock to be
 * held" (mm/filemap.c): whoever fills a file's page cache must be
 * serialised against hole punch and truncate, or a folio read from blocks
 * being freed lands in the cache after the punch dropped it.  The ioctl
 * ZOO_IOC_FILL on /proc/fs/zoofs/fill reads a range of the file named by
 * an fd, pass after pass; with ZOO_FILL_UNLOCKED it takes no lock (the
 * bug), without it it holds invalidate_lock shared around each read (the
 * healthy twin).  zootrigger races it against a tight hole-punch loop on
 * the same range: a bug storm, one unlocked insertion after another.
 * The two paths are noinline so that each shows in the stacks.
 */
#define pr_fmt(fmt) "zoofs: " fmt

#include <linux/err.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/pagemap.h>
#include <linux/proc_fs.h>
#include <linux/rwsem.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/uaccess.h>

#include "zoo.h"
#include "zoo_fill.h"

#define ZOO_FILL_MAX_PASSES	1024
#define ZOO_FILL_MAX_LEN	(64UL << 20)

/*
 * One index; the counters say what the bug's window looked like.  Inlined
 * into each path, so that the path, not a shared helper, calls
 * read_cache_folio() and shows in the insertion's stack.
 */
static __always_inline int zoo_fill_one(struct file *file, pgoff_t index, struct zoo_fill_req *r)
{
	struct address_space *mapping = file->f_mapping;
	struct inode *inode = mapping->host;
	struct folio *folio;
	bool missing, free;

	/* racy by nature: a hint of what read_cache_folio will find */
	folio = filemap_get_folio(mapping, index);
	missing = IS_ERR_OR_NULL(folio);
	if (!missing)
		folio_put(folio);
	free = !rwsem_is_locked(&mapping->invalidate_lock) && !rwsem_is_locked(&inode->i_rwsem);

	folio = read_cache_folio(mapping, index, NULL, file);
	if (IS_ERR(folio))
		return PTR_ERR(folio);
	folio_put(folio);
	r->folios++;
	r->missing += missing;
	r->free += missing && free;
	return 0;
}

/* The bug: no lock at all. */
static noinline int zoo_fill_unlocked(struct file *file, pgoff_t index, struct zoo_fill_req *r)
{
	return zoo_fill_one(file, index, r);
}

/* The healthy twin: invalidate_lock shared, as read_cache_folio expects. */
static noinline int zoo_fill_locked(struct file *file, pgoff_t index, struct zoo_fill_req *r)
{
	int err;

	filemap_invalidate_lock_shared(file->f_mapping);
	err = zoo_fill_one(file, index, r);
	filemap_invalidate_unlock_shared(file->f_mapping);
	return err;
}

static long zoo_fill_run(struct zoo_fill_req *r)
{
	pgoff_t first = r->start >> PAGE_SHIFT, last = (r->start + r->len - 1) >> PAGE_SHIFT;
	bool unlocked = r->flags & ZOO_FILL_UNLOCKED;
	struct file *file;
	long err = 0;

	file = fget(r->fd);
	if (!file)
		return -EBADF;
	if (!S_ISREG(file_inode(file)->i_mode) || !file->f_mapping->a_ops->read_folio) {
		err = -EINVAL;
		goto out;
	}
	if (unlocked)
		pr_info_ratelimited("bug fill: read_cache_folio without invalidate_lock (ino %lu)\n",
				    file_inode(file)->i_ino);
	for (u32 pass = 0; pass < r->passes && !err; pass++) {
		for (pgoff_t i = first; i <= last; i++) {
			err = unlocked ? zoo_fill_unlocked(file, i, r) : zoo_fill_locked(file, i, r);
			if (err)
				break;
			if (fatal_signal_pending(current)) {
				err = -EINTR;
				break;
			}
			cond_resched();
		}
	}
out:
	fput(file);
	return err;
}

static long zoo_fill_ioctl(struct file *pf, unsigned int cmd, unsigned long arg)
{
	struct zoo_fill_req r;
	long err;

	if (cmd != ZOO_IOC_FILL)
		return -ENOTTY;
	if (copy_from_user(&r, (void __user *)arg, sizeof(r)))
		return -EFAULT;
	if ((r.flags & ~ZOO_FILL_UNLOCKED) || !r.len || r.len > ZOO_FILL_MAX_LEN ||
	    !PAGE_ALIGNED(r.start) || !PAGE_ALIGNED(r.len) || r.start > (u64)MAX_LFS_FILESIZE - r.len ||
	    !r.passes || r.passes > ZOO_FILL_MAX_PASSES)
		return -EINVAL;
	r.folios = r.missing = r.free = 0;
	err = zoo_fill_run(&r);
	/* what was done is reported also when a read failed */
	if (copy_to_user((void __user *)arg, &r, sizeof(r)))
		return -EFAULT;
	return err;
}

static const struct proc_ops zoo_fill_ops = {
	.proc_ioctl	= zoo_fill_ioctl,
};

int zoo_fill_init(void)
{
	return proc_create("fs/zoofs/fill", 0600, NULL, &zoo_fill_ops) ? 0 : -ENOMEM;
}
