// SPDX-License-Identifier: GPL-2.0
/*
 * Reading a kallsyms file: text symbols only, hidden (zero) addresses and
 * malformed lines skipped, module names without their "[module]", out of
 * order module symbols sorted; and the symbolizer loading it in a thread
 * of its own (fl_symbolizer_start / _ready), as the live consumer does.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "ksyms.h"

static const char kallsyms[] =
	"ffffffff81000000 T _stext\n"
	"ffffffff81000100 t short_fn\n"
	"0000000000000000 T hidden\n"
	"ffffffff82000000 D some_data\n"
	"not a symbol line\n"
	"ffffffff8100zz00 T bad_hex\n"
	"\n"
	"ffffffffc0001000 t mod_fn\t[zoo]\n"
	"ffffffffc0000800 T mod_fn2\t[zoo]\n"
	"ffffffff81000200 T last_core";	/* no newline at the end */

static char path[] = "/tmp/fl-test-ksyms.XXXXXX";

static void write_file(const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, strlen(text), f), strlen(text));
	assert_int_equal(fclose(f), 0);
}

static int setup(void **state)
{
	int fd = mkstemp(path);

	(void)state;
	if (fd < 0)
		return -1;
	close(fd);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	unlink(path);
	return 0;
}

static void expect_sym(const struct fl_ksyms *ks, uint64_t addr, const char *name, uint64_t off)
{
	uint64_t o = ~0ULL;
	const struct fl_ksym *s = fl_ksyms_find(ks, addr, &o);

	assert_non_null(s);
	assert_string_equal(s->name, name);
	assert_int_equal(o, off);
}

static void test_load(void **state)
{
	struct fl_ksyms *ks;

	(void)state;
	write_file(kallsyms);
	ks = fl_ksyms_load(path);
	assert_non_null(ks);
	assert_int_equal(ks->n, 5);
	for (size_t i = 1; i < ks->n; i++)
		assert_true(ks->syms[i - 1].addr <= ks->syms[i].addr);
	expect_sym(ks, 0xffffffff81000000ULL, "_stext", 0);
	expect_sym(ks, 0xffffffff81000150ULL, "short_fn", 0x50);
	expect_sym(ks, 0xffffffff81000210ULL, "last_core", 0x10);
	expect_sym(ks, 0xffffffffc0000900ULL, "mod_fn2", 0x100);
	expect_sym(ks, 0xffffffffc0001004ULL, "mod_fn", 4);
	assert_null(fl_ksyms_find(ks, 0xffffffff80000000ULL, NULL));
	fl_ksyms_free(ks);

	write_file("");
	errno = 0;
	assert_null(fl_ksyms_load(path));
	assert_int_equal(errno, ENOENT);
	assert_null(fl_ksyms_load("/nonexistent/kallsyms"));
}

static void test_symbolizer_thread(void **state)
{
	struct fl_symbolizer sz = { .path = path };
	struct timespec ms = { 0, 1000000 };
	int waited = 0;

	(void)state;
	write_file(kallsyms);
	assert_false(fl_symbolizer_ready(&sz));	/* not started: not there */
	fl_symbolizer_start(&sz);
	fl_symbolizer_start(&sz);			/* once */
	while (!fl_symbolizer_ready(&sz) && waited++ < 10000)
		nanosleep(&ms, NULL);
	assert_true(fl_symbolizer_ready(&sz));
	assert_string_equal(fl_symbolizer_name(&sz, 0xffffffff81000101ULL), "short_fn");
	fl_symbolizer_free(&sz);

	/* started, then asked at once: get waits for the thread */
	sz = (struct fl_symbolizer){ .path = path };
	fl_symbolizer_start(&sz);
	assert_non_null(fl_symbolizer_get(&sz));
	assert_string_equal(fl_symbolizer_name(&sz, 0xffffffffc0000800ULL), "mod_fn2");
	fl_symbolizer_free(&sz);

	/* started and never asked: freeing waits for it too */
	sz = (struct fl_symbolizer){ .path = path };
	fl_symbolizer_start(&sz);
	fl_symbolizer_free(&sz);
}

/*
 * A module loaded after the symbols were read: reloaded in the background,
 * its function is named; until then the symbolizer is not ready, and the
 * table handed out before stays valid.
 */
static void test_symbolizer_reload(void **state)
{
	struct fl_symbolizer sz = { .path = path };
	const struct fl_ksyms *before;
	int waited = 0;

	(void)state;
	write_file(kallsyms);
	assert_false(fl_symbolizer_reload(&sz));	/* never read: nothing to do */
	before = fl_symbolizer_get(&sz);
	assert_non_null(before);
	/* past the last zoo symbol: named after it, at a far offset */
	assert_string_equal(fl_symbolizer_name(&sz, 0xffffffffc0100010ULL), "mod_fn");
	write_file("ffffffff81000000 T _stext\n"
		   "ffffffffc0001000 t mod_fn\t[zoo]\n"
		   "ffffffffc0100000 t xfs_free_file_space\t[xfs]\n");
	assert_true(fl_symbolizer_reload(&sz));
	expect_sym(before, 0xffffffff81000101ULL, "short_fn", 1);
	while (!fl_symbolizer_ready(&sz) && waited++ < 10000)
		usleep(1000);
	assert_true(fl_symbolizer_ready(&sz));
	assert_string_equal(fl_symbolizer_name(&sz, 0xffffffffc0100010ULL), "xfs_free_file_space");
	expect_sym(before, 0xffffffff81000101ULL, "short_fn", 1);
	fl_symbolizer_free(&sz);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_load),
		cmocka_unit_test(test_symbolizer_thread),
		cmocka_unit_test(test_symbolizer_reload),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
