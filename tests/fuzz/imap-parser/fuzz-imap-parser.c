/* SPDX-License-Identifier: MIT */
/*
 * Fuzz the IMAP command parser (src/lib-imap/imap-parser.h) as a session
 * drives it, and the sequence-set parser on every atom it returns.
 *
 * Input: one control byte, then client bytes. The control byte picks the
 * limits (bit 3: the small login-like set or the imap process's set) and
 * the chunking (bits 0-2 and the PRNG seed): the client bytes arrive in
 * windows of random size, each window its own istream, exactly like
 * socket reads handed to imap_parser_set_input(). Every parsed command is
 * checked against the limits; recoverable errors are reset and parsing
 * goes on, a fatal one ends the input.
 *
 * Control byte bit 4 selects the sequence-set mode instead: the rest of
 * the input is one sequence set (up to its first NUL) for
 * imap_seq_set_parse(), normalized and checked.
 */
#include "lib.h"
#include "istream.h"
#include "imap-parser.h"
#include "imap-seqset.h"
#include "fuzz-common.h"

#define FUZZ_MAX_INPUT (128 * 1024)
#define FUZZ_MAX_SEQ_RANGES 64
/* consecutive non-zero parse results without consuming a byte */
#define FUZZ_MAX_STALLS 4

static const struct imap_parser_limits small_limits = {
	.max_line_length = 1024,
	.max_command_size = 8192,
	.max_tag_length = 16,
	.max_name_length = 16,
	.max_args = 32,
	.max_list_depth = 4,
	.max_quoted_length = 64,
	.max_literal_size = 100,
	.max_nonsync_literal_size = 50,
};

/* src/imap/imap-client.c with imap_max_line_length = 64k */
static const struct imap_parser_limits imap_limits = {
	.max_line_length = 65536,
	.max_command_size = 131072,
	.max_tag_length = 256,
	.max_name_length = 64,
	.max_args = 4096,
	.max_list_depth = 16,
	.max_quoted_length = 65536,
	.max_literal_size = 65536,
	.max_nonsync_literal_size = 4096,
};

struct fuzz_ctx {
	const struct imap_parser_limits *limits;
	struct imap_parser *parser;
	pool_t pool;
	unsigned int arg_count;
	bool fatal;
};

static void
check_seqset_ranges(const struct imap_seq_set *set)
{
	unsigned int count = array_count(&set->ranges);
	const struct imap_seq_range *r;

	if (count == 0)
		return;	/* "*" of an empty mailbox */
	r = array_idx(&set->ranges, 0);

	for (unsigned int i = 0; i < count; i++) {
		fuzz_check(r[i].seq1 != 0 && r[i].seq1 <= r[i].seq2);
		fuzz_check(imap_seq_set_contains(set, r[i].seq1));
		fuzz_check(imap_seq_set_contains(set, r[i].seq2));
		if (i + 1 < count) {
			fuzz_check(r[i].seq2 < r[i + 1].seq1);
			if (r[i].seq2 + 1 < r[i + 1].seq1)
				fuzz_check(!imap_seq_set_contains(
					set, r[i].seq2 + 1));
		}
	}
	if (r[0].seq1 > 1)
		fuzz_check(!imap_seq_set_contains(set, r[0].seq1 - 1));
	if (r[count - 1].seq2 < UINT32_MAX)
		fuzz_check(!imap_seq_set_contains(set, r[count - 1].seq2 + 1));
}

static void
check_seqset(pool_t pool, const char *str)
{
	struct imap_seq_set set;
	const char *error;

	if (imap_seq_set_parse(pool, str, FUZZ_MAX_SEQ_RANGES,
			       &set, &error) < 0) {
		fuzz_check(error != NULL);
		return;
	}
	fuzz_check(array_count(&set.ranges) > 0 &&
		   array_count(&set.ranges) <= FUZZ_MAX_SEQ_RANGES);
	/* "*" as an empty mailbox, a small one and the largest UID */
	uint32_t star = (uint32_t)strlen(str) % 3 == 0 ? 0 :
		(strlen(str) % 3 == 1 ? 7 : UINT32_MAX);
	imap_seq_set_normalize(&set, star);
	fuzz_check(!imap_seq_set_has_star(&set));
	check_seqset_ranges(&set);
}

static void
check_args(struct fuzz_ctx *ctx, const struct imap_arg *args,
	   unsigned int depth)
{
	const struct imap_parser_limits *limits = ctx->limits;
	const struct imap_arg *list;
	const char *str;

	for (; !imap_arg_is_eol(args); args++) {
		fuzz_check(++ctx->arg_count <= limits->max_args);
		if (args->type == IMAP_ARG_LIST) {
			fuzz_check(depth < limits->max_list_depth);
			fuzz_check(imap_arg_get_list(args, &list));
			fuzz_check(imap_args_count(list) == args->list_count);
			check_args(ctx, list, depth + 1);
			continue;
		}
		fuzz_check(args->str != NULL);
		fuzz_check(strlen(args->str) == args->str_len);
		fuzz_check(imap_arg_get_astring(args, &str) && str == args->str);
		switch (args->type) {
		case IMAP_ARG_NIL:
		case IMAP_ARG_ATOM:
			fuzz_check(args->str_len > 0);
			fuzz_check(imap_arg_get_atom(args, &str));
			check_seqset(ctx->pool, str);
			break;
		case IMAP_ARG_STRING:
			fuzz_check(args->str_len <= limits->max_quoted_length);
			fuzz_check(imap_arg_get_string(args, &str));
			break;
		case IMAP_ARG_LITERAL:
			fuzz_check(args->str_len <= limits->max_literal_size ||
				   args->str_len <=
				   limits->max_nonsync_literal_size);
			fuzz_check(args->str_len <= limits->max_command_size);
			fuzz_check(imap_arg_get_string(args, &str));
			break;
		default:
			fuzz_fail("unexpected argument type %d", args->type);
		}
	}
}

static void
check_command(struct fuzz_ctx *ctx, const char *tag, const char *name,
	      const struct imap_arg *args)
{
	fuzz_check(tag != NULL && name != NULL && args != NULL);
	fuzz_check(tag[0] != '\0' && strlen(tag) <= ctx->limits->max_tag_length);
	fuzz_check(name[0] != '\0' &&
		   strlen(name) <= ctx->limits->max_name_length);
	ctx->arg_count = 0;
	check_args(ctx, args, 0);
	pool_clear(ctx->pool);
}

/* Parse everything the window holds. Returns false on a fatal error. */
static bool
parse_window(struct fuzz_ctx *ctx, struct istream *input)
{
	const char *tag, *name, *error;
	const struct imap_arg *args;
	unsigned int stalls = 0;
	uoff_t last_offset = input->v_offset;
	bool fatal;
	int ret;

	for (;;) {
		ret = imap_parser_parse(ctx->parser, &tag, &name, &args);
		if (ret == 0) {
			if (imap_parser_need_continuation(ctx->parser))
				imap_parser_continuation_sent(ctx->parser);
			if (i_stream_read(input) < 0)
				return true;
			continue;
		}
		if (input->v_offset != last_offset) {
			last_offset = input->v_offset;
			stalls = 0;
		} else if (++stalls > FUZZ_MAX_STALLS) {
			fuzz_fail("parser returns %d without consuming input",
				  ret);
		}
		if (ret > 0) {
			check_command(ctx, tag, name, args);
			imap_parser_reset(ctx->parser);
			continue;
		}
		error = imap_parser_get_error(ctx->parser, NULL, &fatal);
		fuzz_check(error != NULL);
		(void)imap_parser_get_tag(ctx->parser);
		if (fatal)
			return false;
		imap_parser_reset(ctx->parser);
		/* a recoverable error is reset; -1 again only if fatal */
	}
}

int
LLVMFuzzerInitialize(int *argc ATTR_UNUSED, char ***argv ATTR_UNUSED)
{
	fuzz_lib_init("fuzz-imap-parser");
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_chunker chunker;
	struct fuzz_ctx ctx;
	size_t start = 0, end = 0;

	if (size < 1 || size > FUZZ_MAX_INPUT)
		return 0;
	if ((data[0] & 0x10) != 0) {
		pool_t pool = pool_create_arena("fuzz seqset", 1024);
		char *str = fuzz_strndup(data + 1, size - 1);

		check_seqset(pool, str);
		xfree(str);
		pool_destroy(&pool);
		return 0;
	}
	fuzz_chunker_init(&chunker, data[0]);
	memset(&ctx, 0, sizeof(ctx));
	ctx.limits = (data[0] & 8) != 0 ? &imap_limits : &small_limits;
	ctx.pool = pool_create_arena("fuzz seqset", 1024);
	ctx.parser = imap_parser_create(NULL, ctx.limits);
	data++; size--;

	/* windows [start, end): start = first byte not consumed yet; the
	   window grows by a random chunk each round, like socket reads */
	while (start < size) {
		size_t old_start = start;

		end = MAX(end, start);
		if (end < size)
			end += fuzz_chunker_next(&chunker, size - end);
		struct istream *input =
			i_stream_create_from_data(data + start, end - start);
		bool ok;

		imap_parser_set_input(ctx.parser, input);
		ok = parse_window(&ctx, input);
		(void)imap_parser_is_in_command(ctx.parser);
		start += (size_t)input->v_offset;
		i_stream_destroy(&input);
		if (!ok || (end == size && start == old_start))
			break;
	}
	imap_parser_destroy(&ctx.parser);
	pool_destroy(&ctx.pool);
	return 0;
}
