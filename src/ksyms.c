// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ksyms.h"
#include "util.h"

static int cmp_addr(const void *a, const void *b)
{
	const struct fl_ksym *x = a, *y = b;

	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	return 0;
}

int fl_ksyms_add(struct fl_ksyms *ks, uint64_t addr, const char *name)
{
	if (ks->n == ks->cap) {
		size_t cap = ks->cap ? ks->cap * 2 : 4096;
		struct fl_ksym *n = realloc(ks->syms, cap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		ks->syms = n;
		ks->cap = cap;
	}
	ks->syms[ks->n].addr = addr;
	ks->syms[ks->n].name = fl_xstrdup(name);
	ks->n++;
	return 0;
}

void fl_ksyms_sort(struct fl_ksyms *ks)
{
	if (ks->n)
		qsort(ks->syms, ks->n, sizeof(ks->syms[0]), cmp_addr);
}

/* The whole file: /proc files have no size to go by. */
static char *read_all(const char *path, size_t *len)
{
	size_t cap = 8 << 20, n = 0;
	char *buf = malloc(cap + 1), *nb;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t r;

	if (fd < 0 || !buf)
		goto fail;
	for (;;) {
		if (n == cap) {
			nb = realloc(buf, cap * 2 + 1);
			if (!nb)
				goto fail;
			buf = nb;
			cap *= 2;
		}
		r = read(fd, buf + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			goto fail;
		if (!r)
			break;
		n += r;
	}
	close(fd);
	buf[n] = '\0';
	*len = n;
	return buf;
fail:
	if (fd >= 0)
		close(fd);
	free(buf);
	return NULL;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * "ADDR TYPE NAME[\t[MODULE]]" lines, parsed in place: a name is ended
 * where it ends in the file and pointed to.  A slow guest spent seconds
 * of CPU in sscanf and a strdup per symbol here (over 100,000 of them);
 * this is what a consumer waiting for the symbols waits for.
 */
struct fl_ksyms *fl_ksyms_load(const char *path)
{
	struct fl_ksyms *ks;
	size_t len;
	char *text = read_all(path, &len), *p, *end;
	bool sorted = true;

	if (!text)
		return NULL;
	ks = fl_xcalloc(1, sizeof(*ks));
	ks->text = text;
	ks->text_len = len;
	for (p = text, end = text + len; p < end; p++) {
		uint64_t addr = 0;
		char type, stop, *name;
		int d, digits = 0;

		while ((d = hexval(*p)) >= 0 && digits < 17) {
			addr = addr << 4 | (uint64_t)d;
			p++;
			digits++;
		}
		/* a malformed line is skipped, as sscanf did */
		if (!digits || digits > 16 || *p != ' ' || !p[1] || p[2] != ' ')
			goto next;
		type = p[1];
		name = p += 3;
		while (p < end && *p != '\n' && *p != '\t' && *p != ' ')
			p++;
		/* text symbols only; addresses of 0 mean kptr_restrict hid them */
		if (p == name || !addr || (type != 't' && type != 'T'))
			goto next;
		stop = *p;
		*p = '\0';	/* the name ends in place (before a module's "\t[name]") */
		if (ks->n == ks->cap) {
			size_t cap = ks->cap ? ks->cap * 2 : 65536;
			struct fl_ksym *n = realloc(ks->syms, cap * sizeof(*n));

			if (!n)
				break;
			ks->syms = n;
			ks->cap = cap;
		}
		if (ks->n && addr < ks->syms[ks->n - 1].addr)
			sorted = false;
		ks->syms[ks->n].addr = addr;
		ks->syms[ks->n].name = name;
		ks->n++;
		if (stop == '\n')
			continue;
		p++;
next:
		while (p < end && *p != '\n')
			p++;
	}
	if (!ks->n) {
		fl_ksyms_free(ks);
		errno = ENOENT;
		return NULL;
	}
	/* the core kernel's symbols come sorted; modules' may not */
	if (!sorted)
		fl_ksyms_sort(ks);
	return ks;
}

void fl_ksyms_free(struct fl_ksyms *ks)
{
	if (!ks)
		return;
	for (size_t i = 0; i < ks->n; i++)
		/* a loaded table's names live in its text */
		if (!ks->text || ks->syms[i].name < ks->text ||
		    ks->syms[i].name > ks->text + ks->text_len)
			free(ks->syms[i].name);
	free(ks->syms);
	free(ks->text);
	free(ks);
}

const struct fl_ksym *fl_ksyms_find(const struct fl_ksyms *ks, uint64_t addr,
				    uint64_t *off)
{
	size_t lo = 0, hi;

	if (!ks || !ks->n || addr < ks->syms[0].addr)
		return NULL;
	hi = ks->n;
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;

		if (ks->syms[mid].addr <= addr)
			lo = mid;
		else
			hi = mid;
	}
	if (off)
		*off = addr - ks->syms[lo].addr;
	return &ks->syms[lo];
}

static void *load_thread(void *arg)
{
	struct fl_symbolizer *sz = arg;

	sz->loaded = fl_ksyms_load(sz->path);
	sz->load_errno = errno;
	atomic_store_explicit(&sz->done, true, memory_order_release);
	return NULL;
}

void fl_symbolizer_start(struct fl_symbolizer *sz)
{
	if (sz->tried || sz->started)
		return;
	atomic_init(&sz->done, false);
	sz->started = !pthread_create(&sz->thread, NULL, load_thread, sz);
	/* no thread: here and now, then */
	if (!sz->started)
		fl_symbolizer_get(sz);
}

/* The loading thread's result, once it has one (or, @wait, once it ends). */
static bool finish(struct fl_symbolizer *sz, bool wait)
{
	if (!wait && !atomic_load_explicit(&sz->done, memory_order_acquire))
		return false;
	pthread_join(sz->thread, NULL);
	sz->started = false;
	sz->tried = true;
	sz->ks = sz->loaded;
	if (!sz->ks)
		errno = sz->load_errno;
	return true;
}

static void warn_unread(const struct fl_symbolizer *sz)
{
	if (!sz->ks)
		fl_warn("cannot read %s: stacks are not symbolised, so fault and "
			"truncation paths are not recognised", sz->path);
}

bool fl_symbolizer_ready(struct fl_symbolizer *sz)
{
	if (sz->tried)
		return true;
	if (!sz->started || !finish(sz, false))
		return false;
	warn_unread(sz);
	return true;
}

const struct fl_ksyms *fl_symbolizer_get(struct fl_symbolizer *sz)
{
	if (!sz->tried) {
		if (sz->started) {
			finish(sz, true);
		} else {
			sz->tried = true;
			sz->ks = fl_ksyms_load(sz->path);
		}
		warn_unread(sz);
	}
	return sz->ks;
}

bool fl_symbolizer_reload(struct fl_symbolizer *sz)
{
	if (!sz->tried && !sz->started)
		return false;
	/* a read in flight may predate the change: let it end, read again */
	if (sz->started)
		finish(sz, true);
	fl_ksyms_free(sz->old);
	sz->old = sz->ks;
	sz->ks = NULL;
	sz->tried = false;
	fl_symbolizer_start(sz);
	return true;
}

const char *fl_symbolizer_name(void *ctx, uint64_t addr)
{
	return fl_ksyms_name((void *)fl_symbolizer_get(ctx), addr);
}

void fl_symbolizer_free(struct fl_symbolizer *sz)
{
	if (sz->started)
		finish(sz, true);
	fl_ksyms_free(sz->ks);
	fl_ksyms_free(sz->old);
	sz->ks = sz->old = NULL;
	sz->tried = false;
}

const char *fl_ksyms_name(void *ctx, uint64_t addr)
{
	const struct fl_ksym *s = fl_ksyms_find(ctx, addr, NULL);

	return s ? s->name : NULL;
}

bool fl_ksym_is_trace_glue(const char *name)
{
	static const char *const prefixes[] = {
		"bpf_prog_", "bpf_trace_run", "__bpf_trace_", "__traceiter_",
		"trace_call_bpf", "perf_trace_", "perf_syscall_", "bpf_get_stack",
		"__bpf_get_stack", "bpf_get_stack_raw_tp", "bpf_dispatcher", "bpf_trampoline_",
		"trace_event_raw_event_",	/* ftrace's stacks (trace-cmd -T) */
		NULL,
	};

	for (const char *const *p = prefixes; *p; p++)
		if (!strncmp(name, *p, strlen(*p)))
			return true;
	return false;
}
