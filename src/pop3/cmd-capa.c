/* SPDX-License-Identifier: MIT */
/*
 * CAPA (RFC 2449 §5) in the TRANSACTION state. EXPIRE and LOGIN-DELAY
 * carry the values of pop3_expire and pop3_login_delay (not listed when
 * unset); STLS is never listed after login (RFC 2595).
 */
#include "lib.h"
#include "pop3-common.h"

void
cmd_capa(struct pop3_client *client,
	 const struct pop3_command *cmd ATTR_UNUSED)
{
	const struct pop3_settings *set = client->set;
	struct str *str = str_create(client->cmd_pool, 256);

	str_append(str, "TOP\r\nUIDL\r\nRESP-CODES\r\nAUTH-RESP-CODE\r\n"
		   "PIPELINING\r\nUSER\r\n");
	if (set->sasl_mechs[0] != '\0')
		str_printfa(str, "SASL %s\r\n", set->sasl_mechs);
	if (set->expire[0] != '\0')
		str_printfa(str, "EXPIRE %s\r\n", set->expire);
	if (set->login_delay_secs > 0)
		str_printfa(str, "LOGIN-DELAY %u\r\n", set->login_delay_secs);
	str_append(str, "IMPLEMENTATION roost\r\n.\r\n");
	pop3_client_ok(client, "Capability list follows");
	(void)o_stream_send(client->output, str_c(str), str_len(str));
}
