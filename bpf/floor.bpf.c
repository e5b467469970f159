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

SEC("tp_btf")
int floor_tp_btf(void *ctx)
{
	return 0;
}

SEC("raw_tp")
int floor_raw_tp(void *ctx)
{
	return 0;
}

SEC("fentry")
int floor_fentry(void *ctx)
{
	return 0;
}

SEC("fexit")
int floor_fexit(void *ctx)
{
	return 0;
}

SEC("tracepoint")
int floor_tp(void *ctx)
{
	return 0;
}

SEC("kprobe")
int floor_kprobe(void *ctx)
{
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
