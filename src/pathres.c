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

int fl_dev_mount(uint32_t kdev, char *mnt, size_t mntlen, char *fstype, size_t fslen)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	char *line = NULL;
	size_t cap = 0;
	int ret = -ENOENT;

	if (!f)
		return -errno;
	while (getline(&line, &cap, f) > 0) {
		unsigned int maj, min;
		char root[PATH_MAX], mp[PATH_MAX], type[64];
		char *sep;

		if (sscanf(line, "%*u %*u %u:%u %4095s %4095s", &maj, &min, root, mp) != 4)
			continue;
		if (((maj << 20) | min) != kdev || strcmp(root, "/"))
			continue;
		sep = strstr(line, " - ");
		if (!sep || sscanf(sep + 3, "%63s", type) != 1)
			continue;
		unescape(mp);
		snprintf(mnt, mntlen, "%s", mp);
		if (fstype)
			snprintf(fstype, fslen, "%s", type);
		ret = 0;
		break;
	}
	free(line);
	fclose(f);
	return ret;
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
