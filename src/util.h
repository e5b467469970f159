/* SPDX-License-Identifier: GPL-2.0 */
#ifndef FL_UTIL_H
#define FL_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/*
 * Exit statuses of every command: bits, as fsck(8)'s, so that a CI can
 * tell every combination apart (exit.h computes them).  FL_EXIT_ENV is
 * never combined with the others: when faultline fails it claims nothing.
 */
#define FL_EXIT_CLEAN		0	/* no violation, complete, command exited 0 */
#define FL_EXIT_VIOLATIONS	1
#define FL_EXIT_ENV		2	/* usage, environment, load, output error */
#define FL_EXIT_INCOMPLETE	4	/* "complete": false (fl_report_complete) */
#define FL_EXIT_CMD_FAILED	8	/* the traced command exited nonzero or was killed */

extern int fl_verbose;

/*
 * One line on stderr, "faultline: " and the level's word first, escaped
 * whole (names from the traced system in it forge no line); debug only
 * with -v.  Called through fl_info(), fl_warn(), fl_err(), fl_debug().
 */
enum fl_log_level { FL_LOG_INFO, FL_LOG_WARN, FL_LOG_ERR, FL_LOG_DEBUG };

void fl_log(enum fl_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#define fl_info(...)	fl_log(FL_LOG_INFO, __VA_ARGS__)
#define fl_warn(...)	fl_log(FL_LOG_WARN, __VA_ARGS__)
#define fl_err(...)	fl_log(FL_LOG_ERR, __VA_ARGS__)
#define fl_debug(...)	fl_log(FL_LOG_DEBUG, __VA_ARGS__)

uint64_t fl_now_ns(void);	/* CLOCK_MONOTONIC, the clock of bpf_ktime_get_ns */

/* Kernel dev_t encoding (major << 20 | minor) from a user-space one. */
uint32_t fl_kdev(unsigned long long udev);
unsigned int fl_kdev_major(uint32_t kdev);
unsigned int fl_kdev_minor(uint32_t kdev);

/* Run a program and wait; returns its exit status or -1.  Output is
 * discarded unless verbose. */
int fl_run(const char *const argv[]);

/*
 * Untrusted bytes (task names, file names, mount points, fs types, command
 * arguments) for the text report and stderr, escaped the way the kernel's
 * string_escape_mem() does for %*pE: printable ASCII stays, a backslash is
 * doubled, \n \r \t are named and every other control byte, DEL and each
 * byte >= 0x80 becomes \xNN.  So no name can forge a report line or send a
 * terminal escape sequence, and the original bytes can be read back.  At
 * most @max bytes of @s are read (a comm from a dump may lack its NUL).
 * Returns @buf; an escaped string longer than @len is cut at a whole
 * escape and ends in "...".  FL_ESC_LEN(n) fits any n bytes.
 */
#define FL_ESC_LEN(n)	(4 * (n) + 1)
const char *fl_esc(char *buf, size_t len, const char *s, size_t max);

void *fl_xcalloc(size_t n, size_t size);
/*
 * Room for one more element in the array *@arr of @n used and *@cap
 * allocated elements of @size bytes: when full, the capacity doubles (from
 * @first).  False when out of memory, the array left as it was.  Callers
 * pass (void **)&their_array, as dump_read.c's grow() does.
 */
bool fl_grow(void **arr, size_t *cap, size_t n, size_t size, size_t first);
/*
 * Write @data (and @tail) to @path whole or not at all: a temporary file
 * beside it, fsync, rename.  Mode 0644.  0 or -errno.
 */
int fl_write_atomic(const char *path, const char *data, size_t len, const char *tail);
char *fl_xstrdup(const char *s);
/*
 * The number after "@key:" on the first line of @path that starts so, as
 * /proc's status and fdinfo files write theirs; -1 without the file or line.
 */
long fl_file_field(const char *path, const char *key);

#endif
