/* SPDX-License-Identifier: MIT */
#include "lib.h"
#include "message-address.h"
#include "imap-bodystructure.h"

#include <setjmp.h>
#include <cmocka.h>

static pool_t pool;

/* ENVELOPE-style rendering of From: value. */
static const char *
env_from(const char *value)
{
	struct message_part_headers hdr;
	struct str *s = str_create(pool, 128);
	const char *r, *end;

	memset(&hdr, 0, sizeof(hdr));
	hdr.from = value;
	imap_envelope_write(pool, &hdr, s);
	/* (NIL NIL <from> ...: take the from list */
	r = s->data + strlen("(NIL NIL ");
	if (str_begins(r, "NIL"))
		return "NIL";
	int depth = 0;
	for (end = r; *end != '\0'; end++) {
		if (*end == '(')
			depth++;
		else if (*end == ')' && --depth == 0)
			break;
	}
	return p_strndup(pool, r, (size_t)(end - r) + 1);
}

static void
test_envelope_addresses(void **state ATTR_UNUSED)
{
	static const struct { const char *in, *out; } tests[] = {
		{ "user@example.com",
		  "((NIL NIL \"user\" \"example.com\"))" },
		{ "John Doe <jdoe@example.com>",
		  "((\"John Doe\" NIL \"jdoe\" \"example.com\"))" },
		{ "\"Doe, John\" <jdoe@example.com>, x@y",
		  "((\"Doe, John\" NIL \"jdoe\" \"example.com\")"
		  "(NIL NIL \"x\" \"y\"))" },
		{ "jdoe@example.com (John Doe)",
		  "((\"John Doe\" NIL \"jdoe\" \"example.com\"))" },
		{ "\"john doe\"@example.com",
		  "((NIL NIL \"\\\"john doe\\\"\" \"example.com\"))" },
		{ "A Group: a@b, C <c@d>;, e@f",
		  "((NIL NIL \"A Group\" NIL)(NIL NIL \"a\" \"b\")"
		  "(\"C\" NIL \"c\" \"d\")(NIL NIL NIL NIL)"
		  "(NIL NIL \"e\" \"f\"))" },
		{ "undisclosed-recipients:;",
		  "((NIL NIL \"undisclosed-recipients\" NIL)"
		  "(NIL NIL NIL NIL))" },
		{ "<@a.example,@b.example:joe@c.example>",
		  "((NIL \"@a.example,@b.example\" \"joe\" \"c.example\"))" },
		{ "Pete(A nice \\) chap) <pete(his account)@silly.test"
		  "(his host)>",
		  "((\"Pete\" NIL \"pete\" \"silly.test\"))" },
		{ "joe", "((NIL NIL \"joe\" \"\"))" },
		{ "", "NIL" },
		{ " , ,", "NIL" },
		{ "<>", "((NIL NIL \"\" \"\"))" },
		{ "a@[1.2.3.4]", "((NIL NIL \"a\" \"[1.2.3.4]\"))" },
		{ "John Q. Public <jqp@x.test>",
		  "((\"John Q. Public\" NIL \"jqp\" \"x.test\"))" },
		{ "=?utf-8?q?J=C3=B6rg?= <j@x>",
		  "((\"=?utf-8?q?J=C3=B6rg?=\" NIL \"j\" \"x\"))" },
		{ "broken <a@b", "((\"broken\" NIL \"a\" \"b\"))" },
	};
	for (size_t i = 0; i < N_ELEMENTS(tests); i++)
		assert_string_equal(env_from(tests[i].in), tests[i].out);
}

static void
test_roundtrip(void **state ATTR_UNUSED)
{
	static const char *inputs[] = {
		"user@example.com", "John Doe <jdoe@example.com>",
		"\"Doe, John\" <jdoe@example.com>, x@y",
		"G: a@b, \"c d\"@e;, f@g", "<@a,@b:c@d>", "\"a\\\"b\" <q@r>",
		/* fuzz regression: an empty address is written "<>" */
		"<>", "Name <>", "x <>, <>", "\"j \": \"a\r\nb\"@c;",
		"\"\" <a@b>", "a@[1.2",
	};
	for (size_t i = 0; i < N_ELEMENTS(inputs); i++) {
		struct message_address *a1, *a2;
		struct str *s1 = str_create(pool, 64), *s2;

		a1 = message_address_parse(pool, inputs[i],
					   strlen(inputs[i]), 0);
		message_address_write(s1, a1);
		a2 = message_address_parse(pool, s1->data, s1->len, 0);
		s2 = str_create(pool, 64);
		message_address_write(s2, a2);
		assert_string_equal(s1->data, s2->data);
	}
}

/* Property: for generated address lists x, parse(write(x)) == x field by
   field and write(parse(write(x))) == write(x). Deterministic PRNG. */
static uint32_t prop_state = 12345;

static uint32_t
prop_rand(uint32_t n)
{
	prop_state ^= prop_state << 13;
	prop_state ^= prop_state >> 17;
	prop_state ^= prop_state << 5;
	return prop_state % n;
}

static const char *
prop_word(const char *alphabet, unsigned int max_len)
{
	unsigned int len = 1 + prop_rand(max_len);
	size_t n = strlen(alphabet);
	char *w = p_malloc(pool, len + 1);

	for (unsigned int i = 0; i < len; i++)
		w[i] = alphabet[prop_rand((uint32_t)n)];
	return w;
}

static const char *
prop_name(void)
{
	static const char chars[] =
		"abcXYZ019!#$%&'*+-/=?^_`{|}~.,;:<>@[]()\"\\";
	struct str *s = str_create(pool, 32);
	unsigned int words = 1 + prop_rand(3);

	for (unsigned int i = 0; i < words; i++) {
		if (i > 0)
			str_append_c(s, ' ');
		str_append(s, prop_word(chars, 6));
	}
	return str_c(s);
}

static const char *
prop_domain(void)
{
	struct str *s = str_create(pool, 32);
	unsigned int labels = 1 + prop_rand(3);

	for (unsigned int i = 0; i < labels; i++) {
		if (i > 0)
			str_append_c(s, '.');
		str_append(s, prop_word("abcdefxyz0123-", 8));
	}
	return str_c(s);
}

static struct message_address *
prop_mailbox(void)
{
	static const char local_chars[] =
		"abcXYZ019!#$%&'*+-/=?^_`{|}~.\" \\@,";
	struct message_address *a = p_malloc(pool, sizeof(*a));

	a->name = prop_rand(2) == 0 ? NULL : prop_name();
	a->mailbox = prop_rand(2) == 0 ? prop_word("abcxyz019", 8) :
		prop_word(local_chars, 10);
	a->domain = prop_domain();
	return a;
}

static struct message_address *
prop_list(void)
{
	struct message_address *head = NULL, **tail = &head, *a;
	unsigned int count = 1 + prop_rand(4);

	for (unsigned int i = 0; i < count; i++) {
		if (prop_rand(4) != 0) {
			*tail = prop_mailbox();
			tail = &(*tail)->next;
			continue;
		}
		a = p_malloc(pool, sizeof(*a));
		a->mailbox = prop_name();	/* group start */
		*tail = a;
		tail = &a->next;
		for (unsigned int j = prop_rand(3); j > 0; j--) {
			*tail = prop_mailbox();
			tail = &(*tail)->next;
		}
		*tail = p_malloc(pool, sizeof(*a));	/* group end */
		tail = &(*tail)->next;
	}
	return head;
}

static bool
str_eq_null(const char *a, const char *b)
{
	return a == NULL ? b == NULL : b != NULL && strcmp(a, b) == 0;
}

static void
test_roundtrip_property(void **state ATTR_UNUSED)
{
	for (unsigned int iter = 0; iter < 3000; iter++) {
		struct message_address *x = prop_list(), *y, *a, *b;
		struct str *s1 = str_create(pool, 128), *s2;

		message_address_write(s1, x);
		y = message_address_parse(pool, s1->data, s1->len, 0);
		for (a = x, b = y; a != NULL && b != NULL;
		     a = a->next, b = b->next) {
			if (!str_eq_null(a->name, b->name) ||
			    !str_eq_null(a->mailbox, b->mailbox) ||
			    !str_eq_null(a->domain, b->domain) || b->invalid)
				fail_msg("round trip of \"%s\": \"%s\" \"%s\" "
					 "\"%s\" became \"%s\" \"%s\" \"%s\"",
					 s1->data, a->name, a->mailbox,
					 a->domain, b->name, b->mailbox,
					 b->domain);
		}
		if (a != NULL || b != NULL)
			fail_msg("round trip of \"%s\": count differs",
				 s1->data);
		s2 = str_create(pool, 128);
		message_address_write(s2, y);
		assert_string_equal(s1->data, s2->data);
		pool_clear(pool);
	}
}

static void
test_limit(void **state ATTR_UNUSED)
{
	struct message_address *a;
	unsigned int n = 0;

	a = message_address_parse(pool, "a@b, c@d, e@f", 13, 2);
	for (; a != NULL; a = a->next)
		n++;
	assert_int_equal(n, 2);
	/* a started group always gets its end marker */
	n = 0;
	a = message_address_parse(pool, "g: a@b, c@d;", 12, 2);
	for (; a != NULL; a = a->next)
		n++;
	assert_int_equal(n, 3);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_envelope_addresses),
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_roundtrip_property),
		cmocka_unit_test(test_limit),
	};
	int ret;

	pool = pool_create_arena("test", 4096);
	ret = cmocka_run_group_tests(tests, NULL, NULL);
	pool_destroy(&pool);
	return ret;
}
