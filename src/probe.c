// SPDX-License-Identifier: GPL-2.0
/*
 * `faultline probe`: what the running kernel allows, and the plan that
 * `check` would follow.  The BPF objects are really loaded (so the
 * verifier and CO-RE relocation are exercised) but not attached.
 */
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "kernel.h"
#include "loader.h"
#include "tracefs.h"
#include "util.h"

/* Looks through anonymous unions and structs, as C field access does. */
static bool type_has_member(const struct btf *btf, const struct btf_type *t,
			    const char *member, int depth)
{
	const struct btf_member *m = btf_members(t);

	for (int i = 0; i < btf_vlen(t); i++, m++) {
		const char *name = btf__name_by_offset(btf, m->name_off);
		const struct btf_type *mt;

		if (name && *name) {
			if (!strcmp(name, member))
				return true;
			continue;
		}
		mt = btf__type_by_id(btf, m->type);
		if (depth < 4 && mt && (btf_is_struct(mt) || btf_is_union(mt)) &&
		    type_has_member(btf, mt, member, depth + 1))
			return true;
	}
	return false;
}

static bool has_member(const struct btf *btf, const char *type, const char *member)
{
	int id = btf__find_by_name_kind(btf, type, BTF_KIND_STRUCT);

	return id > 0 && type_has_member(btf, btf__type_by_id(btf, id), member, 0);
}

/* Readable, not merely present: lockdown or a locked ftrace refuses the read. */
static bool can_read(const char *path)
{
	char c;
	FILE *f = fopen(path, "re");
	bool ok;

	if (!f)
		return false;
	ok = fread(&c, 1, 1, f) == 1;
	fclose(f);
	return ok;
}

static void print_prog_types(void)
{
	static const struct {
		enum bpf_prog_type type;
		const char *name;
	} types[] = {
		{ BPF_PROG_TYPE_RAW_TRACEPOINT, "raw_tp" },
		{ BPF_PROG_TYPE_TRACEPOINT, "tracepoint" },
		{ BPF_PROG_TYPE_KPROBE, "kprobe (program type)" },
	};
	char path[256];

	printf("program types:\n");
	for (size_t i = 0; i < ARRAY_SIZE(types); i++)
		printf("  %-34s %s\n", types[i].name,
		       libbpf_probe_bpf_prog_type(types[i].type, NULL) == 1 ? "yes" : "no");
	/* fentry needs ftrace function hooks; kprobes need CONFIG_KPROBES */
	snprintf(path, sizeof(path), "%s/available_filter_functions",
		 fl_tracefs_root() ? fl_tracefs_root() : "/sys/kernel/tracing");
	printf("  %-34s %s\n", "fentry/fexit", fl_kernel_can_fentry() ? "yes (a probe program attached)" :
	       can_read(path) ? "no (load or attach refused)" :
	       "no (available_filter_functions not readable: ftrace locked)");
	snprintf(path, sizeof(path), "%s/kprobe_events",
		 fl_tracefs_root() ? fl_tracefs_root() : "/sys/kernel/tracing");
	printf("  %-34s %s\n", "kprobe attach", fl_kernel_can_kprobe() ? "yes" :
	       "no (no kprobe PMU, no kprobe_events)");
}

static void print_lock_fields(void)
{
	struct btf *btf = btf__load_vmlinux_btf();
	static const char *const fields[][2] = {
		{ "address_space", "invalidate_lock" },
		{ "inode", "i_rwsem" },
		{ "rw_semaphore", "count" },
		{ "rw_semaphore", "owner" },
		{ "rw_semaphore", "rwbase" },
		{ "folio", "_flags_1" },
		{ "iomap", "validity_cookie" },
		{ "iomap_iter", "status" },
		{ "iomap_iter", "processed" },
	};

	const char *shape;

	printf("kernel BTF fields (CO-RE):\n");
	if (!btf) {
		printf("  kernel BTF not readable\n");
		return;
	}
	for (size_t i = 0; i < ARRAY_SIZE(fields); i++) {
		char label[64];

		snprintf(label, sizeof(label), "%s.%s", fields[i][0], fields[i][1]);
		printf("  %-34s %s\n", label, has_member(btf, fields[i][0], fields[i][1]) ? "yes" : "no");
	}
	shape = fl_kernel_lock_word_shape();
	printf("  %-34s %s\n", "rwsem layout", !shape ? "not readable: lock rules not checked" :
	       !strcmp(shape, "rwbase_rt") ?
	       "PREEMPT_RT rwbase_rt (free and exclusive read; shared holds name no "
	       "reader: unknown, also with --locks=precise: BPF is preemptible)" :
	       "count/owner (5.3+ encoding)");
	btf__free(btf);
}

static const struct fl_cmd_spec probe_spec = {
	.name = "probe",
	.synopsis = "[options]",
	.about =
"Print the kernel release, which BPF program types and attach mechanisms\n"
"it allows, the lock fields its BTF has, and the attach plan `check` would\n"
"follow with these options, each program with its status.  The BPF objects\n"
"are loaded (verified, CO-RE relocated) but not attached.  Exit status 0,\n"
"or 2 when the plan cannot attach (a forced mode or --locks precise this\n"
"kernel does not allow: its programs are shown \"unattachable\").",
	.groups = { fl_opts_attach },
};

int fl_cmd_probe(int argc, char **argv)
{
	struct fl_loader_opts lo = { .no_attach = true, .watch_tmpfs = true };
	struct fl_cli c = { .live = { .mode = "probe" } };
	struct fl_live_opts o;
	struct fl_loader l;
	char rel[128];
	int first, err, unattachable;

	err = fl_cli_parse(&probe_spec, argc, argv, &c, &first);
	if (err)
		return err > 0 ? FL_EXIT_CLEAN : FL_EXIT_ENV;
	o = c.live;
	lo.lock_order = o.lock_order;
	lo.attach = o.attach;
	lo.precise = o.precise;
	fl_kernel_release(rel, sizeof(rel));
	printf("kernel: Linux %s\n", rel);
	if (fl_kernel_preflight())
		return FL_EXIT_ENV;
	printf("tracefs: %s\n", fl_tracefs_root());
	print_prog_types();
	print_lock_fields();
	if (fl_loader_open(&l, &lo, NULL, NULL))
		return FL_EXIT_ENV;
	/* tp_btf is BPF_PROG_TYPE_TRACING: the plan below loaded such programs */
	printf("  %-34s yes (faultline's tp_btf programs loaded)\n", "tp_btf");
	printf("attach plan (check --attach=%s):\n", fl_attach_mode_name(lo.attach));
	for (int i = 0; i < l.nattach; i++)
		printf("  %-22s %-36s %-8s %s\n", l.attach[i].prog, l.attach[i].target,
		       l.attach[i].status, l.attach[i].why);
	unattachable = l.unattachable;
	fl_loader_close(&l);
	/* the plan was shown for what it is; check would refuse it */
	return unattachable ? FL_EXIT_ENV : FL_EXIT_CLEAN;
}
