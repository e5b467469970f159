/* SPDX-License-Identifier: GPL-2.0 */
/* Kernel symbols from /proc/kallsyms (or a saved copy), for stacks. */
#ifndef FL_KSYMS_H
#define FL_KSYMS_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct fl_ksym {
	uint64_t addr;
	char *name;
};

struct fl_ksyms {
	struct fl_ksym *syms;
	size_t n, cap;
	char *text;		/* fl_ksyms_load: the file, names point into it */
	size_t text_len;
};

/* NULL with errno set when the file cannot be read or names nothing. */
struct fl_ksyms *fl_ksyms_load(const char *path);
void fl_ksyms_free(struct fl_ksyms *ks);
/* Building a table by hand (imports): add, then sort before lookups. */
int fl_ksyms_add(struct fl_ksyms *ks, uint64_t addr, const char *name);
void fl_ksyms_sort(struct fl_ksyms *ks);
/* Symbol containing @addr; *off gets the offset into it. */
const struct fl_ksym *fl_ksyms_find(const struct fl_ksyms *ks, uint64_t addr,
				    uint64_t *off);
const char *fl_ksyms_name(void *ks, uint64_t addr);

/*
 * Loads the symbol table on first use: a healthy run never needs it, and
 * reading kallsyms is most of a start-up.  Loaded after our BPF programs,
 * it also names their frames (which are then dropped as tracing glue).
 * The ring buffer's consumer must not wait for it (seconds in a slow
 * guest, while a bug storm fills the ring): fl_symbolizer_start() loads it
 * in a thread of its own and fl_symbolizer_ready() says, without waiting,
 * whether it is there; fl_symbolizer_get() waits.  One thread uses the
 * symbolizer; the loading thread touches only @loaded and @done.
 */
struct fl_symbolizer {
	const char *path;
	struct fl_ksyms *ks;
	struct fl_ksyms *old;	/* before the last reload: kept for who still holds it */
	bool tried;
	bool started;		/* the loading thread runs or ran */
	pthread_t thread;
	struct fl_ksyms *loaded;	/* the thread's result */
	int load_errno;
	atomic_bool done;	/* @loaded is set */
};

const struct fl_ksyms *fl_symbolizer_get(struct fl_symbolizer *sz);
void fl_symbolizer_start(struct fl_symbolizer *sz);
bool fl_symbolizer_ready(struct fl_symbolizer *sz);
/*
 * The kernel's symbols changed (a module was loaded): read them again in
 * the background, as the first time.  The table fl_symbolizer_get() gave
 * before stays valid until the next reload; until the new one is there,
 * fl_symbolizer_ready() says false.  False when they were never read (the
 * first use reads them as they are then): nothing to wait for.
 */
bool fl_symbolizer_reload(struct fl_symbolizer *sz);
const char *fl_symbolizer_name(void *sz, uint64_t addr);	/* fl_symname_fn */
void fl_symbolizer_free(struct fl_symbolizer *sz);

/* Frames that are faultline's own BPF program or the tracepoint glue. */
bool fl_ksym_is_trace_glue(const char *name);

#endif
