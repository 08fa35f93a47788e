/* SPDX-License-Identifier: MIT */
/* Machine context (fsync rate, loopback throughput) and PSS of a
   process tree. */
#include "bench.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

double bench_sys_fsync_rate(const char *dir)
{
	char path[4096], block[4096];
	double start, secs;
	long n = 0;
	int fd;

	memset(block, 'x', sizeof(block));
	snprintf(path, sizeof(path), "%s/fsync-test.tmp", dir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0)
		bench_fail("create %s: %s", path, strerror(errno));
	start = bench_now();
	do {
		if (pwrite(fd, block, sizeof(block), (off_t)(n % 16) * 4096) !=
		    (ssize_t)sizeof(block) || fsync(fd) < 0)
			bench_fail("write %s: %s", path, strerror(errno));
		n++;
	} while ((secs = bench_now() - start) < 2.0);
	close(fd);
	unlink(path);
	return (double)n / secs;
}

struct loop_writer {
	int fd;
	double seconds;
};

static void *loop_write(void *ctx)
{
	struct loop_writer *w = ctx;
	static char block[256 * 1024];
	double start = bench_now();

	while (bench_now() - start < w->seconds) {
		if (write(w->fd, block, sizeof(block)) < 0)
			break;
	}
	close(w->fd);
	return NULL;
}

double bench_sys_loopback_mbps(void)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	struct loop_writer w = { -1, 2.0 };
	static char buf[256 * 1024];
	int lfd, rfd;
	pthread_t thread;
	double start, bytes = 0;
	ssize_t n;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	lfd = socket(AF_INET, SOCK_STREAM, 0);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&sin, sizeof(sin)) < 0 ||
	    listen(lfd, 1) < 0 ||
	    getsockname(lfd, (struct sockaddr *)&sin, &len) < 0)
		bench_fail("loopback listen: %s", strerror(errno));
	w.fd = socket(AF_INET, SOCK_STREAM, 0);
	if (w.fd < 0 || connect(w.fd, (struct sockaddr *)&sin, sizeof(sin)) < 0)
		bench_fail("loopback connect: %s", strerror(errno));
	rfd = accept(lfd, NULL, NULL);
	if (rfd < 0)
		bench_fail("loopback accept: %s", strerror(errno));
	start = bench_now();
	if (pthread_create(&thread, NULL, loop_write, &w) != 0)
		bench_fail("pthread_create failed");
	while ((n = read(rfd, buf, sizeof(buf))) > 0)
		bytes += (double)n;
	pthread_join(thread, NULL);
	close(rfd);
	close(lfd);
	return bytes / (bench_now() - start) / 1e6;
}

#define MAX_PROCS 65536

static pid_t parent_pid(pid_t pid)
{
	char path[64], buf[1024];
	const char *p;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	p = strrchr(buf, ')');
	if (p == NULL)
		return -1;
	/* ") S ppid ..." */
	return (pid_t)strtol(p + 4, NULL, 10);
}

static uint64_t pss_kib(pid_t pid)
{
	char path[64], line[256];
	uint64_t kib = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/smaps_rollup", (int)pid);
	f = fopen(path, "r");
	if (f == NULL)
		return 0; /* exited meanwhile */
	while (fgets(line, sizeof(line), f) != NULL) {
		if (strncmp(line, "Pss:", 4) == 0) {
			kib = strtoull(line + 4, NULL, 10);
			break;
		}
	}
	fclose(f);
	return kib;
}

uint64_t bench_sys_tree_pss_kib(pid_t root)
{
	static pid_t pids[MAX_PROCS], ppids[MAX_PROCS];
	static bool in_tree[MAX_PROCS];
	size_t count = 0;
	uint64_t total = 0;
	bool grew = true;
	struct dirent *d;
	DIR *dir = opendir("/proc");

	if (dir == NULL)
		bench_fail("opendir /proc: %s", strerror(errno));
	while ((d = readdir(dir)) != NULL && count < MAX_PROCS) {
		pid_t pid = (pid_t)strtol(d->d_name, NULL, 10);

		if (pid <= 0)
			continue;
		pids[count] = pid;
		ppids[count] = parent_pid(pid);
		in_tree[count] = pid == root;
		count++;
	}
	closedir(dir);
	while (grew) {
		grew = false;
		for (size_t i = 0; i < count; i++) {
			if (in_tree[i])
				continue;
			for (size_t j = 0; j < count; j++) {
				if (in_tree[j] && pids[j] == ppids[i]) {
					in_tree[i] = true;
					grew = true;
					break;
				}
			}
		}
	}
	for (size_t i = 0; i < count; i++) {
		if (in_tree[i])
			total += pss_kib(pids[i]);
	}
	return total;
}
