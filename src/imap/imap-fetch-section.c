/* SPDX-License-Identifier: MIT */
/* FETCH BODY[section] parsing and resolution (imap-fetch-section.h). */
#include "lib.h"
#include "istream.h"
#include "imap-parser.h"
#include "imap-mime-cache.h"
#include "imap-fetch-section.h"

static bool
parse_path(struct imap_section *sec, const char **p, const char **error_r)
{
	const char *s = *p;

	while (*s >= '0' && *s <= '9') {
		uint64_t num = 0;

		/* nz-number = digit-nz *DIGIT */
		if (*s == '0') {
			*error_r = "Invalid section part number.";
			return false;
		}
		while (*s >= '0' && *s <= '9') {
			num = num * 10 + (uint64_t)(*s - '0');
			if (num > UINT32_MAX) {
				*error_r = "Section part number too big.";
				return false;
			}
			s++;
		}
		if (sec->path_len >= IMAP_SECTION_MAX_PATH) {
			*error_r = "Section nested too deep.";
			return false;
		}
		sec->path[sec->path_len++] = (uint32_t)num;
		if (*s != '.')
			break;
		s++;
		if (*s == '\0') {
			*error_r = "Invalid section.";
			return false;
		}
	}
	*p = s;
	return true;
}

static bool
field_name_valid(const char *name)
{
	/* RFC 5322 §3.6.8 ftext: printable US-ASCII except ':' */
	if (*name == '\0' || strlen(name) > IMAP_SECTION_MAX_FIELD_NAME)
		return false;
	for (; *name != '\0'; name++) {
		if (*name < 0x21 || *name > 0x7e || *name == ':')
			return false;
	}
	return true;
}

static bool
parse_fields(pool_t pool, const struct imap_arg *arg,
	     struct imap_section *sec, struct str *spec,
	     const char **error_r)
{
	const struct imap_arg *list;
	unsigned int count;

	*error_r = "HEADER.FIELDS needs a list of field names.";
	if (arg == NULL || !imap_arg_get_list(arg, &list) ||
	    imap_arg_is_eol(list))
		return false;
	count = imap_args_count(list);
	if (count > IMAP_SECTION_MAX_FIELDS) {
		*error_r = "Too many header field names.";
		return false;
	}
	sec->fields = p_malloc(pool, sizeof(*sec->fields) * count);
	str_append(spec, " (");
	for (unsigned int i = 0; i < count; i++) {
		const char *name;
		char *upper;

		if (!imap_arg_get_astring(&list[i], &name) ||
		    !field_name_valid(name)) {
			*error_r = "Invalid header field name.";
			return false;
		}
		upper = p_strdup(pool, name);
		str_ucase_ascii(upper);
		sec->fields[i] = upper;
		str_append(spec, i == 0 ? "" : " ");
		str_append(spec, upper);
	}
	str_append_c(spec, ')');
	sec->field_count = count;
	return true;
}

static bool
parse_text(struct imap_section *sec, const char *text, bool *fields_r)
{
	*fields_r = false;
	if (*text == '\0')
		sec->kind = sec->path_len > 0 ? IMAP_SECTION_PART :
			IMAP_SECTION_ALL;
	else if (strcmp(text, "HEADER") == 0)
		sec->kind = IMAP_SECTION_HEADER;
	else if (strcmp(text, "TEXT") == 0)
		sec->kind = IMAP_SECTION_TEXT;
	else if (strcmp(text, "MIME") == 0 && sec->path_len > 0)
		sec->kind = IMAP_SECTION_MIME;
	else if (strcmp(text, "HEADER.FIELDS") == 0)
		sec->kind = IMAP_SECTION_HEADER_FIELDS;
	else if (strcmp(text, "HEADER.FIELDS.NOT") == 0)
		sec->kind = IMAP_SECTION_HEADER_FIELDS_NOT;
	else
		return false;
	*fields_r = sec->kind == IMAP_SECTION_HEADER_FIELDS ||
		sec->kind == IMAP_SECTION_HEADER_FIELDS_NOT;
	return true;
}

bool
imap_section_parse(pool_t pool, const char *spec_in,
		   const struct imap_arg *fields,
		   struct imap_section *sec, const char **error_r)
{
	struct str *spec = str_create(pool, 64);
	const char *p = spec_in;
	bool want_fields;

	memset(sec, 0, sizeof(*sec));
	if (!parse_path(sec, &p, error_r))
		return false;
	if (!parse_text(sec, p, &want_fields)) {
		*error_r = "Invalid section.";
		return false;
	}
	str_append(spec, spec_in);
	if (want_fields) {
		if (!parse_fields(pool, fields, sec, spec, error_r))
			return false;
	} else if (fields != NULL) {
		*error_r = "Unexpected list in section.";
		return false;
	}
	sec->spec = str_c(spec);
	return true;
}

static const struct imap_mime_part *
nth_child(const struct imap_mime_part *part, uint32_t n)
{
	const struct imap_mime_part *c = part->children;

	for (; c != NULL && n > 1; n--)
		c = c->next;
	return c;
}

/* RFC 3501 §6.4.5: part numbers of a message/rfc822 part go inside the
   message it holds; a message that is not multipart has only part 1 (its
   body). NULL if there is no such part. */
static const struct imap_mime_part *
find_part(const struct imap_section *sec, const struct imap_mime_part *root)
{
	const struct imap_mime_part *cur = root;

	for (unsigned int i = 0; i < sec->path_len; i++) {
		bool msg_root = i == 0;

		if (i > 0 && cur->is_message) {
			cur = cur->children;
			msg_root = true;
		}
		if (cur->is_multipart)
			cur = nth_child(cur, sec->path[i]);
		else if (!msg_root || sec->path[i] != 1)
			return NULL;
		if (cur == NULL)
			return NULL;
	}
	return cur;
}

const struct imap_mime_part *
imap_section_find_part(const struct imap_section *sec,
		       const struct imap_mime_msg *msg)
{
	return find_part(sec, msg->root);
}

int
imap_section_resolve(const struct imap_section *sec,
		     const struct imap_mime_msg *msg,
		     uoff_t *offset_r, uoff_t *size_r)
{
	const struct imap_mime_part *part = find_part(sec, msg->root);
	const struct imap_mime_part *m;

	if (part == NULL)
		return 0;
	switch (sec->kind) {
	case IMAP_SECTION_ALL:
	case IMAP_SECTION_PART:
		*offset_r = part->hdr_pos + part->hdr_size;
		*size_r = part->body_size;
		return 1;
	case IMAP_SECTION_MIME:
		*offset_r = part->hdr_pos;
		*size_r = part->hdr_size;
		return 1;
	default:
		break;
	}
	/* HEADER, TEXT, HEADER.FIELDS[.NOT]: of the message itself, or of
	   the message a message/rfc822 part holds */
	m = sec->path_len == 0 ? part : part->is_message ? part->children :
		NULL;
	if (m == NULL)
		return -1;
	if (sec->kind == IMAP_SECTION_TEXT) {
		*offset_r = m->hdr_pos + m->hdr_size;
		*size_r = m->body_size;
	} else {
		*offset_r = m->hdr_pos;
		*size_r = m->hdr_size;
	}
	return 1;
}

/* upper: an upper-case name of len bytes; ASCII case-insensitive. */
static bool
name_equals(const char *upper, const unsigned char *name, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = name[i];

		if (c >= 'a' && c <= 'z')
			c = (unsigned char)(c - 'a' + 'A');
		if ((unsigned char)upper[i] != c)
			return false;
	}
	return true;
}

static bool
field_selected(const struct imap_section *sec, const unsigned char *line,
	       size_t len)
{
	const unsigned char *colon = memchr(line, ':', len);
	size_t name_len;
	bool found = false;

	if (colon == NULL)
		return false;	/* not a field */
	name_len = (size_t)(colon - line);
	while (name_len > 0 && (line[name_len - 1] == ' ' ||
				line[name_len - 1] == '\t'))
		name_len--;
	for (unsigned int i = 0; i < sec->field_count && !found; i++) {
		found = strlen(sec->fields[i]) == name_len &&
			name_equals(sec->fields[i], line, name_len);
	}
	return sec->kind == IMAP_SECTION_HEADER_FIELDS ? found : !found;
}

/* Select whole fields (with their continuation lines) from complete
   header lines in data. */
static void
filter_lines(const struct imap_section *sec, const unsigned char *data,
	     size_t size, struct str *dest)
{
	bool selected = false;

	while (size > 0) {
		const unsigned char *lf = memchr(data, '\n', size);
		size_t len;

		if (lf == NULL)
			break;	/* cut at the scan limit: opaque */
		len = (size_t)(lf - data) + 1;
		if (len <= 2 && (len == 1 || data[0] == '\r'))
			break;	/* the blank line */
		if (data[0] != ' ' && data[0] != '\t')
			selected = field_selected(sec, data, len);
		if (selected)
			str_append_n(dest, data, len);
		data += len;
		size -= len;
	}
	str_append(dest, "\r\n");
}

int
imap_section_filter_header(const struct imap_section *sec,
			   struct istream *input, uoff_t size,
			   size_t max_scan, struct str *dest)
{
	struct str *buf = str_create(system_pool, 4096);
	size_t want = (size_t)MIN(size, (uoff_t)max_scan);

	while (str_len(buf) < want) {
		size_t avail;
		const unsigned char *data = i_stream_get_data(input, &avail);

		if (avail == 0) {
			if (i_stream_read(input) <= 0)
				break;
			continue;
		}
		avail = MIN(avail, want - str_len(buf));
		str_append_n(buf, data, avail);
		i_stream_skip(input, avail);
	}
	if (str_len(buf) < want) {
		str_free(&buf);
		return -1;
	}
	filter_lines(sec, (const unsigned char *)str_c(buf), str_len(buf),
		     dest);
	str_free(&buf);
	return 0;
}
