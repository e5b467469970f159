// SPDX-License-Identifier: GPL-2.0
/*
 * The floor for `make bench`: empty programs, one per kind of hook faultline
 * attaches.  tests/bench/flfloor.c loads one copy per hook faultline has in
 * the same run (its attach target set at load time) so that the kernel's BPF
 * run-time statistics give, for the same events, what a program that does
 * nothing costs next to what faultline's costs.  Beside each, a program that
 * only counts its event in a per-CPU array, as faultline's fl_count() does:
 * the least a tool that says how many events it checked can do.  Not part
 * of faultline.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

/* An empty program named floor_@name in section @sec. */
#define FLOOR_PROG(sec, name)			\
	SEC(sec)				\
	int floor_##name(void *ctx)		\
	{					\
		return 0;			\
	}

/* A program named count_@name in section @sec that counts its runs. */
#define COUNT_PROG(sec, name)						\
	SEC(sec)							\
	int count_##name(void *ctx)					\
	{								\
		__u32 zero = 0;						\
		__u64 *n = bpf_map_lookup_elem(&floor_count, &zero);	\
									\
		if (n)							\
			(*n)++;						\
		return 0;						\
	}

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} floor_count SEC(".maps");

FLOOR_PROG("tp_btf", tp_btf)
FLOOR_PROG("raw_tp", raw_tp)
FLOOR_PROG("fentry", fentry)
FLOOR_PROG("fexit", fexit)
FLOOR_PROG("tracepoint", tp)
FLOOR_PROG("kprobe", kprobe)
COUNT_PROG("tp_btf", tp_btf)
COUNT_PROG("raw_tp", raw_tp)
COUNT_PROG("fentry", fentry)
COUNT_PROG("fexit", fexit)
COUNT_PROG("tracepoint", tp)
COUNT_PROG("kprobe", kprobe)

char LICENSE[] SEC("license") = "GPL";
