/* SPDX-License-Identifier: MIT */
/* Unit tests for mailbox_search(): every key of RFC 9051 §6.4.4 with index
   data (flags, keywords, dates, sizes, sets, modseq) and message data
   (headers with RFC 2047, Date:, bodies with QP/base64 and charsets),
   NOT/OR/AND nesting, and the depth limit. */
#include "lib.h"
#include "date.h"
#include "mail-search.h"
#include "storage-test-common.h"

#define M1 "From: \"Älice\" <alice@example.org>\r\n" \
	"To: bob@example.org\r\n" \
	"Subject: =?ISO-8859-1?Q?Gr=FC=DFe?= from the lake\r\n" \
	"Date: Mon, 13 Nov 2023 23:30:00 -0500\r\n" \
	"X-Custom: hello\r\n" \
	"\r\n" \
	"Plain body with a Needle inside.\r\n"
#define M2 "From: carol@example.net\r\n" \
	"Cc: dave@example.com\r\n" \
	"Subject: multipart\r\n" \
	"Date: Wed, 15 Nov 2023 10:00:00 +0000\r\n" \
	"MIME-Version: 1.0\r\n" \
	"Content-Type: multipart/mixed; boundary=\"b1\"\r\n" \
	"\r\n" \
	"--b1\r\n" \
	"Content-Type: text/plain; charset=iso-8859-1\r\n" \
	"Content-Transfer-Encoding: quoted-printable\r\n" \
	"\r\n" \
	"Sch=F6ne Gr=FC=DFe\r\n" \
	"--b1\r\n" \
	"Content-Type: text/plain; charset=utf-8\r\n" \
	"Content-Transfer-Encoding: base64\r\n" \
	"\r\n" \
	"YmFzZTY0IHNlY3JldCB3b3Jk\r\n" \
	"--b1\r\n" \
	"Content-Type: application/octet-stream\r\n" \
	"\r\n" \
	"binaryzebra\r\n" \
	"--b1--\r\n"
#define M3 "Subject: no date\r\nBcc: eve@example.org\r\n\r\nshort\r\n"

struct search_fixture {
	struct fixture *f;
	struct mailbox *box;
	pool_t pool;
};

static int
setup(void **state)
{
	struct search_fixture *sf = xcalloc(1, sizeof(*sf));
	const char *kw[] = { "$Work", NULL };
	void *fstate;

	storage_setup(&fstate);
	sf->f = fstate;
	sf->box = storage_open(sf->f, "INBOX", 0);
	(void)storage_save(sf->box, M1, MAIL_SEEN, kw);
	(void)storage_save(sf->box, M2, MAIL_FLAGGED | MAIL_SEEN, NULL);
	(void)storage_save(sf->box, M3, 0, NULL);
	assert_int_equal(mailbox_sync(sf->box, NULL, NULL), 0);
	sf->pool = pool_create_arena("search test", 4096);
	*state = sf;
	return 0;
}

static int
teardown(void **state)
{
	struct search_fixture *sf = *state;
	void *fstate = sf->f;

	mailbox_close(&sf->box);
	pool_destroy(&sf->pool);
	xfree(sf);
	return storage_teardown(&fstate);
}

/* Matching seqs as a string "1,3". */
static const char *
run(struct search_fixture *sf, const struct mail_search_arg *args)
{
	struct str *str = str_create(sf->pool, 32);
	uint32_t *seqs;
	unsigned int count;

	assert_int_equal(mailbox_search(sf->box, args, sf->pool, &seqs,
					&count), 0);
	for (unsigned int i = 0; i < count; i++)
		str_printfa(str, i == 0 ? "%u" : ",%u", seqs[i]);
	return str_c(str);
}

static struct mail_search_arg *
key(struct search_fixture *sf, enum mail_search_arg_type type)
{
	return mail_search_arg_new(sf->pool, type);
}

static struct mail_search_arg *
hdr(struct search_fixture *sf, const char *name, const char *value)
{
	struct mail_search_arg *a = key(sf, SEARCH_HEADER);

	a->name = name;
	a->value = value;
	return a;
}

static struct mail_search_arg *
text(struct search_fixture *sf, enum mail_search_arg_type type,
     const char *value)
{
	struct mail_search_arg *a = key(sf, type);

	a->value = value;
	return a;
}

static struct mail_search_arg *
date(struct search_fixture *sf, enum mail_search_arg_type type,
     const char *day)
{
	struct mail_search_arg *a = key(sf, type);

	assert_int_equal(imap_date_parse(day, &a->date), 0);
	return a;
}

static void
test_index_keys(void **state)
{
	struct search_fixture *sf = *state;
	struct mail_search_arg *a;
	struct mail_range r = { 2, 3 };

	assert_string_equal(run(sf, key(sf, SEARCH_ALL)), "1,2,3");
	a = key(sf, SEARCH_FLAGS);
	a->flags = MAIL_SEEN;
	assert_string_equal(run(sf, a), "1,2");
	a->negate = true;
	assert_string_equal(run(sf, a), "3");
	a = key(sf, SEARCH_FLAGS);
	a->flags = MAIL_SEEN | MAIL_FLAGGED;
	assert_string_equal(run(sf, a), "2");
	a = key(sf, SEARCH_FLAGS);
	a->flags = MAIL_RECENT;
	assert_string_equal(run(sf, a), "1,2,3");
	a = key(sf, SEARCH_KEYWORD);
	a->name = "$work";
	assert_string_equal(run(sf, a), "1");
	a->name = "unknown";
	assert_string_equal(run(sf, a), "");
	a->negate = true;
	assert_string_equal(run(sf, a), "1,2,3");
	a = key(sf, SEARCH_SEQSET);
	a->ranges = &r;
	a->range_count = 1;
	assert_string_equal(run(sf, a), "2,3");
	a = key(sf, SEARCH_UIDSET);
	a->ranges = &r;
	a->range_count = 1;
	assert_string_equal(run(sf, a), "2,3");
	a = key(sf, SEARCH_LARGER);
	a->size = strlen(M3);
	assert_string_equal(run(sf, a), "1,2");
	a = key(sf, SEARCH_SMALLER);
	a->size = strlen(M3) + 1;
	assert_string_equal(run(sf, a), "3");
	a = key(sf, SEARCH_MODSEQ);
	a->modseq = 1;
	assert_string_equal(run(sf, a), "1,2,3");
	a->modseq = (uint64_t)1 << 40;
	assert_string_equal(run(sf, a), "");
	/* saved at 1700000000 (2023-11-14 22:13:20 UTC) with +0200: the
	   internal date's day is 15-Nov-2023 */
	assert_string_equal(run(sf, date(sf, SEARCH_ON, "15-Nov-2023")),
			    "1,2,3");
	assert_string_equal(run(sf, date(sf, SEARCH_BEFORE, "15-Nov-2023")),
			    "");
	assert_string_equal(run(sf, date(sf, SEARCH_SINCE, "15-Nov-2023")),
			    "1,2,3");
	assert_string_equal(run(sf, date(sf, SEARCH_SINCE, "16-Nov-2023")),
			    "");
}

static void
test_header_keys(void **state)
{
	struct search_fixture *sf = *state;

	assert_string_equal(run(sf, hdr(sf, "From", "ÄLICE")), "1");
	assert_string_equal(run(sf, hdr(sf, "from", "example")), "1,2");
	/* i;unicode-casemap: full case folding makes ß equal ss */
	assert_string_equal(run(sf, hdr(sf, "Subject", "grüsse")), "1");
	assert_string_equal(run(sf, hdr(sf, "Subject", "grüse")), "");
	assert_string_equal(run(sf, hdr(sf, "Subject", "GRÜSSE")), "1");
	assert_string_equal(run(sf, hdr(sf, "subject", "LAKE")), "1");
	assert_string_equal(run(sf, hdr(sf, "To", "bob@")), "1");
	assert_string_equal(run(sf, hdr(sf, "Cc", "dave")), "2");
	assert_string_equal(run(sf, hdr(sf, "Bcc", "eve")), "3");
	assert_string_equal(run(sf, hdr(sf, "X-Custom", "")), "1");
	assert_string_equal(run(sf, hdr(sf, "X-Missing", "")), "");
	/* Date: day in its own zone: 13-Nov (23:30 -0500) */
	assert_string_equal(run(sf, date(sf, SEARCH_SENTON, "13-Nov-2023")),
			    "1");
	assert_string_equal(run(sf, date(sf, SEARCH_SENTBEFORE,
					 "14-Nov-2023")), "1");
	assert_string_equal(run(sf, date(sf, SEARCH_SENTSINCE,
					 "14-Nov-2023")), "2");
}

static void
test_body_keys(void **state)
{
	struct search_fixture *sf = *state;

	assert_string_equal(run(sf, text(sf, SEARCH_BODY, "needle")), "1");
	assert_string_equal(run(sf, text(sf, SEARCH_BODY, "SCHÖNE")), "2");
	assert_string_equal(run(sf, text(sf, SEARCH_BODY, "secret word")),
			    "2");
	assert_string_equal(run(sf, text(sf, SEARCH_BODY, "zebra")), "");
	assert_string_equal(run(sf, text(sf, SEARCH_BODY, "lake")), "");
	assert_string_equal(run(sf, text(sf, SEARCH_TEXT, "lake")), "1");
	assert_string_equal(run(sf, text(sf, SEARCH_TEXT, "short")), "3");
	assert_string_equal(run(sf, text(sf, SEARCH_TEXT, "")), "1,2,3");
}

static void
test_logic(void **state)
{
	struct search_fixture *sf = *state;
	struct mail_search_arg *or, *sub, *a, *b;

	/* OR FLAGGED BODY needle */
	a = key(sf, SEARCH_FLAGS);
	a->flags = MAIL_FLAGGED;
	b = text(sf, SEARCH_BODY, "needle");
	a->next = b;
	or = key(sf, SEARCH_OR);
	or->subargs = a;
	assert_string_equal(run(sf, or), "1,2");
	or->negate = true;
	assert_string_equal(run(sf, or), "3");
	/* (SEEN NOT FLAGGED) SUBJECT lake */
	a = key(sf, SEARCH_FLAGS);
	a->flags = MAIL_SEEN;
	b = key(sf, SEARCH_FLAGS);
	b->flags = MAIL_FLAGGED;
	b->negate = true;
	a->next = b;
	sub = key(sf, SEARCH_SUB);
	sub->subargs = a;
	sub->next = hdr(sf, "Subject", "lake");
	assert_string_equal(run(sf, sub), "1");
	/* an index key decides before the message is read */
	a = key(sf, SEARCH_FLAGS);
	a->flags = MAIL_DRAFT;
	a->next = text(sf, SEARCH_BODY, "x");
	assert_string_equal(run(sf, a), "");
}

static void
test_depth_limit(void **state)
{
	struct search_fixture *sf = *state;
	struct mail_search_arg *top = key(sf, SEARCH_ALL), *cur;
	uint32_t *seqs;
	unsigned int count;

	cur = top;
	for (unsigned int i = 0; i < MAIL_SEARCH_MAX_DEPTH + 5; i++) {
		struct mail_search_arg *s = key(sf, SEARCH_SUB);
		s->subargs = cur;
		cur = s;
	}
	assert_int_equal(mailbox_search(sf->box, cur, sf->pool, &seqs,
					&count), -1);
	assert_int_equal(storage_last_error(sf->f), MAIL_ERROR_PARAMS);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_index_keys, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_header_keys, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_body_keys, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_logic, setup, teardown),
		cmocka_unit_test_setup_teardown(test_depth_limit, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
