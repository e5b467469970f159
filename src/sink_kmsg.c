// SPDX-License-Identifier: GPL-2.0
/*
 * Violations in the kernel log, shaped like a lockdep splat, so that the
 * dmesg checks test harnesses already run (fstests' _check_dmesg looks
 * for "WARNING:" since the test's start marker) fail the very test that
 * caused it.  One write per line: /dev/kmsg takes a record per write.
 * Escaped names and one line per record: nothing the traced system named
 * can add a line of its own.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rules.h"
#include "util.h"
#include "watch.h"

struct fl_kmsg {
	int fd;
};

struct fl_kmsg *fl_kmsg_open(void)
{
	struct fl_kmsg *k = fl_xcalloc(1, sizeof(*k));

	k->fd = open("/dev/kmsg", O_WRONLY | O_CLOEXEC);
	if (k->fd < 0) {
		fl_err("--kmsg: /dev/kmsg: %s", strerror(errno));
		free(k);
		return NULL;
	}
	return k;
}

void fl_kmsg_close(struct fl_kmsg *k)
{
	if (!k)
		return;
	close(k->fd);
	free(k);
}

/*
 * <4>: KERN_WARNING, as lockdep's splats.  The first line starts with
 * "WARNING: faultline:" as the harnesses' patterns expect, the rest with
 * "faultline:" so that `dmesg | grep faultline:` gives the whole splat.
 * The newline ends the record: without it printk leaves the record open
 * for a continuation, and readers (dmesg, the dmesg check) do not see it
 * until the kernel logs something else.
 */
static void line(struct fl_kmsg *k, bool first, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int n;

	n = snprintf(buf, sizeof(buf), "<4>%sfaultline: ", first ? "WARNING: " : "");
	va_start(ap, fmt);
	n += vsnprintf(buf + n, sizeof(buf) - n, fmt, ap);
	va_end(ap);
	if (n >= (int)sizeof(buf) - 1)
		n = sizeof(buf) - 2;
	buf[n++] = '\n';
	if (write(k->fd, buf, n) < 0)
		fl_debug("kmsg: %s", strerror(errno));
}

/*
 * Six lines at most: writes to /dev/kmsg are rate limited (10 lines in 5 s
 * unless kernel.printk_devkmsg=on), and a splat cut short loses its end.
 */
void fl_kmsg_violation(struct fl_kmsg *k, const struct fl_engine *e, const struct fl_run_info *ri,
		       const struct fl_violation *v, const char *sig)
{
	const struct fl_event *ev = &v->ev;
	char frames[FL_MAX_FRAMES][160], comm[FL_ESC_LEN(FL_COMM_LEN)], trace[400];
	int n, used = 0;

	(void)e;
	/* the task's name is whatever it set: escaped, it cannot forge a line */
	fl_esc(comm, sizeof(comm), ev->comm, FL_COMM_LEN);
	line(k, true, "%s (%s): %s", fl_rule_info(v->rule)->name,
	     fl_evidence_name(v->evidence), fl_rule_info(v->rule)->summary);
	line(k, false, "task %u (%s) on %s %u:%u ino %llu; invalidate_lock: %s; i_rwsem: %s", ev->pid,
	     comm, fl_fs_name(ev->fs_magic), fl_kdev_major(ev->inode.dev),
	     fl_kdev_minor(ev->inode.dev), (unsigned long long)ev->inode.ino,
	     fl_lock_state_name(ev->inval_lock), fl_lock_state_name(ev->i_rwsem));
	/* the call trace, innermost first, as many frames as two lines hold */
	n = fl_report_frames(ri, ev, frames, FL_MAX_FRAMES);
	for (int i = 0, l = 0; i < n && l < 2; i++) {
		int len = strlen(frames[i]);

		if (used && used + 3 + len >= (int)sizeof(trace) - 1) {
			line(k, false, "Call Trace: %s", trace);
			used = 0;
			l++;
			if (l == 2)
				break;
		}
		used += snprintf(trace + used, sizeof(trace) - used, "%s%s", used ? " < " : "",
				 frames[i]);
	}
	if (used)
		line(k, false, "Call Trace: %s", trace);
	line(k, false, "---[ end trace faultline %s ]---", sig);
}
