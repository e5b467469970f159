/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A FIFO of events in user-space memory, for the consumer to park what
 * the engine cannot take yet (live.c: candidates waiting for the kernel's
 * symbols) instead of stopping to drain the ring buffer.  Events are kept
 * as they left BPF: the head, and the frames only when there are some.
 */
#ifndef FL_EVQUEUE_H
#define FL_EVQUEUE_H

#include <stdbool.h>
#include <stddef.h>

#include "faultline/events.h"

struct fl_evq {
	unsigned char *buf;
	size_t head, tail, cap;	/* bytes: [head, tail) are queued */
	size_t max;		/* bytes it may grow to */
	size_t n;		/* events queued */
	size_t peak;		/* the most events queued at once */
	size_t pushed;		/* events queued, ever */
};

void fl_evq_init(struct fl_evq *q, size_t max_bytes);
/* 0, or -ENOSPC when the queue would grow beyond its maximum. */
int fl_evq_push(struct fl_evq *q, const struct fl_event *ev);
/* The oldest event into *ev; false when the queue is empty. */
bool fl_evq_pop(struct fl_evq *q, struct fl_event *ev);
void fl_evq_free(struct fl_evq *q);

#endif
