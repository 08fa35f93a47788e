/* SPDX-License-Identifier: MIT */
/* Per-session cache of parsed message structure (imap-mime-cache.h). */
#include "lib.h"
#include "hash.h"
#include "istream.h"
#include "mail-storage.h"
#include "imap-bodystructure.h"
#include "imap-mime-cache.h"

struct imap_mime_cache {
	struct message_parser_limits limits;
	pool_t pool;			/* entries */
	struct hash_table *uids;	/* uid -> struct imap_mime_msg */
	char *box_name;			/* xmalloc */
	uint32_t uidvalidity;
	size_t used;
};

struct imap_mime_cache *
imap_mime_cache_create(const struct message_parser_limits *limits)
{
	struct imap_mime_cache *cache = xcalloc(1, sizeof(*cache));

	cache->limits = *limits;
	cache->pool = pool_create_arena("imap mime cache", 16384);
	cache->uids = hash_table_create_direct(cache->pool, 64);
	return cache;
}

static void
cache_clear(struct imap_mime_cache *cache)
{
	hash_table_destroy(&cache->uids);
	pool_clear(cache->pool);
	cache->uids = hash_table_create_direct(cache->pool, 64);
	cache->used = 0;
}

void
imap_mime_cache_destroy(struct imap_mime_cache **_cache)
{
	struct imap_mime_cache *cache = *_cache;

	if (cache == NULL)
		return;
	hash_table_destroy(&cache->uids);
	pool_destroy(&cache->pool);
	xfree(cache->box_name);
	xfree(cache);
	*_cache = NULL;
}

/* Drop everything if the selected mailbox is another one now. */
static void
cache_check_box(struct imap_mime_cache *cache, struct mailbox *box)
{
	const char *name = mailbox_get_name(box);
	uint32_t uidvalidity = mailbox_get_uidvalidity(box);

	if (cache->box_name != NULL && strcmp(cache->box_name, name) == 0 &&
	    cache->uidvalidity == uidvalidity)
		return;
	cache_clear(cache);
	xfree(cache->box_name);
	cache->box_name = xstrdup(name);
	cache->uidvalidity = uidvalidity;
}

/* Compact copy of the parser's tree (recursion depth is bounded by the
   parser's max_depth). */
static struct imap_mime_part *
part_copy(pool_t pool, const struct message_part *src, size_t *used)
{
	struct imap_mime_part *part = p_malloc(pool, sizeof(*part));
	struct imap_mime_part **next = &part->children;

	*used += sizeof(*part);
	part->hdr_pos = src->physical_pos;
	part->hdr_size = src->header_size.physical_size;
	part->body_size = src->body_size.physical_size;
	part->is_multipart = (src->flags & MESSAGE_PART_FLAG_MULTIPART) != 0;
	part->cte = message_cte_parse(src->hdr.content_transfer_encoding);
	part->is_message = !part->is_multipart && src->children != NULL &&
		imap_part_is_message_rfc822(src);
	if (!part->is_multipart && !part->is_message)
		return part;
	for (const struct message_part *c = src->children; c != NULL;
	     c = c->next) {
		*next = part_copy(pool, c, used);
		next = &(*next)->next;
	}
	return part;
}

/* Parse the whole mail stream. NULL on a read error. */
static struct message_part *
parse_stream(struct imap_mime_cache *cache, pool_t pool,
	     struct istream *input)
{
	struct message_parser *parser =
		message_parser_create(pool, input, &cache->limits);
	struct message_part *root = NULL;
	int ret;

	while ((ret = message_parser_parse(parser)) == 0) {
		/* a local file: the read blocks only on the disk; -2 would
		   mean the parser did not consume a full buffer */
		if (i_stream_read(input) == -2)
			break;
	}
	if (ret > 0)
		root = message_parser_get_root(parser);
	message_parser_destroy(&parser);
	return root;
}

static const char *
render(pool_t pool, struct str *tmp, const struct message_part *root,
       int what)
{
	str_clear(tmp);
	if (what == 0)
		imap_envelope_write(pool, &root->hdr, tmp);
	else
		imap_bodystructure_write(pool, root, tmp, what == 2);
	return str_c(tmp);
}

static struct imap_mime_msg *
msg_create(struct imap_mime_cache *cache, uint32_t uid,
	   const struct message_part *root, pool_t tmp_pool)
{
	struct imap_mime_msg *msg = p_malloc(cache->pool, sizeof(*msg));
	struct str *tmp = str_create(tmp_pool, 1024);

	msg->uid = uid;
	msg->envelope = p_strdup(cache->pool, render(tmp_pool, tmp, root, 0));
	msg->body = p_strdup(cache->pool, render(tmp_pool, tmp, root, 1));
	msg->bodystructure = p_strdup(cache->pool,
				      render(tmp_pool, tmp, root, 2));
	cache->used += sizeof(*msg) + strlen(msg->envelope) +
		strlen(msg->body) + strlen(msg->bodystructure) + 3;
	msg->root = part_copy(cache->pool, root, &cache->used);
	return msg;
}

int
imap_mime_cache_get(struct imap_mime_cache *cache, struct mailbox *box,
		    uint32_t seq, const struct imap_mime_msg **msg_r)
{
	uint32_t uid = mailbox_get_uid(box, seq);
	struct imap_mime_msg *msg;
	struct message_part *root;
	struct istream *input;
	pool_t tmp_pool;

	cache_check_box(cache, box);
	msg = hash_table_lookup(cache->uids, (void *)(uintptr_t)uid);
	if (msg != NULL) {
		*msg_r = msg;
		return 0;
	}
	if (mailbox_open_mail(box, seq, &input) < 0)
		return -1;
	if (cache->used > IMAP_MIME_CACHE_MAX_BYTES)
		cache_clear(cache);
	tmp_pool = pool_create_arena("imap mime parse", 16384);
	root = parse_stream(cache, tmp_pool, input);
	if (root != NULL) {
		msg = msg_create(cache, uid, root, tmp_pool);
		hash_table_insert(cache->uids, (void *)(uintptr_t)uid, msg);
	}
	pool_destroy(&tmp_pool);
	i_stream_destroy(&input);
	*msg_r = msg;
	return msg == NULL ? -1 : 0;
}
