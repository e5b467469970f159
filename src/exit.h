/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The exit status of check, record, demo and report, computed in one
 * place from the verdict the reports print (util.h has the bits).
 */
#ifndef FL_EXIT_H
#define FL_EXIT_H

#include <stdbool.h>

#include "engine.h"
#include "report.h"

/* Did the traced command fail: exit nonzero, killed, or never reaped? */
bool fl_cmd_failed(const struct fl_cmd_fate *cmd);
/* FL_EXIT_VIOLATIONS | FL_EXIT_INCOMPLETE | FL_EXIT_CMD_FAILED, or 0. */
int fl_exit_status(const struct fl_engine *e, const struct fl_run_info *ri);

#endif
