// SPDX-License-Identifier: GPL-2.0
/*
 * notify_listen SOCKET: the service manager's end of sd_notify(3), for
 * tests without systemd.  Binds a datagram socket at SOCKET and prints
 * each message as one line, "<CLOCK_MONOTONIC ns> <message>", its
 * newlines turned into '|', until SIGTERM or SIGINT.  Prints "ready" on
 * stderr once bound.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

int main(int argc, char **argv)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct sigaction act = { .sa_handler = on_signal };
	char buf[4096];
	int fd;

	if (argc != 2 || strlen(argv[1]) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "usage: notify_listen SOCKET\n");
		return 2;
	}
	/* no SA_RESTART: recv() returns EINTR and the loop ends */
	sigaction(SIGTERM, &act, NULL);
	sigaction(SIGINT, &act, NULL);
	strcpy(sa.sun_path, argv[1]);
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		fprintf(stderr, "notify_listen: %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	fprintf(stderr, "ready\n");
	while (!stop) {
		struct timespec ts;
		ssize_t n = recv(fd, buf, sizeof(buf) - 1, 0);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "notify_listen: recv: %s\n", strerror(errno));
			return 1;
		}
		buf[n] = 0;
		for (ssize_t i = 0; i < n; i++)
			if (buf[i] == '\n')
				buf[i] = '|';
		clock_gettime(CLOCK_MONOTONIC, &ts);
		printf("%lld %s\n", (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec, buf);
		fflush(stdout);
	}
	close(fd);
	unlink(argv[1]);
	return 0;
}
