// SPDX-License-Identifier: GPL-2.0
/*
 * The signatures a watch has alerted (src/sigset.c): each alerted once;
 * a full set alerts nothing new, and above all not the same signature
 * again and again (which a set that cannot remember it would do on every
 * occurrence: a pager storm); what was not alerted is counted.
 */
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <cmocka.h>

#include "sigset.h"

#define MAX	4096	/* watch's bound: FL_MAX_VIOLATIONS */

/* Signature @i as fl_signature writes them: 16 hex digits of a hash. */
static void sig_of(uint64_t i, char out[FL_SIG_LEN])
{
	uint64_t h = (i + 1) * 0x9e3779b97f4a7c15ull;

	snprintf(out, FL_SIG_LEN, "%016" PRIx64, h);
}

static void test_once_per_signature(void **state)
{
	struct fl_sigset s;
	char a[FL_SIG_LEN], b[FL_SIG_LEN];

	(void)state;
	fl_sigset_init(&s, MAX);
	sig_of(1, a);
	sig_of(2, b);
	assert_true(fl_sigset_first(&s, a));
	assert_false(fl_sigset_first(&s, a));
	assert_true(fl_sigset_first(&s, b));
	for (int k = 0; k < 100; k++) {
		assert_false(fl_sigset_first(&s, a));
		assert_false(fl_sigset_first(&s, b));
	}
	assert_int_equal(s.n, 2);
	assert_int_equal(s.dropped, 0);
	fl_sigset_free(&s);
}

static void test_full_never_realerts(void **state)
{
	struct fl_sigset s;
	char sig[FL_SIG_LEN];

	(void)state;
	fl_sigset_init(&s, MAX);
	for (uint64_t i = 0; i < MAX; i++) {
		sig_of(i, sig);
		assert_true(fl_sigset_first(&s, sig));
	}
	assert_int_equal(s.n, MAX);
	/* full: a new signature seen 50 times pages nobody, not even once */
	sig_of(MAX, sig);
	for (int k = 0; k < 50; k++)
		assert_false(fl_sigset_first(&s, sig));
	assert_int_equal(s.dropped, 50);
	/* another new one: counted too */
	sig_of(MAX + 1, sig);
	assert_false(fl_sigset_first(&s, sig));
	assert_int_equal(s.dropped, 51);
	/* the remembered ones stay silent, and are not counted as dropped */
	for (uint64_t i = 0; i < MAX; i++) {
		sig_of(i, sig);
		assert_false(fl_sigset_first(&s, sig));
	}
	assert_int_equal(s.n, MAX);
	assert_int_equal(s.dropped, 51);
	fl_sigset_free(&s);
}

/* A small set: full after three, which stay found among the probes. */
static void test_small_set(void **state)
{
	struct fl_sigset s;
	char sig[FL_SIG_LEN];

	(void)state;
	fl_sigset_init(&s, 3);
	for (uint64_t i = 0; i < 3; i++) {
		sig_of(i, sig);
		assert_true(fl_sigset_first(&s, sig));
	}
	for (uint64_t i = 3; i < 40; i++) {
		sig_of(i, sig);
		assert_false(fl_sigset_first(&s, sig));
	}
	for (uint64_t i = 0; i < 3; i++) {
		sig_of(i, sig);
		assert_false(fl_sigset_first(&s, sig));
	}
	assert_int_equal(s.dropped, 37);
	fl_sigset_free(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_once_per_signature),
		cmocka_unit_test(test_full_never_realerts),
		cmocka_unit_test(test_small_set),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
