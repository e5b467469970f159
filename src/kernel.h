/* SPDX-License-Identifier: GPL-2.0 */
/* What the running kernel and our privileges allow, checked up front. */
#ifndef FL_KERNEL_H
#define FL_KERNEL_H

#include <linux/types.h>
#include <stdbool.h>
#include <stddef.h>

#define FL_VMLINUX_BTF "/sys/kernel/btf/vmlinux"

void fl_kernel_release(char *buf, size_t len);
/*
 * Everything live tracing needs, with a one-line reason on failure:
 * root, kernel BTF, tracefs.  Returns 0 or FL_EXIT_ENV.
 */
int fl_kernel_preflight(void);

/* Facts from the kernel's BTF (vmlinux, and module BTF where needed). */
bool fl_kernel_has_btf_tp(const char *name);
/* The arguments a tracepoint passes its programs (vmlinux's), or -1. */
int fl_kernel_btf_tp_nargs(const char *name);
/*
 * Does the kernel have this function?  Looked up in BTF, not kallsyms
 * (reading kallsyms takes most of a second); a name "mod_..." is also
 * looked up in module mod's BTF.  Signature of fl_rules_init's callback.
 */
bool fl_kernel_has_func(void *ctx, const char *name);
/* A module (re)loaded: its BTF, if kept from before, is looked up again. */
void fl_kernel_forget_module(const char *mod);
/* Can an fentry program be loaded here (BPF trampolines, ftrace not locked)? */
bool fl_kernel_can_fentry(void);
/*
 * The shape of the rw_semaphore lock word BPF reads: "count/owner" (the
 * 5.3+ encoding), "rwbase_rt" (PREEMPT_RT: readers counted, the writer
 * named by the rtmutex, no reader named), NULL when neither is readable.
 */
const char *fl_kernel_lock_word_shape(void);
/* Can lock states be read from rw_semaphore words (either shape)? */
bool fl_kernel_lock_words(void);
/* Lockdep (rw_semaphore.dep_map): the _nested and _non_owner forms exist. */
bool fl_kernel_rwsem_lockdep(void);
/*
 * Can a BPF tracing program be preempted (CONFIG_PREEMPT, _RT, _LAZY, or a
 * PREEMPT_DYNAMIC kernel booted full or lazy)?  1 yes, 0 no, -1 unknown.
 */
int fl_kernel_bpf_preemptible(void);
/*
 * The kernel's ktime_get_ns() now (bpf_ktime_get_ns(), task start_time):
 * CLOCK_MONOTONIC less this process's time namespace offset.  0 on success.
 */
int fl_kernel_ktime_ns(__u64 *ns);
/* Does the kernel offer kprobes (perf kprobe PMU or tracefs kprobe_events)? */
bool fl_kernel_can_kprobe(void);
/* Does its BPF have the atomic exchanges (BPF_XCHG, BPF_CMPXCHG: 5.12+)? */
bool fl_kernel_bpf_atomics(void);

#endif
