// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "evqueue.h"

/* What one event takes: its length, then the event without unused frames. */
static size_t ev_bytes(const struct fl_event *ev)
{
	unsigned int n = ev->nr_frames < FL_MAX_FRAMES ? ev->nr_frames : FL_MAX_FRAMES;

	return FL_EVENT_HEAD + n * sizeof(ev->frames[0]);
}

#define LEN_BYTES	sizeof(unsigned short)

void fl_evq_init(struct fl_evq *q, size_t max_bytes)
{
	memset(q, 0, sizeof(*q));
	q->max = max_bytes;
}

int fl_evq_push(struct fl_evq *q, const struct fl_event *ev)
{
	unsigned short len = (unsigned short)ev_bytes(ev);
	size_t need = LEN_BYTES + len;

	if (q->tail + need > q->cap) {
		size_t used = q->tail - q->head, cap = q->cap;

		/* drained from the front: move what is left down first */
		if (q->head) {
			memmove(q->buf, q->buf + q->head, used);
			q->head = 0;
			q->tail = used;
		}
		if (used + need > cap) {
			unsigned char *n;

			cap = cap ? cap * 2 : 1 << 20;
			while (cap < used + need)
				cap *= 2;
			if (cap > q->max)
				cap = q->max;
			if (used + need > cap)
				return -ENOSPC;
			n = realloc(q->buf, cap);
			if (!n)
				return -ENOSPC;
			q->buf = n;
			q->cap = cap;
		}
	}
	memcpy(q->buf + q->tail, &len, LEN_BYTES);
	memcpy(q->buf + q->tail + LEN_BYTES, ev, len);
	q->tail += need;
	q->pushed++;
	if (++q->n > q->peak)
		q->peak = q->n;
	return 0;
}

bool fl_evq_pop(struct fl_evq *q, struct fl_event *ev)
{
	unsigned short len;

	if (!q->n)
		return false;
	memcpy(&len, q->buf + q->head, LEN_BYTES);
	memcpy(ev, q->buf + q->head + LEN_BYTES, len);
	if (len < sizeof(*ev))
		memset((unsigned char *)ev + len, 0, sizeof(*ev) - len);
	q->head += LEN_BYTES + len;
	if (!--q->n)
		q->head = q->tail = 0;
	return true;
}

void fl_evq_free(struct fl_evq *q)
{
	free(q->buf);
	memset(q, 0, sizeof(*q));
}
