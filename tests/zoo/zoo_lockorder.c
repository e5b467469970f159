// SPDX-License-Identifier: GPL-2.0
/*
 * Bug class "lo": lock-order inversions, i_rwsem against invalidate_lock
 * and mmap_lock against invalidate_lock.
 *
 * mm/filemap.c documents i_rwsem -> invalidate_lock and mmap_lock ->
 * invalidate_lock (a fault under mmap_lock takes the invalidate lock).
 * ZOO_IOC_LO_DOC and ZOO_IOC_LO_MM_DOC always take them in that order;
 * ZOO_IOC_LO_INV and ZOO_IOC_LO_MM_INV take invalidate_lock first and the
 * other under it when the mount has bugs=lo (healthy twin: the documented
 * order on every path).  One task running both paths one after the other
 * never deadlocks, but two tasks running one each concurrently could: this
 * is the ABBA pattern lockdep reports as a possible circular locking
 * dependency.  The paths are noinline so that each shows in the stacks.
 *
 * ZOO_IOC_LO_OTHER writes a page of a file on another filesystem (xfs in
 * the tests), under the task's mmap_lock (read) when bugs=lo: that
 * filesystem takes its i_rwsem under mmap_lock, the inverse of
 * mm/filemap.c's i_rwsem -> mmap_lock.  With xfs both acquisitions show in
 * tracepoints (mmap_lock_*, xfs_ilock), so no fentry hook is needed to see
 * it: the positive control where precise tracking cannot feed lock order
 * (kernels that preempt BPF programs, PREEMPT_RT).
 */
#define pr_fmt(fmt) "zoofs: " fmt

#include <linux/file.h>
#include <linux/mmap_lock.h>
#include <linux/pagemap.h>
#include <linux/sched.h>
#include <linux/printk.h>
#include <linux/slab.h>

#include "zoo_lockorder.h"

static noinline void zoo_lo_documented(struct inode *inode)
{
	inode_lock(inode);
	filemap_invalidate_lock(inode->i_mapping);
	filemap_invalidate_unlock(inode->i_mapping);
	inode_unlock(inode);
}

static noinline void zoo_lo_inverted(struct inode *inode)
{
	filemap_invalidate_lock(inode->i_mapping);
	inode_lock(inode);
	inode_unlock(inode);
	filemap_invalidate_unlock(inode->i_mapping);
}

static noinline void zoo_lo_mm_documented(struct inode *inode)
{
	mmap_read_lock(current->mm);
	filemap_invalidate_lock_shared(inode->i_mapping);
	filemap_invalidate_unlock_shared(inode->i_mapping);
	mmap_read_unlock(current->mm);
}

static noinline void zoo_lo_mm_inverted(struct inode *inode)
{
	filemap_invalidate_lock(inode->i_mapping);
	mmap_read_lock(current->mm);
	mmap_read_unlock(current->mm);
	filemap_invalidate_unlock(inode->i_mapping);
}

static noinline ssize_t zoo_lo_other_documented(struct file *other, void *buf)
{
	loff_t pos = 0;

	return kernel_write(other, buf, PAGE_SIZE, &pos);
}

static noinline ssize_t zoo_lo_other_inverted(struct file *other, void *buf)
{
	loff_t pos = 0;
	ssize_t n;

	mmap_read_lock(current->mm);
	n = kernel_write(other, buf, PAGE_SIZE, &pos);
	mmap_read_unlock(current->mm);
	return n;
}

static long zoo_lo_other(unsigned long fd, bool bug)
{
	struct file *other = fget(fd);
	ssize_t n = -ENOMEM;
	void *buf;

	if (!other)
		return -EBADF;
	buf = kzalloc(PAGE_SIZE, GFP_KERNEL);
	if (buf) {
		if (bug) {
			pr_info_ratelimited("bug lo: mmap_lock, then i_rwsem of %s\n",
					    other->f_path.dentry->d_name.name);
			n = zoo_lo_other_inverted(other, buf);
		} else {
			n = zoo_lo_other_documented(other, buf);
		}
		kfree(buf);
	}
	fput(other);
	return n < 0 ? n : 0;
}

/*
 * An _INV ioctl: the inverted path under bugs=lo (said in the kernel log,
 * naming the lock taken under invalidate_lock), else the documented one.
 */
static void zoo_lockorder_inv(struct inode *inode, bool bug,
			      void (*documented)(struct inode *),
			      void (*inverted)(struct inode *), const char *second)
{
	if (!bug) {
		documented(inode);
		return;
	}
	pr_info_ratelimited("bug lo: invalidate_lock, then %s (ino %lu)\n", second,
			    inode->i_ino);
	inverted(inode);
}

long zoo_lockorder_ioctl(struct file *file, unsigned int cmd, unsigned long arg, bool bug)
{
	struct inode *inode = file_inode(file);

	switch (cmd) {
	case ZOO_IOC_LO_DOC:
		zoo_lo_documented(inode);
		return 0;
	case ZOO_IOC_LO_INV:
		zoo_lockorder_inv(inode, bug, zoo_lo_documented, zoo_lo_inverted, "i_rwsem");
		return 0;
	case ZOO_IOC_LO_MM_DOC:
		zoo_lo_mm_documented(inode);
		return 0;
	case ZOO_IOC_LO_MM_INV:
		zoo_lockorder_inv(inode, bug, zoo_lo_mm_documented, zoo_lo_mm_inverted,
				  "mmap_lock");
		return 0;
	case ZOO_IOC_LO_OTHER:
		return zoo_lo_other(arg, bug);
	default:
		return -ENOTTY;
	}
}
