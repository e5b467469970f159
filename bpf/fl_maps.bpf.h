/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The base of every faultline BPF object: kernel types, helpers, the
 * loader's configuration (.rodata) and the maps.  Each object declares the
 * same maps; the loader creates them once and hands the same fds to the
 * others (bpf_map__reuse_fd), so all concerns feed one ring buffer and one
 * set of counters.  Also the few accessors that are nothing but a map
 * lookup.
 *
 * Kernel memory is read through FL_RD: plain loads through BTF-typed
 * pointers in tp_btf and fentry programs, BPF_CORE_READ (a helper call per
 * step) in kprobe programs, whose arguments are untyped.  Both forms of a
 * hook live in one object: the shared bodies are always inlined and take a
 * constant @kp (FL_KP or FL_BTF), which clang folds, so each program has
 * only its own form's instructions.
 */
#ifndef FL_MAPS_BPF_H
#define FL_MAPS_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "faultline/events.h"

#define FL_BTF	false	/* tp_btf, fentry/fexit: BTF-typed pointers */
#define FL_KP	true	/* kprobe/kretprobe: untyped pointers */
#define FL_RD(kp, src, a, ...) \
	((kp) ? BPF_CORE_READ(src, a, ##__VA_ARGS__) : (___arrow((src), a, ##__VA_ARGS__)))

#define S_IFMT_	00170000
#define S_IFREG_	0100000

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4 << 20);
} fl_events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct fl_count_block);
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

/* Run state user space sets (FL_ARMED_*, events.h). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, FL_ARMED_MAX);
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

/*
 * The stale-map rule's state per task (iomap.bpf.c keeps it; the program
 * on the page-cache insertion tracepoint reads it: fl_stale.bpf.h).
 */
#define FL_FORM_SEQ	1	/* the fs's extent sequence decides */
#define FL_FORM_WINDOW	2	/* invalidation windows decide (user space) */

struct fl_map_state {
	__u64 inode;
	__u64 seq;		/* FL_FORM_SEQ: the fs's extent sequence just after mapping */
	__u64 map_ts;		/* FL_FORM_WINDOW: when the map was handed out */
	__u64 wpos, wend;	/* the write's range, from its iomap_iter step */
	__u64 mpos, mend;	/* the map's range */
	__u64 use_pos;		/* the folio instantiated under the stale map */
	__u8 write;		/* the step is a buffered write, zero or unshare */
	__u8 active;		/* between the map and the next iomap_iter step */
	__u8 shared;		/* IOMAP_F_SHARED: the COW fork counts too */
	__u8 pending;		/* use_pos waits for the verdict */
	__u8 form;		/* FL_FORM_*, 0: the map is not followed */
	__u8 pad[3];
	__u32 slot;
};

/*
 * Each task's current buffered-write map.  A task's entry goes when it
 * exits (fl_task_exit); LRU only in case an exit was not seen (attach).
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 8192);
	__type(key, __u32);
	__type(value, struct fl_map_state);
} fl_curmap SEC(".maps");

/* The stale use waiting for its verdict, with the stack that made it (per task). */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, struct fl_event);
} fl_stale_use SEC(".maps");

/*
 * check, window form: the invalidation a stale use waits with, sent just
 * before it as its race partner (FL_EV_RACE; .type 0: none).  Per task
 * like fl_stale_use, and goes with it at the task's exit.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, struct fl_event);
} fl_stale_race SEC(".maps");

/* A zeroed fl_event to insert into fl_stale_use before filling it in place. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct fl_event);
} fl_event_zero SEC(".maps");

/*
 * Which pids may have an entry in the three per-task maps above: a task's
 * bit is set before it adds one and cleared at its exit, which deletes
 * only if the bit was set.  sched_process_exit runs for every exit on the
 * host, seldom enough that what it touches is cold: three LRU maps cost it
 * 1.4-5 us a run, a word of this array one miss.  One bit per pid up to
 * PID_MAX_LIMIT (2^22 on 64-bit), so no two tasks share one; a bit left
 * set (an exit not seen) costs the pid's next task three lookups at its
 * exit, nothing else.
 */
#define FL_EXIT_PIDS	(1U << 22)

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, FL_EXIT_PIDS / 64);
	__type(key, __u32);
	__type(value, __u64);
} fl_exit_pids SEC(".maps");

static __always_inline __u64 *fl_exit_word(__u32 pid)
{
	__u32 w = (pid / 64) & (FL_EXIT_PIDS / 64 - 1);

	return bpf_map_lookup_elem(&fl_exit_pids, &w);
}

/*
 * May @pid have an entry in the three maps above?  Asked before a lookup
 * on the paths every watched step, map and insertion takes: a word of an
 * array instead of a hash lookup, for the tasks that never wrote through
 * a watched file (fault threads, readahead: nearly all of them).
 */
static __always_inline bool fl_exit_marked(__u32 pid)
{
	__u64 *v = fl_exit_word(pid);

	return !v || (*v & (1ULL << (pid % 64)));
}

/* Before @pid (the current task) adds an entry of its own. */
static __always_inline void fl_exit_mark(__u32 pid)
{
	__u64 *v = fl_exit_word(pid);

	if (v)
		__sync_fetch_and_or(v, 1ULL << (pid % 64));
}

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
	__u32 idx = slot * FL_CNT_MAX + counter, zero = 0;
	struct fl_count_block *b;

	if (slot >= FL_MAX_SLOTS || counter >= FL_CNT_MAX)
		return;
	b = bpf_map_lookup_elem(&fl_counts, &zero);
	if (!b)
		return;
	/* bounded where it is used: clang may spill idx before the check above */
	barrier_var(idx);
	if (idx < FL_MAX_SLOTS * FL_CNT_MAX)
		b->c[idx]++;
}


static __always_inline __u32 fl_fs_rules_of(__u32 magic)
{
	__u32 *r = bpf_map_lookup_elem(&fl_fs_rules, &magic);

	return r ? *r : 0;
}

/* May any filesystem be judged on @rule?  If not, no inode need be asked. */
static __always_inline bool fl_any_fs_rule(__u32 rule)
{
	__u32 key = FL_ARMED_RULES;
	__u64 *r = bpf_map_lookup_elem(&fl_armed, &key);

	return !r || (*r & rule);
}

#endif /* FL_MAPS_BPF_H */
