/* SPDX-License-Identifier: MIT */
/*
 * POP3 UIDL formats (RFC 1939 §7 "unique-id"), with Dovecot's
 * pop3_uidl_format %-variables so that a maildrop migrated from Dovecot
 * (or Courier, see doc/migration.md) gives the same UIDLs:
 *
 *   %u  IMAP UID                 %v  the mailbox's UIDVALIDITY
 *   %f  Maildir base file name   %g  GUID (for Maildir: the base name)
 *   %m  MD5 of the header, hex   %%  a '%'
 *
 * Between '%' and the letter: an optional width ("0" first: pad on the
 * left with zeros to the width; without "0": cut to the width, as Dovecot
 * does), then modifiers applied left to right: X (a decimal number to
 * lower-case hexadecimal, as Dovecot's X), U (upper case), L (lower case),
 * C (Courier's escaping of a file name: bytes outside 0x21..0x7e and
 * ' " + become "+XX"). Dovecot's default is "%08Xu%08Xv".
 *
 * Whatever the format gives, a UIDL only holds 0x21..0x7e (RFC 1939): any
 * other byte is written as "+XX", and an empty result becomes "+".
 */
#ifndef ROOST_POP3_UIDL_H
#define ROOST_POP3_UIDL_H

/* Longest format string and longest UIDL written (RFC 1939 says 70; a
   format is the operator's choice, so only a sanity cap). */
#define POP3_UIDL_FORMAT_MAX_LENGTH 256
#define POP3_UIDL_MAX_WIDTH 64

struct pop3_uidl_format;

struct pop3_uidl_values {
	uint32_t uid;
	uint32_t uidvalidity;
	const char *filename;	/* Maildir base name ("" if unknown) */
	const char *guid;	/* "" if unknown */
	const char *md5_hex;	/* 32 hex digits; only if needs_md5 */
};

/* Parse format. Caller frees with pop3_uidl_format_free(). NULL with a
   static *error_r for an unknown variable or modifier, a '%' at the end,
   a width over POP3_UIDL_MAX_WIDTH, a format that is empty or longer than
   POP3_UIDL_FORMAT_MAX_LENGTH. */
struct pop3_uidl_format *pop3_uidl_format_parse(const char *format,
						const char **error_r);
void pop3_uidl_format_free(struct pop3_uidl_format **fmt);
/* Whether the format uses %m (the caller must then read the header). */
bool pop3_uidl_format_needs_md5(const struct pop3_uidl_format *fmt);
/* Whether the format uses %u/%v only (the UIDL is then fixed by the
   index, never by file names). */
bool pop3_uidl_format_is_uid_based(const struct pop3_uidl_format *fmt);

/* Append the UIDL of one message to dest. */
void pop3_uidl_format_write(const struct pop3_uidl_format *fmt,
			    const struct pop3_uidl_values *values,
			    struct str *dest);

#endif
