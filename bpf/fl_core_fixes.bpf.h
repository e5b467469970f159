/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Every kernel variant the BPF objects adapt to, in one place, each with
 * the upstream commit that introduced it (or, where the commit was not
 * found, the kernel version and file that show it).  CO-RE picks the form
 * at load time from the running kernel's BTF: local flavours (struct
 * foo___bar with preserve_access_index) name fields the build's vmlinux.h
 * does not have, and bpf_core_field_exists() chooses.  Tracepoint argument
 * lists that changed cannot be chosen inside a program: there the object
 * has one program per form and the loader loads the one whose argument
 * count the kernel's BTF has (src/loader.c, prog_rules .nargs).
 */
#ifndef FL_CORE_FIXES_BPF_H
#define FL_CORE_FIXES_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

/*
 * address_space.invalidate_lock: 730633f0b7f9 ("mm: Protect operations
 * adding pages to page cache with invalidate_lock", 5.15).  Before it a
 * filesystem had its own (ext4's i_mmap_sem, xfs's MMAPLOCK): the
 * invalidate-lock checks have nothing to read there.
 */
#define fl_has_invalidate_lock(mapping) bpf_core_field_exists((mapping)->invalidate_lock)

/*
 * The PREEMPT_RT shape of an rw_semaphore: upstream 42254105dfe8
 * ("locking/rwsem: Add rtmutex based R/W semaphore implementation", 5.15)
 * builds it on rwbase_rt from 943f0edb754f ("locking/rt: Add base code for
 * RT rw_semaphore and rwlock"): struct rw_semaphore { struct rwbase_rt
 * rwbase; } with rwbase.readers an atomic_t and rwbase.rtmutex an
 * rt_mutex_base whose owner is the writer (bit 0: RT_MUTEX_HAS_WAITERS).
 * The same in 6.1 and 6.12 (kernel/locking/rwbase_rt.c):
 *
 *   readers == READER_BIAS          free
 *   readers == READER_BIAS + n      n readers (fast path), no writer
 *   readers == n (bias removed)     a writer owns the rtmutex and waits
 *                                   for the n readers left (n == 0: for
 *                                   nobody; it does not hold the lock yet)
 *   readers == WRITER_BIAS          write-locked by the rtmutex owner
 *
 * downgrade_write leaves READER_BIAS + 1.  No field names a reader.  Local
 * flavours (the build's vmlinux.h is not an RT kernel's); chosen by BTF at
 * load: bpf_core_field_exists(rwbase) is true exactly on RT kernels.
 */
struct rt_mutex_base___fl {
	struct task_struct *owner;
} __attribute__((preserve_access_index));

struct rwbase_rt___fl {
	atomic_t readers;
	struct rt_mutex_base___fl rtmutex;
} __attribute__((preserve_access_index));

struct rw_semaphore___rt {
	struct rwbase_rt___fl rwbase;
} __attribute__((preserve_access_index));

#define FL_RT_READER_BIAS	(1U << 31)
#define FL_RT_WRITER_BIAS	(1U << 30)

/*
 * The RT lock word of @sem: false on a kernel without that shape.  *writer
 * is the task holding it for writing (0: none), *readers how many hold it
 * for reading.
 */
static __always_inline bool fl_rwsem_rt_word(struct rw_semaphore *sem, __u64 *writer,
					     __u64 *readers)
{
	struct rw_semaphore___rt *rt = (void *)sem;
	__u32 r;

	if (!bpf_core_field_exists(rt->rwbase))
		return false;
	/* no RT field's offset computed above the test (a global function's
	 * verifier walks every path: a hoisted, poisoned relocation fails) */
	barrier_var(rt);
	r = (__u32)BPF_CORE_READ(rt, rwbase.readers.counter);
	*writer = 0;
	*readers = 0;
	if (r == FL_RT_WRITER_BIAS)
		*writer = (__u64)BPF_CORE_READ(rt, rwbase.rtmutex.owner) & ~1UL;
	else
		*readers = r & ~FL_RT_READER_BIAS;
	return true;
}

/*
 * iomap_iter.processed: a step's progress, which iomap_iter() added to pos
 * (6.1 .. 6.14, fs/iomap/iter.c).  From 6.15 the operations advance
 * iter->pos themselves and the field is iomap_iter.status (the 6.18 BTF
 * has only status; the commit that removed processed was not found).
 * 0 where the kernel has no such field: pos is already the progress.
 */
struct iomap_iter___processed {
	__s64 processed;
} __attribute__((preserve_access_index));

static __always_inline __s64 fl_iomap_iter_processed(struct iomap_iter *iter)
{
	struct iomap_iter___processed *old = (void *)iter;

	if (!bpf_core_field_exists(old->processed))
		return 0;
	return BPF_CORE_READ(old, processed);
}

/*
 * struct folio_batch holds PAGEVEC_SIZE folios: 15 in 6.1, 31 in 6.12 and
 * later (include/linux/pagevec.h; the commit that raised it was not
 * found).  The batch programs (pagecache.bpf.c) index it by byte offset
 * from the relocated start of folios[] and bound the loop by the
 * relocated array size: a CO-RE access to folios[i] past the running
 * kernel's array would fail to relocate.
 */
#define fl_fbatch_off(fb)	bpf_core_field_offset((fb)->folios)
#define fl_fbatch_max(fb)	(bpf_core_field_size((fb)->folios) / sizeof(void *))

/*
 * Folio layouts.  The order of a large folio was _folio_order, a field of
 * the first tail page that 379708ffde1b ("mm: add the first tail page to
 * struct folio", 6.1) put in struct folio; later kernels keep it in the
 * low byte of _flags_1 (include/linux/mm.h folio_order(); the commit that
 * moved it was not found, the 6.12 and 6.18 BTF have no _folio_order).
 * folio->flags became memdesc_flags_t in 6.17 (include/linux/mm_types.h;
 * commit not found), a plain unsigned long before: an int-typed local
 * flavour does not match the struct-typed field, so both are tried.
 */
struct folio___flat {
	unsigned long flags;
} __attribute__((preserve_access_index));

struct folio___order {
	unsigned char _folio_order;
} __attribute__((preserve_access_index));

static __always_inline __u64 fl_folio_nr_pages(struct folio *folio)
{
	struct folio___flat *flat = (void *)folio;
	struct folio___order *old = (void *)folio;
	int head = bpf_core_enum_value(enum pageflags, PG_head);
	unsigned long flags = 0, flags1 = 0;
	unsigned char order = 0;

	/* an int-typed flags field does not match a struct-typed one */
	if (bpf_core_field_exists(flat->flags))
		bpf_core_read(&flags, sizeof(flags), &flat->flags);
	else
		bpf_core_read(&flags, sizeof(flags), &folio->flags);
	if (!(flags & (1UL << head)))
		return 1;
	if (bpf_core_field_exists(old->_folio_order)) {
		bpf_core_read(&order, sizeof(order), &old->_folio_order);
		return 1ULL << order;
	}
	if (!bpf_core_field_exists(folio->_flags_1))
		return 1;
	bpf_core_read(&flags1, sizeof(flags1), &folio->_flags_1);
	return 1ULL << (flags1 & 0xff);
}

/*
 * Tracepoint arguments typed maybe-NULL: cb4158ce8e ("bpf: Mark raw_tp
 * arguments with PTR_MAYBE_NULL", late 2024) made the verifier treat
 * tp_btf pointer arguments as possibly NULL, so a program must test one
 * before its first dereference; the 6.12 guest kernels want the test.
 * Upstream reverted that commit for a narrower marking of the arguments
 * that can really be NULL (the revert names cb4158ce8e; the replacement's
 * hash was not found).  The test costs a branch and is kept on every
 * kernel; the programs that need it say "maybe-NULL" at the test.
 */

/*
 * The mmap_lock tracepoints (2b5067a8143e, "mm: mmap_lock: add
 * tracepoints around lock acquisition", 5.11) pass the task's memcg path
 * as their second argument through 6.12: (mm, memcg_path, write[,
 * success]).  6.18 has (mm, write[, success]) (include/trace/events/
 * mmap_lock.h; the commit that dropped the path was not found).
 * lockorder.bpf.c has a program per form, the loader loads the one whose
 * argument count the kernel's BTF has.
 */

#endif /* FL_CORE_FIXES_BPF_H */
