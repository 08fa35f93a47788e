/* SPDX-License-Identifier: MIT */
/*
 * ID (RFC 2971): the client's list of field/value pairs (or NIL) is
 * checked against the RFC's bounds (§3.3: at most 30 pairs, fields of at
 * most 30 bytes, values of at most 1024), logged at debug level, and
 * answered with our name and version.
 */
#include "lib.h"
#include "login-client.h"
#include "imap-login.h"

#define ID_MAX_PAIRS 30
#define ID_MAX_FIELD_LENGTH 30
#define ID_MAX_VALUE_LENGTH 1024

static bool
id_params_valid(struct login_client *client, const struct imap_arg *list,
		const char **bad_r)
{
	unsigned int count = imap_args_count(list);
	const char *field, *value;

	if (count % 2 != 0 || count / 2 > ID_MAX_PAIRS) {
		*bad_r = "Invalid ID parameter list.";
		return false;
	}
	for (unsigned int i = 0; i < count; i += 2) {
		if (!imap_arg_get_string(&list[i], &field) ||
		    list[i].str_len > ID_MAX_FIELD_LENGTH) {
			*bad_r = "Invalid ID field.";
			return false;
		}
		if (list[i + 1].type == IMAP_ARG_NIL)
			continue;
		if (!imap_arg_get_string(&list[i + 1], &value) ||
		    list[i + 1].str_len > ID_MAX_VALUE_LENGTH) {
			*bad_r = "Invalid ID value.";
			return false;
		}
		if (str_casecmp_ascii(field, "name") == 0)
			log_event_set_str(client->event, "client_name", value);
		else if (str_casecmp_ascii(field, "version") == 0)
			log_event_set_str(client->event, "client_version",
					  value);
	}
	return true;
}

bool
imap_login_cmd_id(struct imap_login_client *ic, const char *tag,
		  const struct imap_arg *args, const char **bad_r)
{
	const struct imap_arg *list;

	if (args[0].type != IMAP_ARG_NIL) {
		if (!imap_arg_get_list(&args[0], &list)) {
			*bad_r = "ID needs a list or NIL.";
			return false;
		}
		if (!id_params_valid(ic->client, list, bad_r))
			return false;
	}
	if (!imap_arg_is_eol(&args[1])) {
		*bad_r = "ID takes one argument.";
		return false;
	}
	login_client_send(ic->client, "* ID (\"name\" \"roost\" \"version\" \""
			  PACKAGE_VERSION "\")\r\n");
	imap_login_send_tagged(ic, tag, "OK ID completed.");
	return true;
}
