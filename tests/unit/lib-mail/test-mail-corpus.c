/* SPDX-License-Identifier: MIT */
/*
 * Runs every tests/mail-corpus/NAME.eml through the parser (whole, and
 * fed 7 bytes at a time) and compares BODYSTRUCTURE and ENVELOPE with
 * NAME.exp. MAIL_CORPUS_GENERATE=1 writes missing .exp files instead
 * (review them by hand against the RFC before committing).
 */
#include "lib.h"
#include "mail-test-common.h"

#include <dirent.h>
#include <setjmp.h>
#include <cmocka.h>

static pool_t pool;

static char *
read_file(const char *path, size_t *size_r)
{
	FILE *f = fopen(path, "rb");
	struct str *s;
	char buf[4096];
	size_t n;

	if (f == NULL)
		return NULL;
	s = str_create(pool, 4096);
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		str_append_n(s, buf, n);
	fclose(f);
	*size_r = s->len;
	return s->data;
}

static void
check_one(const char *name, unsigned int *count)
{
	const char *path = p_strdup_printf(pool, "%s/%s", MAIL_CORPUS_DIR,
					   name);
	const char *exp_path = p_strdup_printf(pool, "%.*s.exp",
		(int)(strlen(path) - 4), path);
	size_t size, exp_size;
	char *msg = read_file(path, &size), *exp;
	const char *got, *split;

	assert_non_null(msg);
	got = mail_test_parse_split(pool, msg, size, SIZE_MAX, 0, NULL);
	split = mail_test_parse_split(pool, msg, size, 0, 7, NULL);
	assert_string_equal(split, got);
	exp = read_file(exp_path, &exp_size);
	if (exp == NULL && getenv("MAIL_CORPUS_GENERATE") != NULL) {
		FILE *f = fopen(exp_path, "wb");

		assert_non_null(f);
		fprintf(f, "%s\n", got);
		fclose(f);
		return;
	}
	if (exp == NULL)
		fail_msg("%s: no expectation file", name);
	if (exp_size > 0 && exp[exp_size - 1] == '\n')
		exp[exp_size - 1] = '\0';
	if (strcmp(exp, got) != 0)
		fail_msg("%s:\nexpected: %s\n     got: %s", name, exp, got);
	(*count)++;
}

static void
test_corpus(void **state ATTR_UNUSED)
{
	DIR *dir = opendir(MAIL_CORPUS_DIR);
	struct dirent *d;
	unsigned int count = 0;

	assert_non_null(dir);
	while ((d = readdir(dir)) != NULL) {
		if (str_ends(d->d_name, ".eml"))
			check_one(d->d_name, &count);
		pool_clear(pool);
	}
	closedir(dir);
	if (getenv("MAIL_CORPUS_GENERATE") == NULL)
		assert_true(count >= 60);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_corpus),
	};
	int ret;

	pool = pool_create_arena("corpus", 65536);
	ret = cmocka_run_group_tests(tests, NULL, NULL);
	pool_destroy(&pool);
	return ret;
}
