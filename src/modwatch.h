/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Kernel modules loaded while faultline runs: the ones with BTF, which are
 * the only ones BPF can hook (tp_btf, fentry), as they become live.
 */
#ifndef FL_MODWATCH_H
#define FL_MODWATCH_H

#include <stdbool.h>
#include <stddef.h>

#define FL_MODWATCH_DIR	"/sys/kernel/btf"
/* MODULE_NAME_LEN: a module name and its NUL */
#define FL_MODNAME_LEN	56

struct fl_modwatch;

/* Remembers the modules loaded now: they are not news.  NULL: no memory. */
struct fl_modwatch *fl_modwatch_new(void);
/*
 * The next module loaded since the last call (or the start) whose init has
 * finished (/sys/module/NAME/initstate "live"), into @name; false when
 * there is none.  Scans at most every FL_MODWATCH_PERIOD_MS: between scans
 * a call costs a clock read.
 */
#define FL_MODWATCH_PERIOD_MS	200
bool fl_modwatch_next(struct fl_modwatch *m, char name[FL_MODNAME_LEN]);
void fl_modwatch_free(struct fl_modwatch *m);

#endif
