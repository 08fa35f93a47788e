/* SPDX-License-Identifier: MIT */
/* POP3 UIDL formats with Dovecot's %-variables (pop3-uidl.h). */
#include "lib.h"
#include "pop3-uidl.h"

/* Modifiers per variable; a value is cut to this many bytes before the
   modifiers run (file names are at most NAME_MAX). */
#define UIDL_MAX_MODIFIERS 8
#define UIDL_MAX_VALUE 300
/* C can triple a value: room for that and the padding. */
#define UIDL_VALUE_BUF (UIDL_MAX_VALUE * 3 + POP3_UIDL_MAX_WIDTH + 1)

struct uidl_element {
	/* '\0': the literal text format[lit_start..lit_start+lit_len) */
	char var;
	bool zero_pad;
	unsigned int width;
	unsigned int modifier_count;
	char modifiers[UIDL_MAX_MODIFIERS];
	size_t lit_start, lit_len;
};

struct pop3_uidl_format {
	char *format;
	struct uidl_element *elements;
	unsigned int count;
	bool needs_md5, uid_based;
};

static bool
is_modifier(char c)
{
	return c == 'X' || c == 'U' || c == 'L' || c == 'C';
}

static bool
is_variable(char c)
{
	return c == 'u' || c == 'v' || c == 'f' || c == 'g' || c == 'm';
}

/* One %-sequence starting after the '%' at *pos. */
static int
parse_variable(struct pop3_uidl_format *fmt, size_t *pos,
	       struct uidl_element *el, const char **error_r)
{
	const char *p = fmt->format + *pos;

	if (*p == '0') {
		el->zero_pad = true;
		p++;
	}
	while (*p >= '0' && *p <= '9') {
		el->width = el->width * 10 + (unsigned int)(*p - '0');
		if (el->width > POP3_UIDL_MAX_WIDTH) {
			*error_r = "width too large (at most 64)";
			return -1;
		}
		p++;
	}
	while (is_modifier(*p)) {
		if (el->modifier_count == UIDL_MAX_MODIFIERS) {
			*error_r = "too many modifiers";
			return -1;
		}
		el->modifiers[el->modifier_count++] = *p++;
	}
	if (*p == '\0') {
		*error_r = "'%' without a variable at the end";
		return -1;
	}
	if (!is_variable(*p)) {
		*error_r = "unknown variable (expected %u %v %f %g %m or %%)";
		return -1;
	}
	el->var = *p++;
	if (el->var == 'm')
		fmt->needs_md5 = true;
	if (el->var != 'u' && el->var != 'v')
		fmt->uid_based = false;
	*pos = (size_t)(p - fmt->format);
	return 0;
}

static int
parse_elements(struct pop3_uidl_format *fmt, const char **error_r)
{
	size_t pos = 0;

	while (fmt->format[pos] != '\0') {
		struct uidl_element *el = &fmt->elements[fmt->count++];

		if (fmt->format[pos] == '%' && fmt->format[pos + 1] == '%') {
			el->lit_start = pos + 1;
			el->lit_len = 1;
			pos += 2;
		} else if (fmt->format[pos] == '%') {
			pos++;
			if (parse_variable(fmt, &pos, el, error_r) < 0)
				return -1;
		} else {
			el->lit_start = pos;
			while (fmt->format[pos] != '\0' &&
			       fmt->format[pos] != '%')
				pos++;
			el->lit_len = pos - el->lit_start;
		}
	}
	return 0;
}

struct pop3_uidl_format *
pop3_uidl_format_parse(const char *format, const char **error_r)
{
	struct pop3_uidl_format *fmt;
	size_t len = strlen(format);

	if (len == 0) {
		*error_r = "empty UIDL format";
		return NULL;
	}
	if (len > POP3_UIDL_FORMAT_MAX_LENGTH) {
		*error_r = "UIDL format too long";
		return NULL;
	}
	fmt = xcalloc(1, sizeof(*fmt));
	fmt->format = xstrdup(format);
	fmt->elements = xcalloc(len, sizeof(*fmt->elements));
	fmt->uid_based = true;
	if (parse_elements(fmt, error_r) < 0) {
		pop3_uidl_format_free(&fmt);
		return NULL;
	}
	return fmt;
}

void
pop3_uidl_format_free(struct pop3_uidl_format **_fmt)
{
	struct pop3_uidl_format *fmt = *_fmt;

	if (fmt == NULL)
		return;
	*_fmt = NULL;
	xfree(fmt->elements);
	xfree(fmt->format);
	xfree(fmt);
}

bool
pop3_uidl_format_needs_md5(const struct pop3_uidl_format *fmt)
{
	return fmt->needs_md5;
}

bool
pop3_uidl_format_is_uid_based(const struct pop3_uidl_format *fmt)
{
	return fmt->uid_based;
}

/* num in decimal or lower-case hex into buf; returns the length. */
static size_t
write_number(char *buf, uint64_t num, unsigned int base)
{
	static const char digits[] = "0123456789abcdef";
	char tmp[24];
	size_t len = 0;

	do {
		tmp[len++] = digits[num % base];
		num /= base;
	} while (num > 0);
	for (size_t i = 0; i < len; i++)
		buf[i] = tmp[len - 1 - i];
	buf[len] = '\0';
	return len;
}

/* The raw value of a variable into buf (NUL-terminated), cut to
   UIDL_MAX_VALUE bytes. */
static size_t
raw_value(char var, const struct pop3_uidl_values *values, char *buf)
{
	const char *str;
	size_t len;

	switch (var) {
	case 'u':
		return write_number(buf, values->uid, 10);
	case 'v':
		return write_number(buf, values->uidvalidity, 10);
	case 'f':
		str = values->filename;
		break;
	case 'g':
		str = values->guid;
		break;
	default:
		str = values->md5_hex;
		break;
	}
	if (str == NULL)
		str = "";
	len = strnlen(str, UIDL_MAX_VALUE);
	memcpy(buf, str, len);
	buf[len] = '\0';
	return len;
}

static size_t
modify_hex(char *buf)
{
	uint64_t num = 0;

	/* Dovecot parses the value as a decimal number (0 if it is not) */
	for (const char *p = buf; *p != '\0'; p++) {
		if (*p < '0' || *p > '9' || num > (UINT64_MAX - 9) / 10) {
			num = 0;
			break;
		}
		num = num * 10 + (uint64_t)(*p - '0');
	}
	return write_number(buf, num, 16);
}

static size_t
modify_courier(char *buf, size_t len)
{
	static const char hex[] = "0123456789ABCDEF";
	char tmp[UIDL_MAX_VALUE + 1];
	size_t out = 0;

	len = MIN(len, UIDL_MAX_VALUE);
	memcpy(tmp, buf, len);
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)tmp[i];

		if (c < 0x21 || c > 0x7e || c == '\'' || c == '"' ||
		    c == '+') {
			buf[out++] = '+';
			buf[out++] = hex[c >> 4];
			buf[out++] = hex[c & 15];
		} else {
			buf[out++] = (char)c;
		}
	}
	buf[out] = '\0';
	return out;
}

static size_t
apply_modifier(char modifier, char *buf, size_t len)
{
	switch (modifier) {
	case 'X':
		return modify_hex(buf);
	case 'U':
		str_ucase_ascii(buf);
		return len;
	case 'L':
		str_lcase_ascii(buf);
		return len;
	default:
		return modify_courier(buf, len);
	}
}

/* Append bytes, keeping the UIDL within 0x21..0x7e. */
static void
append_safe(struct str *dest, const char *data, size_t len)
{
	static const char hex[] = "0123456789ABCDEF";

	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)data[i];

		if (c >= 0x21 && c <= 0x7e) {
			str_append_c(dest, (char)c);
		} else {
			str_append_c(dest, '+');
			str_append_c(dest, hex[c >> 4]);
			str_append_c(dest, hex[c & 15]);
		}
	}
}

static void
write_variable(const struct uidl_element *el,
	       const struct pop3_uidl_values *values, struct str *dest)
{
	char buf[UIDL_VALUE_BUF];
	size_t len = raw_value(el->var, values, buf);

	for (unsigned int i = 0; i < el->modifier_count; i++)
		len = apply_modifier(el->modifiers[i], buf, len);
	if (el->zero_pad) {
		for (size_t i = len; i < el->width; i++)
			str_append_c(dest, '0');
	} else if (el->width > 0 && len > el->width) {
		len = el->width;
	}
	append_safe(dest, buf, len);
}

void
pop3_uidl_format_write(const struct pop3_uidl_format *fmt,
		       const struct pop3_uidl_values *values,
		       struct str *dest)
{
	size_t start = str_len(dest);

	for (unsigned int i = 0; i < fmt->count; i++) {
		const struct uidl_element *el = &fmt->elements[i];

		if (el->var == '\0') {
			append_safe(dest, fmt->format + el->lit_start,
				    el->lit_len);
		} else {
			write_variable(el, values, dest);
		}
	}
	if (str_len(dest) == start)
		str_append_c(dest, '+');
}
