// SPDX-License-Identifier: GPL-2.0
/*
 * Which modules were loaded since the start.  Polled, not told: the live
 * loop wakes every 100 ms anyway, and a readdir of /sys/kernel/btf every
 * 200 ms costs next to nothing.  The kernel's uevents ("add@/module/xfs")
 * would come at once, but only to sockets of the initial network
 * namespace, they overflow on a busy host (ENOBUFS, and then a rescan is
 * needed all the same), and "add" comes before the module's init has run,
 * so its readiness would still have to be polled.  /sys/kernel/btf also
 * lists exactly what matters: a module without BTF cannot be hooked by
 * tp_btf or fentry programs at all.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "modwatch.h"
#include "util.h"

struct name_list {
	char (*v)[FL_MODNAME_LEN];
	size_t n, cap;
};

struct fl_modwatch {
	struct name_list known;	/* live, loaded at the start or handed out since */
	struct name_list fresh;	/* live and new: next() hands them out */
	uint64_t next_scan;
};

static bool list_has(const struct name_list *l, const char *name)
{
	for (size_t i = 0; i < l->n; i++)
		if (!strcmp(l->v[i], name))
			return true;
	return false;
}

static bool list_add(struct name_list *l, const char *name)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 64;
		void *v = realloc(l->v, cap * sizeof(*l->v));

		if (!v)
			return false;
		l->v = v;
		l->cap = cap;
	}
	snprintf(l->v[l->n++], FL_MODNAME_LEN, "%s", name);
	return true;
}

/* Module names are [A-Za-z0-9_-]: anything else is not one of ours to open. */
static bool module_name(const char *s)
{
	size_t n = strlen(s);

	if (!n || n >= FL_MODNAME_LEN || !strcmp(s, "vmlinux"))
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '_' && *s != '-')
			return false;
	return true;
}

/* Its init has finished: tracepoints registered, fentry may take a reference. */
static bool module_live(const char *name)
{
	char path[128], buf[16] = "";
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/sys/module/%s/initstate", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	return n >= 4 && !strncmp(buf, "live", 4);
}

/*
 * One pass: modules gone are forgotten (loaded again, they are news
 * again), live new ones are news.  One still in its init is left for a
 * later pass.
 */
static void scan(struct fl_modwatch *m, bool start)
{
	struct name_list now = { 0 };
	struct dirent *d;
	DIR *dir = opendir(FL_MODWATCH_DIR);
	size_t k = 0;

	if (!dir)
		return;
	while ((d = readdir(dir)))
		if (module_name(d->d_name) && !list_add(&now, d->d_name))
			break;
	closedir(dir);
	for (size_t i = 0; i < m->known.n; i++)
		if (list_has(&now, m->known.v[i]))
			memcpy(m->known.v[k++], m->known.v[i], FL_MODNAME_LEN);
	m->known.n = k;
	for (size_t i = 0; i < now.n; i++) {
		if (list_has(&m->known, now.v[i]) || !module_live(now.v[i]))
			continue;
		if (!list_add(&m->known, now.v[i]))
			break;
		if (!start && !list_has(&m->fresh, now.v[i]))
			list_add(&m->fresh, now.v[i]);
	}
	free(now.v);
}

struct fl_modwatch *fl_modwatch_new(void)
{
	struct fl_modwatch *m = calloc(1, sizeof(*m));

	if (!m)
		return NULL;
	scan(m, true);
	m->next_scan = fl_now_ns() + FL_MODWATCH_PERIOD_MS * 1000000ULL;
	return m;
}

bool fl_modwatch_next(struct fl_modwatch *m, char name[FL_MODNAME_LEN])
{
	uint64_t now;

	if (!m)
		return false;
	if (!m->fresh.n) {
		now = fl_now_ns();
		if (now < m->next_scan)
			return false;
		m->next_scan = now + FL_MODWATCH_PERIOD_MS * 1000000ULL;
		scan(m, false);
		if (!m->fresh.n)
			return false;
	}
	/* in the order they were found */
	memcpy(name, m->fresh.v[0], FL_MODNAME_LEN);
	memmove(m->fresh.v, m->fresh.v + 1, (m->fresh.n - 1) * sizeof(*m->fresh.v));
	m->fresh.n--;
	return true;
}

void fl_modwatch_free(struct fl_modwatch *m)
{
	if (!m)
		return;
	free(m->known.v);
	free(m->fresh.v);
	free(m);
}
