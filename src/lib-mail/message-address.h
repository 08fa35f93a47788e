/* SPDX-License-Identifier: MIT */
/*
 * RFC 5322 address lists (§3.4, with the obsolete syntax of §4.4): groups,
 * quoted local parts, comments, obsolete routes, missing parts. The result
 * is a linked list in IMAP ENVELOPE shape (RFC 3501 §7.4.2): a group is a
 * start element (mailbox = group name, domain = NULL) followed by its
 * members and an end element (mailbox = domain = NULL).
 */
#ifndef ROOST_MESSAGE_ADDRESS_H
#define ROOST_MESSAGE_ADDRESS_H

/* Addresses beyond this many in one header are dropped (not an error). */
#define MESSAGE_ADDRESS_MAX_COUNT 1000

struct message_address {
	struct message_address *next;
	/* All strings from the pool given to message_address_parse(). name,
	   route may be NULL; mailbox is the unquoted local part. For a
	   normal address a missing local part or domain is "" (never NULL,
	   as NULL domain means a group in IMAP). */
	const char *name;
	const char *route;	/* "@a,@b" obsolete source route */
	const char *mailbox;
	const char *domain;
	bool invalid;		/* syntax was broken; best effort result */
};

/* Parse an unfolded header value. Never fails: garbage gives addresses
   marked invalid, or NULL for an empty list. At most max_addresses
   elements (0 = MESSAGE_ADDRESS_MAX_COUNT). Everything is from pool. */
struct message_address *
message_address_parse(pool_t pool, const void *data, size_t size,
		      unsigned int max_addresses);

/* Write back as RFC 5322 text ("Name" <a@b>, group: x@y;), quoting the
   name and local part where needed. */
void message_address_write(struct str *str,
			   const struct message_address *addr);

/* Append the local part, quoted if it is not a dot-atom. */
void message_address_write_local(struct str *str, const char *mailbox);

#endif
