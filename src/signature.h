/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A violation's signature: which bug it is, the same on every host, boot
 * and build of one kernel source, so that a fleet counts one bug once.
 */
#ifndef FL_SIGNATURE_H
#define FL_SIGNATURE_H

#include "engine.h"
#include "report.h"

#define FL_SIG_LEN	17	/* 16 hex digits and the NUL */

/*
 * The rule and the code path: the functions of the stack (without
 * offsets, addresses or faultline's own frames), for lock order the
 * classes of the edge or of the whole cycle.  Needs ri->ksyms.
 */
void fl_signature(const struct fl_engine *e, const struct fl_run_info *ri,
		  const struct fl_violation *v, char out[FL_SIG_LEN]);

#endif
