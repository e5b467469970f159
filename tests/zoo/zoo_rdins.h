/* SPDX-License-Identifier: GPL-2.0 */
/* The bug zoo's class "rdins" (zoo_rdins.c), driven by ioctl. */
#ifndef ZOO_RDINS_H
#define ZOO_RDINS_H

#include <linux/fs.h>
#include <linux/ioctl.h>

/*
 * Shared with zootrigger.c: hold invalidate_lock shared while looking up
 * the first ARG folios; instantiate the folio at index ARG (without the
 * lock when bugs=rdins); hold the lock shared for ARG ms (or until killed),
 * instantiating a folio every 20 ms under it (always healthy).
 */
#define ZOO_IOC_RD_HOLD		_IO('z', 5)
#define ZOO_IOC_RD_INSERT	_IO('z', 6)
#define ZOO_IOC_RD_HOLD_INSERT	_IO('z', 7)

long zoo_rdins_ioctl(struct file *file, unsigned int cmd, unsigned long arg, bool bug);

#endif
