/* SPDX-License-Identifier: MIT */
/* POP3 status lines and dot-stuffing (pop3-response.h). */
#include "lib.h"
#include "pop3-response.h"

void
pop3_response_append(struct str *dest, bool ok, const char *text)
{
	size_t max = str_len(dest) + POP3_RESPONSE_MAX_LINE_LENGTH - 2;

	str_append(dest, ok ? "+OK" : "-ERR");
	if (text != NULL && *text != '\0') {
		str_append_c(dest, ' ');
		for (const unsigned char *p = (const unsigned char *)text;
		     *p != '\0' && str_len(dest) < max; p++)
			str_append_c(dest, *p < 32 || *p == 127 ? '?' :
				     (char)*p);
	}
	str_append(dest, "\r\n");
}

void
pop3_dotstuff_init(struct pop3_dotstuff *ds)
{
	ds->at_line_start = true;
	ds->last_char = '\n';
}

void
pop3_dotstuff_append(struct pop3_dotstuff *ds, const void *data, size_t size,
		     struct str *dest)
{
	const unsigned char *p = data, *nl;
	size_t start = 0, i = 0;

	/* jump from line start to line start: only those bytes matter */
	while (i < size) {
		if (ds->at_line_start && p[i] == '.') {
			/* copy up to and including this dot, then the dot
			   again from the next run */
			str_append_n(dest, p + start, i - start);
			str_append_c(dest, '.');
			start = i;
		}
		nl = memchr(p + i, '\n', size - i);
		if (nl == NULL) {
			ds->at_line_start = false;
			break;
		}
		i = (size_t)(nl - p) + 1;
		ds->at_line_start = true;
	}
	str_append_n(dest, p + start, size - start);
	if (size > 0)
		ds->last_char = p[size - 1];
}

void
pop3_dotstuff_finish(struct pop3_dotstuff *ds, struct str *dest)
{
	if (ds->last_char != '\n')
		str_append(dest, "\r\n");
	str_append(dest, ".\r\n");
}
