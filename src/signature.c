// SPDX-License-Identifier: GPL-2.0
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ksyms.h"
#include "lockorder.h"
#include "rules.h"
#include "signature.h"

/* FNV-1a over a string and its terminating NUL (which separates parts). */
static uint64_t mix(uint64_t h, const char *s)
{
	do
		h = (h ^ (unsigned char)*s) * 0x100000001b3ull;
	while (*s++);
	return h;
}

/* The function names of a stack, outermost faultline and tracing glue left out. */
static uint64_t mix_stack(uint64_t h, const struct fl_run_info *ri, const struct fl_event *ev)
{
	if (!(ev->flags & FL_F_STACK))
		return mix(h, "(no stack)");
	for (unsigned int i = 0; i < ev->nr_frames && i < FL_MAX_FRAMES; i++) {
		const struct fl_ksym *s = fl_ksyms_find(ri->ksyms, ev->frames[i], NULL);

		/* an address alone changes with every boot: it says nothing stable */
		if (!s || fl_ksym_is_trace_glue(s->name))
			continue;
		h = mix(h, s->name);
	}
	return h;
}

static uint64_t mix_class(uint64_t h, const struct fl_lo_graph *lo, int cls)
{
	char name[64];

	fl_lo_class_name(lo, cls, name, sizeof(name));
	return mix(h, name);
}

static int by_name(const void *a, const void *b)
{
	return strcmp(a, b);
}

void fl_signature(const struct fl_engine *e, const struct fl_run_info *ri,
		  const struct fl_violation *v, char out[FL_SIG_LEN])
{
	uint64_t h = mix(0xcbf29ce484222325ull, fl_rule_info(v->rule)->name);
	const struct fl_lo_graph *lo = e->lo;

	if (v->rule == FL_R_LOCK_ORDER && lo && v->lo_edge >= 0 && v->lo_edge < lo->nedges) {
		const struct fl_lo_edge *ed = &lo->edges[v->lo_edge];

		h = mix(h, fl_evidence_name(v->evidence));
		/* a cycle is the same bug whichever of its edges closed it: its classes, sorted */
		if (v->lo_cycle >= 0 && v->lo_cycle < lo->ncycles) {
			const struct fl_lo_cycle *c = &lo->cycles[v->lo_cycle];
			char names[FL_LO_MAX_CHAIN][64];
			int n = c->n < FL_LO_MAX_CHAIN ? c->n : FL_LO_MAX_CHAIN;

			for (int i = 0; i < n; i++)
				fl_lo_class_name(lo, lo->edges[c->edges[i]].from, names[i], 64);
			qsort(names, n, sizeof(names[0]), by_name);
			for (int i = 0; i < n; i++)
				h = mix(h, names[i]);
		} else {
			h = mix_class(h, lo, ed->from);
			h = mix_class(h, lo, ed->to);
			h = mix_stack(h, ri, &ed->acq);
		}
	} else {
		h = mix_stack(h, ri, &v->ev);
	}
	snprintf(out, FL_SIG_LEN, "%016" PRIx64, h);
}
