/* SPDX-License-Identifier: MIT */
/*
 * The mail_max_* settings (doc/config.md) as message parser limits, for
 * every process that parses mail. Kept out of message-parser.c so the
 * parser itself does not need the configuration code (fuzz harnesses link
 * it alone).
 */
#include "lib.h"
#include "settings.h"
#include "message-parser.h"

/* Smallest values taken from the settings: a parser limit of 0 would
   make even a simple message opaque, which nobody means. */
#define LIMIT_MIN_SIZE 1024
#define LIMIT_MIN_COUNT 1
/* The BODYSTRUCTURE writer and FETCH's part tree recurse once per level:
   a depth setting cannot be allowed to exhaust the stack. */
#define LIMIT_MAX_DEPTH 1000

static size_t
get_size(const struct config *config, const char *key)
{
	uoff_t value = config_get_size(config, key);

	if (value < LIMIT_MIN_SIZE)
		return LIMIT_MIN_SIZE;
	if (value > SIZE_MAX / 2)
		return SIZE_MAX / 2;
	return (size_t)value;
}

static unsigned int
get_count(const struct config *config, const char *key)
{
	unsigned int value = config_get_uint(config, key);

	return value < LIMIT_MIN_COUNT ? LIMIT_MIN_COUNT : value;
}

void
message_parser_limits_read(const struct config *config,
			   struct message_parser_limits *limits_r)
{
	message_parser_limits_default(limits_r);
	limits_r->hdr.max_header_size =
		get_size(config, "mail_max_header_size");
	limits_r->hdr.max_header_count =
		get_count(config, "mail_max_header_count");
	limits_r->hdr.max_line_length =
		get_size(config, "mail_max_line_length");
	limits_r->max_depth = get_count(config, "mail_max_mime_depth");
	if (limits_r->max_depth > LIMIT_MAX_DEPTH)
		limits_r->max_depth = LIMIT_MAX_DEPTH;
	limits_r->max_parts = get_count(config, "mail_max_mime_parts");
}
