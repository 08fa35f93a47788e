/* SPDX-License-Identifier: MIT */
/* Internals of FETCH shared by imap-fetch.c and imap-fetch-binary.c. */
#ifndef ROOST_IMAP_FETCH_PRIVATE_H
#define ROOST_IMAP_FETCH_PRIVATE_H

#include "imap-fetch-section.h"

#define FETCH_MAX_BODIES 32

enum fetch_binary {
	FETCH_BINARY_NO = 0,
	FETCH_BINARY_DATA,	/* BINARY[...] / BINARY.PEEK[...] */
	FETCH_BINARY_SIZE,	/* BINARY.SIZE[...] */
};

/* Decoded BINARY parts up to this size stay in memory while sent. */
#define FETCH_BINARY_MEM_MAX (256 * 1024)

struct fetch_body {
	enum fetch_binary binary;
	bool peek, partial;
	const char *name;	/* "RFC822", "BODY[1.MIME]", ... */
	struct imap_section section;
	uoff_t start, count;
};

struct imap_fetch {
	unsigned int fields;
	struct fetch_body bodies[FETCH_MAX_BODIES];
	unsigned int body_count;

	uint32_t *seqs;
	uint32_t seq_count, idx;

	bool needs_structure;
	struct str *line;	/* the response being built */

	/* streaming state of the current message */
	bool in_message;
	unsigned int body_idx;
	uoff_t msg_size;
	const struct imap_mime_msg *msg;	/* borrowed from the cache */
	struct istream *mail_input, *body_input;
	struct imap_spool *spool;	/* decoded BINARY data being sent */
	/* the current body item: started; sent straight from mail_input
	   (direct_left bytes to go) instead of body_input */
	bool body_started, direct;
	uoff_t direct_left;
	bool some_expunged;
	bool unknown_cte;	/* a BINARY part had an unknown encoding */
	bool item_written;	/* an item is in the current response */
};

/* Open the mail of seq as fetch->mail_input. -1 if it is gone. */
int imap_fetch_open_mail(struct client_command *cmd, struct imap_fetch *fetch,
			 uint32_t seq);
/* Skip count bytes of a mail stream (a local file). -1 if short. */
int imap_fetch_mail_skip(struct istream *input, uoff_t count);
/* A BINARY item (imap-fetch-binary.c): append " NIL", " n" (SIZE) or the
   literal header to str and set up body_input with the decoded data. */
void imap_fetch_binary_begin(struct client_command *cmd,
			     struct imap_fetch *fetch,
			     const struct fetch_body *body, struct str *str);

#endif
