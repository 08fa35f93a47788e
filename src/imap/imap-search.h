/* SPDX-License-Identifier: MIT */
/*
 * SEARCH keys (RFC 9051 §6.4.4, RFC 3501 §6.4.4) to the storage's search
 * tree (lib-storage/mail-search.h). Strings are converted from the
 * command's CHARSET to UTF-8 (iconv: UTF-8, US-ASCII and the legacy
 * charsets glibc knows, ISO-8859-*, windows-125x, KOI8-R, ...).
 * Bounded: at most IMAP_SEARCH_MAX_KEYS keys and MAIL_SEARCH_MAX_DEPTH
 * nesting levels of NOT / OR / ( ).
 */
#ifndef ROOST_IMAP_SEARCH_H
#define ROOST_IMAP_SEARCH_H

struct client_command;
struct imap_arg;
struct mail_search_arg;

#define IMAP_SEARCH_MAX_KEYS 1000

/* args: the keys (after CHARSET). charset NULL = US-ASCII/UTF-8. From
   cmd->pool. NULL with *error_r: *bad_charset_r true for an unknown
   charset (NO [BADCHARSET]), else a syntax error (BAD). */
struct mail_search_arg *
imap_search_parse(struct client_command *cmd, const struct imap_arg *args,
		  const char *charset, bool *bad_charset_r,
		  const char **error_r);

#endif
