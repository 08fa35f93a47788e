/* SPDX-License-Identifier: MIT */
/*
 * Parsed MIME structure of the selected mailbox's messages, kept in memory
 * for the session (the on-disk index cache is a later issue): the rendered
 * ENVELOPE, BODY and BODYSTRUCTURE strings and a compact part tree with
 * the offsets FETCH BODY[section] needs. Messages never change, so an
 * entry stays valid as long as the mailbox name and UIDVALIDITY do; the
 * cache empties itself when they change.
 *
 * Bounded: at most IMAP_MIME_CACHE_MAX_BYTES of entries; past that the
 * whole cache is dropped and refilled (a FETCH 1:* of a huge mailbox then
 * costs what it costs without a cache, nothing more).
 *
 * Parsing reads the message from storage (local disk: may block on it).
 */
#ifndef ROOST_IMAP_MIME_CACHE_H
#define ROOST_IMAP_MIME_CACHE_H

#include "message-parser.h"
#include "message-cte-decoder.h"

struct mailbox;

#define IMAP_MIME_CACHE_MAX_BYTES (16 * 1024 * 1024)

/* One part. Offsets are in the message as BODY[] serves it (CRLF). */
struct imap_mime_part {
	struct imap_mime_part *children, *next;
	uoff_t hdr_pos;		/* header start */
	uoff_t hdr_size;	/* header bytes, blank line included */
	uoff_t body_size;	/* body_pos = hdr_pos + hdr_size */
	bool is_multipart;	/* children are its parts */
	/* shown as MESSAGE/RFC822 and parsed: children is the message */
	bool is_message;
	enum message_cte cte;	/* Content-Transfer-Encoding (BINARY) */
};

struct imap_mime_msg {
	uint32_t uid;
	/* "(...)" as FETCH sends them (may hold literals) */
	const char *envelope, *body, *bodystructure;
	struct imap_mime_part *root;
};

struct imap_mime_cache;

struct imap_mime_cache *
imap_mime_cache_create(const struct message_parser_limits *limits);
void imap_mime_cache_destroy(struct imap_mime_cache **cache);

/* The structure of message seq of box (parsed now unless cached). The
   result is borrowed from the cache: valid until the next call. 0, or -1
   if the message cannot be read (expunged: see the user's last error). */
int imap_mime_cache_get(struct imap_mime_cache *cache, struct mailbox *box,
			uint32_t seq, const struct imap_mime_msg **msg_r)
	ATTR_NODISCARD;

#endif
