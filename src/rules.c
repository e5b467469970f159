// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "faultline/events.h"
#include "rules.h"
#include "util.h"

static const struct fl_rule_info rule_info[FL_R_MAX] = {
	[FL_R_FAULT_UNLOCKED] = {
		"fault-unlocked", "004, 001",
		"a fault path instantiated or mapped a page without the invalidate lock",
		true },
	[FL_R_INSERT_UNLOCKED] = {
		"insert-unlocked", "004, 001, 003",
		"a page-cache insertion held neither invalidate_lock nor i_rwsem",
		true },
	[FL_R_INVAL_SHARED] = {
		"invalidation-shared", "000",
		"a fault path truncated page cache holding invalidate_lock only shared",
		true },
	[FL_R_INVAL_UNLOCKED] = {
		"invalidation-unlocked", "004",
		"an invalidation dropped page cache without holding invalidate_lock exclusive",
		true },
	[FL_R_WRITE_UNLOCKED] = {
		"write-unlocked", "003",
		"a buffered write/zero/unshare iomap step ran without i_rwsem",
		true },
	[FL_R_STALE_MAP] = {
		"stale-map", "002",
		"a buffered write used a folio under an extent map that had gone stale",
		true },
	[FL_R_LOCK_ORDER] = {
		"lock-order", "-",
		"locks were taken against the documented hierarchy, or in a cycle",
		true },
};

#define EXT4_MAGIC	0xEF53
#define XFS_MAGIC	0x58465342
#define BTRFS_MAGIC	0x9123683E
#define TMPFS_MAGIC	0x01021994
#define F2FS_MAGIC	0xF2F52010
#define GFS2_MAGIC	0x01161970
#define ZONEFS_MAGIC	0x5a4f4653
#define FUSE_MAGIC	0x65735546
#define ZOOFS_MAGIC	0x7a6f6f66	/* tests/zoo: the bug zoo's filesystem */

#define STRICT (FL_RULE_INSERT_LOCKED | FL_RULE_INVAL_EXCL | FL_RULE_WRITE_LOCKED)

static struct fl_fs_proto protos[] = {
	/* ext4's buffered I/O does not go through iomap: write-unlocked cannot see it */
	{ EXT4_MAGIC, "ext4", FL_RULE_INSERT_LOCKED | FL_RULE_INVAL_EXCL,
	  "invalidate_lock (i_mmap_sem before 5.15)" },
	{ XFS_MAGIC, "xfs", STRICT | FL_RULE_STALE_MAPS,
	  "invalidate_lock as XFS_MMAPLOCK, i_rwsem as XFS_IOLOCK" },
	{ F2FS_MAGIC, "f2fs", STRICT,
	  "invalidate_lock plus i_gc_rwsem" },
	{ BTRFS_MAGIC, "btrfs", 0,
	  "own protocol: btrfs_inode i_mmap_lock and extent range locks; not checked" },
	{ TMPFS_MAGIC, "tmpfs", 0,
	  "own protocol: faults wait on the shmem_falloc waitqueue during punch; not checked" },
	/*
	 * Known by name so that they are told apart and a protocol can be
	 * assumed for them (the demo's positive controls); their protocols are
	 * not in this table yet, so nothing is checked on them.
	 */
	{ GFS2_MAGIC, "gfs2", 0,
	  "protocol not in faultline's table yet (glocks); not checked" },
	{ ZONEFS_MAGIC, "zonefs", 0,
	  "protocol not in faultline's table yet; not checked" },
	{ FUSE_MAGIC, "fuse", 0,
	  "protocol not in faultline's table yet; not checked" },
	{ ZOOFS_MAGIC, "zoofs", STRICT | FL_RULE_STALE_MAPS,
	  "faultline's test filesystem (tests/zoo): the generic protocol, bugs on demand" },
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
		[FL_CNT_FAULT_LOCKED] = "faults_with_invalidate_lock",
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
	case FL_R_INVAL_UNLOCKED:
		return FL_RULE_INVAL_EXCL;
	case FL_R_WRITE_UNLOCKED:
		return FL_RULE_WRITE_LOCKED;
	case FL_R_STALE_MAP:
		return FL_RULE_STALE_MAPS;
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
}

int fl_rules_assume(const char *spec)
{
	static const struct {
		const char *name;
		uint32_t flag;
	} names[] = {
		{ "insert-locked", FL_RULE_INSERT_LOCKED },
		{ "inval-excl", FL_RULE_INVAL_EXCL },
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
		char fss[256];
		size_t n = 0;

		fss[0] = 0;
		for (size_t i = 0; i < ARRAY_SIZE(protos) && n < sizeof(fss); i++)
			n += snprintf(fss + n, sizeof(fss) - n, "%s%s", i ? ", " : "", protos[i].name);
		fl_err("--assume-protocol %s: expected FS:RULE[,RULE] with FS one of %s", spec, fss);
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
			       "inval-excl, map-pages-locked, write-locked)", t);
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
