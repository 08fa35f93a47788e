/* SPDX-License-Identifier: MIT */
/*
 * MAIL FROM (RFC 5321 §4.1.1.2) with SIZE (RFC 1870 §6), BODY=7BIT or
 * 8BITMIME (RFC 6152) and SMTPUTF8 (RFC 6531 §3.4). BODY=BINARYMIME
 * (RFC 3030 §3) is refused and not offered: the storage stores messages
 * with CRLF line endings and would change binary content. Other
 * parameters get 555 (§4.1.1.11).
 */
#include "lib.h"
#include "smtp-address.h"
#include "smtp-params.h"
#include "utf7.h"
#include "lmtp-common.h"

static bool
mail_params_ok(struct lmtp_client *client, const struct smtp_path *path,
	       struct smtp_mail_params *params)
{
	enum smtp_param_error code;
	const char *error;

	if (smtp_mail_params_parse(path, params, &code, &error) < 0) {
		if (code == SMTP_PARAM_ERR_UNSUPPORTED)
			lmtp_client_reply(client, 555, "5.5.4", "%s", error);
		else
			lmtp_client_reply(client, 501, "5.5.4", "%s", error);
		return false;
	}
	if (params->body == SMTP_BODY_BINARYMIME) {
		lmtp_client_reply(client, 555, "5.5.4", "BODY=BINARYMIME is "
				  "not supported");
		return false;
	}
	if (params->has_size && params->size > lmtp_set.max_message_size) {
		lmtp_client_reply(client, 552, "5.3.4", "Message size exceeds "
				  "fixed maximum message size");
		return false;
	}
	return true;
}

/* RFC 6531 §3.4: a non-ASCII address needs the SMTPUTF8 parameter, and
   UTF-8 must be well-formed. Replies and returns false if not. */
bool
lmtp_address_utf8_ok(struct lmtp_client *client,
		     const struct smtp_address *addr, bool smtputf8)
{
	if (smtp_address_is_ascii(addr))
		return true;
	if (!smtputf8) {
		lmtp_client_reply(client, 553, "5.6.7", "Non-ASCII address "
				  "requires SMTPUTF8");
		return false;
	}
	if (!utf8_is_valid(addr->localpart, strlen(addr->localpart)) ||
	    (addr->domain != NULL &&
	     !utf8_is_valid(addr->domain, strlen(addr->domain)))) {
		lmtp_client_reply(client, 553, "5.6.7", "Invalid UTF-8 in "
				  "address");
		return false;
	}
	return true;
}

void
cmd_mail(struct lmtp_client *client, const char *params)
{
	struct smtp_mail_params mail_params;
	struct smtp_path path;
	const char *error;

	if (!client->lhlo_done) {
		lmtp_client_reply(client, 503, "5.5.1", "Send LHLO first");
		return;
	}
	if (client->mail_from != NULL) {
		lmtp_client_reply(client, 503, "5.5.1", "MAIL already given");
		return;
	}
	if (smtp_path_parse(client->cmd_pool, params, "FROM:", true, &path,
			    &error) < 0) {
		lmtp_client_reply(client, 501, "5.5.4", "%s", error);
		return;
	}
	if (!mail_params_ok(client, &path, &mail_params) ||
	    !lmtp_address_utf8_ok(client, &path.address,
				  mail_params.smtputf8))
		return;
	client->mail_from = smtp_address_encode(client->trans_pool,
						&path.address);
	client->smtputf8 = mail_params.smtputf8;
	client->body_8bit = mail_params.body == SMTP_BODY_8BITMIME;
	lmtp_client_reply(client, 250, "2.1.0", "OK");
}
