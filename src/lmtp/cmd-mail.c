/* SPDX-License-Identifier: MIT */
/*
 * MAIL FROM (RFC 5321 §4.1.1.2) with SIZE (RFC 1870 §6) and BODY
 * (RFC 6152); other parameters are refused with 555 (§4.1.1.11).
 */
#include "lib.h"
#include "smtp-address.h"
#include "lmtp-common.h"

static bool
mail_param_size_ok(struct lmtp_client *client, const struct smtp_param *param)
{
	uint64_t size;

	if (param->value == NULL || str_to_uint64(param->value, &size) < 0) {
		lmtp_client_reply(client, 501, "5.5.4", "Invalid SIZE "
				  "parameter");
		return false;
	}
	if (size > lmtp_set.max_message_size) {
		lmtp_client_reply(client, 552, "5.3.4", "Message size exceeds "
				  "fixed maximum message size");
		return false;
	}
	return true;
}

static bool
mail_params_ok(struct lmtp_client *client, const struct smtp_path *path)
{
	for (unsigned int i = 0; i < path->param_count; i++) {
		const struct smtp_param *param = &path->params[i];

		if (strcmp(param->keyword, "SIZE") == 0) {
			if (!mail_param_size_ok(client, param))
				return false;
		} else if (strcmp(param->keyword, "BODY") == 0) {
			if (param->value == NULL ||
			    (str_casecmp_ascii(param->value, "7BIT") != 0 &&
			     str_casecmp_ascii(param->value, "8BITMIME") != 0)) {
				lmtp_client_reply(client, 501, "5.5.4",
						  "Unsupported BODY value");
				return false;
			}
		} else {
			lmtp_client_reply(client, 555, "5.5.4", "Unsupported "
					  "parameter %s", param->keyword);
			return false;
		}
	}
	return true;
}

void
cmd_mail(struct lmtp_client *client, const char *params)
{
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
	if (!mail_params_ok(client, &path))
		return;
	client->mail_from = smtp_address_encode(client->trans_pool,
						&path.address);
	lmtp_client_reply(client, 250, "2.1.0", "OK");
}
