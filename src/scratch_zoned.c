// SPDX-License-Identifier: GPL-2.0
/*
 * A scratch zonefs: a zoned, memory-backed null_blk device made through
 * null_blk's configfs interface (so no module parameter and no device of
 * anyone else is touched), a zonefs superblock written on its first zone,
 * mounted.  Debian ships no mkzonefs, and the superblock is one block:
 * fs/zonefs/zonefs.h's struct zonefs_super, checked by zonefs_read_super()
 * (magic, a CRC-32 of the block with the CRC field zeroed, no unknown
 * feature, a zeroed reserved area).
 */
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "dump.h"
#include "scratch.h"
#include "util.h"

#define CONFIGFS	"/sys/kernel/config"
#define NULLB_DIR	CONFIGFS "/nullb"

/*
 * The device: 256 MiB in 16 MiB zones, the first four conventional (zone 0
 * holds the superblock, zones 1-3 become cnv/0..2, which allow random
 * writes and shared writable mappings), twelve sequential (seq/0..11).
 * Memory is used only for what is written; a zone reset frees it.
 */
#define ZONED_SIZE_MB	256
#define ZONE_SIZE_MB	16
#define ZONES_CONV	4

#define ZONEFS_MAGIC		0x5a4f4653	/* "ZOFS" */
#define ZONEFS_SUPER_SIZE	4096

/* fs/zonefs/zonefs.h, all little-endian; the same since 5.6 */
struct zonefs_super {
	uint32_t s_magic;
	uint32_t s_crc;
	char s_label[64];
	uint8_t s_uuid[16];
	uint64_t s_features;
	uint32_t s_uid;
	uint32_t s_gid;
	uint32_t s_perm;
	uint8_t s_reserved[3988];
} __attribute__((packed));

_Static_assert(sizeof(struct zonefs_super) == ZONEFS_SUPER_SIZE, "zonefs_super is one block");

static bool is_dir(const char *path)
{
	struct stat st;

	return !stat(path, &st) && S_ISDIR(st.st_mode);
}

static int write_attr(const char *dir, const char *name, const char *val)
{
	char path[PATH_MAX];
	int fd, err = 0;
	ssize_t len = (ssize_t)strlen(val);

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (write(fd, val, len) != len)
		err = errno ? -errno : -EIO;
	close(fd);
	return err;
}

static int read_attr(const char *dir, const char *name, char *buf, size_t len)
{
	char path[PATH_MAX];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = 0;
	buf[strcspn(buf, "\n")] = 0;
	return 0;
}

/*
 * null_blk's configfs directory: configfs mounted where it belongs if it
 * is not (as systemd would have), null_blk loaded without devices of its
 * own if it is not (as mount(8) loads a filesystem's module).
 */
bool fl_zoned_available(char *why, size_t len)
{
	const char *modprobe[] = { "modprobe", "-q", "null_blk", "nr_devices=0", NULL };

	if (!is_dir(NULLB_DIR) && is_dir(CONFIGFS) &&
	    !mount("configfs", CONFIGFS, "configfs", 0, NULL))
		fl_info("mounted configfs on %s (for null_blk)", CONFIGFS);
	if (!is_dir(NULLB_DIR) && !fl_run(modprobe))
		fl_info("loaded null_blk (nr_devices=0) for a zoned device");
	if (is_dir(NULLB_DIR))
		return true;
	snprintf(why, len, "no zoned block device can be made: null_blk's configfs (%s) is "
		 "absent and `modprobe null_blk` failed (CONFIG_BLK_DEV_NULL_BLK, "
		 "CONFIG_CONFIGFS_FS, CONFIG_BLK_DEV_ZONED)", NULLB_DIR);
	return false;
}

static int wait_for_node(const char *name, const char *index, char *dev, size_t len)
{
	struct timespec ts = { 0, 20 * 1000 * 1000 };
	struct stat st;

	/* devtmpfs makes the node at once; udev, if any, may take a moment */
	for (int i = 0; i < 250; i++) {
		snprintf(dev, len, "/dev/%s", name);
		if (!stat(dev, &st) && S_ISBLK(st.st_mode))
			return 0;
		snprintf(dev, len, "/dev/nullb%s", index);
		if (!stat(dev, &st) && S_ISBLK(st.st_mode))
			return 0;
		nanosleep(&ts, NULL);
	}
	return -ENOENT;
}

static void fill_uuid(uint8_t *uuid)
{
	int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);

	if (fd < 0 || read(fd, uuid, 16) != 16) {
		/* a uuid is a label here, not a secret */
		uint64_t t = fl_now_ns() ^ (uint64_t)getpid() << 32;

		memcpy(uuid, &t, 8);
		memcpy(uuid + 8, &t, 8);
	}
	if (fd >= 0)
		close(fd);
	uuid[6] = (uuid[6] & 0x0f) | 0x40;	/* version 4 */
	uuid[8] = (uuid[8] & 0x3f) | 0x80;
}

static int write_super(const char *dev)
{
	struct zonefs_super *sb;
	int fd, err = 0;

	if (posix_memalign((void **)&sb, 4096, sizeof(*sb)))
		return -ENOMEM;
	memset(sb, 0, sizeof(*sb));
	sb->s_magic = htole32(ZONEFS_MAGIC);
	snprintf(sb->s_label, sizeof(sb->s_label), "faultline-scratch");
	fill_uuid(sb->s_uuid);
	/* the kernel's crc32(~0, ...) has no final inversion; zlib's has */
	sb->s_crc = htole32(~fl_crc32(0, sb, sizeof(*sb)));
	/* zone 0 is conventional: a plain write; O_DIRECT, so it is on the device */
	fd = open(dev, O_WRONLY | O_DIRECT | O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
	} else {
		if (pwrite(fd, sb, sizeof(*sb), 0) != (ssize_t)sizeof(*sb) || fsync(fd))
			err = errno ? -errno : -EIO;
		close(fd);
	}
	free(sb);
	return err;
}

int fl_zoned_create(struct fl_scratch_fs *fs, const char *name)
{
	static const struct {
		const char *attr;
		const char *val;
	} attrs[] = {
		{ "size", "256" },		/* MiB: ZONED_SIZE_MB */
		{ "blocksize", "4096" },
		{ "memory_backed", "1" },
		{ "zoned", "1" },
		{ "zone_size", "16" },		/* MiB: ZONE_SIZE_MB */
		{ "zone_nr_conv", "4" },	/* ZONES_CONV */
		{ "power", "1" },
	};
	char index[32], dev[64];
	struct stat st;
	int err;

	_Static_assert(ZONED_SIZE_MB == 256 && ZONE_SIZE_MB == 16 && ZONES_CONV == 4,
		       "the attribute strings above");
	snprintf(fs->nullb, sizeof(fs->nullb), "%s/%s", NULLB_DIR, name);
	if (mkdir(fs->nullb, 0755)) {
		err = -errno;
		fl_err("cannot make the null_blk device %s: %s", fs->nullb, strerror(errno));
		fs->nullb[0] = 0;
		return err;
	}
	for (size_t i = 0; i < ARRAY_SIZE(attrs); i++) {
		err = write_attr(fs->nullb, attrs[i].attr, attrs[i].val);
		if (err) {
			fl_err("null_blk %s: %s=%s: %s", fs->nullb, attrs[i].attr, attrs[i].val,
			       strerror(-err));
			return err;
		}
	}
	err = read_attr(fs->nullb, "index", index, sizeof(index));
	if (err)
		return err;
	/* named after its configfs directory since 6.0, nullb<index> before */
	err = wait_for_node(name, index, dev, sizeof(dev));
	if (err) {
		fl_err("the null_blk device of %s appeared neither as /dev/%s nor as "
		       "/dev/nullb%s", fs->nullb, name, index);
		return err;
	}
	err = write_super(dev);
	if (err) {
		fl_err("cannot write a zonefs superblock on %s: %s", dev, strerror(-err));
		return err;
	}
	if (mount(dev, fs->mnt, "zonefs", 0, NULL)) {
		err = -errno;
		fl_err("mount -t zonefs %s failed: %s (see dmesg)", dev, strerror(errno));
		return err;
	}
	fs->mounted = true;
	if (stat(fs->mnt, &st))
		return -errno;
	fs->kdev = fl_kdev(st.st_dev);
	fl_debug("zonefs on %s (%d MiB, %d MiB zones, %d conventional)", dev, ZONED_SIZE_MB,
		 ZONE_SIZE_MB, ZONES_CONV);
	return 0;
}

/* After the unmount: the device goes, and its memory with it. */
void fl_zoned_destroy(struct fl_scratch_fs *fs)
{
	if (!fs->nullb[0])
		return;
	write_attr(fs->nullb, "power", "0");
	if (rmdir(fs->nullb))
		fl_warn("could not remove the null_blk device %s: %s", fs->nullb, strerror(errno));
	fs->nullb[0] = 0;
}
