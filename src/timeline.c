// SPDX-License-Identifier: GPL-2.0
/*
 * Timeline writer.  Events are streamed to the file as the dump is read
 * (no copy of a big dump in memory); json-c builds each element so comm
 * strings and paths are escaped properly.  Times are microseconds since
 * the first event, the unit of the trace-event format.
 */
#include <errno.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules.h"
#include "timeline.h"
#include "util.h"

struct tl_inode {
	struct fl_inode_key key;
	uint32_t fs_magic;
	bool used;
};

struct tl_window {
	uint32_t pid;
	uint32_t track;
	struct fl_event begin;
};

struct tl_lane {
	uint32_t track, tid;
};

struct fl_timeline {
	FILE *f;
	char *path;
	bool first_written;
	uint64_t t0;
	bool have_t0;
	uint64_t last_ts;
	uint64_t emitted, dropped;
	struct tl_inode *inodes;	/* open addressing, FL_TIMELINE_MAX_INODES * 2 */
	uint32_t ninodes;
	struct tl_window *open;
	size_t nopen, capopen;
	struct tl_lane *lanes;		/* thread names already written */
	size_t nlanes, caplanes;
};

#define HASH_SIZE (FL_TIMELINE_MAX_INODES * 2)

struct fl_timeline *fl_timeline_open(const char *path)
{
	struct fl_timeline *tl;
	FILE *f = fopen(path, "we");

	if (!f) {
		fl_err("cannot write %s: %s", path, strerror(errno));
		return NULL;
	}
	tl = fl_xcalloc(1, sizeof(*tl));
	tl->f = f;
	tl->path = fl_xstrdup(path);
	tl->inodes = fl_xcalloc(HASH_SIZE, sizeof(*tl->inodes));
	fputs("{\"displayTimeUnit\":\"ns\",\"traceEvents\":[\n", f);
	return tl;
}

static void put(struct fl_timeline *tl, json_object *o)
{
	fputs(tl->first_written ? ",\n" : "", tl->f);
	fputs(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
					     JSON_C_TO_STRING_NOSLASHESCAPE), tl->f);
	tl->first_written = true;
	json_object_put(o);
}

static double us(const struct fl_timeline *tl, uint64_t ts)
{
	return ts >= tl->t0 ? (ts - tl->t0) / 1000.0 : 0;
}

static json_object *elem(const char *ph, const char *name, const char *cat, uint32_t pid,
			 uint32_t tid, double ts)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "ph", json_object_new_string(ph));
	json_object_object_add(o, "name", json_object_new_string(name));
	json_object_object_add(o, "cat", json_object_new_string(cat));
	json_object_object_add(o, "pid", json_object_new_int64(pid));
	json_object_object_add(o, "tid", json_object_new_int64(tid));
	json_object_object_add(o, "ts", json_object_new_double(ts));
	return o;
}

static void meta(struct fl_timeline *tl, const char *what, uint32_t pid, uint32_t tid,
		 const char *name)
{
	json_object *o = elem("M", what, "__metadata", pid, tid, 0);
	json_object *args = json_object_new_object();

	json_object_object_add(args, "name", json_object_new_string(name));
	json_object_object_add(o, "args", args);
	put(tl, o);
}

/* The inode's track (a trace "process", numbered from 1); 0 when full. */
static uint32_t track_of(struct fl_timeline *tl, const struct fl_event *ev)
{
	const struct fl_inode_key *k = &ev->inode;
	uint64_t h = (k->ino * 0x9e3779b97f4a7c15ull) ^ k->dev ^ ((uint64_t)k->gen << 32);
	char name[96];

	for (uint32_t i = 0; i < HASH_SIZE; i++) {
		uint32_t slot = (h + i) % HASH_SIZE;
		struct tl_inode *n = &tl->inodes[slot];

		if (n->used && !memcmp(&n->key, k, sizeof(*k)))
			return slot + 1;
		if (n->used)
			continue;
		if (tl->ninodes >= FL_TIMELINE_MAX_INODES)
			return 0;
		n->used = true;
		n->key = *k;
		tl->ninodes++;
		snprintf(name, sizeof(name), "inode %u:%u ino %" PRIu64 " (%s)",
			 fl_kdev_major(k->dev), fl_kdev_minor(k->dev), (uint64_t)k->ino,
			 fl_fs_name(ev->fs_magic));
		meta(tl, "process_name", slot + 1, 0, name);
		return slot + 1;
	}
	return 0;
}

static void lane(struct fl_timeline *tl, uint32_t track, const struct fl_event *ev)
{
	char name[48];

	for (size_t i = 0; i < tl->nlanes; i++)
		if (tl->lanes[i].track == track && tl->lanes[i].tid == ev->pid)
			return;
	if (tl->nlanes >= FL_TIMELINE_MAX_INODES)
		return;		/* unnamed lanes beyond this: still drawn */
	if (!fl_grow((void **)&tl->lanes, &tl->caplanes, tl->nlanes, sizeof(*tl->lanes), 64))
		return;
	tl->lanes[tl->nlanes++] = (struct tl_lane){ track, ev->pid };
	snprintf(name, sizeof(name), "%.16s %u", ev->comm, ev->pid);
	meta(tl, "thread_name", track, ev->pid, name);
}

static json_object *range_args(const struct fl_event *ev)
{
	json_object *a = json_object_new_object();

	json_object_object_add(a, "start", json_object_new_uint64(ev->start));
	json_object_object_add(a, "end", ev->end == FL_EOF ? json_object_new_string("EOF") :
			       json_object_new_uint64(ev->end));
	json_object_object_add(a, "invalidate_lock",
			       json_object_new_string(fl_lock_state_name(ev->inval_lock)));
	json_object_object_add(a, "i_rwsem", json_object_new_string(fl_lock_state_name(ev->i_rwsem)));
	json_object_object_add(a, "tgid", json_object_new_int64(ev->tgid));
	return a;
}

static void span(struct fl_timeline *tl, const struct tl_window *w, uint64_t ts_end,
		 bool finished)
{
	char name[48];
	json_object *o, *args;

	snprintf(name, sizeof(name), "invalidate %s", fl_op_name(w->begin.op));
	o = elem("X", name, "invalidation", w->track, w->pid, us(tl, w->begin.ts));
	json_object_object_add(o, "dur", json_object_new_double(
		ts_end > w->begin.ts ? (ts_end - w->begin.ts) / 1000.0 : 0));
	args = range_args(&w->begin);
	json_object_object_add(args, "finished", json_object_new_boolean(finished));
	json_object_object_add(o, "args", args);
	put(tl, o);
	tl->emitted++;
}

static void window_end(struct fl_timeline *tl, const struct fl_event *ev, bool any_inode)
{
	for (size_t i = 0; i < tl->nopen;) {
		struct tl_window *w = &tl->open[i];

		if (w->pid == ev->pid &&
		    (any_inode || !memcmp(&w->begin.inode, &ev->inode, sizeof(ev->inode)))) {
			span(tl, w, ev->ts, !any_inode);
			*w = tl->open[--tl->nopen];
		} else {
			i++;
		}
	}
}

static void window_begin(struct fl_timeline *tl, uint32_t track, const struct fl_event *ev)
{
	/* one syscall per task: a window still open lost its END */
	window_end(tl, ev, true);
	if (!fl_grow((void **)&tl->open, &tl->capopen, tl->nopen, sizeof(*tl->open), 16))
		return;
	tl->open[tl->nopen++] = (struct tl_window){ ev->pid, track, *ev };
}

void fl_timeline_event(void *ctx, const struct fl_event *ev)
{
	struct fl_timeline *tl = ctx;
	uint32_t track;
	json_object *o;

	if (!tl->have_t0) {
		tl->t0 = ev->ts;
		tl->have_t0 = true;
	}
	if (ev->ts > tl->last_ts)
		tl->last_ts = ev->ts;
	if (tl->emitted >= FL_TIMELINE_MAX_EVENTS) {
		tl->dropped++;
		return;
	}
	track = track_of(tl, ev);
	lane(tl, track, ev);
	switch (ev->type) {
	case FL_EV_INVAL_BEGIN:
		window_begin(tl, track, ev);
		return;
	case FL_EV_INVAL_END:
		window_end(tl, ev, false);
		return;
	default:
		break;
	}
	o = elem("i", fl_event_type_name(ev->type), "event", track, ev->pid, us(tl, ev->ts));
	json_object_object_add(o, "s", json_object_new_string("t"));
	json_object_object_add(o, "args", range_args(ev));
	put(tl, o);
	tl->emitted++;
}

void fl_timeline_lost(void *ctx, const struct fl_rec_lost *l)
{
	struct fl_timeline *tl = ctx;
	json_object *o = elem("i", "events lost", "lost", 0, l->cpu, us(tl, l->ts));
	json_object *args = json_object_new_object();

	json_object_object_add(o, "s", json_object_new_string("g"));
	json_object_object_add(args, "cpu", json_object_new_int64(l->cpu));
	json_object_object_add(args, "lost_total", json_object_new_uint64(l->total));
	json_object_object_add(o, "args", args);
	put(tl, o);
}

static void violation(struct fl_timeline *tl, const struct fl_violation *v)
{
	const struct fl_rule_info *info = fl_rule_info(v->rule);
	uint32_t track = track_of(tl, &v->ev);
	char name[64];
	json_object *o, *args;

	lane(tl, track, &v->ev);
	snprintf(name, sizeof(name), "VIOLATION %s", info ? info->name : "?");
	o = elem("i", name, "violation", track, v->ev.pid, us(tl, v->ev.ts));
	json_object_object_add(o, "s", json_object_new_string("p"));
	args = range_args(&v->ev);
	json_object_object_add(args, "rule", json_object_new_string(info ? info->name : "?"));
	json_object_object_add(args, "evidence", json_object_new_string(fl_evidence_name(v->evidence)));
	json_object_object_add(args, "event", json_object_new_string(fl_event_type_name(v->ev.type)));
	json_object_object_add(args, "count", json_object_new_uint64(v->count));
	json_object_object_add(args, "ino", json_object_new_uint64(v->ev.inode.ino));
	if (v->path)
		json_object_object_add(args, "path", json_object_new_string(v->path));
	if (v->has_partner)
		json_object_object_add(args, "racing_pid", json_object_new_int64(v->partner.begin.pid));
	json_object_object_add(o, "args", args);
	put(tl, o);
}

int fl_timeline_close(struct fl_timeline *tl, const struct fl_engine *e)
{
	json_object *o, *args;
	int err = 0;

	meta(tl, "process_name", 0, 0, "faultline");
	while (tl->nopen) {
		span(tl, &tl->open[tl->nopen - 1], tl->last_ts, false);
		tl->nopen--;
	}
	/* violations are always drawn, whatever the cap left out */
	for (size_t i = 0; i < e->nviol; i++)
		violation(tl, &e->viol[i]);
	o = elem("i", "timeline summary", "faultline", 0, 0, us(tl, tl->last_ts));
	args = json_object_new_object();
	json_object_object_add(o, "s", json_object_new_string("g"));
	json_object_object_add(args, "drawn", json_object_new_uint64(tl->emitted));
	json_object_object_add(args, "not_drawn_over_cap", json_object_new_uint64(tl->dropped));
	json_object_object_add(args, "cap", json_object_new_uint64(FL_TIMELINE_MAX_EVENTS));
	json_object_object_add(o, "args", args);
	put(tl, o);
	fputs("\n]}\n", tl->f);
	if (tl->dropped)
		fl_warn("timeline: %" PRIu64 " events beyond the first %d not drawn",
			tl->dropped, FL_TIMELINE_MAX_EVENTS);
	if (ferror(tl->f) | fclose(tl->f)) {
		fl_err("cannot write %s", tl->path);
		err = -EIO;
	}
	free(tl->inodes);
	free(tl->open);
	free(tl->lanes);
	free(tl->path);
	free(tl);
	return err;
}
