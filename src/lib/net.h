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

/* Network ranges ("192.0.2.0/24", "2001:db8::/32", or a single address)
   for login_trusted_networks and allow_nets. IPv4-mapped IPv6 addresses
   (::ffff:192.0.2.7) match IPv4 ranges; "::ffff:192.0.2.0/120" is an IPv4
   range written in IPv6 prefix bits. */
struct net_network {
	unsigned char addr[16];
	unsigned int bits;	/* prefix length */
	bool is_ipv4;		/* addr[0..3] */
};
/* 0, or -1 when spec is not an address with an optional /prefix within
   the address family's length. */
int net_network_parse(const char *spec, struct net_network *net_r)
	ATTR_NODISCARD;
/* Whether the textual ip is inside net (false for an unparsable ip). */
bool net_network_match(const struct net_network *net, const char *ip);
/* The same from a spec; a bad spec never matches. */
bool net_ip_in_network(const char *ip, const char *network);
/* Against a NULL-terminated vector of specs (NULL: none). */
bool net_ip_in_network_list(const char *ip, const char *const *specs);
/* Against a list of specs separated by spaces or commas. */
bool net_ip_in_networks(const char *ip, const char *networks);
/* Whether two textual addresses are the same address. */
bool net_ip_equals(const char *ip1, const char *ip2);

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
