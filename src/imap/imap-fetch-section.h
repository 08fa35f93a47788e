/* SPDX-License-Identifier: MIT */
/*
 * FETCH body sections (RFC 3501 §6.4.5, RFC 9051 §6.4.5):
 *
 *   section-spec = section-msgtext / section-part ["." section-text]
 *   section-msgtext = "HEADER" / "HEADER.FIELDS" [".NOT"] SP header-list /
 *                     "TEXT"
 *   section-text = section-msgtext / "MIME"
 *
 * Parsing (no I/O) and resolution against a parsed structure
 * (imap-mime-cache.h) into a byte range of the message, or for
 * HEADER.FIELDS[.NOT] a filtered copy of a header.
 */
#ifndef ROOST_IMAP_FETCH_SECTION_H
#define ROOST_IMAP_FETCH_SECTION_H

struct istream;
struct imap_arg;
struct imap_mime_msg;
struct imap_mime_part;

/* Part numbers in a section ("1.2.3"); deeper ones are refused (BAD). */
#define IMAP_SECTION_MAX_PATH 64
/* Field names in one HEADER.FIELDS list. */
#define IMAP_SECTION_MAX_FIELDS 256
#define IMAP_SECTION_MAX_FIELD_NAME 256

enum imap_section_kind {
	IMAP_SECTION_ALL = 0,		/* BODY[] */
	IMAP_SECTION_PART,		/* BODY[1.2]: the part's body */
	IMAP_SECTION_HEADER,
	IMAP_SECTION_HEADER_FIELDS,
	IMAP_SECTION_HEADER_FIELDS_NOT,
	IMAP_SECTION_TEXT,
	IMAP_SECTION_MIME,
};

struct imap_section {
	enum imap_section_kind kind;
	uint32_t path[IMAP_SECTION_MAX_PATH];
	unsigned int path_len;
	const char **fields;		/* upper case, from the pool */
	unsigned int field_count;
	/* "1.HEADER.FIELDS (FROM TO)": what goes between [] in the reply */
	const char *spec;
};

/* spec: what is between "[" and "]" (no field list), fields: the list
   argument of HEADER.FIELDS[.NOT] or NULL. Allocations from pool. false
   with *error_r (BAD text) if invalid. */
bool imap_section_parse(pool_t pool, const char *spec,
			const struct imap_arg *fields,
			struct imap_section *section_r, const char **error_r);

/* Where the section is in msg: 1 with *offset_r and *size_r (for
   HEADER.FIELDS[.NOT] the range of the header to filter), 0 if the part
   does not exist (reply NIL), -1 if the section is empty for this part
   (HEADER/TEXT of a part that is not a message: reply ""). */
int imap_section_resolve(const struct imap_section *section,
			 const struct imap_mime_msg *msg,
			 uoff_t *offset_r, uoff_t *size_r);

/* The part the section's path names (the root for an empty path), NULL if
   there is none. Borrowed from msg. */
const struct imap_mime_part *
imap_section_find_part(const struct imap_section *sec,
		       const struct imap_mime_msg *msg);

/* HEADER.FIELDS[.NOT]: read size header bytes from input (at the header
   start) and append the selected fields, raw, plus the closing CRLF to
   dest. At most max_scan header bytes are looked at (mail_max_header_size:
   the rest is opaque, as in the parser). -1 on a read error. */
int imap_section_filter_header(const struct imap_section *section,
			       struct istream *input, uoff_t size,
			       size_t max_scan, struct str *dest);

#endif
