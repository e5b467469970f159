// SPDX-License-Identifier: GPL-2.0
/*
 * One exit contract for every command that reaches a verdict.  Each bit
 * is what the report says: violations listed, "complete": false in the
 * JSON (LOST EVENTS / PARTIAL in the text), the command's fate line.
 */
#include <sys/wait.h>

#include "exit.h"
#include "util.h"

bool fl_cmd_failed(const struct fl_cmd_fate *cmd)
{
	if (!cmd->argv)
		return false;
	if (!cmd->reaped)
		return true;
	return !WIFEXITED(cmd->status) || WEXITSTATUS(cmd->status) != 0;
}

int fl_exit_status(const struct fl_engine *e, const struct fl_run_info *ri)
{
	int status = FL_EXIT_CLEAN;

	if (e->nviol || e->viol_dropped)
		status |= FL_EXIT_VIOLATIONS;
	if (!fl_report_complete(e, ri))
		status |= FL_EXIT_INCOMPLETE;
	if (fl_cmd_failed(&ri->cmd))
		status |= FL_EXIT_CMD_FAILED;
	return status;
}
