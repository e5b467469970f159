// SPDX-License-Identifier: GPL-2.0
#include <stdlib.h>
#include <string.h>

#include "sigset.h"
#include "util.h"

void fl_sigset_init(struct fl_sigset *s, size_t max)
{
	memset(s, 0, sizeof(*s));
	s->max = max;
	s->nslots = 16;
	while (s->nslots < 2 * max)
		s->nslots *= 2;
	s->slot = fl_xcalloc(s->nslots, FL_SIG_LEN);
}

void fl_sigset_free(struct fl_sigset *s)
{
	free(s->slot);
	s->slot = NULL;
}

/* FNV-1a: signatures are hex digits of a hash, but their form is not ours. */
static size_t hash(const char *sig)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (; *sig; sig++)
		h = (h ^ (unsigned char)*sig) * 0x100000001b3ull;
	return (size_t)h;
}

bool fl_sigset_first(struct fl_sigset *s, const char *sig)
{
	size_t i = hash(sig) & (s->nslots - 1);

	/* at most half the slots are taken: the probe ends at a free one */
	while (s->slot[i][0]) {
		if (!strncmp(s->slot[i], sig, FL_SIG_LEN))
			return false;
		i = (i + 1) & (s->nslots - 1);
	}
	if (s->n >= s->max) {
		s->dropped++;
		return false;
	}
	snprintf(s->slot[i], FL_SIG_LEN, "%s", sig);
	s->n++;
	return true;
}
