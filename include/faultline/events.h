/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The event ABI shared by the BPF programs and user space.
 *
 * Every record is one fixed-size struct fl_event; the type says which
 * fields mean something.  Byte ranges are [start, end) in file offsets,
 * with FL_EOF as "to the end of the file".  The version is bumped on any
 * change of layout or meaning, because dumps outlive the binary that
 * wrote them.
 */
#ifndef FAULTLINE_EVENTS_H
#define FAULTLINE_EVENTS_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

/*
 * 2: FL_EV_LOCK_SYNC, FL_LKM_LATE (lock-order events leave BPF only when
 * they can add an edge), FL_EV_STALE_ANSWER; a reader of version 1 dumps
 * needs none of them.
 */
#define FL_ABI_VERSION	2
#define FL_ABI_OLDEST	1	/* the oldest version this tree still reads */
#define FL_COMM_LEN	16
#define FL_MAX_FRAMES	32
#define FL_EOF		(~0ULL)

enum fl_event_type {
	FL_EV_NONE = 0,
	FL_EV_FAULT,		/* filemap ->fault entered for a page */
	FL_EV_MAP_PAGES,	/* fault-around mapped cached pages */
	FL_EV_INSERT,		/* folio added to a file's page cache */
	FL_EV_DELETE,		/* folio removed from a file's page cache */
	FL_EV_INVAL_BEGIN,	/* a task starts invalidating a range */
	FL_EV_INVAL_END,	/* ... and is done with it */
	FL_EV_INVAL_STEP,	/* the filesystem's own invalidation code ran */
	FL_EV_IOMAP,		/* iomap_iter step */
	FL_EV_IOMAP_MAP,	/* the extent map an iomap step will use */
	FL_EV_STALE_UNSEEN,	/* the kernel found a map stale that we had not */
	FL_EV_FOLIO_USE,	/* a buffered write used a folio under a stale map */
	FL_EV_LOCK_ACQ,		/* lock-order tracking: a lock was acquired */
	FL_EV_LOCK_REL,		/* ... and released */
	FL_EV_LOCK_SYNC,	/* the locks a task holds, as BPF knows them */
	FL_EV_STALE_ANSWER,	/* a traced change answers STALE_UNSEEN of its inode */
	FL_EV_RACE,		/* check: the invalidation a candidate races (below) */
	FL_EV_TYPE_MAX,
};

/*
 * What the lock word says about the current task and one rw_semaphore.
 * Only FL_LOCK_EXCL_ME / FL_LOCK_SHARED_ME count as "held by me";
 * FL_LOCK_SHARED_OTHER is the undecidable case (readers hold it and the
 * owner hint names another task): it is counted, never reported.  Precise
 * lock tracking decides it: SHARED_ME, or READERS_NOT_ME.
 */
enum fl_lock_state {
	FL_LOCK_NA = 0,		/* no such lock on this kernel, or not readable */
	FL_LOCK_FREE,		/* count == 0: nobody holds it */
	FL_LOCK_EXCL_ME,	/* writer bit set, owner == current */
	FL_LOCK_SHARED_ME,	/* readers, owner hint == current */
	FL_LOCK_EXCL_OTHER,	/* writer bit set, owner is another task */
	FL_LOCK_SHARED_OTHER,	/* readers, owner hint is another task */
	FL_LOCK_READERS_NOT_ME,	/* readers hold it; precise tracking: not me */
	FL_LOCK_STATE_MAX,
};

/* Which invalidation an FL_EV_INVAL_BEGIN opens. */
enum fl_inval_op {
	FL_OP_NONE = 0,
	FL_OP_PUNCH,
	FL_OP_ZERO,
	FL_OP_COLLAPSE,
	FL_OP_INSERT,
	FL_OP_TRUNCATE,
	FL_OP_MAX,
};

/*
 * FL_EV_LOCK_ACQ / FL_EV_LOCK_REL (lock-order tracking) use the fields so:
 *   op        enum fl_lock_kind; the lock class is (op, fs_magic), fs_magic
 *             0 for locks that belong to no filesystem (mmap_lock)
 *   kaddr     the lock instance's address, 0 when the hook cannot see it
 *             (then the instance is (inode, op))
 *   inode     the inode a per-inode lock belongs to
 *   aux       FL_LKM_* mode bits
 *   inval_lock, i_rwsem
 *             ACQ in tracepoint mode: the lock words of the same inode at the
 *             acquisition (a hold the hooks cannot see, e.g. the VFS's
 *             inode_lock around an xfs_ilock, still counts as held)
 *   frames    ACQ: the stack of the acquisition (FL_F_STACK), sent when it
 *             adds an edge no earlier event showed
 * A downgrade is an ACQ with FL_LKM_DOWNGRADE: the mode changes, the place
 * in the order does not.
 *
 * BPF follows each task's holds itself (lockorder.bpf.h) and sends an
 * acquisition only when it adds an order edge user space has not been
 * sent yet; the holds it nests under follow it first, as FL_LKM_LATE
 * acquisitions (their edges were counted in BPF), and a release leaves
 * BPF only when its acquisition did.  Repeats are counted in BPF
 * (fl_lo_edges, fl_lo_classes).  FL_EV_LOCK_SYNC comes before a task's
 * first event and after any of its events was lost: nr_frames instances
 * (frames[]) are all the task holds as far as user space was told; every
 * other hold user space keeps for the pid is gone (a lost release, or an
 * exited task whose pid was reused).
 */
enum fl_lock_kind {
	FL_LK_NONE = 0,
	FL_LK_I_RWSEM,		/* inode->i_rwsem (xfs: IOLOCK) */
	FL_LK_INVAL,		/* mapping->invalidate_lock (xfs: MMAPLOCK) */
	FL_LK_I_MMAP,		/* mapping->i_mmap_rwsem */
	FL_LK_MMAP,		/* mm->mmap_lock */
	FL_LK_FOLIO,		/* the folio lock */
	FL_LK_XFS_ILOCK,	/* xfs_inode->i_lock */
	FL_LK_JBD2,		/* a jbd2 journal handle (ext4 transaction start) */
	FL_LK_MAX,
};

#define FL_LKM_SHARED	(1U << 0)	/* read / shared mode */
#define FL_LKM_EXCL	(1U << 1)	/* write / exclusive mode */
#define FL_LKM_TRY	(1U << 2)	/* trylock or _nowait: it never waited */
#define FL_LKM_DOWNGRADE (1U << 3)	/* exclusive became shared, no new hold */
#define FL_LKM_ATTEMPT	(1U << 4)	/* seen before it succeeded (a tracepoint at
					 * entry): a failed try is never released */
#define FL_LKM_MMAP_EXCL (1U << 5)	/* the task held its mmap_lock exclusively
					 * (lock word) at this acquisition */
#define FL_LKM_LATE	(1U << 6)	/* sent after the fact, because something
					 * nested under it: a hold, not an observation */

/*
 * FL_EV_RACE: check sends no invalidation windows; when it sends a
 * candidate (insertion, fault-around, write) on an inode another task is
 * invalidating, this event comes first: the window as it is at that
 * moment (still open).  pid, tgid, comm, op, start, end, aux (fallocate
 * mode) and ts (when the window opened) are the invalidator's; with
 * FL_F_STEPPED its fs invalidation code had run: inval_lock, i_rwsem and
 * owners are the lock states there and frames (FL_F_STACK) its stack (a
 * window opened by a page drop has the stack without the lock states).
 * kaddr is the pid of the candidate's task and stack_id its stack id.
 * Before a window-form FL_EV_FOLIO_USE it is the last invalidation of the
 * inode, which began after the write's map was taken and may have ended by
 * the folio: FL_F_ENDED says it had, successfully, at aux (ns); no lock
 * states, no stack.  record sends the windows themselves instead: no dump
 * holds this event.
 */

/* fl_event.flags */
#define FL_F_CANDIDATE	(1U << 0)	/* BPF found the lock evidence wanting */
#define FL_F_IN_WINDOW	(1U << 1)	/* task was inside its own invalidation */
#define FL_F_STACK	(1U << 2)	/* frames[] holds a kernel stack */
#define FL_F_INTERNAL	(1U << 3)	/* fs-internal inode (no dentry): no rules */
#define FL_F_PRECISE	(1U << 4)	/* lock states from precise tracking */
#define FL_F_NO_LOCKWORD (1U << 5)	/* imported: FL_LOCK_NA means "not recorded" */
#define FL_F_STEPPED	(1U << 6)	/* RACE: the invalidator's fs code had run */
#define FL_F_ENDED	(1U << 7)	/* RACE: the window had ended, successfully, at aux */

/*
 * FL_EV_FOLIO_USE.op: which form of the stale-map rule sent it.  Sequence
 * (0): kaddr is the map's offset, sent only when the write went on past the
 * folio.  Window: kaddr is when the map was handed out (ns), sent whenever
 * an invalidation of the inode began after that, whatever the write did
 * next (aux: where it went on to; aux <= start: it stopped for a new map).
 */
#define FL_FOLIO_USE_SEQ	0
#define FL_FOLIO_USE_WINDOW	1

/* iomap flags as the kernel defines them (stable since 4.x). */
#define FL_IOMAP_WRITE	(1U << 0)
#define FL_IOMAP_ZERO	(1U << 1)
#define FL_IOMAP_REPORT	(1U << 2)
#define FL_IOMAP_FAULT	(1U << 3)
#define FL_IOMAP_DIRECT	(1U << 4)
#define FL_IOMAP_UNSHARE (1U << 7)

struct fl_inode_key {
	__u32 dev;		/* kernel encoding: major << 20 | minor */
	__u32 gen;		/* i_generation: inode numbers are reused */
	__u64 ino;
};

struct fl_event {
	__u16 type;		/* enum fl_event_type */
	__u16 flags;		/* FL_F_* */
	__u16 cpu;
	__u8 op;		/* enum fl_inval_op (INVAL_*) */
	__u8 slot;		/* watched-filesystem slot, 0 = unfiltered */
	__u64 ts;		/* CLOCK_MONOTONIC ns (bpf_ktime_get_ns) */
	__u32 pid;		/* thread id */
	__u32 tgid;
	char comm[FL_COMM_LEN];
	struct fl_inode_key inode;
	__u32 fs_magic;		/* super_block->s_magic */
	__u8 inval_lock;	/* enum fl_lock_state: mapping->invalidate_lock */
	__u8 i_rwsem;		/* enum fl_lock_state: inode->i_rwsem */
	__u16 nr_frames;
	__u32 inval_owner;	/* pid named by the owner field, 0 if none */
	__u32 i_rwsem_owner;
	__s32 stack_id;		/* candidates: key of repeats BPF did not send */
	__u32 pad;
	__u64 kaddr;		/* STALE_UNSEEN, STALE_ANSWER: the inode's address;
				 * FOLIO_USE: the map's offset */
	__u64 start;		/* byte range [start, end) */
	__u64 end;
	__u64 aux;		/* IOMAP: iomap flags; INVAL_BEGIN: fallocate mode;
				 * INVAL_END: the syscall's return value;
				 * FOLIO_USE: where the write went on to (byte);
				 * STALE_UNSEEN: the kernel's snapshot (op: forks);
				 * STALE_ANSWER: the sequences now (op: FL_EXTCHG_*) */
	__u64 frames[FL_MAX_FRAMES];
};

/*
 * An event without a stack leaves BPF without its frames: the ring buffer
 * record (and the dump's) is this long, a third of a whole fl_event.
 */
#define FL_EVENT_HEAD	__builtin_offsetof(struct fl_event, frames)

/*
 * Per-CPU counters, one block of FL_CNT_MAX per watched-filesystem slot.
 * The healthy majority of events is only counted here, never sent.
 */
enum fl_counter {
	FL_CNT_FAULTS = 0,
	FL_CNT_MAP_PAGES,
	FL_CNT_INSERTIONS,
	FL_CNT_DELETIONS,
	FL_CNT_INVALIDATIONS,
	FL_CNT_IOMAP,
	FL_CNT_IOMAP_MAPS,
	FL_CNT_UNKNOWN,		/* lock evidence undecidable */
	FL_CNT_UNCHECKED,	/* filesystem has no rule for this check */
	FL_CNT_CANDIDATES,	/* sent to user space for judgement */
	FL_CNT_LOST,		/* ring buffer full: event dropped */
	FL_CNT_INVAL_UNTRACKED,	/* fs invalidation outside a traced syscall */
	FL_CNT_RETIRED_12,	/* was faults entered under invalidate_lock: that cost a
				 * lock-word read on every fault; kept so that dumps'
				 * counter indexes stay */
	FL_CNT_PRECISE_MISSED,	/* precise tracking could not record a hold */
	FL_CNT_REPEATS,		/* candidates counted in BPF, not sent (fl_seen) */
	FL_CNT_STALE_KERNEL,	/* maps the kernel found stale (xfs_*iomap_invalid) */
	FL_CNT_STALE_SEEN,	/* ... that faultline had seen go stale already */
	FL_CNT_STALE_USES,	/* folios a write instantiated under a map gone stale */
	FL_CNT_STALE_REVALIDATED, /* ... where the fs found it stale and remapped */
	/* lock order, as BPF followed it (lockorder.bpf.h) */
	FL_CNT_LO_UNMATCHED,	/* releases of holds never seen, while the hooks attached */
	FL_CNT_LO_UNMATCHED_LATE, /* ... later: held since before the start, or missed */
	FL_CNT_LO_VFS,		/* xfs IOLOCK/MMAPLOCK taken through the VFS, seen let go */
	FL_CNT_LO_OVERFLOW,	/* holds not kept: the task's table was full */
	FL_CNT_LO_ATTEMPT_FAILED, /* _nowait attempts that did not get the lock */
	FL_CNT_LO_ORPHANS,	/* holds whose lock word says they were released unseen */
	FL_CNT_LO_RESYNCS,	/* FL_EV_LOCK_SYNC after a lost event */
	FL_CNT_LO_NO_STATE,	/* operations not followed: no task state */
	FL_CNT_LO_DEFERRED_MISSED, /* precise mode: an ILOCK whose call's rwsems never came */
	/* FL_CNT_LOST by what the lost event was, for what the loss blinds */
	FL_CNT_LOST_CHECKS,	/* judged events: faults, insertions, deletions, iomap steps */
	FL_CNT_LOST_WINDOWS,	/* invalidation windows (begin, step, end) */
	FL_CNT_LOST_MAPS,	/* extent maps and stale finds */
	FL_CNT_LOST_LOCKS,	/* lock-order acquisitions, releases, syncs */
	/* BPF tables that were full: bounded state, its overflow counted */
	FL_CNT_STACK_UNKEYED,	/* candidates without a stack id (fl_stackmap full, or
				 * their bucket taken): sent each time, not gated */
	FL_CNT_INVAL_FULL,	/* invalidations not followed: fl_tasks was full */
	FL_CNT_MAX,
};

/*
 * Counter slots: one per filesystem, slot 0 for the rest.  With --dev the
 * slots are the named filesystems (at most FL_MAX_DEVS, each a compare per
 * event); without, BPF gives each filesystem it sees the next free slot
 * (struct fl_slot_table) and counts the ones beyond the last in slot 0.
 */
#define FL_MAX_SLOTS	16	/* a power of 2: BPF masks slot indexes with it */
#define FL_MAX_DEVS	7

/*
 * The fl_armed map's entries, run state user space sets: FL_ARMED_AT when
 * every program was attached (ns), so that a release can tell the attach
 * window from later; FL_ARMED_RULES every rule bit (FL_RULE_*) any
 * filesystem's protocol has, set before the programs attach and again
 * whenever a rule is added, so that a check no filesystem has costs no
 * look at the inode's filesystem.
 */
#define FL_ARMED_AT	0
#define FL_ARMED_RULES	1
#define FL_ARMED_MAX	2

/*
 * The fl_counts map's one value, per CPU: every slot's counters, slot
 * after slot.  One value, not one per counter: a per-CPU array allocates
 * each value apart, so a counter was a load of its pointer and a load of
 * its line, both cold on a busy CPU; here the pointer is the map's first
 * and a slot's event counters share a line.
 */
struct fl_count_block {
	__u64 c[FL_MAX_SLOTS * FL_CNT_MAX];
};

/*
 * Which filesystem each slot counts (slot 0: none), one entry in the
 * fl_slot_table map.  BPF fills it as filesystems first appear in an
 * unfiltered run; the magic is s_magic, for when the fs is gone by the time
 * user space names it.
 */
struct fl_slot_table {
	__u32 dev[FL_MAX_SLOTS];	/* kernel dev_t, 0 = free */
	__u32 magic[FL_MAX_SLOTS];
};

/*
 * A candidate already sent from the same code path (kernel stack) on the
 * same inode is sent again at most once per FL_RESEND_NS; the repeats in
 * between are counted in the fl_seen map under this key.
 */
#define FL_RESEND_NS	1000000000ULL

struct fl_seen_key {
	__u32 type;
	__s32 stack_id;
	struct fl_inode_key inode;
};

struct fl_seen {
	__u64 last_ns;
	__u64 repeats;		/* not sent */
};

/*
 * Lock order: observations BPF counted instead of sending (an acquisition
 * whose every edge user space already has), per edge and per class.
 */
struct fl_lo_edge_key {
	__u8 from;		/* enum fl_lock_kind */
	__u8 to;
	__u8 try;		/* the acquisition could not wait */
	__u8 pad;
	__u32 from_magic;	/* 0: no filesystem (mmap_lock) */
	__u32 to_magic;
};

struct fl_lo_class_key {
	__u32 kind;
	__u32 magic;
};

struct fl_lo_class_count {
	__u64 acquisitions;
	__u64 nested;		/* taken while holding another instance of the class */
};

/*
 * Stale-map agreement: per inode, keyed by its address (the fl_extchg map),
 * the fork sequences the last traced extent change left.  Inode memory is
 * reused, so the entry says whose they are, and a new inode at the address
 * takes the entry over.  A map the kernel finds stale before the change's
 * trace has run (STALE_UNSEEN) bumps @waiting; the next traced change of
 * that inode, or the takeover, answers every wait with STALE_ANSWER.
 */
#define FL_EXTCHG_SEQS	(1U << 0)	/* @seqs come from a traced change */

struct fl_extchg {
	__u64 seqs;		/* COW << 32 | data */
	struct fl_inode_key inode;
	__u32 waiting;		/* STALE_UNSEEN sent for this inode ... */
	__u32 answered;		/* ... and answered, up to this count */
	__u32 flags;		/* FL_EXTCHG_* */
	__u32 changes;		/* traced changes (their atomic add orders waiting) */
};

/* Per-filesystem rule flags (the fs_rules map, keyed by s_magic). */
#define FL_RULE_INSERT_LOCKED	(1U << 0) /* insertions need inval lock or i_rwsem */
#define FL_RULE_INVAL_EXCL	(1U << 1) /* page-cache truncation needs inval lock excl */
#define FL_RULE_MAP_PAGES_LOCKED (1U << 2) /* ->map_pages takes inval lock shared */
#define FL_RULE_WRITE_LOCKED	(1U << 3) /* buffered writes hold i_rwsem */
#define FL_RULE_STALE_MAPS	(1U << 4) /* iomaps revalidated: the fs's extent sequence */
#define FL_RULE_INVAL_IRWSEM	(1U << 5) /* page-cache truncation needs i_rwsem excl
					   * (fuse, gfs2: no invalidate_lock) */
#define FL_RULE_STALE_WINDOW	(1U << 6) /* iomaps judged by invalidation windows
					   * (no extent sequence known) */

/* Global configuration, one entry in the cfg array map. */
struct fl_config {
	__u32 filter_dev;	/* devs map is a filter */
	__u32 filter_pid;	/* tgids map is a filter */
	__u32 emit_all;		/* send every event (record mode) */
	__u32 self_tgid;	/* never trace faultline itself */
	__u32 page_shift;
	__u32 precise;		/* locks object tracks rwsem ownership */
	__u32 lock_order;	/* send FL_EV_LOCK_ACQ/REL (lock-order tracking) */
	/*
	 * Precise mode: the records of holds may decide (the loader's word:
	 * only where the kernel does not preempt BPF programs; else a skipped
	 * hook leaves a hold unrecorded or a released one recorded)
	 */
	__u32 precise_all;
};

/*
 * Precise mode: whether a task's own record may decide "not me", set by
 * the loader once every lock hook is attached (fl_precise_ctl map).
 */
struct fl_precise_ctl {
	__u64 ready_ns;		/* ktime_get_ns() once every lock hook was attached */
	__u32 own;		/* 1: it may; BPF drops it to 0 on a missed hold */
	__u32 pad;
};

#endif /* FAULTLINE_EVENTS_H */
