// SPDX-License-Identifier: GPL-2.0
/*
 * The dump writer.  Records are assembled whole in a buffer and written
 * out when it fills or about once a second (fl_dump_flush), so a dump cut
 * by kill -9, a crash or a full disk ends in at most one partial record,
 * which the reader's CRC check drops.  --max-size reserves room for a last
 * counter snapshot and the END record, so a cut dump says it was cut.
 */
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dump.h"
#include "rules.h"
#include "util.h"

/* a record of the largest size and its header fit */
#define WBUF_SIZE	(FL_DUMP_MAX_REC + (64U << 10))
/* what a final COUNTS, PRECISE and END take (FL_MAX_DUMP_CPUS bounds the CPUs) */
#define RESERVE(ncpus)	(3 * sizeof(struct fl_rec_hdr) + sizeof(struct fl_rec_counts) + \
			 FL_MAX_SLOTS * FL_CNT_MAX * 8 + (ncpus) * 8 + \
			 sizeof(struct fl_rec_precise) + sizeof(struct fl_rec_end))

struct fl_dump_writer {
	int fd;
	char *path;
	unsigned char *buf;
	size_t used;
	uint64_t written;	/* bytes in the file */
	uint64_t max_size;	/* 0 = no limit */
	uint64_t reserve;
	uint64_t events;
	bool cut, failed, reserve_used;
	bool started;		/* the header is written */
	const struct fl_ksyms *ks;
	unsigned char *sym_done;	/* one bit per ks symbol: already written */
};

static int write_all(struct fl_dump_writer *w, const void *p, size_t n)
{
	const unsigned char *c = p;

	while (n) {
		ssize_t r = write(w->fd, c, n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			int err = r < 0 ? errno : EIO;

			if (!w->failed)
				fl_err("record: writing %s: %s; the dump ends at its last whole "
				       "record", w->path, strerror(err));
			w->failed = true;
			return -err;
		}
		c += r;
		n -= r;
		w->written += r;
	}
	return 0;
}

int fl_dump_flush(struct fl_dump_writer *w)
{
	int err;

	if (!w->used || w->failed)
		return w->failed ? -EIO : 0;
	err = write_all(w, w->buf, w->used);
	w->used = 0;
	return err;
}

struct fl_dump_writer *fl_dump_create(const char *path, uint64_t max_size)
{
	struct fl_dump_writer *w;
	unsigned char pre[FL_DUMP_PREAMBLE] = { 0 };
	uint32_t ver = FL_DUMP_VERSION;
	struct stat st;
	int fd;

	/* O_NOFOLLOW: root must not be led to overwrite a symlink's target */
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		fl_err("record: cannot create %s: %s", path, strerror(errno));
		return NULL;
	}
	/* 0600 whatever the umask or an older file's mode: dumps name files and tasks */
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || fchmod(fd, 0600)) {
		fl_err("record: %s: not a regular file that can be made private", path);
		close(fd);
		return NULL;
	}
	w = fl_xcalloc(1, sizeof(*w));
	w->fd = fd;
	w->path = fl_xstrdup(path);
	w->buf = fl_xcalloc(1, WBUF_SIZE);
	w->max_size = max_size;
	memcpy(pre, FL_DUMP_MAGIC, FL_DUMP_MAGIC_LEN);
	memcpy(pre + 8, &ver, sizeof(ver));
	memcpy(w->buf, pre, sizeof(pre));
	w->used = sizeof(pre);
	return w;
}

/*
 * Appends one record.  With a size limit the last stretch is kept for the
 * closing records (w->reserve_used lets them in); past it the writer is
 * cut and every later record is refused.
 */
int fl_dump_record(struct fl_dump_writer *w, uint32_t type, const void *a, size_t alen,
		   const void *b, size_t blen)
{
	struct fl_rec_hdr h = { .type = type, .len = (uint32_t)(alen + blen) };
	size_t total = sizeof(h) + alen + blen;
	unsigned char *p;

	uint64_t keep;

	if (w->failed || (w->cut && !w->reserve_used))
		return -ENOSPC;
	if (alen + blen > FL_DUMP_MAX_REC)
		return -EINVAL;
	/* closing records keep room for END only; END takes the last of it */
	keep = !w->reserve_used ? w->reserve :
	       type == FL_REC_END ? 0 : sizeof(h) + sizeof(struct fl_rec_end);
	if (w->max_size && w->written + w->used + total + keep > w->max_size) {
		w->cut = true;
		return -ENOSPC;
	}
	if (w->used + total > WBUF_SIZE && fl_dump_flush(w))
		return -EIO;
	h.crc = fl_crc32(0, &h, offsetof(struct fl_rec_hdr, crc));
	if (alen)
		h.crc = fl_crc32(h.crc, a, alen);
	if (blen)
		h.crc = fl_crc32(h.crc, b, blen);
	p = w->buf + w->used;
	memcpy(p, &h, sizeof(h));
	if (alen)
		memcpy(p + sizeof(h), a, alen);
	if (blen)
		memcpy(p + sizeof(h) + alen, b, blen);
	w->used += total;
	return 0;
}

static json_object *u32_array(const uint32_t *v, int n)
{
	json_object *a = json_object_new_array();

	for (int i = 0; i < n; i++)
		json_object_array_add(a, json_object_new_int64(v[i]));
	return a;
}

static void read_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "re");

	buf[0] = 0;
	if (!f)
		return;
	if (fgets(buf, len, f))
		buf[strcspn(buf, "\n")] = 0;
	fclose(f);
}

static json_object *slots_json(const struct fl_run_info *ri)
{
	json_object *slots = json_object_new_array();

	for (int s = 0; s < FL_MAX_SLOTS; s++) {
		const struct fl_slot_info *si = &ri->slots[s];
		json_object *o;

		if (!si->used)
			continue;
		o = json_object_new_object();
		json_object_object_add(o, "slot", json_object_new_int(s));
		json_object_object_add(o, "dev", json_object_new_int64(si->kdev));
		json_object_object_add(o, "magic", json_object_new_int64(si->magic));
		json_object_object_add(o, "fstype", json_object_new_string(si->fstype));
		json_object_object_add(o, "mount", json_object_new_string(si->mount));
		json_object_array_add(slots, o);
	}
	return slots;
}

/* The protocol table as resolved on this kernel (and --assume-protocol). */
static json_object *protocols_json(void)
{
	json_object *protos = json_object_new_array();
	unsigned int np;
	const struct fl_fs_proto *p = fl_fs_protos(&np);

	for (unsigned int i = 0; i < np; i++) {
		json_object *o = json_object_new_object();

		json_object_object_add(o, "magic", json_object_new_int64(p[i].magic));
		json_object_object_add(o, "name", json_object_new_string(p[i].name));
		json_object_object_add(o, "flags", json_object_new_int64(p[i].flags));
		json_object_array_add(protos, o);
	}
	return protos;
}

static json_object *header_json(const struct fl_run_info *ri, const struct fl_dump_meta *m)
{
	json_object *h = json_object_new_object();
	json_object *cmd = json_object_new_array();
	json_object *filters = json_object_new_object();
	char buf[256];

	json_object_object_add(h, "format", json_object_new_string("faultline-dump"));
	json_object_object_add(h, "format_version", json_object_new_int(FL_DUMP_VERSION));
	json_object_object_add(h, "event_abi", json_object_new_int(FL_ABI_VERSION));
	json_object_object_add(h, "event_size", json_object_new_int(sizeof(struct fl_event)));
	json_object_object_add(h, "byte_order", json_object_new_string("little"));
	json_object_object_add(h, "kernel", json_object_new_string(ri->kernel));
	read_line("/proc/sys/kernel/random/boot_id", buf, sizeof(buf));
	json_object_object_add(h, "boot_id", json_object_new_string(buf));
	if (gethostname(buf, sizeof(buf)))
		buf[0] = 0;
	buf[sizeof(buf) - 1] = 0;
	json_object_object_add(h, "host", json_object_new_string(buf));
	json_object_object_add(h, "clock", json_object_new_string("CLOCK_MONOTONIC"));
	json_object_object_add(h, "page_shift",
			       json_object_new_int(__builtin_ctz(sysconf(_SC_PAGESIZE))));
	json_object_object_add(h, "lock_words_readable", json_object_new_boolean(ri->lock_words));
	json_object_object_add(h, "lock_word_shape", json_object_new_string(ri->lock_word_shape));
	json_object_object_add(h, "lock_evidence", json_object_new_string(ri->locks));
	/* precise: whether its records could decide "not me" (report_fs.c) */
	if (ri->locks && !strcmp(ri->locks, "precise"))
		json_object_object_add(h, "bpf_preemptible", fl_report_bpf_preempt_json(ri));
	json_object_object_add(h, "attach_mode", json_object_new_string(ri->attach_mode));
	json_object_object_add(h, "ncpus", json_object_new_int(ri->ncpus));
	json_object_object_add(h, "counter_snapshots", json_object_new_boolean(!m->no_counters));
	json_object_object_add(filters, "devs", u32_array(m->devs, m->ndevs));
	json_object_object_add(filters, "tgids", u32_array(m->tgids, m->ntgids));
	json_object_object_add(filters, "filtered", json_object_new_boolean(ri->filtered));
	json_object_object_add(h, "filters", filters);
	json_object_object_add(h, "ring_bytes", json_object_new_int64(m->ring_bytes));
	json_object_object_add(h, "duration_opt_s", json_object_new_double(m->duration_opt));
	for (char *const *c = m->cmd; c && *c; c++)
		json_object_array_add(cmd, json_object_new_string(*c));
	json_object_object_add(h, "command", cmd);
	json_object_object_add(h, "slots", slots_json(ri));
	json_object_object_add(h, "attach", fl_report_attach_json(ri));
	json_object_object_add(h, "protocols", protocols_json());
	return h;
}

int fl_dump_start(struct fl_dump_writer *w, const struct fl_run_info *ri,
		  const struct fl_dump_meta *m, const struct fl_ksyms *ks)
{
	json_object *h = header_json(ri, m);
	const char *text = json_object_to_json_string_ext(h, JSON_C_TO_STRING_PLAIN);
	int err;

	w->ks = ks;
	if (ks)
		w->sym_done = fl_xcalloc(ks->n / 8 + 1, 1);
	err = fl_dump_record(w, FL_REC_HEADER, text, strlen(text), NULL, 0);
	json_object_put(h);
	w->reserve = RESERVE(ri->ncpus);
	if (err == -ENOSPC || (w->max_size && w->used + w->reserve > w->max_size)) {
		fl_err("record: --max-size %llu is too small for the dump's header",
		       (unsigned long long)w->max_size);
		return -ENOSPC;
	}
	if (err)
		return err;
	w->started = true;
	return fl_dump_flush(w);
}

/* The symbols of the event's frames not written yet, before the event. */
static int write_syms(struct fl_dump_writer *w, const struct fl_event *ev)
{
	unsigned int n = ev->nr_frames < FL_MAX_FRAMES ? ev->nr_frames : FL_MAX_FRAMES;

	if (!w->ks)
		return 0;
	for (unsigned int i = 0; i < n; i++) {
		const struct fl_ksym *s = fl_ksyms_find(w->ks, ev->frames[i], NULL);
		size_t idx;
		int err;

		if (!s)
			continue;
		idx = s - w->ks->syms;
		if (w->sym_done[idx / 8] & (1U << (idx % 8)))
			continue;
		err = fl_dump_record(w, FL_REC_SYM, &s->addr, sizeof(s->addr), s->name,
				     strlen(s->name));
		if (err)
			return err;
		w->sym_done[idx / 8] |= 1U << (idx % 8);
	}
	return 0;
}

int fl_dump_event(struct fl_dump_writer *w, const struct fl_event *ev)
{
	int err = write_syms(w, ev);

	if (!err)
		err = fl_dump_record(w, FL_REC_EVENT, ev, fl_dump_event_len(ev), NULL, 0);
	if (!err)
		w->events++;
	return err;
}

int fl_dump_slots(struct fl_dump_writer *w, const struct fl_run_info *ri)
{
	json_object *o = json_object_new_object();
	json_object *other = json_object_new_array();
	const char *text;
	int err;

	for (int i = 0; i < ri->nother; i++)
		json_object_array_add(other, json_object_new_int64(ri->other_magics[i]));
	json_object_object_add(o, "slots", slots_json(ri));
	json_object_object_add(o, "other_magics", other);
	text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
	err = fl_dump_record(w, FL_REC_SLOTS, text, strlen(text), NULL, 0);
	json_object_put(o);
	return err;
}

void fl_dump_ksyms(struct fl_dump_writer *w, const struct fl_ksyms *ks)
{
	/* a symbol written again replaces its name in the reader: harmless */
	free(w->sym_done);
	w->sym_done = ks ? fl_xcalloc(ks->n / 8 + 1, 1) : NULL;
	w->ks = ks;
}

int fl_dump_attach(struct fl_dump_writer *w, const struct fl_run_info *ri)
{
	json_object *o = json_object_new_object();
	const char *text;
	int err;

	json_object_object_add(o, "attach", fl_report_attach_json(ri));
	json_object_object_add(o, "protocols", protocols_json());
	text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
	err = fl_dump_record(w, FL_REC_ATTACH, text, strlen(text), NULL, 0);
	json_object_put(o);
	return err;
}

int fl_dump_path(struct fl_dump_writer *w, const struct fl_inode_key *k, const char *path)
{
	if (!path)
		return 0;
	return fl_dump_record(w, FL_REC_PATH, k, sizeof(*k), path, strlen(path));
}

int fl_dump_counts(struct fl_dump_writer *w, uint64_t ts, const struct fl_counts *slots,
		   const uint64_t *lost_per_cpu, int ncpus)
{
	struct fl_rec_counts h = { .ts = ts, .nslots = FL_MAX_SLOTS, .ncnt = FL_CNT_MAX,
				   .ncpus = ncpus };
	size_t clen = FL_MAX_SLOTS * sizeof(*slots);
	unsigned char *body;
	int err;

	if (ncpus < 0 || ncpus > FL_DUMP_MAX_CPUS)
		return -EINVAL;
	body = malloc(sizeof(h) + clen + ncpus * 8);
	if (!body)
		return -ENOMEM;
	memcpy(body, &h, sizeof(h));
	memcpy(body + sizeof(h), slots, clen);
	if (ncpus)
		memcpy(body + sizeof(h) + clen, lost_per_cpu, ncpus * 8);
	err = fl_dump_record(w, FL_REC_COUNTS, body, sizeof(h) + clen + ncpus * 8, NULL, 0);
	free(body);
	return err;
}

int fl_dump_lo_edge(struct fl_dump_writer *w, const struct fl_lo_edge_key *k, uint64_t n)
{
	struct fl_rec_lo_edge r = { .key = *k, .n = n };

	return fl_dump_record(w, FL_REC_LO_EDGE, &r, sizeof(r), NULL, 0);
}

int fl_dump_lo_class(struct fl_dump_writer *w, const struct fl_lo_class_key *k,
		     const struct fl_lo_class_count *c)
{
	struct fl_rec_lo_class r = { .key = *k, .c = *c };

	return fl_dump_record(w, FL_REC_LO_CLASS, &r, sizeof(r), NULL, 0);
}

int fl_dump_repeat(struct fl_dump_writer *w, const struct fl_seen_key *k, uint64_t repeats)
{
	struct fl_rec_repeat r = { .key = *k, .repeats = repeats };

	return fl_dump_record(w, FL_REC_REPEAT, &r, sizeof(r), NULL, 0);
}

int fl_dump_settle(struct fl_dump_writer *w, uint64_t kaddr, bool present, uint64_t changes)
{
	struct fl_rec_settle s = { .kaddr = kaddr, .changes = changes, .present = present };

	return fl_dump_record(w, FL_REC_SETTLE, &s, sizeof(s), NULL, 0);
}

int fl_dump_precise(struct fl_dump_writer *w, const struct fl_run_info *ri)
{
	struct fl_rec_precise r = { .skipped = ri->precise_skipped,
				    .holds = ri->precise_skipped_holds };

	return fl_dump_record(w, FL_REC_PRECISE, &r, sizeof(r), NULL, 0);
}

bool fl_dump_stopped(const struct fl_dump_writer *w)
{
	return w->cut || w->failed;
}

/* Lets the closing records use the reserve kept for them. */
void fl_dump_closing(struct fl_dump_writer *w)
{
	w->reserve_used = true;
}

int fl_dump_close(struct fl_dump_writer *w, double duration_s)
{
	struct fl_rec_end end = { .ts = fl_now_ns(), .events = w->events,
				  .duration_s = duration_s };
	int err;

	if (!w->started) {
		/* the session never began: no dump rather than a headless one */
		close(w->fd);
		unlink(w->path);
		goto out;
	}
	w->reserve_used = true;
	end.flags = (w->cut ? FL_END_CUT : 0) | (w->failed ? FL_END_ERROR : 0);
	fl_dump_record(w, FL_REC_END, &end, sizeof(end), NULL, 0);
	fl_dump_flush(w);
	if (w->cut)
		fl_warn("record: --max-size %llu reached: %s is cut after %llu events and marked "
			"as cut; `faultline report` reports it as partial",
			(unsigned long long)w->max_size, w->path, (unsigned long long)w->events);
	if (fsync(w->fd) && !w->failed) {
		fl_err("record: fsync %s: %s", w->path, strerror(errno));
		w->failed = true;
	}
	if (close(w->fd) && !w->failed) {
		fl_err("record: close %s: %s", w->path, strerror(errno));
		w->failed = true;
	}
out:
	err = w->failed ? -EIO : 0;
	free(w->sym_done);
	free(w->buf);
	free(w->path);
	free(w);
	return err;
}
