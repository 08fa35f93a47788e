/* SPDX-License-Identifier: MIT */
/* POP3 command parsing and dot-stuffing (pop3-command.h). */
#include "lib.h"
#include "pop3-command.h"

int
pop3_command_parse(pool_t pool, const char *line, struct pop3_command *cmd_r)
{
	size_t len = 0;

	memset(cmd_r, 0, sizeof(*cmd_r));
	while ((line[len] >= 'A' && line[len] <= 'Z') ||
	       (line[len] >= 'a' && line[len] <= 'z'))
		len++;
	if (len < 3 || len > 4 || (line[len] != '\0' && line[len] != ' '))
		return -1;
	char *keyword = p_strndup(pool, line, len);
	str_ucase_ascii(keyword);
	cmd_r->keyword = keyword;
	if (line[len] == '\0')
		return 0;
	char **args = p_strsplit_spaces(pool, line + len + 1, " ");
	for (unsigned int i = 0; args[i] != NULL; i++) {
		if (i >= POP3_MAX_ARGS)
			return -1;
		cmd_r->args[cmd_r->arg_count++] = args[i];
	}
	return 0;
}

int
pop3_parse_msgnum(const char *arg, uint32_t max, uint32_t *num_r)
{
	uint32_t num;

	if (arg == NULL || str_to_uint32(arg, &num) < 0 || num == 0 ||
	    num > max)
		return -1;
	*num_r = num;
	return 0;
}

int
pop3_parse_count(const char *arg, uint64_t *count_r)
{
	if (arg == NULL || str_to_uint64(arg, count_r) < 0)
		return -1;
	return 0;
}

void
pop3_dotstuff_init(struct pop3_dotstuff *ds)
{
	ds->at_line_start = true;
	ds->last_was_cr = false;
	ds->last_char = '\n';
}

void
pop3_dotstuff_append(struct pop3_dotstuff *ds, const void *data, size_t size,
		     struct str *dest)
{
	const unsigned char *p = data;
	size_t start = 0;

	for (size_t i = 0; i < size; i++) {
		if (ds->at_line_start && p[i] == '.') {
			str_append_n(dest, p + start, i - start);
			str_append_c(dest, '.');
			start = i;
		}
		ds->at_line_start = p[i] == '\n';
	}
	str_append_n(dest, p + start, size - start);
	if (size > 0) {
		ds->last_char = (char)p[size - 1];
		ds->last_was_cr = size >= 2 ? p[size - 2] == '\r' :
			ds->last_was_cr;
	}
}

void
pop3_dotstuff_finish(struct pop3_dotstuff *ds, struct str *dest)
{
	if (ds->last_char != '\n')
		str_append(dest, "\r\n");
	str_append(dest, ".\r\n");
}
