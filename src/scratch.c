// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "scratch.h"
#include "util.h"

static int make_image(const char *path, long long bytes)
{
	int fd = open(path, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0600);

	if (fd < 0)
		return -errno;
	if (ftruncate(fd, bytes)) {
		int err = -errno;

		close(fd);
		return err;
	}
	close(fd);
	return 0;
}

static int mount_one(struct fl_scratch *s, struct fl_scratch_fs *fs)
{
	struct stat st;
	int err;

	snprintf(fs->mnt, sizeof(fs->mnt), "%s/%s", s->dir, fs->fstype);
	if (mkdir(fs->mnt, 0755))
		return -errno;

	if (!strcmp(fs->fstype, "tmpfs")) {
		if (mount("faultline-tmpfs", fs->mnt, "tmpfs", 0, "size=256m"))
			return -errno;
	} else {
		const char *mkfs_ext4[] = { "mkfs.ext4", "-q", "-F", fs->img, NULL };
		const char *mkfs_xfs[] = { "mkfs.xfs", "-q", "-f", fs->img, NULL };
		const char *mnt[] = { "mount", "-o", "loop", fs->img, fs->mnt, NULL };
		bool xfs = !strcmp(fs->fstype, "xfs");

		snprintf(fs->img, sizeof(fs->img), "%s/%s.img", s->dir, fs->fstype);
		/* recent mkfs.xfs refuses filesystems below 300 MiB */
		err = make_image(fs->img, xfs ? 512LL << 20 : 256LL << 20);
		if (err)
			return err;
		if (fl_run(xfs ? mkfs_xfs : mkfs_ext4)) {
			fl_err("mkfs.%s failed on %s (is %s installed?)", fs->fstype, fs->img,
			       xfs ? "xfsprogs" : "e2fsprogs");
			return -EIO;
		}
		if (fl_run(mnt)) {
			fl_err("mount -o loop %s failed (loop devices available?)", fs->img);
			return -EIO;
		}
	}
	fs->mounted = true;
	if (stat(fs->mnt, &st))
		return -errno;
	fs->kdev = fl_kdev(st.st_dev);
	return 0;
}

int fl_scratch_create(struct fl_scratch *s, const char *const *fstypes, int n)
{
	const char *tmp = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
	int err;

	memset(s, 0, sizeof(*s));
	if (n > FL_SCRATCH_MAX)
		return -EINVAL;
	snprintf(s->dir, sizeof(s->dir), "%s/faultline-scratch.XXXXXX", tmp);
	if (!mkdtemp(s->dir)) {
		err = -errno;
		fl_err("cannot create a scratch directory in %s: %s", tmp, strerror(errno));
		s->dir[0] = 0;
		return err;
	}
	for (int i = 0; i < n; i++) {
		struct fl_scratch_fs *fs = &s->fs[s->n++];

		snprintf(fs->fstype, sizeof(fs->fstype), "%s", fstypes[i]);
		err = mount_one(s, fs);
		if (err) {
			fl_err("cannot set up scratch %s under %s: %s", fs->fstype, s->dir,
			       strerror(-err));
			fl_scratch_destroy(s);
			return err;
		}
		fl_debug("scratch %s at %s (dev %u:%u)", fs->fstype, fs->mnt,
			 fl_kdev_major(fs->kdev), fl_kdev_minor(fs->kdev));
	}
	return 0;
}

void fl_scratch_destroy(struct fl_scratch *s)
{
	for (int i = s->n - 1; i >= 0; i--) {
		struct fl_scratch_fs *fs = &s->fs[i];

		if (fs->mounted) {
			/* a lazy unmount still detaches the autoclear loop device */
			if (umount(fs->mnt) && umount2(fs->mnt, MNT_DETACH))
				fl_warn("could not unmount %s: %s", fs->mnt, strerror(errno));
			fs->mounted = false;
		}
		if (fs->img[0])
			unlink(fs->img);
		if (fs->mnt[0])
			rmdir(fs->mnt);
	}
	s->n = 0;
	if (s->dir[0] && rmdir(s->dir))
		fl_warn("could not remove %s: %s", s->dir, strerror(errno));
	s->dir[0] = 0;
}
