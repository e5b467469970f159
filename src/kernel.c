// SPDX-License-Identifier: GPL-2.0
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <linux/bpf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/utsname.h>
#include <time.h>
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

/*
 * Module BTFs parsed, kept: a plan asks about each module's names many
 * times, and parsing xfs's takes a while.  Round robin when full.
 */
static struct {
	char name[64];
	struct btf *btf;
} mod_btfs[8];
static unsigned int mod_btf_next;

static struct btf *module_btf(const char *mod)
{
	char path[128];
	struct btf *split;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(mod_btfs); i++)
		if (mod_btfs[i].btf && !strcmp(mod_btfs[i].name, mod))
			return mod_btfs[i].btf;
	snprintf(path, sizeof(path), "/sys/kernel/btf/%s", mod);
	split = btf__parse_split(path, vmlinux_btf);
	if (!split)
		return NULL;
	i = mod_btf_next++ % ARRAY_SIZE(mod_btfs);
	btf__free(mod_btfs[i].btf);
	snprintf(mod_btfs[i].name, sizeof(mod_btfs[i].name), "%s", mod);
	mod_btfs[i].btf = split;
	return split;
}

void fl_kernel_forget_module(const char *mod)
{
	for (unsigned int i = 0; i < ARRAY_SIZE(mod_btfs); i++) {
		if (!mod_btfs[i].btf || strcmp(mod_btfs[i].name, mod))
			continue;
		btf__free(mod_btfs[i].btf);
		mod_btfs[i].btf = NULL;
	}
}

/*
 * Look @name up in vmlinux BTF, then in the BTF of the module its prefix
 * names ("xfs_..." in /sys/kernel/btf/xfs): Debian builds xfs as a module,
 * other kernels build it in.
 */
static bool btf_has(const char *name, const char *lookup, int kind)
{
	char mod[64];
	struct btf *split;
	size_t n = strcspn(name, "_");

	if (!kernel_btf())
		return false;
	if (btf__find_by_name_kind(vmlinux_btf, lookup, kind) > 0)
		return true;
	if (!n || n >= sizeof(mod))
		return false;
	snprintf(mod, sizeof(mod), "%.*s", (int)n, name);
	split = module_btf(mod);
	return split && btf__find_by_name_kind(split, lookup, kind) > 0;
}

bool fl_kernel_has_btf_tp(const char *name)
{
	char tname[128];

	snprintf(tname, sizeof(tname), "btf_trace_%s", name);
	return btf_has(name, tname, BTF_KIND_TYPEDEF);
}

/*
 * The number of arguments of tracepoint @name (vmlinux only), -1 if it has
 * none or its type is not the usual pointer to a prototype whose first
 * argument is the probe's data.
 */
int fl_kernel_btf_tp_nargs(const char *name)
{
	const struct btf_type *t;
	char tname[128];
	int id;

	if (!kernel_btf())
		return -1;
	snprintf(tname, sizeof(tname), "btf_trace_%s", name);
	id = btf__find_by_name_kind(vmlinux_btf, tname, BTF_KIND_TYPEDEF);
	if (id <= 0)
		return -1;
	t = btf__type_by_id(vmlinux_btf, id);
	t = t ? btf__type_by_id(vmlinux_btf, t->type) : NULL;
	t = t && btf_is_ptr(t) ? btf__type_by_id(vmlinux_btf, t->type) : NULL;
	if (!t || !btf_is_func_proto(t) || btf_vlen(t) < 1)
		return -1;
	return btf_vlen(t) - 1;
}

bool fl_kernel_has_func(void *ctx, const char *name)
{
	(void)ctx;
	return btf_has(name, name, BTF_KIND_FUNC);
}

bool fl_kernel_can_fentry(void)
{
	/* r0 = 0; exit */
	const struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	LIBBPF_OPTS(bpf_prog_load_opts, opts, .expected_attach_type = BPF_TRACE_FENTRY);
	static int cached = -1;
	int id, fd, link;

	if (cached >= 0)
		return cached;
	cached = 0;
	if (!kernel_btf())
		return false;
	id = btf__find_by_name_kind(vmlinux_btf, "filemap_fault", BTF_KIND_FUNC);
	if (id <= 0)
		return false;
	opts.attach_btf_id = id;
	fd = bpf_prog_load(BPF_PROG_TYPE_TRACING, "fl_probe", "GPL", insns, ARRAY_SIZE(insns), &opts);
	if (fd < 0)
		return false;
	/* loading is not enough where ftrace is locked: attaching must work */
	link = bpf_raw_tracepoint_open(NULL, fd);
	cached = link >= 0;
	if (link >= 0)
		close(link);	/* or every fault pays for a trampoline all run long */
	close(fd);
	return cached;
}

bool fl_kernel_bpf_atomics(void)
{
	/* *(u64 *)(r10 - 8) = 0; r0 = 0; r1 = 1; r1 = xchg(r10 - 8, r1); exit */
	const struct bpf_insn insns[] = {
		{ .code = BPF_ST | BPF_MEM | BPF_DW, .dst_reg = BPF_REG_10, .off = -8, .imm = 0 },
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0 },
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_1, .imm = 1 },
		{ .code = BPF_STX | BPF_ATOMIC | BPF_DW, .dst_reg = BPF_REG_10,
		  .src_reg = BPF_REG_1, .off = -8, .imm = BPF_XCHG },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	static int cached = -1;
	int fd;

	if (cached >= 0)
		return cached;
	fd = bpf_prog_load(BPF_PROG_TYPE_SOCKET_FILTER, "fl_probe", "GPL", insns,
			   ARRAY_SIZE(insns), NULL);
	cached = fd >= 0;
	if (fd >= 0)
		close(fd);
	return cached;
}

bool fl_kernel_can_kprobe(void)
{
	char path[256];

	if (!access("/sys/bus/event_source/devices/kprobe/type", F_OK))
		return true;
	snprintf(path, sizeof(path), "%s/kprobe_events",
		 fl_tracefs_root() ? fl_tracefs_root() : "/sys/kernel/tracing");
	return !access(path, F_OK);
}

static bool struct_has(const char *type, const char *member)
{
	const struct btf_type *t;
	const struct btf_member *m;
	int id;

	if (!kernel_btf())
		return false;
	id = btf__find_by_name_kind(vmlinux_btf, type, BTF_KIND_STRUCT);
	if (id <= 0)
		return false;
	t = btf__type_by_id(vmlinux_btf, id);
	m = btf_members(t);
	for (int i = 0; i < btf_vlen(t); i++, m++)
		if (!strcmp(btf__name_by_offset(vmlinux_btf, m->name_off), member))
			return true;
	return false;
}

const char *fl_kernel_lock_word_shape(void)
{
	if (struct_has("rw_semaphore", "count"))
		return "count/owner";
	/* PREEMPT_RT: struct rw_semaphore { struct rwbase_rt rwbase; } */
	if (struct_has("rw_semaphore", "rwbase") && struct_has("rwbase_rt", "readers") &&
	    struct_has("rt_mutex_base", "owner"))
		return "rwbase_rt";
	return NULL;
}

bool fl_kernel_lock_words(void)
{
	return fl_kernel_lock_word_shape() != NULL;
}

bool fl_kernel_rwsem_lockdep(void)
{
	return struct_has("rw_semaphore", "dep_map");
}

/* The mode in parentheses of debugfs sched/preempt: "none (voluntary) full". */
static int preempt_mode_in(const char *dir)
{
	char path[256], buf[128], *lp, *rp;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/sched/preempt", dir);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	lp = strchr(buf, '(');
	rp = lp ? strchr(lp, ')') : NULL;
	if (!rp)
		return -1;
	*rp = '\0';
	if (!strcmp(lp + 1, "none") || !strcmp(lp + 1, "voluntary"))
		return 0;
	if (!strcmp(lp + 1, "full") || !strcmp(lp + 1, "lazy"))
		return 1;
	return -1;
}

int fl_kernel_ktime_ns(__u64 *ns)
{
	long long sec = 0, nsec = 0, off;
	struct timespec ts;
	char line[128], name[32];
	FILE *f;

	if (clock_gettime(CLOCK_MONOTONIC, &ts))
		return -errno;
	/* absent: a kernel without time namespaces, no offset */
	f = fopen("/proc/self/timens_offsets", "r");
	if (!f && errno != ENOENT)
		return -errno;
	while (f && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%31s %lld %lld", name, &sec, &nsec) == 3 &&
		    !strcmp(name, "monotonic"))
			break;
		sec = nsec = 0;
	}
	if (f)
		fclose(f);
	off = sec * 1000000000LL + nsec;
	*ns = (__u64)(ts.tv_sec * 1000000000LL + ts.tv_nsec - off);
	return 0;
}

int fl_kernel_bpf_preemptible(void)
{
	char dir[] = "/tmp/faultline-debugfs.XXXXXX", *tok, *save = NULL;
	bool dynamic = false, preempt = false;
	struct utsname u;
	int mode;

	/* "#1 SMP PREEMPT_DYNAMIC Debian ...": the build's preemption model */
	if (uname(&u))
		return -1;
	for (tok = strtok_r(u.version, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
		if (!strcmp(tok, "PREEMPT_DYNAMIC"))
			dynamic = true;
		else if (!strncmp(tok, "PREEMPT", 7))
			preempt = true;		/* PREEMPT, PREEMPT_RT, PREEMPT_LAZY */
	}
	if (preempt)
		return 1;
	if (!dynamic)
		return 0;
	/* chosen at boot: debugfs says which, mounted for a moment if need be */
	mode = preempt_mode_in("/sys/kernel/debug");
	if (mode >= 0 || !mkdtemp(dir))
		return mode;
	if (!mount("debugfs", dir, "debugfs", MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_RDONLY, NULL)) {
		mode = preempt_mode_in(dir);
		umount2(dir, MNT_DETACH);
	}
	rmdir(dir);
	return mode;
}
