/* SPDX-License-Identifier: MIT */
/*
 * BDAT (RFC 3030 CHUNKING): "BDAT <size> [LAST]" followed by exactly size
 * octets, taken as they are (no dot-stuffing, no terminator). The chunk is
 * always read to its end, even when the command fails, so the session
 * stays in step with a pipelining client (RFC 3030 §2); the reply comes
 * after the chunk. Non-last chunks get one reply, BDAT LAST one reply per
 * recipient like DATA's end. A chunk size that cannot be parsed leaves
 * the session out of step: it is closed.
 */
#include "lib.h"
#include "smtp-params.h"
#include "lmtp-common.h"

static void
bdat_fail(struct lmtp_client *client, unsigned int code, const char *enh,
	  const char *text)
{
	client->bdat_error_code = code;
	client->bdat_error_enh = enh;
	client->bdat_error_text = text;
}

void
cmd_bdat(struct lmtp_client *client, const char *params)
{
	const char *error;
	uoff_t size;
	bool last;

	if (smtp_bdat_parse(params, &size, &last, &error) < 0) {
		lmtp_client_reply(client, 501, "5.5.4", "%s, closing "
				  "connection", error);
		lmtp_client_destroy(client, "invalid BDAT");
		return;
	}
	client->state = LMTP_STATE_BDAT;
	client->bdat_size = size;
	client->bdat_remaining = size;
	client->bdat_last = last;
	client->bdat_error_code = 0;
	if (client->mail_from == NULL)
		bdat_fail(client, 503, "5.5.1", "MAIL needed first");
	else if (client->rcpts.count == 0)
		bdat_fail(client, 503, "5.5.1", "No valid recipients");
	else if (!client->chunking) {
		if (lmtp_spool_begin(client))
			client->chunking = true;
		else
			bdat_fail(client, 451, "4.3.0",
				  "Temporary internal error");
	}
	/* even a chunk that is dropped must arrive in time */
	lmtp_client_data_timeout_start(client);
}

static void
bdat_chunk_done(struct lmtp_client *client)
{
	client->state = LMTP_STATE_COMMAND;
	if (client->bdat_error_code != 0) {
		lmtp_client_reply(client, client->bdat_error_code,
				  client->bdat_error_enh, "%s",
				  client->bdat_error_text);
		client->bdat_error_code = 0;
		if (!client->chunking)
			timeout_remove(&client->to_data);
		return;
	}
	if (client->bdat_last) {
		lmtp_message_finished(client);
		return;
	}
	if (client->data_too_big || client->spool_failed) {
		/* the transaction is over; further chunks get 503 */
		if (client->data_too_big) {
			lmtp_client_reply(client, 552, "5.3.4", "Message too "
					  "big for system");
		} else {
			lmtp_client_reply(client, 451, "4.3.0", "Temporary "
					  "internal error");
		}
		lmtp_client_transaction_reset(client);
		return;
	}
	lmtp_client_reply(client, 250, "2.0.0", "%llu octets received",
			  (unsigned long long)client->bdat_size);
}

void
lmtp_bdat_input(struct lmtp_client *client)
{
	const unsigned char *data;
	size_t size;

	while (client->bdat_remaining > 0) {
		data = i_stream_get_data(client->input, &size);
		if (size == 0)
			return;
		if (size > client->bdat_remaining)
			size = (size_t)client->bdat_remaining;
		if (client->bdat_error_code == 0)
			lmtp_spool_write(client, data, size);
		i_stream_skip(client->input, size);
		client->bdat_remaining -= size;
	}
	bdat_chunk_done(client);
}
