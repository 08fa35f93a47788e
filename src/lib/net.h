/* SPDX-License-Identifier: MIT */
/*
 * Socket helpers: TCP and unix listeners and connections, addresses as
 * text, peer credentials, and passing fds over unix sockets (SCM_RIGHTS).
 * Every fd returned here is close-on-exec; the ones for the event loop are
 * non-blocking (as stated per function).
 */
#ifndef ROOST_NET_H
#define ROOST_NET_H

#include <sys/socket.h>
#include <netinet/in.h>

#define NET_IP_MAX_LEN 46	/* INET6_ADDRSTRLEN */

struct net_addr {
	char ip[NET_IP_MAX_LEN];	/* "" for unix sockets */
	unsigned int port;
	bool is_unix;
};

/* Parse a listen/connect spec: "127.0.0.1:10143", "[::1]:143", "*:143"
   (all IPv4 addresses), "unix:PATH". Returns 0 or -1 with *error_r. For unix
   specs addr->is_unix is set and *path_r points into spec (else NULL). */
int net_parse_spec(const char *spec, struct net_addr *addr_r,
		   const char **path_r, const char **error_r) ATTR_NODISCARD;

/* Non-blocking listeners with SO_REUSEADDR. -1 with *error_r (from pool
   system strings: static or from strerror) on failure. */
int net_listen_tcp(const char *ip, unsigned int port, int backlog,
		   const char **error_r);
/* Removes a stale socket file first; sets mode and, if uid/gid are not
   (uid_t)-1/(gid_t)-1, the owner. */
int net_listen_unix(const char *path, mode_t mode, uid_t uid, gid_t gid,
		    int backlog, const char **error_r);
/* Open a listener from a spec (see net_parse_spec). */
int net_listen_spec(const char *spec, mode_t unix_mode, uid_t uid, gid_t gid,
		    const char **error_r);

/* Accept one connection: returns the new non-blocking fd, -1 if none is
   pending (EAGAIN) or the error was transient (ECONNABORTED, EMFILE: logged
   by the caller), -2 on a fatal listener error. remote_r may be NULL. */
int net_accept(int listen_fd, struct net_addr *remote_r);

/* Blocking connects (local sockets connect at once); return a blocking fd,
   -1 with errno. */
int net_connect_unix(const char *path);
int net_connect_tcp(const char *ip, unsigned int port);

/* Whether ip (IPv4 or IPv6 text; IPv4-mapped IPv6 counts as IPv4) is in
   network: "IP/bits", or a bare IP (all bits). false for anything that
   does not parse. */
bool net_ip_in_network(const char *ip, const char *network);
/* Same against a list of networks separated by spaces or commas. */
bool net_ip_in_networks(const char *ip, const char *networks);

void net_set_nonblock(int fd, bool nonblock);
void net_set_cloexec(int fd, bool cloexec);
int net_getsockname(int fd, struct net_addr *addr_r);
int net_getpeername(int fd, struct net_addr *addr_r);
/* SO_PEERCRED of a unix socket peer. */
int net_getpeercred(int fd, pid_t *pid_r, uid_t *uid_r, gid_t *gid_r);

/* Send data (size >= 1) and, if send_fd >= 0, the fd with it, in one
   sendmsg. Returns bytes sent or -1 with errno. */
ssize_t fd_send(int sock, int send_fd, const void *data, size_t size);
/* Receive data and at most one fd; *fd_r = -1 if none came. Extra fds are
   closed. Returns bytes, 0 on EOF, -1 with errno. */
ssize_t fd_read(int sock, void *data, size_t size, int *fd_r);

#endif
