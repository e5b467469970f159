// SPDX-License-Identifier: GPL-2.0
/*
 * The dump writer and reader: a round trip keeps every event bit for bit
 * (any event type, any number of frames), the symbols and the counters;
 * every prefix of a dump reads as an error (inside the preamble or header)
 * or as a partial dump whose events are a prefix of the written ones; the
 * size limit cuts cleanly and says so in the dump.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "dump.h"
#include "rules.h"
#include "util.h"

#define NEV 200

static char path[64];

static struct fl_ksym syms[] = {
	{ 0xffffffff81000000ULL, "filemap_fault" },
	{ 0xffffffff81000100ULL, "truncate_inode_pages_range" },
};

static struct fl_event written[NEV];
static struct fl_event got[NEV];
static size_t ngot;

static void on_event(void *ctx, const struct fl_event *ev)
{
	(void)ctx;
	if (ngot < NEV)
		got[ngot] = *ev;
	ngot++;
}

/* Events of every type (also unknown ones), with 0..32 frames. */
static void make_events(void)
{
	for (int i = 0; i < NEV; i++) {
		struct fl_event *ev = &written[i];

		memset(ev, 0, sizeof(*ev));
		ev->type = i % (FL_EV_TYPE_MAX + 3);
		ev->ts = 1000 + i;
		ev->pid = ev->tgid = 10 + i % 3;
		ev->slot = 1;
		ev->inode.dev = 7 << 20;
		ev->inode.ino = 100 + i % 5;
		ev->start = i * 4096;
		ev->end = ev->start + 4096;
		ev->nr_frames = i % (FL_MAX_FRAMES + 1);
		for (int f = 0; f < ev->nr_frames; f++)
			ev->frames[f] = syms[f % 2].addr + f;
		if (ev->nr_frames)
			ev->flags = FL_F_STACK;
	}
}

static int write_dump(uint64_t max_size)
{
	struct fl_run_info ri = { .kernel = "test", .locks = "lock-word", .attach_mode = "auto",
				  .ncpus = 2 };
	struct fl_ksyms ks = { .syms = syms, .n = 2 };
	struct fl_dump_meta m = { 0 };
	struct fl_counts c[FL_MAX_SLOTS] = { 0 };
	uint64_t lost[2] = { 3, 4 };
	struct fl_dump_writer *w;

	snprintf(path, sizeof(path), "/tmp/fl-test-dump.XXXXXX");
	close(mkstemp(path));
	w = fl_dump_create(path, max_size);
	assert_non_null(w);
	if (fl_dump_start(w, &ri, &m, &ks)) {
		fl_dump_close(w, 0);
		return -1;
	}
	c[1].c[FL_CNT_FAULTS] = 42;
	fl_dump_counts(w, 0, c, lost, 2);
	/* an unfiltered run names the slots it gave out as it goes */
	ri.slots[2] = (struct fl_slot_info){ .used = true, .kdev = (7 << 20) | 1,
					     .magic = 0x58465342, .fstype = "xfs",
					     .mount = "/mnt/x" };
	ri.other_magics[ri.nother++] = 0x9123683E;
	fl_dump_slots(w, &ri);
	for (int i = 0; i < NEV && !fl_dump_stopped(w); i++)
		fl_dump_event(w, &written[i]);
	fl_dump_closing(w);
	fl_dump_counts(w, 1, c, lost, 2);
	return fl_dump_close(w, 1.0);
}

static int read_dump(const void *buf, size_t len, struct fl_dump_meta_in *m,
		     struct fl_run_info *ri, struct fl_engine **e)
{
	char err[256];

	memset(m, 0, sizeof(*m));
	memset(ri, 0, sizeof(*ri));
	m->on_event = on_event;
	ngot = 0;
	*e = fl_engine_new(fl_dump_symname, m);
	if (buf)
		return fl_dump_read_mem(buf, len, *e, ri, m, err, sizeof(err));
	return fl_dump_read(path, *e, ri, m, err, sizeof(err));
}

static void done(struct fl_dump_meta_in *m, struct fl_run_info *ri, struct fl_engine *e)
{
	fl_engine_free(e);
	fl_dump_meta_free(m);
	free(ri->lost_per_cpu);
}

static void *slurp(size_t *len)
{
	FILE *f = fopen(path, "r");
	void *buf;

	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	*len = ftell(f);
	rewind(f);
	buf = malloc(*len);
	assert_int_equal(fread(buf, 1, *len, f), *len);
	fclose(f);
	return buf;
}

static void test_round_trip(void **state)
{
	struct fl_dump_meta_in m;
	struct fl_run_info ri;
	struct fl_engine *e;

	(void)state;
	assert_int_equal(write_dump(0), 0);
	assert_int_equal(read_dump(NULL, 0, &m, &ri, &e), 0);
	assert_true(m.complete);
	assert_int_equal(ngot, NEV);
	for (int i = 0; i < NEV; i++)
		assert_memory_equal(&got[i], &written[i], sizeof(got[i]));
	assert_int_equal(m.syms.n, 2);
	assert_string_equal(fl_dump_symname(&m, syms[1].addr + 5), "truncate_inode_pages_range");
	assert_int_equal(e->slots[1].c[FL_CNT_FAULTS], 42);
	assert_int_equal(ri.ncpus, 2);
	assert_int_equal(ri.lost_per_cpu[1], 4);
	assert_string_equal(ri.kernel, "test");
	assert_true(ri.slots[2].used);
	assert_int_equal(ri.slots[2].kdev, (7 << 20) | 1);
	assert_int_equal(ri.slots[2].magic, 0x58465342);
	assert_string_equal(ri.slots[2].fstype, "xfs");
	assert_string_equal(ri.slots[2].mount, "/mnt/x");
	assert_false(ri.slots[1].used);
	assert_int_equal(ri.nother, 1);
	assert_int_equal(ri.other_magics[0], 0x9123683E);
	done(&m, &ri, e);
	unlink(path);
}

static void test_every_prefix(void **state)
{
	struct fl_dump_meta_in m;
	struct fl_run_info ri;
	struct fl_engine *e;
	size_t len, partial = 0;
	unsigned char *buf;

	(void)state;
	assert_int_equal(write_dump(0), 0);
	buf = slurp(&len);
	for (size_t cut = 0; cut < len; cut++) {
		int r = read_dump(buf, cut, &m, &ri, &e);

		assert_false(m.complete);
		if (r == 0) {
			partial++;
			assert_true(m.why[0]);
			assert_true(ngot <= NEV);
			for (size_t i = 0; i < ngot; i++)
				assert_memory_equal(&got[i], &written[i], sizeof(got[i]));
		}
		done(&m, &ri, e);
	}
	assert_true(partial > len / 2);
	free(buf);
	unlink(path);
}

static void test_max_size(void **state)
{
	struct fl_dump_meta_in m;
	struct fl_run_info ri;
	struct fl_engine *e;

	(void)state;
	assert_int_not_equal(write_dump(1024), 0);	/* too small for the header */
	assert_int_not_equal(access(path, F_OK), 0);	/* and no dump left */
	assert_int_equal(write_dump(16384), 0);	/* header + closing room + some events */
	assert_true(written[0].ts);
	assert_int_equal(read_dump(NULL, 0, &m, &ri, &e), 0);
	assert_false(m.complete);
	assert_non_null(strstr(m.why, "max-size"));
	assert_true(ngot > 0 && ngot < NEV);
	assert_int_equal(e->slots[1].c[FL_CNT_FAULTS], 42);	/* the closing snapshot fit */
	done(&m, &ri, e);
	unlink(path);
}

/*
 * Stale finds left unanswered at the end: the recorder answered each in
 * the engine's order, checking the inode's identity live.  Two finds at
 * one address (one inode, then another there) get their own answers: the
 * first inode is gone (missed), the second had a newer sequence (late).
 */
static void test_settle_in_order(void **state)
{
	struct fl_run_info ri = { .kernel = "test", .locks = "lock-word", .attach_mode = "auto",
				  .ncpus = 2 };
	struct fl_ksyms ks = { .syms = syms, .n = 2 };
	struct fl_dump_meta dm = { 0 };
	struct fl_dump_writer *w;
	struct fl_dump_meta_in m;
	struct fl_engine *e;
	struct fl_event ev;

	(void)state;
	snprintf(path, sizeof(path), "/tmp/fl-test-dump.XXXXXX");
	close(mkstemp(path));
	w = fl_dump_create(path, 0);
	assert_non_null(w);
	assert_int_equal(fl_dump_start(w, &ri, &dm, &ks), 0);
	memset(&ev, 0, sizeof(ev));
	ev.type = FL_EV_STALE_UNSEEN;
	ev.slot = 1;
	ev.inode.dev = 7 << 20;
	ev.kaddr = 0xffff888012345678ULL;
	ev.op = 1;
	for (int i = 0; i < 2; i++) {
		ev.ts = 1000 + i;
		ev.inode.ino = 100 + i;
		ev.aux = 5 + 4 * i;
		fl_dump_event(w, &ev);
	}
	fl_dump_closing(w);
	fl_dump_settle(w, ev.kaddr, false, 0);
	fl_dump_settle(w, ev.kaddr, true, 10);
	assert_int_equal(fl_dump_close(w, 1.0), 0);

	assert_int_equal(read_dump(NULL, 0, &m, &ri, &e), 0);
	assert_int_equal(ngot, 2);
	assert_int_equal(e->stale.missed, 1);
	assert_int_equal(e->stale.seen_late, 1);
	done(&m, &ri, e);
	unlink(path);
}

/*
 * A module loaded during the recording: its hooks' rows (ATTACH record)
 * and its symbols (the writer's table switched) reach the reader.
 */
static void test_late_module(void **state)
{
	static struct fl_ksym more[] = {
		{ 0xffffffff81000000ULL, "filemap_fault" },
		{ 0xffffffffc0100000ULL, "xfs_free_file_space" },
	};
	struct fl_run_info ri = { .kernel = "test", .locks = "lock-word", .attach_mode = "auto",
				  .ncpus = 2 };
	struct fl_ksyms ks = { .syms = syms, .n = 2 }, ks2 = { .syms = more, .n = 2 };
	struct fl_dump_meta dm = { 0 };
	struct fl_dump_writer *w;
	struct fl_dump_meta_in m;
	struct fl_engine *e;
	struct fl_event ev;
	uint32_t xfs = 0x58465342, flags = fl_fs_flags(xfs);

	(void)state;
	ri.nattach = 2;
	snprintf(ri.attach[0].prog, sizeof(ri.attach[0].prog), "fl_tp_fault");
	snprintf(ri.attach[0].status, sizeof(ri.attach[0].status), "attached");
	snprintf(ri.attach[1].prog, sizeof(ri.attach[1].prog), "fl_xfs_free");
	snprintf(ri.attach[1].status, sizeof(ri.attach[1].status), "missing");
	snprintf(path, sizeof(path), "/tmp/fl-test-dump.XXXXXX");
	close(mkstemp(path));
	w = fl_dump_create(path, 0);
	assert_non_null(w);
	assert_int_equal(fl_dump_start(w, &ri, &dm, &ks), 0);
	snprintf(ri.attach[1].status, sizeof(ri.attach[1].status), "attached");
	ri.attach[1].late = true;
	ri.attach[1].late_s = 12.5;
	snprintf(ri.attach[1].module, sizeof(ri.attach[1].module), "xfs");
	/* the protocol table asked again: a flag added with the module */
	fl_rules_set_flags(xfs, flags | FL_RULE_MAP_PAGES_LOCKED);
	assert_int_equal(fl_dump_attach(w, &ri), 0);
	fl_rules_set_flags(xfs, flags & ~FL_RULE_MAP_PAGES_LOCKED);
	fl_dump_ksyms(w, &ks2);
	memset(&ev, 0, sizeof(ev));
	ev.type = FL_EV_INSERT;
	ev.slot = 1;
	ev.nr_frames = 1;
	ev.flags = FL_F_STACK;
	ev.frames[0] = more[1].addr + 0x10;
	fl_dump_event(w, &ev);
	assert_int_equal(fl_dump_close(w, 1.0), 0);

	assert_int_equal(read_dump(NULL, 0, &m, &ri, &e), 0);
	assert_int_equal(ri.nattach, 2);
	assert_string_equal(ri.attach[0].status, "attached");
	assert_false(ri.attach[0].late);
	assert_string_equal(ri.attach[1].status, "attached");
	assert_true(ri.attach[1].late);
	assert_true(ri.attach[1].late_s == 12.5);
	assert_string_equal(ri.attach[1].module, "xfs");
	assert_true(fl_fs_flags(xfs) & FL_RULE_MAP_PAGES_LOCKED);
	assert_string_equal(fl_dump_symname(&m, more[1].addr + 0x10), "xfs_free_file_space");
	done(&m, &ri, e);
	fl_rules_set_flags(xfs, flags);
	unlink(path);
}


/* A new dump at path, its header written. */
static struct fl_dump_writer *new_dump(const struct fl_run_info *ri, const struct fl_ksyms *ks)
{
	struct fl_dump_meta dm = { 0 };
	struct fl_dump_writer *w;

	snprintf(path, sizeof(path), "/tmp/fl-test-dump.XXXXXX");
	close(mkstemp(path));
	w = fl_dump_create(path, 0);
	assert_non_null(w);
	assert_int_equal(fl_dump_start(w, ri, &dm, ks), 0);
	return w;
}

/*
 * A dump of run info alone (no event) at path; with the closing records,
 * and a PRECISE record among them when asked.
 */
static void write_meta_dump(const struct fl_run_info *ri, bool closing, bool precise)
{
	struct fl_ksyms ks = { .syms = syms, .n = 2 };
	struct fl_dump_writer *w = new_dump(ri, &ks);

	if (closing)
		fl_dump_closing(w);
	if (precise)
		assert_int_equal(fl_dump_precise(w, ri), 0);
	assert_int_equal(fl_dump_close(w, 1.0), 0);
}
/*
 * Whether precise tracking's records could decide (BPF programs not
 * preemptible) travels in the header: `faultline report` explains the
 * unknowns as the live run did.  Older dumps, without it, decided.
 */
static void test_bpf_preempt(void **state)
{
	static const struct { const char *locks; int preempt, want; } cases[] = {
		{ "precise", 1, 1 }, { "precise", -1, -1 }, { "precise", 0, 0 },
		{ "lock-word", 1, 0 },	/* not written: only precise asks */
	};
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct fl_run_info ri = { .kernel = "test", .locks = cases[i].locks,
					  .attach_mode = "auto", .ncpus = 2,
					  .bpf_preempt = cases[i].preempt };
		struct fl_dump_meta_in m;
		struct fl_engine *e;

		write_meta_dump(&ri, false, false);
		assert_int_equal(read_dump(NULL, 0, &m, &ri, &e), 0);
		assert_string_equal(ri.locks, cases[i].locks);
		assert_int_equal(ri.bpf_preempt, cases[i].want);
		done(&m, &ri, e);
		unlink(path);
	}
}

/*
 * Precise tracking's skipped hook runs travel in a PRECISE record at the
 * end: `faultline report` judges completeness as the live run did.  A
 * dump without one says nothing about them; a record whose holds exceed
 * its total is damage (the dump reads as partial).
 */
static void test_precise_skipped(void **state)
{
	static const struct { bool write; uint64_t all, holds; bool known, complete; } cases[] = {
		{ false, 0, 0, false, true }, { true, 7, 5, true, true }, { true, 0, 0, true, true },
		{ true, 3, 4, false, false },
	};
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct fl_run_info ri = { .kernel = "test", .locks = "precise",
					  .attach_mode = "auto", .ncpus = 2,
					  .precise_skipped_known = true,
					  .precise_skipped = cases[i].all,
					  .precise_skipped_holds = cases[i].holds };
		struct fl_dump_meta_in m;
		struct fl_engine *e;

		write_meta_dump(&ri, true, cases[i].write);
		assert_int_equal(read_dump(NULL, 0, &m, &ri, &e), 0);
		assert_int_equal(m.complete, cases[i].complete);
		assert_int_equal(ri.precise_skipped_known, cases[i].known);
		if (cases[i].known) {
			assert_int_equal(ri.precise_skipped, cases[i].all);
			assert_int_equal(ri.precise_skipped_holds, cases[i].holds);
		}
		done(&m, &ri, e);
		unlink(path);
	}
}

/*
 * A record of the largest size a dump may hold (a later faultline's, so
 * skipped) between events: written whole, read whole from the file (the
 * reader's buffer holds it), and the events after it are all there.
 */
static void test_largest_record(void **state)
{
	struct fl_run_info ri = { .kernel = "test", .locks = "lock-word", .attach_mode = "auto",
				  .ncpus = 2 };
	struct fl_dump_writer *w;
	struct fl_dump_meta_in m;
	struct fl_engine *e;
	unsigned char *big = calloc(1, FL_DUMP_MAX_REC);

	(void)state;
	assert_non_null(big);
	w = new_dump(&ri, NULL);
	for (int i = 0; i < NEV; i++) {
		if (i == NEV / 2)
			assert_int_equal(fl_dump_record(w, FL_REC_TYPE_MAX + 7, big,
							 FL_DUMP_MAX_REC, NULL, 0), 0);
		assert_int_equal(fl_dump_event(w, &written[i]), 0);
	}
	assert_int_not_equal(fl_dump_record(w, FL_REC_TYPE_MAX + 7, big, FL_DUMP_MAX_REC + 1,
					    NULL, 0), 0);
	assert_int_equal(fl_dump_close(w, 1.0), 0);
	free(big);
	assert_int_equal(read_dump(NULL, 0, &m, &ri, &e), 0);
	assert_true(m.complete);
	assert_int_equal(ngot, NEV);
	for (int i = 0; i < NEV; i++)
		assert_memory_equal(&got[i], &written[i], sizeof(got[i]));
	done(&m, &ri, e);
	unlink(path);
}

/*
 * Events of one length back to back, their CRCs checked four at a time: a
 * byte flipped in any record of a group of four, or in its CRC, stops the
 * read at that record and keeps every event before it.
 */
static void test_flip_in_a_run(void **state)
{
	struct fl_run_info ri = { .kernel = "test", .locks = "lock-word", .attach_mode = "auto",
				  .ncpus = 2 };
	struct fl_dump_writer *w;
	struct fl_dump_meta_in m;
	struct fl_engine *e;
	struct fl_event plain[40];
	size_t len, first;
	unsigned char *buf;

	(void)state;
	w = new_dump(&ri, NULL);
	for (int i = 0; i < 40; i++) {
		plain[i] = written[i];
		plain[i].nr_frames = 0;
		plain[i].flags = 0;
		memset(plain[i].frames, 0, sizeof(plain[i].frames));
		assert_int_equal(fl_dump_event(w, &plain[i]), 0);
	}
	assert_int_equal(fl_dump_close(w, 1.0), 0);
	buf = slurp(&len);
	/* the first event record: after the preamble and the header record */
	first = FL_DUMP_PREAMBLE + sizeof(struct fl_rec_hdr) +
		((struct fl_rec_hdr *)(buf + FL_DUMP_PREAMBLE))->len;
	for (int k = 0; k < 12; k++) {
		size_t rec = sizeof(struct fl_rec_hdr) + FL_EVENT_HEAD;
		/* the CRC field, or a byte of the payload further on each time */
		size_t at = first + k * rec + (k % 3 ? sizeof(struct fl_rec_hdr) + k * 9 : 8);

		buf[at] ^= 0x10;
		assert_int_equal(read_dump(buf, len, &m, &ri, &e), 0);
		assert_false(m.complete);
		assert_non_null(strstr(m.why, "checksum mismatch"));
		assert_int_equal(ngot, k);
		for (int i = 0; i < k; i++)
			assert_memory_equal(&got[i], &plain[i], sizeof(got[i]));
		done(&m, &ri, e);
		buf[at] ^= 0x10;
	}
	assert_int_equal(read_dump(buf, len, &m, &ri, &e), 0);
	assert_true(m.complete);
	assert_int_equal(ngot, 40);
	done(&m, &ri, e);
	free(buf);
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_every_prefix),
		cmocka_unit_test(test_max_size),
		cmocka_unit_test(test_settle_in_order),
		cmocka_unit_test(test_late_module),
		cmocka_unit_test(test_bpf_preempt),
		cmocka_unit_test(test_precise_skipped),
		cmocka_unit_test(test_largest_record),
		cmocka_unit_test(test_flip_in_a_run),
	};

	make_events();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
