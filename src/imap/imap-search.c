/* SPDX-License-Identifier: MIT */
/* SEARCH key parsing (imap-search.h). */
#include "lib.h"
#include "date.h"
#include "mail-storage.h"
#include "mail-search.h"
#include "charset-utf8.h"
#include "imap-seqset.h"
#include "imap-client.h"
#include "imap-search.h"

#define SEARCH_MAX_RANGES 10000

struct search_parser {
	struct client_command *cmd;
	pool_t pool;
	const char *charset;
	unsigned int keys, depth;
	bool bad_charset;
	const char *error;
};

static struct mail_search_arg *
parse_key(struct search_parser *sp, const struct imap_arg **args);

static struct mail_search_arg *
new_arg(struct search_parser *sp, enum mail_search_arg_type type)
{
	return mail_search_arg_new(sp->pool, type);
}

static struct mail_search_arg *
fail(struct search_parser *sp, const char *error)
{
	if (sp->error == NULL)
		sp->error = error;
	return NULL;
}

static bool
get_string(struct search_parser *sp, const struct imap_arg **args,
	   const char **value_r)
{
	const char *value;
	struct str *str;

	if (!imap_arg_get_astring(*args, &value)) {
		(void)fail(sp, "Missing search string.");
		return false;
	}
	(*args)++;
	if (sp->charset == NULL) {
		*value_r = value;
		return true;
	}
	str = str_create(sp->pool, strlen(value) + 16);
	if (charset_to_utf8(sp->charset, value, strlen(value), str) < 0) {
		sp->bad_charset = true;
		(void)fail(sp, "Unknown charset.");
		return false;
	}
	*value_r = str_c(str);
	return true;
}

static bool
get_atom(struct search_parser *sp, const struct imap_arg **args,
	 const char **value_r)
{
	if (!imap_arg_get_astring(*args, value_r)) {
		(void)fail(sp, "Missing search key argument.");
		return false;
	}
	(*args)++;
	return true;
}

static struct mail_search_arg *
parse_set(struct search_parser *sp, const char *set, bool uid)
{
	struct client *client = sp->cmd->client;
	struct mail_search_arg *arg;
	struct imap_seq_set seqset;
	struct mail_range *ranges;
	uint32_t star;
	const char *error;

	if (imap_seq_set_parse(sp->pool, set, SEARCH_MAX_RANGES, &seqset,
			       &error) < 0)
		return fail(sp, error);
	star = !uid ? client->known_count : client->known_count == 0 ? 0 :
		mailbox_get_uid(client->box, client->known_count);
	imap_seq_set_normalize(&seqset, star);
	ranges = p_malloc(sp->pool, sizeof(*ranges) *
			  (seqset.ranges.count + 1));
	for (size_t i = 0; i < seqset.ranges.count; i++) {
		ranges[i].first = seqset.ranges.v[i].seq1;
		ranges[i].last = seqset.ranges.v[i].seq2;
	}
	arg = new_arg(sp, uid ? SEARCH_UIDSET : SEARCH_SEQSET);
	arg->ranges = ranges;
	arg->range_count = (unsigned int)seqset.ranges.count;
	return arg;
}

static const struct {
	const char *name;
	enum mail_flags flag;
	bool negate;
} flag_keys[] = {
	{ "ANSWERED", MAIL_ANSWERED, false },
	{ "DELETED", MAIL_DELETED, false },
	{ "DRAFT", MAIL_DRAFT, false },
	{ "FLAGGED", MAIL_FLAGGED, false },
	{ "SEEN", MAIL_SEEN, false },
	{ "RECENT", MAIL_RECENT, false },
	{ "OLD", MAIL_RECENT, true },
	{ "UNANSWERED", MAIL_ANSWERED, true },
	{ "UNDELETED", MAIL_DELETED, true },
	{ "UNDRAFT", MAIL_DRAFT, true },
	{ "UNFLAGGED", MAIL_FLAGGED, true },
	{ "UNSEEN", MAIL_SEEN, true },
};

static const struct {
	const char *name;
	enum mail_search_arg_type type;
} date_keys[] = {
	{ "BEFORE", SEARCH_BEFORE }, { "ON", SEARCH_ON },
	{ "SINCE", SEARCH_SINCE }, { "SENTBEFORE", SEARCH_SENTBEFORE },
	{ "SENTON", SEARCH_SENTON }, { "SENTSINCE", SEARCH_SENTSINCE },
};

static const char *const header_keys[] = {
	"FROM", "TO", "CC", "BCC", "SUBJECT",
};

static struct mail_search_arg *
parse_simple(struct search_parser *sp, const char *key,
	     const struct imap_arg **args)
{
	struct mail_search_arg *arg;
	const char *value, *field;

	for (size_t i = 0; i < N_ELEMENTS(flag_keys); i++) {
		if (str_casecmp_ascii(key, flag_keys[i].name) != 0)
			continue;
		arg = new_arg(sp, SEARCH_FLAGS);
		arg->flags = flag_keys[i].flag;
		arg->negate = flag_keys[i].negate;
		return arg;
	}
	for (size_t i = 0; i < N_ELEMENTS(date_keys); i++) {
		if (str_casecmp_ascii(key, date_keys[i].name) != 0)
			continue;
		if (!get_atom(sp, args, &value))
			return NULL;
		arg = new_arg(sp, date_keys[i].type);
		if (imap_date_parse(value, &arg->date) < 0)
			return fail(sp, "Invalid search date.");
		return arg;
	}
	for (size_t i = 0; i < N_ELEMENTS(header_keys); i++) {
		if (str_casecmp_ascii(key, header_keys[i]) != 0)
			continue;
		if (!get_string(sp, args, &value))
			return NULL;
		arg = new_arg(sp, SEARCH_HEADER);
		arg->name = header_keys[i];
		arg->value = value;
		return arg;
	}
	if (str_casecmp_ascii(key, "HEADER") == 0) {
		if (!get_atom(sp, args, &field) ||
		    !get_string(sp, args, &value))
			return NULL;
		arg = new_arg(sp, SEARCH_HEADER);
		arg->name = field;
		arg->value = value;
		return arg;
	}
	return NULL;
}

static struct mail_search_arg *
parse_value_key(struct search_parser *sp, const char *key,
		const struct imap_arg **args)
{
	struct mail_search_arg *arg;
	const char *value;
	uint64_t num;

	if (str_casecmp_ascii(key, "BODY") == 0 ||
	    str_casecmp_ascii(key, "TEXT") == 0) {
		if (!get_string(sp, args, &value))
			return NULL;
		arg = new_arg(sp, str_casecmp_ascii(key, "BODY") == 0 ?
			      SEARCH_BODY : SEARCH_TEXT);
		arg->value = value;
		return arg;
	}
	if (str_casecmp_ascii(key, "LARGER") == 0 ||
	    str_casecmp_ascii(key, "SMALLER") == 0) {
		if (!get_atom(sp, args, &value))
			return NULL;
		if (str_to_uint64(value, &num) < 0 || num > UINT32_MAX)
			return fail(sp, "Invalid size.");
		arg = new_arg(sp, str_casecmp_ascii(key, "LARGER") == 0 ?
			      SEARCH_LARGER : SEARCH_SMALLER);
		arg->size = num;
		return arg;
	}
	if (str_casecmp_ascii(key, "KEYWORD") == 0 ||
	    str_casecmp_ascii(key, "UNKEYWORD") == 0) {
		if (!get_atom(sp, args, &value))
			return NULL;
		arg = new_arg(sp, SEARCH_KEYWORD);
		arg->name = value;
		arg->negate = str_casecmp_ascii(key, "UNKEYWORD") == 0;
		return arg;
	}
	if (str_casecmp_ascii(key, "UID") == 0) {
		if (!get_atom(sp, args, &value))
			return NULL;
		return parse_set(sp, value, true);
	}
	return NULL;
}

static struct mail_search_arg *
parse_list(struct search_parser *sp, const struct imap_arg *list)
{
	struct mail_search_arg *first = NULL, **next = &first;

	if (imap_arg_is_eol(list))
		return fail(sp, "Empty search key list.");
	while (!imap_arg_is_eol(list)) {
		struct mail_search_arg *arg = parse_key(sp, &list);

		if (arg == NULL)
			return NULL;
		*next = arg;
		next = &arg->next;
	}
	return first;
}

static struct mail_search_arg *
parse_compound(struct search_parser *sp, const char *key,
	       const struct imap_arg **args)
{
	struct mail_search_arg *arg, *a, *b;

	if (str_casecmp_ascii(key, "NOT") == 0) {
		arg = parse_key(sp, args);
		if (arg == NULL)
			return NULL;
		arg->negate = !arg->negate;
		return arg;
	}
	if (str_casecmp_ascii(key, "OR") == 0) {
		a = parse_key(sp, args);
		b = a == NULL ? NULL : parse_key(sp, args);
		if (b == NULL)
			return NULL;
		arg = new_arg(sp, SEARCH_OR);
		a->next = b;
		arg->subargs = a;
		return arg;
	}
	if (str_casecmp_ascii(key, "NEW") == 0) {
		/* RECENT and not SEEN */
		arg = new_arg(sp, SEARCH_SUB);
		a = new_arg(sp, SEARCH_FLAGS);
		a->flags = MAIL_RECENT;
		b = new_arg(sp, SEARCH_FLAGS);
		b->flags = MAIL_SEEN;
		b->negate = true;
		a->next = b;
		arg->subargs = a;
		return arg;
	}
	if (str_casecmp_ascii(key, "ALL") == 0)
		return new_arg(sp, SEARCH_ALL);
	return NULL;
}

static struct mail_search_arg *
parse_key(struct search_parser *sp, const struct imap_arg **args)
{
	const struct imap_arg *arg = *args, *list;
	struct mail_search_arg *result;
	const char *key;

	if (++sp->keys > IMAP_SEARCH_MAX_KEYS)
		return fail(sp, "Too many search keys.");
	if (sp->depth >= MAIL_SEARCH_MAX_DEPTH)
		return fail(sp, "Search keys nested too deeply.");
	if (imap_arg_is_eol(arg))
		return fail(sp, "Missing search key.");
	(*args)++;
	sp->depth++;
	if (imap_arg_get_list(arg, &list)) {
		result = new_arg(sp, SEARCH_SUB);
		result->subargs = parse_list(sp, list);
		sp->depth--;
		return result->subargs == NULL ? NULL : result;
	}
	if (!imap_arg_get_atom(arg, &key)) {
		sp->depth--;
		return fail(sp, "Invalid search key.");
	}
	result = parse_compound(sp, key, args);
	if (result == NULL && sp->error == NULL)
		result = parse_simple(sp, key, args);
	if (result == NULL && sp->error == NULL)
		result = parse_value_key(sp, key, args);
	if (result == NULL && sp->error == NULL &&
	    (key[0] == '*' || (key[0] >= '0' && key[0] <= '9')))
		result = parse_set(sp, key, false);
	sp->depth--;
	if (result == NULL)
		return fail(sp, "Unknown search key.");
	return result;
}

struct mail_search_arg *
imap_search_parse(struct client_command *cmd, const struct imap_arg *args,
		  const char *charset, bool *bad_charset_r,
		  const char **error_r)
{
	struct search_parser sp;
	struct mail_search_arg *first = NULL, **next = &first;

	memset(&sp, 0, sizeof(sp));
	sp.cmd = cmd;
	sp.pool = cmd->pool;
	if (charset != NULL && str_casecmp_ascii(charset, "UTF-8") != 0 &&
	    str_casecmp_ascii(charset, "US-ASCII") != 0) {
		struct str *tmp = str_create(cmd->pool, 8);

		/* an unknown charset is refused before any key */
		if (charset_to_utf8(charset, "", 0, tmp) < 0) {
			*bad_charset_r = true;
			*error_r = "Unknown charset.";
			return NULL;
		}
		sp.charset = charset;
	}
	*bad_charset_r = false;
	if (imap_arg_is_eol(args)) {
		*error_r = "Missing search keys.";
		return NULL;
	}
	while (!imap_arg_is_eol(args)) {
		struct mail_search_arg *arg = parse_key(&sp, &args);

		if (arg == NULL) {
			*bad_charset_r = sp.bad_charset;
			*error_r = sp.error;
			return NULL;
		}
		*next = arg;
		next = &arg->next;
	}
	return first;
}
