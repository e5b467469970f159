/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The timeline: Chrome/Perfetto trace-event JSON of a post-mortem run.
 * One process per inode (its track), one thread lane per task in it;
 * invalidation windows are complete ("X") spans, page-cache, fault and
 * iomap events instants, violations instants of category "violation".
 */
#ifndef FL_TIMELINE_H
#define FL_TIMELINE_H

#include "dump.h"
#include "engine.h"
#include "report.h"

/* At most this many events and spans are drawn; the rest are counted. */
#define FL_TIMELINE_MAX_EVENTS	1000000
#define FL_TIMELINE_MAX_INODES	65536

struct fl_timeline;

/* Streams to @path as events arrive; NULL with a message on error. */
struct fl_timeline *fl_timeline_open(const char *path);
/* fl_dump_meta_in.on_event / on_lost callbacks */
void fl_timeline_event(void *tl, const struct fl_event *ev);
void fl_timeline_lost(void *tl, const struct fl_rec_lost *l);
/* Closes the open windows, adds the violations, finishes the file. */
int fl_timeline_close(struct fl_timeline *tl, const struct fl_engine *e);

#endif
