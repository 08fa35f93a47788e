/* SPDX-License-Identifier: MIT */
/*
 * Fuzz RFC 5322 address-list parsing (src/lib-mail/message-address.h)
 * and the ENVELOPE address writer.
 *
 * Input: one control byte (bit 0: a small address limit of 3), then the
 * header value. Properties:
 *  - at most the limit of elements (a group's end marker may come on
 *    top), every element well formed (mailbox and domain non-NULL for an
 *    address; NULL domain only for group markers; group markers balanced);
 *  - write is stable once normalized: with x2 = parse(write(parse(x))),
 *    parse(write(x2)) has the same fields as x2 and writes the same text
 *    (the first round may drop what cannot be written, e.g. CR in a
 *    quoted string);
 *  - the ENVELOPE writer produces balanced parentheses.
 */
#include "lib.h"
#include "message-address.h"
#include "imap-bodystructure.h"
#include "fuzz-common.h"

#define FUZZ_MAX_INPUT 8192

static unsigned int
check_list(const struct message_address *a)
{
	unsigned int count = 0;
	bool in_group = false;

	for (; a != NULL; a = a->next) {
		count++;
		if (a->mailbox == NULL) {		/* group end */
			fuzz_check(a->domain == NULL && in_group);
			in_group = false;
		} else if (a->domain == NULL) {	/* group start */
			fuzz_check(!in_group);
			in_group = true;
		}
	}
	fuzz_check(!in_group);
	return count;
}

static bool
str_eq_null(const char *a, const char *b)
{
	return a == NULL ? b == NULL : b != NULL && strcmp(a, b) == 0;
}

static void
check_same(const struct message_address *a, const struct message_address *b,
	   const char *written)
{
	for (; a != NULL && b != NULL; a = a->next, b = b->next) {
		if (!str_eq_null(a->name, b->name) ||
		    !str_eq_null(a->route, b->route) ||
		    !str_eq_null(a->mailbox, b->mailbox) ||
		    !str_eq_null(a->domain, b->domain))
			fuzz_fail("re-parse of \"%s\" differs", written);
	}
	if (a != NULL || b != NULL)
		fuzz_fail("re-parse of \"%s\": count differs", written);
}

static void
check_envelope(pool_t pool, const char *value)
{
	struct message_part_headers hdr;
	struct str *s = str_create(pool, 256);
	int depth = 0;

	memset(&hdr, 0, sizeof(hdr));
	hdr.from = hdr.to = hdr.cc = value;
	imap_envelope_write(pool, &hdr, s);
	for (size_t i = 0; i < str_len(s); i++) {
		char c = str_c(s)[i];

		if (c == '"') {
			for (i++; i < str_len(s) && str_c(s)[i] != '"'; i++) {
				if (str_c(s)[i] == '\\')
					i++;
			}
		} else if (c == '{') {
			/* a literal: skip its announced bytes */
			uint64_t n;
			const char *end;

			fuzz_check(str_parse_uint64(str_c(s) + i + 1, &n,
						    &end) == 0);
			i = (size_t)(end + 2 - str_c(s)) + (size_t)n;
		} else if (c == '(') {
			depth++;
		} else if (c == ')') {
			fuzz_check(--depth >= 0);
		}
	}
	fuzz_check(depth == 0);
}

int
LLVMFuzzerInitialize(int *argc ATTR_UNUSED, char ***argv ATTR_UNUSED)
{
	fuzz_lib_init("fuzz-message-address");
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1 || size > FUZZ_MAX_INPUT)
		return 0;
	unsigned int max = (data[0] & 1) != 0 ? 3 : 0;
	data++; size--;

	pool_t pool = pool_create_arena("fuzz address", 4096);
	struct message_address *x1, *x2, *x3;
	struct str *w1 = str_create(pool, 256), *w2 = str_create(pool, 256);
	struct str *w3 = str_create(pool, 256);

	x1 = message_address_parse(pool, data, size, max);
	fuzz_check(check_list(x1) <= (max == 0 ? MESSAGE_ADDRESS_MAX_COUNT :
				       max) + 1);
	message_address_write(w1, x1);
	x2 = message_address_parse(pool, str_c(w1), str_len(w1), 0);
	check_list(x2);
	message_address_write(w2, x2);
	x3 = message_address_parse(pool, str_c(w2), str_len(w2), 0);
	check_same(x2, x3, str_c(w2));
	message_address_write(w3, x3);
	if (strcmp(str_c(w2), str_c(w3)) != 0)
		fuzz_fail("write not stable:\n%s\n%s", str_c(w2), str_c(w3));

	char *value = fuzz_strndup(data, size);
	check_envelope(pool, value);
	xfree(value);
	pool_destroy(&pool);
	return 0;
}
