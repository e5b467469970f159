// SPDX-License-Identifier: GPL-2.0
/*
 * Path resolution goes through open_by_handle_at() with the generic
 * FILEID_INO32_GEN handle (inode number + generation), which ext4, xfs and
 * tmpfs decode; the generation check means a reused inode number is never
 * reported under another file's name.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pathres.h"
#include "util.h"

#define FILEID_INO32_GEN_ 1

/* mountinfo escapes blanks and backslashes as octal. */
static void unescape(char *s)
{
	char *d = s;

	while (*s) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '7' && s[2] && s[3]) {
			*d++ = (char)strtol((char[]){ s[1], s[2], s[3], 0 }, NULL, 8);
			s += 4;
		} else {
			*d++ = *s++;
		}
	}
	*d = 0;
}

/*
 * One line of /proc/self/mountinfo:
 *   id parent maj:min root mount-point options [optional...] - fstype source super-options
 * maj:min is the superblock's s_dev, what BPF reads from inode->i_sb.
 */
static bool parse_mountinfo(char *line, struct fl_mount *m)
{
	unsigned int maj, min;
	char *sep = strstr(line, " - ");
	char *save = NULL, *tok;

	if (!sep || sscanf(line, "%d %*d %u:%u %4095s %4095s", &m->id, &maj, &min, m->root,
			   m->mnt) != 5)
		return false;
	m->kdev = (maj << 20) | min;
	unescape(m->root);
	unescape(m->mnt);
	sep[strcspn(sep, "\n")] = 0;
	tok = strtok_r(sep + 3, " ", &save);
	if (!tok)
		return false;
	snprintf(m->fstype, sizeof(m->fstype), "%s", tok);
	tok = strtok_r(NULL, " ", &save);
	snprintf(m->source, sizeof(m->source), "%s", tok ? tok : "");
	unescape(m->source);
	tok = strtok_r(NULL, " ", &save);
	snprintf(m->opts, sizeof(m->opts), "%s", tok ? tok : "");
	return true;
}

/* Calls @fn on each mount until it returns true: 0, -ENOENT if none did. */
static int each_mount(bool (*fn)(const struct fl_mount *m, void *ctx), void *ctx,
		      struct fl_mount *out)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	char *line = NULL;
	size_t cap = 0;
	int ret = -ENOENT;

	if (!f)
		return -errno;
	while (getline(&line, &cap, f) > 0) {
		if (!parse_mountinfo(line, out) || !fn(out, ctx))
			continue;
		ret = 0;
		break;
	}
	free(line);
	fclose(f);
	return ret;
}

static bool is_dev_root(const struct fl_mount *m, void *ctx)
{
	return m->kdev == *(uint32_t *)ctx && !strcmp(m->root, "/");
}

static bool is_dev(const struct fl_mount *m, void *ctx)
{
	return m->kdev == *(uint32_t *)ctx;
}

static bool is_id(const struct fl_mount *m, void *ctx)
{
	return m->id == *(int *)ctx;
}

/* A filesystem such as btrfs has an anonymous s_dev: its source names the device. */
static bool is_on_blockdev(const struct fl_mount *m, void *ctx)
{
	struct stat st;

	return m->source[0] == '/' && !stat(m->source, &st) && S_ISBLK(st.st_mode) &&
	       fl_kdev(st.st_rdev) == *(uint32_t *)ctx;
}

int fl_dev_mount(uint32_t kdev, char *mnt, size_t mntlen, char *fstype, size_t fslen)
{
	struct fl_mount *m = fl_xcalloc(1, sizeof(*m));
	int ret;

	/* the whole filesystem's mount if there is one, else a bind or subvolume mount */
	ret = each_mount(is_dev_root, &kdev, m);
	if (ret == -ENOENT)
		ret = each_mount(is_dev, &kdev, m);
	if (!ret) {
		snprintf(mnt, mntlen, "%s", m->mnt);
		if (fstype)
			snprintf(fstype, fslen, "%s", m->fstype);
	}
	free(m);
	return ret;
}

int fl_dev_find(uint32_t dev, struct fl_mount *m)
{
	int ret = each_mount(is_dev, &dev, m);

	if (ret == -ENOENT)
		ret = each_mount(is_on_blockdev, &dev, m);
	return ret;
}

int fl_path_mount(const char *path, struct fl_mount *m)
{
	char info[64];
	int fd, id;

	/* the mount that holds the path itself, not one the name crosses */
	fd = open(path, O_PATH | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	snprintf(info, sizeof(info), "/proc/self/fdinfo/%d", fd);
	id = fl_file_field(info, "mnt_id");
	close(fd);
	if (id < 0)
		return -ENOTSUP;
	/* -ENOENT: a mount of another namespace (a path through /proc/PID/root) */
	return each_mount(is_id, &id, m);
}

/*
 * An overlay's files have their page cache on its layers' filesystems:
 * the directories of upperdir= and lowerdir= (':'-separated; data-only
 * layers after "::").  Returns how many were put in @dirs, or -EINVAL.
 */
int fl_overlay_layers(const struct fl_mount *m, char dirs[][PATH_MAX], int max)
{
	char *opts = fl_xstrdup(m->opts), *save = NULL;
	int n = 0;

	for (char *o = strtok_r(opts, ",", &save); o; o = strtok_r(NULL, ",", &save)) {
		char *save2 = NULL, *v;

		if (!strncmp(o, "upperdir=", 9))
			v = o + 9;
		else if (!strncmp(o, "lowerdir=", 9))
			v = o + 9;
		else
			continue;
		for (char *d = strtok_r(v, ":", &save2); d; d = strtok_r(NULL, ":", &save2)) {
			if (n == max) {
				n = -E2BIG;
				goto out;
			}
			unescape(d);
			snprintf(dirs[n++], PATH_MAX, "%s", d);
		}
	}
out:
	free(opts);
	return n;
}

static char *from_handle(uint32_t kdev, uint64_t ino, uint32_t gen);

static char *from_task_fds(uint32_t kdev, uint64_t ino, uint32_t tgid)
{
	char dir[64], link[PATH_MAX], buf[PATH_MAX];
	struct dirent *de;
	char *found = NULL;
	DIR *d;

	snprintf(dir, sizeof(dir), "/proc/%u/fd", tgid);
	d = opendir(dir);
	if (!d)
		return NULL;
	while (!found && (de = readdir(d))) {
		struct stat st;
		ssize_t n;

		if (de->d_name[0] == '.')
			continue;
		snprintf(link, sizeof(link), "%s/%s", dir, de->d_name);
		if (stat(link, &st) || st.st_ino != ino || fl_kdev(st.st_dev) != kdev)
			continue;
		n = readlink(link, buf, sizeof(buf) - 1);
		if (n > 0) {
			buf[n] = 0;
			found = fl_xstrdup(buf);
		}
	}
	closedir(d);
	return found;
}

static char *from_task_maps(uint32_t kdev, uint64_t ino, uint32_t tgid)
{
	char path[64], *line = NULL, *found = NULL;
	size_t cap = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%u/maps", tgid);
	f = fopen(path, "re");
	if (!f)
		return NULL;
	while (!found && getline(&line, &cap, f) > 0) {
		unsigned int maj, min;
		unsigned long long i;
		int off = 0;

		if (sscanf(line, "%*s %*s %*s %x:%x %llu %n", &maj, &min, &i, &off) < 3 || !off)
			continue;
		if (i != ino || ((maj << 20) | min) != kdev || line[off] != '/')
			continue;
		line[strcspn(line, "\n")] = 0;
		found = fl_xstrdup(line + off);
	}
	free(line);
	fclose(f);
	return found;
}

char *fl_inode_path(uint32_t kdev, uint64_t ino, uint32_t gen, uint32_t tgid)
{
	char *p;

	if (tgid && ((p = from_task_fds(kdev, ino, tgid)) || (p = from_task_maps(kdev, ino, tgid))))
		return p;
	return from_handle(kdev, ino, gen);
}

static char *from_handle(uint32_t kdev, uint64_t ino, uint32_t gen)
{
	struct {
		struct file_handle fh;
		uint32_t id[2];
	} h;
	char mnt[PATH_MAX], link[64], buf[PATH_MAX];
	int mfd, fd;
	ssize_t n;

	if (ino > UINT32_MAX || fl_dev_mount(kdev, mnt, sizeof(mnt), NULL, 0))
		return NULL;
	mfd = open(mnt, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (mfd < 0)
		return NULL;
	h.fh.handle_bytes = sizeof(h.id);
	h.fh.handle_type = FILEID_INO32_GEN_;
	h.id[0] = (uint32_t)ino;
	h.id[1] = gen;
	fd = open_by_handle_at(mfd, &h.fh, O_PATH | O_CLOEXEC);
	close(mfd);
	if (fd < 0)
		return NULL;
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return NULL;
	buf[n] = 0;
	return fl_xstrdup(buf);
}
