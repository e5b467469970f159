/* SPDX-License-Identifier: GPL-2.0 */
/* What the running kernel and our privileges allow, checked up front. */
#ifndef FL_KERNEL_H
#define FL_KERNEL_H

#include <stdbool.h>
#include <stddef.h>

#define FL_VMLINUX_BTF "/sys/kernel/btf/vmlinux"

void fl_kernel_release(char *buf, size_t len);
/*
 * Everything live tracing needs, with a one-line reason on failure:
 * root, kernel BTF, tracefs.  Returns 0 or FL_EXIT_ENV.
 */
int fl_kernel_preflight(void);

#endif
