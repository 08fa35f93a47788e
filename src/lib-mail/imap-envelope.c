/* SPDX-License-Identifier: MIT */
/*
 * ENVELOPE (RFC 3501 §7.4.2): raw, undecoded header values. Sender and
 * Reply-To default to From when absent or empty (RFC 3501 §7.4.2). An
 * address list that parses to nothing is NIL. Missing local parts and
 * domains are "" (NIL host would mean group syntax).
 */
#include "lib.h"
#include "message-address.h"
#include "imap-bodystructure.h"

static bool
needs_literal(const char *s, size_t len)
{
	if (len > IMAP_QUOTED_MAX_LEN)
		return true;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '\r' || c == '\n' || c >= 0x80)
			return true;
	}
	return false;
}

void
imap_write_string(struct str *dest, const char *s)
{
	size_t len = strlen(s);

	if (needs_literal(s, len)) {
		str_printfa(dest, "{%zu}\r\n", len);
		str_append_n(dest, s, len);
		return;
	}
	str_append_c(dest, '"');
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '"' || s[i] == '\\')
			str_append_c(dest, '\\');
		str_append_c(dest, s[i]);
	}
	str_append_c(dest, '"');
}

void
imap_write_nstring(struct str *dest, const char *s)
{
	if (s == NULL)
		str_append(dest, "NIL");
	else
		imap_write_string(dest, s);
}

static void
write_address(pool_t pool, struct str *dest, const struct message_address *a)
{
	str_append_c(dest, '(');
	imap_write_nstring(dest, a->name);
	str_append_c(dest, ' ');
	imap_write_nstring(dest, a->route);
	str_append_c(dest, ' ');
	if (a->mailbox != NULL && a->domain != NULL) {
		/* re-quote a local part that is not a dot-atom */
		struct str *tmp = str_create(pool, 64);

		message_address_write_local(tmp, a->mailbox);
		imap_write_string(dest, a->mailbox[0] == '\0' ? "" :
				  str_c(tmp));
	} else {
		imap_write_nstring(dest, a->mailbox);
	}
	str_append_c(dest, ' ');
	imap_write_nstring(dest, a->domain);
	str_append_c(dest, ')');
}

static void
write_address_list(pool_t pool, struct str *dest, const char *value)
{
	struct message_address *addr = value == NULL ? NULL :
		message_address_parse(pool, value, strlen(value), 0);

	if (addr == NULL) {
		str_append(dest, "NIL");
		return;
	}
	str_append_c(dest, '(');
	for (; addr != NULL; addr = addr->next)
		write_address(pool, dest, addr);
	str_append_c(dest, ')');
}

static bool
addr_list_empty(pool_t pool, const char *value)
{
	return value == NULL ||
		message_address_parse(pool, value, strlen(value), 1) == NULL;
}

void
imap_envelope_write(pool_t pool, const struct message_part_headers *hdr,
		    struct str *dest)
{
	const char *sender = hdr->sender, *reply_to = hdr->reply_to;

	if (addr_list_empty(pool, sender))
		sender = hdr->from;
	if (addr_list_empty(pool, reply_to))
		reply_to = hdr->from;
	str_append_c(dest, '(');
	imap_write_nstring(dest, hdr->date);
	str_append_c(dest, ' ');
	imap_write_nstring(dest, hdr->subject);
	const char *lists[] = { hdr->from, sender, reply_to, hdr->to,
				hdr->cc, hdr->bcc };
	for (size_t i = 0; i < N_ELEMENTS(lists); i++) {
		str_append_c(dest, ' ');
		write_address_list(pool, dest, lists[i]);
	}
	str_append_c(dest, ' ');
	imap_write_nstring(dest, hdr->in_reply_to);
	str_append_c(dest, ' ');
	imap_write_nstring(dest, hdr->message_id);
	str_append_c(dest, ')');
}
