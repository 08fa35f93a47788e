/* SPDX-License-Identifier: MIT */
/*
 * The header fields roost-lmtp reads from and adds to a delivered message:
 * one streaming pass over the spooled header for the Message-ID (logged)
 * and our Delivered-To: lines (loop detection, like Postfix local(8)), and
 * the trace fields prepended to each stored copy (RFC 5321 §4.4):
 * Return-Path:, Delivered-To: and Received:.
 */
#include "lib.h"
#include "date.h"
#include "istream.h"
#include "lmtp-common.h"

#include <strings.h>

/* Header lines longer than this are skipped unread: neither a
   Message-ID nor one of our Delivered-To: values is that long. */
#define HEADER_LINE_MAX 4096
#define MSGID_MAX_LEN 250

struct header_scan {
	struct lmtp_client *client;
	const char *msgid;
	/* lower-cased recipient addresses and their lengths */
	const char **addrs;
	size_t *lens;
};

static const char *
header_value(const char *line, size_t name_len)
{
	const char *value = line + name_len;

	while (*value == ' ' || *value == '\t')
		value++;
	return value;
}

/* "Delivered-To: alice@example.org" (angle brackets tolerated). */
static void
scan_delivered_to(struct header_scan *scan, const char *value)
{
	size_t len = strcspn(value, " \t");
	struct lmtp_client *client = scan->client;

	if (*value == '<' && len >= 2 && value[len - 1] == '>') {
		value++;
		len -= 2;
	}
	for (size_t i = 0; i < client->rcpts.count; i++) {
		struct lmtp_recipient *rcpt = &client->rcpts.v[i];

		/* the length first: an adversarial header of many other
		   addresses costs little */
		if (scan->lens[i] != len || rcpt->hops > lmtp_set.max_hops)
			continue;
		if (strncasecmp(value, scan->addrs[i], len) == 0)
			rcpt->hops++;
	}
}

static void
scan_line(struct header_scan *scan, const char *line)
{
	if (str_begins_icase(line, "Delivered-To:")) {
		scan_delivered_to(scan, header_value(line, 13));
	} else if (scan->msgid == NULL && str_begins_icase(line,
							   "Message-ID:")) {
		const char *value = header_value(line, 11);
		scan->msgid = p_strndup(scan->client->cmd_pool, value,
					MIN(strlen(value), MSGID_MAX_LEN));
	}
}

/* Skip the rest of an over-long line. false at EOF or error. */
static bool
skip_long_line(struct istream *input)
{
	const unsigned char *data, *lf;
	size_t size;

	for (;;) {
		data = i_stream_get_data(input, &size);
		lf = memchr(data, '\n', size);
		if (lf != NULL) {
			i_stream_skip(input, (size_t)(lf - data) + 1);
			return true;
		}
		i_stream_skip(input, size);
		if (i_stream_read(input) <= 0)
			return false;
	}
}

static void
scan_init(struct header_scan *scan, struct lmtp_client *client)
{
	size_t count = client->rcpts.count;

	memset(scan, 0, sizeof(*scan));
	scan->client = client;
	scan->addrs = p_malloc(client->cmd_pool, sizeof(*scan->addrs) *
			       (count + 1));
	scan->lens = p_malloc(client->cmd_pool, sizeof(*scan->lens) *
			      (count + 1));
	for (size_t i = 0; i < count; i++) {
		char *addr = p_strdup(client->cmd_pool,
				      client->rcpts.v[i].address);
		str_lcase_ascii(addr);
		scan->addrs[i] = addr;
		scan->lens[i] = strlen(addr);
		client->rcpts.v[i].hops = 0;
	}
}

void
lmtp_headers_scan(struct lmtp_client *client, const char **msgid_r)
{
	struct header_scan scan;
	struct istream *input;
	const char *line;
	bool full;

	scan_init(&scan, client);
	input = i_stream_create_fd(client->spool_fd, HEADER_LINE_MAX, false);
	if (i_stream_seek(input, 0) < 0) {
		e_error(client->event, "spool seek failed: %s",
			strerror(errno));
		i_stream_destroy(&input);
		*msgid_r = NULL;
		return;
	}
	for (;;) {
		line = i_stream_read_next_line(input, &full);
		if (line == NULL) {
			if (full && skip_long_line(input))
				continue;
			break;	/* EOF: a message without a body */
		}
		if (*line == '\0')
			break;	/* the end of the header */
		/* folded continuation lines are not followed: our
		   Delivered-To: values fit on one line */
		if (*line != ' ' && *line != '\t')
			scan_line(&scan, line);
	}
	i_stream_destroy(&input);
	*msgid_r = scan.msgid;
}

/* Client-supplied names (LHLO, XCLIENT, XFORWARD) in a trace field: no
   parentheses, backslashes, controls or (for the "from" word) spaces. */
static void
append_sanitized(struct str *dest, const char *text, bool allow_space)
{
	for (const unsigned char *p = (const unsigned char *)text;
	     *p != '\0'; p++) {
		bool bad = *p < 32 || *p == 127 || *p == '(' || *p == ')' ||
			*p == '\\' || (*p == ' ' && !allow_space);
		str_append_c(dest, bad ? '?' : (char)*p);
	}
}

static void
append_comment_text(struct str *dest, const char *text)
{
	append_sanitized(dest, text, true);
}

/* RFC 5321 §4.4: "from" is who handed us the message (after XCLIENT or
   XFORWARD the original client), "by" is us; "for" names the recipient,
   the date ends it. Continuation lines start with a tab. */
static void
append_received(struct lmtp_client *client,
		const struct lmtp_recipient *rcpt, struct str *dest)
{
	const struct lmtp_origin *o = client->xforward.addr != NULL ||
		client->xforward.helo != NULL ? &client->xforward :
		&client->xclient;
	const char *helo = o->helo != NULL ? o->helo :
		str_len(client->lhlo_name) > 0 ? str_c(client->lhlo_name) :
		"unknown";
	const char *addr = o->addr != NULL ? o->addr : client->remote_ip;

	str_append(dest, "Received: from ");
	append_sanitized(dest, helo, false);
	if (o->name != NULL || addr != NULL) {
		str_append(dest, " (");
		if (o->name != NULL) {
			append_comment_text(dest, o->name);
			str_append_c(dest, ' ');
		}
		if (addr != NULL) {
			str_append_c(dest, '[');
			append_comment_text(dest, addr);
			str_append_c(dest, ']');
		}
		str_append_c(dest, ')');
	}
	str_printfa(dest, "\r\n\tby %s with %s id %s", lmtp_set.hostname,
		    client->smtputf8 ? "UTF8LMTP" : "LMTP",
		    client->session_id);
	if (rcpt != NULL)
		str_printfa(dest, "\r\n\tfor <%s>", rcpt->address);
	str_printfa(dest, "; %s\r\n",
		    rfc5322_date_format(client->cmd_pool, ioloop_time,
					date_local_tz_offset(ioloop_time)));
}

const char *
lmtp_headers_build(struct lmtp_client *client,
		   const struct lmtp_recipient *rcpt, pool_t pool)
{
	struct str *dest = str_create(pool, 512);

	/* RFC 5321 §4.4: the reverse-path, "<>" for the null sender */
	str_printfa(dest, "Return-Path: <%s>\r\n", client->mail_from);
	if (rcpt != NULL)
		str_printfa(dest, "Delivered-To: %s\r\n", rcpt->address);
	if (lmtp_set.add_received_header)
		append_received(client, rcpt, dest);
	return str_c(dest);
}
