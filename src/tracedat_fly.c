// SPDX-License-Identifier: GPL-2.0
/*
 * The records of a version 7 trace.dat (trace-cmd 3.x), read straight from
 * its flyrecord sections.
 *
 * libtracecmd 1.3 reads a compressed trace in time that grows with the
 * square of its length (import_tracedat.c, hold_page()), keeps every
 * decompressed chunk in memory, and spends as long again in malloc and in
 * page faults on a fresh buffer per chunk.  The format is simple enough
 * to read directly (trace-cmd.dat.v7(5)): the options sections name, per
 * buffer and CPU, where its data is; compressed data is a count of chunks,
 * each "compressed size, uncompressed size, bytes"; uncompressed, it is
 * the ring buffer's pages as the kernel wrote them.  Each CPU keeps one
 * chunk; libtraceevent's kbuffer walks a page's events, as libtracecmd's
 * reader does; the CPUs are merged by timestamp as
 * tracecmd_iterate_events_multi() merges them.  libtracecmd still opens
 * the file for everything else (event formats, symbols, statistics).
 *
 * Only what this reader gives exactly as libtracecmd would is read here:
 * a little-endian file, not compressed or compressed with zstd (trace-cmd's
 * default where it is built with it; zlib, its other choice, is left to
 * libtracecmd: the trace-cmd here cannot write it to test against),
 * whose timestamps libtracecmd would not change (no DATE, OFFSET,
 * TIME_SHIFT or TSC2NSEC option).  Anything else, and any layout that
 * does not add up, goes back to libtracecmd.  Damage inside a CPU's data
 * (a chunk that does not decompress, a page whose sizes do not fit) ends
 * that CPU's records and makes the iteration return -1: the import says
 * it is partial.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <event-parse.h>
#include <kbuffer.h>
#include <zstd.h>

#include "tracedat_fly.h"
#include "util.h"

enum { FLY_NONE, FLY_ZSTD };

/* trace-cmd.dat.v7(5): option IDs */
enum {
	OPT_DONE = 0, OPT_DATE = 1, OPT_BUFFER = 3, OPT_OFFSET = 7,
	OPT_TIME_SHIFT = 12, OPT_TSC2NSEC = 14, OPT_BUFFER_TEXT = 22,
};

#define SEC_COMPRESSED	1		/* section header flag */
#define MAX_SECTIONS	64		/* options sections followed */
#define MAX_META	(64u << 20)	/* one options section */
#define MAX_CHUNK	(64u << 20)	/* one chunk, uncompressed */
#define MAX_PAGE	(1u << 20)	/* a ring-buffer page (sub-buffer) */
#define MAX_FLY_CPUS	4096		/* CPUs with data, all buffers */
#define MAX_MEM		(512ull << 20)	/* every CPU's buffer together */
#define READ_BYTES	(1u << 20)	/* one read of uncompressed pages */
#define SEC_BUFFER	3		/* a BUFFER FLYRECORD section's ID */
#define SLACK		16		/* read past a page's end by kbuffer and events_advance */

/*
 * The ring buffer page header's commit word: the data size, and whether
 * events were lost before the page (and their count stored after the data).
 * kernel/trace/ring_buffer.c: RB_MISSED_EVENTS, RB_MISSED_STORED.
 */
#define COMMIT_SIZE	((1u << 27) - 1)
#define MISSED_EVENTS	(1ull << 31)
#define MISSED_STORED	(1ull << 30)

struct fly_cpu {
	int cpu;
	unsigned int buf_idx;	/* 0: the top buffer; i: the i-th instance */
	uint32_t psize;		/* the buffer's page size */
	uint64_t start, end;	/* the CPU's data in the file */

	uint64_t pos;		/* next unread byte of it */
	uint32_t chunks;	/* compressed: chunks left */
	unsigned char *buf;	/* the pages read or decompressed last */
	size_t cap, len, next;	/* @next: offset in @buf of the next page */
	unsigned char *page;	/* the page loaded in @kbuf, or NULL */
	unsigned char *data_end;	/* its data's end */
	struct kbuffer *kbuf;
	struct tep_record rec;	/* the CPU's next record, when @have */
	bool have;
};

struct td_fly {
	int fd;
	uint64_t fsize;
	uint64_t mem;		/* bytes of the CPUs' buffers */
	int comp;
	unsigned int lsize;	/* the traced kernel's long: 4 or 8 */
	ZSTD_DCtx *zd;
	unsigned char *zin;	/* one compressed chunk */
	size_t zcap;
	struct fly_cpu *cpus;
	int n;
	int *heap;		/* indexes into @cpus, by (ts, index) */
	int nheap;
	bool damaged;
};

static uint16_t le16(const unsigned char *p)
{
	uint16_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static uint32_t le32(const unsigned char *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static uint64_t le64(const unsigned char *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static bool rd(struct td_fly *f, uint64_t off, void *b, size_t n)
{
	size_t done = 0;

	if (off > f->fsize || n > f->fsize - off)
		return false;
	while (done < n) {
		ssize_t r = pread(f->fd, (char *)b + done, n - done, (off_t)(off + done));

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return false;
		done += (size_t)r;
	}
	return true;
}

static bool grow(unsigned char **b, size_t *cap, size_t n)
{
	unsigned char *nb;

	if (n <= *cap)
		return true;
	nb = realloc(*b, n);
	if (!nb)
		return false;
	*b = nb;
	*cap = n;
	return true;
}

/*
 * A CPU's buffer, within the budget of all of them: a crafted file could
 * otherwise list thousands of CPUs with a large chunk each.
 */
static bool grow_cpu(struct td_fly *f, struct fly_cpu *c, size_t n)
{
	size_t old = c->cap;

	if (n <= c->cap)
		return true;
	if (f->mem - old + n > MAX_MEM || !grow(&c->buf, &c->cap, n))
		return false;
	f->mem = f->mem - old + n;
	return true;
}

/* @csize compressed bytes at @off to exactly @usize bytes in @dst */
static bool inflate_at(struct td_fly *f, uint64_t off, uint32_t csize, unsigned char *dst,
		       uint32_t usize)
{
	size_t r;

	if (off > f->fsize || csize > f->fsize - off ||
	    !grow(&f->zin, &f->zcap, csize ? csize : 1) || !rd(f, off, f->zin, csize))
		return false;
	r = ZSTD_decompressDCtx(f->zd, dst, usize, f->zin, csize);
	return !ZSTD_isError(r) && r == usize;
}

/* ---- the options: where each buffer's data is --------------------------- */

struct meta {
	int ninst;		/* instances wanted */
	int named;		/* named buffers seen */
	bool top;
	uint64_t next;		/* the next options section */
};

/* A BUFFER option: offset, name, clock, page size, CPUs (id, offset, size) */
static int parse_buffer(struct td_fly *f, struct meta *m, const unsigned char *p, uint32_t sz,
			char *why, size_t whylen)
{
	const unsigned char *end = p + sz, *q = p + 8;
	unsigned char sec[16];
	unsigned int idx;
	uint32_t psize, ncpu;
	bool named = false;

	for (int s = 0; s < 2; s++) {	/* name, clock */
		const unsigned char *z = q < end ? memchr(q, 0, (size_t)(end - q)) : NULL;

		if (!z)
			goto bad;
		if (!s)
			named = z != q;
		q = z + 1;
	}
	if (end - q < 8)
		goto bad;
	psize = le32(q);
	ncpu = le32(q + 4);
	q += 8;
	if ((uint64_t)(end - q) < (uint64_t)ncpu * 20)
		goto bad;
	if (psize < 64 || psize > MAX_PAGE || (psize & (psize - 1))) {
		snprintf(why, whylen, "page size %u", psize);
		return -1;
	}
	if (ncpu > MAX_FLY_CPUS || (uint64_t)f->n + ncpu > MAX_FLY_CPUS) {
		snprintf(why, whylen, "more than %d CPUs with data", MAX_FLY_CPUS);
		return -1;
	}
	if (!named && m->top) {
		snprintf(why, whylen, "two top buffers");
		return -1;
	}
	idx = named ? (unsigned int)++m->named : 0;
	if (named && m->named > m->ninst)
		return 0;
	m->top |= !named;
	/* libtracecmd takes the data as compressed or not from its section's flag */
	if (!rd(f, le64(p), sec, sizeof(sec)) || le16(sec) != SEC_BUFFER ||
	    !(le16(sec + 2) & SEC_COMPRESSED) != (f->comp == FLY_NONE)) {
		snprintf(why, whylen, "BUFFER section header does not match");
		return -1;
	}
	for (uint32_t i = 0; i < ncpu; i++, q += 20) {
		struct fly_cpu *c;
		uint64_t off = le64(q + 4), size = le64(q + 12);

		if (!size)
			continue;
		/* compressed, the size leaves out the count of chunks before them */
		if (off > f->fsize || size > f->fsize - off ||
		    (f->comp != FLY_NONE && size > f->fsize - off - 4)) {
			snprintf(why, whylen, "CPU data beyond the file's end");
			return -1;
		}
		if (f->comp != FLY_NONE)
			size += 4;
		/* libtracecmd reads no further than the first page of a misaligned one */
		if (f->comp == FLY_NONE && (size % psize || off % psize)) {
			snprintf(why, whylen, "CPU data not whole, aligned pages");
			return -1;
		}
		c = realloc(f->cpus, (size_t)(f->n + 1) * sizeof(*c));
		if (!c)
			return -ENOMEM;
		f->cpus = c;
		c = &f->cpus[f->n++];
		memset(c, 0, sizeof(*c));
		c->cpu = (int)le32(q);
		c->buf_idx = idx;
		c->psize = psize;
		c->start = off;
		c->end = off + size;
	}
	return 0;
bad:
	snprintf(why, whylen, "damaged BUFFER option");
	return -1;
}

static int parse_options(struct td_fly *f, struct meta *m, const unsigned char *p, size_t len,
			 char *why, size_t whylen)
{
	size_t i = 0;
	int ret;

	m->next = 0;
	while (len - i >= 6) {
		uint16_t id = le16(p + i);
		uint32_t sz = le32(p + i + 2);

		i += 6;
		if (sz > len - i) {
			snprintf(why, whylen, "damaged options section");
			return -1;
		}
		switch (id) {
		case OPT_DONE:
			if (sz < 8)
				goto bad;
			m->next = le64(p + i);
			return 0;
		case OPT_BUFFER:
			if (sz < 8)
				goto bad;
			ret = parse_buffer(f, m, p + i, sz, why, whylen);
			if (ret)
				return ret;
			break;
		case OPT_DATE:
		case OPT_OFFSET:
		case OPT_TIME_SHIFT:
		case OPT_TSC2NSEC:
			snprintf(why, whylen, "option %u corrects timestamps", id);
			return -1;
		case OPT_BUFFER_TEXT:
			snprintf(why, whylen, "a latency (text) buffer");
			return -1;
		}
		i += sz;
	}
	/* libtracecmd reads on to the DONE option, past the section's size */
	snprintf(why, whylen, "options section without its DONE option");
	return -1;
bad:
	snprintf(why, whylen, "damaged options section");
	return -1;
}

static int read_options(struct td_fly *f, struct meta *m, uint64_t off, char *why, size_t whylen)
{
	unsigned char *b = NULL;
	size_t cap = 0;
	int s, ret = 0;

	for (s = 0; off && s < MAX_SECTIONS && !ret; s++) {
		unsigned char h[16], zh[8];
		uint64_t size;
		uint32_t len;

		if (!rd(f, off, h, sizeof(h)) || le16(h)) {
			snprintf(why, whylen, "no options section at %llu", (unsigned long long)off);
			ret = -1;
			break;
		}
		size = le64(h + 8);
		if (le16(h + 2) & SEC_COMPRESSED) {
			if (f->comp == FLY_NONE || !rd(f, off + 16, zh, sizeof(zh)) ||
			    le32(zh + 4) > MAX_META || !grow(&b, &cap, le32(zh + 4) + 1) ||
			    !inflate_at(f, off + 24, le32(zh), b, le32(zh + 4))) {
				snprintf(why, whylen, "compressed options section unreadable");
				ret = -1;
				break;
			}
			len = le32(zh + 4);
		} else {
			if (size > MAX_META || !grow(&b, &cap, size + 1) || !rd(f, off + 16, b, size)) {
				snprintf(why, whylen, "options section unreadable");
				ret = -1;
				break;
			}
			len = (uint32_t)size;
		}
		ret = parse_options(f, m, b, len, why, whylen);
		off = m->next;
	}
	if (!ret && off) {
		snprintf(why, whylen, "more than %d options sections", MAX_SECTIONS);
		ret = -1;
	}
	free(b);
	return ret;
}

/* The file's header: version 7, little endian, a compression we read. */
static int read_header(struct td_fly *f, uint64_t *opts, char *why, size_t whylen)
{
	unsigned char h[256];
	const char *name;
	size_t n = f->fsize < sizeof(h) ? (size_t)f->fsize : sizeof(h), p;
	const unsigned char *z;

	if (n < 20 || !rd(f, 0, h, n) || memcmp(h, "\x17\x08\x44tracing", 10)) {
		snprintf(why, whylen, "not a trace.dat");
		return -1;
	}
	if (memcmp(h + 10, "7", 2)) {
		snprintf(why, whylen, "file version is not 7");
		return -1;
	}
	if (h[12] != 0 || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__) {
		snprintf(why, whylen, "big-endian file or host");
		return -1;
	}
	p = 18;				/* endianness, long size, page size */
	name = (const char *)h + p;
	z = memchr(h + p, 0, n - p);
	if (!z || !(z = memchr(z + 1, 0, n - (size_t)(z + 1 - h))) || (size_t)(z + 1 - h) + 8 > n) {
		snprintf(why, whylen, "damaged compression header");
		return -1;
	}
	if (!strcmp(name, "none"))
		f->comp = FLY_NONE;
	else if (!strcmp(name, "zstd"))
		f->comp = FLY_ZSTD;
	else {
		snprintf(why, whylen, "compression %.32s", name);
		return -1;
	}
	*opts = le64(z + 1);
	return 0;
}

/* ---- records ------------------------------------------------------------- */

/* Rewind @c to its first chunk. */
static bool cpu_reset(struct td_fly *f, struct fly_cpu *c)
{
	unsigned char cnt[4];

	c->pos = c->start;
	c->len = c->next = 0;
	c->page = NULL;
	c->have = false;
	if (f->comp == FLY_NONE)
		return true;
	if (!rd(f, c->start, cnt, sizeof(cnt)))
		return false;
	c->chunks = le32(cnt);
	c->pos += 4;
	return true;
}

/* The next chunk (or run of pages) of @c into c->buf; false at the end. */
static bool next_chunk(struct td_fly *f, struct fly_cpu *c)
{
	uint64_t end = c->end;
	unsigned char zh[8];
	uint32_t csize, usize;

	c->len = c->next = 0;
	if (f->comp == FLY_NONE) {
		uint64_t n = end - c->pos;

		if (!n)
			return false;
		if (n > READ_BYTES)
			n = READ_BYTES;	/* whole pages: a page is a power of two up to it */
		if (!grow_cpu(f, c, n + SLACK) || !rd(f, c->pos, c->buf, n))
			goto damaged;
		memset(c->buf + n, 0, SLACK);
		c->pos += n;
		c->len = n;
		return true;
	}
	if (!c->chunks) {
		if (c->pos == end)
			return false;
		goto damaged;	/* fewer chunks counted than the data holds */
	}
	c->chunks--;
	if (end - c->pos < sizeof(zh) || !rd(f, c->pos, zh, sizeof(zh)))
		goto damaged;
	csize = le32(zh);
	usize = le32(zh + 4);
	c->pos += sizeof(zh);
	if (csize > end - c->pos || !usize || usize > MAX_CHUNK || usize % c->psize ||
	    !grow_cpu(f, c, (size_t)usize + SLACK) || !inflate_at(f, c->pos, csize, c->buf, usize))
		goto damaged;
	memset(c->buf + usize, 0, SLACK);
	c->pos += csize;
	c->len = usize;
	return true;
damaged:
	fl_debug("trace.dat: CPU %d: chunk at %llu unreadable", c->cpu, (unsigned long long)c->pos);
	f->damaged = true;
	c->chunks = 0;
	c->pos = c->end;
	c->len = c->next = 0;
	return false;
}

/*
 * kbuffer steps from event to event by the lengths the page gives, and
 * skips padding inside a loop of its own: a damaged page whose padding or
 * data length does not move forward would hold it there for ever.  Walk
 * the event headers first, stepping as it will (type_len in the low 5 bits
 * of a little-endian header; 29 padding, 30 and 31 time extend and stamp,
 * 0 a length word; kernel/trace/ring_buffer.c).
 */
static bool events_advance(const unsigned char *d, uint32_t used)
{
	int64_t pos = 0, next;

	while (pos < used) {
		uint32_t type_len = le32(d + pos) & 0x1f;

		switch (type_len) {
		case 0:
			next = pos + 8 + (((int64_t)(int32_t)(le32(d + pos + 4) - 4) + 3) & ~3ll);
			break;
		case 29:
			next = pos + 4 + (int32_t)le32(d + pos + 4);
			break;
		case 30:
		case 31:
			next = pos + 8;
			break;
		default:
			next = pos + 4 + 4 * (int64_t)type_len;
			break;
		}
		if (next <= pos)
			return false;
		pos = next;
	}
	return true;
}

/* Load the next page of @c whose sizes fit in it; false at the end. */
static bool next_page(struct td_fly *f, struct fly_cpu *c)
{
	unsigned int hdr = 8 + f->lsize;

	for (;;) {
		unsigned char *p;
		uint64_t commit;
		uint32_t used;

		if (c->next + c->psize > c->len && !next_chunk(f, c))
			return false;
		if (c->next + c->psize > c->len)
			continue;
		p = c->buf + c->next;
		c->next += c->psize;
		commit = f->lsize == 8 ? le64(p + 8) : le32(p + 8);
		used = (uint32_t)commit & COMMIT_SIZE;
		if ((uint64_t)used + hdr > c->psize || ((commit & MISSED_EVENTS) &&
		    (commit & MISSED_STORED) && (uint64_t)used + hdr + f->lsize > c->psize) ||
		    !events_advance(p + hdr, used)) {
			fl_debug("trace.dat: CPU %d: a page's sizes do not fit (data %u bytes)",
				 c->cpu, used);
			f->damaged = true;
			return false;
		}
		if (kbuffer_load_subbuffer(c->kbuf, p))
			continue;
		c->page = p;
		c->data_end = p + hdr + used;
		return true;
	}
}

/* c->rec := the next record of @c; false at its end. */
static bool peek(struct td_fly *f, struct fly_cpu *c)
{
	unsigned long long ts;
	unsigned char *d;
	int size;

	c->have = false;
	for (;;) {
		if (!c->page && !next_page(f, c))
			return false;
		d = kbuffer_read_event(c->kbuf, &ts);
		if (!d) {
			c->page = NULL;
			continue;
		}
		size = kbuffer_event_size(c->kbuf);
		if (size < 0 || d < c->page || d > c->data_end ||
		    (size_t)size > (size_t)(c->data_end - d)) {
			fl_debug("trace.dat: CPU %d: an event does not fit its page", c->cpu);
			f->damaged = true;
			c->page = NULL;
			c->chunks = 0;
			c->pos = c->end;
			c->len = c->next = 0;
			return false;
		}
		memset(&c->rec, 0, sizeof(c->rec));
		c->rec.ts = ts;
		c->rec.size = size;
		c->rec.data = d;
		c->rec.cpu = c->cpu;
		c->rec.missed_events = kbuffer_missed_events(c->kbuf);
		c->rec.ref_count = 1;
		kbuffer_next_event(c->kbuf, NULL);
		c->have = true;
		return true;
	}
}

/* the heap of CPUs with a record: earliest first, ties to the lower index */
static bool before(const struct td_fly *f, int a, int b)
{
	const struct tep_record *ra = &f->cpus[a].rec, *rb = &f->cpus[b].rec;

	return ra->ts < rb->ts || (ra->ts == rb->ts && a < b);
}

static void sift_down(struct td_fly *f, int i)
{
	for (;;) {
		int l = 2 * i + 1, m = i, t;

		if (l < f->nheap && before(f, f->heap[l], f->heap[m]))
			m = l;
		if (l + 1 < f->nheap && before(f, f->heap[l + 1], f->heap[m]))
			m = l + 1;
		if (m == i)
			return;
		t = f->heap[i];
		f->heap[i] = f->heap[m];
		f->heap[m] = t;
		i = m;
	}
}

int td_fly_iterate(struct td_fly *f, td_fly_cb cb, void *ctx)
{
	int ret = 0;

	f->damaged = false;
	f->nheap = 0;
	for (int i = 0; i < f->n; i++) {
		if (!cpu_reset(f, &f->cpus[i])) {
			f->damaged = true;
			continue;
		}
		if (peek(f, &f->cpus[i]))
			f->heap[f->nheap++] = i;
	}
	for (int i = f->nheap / 2 - 1; i >= 0; i--)
		sift_down(f, i);
	while (f->nheap) {
		struct fly_cpu *c = &f->cpus[f->heap[0]];

		ret = cb(&c->rec, ctx);
		if (ret < 0)
			return ret;
		if (!peek(f, c))
			f->heap[0] = f->heap[--f->nheap];
		sift_down(f, 0);
	}
	return f->damaged ? -1 : ret;
}

/* ---- open / close -------------------------------------------------------- */

static int by_buffer_cpu(const void *a, const void *b)
{
	const struct fly_cpu *x = a, *y = b;

	if (x->buf_idx != y->buf_idx)
		return x->buf_idx < y->buf_idx ? -1 : 1;
	return (x->cpu > y->cpu) - (x->cpu < y->cpu);
}

static int by_start(const void *a, const void *b)
{
	const struct fly_cpu *x = *(const struct fly_cpu *const *)a;
	const struct fly_cpu *y = *(const struct fly_cpu *const *)b;

	return (x->start > y->start) - (x->start < y->start);
}

/* No CPU listed twice in a buffer, no two CPUs' data overlapping. */
static bool layout_sane(struct td_fly *f, char *why, size_t whylen)
{
	struct fly_cpu **by = fl_xcalloc((size_t)f->n + 1, sizeof(*by));
	bool ok = true;

	for (int i = 1; i < f->n; i++)
		if (f->cpus[i].buf_idx == f->cpus[i - 1].buf_idx &&
		    f->cpus[i].cpu == f->cpus[i - 1].cpu) {
			snprintf(why, whylen, "a CPU listed twice");
			ok = false;
		}
	for (int i = 0; i < f->n; i++)
		by[i] = &f->cpus[i];
	if (f->n)
		qsort(by, (size_t)f->n, sizeof(*by), by_start);
	for (int i = 1; ok && i < f->n; i++)
		if (by[i]->start < by[i - 1]->end) {
			snprintf(why, whylen, "two CPUs' data overlap");
			ok = false;
		}
	free(by);
	return ok;
}

struct td_fly *td_fly_open(const char *path, struct tep_handle *tep, int ninst,
			   char *why, size_t whylen)
{
	struct td_fly *f = fl_xcalloc(1, sizeof(*f));
	struct meta m = { .ninst = ninst };
	struct stat sb;
	uint64_t opts;

	snprintf(why, whylen, "out of memory");
	f->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (f->fd < 0 || fstat(f->fd, &sb)) {
		snprintf(why, whylen, "%s", strerror(errno));
		goto fail;
	}
	f->fsize = (uint64_t)sb.st_size;
	if (tep_is_file_bigendian(tep) || tep_is_old_format(tep)) {
		snprintf(why, whylen, "big-endian or old-format ring buffer");
		goto fail;
	}
	/* the ring buffer's page header as libtracecmd would read it */
	if ((tep_get_header_page_size(tep) != 4 && tep_get_header_page_size(tep) != 8) ||
	    tep_get_header_timestamp_size(tep) != 8) {
		snprintf(why, whylen, "page header of %d-byte commit, %d-byte timestamp",
			 tep_get_header_page_size(tep), tep_get_header_timestamp_size(tep));
		goto fail;
	}
	f->lsize = (unsigned int)tep_get_header_page_size(tep);
	if (read_header(f, &opts, why, whylen))
		goto fail;
	if (f->comp == FLY_ZSTD && !(f->zd = ZSTD_createDCtx()))
		goto fail;
	if (read_options(f, &m, opts, why, whylen))
		goto fail;
	if (f->n)
		qsort(f->cpus, (size_t)f->n, sizeof(*f->cpus), by_buffer_cpu);
	if (!layout_sane(f, why, whylen))
		goto fail;
	f->heap = fl_xcalloc((size_t)f->n + 1, sizeof(*f->heap));
	for (int i = 0; i < f->n; i++) {
		f->cpus[i].kbuf = kbuffer_alloc(f->lsize == 8 ? KBUFFER_LSIZE_8 : KBUFFER_LSIZE_4,
						KBUFFER_ENDIAN_LITTLE);
		if (!f->cpus[i].kbuf)
			goto fail;
	}
	return f;
fail:
	td_fly_close(f);
	return NULL;
}

void td_fly_close(struct td_fly *f)
{
	if (!f)
		return;
	for (int i = 0; i < f->n; i++) {
		if (f->cpus[i].kbuf)
			kbuffer_free(f->cpus[i].kbuf);
		free(f->cpus[i].buf);
	}
	free(f->cpus);
	free(f->heap);
	free(f->zin);
	ZSTD_freeDCtx(f->zd);
	if (f->fd >= 0)
		close(f->fd);
	free(f);
}
