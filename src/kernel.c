// SPDX-License-Identifier: GPL-2.0
#include <bpf/btf.h>
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

static struct btf *vmlinux_btf;

static struct btf *kernel_btf(void)
{
	if (!vmlinux_btf)
		vmlinux_btf = btf__load_vmlinux_btf();
	return vmlinux_btf;
}

bool fl_kernel_has_btf_tp(const char *name)
{
	char tname[128];

	if (!kernel_btf())
		return false;
	snprintf(tname, sizeof(tname), "btf_trace_%s", name);
	return btf__find_by_name_kind(vmlinux_btf, tname, BTF_KIND_TYPEDEF) > 0;
}

bool fl_kernel_has_func(void *ctx, const char *name)
{
	char mod[64], path[128];
	struct btf *split;
	size_t n = strcspn(name, "_");
	bool found;

	(void)ctx;
	if (!kernel_btf())
		return false;
	if (btf__find_by_name_kind(vmlinux_btf, name, BTF_KIND_FUNC) > 0)
		return true;
	if (!n || n >= sizeof(mod))
		return false;
	snprintf(mod, sizeof(mod), "%.*s", (int)n, name);
	snprintf(path, sizeof(path), "/sys/kernel/btf/%s", mod);
	split = btf__parse_split(path, vmlinux_btf);
	if (!split)
		return false;
	found = btf__find_by_name_kind(split, name, BTF_KIND_FUNC) > 0;
	btf__free(split);
	return found;
}
