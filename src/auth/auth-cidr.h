/* SPDX-License-Identifier: MIT */
/*
 * Network ranges ("192.0.2.0/24", "2001:db8::/32", or a single address)
 * for login_trusted_networks, and matching of the textual IP addresses
 * the auth-client protocol carries (lip=, rip=). IPv4-mapped IPv6
 * addresses (::ffff:192.0.2.7) match IPv4 ranges.
 */
#ifndef ROOST_AUTH_CIDR_H
#define ROOST_AUTH_CIDR_H

struct auth_cidr {
	unsigned char addr[16];
	unsigned int bits;	/* prefix length */
	bool is_ipv4;		/* addr[0..3] */
};

/* 0, or -1 when spec is not an address with an optional /prefix within
   the address family's length. */
int auth_cidr_parse(const char *spec, struct auth_cidr *cidr_r)
	ATTR_NODISCARD;
/* Whether the textual ip is inside cidr (false for an unparsable ip). */
bool auth_cidr_match(const struct auth_cidr *cidr, const char *ip);
/* Whether ip is inside any of the NULL-terminated specs (bad specs never
   match; the settings are checked when they are read). */
bool auth_cidr_match_list(const char *const *specs, const char *ip);
/* Whether two textual addresses are the same address. */
bool auth_ip_equals(const char *ip1, const char *ip2);

#endif
