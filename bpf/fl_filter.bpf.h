/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What is watched: not faultline itself, the tasks asked for, regular
 * files of the filesystems asked for, and each filesystem's counter slot.
 */
#ifndef FL_FILTER_BPF_H
#define FL_FILTER_BPF_H

#include "fl_maps.bpf.h"

/* Not faultline itself, and one of the processes asked for (--pid, a command). */
static __always_inline bool fl_task_watched(void)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;

	if (tgid == fl_cfg.self_tgid)
		return false;
	return !fl_cfg.filter_pid || bpf_map_lookup_elem(&fl_tgids, &tgid);
}

/* fl_slot_find's answers besides a slot */
#define FL_SLOT_NEW	FL_MAX_SLOTS		/* not given out yet: fl_slot_claim */
#define FL_SLOT_OTHER	(FL_MAX_SLOTS + 1)	/* none left: fl_slot_other */

/*
 * Unfiltered: the slot of the filesystem @dev.  Global functions, not
 * inlined: the verifier checks each once, and their result is one unknown
 * scalar to every caller; inlined, each slot they can return would be a
 * path of its own through the rest of the program (15 per call: a
 * page-cache batch of 31 folios became too large to verify).  Their
 * arguments are scalars (what a global function may take), so the caller
 * reads the filesystem's type, only on the rare path that needs it.
 */
__noinline __u32 fl_slot_find(__u32 dev)
{
	struct fl_slot_table *t;
	__u32 zero = 0;

	t = bpf_map_lookup_elem(&fl_slot_table, &zero);
	if (!t || !dev)
		return 0;
	for (int i = 1; i < FL_MAX_SLOTS; i++) {
		__u32 d = t->dev[i];

		if (d == dev)
			return i;
		if (!d)
			return FL_SLOT_NEW;
	}
	return FL_SLOT_OTHER;
}

/*
 * --dev/--path: the slot of a watched filesystem, 0 for any other.  Global
 * for the same reason as fl_slot_find: inlined, each watched device was a
 * slot of its own to the verifier, and with two of them 6.1's gave up on
 * fl_lo_xfs_ilock (a million instructions processed).
 */
__noinline __u32 fl_slot_filtered(__u32 dev)
{
	for (int i = 0; i < FL_MAX_DEVS; i++)
		if (fl_watch_devs[i] && fl_watch_devs[i] == dev)
			return i + 1;
	return 0;
}

/* A filesystem beyond the last slot: its type, for the report's coverage. */
__noinline __u32 fl_slot_other(__u32 magic)
{
	__u8 one = 1;

	if (!bpf_map_lookup_elem(&fl_other_magic, &magic))
		bpf_map_update_elem(&fl_other_magic, &magic, &one, BPF_NOEXIST);
	return 0;
}

/* The first event of a filesystem without a slot: claim the next free one. */
__noinline __u32 fl_slot_claim_dev(__u32 dev, __u32 magic)
{
	struct fl_slot_table *t;
	__u32 zero = 0;

	t = bpf_map_lookup_elem(&fl_slot_table, &zero);
	if (!t)
		return 0;
	for (__u32 i = 1; i < FL_MAX_SLOTS; i++) {
		/* the key's copy goes to the stack; the mask keeps i's bounds for the verifier */
		__u32 key = i, s = i & (FL_MAX_SLOTS - 1);
		__u32 *owner = bpf_map_lookup_elem(&fl_slot_claim, &key);

		if (!owner) {
			if (!bpf_map_update_elem(&fl_slot_claim, &key, &dev, BPF_NOEXIST)) {
				t->magic[s] = magic;
				t->dev[s] = dev;
				return s;
			}
			/* another CPU claimed it first, or the map was busy */
			owner = bpf_map_lookup_elem(&fl_slot_claim, &key);
			if (!owner)
				return 0;	/* busy: this event is counted in slot 0 */
		}
		if (*owner == dev) {
			t->dev[s] = dev;
			return s;
		}
	}
	return fl_slot_other(magic);
}

/*
 * Is a regular file of filesystem @dev watched, whichever task touches it,
 * and in which counter slot?  @inode (or, without one, @magic) names the
 * filesystem's type when a slot is given out.  Only a watched task gives
 * a filesystem its slot (@may_claim): with --pid, a filesystem that no
 * watched task has touched holds no map of theirs to follow, and other
 * tasks' work there is not this run's.
 */
static __always_inline bool fl_file_watched(umode_t mode, __u32 dev, struct inode *inode,
					    __u32 magic, bool may_claim, __u32 *slot)
{
	/* regular files: block-device and directory mappings have other rules */
	if ((mode & S_IFMT_) != S_IFREG_)
		return false;
	if (!fl_cfg.filter_dev) {
		__u32 s = fl_slot_find(dev);

		if (s >= FL_SLOT_NEW && !may_claim)
			return false;
		if (s >= FL_SLOT_NEW) {
			/* rare: a new filesystem, or one beyond the last slot */
			if (inode)
				magic = BPF_CORE_READ(inode, i_sb, s_magic);
			s = s == FL_SLOT_NEW ? fl_slot_claim_dev(dev, magic) : fl_slot_other(magic);
		}
		*slot = s;
		return true;
	}
	*slot = fl_slot_filtered(dev);
	return *slot != 0;
}

static __always_inline bool fl_watched_vals(umode_t mode, __u32 dev, struct inode *inode,
					    __u32 magic, __u32 *slot)
{
	return fl_task_watched() && fl_file_watched(mode, dev, inode, magic, true, slot);
}

/*
 * Is an event on @inode watched, and in which counter slot?  For the
 * BTF-typed pointers of tp_btf/fentry programs: plain loads, no helper
 * (but on a filesystem's first event, fl_slot_new).
 */
static __always_inline bool fl_watched(bool kp, struct inode *inode, __u32 *slot)
{
	if (!inode)
		return false;
	return fl_watched_vals(FL_RD(kp, inode, i_mode), FL_RD(kp, inode, i_sb, s_dev), inode, 0,
			       slot);
}

/* The inode whose page cache @mapping is, if it is watched (in *slot); else NULL. */
static __always_inline struct inode *fl_watched_mapping(bool kp, struct address_space *mapping,
							__u32 *slot)
{
	struct inode *host;

	if (!mapping)
		return NULL;
	host = FL_RD(kp, mapping, host);
	return fl_watched(kp, host, slot) ? host : NULL;
}

/* The same for an inode pointer read from memory (not BTF-typed). */
static __always_inline bool fl_watched_probe(struct inode *inode, __u32 *slot)
{
	if (!inode)
		return false;
	return fl_watched_vals(BPF_CORE_READ(inode, i_mode), BPF_CORE_READ(inode, i_sb, s_dev),
			       inode, 0, slot);
}

/*
 * Filesystem-internal inodes (ext4's mballoc buddy cache, quota files
 * read by the kernel) have page cache but no dentry and follow the fs's
 * own serialisation; the rules are about files that tasks can reach.
 * Only asked on the rare path where a check has already failed.
 */
static __always_inline bool fl_is_internal(struct inode *inode)
{
	return !BPF_CORE_READ(inode, i_dentry.first);
}

/*
 * Is @rule (FL_RULE_*) checked on @inode: its filesystem's protocol has it
 * and the inode is one tasks reach?  Asked once a check has failed.
 */
static __always_inline bool fl_rule_checked(bool kp, struct inode *inode, __u32 rule)
{
	return (fl_fs_rules_of(FL_RD(kp, inode, i_sb, s_magic)) & rule) && !fl_is_internal(inode);
}

#endif /* FL_FILTER_BPF_H */
