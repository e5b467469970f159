// SPDX-License-Identifier: GPL-2.0
/*
 * Fault paths: filemap ->fault and fault-around (->map_pages).
 *
 * A fault enters filemap_fault without the invalidate lock and takes it
 * itself when it has to create a folio, so the fault is only counted
 * (record sends it with its lock state) and judged at the insertion it
 * causes.  ->map_pages only maps folios already cached; whether it must
 * hold the lock is a property of the filesystem and kernel (fl_fs_rules),
 * e.g. xfs wrapped it in MMAPLOCK_SHARED from 5.10 to 6.3.
 *
 * Each hook has a tracepoint program (6.12+), an fentry program and a
 * kprobe program; the loader autoloads one of them.
 */
#include "fl_common.bpf.h"

/*
 * Each slot's filesystem type and its rule bits, per CPU, so that the
 * healthy fault-around (the invalidate lock not held, no rule to break)
 * costs two inlined array lookups instead of a hash lookup in
 * fl_fs_rules.  An entry holds while the magic is the inode's (a slot
 * follows its device, whose filesystem may change) and fl_armed's stamp
 * is the one it was read under: user space adds late rules (a module's,
 * loader_late.c) just before it stamps fl_armed again.
 */
struct fl_rules_cached {
	__u64 armed;
	__u32 magic;
	__u32 rules;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, FL_MAX_SLOTS);
	__type(key, __u32);
	__type(value, struct fl_rules_cached);
} fl_rules_cache SEC(".maps");

static __always_inline __u32 fl_slot_rules(__u32 slot, __u32 magic)
{
	struct fl_rules_cached *c;
	__u32 key = FL_ARMED_AT;
	__u64 *armed;

	armed = bpf_map_lookup_elem(&fl_armed, &key);
	c = bpf_map_lookup_elem(&fl_rules_cache, &slot);
	if (!armed || !c)
		return fl_fs_rules_of(magic);
	if (c->magic != magic || c->armed != *armed) {
		c->armed = *armed;
		c->rules = fl_fs_rules_of(magic);
		c->magic = magic;
	}
	return c->rules;
}

static __always_inline int fl_fault_common(void *ctx, bool kp, __u16 type,
					   struct address_space *mapping,
					   __u64 first, __u64 last)
{
	__u64 inval_owner = 0;
	struct inode *host;
	struct fl_event *e;
	__u32 slot;
	__u8 inval;
	bool candidate = false;
	__s32 stack_id = -1;
	bool ruled = false;

	host = fl_watched_mapping(kp, mapping, &slot);
	if (!host)
		return 0;

	fl_count(slot, type == FL_EV_FAULT ? FL_CNT_FAULTS : FL_CNT_MAP_PAGES);
	/*
	 * A fault is judged at the insertion it causes, fault-around only
	 * where the protocol says it holds the lock: unless every event is
	 * sent, neither reads the lock word for nothing.
	 */
	if (type == FL_EV_MAP_PAGES && fl_any_fs_rule(FL_RULE_MAP_PAGES_LOCKED))
		ruled = fl_slot_rules(slot, FL_RD(kp, host, i_sb, s_magic)) &
			FL_RULE_MAP_PAGES_LOCKED;
	if (!ruled && !fl_cfg.emit_all)
		return 0;
	inval = fl_inval_lock_state(kp, mapping, &inval_owner);
	if (ruled && !fl_held_by_me(inval) && !fl_is_internal(host)) {
		inval = fl_inval_lock_wait(mapping, inval, &inval_owner);
		candidate = fl_candidate_unless_unknown(slot, inval == FL_LOCK_SHARED_OTHER ||
								  inval == FL_LOCK_NA);
	}
	e = fl_event_for(ctx, type, slot, host, candidate, &stack_id);
	if (!e)
		return 0;
	e->start = first << fl_cfg.page_shift;
	e->end = (last + 1) << fl_cfg.page_shift;
	fl_event_inode_locks(kp, e, host, inval, inval_owner, FL_LOCK_NA, 0);
	fl_event_submit(ctx, e, slot, candidate, stack_id);
	return 0;
}

SEC("tp_btf/mm_filemap_fault")
int BPF_PROG(fl_tp_fault, struct address_space *mapping, unsigned long index)
{
	return fl_fault_common(ctx, FL_BTF, FL_EV_FAULT, mapping, index, index);
}

SEC("tp_btf/mm_filemap_map_pages")
int BPF_PROG(fl_tp_map_pages, struct address_space *mapping,
	     unsigned long start, unsigned long end)
{
	return fl_fault_common(ctx, FL_BTF, FL_EV_MAP_PAGES, mapping, start, end);
}

SEC("fentry/filemap_fault")
int BPF_PROG(fl_fe_fault, struct vm_fault *vmf)
{
	__u64 index = vmf->pgoff;

	return fl_fault_common(ctx, FL_BTF, FL_EV_FAULT, vmf->vma->vm_file->f_mapping, index,
			       index);
}

SEC("fentry/filemap_map_pages")
int BPF_PROG(fl_fe_map_pages, struct vm_fault *vmf, unsigned long start, unsigned long end)
{
	return fl_fault_common(ctx, FL_BTF, FL_EV_MAP_PAGES, vmf->vma->vm_file->f_mapping,
			       start, end);
}

SEC("kprobe/filemap_fault")
int BPF_KPROBE(fl_kp_fault, struct vm_fault *vmf)
{
	__u64 index = BPF_CORE_READ(vmf, pgoff);

	return fl_fault_common(ctx, FL_KP, FL_EV_FAULT,
			       BPF_CORE_READ(vmf, vma, vm_file, f_mapping), index, index);
}

SEC("kprobe/filemap_map_pages")
int BPF_KPROBE(fl_kp_map_pages, struct vm_fault *vmf, unsigned long start, unsigned long end)
{
	return fl_fault_common(ctx, FL_KP, FL_EV_MAP_PAGES,
			       BPF_CORE_READ(vmf, vma, vm_file, f_mapping), start, end);
}

/*
 * shmem has its own ->fault that bypasses filemap_fault and its
 * tracepoint, so tmpfs faults are seen at the exception entry and mapped
 * to a file through the faulting VMA.  They are counted only: tmpfs has
 * no rule that a fault could break (see rules.c).  Only loaded when tmpfs
 * is watched: it runs on every user page fault.
 */
#define TMPFS_MAGIC_ 0x01021994

static long fl_vma_cb(struct task_struct *task, struct vm_area_struct *vma, void *data)
{
	struct file *file = vma->vm_file;
	struct inode *host;
	__u32 slot;

	if (!file)
		return 0;
	host = file->f_mapping->host;
	if (!host || host->i_sb->s_magic != TMPFS_MAGIC_ || !fl_watched(FL_BTF, host, &slot))
		return 0;
	fl_count(slot, FL_CNT_FAULTS);
	return 0;
}

SEC("tp_btf/page_fault_user")
int BPF_PROG(fl_tp_user_fault, unsigned long address, struct pt_regs *regs,
	     unsigned long error_code)
{
	bpf_find_vma(bpf_get_current_task_btf(), address, fl_vma_cb, NULL, 0);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
