/* SPDX-License-Identifier: MIT */
/*
 * Fuzz the LMTP/SMTP command-line parser (src/lib-lmtp/
 * smtp-command-parser.h) and, on every MAIL and RCPT it returns, the path
 * parser (smtp-address.h: smtp_path_parse()).
 *
 * Input: one control byte, then client bytes. The control byte picks the
 * chunking (bits 0-2 and the PRNG seed; see fuzz-common.h) and the line
 * limit (bit 3: 64 bytes, else the 4096-byte default). Properties:
 *  - a parsed verb is upper-case and at most SMTP_COMMAND_MAX_NAME_LENGTH,
 *    verb and parameters never exceed the line limit nor contain CR/LF;
 *  - every error is recoverable: reset and parsing goes on;
 *  - an accepted path respects the RFC 5321 length limits, has no NUL, CR
 *    or LF, at most SMTP_MAX_PARAMS parameters, each findable, and
 *    smtp_address_encode() of it parses back to the same address.
 */
#include "lib.h"
#include "istream.h"
#include "smtp-command-parser.h"
#include "smtp-address.h"
#include "fuzz-common.h"

#define FUZZ_MAX_INPUT (64 * 1024)
#define FUZZ_MAX_STALLS 4

static void
check_reparse(pool_t pool, const struct smtp_path *path, const char *prefix,
	      bool allow_null)
{
	const char *enc = smtp_address_encode(pool, &path->address);
	const char *at = path->address.domain == NULL ? NULL :
		strrchr(enc, '@');
	size_t local_len = at == NULL ? strlen(enc) : (size_t)(at - enc);
	struct smtp_path again;
	const char *error;

	if (path->is_null) {
		fuzz_check(enc[0] == '\0');
		return;
	}
	const char *line = p_strdup_printf(pool, "%s<%s>", prefix, enc);
	if (smtp_path_parse(pool, line, prefix, allow_null, &again,
			    &error) < 0) {
		/* quoting may have made it longer than the limits */
		if (local_len <= SMTP_LOCALPART_MAX_LEN &&
		    strlen(enc) + 2 <= SMTP_PATH_MAX_LEN)
			fuzz_fail("encoded path does not parse: %s (%s)",
				  line, error);
		return;
	}
	fuzz_check(!again.is_null);
	fuzz_check(strcmp(again.address.localpart,
			  path->address.localpart) == 0);
	fuzz_check((again.address.domain == NULL) ==
		   (path->address.domain == NULL));
	if (again.address.domain != NULL)
		fuzz_check(strcmp(again.address.domain,
				  path->address.domain) == 0);
}

static void
check_path(pool_t pool, const char *params, const char *prefix,
	   bool allow_null)
{
	struct smtp_path path;
	const char *error;

	if (smtp_path_parse(pool, params, prefix, allow_null, &path,
			    &error) < 0) {
		fuzz_check(error != NULL);
		return;
	}
	fuzz_check(allow_null || !path.is_null);
	fuzz_check(strpbrk(path.address.localpart, "\r\n") == NULL);
	if (path.address.domain != NULL) {
		fuzz_check(strlen(path.address.domain) <= SMTP_DOMAIN_MAX_LEN);
		fuzz_check(strpbrk(path.address.domain, "\r\n") == NULL);
	}
	fuzz_check(path.param_count <= SMTP_MAX_PARAMS);
	for (unsigned int i = 0; i < path.param_count; i++) {
		const struct smtp_param *param = &path.params[i];

		fuzz_check(param->keyword != NULL && param->keyword[0] != '\0');
		fuzz_check(smtp_path_find_param(&path, param->keyword) != NULL);
		if (param->value != NULL)
			fuzz_check(strlen(param->value) <=
				   SMTP_PARAM_VALUE_MAX_LEN);
	}
	check_reparse(pool, &path, prefix, allow_null);
}

static void
check_command(pool_t pool, size_t max_line, const char *name,
	      const char *params)
{
	size_t name_len = strlen(name);

	fuzz_check(name_len > 0 && name_len <= SMTP_COMMAND_MAX_NAME_LENGTH);
	for (const char *p = name; *p != '\0'; p++)
		fuzz_check(!(*p >= 'a' && *p <= 'z'));
	fuzz_check(name_len + strlen(params) <= max_line);
	fuzz_check(strpbrk(params, "\r\n") == NULL);
	if (strcmp(name, "MAIL") == 0)
		check_path(pool, params, "FROM:", true);
	else if (strcmp(name, "RCPT") == 0)
		check_path(pool, params, "TO:", false);
	pool_clear(pool);
}

/* Parse everything the window holds. */
static void
parse_window(struct smtp_command_parser *parser, struct istream *input,
	     pool_t pool, size_t max_line)
{
	const char *name, *params;
	unsigned int stalls = 0;
	uoff_t last_offset = input->v_offset;
	int ret;

	for (;;) {
		ret = smtp_command_parser_parse(parser, &name, &params);
		if (ret == 0) {
			if (i_stream_read(input) < 0)
				return;
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
			check_command(pool, max_line, name, params);
		} else {
			fuzz_check(smtp_command_parser_get_error(parser, NULL)
				   != NULL);
		}
		smtp_command_parser_reset(parser);
	}
}

int
LLVMFuzzerInitialize(int *argc ATTR_UNUSED, char ***argv ATTR_UNUSED)
{
	fuzz_lib_init("fuzz-smtp-command");
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct smtp_command_limits limits;
	struct smtp_command_parser *parser;
	struct fuzz_chunker chunker;
	size_t start = 0, end = 0;
	pool_t pool;

	if (size < 1 || size > FUZZ_MAX_INPUT)
		return 0;
	fuzz_chunker_init(&chunker, data[0]);
	limits.max_line_length = (data[0] & 8) != 0 ? 64 :
		SMTP_COMMAND_DEFAULT_MAX_LINE_LENGTH;
	pool = pool_create_arena("fuzz smtp", 1024);
	parser = smtp_command_parser_create(NULL, &limits);
	data++; size--;

	while (start < size) {
		size_t old_start = start;

		end = MAX(end, start);
		if (end < size)
			end += fuzz_chunker_next(&chunker, size - end);
		struct istream *input =
			i_stream_create_from_data(data + start, end - start);

		smtp_command_parser_set_input(parser, input);
		parse_window(parser, input, pool, limits.max_line_length);
		(void)smtp_command_parser_is_in_command(parser);
		start += (size_t)input->v_offset;
		i_stream_destroy(&input);
		if (end == size && start == old_start)
			break;
	}
	smtp_command_parser_destroy(&parser);
	pool_destroy(&pool);
	return 0;
}
