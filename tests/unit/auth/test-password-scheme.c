/* SPDX-License-Identifier: MIT */
/*
 * Password schemes: every scheme against stored values as Dovecot writes
 * them, wrong passwords, malformed stored data, stored-value parsing, and
 * generate-then-verify for every scheme roostadm pw offers.
 *
 * The vectors for "p\xc3\xa4ssword 1" ("pässword 1" in UTF-8) were made
 * with Dovecot's `doveadm pw -s SCHEME -p 'pässword 1'` (Dovecot 2.3) and
 * cross-checked independently: SHA and SSHA with python3 hashlib (digest of
 * password + salt, salt = the bytes after the digest), PBKDF2 with
 * hashlib.pbkdf2_hmac('sha1', pw, b'<salt>', 5000), SCRAM with
 * hashlib.pbkdf2_hmac + hmac (RFC 5802 StoredKey/ServerKey),
 * SHA512-CRYPT with `openssl passwd -6 -salt ...`, SHA256-CRYPT with
 * python3 crypt. BLF-CRYPT "U*U" is the crypt_blowfish test vector.
 * CRAM-MD5 is doveadm's only (the HMAC-MD5 context form is Dovecot's own).
 */
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


#define PW "p\xc3\xa4ssword 1"
#define PW_WRONG "p\xc3\xa4ssword 2"

static const char *const pw_vectors[] = {
	"{SHA256}f7RERuWhObO3oHciFhtpNCnGhD0FNBL7CyE3AkK4vbA=",
	"{SHA256.HEX}7fb44446e5a139b3b7a07722161b693429c6843d053412fb0b21370242b8bdb0",
	/* hex in the default encoding: Dovecot accepts it by its length */
	"{SHA256}7fb44446e5a139b3b7a07722161b693429c6843d053412fb0b21370242b8bdb0",
	"{SHA256.B64}f7RERuWhObO3oHciFhtpNCnGhD0FNBL7CyE3AkK4vbA=",
	"{SHA512}CKWQ1bFe+6HuV0fkV78KrhRH5bOjFVbkHBnd8vTWw2lc3YVFx8X2I6wtGQoV"
		"pZVuVsftC++RLO5GPIvd7H4Lyg==",
	"{SHA512.B64}CKWQ1bFe+6HuV0fkV78KrhRH5bOjFVbkHBnd8vTWw2lc3YVFx8X2I6wt"
		"GQoVpZVuVsftC++RLO5GPIvd7H4Lyg==",
	"{SSHA256}cZI7R1RpiWG14Yy4MD40OJzaJDPcSY8g2+zWoxEDT8ZZxOBT",
	"{SSHA512}8q1Ta10OdAnNFCPAdF0D2qPRps+REtUIRzp5tD3VTdACW2au+K3GbxkzAp8O"
		"HJuCqjVwkdV9RyqGxDH7ceAS0hOr/ak=",
	"{PBKDF2}$1$cVz3NRIJzIr6thfy$5000$46b10c35ea2b0a247cef6ad1c3b9339f56c94457",
	"{CRAM-MD5}80aec1449634d113e46324e5809848338c28256a7d6da9b7914aa2ece45e4479",
	"{SCRAM-SHA-1}4096,GlMQ7upPLWXElz+YOElFOA==,fjke/UxRTxrHuFnA4/5WsF+yYPc=,"
		"qZYeZm1g+GV3C1wcUL3ACwYCflc=",
	"{SCRAM-SHA-256}4096,Aax+bmOFKoVuU5rRJR16ww==,"
		"3oQrt5nGAp6DtFS+wjlNiDebLtFoOxNz0vSukpDNDyQ=,"
		"RLJU7fNDARvIRwOlDyJD1uTrkeDqpq7Vjm2KQU7/9UQ=",
	"{SHA512-CRYPT}$6$c0GzRI/apVT5Kv.R$YBGNiz/f2X742ebSxS9e.ms9qTGZrfGM71Te8"
		"zbBRPu6N5ZVadVkMRc3pqO3j6bv2MgysXnzxsTeaFpTN0pS60",
	"{SHA256-CRYPT}$5$XdSOfaIcYYgQ6lHr$ibqu/GDYN2404m8BaJ8OCeYXURsc1FXAzh3r"
		"LGVela/",
	"{BLF-CRYPT}$2y$05$HbmZ9sdk/HM18iuveeLrSOI6pzy/LT8kctv2AIBgpkM5jIcCB.3e6",
	"{ARGON2I}$argon2i$v=19$m=32768,t=4,p=1$atr1Hd9/pBdC2XecuHIfLQ$kNnyH2AN"
		"oRDZYE1ItQQNDXGibMBWXs5FFm4P9PA2ukg",
	"{ARGON2ID}$argon2id$v=19$m=65536,t=3,p=1$5pg+SNWsbVSq6hDhrpJNlA$NVSY7HK"
		"c0dE9FAY9+Z8/UtzaCeWOAT3WSDGaOvsxV8E",
	"$argon2i$v=19$m=32768,t=4,p=1$atr1Hd9/pBdC2XecuHIfLQ$kNnyH2ANoRDZYE1It"
		"QQNDXGibMBWXs5FFm4P9PA2ukg",
	"{PLAIN}" PW,
	"{CLEAR}" PW,
	"{PLAIN.B64}cMOkc3N3b3JkIDE=",
};

static void
test_dovecot_vectors(void **state ATTR_UNUSED)
{
	const char *error;

	for (size_t i = 0; i < N_ELEMENTS(pw_vectors); i++) {
		error = NULL;
		if (password_verify(PW, pw_vectors[i], &error) != 1)
			fail_msg("%s: %s", pw_vectors[i],
				 error == NULL ? "mismatch" : error);
		assert_int_equal(password_verify(PW_WRONG, pw_vectors[i],
						 &error), 0);
		assert_int_equal(password_verify("", pw_vectors[i], &error), 0);
		assert_int_equal(password_verify("p\xc3\xa4ssword 1 ",
						 pw_vectors[i], &error), 0);
	}
}

static void
test_blf_crypt_vector(void **state ATTR_UNUSED)
{
	const char *error = NULL;

	/* crypt_blowfish's own test vectors */
	assert_int_equal(password_verify("U*U", "{BLF-CRYPT}$2a$05$CCCCCCCCCC"
		"CCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW", &error), 1);
	assert_int_equal(password_verify("U*U*", "{BLF-CRYPT}$2a$05$CCCCCCCCC"
		"CCCCCCCCCCCC.VGOzA784oUp/Z0DY336zx7pLYAy0lwK", &error), 1);
	assert_int_equal(password_verify("U*U*", "{BLF-CRYPT}$2a$05$CCCCCCCCC"
		"CCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW", &error), 0);
}

static void
test_scheme_malformed(void **state ATTR_UNUSED)
{
	static const char *const bad[] = {
		"{SHA256}f7RERuWhObO3oHciFhtpNCnGhD0FNBL7CyE3AkK4vb==",
		"{SHA256}f7RERuWhObO3oHciFhtpNCnGhD0FNBL7CyE3AkK4",
		"{SHA256}!!!!",
		"{SHA256.HEX}7fb4",
		"{SHA512}f7RERuWhObO3oHciFhtpNCnGhD0FNBL7CyE3AkK4vbA=",
		"{SSHA256}f7RERuWhObO3oHciFhtpNCnGhD0FNBL7CyE3AkK4vbA=",
		"{SSHA512}abc",
		"{PBKDF2}46b10c35ea2b0a247cef6ad1c3b9339f56c94457",
		"{PBKDF2}$1$salt$0$46b10c35ea2b0a247cef6ad1c3b9339f56c94457",
		"{PBKDF2}$1$salt$99999999$46b10c35ea2b0a247cef6ad1c3b9339f56c94457",
		"{PBKDF2}$1$salt$5000$46b1",
		"{PBKDF2}$1$salt$5000$zz",
		"{PBKDF2}$1$salt",
		"{CRAM-MD5}80aec1449634d113e46324e5809848338c28256a",
		"{CRAM-MD5}zzaec1449634d113e46324e5809848338c28256a7d6da9b7914aa2ece45e4479",
		"{SCRAM-SHA-256}4096,Aax+bmOFKoVuU5rRJR16ww==,3oQrt5nG",
		"{SCRAM-SHA-256}0,Aax+bmOFKoVuU5rRJR16ww==,"
			"3oQrt5nGAp6DtFS+wjlNiDebLtFoOxNz0vSukpDNDyQ=,"
			"RLJU7fNDARvIRwOlDyJD1uTrkeDqpq7Vjm2KQU7/9UQ=",
		"{SCRAM-SHA-256}4096,Aax+bmOFKoVuU5rRJR16ww==,"
			"fjke/UxRTxrHuFnA4/5WsF+yYPc=,qZYeZm1g+GV3C1wcUL3ACwYCflc=",
		"{SCRAM-SHA-1}4096,a,b,c,d",
		"{SHA512-CRYPT}$5$XdSOfaIcYYgQ6lHr$ibqu/GDYN2404m8BaJ8OCeYXURsc1FXAz"
			"h3rLGVela/",
		"{SHA512-CRYPT}plain",
		"{BLF-CRYPT}$6$c0GzRI/apVT5Kv.R$YBGNiz",
		"{BLF-CRYPT}$2y$05$short",
		"{ARGON2I}$argon2id$v=19$m=65536,t=3,p=1$5pg+SNWsbVSq6hDhrpJNlA$NVSY"
			"7HKc0dE9FAY9+Z8/UtzaCeWOAT3WSDGaOvsxV8E",
		"{ARGON2I}$argon2i$garbage",
		/* 4 TiB of memory: refused, not attempted */
		"{ARGON2ID}$argon2id$v=19$m=4294967295,t=3,p=1$5pg+SNWsbVSq6hDhr"
			"pJNlA$NVSY7HKc0dE9FAY9+Z8/UtzaCeWOAT3WSDGaOvsxV8E",
		"{PLAIN.B64}!!",
	};
	const char *error;

	for (size_t i = 0; i < N_ELEMENTS(bad); i++) {
		error = NULL;
		if (password_verify(PW, bad[i], &error) != -1)
			fail_msg("not refused as malformed: %s", bad[i]);
		assert_non_null(error);
	}
}

static void
test_generate_all(void **state ATTR_UNUSED)
{
	static const char *const names[] = {
		"PLAIN", "CLEAR", "PLAIN.B64", "SHA256", "SHA256.HEX",
		"SHA512", "SHA512.B64", "SSHA256", "SSHA512", "SSHA512.HEX",
		"PBKDF2", "CRAM-MD5", "SCRAM-SHA-1", "SCRAM-SHA-256",
		"SHA512-CRYPT", "SHA256-CRYPT", "BLF-CRYPT", "ARGON2I",
		"ARGON2ID", "sha256",
	};
	struct str *str = str_create(system_pool, 256);
	const char *error;

	for (size_t i = 0; i < N_ELEMENTS(names); i++) {
		str_clear(str);
		error = NULL;
		if (password_generate(names[i], PW, str, &error) < 0)
			fail_msg("%s: %s", names[i], error);
		assert_true(str_begins_icase(str_c(str) + 1, names[i]));
		if (password_verify(PW, str_c(str), &error) != 1)
			fail_msg("%s: generated %s does not verify", names[i],
				 str_c(str));
		assert_int_equal(password_verify(PW_WRONG, str_c(str),
						 &error), 0);
	}
	str_clear(str);
	assert_int_equal(password_generate("NOSUCH", PW, str, &error), -1);
	assert_int_equal(password_generate("CRYPT", PW, str, &error), -1);
	assert_int_equal(str_len(str), 0);
	str_free(&str);
}

static void
test_salts_differ(void **state ATTR_UNUSED)
{
	struct str *a = str_create(system_pool, 128);
	struct str *b = str_create(system_pool, 128);
	const char *error;

	assert_int_equal(password_generate("SSHA256", PW, a, &error), 0);
	assert_int_equal(password_generate("SSHA256", PW, b, &error), 0);
	assert_string_not_equal(str_c(a), str_c(b));
	str_free(&a);
	str_free(&b);
}

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
		cmocka_unit_test(test_dovecot_vectors),
		cmocka_unit_test(test_blf_crypt_vector),
		cmocka_unit_test(test_scheme_malformed),
		cmocka_unit_test(test_generate_all),
		cmocka_unit_test(test_salts_differ),
	};

	if (sodium_init() < 0)
		return 1;
	log_init("test", LOG_LEVEL_FATAL);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
