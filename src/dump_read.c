// SPDX-License-Identifier: GPL-2.0
/*
 * The dump reader.  Large buffered reads, a CRC per record, one event on
 * the stack at a time: no allocation per event.  A damaged or incomplete
 * record ends the read; everything before it is used and the report is
 * marked partial with the reason.  Only a missing or damaged header (or a
 * file that is no dump) is an error.
 */
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dump.h"
#include "rules.h"
#include "util.h"

/*
 * Room for the largest record and its header, and small enough that what
 * read() copies in is still in the CPU's cache when the CRC and the
 * decoding read it (8 MiB reads were 5-10% slower in all).
 */
#define RBUF_SIZE	(FL_DUMP_MAX_REC + (64U << 10))

struct src {
	int fd;				/* -1: reading from memory */
	const unsigned char *mem;	/* memory, or the buffer */
	unsigned char *buf;
	size_t start, end;		/* valid bytes [start, end) of mem */
	uint64_t off;			/* file offset of mem[start] */
	bool eof;
	int err;			/* read() failure */
	/*
	 * The CRC of the last record's type and length: event records of
	 * one length share it, and an 8-byte CRC call cost as much as the
	 * payload's, so it is computed when the pair changes, not per record.
	 */
	uint64_t head_key;
	uint32_t head_crc;
	bool head_valid;
	/*
	 * The event being read, zero past its record: kept here so that only
	 * the bytes a longer record before it left (its frames) are cleared,
	 * not the whole tail every time.
	 */
	struct fl_event ev;
	size_t ev_dirty;		/* bytes of ev that may be non-zero */
};

/* At least @n contiguous bytes at the read position, or NULL at the end. */
static const unsigned char *src_get(struct src *s, size_t n)
{
	if (s->end - s->start >= n)
		return s->mem + s->start;
	if (s->fd < 0 || s->eof)
		return NULL;
	memmove(s->buf, s->buf + s->start, s->end - s->start);
	s->end -= s->start;
	s->start = 0;
	while (s->end < n && !s->eof) {
		ssize_t r = read(s->fd, s->buf + s->end, RBUF_SIZE - s->end);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			s->err = errno;
		if (r <= 0)
			s->eof = true;
		else
			s->end += r;
	}
	return s->end - s->start >= n ? s->mem + s->start : NULL;
}

static void src_skip(struct src *s, size_t n)
{
	s->start += n;
	s->off += n;
}

static void seterr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* ---- header ------------------------------------------------------------ */

/* @o's member @key if it is of @type (json_type_double: any number), else NULL */
static json_object *jget(json_object *o, const char *key, json_type type)
{
	json_object *v;

	if (!json_object_object_get_ex(o, key, &v))
		return NULL;
	if (type == json_type_double && json_object_is_type(v, json_type_int))
		return v;
	return json_object_is_type(v, type) ? v : NULL;
}

static const char *jstr(json_object *o, const char *key)
{
	json_object *v = jget(o, key, json_type_string);

	return v ? json_object_get_string(v) : "";
}

static int64_t jint(json_object *o, const char *key, int64_t dflt)
{
	json_object *v = jget(o, key, json_type_double);

	return v ? json_object_get_int64(v) : dflt;
}

static double jdouble(json_object *o, const char *key, double dflt)
{
	json_object *v = jget(o, key, json_type_double);

	return v ? json_object_get_double(v) : dflt;
}

static bool jbool(json_object *o, const char *key)
{
	json_object *v;

	return json_object_object_get_ex(o, key, &v) && json_object_get_boolean(v);
}

/* "bpf_preemptible": true 1, false or absent 0, null -1 (cannot tell) */
static int header_bpf_preempt(json_object *h)
{
	json_object *v;

	if (!json_object_object_get_ex(h, "bpf_preemptible", &v))
		return 0;
	if (!v)
		return -1;
	return json_object_get_boolean(v) ? 1 : 0;
}

static json_object *jarr(json_object *o, const char *key)
{
	return jget(o, key, json_type_array);
}

#define COPY(dst, s) snprintf(dst, sizeof(dst), "%s", s)

static void header_slots(json_object *h, struct fl_run_info *ri)
{
	json_object *a = jarr(h, "slots");

	for (size_t i = 0; a && i < json_object_array_length(a); i++) {
		json_object *o = json_object_array_get_idx(a, i);
		int64_t s = jint(o, "slot", -1);
		struct fl_slot_info *si;

		if (s < 0 || s >= FL_MAX_SLOTS)
			continue;
		si = &ri->slots[s];
		si->used = true;
		si->kdev = (uint32_t)jint(o, "dev", 0);
		si->magic = (uint32_t)jint(o, "magic", 0);
		COPY(si->fstype, jstr(o, "fstype"));
		COPY(si->mount, jstr(o, "mount"));
	}
}

/* A SLOTS record: the slots an unfiltered run gave out so far. */
static void header_attach(json_object *h, struct fl_run_info *ri)
{
	json_object *a = jarr(h, "attach");

	for (size_t i = 0; a && i < json_object_array_length(a) && ri->nattach < FL_MAX_ATTACH; i++) {
		json_object *o = json_object_array_get_idx(a, i);
		struct fl_attach_status *st = &ri->attach[ri->nattach++];

		COPY(st->prog, jstr(o, "program"));
		COPY(st->target, jstr(o, "target"));
		COPY(st->status, jstr(o, "status"));
		COPY(st->why, jstr(o, "why"));
		COPY(st->module, jstr(o, "module"));
		st->late = jdouble(o, "late_s", -1) >= 0;
		st->late_s = jdouble(o, "late_s", 0);
	}
}

/* The recording kernel's protocol table replaces the local one. */
static void header_protocols(json_object *h)
{
	json_object *a = jarr(h, "protocols");

	for (size_t i = 0; a && i < json_object_array_length(a); i++) {
		json_object *o = json_object_array_get_idx(a, i);
		uint32_t magic = (uint32_t)jint(o, "magic", 0);

		if (fl_fs_proto(magic))
			fl_rules_set_flags(magic, (uint32_t)jint(o, "flags", 0));
		else
			fl_warn("dump: protocol of unknown filesystem %s (0x%x) ignored",
				jstr(o, "name"), magic);
	}
}

/* Hooks a module loaded after the start brought: the whole table again. */
static int attach_rec(const unsigned char *p, size_t len, struct fl_run_info *ri)
{
	struct json_tokener *tok = json_tokener_new();
	json_object *o = json_tokener_parse_ex(tok, (const char *)p, (int)len);

	json_tokener_free(tok);
	if (!o || !json_object_is_type(o, json_type_object) || !jarr(o, "attach")) {
		json_object_put(o);
		return -1;
	}
	ri->nattach = 0;
	header_attach(o, ri);
	header_protocols(o);
	json_object_put(o);
	return 0;
}

static int slots_rec(const unsigned char *p, size_t len, struct fl_run_info *ri)
{
	struct json_tokener *tok = json_tokener_new();
	json_object *o = json_tokener_parse_ex(tok, (const char *)p, (int)len);
	json_object *a;

	json_tokener_free(tok);
	if (!o || !json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		return -1;
	}
	header_slots(o, ri);
	a = jarr(o, "other_magics");
	ri->nother = 0;
	for (size_t i = 0; a && i < json_object_array_length(a) && ri->nother < FL_MAX_OTHER_FS; i++)
		ri->other_magics[ri->nother++] =
			(uint32_t)json_object_get_int64(json_object_array_get_idx(a, i));
	json_object_put(o);
	return 0;
}

static int parse_header(const unsigned char *p, size_t len, struct fl_engine *e,
			struct fl_run_info *ri, struct fl_dump_meta_in *m,
			char *err, size_t errlen)
{
	struct json_tokener *tok = json_tokener_new();
	json_object *h = json_tokener_parse_ex(tok, (const char *)p, (int)len);
	int64_t abi, size;

	json_tokener_free(tok);
	if (!h || !json_object_is_type(h, json_type_object) ||
	    strcmp(jstr(h, "format"), "faultline-dump")) {
		seterr(err, errlen, "the header record is not a faultline dump header");
		json_object_put(h);
		return -1;
	}
	abi = jint(h, "event_abi", -1);
	size = jint(h, "event_size", -1);
	if (abi < FL_ABI_OLDEST || abi > FL_ABI_VERSION || size != (int64_t)sizeof(struct fl_event)) {
		seterr(err, errlen, "events of ABI %lld (%lld bytes); this faultline reads ABI %d "
		       "to %d (%zu bytes)", (long long)abi, (long long)size, FL_ABI_OLDEST,
		       FL_ABI_VERSION, sizeof(struct fl_event));
		json_object_put(h);
		return -1;
	}
	COPY(ri->kernel, jstr(h, "kernel"));
	COPY(m->boot_id, jstr(h, "boot_id"));
	COPY(m->host, jstr(h, "host"));
	COPY(m->clock, jstr(h, "clock"));
	COPY(m->locks, jstr(h, "lock_evidence"));
	COPY(m->attach_mode, jstr(h, "attach_mode"));
	m->page_shift = (uint32_t)jint(h, "page_shift", 12);
	ri->lock_words = jbool(h, "lock_words_readable");
	/* absent in older dumps: their kernels' words were count/owner or unread */
	COPY(ri->lock_word_shape, jstr(h, "lock_word_shape"));
	ri->locks = m->locks;
	/* precise only; absent in older dumps, whose records decided */
	ri->bpf_preempt = header_bpf_preempt(h);
	ri->attach_mode = m->attach_mode;
	/* counts come from BPF's snapshots when the recorder wrote them */
	e->count_events = !jbool(h, "counter_snapshots");
	{
		json_object *f;

		if (json_object_object_get_ex(h, "filters", &f))
			ri->filtered = jbool(f, "filtered");
	}
	header_slots(h, ri);
	header_attach(h, ri);
	header_protocols(h);
	json_object_put(h);
	return 0;
}

/* ---- records ----------------------------------------------------------- */

static int sym_add(struct fl_dump_meta_in *m, const unsigned char *p, size_t len)
{
	struct fl_ksyms *ks = &m->syms;
	size_t lo = 0, hi, nlen = len - 8;
	uint64_t addr;
	char *name;

	memcpy(&addr, p, 8);
	hi = ks->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (ks->syms[mid].addr < addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	name = malloc(nlen + 1);
	if (!name)
		return -1;
	memcpy(name, p + 8, nlen);
	name[nlen] = 0;
	if (lo < ks->n && ks->syms[lo].addr == addr) {
		free(ks->syms[lo].name);
		ks->syms[lo].name = name;
		return 0;
	}
	if (ks->n >= FL_DUMP_MAX_SYMS) {
		m->syms_dropped++;
		free(name);
		return 0;
	}
	if (!fl_grow((void **)&ks->syms, &ks->cap, ks->n, sizeof(*ks->syms), 256)) {
		free(name);
		return -1;
	}
	memmove(&ks->syms[lo + 1], &ks->syms[lo], (ks->n - lo) * sizeof(ks->syms[0]));
	ks->syms[lo].addr = addr;
	ks->syms[lo].name = name;
	ks->n++;
	return 0;
}

/* Appends to a bounded array; false when full (the record is then dropped). */
static bool grow(void **arr, size_t *n, size_t max, size_t size)
{
	void *a;

	if (*n >= max)
		return false;
	/* capacity: 16, then doubled whenever n reaches a power of two */
	if (*n && (*n < 16 || (*n & (*n - 1))))
		return true;
	a = realloc(*arr, (*n ? *n * 2 : 16) * size);
	if (!a)
		return false;
	*arr = a;
	return true;
}

/* A record of a fixed @size into @dst; false (malformed) if it is not that size. */
static bool fixed_rec(void *dst, size_t size, const unsigned char *p, size_t len)
{
	if (len != size)
		return false;
	memcpy(dst, p, len);
	return true;
}

/*
 * A fixed-size record appended to @arr; -1 if it is not that size.  Beyond
 * @max (or without memory) it is dropped, as a truncated dump would.
 */
static int append_rec(void **arr, size_t *n, size_t max, size_t size,
		      const unsigned char *p, size_t len)
{
	if (len != size)
		return -1;
	if (grow(arr, n, max, size))
		memcpy((char *)*arr + (*n)++ * size, p, len);
	return 0;
}

static int counts_rec(const unsigned char *p, size_t len, struct fl_engine *e,
		      struct fl_run_info *ri)
{
	struct fl_rec_counts h;
	size_t need;

	if (len < sizeof(h))
		return -1;
	memcpy(&h, p, sizeof(h));
	if (!h.nslots || h.nslots > 64 || !h.ncnt || h.ncnt > 1024 || h.ncpus > FL_DUMP_MAX_CPUS)
		return -1;
	need = sizeof(h) + (size_t)h.nslots * h.ncnt * 8 + (size_t)h.ncpus * 8;
	if (len != need)
		return -1;
	/* a later faultline may count more: take what this one knows */
	memset(e->slots, 0, sizeof(e->slots));
	for (uint32_t s = 0; s < h.nslots && s < FL_MAX_SLOTS; s++)
		for (uint32_t c = 0; c < h.ncnt && c < FL_CNT_MAX; c++)
			memcpy(&e->slots[s].c[c], p + sizeof(h) + ((size_t)s * h.ncnt + c) * 8, 8);
	if ((int)h.ncpus != ri->ncpus) {
		uint64_t *l = calloc(h.ncpus ? h.ncpus : 1, 8);

		if (!l)
			return -1;
		free(ri->lost_per_cpu);
		ri->lost_per_cpu = l;
		ri->ncpus = h.ncpus;
	}
	if (h.ncpus)
		memcpy(ri->lost_per_cpu, p + sizeof(h) + (size_t)h.nslots * h.ncnt * 8,
		       h.ncpus * 8);
	return 0;
}

/* An event record into s->ev, zero past its length; false if malformed. */
static bool event_rec(struct src *s, const unsigned char *p, size_t len)
{
	const size_t ev_fixed = offsetof(struct fl_event, frames);
	struct fl_event *ev = &s->ev;
	size_t nf;

	if (len < ev_fixed || len > sizeof(*ev) || (len - ev_fixed) % 8)
		return false;
	nf = (len - ev_fixed) / 8;
	/* the usual length, no stack, as a fixed-size copy the compiler inlines */
	if (len == FL_EVENT_HEAD)
		memcpy(ev, p, FL_EVENT_HEAD);
	else
		memcpy(ev, p, len);
	if (s->ev_dirty > len)
		memset((char *)ev + len, 0, s->ev_dirty - len);
	s->ev_dirty = len;
	if (ev->nr_frames > nf && nf < FL_MAX_FRAMES)
		ev->nr_frames = nf;
	return true;
}

/* One record; -1 when it is malformed although its checksum is right. */
static int one_record(struct src *s, uint32_t type, const unsigned char *p, size_t len,
		      struct fl_engine *e, struct fl_run_info *ri, struct fl_dump_meta_in *m,
		      struct fl_rec_end *end, bool *ended)
{
	switch (type) {
	case FL_REC_EVENT:
		if (!event_rec(s, p, len))
			return -1;
		fl_engine_feed(e, &s->ev);
		m->events++;
		if (m->on_event)
			m->on_event(m->cb_ctx, &s->ev);
		return 0;
	case FL_REC_COUNTS:
		if (counts_rec(p, len, e, ri))
			return -1;
		m->have_counts = true;
		m->events_at_counts = m->events;
		return 0;
	case FL_REC_LOST: {
		struct fl_rec_lost l;

		if (!fixed_rec(&l, sizeof(l), p, len))
			return -1;
		if (m->on_lost)
			m->on_lost(m->cb_ctx, &l);
		return 0;
	}
	case FL_REC_REPEAT:
		return append_rec((void **)&m->repeats, &m->nrepeats, FL_DUMP_MAX_REPEATS,
				  sizeof(*m->repeats), p, len);
	case FL_REC_LO_EDGE: {
		struct fl_rec_lo_edge r;

		if (!fixed_rec(&r, sizeof(r), p, len))
			return -1;
		fl_lo_sync_counted_edge(e->lo, &r.key, r.n);
		return 0;
	}
	case FL_REC_LO_CLASS: {
		struct fl_rec_lo_class r;

		if (!fixed_rec(&r, sizeof(r), p, len))
			return -1;
		fl_lo_sync_counted_class(e->lo, &r.key, &r.c);
		return 0;
	}
	case FL_REC_SETTLE:
		return append_rec((void **)&m->settle, &m->nsettle, FL_DUMP_MAX_SETTLE,
				  sizeof(*m->settle), p, len);
	case FL_REC_SYM:
		if (len <= 8 || len > 8 + 512)
			return -1;
		return sym_add(m, p, len);
	case FL_REC_PATH: {
		struct fl_dump_path *dp;

		if (len <= sizeof(struct fl_inode_key) || len > sizeof(struct fl_inode_key) + 4096)
			return -1;
		if (!grow((void **)&m->paths, &m->npaths, FL_DUMP_MAX_PATHS, sizeof(*dp)))
			return 0;
		dp = &m->paths[m->npaths++];
		memcpy(&dp->key, p, sizeof(dp->key));
		dp->path = strndup((const char *)p + sizeof(dp->key), len - sizeof(dp->key));
		return 0;
	}
	case FL_REC_END:
		if (!fixed_rec(end, sizeof(*end), p, len))
			return -1;
		*ended = true;
		return 0;
	case FL_REC_SLOTS:
		return slots_rec(p, len, ri);
	case FL_REC_ATTACH:
		return attach_rec(p, len, ri);
	case FL_REC_PRECISE: {
		struct fl_rec_precise r;

		if (!fixed_rec(&r, sizeof(r), p, len) || r.holds > r.skipped)
			return -1;
		ri->precise_skipped_known = true;
		ri->precise_skipped = r.skipped;
		ri->precise_skipped_holds = r.holds;
		return 0;
	}
	case FL_REC_HEADER:
		return -1;		/* only once, first */
	default:
		return 0;		/* a later faultline's record: skipped */
	}
}

/* s->head_crc for the type and length of @h */
static void rec_crc_head(struct src *s, const struct fl_rec_hdr *h)
{
	uint64_t key = (uint64_t)h->type << 32 | h->len;

	if (!s->head_valid || s->head_key != key) {
		s->head_crc = fl_crc32(0, h, offsetof(struct fl_rec_hdr, crc));
		s->head_key = key;
		s->head_valid = true;
	}
}

/* The CRC of the record at the read position: header @h, payload @payload. */
static uint32_t rec_crc(struct src *s, const struct fl_rec_hdr *h, const unsigned char *payload)
{
	rec_crc_head(s, h);
	return fl_crc32(s->head_crc, payload, h->len);
}

/*
 * The bulk of a dump: event records of one length back to back.  From the
 * read position, groups of four records with the type and length of @h,
 * whole in the buffer, have their CRCs computed together (fl_crc32_x4)
 * and, when all four are intact, are used as the record-by-record loop
 * would.  Anything else (another record, a damaged one, the buffer's end)
 * is left to that loop, which says what is wrong.  True if any was used.
 */
static bool event_run(struct src *s, const struct fl_rec_hdr *h, struct fl_engine *e,
		      struct fl_dump_meta_in *m, uint64_t *first_ts, uint64_t *last_ts)
{
	const size_t rec = sizeof(*h) + h->len;
	const size_t crc_at = offsetof(struct fl_rec_hdr, crc);
	bool used = false;

	if (h->type != FL_REC_EVENT || !h->len || h->len % 16 ||
	    h->len < FL_EVENT_HEAD || h->len > sizeof(struct fl_event))
		return false;
	rec_crc_head(s, h);
	while (s->end - s->start >= 4 * rec) {
		const unsigned char *r = s->mem + s->start;
		const unsigned char *p[4];
		uint32_t crc[4], want;

		for (int i = 0; i < 4; i++) {
			if (memcmp(r + i * rec, h, crc_at))
				return used;
			p[i] = r + i * rec + sizeof(*h);
			crc[i] = s->head_crc;
		}
		fl_crc32_x4(crc, p, h->len);
		for (int i = 0; i < 4; i++) {
			memcpy(&want, r + i * rec + crc_at, sizeof(want));
			if (crc[i] != want)
				return used;
		}
		for (int i = 0; i < 4; i++) {
			event_rec(s, p[i], h->len);
			fl_engine_feed(e, &s->ev);
			m->events++;
			if (m->on_event)
				m->on_event(m->cb_ctx, &s->ev);
			if (!*first_ts)
				*first_ts = s->ev.ts;
			*last_ts = s->ev.ts;
			src_skip(s, rec);
			m->records++;
		}
		m->bytes_ok = s->off;
		used = true;
	}
	return used;
}

/* The preamble and the header record: anything wrong here is an error. */
static int read_start(struct src *s, struct fl_engine *e, struct fl_run_info *ri,
		      struct fl_dump_meta_in *m, char *err, size_t errlen)
{
	const unsigned char *p = src_get(s, FL_DUMP_PREAMBLE);
	struct fl_rec_hdr h;
	uint32_t ver;

	if (!p) {
		if (s->err)
			seterr(err, errlen, "read error: %s", strerror(s->err));
		else if (s->end == s->start)
			seterr(err, errlen, "empty file");
		else
			seterr(err, errlen, "too short for a faultline dump (%zu bytes)",
			       s->end - s->start);
		return -1;
	}
	if (memcmp(p, FL_DUMP_MAGIC, FL_DUMP_MAGIC_LEN)) {
		seterr(err, errlen, "not a faultline dump (wrong magic)");
		return -1;
	}
	memcpy(&ver, p + 8, 4);
	if (memcmp(p + 12, "\0\0\0\0", 4)) {
		seterr(err, errlen, "damaged preamble (reserved bytes not zero)");
		return -1;
	}
	if (ver == __builtin_bswap32(FL_DUMP_VERSION)) {
		seterr(err, errlen, "dump written with the other byte order: not supported");
		return -1;
	}
	if (ver == 0 || ver > FL_DUMP_VERSION) {
		seterr(err, errlen, "dump format version %u; this faultline reads up to %d",
		       ver, FL_DUMP_VERSION);
		return -1;
	}
	m->version = ver;
	src_skip(s, FL_DUMP_PREAMBLE);
	p = src_get(s, sizeof(h));
	if (!p) {
		seterr(err, errlen, "the dump ends before its header record");
		return -1;
	}
	memcpy(&h, p, sizeof(h));
	if (h.type != FL_REC_HEADER || h.len > FL_DUMP_MAX_REC) {
		seterr(err, errlen, "the header record is damaged (type %u, length %u)",
		       h.type, h.len);
		return -1;
	}
	p = src_get(s, sizeof(h) + h.len);
	if (!p) {
		seterr(err, errlen, "the dump ends inside its header record");
		return -1;
	}
	if (rec_crc(s, &h, p + sizeof(h)) != h.crc) {
		seterr(err, errlen, "the header record is damaged (checksum mismatch)");
		return -1;
	}
	if (parse_header(p + sizeof(h), h.len, e, ri, m, err, errlen))
		return -1;
	src_skip(s, sizeof(h) + h.len);
	m->records = 1;
	m->bytes_ok = s->off;
	return 0;
}

static void settle_and_paths(struct fl_engine *e, struct fl_dump_meta_in *m)
{
	for (size_t i = 0; i < m->nrepeats; i++)
		fl_engine_sync_repeats(e, &m->repeats[i].key, m->repeats[i].repeats);
	fl_engine_settle_stale(e, fl_dump_changes, m);
	for (size_t i = 0; i < e->nviol; i++) {
		const struct fl_inode_key *k = &e->viol[i].ev.inode;

		for (size_t j = 0; j < m->npaths && !e->viol[i].path; j++)
			if (m->paths[j].key.dev == k->dev && m->paths[j].key.ino == k->ino &&
			    m->paths[j].key.gen == k->gen && m->paths[j].path)
				e->viol[i].path = fl_xstrdup(m->paths[j].path);
	}
}

static int read_all(struct src *s, struct fl_engine *e, struct fl_run_info *ri,
		    struct fl_dump_meta_in *m, char *err, size_t errlen)
{
	struct fl_rec_end end = { 0 };
	bool ended = false;
	uint64_t first_ts = 0, last_ts = 0;

	ri->mode = "report";
	ri->ksyms = &m->syms;
	if (read_start(s, e, ri, m, err, errlen))
		return -1;
	for (;;) {
		const unsigned char *p = src_get(s, sizeof(struct fl_rec_hdr));
		struct fl_rec_hdr h;

		if (!p) {
			if (s->err)
				seterr(m->why, sizeof(m->why), "read error at offset %llu: %s",
				       (unsigned long long)s->off, strerror(s->err));
			else if (s->end > s->start)
				seterr(m->why, sizeof(m->why), "the dump ends inside a record "
				       "header at offset %llu", (unsigned long long)s->off);
			else
				seterr(m->why, sizeof(m->why), "no END record: the recording was "
				       "cut short (killed, crashed or out of disk)");
			break;
		}
		memcpy(&h, p, sizeof(h));
		if (event_run(s, &h, e, m, &first_ts, &last_ts))
			continue;
		if (h.len > FL_DUMP_MAX_REC) {
			seterr(m->why, sizeof(m->why), "damaged record at offset %llu (length %u)",
			       (unsigned long long)s->off, h.len);
			break;
		}
		p = src_get(s, sizeof(h) + h.len);
		if (!p) {
			seterr(m->why, sizeof(m->why), s->err ? "read error at offset %llu" :
			       "the dump ends inside a record at offset %llu",
			       (unsigned long long)s->off);
			break;
		}
		if (rec_crc(s, &h, p + sizeof(h)) != h.crc) {
			seterr(m->why, sizeof(m->why), "checksum mismatch in the record at offset %llu",
			       (unsigned long long)s->off);
			break;
		}
		if (one_record(s, h.type, p + sizeof(h), h.len, e, ri, m, &end, &ended)) {
			seterr(m->why, sizeof(m->why), "malformed record (type %u) at offset %llu",
			       h.type, (unsigned long long)s->off);
			break;
		}
		if (h.type == FL_REC_EVENT) {
			if (!first_ts)
				first_ts = s->ev.ts;
			last_ts = s->ev.ts;
		}
		src_skip(s, sizeof(h) + h.len);
		m->records++;
		m->bytes_ok = s->off;
		if (ended)
			break;
	}
	if (ended) {
		ri->duration_s = end.duration_s;
		if (end.flags & FL_END_CUT)
			seterr(m->why, sizeof(m->why), "the recording stopped at its --max-size");
		else if (end.flags & FL_END_ERROR)
			seterr(m->why, sizeof(m->why), "the recorder could not write every record");
		else
			m->complete = true;
	} else {
		ri->duration_s = last_ts > first_ts ? (last_ts - first_ts) / 1e9 : 0;
	}
	/* counts are BPF's: a cut dump has those of its last snapshot only */
	if (!m->complete && !e->count_events && m->events > m->events_at_counts) {
		size_t l = strlen(m->why);

		snprintf(m->why + l, sizeof(m->why) - l, "; counts are the last snapshot's, "
			 "%llu events read after it are not in them",
			 (unsigned long long)(m->events - m->events_at_counts));
	}
	settle_and_paths(e, m);
	return 0;
}

int fl_dump_read_mem(const void *buf, size_t len, struct fl_engine *e, struct fl_run_info *ri,
		     struct fl_dump_meta_in *m, char *err, size_t errlen)
{
	struct src s = { .fd = -1, .mem = buf, .end = len };

	return read_all(&s, e, ri, m, err, errlen);
}

int fl_dump_read(const char *path, struct fl_engine *e, struct fl_run_info *ri,
		 struct fl_dump_meta_in *m, char *err, size_t errlen)
{
	struct src s = { 0 };
	int ret;

	s.fd = fl_open_regular(path, err, errlen);
	if (s.fd < 0)
		return -1;
	s.buf = malloc(RBUF_SIZE);
	if (!s.buf) {
		close(s.fd);
		seterr(err, errlen, "out of memory");
		return -1;
	}
	s.mem = s.buf;
	ret = read_all(&s, e, ri, m, err, errlen);
	free(s.buf);
	close(s.fd);
	return ret;
}

int fl_open_regular(const char *path, char *err, size_t errlen)
{
	struct stat st;
	/* O_NONBLOCK: opening a FIFO without a writer must not hang */
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);

	if (fd < 0) {
		seterr(err, errlen, "%s", strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		seterr(err, errlen, S_ISDIR(st.st_mode) ? "is a directory" :
		       "not a regular file (pipe, socket or device): save the dump to a file");
		close(fd);
		return -1;
	}
	/* regular files never block; plain reads from here on */
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	return fd;
}

void fl_dump_meta_free(struct fl_dump_meta_in *m)
{
	for (size_t i = 0; i < m->syms.n; i++)
		free(m->syms.syms[i].name);
	free(m->syms.syms);
	for (size_t i = 0; i < m->npaths; i++)
		free(m->paths[i].path);
	free(m->paths);
	free(m->settle);
	free(m->repeats);
	memset(&m->syms, 0, sizeof(m->syms));
	m->paths = NULL;
	m->settle = NULL;
	m->repeats = NULL;
	m->npaths = m->nsettle = m->nrepeats = m->settle_next = 0;
}

const char *fl_dump_symname(void *ctx, uint64_t addr)
{
	struct fl_dump_meta_in *m = ctx;

	return fl_ksyms_name(&m->syms, addr);
}

/*
 * The recorder answered the engine's questions in order, checking the
 * inode's identity live (@who is not in the record): answer in the same
 * order, so two finds at one address (two inodes in turn) get their own.
 */
bool fl_dump_changes(void *ctx, uint64_t kaddr, const struct fl_inode_key *who, uint64_t *n)
{
	struct fl_dump_meta_in *m = ctx;

	(void)who;
	for (size_t i = m->settle_next; i < m->nsettle; i++)
		if (m->settle[i].kaddr == kaddr) {
			m->settle_next = i + 1;
			*n = m->settle[i].changes;
			return m->settle[i].present;
		}
	return false;
}
