/* SPDX-License-Identifier: MIT */
/* Network ranges for login_trusted_networks (auth-cidr.h). */
#include "lib.h"
#include "auth-cidr.h"

#include <arpa/inet.h>

#define CIDR_MAX_SPEC_LENGTH 64

static const unsigned char v4_mapped_prefix[12] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff
};

/* Parse an address; an IPv4-mapped IPv6 address counts as IPv4. */
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
auth_cidr_parse(const char *spec, struct auth_cidr *cidr_r)
{
	char addr[CIDR_MAX_SPEC_LENGTH + 1];
	const char *slash = strchr(spec, '/');
	size_t len = slash == NULL ? strlen(spec) : (size_t)(slash - spec);
	unsigned int max_bits;

	memset(cidr_r, 0, sizeof(*cidr_r));
	if (len == 0 || len > CIDR_MAX_SPEC_LENGTH)
		return -1;
	memcpy(addr, spec, len);
	addr[len] = '\0';
	if (ip_parse(addr, cidr_r->addr, &cidr_r->is_ipv4) < 0)
		return -1;
	/* "::ffff:1.2.3.0/120" is written in IPv6 prefix bits */
	max_bits = cidr_r->is_ipv4 && strchr(addr, ':') == NULL ? 32 : 128;
	if (slash == NULL) {
		cidr_r->bits = max_bits;
	} else if (str_to_uint(slash + 1, &cidr_r->bits) < 0 ||
		   cidr_r->bits > max_bits) {
		return -1;
	}
	if (cidr_r->is_ipv4 && max_bits == 128) {
		if (cidr_r->bits < 96)
			return -1;
		cidr_r->bits -= 96;
	}
	return 0;
}

bool
auth_cidr_match(const struct auth_cidr *cidr, const char *ip)
{
	unsigned char addr[16];
	unsigned int bits = cidr->bits;
	bool is_ipv4;

	if (ip_parse(ip, addr, &is_ipv4) < 0 || is_ipv4 != cidr->is_ipv4)
		return false;
	if (memcmp(addr, cidr->addr, bits / 8) != 0)
		return false;
	if (bits % 8 != 0) {
		unsigned char mask = (unsigned char)(0xff << (8 - bits % 8));

		if ((addr[bits / 8] & mask) != (cidr->addr[bits / 8] & mask))
			return false;
	}
	return true;
}

bool
auth_cidr_match_list(const char *const *specs, const char *ip)
{
	struct auth_cidr cidr;

	if (specs == NULL)
		return false;
	for (; *specs != NULL; specs++) {
		if (auth_cidr_parse(*specs, &cidr) == 0 &&
		    auth_cidr_match(&cidr, ip))
			return true;
	}
	return false;
}

bool
auth_ip_equals(const char *ip1, const char *ip2)
{
	unsigned char a[16], b[16];
	bool a4, b4;

	if (ip_parse(ip1, a, &a4) < 0 || ip_parse(ip2, b, &b4) < 0 ||
	    a4 != b4)
		return false;
	return memcmp(a, b, a4 ? 4 : 16) == 0;
}
