// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

int fl_verbose;

/* One byte as fl_esc() writes it; returns its length (1, 2 or 4). */
static size_t esc1(unsigned char c, char e[4])
{
	static const char hex[] = "0123456789abcdef";
	/* the escapes C names; every other byte is \xNN */
	static const char named[256] = { ['\\'] = '\\', ['\n'] = 'n', ['\r'] = 'r', ['\t'] = 't' };

	if (c >= 0x20 && c < 0x7f && c != '\\') {
		e[0] = c;
		return 1;
	}
	e[0] = '\\';
	if (named[c]) {
		e[1] = named[c];
		return 2;
	}
	e[1] = 'x';
	e[2] = hex[c >> 4];
	e[3] = hex[c & 15];
	return 4;
}

const char *fl_esc(char *buf, size_t len, const char *s, size_t max)
{
	size_t need = 0, o = 0, room;
	char e[4];

	if (!len)
		return buf;
	for (size_t i = 0; i < max && s[i]; i++)
		need += esc1(s[i], e);
	/* cut: whole escapes only, then "..." */
	room = need < len ? need : len > 4 ? len - 4 : 0;
	for (size_t i = 0; i < max && s[i]; i++) {
		size_t n = esc1(s[i], e);

		if (o + n > room)
			break;
		memcpy(buf + o, e, n);
		o += n;
	}
	if (need >= len)
		o += snprintf(buf + o, len - o, "...");
	buf[o < len ? o : len - 1] = 0;
	return buf;
}

/*
 * Every message is one line: names interpolated into it are escaped with
 * the rest of it (fl_esc), so none can forge another line on stderr.
 */
static void vlog(const char *prefix, const char *fmt, va_list ap)
{
	char *msg = NULL, *esc;
	size_t n;

	if (vasprintf(&msg, fmt, ap) < 0) {
		fprintf(stderr, "faultline: %s(message lost: out of memory)\n", prefix);
		return;
	}
	n = strlen(msg);
	esc = malloc(FL_ESC_LEN(n));
	fprintf(stderr, "faultline: %s%s\n", prefix,
		esc ? fl_esc(esc, FL_ESC_LEN(n), msg, n) : "(message lost: out of memory)");
	free(esc);
	free(msg);
}

void fl_log(enum fl_log_level level, const char *fmt, ...)
{
	static const char *const prefix[] = {
		[FL_LOG_INFO] = "", [FL_LOG_WARN] = "warning: ", [FL_LOG_ERR] = "error: ",
		[FL_LOG_DEBUG] = "debug: ",
	};
	va_list ap;

	if (level == FL_LOG_DEBUG && !fl_verbose)
		return;
	va_start(ap, fmt);
	vlog(prefix[level], fmt, ap);
	va_end(ap);
}

uint64_t fl_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

uint32_t fl_kdev(unsigned long long udev)
{
	return (major(udev) << 20) | (minor(udev) & 0xfffff);
}

unsigned int fl_kdev_major(uint32_t kdev)
{
	return kdev >> 20;
}

unsigned int fl_kdev_minor(uint32_t kdev)
{
	return kdev & 0xfffff;
}

int fl_run(const char *const argv[])
{
	int status;
	pid_t pid;

	fl_debug("run: %s %s", argv[0], argv[1] ? argv[1] : "");
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		if (!fl_verbose) {
			int fd = open("/dev/null", O_WRONLY);

			if (fd >= 0) {
				dup2(fd, STDOUT_FILENO);
				dup2(fd, STDERR_FILENO);
			}
		}
		execvp(argv[0], (char *const *)argv);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

bool fl_grow(void **arr, size_t *cap, size_t n, size_t size, size_t first)
{
	size_t c;
	void *a;

	if (n < *cap)
		return true;
	c = *cap ? *cap * 2 : first;
	a = realloc(*arr, c * size);
	if (!a)
		return false;
	*arr = a;
	*cap = c;
	return true;
}

void *fl_xcalloc(size_t n, size_t size)
{
	void *p = calloc(n, size);

	if (!p) {
		fl_err("out of memory");
		exit(FL_EXIT_ENV);
	}
	return p;
}

char *fl_xstrdup(const char *s)
{
	char *p = strdup(s);

	if (!p) {
		fl_err("out of memory");
		exit(FL_EXIT_ENV);
	}
	return p;
}

int fl_write_atomic(const char *path, const char *data, size_t len, const char *tail)
{
	size_t tlen = tail ? strlen(tail) : 0;
	char tmp[PATH_MAX];
	int fd, err = 0;

	if (snprintf(tmp, sizeof(tmp), "%s.tmpXXXXXX", path) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	fd = mkstemp(tmp);
	if (fd < 0)
		return -errno;
	if (write(fd, data, len) != (ssize_t)len ||
	    (tlen && write(fd, tail, tlen) != (ssize_t)tlen) || fsync(fd))
		err = -EIO;
	if (fchmod(fd, 0644))
		err = err ? err : -errno;
	close(fd);
	if (!err && rename(tmp, path))
		err = -errno;
	if (err)
		unlink(tmp);
	return err;
}

long fl_file_field(const char *path, const char *key)
{
	size_t cap = 0, klen = strlen(key);
	char *line = NULL, *num, *end;
	FILE *f = fopen(path, "re");
	long v = -1;

	if (!f)
		return -1;
	while (getline(&line, &cap, f) > 0) {
		if (strncmp(line, key, klen) || line[klen] != ':')
			continue;
		num = line + klen + 1;
		v = strtol(num, &end, 10);
		if (end != num)
			break;
		v = -1;
	}
	fclose(f);
	free(line);
	return v;
}
