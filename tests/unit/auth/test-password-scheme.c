/* SPDX-License-Identifier: MIT */
/* Password schemes: PLAIN and its aliases, ARGON2ID, stored-value parsing. */
#include "lib.h"
#include "password-scheme.h"

#include <setjmp.h>
#include <cmocka.h>
#include <sodium.h>

/* libsodium crypto_pwhash_str("bob-Secret!9", t=2, m=64 KiB); the same
   vector as tests/integration/conftest.py. */
#define BOB_PASSWORD "bob-Secret!9"
#define BOB_HASH "$argon2id$v=19$m=64,t=2,p=1$/yjsUUx5V12UtigRX6B8SA$" \
	"xbXZxS7fHehXUK/MCcHea68Q7TenxVTOBLL9kbEfQxo"

static void
test_plain(void **state ATTR_UNUSED)
{
	const char *error = NULL;

	assert_int_equal(password_verify("secret", "{PLAIN}secret", &error), 1);
	assert_int_equal(password_verify("secre", "{PLAIN}secret", &error), 0);
	assert_int_equal(password_verify("secret!", "{PLAIN}secret", &error), 0);
	assert_int_equal(password_verify("", "{PLAIN}secret", &error), 0);
	assert_int_equal(password_verify("a:b", "{plain}a:b", &error), 1);
	assert_int_equal(password_verify("x", "{CLEAR}x", &error), 1);
	assert_int_equal(password_verify("x", "{CLEARTEXT}x", &error), 1);
	assert_int_equal(password_verify("x", "{PLAINTEXT}x", &error), 1);
	assert_null(error);
}

static void
test_parse_errors(void **state ATTR_UNUSED)
{
	static const char *const bad[] = {
		"secret",		/* no {SCHEME} */
		"",			/* empty */
		"{PLAIN}",		/* empty data */
		"{NOSUCH}x",		/* unknown scheme */
		"{PLAIN",		/* unterminated */
		"{}x",			/* empty name */
		"{AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA}x",
	};
	const struct password_scheme *scheme;
	const char *data, *error;

	for (size_t i = 0; i < N_ELEMENTS(bad); i++) {
		error = NULL;
		assert_int_equal(password_parse_stored(bad[i], &scheme, &data,
						       &error), -1);
		assert_non_null(error);
		assert_int_equal(password_verify("secret", bad[i], &error), -1);
	}
	assert_int_equal(password_parse_stored("{ARGON2ID}$argon2id$x",
					       &scheme, &data, &error), 0);
	assert_string_equal(scheme->name, "ARGON2ID");
	assert_true(scheme->is_slow);
	assert_string_equal(data, "$argon2id$x");
	assert_int_equal(password_parse_stored("$argon2id$y", &scheme,
					       &data, &error), 0);
	assert_string_equal(scheme->name, "ARGON2ID");
	assert_string_equal(data, "$argon2id$y");
}

static void
test_argon2id_vector(void **state ATTR_UNUSED)
{
	const char *error = NULL;

	assert_int_equal(password_verify(BOB_PASSWORD, "{ARGON2ID}" BOB_HASH,
					 &error), 1);
	assert_int_equal(password_verify(BOB_PASSWORD, BOB_HASH, &error), 1);
	assert_int_equal(password_verify("bob-Secret!8", BOB_HASH, &error), 0);
	assert_int_equal(password_verify("", "{argon2id}" BOB_HASH, &error), 0);
	assert_null(error);
}

static void
test_argon2id_generated(void **state ATTR_UNUSED)
{
	char hash[crypto_pwhash_STRBYTES];
	const char *stored, *error = NULL;
	struct str *str = str_create(system_pool, 256);

	assert_int_equal(crypto_pwhash_str(hash, "p\xc3\xa4ss w0rd",
					   strlen("p\xc3\xa4ss w0rd"),
					   crypto_pwhash_OPSLIMIT_MIN,
					   crypto_pwhash_MEMLIMIT_MIN), 0);
	str_append(str, "{ARGON2ID}");
	str_append(str, hash);
	stored = str_c(str);
	assert_int_equal(password_verify("p\xc3\xa4ss w0rd", stored, &error), 1);
	assert_int_equal(password_verify("p\xc3\xa4ss w0rD", stored, &error), 0);
	str_free(&str);
}

static void
test_argon2id_malformed(void **state ATTR_UNUSED)
{
	static const char *const bad[] = {
		"{ARGON2ID}$argon2i$v=19$m=64,t=2,p=1$/yjsUUx5V12UtigRX6B8SA$"
			"xbXZxS7fHehXUK/MCcHea68Q7TenxVTOBLL9kbEfQxo",
		"{ARGON2ID}$argon2id$v=19$m=64,t=2,p=1$",
		"{ARGON2ID}$argon2id$garbage",
		"{ARGON2ID}plainpassword",
	};
	const char *error;

	for (size_t i = 0; i < N_ELEMENTS(bad); i++) {
		error = NULL;
		assert_int_equal(password_verify(BOB_PASSWORD, bad[i], &error),
				 -1);
		assert_non_null(error);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_argon2id_vector),
		cmocka_unit_test(test_argon2id_generated),
		cmocka_unit_test(test_argon2id_malformed),
	};

	if (sodium_init() < 0)
		return 1;
	log_init("test", LOG_LEVEL_FATAL);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
