/* SPDX-License-Identifier: MIT */
/*
 * CRAM-MD5 (RFC 2195 example), SCRAM-SHA-1 (RFC 5802 section 5) and
 * SCRAM-SHA-256 (RFC 7677 section 3) test vectors, SCRAM from PLAIN
 * passwords, -PLUS channel binding and its downgrade protection, the
 * cleartext policy, over the real auth-client protocol.
 */
#include "lib.h"
#include "base64.h"
#include "password-scheme.h"
#include "mech.h"
#include "test-mech-common.h"

#include <setjmp.h>
#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <sodium.h>

static const char *users_sha1, *users_sha256;

#define COMMON_USERS \
	"tim:{PLAIN}tanstaaftanstaaf\n" \
	"alice@example.org:{PLAIN}alice-pw\n" \
	"carol:{PLAIN}carol-pw::::::nologin reason=Moved\n" \
	"b64user:{PLAIN.B64}YWxpY2UtcHc=\n"

static int
group_setup(void **state ATTR_UNUSED)
{
	struct str *common = str_create(system_pool, 1024);
	const char *error;

	if (sodium_init() < 0 || test_mech_dir_create() < 0)
		return -1;
	str_append(common, COMMON_USERS);
	str_append(common, "cram:");
	if (password_generate("CRAM-MD5", "tanstaaftanstaaf", common,
			      &error) < 0)
		return -1;
	str_append(common, "\nhashed:");
	if (password_generate("SHA256", "x", common, &error) < 0)
		return -1;
	str_append(common, "\n");
	users_sha1 = test_mech_write_file("users-sha1", p_strdup_printf(
		test_group_pool, "%suser:{SCRAM-SHA-1}4096,QSXCR+Q6sek8bf92,"
		"6dlGYMOdZcOPutkcNY8U2g7vK9Y=,D+CSWLOshSulAsxiupA+qs2/fTE=\n",
		str_c(common)));
	users_sha256 = test_mech_write_file("users-sha256", p_strdup_printf(
		test_group_pool, "%suser:{SCRAM-SHA-256}4096,"
		"W22ZaJ0SNY7soEsUEjb6gQ==,"
		"WG5d8oPm3OtcPnkdi4Uo7BkeZkBFzpcXkuLmtbsT4qY=,"
		"wfPLwcE6nTWhTAmQ7tl2KeoiWGPlZqQxSrmfPwDl2dU=\n",
		str_c(common)));
	str_free(&common);
	return 0;
}

static int
group_teardown(void **state ATTR_UNUSED)
{
	test_mech_dir_remove();
	return 0;
}

static int
setup_sha1(void **state ATTR_UNUSED)
{
	test_mech_init(users_sha1);
	test_mech_auth_start();
	return 0;
}

static int
setup_sha256(void **state ATTR_UNUSED)
{
	test_mech_init(users_sha256);
	test_mech_auth_start();
	return 0;
}

static int
teardown(void **state ATTR_UNUSED)
{
	test_mech_deinit();
	return 0;
}

static void
test_cram_md5(void **state ATTR_UNUSED)
{
	static const char challenge[] =
		"<1896.697170952@postoffice.reston.mci.net>";
	struct test_conn *tc = test_conn_create();
	const char *got;
	size_t size;

	/* RFC 2195's example, from a PLAIN and a CRAM-MD5 stored password */
	mech_test_set_nonce(challenge);
	test_conn_send(tc, "AUTH\t1\tCRAM-MD5\tservice=imap\t"
		       "lip=192.0.2.1\trip=192.0.2.9");
	got = test_conn_expect_cont(tc, 1, &size);
	assert_string_equal(got, challenge);
	test_conn_send(tc, p_strdup_printf(test_pool, "CONT\t1\t%s",
		TEST_B64("tim b913a602c7eda7a495b4e6e7334d3890")));
	test_conn_expect(tc, "OK\t1\tuser=tim");
	test_conn_send(tc, "AUTH\t2\tCRAM-MD5\tservice=imap");
	(void)test_conn_expect_cont(tc, 2, &size);
	test_conn_send(tc, p_strdup_printf(test_pool, "CONT\t2\t%s",
		TEST_B64("cram B913A602C7EDA7A495B4E6E7334D3890")));
	test_conn_expect(tc, "OK\t2\tuser=cram");
	/* wrong digest, unknown user, a scheme that cannot do CRAM */
	test_conn_send(tc, "AUTH\t3\tCRAM-MD5\tservice=imap");
	(void)test_conn_expect_cont(tc, 3, &size);
	test_conn_send(tc, p_strdup_printf(test_pool, "CONT\t3\t%s",
		TEST_B64("tim b913a602c7eda7a495b4e6e7334d3891")));
	test_conn_expect(tc, "FAIL\t3\tuser=tim");
	test_conn_send(tc, "AUTH\t4\tCRAM-MD5\tservice=imap");
	(void)test_conn_expect_cont(tc, 4, &size);
	test_conn_send(tc, p_strdup_printf(test_pool, "CONT\t4\t%s",
		TEST_B64("nobody b913a602c7eda7a495b4e6e7334d3890")));
	test_conn_expect(tc, "FAIL\t4\tuser=nobody");
	test_conn_send(tc, "AUTH\t5\tCRAM-MD5\tservice=imap");
	(void)test_conn_expect_cont(tc, 5, &size);
	test_conn_send(tc, p_strdup_printf(test_pool, "CONT\t5\t%s",
		TEST_B64("hashed b913a602c7eda7a495b4e6e7334d3890")));
	test_conn_expect(tc, "FAIL\t5\tuser=hashed");
	/* malformed: no digest, bad hex, an initial response */
	test_conn_send(tc, "AUTH\t6\tCRAM-MD5\tservice=imap");
	(void)test_conn_expect_cont(tc, 6, &size);
	test_conn_send(tc, p_strdup_printf(test_pool, "CONT\t6\t%s",
		TEST_B64("tim")));
	test_conn_expect(tc, "FAIL\t6");
	test_conn_send(tc, "AUTH\t7\tCRAM-MD5\tservice=imap");
	(void)test_conn_expect_cont(tc, 7, &size);
	test_conn_send(tc, p_strdup_printf(test_pool, "CONT\t7\t%s",
		TEST_B64("tim b913a602c7eda7a495b4e6e7334d38zz")));
	test_conn_expect(tc, "FAIL\t7");
	test_conn_send(tc, p_strdup_printf(test_pool, "AUTH\t8\tCRAM-MD5\t"
		"service=imap\tresp=%s", TEST_B64("tim")));
	test_conn_expect(tc, "FAIL\t8");
	/* nologin after the right answer */
	mech_test_set_nonce(NULL);
	test_conn_send(tc, "AUTH\t9\tCRAM-MD5\tservice=imap");
	got = test_conn_expect_cont(tc, 9, &size);
	assert_true(got[0] == '<' && got[size - 1] == '>');
	{
		unsigned char digest[16];
		unsigned int len;
		struct str *resp = str_create(test_pool, 64);

		HMAC(EVP_md5(), "carol-pw", 8, (const unsigned char *)got,
		     size, digest, &len);
		str_append(resp, "carol ");
		str_append_hex(resp, digest, sizeof(digest));
		test_conn_send(tc, p_strdup_printf(test_pool, "CONT\t9\t%s",
			test_b64_str(str_c(resp))));
	}
	test_conn_expect(tc, "FAIL\t9\tuser=carol\treason=Moved");
	test_conn_close(tc);
}

/* One RFC exchange: client-first, expected server-first, client-final,
   expected server-final. */
static void
scram_rfc_exchange(const char *mech, const char *snonce, const char *first,
		   const char *server_first, const char *final,
		   const char *server_final)
{
	struct test_conn *tc = test_conn_create();
	const char *got;
	size_t size;

	mech_test_set_nonce(snonce);
	test_conn_send(tc, p_strdup_printf(test_pool, "AUTH\t1\t%s\t"
		"service=imap\tresp=%s", mech, test_b64_str(first)));
	got = test_conn_expect_cont(tc, 1, &size);
	assert_string_equal(got, server_first);
	test_conn_send(tc, p_strdup_printf(test_pool, "CONT\t1\t%s",
					   test_b64_str(final)));
	got = test_conn_expect_cont(tc, 1, &size);
	assert_string_equal(got, server_final);
	test_conn_send(tc, "CONT\t1\t");
	test_conn_expect(tc, "OK\t1\tuser=user");

	/* the same proof again: the server nonce is fresh now */
	mech_test_set_nonce(NULL);
	test_conn_send(tc, p_strdup_printf(test_pool, "AUTH\t2\t%s\t"
		"service=imap\tresp=%s", mech, test_b64_str(first)));
	(void)test_conn_expect_cont(tc, 2, &size);
	test_conn_send(tc, p_strdup_printf(test_pool, "CONT\t2\t%s",
					   test_b64_str(final)));
	test_conn_expect(tc, "FAIL\t2\tuser=user");
	test_conn_close(tc);
}

static void
test_scram_sha1_rfc5802(void **state ATTR_UNUSED)
{
	scram_rfc_exchange("SCRAM-SHA-1", "3rfcNHYJY1ZVvWVs7j",
		"n,,n=user,r=fyko+d2lbbFgONRv9qkxdawL",
		"r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,"
		"s=QSXCR+Q6sek8bf92,i=4096",
		"c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,"
		"p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=",
		"v=rmF9pqV8S7suAoZWja4dJRkFsKQ=");
}

static void
test_scram_sha256_rfc7677(void **state ATTR_UNUSED)
{
	scram_rfc_exchange("SCRAM-SHA-256", "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0",
		"n,,n=user,r=rOprNGfwEbeRWgbNEkqO",
		"r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
		"s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",
		"c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
		"p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=",
		"v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=");
}

/* A SCRAM client: the client-final for server_first, and the expected
   server-final. */
static const char *
scram_client_final(const char *digest, const char *password,
		   const char *first_bare, const char *server_first,
		   const char *cbind_b64, const char **server_final_r)
{
	const EVP_MD *md = EVP_get_digestbyname(digest);
	size_t md_size = (size_t)EVP_MD_size(md);
	unsigned char salted[64], client_key[64], stored[64], sig[64];
	unsigned char server_key[64], proof[64];
	struct buffer *salt = buffer_create(test_pool, 64, 0);
	const char *nonce, *s, *i, *without_proof, *auth_message;
	unsigned int len, iter;

	assert_true(str_begins(server_first, "r="));
	s = strstr(server_first, ",s=");
	i = strstr(server_first, ",i=");
	assert_non_null(s);
	assert_non_null(i);
	nonce = p_strndup(test_pool, server_first + 2,
			  (size_t)(s - server_first - 2));
	assert_int_equal(base64_decode(s + 3, (size_t)(i - s - 3), salt), 0);
	assert_int_equal(str_to_uint(i + 3, &iter), 0);
	assert_int_equal(PKCS5_PBKDF2_HMAC(password, (int)strlen(password),
		salt->data, (int)salt->used, (int)iter, md, (int)md_size,
		salted), 1);
	HMAC(md, salted, (int)md_size, (const unsigned char *)"Client Key",
	     10, client_key, &len);
	HMAC(md, salted, (int)md_size, (const unsigned char *)"Server Key",
	     10, server_key, &len);
	EVP_Digest(client_key, md_size, stored, NULL, md, NULL);
	without_proof = p_strdup_printf(test_pool, "c=%s,r=%s", cbind_b64,
					nonce);
	auth_message = p_strdup_printf(test_pool, "%s,%s,%s", first_bare,
				       server_first, without_proof);
	HMAC(md, stored, (int)md_size, (const unsigned char *)auth_message,
	     strlen(auth_message), sig, &len);
	for (size_t k = 0; k < md_size; k++)
		proof[k] = client_key[k] ^ sig[k];
	HMAC(md, server_key, (int)md_size,
	     (const unsigned char *)auth_message, strlen(auth_message), sig,
	     &len);
	*server_final_r = p_strdup_printf(test_pool, "v=%s",
					  test_b64(sig, md_size));
	return p_strdup_printf(test_pool, "%s,p=%s", without_proof,
			       test_b64(proof, md_size));
}

/* A whole SCRAM authentication as request id; extra: more AUTH fields.
   Returns the last line from the server. */
static const char *
scram_run(struct test_conn *tc, unsigned int id, const char *mech,
	  const char *digest, const char *extra, const char *gs2,
	  const char *user, const char *password, const char *cbind)
{
	const char *first_bare = p_strdup_printf(test_pool,
		"n=%s,r=clientnonce%u", user, id);
	const char *first = p_strdup_printf(test_pool, "%s%s", gs2, first_bare);
	const char *got, *final, *server_final, *cbind_b64;
	struct str *cb = str_create(test_pool, 64);
	size_t size;

	test_conn_send(tc, p_strdup_printf(test_pool, "AUTH\t%u\t%s\t"
		"service=imap%s\tresp=%s", id, mech, extra,
		test_b64_str(first)));
	got = test_conn_read_line(tc);
	if (!str_begins(got, "CONT"))
		return got;
	got = p_strdup(test_pool, got + strlen(p_strdup_printf(
		test_pool, "CONT\t%u\t", id)));
	{
		struct buffer *buf = buffer_create(test_pool, 256, 0);

		assert_int_equal(base64_decode(got, strlen(got), buf), 0);
		got = p_strndup(test_pool, buf->data, buf->used);
	}
	str_append(cb, gs2);
	if (cbind != NULL)
		str_append_n(cb, cbind, strlen(cbind));
	cbind_b64 = test_b64(str_c(cb), str_len(cb));
	final = scram_client_final(digest, password, first_bare, got,
				   cbind_b64, &server_final);
	test_conn_send(tc, p_strdup_printf(test_pool, "CONT\t%u\t%s", id,
					   test_b64_str(final)));
	got = test_conn_read_line(tc);
	if (!str_begins(got, "CONT"))
		return got;
	assert_string_equal(got, p_strdup_printf(test_pool, "CONT\t%u\t%s",
		id, test_b64_str(server_final)));
	test_conn_send(tc, p_strdup_printf(test_pool, "CONT\t%u\t", id));
	(void)size;
	return test_conn_read_line(tc);
}

static void
test_scram_from_plain(void **state ATTR_UNUSED)
{
	struct test_conn *tc = test_conn_create();

	assert_string_equal(scram_run(tc, 1, "SCRAM-SHA-256", "SHA256", "",
		"n,,", "alice@example.org", "alice-pw", NULL),
		"OK\t1\tuser=alice@example.org");
	assert_string_equal(scram_run(tc, 2, "SCRAM-SHA-1", "SHA1", "",
		"n,,", "alice@example.org", "alice-pw", NULL),
		"OK\t2\tuser=alice@example.org");
	assert_string_equal(scram_run(tc, 3, "SCRAM-SHA-256", "SHA256", "",
		"n,,", "b64user", "alice-pw", NULL),
		"OK\t3\tuser=b64user");
	/* authzid equal to the user */
	assert_string_equal(scram_run(tc, 4, "SCRAM-SHA-256", "SHA256", "",
		"n,a=alice@example.org,", "alice@example.org", "alice-pw",
		NULL), "OK\t4\tuser=alice@example.org");
	/* wrong password, unknown user (answered with a fake salt until
	   the end), stored scheme of another digest or without secret */
	assert_string_equal(scram_run(tc, 5, "SCRAM-SHA-256", "SHA256", "",
		"n,,", "alice@example.org", "wrong", NULL),
		"FAIL\t5\tuser=alice@example.org");
	assert_string_equal(scram_run(tc, 6, "SCRAM-SHA-256", "SHA256", "",
		"n,,", "nobody", "x", NULL), "FAIL\t6\tuser=nobody");
	assert_string_equal(scram_run(tc, 7, "SCRAM-SHA-1", "SHA1", "",
		"n,,", "user", "pencil", NULL), "FAIL\t7\tuser=user");
	assert_string_equal(scram_run(tc, 8, "SCRAM-SHA-256", "SHA256", "",
		"n,,", "hashed", "x", NULL), "FAIL\t8\tuser=hashed");
	assert_string_equal(scram_run(tc, 9, "SCRAM-SHA-256", "SHA256", "",
		"n,,", "carol", "carol-pw", NULL),
		"FAIL\t9\tuser=carol\treason=Moved");
	/* authzid of someone else */
	assert_string_equal(scram_run(tc, 10, "SCRAM-SHA-256", "SHA256", "",
		"n,a=tim,", "alice@example.org", "alice-pw", NULL),
		"FAIL\t10");
	test_conn_close(tc);
}

static void
send_auth(struct test_conn *tc, unsigned int id, const char *mech,
	  const char *msg)
{
	test_conn_send(tc, p_strdup_printf(test_pool, "AUTH\t%u\t%s\t"
		"service=imap\tresp=%s", id, mech, test_b64_str(msg)));
}

static void
test_scram_malformed(void **state ATTR_UNUSED)
{
	static const char *const bad_first[] = {
		"x,,n=user,r=abc", "n,n=user,r=abc", "n,,m=ext,n=user,r=abc",
		"n,,n=us=er,r=abc", "n,,n=user=2,r=abc", "n,,n=,r=abc",
		"n,,n=user", "n,,n=user,r=", "n,,r=abc,n=user",
		"p=tls-exporter,,n=user,r=abc", "p=,,n=user,r=abc",
		"n,a=,n=user,r=abc", "", NULL
	};
	static const char *const bad_final[] = {
		"", "c=biws", "c=biws,r=abcSNONCE", "r=abcSNONCE,p=AAAA",
		"c=biws,r=abcOTHER,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=",
		"c=biws,r=abcSNONCEX,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=",
		"c=eSws,r=abcSNONCE,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=",
		"c=biws,r=abcSNONCE,p=AAAA",
		"c=biws,r=abcSNONCE,p=!!!!",
		"c=biws,r=abcSNONCE,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=",
		NULL
	};
	struct test_conn *tc = test_conn_create();
	const char *first = "n,,n=user,r=abc", *got;
	unsigned int id = 1;
	size_t size;

	for (; bad_first[id - 1] != NULL; id++) {
		send_auth(tc, id, "SCRAM-SHA-1", bad_first[id - 1]);
		got = test_conn_read_line(tc);
		if (!str_begins(got, p_strdup_printf(test_pool, "FAIL\t%u",
						     id)))
			fail_msg("%s: %s", bad_first[id - 1], got);
	}
	/* garbage client-final messages and nonces */
	mech_test_set_nonce("SNONCE");
	for (unsigned int i = 0; bad_final[i] != NULL; i++, id++) {
		send_auth(tc, id, "SCRAM-SHA-1", first);
		(void)test_conn_expect_cont(tc, id, &size);
		test_conn_send(tc, p_strdup_printf(test_pool, "CONT\t%u\t%s",
			id, test_b64_str(bad_final[i])));
		got = test_conn_read_line(tc);
		if (!str_begins(got, p_strdup_printf(test_pool, "FAIL\t%u",
						     id)))
			fail_msg("%s: %s", bad_final[i], got);
	}
	/* NUL inside */
	test_conn_send(tc, p_strdup_printf(test_pool, "AUTH\t%u\tSCRAM-SHA-1"
		"\tservice=imap\tresp=%s", id,
		test_b64("n,,n=user\0,r=abc", 16)));
	got = test_conn_read_line(tc);
	assert_true(str_begins(got, p_strdup_printf(test_pool, "FAIL\t%u",
						    id)));
	test_conn_close(tc);
}

static void
test_scram_plus(void **state ATTR_UNUSED)
{
	static const char cbind[] = "0123456789abcdef0123456789abcdef";
	const char *tls = p_strdup_printf(test_pool, "\tsecured\t"
		"cbind_type=tls-exporter\tcbind_data=%s", TEST_B64(cbind));
	const char *uniq = p_strdup_printf(test_pool, "\tsecured\t"
		"cbind_type=tls-unique\tcbind_data=%s", TEST_B64("finished12"));
	struct test_conn *tc = test_conn_create();

	assert_string_equal(scram_run(tc, 1, "SCRAM-SHA-256-PLUS", "SHA256",
		tls, "p=tls-exporter,,", "alice@example.org", "alice-pw",
		cbind), "OK\t1\tuser=alice@example.org");
	assert_string_equal(scram_run(tc, 2, "SCRAM-SHA-1-PLUS", "SHA1",
		uniq, "p=tls-unique,,", "alice@example.org", "alice-pw",
		"finished12"), "OK\t2\tuser=alice@example.org");
	/* no channel binding data: not offered */
	assert_string_equal(scram_run(tc, 3, "SCRAM-SHA-256-PLUS", "SHA256",
		"\tsecured", "p=tls-exporter,,", "alice@example.org",
		"alice-pw", cbind),
		"FAIL\t3\treason=Unsupported authentication mechanism");
	/* the client's binding data differs (a man in the middle) */
	assert_string_equal(scram_run(tc, 4, "SCRAM-SHA-256-PLUS", "SHA256",
		tls, "p=tls-exporter,,", "alice@example.org", "alice-pw",
		"ffffffffffffffffffffffffffffffff"),
		"FAIL\t4\tuser=alice@example.org");
	/* another binding type than the connection's */
	assert_string_equal(scram_run(tc, 5, "SCRAM-SHA-256-PLUS", "SHA256",
		tls, "p=tls-unique,,", "alice@example.org", "alice-pw",
		cbind), "FAIL\t5");
	/* -PLUS without "p=" */
	assert_string_equal(scram_run(tc, 6, "SCRAM-SHA-256-PLUS", "SHA256",
		tls, "n,,", "alice@example.org", "alice-pw", NULL),
		"FAIL\t6");
	/* "y" while -PLUS was offered (cbind data present): downgrade */
	assert_string_equal(scram_run(tc, 7, "SCRAM-SHA-256", "SHA256",
		tls, "y,,", "alice@example.org", "alice-pw", NULL),
		"FAIL\t7");
	/* "y" without TLS channel binding, "n" with it: fine */
	assert_string_equal(scram_run(tc, 8, "SCRAM-SHA-256", "SHA256",
		"", "y,,", "alice@example.org", "alice-pw", NULL),
		"OK\t8\tuser=alice@example.org");
	assert_string_equal(scram_run(tc, 9, "SCRAM-SHA-256", "SHA256",
		tls, "n,,", "alice@example.org", "alice-pw", NULL),
		"OK\t9\tuser=alice@example.org");
	/* garbage cbind_data from the auth client */
	assert_string_equal(scram_run(tc, 10, "SCRAM-SHA-256-PLUS", "SHA256",
		"\tcbind_type=tls-exporter\tcbind_data=!!", "p=tls-exporter,,",
		"alice@example.org", "alice-pw", cbind), "FAIL\t10");
	test_conn_close(tc);
}

static void
test_scram_downgrade_plus_disabled(void **state ATTR_UNUSED)
{
	static const char *mechs[] = { "SCRAM-SHA-256", NULL };
	struct test_conn *tc;

	test_mech_deinit();
	test_mech_init(users_sha256);
	test_set.mechanisms = mechs;
	test_mech_auth_start();
	tc = test_conn_create();
	/* -PLUS not enabled: "y" is what a client must say */
	assert_string_equal(scram_run(tc, 1, "SCRAM-SHA-256", "SHA256",
		p_strdup_printf(test_pool, "\tcbind_type=tls-exporter\t"
				"cbind_data=%s", TEST_B64("xyz")),
		"y,,", "alice@example.org", "alice-pw", NULL),
		"OK\t1\tuser=alice@example.org");
	test_conn_close(tc);
}

static const char *
plain_auth(struct test_conn *tc, unsigned int id, const char *fields)
{
	test_conn_send(tc, p_strdup_printf(test_pool, "AUTH\t%u\tPLAIN\t"
		"service=imap%s\tresp=%s", id, fields,
		TEST_B64("\0alice@example.org\0alice-pw")));
	return test_conn_read_line(tc);
}

static void
test_cleartext_policy(void **state ATTR_UNUSED)
{
	static const char *nets[] = { "198.51.100.0/24", "2001:db8::/32",
				      NULL };
	static const char refused[] = "\tcode=privacy_required"
		"\treason=Plaintext authentication "
		"disallowed on non-secure (SSL/TLS) connections.";
	struct test_conn *tc;
	size_t size;

	test_mech_deinit();
	test_mech_init(users_sha256);
	test_set.trusted_networks = nets;
	test_mech_auth_start();
	tc = test_conn_create();
	assert_string_equal(plain_auth(tc, 1, "\tlip=192.0.2.1\t"
		"rip=192.0.2.7"), p_strdup_printf(test_pool, "%s%s", "FAIL\t1", refused));
	assert_string_equal(plain_auth(tc, 2, "\tlip=192.0.2.1\t"
		"rip=192.0.2.7\tsecured"), "OK\t2\tuser=alice@example.org");
	assert_string_equal(plain_auth(tc, 3, "\tlip=192.0.2.1\t"
		"rip=192.0.2.1"), "OK\t3\tuser=alice@example.org");
	assert_string_equal(plain_auth(tc, 4, "\tlip=192.0.2.1\t"
		"rip=198.51.100.200"), "OK\t4\tuser=alice@example.org");
	assert_string_equal(plain_auth(tc, 5, "\tlip=::1\t"
		"rip=2001:db8:1::5"), "OK\t5\tuser=alice@example.org");
	assert_string_equal(plain_auth(tc, 6, "\tlip=::1\t"
		"rip=2001:db9::5"), p_strdup_printf(test_pool, "%s%s", "FAIL\t6", refused));
	assert_string_equal(plain_auth(tc, 7, "\tlip=::1\t"
		"rip=::ffff:198.51.100.3"), "OK\t7\tuser=alice@example.org");
	/* LOGIN, OAUTHBEARER too; CRAM-MD5 and SCRAM are fine */
	test_conn_send(tc, "AUTH\t8\tLOGIN\tservice=smtp\trip=192.0.2.7");
	test_conn_expect(tc, p_strdup_printf(test_pool, "%s%s", "FAIL\t8", refused));
	test_conn_send(tc, "AUTH\t9\tOAUTHBEARER\tservice=smtp\t"
		       "rip=192.0.2.7");
	test_conn_expect(tc, p_strdup_printf(test_pool, "%s%s", "FAIL\t9", refused));
	test_conn_send(tc, "AUTH\t10\tCRAM-MD5\tservice=smtp\t"
		       "rip=192.0.2.7");
	(void)test_conn_expect_cont(tc, 10, &size);
	assert_string_equal(scram_run(tc, 11, "SCRAM-SHA-256", "SHA256",
		"\trip=192.0.2.7", "n,,", "alice@example.org", "alice-pw",
		NULL), "OK\t11\tuser=alice@example.org");
	test_conn_close(tc);

	test_mech_deinit();
	test_mech_init(users_sha256);
	test_set.allow_cleartext = true;
	test_mech_auth_start();
	tc = test_conn_create();
	assert_string_equal(plain_auth(tc, 1, "\tlip=192.0.2.1\t"
		"rip=192.0.2.7"), "OK\t1\tuser=alice@example.org");
	test_conn_close(tc);
}


static void
test_credentials_api(void **state ATTR_UNUSED)
{
	const struct password_scheme *scheme;
	struct password_scram_credentials cred;
	unsigned char ctx[PASSWORD_CRAM_MD5_CONTEXT_SIZE];
	const char *data, *error;

	assert_int_equal(password_parse_stored("{SHA512-CRYPT}$6$x$y",
					       &scheme, &data, &error), 0);
	assert_int_equal(password_get_cram_md5_context(scheme, data, ctx,
						       &error), -1);
	assert_int_equal(password_get_scram_credentials(scheme, data, "SHA256",
							&cred, &error), -1);
	assert_int_equal(password_parse_stored("{SCRAM-SHA-1}4096,AAAA,AAAA,"
		"AAAA", &scheme, &data, &error), 0);
	assert_int_equal(password_get_scram_credentials(scheme, data, "SHA1",
							&cred, &error), -1);
	assert_int_equal(password_parse_stored("{CRAM-MD5}00", &scheme,
					       &data, &error), 0);
	assert_int_equal(password_get_cram_md5_context(scheme, data, ctx,
						       &error), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_cram_md5, setup_sha1,
						teardown),
		cmocka_unit_test_setup_teardown(test_scram_sha1_rfc5802,
						setup_sha1, teardown),
		cmocka_unit_test_setup_teardown(test_scram_sha256_rfc7677,
						setup_sha256, teardown),
		cmocka_unit_test_setup_teardown(test_scram_from_plain,
						setup_sha256, teardown),
		cmocka_unit_test_setup_teardown(test_scram_malformed,
						setup_sha1, teardown),
		cmocka_unit_test_setup_teardown(test_scram_plus,
						setup_sha256, teardown),
		cmocka_unit_test_setup_teardown(
			test_scram_downgrade_plus_disabled, setup_sha256,
			teardown),
		cmocka_unit_test_setup_teardown(test_cleartext_policy,
						setup_sha256, teardown),
		cmocka_unit_test(test_credentials_api),
	};

	log_init("auth", getenv("TEST_DEBUG") != NULL ? LOG_LEVEL_DEBUG :
		 LOG_LEVEL_FATAL);
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
