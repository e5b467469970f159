// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "kernel.h"
#include "tracefs.h"
#include "util.h"

void fl_kernel_release(char *buf, size_t len)
{
	struct utsname u;

	if (uname(&u))
		snprintf(buf, len, "unknown");
	else
		snprintf(buf, len, "%s", u.release);
}

int fl_kernel_preflight(void)
{
	if (geteuid() != 0) {
		fl_err("faultline needs root (CAP_BPF, CAP_PERFMON, CAP_SYS_ADMIN) to load BPF");
		return FL_EXIT_ENV;
	}
	if (access(FL_VMLINUX_BTF, R_OK)) {
		fl_err("no kernel BTF at %s (needs CONFIG_DEBUG_INFO_BTF=y): %s",
		       FL_VMLINUX_BTF, strerror(errno));
		return FL_EXIT_ENV;
	}
	if (fl_tracefs_ensure())
		return FL_EXIT_ENV;
	return 0;
}
