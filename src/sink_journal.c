// SPDX-License-Identifier: GPL-2.0
/*
 * The systemd journal and service manager, through libsystemd: a violation
 * becomes a structured entry (`journalctl FAULTLINE_RULE=fault-unlocked`
 * finds it, MESSAGE_ID names the rule), and a service tells systemd when it
 * is ready, how it fares and that it is alive.  Built without libsystemd
 * (the static binary: Debian ships no libsystemd.a), the journal is
 * refused and the notifications are no-ops.
 */
#include <stdlib.h>
#include <string.h>

#include "rules.h"
#include "util.h"
#include "watch.h"

#ifdef FL_HAVE_SYSTEMD
#include <systemd/sd-daemon.h>
#include <systemd/sd-journal.h>

bool fl_journal_available(void)
{
	return true;
}

bool fl_journal_under_systemd(void)
{
	/* set by systemd for its services (JOURNAL_STREAM: stdout is the journal) */
	return getenv("INVOCATION_ID") && getenv("JOURNAL_STREAM");
}

int fl_journal_violation(const struct fl_engine *e, const struct fl_run_info *ri,
			 const struct fl_violation *v, const char *sig)
{
	const struct fl_event *ev = &v->ev;
	char frames[FL_MAX_FRAMES][160], stack[FL_MAX_FRAMES * 161] = "";
	char comm[FL_COMM_LEN + 1], comm_esc[FL_ESC_LEN(FL_COMM_LEN)];
	int n, r;

	(void)e;
	n = fl_report_frames(ri, ev, frames, FL_MAX_FRAMES);
	for (int i = 0; i < n; i++) {
		strcat(stack, frames[i]);
		if (i + 1 < n)
			strcat(stack, "\n");
	}
	memcpy(comm, ev->comm, FL_COMM_LEN);
	comm[FL_COMM_LEN] = 0;
	/*
	 * The journal keeps field values as bytes: FAULTLINE_COMM is the name
	 * as the task set it; MESSAGE, which journalctl prints as a line, has
	 * it escaped so that no name can add a line of its own.
	 */
	fl_esc(comm_esc, sizeof(comm_esc), ev->comm, FL_COMM_LEN);
	r = sd_journal_send("MESSAGE=faultline: %s (%s) on %s %u:%u ino %llu by %s (%u), "
			    "signature %s", fl_rule_info(v->rule)->name,
			    fl_evidence_name(v->evidence), fl_fs_name(ev->fs_magic),
			    fl_kdev_major(ev->inode.dev), fl_kdev_minor(ev->inode.dev),
			    (unsigned long long)ev->inode.ino, comm_esc, ev->pid, sig,
			    "PRIORITY=%d", 4,
			    "MESSAGE_ID=%s", fl_rule_info(v->rule)->journal_id,
			    "SYSLOG_IDENTIFIER=faultline",
			    "FAULTLINE_RULE=%s", fl_rule_info(v->rule)->name,
			    "FAULTLINE_EVIDENCE=%s", fl_evidence_name(v->evidence),
			    "FAULTLINE_DEV=%u:%u", fl_kdev_major(ev->inode.dev),
			    fl_kdev_minor(ev->inode.dev),
			    "FAULTLINE_INO=%llu", (unsigned long long)ev->inode.ino,
			    "FAULTLINE_PATH=%s", v->path ? v->path : "",
			    "FAULTLINE_PID=%u", ev->pid,
			    "FAULTLINE_COMM=%s", comm,
			    "FAULTLINE_STACK=%s", stack,
			    "FAULTLINE_SIGNATURE=%s", sig,
			    NULL);
	return r < 0 ? r : 0;
}

void fl_notify(const char *state)
{
	sd_notify(0, state);
}

bool fl_notify_watchdog(void)
{
	return sd_watchdog_enabled(0, NULL) > 0;
}
#else
bool fl_journal_available(void)
{
	return false;
}

bool fl_journal_under_systemd(void)
{
	return false;
}

int fl_journal_violation(const struct fl_engine *e, const struct fl_run_info *ri,
			 const struct fl_violation *v, const char *sig)
{
	(void)e;
	(void)ri;
	(void)v;
	(void)sig;
	return -1;
}

void fl_notify(const char *state)
{
	(void)state;
}

bool fl_notify_watchdog(void)
{
	return false;
}
#endif
