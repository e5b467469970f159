// SPDX-License-Identifier: GPL-2.0
/*
 * The tracepoints a trace.dat import reads, and their fields, looked up
 * once per file in the file's own event formats: a kernel whose event
 * lacks a field we need has that event ignored, not misread.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "rules.h"
#include "tracedat_imp.h"
#include "util.h"

/*
 * A field's value, if the record is long enough to hold it.  Read as
 * tep_read_number_field() reads it (1, 2, 4 or 8 bytes, unsigned); in a
 * file of the host's byte order without its two calls per field, which
 * are a tenth of an import's time.
 */
bool td_rd(const struct imp *im, const struct tep_record *r, const struct tep_format_field *f,
	   uint64_t *v)
{
	const unsigned char *p;
	unsigned long long val;
	uint32_t v32;
	uint16_t v16;

	if (!f || f->offset < 0 || f->size <= 0 || f->size > 8 ||
	    (long long)f->offset + f->size > r->size)
		return false;
	if (!im->native) {
		if (tep_read_number_field((struct tep_format_field *)f, r->data, &val))
			return false;
		*v = val;
		return true;
	}
	p = (const unsigned char *)r->data + f->offset;
	switch (f->size) {
	case 1:
		*v = *p;
		return true;
	case 2:
		memcpy(&v16, p, sizeof(v16));
		*v = v16;
		return true;
	case 4:
		memcpy(&v32, p, sizeof(v32));
		*v = v32;
		return true;
	case 8:
		memcpy(v, p, sizeof(*v));
		return true;
	default:
		return false;
	}
}

bool td_rd_all(const struct imp *im, const struct tep_record *r,
	       struct tep_format_field *const *f, int n, uint64_t *v)
{
	for (int i = 0; i < n; i++)
		if (!td_rd(im, r, f[i], &v[i]))
			return false;
	return true;
}

/* common_type and common_pid of a record of at least 8 bytes */
int td_type(const struct imp *im, struct tep_record *r)
{
	uint16_t t;

	if (!im->common_fixed)
		return tep_data_type(im->tep, r);
	memcpy(&t, r->data, sizeof(t));
	return t;
}

int td_pid(const struct imp *im, struct tep_record *r)
{
	int32_t pid;

	if (!im->common_fixed)
		return tep_data_pid(im->tep, r);
	memcpy(&pid, (const char *)r->data + 4, sizeof(pid));
	return pid;
}

/*
 * Does the file keep the host's byte order, with common_type (2 bytes) and
 * common_pid (4) where every kernel puts them (include/linux/trace_events.h,
 * struct trace_entry)?  Then td_rd(), td_type() and td_pid() read them
 * directly.
 */
static void layout(struct imp *im, struct tep_event *te)
{
	struct tep_format_field *type, *pid;

	im->native = tep_is_file_bigendian(im->tep) == tep_is_local_bigendian(im->tep);
	if (!te || !im->native)
		return;
	type = tep_find_common_field(te, "common_type");
	pid = tep_find_common_field(te, "common_pid");
	im->common_fixed = type && pid && type->offset == 0 && type->size == 2 &&
			   pid->offset == 4 && pid->size == 4;
}

static void set_event(struct imp *im, const char *sys, const char *name, enum kind k,
		      uint8_t op, const char *const *fields)
{
	struct tep_event *te = tep_find_event_by_name(im->tep, sys, name);
	struct evinfo *ei;

	if (!te || te->id < 0 || te->id >= im->nev)
		return;
	ei = &im->ev[te->id];
	ei->kind = k;
	ei->op = op;
	for (int i = 0; fields && fields[i] && i < NFIELDS; i++) {
		ei->f[i] = tep_find_field(te, fields[i]);
		if (!ei->f[i]) {
			/* this kernel's tracepoint lacks a field we need */
			fl_debug("trace.dat: %s:%s has no field %s: ignored", sys, name, fields[i]);
			ei->kind = K_NONE;
			return;
		}
	}
}

int td_setup_events(struct imp *im)
{
	static const char *const add[] = { "s_dev", "i_ino", "index", NULL };
	static const char *const fault[] = { "s_dev", "i_ino", "index", NULL };
	static const char *const map[] = { "s_dev", "i_ino", "index", "last_index", NULL };
	static const char *const iter[] = { "dev", "ino", "pos", "length", "flags", NULL };
	static const char *const dst[] = { "dev", "ino", "offset", "length", NULL };
	static const char *const falloc[] = { "mode", "offset", "len", NULL };
	static const char *const trunc[] = { "length", NULL };
	static const char *const ret[] = { "ret", NULL };
	static const char *const devino[] = { "dev", "ino", NULL };
	static const char *const lock[] = { "dev", "ino", "lock_flags", NULL };
	static const char *const stack[] = { "size", "caller", NULL };
	static const struct {
		const char *sys, *name;
		enum kind kind;
		const char *const *fields;
	} evs[] = {
		{ "filemap", "mm_filemap_add_to_page_cache", K_ADD, add },
		{ "filemap", "mm_filemap_delete_from_page_cache", K_DEL, add },
		{ "filemap", "mm_filemap_fault", K_FAULT, fault },
		{ "filemap", "mm_filemap_map_pages", K_MAP, map },
		{ "iomap", "iomap_iter", K_ITER, iter },
		{ "iomap", "iomap_iter_dstmap", K_DSTMAP, dst },
		{ "syscalls", "sys_enter_fallocate", K_FALLOC, falloc },
		{ "syscalls", "sys_enter_ftruncate", K_FTRUNC, trunc },
		{ "syscalls", "sys_enter_truncate", K_TRUNC, trunc },
		{ "syscalls", "sys_exit_fallocate", K_SYSEXIT, ret },
		{ "syscalls", "sys_exit_ftruncate", K_SYSEXIT, ret },
		{ "syscalls", "sys_exit_truncate", K_SYSEXIT, ret },
		{ "xfs", "xfs_ilock", K_ILOCK, lock },
		{ "xfs", "xfs_ilock_nowait", K_ILOCK, lock },
		{ "xfs", "xfs_iunlock", K_IUNLOCK, lock },
		{ "xfs", "xfs_ilock_demote", K_DEMOTE, lock },
		{ "ftrace", "kernel_stack", K_STACK, stack },
	};
	static const struct { const char *sys, *name; uint8_t op; } steps[] = {
		{ "ext4", "ext4_punch_hole", FL_OP_PUNCH },
		{ "ext4", "ext4_zero_range", FL_OP_ZERO },
		{ "ext4", "ext4_collapse_range", FL_OP_COLLAPSE },
		{ "ext4", "ext4_insert_range", FL_OP_INSERT },
		{ "ext4", "ext4_truncate_enter", FL_OP_TRUNCATE },
		{ "xfs", "xfs_free_file_space", FL_OP_PUNCH },
		{ "xfs", "xfs_zero_file_space", FL_OP_ZERO },
		{ "xfs", "xfs_collapse_file_space", FL_OP_COLLAPSE },
		{ "xfs", "xfs_insert_file_space", FL_OP_INSERT },
		{ "xfs", "xfs_itruncate_extents_start", FL_OP_TRUNCATE },
	};
	int n = tep_get_events_count(im->tep), maxid = 0;
	struct tep_event *te;

	layout(im, n > 0 ? tep_get_event(im->tep, 0) : NULL);
	for (int i = 0; i < n; i++) {
		te = tep_get_event(im->tep, i);
		if (te && te->id > maxid)
			maxid = te->id;
	}
	if (maxid > 0xffff)
		maxid = 0xffff;		/* common_type is 16 bits */
	im->nev = maxid + 1;
	im->ev = calloc(im->nev, sizeof(*im->ev));
	if (!im->ev)
		return -ENOMEM;

	/* every ext4/xfs event with a dev field tells that device's fs type */
	for (int i = 0; i < n; i++) {
		uint32_t magic;

		te = tep_get_event(im->tep, i);
		if (!te || te->id < 0 || te->id >= im->nev || !te->system)
			continue;
		if (!strcmp(te->system, "ext4"))
			magic = EXT4_MAGIC;
		else if (!strcmp(te->system, "xfs"))
			magic = XFS_MAGIC;
		else
			continue;
		im->ev[te->id].magic = magic;
		im->ev[te->id].f[F0] = tep_find_field(te, "dev");
		if (im->ev[te->id].f[F0])
			im->ev[te->id].kind = K_FSDEV;
	}
	for (size_t i = 0; i < ARRAY_SIZE(evs); i++)
		set_event(im, evs[i].sys, evs[i].name, evs[i].kind, 0, evs[i].fields);
	for (size_t i = 0; i < ARRAY_SIZE(steps); i++)
		set_event(im, steps[i].sys, steps[i].name, K_STEP, steps[i].op, devino);
	/* kernel_stack's caller array is read by attach_stack, not by td_rd() */
	te = tep_find_event_by_name(im->tep, "ftrace", "kernel_stack");
	im->have_stacks = te && te->id >= 0 && te->id < im->nev && im->ev[te->id].kind == K_STACK;
	return 0;
}
