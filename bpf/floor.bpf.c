// SPDX-License-Identifier: GPL-2.0
/*
 * The floor for `make bench`: empty programs, one per kind of hook faultline
 * attaches.  tests/bench/flfloor.c loads one copy per hook faultline has in
 * the same run (its attach target set at load time) so that the kernel's BPF
 * run-time statistics give, for the same events, what a program that does
 * nothing costs next to what faultline's costs.  Not part of faultline.
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

FLOOR_PROG("tp_btf", tp_btf)
FLOOR_PROG("raw_tp", raw_tp)
FLOOR_PROG("fentry", fentry)
FLOOR_PROG("fexit", fexit)
FLOOR_PROG("tracepoint", tp)
FLOOR_PROG("kprobe", kprobe)

char LICENSE[] SEC("license") = "GPL";
