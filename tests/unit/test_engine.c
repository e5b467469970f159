// SPDX-License-Identifier: GPL-2.0
/*
 * The correlator and rule engine on synthetic event streams.
 *
 * Every rule gets a positive case (built after one of the founding bugs in
 * ../shared/seeds) and the negative cases that must stay quiet: a checker
 * that cries wolf is switched off.  Negative cases end with a positive
 * control on the same engine where that is cheap, so a test cannot pass
 * only because its stream was malformed.
 *
 * Stacks are names from a small fake symbol table: the address of syms[i]
 * is SYM_BASE + i, and symname() maps it back.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "engine.h"
#include "rules.h"
#include "util.h"

#define EXT4_MAGIC	0xEF53u
#define XFS_MAGIC	0x58465342u
#define TMPFS_MAGIC	0x01021994u
#define BTRFS_MAGIC	0x9123683Eu
#define F2FS_MAGIC	0xF2F52010u
#define FUSE_MAGIC	0x65735546u
#define GFS2_MAGIC	0x01161970u
#define ZONEFS_MAGIC	0x5a4f4653u

#define TEST_DEV	((8u << 20) | 1)	/* sda1, kernel encoding */
#define TEST_GEN	7u
#define INO		12

#define PID_A		100	/* faults, reads, writes */
#define PID_B		200	/* punches holes */
#define PID_C		300	/* a second invalidator */
#define PID_D		400

#define KiB		1024ull
#define MiB		(1024 * KiB)

/* ---- fake symbols ---------------------------------------------------- */

#define SYM_BASE	0x1000ull

static const char *const syms[] = {
	/* insertions */
	"filemap_add_folio", "__filemap_get_folio", "page_cache_ra_unbounded",
	"page_cache_ra_order", "filemap_get_pages", "filemap_read", "vfs_read",
	"iomap_write_begin", "iomap_file_buffered_write", "xfs_file_buffered_write",
	"vfs_write", "ksys_write",
	/* faults */
	"filemap_fault", "__do_fault", "do_read_fault", "handle_mm_fault",
	"exc_page_fault", "filemap_map_pages", "do_page_mkwrite",
	/* invalidation */
	"__filemap_remove_folio", "filemap_remove_folio", "truncate_inode_folio",
	"truncate_inode_pages_range", "truncate_pagecache_range",
	"iomap_file_buffered_write_punch_delalloc", "iomap_page_mkwrite",
	"xfs_filemap_page_mkwrite", "ext4_punch_hole", "ext4_fallocate",
	"vfs_fallocate", "__x64_sys_fallocate",
	/* reclaim */
	"__remove_mapping", "shrink_folio_list", "shrink_inactive_list",
	"shrink_lruvec", "shrink_node", "balance_pgdat", "kswapd",
	"do_try_to_free_pages", "try_to_free_pages", "__alloc_pages_slowpath",
	"filemap_write_and_wait_range",
	/* iomap */
	"iomap_iter",
	/* direct I/O */
	"invalidate_inode_pages2_range", "kiocb_invalidate_pages", "iomap_dio_rw",
	"xfs_file_write_iter",
	/* lockless by design */
	"read_cache_folio", "__copy_insn", "uprobe_mmap", "ext4_read_merkle_tree_page",
};

static const char *symname(void *ctx, uint64_t addr)
{
	(void)ctx;
	if (addr < SYM_BASE || addr - SYM_BASE >= ARRAY_SIZE(syms))
		return NULL;
	return syms[addr - SYM_BASE];
}

static uint64_t sym(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(syms); i++)
		if (!strcmp(syms[i], name))
			return SYM_BASE + i;
	/* A typo would silently make a stack unrecognisable: refuse it. */
	fail_msg("test bug: symbol %s is not in syms[]", name);
	return 0;
}

/* Stacks, innermost frame first, as the kernel reports them. */
#define ST_FAULT_INSERT "filemap_add_folio", "page_cache_ra_order", "filemap_fault", \
	"__do_fault", "do_read_fault", "handle_mm_fault", "exc_page_fault"
#define ST_READ_INSERT "filemap_add_folio", "page_cache_ra_unbounded", \
	"filemap_get_pages", "filemap_read", "vfs_read"
#define ST_WRITE_INSERT "filemap_add_folio", "__filemap_get_folio", \
	"iomap_write_begin", "iomap_file_buffered_write", "vfs_write"
#define ST_MAP_PAGES "filemap_map_pages", "do_read_fault", "handle_mm_fault", \
	"exc_page_fault"
#define ST_MKWRITE_PUNCH "__filemap_remove_folio", "truncate_pagecache_range", \
	"iomap_file_buffered_write_punch_delalloc", "iomap_page_mkwrite", \
	"xfs_filemap_page_mkwrite", "do_page_mkwrite", "handle_mm_fault"
#define ST_PUNCH_DELETE "__filemap_remove_folio", "filemap_remove_folio", \
	"truncate_inode_folio", "truncate_inode_pages_range", \
	"truncate_pagecache_range", "ext4_punch_hole", "ext4_fallocate", "vfs_fallocate"
#define ST_KSWAPD "__filemap_remove_folio", "__remove_mapping", "shrink_folio_list", \
	"shrink_inactive_list", "shrink_lruvec", "shrink_node", "balance_pgdat", "kswapd"
/* Direct reclaim inside ext4_punch_hole, before it takes invalidate_lock. */
#define ST_DIRECT_RECLAIM "__filemap_remove_folio", "__remove_mapping", \
	"shrink_folio_list", "shrink_lruvec", "shrink_node", "do_try_to_free_pages", \
	"try_to_free_pages", "__alloc_pages_slowpath", "filemap_write_and_wait_range", \
	"ext4_punch_hole", "ext4_fallocate", "vfs_fallocate"
#define ST_PUNCH_STEP "ext4_punch_hole", "ext4_fallocate", "vfs_fallocate", \
	"__x64_sys_fallocate"
#define ST_IOMAP_WRITE "iomap_iter", "iomap_file_buffered_write", \
	"xfs_file_buffered_write", "vfs_write", "ksys_write"

/* ---- events ---------------------------------------------------------- */

static struct fl_event mk_event(unsigned int type, uint32_t pid, uint64_t ino,
				uint64_t start, uint64_t end, uint64_t ts)
{
	struct fl_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.type = type;
	ev.pid = pid;
	ev.tgid = pid;
	snprintf(ev.comm, sizeof(ev.comm), "task%u", pid);
	ev.inode.dev = TEST_DEV;
	ev.inode.gen = TEST_GEN;
	ev.inode.ino = ino;
	ev.fs_magic = EXT4_MAGIC;
	ev.start = start;
	ev.end = end;
	ev.ts = ts;
	/* Lock states stay FL_LOCK_NA (0) unless a test sets them. */
	return ev;
}

static void __attribute__((sentinel)) set_stack(struct fl_event *ev, ...)
{
	const char *name;
	va_list ap;

	ev->nr_frames = 0;
	va_start(ap, ev);
	while ((name = va_arg(ap, const char *))) {
		assert_true(ev->nr_frames < FL_MAX_FRAMES);
		ev->frames[ev->nr_frames++] = sym(name);
	}
	va_end(ap);
	ev->flags |= FL_F_STACK;
}

static void set_locks(struct fl_event *ev, unsigned int inval, unsigned int irw)
{
	ev->inval_lock = inval;
	ev->i_rwsem = irw;
}

/* @pid starts invalidating [start, end) of @ino at @ts. */
static void begin_window(struct fl_engine *e, uint32_t magic, uint32_t pid,
			 uint64_t ino, uint64_t start, uint64_t end, uint64_t ts)
{
	struct fl_event ev = mk_event(FL_EV_INVAL_BEGIN, pid, ino, start, end, ts);

	ev.fs_magic = magic;
	ev.op = FL_OP_PUNCH;
	ev.aux = 0x03;	/* FALLOC_FL_KEEP_SIZE | FALLOC_FL_PUNCH_HOLE */
	fl_engine_feed(e, &ev);
}

static void end_window(struct fl_engine *e, uint32_t magic, uint32_t pid,
		       uint64_t ino, uint64_t ts, int64_t ret)
{
	struct fl_event ev = mk_event(FL_EV_INVAL_END, pid, ino, 0, 0, ts);

	ev.fs_magic = magic;
	ev.op = FL_OP_PUNCH;
	ev.aux = (uint64_t)ret;
	fl_engine_feed(e, &ev);
}

/* A page-cache insertion by a fault of PID_A into [4K, 8K) of INO. */
static struct fl_event fault_insert(uint32_t magic, unsigned int inval,
				    unsigned int irw, uint64_t ts)
{
	struct fl_event ev = mk_event(FL_EV_INSERT, PID_A, INO, 4 * KiB, 8 * KiB, ts);

	ev.fs_magic = magic;
	set_locks(&ev, inval, irw);
	set_stack(&ev, ST_FAULT_INSERT, NULL);
	return ev;
}

/* fault_insert()'s insertion, fed to @e. */
static void feed_fault(struct fl_engine *e, uint32_t magic, unsigned int inval,
		       unsigned int irw, uint64_t ts)
{
	struct fl_event ev = fault_insert(magic, inval, irw, ts);

	fl_engine_feed(e, &ev);
}

/* ---- fixtures -------------------------------------------------------- */

/*
 * The protocol table is global: every test starts from the built-in flags
 * and gets them back afterwards, whatever it changed.
 */
#define MAX_PROTOS	32
static uint32_t saved_flags[MAX_PROTOS];
static uint32_t saved_magic[MAX_PROTOS];
static unsigned int nsaved;

static int setup(void **state)
{
	unsigned int n;
	const struct fl_fs_proto *p = fl_fs_protos(&n);

	assert_true(n <= MAX_PROTOS);
	for (unsigned int i = 0; i < n; i++) {
		saved_magic[i] = p[i].magic;
		saved_flags[i] = p[i].flags;
	}
	nsaved = n;
	*state = fl_engine_new(symname, NULL);
	return *state ? 0 : -1;
}

static int teardown(void **state)
{
	for (unsigned int i = 0; i < nsaved; i++)
		fl_rules_set_flags(saved_magic[i], saved_flags[i]);
	fl_engine_free(*state);
	*state = NULL;
	return 0;
}

/* A new engine for the next case of a table-driven test. */
static struct fl_engine *reset(void **state)
{
	fl_engine_free(*state);
	*state = fl_engine_new(symname, NULL);
	return *state;
}

static const char *rule_name(enum fl_rule r)
{
	const struct fl_rule_info *ri = fl_rule_info(r);

	return ri ? ri->name : "?";
}

/*
 * Exactly one violation, of @rule with @evid.  Failures name the caller's
 * line (the helpers are macros around cmocka's _assert_*), and rules and
 * evidence by name.
 */
static const struct fl_violation *only_violation_at(const struct fl_engine *e,
						    enum fl_rule rule,
						    enum fl_evidence evid,
						    const char *file, int line)
{
	_assert_int_equal(e->nviol, 1, file, line);
	_assert_string_equal(rule_name(e->viol[0].rule), rule_name(rule), file, line);
	_assert_string_equal(fl_evidence_name(e->viol[0].evidence),
			     fl_evidence_name(evid), file, line);
	return &e->viol[0];
}
#define only_violation(e, rule, evid) \
	only_violation_at(e, rule, evid, __FILE__, __LINE__)

static void no_violation_at(const struct fl_engine *e, const char *file, int line)
{
	if (!e->nviol)
		return;
	print_error("unexpected violation: %s (%s), %zu in all\n",
		    rule_name(e->viol[0].rule),
		    fl_evidence_name(e->viol[0].evidence), e->nviol);
	_fail(file, line);
}
#define no_violation(e) no_violation_at(e, __FILE__, __LINE__)

/* ---- 1. seed 004: fault vs hole punch -------------------------------- */

static void test_seed004_fault_vs_punch(void **state)
{
	struct fl_engine *e = *state;
	const struct fl_violation *v;
	struct fl_event ev;

	begin_window(e, EXT4_MAGIC, PID_B, INO, 0, MiB, 1000);
	/* ext4's punch tracepoint: the window gets the invalidator's stack. */
	ev = mk_event(FL_EV_INVAL_STEP, PID_B, INO, 0, MiB, 1100);
	ev.op = FL_OP_PUNCH;
	set_locks(&ev, FL_LOCK_EXCL_ME, FL_LOCK_EXCL_ME);
	set_stack(&ev, ST_PUNCH_STEP, NULL);
	fl_engine_feed(e, &ev);

	ev = fault_insert(EXT4_MAGIC, FL_LOCK_EXCL_OTHER, FL_LOCK_FREE, 2000);
	ev.inval_owner = PID_B;
	fl_engine_feed(e, &ev);

	v = only_violation(e, FL_R_FAULT_UNLOCKED, FL_EVID_DEFINITE);
	assert_int_equal(v->count, 1);
	assert_int_equal(v->ev.pid, PID_A);
	assert_int_equal(v->ev.start, 4 * KiB);
	assert_true(v->has_partner);
	assert_int_equal(v->partner.begin.pid, PID_B);
	assert_int_equal(v->partner.begin.op, FL_OP_PUNCH);
	assert_int_equal(v->partner.ts_end, 0);	/* still open */
	assert_true(v->partner.has_step);
	assert_int_equal(v->partner.step.nr_frames, 4);
}

/* The same insertion from read(2) readahead, and from no stack at all. */
static void test_seed004_insert_unlocked(void **state)
{
	struct fl_engine *e = *state;
	const struct fl_violation *v;
	struct fl_event ev;

	begin_window(e, EXT4_MAGIC, PID_B, INO, 0, MiB, 1000);
	ev = mk_event(FL_EV_INSERT, PID_A, INO, 4 * KiB, 8 * KiB, 2000);
	set_locks(&ev, FL_LOCK_EXCL_OTHER, FL_LOCK_FREE);
	ev.inval_owner = PID_B;
	set_stack(&ev, ST_READ_INSERT, NULL);
	fl_engine_feed(e, &ev);
	v = only_violation(e, FL_R_INSERT_UNLOCKED, FL_EVID_DEFINITE);
	assert_true(v->has_partner);
	assert_int_equal(v->partner.begin.pid, PID_B);

	/* Without a stack the fault cannot be told apart: insert-unlocked. */
	e = reset(state);
	ev = mk_event(FL_EV_INSERT, PID_A, INO, 4 * KiB, 8 * KiB, 2000);
	set_locks(&ev, FL_LOCK_FREE, FL_LOCK_FREE);
	fl_engine_feed(e, &ev);
	v = only_violation(e, FL_R_INSERT_UNLOCKED, FL_EVID_DEFINITE);
	/* Lock words alone are proof: no window, no partner, still definite. */
	assert_false(v->has_partner);
}

/* With two overlapping invalidations the partner is the lock's owner. */
static void test_partner_is_lock_owner(void **state)
{
	struct fl_engine *e = *state;
	const struct fl_violation *v;
	struct fl_event ev;

	begin_window(e, EXT4_MAGIC, PID_C, INO, 0, 64 * KiB, 900);
	begin_window(e, EXT4_MAGIC, PID_B, INO, 0, MiB, 1000);
	ev = fault_insert(EXT4_MAGIC, FL_LOCK_EXCL_OTHER, FL_LOCK_EXCL_OTHER, 2000);
	ev.inval_owner = PID_B;
	fl_engine_feed(e, &ev);
	v = only_violation(e, FL_R_FAULT_UNLOCKED, FL_EVID_DEFINITE);
	assert_int_equal(v->partner.begin.pid, PID_B);
}

/* ---- 2. insertions that are locked, unknown or unchecked ------------- */

static void test_insert_locked_not_reported(void **state)
{
	static const struct {
		unsigned int inval, irw;
		const char *why;
	} cases[] = {
		{ FL_LOCK_SHARED_ME, FL_LOCK_FREE, "fault holds invalidate_lock shared" },
		{ FL_LOCK_EXCL_ME, FL_LOCK_FREE, "invalidator repopulates" },
		{ FL_LOCK_FREE, FL_LOCK_EXCL_ME, "buffered write holds i_rwsem" },
		{ FL_LOCK_FREE, FL_LOCK_SHARED_ME, "xfs buffered read holds IOLOCK shared" },
		{ FL_LOCK_NA, FL_LOCK_EXCL_ME, "old kernel, buffered write" },
		{ FL_LOCK_EXCL_OTHER, FL_LOCK_EXCL_ME, "i_rwsem suffices" },
		/* SHARED_OTHER: readers hold it, maybe us: unknown, never reported. */
		{ FL_LOCK_SHARED_OTHER, FL_LOCK_FREE, "inval lock unknown" },
		{ FL_LOCK_FREE, FL_LOCK_SHARED_OTHER, "i_rwsem unknown" },
		{ FL_LOCK_SHARED_OTHER, FL_LOCK_SHARED_OTHER, "both unknown" },
		{ FL_LOCK_EXCL_OTHER, FL_LOCK_SHARED_OTHER, "i_rwsem unknown" },
		{ FL_LOCK_SHARED_OTHER, FL_LOCK_EXCL_OTHER, "inval lock unknown" },
	};
	struct fl_engine *e;

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		e = reset(state);
		/* A racing punch is there: only the lock words may clear it. */
		begin_window(e, EXT4_MAGIC, PID_B, INO, 0, MiB, 1000);
		feed_fault(e, EXT4_MAGIC, cases[i].inval, cases[i].irw, 2000);
		if (e->nviol)
			fail_msg("case %zu (%s, %s: %s) reported %s", i,
				 fl_lock_state_name(cases[i].inval),
				 fl_lock_state_name(cases[i].irw), cases[i].why,
				 rule_name(e->viol[0].rule));
	}
	/* Positive control on the same stream. */
	feed_fault(e, EXT4_MAGIC, FL_LOCK_FREE, FL_LOCK_FREE, 2100);
	only_violation(e, FL_R_FAULT_UNLOCKED, FL_EVID_DEFINITE);
}

/* Filesystems without FL_RULE_INSERT_LOCKED have their own protocol. */
static void test_insert_unchecked_fs(void **state)
{
	static const uint32_t quiet[] = { TMPFS_MAGIC, BTRFS_MAGIC, 0x12345678u };
	static const uint32_t strict[] = { EXT4_MAGIC, XFS_MAGIC, F2FS_MAGIC };
	struct fl_engine *e;

	for (size_t i = 0; i < ARRAY_SIZE(quiet); i++) {
		e = reset(state);
		begin_window(e, quiet[i], PID_B, INO, 0, MiB, 1000);
		feed_fault(e, quiet[i], FL_LOCK_FREE, FL_LOCK_FREE, 2000);
		feed_fault(e, quiet[i], FL_LOCK_NA, FL_LOCK_NA, 2001);
		if (e->nviol)
			fail_msg("%s (0x%x) reported", fl_fs_name(quiet[i]), quiet[i]);
	}
	for (size_t i = 0; i < ARRAY_SIZE(strict); i++) {
		e = reset(state);
		feed_fault(e, strict[i], FL_LOCK_FREE, FL_LOCK_FREE, 2000);
		only_violation(e, FL_R_FAULT_UNLOCKED, FL_EVID_DEFINITE);
	}
}

/* Inodes without a dentry (quota files, journal) follow no user protocol. */
static void test_insert_internal_ignored(void **state)
{
	struct fl_engine *e = *state;
	struct fl_event ev;

	ev = fault_insert(EXT4_MAGIC, FL_LOCK_FREE, FL_LOCK_FREE, 2000);
	ev.flags |= FL_F_INTERNAL;
	fl_engine_feed(e, &ev);
	no_violation(e);

	/* An internal window does not open either: no race against it. */
	ev = mk_event(FL_EV_INVAL_BEGIN, PID_B, INO, 0, MiB, 2100);
	ev.flags |= FL_F_INTERNAL;
	fl_engine_feed(e, &ev);
	assert_int_equal(e->nopen, 0);
	feed_fault(e, EXT4_MAGIC, FL_LOCK_NA, FL_LOCK_NA, 2200);
	no_violation(e);

	feed_fault(e, EXT4_MAGIC, FL_LOCK_FREE, FL_LOCK_FREE, 2300);
	only_violation(e, FL_R_FAULT_UNLOCKED, FL_EVID_DEFINITE);
}

/* ---- 3. seed 001: fault-around vs hole punch ------------------------- */

static struct fl_event map_pages(uint32_t magic, unsigned int inval, uint64_t ts)
{
	struct fl_event ev = mk_event(FL_EV_MAP_PAGES, PID_A, INO, 0, 64 * KiB, ts);

	ev.fs_magic = magic;
	/* ->map_pages does not look at i_rwsem; say so the rule cannot either. */
	set_locks(&ev, inval, FL_LOCK_FREE);
	set_stack(&ev, ST_MAP_PAGES, NULL);
	return ev;
}

static void test_seed001_map_pages_unlocked(void **state)
{
	struct fl_engine *e = *state;
	const struct fl_violation *v;
	struct fl_event ev;

	/* xfs 5.10..6.3 wraps ->map_pages in MMAPLOCK_SHARED. */
	fl_rules_set_flags(XFS_MAGIC, fl_fs_flags(XFS_MAGIC) | FL_RULE_MAP_PAGES_LOCKED);
	begin_window(e, XFS_MAGIC, PID_B, INO, 0, MiB, 1000);
	ev = map_pages(XFS_MAGIC, FL_LOCK_FREE, 2000);
	fl_engine_feed(e, &ev);
	v = only_violation(e, FL_R_FAULT_UNLOCKED, FL_EVID_DEFINITE);
	assert_true(v->has_partner);
	assert_int_equal(v->partner.begin.pid, PID_B);
	assert_int_equal(v->ev.type, FL_EV_MAP_PAGES);

	/* Without lock words the overlapping punch is the evidence. */
	e = reset(state);
	begin_window(e, XFS_MAGIC, PID_B, INO, 0, MiB, 1000);
	ev = map_pages(XFS_MAGIC, FL_LOCK_NA, 2000);
	fl_engine_feed(e, &ev);
	v = only_violation(e, FL_R_FAULT_UNLOCKED, FL_EVID_OBSERVED_RACE);
	assert_int_equal(v->partner.begin.pid, PID_B);
}

static void test_map_pages_locked_or_unchecked(void **state)
{
	static const unsigned int quiet[] = {
		FL_LOCK_SHARED_ME, FL_LOCK_EXCL_ME, FL_LOCK_SHARED_OTHER,
	};
	struct fl_engine *e;
	struct fl_event ev;

	fl_rules_set_flags(XFS_MAGIC, fl_fs_flags(XFS_MAGIC) | FL_RULE_MAP_PAGES_LOCKED);
	for (size_t i = 0; i < ARRAY_SIZE(quiet); i++) {
		e = reset(state);
		begin_window(e, XFS_MAGIC, PID_B, INO, 0, MiB, 1000);
		ev = map_pages(XFS_MAGIC, quiet[i], 2000);
		fl_engine_feed(e, &ev);
		if (e->nviol)
			fail_msg("map_pages with %s reported", fl_lock_state_name(quiet[i]));
	}
	/* No lock words and no racing invalidation: nothing to go on. */
	e = reset(state);
	ev = map_pages(XFS_MAGIC, FL_LOCK_NA, 2000);
	fl_engine_feed(e, &ev);
	no_violation(e);

	/* The built-in protocols: ->map_pages runs unlocked by design. */
	teardown(state);
	setup(state);
	e = *state;
	assert_false(fl_fs_flags(XFS_MAGIC) & FL_RULE_MAP_PAGES_LOCKED);
	begin_window(e, XFS_MAGIC, PID_B, INO, 0, MiB, 1000);
	ev = map_pages(XFS_MAGIC, FL_LOCK_FREE, 2000);
	fl_engine_feed(e, &ev);
	ev = map_pages(EXT4_MAGIC, FL_LOCK_FREE, 2001);
	fl_engine_feed(e, &ev);
	ev = map_pages(XFS_MAGIC, FL_LOCK_NA, 2002);
	fl_engine_feed(e, &ev);
	no_violation(e);
}

/* ---- 4. seed 000: page_mkwrite punching under a shared lock ---------- */

static struct fl_event delete_event(uint32_t magic, uint32_t pid, unsigned int inval,
				    uint64_t ts)
{
	struct fl_event ev = mk_event(FL_EV_DELETE, pid, INO, 4 * KiB, 8 * KiB, ts);

	ev.fs_magic = magic;
	set_locks(&ev, inval, FL_LOCK_NA);
	return ev;
}

static void test_seed000_mkwrite_punch_shared(void **state)
{
	struct fl_engine *e = *state;
	const struct fl_violation *v;
	struct fl_event ev;

	ev = delete_event(XFS_MAGIC, PID_A, FL_LOCK_SHARED_ME, 2000);
	set_stack(&ev, ST_MKWRITE_PUNCH, NULL);
	fl_engine_feed(e, &ev);
	v = only_violation(e, FL_R_INVAL_SHARED, FL_EVID_DEFINITE);
	assert_false(v->has_partner);
	assert_int_equal(v->ev.pid, PID_A);
	assert_int_equal(e->not_truncation, 0);
}

/*
 * Outside a fault path and without precise tracking, "shared by me" is
 * only the reader hint, which outlives the read lock: a direct-I/O write
 * invalidating its range without the lock must not become a violation.
 * Precise tracking makes the same hold a fact.
 */
static void test_delete_shared_hint_outside_fault(void **state)
{
	struct fl_engine *e = *state;
	struct fl_event ev;

	ev = delete_event(XFS_MAGIC, PID_A, FL_LOCK_SHARED_ME, 2000);
	set_stack(&ev, "__filemap_remove_folio", "invalidate_inode_pages2_range",
		  "kiocb_invalidate_pages", "iomap_dio_rw", "xfs_file_write_iter", NULL);
	fl_engine_feed(e, &ev);
	no_violation(e);

	ev.flags |= FL_F_PRECISE;
	fl_engine_feed(e, &ev);
	only_violation(e, FL_R_INVAL_SHARED, FL_EVID_DEFINITE);
}

/* Reclaim removes folios under whatever its caller holds: not a bug. */
static void test_delete_shared_by_reclaim(void **state)
{
	struct fl_engine *e = *state;
	struct fl_event ev;

	ev = delete_event(XFS_MAGIC, PID_A, FL_LOCK_SHARED_ME, 2000);
	set_stack(&ev, ST_KSWAPD, NULL);
	fl_engine_feed(e, &ev);
	no_violation(e);
	assert_int_equal(e->not_truncation, 1);

	/* The positive control: the same lock state from a truncation. */
	ev = delete_event(XFS_MAGIC, PID_A, FL_LOCK_SHARED_ME, 2100);
	set_stack(&ev, ST_MKWRITE_PUNCH, NULL);
	fl_engine_feed(e, &ev);
	only_violation(e, FL_R_INVAL_SHARED, FL_EVID_DEFINITE);
	assert_int_equal(e->not_truncation, 1);
}

static void test_delete_in_own_window_excl(void **state)
{
	struct fl_engine *e = *state;
	struct fl_event ev;

	begin_window(e, EXT4_MAGIC, PID_B, INO, 0, MiB, 1000);
	ev = delete_event(EXT4_MAGIC, PID_B, FL_LOCK_EXCL_ME, 2000);
	set_stack(&ev, ST_PUNCH_DELETE, NULL);
	fl_engine_feed(e, &ev);
	/* Outside any window only a shared holder is judged: DIO and eviction
	 * truncate page cache without invalidate_lock by design. */
	ev = delete_event(EXT4_MAGIC, PID_A, FL_LOCK_FREE, 2100);
	set_stack(&ev, ST_PUNCH_DELETE, NULL);
	fl_engine_feed(e, &ev);
	ev = delete_event(EXT4_MAGIC, PID_A, FL_LOCK_NA, 2200);
	set_stack(&ev, ST_PUNCH_DELETE, NULL);
	fl_engine_feed(e, &ev);
	no_violation(e);
	assert_int_equal(e->not_truncation, 0);
}

/* ---- 5. seed 004, punch side: invalidation without the lock ---------- */

/*
 * Which deletions are inside the task's own invalidation: live, BPF says so
 * (FL_F_IN_WINDOW) and the engine's windows are not trusted (a lost END
 * could leave one open); in a complete recording (count_events) the
 * engine's windows decide.
 */
static void test_inval_unlocked_in_window(void **state)
{
	struct fl_engine *e = *state;
	const struct fl_violation *v;
	struct fl_event ev;

	begin_window(e, EXT4_MAGIC, PID_B, INO, 0, MiB, 1000);
	ev = delete_event(EXT4_MAGIC, PID_B, FL_LOCK_FREE, 2000);
	set_stack(&ev, ST_PUNCH_DELETE, NULL);
	fl_engine_feed(e, &ev);
	no_violation(e);
	e->count_events = true;
	fl_engine_feed(e, &ev);
	v = only_violation(e, FL_R_INVAL_UNLOCKED, FL_EVID_DEFINITE);
	assert_int_equal(v->ev.pid, PID_B);
	assert_false(v->has_partner);

	/* Someone else holding it exclusive does not protect us either. */
	e = reset(state);
	begin_window(e, EXT4_MAGIC, PID_B, INO, 0, MiB, 1000);
	ev = delete_event(EXT4_MAGIC, PID_B, FL_LOCK_EXCL_OTHER, 2000);
	ev.flags |= FL_F_IN_WINDOW;
	set_stack(&ev, ST_PUNCH_DELETE, NULL);
	fl_engine_feed(e, &ev);
	only_violation(e, FL_R_INVAL_UNLOCKED, FL_EVID_DEFINITE);

	/*
	 * Readers hold it (whoever the hint names): then nobody holds it
	 * exclusive, so neither does the invalidator.  The hint naming us may
	 * be stale (it survives up_read), so this is not "held shared".
	 */
	for (unsigned int st = FL_LOCK_SHARED_ME; st <= FL_LOCK_SHARED_OTHER;
	     st += FL_LOCK_SHARED_OTHER - FL_LOCK_SHARED_ME) {
		e = reset(state);
		begin_window(e, EXT4_MAGIC, PID_B, INO, 0, MiB, 1000);
		ev = delete_event(EXT4_MAGIC, PID_B, st, 2000);
		ev.flags |= FL_F_IN_WINDOW;
		set_stack(&ev, ST_PUNCH_DELETE, NULL);
		fl_engine_feed(e, &ev);
		only_violation(e, FL_R_INVAL_UNLOCKED, FL_EVID_DEFINITE);
	}
}

static void test_inval_in_window_not_reported(void **state)
{
	static const unsigned int quiet[] = {
		FL_LOCK_EXCL_ME, FL_LOCK_NA,
	};
	struct fl_engine *e;
	struct fl_event ev;

	for (size_t i = 0; i < ARRAY_SIZE(quiet); i++) {
		e = reset(state);
		begin_window(e, EXT4_MAGIC, PID_B, INO, 0, MiB, 1000);
		ev = delete_event(EXT4_MAGIC, PID_B, quiet[i], 2000);
		set_stack(&ev, ST_PUNCH_DELETE, NULL);
		fl_engine_feed(e, &ev);
		if (e->nviol)
			fail_msg("in-window delete with %s reported",
				 fl_lock_state_name(quiet[i]));
	}

	/* tmpfs and btrfs invalidate under their own protocol. */
	e = reset(state);
	begin_window(e, TMPFS_MAGIC, PID_B, INO, 0, MiB, 1000);
	ev = delete_event(TMPFS_MAGIC, PID_B, FL_LOCK_FREE, 2000);
	set_stack(&ev, ST_PUNCH_DELETE, NULL);
	fl_engine_feed(e, &ev);
	ev = delete_event(BTRFS_MAGIC, PID_B, FL_LOCK_FREE, 2000);
	ev.flags |= FL_F_IN_WINDOW;
	fl_engine_feed(e, &ev);
	no_violation(e);

	/* Another task's window is not ours; nor is ours on another inode. */
	e = reset(state);
	begin_window(e, EXT4_MAGIC, PID_B, INO, 0, MiB, 1000);
	begin_window(e, EXT4_MAGIC, PID_A, INO + 1, 0, MiB, 1000);
	ev = delete_event(EXT4_MAGIC, PID_A, FL_LOCK_FREE, 2000);
	set_stack(&ev, ST_PUNCH_DELETE, NULL);
	fl_engine_feed(e, &ev);
	no_violation(e);

	/* Once the window is closed the task is no longer invalidating. */
	end_window(e, EXT4_MAGIC, PID_B, INO, 3000, 0);
	ev = delete_event(EXT4_MAGIC, PID_B, FL_LOCK_FREE, 4000);
	set_stack(&ev, ST_PUNCH_DELETE, NULL);
	fl_engine_feed(e, &ev);
	no_violation(e);
}

/*
 * fuse and gfs2 truncate page cache under i_rwsem, not invalidate_lock
 * (fuse_file_fallocate, gfs2_fallocate @6.1, 6.12): their invalidations are
 * judged on i_rwsem, so a free invalidate_lock is no violation there, and a
 * drop without i_rwsem inside the task's own invalidation is.
 */
static void test_inval_irwsem_form(void **state)
{
	static const uint32_t fs[] = { FUSE_MAGIC, GFS2_MAGIC };
	static const unsigned int unlocked[] = {
		FL_LOCK_FREE, FL_LOCK_EXCL_OTHER, FL_LOCK_SHARED_ME, FL_LOCK_READERS_NOT_ME,
	};
	struct fl_engine *e;
	struct fl_event ev;

	for (size_t f = 0; f < ARRAY_SIZE(fs); f++) {
		/* the healthy punch: i_rwsem held, invalidate_lock never taken */
		e = reset(state);
		begin_window(e, fs[f], PID_B, INO, 0, MiB, 1000);
		ev = delete_event(fs[f], PID_B, FL_LOCK_FREE, 2000);
		ev.i_rwsem = FL_LOCK_EXCL_ME;
		set_stack(&ev, ST_PUNCH_DELETE, NULL);
		fl_engine_feed(e, &ev);
		/* and a fault truncating under a shared invalidate_lock has no meaning */
		ev = delete_event(fs[f], PID_A, FL_LOCK_SHARED_ME, 2100);
		set_stack(&ev, ST_MKWRITE_PUNCH, NULL);
		fl_engine_feed(e, &ev);
		no_violation(e);

		for (size_t i = 0; i < ARRAY_SIZE(unlocked); i++) {
			e = reset(state);
			begin_window(e, fs[f], PID_B, INO, 0, MiB, 1000);
			ev = delete_event(fs[f], PID_B, FL_LOCK_FREE, 2000);
			ev.i_rwsem = unlocked[i];
			ev.flags |= FL_F_IN_WINDOW;
			set_stack(&ev, ST_PUNCH_DELETE, NULL);
			fl_engine_feed(e, &ev);
			only_violation(e, FL_R_INVAL_UNLOCKED, FL_EVID_DEFINITE);
		}

		/* reclaim inside the window is not the invalidation's drop */
		e = reset(state);
		ev = delete_event(fs[f], PID_B, FL_LOCK_FREE, 2000);
		ev.i_rwsem = FL_LOCK_FREE;
		ev.flags |= FL_F_IN_WINDOW;
		set_stack(&ev, ST_KSWAPD, NULL);
		fl_engine_feed(e, &ev);
		/* nor is a drop outside any window of the task */
		ev = delete_event(fs[f], PID_A, FL_LOCK_FREE, 2100);
		ev.i_rwsem = FL_LOCK_FREE;
		set_stack(&ev, ST_PUNCH_DELETE, NULL);
		fl_engine_feed(e, &ev);
		no_violation(e);
	}

	/* the generic protocol is not weakened: ext4 still needs invalidate_lock */
	e = reset(state);
	ev = delete_event(EXT4_MAGIC, PID_B, FL_LOCK_FREE, 2000);
	ev.i_rwsem = FL_LOCK_EXCL_ME;
	ev.flags |= FL_F_IN_WINDOW;
	set_stack(&ev, ST_PUNCH_DELETE, NULL);
	fl_engine_feed(e, &ev);
	only_violation(e, FL_R_INVAL_UNLOCKED, FL_EVID_DEFINITE);
}

/* BPF knows the window when user space missed its BEGIN: trust the flag. */
static void test_inval_unlocked_in_window_flag(void **state)
{
	struct fl_engine *e = *state;
	struct fl_event ev;

	ev = delete_event(EXT4_MAGIC, PID_B, FL_LOCK_FREE, 2000);
	set_stack(&ev, ST_PUNCH_DELETE, NULL);
	fl_engine_feed(e, &ev);
	no_violation(e);	/* no window and no flag: not an invalidation */

	ev.flags |= FL_F_IN_WINDOW;
	ev.ts = 2100;
	fl_engine_feed(e, &ev);
	only_violation(e, FL_R_INVAL_UNLOCKED, FL_EVID_DEFINITE);
	assert_int_equal(e->nopen, 0);
}

/* ---- 6. seed 003: buffered write without the inode lock -------------- */

static struct fl_event iomap_event(uint32_t magic, uint64_t flags, unsigned int irw,
				   uint64_t ts)
{
	struct fl_event ev = mk_event(FL_EV_IOMAP, PID_A, INO, 0, 64 * KiB, ts);

	ev.fs_magic = magic;
	ev.aux = flags;
	set_locks(&ev, FL_LOCK_FREE, irw);
	set_stack(&ev, ST_IOMAP_WRITE, NULL);
	return ev;
}

static void test_seed003_write_unlocked(void **state)
{
	static const uint64_t write_like[] = {
		FL_IOMAP_WRITE, FL_IOMAP_WRITE | FL_IOMAP_ZERO, FL_IOMAP_ZERO,
		FL_IOMAP_WRITE | FL_IOMAP_UNSHARE,
	};
	struct fl_engine *e;
	const struct fl_violation *v;
	struct fl_event ev;

	for (size_t i = 0; i < ARRAY_SIZE(write_like); i++) {
		e = reset(state);
		ev = iomap_event(XFS_MAGIC, write_like[i], FL_LOCK_FREE, 2000);
		fl_engine_feed(e, &ev);
		v = only_violation(e, FL_R_WRITE_UNLOCKED, FL_EVID_DEFINITE);
		assert_int_equal(v->ev.aux, write_like[i]);
	}
	/* Another writer holding it is no protection for this one. */
	e = reset(state);
	ev = iomap_event(XFS_MAGIC, FL_IOMAP_WRITE, FL_LOCK_EXCL_OTHER, 2000);
	fl_engine_feed(e, &ev);
	only_violation(e, FL_R_WRITE_UNLOCKED, FL_EVID_DEFINITE);
}

static void test_write_locked_or_exempt(void **state)
{
	static const struct {
		uint32_t magic;
		uint64_t flags;
		unsigned int irw;
		const char *why;
	} cases[] = {
		{ XFS_MAGIC, FL_IOMAP_WRITE, FL_LOCK_EXCL_ME, "locked write" },
		{ XFS_MAGIC, FL_IOMAP_WRITE, FL_LOCK_SHARED_ME, "held shared by me" },
		{ XFS_MAGIC, FL_IOMAP_WRITE, FL_LOCK_SHARED_OTHER, "unknown" },
		{ XFS_MAGIC, FL_IOMAP_WRITE, FL_LOCK_NA, "no lock word" },
		{ XFS_MAGIC, FL_IOMAP_WRITE | FL_IOMAP_FAULT, FL_LOCK_FREE,
		  "page_mkwrite holds the invalidate lock instead" },
		{ XFS_MAGIC, FL_IOMAP_WRITE | FL_IOMAP_DIRECT, FL_LOCK_FREE,
		  "direct I/O" },
		{ XFS_MAGIC, FL_IOMAP_ZERO | FL_IOMAP_FAULT, FL_LOCK_FREE, "fault zeroing" },
		{ XFS_MAGIC, FL_IOMAP_REPORT, FL_LOCK_FREE, "fiemap / seek" },
		{ XFS_MAGIC, 0, FL_LOCK_FREE, "buffered read" },
		{ TMPFS_MAGIC, FL_IOMAP_WRITE, FL_LOCK_FREE, "tmpfs" },
		{ BTRFS_MAGIC, FL_IOMAP_WRITE, FL_LOCK_FREE, "btrfs" },
		{ 0, FL_IOMAP_WRITE, FL_LOCK_FREE, "unknown fs" },
	};
	struct fl_engine *e;
	struct fl_event ev;

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		e = reset(state);
		ev = iomap_event(cases[i].magic, cases[i].flags, cases[i].irw, 2000);
		fl_engine_feed(e, &ev);
		if (e->nviol)
			fail_msg("case %zu (%s) reported", i, cases[i].why);
	}
}

/* ---- 7. observed race: no lock words --------------------------------- */

static void test_observed_race(void **state)
{
	struct fl_engine *e = *state;
	const struct fl_violation *v;
	struct fl_event ev;

	begin_window(e, EXT4_MAGIC, PID_B, INO, 0, MiB, 1000);
	feed_fault(e, EXT4_MAGIC, FL_LOCK_NA, FL_LOCK_NA, 2000);
	v = only_violation(e, FL_R_FAULT_UNLOCKED, FL_EVID_OBSERVED_RACE);
	assert_true(v->has_partner);
	assert_int_equal(v->partner.begin.pid, PID_B);

	/* i_rwsem readable and free, invalidate lock not: still a race. */
	e = reset(state);
	begin_window(e, EXT4_MAGIC, PID_B, INO, 0, MiB, 1000);
	ev = mk_event(FL_EV_INSERT, PID_A, INO, 4 * KiB, 8 * KiB, 2000);
	set_locks(&ev, FL_LOCK_NA, FL_LOCK_FREE);
	set_stack(&ev, ST_READ_INSERT, NULL);
	fl_engine_feed(e, &ev);
	only_violation(e, FL_R_INSERT_UNLOCKED, FL_EVID_OBSERVED_RACE);
}

static void test_observed_race_negative(void **state)
{
	struct fl_engine *e;
	struct fl_event ev;

	/* No invalidation at all. */
	e = reset(state);
	feed_fault(e, EXT4_MAGIC, FL_LOCK_NA, FL_LOCK_NA, 2000);
	no_violation(e);

	/* A window that does not cover the range; touching is not overlap. */
	e = reset(state);
	begin_window(e, EXT4_MAGIC, PID_B, INO, MiB, 2 * MiB, 1000);
	begin_window(e, EXT4_MAGIC, PID_C, INO, 0, 4 * KiB, 1000);
	begin_window(e, EXT4_MAGIC, PID_D, INO, 8 * KiB, 12 * KiB, 1000);
	feed_fault(e, EXT4_MAGIC, FL_LOCK_NA, FL_LOCK_NA, 2000);
	no_violation(e);

	/* A window that closed before the insertion. */
	e = reset(state);
	begin_window(e, EXT4_MAGIC, PID_B, INO, 0, MiB, 1000);
	end_window(e, EXT4_MAGIC, PID_B, INO, 1500, 0);
	feed_fault(e, EXT4_MAGIC, FL_LOCK_NA, FL_LOCK_NA, 2000);
	no_violation(e);

	/* A window that opened after it (the event is older). */
	e = reset(state);
	begin_window(e, EXT4_MAGIC, PID_B, INO, 0, MiB, 3000);
	feed_fault(e, EXT4_MAGIC, FL_LOCK_NA, FL_LOCK_NA, 2000);
	no_violation(e);

	/* The task's own window: a task does not race with itself. */
	e = reset(state);
	begin_window(e, EXT4_MAGIC, PID_A, INO, 0, MiB, 1000);
	feed_fault(e, EXT4_MAGIC, FL_LOCK_NA, FL_LOCK_NA, 2000);
	no_violation(e);

	/* Another inode: other number, other device, reused number. */
	e = reset(state);
	begin_window(e, EXT4_MAGIC, PID_B, INO + 1, 0, MiB, 1000);
	ev = mk_event(FL_EV_INVAL_BEGIN, PID_C, INO, 0, MiB, 1000);
	ev.inode.dev = TEST_DEV + 1;
	fl_engine_feed(e, &ev);
	ev = mk_event(FL_EV_INVAL_BEGIN, PID_D, INO, 0, MiB, 1000);
	ev.inode.gen = TEST_GEN + 1;
	fl_engine_feed(e, &ev);
	assert_int_equal(e->nopen, 3);
	feed_fault(e, EXT4_MAGIC, FL_LOCK_NA, FL_LOCK_NA, 2000);
	no_violation(e);

	/* A racing window does not override a lock we are seen to hold. */
	e = reset(state);
	begin_window(e, EXT4_MAGIC, PID_B, INO, 0, MiB, 1000);
	feed_fault(e, EXT4_MAGIC, FL_LOCK_NA, FL_LOCK_EXCL_ME, 2000);
	no_violation(e);
}

/*
 * Without an invalidate_lock word, an i_rwsem that readers hold (the owner
 * hint naming another reader) says nothing about us: an xfs buffered
 * read holds it shared while a punch's window is open and still waiting
 * for the lock.  Unknown, not an observed race.
 */
static void test_race_ignores_shared_other(void **state)
{
	struct fl_engine *e = *state;
	struct fl_event ev;

	begin_window(e, XFS_MAGIC, PID_B, INO, 0, MiB, 1000);
	ev = mk_event(FL_EV_INSERT, PID_A, INO, 4 * KiB, 8 * KiB, 2000);
	ev.fs_magic = XFS_MAGIC;
	set_locks(&ev, FL_LOCK_NA, FL_LOCK_SHARED_OTHER);
	ev.i_rwsem_owner = PID_C;	/* another reader came after us */
	set_stack(&ev, ST_READ_INSERT, NULL);
	fl_engine_feed(e, &ev);
	no_violation(e);
}

/*
 * Imported events (FL_F_NO_LOCKWORD): NA means the lock was not recorded,
 * and the import's windows span the whole syscall, beyond the
 * invalidator's locked section.  The same overlaps as test_observed_race
 * are no violation then; proven states are still judged.
 */
static void test_imported_na_no_race(void **state)
{
	struct fl_engine *e = *state;
	struct fl_event ev;

	begin_window(e, EXT4_MAGIC, PID_B, INO, 0, MiB, 1000);
	ev = fault_insert(EXT4_MAGIC, FL_LOCK_NA, FL_LOCK_NA, 2000);
	ev.flags |= FL_F_NO_LOCKWORD;
	fl_engine_feed(e, &ev);
	no_violation(e);

	e = reset(state);
	fl_rules_set_flags(XFS_MAGIC, fl_fs_flags(XFS_MAGIC) | FL_RULE_MAP_PAGES_LOCKED);
	begin_window(e, XFS_MAGIC, PID_B, INO, 0, MiB, 1000);
	ev = map_pages(XFS_MAGIC, FL_LOCK_NA, 2000);
	ev.flags |= FL_F_NO_LOCKWORD;
	fl_engine_feed(e, &ev);
	no_violation(e);

	/* xfs_ilock tracking proved the map_pages task holds no MMAPLOCK */
	ev = map_pages(XFS_MAGIC, FL_LOCK_FREE, 3000);
	ev.flags |= FL_F_NO_LOCKWORD;
	fl_engine_feed(e, &ev);
	only_violation(e, FL_R_FAULT_UNLOCKED, FL_EVID_DEFINITE);
}

/* ---- 8. window lifecycle --------------------------------------------- */

static void test_window_end_closes(void **state)
{
	struct fl_engine *e = *state;

	begin_window(e, EXT4_MAGIC, PID_B, INO, 0, MiB, 1000);
	/* END must match both task and inode. */
	end_window(e, EXT4_MAGIC, PID_C, INO, 1500, 0);
	end_window(e, EXT4_MAGIC, PID_B, INO + 1, 1500, 0);
	assert_int_equal(e->nopen, 1);
	assert_int_equal(e->nclosed, 0);

	end_window(e, EXT4_MAGIC, PID_B, INO, 2000, 0);
	assert_int_equal(e->nopen, 0);
	assert_int_equal(e->nclosed, 1);

	feed_fault(e, EXT4_MAGIC, FL_LOCK_NA, FL_LOCK_NA, 3000);
	no_violation(e);

	/* An END without a window is harmless. */
	end_window(e, EXT4_MAGIC, PID_D, INO, 3100, 0);
	assert_int_equal(e->nopen, 0);
	assert_int_equal(e->nclosed, 1);
}

/* Closing one of several windows leaves the others intact. */
static void test_window_end_keeps_others(void **state)
{
	struct fl_engine *e = *state;
	struct fl_event ev;

	begin_window(e, EXT4_MAGIC, PID_B, 1, 0, MiB, 1000);
	begin_window(e, EXT4_MAGIC, PID_C, 2, 0, MiB, 1000);
	begin_window(e, EXT4_MAGIC, PID_D, 3, 0, MiB, 1000);
	end_window(e, EXT4_MAGIC, PID_C, 2, 1500, 0);
	assert_int_equal(e->nopen, 2);

	for (uint64_t ino = 1; ino <= 3; ino++) {
		ev = fault_insert(EXT4_MAGIC, FL_LOCK_NA, FL_LOCK_NA, 2000);
		ev.inode.ino = ino;
		fl_engine_feed(e, &ev);
	}
	assert_int_equal(e->nviol, 2);
	for (size_t i = 0; i < e->nviol; i++) {
		const struct fl_violation *v = &e->viol[i];

		assert_int_equal(v->evidence, FL_EVID_OBSERVED_RACE);
		if (v->ev.inode.ino == 1)
			assert_int_equal(v->partner.begin.pid, PID_B);
		else if (v->ev.inode.ino == 3)
			assert_int_equal(v->partner.begin.pid, PID_D);
		else
			fail_msg("race against the closed window of inode %llu",
				 (unsigned long long)v->ev.inode.ino);
	}
}

/* The ring buffer may hand us an insertion after the END that followed it. */
static void test_window_late_delivery(void **state)
{
	struct fl_engine *e = *state;
	const struct fl_violation *v;
	struct fl_event ev;

	begin_window(e, EXT4_MAGIC, PID_B, INO, 0, MiB, 1000);
	end_window(e, EXT4_MAGIC, PID_B, INO, 3000, 0);
	ev = fault_insert(EXT4_MAGIC, FL_LOCK_NA, FL_LOCK_NA, 2000);
	fl_engine_feed(e, &ev);
	v = only_violation(e, FL_R_FAULT_UNLOCKED, FL_EVID_OBSERVED_RACE);
	assert_int_equal(v->partner.begin.pid, PID_B);
	assert_int_equal(v->partner.ts_end, 3000);

	/* Just outside [begin, end] on either side it is no race. */
	ev.ts = 3001;
	fl_engine_feed(e, &ev);
	ev.ts = 999;
	fl_engine_feed(e, &ev);
	assert_int_equal(e->nviol, 1);
	assert_int_equal(e->viol[0].count, 1);
	/* ... and the bounds themselves are inside. */
	ev.ts = 3000;
	fl_engine_feed(e, &ev);
	ev.ts = 1000;
	fl_engine_feed(e, &ev);
	assert_int_equal(e->viol[0].count, 3);
}

/* truncate(2) names a path: the window may open at the fs's own step. */
static void test_window_step_recovers(void **state)
{
	struct fl_engine *e = *state;
	const struct fl_violation *v;
	struct fl_event ev;

	ev = mk_event(FL_EV_INVAL_STEP, PID_B, INO, 0, FL_EOF, 1000);
	ev.op = FL_OP_TRUNCATE;
	set_locks(&ev, FL_LOCK_EXCL_ME, FL_LOCK_EXCL_ME);
	set_stack(&ev, ST_PUNCH_STEP, NULL);
	fl_engine_feed(e, &ev);
	assert_int_equal(e->nopen, 1);
	assert_int_equal(e->open[0].begin.type, FL_EV_INVAL_BEGIN);
	assert_true(e->open[0].has_step);

	/* A second step of the same window attaches, it does not open. */
	ev.ts = 1100;
	fl_engine_feed(e, &ev);
	assert_int_equal(e->nopen, 1);

	feed_fault(e, EXT4_MAGIC, FL_LOCK_NA, FL_LOCK_NA, 2000);
	v = only_violation(e, FL_R_FAULT_UNLOCKED, FL_EVID_OBSERVED_RACE);
	assert_int_equal(v->partner.begin.pid, PID_B);
	assert_true(v->partner.has_step);
	assert_int_equal(v->partner.step.op, FL_OP_TRUNCATE);

	end_window(e, EXT4_MAGIC, PID_B, INO, 3000, 0);
	assert_int_equal(e->nopen, 0);
}

/*
 * A task is in one syscall at a time: a second BEGIN means the first
 * window's END was lost (full ring buffer).  The old window closes there,
 * so its stale range no longer races with anything after it.
 */
static void test_window_duplicate_begin(void **state)
{
	struct fl_engine *e = *state;

	begin_window(e, EXT4_MAGIC, PID_B, INO, 0, MiB, 1000);
	begin_window(e, EXT4_MAGIC, PID_B, INO, 2 * MiB, 3 * MiB, 1100);
	assert_int_equal(e->nopen, 1);
	assert_int_equal(e->open[0].begin.ts, 1100);
	assert_int_equal(e->nclosed, 1);
	assert_int_equal(e->closed[0].ts_end, 1100);

	/* the lost window's range [0, 1M) no longer races */
	feed_fault(e, EXT4_MAGIC, FL_LOCK_NA, FL_LOCK_NA, 1200);
	no_violation(e);

	/* One END closes it all: nothing is left to race with. */
	end_window(e, EXT4_MAGIC, PID_B, INO, 2000, 0);
	assert_int_equal(e->nopen, 0);
	feed_fault(e, EXT4_MAGIC, FL_LOCK_NA, FL_LOCK_NA, 3000);
	no_violation(e);

	/* positive control: inside the live window it is a race */
	begin_window(e, EXT4_MAGIC, PID_B, INO, 0, MiB, 4000);
	feed_fault(e, EXT4_MAGIC, FL_LOCK_NA, FL_LOCK_NA, 4100);
	only_violation(e, FL_R_FAULT_UNLOCKED, FL_EVID_OBSERVED_RACE);
}

/* Many windows: the open array grows, the closed ring keeps the newest. */
static void test_window_many(void **state)
{
	struct fl_engine *e = *state;
	const unsigned int n = 3 * FL_CLOSED_WINDOWS;
	struct fl_event ev;

	for (unsigned int i = 0; i < n; i++)
		begin_window(e, EXT4_MAGIC, 1000 + i, INO, i * MiB, (i + 1) * MiB, 1000 + i);
	assert_int_equal(e->nopen, n);
	for (unsigned int i = 0; i < n; i++)
		end_window(e, EXT4_MAGIC, 1000 + i, INO, 5000 + i, 0);
	assert_int_equal(e->nopen, 0);
	assert_int_equal(e->nclosed, FL_CLOSED_WINDOWS);

	/* The newest closed window still matches a late insertion. */
	ev = mk_event(FL_EV_INSERT, PID_A, INO, (n - 1) * MiB, (n - 1) * MiB + 4 * KiB, 4000);
	set_stack(&ev, ST_READ_INSERT, NULL);
	fl_engine_feed(e, &ev);
	only_violation(e, FL_R_INSERT_UNLOCKED, FL_EVID_OBSERVED_RACE);
	assert_int_equal(e->viol[0].partner.begin.pid, 1000 + n - 1);
}

/* ---- 9. deduplication ------------------------------------------------ */

static void test_dedup_same(void **state)
{
	struct fl_engine *e = *state;
	const struct fl_violation *v;
	struct fl_event ev;

	for (unsigned int i = 0; i < 1000; i++) {
		ev = fault_insert(EXT4_MAGIC, FL_LOCK_FREE, FL_LOCK_FREE, 2000 + i);
		/* Other ranges and tasks on the same code path are the same bug. */
		ev.start = (uint64_t)i * 4 * KiB;
		ev.end = ev.start + 4 * KiB;
		ev.pid = PID_A + i % 3;
		fl_engine_feed(e, &ev);
	}
	v = only_violation(e, FL_R_FAULT_UNLOCKED, FL_EVID_DEFINITE);
	assert_int_equal(v->count, 1000);
	assert_int_equal(v->ev.ts, 2000);	/* the first occurrence */
	assert_int_equal(v->last_ts, 2999);
	assert_int_equal(e->events, 1000);
	assert_int_equal(e->first_ts, 2000);
}

static void test_dedup_distinct(void **state)
{
	struct fl_engine *e = *state;
	struct fl_event ev;

	feed_fault(e, EXT4_MAGIC, FL_LOCK_FREE, FL_LOCK_FREE, 2000);
	/* Same inode and rule, another stack. */
	ev = mk_event(FL_EV_INSERT, PID_A, INO, 4 * KiB, 8 * KiB, 2100);
	set_locks(&ev, FL_LOCK_FREE, FL_LOCK_FREE);
	set_stack(&ev, "filemap_add_folio", "page_cache_ra_unbounded", "filemap_fault",
		  "__do_fault", "handle_mm_fault", NULL);
	fl_engine_feed(e, &ev);
	assert_int_equal(e->nviol, 2);

	/* Same stack, another inode. */
	ev.inode.ino = INO + 1;
	fl_engine_feed(e, &ev);
	assert_int_equal(e->nviol, 3);
	/* Same stack and inode, a stack one frame shorter. */
	ev.nr_frames--;
	fl_engine_feed(e, &ev);
	assert_int_equal(e->nviol, 4);
	for (size_t i = 0; i < e->nviol; i++)
		assert_int_equal(e->viol[i].count, 1);
}

/* The strongest evidence wins, and a partner once seen is kept. */
static void test_dedup_evidence_upgrade(void **state)
{
	struct fl_engine *e = *state;
	const struct fl_violation *v;
	struct fl_event ev;

	begin_window(e, EXT4_MAGIC, PID_B, INO, 0, MiB, 1000);
	feed_fault(e, EXT4_MAGIC, FL_LOCK_NA, FL_LOCK_NA, 2000);
	v = only_violation(e, FL_R_FAULT_UNLOCKED, FL_EVID_OBSERVED_RACE);
	end_window(e, EXT4_MAGIC, PID_B, INO, 3000, 0);

	/*
	 * The report shows the strongest occurrence, whole: its event, its
	 * evidence and its own partner (none here: the window had closed), so
	 * that event and partner always overlap in time and range.
	 */
	ev = fault_insert(EXT4_MAGIC, FL_LOCK_FREE, FL_LOCK_FREE, 4000);
	fl_engine_feed(e, &ev);
	v = only_violation(e, FL_R_FAULT_UNLOCKED, FL_EVID_DEFINITE);
	assert_int_equal(v->count, 2);
	assert_false(v->has_partner);
	assert_int_equal(v->ev.inval_lock, FL_LOCK_FREE);
	assert_int_equal(v->ev.ts, 4000);
	assert_int_equal(v->last_ts, 4000);

	/* A weaker occurrence later does not downgrade it or replace it. */
	begin_window(e, EXT4_MAGIC, PID_C, INO, 0, MiB, 5000);
	ev = fault_insert(EXT4_MAGIC, FL_LOCK_NA, FL_LOCK_NA, 6000);
	fl_engine_feed(e, &ev);
	v = only_violation(e, FL_R_FAULT_UNLOCKED, FL_EVID_DEFINITE);
	assert_int_equal(v->count, 3);
	assert_false(v->has_partner);
	assert_int_equal(v->ev.ts, 4000);

	/* An equally strong occurrence with a partner replaces it. */
	ev = fault_insert(EXT4_MAGIC, FL_LOCK_FREE, FL_LOCK_FREE, 7000);
	fl_engine_feed(e, &ev);
	v = only_violation(e, FL_R_FAULT_UNLOCKED, FL_EVID_DEFINITE);
	assert_true(v->has_partner);
	assert_int_equal(v->partner.begin.pid, PID_C);
	assert_int_equal(v->ev.ts, 7000);

	/* Definite without a partner first, partner found later. */
	e = reset(state);
	ev = fault_insert(EXT4_MAGIC, FL_LOCK_FREE, FL_LOCK_FREE, 1000);
	fl_engine_feed(e, &ev);
	assert_false(e->viol[0].has_partner);
	begin_window(e, EXT4_MAGIC, PID_B, INO, 0, MiB, 1500);
	ev.ts = 2000;
	fl_engine_feed(e, &ev);
	v = only_violation(e, FL_R_FAULT_UNLOCKED, FL_EVID_DEFINITE);
	assert_true(v->has_partner);
	assert_int_equal(v->partner.begin.pid, PID_B);
}

/* ---- 10. counting (post-mortem) -------------------------------------- */

static void feed_counted(struct fl_engine *e, unsigned int type, unsigned int slot,
			 uint64_t aux, uint64_t ts)
{
	struct fl_event ev = mk_event(type, PID_B, INO, 0, 64 * KiB, ts);

	ev.slot = slot;
	ev.aux = aux;
	ev.op = FL_OP_PUNCH;
	/* Locks held throughout: counting must not depend on judging. */
	set_locks(&ev, FL_LOCK_EXCL_ME, FL_LOCK_EXCL_ME);
	fl_engine_feed(e, &ev);
}

static void feed_one_of_each(struct fl_engine *e, unsigned int slot, uint64_t ts)
{
	feed_counted(e, FL_EV_FAULT, slot, 0, ts);
	feed_counted(e, FL_EV_MAP_PAGES, slot, 0, ts);
	feed_counted(e, FL_EV_INSERT, slot, 0, ts);
	feed_counted(e, FL_EV_DELETE, slot, 0, ts);
	feed_counted(e, FL_EV_INVAL_BEGIN, slot, 0, ts);
	feed_counted(e, FL_EV_INVAL_STEP, slot, 0, ts);
	feed_counted(e, FL_EV_INVAL_END, slot, 0, ts);
	/* tmpfs refuses collapse-range: -EOPNOTSUPP invalidates nothing. */
	feed_counted(e, FL_EV_INVAL_BEGIN, slot, 0, ts);
	feed_counted(e, FL_EV_INVAL_END, slot, (uint64_t)-95, ts);
	feed_counted(e, FL_EV_IOMAP, slot, FL_IOMAP_WRITE, ts);
	feed_counted(e, FL_EV_IOMAP_MAP, slot, 0, ts);
}

#define EVENTS_PER_ROUND	11

static void test_counting_mode(void **state)
{
	static const unsigned int counted[] = {
		FL_CNT_FAULTS, FL_CNT_MAP_PAGES, FL_CNT_INSERTIONS, FL_CNT_DELETIONS,
		FL_CNT_INVALIDATIONS, FL_CNT_IOMAP, FL_CNT_IOMAP_MAPS,
	};
	struct fl_engine *e = *state;
	struct fl_counts t;
	uint64_t ts = 1000;

	e->count_events = true;
	/* Slot s sees s + 1 rounds, so a mixed-up slot shows. */
	for (unsigned int slot = 0; slot < 3; slot++)
		for (unsigned int r = 0; r <= slot; r++)
			feed_one_of_each(e, slot, ts++);

	for (unsigned int slot = 0; slot < FL_MAX_SLOTS; slot++) {
		for (unsigned int c = 0; c < FL_CNT_MAX; c++) {
			uint64_t want = 0;

			for (size_t k = 0; k < ARRAY_SIZE(counted); k++)
				if (counted[k] == c && slot < 3)
					want = slot + 1;
			if (e->slots[slot].c[c] != want)
				fail_msg("slot %u %s: %llu, want %llu", slot, fl_counter_name(c),
					 (unsigned long long)e->slots[slot].c[c],
					 (unsigned long long)want);
		}
	}
	fl_engine_total(e, &t);
	for (unsigned int c = 0; c < FL_CNT_MAX; c++) {
		uint64_t want = 0;

		for (size_t k = 0; k < ARRAY_SIZE(counted); k++)
			if (counted[k] == c)
				want = 1 + 2 + 3;
		if (t.c[c] != want)
			fail_msg("total %s: %llu, want %llu", fl_counter_name(c),
				 (unsigned long long)t.c[c], (unsigned long long)want);
	}
	assert_int_equal(e->events, 6 * EVENTS_PER_ROUND);
	assert_int_equal(e->nopen, 0);
	no_violation(e);
}

/* Live tracing: the counters come from BPF, events are not counted twice. */
static void test_counting_off(void **state)
{
	struct fl_engine *e = *state;
	struct fl_counts t;

	assert_false(e->count_events);
	feed_one_of_each(e, 1, 1000);
	fl_engine_total(e, &t);
	for (unsigned int c = 0; c < FL_CNT_MAX; c++)
		assert_int_equal(t.c[c], 0);
	assert_int_equal(e->events, EVENTS_PER_ROUND);
}

/* ---- 11. robustness -------------------------------------------------- */

static void test_robust_garbage(void **state)
{
	static const unsigned int types[] = {
		FL_EV_NONE, FL_EV_FAULT, FL_EV_MAP_PAGES, FL_EV_INSERT, FL_EV_DELETE,
		FL_EV_INVAL_BEGIN, FL_EV_INVAL_STEP, FL_EV_INVAL_END, FL_EV_IOMAP,
		FL_EV_IOMAP_MAP, FL_EV_TYPE_MAX, 999, 0xffff,
	};
	struct fl_engine *e = *state;
	struct fl_counts t;
	struct fl_event ev;

	/* Everything garbage: lock states, magic, slot, nr_frames, range. */
	e->count_events = true;
	fl_rules_set_flags(XFS_MAGIC, fl_fs_flags(XFS_MAGIC) | FL_RULE_MAP_PAGES_LOCKED);
	for (size_t i = 0; i < ARRAY_SIZE(types); i++) {
		memset(&ev, 0xa5, sizeof(ev));
		ev.type = types[i];
		ev.flags &= ~FL_F_INTERNAL;
		fl_engine_feed(e, &ev);
	}
	no_violation(e);
	fl_engine_total(e, &t);
	/* The slot was out of range: counted in slot 0, not beyond the array. */
	assert_int_equal(t.c[FL_CNT_INSERTIONS], 1);
	assert_int_equal(e->slots[0].c[FL_CNT_INSERTIONS], 1);
	assert_int_equal(e->events, ARRAY_SIZE(types));
	/* The garbage END closed the garbage BEGIN's window. */
	assert_int_equal(e->nopen, 0);
}

static void test_robust_fields(void **state)
{
	struct fl_engine *e = *state;
	struct fl_event ev;

	/* Lock states beyond the enum prove nothing. */
	begin_window(e, EXT4_MAGIC, PID_B, INO, 0, MiB, 1000);
	feed_fault(e, EXT4_MAGIC, 77, 200, 2000);
	ev = delete_event(EXT4_MAGIC, PID_A, 77, 2000);
	set_stack(&ev, ST_MKWRITE_PUNCH, NULL);
	fl_engine_feed(e, &ev);
	ev = iomap_event(XFS_MAGIC, FL_IOMAP_WRITE, 77, 2000);
	fl_engine_feed(e, &ev);
	no_violation(e);

	/*
	 * An inverted window does not catch a page inside its ends:
	 * fallocate(off, len) with off + len wrapping opens one before the
	 * kernel says -EFBIG.
	 */
	e = reset(state);
	begin_window(e, EXT4_MAGIC, PID_B, INO, MiB, 0, 1000);
	begin_window(e, EXT4_MAGIC, PID_C, INO, ~0ull - 4 * KiB, 8 * KiB, 1000);
	feed_fault(e, EXT4_MAGIC, FL_LOCK_NA, FL_LOCK_NA, 2000);
	no_violation(e);

	/* Unknown filesystem (magic 0): no protocol, no rule. */
	e = reset(state);
	begin_window(e, 0, PID_B, INO, 0, MiB, 1000);
	feed_fault(e, 0, FL_LOCK_FREE, FL_LOCK_FREE, 2000);
	ev = delete_event(0, PID_B, FL_LOCK_FREE, 2000);
	fl_engine_feed(e, &ev);
	ev = iomap_event(0, FL_IOMAP_WRITE, FL_LOCK_FREE, 2000);
	fl_engine_feed(e, &ev);
	no_violation(e);

	/* A stack of unknown addresses is no stack; nor is one not flagged. */
	e = reset(state);
	ev = fault_insert(EXT4_MAGIC, FL_LOCK_FREE, FL_LOCK_FREE, 2000);
	ev.frames[0] = 0;
	ev.frames[1] = 0xdeadbeefull;
	ev.nr_frames = 2;
	fl_engine_feed(e, &ev);
	ev = fault_insert(EXT4_MAGIC, FL_LOCK_FREE, FL_LOCK_FREE, 2000);
	ev.flags &= ~FL_F_STACK;
	ev.inode.ino = INO + 1;
	fl_engine_feed(e, &ev);
	assert_int_equal(e->nviol, 2);
	assert_int_equal(e->viol[0].rule, FL_R_INSERT_UNLOCKED);
	assert_int_equal(e->viol[1].rule, FL_R_INSERT_UNLOCKED);

	fl_engine_free(NULL);
}

/* nr_frames is 16 bits of the event: only FL_MAX_FRAMES may be read. */
static void test_robust_nr_frames(void **state)
{
	struct fl_engine *e = *state;
	const struct fl_violation *v;
	struct fl_event ev;

	/* Locked: judged quiet without reading past frames[]. */
	ev = fault_insert(EXT4_MAGIC, FL_LOCK_SHARED_ME, FL_LOCK_FREE, 2000);
	ev.nr_frames = 0xffff;
	fl_engine_feed(e, &ev);
	no_violation(e);

	/* Unlocked: one violation whatever the excess, keyed on 32 frames. */
	ev = fault_insert(EXT4_MAGIC, FL_LOCK_FREE, FL_LOCK_FREE, 2100);
	for (unsigned int i = ev.nr_frames; i < FL_MAX_FRAMES; i++)
		ev.frames[i] = sym("exc_page_fault");
	ev.nr_frames = 0xffff;
	fl_engine_feed(e, &ev);
	ev.nr_frames = FL_MAX_FRAMES + 1;
	fl_engine_feed(e, &ev);
	ev.nr_frames = FL_MAX_FRAMES;
	fl_engine_feed(e, &ev);
	v = only_violation(e, FL_R_FAULT_UNLOCKED, FL_EVID_DEFINITE);
	assert_int_equal(v->count, 3);
}

/* Without a symbol resolver stacks cannot be classified, but nothing breaks. */
static void test_robust_no_symbols(void **state)
{
	struct fl_engine *e;
	struct fl_event ev;

	fl_engine_free(*state);
	*state = e = fl_engine_new(NULL, NULL);
	assert_non_null(e);

	ev = fault_insert(EXT4_MAGIC, FL_LOCK_FREE, FL_LOCK_FREE, 2000);
	fl_engine_feed(e, &ev);
	only_violation(e, FL_R_INSERT_UNLOCKED, FL_EVID_DEFINITE);
	assert_false(fl_stack_in_fault(e, &ev));
	assert_false(fl_stack_truncates(e, &ev));

	/* A shared delete cannot be shown to truncate: counted as reclaim. */
	ev = delete_event(XFS_MAGIC, PID_A, FL_LOCK_SHARED_ME, 2000);
	set_stack(&ev, ST_MKWRITE_PUNCH, NULL);
	fl_engine_feed(e, &ev);
	assert_int_equal(e->nviol, 1);
	assert_int_equal(e->not_truncation, 1);
}

/* The stack classifiers the rules rest on. */
static void test_stack_classification(void **state)
{
	struct fl_engine *e = *state;
	struct fl_event ev = mk_event(FL_EV_INSERT, PID_A, INO, 0, 4 * KiB, 1);

	set_stack(&ev, ST_FAULT_INSERT, NULL);
	assert_true(fl_stack_in_fault(e, &ev));
	assert_false(fl_stack_truncates(e, &ev));
	set_stack(&ev, ST_MAP_PAGES, NULL);
	assert_true(fl_stack_in_fault(e, &ev));
	set_stack(&ev, ST_READ_INSERT, NULL);
	assert_false(fl_stack_in_fault(e, &ev));
	set_stack(&ev, ST_WRITE_INSERT, NULL);
	assert_false(fl_stack_in_fault(e, &ev));
	set_stack(&ev, ST_MKWRITE_PUNCH, NULL);
	assert_true(fl_stack_truncates(e, &ev));
	set_stack(&ev, ST_PUNCH_DELETE, NULL);
	assert_true(fl_stack_truncates(e, &ev));
	set_stack(&ev, ST_KSWAPD, NULL);
	assert_false(fl_stack_truncates(e, &ev));
	assert_false(fl_stack_in_fault(e, &ev));
	set_stack(&ev, ST_DIRECT_RECLAIM, NULL);
	assert_false(fl_stack_truncates(e, &ev));
	/* The names count only with FL_F_STACK. */
	set_stack(&ev, ST_FAULT_INSERT, NULL);
	ev.flags &= ~FL_F_STACK;
	assert_false(fl_stack_in_fault(e, &ev));
}

/* ---- 12. violation cap ----------------------------------------------- */

/* Distinct violations: each on a file and a code path of its own. */
static void feed_distinct(struct fl_engine *e, unsigned int i, uint64_t ts)
{
	struct fl_event ev = fault_insert(EXT4_MAGIC, FL_LOCK_FREE, FL_LOCK_FREE, ts);

	ev.inode.ino = 1000 + i;
	/* an outer frame no symbol names: another caller */
	ev.frames[ev.nr_frames++] = 0xffffffff81000000ull + i;
	fl_engine_feed(e, &ev);
}

/* The same code path on file @ino. */
static void feed_on_file(struct fl_engine *e, uint64_t ino, uint64_t ts)
{
	struct fl_event ev = fault_insert(EXT4_MAGIC, FL_LOCK_FREE, FL_LOCK_FREE, ts);

	ev.inode.ino = ino;
	fl_engine_feed(e, &ev);
}

/*
 * Weeks of a bug on a path every file takes: the path keeps
 * FL_VIOL_FILES_PER_PATH files, counts the rest on its first entry, and
 * the table keeps room for a different bug that comes after (before the
 * bound, the files filled it and the new bug was dropped unreported).
 */
static void test_violation_files_per_path(void **state)
{
	struct fl_engine *e = *state;
	const unsigned int files = FL_MAX_VIOLATIONS + 100;
	struct fl_event ev;

	for (unsigned int i = 0; i < files; i++)
		feed_on_file(e, 5000 + i, 1000 + i);
	assert_int_equal(e->nviol, FL_VIOL_FILES_PER_PATH);
	assert_int_equal(e->viol_dropped, 0);
	assert_int_equal(e->viol[0].ev.inode.ino, 5000);
	assert_int_equal(e->viol[0].count, 1);
	assert_int_equal(e->viol[0].other_files, files - FL_VIOL_FILES_PER_PATH);
	for (unsigned int i = 1; i < FL_VIOL_FILES_PER_PATH; i++) {
		assert_int_equal(e->viol[i].ev.inode.ino, 5000 + i);
		assert_int_equal(e->viol[i].other_files, 0);
	}
	/* a file kept counts as its own entry, not as another file */
	feed_on_file(e, 5001, 90000);
	assert_int_equal(e->viol[1].count, 2);
	assert_int_equal(e->viol[0].other_files, files - FL_VIOL_FILES_PER_PATH);

	/* a different bug afterwards is a new violation */
	ev = mk_event(FL_EV_MAP_PAGES, PID_A, 5000, 0, 4 * KiB, 100000);
	ev.fs_magic = XFS_MAGIC;
	fl_rules_set_flags(XFS_MAGIC, fl_fs_flags(XFS_MAGIC) | FL_RULE_MAP_PAGES_LOCKED);
	set_locks(&ev, FL_LOCK_FREE, FL_LOCK_FREE);
	set_stack(&ev, ST_MAP_PAGES, NULL);
	fl_engine_feed(e, &ev);
	assert_int_equal(e->nviol, FL_VIOL_FILES_PER_PATH + 1);
	assert_int_equal(e->viol[FL_VIOL_FILES_PER_PATH].rule, FL_R_FAULT_UNLOCKED);
	assert_int_equal(e->viol[FL_VIOL_FILES_PER_PATH].ev.type, FL_EV_MAP_PAGES);
	assert_int_equal(e->viol_dropped, 0);
}

static void test_violation_cap(void **state)
{
	struct fl_engine *e = *state;
	const unsigned int extra = 5;

	for (unsigned int i = 0; i < FL_MAX_VIOLATIONS + extra; i++)
		feed_distinct(e, i, 1000 + i);
	assert_int_equal(e->nviol, FL_MAX_VIOLATIONS);
	assert_int_equal(e->viol_dropped, extra);

	/* Those kept still count their recurrences, and drop nothing. */
	feed_distinct(e, 0, 90000);
	feed_distinct(e, FL_MAX_VIOLATIONS - 1, 90001);
	assert_int_equal(e->nviol, FL_MAX_VIOLATIONS);
	assert_int_equal(e->viol_dropped, extra);
	assert_int_equal(e->viol[0].count, 2);
	assert_int_equal(e->viol[FL_MAX_VIOLATIONS - 1].count, 2);
	assert_int_equal(e->viol[0].ev.inode.ino, 1000);
}

/*
 * Past the cap, viol_dropped counts occurrences (what a reader of the
 * report can act on: how much went unreported), not distinct paths.
 */
static void test_cap_dropped_counts_occurrences(void **state)
{
	struct fl_engine *e = *state;

	for (unsigned int i = 0; i < FL_MAX_VIOLATIONS + 1; i++)
		feed_distinct(e, i, 1000 + i);
	assert_int_equal(e->viol_dropped, 1);
	for (unsigned int r = 0; r < 9; r++)
		feed_distinct(e, FL_MAX_VIOLATIONS, 90000 + r);
	assert_int_equal(e->nviol, FL_MAX_VIOLATIONS);
	assert_int_equal(e->viol_dropped, 10);
}

/*
 * Inside its own window a task can still enter direct reclaim (ext4 punch
 * writes the range back before it takes invalidate_lock) and evict a clean
 * folio of the same file: the stack shows reclaim, not the invalidation.
 */
static void test_reclaim_in_own_window(void **state)
{
	struct fl_engine *e = *state;
	struct fl_event ev;

	begin_window(e, EXT4_MAGIC, PID_B, INO, 0, MiB, 1000);
	ev = delete_event(EXT4_MAGIC, PID_B, FL_LOCK_FREE, 1500);
	ev.i_rwsem = FL_LOCK_EXCL_ME;
	ev.flags |= FL_F_IN_WINDOW;
	set_stack(&ev, ST_DIRECT_RECLAIM, NULL);
	fl_engine_feed(e, &ev);
	no_violation(e);

	ev = delete_event(EXT4_MAGIC, PID_B, FL_LOCK_FREE, 2000);
	ev.flags |= FL_F_IN_WINDOW;
	set_stack(&ev, ST_PUNCH_DELETE, NULL);
	fl_engine_feed(e, &ev);
	only_violation(e, FL_R_INVAL_UNLOCKED, FL_EVID_DEFINITE);
}

/* An inverted range (a damaged record) is empty: it overlaps nothing. */
static void test_inverted_event_range(void **state)
{
	struct fl_engine *e = *state;
	struct fl_event ev;

	begin_window(e, EXT4_MAGIC, PID_B, INO, 0, MiB, 1000);
	ev = fault_insert(EXT4_MAGIC, FL_LOCK_NA, FL_LOCK_NA, 2000);
	ev.start = 8 * KiB;
	ev.end = 4 * KiB;
	fl_engine_feed(e, &ev);
	no_violation(e);
}

/*
 * uprobes and fs-verity read page cache with no lock by design: counted,
 * not reported; the same insertion from a fault is still a violation.
 */
static void test_insert_lockless_reader(void **state)
{
	struct fl_engine *e = *state;
	struct fl_event ev;

	ev = mk_event(FL_EV_INSERT, PID_A, INO, 0, 4096, 1000);
	ev.fs_magic = EXT4_MAGIC;
	set_locks(&ev, FL_LOCK_FREE, FL_LOCK_FREE);
	set_stack(&ev, "filemap_add_folio", "read_cache_folio", "__copy_insn", "uprobe_mmap", NULL);
	fl_engine_feed(e, &ev);
	set_stack(&ev, "filemap_add_folio", "read_cache_folio", "ext4_read_merkle_tree_page", NULL);
	fl_engine_feed(e, &ev);
	no_violation(e);
	assert_int_equal(e->lockless_readers, 2);

	feed_fault(e, EXT4_MAGIC, FL_LOCK_FREE, FL_LOCK_FREE, 2000);
	only_violation(e, FL_R_FAULT_UNLOCKED, FL_EVID_DEFINITE);
}

/* Stale-map agreement: late traces of the change count as seen, not missed. */
static uint64_t seq_table[3][3];	/* kaddr, sequences now (COW << 32 | data), ino */

static bool seq_now(void *ctx, uint64_t kaddr, const struct fl_inode_key *who, uint64_t *seq)
{
	(void)ctx;
	for (size_t i = 0; i < ARRAY_SIZE(seq_table); i++) {
		if (seq_table[i][0] == kaddr) {
			/* the BPF map keeps whose sequences they are */
			if (who->ino != (seq_table[i][2] ? seq_table[i][2] : INO) ||
			    who->gen != TEST_GEN || who->dev != TEST_DEV)
				return false;
			*seq = seq_table[i][1];
			return true;
		}
	}
	return false;
}

static void unseen_of(struct fl_engine *e, uint64_t kaddr, uint64_t ino, uint64_t snap,
		      unsigned int forks)
{
	struct fl_event ev = mk_event(FL_EV_STALE_UNSEEN, PID_A, ino, 0, 4096, 1000);

	ev.kaddr = kaddr;
	ev.aux = snap;
	ev.op = forks;
	fl_engine_feed(e, &ev);
}

static void unseen(struct fl_engine *e, uint64_t kaddr, uint64_t snap, unsigned int forks)
{
	unseen_of(e, kaddr, INO, snap, forks);
}

/* BPF: a traced change of inode @ino at @kaddr answers the finds waiting on it. */
static void answer(struct fl_engine *e, uint64_t kaddr, uint64_t ino, uint64_t seqs,
		   unsigned int flags)
{
	struct fl_event ev = mk_event(FL_EV_STALE_ANSWER, PID_B, ino, 0, 0, 2000);

	ev.fs_magic = XFS_MAGIC;
	ev.kaddr = kaddr;
	ev.aux = seqs;
	ev.op = flags;
	fl_engine_feed(e, &ev);
}

/*
 * The kernel found maps stale before faultline's trace of the change had
 * arrived: at the end, a traced change must have left a newer sequence in
 * a fork the kernel compared, else the map counts as missed.
 */
static void test_stale_settle(void **state)
{
	struct fl_engine *e = *state;

	memset(seq_table, 0, sizeof(seq_table));
	e->slots[1].c[FL_CNT_STALE_KERNEL] = 12;
	e->slots[1].c[FL_CNT_STALE_SEEN] = 6;
	seq_table[0][0] = 0xffff1000;
	seq_table[0][1] = (7ull << 32) | 5;
	seq_table[1][0] = 0xffff2000;
	seq_table[1][1] = (2ull << 32) | 3;
	seq_table[2][0] = 0xffff4000;
	seq_table[2][1] = 0x80000001;	/* data sequence wrapped past 2^31 */
	unseen(e, 0xffff1000, 4, 1);			/* data 5 > 4: seen late */
	unseen(e, 0xffff1000, 6ull << 32, 2);		/* COW 7 > 6: seen late */
	unseen(e, 0xffff1000, (7ull << 32) | 4, 3);	/* data newer, COW not: seen late */
	unseen(e, 0xffff2000, 3, 1);			/* unchanged: missed */
	unseen(e, 0xffff2000, (2ull << 32) | 1, 2);	/* COW compared, only data newer: missed */
	unseen(e, 0xffff3000, 1, 1);			/* nothing traced: missed */
	unseen(e, 0xffff4000, 0x7ffffff0, 1);		/* newer across the sign bit */
	fl_engine_settle_stale(e, seq_now, NULL);
	assert_int_equal(e->stale.kernel_found, 12);
	assert_int_equal(e->stale.seen, 6);
	assert_int_equal(e->stale.seen_late, 4);
	assert_int_equal(e->stale.missed, 3);
	assert_true(fl_stale_newer(0, 0xffffffff, 1));	/* 2^32 wrap */
	assert_false(fl_stale_newer(5, 5, 3));
	no_violation(e);
}

/*
 * Issue 14.11: inode memory is reused.  A find is answered by the next
 * traced change of its own inode, during the run; a change of another
 * inode at the same address answers nothing.  What is left at the end is
 * settled only against the same inode: the sequences of a new inode at
 * the address (low or high) say nothing about the old one's map.
 */
static void test_stale_answered_by_its_inode(void **state)
{
	struct fl_engine *e = *state;

	memset(seq_table, 0, sizeof(seq_table));
	e->slots[1].c[FL_CNT_STALE_KERNEL] = 6;
	unseen(e, 0xffff1000, 0x40, 1);
	unseen(e, 0xffff1000, 7ull << 32, 2);
	answer(e, 0xffff1000, INO + 1, 0x41, FL_EXTCHG_SEQS);	/* another inode */
	answer(e, 0xffff1000, INO, 0x40, FL_EXTCHG_SEQS);	/* not newer */
	answer(e, 0xffff1000, INO, 0x41, 0);			/* no traced change */
	assert_int_equal(e->stale.seen_late, 0);
	assert_int_equal(e->nunseen, 2);
	answer(e, 0xffff1000, INO, 0x41, FL_EXTCHG_SEQS);	/* data newer: the first */
	assert_int_equal(e->stale.seen_late, 1);
	assert_int_equal(e->nunseen, 1);
	answer(e, 0xffff1000, INO, (8ull << 32) | 0x41, FL_EXTCHG_SEQS);
	assert_int_equal(e->stale.seen_late, 2);
	assert_int_equal(e->nunseen, 0);

	/* left waiting at the end, while a new inode took the address over */
	unseen(e, 0xffff2000, 0x900, 1);
	unseen_of(e, 0xffff3000, INO + 7, 0x900, 1);
	unseen(e, 0xffff4000, 0x900, 1);
	seq_table[0][0] = 0xffff2000;		/* the new inode's few changes */
	seq_table[0][1] = 3;
	seq_table[0][2] = INO + 1;
	seq_table[1][0] = 0xffff3000;		/* ... or many */
	seq_table[1][1] = 0x100000;
	seq_table[1][2] = INO + 8;
	seq_table[2][0] = 0xffff4000;		/* the same inode: settled late */
	seq_table[2][1] = 0x901;
	seq_table[2][2] = INO;
	fl_engine_settle_stale(e, seq_now, NULL);
	assert_int_equal(e->stale.seen_late, 3);
	assert_int_equal(e->stale.missed, 2);
	no_violation(e);
}

/*
 * Seed 002: BPF sends a folio use only when a buffered write instantiated
 * a folio after the fs's extent sequence moved past its map's, and the
 * write went on past it (aux) instead of stopping there for a new map.
 */
static struct fl_event stale_use(uint32_t magic, uint64_t pos, uint64_t went_to)
{
	struct fl_event ev = mk_event(FL_EV_FOLIO_USE, PID_A, INO, pos, pos + 4 * KiB, 3000);

	ev.fs_magic = magic;
	ev.kaddr = 0;		/* the map's offset */
	ev.aux = went_to;
	ev.flags |= FL_F_CANDIDATE;
	set_locks(&ev, FL_LOCK_FREE, FL_LOCK_EXCL_ME);
	set_stack(&ev, ST_WRITE_INSERT, NULL);
	return ev;
}

static void test_seed002_stale_map_used(void **state)
{
	struct fl_engine *e = *state;
	const struct fl_violation *v;
	struct fl_event ev = stale_use(XFS_MAGIC, 64 * KiB, 1 * MiB);

	fl_engine_feed(e, &ev);
	v = only_violation(e, FL_R_STALE_MAP, FL_EVID_DEFINITE);
	assert_int_equal(v->ev.start, 64 * KiB);
	assert_int_equal(v->ev.inode.ino, INO);
	/* the same path again: one violation, counted twice */
	ev.ts += 1000;
	fl_engine_feed(e, &ev);
	v = only_violation(e, FL_R_STALE_MAP, FL_EVID_DEFINITE);
	assert_int_equal(v->count, 2);
}

static void test_stale_map_not_reported(void **state)
{
	struct fl_engine *e;
	struct fl_event ev;

	/* a filesystem whose extent sequence faultline does not know */
	e = reset(state);
	ev = stale_use(EXT4_MAGIC, 64 * KiB, 1 * MiB);
	fl_engine_feed(e, &ev);
	no_violation(e);
	/* the write stopped at the folio: it was revalidated, not used */
	e = reset(state);
	ev = stale_use(XFS_MAGIC, 64 * KiB, 64 * KiB);
	fl_engine_feed(e, &ev);
	no_violation(e);
	/* a folio faulted in from the write's own user buffer */
	e = reset(state);
	ev = stale_use(XFS_MAGIC, 64 * KiB, 1 * MiB);
	set_stack(&ev, ST_FAULT_INSERT, NULL);
	fl_engine_feed(e, &ev);
	no_violation(e);
	/* the rule switched off for xfs (no BTF for its sequence) */
	e = reset(state);
	fl_rules_set_flags(XFS_MAGIC, fl_fs_flags(XFS_MAGIC) & ~FL_RULE_STALE_MAPS);
	ev = stale_use(XFS_MAGIC, 64 * KiB, 1 * MiB);
	fl_engine_feed(e, &ev);
	no_violation(e);
}

/*
 * The window form of the stale-map rule (issue 10, point 5): on a
 * filesystem whose extent sequence faultline does not know (gfs2, zonefs),
 * BPF sends a folio a buffered write instantiated under a map taken at
 * kaddr (ns) once an invalidation of it began since; aux says where the
 * write went on to.
 */
static struct fl_event window_use(uint32_t magic, uint64_t map_ts, uint64_t ts,
				  uint64_t pos, uint64_t went_to)
{
	struct fl_event ev = mk_event(FL_EV_FOLIO_USE, PID_A, INO, pos, pos + 4 * KiB, ts);

	ev.fs_magic = magic;
	ev.op = FL_FOLIO_USE_WINDOW;
	ev.kaddr = map_ts;
	ev.aux = went_to;
	ev.flags |= FL_F_CANDIDATE;
	set_locks(&ev, FL_LOCK_FREE, FL_LOCK_EXCL_ME);
	set_stack(&ev, ST_WRITE_INSERT, NULL);
	return ev;
}

/* PID_B punches [start, end) of INO from @begin to @end, returning @ret. */
static void punch_window(struct fl_engine *e, uint32_t magic, uint64_t start, uint64_t end,
			 uint64_t begin, uint64_t finish, int64_t ret)
{
	begin_window(e, magic, PID_B, INO, start, end, begin);
	if (finish)
		end_window(e, magic, PID_B, INO, finish, ret);
}

static void test_stale_window_across(void **state)
{
	static const uint32_t fs[] = { GFS2_MAGIC, ZONEFS_MAGIC };
	struct fl_engine *e;
	const struct fl_violation *v;
	struct fl_event ev;

	for (size_t f = 0; f < ARRAY_SIZE(fs); f++) {
		/* map at 1000; the punch of its folio's range runs 2000..3000; folio at 4000 */
		e = reset(state);
		punch_window(e, fs[f], 900 * KiB, 964 * KiB, 2000, 3000, 0);
		ev = window_use(fs[f], 1000, 4000, 900 * KiB, 1 * MiB);
		fl_engine_feed(e, &ev);
		v = only_violation(e, FL_R_STALE_MAP, FL_EVID_OBSERVED_RACE);
		assert_true(v->has_partner);
		assert_int_equal(v->partner.begin.pid, PID_B);
		assert_int_equal(v->partner.begin.start, 900 * KiB);
		assert_int_equal(e->stale_window.across, 1);
		assert_int_equal(e->stale_window.revalidated, 0);

		/* the write stopped at that folio for a new map: revalidated */
		e = reset(state);
		punch_window(e, fs[f], 900 * KiB, 964 * KiB, 2000, 3000, 0);
		ev = window_use(fs[f], 1000, 4000, 900 * KiB, 900 * KiB);
		fl_engine_feed(e, &ev);
		no_violation(e);
		assert_int_equal(e->stale_window.across, 1);
		assert_int_equal(e->stale_window.revalidated, 1);
	}
}

/* Times that cannot say whether the change came before or after the map. */
static void test_stale_window_undecided(void **state)
{
	static const struct {
		uint64_t begin, end;
		int64_t ret;
		const char *what;
	} partial[] = {
		{ 500, 1500, 0, "began before the map, ended after it" },
		{ 2000, 0, 0, "still running when the folio came" },
		{ 2000, 5000, 0, "ended after the folio" },
		{ 2000, 3000, -22, "failed" },
	};
	struct fl_engine *e;
	struct fl_event ev;

	for (size_t i = 0; i < ARRAY_SIZE(partial); i++) {
		e = reset(state);
		punch_window(e, GFS2_MAGIC, 900 * KiB, 964 * KiB, partial[i].begin,
			     partial[i].end, partial[i].ret);
		ev = window_use(GFS2_MAGIC, 1000, 4000, 900 * KiB, 1 * MiB);
		fl_engine_feed(e, &ev);
		if (e->nviol)
			fail_msg("window that %s reported", partial[i].what);
		if (e->stale_window.undecided != 1 || e->stale_window.across)
			fail_msg("window that %s: undecided %llu across %llu", partial[i].what,
				 (unsigned long long)e->stale_window.undecided,
				 (unsigned long long)e->stale_window.across);
	}
}

/* Nothing to judge: no window on the folio, or not the rule's form here. */
static void test_stale_window_not_judged(void **state)
{
	struct fl_engine *e;
	struct fl_event ev;

	/* the punch ended before the map was taken */
	e = reset(state);
	punch_window(e, GFS2_MAGIC, 900 * KiB, 964 * KiB, 200, 500, 0);
	ev = window_use(GFS2_MAGIC, 1000, 4000, 900 * KiB, 1 * MiB);
	fl_engine_feed(e, &ev);
	/* another range of the file */
	punch_window(e, GFS2_MAGIC, 0, 64 * KiB, 2000, 3000, 0);
	fl_engine_feed(e, &ev);
	/* the writer's own window (it cannot race itself) */
	begin_window(e, GFS2_MAGIC, PID_A, INO, 900 * KiB, 964 * KiB, 2000);
	end_window(e, GFS2_MAGIC, PID_A, INO, 3000, 0);
	fl_engine_feed(e, &ev);
	/* another inode */
	begin_window(e, GFS2_MAGIC, PID_C, INO + 1, 900 * KiB, 964 * KiB, 2000);
	end_window(e, GFS2_MAGIC, PID_C, INO + 1, 3000, 0);
	fl_engine_feed(e, &ev);
	no_violation(e);
	assert_int_equal(e->stale_window.across + e->stale_window.undecided, 0);

	/* ext4 has no iomap maps; xfs's sequence form does not take window events */
	e = reset(state);
	punch_window(e, EXT4_MAGIC, 900 * KiB, 964 * KiB, 2000, 3000, 0);
	ev = window_use(EXT4_MAGIC, 1000, 4000, 900 * KiB, 1 * MiB);
	fl_engine_feed(e, &ev);
	no_violation(e);
	/* a folio faulted in from the write's own user buffer */
	e = reset(state);
	punch_window(e, GFS2_MAGIC, 900 * KiB, 964 * KiB, 2000, 3000, 0);
	ev = window_use(GFS2_MAGIC, 1000, 4000, 900 * KiB, 1 * MiB);
	set_stack(&ev, ST_FAULT_INSERT, NULL);
	fl_engine_feed(e, &ev);
	no_violation(e);
	/* a sequence-form event on a filesystem with only the window form */
	e = reset(state);
	ev = stale_use(GFS2_MAGIC, 64 * KiB, 1 * MiB);
	fl_engine_feed(e, &ev);
	no_violation(e);
	/* the rule switched off for gfs2 (no map hook attached) */
	e = reset(state);
	fl_rules_set_flags(GFS2_MAGIC, fl_fs_flags(GFS2_MAGIC) & ~FL_RULE_STALE_WINDOW);
	punch_window(e, GFS2_MAGIC, 900 * KiB, 964 * KiB, 2000, 3000, 0);
	ev = window_use(GFS2_MAGIC, 1000, 4000, 900 * KiB, 1 * MiB);
	fl_engine_feed(e, &ev);
	no_violation(e);
}

/* ---- 13. bounded state (watch runs for weeks) ------------------------ */

/*
 * BPF's fl_seen is an LRU map: an entry evicted and made again counts
 * from zero.  Its running total then falls below the one synced last; all
 * of it is new (before, nothing was added until it passed the old total).
 */
static void test_repeats_after_eviction(void **state)
{
	struct fl_engine *e = *state;
	struct fl_event ev = fault_insert(EXT4_MAGIC, FL_LOCK_FREE, FL_LOCK_FREE, 2000);
	struct fl_seen_key k = { .type = FL_EV_INSERT, .stack_id = 42 };
	const struct fl_violation *v;

	ev.stack_id = 42;
	fl_engine_feed(e, &ev);
	k.inode = ev.inode;
	assert_int_equal(fl_engine_sync_repeats(e, &k, 10), 10);
	assert_int_equal(fl_engine_sync_repeats(e, &k, 10), 0);
	assert_int_equal(fl_engine_sync_repeats(e, &k, 15), 5);
	/* evicted, made again, counted 3 since */
	assert_int_equal(fl_engine_sync_repeats(e, &k, 3), 3);
	assert_int_equal(fl_engine_sync_repeats(e, &k, 7), 4);
	v = only_violation(e, FL_R_FAULT_UNLOCKED, FL_EVID_DEFINITE);
	assert_int_equal(v->count, 1 + 15 + 7);
	assert_int_equal(v->repeats, 15 + 7);
	/* another path's repeats are not this one's */
	k.stack_id = 43;
	assert_int_equal(fl_engine_sync_repeats(e, &k, 100), 0);
}

/*
 * One open window per invalidating task: more means their ENDs were lost.
 * The table is bounded; the oldest window goes, counted.
 */
static void test_open_windows_bounded(void **state)
{
	struct fl_engine *e = *state;
	const unsigned int n = FL_MAX_OPEN_WINDOWS + 10;
	struct fl_event ev;

	for (unsigned int i = 0; i < n; i++)
		begin_window(e, EXT4_MAGIC, 10000 + i, INO, 0, MiB, 1000 + i);
	assert_int_equal(e->nopen, FL_MAX_OPEN_WINDOWS);
	assert_int_equal(e->windows_unended, 10);
	for (size_t i = 0; i < e->nopen; i++)
		assert_true(e->open[i].begin.pid >= 10010);
	/* the oldest ones ended no later than the begin that pushed them out */
	assert_int_equal(e->closed[(e->closed_next + FL_CLOSED_WINDOWS - 1) % FL_CLOSED_WINDOWS]
			 .ts_end, 1000 + n - 1);
	/* a task's own next invalidation ends its lost one: counted too */
	begin_window(e, EXT4_MAGIC, 10010, INO, 0, MiB, 90000);
	assert_int_equal(e->windows_unended, 11);
	assert_int_equal(e->nopen, FL_MAX_OPEN_WINDOWS);
	/* the newest windows still pair with an event */
	ev = mk_event(FL_EV_INSERT, PID_A, INO, 4 * KiB, 8 * KiB, 90001);
	set_stack(&ev, ST_READ_INSERT, NULL);
	fl_engine_feed(e, &ev);
	only_violation(e, FL_R_INSERT_UNLOCKED, FL_EVID_OBSERVED_RACE);
}

static uint32_t gone_pids[4];

static bool alive_unless_gone(void *ctx, uint32_t pid)
{
	(void)ctx;
	for (size_t i = 0; i < ARRAY_SIZE(gone_pids); i++)
		if (gone_pids[i] == pid)
			return false;
	return true;
}

static void lock_ev(struct fl_engine *e, uint16_t type, uint32_t pid, unsigned int kind,
		    uint64_t ino, uint64_t ts)
{
	struct fl_event ev = mk_event(type, pid, ino, 0, 0, ts);

	ev.fs_magic = XFS_MAGIC;
	ev.op = kind;
	ev.kaddr = (ino << 8) | kind;
	ev.aux = type == FL_EV_LOCK_ACQ ? FL_LKM_EXCL : 0;
	fl_engine_feed(e, &ev);
}

/*
 * Tasks that went away with their last events lost: their open windows
 * and lock-order holds go (windows close at the newest event seen), the
 * state of tasks still there stays.
 */
static void test_tasks_gone(void **state)
{
	struct fl_engine *e = *state;
	struct fl_event ev;

	memset(gone_pids, 0, sizeof(gone_pids));
	begin_window(e, EXT4_MAGIC, PID_B, INO, 0, MiB, 1000);
	begin_window(e, EXT4_MAGIC, PID_C, INO, 2 * MiB, 3 * MiB, 1100);
	lock_ev(e, FL_EV_LOCK_ACQ, PID_B, FL_LK_I_RWSEM, INO, 1200);
	lock_ev(e, FL_EV_LOCK_ACQ, PID_D, FL_LK_I_RWSEM, INO + 1, 1300);
	assert_int_equal(e->lo->ntasks, 2);
	assert_int_equal(fl_engine_tasks_gone(e, alive_unless_gone, NULL), 0);
	assert_int_equal(e->nopen, 2);

	gone_pids[0] = PID_B;
	assert_int_equal(fl_engine_tasks_gone(e, alive_unless_gone, NULL), 2);
	assert_int_equal(e->nopen, 1);
	assert_int_equal(e->open[0].begin.pid, PID_C);
	assert_int_equal(e->windows_unended, 1);
	assert_int_equal(e->nclosed, 1);
	assert_int_equal(e->closed[0].ts_end, 1300);
	assert_int_equal(e->lo->ntasks, 1);
	assert_int_equal(e->lo->tasks[0].pid, PID_D);
	assert_int_equal(e->lo->gone_dropped, 1);

	/* the closed window no longer pairs with what comes after its end */
	ev = mk_event(FL_EV_INSERT, PID_A, INO, 4 * KiB, 8 * KiB, 2000);
	set_stack(&ev, ST_READ_INSERT, NULL);
	fl_engine_feed(e, &ev);
	no_violation(e);
	/* positive control: the window still open (PID_C) does */
	ev.start = 2 * MiB;
	ev.end = ev.start + 4 * KiB;
	fl_engine_feed(e, &ev);
	only_violation(e, FL_R_INSERT_UNLOCKED, FL_EVID_OBSERVED_RACE);
	assert_int_equal(e->viol[0].partner.begin.pid, PID_C);
}

/*
 * A watch settles the kernel's stale finds that waited long for their
 * change's trace, as the end of a run does, and keeps the recent ones.
 */
static void test_stale_settle_before(void **state)
{
	struct fl_engine *e = *state;
	struct fl_event ev;

	memset(seq_table, 0, sizeof(seq_table));
	seq_table[0][0] = 0xffff1000;
	seq_table[0][1] = 5;
	for (unsigned int i = 0; i < 3; i++) {
		ev = mk_event(FL_EV_STALE_UNSEEN, PID_A, INO, 0, 4096, 1000 + i * 1000);
		ev.kaddr = i == 1 ? 0xffff2000 : 0xffff1000;
		ev.aux = 4;
		ev.op = 1;
		fl_engine_feed(e, &ev);
	}
	assert_int_equal(e->nunseen, 3);
	fl_engine_settle_stale_before(e, 2500, seq_now, NULL);
	assert_int_equal(e->nunseen, 1);
	assert_int_equal(e->unseen[0].ev.ts, 3000);
	assert_int_equal(e->stale.seen_late, 1);	/* 0xffff1000: 5 > 4 */
	assert_int_equal(e->stale.missed, 1);		/* 0xffff2000: nothing traced */
	/* the end settles the rest, and keeps what was settled before */
	fl_engine_settle_stale(e, seq_now, NULL);
	assert_int_equal(e->nunseen, 0);
	assert_int_equal(e->stale.seen_late, 2);
	assert_int_equal(e->stale.missed, 1);
}

/* ---- 14. check's race partners (FL_EV_RACE) --------------------------- */

/*
 * check sends no windows: BPF sends the window @pid has open on @ino just
 * before a candidate of @for_pid (with @stack_id) that races it.
 */
static struct fl_event race_event(uint32_t pid, uint32_t for_pid, int32_t stack_id,
				  uint64_t start, uint64_t end, uint64_t ts, bool stepped)
{
	struct fl_event ev = mk_event(FL_EV_RACE, pid, INO, start, end, ts);

	ev.op = FL_OP_PUNCH;
	ev.aux = 0x03;
	ev.kaddr = for_pid;
	ev.stack_id = stack_id;
	if (stepped) {
		ev.flags |= FL_F_STEPPED;
		set_locks(&ev, FL_LOCK_EXCL_ME, FL_LOCK_EXCL_ME);
	}
	set_stack(&ev, ST_PUNCH_STEP, NULL);
	return ev;
}

/* A candidate insertion by a fault, as check sends it. */
static struct fl_event candidate_insert(int32_t stack_id, uint64_t ts)
{
	struct fl_event ev = fault_insert(EXT4_MAGIC, FL_LOCK_EXCL_OTHER, FL_LOCK_EXCL_OTHER, ts);

	ev.flags |= FL_F_CANDIDATE;
	ev.stack_id = stack_id;
	return ev;
}

static void test_race_partner(void **state)
{
	struct fl_engine *e = *state;
	const struct fl_violation *v;
	struct fl_event ev = race_event(PID_B, PID_A, 7, 0, MiB, 1000, true);

	fl_engine_feed(e, &ev);
	ev = candidate_insert(7, 2000);
	fl_engine_feed(e, &ev);
	v = only_violation(e, FL_R_FAULT_UNLOCKED, FL_EVID_DEFINITE);
	assert_true(v->has_partner);
	assert_int_equal(v->partner.begin.type, FL_EV_INVAL_BEGIN);
	assert_int_equal(v->partner.begin.pid, PID_B);
	assert_int_equal(v->partner.begin.op, FL_OP_PUNCH);
	assert_int_equal(v->partner.begin.ts, 1000);
	assert_int_equal(v->partner.begin.end, MiB);
	assert_int_equal(v->partner.ts_end, 0);		/* running at the candidate */
	assert_true(v->partner.has_step);
	assert_int_equal(v->partner.step.type, FL_EV_INVAL_STEP);
	assert_int_equal(v->partner.step.inval_lock, FL_LOCK_EXCL_ME);
	assert_true(fl_stack_has(e, &v->partner.step,
				 (const char *const[]){ "ext4_punch_hole", NULL }));

	/* taken once: the next candidate of the path has none of its own */
	ev = candidate_insert(7, 3000);
	ev.start = 8 * KiB;	/* another occurrence, same violation */
	fl_engine_feed(e, &ev);
	v = only_violation(e, FL_R_FAULT_UNLOCKED, FL_EVID_DEFINITE);
	assert_int_equal(v->count, 2);
	assert_int_equal(v->partner.begin.ts, 1000);

	/* before the fs step: the window, without lock states or step */
	e = reset(state);
	ev = race_event(PID_B, PID_A, 7, 0, MiB, 1000, false);
	ev.flags &= ~FL_F_STACK;
	ev.nr_frames = 0;
	fl_engine_feed(e, &ev);
	ev = candidate_insert(7, 2000);
	fl_engine_feed(e, &ev);
	v = only_violation(e, FL_R_FAULT_UNLOCKED, FL_EVID_DEFINITE);
	assert_true(v->has_partner);
	assert_false(v->partner.has_step);
}

static void test_race_partner_negative(void **state)
{
	struct fl_engine *e = *state;
	const struct fl_violation *v;
	struct fl_event ev;

	/* no partner sent: none, whatever the lock words say */
	ev = candidate_insert(7, 2000);
	fl_engine_feed(e, &ev);
	v = only_violation(e, FL_R_FAULT_UNLOCKED, FL_EVID_DEFINITE);
	assert_false(v->has_partner);

	/* another range of the file: taken, and no race */
	e = reset(state);
	ev = race_event(PID_B, PID_A, 7, MiB, 2 * MiB, 1000, true);
	fl_engine_feed(e, &ev);
	ev = candidate_insert(7, 2000);
	fl_engine_feed(e, &ev);
	assert_false(only_violation(e, FL_R_FAULT_UNLOCKED, FL_EVID_DEFINITE)->has_partner);
	ev = candidate_insert(7, 2100);
	ev.start = MiB;		/* would overlap it, but it is gone */
	ev.end = MiB + 4 * KiB;
	fl_engine_feed(e, &ev);
	v = only_violation(e, FL_R_FAULT_UNLOCKED, FL_EVID_DEFINITE);
	assert_int_equal(v->count, 2);
	assert_false(v->has_partner);

	/* sent for another task's, or another path's, candidate */
	e = reset(state);
	ev = race_event(PID_B, PID_C, 7, 0, MiB, 1000, true);
	fl_engine_feed(e, &ev);
	ev = race_event(PID_B, PID_A, 9, 0, MiB, 1000, true);
	fl_engine_feed(e, &ev);
	ev = candidate_insert(7, 2000);
	fl_engine_feed(e, &ev);
	assert_false(only_violation(e, FL_R_FAULT_UNLOCKED, FL_EVID_DEFINITE)->has_partner);

	/* a candidate that is no violation still takes its partner */
	e = reset(state);
	ev = race_event(PID_B, PID_A, 7, 0, MiB, 1000, true);
	fl_engine_feed(e, &ev);
	ev = candidate_insert(7, 2000);
	ev.fs_magic = TMPFS_MAGIC;	/* no insert rule there */
	fl_engine_feed(e, &ev);
	assert_int_equal(e->nviol, 0);
	ev = candidate_insert(7, 3000);
	fl_engine_feed(e, &ev);
	assert_false(only_violation(e, FL_R_FAULT_UNLOCKED, FL_EVID_DEFINITE)->has_partner);

	/* never a window: no later candidate finds it in the window lists */
	e = reset(state);
	ev = race_event(PID_B, PID_A, 7, 0, MiB, 1000, true);
	fl_engine_feed(e, &ev);
	assert_int_equal(e->nopen, 0);
	assert_int_equal(e->nclosed, 0);
}

/*
 * check sends no windows: before a window-form stale use BPF sends the
 * inode's last invalidation as its race partner (FL_EV_RACE), which had
 * ended by then (FL_F_ENDED, aux: when) or not.
 */
static struct fl_event window_race(uint64_t begin, uint64_t ended_at, int32_t stack_id)
{
	struct fl_event ev = mk_event(FL_EV_RACE, PID_B, INO, 900 * KiB, 964 * KiB, begin);

	ev.fs_magic = GFS2_MAGIC;
	ev.op = FL_OP_PUNCH;
	ev.kaddr = PID_A;
	ev.stack_id = stack_id;
	set_locks(&ev, FL_LOCK_NA, FL_LOCK_NA);
	if (ended_at) {
		ev.flags |= FL_F_ENDED;
		ev.aux = ended_at;
	}
	return ev;
}

/*
 * A fresh engine given a punch sent as a race partner (@begin, @ended_at,
 * for the use of @race_stack), then gfs2's write of a folio at 900 KiB
 * under a map made at 1000, the folio at 4000, the write going to @went_to
 * (its stack id 5).
 */
static struct fl_engine *race_then_use(void **state, uint64_t begin, uint64_t ended_at,
				       int32_t race_stack, uint64_t went_to)
{
	struct fl_engine *e = reset(state);
	struct fl_event ev = window_race(begin, ended_at, race_stack);

	fl_engine_feed(e, &ev);
	ev = window_use(GFS2_MAGIC, 1000, 4000, 900 * KiB, went_to);
	ev.stack_id = 5;
	fl_engine_feed(e, &ev);
	return e;
}

static void test_stale_window_race_partner(void **state)
{
	struct fl_engine *e;
	const struct fl_violation *v;

	/* ran whole between the map (1000) and the folio (4000): reported */
	e = race_then_use(state, 2000, 3000, 5, 1 * MiB);
	v = only_violation(e, FL_R_STALE_MAP, FL_EVID_OBSERVED_RACE);
	assert_true(v->has_partner);
	assert_int_equal(v->partner.begin.pid, PID_B);
	assert_int_equal(v->partner.begin.op, FL_OP_PUNCH);
	assert_int_equal(v->partner.begin.ts, 2000);
	assert_int_equal(v->partner.ts_end, 3000);
	assert_int_equal(e->stale_window.across, 1);
	assert_int_equal(e->nopen + e->nclosed, 0);

	/* still running (or failed: BPF sends it as running): undecided */
	e = race_then_use(state, 2000, 0, 5, 1 * MiB);
	no_violation(e);
	assert_int_equal(e->stale_window.undecided, 1);
	assert_int_equal(e->stale_window.across, 0);

	/* began before the map: undecided, whenever it ended */
	e = race_then_use(state, 500, 3000, 5, 1 * MiB);
	no_violation(e);
	assert_int_equal(e->stale_window.undecided, 1);

	/* the write stopped at the folio for a new map: revalidated */
	e = race_then_use(state, 2000, 3000, 5, 900 * KiB);
	no_violation(e);
	assert_int_equal(e->stale_window.revalidated, 1);

	/* sent for another path's use: not this one's partner */
	e = race_then_use(state, 2000, 3000, 9, 1 * MiB);
	no_violation(e);
	assert_int_equal(e->stale_window.across + e->stale_window.undecided, 0);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		/* 1 */
		T(test_seed004_fault_vs_punch),
		T(test_seed004_insert_unlocked),
		T(test_partner_is_lock_owner),
		/* 2 */
		T(test_insert_locked_not_reported),
		T(test_insert_unchecked_fs),
		T(test_insert_internal_ignored),
		/* 3 */
		T(test_seed001_map_pages_unlocked),
		T(test_map_pages_locked_or_unchecked),
		/* 4 */
		T(test_seed000_mkwrite_punch_shared),
		T(test_delete_shared_hint_outside_fault),
		T(test_stale_settle),
		T(test_stale_answered_by_its_inode),
		T(test_seed002_stale_map_used),
		T(test_stale_map_not_reported),
		T(test_stale_window_across),
		T(test_stale_window_undecided),
		T(test_stale_window_not_judged),
		T(test_stale_window_race_partner),
		T(test_insert_lockless_reader),
		T(test_delete_shared_by_reclaim),
		T(test_delete_in_own_window_excl),
		/* 5 */
		T(test_inval_unlocked_in_window),
		T(test_inval_in_window_not_reported),
		T(test_inval_unlocked_in_window_flag),
		T(test_inval_irwsem_form),
		/* 6 */
		T(test_seed003_write_unlocked),
		T(test_write_locked_or_exempt),
		/* 7 */
		T(test_observed_race),
		T(test_observed_race_negative),
		T(test_imported_na_no_race),
		/* 8 */
		T(test_window_end_closes),
		T(test_window_end_keeps_others),
		T(test_window_late_delivery),
		T(test_window_step_recovers),
		T(test_window_duplicate_begin),
		T(test_window_many),
		/* 9 */
		T(test_dedup_same),
		T(test_dedup_distinct),
		T(test_dedup_evidence_upgrade),
		/* 10 */
		T(test_counting_mode),
		T(test_counting_off),
		/* 11 */
		T(test_robust_garbage),
		T(test_robust_fields),
		T(test_robust_nr_frames),
		T(test_robust_no_symbols),
		T(test_stack_classification),
		/* 12 */
		T(test_violation_cap),
		T(test_race_ignores_shared_other),
		T(test_cap_dropped_counts_occurrences),
		T(test_violation_files_per_path),
		/* 13 */
		T(test_repeats_after_eviction),
		T(test_open_windows_bounded),
		T(test_tasks_gone),
		T(test_stale_settle_before),
		T(test_reclaim_in_own_window),
		T(test_inverted_event_range),
		/* 14 */
		T(test_race_partner),
		T(test_race_partner_negative),
	};

	return cmocka_run_group_tests_name("engine", tests, NULL, NULL);
}
