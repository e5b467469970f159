/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The rules as data: what each check means, and which checks a
 * filesystem's locking protocol makes meaningful on this kernel.
 */
#ifndef FL_RULES_H
#define FL_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum fl_rule {
	FL_R_FAULT_UNLOCKED = 0,
	FL_R_INSERT_UNLOCKED,
	FL_R_INVAL_SHARED,
	FL_R_INVAL_UNLOCKED,
	FL_R_WRITE_UNLOCKED,
	FL_R_STALE_MAP,
	FL_R_LOCK_ORDER,
	FL_R_MAX,
};

enum fl_evidence {
	FL_EVID_DEFINITE = 0,
	FL_EVID_OBSERVED_RACE,
	FL_EVID_INVERSION,	/* lock-order: an edge against the documented order */
	FL_EVID_CYCLE,		/* lock-order: a cycle of observed edges */
	FL_EVID_MAX,
};

struct fl_rule_info {
	const char *name;	/* stable id used in reports and JSON */
	const char *seed;	/* founding document(s) */
	const char *summary;
	bool implemented;	/* false: reported as "not checked" */
	const char *journal_id;	/* MESSAGE_ID of its journal entries: random 128 bits,
				 * fixed once, never reused */
};

/*
 * A filesystem's locking protocol, read in its source (function@version;
 * src/rules.c, docs/rules.md): which lock serialises faults and page-cache
 * insertion against punch, truncate, collapse, insert and zero range, since
 * when, and what of it faultline can read.  A rule the protocol does not
 * make meaningful is not checked there, and why_not[rule] says why.
 */
struct fl_fs_proto {
	uint32_t magic;
	const char *name;
	uint32_t flags;		/* FL_RULE_*, adjusted for the running kernel */
	const char *note;	/* the protocol in one line */
	const char *since;	/* when the filesystem adopted it (upstream commits) */
	const char *source;	/* where it was read: function@version, ... */
	const char *reads;	/* what faultline reads of it */
	const char *why_not[FL_R_MAX];	/* per rule: why not checked here */
};

const struct fl_rule_info *fl_rule_info(enum fl_rule r);
/*
 * The protocol flags that make a rule checkable on a filesystem, any of
 * them (0: none; invalidation-unlocked has an invalidate_lock and an
 * i_rwsem form, stale-map a sequence and a window form).
 */
uint32_t fl_rule_flag(enum fl_rule r);
const char *fl_evidence_name(enum fl_evidence ev);
const char *fl_lock_state_name(unsigned int state);
const char *fl_op_name(unsigned int op);
const char *fl_event_type_name(unsigned int type);
const char *fl_counter_name(unsigned int counter);

/* Filesystem protocols, adjusted for the running kernel by fl_rules_init. */
const struct fl_fs_proto *fl_fs_proto(uint32_t magic);
const struct fl_fs_proto *fl_fs_protos(unsigned int *n);
const struct fl_fs_proto *fl_fs_proto_by_name(const char *name);
uint32_t fl_fs_flags(uint32_t magic);
const char *fl_fs_name(uint32_t magic);
/* A filesystem type's name: the protocol table's, else its magic in hex, "?" for 0. */
void fl_fs_label(uint32_t magic, char *buf, size_t len);
/*
 * Why rule @r is not checked on filesystem type @magic, or NULL when it is
 * (the lock-order rule is not per filesystem: NULL).  Never an empty
 * answer: a filesystem faultline knows no protocol of says so.
 */
const char *fl_fs_why_not(uint32_t magic, enum fl_rule r);
/* The form of the stale-map rule on @magic: "sequence", "window" or NULL. */
const char *fl_fs_stale_form(uint32_t magic);

/*
 * Kernel-dependent parts of the protocol table.  @has_symbol answers
 * whether a kernel function exists (kallsyms), e.g. xfs wrapped ->map_pages
 * in MMAPLOCK_SHARED exactly while xfs_filemap_map_pages existed.
 */
void fl_rules_init(bool (*has_symbol)(void *ctx, const char *name), void *ctx);
void fl_rules_set_flags(uint32_t magic, uint32_t flags);
/*
 * "FS:RULE[,RULE...]" adds protocol requirements to a filesystem, e.g.
 * "xfs:map-pages-locked" asserts the 5.10..6.3 xfs protocol on any kernel.
 * For testing faultline itself: a healthy kernel then shows real
 * violations of the assumed protocol.  0 or -EINVAL with a message.
 */
int fl_rules_assume(const char *spec);

#endif
