// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "scratch.h"
#include "util.h"

const char *const fl_scratch_types[] = { "ext4", "xfs", "tmpfs", "f2fs", "gfs2", "zonefs", "fuse" };
const unsigned int fl_scratch_ntypes = ARRAY_SIZE(fl_scratch_types);

/* What a scratch filesystem of each type needs, and its image's size. */
static const struct kind {
	const char *type;
	const char *prog;	/* mkfs, or the FUSE server */
	const char *prog2;
	const char *pkg;	/* the Debian package(s) of the programs */
	long long mib;
} kinds[] = {
	{ "ext4", "mkfs.ext4", NULL, "e2fsprogs", 256 },
	/* recent mkfs.xfs refuses filesystems below 300 MiB */
	{ "xfs", "mkfs.xfs", NULL, "xfsprogs", 512 },
	{ "tmpfs", NULL, NULL, NULL, 0 },
	{ "f2fs", "mkfs.f2fs", NULL, "f2fs-tools", 256 },
	{ "gfs2", "mkfs.gfs2", NULL, "gfs2-utils", 256 },
	{ "zonefs", NULL, NULL, NULL, 0 },
	/* a real FUSE filesystem from Debian: fuse2fs serving an ext4 image */
	{ "fuse", "fuse2fs", "mkfs.ext4", "fuse2fs, e2fsprogs", 256 },
};

static const struct kind *kind_of(const char *type)
{
	for (size_t i = 0; i < ARRAY_SIZE(kinds); i++)
		if (!strcmp(kinds[i].type, type))
			return &kinds[i];
	return NULL;
}

/* The kernel knows @name now (/proc/filesystems' last column). */
static bool kernel_has_fs(const char *name)
{
	char line[128];
	bool found = false;
	FILE *f = fopen("/proc/filesystems", "re");

	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f)) {
		char *t = strrchr(line, '\t');

		t = t ? t + 1 : line;
		t[strcspn(t, "\n")] = 0;
		found = !strcmp(t, name);
	}
	fclose(f);
	return found;
}

/* As mount(8) would: a filesystem that is a module is loaded on demand. */
static bool kernel_fs(const char *name)
{
	const char *modprobe[] = { "modprobe", "-q", name, NULL };

	if (kernel_has_fs(name))
		return true;
	if (fl_run(modprobe))
		return false;
	fl_info("loaded the %s module", name);
	return kernel_has_fs(name);
}

/* @prog in PATH, or in the sbin directories a root shell may lack. */
static bool have_prog(const char *prog)
{
	const char *env = getenv("PATH");
	char path[PATH_MAX], *dirs, *save = NULL;
	bool found = false;

	snprintf(path, sizeof(path), "%s:/usr/sbin:/sbin:/usr/bin:/bin", env ? env : "");
	dirs = fl_xstrdup(path);
	for (char *d = strtok_r(dirs, ":", &save); d && !found; d = strtok_r(NULL, ":", &save)) {
		snprintf(path, sizeof(path), "%s/%s", d, prog);
		found = !access(path, X_OK);
	}
	free(dirs);
	return found;
}

bool fl_scratch_available(const char *fstype, char *why, size_t len)
{
	const struct kind *k = kind_of(fstype);

	if (!k) {
		snprintf(why, len, "faultline cannot make a scratch %s", fstype);
		return false;
	}
	if (!kernel_fs(fstype)) {
		snprintf(why, len, "this kernel has no %s (not in /proc/filesystems, and "
			 "`modprobe %s` failed)", fstype, fstype);
		return false;
	}
	if (!strcmp(fstype, "fuse") && access("/dev/fuse", R_OK | W_OK)) {
		snprintf(why, len, "/dev/fuse: %s", strerror(errno));
		return false;
	}
	if (!strcmp(fstype, "zonefs"))
		return fl_zoned_available(why, len);
	if ((k->prog && !have_prog(k->prog)) || (k->prog2 && !have_prog(k->prog2))) {
		snprintf(why, len, "%s%s%s not found (Debian: %s)", k->prog,
			 k->prog2 ? " or " : "", k->prog2 ? k->prog2 : "", k->pkg);
		return false;
	}
	return true;
}

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

static int run_mkfs(const char *fstype, const char *img)
{
	const char *ext4[] = { "mkfs.ext4", "-q", "-F", img, NULL };
	const char *xfs[] = { "mkfs.xfs", "-q", "-f", img, NULL };
	const char *f2fs[] = { "mkfs.f2fs", "-q", "-f", img, NULL };
	/* lock_nolock: a single-node gfs2 without a cluster stack; one small journal */
	const char *gfs2[] = { "mkfs.gfs2", "-O", "-q", "-p", "lock_nolock", "-j", "1", "-J", "8",
			       img, NULL };

	if (!strcmp(fstype, "xfs"))
		return fl_run(xfs);
	if (!strcmp(fstype, "f2fs"))
		return fl_run(f2fs);
	if (!strcmp(fstype, "gfs2"))
		return fl_run(gfs2);
	return fl_run(ext4);	/* ext4, and fuse's image */
}

static bool mounted_on(const char *mnt, dev_t parent)
{
	struct stat st;

	return !stat(mnt, &st) && st.st_dev != parent;
}

/*
 * fuse2fs in the foreground, in a session of its own (a Ctrl-C meant for
 * faultline must not take the server away under its mount), until its
 * mount appears.
 */
static int start_fuse(struct fl_scratch_fs *fs, dev_t parent)
{
	struct timespec ts = { 0, 20 * 1000 * 1000 };
	pid_t pid = fork();
	int status;

	if (pid < 0)
		return -errno;
	if (pid == 0) {
		setsid();
		if (!fl_verbose) {
			int fd = open("/dev/null", O_WRONLY);

			if (fd >= 0) {
				dup2(fd, STDOUT_FILENO);
				dup2(fd, STDERR_FILENO);
			}
		}
		execlp("fuse2fs", "fuse2fs", "-f", fs->img, fs->mnt, (char *)NULL);
		_exit(127);
	}
	fs->daemon = pid;
	for (int i = 0; i < 500; i++) {
		if (mounted_on(fs->mnt, parent))
			return 0;
		if (waitpid(pid, &status, WNOHANG) == pid) {
			fs->daemon = 0;
			fl_err("fuse2fs %s exited before mounting it (%s %d)", fs->img,
			       WIFEXITED(status) ? "status" : "signal",
			       WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
			return -EIO;
		}
		nanosleep(&ts, NULL);
	}
	fl_err("fuse2fs did not mount %s within 10 s", fs->mnt);
	return -ETIMEDOUT;
}

/* The server leaves once its mount is gone; one that does not is killed. */
static void stop_fuse(struct fl_scratch_fs *fs)
{
	struct timespec ts = { 0, 20 * 1000 * 1000 };

	if (!fs->daemon)
		return;
	for (int i = 0; i < 250; i++) {
		if (waitpid(fs->daemon, NULL, WNOHANG) == fs->daemon) {
			fs->daemon = 0;
			return;
		}
		nanosleep(&ts, NULL);
	}
	fl_warn("fuse2fs (pid %d) still runs after its unmount: killed", (int)fs->daemon);
	kill(fs->daemon, SIGKILL);
	waitpid(fs->daemon, NULL, 0);
	fs->daemon = 0;
}

static int mount_one(struct fl_scratch *s, struct fl_scratch_fs *fs)
{
	const struct kind *k = kind_of(fs->fstype);
	struct stat st, parent;
	int err;

	snprintf(fs->mnt, sizeof(fs->mnt), "%s/%s", s->dir, fs->fstype);
	if (mkdir(fs->mnt, 0755) || stat(s->dir, &parent))
		return -errno;

	if (!strcmp(fs->fstype, "tmpfs")) {
		if (mount("faultline-tmpfs", fs->mnt, "tmpfs", 0, "size=256m"))
			return -errno;
	} else if (!strcmp(fs->fstype, "zonefs")) {
		char name[64];

		snprintf(name, sizeof(name), "faultline-%d", (int)getpid());
		return fl_zoned_create(fs, name);
	} else {
		const char *mnt[] = { "mount", "-t", fs->fstype, "-o", "loop", fs->img, fs->mnt, NULL };

		snprintf(fs->img, sizeof(fs->img), "%s/%s.img", s->dir, fs->fstype);
		err = make_image(fs->img, k->mib << 20);
		if (err)
			return err;
		if (run_mkfs(fs->fstype, fs->img)) {
			fl_err("mkfs for %s failed on %s (is %s installed?)", fs->fstype, fs->img,
			       strcmp(fs->fstype, "fuse") ? k->pkg : "e2fsprogs");
			return -EIO;
		}
		if (!strcmp(fs->fstype, "fuse")) {
			err = start_fuse(fs, parent.st_dev);
			if (err)
				return err;
		} else if (fl_run(mnt)) {
			fl_err("mount -t %s -o loop %s failed (loop devices available?)",
			       fs->fstype, fs->img);
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
		err = kind_of(fs->fstype) ? mount_one(s, fs) : -EINVAL;
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
		if (fs->daemon && !fs->kdev)
			kill(fs->daemon, SIGTERM);	/* it never mounted */
		stop_fuse(fs);
		fl_zoned_destroy(fs);
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
