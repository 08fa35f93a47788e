/* SPDX-License-Identifier: MIT */
/* FETCH BINARY[] / BINARY.SIZE[] (RFC 3516): transfer-decoding a part into
   a spool whose size becomes the literal's. */
#include "lib.h"
#include "istream.h"
#include "mail-storage.h"
#include "imap-client.h"
#include "imap-mime-cache.h"
#include "imap-spool.h"
#include "imap-fetch-private.h"

#define BINARY_CHUNK 8192

/* Decoded output of one chunk: into the spool, or only counted. */
static int
binary_flush(struct imap_fetch *fetch, struct buffer *out, uoff_t *total)
{
	*total += out->used;
	if (fetch->spool != NULL &&
	    imap_spool_write(fetch->spool, out->data, out->used) < 0)
		return -1;
	buffer_clear(out);
	return 0;
}

/* Transfer-decode size bytes of the mail stream (positioned at the part's
   body) with cte. -1 on a read or spool error. */
static int
binary_decode_stream(struct imap_fetch *fetch, enum message_cte cte,
		     uoff_t size, pool_t pool, uoff_t *total_r)
{
	struct message_cte_decoder dec;
	struct buffer *out = buffer_create(pool, BINARY_CHUNK * 2,
					   BINARY_CHUNK * 2 +
					   MESSAGE_CTE_MAX_PENDING * 2);

	*total_r = 0;
	message_cte_decoder_init(&dec, cte);
	while (size > 0) {
		const unsigned char *data;
		size_t avail;

		data = i_stream_get_data(fetch->mail_input, &avail);
		if (avail == 0) {
			if (i_stream_read(fetch->mail_input) <= 0)
				return -1;
			continue;
		}
		avail = (size_t)MIN((uoff_t)MIN(avail, BINARY_CHUNK), size);
		if (message_cte_decoder_more(&dec, data, avail, out) < 0)
			return -1;
		i_stream_skip(fetch->mail_input, avail);
		size -= avail;
		if (binary_flush(fetch, out, total_r) < 0)
			return -1;
	}
	if (message_cte_decoder_finish(&dec, out) < 0)
		return -1;
	return binary_flush(fetch, out, total_r);
}

/* A BINARY item: decode its part (RFC 3516). 1 with *size_r (decoded
   size; the data in fetch->spool unless BINARY.SIZE), 0 no such part
   (NIL), -1 unknown encoding, -2 read error. */
static int
binary_decode(struct client_command *cmd, struct imap_fetch *fetch,
	      const struct fetch_body *body, uoff_t *size_r)
{
	const struct imap_mime_part *part;
	enum message_cte cte = MESSAGE_CTE_BINARY;
	uoff_t offset = 0, size = fetch->msg_size;

	if (fetch->msg == NULL ||
	    (part = imap_section_find_part(&body->section,
					   fetch->msg)) == NULL)
		return 0;
	if (body->section.kind != IMAP_SECTION_ALL) {
		offset = part->hdr_pos + part->hdr_size;
		size = part->body_size;
		/* a multipart or message part is not transfer-encoded
		   itself (RFC 2045 §6.4) */
		if (!part->is_multipart && !part->is_message)
			cte = part->cte;
	}
	if (cte == MESSAGE_CTE_UNKNOWN)
		return -1;
	if ((fetch->mail_input == NULL &&
	     imap_fetch_open_mail(cmd, fetch, fetch->seqs[fetch->idx]) < 0) ||
	    imap_fetch_mail_skip(fetch->mail_input, offset) < 0)
		return -2;
	if (body->binary == FETCH_BINARY_DATA)
		fetch->spool = imap_spool_create(FETCH_BINARY_MEM_MAX);
	if (binary_decode_stream(fetch, cte, size, cmd->pool, size_r) < 0) {
		imap_spool_destroy(&fetch->spool);
		return -2;
	}
	return 1;
}

void
imap_fetch_binary_begin(struct client_command *cmd, struct imap_fetch *fetch,
	     const struct fetch_body *body, struct str *str)
{
	struct istream *input;
	uoff_t size = 0, len;
	int ret = binary_decode(cmd, fetch, body, &size);

	if (ret == -1)
		fetch->unknown_cte = true;
	if (ret <= 0) {
		/* no such part, or unreadable (the message went away):
		   NIL; an unknown encoding fails the command */
		str_append(str, " NIL");
		return;
	}
	if (body->binary == FETCH_BINARY_SIZE) {
		str_printfa(str, " %llu", (unsigned long long)size);
		return;
	}
	if (body->partial && body->start >= size) {
		str_append(str, " \"\"");
		imap_spool_destroy(&fetch->spool);
		return;
	}
	input = imap_spool_get_input(fetch->spool);
	if (body->partial) {
		(void)imap_fetch_mail_skip(input, body->start);
		size -= body->start;
	}
	len = body->partial && body->count < size ? body->count : size;
	/* RFC 3516 §4.3: literal8 only when the data has NUL */
	str_printfa(str, " %s{%llu}\r\n",
		    imap_spool_has_nul(fetch->spool) ? "~" : "",
		    (unsigned long long)len);
	fetch->body_input = i_stream_create_limit(input, len);
	i_stream_unref(&input);
}
