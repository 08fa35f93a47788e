/* SPDX-License-Identifier: MIT */
/*
 * Workaround for lib-imap's parser, which requires a space after a list:
 * FETCH BODY[HEADER.FIELDS (FROM TO)] (RFC 3501 §9: "]" follows the
 * header-list directly) is refused there with "Missing space between
 * arguments". This istream, stacked on the client input, inserts a space
 * between ")" and "]" outside quoted strings and literal data, so the
 * parser returns the atom "BODY[HEADER.FIELDS", the list and the atom
 * "]..." that imap-fetch.c joins again. Nothing else changes (")]" is
 * never valid IMAP otherwise). Remove it when the parser accepts "]"
 * right after ")" (the report of issue 5 has the parser change).
 */
#ifndef ROOST_IMAP_SECTION_INPUT_H
#define ROOST_IMAP_SECTION_INPUT_H

struct istream;

/* References parent; the stream has parent's maximum buffer size. */
struct istream *imap_section_input_create(struct istream *parent);

#endif
