/* SPDX-License-Identifier: MIT */
/*
 * STATUS mailbox (items) (RFC 9051 §6.3.11): MESSAGES, RECENT (IMAP4rev1),
 * UIDNEXT, UIDVALIDITY, UNSEEN, DELETED, SIZE (RFC 8438) and
 * DELETED-STORAGE (RFC 9208 §4.2). For the selected mailbox the counts come
 * from the session's view, as the client knows them.
 */
#include "lib.h"
#include "mail-storage.h"
#include "imap-commands.h"
#include "imap-status.h"

static const struct {
	const char *name;
	enum mailbox_status_items item;
} status_items[] = {
	{ "MESSAGES", STATUS_MESSAGES },
	{ "RECENT", STATUS_RECENT },
	{ "UIDNEXT", STATUS_UIDNEXT },
	{ "UIDVALIDITY", STATUS_UIDVALIDITY },
	{ "UNSEEN", STATUS_UNSEEN },
	{ "DELETED", STATUS_DELETED },
	{ "SIZE", STATUS_SIZE },
};

bool
imap_status_parse(const struct imap_arg *list,
		  struct imap_status_request *req_r, const char **error_r)
{
	const char *name;

	memset(req_r, 0, sizeof(*req_r));
	if (imap_arg_is_eol(list)) {
		*error_r = "Empty STATUS item list.";
		return false;
	}
	for (; !imap_arg_is_eol(list); list++) {
		size_t i;

		if (!imap_arg_get_atom(list, &name)) {
			*error_r = "Invalid STATUS item.";
			return false;
		}
		if (str_casecmp_ascii(name, "DELETED-STORAGE") == 0) {
			req_r->deleted_storage = true;
			continue;
		}
		for (i = 0; i < N_ELEMENTS(status_items); i++) {
			if (str_casecmp_ascii(name, status_items[i].name) == 0)
				break;
		}
		if (i == N_ELEMENTS(status_items)) {
			*error_r = "Unknown STATUS item.";
			return false;
		}
		req_r->items |= status_items[i].item;
	}
	return true;
}

/* Sum of the sizes of \Deleted messages (RFC 9208 §4.2), in KiB. */
static int
deleted_storage(struct client_command *cmd, const char *name,
		uint64_t *kib_r)
{
	struct client *client = cmd->client;
	struct mailbox *box = NULL;
	struct mail_info info;
	uint64_t bytes = 0;
	uint32_t count;

	if (client_is_selected(client, name)) {
		box = client->box;
	} else {
		box = mailbox_open(client->user, name, MAILBOX_FLAG_READONLY);
		if (box == NULL)
			return -1;
	}
	count = box == client->box ? client->known_count :
		mailbox_get_count(box);
	for (uint32_t seq = 1; seq <= count; seq++) {
		if (mailbox_get_info(box, seq, &info) == 0 &&
		    (info.flags & MAIL_DELETED) != 0)
			bytes += info.virtual_size;
	}
	if (box != client->box)
		mailbox_close(&box);
	*kib_r = (bytes + 1023) / 1024;
	return 0;
}

static void
status_append(struct client *client, struct str *str,
	      const struct mailbox_status *st, unsigned int items)
{
	const char *sep = "";

#define STATUS_ADD(flag, fmt, value) \
	if ((items & (flag)) != 0) { \
		str_printfa(str, "%s" fmt, sep, value); \
		sep = " "; \
	}
	STATUS_ADD(STATUS_MESSAGES, "MESSAGES %u", st->messages);
	if (!client_is_rev2(client)) {
		STATUS_ADD(STATUS_RECENT, "RECENT %u", st->recent);
	}
	STATUS_ADD(STATUS_UIDNEXT, "UIDNEXT %u", st->uidnext);
	STATUS_ADD(STATUS_UIDVALIDITY, "UIDVALIDITY %u", st->uidvalidity);
	STATUS_ADD(STATUS_UNSEEN, "UNSEEN %u", st->unseen);
	STATUS_ADD(STATUS_DELETED, "DELETED %u", st->deleted);
	STATUS_ADD(STATUS_SIZE, "SIZE %llu", (unsigned long long)st->size);
#undef STATUS_ADD
}

int
imap_status_send(struct client_command *cmd, const char *name,
		 const struct imap_status_request *req)
{
	struct client *client = cmd->client;
	struct mailbox_status st;
	struct str *str = str_create(cmd->pool, 128);
	uint64_t del_kib = 0;

	memset(&st, 0, sizeof(st));
	if (client_is_selected(client, name))
		mailbox_get_status(client->box, req->items, &st);
	else if (req->items != 0 &&
		 mail_user_mailbox_status(client->user, name, req->items,
					  &st) < 0)
		return -1;
	if (req->deleted_storage && deleted_storage(cmd, name, &del_kib) < 0)
		return -1;
	str_append(str, "* STATUS ");
	client_mailbox_name_append(client, str, name);
	str_append(str, " (");
	status_append(client, str, &st, req->items);
	if (req->deleted_storage) {
		str_printfa(str, "%sDELETED-STORAGE %llu",
			    str->data[str_len(str) - 1] == '(' ? "" : " ",
			    (unsigned long long)del_kib);
	}
	str_append_c(str, ')');
	client_send_line(client, str_c(str));
	return 0;
}

bool
cmd_status(struct client_command *cmd)
{
	const struct imap_arg *list;
	struct imap_status_request req;
	const char *arg, *name, *error;

	if (!imap_arg_get_astring(&cmd->args[0], &arg) ||
	    !imap_arg_get_list(&cmd->args[1], &list) ||
	    !imap_arg_is_eol(&cmd->args[2]))
		return client_command_bad(cmd, "STATUS needs a mailbox name "
					  "and a list of items.");
	if (!imap_status_parse(list, &req, &error))
		return client_command_bad(cmd, error);
	name = client_mailbox_name_decode(cmd->client, cmd->pool, arg, &error);
	if (name == NULL)
		return client_command_bad(cmd, error);
	if (imap_status_send(cmd, name, &req) < 0)
		return client_command_storage_error(cmd);
	return client_command_finish(cmd, "OK Status completed.");
}
