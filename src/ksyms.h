/* SPDX-License-Identifier: GPL-2.0 */
/* Kernel symbols from /proc/kallsyms (or a saved copy), for stacks. */
#ifndef FL_KSYMS_H
#define FL_KSYMS_H

#include <stdbool.h>
#include <stdint.h>

struct fl_ksym {
	uint64_t addr;
	char *name;
};

struct fl_ksyms {
	struct fl_ksym *syms;
	size_t n, cap;
};

/* NULL with errno set when the file cannot be read or names nothing. */
struct fl_ksyms *fl_ksyms_load(const char *path);
void fl_ksyms_free(struct fl_ksyms *ks);
/* Symbol containing @addr; *off gets the offset into it. */
const struct fl_ksym *fl_ksyms_find(const struct fl_ksyms *ks, uint64_t addr,
				    uint64_t *off);
bool fl_ksyms_has(void *ks, const char *name);	/* fl_rules_init callback */
const char *fl_ksyms_name(void *ks, uint64_t addr);	/* fl_symname_fn */
/* Frames that are faultline's own BPF program or the tracepoint glue. */
bool fl_ksym_is_trace_glue(const char *name);

#endif
