/* SPDX-License-Identifier: MIT */
/* STAT, LIST, UIDL and CAPA: the maildrop listing (RFC 1939 §5, RFC 2449). */
#include "lib.h"
#include "pop3-common.h"

bool
pop3_get_msg(struct pop3_client *client, const char *arg, uint32_t *seq_r)
{
	if (pop3_parse_msgnum(arg, client->count, seq_r) < 0) {
		pop3_client_send(client, "-ERR There's no message %s.",
				 arg == NULL ? "" : "with that number");
		return false;
	}
	if (client->msgs[*seq_r - 1].deleted) {
		pop3_client_send(client, "-ERR Message is deleted.");
		return false;
	}
	return true;
}

void
cmd_capa(struct pop3_client *client, const struct pop3_command *cmd ATTR_UNUSED)
{
	pop3_client_send(client, "+OK Capability list follows");
	pop3_client_send(client, "TOP");
	pop3_client_send(client, "UIDL");
	pop3_client_send(client, "RESP-CODES");
	pop3_client_send(client, "AUTH-RESP-CODE");
	pop3_client_send(client, "PIPELINING");
	pop3_client_send(client, "IMPLEMENTATION roost");
	pop3_client_send(client, ".");
}

void
cmd_stat(struct pop3_client *client, const struct pop3_command *cmd ATTR_UNUSED)
{
	pop3_client_send(client, "+OK %u %llu",
			 client->count - client->deleted_count,
			 (unsigned long long)(client->total_size -
					      client->deleted_size));
}

static void
uidl_line(struct pop3_client *client, uint32_t seq, const char *prefix)
{
	/* Dovecot's default pop3_uidl_format %08Xu%08Xv */
	pop3_client_send(client, "%s%u %08X%08X", prefix, seq,
			 client->msgs[seq - 1].uid, client->uidvalidity);
}

void
cmd_list(struct pop3_client *client, const struct pop3_command *cmd)
{
	uint32_t seq;

	if (cmd->arg_count > 0) {
		if (pop3_get_msg(client, cmd->args[0], &seq))
			pop3_client_send(client, "+OK %u %llu", seq,
				(unsigned long long)client->msgs[seq - 1].size);
		return;
	}
	pop3_client_send(client, "+OK %u messages:",
			 client->count - client->deleted_count);
	for (seq = 1; seq <= client->count; seq++) {
		if (!client->msgs[seq - 1].deleted)
			pop3_client_send(client, "%u %llu", seq,
				(unsigned long long)client->msgs[seq - 1].size);
	}
	pop3_client_send(client, ".");
}

void
cmd_uidl(struct pop3_client *client, const struct pop3_command *cmd)
{
	uint32_t seq;

	if (cmd->arg_count > 0) {
		if (pop3_get_msg(client, cmd->args[0], &seq))
			uidl_line(client, seq, "+OK ");
		return;
	}
	pop3_client_send(client, "+OK");
	for (seq = 1; seq <= client->count; seq++) {
		if (!client->msgs[seq - 1].deleted)
			uidl_line(client, seq, "");
	}
	pop3_client_send(client, ".");
}
