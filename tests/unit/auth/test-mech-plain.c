/* SPDX-License-Identifier: MIT */
/* RFC 4616 PLAIN message parsing, including its limits. */
#include "lib.h"
#include "auth-settings.h"
#include "mech.h"

#include <setjmp.h>
#include <cmocka.h>

static pool_t pool;

static int
parse(const char *data, size_t size, const char **user_r,
      const char **pass_r)
{
	const char *error = NULL;
	int ret;

	ret = mech_plain_parse(pool, (const unsigned char *)data, size,
			       user_r, pass_r, &error);
	if (ret < 0)
		assert_non_null(error);
	return ret;
}

#define PARSE(lit, u, p) parse(lit, sizeof(lit) - 1, u, p)

static void
test_plain_good(void **state ATTR_UNUSED)
{
	const char *user, *pass;

	pool = pool_create_arena("test", 1024);
	assert_int_equal(PARSE("\0alice\0pw", &user, &pass), 0);
	assert_string_equal(user, "alice");
	assert_string_equal(pass, "pw");
	/* authzid equal to authcid is allowed */
	assert_int_equal(PARSE("alice\0alice\0p w", &user, &pass), 0);
	assert_string_equal(pass, "p w");
	pool_destroy(&pool);
}

static void
test_plain_bad(void **state ATTR_UNUSED)
{
	const char *user, *pass;

	pool = pool_create_arena("test", 1024);
	assert_int_equal(parse("", 0, &user, &pass), -1);
	assert_int_equal(PARSE("alicepw", &user, &pass), -1);
	assert_int_equal(PARSE("\0alicepw", &user, &pass), -1);
	assert_int_equal(PARSE("\0alice\0pw\0", &user, &pass), -1);
	assert_int_equal(PARSE("\0\0pw", &user, &pass), -1);
	assert_int_equal(PARSE("\0alice\0", &user, &pass), -1);
	/* authzid differs: no proxy authorization */
	assert_int_equal(PARSE("bob\0alice\0pw", &user, &pass), -1);
	assert_int_equal(PARSE("alic\0alice\0pw", &user, &pass), -1);
	pool_destroy(&pool);
}

static void
test_plain_limits(void **state ATTR_UNUSED)
{
	unsigned char buf[AUTH_SASL_MAX_RESPONSE_SIZE + 2];
	const char *user, *pass, *error;
	size_t ulen = AUTH_USERNAME_MAX_LENGTH;

	pool = pool_create_arena("test", 1024);
	/* user at the limit and one over */
	memset(buf, 'u', sizeof(buf));
	buf[0] = '\0';
	buf[1 + ulen] = '\0';
	assert_int_equal(mech_plain_parse(pool, buf, ulen + 4, &user, &pass,
					  &error), 0);
	assert_int_equal(strlen(user), ulen);
	memset(buf, 'u', sizeof(buf));
	buf[0] = '\0';
	buf[2 + ulen] = '\0';
	assert_int_equal(mech_plain_parse(pool, buf, ulen + 5, &user, &pass,
					  &error), -1);

	/* password at the limit and one over */
	memset(buf, 'p', sizeof(buf));
	memcpy(buf, "\0u\0", 3);
	assert_int_equal(mech_plain_parse(pool, buf,
					  3 + AUTH_PASSWORD_MAX_LENGTH,
					  &user, &pass, &error), 0);
	assert_int_equal(mech_plain_parse(pool, buf,
					  4 + AUTH_PASSWORD_MAX_LENGTH,
					  &user, &pass, &error), -1);
	/* the whole response over the SASL limit */
	assert_int_equal(mech_plain_parse(pool, buf,
					  AUTH_SASL_MAX_RESPONSE_SIZE + 1,
					  &user, &pass, &error), -1);
	pool_destroy(&pool);
}

static void
test_mech_find(void **state ATTR_UNUSED)
{
	assert_ptr_equal(mech_module_find("plain"), &mech_plain);
	assert_ptr_equal(mech_module_find("LOGIN"), &mech_login);
	assert_ptr_equal(mech_module_find("cram-md5"), &mech_cram_md5);
	assert_ptr_equal(mech_module_find("SCRAM-SHA-256-PLUS"),
			 &mech_scram_sha256_plus);
	assert_null(mech_module_find("NTLM"));
	assert_null(mech_module_find(""));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_good),
		cmocka_unit_test(test_plain_bad),
		cmocka_unit_test(test_plain_limits),
		cmocka_unit_test(test_mech_find),
	};

	log_init("test", LOG_LEVEL_FATAL);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
