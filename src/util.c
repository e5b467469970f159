// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

int fl_verbose;

static void vlog(const char *prefix, const char *fmt, va_list ap)
{
	fprintf(stderr, "faultline: %s", prefix);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void fl_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog("", fmt, ap);
	va_end(ap);
}

void fl_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog("warning: ", fmt, ap);
	va_end(ap);
}

void fl_err(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog("error: ", fmt, ap);
	va_end(ap);
}

void fl_debug(const char *fmt, ...)
{
	va_list ap;

	if (!fl_verbose)
		return;
	va_start(ap, fmt);
	vlog("debug: ", fmt, ap);
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
