// SPDX-License-Identifier: GPL-2.0
/*
 * Bug class "rdins": readers share invalidate_lock while another task
 * inserts folios into the page cache.
 *
 * ZOO_IOC_RD_HOLD is a reader: it holds invalidate_lock shared while it
 * looks up a range of cached folios, as a fault on cached pages or a
 * ->page_mkwrite does.  ZOO_IOC_RD_INSERT instantiates the folio at an
 * index when it is not cached, under invalidate_lock shared like ->fault
 * and readahead; with bugs=rdins it leaves the lock out (bug 001's
 * insertion, on a path of its own).
 *
 * While readers hold the lock, its word cannot tell the inserter apart
 * from them: the reader count is nonzero and the owner hint names the
 * last reader.  So the lock word alone leaves such an insertion unknown,
 * and this is the case faultline's precise lock tracking must decide.
 * A punch (writer) that readers queue behind and that wakes them all at
 * once when it releases the lock is what makes it hard: the woken readers
 * are counted in the lock word before each of them runs again.
 */
#define pr_fmt(fmt) "zoofs: " fmt

#include <linux/delay.h>
#include <linux/err.h>
#include <linux/jiffies.h>
#include <linux/pagemap.h>
#include <linux/printk.h>
#include <linux/sched/signal.h>

#include "zoo.h"
#include "zoo_rdins.h"

/*
 * An rw_semaphore's readers: count >> 8, or on PREEMPT_RT (rwbase_rt) the
 * readers word less READER_BIAS (1U << 31) while no writer has taken the
 * bias away (a writer waiting for readers, or holding it: 0 here).
 */
static long zoo_rwsem_readers(struct rw_semaphore *sem)
{
#ifdef CONFIG_PREEMPT_RT
	unsigned int r = (unsigned int)atomic_read(&sem->rwbase.readers);

	return r & (1U << 31) ? r - (1U << 31) : 0;
#else
	long count = atomic_long_read(&sem->count);

	return count & 1 ? 0 : count >> 8;
#endif
}

static long zoo_rd_hold(struct inode *inode, unsigned long npages)
{
	struct address_space *mapping = inode->i_mapping;
	long found = 0;
	pgoff_t i;

	npages = clamp(npages, 1UL, 64UL);
	filemap_invalidate_lock_shared(mapping);
	for (i = 0; i < npages; i++) {
		/* NULL up to 6.3, ERR_PTR(-ENOENT) later */
		struct folio *folio = filemap_get_folio(mapping, i);

		if (!IS_ERR_OR_NULL(folio)) {
			found++;
			folio_put(folio);
		}
	}
	filemap_invalidate_unlock_shared(mapping);
	zoo_count(inode, ZS_RDINS_HOLD, 1);
	return found;
}

/*
 * 0: the folio was cached already; 1: inserted; 2: inserted while other
 * tasks held invalidate_lock shared (the case the lock word cannot
 * decide).
 */
static long zoo_rd_insert(struct inode *inode, pgoff_t index, bool bug)
{
	struct address_space *mapping = inode->i_mapping;
	struct folio *folio;
	long ret = 0, others;

	if (index >= DIV_ROUND_UP(i_size_read(inode), PAGE_SIZE))
		return -EINVAL;
	if (!bug)
		filemap_invalidate_lock_shared(mapping);
	folio = __filemap_get_folio(mapping, index, FGP_LOCK | FGP_CREAT | FGP_ACCESSED,
				    mapping_gfp_mask(mapping));
	if (IS_ERR_OR_NULL(folio)) {
		ret = -ENOMEM;
		goto out;
	}
	if (!folio_test_uptodate(folio)) {
		others = zoo_rwsem_readers(&mapping->invalidate_lock) - (bug ? 0 : 1);
		zoo_count(inode, ZS_RDINS_NEW, 1);
		if (bug) {
			zoo_count(inode, ZS_RDINS_NEW_NOLOCK, 1);
			pr_info_ratelimited("bug rdins: %s ino %lu: inserted index %lu without invalidate_lock\n",
					    inode->i_sb->s_id, inode->i_ino, index);
		}
		if (others > 0)
			zoo_count(inode, ZS_RDINS_NEW_SHARED, 1);
		zoo_fill(folio);
		ret = others > 0 ? 2 : 1;
	}
	folio_unlock(folio);
	folio_put(folio);
out:
	if (!bug)
		filemap_invalidate_unlock_shared(mapping);
	return ret;
}

/*
 * A reader that holds invalidate_lock shared for @ms milliseconds (at most
 * five minutes, or until it is killed) and meanwhile instantiates a folio
 * every 20 ms under it: a healthy inserter.  Started before faultline
 * attaches, its hold is one that precise tracking never saw taken, so its
 * insertions must stay unknown, never be reported.  Returns the folios it
 * inserted.
 */
static long zoo_rd_hold_insert(struct inode *inode, unsigned long ms)
{
	struct address_space *mapping = inode->i_mapping;
	unsigned long end = jiffies + msecs_to_jiffies(min(ms, 300000UL));
	pgoff_t n = DIV_ROUND_UP(i_size_read(inode), PAGE_SIZE), index = 0;
	struct folio *folio;
	long inserted = 0;

	if (!n)
		return -EINVAL;
	filemap_invalidate_lock_shared(mapping);
	while (time_before(jiffies, end) && !fatal_signal_pending(current)) {
		folio = __filemap_get_folio(mapping, index++ % n,
					    FGP_LOCK | FGP_CREAT | FGP_ACCESSED,
					    mapping_gfp_mask(mapping));
		if (IS_ERR_OR_NULL(folio))
			break;
		if (!folio_test_uptodate(folio)) {
			zoo_count(inode, ZS_RDINS_NEW, 1);
			zoo_fill(folio);
			inserted++;
		}
		folio_unlock(folio);
		folio_put(folio);
		msleep(20);
	}
	filemap_invalidate_unlock_shared(mapping);
	return inserted;
}

long zoo_rdins_ioctl(struct file *file, unsigned int cmd, unsigned long arg, bool bug)
{
	struct inode *inode = file_inode(file);

	switch (cmd) {
	case ZOO_IOC_RD_HOLD:
		return zoo_rd_hold(inode, arg);
	case ZOO_IOC_RD_INSERT:
		return zoo_rd_insert(inode, arg, bug);
	case ZOO_IOC_RD_HOLD_INSERT:
		return zoo_rd_hold_insert(inode, arg);
	default:
		return -ENOTTY;
	}
}
