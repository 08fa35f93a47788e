/* SPDX-License-Identifier: MIT */
/*
 * Message-ID, In-Reply-To and References values (RFC 5322 §3.6.4 with the
 * obsolete syntax of §4.5.4): lists of "<id-left@id-right>" with CFWS and,
 * in In-Reply-To, phrases between them. Lenient: a bracketed id without
 * "@" or with odd characters is still taken if it has no whitespace;
 * anything else between ids is skipped. Used by THREAD (RFC 5256 §2.2).
 *
 * Ids are returned without the angle brackets, comments and whitespace
 * removed and a quoted local part unquoted, so equal ids compare equal
 * with strcmp() (RFC 5256: case-sensitive comparison).
 */
#ifndef ROOST_MESSAGE_ID_H
#define ROOST_MESSAGE_ID_H

/* Longer ids are skipped (RFC 5322 line limit). */
#define MESSAGE_ID_MAX_LEN 998
/* References: more ids than this keep only the last ones (the nearest
   ancestors). */
#define MESSAGE_ID_MAX_COUNT 1000

/* The next id at or after *p; *p is advanced past it. NULL (and *p at the
   end) when no more. Result from pool. */
const char *message_id_get_next(pool_t pool, const char **p);

/* The first id of value (Message-ID, In-Reply-To), NULL if none or value
   is NULL. */
const char *message_id_get_first(pool_t pool, const char *value);

/* All ids of value (References) appended to ids (initialized by the
   caller, from pool); at most max_count (0 = MESSAGE_ID_MAX_COUNT), the
   last ones kept. value NULL adds nothing. */
void message_id_parse_list(pool_t pool, const char *value,
			   struct array_str *ids, unsigned int max_count);

#endif
