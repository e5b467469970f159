// SPDX-License-Identifier: GPL-2.0
/*
 * soakprobe: one page fault on a file, through one of several kernel
 * paths, for the soak (tests/bench/soak.sh).
 *
 *   soakprobe ACTION FILE OTHER
 *   soakprobe churn DIR SECS
 *
 * FILE is on the xfs the soak watches with --assume-protocol
 * xfs:map-pages-locked: every fault-around there (filemap_map_pages) is
 * then a violation, and each ACTION reaches it from another kernel stack,
 * so each is a new signature and one new alert, whose latency the soak
 * measures.  None is a path the soak's stressors take (stress-ng's mmap
 * and madvise stressors use MAP_POPULATE, MAP_LOCKED and
 * MADV_POPULATE_READ themselves).  OTHER is a scratch file elsewhere
 * (ext4) that some actions write to.  FILE is read first (read(2): no
 * fault), so that fault-around has cached pages to map.
 *
 *   mlock      mlock(2)
 *   kwrite     write(2) to OTHER from the mapping: the kernel faults the
 *              user buffer in (fault_in_readable)
 *   procmem    pread(2) of /proc/self/mem at the mapping (access_remote_vm)
 *   vmreadv    process_vm_readv(2) from the mapping
 *   dio        O_DIRECT write(2) to OTHER from the mapping (pins the pages)
 *   vmsplice   vmsplice(2) of the mapping into a pipe
 *   ptrace     PTRACE_PEEKDATA of a child's (unfaulted) copy of the mapping
 *   unixsend   send(2) of the mapping on an AF_UNIX socket (copy_from_user)
 *
 * churn: for SECS, files made in DIR one after the other, each mapped and
 * read through user faults, then removed: the same violation (the same
 * code path) on ever new files, what would fill a violation table kept
 * per file.
 *
 * Exit status 0, or 1 with a message.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define LEN	(256 * 1024)

static int die(const char *what)
{
	fprintf(stderr, "soakprobe: %s: %s\n", what, strerror(errno));
	return 1;
}

static int open_other(const char *other, int flags)
{
	return open(other, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | flags, 0600);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int churn(const char *dir, double secs)
{
	static char data[64 * 1024];
	double end = now_s() + secs;
	unsigned long i = 0;
	char path[4096];
	volatile char sum = 0;

	memset(data, 'c', sizeof(data));
	while (now_s() < end) {
		char *m;
		int fd;

		snprintf(path, sizeof(path), "%s/churn.%lu", dir, i++);
		fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		if (fd < 0)
			return die(path);
		if (write(fd, data, sizeof(data)) != sizeof(data))
			return die("write");
		m = mmap(NULL, sizeof(data), PROT_READ, MAP_SHARED, fd, 0);
		if (m == MAP_FAILED)
			return die("mmap");
		for (size_t off = 0; off < sizeof(data); off += 4096)
			sum += m[off];
		munmap(m, sizeof(data));
		close(fd);
		unlink(path);
	}
	printf("soakprobe: churn: %lu files\n", i);
	return 0;
}

/* The child stops with the mapping unfaulted; we read it through ptrace. */
static int peek_child(char *map)
{
	pid_t pid = fork();
	int status;

	if (pid < 0)
		return die("fork");
	if (!pid) {
		ptrace(PTRACE_TRACEME, 0, NULL, NULL);
		raise(SIGSTOP);
		_exit(0);
	}
	if (waitpid(pid, &status, 0) != pid || !WIFSTOPPED(status))
		return die("waitpid");
	errno = 0;
	ptrace(PTRACE_PEEKDATA, pid, map + 8192, NULL);
	if (errno)
		return die("PTRACE_PEEKDATA");
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	return 0;
}

int main(int argc, char **argv)
{
	static char buf[LEN] __attribute__((aligned(4096)));
	const char *act;
	char *map;
	int fd, o, p[2];
	ssize_t n;

	if (argc != 4) {
		fprintf(stderr, "usage: soakprobe ACTION FILE OTHER | churn DIR SECS\n");
		return 2;
	}
	act = argv[1];
	if (!strcmp(act, "churn"))
		return churn(argv[2], atof(argv[3]));
	fd = open(argv[2], O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return die(argv[2]);
	if (pread(fd, buf, LEN, 0) != LEN)
		return die("read: short file");
	map = mmap(NULL, LEN, PROT_READ, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED)
		return die("mmap");
	if (!strcmp(act, "ptrace"))
		return peek_child(map);
	if (!strcmp(act, "unixsend")) {
		if (socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, p))
			return die("socketpair");
		return send(p[0], map + 16384, 4096, 0) != 4096 ? die("send") : 0;
	}
	if (!strcmp(act, "mlock"))
		return mlock(map, LEN) ? die("mlock") : 0;
	if (!strcmp(act, "kwrite") || !strcmp(act, "dio")) {
		o = open_other(argv[3], !strcmp(act, "dio") ? O_DIRECT : 0);
		if (o < 0)
			return die(argv[3]);
		n = write(o, map, LEN);
		return n != LEN ? die("write") : 0;
	}
	if (!strcmp(act, "procmem")) {
		o = open("/proc/self/mem", O_RDONLY | O_CLOEXEC);
		if (o < 0)
			return die("/proc/self/mem");
		return pread(o, buf, LEN, (off_t)(unsigned long)map) != LEN ? die("pread mem") : 0;
	}
	if (!strcmp(act, "vmreadv")) {
		struct iovec local = { buf, LEN }, remote = { map, LEN };

		return process_vm_readv(getpid(), &local, 1, &remote, 1, 0) != LEN ?
		       die("process_vm_readv") : 0;
	}
	if (!strcmp(act, "vmsplice")) {
		struct iovec iov = { map, 4096 };

		if (pipe(p))
			return die("pipe");
		return vmsplice(p[1], &iov, 1, 0) != 4096 ? die("vmsplice") : 0;
	}
	fprintf(stderr, "soakprobe: unknown action %s\n", act);
	return 2;
}
