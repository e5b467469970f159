// SPDX-License-Identifier: GPL-2.0
/*
 * --dev, --path and --pid into what BPF compares: the superblock's s_dev
 * of a mounted filesystem, a thread group id.  A filter that matches
 * nothing would trace nothing and pass as a clean run: it is an error.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "filters.h"
#include "pathres.h"
#include "util.h"

static int add_kdev(struct fl_live_opts *o, uint32_t kdev, const char *what)
{
	for (int i = 0; i < o->ndevs; i++)
		if (o->devs[i] == kdev)
			return 0;
	if (o->ndevs >= (int)ARRAY_SIZE(o->devs)) {
		fl_err("too many filesystems (at most %zu): %s", ARRAY_SIZE(o->devs), what);
		return -E2BIG;
	}
	o->devs[o->ndevs++] = kdev;
	return 0;
}

/*
 * A filter that matches no filesystem would trace nothing and pass as a
 * clean run: --dev must name a mounted filesystem, by its s_dev (what BPF
 * compares) or by the block device it is mounted from.
 */
int fl_filter_dev(struct fl_live_opts *o, const char *dev)
{
	struct fl_mount *m;
	unsigned int maj, min;
	struct stat st;
	uint32_t kdev;
	char tail;
	int err;

	if (sscanf(dev, "%u:%u%c", &maj, &min, &tail) == 2 && maj < 4096 && min < (1u << 20)) {
		kdev = (maj << 20) | min;
	} else if (stat(dev, &st)) {
		fl_err("--dev %s: %s", dev, strerror(errno));
		return -errno;
	} else if (!S_ISBLK(st.st_mode)) {
		fl_err("--dev %s: not a block device or MAJ:MIN (use --path for a directory)", dev);
		return -EINVAL;
	} else {
		kdev = fl_kdev(st.st_rdev);
	}
	m = fl_xcalloc(1, sizeof(*m));
	err = fl_dev_find(kdev, m);
	if (err) {
		fl_err("--dev %s: no mounted filesystem is on device %u:%u", dev,
		       fl_kdev_major(kdev), fl_kdev_minor(kdev));
		free(m);
		return -ENODEV;
	}
	if (m->kdev != kdev)
		fl_info("--dev %s: %s at %s has device %u:%u", dev, m->fstype, m->mnt,
			fl_kdev_major(m->kdev), fl_kdev_minor(m->kdev));
	err = add_kdev(o, m->kdev, dev);
	free(m);
	return err;
}

/*
 * The filesystem of the mount that holds @path, from mountinfo: a file's
 * st_dev is not always its superblock's (btrfs subvolumes have their own),
 * while BPF compares inode->i_sb->s_dev.  An overlay's files live in its
 * layers' filesystems, which are watched instead.
 */
static int add_path(struct fl_live_opts *o, const char *arg, const char *path, int depth)
{
	char (*layers)[PATH_MAX];
	struct fl_mount *m = fl_xcalloc(1, sizeof(*m));
	int err, n;

	err = fl_path_mount(path, m);
	if (err == -ENOENT || err == -ENOTSUP) {
		struct stat st;

		/* right for every filesystem whose files carry the superblock's dev */
		err = stat(path, &st) ? -errno : 0;
		if (!err) {
			fl_warn("--path %s: its mount is not in /proc/self/mountinfo: watching "
				"its st_dev %u:%u (not right for btrfs)", arg, major(st.st_dev),
				minor(st.st_dev));
			err = add_kdev(o, fl_kdev(st.st_dev), arg);
			goto out;
		}
	}
	if (err) {
		fl_err("--path %s: %s%s%s", arg, depth ? path : "", depth ? ": " : "",
		       strerror(-err));
		goto out;
	}
	if (strcmp(m->fstype, "overlay")) {
		err = add_kdev(o, m->kdev, arg);
		goto out;
	}
	layers = fl_xcalloc(FL_MAX_SLOTS, PATH_MAX);
	n = fl_overlay_layers(m, layers, FL_MAX_SLOTS);
	if (n <= 0 || depth >= 2) {
		fl_err("--path %s: overlay at %s: %s; name its layers' directories with --path",
		       arg, m->mnt, n < 0 ? "too many layers" : n ? "nested overlays" :
		       "no layer directories in its options");
		err = -EINVAL;
	}
	for (int i = 0; !err && i < n; i++) {
		if (layers[i][0] != '/') {
			fl_err("--path %s: overlay layer '%s' is not an absolute path; name the "
			       "layers' directories with --path", arg, layers[i]);
			err = -EINVAL;
			break;
		}
		fl_info("--path %s: overlay; watching its layer %s", arg, layers[i]);
		err = add_path(o, arg, layers[i], depth + 1);
	}
	free(layers);
out:
	free(m);
	return err;
}

int fl_filter_path(struct fl_live_opts *o, const char *path)
{
	return add_path(o, path, path, 0);
}

/* --pid takes a process (thread group) that exists: BPF compares tgids. */
int fl_filter_pid(struct fl_live_opts *o, const char *pid)
{
	char path[64], *end;
	long v, tgid;

	errno = 0;
	v = strtol(pid, &end, 10);
	if (errno || end == pid || *end || v <= 0 || v > 0x3fffffff) {
		fl_err("--pid %s: not a process id", pid);
		return -EINVAL;
	}
	snprintf(path, sizeof(path), "/proc/%ld/status", v);
	tgid = fl_file_field(path, "Tgid");
	if (tgid < 0) {
		fl_err("--pid %s: no such process", pid);
		return -ESRCH;
	}
	if (tgid != v) {
		fl_err("--pid %s: a thread of process %ld; --pid takes a process id", pid, tgid);
		return -EINVAL;
	}
	if (o->ntgids >= (int)ARRAY_SIZE(o->tgids)) {
		fl_err("too many --pid (at most %zu)", ARRAY_SIZE(o->tgids));
		return -E2BIG;
	}
	o->tgids[o->ntgids++] = (uint32_t)v;
	return 0;
}
