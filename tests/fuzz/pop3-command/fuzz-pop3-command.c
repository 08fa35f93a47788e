/* SPDX-License-Identifier: MIT */
/*
 * Fuzz the POP3 command-line parser (src/lib-pop3/pop3-command-parser.h)
 * and the number parsers used on its arguments (pop3_parse_msgnum(),
 * pop3_parse_count()).
 *
 * Input: one control byte, then client bytes. The control byte picks the
 * chunking (bits 0-2 and the PRNG seed; see fuzz-common.h) and the line
 * limit (bit 3: 32 bytes, else 255, RFC 2449's). Properties:
 *  - a parsed keyword is upper-case, 1..POP3_COMMAND_MAX_NAME_LENGTH;
 *  - args is NULL-terminated after arg_count <= POP3_COMMAND_MAX_ARGS
 *    non-empty words without spaces; no CR, LF or NUL anywhere;
 *  - every error is recoverable: reset and parsing goes on;
 *  - an accepted message number is 1..max and is all digits.
 */
#include "lib.h"
#include "istream.h"
#include "pop3-command-parser.h"
#include "fuzz-common.h"

#define FUZZ_MAX_INPUT (64 * 1024)
#define FUZZ_MAX_STALLS 4

static bool
is_digits(const char *str)
{
	if (*str == '\0')
		return false;
	for (; *str != '\0'; str++) {
		if (*str < '0' || *str > '9')
			return false;
	}
	return true;
}

static void
check_numbers(const char *arg)
{
	uint32_t num;

	if (pop3_parse_msgnum(arg, 1000, &num) == 0)
		fuzz_check(num >= 1 && num <= 1000 && is_digits(arg));
	if (pop3_parse_msgnum(arg, UINT32_MAX, &num) == 0)
		fuzz_check(num >= 1 && is_digits(arg));
	if (pop3_parse_count(arg, &num) == 0)
		fuzz_check(is_digits(arg));
}

static void
check_command(const struct pop3_command *cmd, size_t max_line)
{
	size_t name_len = strlen(cmd->name);

	fuzz_check(name_len > 0 && name_len <= POP3_COMMAND_MAX_NAME_LENGTH);
	for (const char *p = cmd->name; *p != '\0'; p++)
		fuzz_check(!(*p >= 'a' && *p <= 'z'));
	fuzz_check(cmd->params != NULL && strlen(cmd->params) <= max_line);
	fuzz_check(strpbrk(cmd->params, "\r\n") == NULL);
	fuzz_check(cmd->arg_count <= POP3_COMMAND_MAX_ARGS);
	fuzz_check(cmd->args != NULL && cmd->args[cmd->arg_count] == NULL);
	for (unsigned int i = 0; i < cmd->arg_count; i++) {
		fuzz_check(cmd->args[i][0] != '\0');
		fuzz_check(strpbrk(cmd->args[i], " \r\n") == NULL);
		check_numbers(cmd->args[i]);
	}
}

static void
parse_window(struct pop3_command_parser *parser, struct istream *input,
	     size_t max_line)
{
	struct pop3_command cmd;
	unsigned int stalls = 0;
	uoff_t last_offset = input->v_offset;
	int ret;

	for (;;) {
		ret = pop3_command_parser_parse(parser, &cmd);
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
			check_command(&cmd, max_line);
		} else {
			fuzz_check(pop3_command_parser_get_error(parser, NULL)
				   != NULL);
		}
		pop3_command_parser_reset(parser);
	}
}

int
LLVMFuzzerInitialize(int *argc ATTR_UNUSED, char ***argv ATTR_UNUSED)
{
	fuzz_lib_init("fuzz-pop3-command");
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pop3_command_limits limits;
	struct pop3_command_parser *parser;
	struct fuzz_chunker chunker;
	size_t start = 0, end = 0;

	if (size < 1 || size > FUZZ_MAX_INPUT)
		return 0;
	fuzz_chunker_init(&chunker, data[0]);
	limits.max_line_length = (data[0] & 8) != 0 ? 32 : 255;
	parser = pop3_command_parser_create(NULL, &limits);
	data++; size--;

	while (start < size) {
		size_t old_start = start;

		end = MAX(end, start);
		if (end < size)
			end += fuzz_chunker_next(&chunker, size - end);
		struct istream *input =
			i_stream_create_from_data(data + start, end - start);

		pop3_command_parser_set_input(parser, input);
		parse_window(parser, input, limits.max_line_length);
		start += (size_t)input->v_offset;
		i_stream_destroy(&input);
		if (end == size && start == old_start)
			break;
	}
	pop3_command_parser_destroy(&parser);
	return 0;
}
