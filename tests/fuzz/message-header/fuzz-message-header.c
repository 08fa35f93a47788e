/* SPDX-License-Identifier: MIT */
/*
 * Fuzz the streaming RFC 5322 header parser
 * (src/lib-mail/message-header-parser.h).
 *
 * Input: one control byte, then the message. The control byte picks the
 * chunking (bits 0-2 and the PRNG seed; see fuzz-common.h) and the limits
 * (bit 3: tiny limits, so every limit path is reached). Properties:
 *  - the parser always finishes (1 with NULL field) once the input is at
 *    EOF, and never returns 0 twice without new input;
 *  - every field has a non-empty name without ':' or whitespace at its
 *    end, a NUL-terminated value of value_len bytes without CR, LF or
 *    NUL, and a value no longer than the size limit;
 *  - at most max_header_count fields; the header size is at most the
 *    input size and its virtual size at most twice that;
 *  - the fields and sizes are the same for the whole input in one piece
 *    and for the chunked input (any split gives the same result).
 */
#include "lib.h"
#include "istream.h"
#include "message-header-parser.h"
#include "fuzz-common.h"

#define FUZZ_MAX_INPUT (64 * 1024)
#define FUZZ_MAX_CHUNKS 4096

static void
check_field(const struct message_header_field *f,
	    const struct message_header_limits *limits)
{
	size_t name_len = strlen(f->name);

	fuzz_check(name_len > 0);
	fuzz_check(f->name[name_len - 1] != ' ' &&
		   f->name[name_len - 1] != '\t');
	fuzz_check(strchr(f->name, ':') == NULL);
	fuzz_check(f->value[f->value_len] == '\0');
	fuzz_check(memchr(f->value, '\0', f->value_len) == NULL);
	fuzz_check(memchr(f->value, '\n', f->value_len) == NULL);
	/* a NUL is stored as U+FFFD: 3 bytes for 1 counted */
	fuzz_check(f->value_len <= limits->max_header_size * 3);
}

/* Parse everything from input; the fields are described into out. */
static void
parse_all(struct istream *input, const struct message_header_limits *limits,
	  struct str *out)
{
	struct message_header_parser *parser =
		message_header_parser_create(input, limits);
	const struct message_header_field *field;
	struct message_size size;
	unsigned int count = 0, stalls = 0;
	int ret;

	for (;;) {
		ret = message_header_parser_parse(parser, &field);
		if (ret < 0)
			fuzz_fail("input error on a memory stream");
		if (ret == 0) {
			if (i_stream_read(input) > 0)
				stalls = 0;
			else if (++stalls > 2)
				fuzz_fail("parser wants more input at EOF "
					  "or with a full buffer");
			continue;
		}
		if (field == NULL)
			break;
		check_field(field, limits);
		fuzz_check(++count <= limits->max_header_count);
		str_printfa(out, "%s%s:%zu:", field->name,
			    field->truncated ? "(t)" : "", field->value_len);
		str_append_n(out, field->value, field->value_len);
		str_append_c(out, '\n');
	}
	message_header_parser_get_size(parser, &size);
	str_printfa(out, "size %llu %llu %llu broken %d\n",
		    (unsigned long long)size.physical_size,
		    (unsigned long long)size.virtual_size,
		    (unsigned long long)size.lines,
		    message_header_parser_is_broken(parser));
	message_header_parser_destroy(&parser);
}

/* A stream that returns the data in the chunker's pieces. */
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

int
LLVMFuzzerInitialize(int *argc ATTR_UNUSED, char ***argv ATTR_UNUSED)
{
	fuzz_lib_init("fuzz-message-header");
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct message_header_limits limits = {
		MESSAGE_HEADER_MAX_SIZE, MESSAGE_HEADER_MAX_COUNT,
		MESSAGE_MAX_LINE_LENGTH,
	};
	struct istream *input;

	if (size < 1 || size > FUZZ_MAX_INPUT)
		return 0;
	uint8_t control = data[0];
	data++; size--;
	if ((control & 8) != 0) {
		limits.max_header_size = 64;
		limits.max_header_count = 3;
		limits.max_line_length = 40;
	}
	pool_t pool = pool_create_arena("fuzz header", 4096);
	struct str *whole = str_create(pool, 1024);
	struct str *pieces = str_create(pool, 1024);

	input = i_stream_create_from_data(data, size);
	parse_all(input, &limits, whole);
	fuzz_check(input->v_offset <= size);
	i_stream_destroy(&input);

	input = chunked_stream(data, size, control);
	parse_all(input, &limits, pieces);
	i_stream_destroy(&input);
	if (strcmp(str_c(whole), str_c(pieces)) != 0)
		fuzz_fail("chunked parse differs:\n%s---\n%s", str_c(whole),
			  str_c(pieces));
	pool_destroy(&pool);
	return 0;
}
