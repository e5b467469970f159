// SPDX-License-Identifier: GPL-2.0
/*
 * The parked-event queue (live.c parks events there while the kernel's
 * symbols load): events come out whole and in order, with their frames,
 * however pushes and pops interleave; it stops at its maximum instead of
 * growing past it; which events wait for symbols at all.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "engine.h"
#include "evqueue.h"

/* Event @i: its own fields, and i % 33 frames that say whose they are. */
static struct fl_event ev_of(unsigned int i)
{
	struct fl_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.type = FL_EV_INSERT;
	ev.ts = 1000 + i;
	ev.pid = i;
	ev.start = (uint64_t)i << 12;
	ev.end = ev.start + 4096;
	ev.nr_frames = i % (FL_MAX_FRAMES + 1);
	if (ev.nr_frames)
		ev.flags = FL_F_STACK;
	for (unsigned int f = 0; f < ev.nr_frames; f++)
		ev.frames[f] = ((uint64_t)i << 8) | f;
	return ev;
}

static void expect(const struct fl_event *got, unsigned int i)
{
	struct fl_event want = ev_of(i);

	assert_memory_equal(got, &want, sizeof(want));
}

static void test_order_and_frames(void **state)
{
	struct fl_evq q;
	struct fl_event ev;
	unsigned int in = 0, out = 0;

	(void)state;
	fl_evq_init(&q, 64 << 20);
	assert_false(fl_evq_pop(&q, &ev));
	/* interleaved: the front is drained while the back grows and moves */
	for (int round = 0; round < 50; round++) {
		for (int k = 0; k < 3000; k++) {
			ev = ev_of(in++);
			assert_int_equal(fl_evq_push(&q, &ev), 0);
		}
		for (int k = 0; k < 2000; k++) {
			memset(&ev, 0xa5, sizeof(ev));
			assert_true(fl_evq_pop(&q, &ev));
			expect(&ev, out++);
		}
	}
	assert_int_equal(q.n, in - out);
	while (fl_evq_pop(&q, &ev))
		expect(&ev, out++);
	assert_int_equal(out, in);
	assert_int_equal(q.n, 0);
	assert_int_equal(q.pushed, in);
	assert_int_equal(q.peak, 50 * 1000 + 2000);
	fl_evq_free(&q);
}

static void test_bounded(void **state)
{
	struct fl_evq q;
	struct fl_event ev = ev_of(FL_MAX_FRAMES);	/* the longest */
	unsigned int n = 0;

	(void)state;
	fl_evq_init(&q, 1 << 20);
	while (fl_evq_push(&q, &ev) == 0)
		n++;
	assert_int_equal(fl_evq_push(&q, &ev), -ENOSPC);
	assert_true(q.cap <= 1 << 20);
	assert_true(n >= (1 << 20) / (sizeof(ev) + sizeof(unsigned short)));
	/* what was taken is all there, and room comes back */
	for (unsigned int i = 0; i < n; i++) {
		assert_true(fl_evq_pop(&q, &ev));
		assert_int_equal(ev.nr_frames, FL_MAX_FRAMES);
	}
	assert_int_equal(fl_evq_push(&q, &ev), 0);
	fl_evq_free(&q);
}

static void test_names_frames(void **state)
{
	struct fl_event ev = ev_of(5);

	(void)state;
	/* judged with their stacks: these wait for the symbols */
	assert_true(fl_engine_names_frames(&ev));
	ev.type = FL_EV_DELETE;
	assert_true(fl_engine_names_frames(&ev));
	ev.type = FL_EV_FOLIO_USE;
	assert_true(fl_engine_names_frames(&ev));
	/* no stack, an fs-internal inode, or a stack only the report shows */
	ev.flags = 0;
	assert_false(fl_engine_names_frames(&ev));
	ev.flags = FL_F_STACK | FL_F_INTERNAL;
	assert_false(fl_engine_names_frames(&ev));
	ev.flags = FL_F_STACK;
	ev.type = FL_EV_INVAL_STEP;
	assert_false(fl_engine_names_frames(&ev));
	ev.type = FL_EV_LOCK_ACQ;
	assert_false(fl_engine_names_frames(&ev));
}

static unsigned int named;

static const char *count_names(void *ctx, uint64_t addr)
{
	(void)ctx;
	(void)addr;
	named++;
	return NULL;
}

/*
 * The predicate against the engine itself: whatever an event with a
 * stack is (type, lock states, filesystem, flags), if feeding it names a
 * frame, fl_engine_names_frames() said so beforehand.
 */
static void test_names_frames_engine(void **state)
{
	static const unsigned int locks[] = {
		FL_LOCK_NA, FL_LOCK_FREE, FL_LOCK_EXCL_ME, FL_LOCK_SHARED_ME,
		FL_LOCK_EXCL_OTHER, FL_LOCK_SHARED_OTHER, FL_LOCK_READERS_NOT_ME,
	};
	static const uint32_t magics[] = { 0xEF53u, 0x58465342u, 0x7a6f6f66u };
	static const uint16_t flags[] = { 0, FL_F_IN_WINDOW, FL_F_PRECISE, FL_F_CANDIDATE };
	unsigned int checked = 0, naming = 0;

	(void)state;
	for (unsigned int t = FL_EV_NONE + 1; t < FL_EV_TYPE_MAX; t++)
	for (unsigned int a = 0; a < sizeof(locks) / sizeof(locks[0]); a++)
	for (unsigned int b = 0; b < sizeof(locks) / sizeof(locks[0]); b++)
	for (unsigned int m = 0; m < sizeof(magics) / sizeof(magics[0]); m++)
	for (unsigned int f = 0; f < sizeof(flags) / sizeof(flags[0]); f++) {
		struct fl_engine *e = fl_engine_new(count_names, NULL);
		struct fl_event ev = ev_of(3);

		ev.type = t;
		ev.flags |= flags[f];
		ev.inval_lock = locks[a];
		ev.i_rwsem = locks[b];
		ev.fs_magic = magics[m];
		ev.aux = FL_IOMAP_WRITE | (ev.end + 4096);	/* write-like, and past the folio */
		named = 0;
		fl_engine_feed(e, &ev);
		if (named)
			naming++;
		assert_true(!named || fl_engine_names_frames(&ev));
		checked++;
		fl_engine_free(e);
	}
	/* the check has teeth: some of these events do name frames */
	assert_true(naming > 0);
	assert_true(checked > 1000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_order_and_frames),
		cmocka_unit_test(test_bounded),
		cmocka_unit_test(test_names_frames),
		cmocka_unit_test(test_names_frames_engine),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
