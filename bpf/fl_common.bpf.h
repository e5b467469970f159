/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Maps and helpers shared by every faultline BPF object.  Each object
 * declares the same maps; the loader creates them once and hands the same
 * fds to the others (bpf_map__reuse_fd), so all concerns feed one ring
 * buffer and one set of counters.
 *
 * The hot path (every fault, insertion, deletion, iomap step) reads kernel
 * memory through FL_RD: plain loads through BTF-typed pointers in tp_btf and
 * fentry programs, BPF_CORE_READ (a helper call per step) when the object
 * is built for kprobes (-DFL_KPROBE), whose arguments are untyped.  The
 * rare path that builds an event always uses BPF_CORE_READ.
 */
#ifndef FL_COMMON_BPF_H
#define FL_COMMON_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "faultline/events.h"

#ifdef FL_KPROBE
#define FL_RD(src, a, ...) BPF_CORE_READ(src, a, ##__VA_ARGS__)
#else
#define FL_RD(src, a, ...) (___arrow((src), a, ##__VA_ARGS__))
#endif

#define S_IFMT_	00170000
#define S_IFREG_	0100000

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4 << 20);
} fl_events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, FL_MAX_SLOTS * FL_CNT_MAX);
	__type(key, __u32);
	__type(value, __u64);
} fl_counts SEC(".maps");

/*
 * Configuration is read-only data, set by the loader in every object before
 * load: the verifier then sees constants, drops the filters that are off and
 * unrolls the device compare, which keeps the per-fault cost down.
 */
const volatile struct fl_config fl_cfg = {};
/* Watched filesystems (kernel dev_t); slot = index + 1. */
const volatile __u32 fl_watch_devs[FL_MAX_DEVS] = {};

/*
 * Without --dev, every filesystem gets its own counters all the same: the
 * next free slot when its first event arrives (fl_slot_find, _claim_dev).
 * The table is one array entry, so finding a filesystem's slot costs a
 * BPF-to-BPF call, an inlined lookup and a compare per filesystem given a
 * slot before it (the busiest are seen first); a hash map keyed by device
 * would cost a helper call and a hash per event.  Claims go through
 * fl_slot_claim, whose BPF_NOEXIST update is atomic, so two CPUs never give
 * one slot to two filesystems.  Beyond the last slot, slot 0 counts the
 * rest and fl_other_magic keeps their types.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct fl_slot_table);
} fl_slot_table SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, FL_MAX_SLOTS);
	__type(key, __u32);
	__type(value, __u32);
} fl_slot_claim SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, __u32);
	__type(value, __u8);
} fl_other_magic SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, __u32);
	__type(value, __u8);
} fl_tgids SEC(".maps");

/* s_magic -> FL_RULE_* flags: which checks a filesystem's protocol allows. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 32);
	__type(key, __u32);
	__type(value, __u32);
} fl_fs_rules SEC(".maps");

/*
 * Precise lock tracking (the locks object): which watched rw_semaphores
 * each task holds, from its own acquisitions and releases.
 */
struct fl_held_key {
	__u32 pid;
	__u32 pad;
	__u64 sem;
};

struct fl_held {
	__u32 readers;		/* nested read acquisitions */
	__u32 writer;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, struct fl_held_key);
	__type(value, struct fl_held);
} fl_held SEC(".maps");

/* A task's own record (fl_precise_own): the loader's word on it. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct fl_precise_ctl);
} fl_precise_ctl SEC(".maps");

/* (task, semaphore): the lock word showed the task holding none of it. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, struct fl_held_key);
	__type(value, __u8);
} fl_own SEC(".maps");

/*
 * Read holds recorded per semaphore, over all tasks: the low 32 bits count
 * them, the high 32 bits are a generation that every change moves (one
 * atomic add of FL_SEM_GEN +/- 1), so that a reader can tell that nothing
 * was recorded or released while it compared them with the lock word.
 *
 * LRU: an entry is never deleted (a count at zero may rise again), and the
 * semaphores of inodes long gone make room.  An evicted count starts again
 * below the truth (the holds recorded before the eviction are missing from
 * it), which never equals the lock word's reader count by mistake:
 * fl_precise_try then says "unknown", never "not me".
 */
#define FL_SEM_GEN	(1ULL << 32)

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);
	__type(value, __u64);
} fl_sem_readers SEC(".maps");

/*
 * Lock-order tracking (lockorder.bpf.h): each task's holds of tracked
 * locks, by instance, so that a release finds the very hold it ends
 * whatever became of the inode in between, and only what can order
 * anything leaves BPF.  Task-local storage: freed with the task, no pid
 * reuse, no table to fill up with tasks.
 */
#define FL_LO_HELD	12	/* holds per task; xfs_rename's five ILOCKs fit */

struct fl_lo_hold {
	__u64 kaddr;		/* the lock instance (rw_semaphore, mm, journal) */
	__u64 inode;		/* struct inode *, 0 for mmap_lock and jbd2 handles */
	__u64 ts;		/* when it was taken */
	__u32 magic;		/* its filesystem, 0 for mmap_lock */
	__u32 dev;		/* without an inode: the journal's device */
	__u32 mode;		/* FL_LKM_* */
	__u8 kind;		/* enum fl_lock_kind */
	__u8 slot;
	__u8 sent;		/* user space has its acquisition */
	__u8 attempt;		/* a _nowait seen at entry: success not known yet */
};

struct fl_lo_task {
	struct fl_lo_hold h[FL_LO_HELD];
	__u32 n;
	__u32 overflow;		/* holds not kept because h[] was full */
	__u8 synced;		/* user space knows this task's holds (FL_EV_LOCK_SYNC) */
	__u8 resync;		/* ... no longer: one of its events was lost */
	__u8 defer_try;		/* the deferred ILOCK's call was a _nowait */
	__u8 pad[5];
	__u64 mm_starting;	/* mmap_lock: the mm of a blocking acquisition under way */
	/* precise mode: the ILOCK of an xfs_ilock call, once its rwsems are taken */
	__u64 defer_after;	/* the last rw_semaphore the call takes before ILOCK */
	__u64 defer_kaddr;	/* &xfs_inode->i_lock */
	__u64 defer_inode;	/* struct inode * */
	__u32 defer_mode;
	__u32 defer_slot;
};

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct fl_lo_task);
} fl_lo_tasks SEC(".maps");

/*
 * Run state user space sets after load: [0] when every program was
 * attached (ns), so a release can tell the attach window from later.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} fl_armed SEC(".maps");

/* Edges user space was sent, with the observations counted since. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, struct fl_lo_edge_key);
	__type(value, __u64);
} fl_lo_edges SEC(".maps");

/* Acquisitions of each class that were counted instead of sent. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, struct fl_lo_class_key);
	__type(value, struct fl_lo_class_count);
} fl_lo_classes SEC(".maps");

/* Candidate repeats, see FL_RESEND_NS. */
struct {
	__uint(type, BPF_MAP_TYPE_STACK_TRACE);
	__uint(max_entries, 4096);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, FL_MAX_FRAMES * sizeof(__u64));
} fl_stackmap SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 8192);
	__type(key, struct fl_seen_key);
	__type(value, struct fl_seen);
} fl_seen SEC(".maps");

/*
 * A task inside an invalidating syscall (fallocate/ftruncate/truncate).
 * record sends its window (INVAL_BEGIN, _STEP, _END); check keeps it here
 * and sends it only as the race partner of a candidate (fl_race_send).
 */
struct fl_task_inval {
	__u64 inode;		/* struct inode *, 0 until known */
	__u64 start;
	__u64 end;
	__u64 mode;
	__u64 ts;		/* the window opened */
	__u32 slot;
	__u32 pid;		/* whose: other tasks read it (fl_race_send) */
	__u32 tgid;
	__u8 op;
	__u8 opened;		/* the inode is known: the window is open */
	__u8 stepped;		/* the fs's invalidation code ran */
	__u8 has_stack;		/* check: fl_inval_stacks holds its stack */
	__u32 step_done;	/* check: the step's fields below are set (atomic,
				 * after them: fl_race_send reads it first) */
	__u8 step_inval;	/* check: the lock states at the step */
	__u8 step_irw;
	__u8 step_precise;
	__u8 pad;
	__u32 step_inval_owner;	/* ... and the pids their owner fields named */
	__u32 step_irw_owner;
	struct fl_inode_key key;
	__u32 magic;
	char comm[FL_COMM_LEN];
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, struct fl_task_inval);
} fl_tasks SEC(".maps");

/* check: the invalidator's stack, at its fs step (or the first page it dropped) */
struct fl_inval_stack {
	__u64 frames[FL_MAX_FRAMES];
	__u32 nr;
	__u32 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, struct fl_inval_stack);
} fl_inval_stacks SEC(".maps");

/*
 * check: which task is invalidating an inode (struct inode * -> pid): the
 * last to open a window on it or to reach its fs step.  Concurrent
 * invalidators of one file queue on its i_rwsem, so one is enough.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u64);
	__type(value, __u32);
} fl_inval_inodes SEC(".maps");

/* A zeroed fl_inval_stack to insert before filling it in place. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct fl_inval_stack);
} fl_inval_stack_zero SEC(".maps");

/*
 * How many tasks fl_tasks holds: every page-cache deletion would otherwise
 * pay a hash lookup to learn that nobody is invalidating (an array lookup
 * is inlined by the verifier).
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __s64);
} fl_active SEC(".maps");

static __always_inline void fl_active_add(__s64 n)
{
	__u32 zero = 0;
	__s64 *v = bpf_map_lookup_elem(&fl_active, &zero);

	if (v)
		__sync_fetch_and_add(v, n);
}

/* This task's invalidation, if any task at all is invalidating. */
static __always_inline struct fl_task_inval *fl_task_window(void)
{
	__u32 zero = 0, pid;
	__s64 *v = bpf_map_lookup_elem(&fl_active, &zero);

	if (!v || *v <= 0)
		return NULL;
	pid = (__u32)bpf_get_current_pid_tgid();
	return bpf_map_lookup_elem(&fl_tasks, &pid);
}

static __always_inline void fl_count(__u32 slot, __u32 counter)
{
	__u32 idx = slot * FL_CNT_MAX + counter;
	__u64 *v;

	if (slot >= FL_MAX_SLOTS)
		return;
	v = bpf_map_lookup_elem(&fl_counts, &idx);
	if (v)
		(*v)++;
}

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
static __always_inline bool fl_watched(struct inode *inode, __u32 *slot)
{
	if (!inode)
		return false;
	return fl_watched_vals(FL_RD(inode, i_mode), FL_RD(inode, i_sb, s_dev), inode, 0, slot);
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

static __always_inline __u32 fl_fs_rules_of(__u32 magic)
{
	__u32 *r = bpf_map_lookup_elem(&fl_fs_rules, &magic);

	return r ? *r : 0;
}

/*
 * Is the current task's record of @k->sem complete, every hold it has of
 * it recorded by the lock hooks?  Yes if the task began after the hooks
 * were in place (it took every hold through them), or if the lock word
 * has shown it holding none of @k->sem since then (fl_own, set by
 * fl_precise_none): any hold it has now came later, through the hooks.
 * Their programs run to the end in the task before it goes on, unless
 * the kernel preempts BPF programs (another task could find one busy and
 * skip it): the loader enables this only where the kernel does not, no
 * acquisition path is left unhooked (no lockdep _nested forms) and every
 * read acquisition hook attached.
 */
static __always_inline struct fl_precise_ctl *fl_precise_ctl_get(void)
{
	__u32 zero = 0;
	struct fl_precise_ctl *c = bpf_map_lookup_elem(&fl_precise_ctl, &zero);

	if (!c || !c->own)
		return NULL;
	/*
	 * The loader says "on" once the hooks are attached; the first program
	 * to see it stamps the time, on the kernel's clock (task start_time
	 * is ktime_get_ns; the loader's clock may sit in a time namespace).
	 */
	if (!c->ready_ns)
		c->ready_ns = bpf_ktime_get_ns();
	return c;
}

/* Did the current task begin after the hooks were in place? */
static __always_inline bool fl_precise_new_task(struct fl_precise_ctl *c)
{
	struct task_struct *t = (void *)bpf_get_current_task();

	return BPF_CORE_READ(t, start_time) > c->ready_ns;
}

static __always_inline bool fl_precise_own(struct fl_held_key *k)
{
	struct fl_precise_ctl *c = fl_precise_ctl_get();

	if (!c)
		return false;
	return fl_precise_new_task(c) || bpf_map_lookup_elem(&fl_own, k);
}

/* The lock word shows the current task holding none of @sem: note it. */
static __always_inline void fl_precise_none(struct rw_semaphore *sem)
{
	struct fl_held_key k = { .sem = (__u64)sem };
	struct fl_precise_ctl *c;
	__u8 one = 1;

	if (!fl_cfg.precise)
		return;
	c = fl_precise_ctl_get();
	/* a task begun since the hooks were in place needs no note */
	if (!c || fl_precise_new_task(c))
		return;
	k.pid = (__u32)bpf_get_current_pid_tgid();
	if (!bpf_map_lookup_elem(&fl_own, &k))
		bpf_map_update_elem(&fl_own, &k, &one, BPF_ANY);
}

/* A hold went unrecorded: no task's own record can be trusted from now. */
static __always_inline void fl_precise_own_off(void)
{
	__u32 zero = 0;
	struct fl_precise_ctl *c = bpf_map_lookup_elem(&fl_precise_ctl, &zero);

	if (c)
		c->own = 0;
}

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
 * The owner hint cannot say whether we are among the readers (it names the
 * last reader, and is not cleared when that reader leaves); our own
 * recorded acquisitions can.  "Not me" needs more than a missing record: a
 * hold taken before tracking attached, or by a path the hooks do not see,
 * would look the same.  So it is claimed only when the recorded read holds
 * of this semaphore account for every reader the lock word counts.
 *
 * Every recorded hold is in the lock word (an acquisition is recorded
 * after the kernel counted it, a release before the kernel uncounts it,
 * a grant after rwsem_mark_wake() counted it: locks.bpf.c), so if the
 * records equal the count at one moment, no unrecorded reader, such as we,
 * is among them.  That moment must be the same for both: the count is
 * read between two reads of the records' word, and a generation that
 * moved in between (an acquisition recorded after the count was read
 * could make up for an unrecorded hold of ours) sends us round again.
 * The loads are not reordered on x86; a weakly ordered machine would need
 * a barrier BPF does not have before 6.15.
 *
 * fl_precise_try looks once: FREE or EXCL_OTHER if the lock word now
 * proves we hold nothing, READERS_NOT_ME if the records account for it,
 * SHARED_OTHER if they do not (yet).
 */
static __always_inline __u8 fl_precise_try(struct rw_semaphore *sem, __u64 *rec,
					   __u64 *owner, __u64 *word)
{
	__u64 v, task = 0, count;
	bool wlocked;

	v = *(volatile __u64 *)rec;
	/* a helper call: neither merged with the caller's read nor moved */
	if (fl_rwsem_rt_word(sem, &task, &count)) {
		wlocked = task != 0;
	} else {
		barrier_var(sem);	/* as in fl_rwsem_rt_word, for RT kernels */
		count = BPF_CORE_READ(sem, count.counter);
		wlocked = count & 1;
		if (wlocked)
			task = BPF_CORE_READ(sem, owner.counter) & ~0x7UL;
		count = (count >> 8) & ((1UL << 55) - 1);
	}
	*word = v;
	if (wlocked) {
		/* a writer, not we (we held nothing as writer a moment ago),
		 * and readers cannot hold it with a writer */
		if (task == bpf_get_current_task())
			return FL_LOCK_SHARED_OTHER;
		*owner = task;
		return FL_LOCK_EXCL_OTHER;
	}
	if (!count)
		return FL_LOCK_FREE;
	if (*(volatile __u64 *)rec == v && (__u32)v == count)
		return FL_LOCK_READERS_NOT_ME;
	return FL_LOCK_SHARED_OTHER;
}

static __always_inline __u8 fl_precise_refine(struct rw_semaphore *sem, __u8 state,
					      __u64 *owner)
{
	struct fl_held_key k = { .sem = (__u64)sem };
	__u64 *rec;
	struct fl_held *h;
	__u64 word;

	if (!fl_cfg.precise || (state != FL_LOCK_SHARED_OTHER && state != FL_LOCK_SHARED_ME))
		return state;
	k.pid = (__u32)bpf_get_current_pid_tgid();
	h = bpf_map_lookup_elem(&fl_held, &k);
	if (h && h->readers)
		return FL_LOCK_SHARED_ME;
	/* records exist only for the locks the hooks track (fl_sem_watched) */
	rec = bpf_map_lookup_elem(&fl_sem_readers, &k.sem);
	if (!rec)
		return FL_LOCK_SHARED_OTHER;
	if (fl_precise_own(&k))
		return FL_LOCK_READERS_NOT_ME;
	return fl_precise_try(sem, rec, owner, &word);
}

/*
 * A check that would otherwise count "unknown" looks again, a bounded
 * number of times: another reader may be between the kernel's change of
 * the lock word and the hook that records it (well under a microsecond
 * on hardware).  A global function: the verifier walks the loop once per
 * program, not once per caller.
 */
#define FL_PRECISE_TRIES 256

__noinline int fl_precise_settle(__u64 addr)
{
	__u64 *rec = bpf_map_lookup_elem(&fl_sem_readers, &addr);
	struct rw_semaphore *sem = (void *)addr;
	__u64 word, owner;
	int state = FL_LOCK_SHARED_OTHER;

	if (!rec)
		return state;
	for (int i = 0; i < FL_PRECISE_TRIES && state == FL_LOCK_SHARED_OTHER; i++)
		state = fl_precise_try(sem, rec, &owner, &word);
	return state;
}

/* A pointer's value as a plain number, for a global function's argument. */
static __always_inline __u64 fl_addr(void *p)
{
	__u64 a = 0;

	bpf_probe_read_kernel(&a, sizeof(a), &p);
	return a;
}

/* SHARED_OTHER, about to be counted unknown: wait for precise tracking. */
static __always_inline __u8 fl_precise_wait(struct rw_semaphore *sem, __u8 state,
					    __u64 *owner)
{
	if (!fl_cfg.precise || state != FL_LOCK_SHARED_OTHER)
		return state;
	state = fl_precise_settle(fl_addr(sem));
	if (state == FL_LOCK_EXCL_OTHER) {
		__u64 writer, readers;

		if (fl_rwsem_rt_word(sem, &writer, &readers)) {
			*owner = writer;
		} else {
			barrier_var(sem);
			*owner = BPF_CORE_READ(sem, owner.counter) & ~0x7UL;
		}
	}
	return state;
}

/*
 * fl_rwsem_state on PREEMPT_RT: free and write-locked are read as on other
 * kernels; readers are counted but not named, so a shared hold is unknown
 * ("shared-owner-other" without an owner) unless precise tracking knows.
 */
static __always_inline __u8 fl_rwsem_rt_state(struct rw_semaphore *sem, __u64 *owner)
{
	__u64 writer, readers;

	if (!fl_rwsem_rt_word(sem, &writer, &readers))
		return FL_LOCK_NA;
	if (writer) {
		if (writer == bpf_get_current_task())
			return FL_LOCK_EXCL_ME;
		*owner = writer;
		return FL_LOCK_EXCL_OTHER;
	}
	if (!readers)
		return FL_LOCK_FREE;
	return fl_precise_refine(sem, FL_LOCK_SHARED_OTHER, owner);
}

/*
 * Classify an rw_semaphore from its lock word (5.3+ layout): bit 0 of
 * count is the writer, count >> 8 the readers; owner is a task pointer
 * whose bit 0 marks reader ownership.  The reader owner is only a hint
 * (set by the last reader, never cleared on up_read).  *owner gets the
 * other task named by the owner field; fl_task_pid() names it, only for
 * events that are sent.  PREEMPT_RT kernels: fl_rwsem_rt_state.
 */
static __always_inline __u8 fl_rwsem_state(struct rw_semaphore *sem, __u64 *owner)
{
	__u64 me = bpf_get_current_task();
	unsigned long count, word, readers;
	__u64 task;

	if (!bpf_core_field_exists(sem->count))
		return fl_rwsem_rt_state(sem, owner);
	count = FL_RD(sem, count.counter);
	word = FL_RD(sem, owner.counter);
	task = word & ~0x7UL;

	if (count & 1) {
		if (task == me)
			return FL_LOCK_EXCL_ME;
		/* a writer that is not we: no reader holds it either */
		fl_precise_none(sem);
		*owner = task;
		return FL_LOCK_EXCL_OTHER;
	}
	readers = (count >> 8) & ((1UL << 55) - 1);
	if (!readers) {
		fl_precise_none(sem);
		return FL_LOCK_FREE;
	}
	/* the hint survives up_read: "me" may be a read lock long released */
	if ((word & 1) && task == me)
		return fl_precise_refine(sem, FL_LOCK_SHARED_ME, owner);
	*owner = task;
	return fl_precise_refine(sem, FL_LOCK_SHARED_OTHER, owner);
}

static __always_inline __u32 fl_task_pid(__u64 task)
{
	struct task_struct *t = (void *)task;

	return t ? BPF_CORE_READ(t, pid) : 0;
}

static __always_inline bool fl_held_by_me(__u8 state)
{
	return state == FL_LOCK_EXCL_ME || state == FL_LOCK_SHARED_ME;
}

static __always_inline __u8 fl_inval_lock_state(struct address_space *mapping, __u64 *owner)
{
	if (!bpf_core_field_exists(mapping->invalidate_lock))
		return FL_LOCK_NA;
	return fl_rwsem_state(&mapping->invalidate_lock, owner);
}

static __always_inline __u8 fl_inval_lock_wait(struct address_space *mapping, __u8 state,
					       __u64 *owner)
{
	if (!bpf_core_field_exists(mapping->invalidate_lock))
		return state;
	return fl_precise_wait(&mapping->invalidate_lock, state, owner);
}

/* Lock evidence into an event that is about to be sent. */
static __always_inline void fl_event_locks(struct fl_event *e, __u8 inval, __u64 inval_owner,
					   __u8 irw, __u64 irw_owner)
{
	if (fl_cfg.precise)
		e->flags |= FL_F_PRECISE;
	e->inval_lock = inval;
	e->inval_owner = fl_task_pid(inval_owner);
	e->i_rwsem = irw;
	e->i_rwsem_owner = fl_task_pid(irw_owner);
}

static __always_inline void fl_inode_key(struct inode *inode, struct fl_inode_key *key)
{
	key->dev = BPF_CORE_READ(inode, i_sb, s_dev);
	key->ino = BPF_CORE_READ(inode, i_ino);
	key->gen = BPF_CORE_READ(inode, i_generation);
}

/* Fill the common part of an event, in the ring buffer or elsewhere. */
static __always_inline void fl_event_init(struct fl_event *e, __u16 type, __u32 slot,
					  struct inode *inode)
{
	__u64 id = bpf_get_current_pid_tgid();

	e->type = type;
	e->flags = 0;
	e->cpu = bpf_get_smp_processor_id();
	e->op = 0;
	e->slot = slot;
	e->ts = bpf_ktime_get_ns();
	e->pid = (__u32)id;
	e->tgid = id >> 32;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	if (inode) {
		fl_inode_key(inode, &e->inode);
		e->fs_magic = BPF_CORE_READ(inode, i_sb, s_magic);
		if (fl_is_internal(inode))
			e->flags |= FL_F_INTERNAL;
	} else {
		__builtin_memset(&e->inode, 0, sizeof(e->inode));
		e->fs_magic = 0;
	}
	e->inval_lock = FL_LOCK_NA;
	e->i_rwsem = FL_LOCK_NA;
	e->nr_frames = 0;
	e->stack_id = -1;
	e->pad = 0;
	e->kaddr = 0;
	e->inval_owner = 0;
	e->i_rwsem_owner = 0;
	e->start = 0;
	e->end = 0;
	e->aux = 0;
}

/* What a lost event of @type blinds: the counter beside FL_CNT_LOST. */
static __always_inline __u32 fl_lost_kind(__u16 type)
{
	switch (type) {
	case FL_EV_INVAL_BEGIN:
	case FL_EV_INVAL_STEP:
	case FL_EV_INVAL_END:
	case FL_EV_RACE:
		return FL_CNT_LOST_WINDOWS;
	case FL_EV_IOMAP_MAP:
	case FL_EV_STALE_UNSEEN:
	case FL_EV_STALE_ANSWER:
		return FL_CNT_LOST_MAPS;
	case FL_EV_LOCK_ACQ:
	case FL_EV_LOCK_REL:
	case FL_EV_LOCK_SYNC:
		return FL_CNT_LOST_LOCKS;
	default:
		return FL_CNT_LOST_CHECKS;
	}
}

/*
 * Reserve and fill the common part of an event, with room for a stack
 * only when @stack (fl_event_stack may then fill it): most events carry
 * none, and a ring of short records holds three times as many.  A full
 * ring buffer is an accounted loss, never a silent one.
 */
static __always_inline struct fl_event *fl_event_reserve(__u16 type, __u32 slot,
							 struct inode *inode, bool stack)
{
	struct fl_event *e;

	if (stack)
		e = bpf_ringbuf_reserve(&fl_events, sizeof(*e), 0);
	else
		e = bpf_ringbuf_reserve(&fl_events, FL_EVENT_HEAD, 0);
	if (!e) {
		fl_count(slot, FL_CNT_LOST);
		fl_count(slot, fl_lost_kind(type));
		return NULL;
	}
	fl_event_init(e, type, slot, inode);
	return e;
}

/* An event that carries no stack. */
static __always_inline struct fl_event *fl_event_new(__u16 type, __u32 slot,
						     struct inode *inode)
{
	return fl_event_reserve(type, slot, inode, false);
}

/* An event with room for the kernel stack (fl_event_stack). */
static __always_inline struct fl_event *fl_event_new_stack(__u16 type, __u32 slot,
							   struct inode *inode)
{
	return fl_event_reserve(type, slot, inode, true);
}

static __always_inline void fl_event_stack(void *ctx, struct fl_event *e)
{
	long n = bpf_get_stack(ctx, e->frames, sizeof(e->frames), 0);

	if (n > 0) {
		e->nr_frames = n / sizeof(__u64);
		e->flags |= FL_F_STACK;
	}
}

/*
 * Should this candidate be sent?  A buggy path fires on every fault or
 * page: the first occurrence per code path and inode goes to user space
 * (with its stack), repeats within FL_RESEND_NS are only counted, so a bug
 * storm neither floods the ring buffer nor loses the evidence.  *stack_id
 * names the path for user space to add the repeats back.
 */
static __always_inline bool fl_candidate_gate(void *ctx, __u16 type, __u32 slot,
					      struct inode *inode, __s32 *stack_id)
{
	struct fl_seen_key key = { .type = type };
	struct fl_seen *seen, fresh = {};
	__u64 now;

	/* no REUSE: a hash collision returns -EEXIST and the event is sent,
	 * rather than one path's repeats counted under another's id */
	*stack_id = bpf_get_stackid(ctx, &fl_stackmap, 0);
	if (fl_cfg.emit_all)
		return true;
	if (*stack_id < 0) {
		/* the map is never emptied: a full one sends, and says so */
		fl_count(slot, FL_CNT_STACK_UNKEYED);
		return true;
	}
	key.stack_id = *stack_id;
	fl_inode_key(inode, &key.inode);
	now = bpf_ktime_get_ns();
	seen = bpf_map_lookup_elem(&fl_seen, &key);
	if (seen && now - seen->last_ns < FL_RESEND_NS) {
		__sync_fetch_and_add(&seen->repeats, 1);
		fl_count(slot, FL_CNT_REPEATS);
		return false;
	}
	if (seen) {
		seen->last_ns = now;
	} else {
		fresh.last_ns = now;
		bpf_map_update_elem(&fl_seen, &key, &fresh, BPF_ANY);
	}
	return true;
}

/*
 * check: the invalidation another task has in progress on @inode, sent
 * just before a candidate on it as its race partner (FL_EV_RACE).  check
 * sends no window of its own: a window matters only to a candidate that
 * races it, and a punch storm would otherwise send three events a punch
 * (the storm scenario: up to 10,000 punches a second in a TCG guest,
 * 22,000 on the host, most of the ring's traffic).  Read here, at the
 * candidate, whether the window is open is exact, where user space could
 * only match times and ranges.  The entry belongs to another task, which
 * may be leaving its syscall: it is copied, then checked to be that
 * task's window on this inode.
 */
static __always_inline void fl_race_send(struct inode *inode, __u32 slot, __s32 stack_id)
{
	__u64 key = (__u64)inode;
	__u32 me = (__u32)bpf_get_current_pid_tgid(), pid, stepped, *owner;
	struct fl_inval_stack *st = NULL;
	struct fl_task_inval *t, w;
	struct fl_event *e;

	owner = bpf_map_lookup_elem(&fl_inval_inodes, &key);
	if (!owner)
		return;
	pid = *owner;
	if (pid == me)
		return;
	t = bpf_map_lookup_elem(&fl_tasks, &pid);
	if (!t)
		return;
	/* the step's fields were set before it (x86: loads stay in order) */
	stepped = *(volatile __u32 *)&t->step_done;
	__builtin_memcpy(&w, t, sizeof(w));
	if (w.pid != pid || w.inode != key || !w.opened)
		return;
	if (w.has_stack)
		st = bpf_map_lookup_elem(&fl_inval_stacks, &pid);
	e = fl_event_reserve(FL_EV_RACE, slot, NULL, st != NULL);
	if (!e)
		return;
	e->ts = w.ts;
	e->pid = pid;
	e->tgid = w.tgid;
	__builtin_memcpy(e->comm, w.comm, sizeof(e->comm));
	e->inode = w.key;
	e->fs_magic = w.magic;
	e->op = w.op;
	e->start = w.start;
	e->end = w.end;
	e->aux = w.mode;
	e->kaddr = me;
	e->stack_id = stack_id;
	if (stepped) {
		e->flags |= FL_F_STEPPED | (w.step_precise ? FL_F_PRECISE : 0);
		e->inval_lock = w.step_inval;
		e->inval_owner = w.step_inval_owner;
		e->i_rwsem = w.step_irw;
		e->i_rwsem_owner = w.step_irw_owner;
	}
	if (st) {
		__u32 n = st->nr;

		if (n > FL_MAX_FRAMES)
			n = FL_MAX_FRAMES;
		if (!bpf_probe_read_kernel(e->frames, sizeof(e->frames), st->frames)) {
			e->nr_frames = n;
			e->flags |= FL_F_STACK;
		}
	}
	bpf_ringbuf_submit(e, 0);
}

/*
 * The event for a judged hook, or NULL when nothing is to be sent: not a
 * candidate (unless every event is recorded), a repeat the gate counted, or
 * a full ring buffer.  check sends an insertion's, fault-around's or
 * write's race partner first.
 */
static __always_inline struct fl_event *fl_event_for(void *ctx, __u16 type, __u32 slot,
						     struct inode *inode, bool candidate,
						     __s32 *stack_id)
{
	if (!candidate && !fl_cfg.emit_all)
		return NULL;
	if (candidate && !fl_candidate_gate(ctx, type, slot, inode, stack_id))
		return NULL;
	if (candidate && !fl_cfg.emit_all && type != FL_EV_DELETE)
		fl_race_send(inode, slot, *stack_id);
	return fl_event_reserve(type, slot, inode, candidate);
}

/* Candidates carry the kernel stack that user space judges and shows. */
static __always_inline void fl_event_submit(void *ctx, struct fl_event *e, __u32 slot,
					    bool candidate, __s32 stack_id)
{
	e->stack_id = stack_id;
	if (candidate) {
		e->flags |= FL_F_CANDIDATE;
		fl_count(slot, FL_CNT_CANDIDATES);
		fl_event_stack(ctx, e);
	}
	bpf_ringbuf_submit(e, 0);
}

/*
 * Folio flavours: folio->flags became memdesc_flags_t in 6.17 (plain
 * unsigned long before), and the order moved from _folio_order (6.1) to
 * the low byte of _flags_1.
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
 * The last invalidation that began on each inode (by inode address), for
 * the window form of the stale-map rule (iomap.bpf.c): its range, its task
 * and when it began and ended.  A write's folio in that range is sent only
 * when it began after the write's map was taken, and check sends this
 * window as the folio's race partner (FL_EV_RACE with FL_F_ENDED when it
 * had ended): by then it may have left fl_tasks.  Written whole at open
 * (an update replaces the element), ended in place at the syscall's exit by
 * its own task.  LRU: an evicted inode's entry is one no write waits on.
 */
struct fl_inval_last {
	__u64 ts;		/* the window opened */
	__u64 ts_end;		/* it closed, successfully (0: running, or failed) */
	__u64 start, end;
	__u32 pid, tgid;
	__u32 magic;
	__u8 op;
	__u8 pad[3];
	struct fl_inode_key key;
	char comm[FL_COMM_LEN];
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u64);
	__type(value, struct fl_inval_last);
} fl_inval_last SEC(".maps");

/* Where an fl_inval_last is put together before it replaces the old one. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct fl_inval_last);
} fl_inval_last_scratch SEC(".maps");

/* @t's window opened on its inode: it is now the inode's last. */
static __always_inline void fl_inval_last_open(struct fl_task_inval *t)
{
	struct fl_inval_last *l;
	__u32 zero = 0;

	l = bpf_map_lookup_elem(&fl_inval_last_scratch, &zero);
	if (!l)
		return;
	l->ts = t->ts;
	l->ts_end = 0;
	l->start = t->start;
	l->end = t->end;
	l->pid = t->pid;
	l->tgid = t->tgid;
	l->magic = t->magic;
	l->op = t->op;
	l->key = t->key;
	__builtin_memcpy(l->comm, t->comm, sizeof(l->comm));
	bpf_map_update_elem(&fl_inval_last, &t->inode, l, BPF_ANY);
}

/*
 * @t's syscall returned @ret: if its window is still the inode's last,
 * it ended (a failed one stays "running": neither can be judged).
 */
static __always_inline void fl_inval_last_close(struct fl_task_inval *t, long ret)
{
	struct fl_inval_last *l = bpf_map_lookup_elem(&fl_inval_last, &t->inode);

	if (!l || l->pid != t->pid || l->ts != t->ts || ret)
		return;
	l->ts_end = bpf_ktime_get_ns();
}

/* check: the invalidator's stack, kept for its race partners. */
static __always_inline void fl_window_keep_stack(void *ctx, struct fl_task_inval *t)
{
	struct fl_inval_stack *st;
	__u32 pid = t->pid, zero = 0;
	long n;

	st = bpf_map_lookup_elem(&fl_inval_stacks, &pid);
	if (!st) {
		st = bpf_map_lookup_elem(&fl_inval_stack_zero, &zero);
		if (!st || bpf_map_update_elem(&fl_inval_stacks, &pid, st, BPF_ANY))
			return;
		st = bpf_map_lookup_elem(&fl_inval_stacks, &pid);
		if (!st)
			return;
	}
	n = bpf_get_stack(ctx, st->frames, sizeof(st->frames), 0);
	if (n <= 0)
		return;
	st->nr = n / sizeof(__u64);
	t->has_stack = 1;
}

/*
 * Open the task's invalidation window on @inode (once per syscall).
 * record sends it; check only notes who invalidates the inode, with the
 * stack when @stack (the syscall's entry has none worth keeping).
 */
static __always_inline void fl_window_open(void *ctx, struct fl_task_inval *t,
					   struct inode *inode, __u32 slot, bool stack)
{
	__u64 key = (__u64)inode;
	struct fl_event *e;

	t->inode = key;
	t->slot = slot;
	t->ts = bpf_ktime_get_ns();
	fl_inode_key(inode, &t->key);
	t->magic = BPF_CORE_READ(inode, i_sb, s_magic);
	t->opened = 1;
	if (fl_fs_rules_of(t->magic) & FL_RULE_STALE_WINDOW)
		fl_inval_last_open(t);
	if (!fl_cfg.emit_all) {
		bpf_map_update_elem(&fl_inval_inodes, &key, &t->pid, BPF_ANY);
		if (stack)
			fl_window_keep_stack(ctx, t);
		return;
	}
	e = fl_event_new_stack(FL_EV_INVAL_BEGIN, slot, inode);
	if (!e)
		return;
	e->op = t->op;
	e->start = t->start;
	e->end = t->end;
	e->aux = t->mode;
	fl_event_stack(ctx, e);
	bpf_ringbuf_submit(e, 0);
}

#endif /* FL_COMMON_BPF_H */
