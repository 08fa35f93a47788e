/* SPDX-License-Identifier: MIT */
/* Sockets: listeners, connections, addresses, credentials, fd passing. */
#include "lib.h"
#include "net.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/tcp.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

int
net_parse_spec(const char *spec, struct net_addr *addr_r,
	       const char **path_r, const char **error_r)
{
	const char *host, *port_str;
	size_t host_len;
	unsigned int port;

	memset(addr_r, 0, sizeof(*addr_r));
	*path_r = NULL;
	if (str_begins(spec, "unix:")) {
		if (spec[5] == '\0') {
			*error_r = "empty unix socket path";
			return -1;
		}
		addr_r->is_unix = true;
		*path_r = spec + 5;
		return 0;
	}
	if (spec[0] == '[') {
		const char *end = strchr(spec, ']');
		if (end == NULL || end[1] != ':') {
			*error_r = "expected [IPv6]:port";
			return -1;
		}
		host = spec + 1;
		host_len = (size_t)(end - host);
		port_str = end + 2;
	} else {
		const char *colon = strrchr(spec, ':');
		if (colon == NULL) {
			*error_r = "expected address:port or unix:path";
			return -1;
		}
		host = spec;
		host_len = (size_t)(colon - spec);
		port_str = colon + 1;
	}
	if (str_to_uint(port_str, &port) < 0 || port == 0 || port > 65535) {
		*error_r = "invalid port";
		return -1;
	}
	if (host_len >= sizeof(addr_r->ip)) {
		*error_r = "address too long";
		return -1;
	}
	memcpy(addr_r->ip, host, host_len);
	addr_r->ip[host_len] = '\0';
	if (strcmp(addr_r->ip, "*") == 0 && spec[0] != '[')
		memcpy(addr_r->ip, "0.0.0.0", 8);
	else if (strcmp(addr_r->ip, "::") != 0 && addr_r->ip[0] == '\0') {
		*error_r = "empty address";
		return -1;
	}
	unsigned char tmp[sizeof(struct in6_addr)];
	if (inet_pton(AF_INET, addr_r->ip, tmp) != 1 &&
	    inet_pton(AF_INET6, addr_r->ip, tmp) != 1) {
		*error_r = "invalid IP address";
		return -1;
	}
	addr_r->port = port;
	return 0;
}

static int
sockaddr_fill(const char *ip, unsigned int port, struct sockaddr_storage *ss,
	      socklen_t *len_r)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, ip, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)port);
		*len_r = sizeof(*sin);
		return 0;
	}
	if (inet_pton(AF_INET6, ip, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)port);
		*len_r = sizeof(*sin6);
		return 0;
	}
	errno = EINVAL;
	return -1;
}

int
net_listen_tcp(const char *ip, unsigned int port, int backlog,
	       const char **error_r)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int fd, one = 1;

	if (sockaddr_fill(ip, port, &ss, &len) < 0) {
		*error_r = "invalid IP address";
		return -1;
	}
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		*error_r = strerror(errno);
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (ss.ss_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, len) < 0 ||
	    listen(fd, backlog) < 0) {
		*error_r = strerror(errno);
		close(fd);
		return -1;
	}
	return fd;
}

static int
unix_addr_fill(const char *path, struct sockaddr_un *sun)
{
	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun->sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(sun->sun_path, path, strlen(path));
	return 0;
}

/* A socket left by a previous run is removed; one that still accepts
   connections belongs to a live process and is left alone (-1). Only
   sockets are ever removed, never other files. */
static int
unix_remove_stale(const char *path)
{
	struct stat st;

	if (lstat(path, &st) < 0 || !S_ISSOCK(st.st_mode))
		return 0;
	int fd = net_connect_unix(path);
	if (fd >= 0) {
		close(fd);
		errno = EADDRINUSE;
		return -1;
	}
	(void)unlink(path);
	return 0;
}

int
net_listen_unix(const char *path, mode_t mode, uid_t uid, gid_t gid,
		int backlog, const char **error_r)
{
	struct sockaddr_un sun;
	int fd;

	if (unix_addr_fill(path, &sun) < 0) {
		*error_r = "unix socket path too long";
		return -1;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		*error_r = strerror(errno);
		return -1;
	}
	if (unix_remove_stale(path) < 0) {
		*error_r = "socket is in use by another process";
		close(fd);
		return -1;
	}
	mode_t old_umask = umask(0777 & ~mode);
	int ret = bind(fd, (struct sockaddr *)&sun, sizeof(sun));
	umask(old_umask);
	if (ret < 0 || chmod(path, mode) < 0 ||
	    ((uid != (uid_t)-1 || gid != (gid_t)-1) &&
	     chown(path, uid, gid) < 0) ||
	    listen(fd, backlog) < 0) {
		*error_r = strerror(errno);
		close(fd);
		return -1;
	}
	return fd;
}

int
net_listen_spec(const char *spec, mode_t unix_mode, uid_t uid, gid_t gid,
		const char **error_r)
{
	struct net_addr addr;
	const char *path;

	if (net_parse_spec(spec, &addr, &path, error_r) < 0)
		return -1;
	if (path != NULL)
		return net_listen_unix(path, unix_mode, uid, gid, 128, error_r);
	return net_listen_tcp(addr.ip, addr.port, 128, error_r);
}

static void
addr_from_sockaddr(const struct sockaddr_storage *ss, struct net_addr *addr)
{
	memset(addr, 0, sizeof(*addr));
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *sin = (const void *)ss;
		inet_ntop(AF_INET, &sin->sin_addr, addr->ip, sizeof(addr->ip));
		addr->port = ntohs(sin->sin_port);
	} else if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const void *)ss;
		inet_ntop(AF_INET6, &sin6->sin6_addr, addr->ip,
			  sizeof(addr->ip));
		addr->port = ntohs(sin6->sin6_port);
	} else {
		addr->is_unix = true;
	}
}

int
net_accept(int listen_fd, struct net_addr *remote_r)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	int fd;

	fd = accept4(listen_fd, (struct sockaddr *)&ss, &len,
		     SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0) {
		switch (errno) {
		case EAGAIN: case EINTR: case ECONNABORTED: case EMFILE:
		case ENFILE: case ENOBUFS: case ENOMEM: case EPROTO:
		case EPERM:
			return -1;
		default:
			return -2;
		}
	}
	if (remote_r != NULL)
		addr_from_sockaddr(&ss, remote_r);
	if (ss.ss_family == AF_INET || ss.ss_family == AF_INET6) {
		/* replies are written whole; without this, a reply written
		   in two pieces waits for the peer's delayed ACK (~40 ms) */
		int one = 1;
		(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one,
				 sizeof(one));
	}
	return fd;
}

int
net_connect_unix(const char *path)
{
	struct sockaddr_un sun;
	int fd;

	if (unix_addr_fill(path, &sun) < 0)
		return -1;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		int saved = errno;
		close(fd);
		errno = saved;
		return -1;
	}
	return fd;
}

int
net_connect_tcp(const char *ip, unsigned int port)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int fd;

	if (sockaddr_fill(ip, port, &ss, &len) < 0)
		return -1;
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&ss, len) < 0) {
		int saved = errno;
		close(fd);
		errno = saved;
		return -1;
	}
	return fd;
}

void
net_set_nonblock(int fd, bool nonblock)
{
	int flags = fcntl(fd, F_GETFL);

	if (flags < 0)
		return;
	flags = nonblock ? (flags | O_NONBLOCK) : (flags & ~O_NONBLOCK);
	(void)fcntl(fd, F_SETFL, flags);
}

void
net_set_cloexec(int fd, bool cloexec)
{
	int flags = fcntl(fd, F_GETFD);

	if (flags < 0)
		return;
	flags = cloexec ? (flags | FD_CLOEXEC) : (flags & ~FD_CLOEXEC);
	(void)fcntl(fd, F_SETFD, flags);
}

int
net_getsockname(int fd, struct net_addr *addr_r)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0)
		return -1;
	addr_from_sockaddr(&ss, addr_r);
	return 0;
}

int
net_getpeername(int fd, struct net_addr *addr_r)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	if (getpeername(fd, (struct sockaddr *)&ss, &len) < 0)
		return -1;
	addr_from_sockaddr(&ss, addr_r);
	return 0;
}

int
net_getpeercred(int fd, pid_t *pid_r, uid_t *uid_r, gid_t *gid_r)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0)
		return -1;
	*pid_r = cred.pid;
	*uid_r = cred.uid;
	*gid_r = cred.gid;
	return 0;
}

ssize_t
fd_send(int sock, int send_fd, const void *data, size_t size)
{
	struct msghdr msg;
	struct iovec iov;
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} cmsg_buf;

	lib_assert(size > 0);
	memset(&msg, 0, sizeof(msg));
	iov.iov_base = (void *)data;
	iov.iov_len = size;
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	if (send_fd >= 0) {
		memset(&cmsg_buf, 0, sizeof(cmsg_buf));
		msg.msg_control = cmsg_buf.buf;
		msg.msg_controllen = sizeof(cmsg_buf.buf);
		struct cmsghdr *cmsg = CMSG_FIRSTHDR(&msg);
		cmsg->cmsg_level = SOL_SOCKET;
		cmsg->cmsg_type = SCM_RIGHTS;
		cmsg->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cmsg), &send_fd, sizeof(int));
	}
	return sendmsg(sock, &msg, MSG_NOSIGNAL);
}

ssize_t
fd_read(int sock, void *data, size_t size, int *fd_r)
{
	struct msghdr msg;
	struct iovec iov;
	union {
		char buf[CMSG_SPACE(sizeof(int) * 4)];
		struct cmsghdr align;
	} cmsg_buf;
	ssize_t ret;

	*fd_r = -1;
	memset(&msg, 0, sizeof(msg));
	iov.iov_base = data;
	iov.iov_len = size;
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = cmsg_buf.buf;
	msg.msg_controllen = sizeof(cmsg_buf.buf);
	ret = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
	if (ret < 0)
		return -1;
	for (struct cmsghdr *cmsg = CMSG_FIRSTHDR(&msg); cmsg != NULL;
	     cmsg = CMSG_NXTHDR(&msg, cmsg)) {
		if (cmsg->cmsg_level != SOL_SOCKET ||
		    cmsg->cmsg_type != SCM_RIGHTS)
			continue;
		size_t n = (cmsg->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < n; i++) {
			int fd;
			memcpy(&fd, CMSG_DATA(cmsg) + i * sizeof(int),
			       sizeof(int));
			if (*fd_r == -1)
				*fd_r = fd;
			else
				close(fd);	/* only one fd is expected */
		}
	}
	if ((msg.msg_flags & MSG_CTRUNC) != 0 && *fd_r == -1) {
		errno = EPROTO;
		return -1;
	}
	return ret;
}

#define NET_NETWORK_MAX_SPEC_LENGTH 64

static const unsigned char v4_mapped_prefix[12] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff
};

/* Parse an address; an IPv4-mapped IPv6 address counts as IPv4 (its four
   bytes first). */
static int
ip_parse(const char *ip, unsigned char addr_r[16], bool *is_ipv4_r)
{
	if (inet_pton(AF_INET, ip, addr_r) == 1) {
		*is_ipv4_r = true;
		return 0;
	}
	if (inet_pton(AF_INET6, ip, addr_r) != 1)
		return -1;
	*is_ipv4_r = memcmp(addr_r, v4_mapped_prefix, 12) == 0;
	if (*is_ipv4_r)
		memmove(addr_r, addr_r + 12, 4);
	return 0;
}

int
net_network_parse(const char *spec, struct net_network *net_r)
{
	char addr[NET_NETWORK_MAX_SPEC_LENGTH + 1];
	const char *slash = strchr(spec, '/');
	size_t len = slash == NULL ? strlen(spec) : (size_t)(slash - spec);
	unsigned int max_bits;

	memset(net_r, 0, sizeof(*net_r));
	if (len == 0 || len > NET_NETWORK_MAX_SPEC_LENGTH)
		return -1;
	memcpy(addr, spec, len);
	addr[len] = '\0';
	if (ip_parse(addr, net_r->addr, &net_r->is_ipv4) < 0)
		return -1;
	/* "::ffff:1.2.3.0/120" is written in IPv6 prefix bits */
	max_bits = net_r->is_ipv4 && strchr(addr, ':') == NULL ? 32 : 128;
	if (slash == NULL) {
		net_r->bits = max_bits;
	} else if (str_to_uint(slash + 1, &net_r->bits) < 0 ||
		   net_r->bits > max_bits) {
		return -1;
	}
	if (net_r->is_ipv4 && max_bits == 128) {
		if (net_r->bits < 96)
			return -1;
		net_r->bits -= 96;
	}
	return 0;
}

bool
net_network_match(const struct net_network *net, const char *ip)
{
	unsigned char addr[16];
	unsigned int bits = net->bits;
	bool is_ipv4;

	if (ip_parse(ip, addr, &is_ipv4) < 0 || is_ipv4 != net->is_ipv4)
		return false;
	if (memcmp(addr, net->addr, bits / 8) != 0)
		return false;
	if (bits % 8 != 0) {
		unsigned char mask = (unsigned char)(0xff << (8 - bits % 8));

		if ((addr[bits / 8] & mask) != (net->addr[bits / 8] & mask))
			return false;
	}
	return true;
}

bool
net_ip_in_network(const char *ip, const char *network)
{
	struct net_network net;

	return net_network_parse(network, &net) == 0 &&
		net_network_match(&net, ip);
}

bool
net_ip_in_network_list(const char *ip, const char *const *specs)
{
	if (specs == NULL)
		return false;
	for (; *specs != NULL; specs++) {
		if (net_ip_in_network(ip, *specs))
			return true;
	}
	return false;
}

bool
net_ip_in_networks(const char *ip, const char *networks)
{
	const char *p = networks;
	char net[NET_NETWORK_MAX_SPEC_LENGTH + 1];

	while (*p != '\0') {
		size_t len = strcspn(p, " \t,");

		if (len > 0 && len < sizeof(net)) {
			memcpy(net, p, len);
			net[len] = '\0';
			if (net_ip_in_network(ip, net))
				return true;
		}
		p += len;
		p += strspn(p, " \t,");
	}
	return false;
}

bool
net_ip_equals(const char *ip1, const char *ip2)
{
	unsigned char a[16], b[16];
	bool a4, b4;

	if (ip_parse(ip1, a, &a4) < 0 || ip_parse(ip2, b, &b4) < 0 ||
	    a4 != b4)
		return false;
	return memcmp(a, b, a4 ? 4 : 16) == 0;
}
