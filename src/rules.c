// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "faultline/events.h"
#include "rules.h"
#include "util.h"

static const struct fl_rule_info rule_info[FL_R_MAX] = {
	[FL_R_FAULT_UNLOCKED] = {
		"fault-unlocked", "004, 001",
		"a fault path instantiated or mapped a page without the invalidate lock",
		true, "afae6f9e85c7446d8f12f97849489e0e" },
	[FL_R_INSERT_UNLOCKED] = {
		"insert-unlocked", "004, 001, 003",
		"a page-cache insertion held neither invalidate_lock nor i_rwsem",
		true, "bb4387e41f44462f855a05260e26f3ce" },
	[FL_R_INVAL_SHARED] = {
		"invalidation-shared", "000",
		"a fault path truncated page cache holding invalidate_lock only shared",
		true, "0af703f14cca4bcd9b89a7b7763bcfd4" },
	[FL_R_INVAL_UNLOCKED] = {
		"invalidation-unlocked", "004",
		"an invalidation dropped page cache without holding exclusive the lock its "
		"filesystem's protocol names (invalidate_lock; i_rwsem on fuse and gfs2)",
		true, "6ed4054ee23646a7b19611b8c6907054" },
	[FL_R_WRITE_UNLOCKED] = {
		"write-unlocked", "003",
		"a buffered write/zero/unshare iomap step ran without i_rwsem",
		true, "ceac59476e124f059280a762e6e05a79" },
	[FL_R_STALE_MAP] = {
		"stale-map", "002",
		"a buffered write used a folio under an extent map that had gone stale",
		true, "76c9bb6a2bef4d319b2af02d75b1f15c" },
	[FL_R_LOCK_ORDER] = {
		"lock-order", "-",
		"locks were taken against the documented hierarchy, or in a cycle",
		true, "d201cd1a935a441c8a9db72b46186cb0" },
};

#define EXT4_MAGIC	0xEF53
#define XFS_MAGIC	0x58465342
#define BTRFS_MAGIC	0x9123683E
#define TMPFS_MAGIC	0x01021994
#define F2FS_MAGIC	0xF2F52010
#define GFS2_MAGIC	0x01161970
#define ZONEFS_MAGIC	0x5a4f4653
#define FUSE_MAGIC	0x65735546	/* fuse and fuseblk */
#define ORANGEFS_MAGIC	0x20030528
#define BCACHEFS_MAGIC	0xca451a4e
#define ZOOFS_MAGIC	0x7a6f6f66	/* tests/zoo: the bug zoo's filesystem */

#define STRICT (FL_RULE_INSERT_LOCKED | FL_RULE_INVAL_EXCL | FL_RULE_WRITE_LOCKED)

/* Reasons shared by several filesystems. */
#define NO_INVAL_LOCK(fs) \
	fs " takes no invalidate_lock around truncation, so no fault path can hold it shared " \
	"while truncating (its invalidations are checked against i_rwsem)"
#define NOT_LIVE(fs, why) \
	"not checked: " why "; its protocol (docs/rules.md) is read from the source only, " \
	"never seen running here (--assume-protocol " fs ":RULE asserts it)"
#define ALL_RULES(text) { \
	[FL_R_FAULT_UNLOCKED] = text, [FL_R_INSERT_UNLOCKED] = text, \
	[FL_R_INVAL_SHARED] = text, [FL_R_INVAL_UNLOCKED] = text, \
	[FL_R_WRITE_UNLOCKED] = text, [FL_R_STALE_MAP] = text }

/*
 * The protocols, read in the Debian 6.1.192 and 6.12.117 kernel sources
 * (the guests' kernels) and checked against 6.18 where the host has the
 * filesystem.  docs/rules.md has the same table for readers.
 */
static struct fl_fs_proto protos[] = {
	{ EXT4_MAGIC, "ext4", FL_RULE_INSERT_LOCKED | FL_RULE_INVAL_EXCL,
	  "mapping->invalidate_lock, shared in faults and readahead, exclusive around "
	  "page-cache truncation; i_rwsem for buffered writes",
	  "EXT4_I()->i_mmap_sem from 4.5 (ea3d7209ca01, seed 004); mapping->invalidate_lock "
	  "from 5.15 (d4f5258eae7b)",
	  "fs/ext4/file.c ext4_file_vm_ops (.fault = filemap_fault, .map_pages = "
	  "filemap_map_pages); fs/ext4/inode.c ext4_page_mkwrite, ext4_punch_hole, "
	  "ext4_setattr; fs/ext4/extents.c ext4_zero_range, ext4_collapse_range, "
	  "ext4_insert_range @6.1.192; the lock taken once in fs/ext4/extents.c "
	  "ext4_fallocate @6.12.117 (6.14's, backported) and 6.18",
	  "the invalidate_lock and i_rwsem lock words; ext4_punch_hole, ext4_zero_range, "
	  "ext4_collapse_range, ext4_insert_range, ext4_truncate_enter tracepoints",
	  { [FL_R_WRITE_UNLOCKED] = "ext4's buffered writes do not go through iomap "
		"(ext4_buffered_write_iter -> generic_perform_write @6.1, 6.12, 6.18): no "
		"iomap step to judge; insert-unlocked checks their insertions",
	    [FL_R_STALE_MAP] = "ext4's buffered I/O maps blocks with ext4_map_blocks and "
		"buffer heads, not iomap maps: there is no map to follow" } },
	{ XFS_MAGIC, "xfs", STRICT | FL_RULE_STALE_MAPS | FL_RULE_STALE_WINDOW,
	  "XFS_MMAPLOCK (= mapping->invalidate_lock), shared in faults, exclusive in "
	  "fallocate and truncate; XFS_IOLOCK (= i_rwsem) for writes; iomap validity "
	  "cookies for extent maps",
	  "ip->i_mmaplock from 4.1; mapping->invalidate_lock from 5.15 (2433480a7e1d); "
	  "->map_pages under MMAPLOCK 5.10..6.3 (seed 001); ->iomap_valid from 6.2, "
	  "6.1.y by backport (seed 002)",
	  "fs/xfs/xfs_file.c xfs_filemap_map_pages, __xfs_filemap_fault, xfs_file_fallocate, "
	  "fs/xfs/xfs_iomap.c xfs_iomap_valid @6.1.192; fs/xfs/xfs_file.c xfs_write_fault, "
	  ".map_pages = filemap_map_pages, fs/xfs/xfs_iomap.c xfs_iomap_valid @6.12.117",
	  "the invalidate_lock and i_rwsem lock words; xfs_ilock/xfs_iunlock; i_df.if_seq "
	  "and the COW fork's through the xfs module's BTF; xfs_iext_* and "
	  "xfs_*iomap_invalid tracepoints",
	  { 0 } },
	{ F2FS_MAGIC, "f2fs", FL_RULE_INSERT_LOCKED | FL_RULE_INVAL_EXCL,
	  "mapping->invalidate_lock, shared in faults (filemap_fault, f2fs_vm_page_mkwrite), "
	  "exclusive around truncation, with F2FS_I()->i_gc_rwsem[WRITE] against GC; i_rwsem "
	  "for buffered writes",
	  "F2FS_I()->i_mmap_sem from 5a3a2d83cda8 (2017); mapping->invalidate_lock from 5.15 "
	  "(edc6d01bad73)",
	  "fs/f2fs/file.c f2fs_filemap_fault -> filemap_fault, f2fs_vm_page_mkwrite, "
	  "punch_hole, f2fs_do_collapse, f2fs_zero_range, f2fs_insert_range, f2fs_setattr "
	  "@6.1.192; f2fs_punch_hole and the same @6.12.117",
	  "the invalidate_lock and i_rwsem lock words (i_gc_rwsem, f2fs-internal, is not read)",
	  { [FL_R_WRITE_UNLOCKED] = "f2fs's buffered writes do not go through iomap "
		"(f2fs_write_begin @6.1, 6.12); it uses iomap for direct I/O only, which "
		"may hold i_rwsem shared",
	    [FL_R_STALE_MAP] = "f2fs's buffered I/O maps blocks with f2fs_map_blocks, not "
		"iomap maps: there is no map to follow" } },
	{ GFS2_MAGIC, "gfs2",
	  FL_RULE_INSERT_LOCKED | FL_RULE_INVAL_IRWSEM | FL_RULE_WRITE_LOCKED |
	  FL_RULE_STALE_WINDOW,
	  "the inode glock, shared in gfs2_fault, exclusive in gfs2_page_mkwrite, punch "
	  "and truncate, with i_rwsem around punch, truncate and buffered writes; no "
	  "invalidate_lock of its own (filemap_fault and readahead take it themselves)",
	  "glocks since gfs2's merge (2.6.16); never converted to invalidate_lock",
	  "fs/gfs2/file.c gfs2_fault, gfs2_page_mkwrite, gfs2_fallocate (inode_lock, then "
	  "the glock exclusive), gfs2_file_buffered_write -> iomap_file_buffered_write "
	  "(no ->iomap_valid); fs/gfs2/bmap.c __gfs2_punch_hole, gfs2_setattr_size -> "
	  "truncate_pagecache @6.1.192, 6.12.117",
	  "the i_rwsem and invalidate_lock lock words (what the VFS paths take); the glock "
	  "itself (ip->i_gl->gl_holders: HIF_HOLDER, gh_owner_pid; gfs2_promote, "
	  "gfs2_glock_queue tracepoints) is not read",
	  { [FL_R_INVAL_SHARED] = NO_INVAL_LOCK("gfs2") } },
	{ ZONEFS_MAGIC, "zonefs", STRICT | FL_RULE_STALE_WINDOW,
	  "mapping->invalidate_lock, shared in faults (filemap_fault, "
	  "zonefs_filemap_page_mkwrite), exclusive in zonefs_file_truncate (zone reset or "
	  "finish: the only truncations; no fallocate), then zi->i_truncate_mutex against "
	  "->iomap_begin; i_rwsem for buffered writes (conventional zones only)",
	  "its own i_mmap_sem from 5.6; mapping->invalidate_lock from 5.15 (448f94909eb7)",
	  "fs/zonefs/file.c zonefs_file_vm_ops (.fault = filemap_fault), "
	  "zonefs_filemap_page_mkwrite, zonefs_file_truncate, zonefs_file_buffered_write "
	  "-> iomap_file_buffered_write (no ->iomap_valid) @6.1.192, 6.12.117",
	  "the invalidate_lock and i_rwsem lock words (i_truncate_mutex orders maps against "
	  "zone resets, not faults: not read)",
	  { 0 } },
	{ FUSE_MAGIC, "fuse", FL_RULE_INSERT_LOCKED | FL_RULE_INVAL_IRWSEM,
	  "faults and readahead take invalidate_lock themselves (filemap_fault); punch, zero "
	  "range and truncate drop page cache under i_rwsem only, after the server applied "
	  "them (invalidate_lock only for DAX inodes); i_rwsem for buffered writes",
	  "DAX: invalidate_lock from 5.15 (8bcbbe9c7c8e); non-DAX invalidation has always "
	  "held i_rwsem alone",
	  "fs/fuse/file.c fuse_file_vm_ops (.fault = filemap_fault), fuse_file_fallocate "
	  "(inode_lock; invalidate_lock only when FUSE_IS_DAX), fs/fuse/dir.c "
	  "fuse_do_setattr (the same) @6.1.192, 6.12.117",
	  "the invalidate_lock and i_rwsem lock words",
	  { [FL_R_INVAL_SHARED] = NO_INVAL_LOCK("fuse (non-DAX)"),
	    [FL_R_WRITE_UNLOCKED] = "fuse's buffered writes go through iomap only from 6.17 "
		"(fuse_iomap_read_folio_range, checked in the kernel's BTF); before, "
		"fuse_perform_write has no iomap step",
	    [FL_R_STALE_MAP] = "fuse's iomap maps describe no extents (one mapped range per "
		"write, the data lives on the server): nothing for them to go stale against" } },
	{ ORANGEFS_MAGIC, "orangefs", 0,
	  "no lock of its own: faults take invalidate_lock in filemap_fault (orangefs_fault "
	  "refreshes the size first), truncation (orangefs_setattr_size -> "
	  "truncate_pagecache) runs under the VFS's i_rwsem only; no fallocate",
	  "unchanged since its vm_operations came (5.2); never converted to invalidate_lock",
	  "fs/orangefs/file.c orangefs_fault; fs/orangefs/inode.c orangefs_page_mkwrite, "
	  "orangefs_setattr_size -> truncate_pagecache @6.1.192, 6.12.117",
	  "the lock words would decide it (insertions: invalidate_lock or i_rwsem; "
	  "truncation: i_rwsem exclusive)",
	  ALL_RULES(NOT_LIVE("orangefs", "no orangefs server (pvfs2 user space) in Debian to "
			     "mount one here")) },
	{ BCACHEFS_MAGIC, "bcachefs", 0,
	  "BCH_I()->ei_pagecache_lock, a two-state lock: \"add\" (bch2_pagecache_add_get) "
	  "in faults, reads and buffered writes, \"block\" (bch2_pagecache_block_get) in "
	  "fallocate, truncate and direct I/O; i_rwsem for buffered writes since the lockless "
	  "write path was reverted (seed 003)",
	  "6.7 (merge) to 6.17; out of mainline from 6.18 (DKMS)",
	  "fs/bcachefs/fs-io-pagecache.c bch2_page_fault; fs/bcachefs/fs-io.c "
	  "bch2_fallocate_dispatch, bchfs_truncate; fs/bcachefs/fs-io-buffered.c "
	  "bch2_write_iter @6.12.117",
	  "ei_pagecache_lock.v (< 0: add holders, > 0: block holders) is readable through "
	  "bcachefs's BTF but names no holder; not read",
	  ALL_RULES(NOT_LIVE("bcachefs", "bookworm has no bcachefs-tools to make a "
			     "filesystem")) },
	{ BTRFS_MAGIC, "btrfs", 0,
	  "own protocol: BTRFS_I()->i_mmap_lock (BTRFS_ILOCK_MMAP) shared in "
	  "btrfs_page_mkwrite, exclusive in punch, zero range and truncate, plus extent "
	  "range locks around reads and writes",
	  "i_mmap_lock (BTRFS_ILOCK_MMAP) in 6.1.192 and 6.12.117; its first version not "
	  "checked here",
	  "fs/btrfs/file.c btrfs_punch_hole, btrfs_fallocate, btrfs_page_mkwrite @6.12.117",
	  "nothing: i_mmap_lock and the extent locks are btrfs-internal",
	  ALL_RULES("own protocol, not read: btrfs serialises with its i_mmap_lock and "
		    "extent range locks, not invalidate_lock") },
	{ TMPFS_MAGIC, "tmpfs", 0,
	  "own protocol: shmem_fallocate publishes a shmem_falloc in inode->i_private and "
	  "faults in the punched range wait on its waitqueue; no invalidate_lock",
	  "shmem_falloc in 6.1.192 and 6.12.117 (mm/shmem.c); its first version not "
	  "checked here",
	  "mm/shmem.c shmem_fallocate, shmem_falloc_wait @6.12.117",
	  "faults (page_fault_user) and insertions (mm_lru_insertion) are counted only",
	  ALL_RULES("own protocol, not read: faults wait on the shmem_falloc waitqueue "
		    "during punch; shmem bypasses filemap's fault and insertion paths") },
	{ ZOOFS_MAGIC, "zoofs", STRICT | FL_RULE_STALE_MAPS | FL_RULE_STALE_WINDOW,
	  "faultline's test filesystem (tests/zoo): the generic protocol, bugs on demand",
	  "-", "tests/zoo/zoo.c, zoo_iomap.c",
	  "the lock words; its extent sequence in i_private (stale-map), unless mounted nocookie (then the window form)",
	  { 0 } },
};

const struct fl_rule_info *fl_rule_info(enum fl_rule r)
{
	if ((unsigned int)r >= FL_R_MAX)
		return NULL;
	return &rule_info[r];
}

const char *fl_evidence_name(enum fl_evidence ev)
{
	switch (ev) {
	case FL_EVID_DEFINITE:
		return "definite";
	case FL_EVID_OBSERVED_RACE:
		return "observed-race";
	case FL_EVID_INVERSION:
		return "observed-inversion";
	case FL_EVID_CYCLE:
		return "cycle";
	default:
		return "?";
	}
}

const char *fl_lock_state_name(unsigned int state)
{
	static const char *const names[FL_LOCK_STATE_MAX] = {
		[FL_LOCK_NA] = "n/a",
		[FL_LOCK_FREE] = "free",
		[FL_LOCK_EXCL_ME] = "exclusive-by-me",
		[FL_LOCK_SHARED_ME] = "shared-by-me",
		[FL_LOCK_EXCL_OTHER] = "exclusive-by-other",
		[FL_LOCK_SHARED_OTHER] = "shared-owner-other",
		[FL_LOCK_READERS_NOT_ME] = "readers-not-me",
	};

	return state < FL_LOCK_STATE_MAX ? names[state] : "?";
}

const char *fl_op_name(unsigned int op)
{
	static const char *const names[FL_OP_MAX] = {
		[FL_OP_NONE] = "none",
		[FL_OP_PUNCH] = "punch",
		[FL_OP_ZERO] = "zero-range",
		[FL_OP_COLLAPSE] = "collapse-range",
		[FL_OP_INSERT] = "insert-range",
		[FL_OP_TRUNCATE] = "truncate",
	};

	return op < FL_OP_MAX ? names[op] : "?";
}

const char *fl_event_type_name(unsigned int type)
{
	static const char *const names[FL_EV_TYPE_MAX] = {
		[FL_EV_NONE] = "none",
		[FL_EV_FAULT] = "fault",
		[FL_EV_MAP_PAGES] = "map_pages",
		[FL_EV_INSERT] = "insert",
		[FL_EV_DELETE] = "delete",
		[FL_EV_INVAL_BEGIN] = "inval_begin",
		[FL_EV_INVAL_END] = "inval_end",
		[FL_EV_INVAL_STEP] = "inval_step",
		[FL_EV_IOMAP] = "iomap",
		[FL_EV_IOMAP_MAP] = "iomap_map",
		[FL_EV_STALE_UNSEEN] = "stale_unseen",
		[FL_EV_FOLIO_USE] = "folio_use",
		[FL_EV_LOCK_ACQ] = "lock_acq",
		[FL_EV_LOCK_REL] = "lock_rel",
		[FL_EV_LOCK_SYNC] = "lock_sync",
		[FL_EV_STALE_ANSWER] = "stale_answer",
		[FL_EV_RACE] = "race",
	};

	return type < FL_EV_TYPE_MAX ? names[type] : "?";
}

const char *fl_counter_name(unsigned int counter)
{
	static const char *const names[FL_CNT_MAX] = {
		[FL_CNT_FAULTS] = "faults",
		[FL_CNT_MAP_PAGES] = "map_pages",
		[FL_CNT_INSERTIONS] = "insertions",
		[FL_CNT_DELETIONS] = "deletions",
		[FL_CNT_INVALIDATIONS] = "invalidations",
		[FL_CNT_IOMAP] = "iomap_iter",
		[FL_CNT_IOMAP_MAPS] = "iomap_maps",
		[FL_CNT_UNKNOWN] = "unknown_lock_state",
		[FL_CNT_UNCHECKED] = "unchecked",
		[FL_CNT_CANDIDATES] = "candidates",
		[FL_CNT_LOST] = "lost",
		[FL_CNT_INVAL_UNTRACKED] = "invalidations_untracked",
		[FL_CNT_PRECISE_MISSED] = "precise_missed",
		[FL_CNT_REPEATS] = "candidate_repeats",
		[FL_CNT_STALE_KERNEL] = "stale_maps_kernel",
		[FL_CNT_STALE_SEEN] = "stale_maps_seen",
		[FL_CNT_STALE_USES] = "stale_map_uses",
		[FL_CNT_STALE_REVALIDATED] = "stale_maps_revalidated",
		[FL_CNT_LOST_CHECKS] = "lost_checks",
		[FL_CNT_LOST_WINDOWS] = "lost_windows",
		[FL_CNT_LOST_MAPS] = "lost_maps",
		[FL_CNT_LOST_LOCKS] = "lost_lock_order",
		[FL_CNT_STACK_UNKEYED] = "candidates_unkeyed",
		[FL_CNT_INVAL_FULL] = "invalidations_not_followed",
	};

	/* the lock-order counters are reported under lock_order, not counts */
	return counter < FL_CNT_MAX ? names[counter] : NULL;
}

uint32_t fl_rule_flag(enum fl_rule r)
{
	switch (r) {
	case FL_R_FAULT_UNLOCKED:
	case FL_R_INSERT_UNLOCKED:
		return FL_RULE_INSERT_LOCKED;
	case FL_R_INVAL_SHARED:
		return FL_RULE_INVAL_EXCL;
	case FL_R_INVAL_UNLOCKED:
		return FL_RULE_INVAL_EXCL | FL_RULE_INVAL_IRWSEM;
	case FL_R_WRITE_UNLOCKED:
		return FL_RULE_WRITE_LOCKED;
	case FL_R_STALE_MAP:
		return FL_RULE_STALE_MAPS | FL_RULE_STALE_WINDOW;
	default:
		return 0;
	}
}

const struct fl_fs_proto *fl_fs_proto(uint32_t magic)
{
	for (size_t i = 0; i < ARRAY_SIZE(protos); i++)
		if (protos[i].magic == magic)
			return &protos[i];
	return NULL;
}

const struct fl_fs_proto *fl_fs_protos(unsigned int *n)
{
	*n = ARRAY_SIZE(protos);
	return protos;
}

const struct fl_fs_proto *fl_fs_proto_by_name(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(protos); i++)
		if (!strcmp(protos[i].name, name))
			return &protos[i];
	return NULL;
}

uint32_t fl_fs_flags(uint32_t magic)
{
	const struct fl_fs_proto *p = fl_fs_proto(magic);

	return p ? p->flags : 0;
}

const char *fl_fs_name(uint32_t magic)
{
	const struct fl_fs_proto *p = fl_fs_proto(magic);

	return p ? p->name : "other";
}

void fl_fs_label(uint32_t magic, char *buf, size_t len)
{
	const struct fl_fs_proto *p = fl_fs_proto(magic);

	if (p)
		snprintf(buf, len, "%s", p->name);
	else if (magic)
		snprintf(buf, len, "0x%x", magic);
	else
		snprintf(buf, len, "?");
}

const char *fl_fs_why_not(uint32_t magic, enum fl_rule r)
{
	const struct fl_fs_proto *p = fl_fs_proto(magic);
	uint32_t need = fl_rule_flag(r);

	if ((unsigned int)r >= FL_R_MAX || !need)
		return NULL;
	if (!p)
		return "no protocol known to faultline for this filesystem: its events are "
		       "counted, no rule is checked";
	if (p->flags & need)
		return NULL;
	if (p->why_not[r])
		return p->why_not[r];
	/* a rule the table gives but this kernel or run took away */
	if (r == FL_R_STALE_MAP)
		return "this run could not follow its extent maps (see the attach plan)";
	return "not part of its protocol on this kernel";
}

const char *fl_fs_stale_form(uint32_t magic)
{
	uint32_t f = fl_fs_flags(magic);

	if (f & FL_RULE_STALE_MAPS)
		return (f & FL_RULE_STALE_WINDOW) ? "sequence, else window" :
						      "sequence";
	return (f & FL_RULE_STALE_WINDOW) ? "window" : NULL;
}

void fl_rules_set_flags(uint32_t magic, uint32_t flags)
{
	for (size_t i = 0; i < ARRAY_SIZE(protos); i++)
		if (protos[i].magic == magic)
			protos[i].flags = flags;
}

void fl_rules_init(bool (*has_symbol)(void *ctx, const char *name), void *ctx)
{
	if (!has_symbol)
		return;
	/* xfs 5.10..6.3 (and 5.4.y backports) take MMAPLOCK_SHARED in ->map_pages. */
	if (has_symbol(ctx, "xfs_filemap_map_pages"))
		fl_rules_set_flags(XFS_MAGIC, fl_fs_flags(XFS_MAGIC) | FL_RULE_MAP_PAGES_LOCKED);
	/* fuse's buffered writes go through iomap, under i_rwsem, from 6.17 */
	if (has_symbol(ctx, "fuse_iomap_read_folio_range"))
		fl_rules_set_flags(FUSE_MAGIC, fl_fs_flags(FUSE_MAGIC) | FL_RULE_WRITE_LOCKED);
}

int fl_rules_assume(const char *spec)
{
	static const struct {
		const char *name;
		uint32_t flag;
	} names[] = {
		{ "insert-locked", FL_RULE_INSERT_LOCKED },
		{ "inval-excl", FL_RULE_INVAL_EXCL },
		{ "inval-i-rwsem", FL_RULE_INVAL_IRWSEM },
		{ "map-pages-locked", FL_RULE_MAP_PAGES_LOCKED },
		{ "write-locked", FL_RULE_WRITE_LOCKED },
	};
	const char *colon = strchr(spec, ':');
	struct fl_fs_proto *p = NULL;
	char *list, *save = NULL, named[128] = "";
	uint32_t flags = 0;
	size_t len = 0;

	for (size_t i = 0; colon && i < ARRAY_SIZE(protos); i++)
		if (strlen(protos[i].name) == (size_t)(colon - spec) &&
		    !strncmp(protos[i].name, spec, colon - spec))
			p = &protos[i];
	if (!p) {
		char known[256];
		size_t n = 0;

		known[0] = 0;
		for (size_t i = 0; i < ARRAY_SIZE(protos) && n < sizeof(known); i++)
			n += snprintf(known + n, sizeof(known) - n, "%s%s", i ? ", " : "",
				      protos[i].name);
		fl_err("--assume-protocol %s: expected FS:RULE[,RULE] with FS one of %s", spec,
		       known);
		return -EINVAL;
	}
	list = fl_xstrdup(colon + 1);
	for (char *t = strtok_r(list, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		size_t i;

		for (i = 0; i < ARRAY_SIZE(names); i++)
			if (!strcmp(t, names[i].name))
				break;
		if (i == ARRAY_SIZE(names)) {
			fl_err("--assume-protocol: unknown rule '%s' (insert-locked, "
			       "inval-excl, inval-i-rwsem, map-pages-locked, write-locked)", t);
			free(list);
			return -EINVAL;
		}
		flags |= names[i].flag;
		if (len < sizeof(named))
			len += snprintf(named + len, sizeof(named) - len, "%s%s", len ? ", " : "",
					names[i].name);
	}
	free(list);
	if (!flags) {
		fl_err("--assume-protocol %s: no rule named", spec);
		return -EINVAL;
	}
	p->flags |= flags;
	fl_warn("assuming the %s protocol requires %s: reports follow the assumed protocol",
		p->name, named);
	return 0;
}
