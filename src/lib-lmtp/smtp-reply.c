/* SPDX-License-Identifier: MIT */
/* SMTP/LMTP reply writing (smtp-reply.h). */
#include "lib.h"
#include "smtp-reply.h"

void
smtp_reply_append(struct str *dest, unsigned int code, const char *enhanced,
		  const char *text, bool is_last)
{
	size_t start = str_len(dest), max;

	lib_assert(code >= 200 && code <= 599);
	str_printfa(dest, "%u%c", code, is_last ? ' ' : '-');
	if (enhanced != NULL) {
		str_append(dest, enhanced);
		str_append_c(dest, ' ');
	}
	max = start + SMTP_REPLY_MAX_LINE_LENGTH - 2;
	for (const unsigned char *p = (const unsigned char *)text;
	     *p != '\0' && str_len(dest) < max; p++)
		str_append_c(dest, *p < 32 || *p == 127 ? '?' : (char)*p);
	str_append(dest, "\r\n");
}

void
smtp_reply_appendf(struct str *dest, unsigned int code, const char *enhanced,
		   const char *fmt, ...)
{
	struct str *text = str_create(system_pool, 128);
	va_list args;

	va_start(args, fmt);
	str_vprintfa(text, fmt, args);
	va_end(args);
	smtp_reply_append(dest, code, enhanced, str_c(text), true);
	str_free(&text);
}
