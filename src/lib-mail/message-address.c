/* SPDX-License-Identifier: MIT */
/*
 * Address-list parser. Strategy per element: try addr-spec first, then
 * phrase followed by "<" (name-addr) or ":" (group); anything else is kept
 * as an invalid address and the parser resynchronises at the next ",".
 */
#include "lib.h"
#include "rfc822-parser.h"
#include "message-address.h"

struct addr_ctx {
	pool_t pool;
	struct rfc822_parser parser;
	struct str *str, *comment;
	struct message_address *head, **tail;
	unsigned int count, max;
};

static struct message_address *
addr_add(struct addr_ctx *ctx)
{
	struct message_address *addr;

	if (ctx->count >= ctx->max)
		return NULL;
	ctx->count++;
	addr = p_malloc(ctx->pool, sizeof(*addr));
	*ctx->tail = addr;
	ctx->tail = &addr->next;
	return addr;
}

static const char *
take_str(struct addr_ctx *ctx)
{
	const char *s = p_strndup(ctx->pool, ctx->str->data, ctx->str->len);

	str_clear(ctx->str);
	return s;
}

static bool
at_char(const struct addr_ctx *ctx, char c)
{
	return ctx->parser.data < ctx->parser.end && *ctx->parser.data == c;
}

static int
parse_local_part(struct addr_ctx *ctx)
{
	struct rfc822_parser *p = &ctx->parser;
	int ret = -1;

	/* obs-local-part: word *("." word) */
	while (p->data < p->end) {
		if (*p->data == '"')
			ret = rfc822_parse_quoted_string(p, ctx->str);
		else
			ret = rfc822_parse_atom(p, ctx->str);
		if (ret <= 0 || *p->data != '.')
			break;
		str_append_c(ctx->str, '.');
		p->data++;
		if ((ret = rfc822_skip_lwsp(p)) == 0)
			break;
	}
	return ret;
}

/* addr-spec after local part: "@" domain. */
static int
parse_addr_spec(struct addr_ctx *ctx, struct message_address *addr)
{
	int ret = parse_local_part(ctx);

	addr->mailbox = take_str(ctx);
	if (ret <= 0 || !at_char(ctx, '@')) {
		addr->domain = "";
		addr->invalid = addr->invalid || ret < 0 || !at_char(ctx, '@');
		return ret < 0 ? -1 : (ret == 0 ? 0 : 1);
	}
	ctx->parser.data++;
	if (rfc822_skip_lwsp(&ctx->parser) == 0) {
		addr->domain = "";
		addr->invalid = true;
		return 0;
	}
	ret = rfc822_parse_domain(&ctx->parser, ctx->str);
	addr->domain = take_str(ctx);
	if (ret < 0)
		addr->invalid = true;
	return ret;
}

/* obs-route: 1*("@" domain [","]) ":" */
static int
parse_route(struct addr_ctx *ctx, struct message_address *addr)
{
	struct rfc822_parser *p = &ctx->parser;
	int ret = 1;

	while (ret > 0 && (*p->data == '@' || *p->data == ',')) {
		if (*p->data == ',') {
			p->data++;
			ret = rfc822_skip_lwsp(p);
			continue;
		}
		if (str_len(ctx->str) > 0)
			str_append_c(ctx->str, ',');
		str_append_c(ctx->str, '@');
		p->data++;
		if ((ret = rfc822_skip_lwsp(p)) <= 0)
			break;
		ret = rfc822_parse_domain(p, ctx->str);
	}
	addr->route = take_str(ctx);
	if (ret > 0 && *p->data == ':') {
		p->data++;
		return rfc822_skip_lwsp(p);
	}
	addr->invalid = true;
	return ret < 0 ? -1 : ret;
}

static int
parse_angle_addr(struct addr_ctx *ctx, struct message_address *addr)
{
	struct rfc822_parser *p = &ctx->parser;
	int ret;

	p->data++;
	if ((ret = rfc822_skip_lwsp(p)) == 0)
		goto broken;
	if (*p->data == '@' && (ret = parse_route(ctx, addr)) <= 0)
		goto broken;
	if (*p->data == '>') {
		/* "<>" null path */
		addr->mailbox = addr->domain = "";
	} else if ((ret = parse_addr_spec(ctx, addr)) <= 0) {
		if (ret == 0)
			goto broken;
	}
	if (!at_char(ctx, '>'))
		goto broken;
	p->data++;
	return rfc822_skip_lwsp(p);
broken:
	addr->invalid = true;
	if (addr->mailbox == NULL)
		addr->mailbox = "";
	if (addr->domain == NULL)
		addr->domain = "";
	return ret < 0 ? -1 : 0;
}

static bool
at_element_end(const struct addr_ctx *ctx)
{
	return ctx->parser.data >= ctx->parser.end ||
		*ctx->parser.data == ',' || *ctx->parser.data == ';';
}

static void
commit(struct addr_ctx *ctx, const struct message_address *tmp)
{
	struct message_address *addr = addr_add(ctx);

	if (addr != NULL) {
		*addr = *tmp;
		addr->next = NULL;
	}
}

/* Skip to the next "," (or ";" ending a group). */
static void
resync(struct addr_ctx *ctx)
{
	struct rfc822_parser *p = &ctx->parser;

	while (p->data < p->end && *p->data != ',' && *p->data != ';') {
		if (*p->data == '"') {
			str_clear(ctx->str);
			(void)rfc822_parse_quoted_string(p, ctx->str);
		} else if (*p->data == '(') {
			(void)rfc822_skip_lwsp(p);
		} else {
			p->data++;
		}
	}
	str_clear(ctx->str);
}

static bool
try_addr_spec(struct addr_ctx *ctx, struct message_address *addr)
{
	const unsigned char *start = ctx->parser.data;

	str_clear(ctx->comment);
	(void)parse_addr_spec(ctx, addr);
	if (!addr->invalid && at_element_end(ctx)) {
		if (str_len(ctx->comment) > 0)
			addr->name = p_strndup(ctx->pool, ctx->comment->data,
					       ctx->comment->len);
		return true;
	}
	ctx->parser.data = start;
	memset(addr, 0, sizeof(*addr));
	str_clear(ctx->str);
	return false;
}

/* One mailbox (not a group). Returns true if a group starts instead:
   the phrase is then in ctx->str. */
static bool
parse_mailbox(struct addr_ctx *ctx, bool in_group)
{
	struct message_address addr;

	memset(&addr, 0, sizeof(addr));
	if (try_addr_spec(ctx, &addr)) {
		commit(ctx, &addr);
		return false;
	}
	str_clear(ctx->comment);
	(void)rfc822_parse_phrase(&ctx->parser, ctx->str);
	if (at_char(ctx, ':') && !in_group)
		return true;
	if (str_len(ctx->str) > 0)
		addr.name = take_str(ctx);
	if (at_char(ctx, '<')) {
		(void)parse_angle_addr(ctx, &addr);
		if (!at_element_end(ctx))
			addr.invalid = true;
	} else {
		/* a phrase without an address: keep it as the mailbox */
		addr.mailbox = addr.name != NULL ? addr.name : "";
		addr.name = NULL;
		addr.domain = "";
		addr.invalid = true;
	}
	if (addr.invalid)
		resync(ctx);
	if (addr.invalid && addr.name == NULL && addr.mailbox[0] == '\0' &&
	    addr.route == NULL)
		return false;	/* nothing usable: obs-empty element */
	commit(ctx, &addr);
	return false;
}

static void
parse_group(struct addr_ctx *ctx)
{
	struct rfc822_parser *p = &ctx->parser;
	struct message_address start, end;

	memset(&start, 0, sizeof(start));
	memset(&end, 0, sizeof(end));
	bool started = ctx->count < ctx->max;

	start.mailbox = take_str(ctx);
	commit(ctx, &start);
	p->data++;
	while (rfc822_skip_lwsp(p) > 0 && *p->data != ';') {
		if (*p->data == ',') {
			p->data++;
			continue;
		}
		(void)parse_mailbox(ctx, true);
	}
	if (p->data < p->end)
		p->data++;	/* ';' */
	/* the end marker of a started group is always written, even past
	   the limit: one extra element per group at most */
	if (started && ctx->count >= ctx->max)
		ctx->max = ctx->count + 1;
	if (started)
		commit(ctx, &end);
}

struct message_address *
message_address_parse(pool_t pool, const void *data, size_t size,
		      unsigned int max_addresses)
{
	struct addr_ctx ctx;
	struct rfc822_parser *p = &ctx.parser;

	memset(&ctx, 0, sizeof(ctx));
	ctx.pool = pool;
	ctx.tail = &ctx.head;
	ctx.max = max_addresses == 0 ? MESSAGE_ADDRESS_MAX_COUNT :
		max_addresses;
	ctx.str = str_create(pool, 128);
	ctx.comment = str_create(pool, 64);
	rfc822_parser_init(p, data, size, ctx.comment);
	while (rfc822_skip_lwsp(p) > 0 && ctx.count < ctx.max) {
		if (*p->data == ',' || *p->data == ';') {
			p->data++;
			continue;
		}
		if (parse_mailbox(&ctx, false))
			parse_group(&ctx);
	}
	return ctx.head;
}

static bool
is_dot_atom(const char *s)
{
	bool prev_dot = true;

	if (*s == '\0')
		return false;
	for (; *s != '\0'; s++) {
		if (*s == '.') {
			if (prev_dot)
				return false;
			prev_dot = true;
		} else if (rfc822_is_atext((unsigned char)*s)) {
			prev_dot = false;
		} else {
			return false;
		}
	}
	return !prev_dot;
}

static void
append_quoted(struct str *str, const char *s)
{
	str_append_c(str, '"');
	for (; *s != '\0'; s++) {
		/* CR and LF cannot be in a quoted string (RFC 5322 qtext);
		   the parser drops them as folding, so drop them here too */
		if (*s == '\r' || *s == '\n')
			continue;
		if (*s == '"' || *s == '\\')
			str_append_c(str, '\\');
		str_append_c(str, *s);
	}
	str_append_c(str, '"');
}

void
message_address_write_local(struct str *str, const char *mailbox)
{
	if (is_dot_atom(mailbox))
		str_append(str, mailbox);
	else
		append_quoted(str, mailbox);
}

static void
write_name(struct str *str, const char *name)
{
	bool plain = true;

	for (const char *s = name; *s != '\0'; s++) {
		if (*s != ' ' && !rfc822_is_atext((unsigned char)*s))
			plain = false;
		/* a phrase parses back with single inner spaces only */
		if (*s == ' ' && (s[1] == ' ' || s[1] == '\0'))
			plain = false;
	}
	if (plain && name[0] != '\0' && name[0] != ' ')
		str_append(str, name);
	else
		append_quoted(str, name);
}

static void
write_one(struct str *str, const struct message_address *a)
{
	/* both parts empty: "<>" (a bare "" would parse as nothing) */
	bool is_null = a->mailbox[0] == '\0' && a->domain[0] == '\0';
	/* an empty name is written as none (it parses back as NULL) */
	bool has_name = a->name != NULL && a->name[0] != '\0';
	bool angle = has_name || a->route != NULL || is_null;

	if (has_name) {
		write_name(str, a->name);
		str_append_c(str, ' ');
	}
	if (angle)
		str_append_c(str, '<');
	if (a->route != NULL) {
		str_append(str, a->route);
		str_append_c(str, ':');
	}
	if (!is_null)
		message_address_write_local(str, a->mailbox);
	if (a->domain[0] != '\0') {
		str_append_c(str, '@');
		str_append(str, a->domain);
	}
	if (angle)
		str_append_c(str, '>');
}

void
message_address_write(struct str *str, const struct message_address *addr)
{
	bool in_group = false, first = true;

	for (; addr != NULL; addr = addr->next) {
		if (addr->mailbox == NULL) {	/* group end */
			str_append_c(str, ';');
			in_group = false;
			first = false;
			continue;
		}
		if (!first && !(in_group && str->data[str->len - 1] == ' '))
			str_append(str, ", ");
		first = false;
		if (addr->domain == NULL) {	/* group start */
			write_name(str, addr->mailbox);
			str_append(str, ": ");
			in_group = true;
			continue;
		}
		write_one(str, addr);
	}
}
