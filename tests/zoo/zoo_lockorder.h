/* SPDX-License-Identifier: GPL-2.0 */
/* The bug zoo's lock-order class "lo" (zoo_lockorder.c), driven by ioctl. */
#ifndef ZOO_LOCKORDER_H
#define ZOO_LOCKORDER_H

#include <linux/fs.h>
#include <linux/ioctl.h>

/*
 * Shared with zootrigger.c: take i_rwsem and invalidate_lock nested, or
 * the task's mmap_lock (read) and invalidate_lock.
 */
#define ZOO_IOC_LO_DOC	_IO('z', 1)	/* the documented order, always */
#define ZOO_IOC_LO_INV	_IO('z', 2)	/* inverted when bugs=lo, else documented */
#define ZOO_IOC_LO_MM_DOC _IO('z', 3)	/* mmap_lock, then invalidate_lock */
#define ZOO_IOC_LO_MM_INV _IO('z', 4)	/* inverted when bugs=lo, else documented */
/* arg: an fd open for writing on another filesystem; a page written there */
#define ZOO_IOC_LO_OTHER _IO('z', 0x10)	/* under mmap_lock when bugs=lo */

long zoo_lockorder_ioctl(struct file *file, unsigned int cmd, unsigned long arg, bool bug);

#endif
