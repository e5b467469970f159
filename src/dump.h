/* SPDX-License-Identifier: GPL-2.0 */
/*
 * faultline's dump format: what `record` writes and `report` reads.
 *
 *   preamble   8-byte magic FL_DUMP_MAGIC, u32 format version, u32 zero
 *   records    struct fl_rec_hdr + len bytes of payload, back to back
 *
 * Every record carries a CRC32 (zlib) over its type, length and payload,
 * so a reader stops at the first damaged or incomplete record and keeps
 * everything before it.  The first record is FL_REC_HEADER, a JSON object
 * that describes the recording (kernel, boot id, filters, attach plan,
 * watched filesystems, the protocol table as resolved on the recording
 * kernel); the last one of a finished recording is FL_REC_END.  Integers
 * are little-endian (the writer's byte order, checked by the version).
 */
#ifndef FL_DUMP_H
#define FL_DUMP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine.h"
#include "ksyms.h"
#include "report.h"

#define FL_DUMP_MAGIC		"\x7f" "FLDUMP\n"	/* 8 bytes */
#define FL_DUMP_MAGIC_LEN	8
#define FL_DUMP_VERSION		1
#define FL_DUMP_PREAMBLE	16
/* No record is larger: a bigger length is damage, not data. */
#define FL_DUMP_MAX_REC		(1U << 20)

enum fl_rec_type {
	FL_REC_HEADER = 1,	/* JSON object, first record */
	FL_REC_EVENT,		/* struct fl_event up to frames[nr_frames] */
	FL_REC_COUNTS,		/* BPF counter snapshot (struct fl_rec_counts + arrays) */
	FL_REC_LOST,		/* struct fl_rec_lost: a CPU's ring buffer overflowed */
	FL_REC_REPEAT,		/* struct fl_rec_repeat: candidates BPF counted, not sent */
	FL_REC_SETTLE,		/* struct fl_rec_settle: a stale find's inode at the end */
	FL_REC_SYM,		/* u64 address + name: a kernel symbol the stacks use */
	FL_REC_PATH,		/* struct fl_inode_key + path of a violation's file */
	FL_REC_END,		/* struct fl_rec_end: the recording ended here */
	FL_REC_LO_EDGE,		/* struct fl_rec_lo_edge: lock-order repeats BPF counted */
	FL_REC_LO_CLASS,	/* struct fl_rec_lo_class: ... and acquisitions */
	FL_REC_SLOTS,		/* JSON: the filesystems unfiltered runs gave slots to */
	FL_REC_ATTACH,		/* JSON: attach table and protocols, after a module's hooks attached */
	FL_REC_PRECISE,		/* struct fl_rec_precise: lock-hook runs the kernel skipped */
	FL_REC_TYPE_MAX,
};

struct fl_rec_hdr {
	uint32_t type;
	uint32_t len;		/* payload bytes */
	uint32_t crc;		/* crc32 of type, len, payload */
};

struct fl_rec_counts {
	uint64_t ts;		/* CLOCK_MONOTONIC */
	uint32_t nslots;	/* then nslots * ncnt u64 counters */
	uint32_t ncnt;
	uint32_t ncpus;		/* then ncpus u64 lost events per CPU */
	uint32_t pad;
};

struct fl_rec_lost {
	uint64_t ts;
	uint32_t cpu;
	uint32_t pad;
	uint64_t total;		/* lost on this CPU since the start */
};

struct fl_rec_repeat {
	struct fl_seen_key key;
	uint64_t repeats;
};

struct fl_rec_lo_edge {
	struct fl_lo_edge_key key;
	uint32_t pad;
	uint64_t n;
};

struct fl_rec_lo_class {
	struct fl_lo_class_key key;
	struct fl_lo_class_count c;
};

/* One per stale find left unanswered at the end, in the engine's order. */
struct fl_rec_settle {
	uint64_t kaddr;
	uint64_t changes;	/* the sequences its inode's last traced change left */
	uint32_t present;	/* that inode (not another at its address) had one */
	uint32_t pad;
};

/* --locks=precise, at the end: fl_loader_precise_skipped's sums. */
struct fl_rec_precise {
	uint64_t skipped;	/* runs of the lock hooks the kernel skipped */
	uint64_t holds;		/* of them, the acquisition and release hooks' */
};

#define FL_END_CUT	(1U << 0)	/* stopped at --max-size */
#define FL_END_ERROR	(1U << 1)	/* a write failed; records may be missing */

struct fl_rec_end {
	uint64_t ts;
	uint64_t events;	/* event records written */
	double duration_s;
	uint32_t flags;		/* FL_END_* */
	uint32_t pad;
};

/* CRC-32 as zlib's crc32() (src/dump_crc.c: ISA-L or zlib). */
uint32_t fl_crc32(uint32_t crc, const void *p, size_t n);
/*
 * crc[i] = fl_crc32(crc[i], p[i], n) for four buffers of one length, at
 * once where the CPU has AVX-512 and VPCLMULQDQ and @n is a multiple of 16
 * (src/dump_crc_x4.c); fl_crc32_x4_wide() says whether it has.
 */
void fl_crc32_x4(uint32_t crc[4], const unsigned char *const p[4], size_t n);
bool fl_crc32_x4_wide(void);

/* Size of an event record's payload: the frames it uses, not all 32. */
static inline size_t fl_dump_event_len(const struct fl_event *ev)
{
	unsigned int n = ev->nr_frames < FL_MAX_FRAMES ? ev->nr_frames : FL_MAX_FRAMES;

	return offsetof(struct fl_event, frames) + n * sizeof(ev->frames[0]);
}

/* ---- writer ----------------------------------------------------------- */

struct fl_dump_writer;

/* What the header says beyond the run info. */
struct fl_dump_meta {
	const uint32_t *devs;		/* filters as given */
	int ndevs;
	const uint32_t *tgids;
	int ntgids;
	uint32_t ring_bytes;
	double duration_opt;		/* --duration, 0 = none */
	char *const *cmd;		/* traced command, or NULL */
	bool no_counters;		/* no COUNTS records: report counts events */
};

/* Creates @path mode 0600 (replacing a regular file); NULL with a message. */
struct fl_dump_writer *fl_dump_create(const char *path, uint64_t max_size);
/* The header record; @ks names the stacks' frames (may be NULL). */
int fl_dump_start(struct fl_dump_writer *w, const struct fl_run_info *ri,
		  const struct fl_dump_meta *m, const struct fl_ksyms *ks);
/* One event, after the symbols its stack needs.  <0 once writing stopped. */
int fl_dump_event(struct fl_dump_writer *w, const struct fl_event *ev);
int fl_dump_path(struct fl_dump_writer *w, const struct fl_inode_key *k, const char *path);
int fl_dump_counts(struct fl_dump_writer *w, uint64_t ts, const struct fl_counts *slots,
		   const uint64_t *lost_per_cpu, int ncpus);
int fl_dump_repeat(struct fl_dump_writer *w, const struct fl_seen_key *k, uint64_t repeats);
int fl_dump_lo_edge(struct fl_dump_writer *w, const struct fl_lo_edge_key *k, uint64_t n);
int fl_dump_lo_class(struct fl_dump_writer *w, const struct fl_lo_class_key *k,
		     const struct fl_lo_class_count *c);
/*
 * The counter slots as they are now (an unfiltered run gives them out as
 * filesystems appear): {"slots": [as the header's], "other_magics": [...]}.
 */
int fl_dump_slots(struct fl_dump_writer *w, const struct fl_run_info *ri);
/* A module loaded after the start brought hooks: the attach table and protocols again. */
int fl_dump_attach(struct fl_dump_writer *w, const struct fl_run_info *ri);
/* The kernel's symbols read again (a module loaded): stacks are named from @ks now. */
void fl_dump_ksyms(struct fl_dump_writer *w, const struct fl_ksyms *ks);
int fl_dump_settle(struct fl_dump_writer *w, uint64_t kaddr, bool present, uint64_t changes);
/* --locks=precise: the skipped runs of the lock hooks (ri->precise_skipped*), at the end. */
int fl_dump_precise(struct fl_dump_writer *w, const struct fl_run_info *ri);
/* The run is over: the room kept for the closing records may be used. */
void fl_dump_closing(struct fl_dump_writer *w);
/* Writes what is buffered (no fsync): called about once a second. */
int fl_dump_flush(struct fl_dump_writer *w);
/* Writing stopped: --max-size reached or a write failed. */
bool fl_dump_stopped(const struct fl_dump_writer *w);
/*
 * The END record, fsync, close and free.  Returns 0, or -errno when the
 * dump is incomplete through a write error (already reported).
 */
int fl_dump_close(struct fl_dump_writer *w, double duration_s);
/* Raw record, for generators of synthetic dumps (tests) and the above. */
int fl_dump_record(struct fl_dump_writer *w, uint32_t type, const void *a, size_t alen,
		   const void *b, size_t blen);

/* ---- reader ----------------------------------------------------------- */

#define FL_DUMP_MAX_PATHS	FL_MAX_VIOLATIONS
#define FL_DUMP_MAX_SETTLE	FL_MAX_STALE_UNSEEN
#define FL_DUMP_MAX_REPEATS	65536
#define FL_DUMP_MAX_SYMS	16384
#define FL_DUMP_MAX_CPUS	4096

struct fl_dump_path {
	struct fl_inode_key key;
	char *path;
};

/* What a dump carries beside its events; filled by fl_dump_read. */
struct fl_dump_meta_in {
	uint32_t version;
	char boot_id[40];
	char host[72];
	char clock[40];
	char locks[16];			/* ri->locks, ri->attach_mode point here */
	char attach_mode[16];
	uint32_t page_shift;
	bool complete;			/* an END record without FL_END_CUT/ERROR */
	char why[256];			/* why not complete */
	uint64_t events;		/* event records read */
	uint64_t records;
	uint64_t bytes_ok;		/* bytes up to the last good record */
	bool have_counts;
	uint64_t events_at_counts;	/* events read before the last snapshot */
	struct fl_ksyms syms;		/* from FL_REC_SYM, sorted */
	uint64_t syms_dropped;
	struct fl_dump_path *paths;
	size_t npaths;
	struct fl_rec_settle *settle;
	size_t nsettle;
	size_t settle_next;		/* the next answer, in the order asked */
	struct fl_rec_repeat *repeats;
	size_t nrepeats;
	/* optional: every event as it is read (the timeline), after the engine */
	void (*on_event)(void *ctx, const struct fl_event *ev);
	void (*on_lost)(void *ctx, const struct fl_rec_lost *l);
	void *cb_ctx;
};

/*
 * Reads a faultline dump into the engine @e and fills @ri and @m.
 * Returns 0 (complete or partial: see m->complete, m->why), or -1 with a
 * message in @err when nothing usable could be read.  The caller frees
 * with fl_dump_meta_free() and free(ri->lost_per_cpu).
 */
int fl_dump_read(const char *path, struct fl_engine *e, struct fl_run_info *ri,
		 struct fl_dump_meta_in *m, char *err, size_t errlen);
/* Same, from memory (the fuzzer). */
int fl_dump_read_mem(const void *buf, size_t len, struct fl_engine *e, struct fl_run_info *ri,
		     struct fl_dump_meta_in *m, char *err, size_t errlen);
void fl_dump_meta_free(struct fl_dump_meta_in *m);
/*
 * Opens a dump for reading: regular files only (a FIFO is opened
 * O_NONBLOCK and refused, so it never hangs).  fd, or -1 with @err set.
 */
int fl_open_regular(const char *path, char *err, size_t errlen);

/* Engine callbacks backed by the dump: symbol names, extent changes. */
const char *fl_dump_symname(void *m, uint64_t addr);
bool fl_dump_changes(void *m, uint64_t kaddr, const struct fl_inode_key *who, uint64_t *n);

#endif
