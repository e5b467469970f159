/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The unit tests' view of both reporters: the text report as a string and
 * the JSON report parsed back, as a reader of either would see them.
 * Include after <cmocka.h>, <json-c/json.h> and "report.h".
 */
#ifndef FL_TEST_REPORT_UTIL_H
#define FL_TEST_REPORT_UTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

/* fl_report_text() into a string the caller frees. */
static inline char *render(const struct fl_engine *e, const struct fl_run_info *ri)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	assert_non_null(f);
	fl_report_text(f, e, ri);
	fclose(f);
	return text;
}

/* fl_report_json() written to a temporary file and read back; json_object_put() it. */
static inline json_object *render_json(const struct fl_engine *e, const struct fl_run_info *ri)
{
	char path[] = "/tmp/faultline-test-report.XXXXXX";
	json_object *root;
	int fd;

	fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(fl_report_json(path, e, ri), 0);
	root = json_object_from_file(path);
	unlink(path);
	assert_non_null(root);
	return root;
}

#endif
