// SPDX-License-Identifier: GPL-2.0
/*
 * trace-cmd import: a trace.dat read through libtracecmd becomes the
 * struct fl_event stream a live check would have produced, as far as plain
 * tracepoints carry it.
 *
 * What the tracepoints do not carry:
 *  - lock words.  Lock states are FL_LOCK_NA ("unknown"), and such events
 *    are counted unknown where BPF would have judged them (mirroring the
 *    BPF programs' counting).  xfs is the exception: its lock tracepoints
 *    give a task's own IOLOCK/MMAPLOCK holds (xfs_holds.h, which says what
 *    not holding them proves).
 *  - the file system type: learned per device from the ext4:* and xfs:*
 *    records that name it (as the records come; a device used before any
 *    names it sends the reader over the file again, read_all), so a
 *    recording needs -e ext4 / -e xfs for the rules to apply.
 *  - i_generation: every inode key has gen 0.
 *  - the tgid: 0.
 *  - the inode of fallocate/ftruncate (an fd): windows open at the
 *    filesystem's own invalidation tracepoint of the same task, as the BPF
 *    path does for truncate(2), and close at the syscall's exit.
 *  - the invalidator's locked section: windows span the whole syscall, so
 *    an overlap with them is no evidence; events carry FL_F_NO_LOCKWORD and
 *    the engine makes no observed-race judgement of their unknown states.
 *
 * Kernel stacks (trace-cmd record -T) follow their event on the same CPU
 * as an ftrace:kernel_stack record and are attached to it.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "dump.h"
#include "tracedat_fly.h"
#include "tracedat_imp.h"
#include "util.h"

/* The Makefile says whether this libtracecmd needs hold_page(). */
#ifndef FL_TRACECMD_HOLD_PAGES
#define FL_TRACECMD_HOLD_PAGES 0
#endif

/* Exported by libtracecmd (3.1) but not declared in its public header. */
const char *tracecmd_get_uname(struct tracecmd_input *handle);
const char *tracecmd_get_cpustats(struct tracecmd_input *handle);
struct tep_record *tracecmd_read_cpu_last(struct tracecmd_input *handle, int cpu);
int tracecmd_cpus(struct tracecmd_input *handle);
void tracecmd_record_ref(struct tep_record *record);

/* ---- the file ---------------------------------------------------------- */

/*
 * libtraceevent and libtracecmd 3.1 dereference NULL on some corrupt files:
 * tep_parse_event() on a damaged event format (tracecmd_open), and
 * tracecmd_buffer_instance_handle() in its own error path when an
 * instance's data is cut off.  What may crash is therefore tried in a
 * child first, with the default action for crashes (no sanitizer report
 * for the libraries' bugs); false if the child did not exit 0.  The child
 * exits without freeing what it opened: tracecmd_close() of a file with
 * the host's symbols takes a tenth of a second, for nothing.
 */
static bool survives(bool (*try_fn)(const void *arg), const void *arg)
{
	int status;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return false;
	if (pid == 0) {
		int devnull = open("/dev/null", O_WRONLY);

		if (devnull >= 0)
			dup2(devnull, STDERR_FILENO);
		signal(SIGSEGV, SIG_DFL);
		signal(SIGBUS, SIG_DFL);
		signal(SIGABRT, SIG_DFL);
		_exit(try_fn(arg) ? 0 : 1);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return false;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

static bool try_open(const void *path)
{
	return tracecmd_open(path, TRACECMD_FL_LOAD_NO_PLUGINS |
			     TRACECMD_FL_LOAD_NO_SYSTEM_PLUGINS) != NULL;
}

struct instances {
	struct tracecmd_input *h;
	int n;
};

static bool try_instances(const void *arg)
{
	const struct instances *in = arg;

	for (int i = 0; i < in->n && i < MAX_INSTANCES; i++)
		if (!tracecmd_buffer_instance_handle(in->h, i))
			return false;
	return true;
}

/*
 * libtracecmd trusts a page's commit word and its events' lengths: on a
 * damaged page it may read past the page (a crash, found by the fuzzer in
 * tests/live/test_tracedat_import.sh) or end that CPU's records there
 * without a word.  So before it reads a file for the report, a child reads
 * it once (probe_read): it counts the records it is handed and keeps each
 * CPU's last one, then asks libtracecmd for each CPU's last record.  A
 * child that crashed leaves the number of records before the damage, and
 * the report reads that many; a CPU whose records stopped short of its
 * last one was cut by damage.  Either way the report is partial.  The
 * direct reader (tracedat_fly.c) checks each page itself and needs none of
 * this.
 */
struct lib_probe {		/* shared memory: what the child got through */
	bool opened, done, cut_short;
	uint64_t records;
};

struct probe_in {
	const char *path;
	int ninst;
	struct lib_probe *out;
};

struct probe_state {
	struct lib_probe *out;
	struct tracecmd_input *hs[1 + MAX_INSTANCES];
	int n;
	uint64_t *last;		/* per handle and CPU id: offset + 1 of its last record */
};

/* @cpu counts across the handles of a multi iteration: the record's own is the id */
static int probe_record(struct tracecmd_input *h, struct tep_record *r, int cpu, void *ctx)
{
	struct probe_state *s = ctx;

	(void)cpu;
	s->out->records++;
	for (int k = 0; k < s->n; k++)
		if (s->hs[k] == h && r->cpu >= 0 && r->cpu < MAX_CPUS)
			s->last[k * MAX_CPUS + r->cpu] = r->offset + 1;
	return 0;
}

/* In the child: the same handles as iterate() reads, read to their end. */
static bool probe_read(const void *arg)
{
	const struct probe_in *in = arg;
	struct probe_state s = { .out = in->out };

	s.hs[0] = tracecmd_open(in->path, TRACECMD_FL_LOAD_NO_PLUGINS |
				TRACECMD_FL_LOAD_NO_SYSTEM_PLUGINS);
	if (!s.hs[0])
		return false;
	s.out->opened = true;
	s.n = 1;
	for (int i = 0; i < in->ninst && s.n < 1 + MAX_INSTANCES; i++) {
		struct tracecmd_input *ih = tracecmd_buffer_instance_handle(s.hs[0], i);

		if (ih)
			s.hs[s.n++] = ih;
	}
	/* records carry the CPU's id, which may exceed the number of CPUs */
	s.last = fl_xcalloc((size_t)s.n * MAX_CPUS, sizeof(uint64_t));
	if (s.n == 1)
		tracecmd_iterate_events(s.hs[0], NULL, 0, probe_record, &s);
	else
		tracecmd_iterate_events_multi(s.hs, s.n, probe_record, &s);
	/* by the handle's index of the CPU (from 0 to tracecmd_cpus), not its id */
	for (int k = 0; k < s.n; k++) {
		for (int i = 0; i < tracecmd_cpus(s.hs[k]) && i < MAX_CPUS; i++) {
			struct tep_record *r = tracecmd_read_cpu_last(s.hs[k], i);

			if (!r)
				continue;	/* no record at all: nothing to miss */
			if (r->cpu < 0 || r->cpu >= MAX_CPUS ||
			    s.last[k * MAX_CPUS + r->cpu] != r->offset + 1)
				s.out->cut_short = true;
			tracecmd_free_record(r);
		}
	}
	s.out->done = true;
	return true;
}

/* The probe, before the first read through libtracecmd; what it found in *im. */
static void lib_probe(struct imp *im, int ninst)
{
	struct lib_probe *p = mmap(NULL, sizeof(*p), PROT_READ | PROT_WRITE,
				   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	struct probe_in in = { .path = im->path, .ninst = ninst };

	if (p == MAP_FAILED) {
		fl_warn("trace.dat: cannot check the file for damage first: %s", strerror(errno));
		return;
	}
	memset(p, 0, sizeof(*p));
	in.out = p;
	survives(probe_read, &in);
	if (!p->opened) {
		/* no child, or it could not open what the parent did */
		fl_warn("trace.dat: cannot check the file for damage first");
	} else if (!p->done) {
		im->lib_crashed = true;
		im->lib_limit = p->records;
		im->st->partial = true;
		fl_debug("trace.dat: libtracecmd crashed after %" PRIu64 " records: "
			 "damaged data; the report reads those", p->records);
	} else if (p->cut_short) {
		im->lib_cut = true;
		im->st->partial = true;
		fl_debug("trace.dat: a CPU's records end before its last one: damaged data");
	}
	munmap(p, sizeof(*p));
}

/* If the instances do not open, only the top buffer is read: partial. */
static bool instances_open(struct tracecmd_input *h, int ninst)
{
	struct instances in = { .h = h, .n = ninst };

	return !ninst || survives(try_instances, &in);
}

static int open_file(struct imp *im, const char *path, char *err, size_t errlen)
{
	struct stat sb;
	int ps;

	if (stat(path, &sb)) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -errno;
	}
	if (!S_ISREG(sb.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file (a trace.dat is read with seeks)",
			 path);
		return -EINVAL;
	}
	/* the first open tries it in a child; a second knows it opens */
	im->h = !im->first_open || survives(try_open, path) ?
		tracecmd_open(path, TRACECMD_FL_LOAD_NO_PLUGINS |
			      TRACECMD_FL_LOAD_NO_SYSTEM_PLUGINS) : NULL;
	if (!im->h) {
		snprintf(err, errlen, "%s: not a readable trace-cmd trace.dat "
			 "(libtracecmd could not open it; bad magic, version or headers)", path);
		return -EINVAL;
	}
	im->tep = tracecmd_get_tep(im->h);
	if (!im->tep) {
		snprintf(err, errlen, "%s: trace.dat without event formats", path);
		return -EINVAL;
	}
	ps = tep_get_page_size(im->tep);
	im->page_shift = ps > 0 ? (unsigned int)__builtin_ctz((unsigned int)ps) : 12;
	if (im->page_shift < 9 || im->page_shift > 21)
		im->page_shift = 12;
	return td_setup_events(im);
}

static void close_file(struct imp *im)
{
	td_fly_close(im->fly);
	im->fly = NULL;
	im->fly_tried = false;
	free(im->ev);
	im->ev = NULL;
	im->nev = 0;
	if (im->h)
		tracecmd_close(im->h);
	im->h = NULL;
	im->tep = NULL;
}

/* "Linux host 6.18.0-1-amd64 #1 SMP ..." -> the release. */
static void kernel_release(struct imp *im)
{
	const char *u = tracecmd_get_uname(im->h);
	char sys[64], node[256], rel[128];

	snprintf(im->ri->kernel, sizeof(im->ri->kernel), "unknown (trace.dat has no uname)");
	if (u && sscanf(u, "%63s %255s %127s", sys, node, rel) == 3)
		snprintf(im->ri->kernel, sizeof(im->ri->kernel), "%s", rel);
}

/* Frames of the reported events, named from the trace.dat's kallsyms. */
static void add_sym(struct imp *im, struct fl_ksyms *ks, uint64_t addr)
{
	unsigned long long start = tep_find_function_address(im->tep, addr);
	const char *name = tep_find_function(im->tep, addr);

	if (!name || !start)
		return;
	for (size_t i = 0; i < ks->n; i++)
		if (ks->syms[i].addr == start)
			return;
	fl_ksyms_add(ks, start, name);
}

static void add_frames(struct imp *im, struct fl_ksyms *ks, const struct fl_event *ev)
{
	for (unsigned int i = 0; (ev->flags & FL_F_STACK) && i < ev->nr_frames &&
	     i < FL_MAX_FRAMES; i++)
		add_sym(im, ks, ev->frames[i]);
}

static struct fl_ksyms *report_syms(struct imp *im)
{
	struct fl_ksyms *ks = fl_xcalloc(1, sizeof(*ks));

	for (size_t i = 0; i < im->e->nviol; i++) {
		add_frames(im, ks, &im->e->viol[i].ev);
		if (im->e->viol[i].has_partner)
			add_frames(im, ks, &im->e->viol[i].partner.step);
	}
	fl_ksyms_sort(ks);
	return ks;
}

/* The engine's stack classification during the import: the file's kallsyms. */
static const char *tep_symname(void *ctx, uint64_t addr)
{
	return tep_find_function(ctx, addr);
}

/*
 * libtracecmd 1.3 (trace-cmd 3.1, Debian 12) never frees a decompressed
 * chunk of a compressed (version 7) trace: free_zpage() compares the
 * page's address with the chunk's the wrong way round and matches none,
 * after walking every chunk that CPU has loaded so far.  It does so each
 * time a page is let go, which makes reading a trace quadratic in its
 * length (docs/trace-cmd.md has the numbers).  A page that is never
 * let go costs no walk: the first record of each page keeps a reference
 * that is never dropped.  The chunks stay in memory as they would anyway;
 * what is kept besides is a record and a page descriptor per page of
 * trace until the process exits (allocations of the library's, as its
 * own leaks are, for a leak checker).  Only with libtracecmd up to 1.3
 * (Makefile: FL_TRACECMD_HOLD_PAGES).
 */
static void hold_page(struct imp *im, struct tracecmd_input *h, struct tep_record *r)
{
	void **held;
	int i;

	if (!im->held_page || !r->priv || r->cpu < 0 || r->cpu >= im->ncpus)
		return;
	for (i = 0; i < im->iter_n && im->iter_h[i] != h; i++)
		;
	if (i == im->iter_n)
		return;
	held = &im->held_page[(size_t)i * im->ncpus + r->cpu];
	if (*held == r->priv)
		return;
	*held = r->priv;
	tracecmd_record_ref(r);
}

/*
 * Does @path name its compression (version 7: after the page size, a name
 * other than "none")?  Only compressed traces read through the chunks;
 * holding the pages of another would keep its mappings instead.
 */
static bool compressed_trace(const char *path)
{
	char b[64];
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	n = pread(fd, b, sizeof(b) - 1, 0);
	close(fd);
	if (n < 23)
		return false;
	b[n] = 0;
	/* magic (3), "tracing", "7\0", endianness (1), long size (1), page size (4) */
	if (memcmp(b + 3, "tracing", 7) || strcmp(b + 10, "7"))
		return false;
	return strcmp(b + 18, "none") != 0;
}

static int on_record(struct tracecmd_input *h, struct tep_record *r, int cpu, void *ctx)
{
	struct imp *im = ctx;
	int ret;

	hold_page(im, h, r);
	ret = td_on_record(h, r, cpu, im);
	/* the last record before the page libtracecmd crashes on (lib_probe) */
	if (im->lib_crashed && ++im->lib_seen >= im->lib_limit)
		return 1;
	return ret;
}

static int on_fly_record(struct tep_record *r, void *ctx)
{
	struct imp *im = ctx;

	return td_on_record(im->h, r, r->cpu, im);
}

/*
 * The records through tracedat_fly.c where it reads the file exactly as
 * libtracecmd would, several times faster (opened at the first iteration);
 * 1 when it does not.
 */
static int iterate_fly(struct imp *im, int ninst, int *ret)
{
	char why[128];

	if (!im->fly_tried) {
		im->fly_tried = true;
		im->fly = td_fly_open(im->path, im->tep, ninst, why, sizeof(why));
		if (!im->fly)
			fl_debug("trace.dat: read through libtracecmd: %s", why);
	}
	if (!im->fly)
		return 1;
	*ret = td_fly_iterate(im->fly, on_fly_record, im);
	return 0;
}

/*
 * The top buffer and every instance (trace-cmd record -B, extract -B),
 * merged in time order.  Returns the callback's result, or -1 when
 * libtracecmd could not read on.
 */
static int iterate(struct imp *im)
{
	struct tracecmd_input **hs = im->iter_h;
	int n = 0, ninst = tracecmd_buffer_instances(im->h), ret;

	/* tracedat_fly.c opens no instance handle: none to try first */
	if (!iterate_fly(im, ninst < MAX_INSTANCES ? ninst : MAX_INSTANCES, &ret))
		return ret;
	if (im->first_open)
		im->instances_bad = !instances_open(im->h, ninst);
	if (im->instances_bad) {
		ninst = 0;
		im->st->partial = true;
	}
	if (im->first_open)
		lib_probe(im, ninst);
	im->lib_seen = 0;
	if (im->lib_crashed && !im->lib_limit)
		return 0;
	hs[n++] = im->h;
	for (int i = 0; i < ninst && n < 1 + MAX_INSTANCES; i++) {
		struct tracecmd_input *ih = tracecmd_buffer_instance_handle(im->h, i);

		if (ih)
			hs[n++] = ih;
	}
	im->iter_n = n;
	if (im->hold_pages) {
		free(im->held_page);
		im->held_page = fl_xcalloc((size_t)n * im->ncpus, sizeof(void *));
	}
	if (n == 1)
		ret = tracecmd_iterate_events(im->h, NULL, 0, on_record, im);
	else
		ret = tracecmd_iterate_events_multi(hs, n, on_record, im);
	for (int i = 1; i < n; i++)
		tracecmd_close(hs[i]);
	im->iter_n = 0;
	return ret;
}

/* Was this buffer instance's data read (iterate)? */
static bool instance_read(void *ctx, const char *name)
{
	struct imp *im = ctx;
	int n = tracecmd_buffer_instances(im->h);

	for (int i = 0; !im->instances_bad && i < n && i < MAX_INSTANCES; i++) {
		const char *iname = tracecmd_buffer_instance_name(im->h, i);

		if (iname && !strcmp(iname, name))
			return true;
	}
	return false;
}

/*
 * Losses: a record says how many events the kernel overwrote before it
 * (missed_events, overwrite mode), but events dropped because the buffer
 * was full and not overwriting, and events still unread when the file was
 * saved, are in no record: only the CPU statistics trace-cmd stores in the
 * file count them.  Per CPU, the larger of the two (an overwrite is in
 * both: never counted twice).  They are the report's lost events: the
 * verdict is incomplete.
 */
static void count_losses(struct imp *im)
{
	struct fl_tracedat_stats *st = im->st;
	struct fl_run_info *ri = im->ri;
	const char *stats = tracecmd_get_cpustats(im->h);
	uint64_t *from_stats = fl_xcalloc(ri->ncpus, sizeof(uint64_t));

	st->stats_cpus = stats ? fl_tracedat_cpustats(stats, instance_read, im, from_stats,
						      ri->ncpus, &st->stats) : 0;
	st->lost = 0;
	for (int cpu = 0; cpu < ri->ncpus; cpu++) {
		if (from_stats[cpu] > ri->lost_per_cpu[cpu])
			ri->lost_per_cpu[cpu] = from_stats[cpu];
		st->lost += ri->lost_per_cpu[cpu];
	}
	free(from_stats);
	im->e->slots[0].c[FL_CNT_LOST] = st->lost;
	if (!st->lost)
		return;
	snprintf(ri->lost_note, sizeof(ri->lost_note), "the trace.dat's ring-buffer statistics: "
		 "%" PRIu64 " dropped (buffer full), %" PRIu64 " overwritten, %" PRIu64
		 " commit overruns, %" PRIu64 " left unread; the records mark %" PRIu64
		 " overwritten", st->stats.dropped, st->stats.overrun, st->stats.commit_overrun,
		 st->stats.unread, st->lost_records);
}

static int read_all(const char *path, struct fl_engine *e, struct fl_run_info *ri,
		    struct fl_tracedat_stats *st, struct fl_dump_meta_in *m,
		    char *err, size_t errlen)
{
	struct imp *im = fl_xcalloc(1, sizeof(*im));
	int ret;

	memset(st, 0, sizeof(*st));
	if (m) {
		im->on_event = m->on_event;
		im->cb_ctx = m->cb_ctx;
	}
	if (fl_verbose < 2)
		tracecmd_set_loglevel(TEP_LOG_NONE);
	im->hold_pages = FL_TRACECMD_HOLD_PAGES && compressed_trace(path);
	im->path = path;
	im->e = e;
	im->ri = ri;
	im->st = st;
	im->next_slot = 1;
	e->count_events = true;
	ri->mode = "report";
	ri->attach_mode = "trace-cmd";
	ri->locks = "tracepoints";
	ri->lock_words = true;	/* the rules are checked, with unknowns counted */

	/*
	 * One pass: the records name their devices' fs types as they come
	 * (the ext4/xfs events) and are used at once.  A record that needs a
	 * device none has named yet ends the use there: the pass learns the
	 * rest of the file, and a second pass uses the records from that one
	 * on, as if the whole file had been learned first.
	 */
	im->first_open = true;
	ret = open_file(im, path, err, errlen);
	if (ret)
		goto out;
	kernel_release(im);
	im->ncpus = tracecmd_cpus(im->h);
	if (im->ncpus <= 0 || im->ncpus > MAX_CPUS)
		im->ncpus = im->ncpus <= 0 ? 1 : MAX_CPUS;
	ri->ncpus = im->ncpus;
	ri->lost_per_cpu = fl_xcalloc(im->ncpus, sizeof(uint64_t));
	if (im->have_stacks)
		im->pend = fl_xcalloc(im->ncpus, sizeof(*im->pend));
	e->symname = tep_symname;
	e->symctx = im->tep;
	ret = iterate(im);
	im->first_open = false;
	if (im->learn_only) {
		fl_debug("trace.dat: record %" PRIu64 " needs a device no record named before: "
			 "the rest is learned first, then used", im->resume_at);
		/* libtracecmd cannot rewind its handle; tracedat_fly.c can */
		if (!im->fly) {
			close_file(im);
			ret = open_file(im, path, err, errlen);
			if (ret)
				goto out;
			e->symctx = im->tep;
		}
		td_devs_final(im);
		im->replay = true;
		im->nrec = 0;
		ret = iterate(im);
	}
	td_flush_pending(im, -1, UINT64_MAX);
	count_losses(im);
	st->xfs_locks = im->xfs.records;
	st->lock_overflow = im->xfs.overflow;
	if (ret < 0)
		st->partial = true;
	ri->duration_s = im->last_ts > im->first_ts ? (im->last_ts - im->first_ts) / 1e9 : 0;
	ri->ksyms = report_syms(im);
	e->symname = fl_ksyms_name;
	e->symctx = (void *)ri->ksyms;
	if ((st->partial || st->skipped) && ri->nattach < FL_MAX_ATTACH) {
		struct fl_attach_status *a = &ri->attach[ri->nattach++];

		snprintf(a->prog, sizeof(a->prog), "trace.dat");
		snprintf(a->target, sizeof(a->target), "records");
		snprintf(a->status, sizeof(a->status), st->partial ? "partial" : "skipped");
		snprintf(a->why, sizeof(a->why), "%" PRIu64 " records too short or missing "
			 "fields%s", st->skipped,
			 im->instances_bad ? "; buffer instances unreadable (cut off?)" :
			 im->lib_crashed ? "; damaged data: libtracecmd crashes on it, read up to there" :
			 im->lib_cut ? "; damaged data: a CPU's records stop short of its last one" :
			 st->partial ? "; the file could not be read to its end" : "");
	}
	ret = 0;
out:
	close_file(im);
	free(im->held_page);
	free(im->pend);
	free(im);
	return ret;
}

int fl_tracedat_read_stats(const char *path, struct fl_engine *e, struct fl_run_info *ri,
			   struct fl_tracedat_stats *st, char *err, size_t errlen)
{
	return read_all(path, e, ri, st, NULL, err, errlen);
}

int fl_tracedat_read(const char *path, struct fl_engine *e, struct fl_run_info *ri,
		     char *err, size_t errlen)
{
	struct fl_tracedat_stats st;

	return fl_tracedat_read_stats(path, e, ri, &st, err, errlen);
}

/*
 * `faultline report`'s reader for trace.dat (see report_cmd.c): the import,
 * with the timeline fed as it goes, its symbols handed over to @m (where
 * the report looks names up) and its statistics on stderr.
 */
int fl_tracedat_report(const char *path, struct fl_engine *e, struct fl_run_info *ri,
		       struct fl_dump_meta_in *m, char *err, size_t errlen)
{
	struct fl_tracedat_stats st;
	struct fl_ksyms *ks;

	if (read_all(path, e, ri, &st, m, err, errlen))
		return -1;
	ks = (struct fl_ksyms *)ri->ksyms;
	if (ks) {
		m->syms = *ks;
		free(ks);
	}
	ri->ksyms = &m->syms;
	e->symname = fl_dump_symname;
	e->symctx = m;
	m->events = e->events;
	m->complete = !st.partial;
	if (st.partial)
		snprintf(m->why, sizeof(m->why), "the trace.dat could not be read to its end");
	fprintf(stderr, "tracedat: records=%" PRIu64 " used=%" PRIu64 " skipped=%" PRIu64
		" filtered=%" PRIu64 " stacks=%" PRIu64 " lost=%" PRIu64 " (records=%" PRIu64
		" dropped=%" PRIu64 " overrun=%" PRIu64 " commit_overrun=%" PRIu64 " unread=%"
		PRIu64 " stats_cpus=%d) xfs_locks=%" PRIu64 " events=%" PRIu64 " partial=%d\n",
		st.records, st.used, st.skipped, st.filtered, st.stacks, st.lost, st.lost_records,
		st.stats.dropped, st.stats.overrun, st.stats.commit_overrun, st.stats.unread,
		st.stats_cpus, st.xfs_locks, e->events, st.partial);
	return 0;
}

void fl_tracedat_free_info(struct fl_run_info *ri)
{
	fl_ksyms_free((struct fl_ksyms *)ri->ksyms);
	ri->ksyms = NULL;
	free(ri->lost_per_cpu);
	ri->lost_per_cpu = NULL;
}
