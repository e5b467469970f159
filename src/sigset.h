/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The signatures a watch has alerted, so that each bug pages once.  The
 * set has a bound: a service runs for weeks.  Once it is full, a signature
 * it does not hold is not alerted, because it could not be remembered and
 * every later occurrence would alert again; it is counted instead.
 */
#ifndef FL_SIGSET_H
#define FL_SIGSET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "signature.h"

struct fl_sigset {
	char (*slot)[FL_SIG_LEN];	/* open addressing; "" is a free slot */
	size_t nslots;			/* a power of two, at least twice max */
	size_t n, max;
	uint64_t dropped;		/* first sightings not alerted: the set was full */
};

void fl_sigset_init(struct fl_sigset *s, size_t max);
void fl_sigset_free(struct fl_sigset *s);
/*
 * Should @sig be alerted?  True the first time it is seen, and it is
 * remembered; false once remembered, and false (counted in dropped) when
 * it is not remembered and the set is full.
 */
bool fl_sigset_first(struct fl_sigset *s, const char *sig);

#endif
