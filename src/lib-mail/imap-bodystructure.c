/* SPDX-License-Identifier: MIT */
/*
 * BODY / BODYSTRUCTURE, RFC 3501 §7.4.2 (grammar §9: body-type-1part,
 * body-type-mpart, body-ext-*), RFC 9051 §7.5.2. Defaults per RFC 2045
 * §5.2: no Content-Type means text/plain; charset=us-ascii (and
 * message/rfc822 inside multipart/digest, RFC 2046 §5.1.5); no
 * Content-Transfer-Encoding means 7bit.
 */
#include "lib.h"
#include "rfc822-parser.h"
#include "imap-bodystructure.h"

#define EMPTY_TEXT_PART \
	"(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 0 0"
/* BODYSTRUCTURE gives every non-multipart part its extension data (md5
   disposition language location), the made-up empty one too. */
#define EMPTY_TEXT_PART_EXT " NIL NIL NIL NIL"

static void
write_empty_text_part(struct str *dest, bool extended)
{
	str_append(dest, EMPTY_TEXT_PART);
	if (extended)
		str_append(dest, EMPTY_TEXT_PART_EXT);
	str_append_c(dest, ')');
}

static void
write_params(struct str *dest, const struct array_mime_param *params)
{
	if (!array_is_created(params) || params->count == 0) {
		str_append(dest, "NIL");
		return;
	}
	str_append_c(dest, '(');
	for (size_t i = 0; i < params->count; i++) {
		if (i > 0)
			str_append_c(dest, ' ');
		imap_write_string(dest, params->v[i].name);
		str_append_c(dest, ' ');
		imap_write_string(dest, params->v[i].value);
	}
	str_append_c(dest, ')');
}

static void
write_disposition(pool_t pool, struct str *dest, const char *value)
{
	struct array_mime_param params;
	const char *token;

	if (value != NULL)
		mime_disposition_parse(pool, value, strlen(value), &token,
				       &params);
	if (value == NULL || token == NULL) {
		str_append(dest, "NIL");
		return;
	}
	str_append_c(dest, '(');
	imap_write_string(dest, token);
	str_append_c(dest, ' ');
	write_params(dest, &params);
	str_append_c(dest, ')');
}

/* Content-Language (RFC 3282): comma-separated language tags. */
static void
write_language(pool_t pool, struct str *dest, const char *value)
{
	struct rfc822_parser p;
	struct array_str langs;
	struct str *tmp = str_create(pool, 32);

	array_init(&langs, pool, 2);
	if (value != NULL) {
		rfc822_parser_init(&p, value, strlen(value), NULL);
		while (rfc822_skip_lwsp(&p) > 0 && langs.count < 32) {
			str_clear(tmp);
			if (*p.data == ',' ||
			    rfc822_parse_mime_token(&p, tmp) < 0) {
				p.data++;
				continue;
			}
			array_append(&langs, str_dup(pool, tmp));
		}
	}
	if (langs.count == 0) {
		str_append(dest, "NIL");
	} else if (langs.count == 1) {
		imap_write_string(dest, langs.v[0]);
	} else {
		str_append_c(dest, '(');
		for (size_t i = 0; i < langs.count; i++) {
			if (i > 0)
				str_append_c(dest, ' ');
			imap_write_string(dest, langs.v[i]);
		}
		str_append_c(dest, ')');
	}
}

static void
write_ext_common(pool_t pool, struct str *dest,
		 const struct message_part *part)
{
	str_append_c(dest, ' ');
	write_disposition(pool, dest, part->hdr.content_disposition);
	str_append_c(dest, ' ');
	write_language(pool, dest, part->hdr.content_language);
	str_append_c(dest, ' ');
	imap_write_nstring(dest, part->hdr.content_location);
}

static void
write_multipart(pool_t pool, const struct message_part *part,
		struct str *dest, bool extended)
{
	str_append_c(dest, '(');
	if (part->children == NULL)
		write_empty_text_part(dest, extended);
	for (const struct message_part *c = part->children; c != NULL;
	     c = c->next)
		imap_bodystructure_write(pool, c, dest, extended);
	str_append_c(dest, ' ');
	imap_write_string(dest, part->ct.subtype);
	if (extended) {
		str_append_c(dest, ' ');
		write_params(dest, &part->ct.params);
		write_ext_common(pool, dest, part);
	}
	str_append_c(dest, ')');
}

/* First token of Content-Transfer-Encoding, "7bit" if none. */
static const char *
get_encoding(pool_t pool, const char *value)
{
	struct rfc822_parser p;
	struct str *tmp = str_create(pool, 16);

	if (value == NULL)
		return "7bit";
	rfc822_parser_init(&p, value, strlen(value), NULL);
	if (rfc822_skip_lwsp(&p) == 0 || rfc822_parse_mime_token(&p, tmp) < 0)
		return "7bit";
	return str_c(tmp);
}

static void
write_type_and_params(struct str *dest, const struct message_part *part)
{
	const struct message_part *parent = part->parent;
	bool in_digest = parent != NULL &&
		(parent->flags & MESSAGE_PART_FLAG_DIGEST) != 0;

	if (part->ct.type != NULL) {
		imap_write_string(dest, part->ct.type);
		str_append_c(dest, ' ');
		imap_write_string(dest, part->ct.subtype);
		str_append_c(dest, ' ');
		write_params(dest, &part->ct.params);
	} else if (in_digest) {
		str_append(dest, "\"message\" \"rfc822\" NIL");
	} else {
		str_append(dest, "\"text\" \"plain\" (\"charset\" \"us-ascii\")");
	}
}

bool
imap_part_is_message_rfc822(const struct message_part *part)
{
	const char *t = part->ct.type, *s = part->ct.subtype;

	if (t == NULL)
		return part->parent != NULL &&
			(part->parent->flags & MESSAGE_PART_FLAG_DIGEST) != 0;
	/* RFC 3501 §9 media-message is "MESSAGE" "RFC822" only: an
	   IMAP4rev1 client parses message/global as body-type-basic, so it
	   gets no envelope, body and line count (RFC 9051 added "GLOBAL"
	   for IMAP4rev2). */
	return str_casecmp_ascii(t, "message") == 0 &&
		str_casecmp_ascii(s, "rfc822") == 0;
}

static void
write_message_fields(pool_t pool, const struct message_part *part,
		     struct str *dest, bool extended)
{
	static const struct message_part_headers empty_hdr;
	const struct message_part *child = part->children;

	str_append_c(dest, ' ');
	if (child != NULL) {
		imap_envelope_write(pool, &child->hdr, dest);
		str_append_c(dest, ' ');
		imap_bodystructure_write(pool, child, dest, extended);
	} else {
		/* not parsed (limit or encoded): valid but empty */
		imap_envelope_write(pool, &empty_hdr, dest);
		str_append_c(dest, ' ');
		write_empty_text_part(dest, extended);
	}
	str_printfa(dest, " %llu", (unsigned long long)part->body_size.lines);
}

static void
write_single(pool_t pool, const struct message_part *part, struct str *dest,
	     bool extended)
{
	str_append_c(dest, '(');
	write_type_and_params(dest, part);
	str_append_c(dest, ' ');
	imap_write_nstring(dest, part->hdr.content_id);
	str_append_c(dest, ' ');
	imap_write_nstring(dest, part->hdr.content_description);
	str_append_c(dest, ' ');
	imap_write_string(dest, get_encoding(pool,
				part->hdr.content_transfer_encoding));
	str_printfa(dest, " %llu",
		    (unsigned long long)part->body_size.virtual_size);
	if ((part->flags & MESSAGE_PART_FLAG_TEXT) != 0)
		str_printfa(dest, " %llu",
			    (unsigned long long)part->body_size.lines);
	else if (imap_part_is_message_rfc822(part))
		write_message_fields(pool, part, dest, extended);
	if (extended) {
		str_append_c(dest, ' ');
		imap_write_nstring(dest, part->hdr.content_md5);
		write_ext_common(pool, dest, part);
	}
	str_append_c(dest, ')');
}

void
imap_bodystructure_write(pool_t pool, const struct message_part *part,
			 struct str *dest, bool extended)
{
	if ((part->flags & MESSAGE_PART_FLAG_MULTIPART) != 0)
		write_multipart(pool, part, dest, extended);
	else
		write_single(pool, part, dest, extended);
}
