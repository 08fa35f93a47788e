/* SPDX-License-Identifier: MIT */
/*
 * Fuzz the MIME structure parser (src/lib-mail/message-parser.h) with the
 * IMAP writers on top (imap-bodystructure.h: BODYSTRUCTURE, BODY,
 * ENVELOPE) and the content-transfer-encoding decoders
 * (message-cte-decoder.h) on every leaf part's body.
 *
 * Input: one control byte, then the message. The control byte picks the
 * chunking (bits 0-2 and the PRNG seed; see fuzz-common.h) and the limits
 * (bit 3: tiny limits: depth 3, 8 parts, short lines and headers).
 * Properties:
 *  - the parser finishes once the input is at EOF and consumes it all;
 *  - the part tree respects the limits and every part's offsets and
 *    sizes lie within the input;
 *  - BODYSTRUCTURE, BODY and ENVELOPE are written without crashing, with
 *    balanced parentheses outside strings and literals;
 *  - the whole input and the chunked input give the same output;
 *  - a decoded body is never longer than the encoded one, and decoding it
 *    in chunks gives the same bytes and the same is_broken.
 */
#include "lib.h"
#include "istream.h"
#include "message-parser.h"
#include "message-cte-decoder.h"
#include "imap-bodystructure.h"
#include "fuzz-common.h"

#define FUZZ_MAX_INPUT (64 * 1024)
#define FUZZ_MAX_CHUNKS 4096

struct fuzz_ctx {
	const uint8_t *data;
	size_t size;
	uint8_t control;
	const struct message_parser_limits *limits;
	unsigned int parts;
};

static struct istream *
chunked_stream(const uint8_t *data, size_t size, uint8_t control)
{
	struct istream *inputs[FUZZ_MAX_CHUNKS + 1], *input;
	struct fuzz_chunker chunker;
	size_t pos = 0;
	unsigned int n = 0;

	fuzz_chunker_init(&chunker, control);
	while (pos < size) {
		size_t len = n == FUZZ_MAX_CHUNKS - 1 ? size - pos :
			fuzz_chunker_next(&chunker, size - pos);

		inputs[n++] = i_stream_create_from_data(data + pos, len);
		pos += len;
	}
	inputs[n] = NULL;
	input = i_stream_create_concat(inputs);
	for (unsigned int i = 0; i < n; i++)
		i_stream_unref(&inputs[i]);
	return input;
}

static struct message_part *
parse(pool_t pool, struct istream *input, const struct fuzz_ctx *ctx)
{
	struct message_parser *parser =
		message_parser_create(pool, input, ctx->limits);
	unsigned int stalls = 0;
	int ret;

	while ((ret = message_parser_parse(parser)) == 0) {
		if (i_stream_read(input) > 0)
			stalls = 0;
		else if (++stalls > 2)
			fuzz_fail("parser wants more input at EOF or with a "
				  "full buffer");
	}
	if (ret < 0)
		fuzz_fail("input error on a memory stream");
	fuzz_check(input->v_offset == ctx->size);
	struct message_part *root = message_parser_get_root(parser);
	message_parser_destroy(&parser);
	return root;
}

/* Parentheses balance outside quoted strings and {n} literals. */
static void
check_balanced(const char *s, size_t len)
{
	int depth = 0;

	for (size_t i = 0; i < len; i++) {
		if (s[i] == '"') {
			for (i++; i < len && s[i] != '"'; i++) {
				if (s[i] == '\\')
					i++;
			}
		} else if (s[i] == '{') {
			uint64_t n;
			const char *end;

			fuzz_check(str_parse_uint64(s + i + 1, &n, &end) == 0);
			fuzz_check(end[0] == '}' && end[1] == '\r' &&
				   end[2] == '\n');
			i = (size_t)(end + 2 - s);
			fuzz_check(n <= len - i - 1);
			i += (size_t)n;
		} else if (s[i] == '(') {
			depth++;
		} else if (s[i] == ')') {
			fuzz_check(--depth >= 0);
		}
	}
	fuzz_check(depth == 0);
}

static void
decode_body(const struct fuzz_ctx *ctx, const struct message_part *part)
{
	enum message_cte cte =
		message_cte_parse(part->hdr.content_transfer_encoding);
	uoff_t start = part->physical_pos + part->header_size.physical_size;
	size_t size = (size_t)part->body_size.physical_size;
	const uint8_t *body = ctx->data + start;
	struct buffer *whole, *pieces;
	struct message_cte_decoder dec;
	struct fuzz_chunker chunker;
	bool broken;

	whole = buffer_create(system_pool, size + MESSAGE_CTE_MAX_PENDING, 0);
	broken = message_cte_decode_data(cte, body, size, whole);
	fuzz_check(whole->used <= size);

	pieces = buffer_create(system_pool, 64, 0);
	message_cte_decoder_init(&dec, cte);
	fuzz_chunker_init(&chunker, ctx->control);
	for (size_t pos = 0; pos < size; ) {
		size_t n = fuzz_chunker_next(&chunker, size - pos);

		fuzz_check(message_cte_decoder_more(&dec, body + pos, n,
						    pieces) == 0);
		pos += n;
	}
	fuzz_check(message_cte_decoder_finish(&dec, pieces) == 0);
	fuzz_check(dec.is_broken == broken);
	fuzz_check(pieces->used == whole->used &&
		   (whole->used == 0 ||
		    memcmp(pieces->data, whole->data, whole->used) == 0));
	buffer_free(&whole);
	buffer_free(&pieces);
}

static void
check_parts(struct fuzz_ctx *ctx, const struct message_part *part)
{
	for (; part != NULL; part = part->next) {
		uoff_t end = part->physical_pos +
			part->header_size.physical_size +
			part->body_size.physical_size;

		fuzz_check(++ctx->parts <= ctx->limits->max_parts + 1);
		fuzz_check(part->depth <= ctx->limits->max_depth + 1);
		fuzz_check(end <= ctx->size);
		fuzz_check(part->header_size.virtual_size >=
			   part->header_size.physical_size);
		fuzz_check(part->body_size.virtual_size >=
			   part->body_size.physical_size);
		if (part->children != NULL)
			check_parts(ctx, part->children);
		else
			decode_body(ctx, part);
	}
}

static const char *
describe(pool_t pool, const struct message_part *root)
{
	struct str *s = str_create(pool, 1024);

	imap_bodystructure_write(pool, root, s, true);
	check_balanced(str_c(s), str_len(s));
	str_append_c(s, '\n');
	size_t pos = str_len(s);
	imap_bodystructure_write(pool, root, s, false);
	check_balanced(str_c(s) + pos, str_len(s) - pos);
	str_append_c(s, '\n');
	pos = str_len(s);
	imap_envelope_write(pool, &root->hdr, s);
	check_balanced(str_c(s) + pos, str_len(s) - pos);
	return str_c(s);
}

int
LLVMFuzzerInitialize(int *argc ATTR_UNUSED, char ***argv ATTR_UNUSED)
{
	fuzz_lib_init("fuzz-message-parser");
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct message_parser_limits limits;
	struct fuzz_ctx ctx;
	struct istream *input;

	if (size < 1 || size > FUZZ_MAX_INPUT)
		return 0;
	message_parser_limits_default(&limits);
	if ((data[0] & 8) != 0) {
		limits.hdr.max_header_size = 256;
		limits.hdr.max_header_count = 8;
		limits.hdr.max_line_length = 80;
		limits.max_depth = 3;
		limits.max_parts = 8;
		limits.max_stored_header_bytes = 1024;
	}
	memset(&ctx, 0, sizeof(ctx));
	ctx.control = data[0];
	ctx.data = data + 1;
	ctx.size = size - 1;
	ctx.limits = &limits;

	pool_t pool = pool_create_arena("fuzz message", 8192);
	input = i_stream_create_from_data(ctx.data, ctx.size);
	struct message_part *root = parse(pool, input, &ctx);
	i_stream_destroy(&input);
	check_parts(&ctx, root);
	const char *whole = describe(pool, root);

	input = chunked_stream(ctx.data, ctx.size, ctx.control);
	root = parse(pool, input, &ctx);
	i_stream_destroy(&input);
	const char *pieces = describe(pool, root);
	if (strcmp(whole, pieces) != 0)
		fuzz_fail("chunked parse differs:\n%s\n---\n%s", whole,
			  pieces);
	pool_destroy(&pool);
	return 0;
}
