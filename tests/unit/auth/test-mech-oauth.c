/* SPDX-License-Identifier: MIT */
/*
 * EXTERNAL with certificate fields, OAUTHBEARER and XOAUTH2 with JWTs
 * signed here (HS256/HS384/HS512, RS256, ES256 keys made by OpenSSL at
 * test start), the JSON reader, over the real auth-client protocol.
 */
#include "lib.h"
#include "base64.h"
#include "jwt.h"
#include "mech.h"
#include "test-mech-common.h"

#include <setjmp.h>
#include <cmocka.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <sodium.h>

#define ISSUER "https://issuer.example"
#define AUDIENCE "roost"
#define OAUTH_ERROR "{\"status\":\"invalid_token\",\"schemes\":\"bearer\"}"
#define OAUTH_BADREQ "{\"status\":\"invalid_request\",\"schemes\":\"bearer\"}"
#define XOAUTH2_ERROR "{\"status\":\"401\",\"schemes\":\"bearer\"}"

static const char *users_path, *key_dir;
static unsigned char hs_secret[32], hs512_secret[64], default_secret[32];
static EVP_PKEY *rsa_key, *ec_key;

static const char *
b64url(const void *data, size_t size)
{
	struct str *str = str_create(test_pool, size * 2 + 4);
	char *p;

	base64_encode(data, size, str);
	for (p = str->data; *p != '\0'; p++) {
		if (*p == '+')
			*p = '-';
		else if (*p == '/')
			*p = '_';
	}
	while (str_len(str) > 0 && str_c(str)[str_len(str) - 1] == '=')
		str_truncate(str, str_len(str) - 1);
	return str_c(str);
}

static void
write_pem(const char *name, EVP_PKEY *key)
{
	const char *path = p_strdup_printf(test_group_pool, "%s/%s", key_dir, name);
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(PEM_write_PUBKEY(f, key), 1);
	assert_int_equal(fclose(f), 0);
}

static void
write_secret(const char *name, const unsigned char *secret, size_t size)
{
	struct str *str = str_create(system_pool, 128);

	str_append(str, "  ");
	base64_encode(secret, size, str);
	str_append(str, "\n");
	(void)test_mech_write_file(p_strdup_printf(test_group_pool, "keys/%s",
						   name), str_c(str));
	str_free(&str);
}

static int
group_setup(void **state ATTR_UNUSED)
{
	if (sodium_init() < 0 || test_mech_dir_create() < 0)
		return -1;
	users_path = test_mech_write_file("users",
		"alice@example.org:{PLAIN}alice-pw\n"
		"bob@example.org:{SHA256.HEX}00\n"
		"carol@example.org:{PLAIN}x::::::nologin reason=Moved\n");
	key_dir = p_strdup_printf(test_group_pool, "%s/keys", test_dir);
	if (mkdir(key_dir, 0700) < 0)
		return -1;
	randombytes_buf(hs_secret, sizeof(hs_secret));
	randombytes_buf(hs512_secret, sizeof(hs512_secret));
	randombytes_buf(default_secret, sizeof(default_secret));
	write_secret("hs", hs_secret, sizeof(hs_secret));
	write_secret("hs512", hs512_secret, sizeof(hs512_secret));
	write_secret("short", hs_secret, 16);
	write_secret("default", default_secret, sizeof(default_secret));
	rsa_key = EVP_RSA_gen(2048);
	ec_key = EVP_EC_gen("P-256");
	if (rsa_key == NULL || ec_key == NULL)
		return -1;
	write_pem("rs", rsa_key);
	write_pem("es", ec_key);
	return 0;
}

static int
group_teardown(void **state ATTR_UNUSED)
{
	EVP_PKEY_free(rsa_key);
	EVP_PKEY_free(ec_key);
	test_mech_dir_remove();
	return 0;
}

static int
setup(void **state ATTR_UNUSED)
{
	test_mech_init(users_path);
	test_set.oauth2_key_dir = key_dir;
	test_set.oauth2_issuer = ISSUER;
	test_set.oauth2_audience = AUDIENCE;
	test_set.oauth2_clock_skew_secs = 60;
	test_mech_auth_start();
	return 0;
}

static int
teardown(void **state ATTR_UNUSED)
{
	test_mech_deinit();
	return 0;
}

static const char *
sign_pkey(EVP_PKEY *key, const char *input, bool is_ec)
{
	unsigned char sig[1024], raw[64];
	size_t sig_len = sizeof(sig);
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	const unsigned char *p = sig;
	ECDSA_SIG *esig;

	assert_int_equal(EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL,
					    key), 1);
	assert_int_equal(EVP_DigestSign(ctx, sig, &sig_len,
		(const unsigned char *)input, strlen(input)), 1);
	EVP_MD_CTX_free(ctx);
	if (!is_ec)
		return b64url(sig, sig_len);
	esig = d2i_ECDSA_SIG(NULL, &p, (long)sig_len);
	assert_non_null(esig);
	BN_bn2binpad(ECDSA_SIG_get0_r(esig), raw, 32);
	BN_bn2binpad(ECDSA_SIG_get0_s(esig), raw + 32, 32);
	ECDSA_SIG_free(esig);
	return b64url(raw, sizeof(raw));
}

/* A JWT: header alg/kid, the claims JSON, signed as alg says (with key
   material of sign_as, which may differ to test confusion). */
static const char *
make_jwt(const char *alg, const char *kid, const char *claims,
	 const char *sign_as)
{
	const char *header = kid == NULL ?
		p_strdup_printf(test_pool, "{\"alg\":\"%s\",\"typ\":\"JWT\"}",
				alg) :
		p_strdup_printf(test_pool, "{\"alg\":\"%s\",\"kid\":\"%s\"}",
				alg, kid);
	const char *input = p_strdup_printf(test_pool, "%s.%s",
		b64url(header, strlen(header)), b64url(claims, strlen(claims)));
	unsigned char mac[64];
	unsigned int mac_len;

	if (strcmp(sign_as, "HS256") == 0) {
		HMAC(EVP_sha256(), kid == NULL ? default_secret : hs_secret,
		     32, (const unsigned char *)input, strlen(input), mac,
		     &mac_len);
	} else if (strcmp(sign_as, "HS512") == 0) {
		HMAC(EVP_sha512(), hs512_secret, 64,
		     (const unsigned char *)input, strlen(input), mac,
		     &mac_len);
	} else if (strcmp(sign_as, "RS256") == 0) {
		return p_strdup_printf(test_pool, "%s.%s", input,
				       sign_pkey(rsa_key, input, false));
	} else if (strcmp(sign_as, "ES256") == 0) {
		return p_strdup_printf(test_pool, "%s.%s", input,
				       sign_pkey(ec_key, input, true));
	} else {
		return p_strdup_printf(test_pool, "%s.", input);
	}
	return p_strdup_printf(test_pool, "%s.%s", input,
			       b64url(mac, mac_len));
}

static const char *
claims(const char *user, long exp_delta, const char *extra)
{
	long now = (long)time(NULL);

	return p_strdup_printf(test_pool, "{\"iss\":\"" ISSUER "\","
		"\"aud\":[\"other\",\"" AUDIENCE "\"],\"email\":\"%s\","
		"\"exp\":%ld,\"iat\":%ld%s}", user, now + exp_delta, now,
		extra);
}

static const char *
good_claims(void)
{
	return claims("alice@example.org", 3600, "");
}

static const char *
bearer_msg(const char *authzid, const char *token)
{
	return p_strdup_printf(test_pool, "n,%s%s,\001host=mail.example\001"
		"port=143\001auth=Bearer %s\001\001",
		authzid == NULL ? "" : "a=", authzid == NULL ? "" : authzid,
		token);
}

/* AUTH OAUTHBEARER with msg; the final line (after the error dance). */
static void
expect_oauth(struct test_conn *tc, unsigned int id, const char *mech,
	     const char *msg, const char *error_json, const char *result)
{
	const char *got;
	size_t size;

	test_conn_send(tc, p_strdup_printf(test_pool, "AUTH\t%u\t%s\t"
		"service=imap\tsecured\tresp=%s", id, mech,
		test_b64_str(msg)));
	if (error_json != NULL) {
		got = test_conn_expect_cont(tc, id, &size);
		assert_string_equal(got, error_json);
		test_conn_send(tc, p_strdup_printf(test_pool, "CONT\t%u\t%s",
			id, strcmp(mech, "XOAUTH2") == 0 ? "" : "AQ=="));
	}
	test_conn_expect(tc, p_strdup_printf(test_pool, "%s\t%u%s",
		result[0] == 'O' ? "OK" : "FAIL", id, result + 1));
}

#define OK_ALICE "O\tuser=alice@example.org"

static void
test_oauthbearer_good(void **state ATTR_UNUSED)
{
	struct test_conn *tc = test_conn_create();
	size_t size;

	expect_oauth(tc, 1, "OAUTHBEARER", bearer_msg("alice@example.org",
		make_jwt("HS256", "hs", good_claims(), "HS256")), NULL,
		OK_ALICE);
	expect_oauth(tc, 2, "OAUTHBEARER", bearer_msg(NULL,
		make_jwt("RS256", "rs", good_claims(), "RS256")), NULL,
		OK_ALICE);
	expect_oauth(tc, 3, "OAUTHBEARER", bearer_msg(NULL,
		make_jwt("ES256", "es", good_claims(), "ES256")), NULL,
		OK_ALICE);
	expect_oauth(tc, 4, "OAUTHBEARER", bearer_msg(NULL,
		make_jwt("HS512", "hs512", good_claims(), "HS512")), NULL,
		OK_ALICE);
	/* no kid: the "default" key */
	expect_oauth(tc, 5, "OAUTHBEARER", bearer_msg(NULL,
		make_jwt("HS256", NULL, good_claims(), "HS256")), NULL,
		OK_ALICE);
	/* expired, but within the clock skew; nbf in the past */
	expect_oauth(tc, 6, "OAUTHBEARER", bearer_msg(NULL,
		make_jwt("HS256", "hs", claims("alice@example.org", -30,
		",\"nbf\":1000"), "HS256")), NULL, OK_ALICE);
	/* no initial response: empty challenge first */
	test_conn_send(tc, "AUTH\t7\tOAUTHBEARER\tservice=imap\tsecured");
	(void)test_conn_expect_cont(tc, 7, &size);
	assert_int_equal(size, 0);
	test_conn_send(tc, p_strdup_printf(test_pool, "CONT\t7\t%s",
		test_b64_str(bearer_msg(NULL, make_jwt("HS256", "hs",
		good_claims(), "HS256")))));
	test_conn_expect(tc, "OK\t7\tuser=alice@example.org");
	/* XOAUTH2 */
	expect_oauth(tc, 8, "XOAUTH2", p_strdup_printf(test_pool,
		"user=alice@example.org\001auth=Bearer %s\001\001",
		make_jwt("RS256", "rs", good_claims(), "RS256")), NULL,
		OK_ALICE);
	test_conn_close(tc);
}

static void
test_oauthbearer_bad_tokens(void **state ATTR_UNUSED)
{
	struct test_conn *tc = test_conn_create();
	const char *tok = make_jwt("HS256", "hs", good_claims(), "HS256");
	const char *tampered;
	unsigned int id = 1;
	const char *bad[] = {
		/* expired, not yet valid, no exp */
		make_jwt("HS256", "hs", claims("alice@example.org", -3600, ""),
			 "HS256"),
		make_jwt("HS256", "hs", claims("alice@example.org", 3600,
			 ",\"nbf\":9999999999"), "HS256"),
		make_jwt("HS256", "hs", "{\"email\":\"alice@example.org\","
			 "\"iss\":\"" ISSUER "\",\"aud\":\"" AUDIENCE "\"}",
			 "HS256"),
		/* wrong audience, wrong issuer, no user claim */
		make_jwt("HS256", "hs", p_strdup_printf(test_pool,
			 "{\"iss\":\"" ISSUER "\",\"aud\":\"other\",\"email\":"
			 "\"alice@example.org\",\"exp\":%ld}",
			 (long)time(NULL) + 600), "HS256"),
		make_jwt("HS256", "hs", p_strdup_printf(test_pool,
			 "{\"iss\":\"https://evil\",\"aud\":\"" AUDIENCE "\","
			 "\"email\":\"alice@example.org\",\"exp\":%ld}",
			 (long)time(NULL) + 600), "HS256"),
		make_jwt("HS256", "hs", p_strdup_printf(test_pool,
			 "{\"iss\":\"" ISSUER "\",\"aud\":\"" AUDIENCE "\","
			 "\"sub\":\"alice\",\"exp\":%ld}",
			 (long)time(NULL) + 600), "HS256"),
		/* signed with another key, alg none, unknown alg */
		make_jwt("HS256", "default", good_claims(), "HS256"),
		make_jwt("none", "hs", good_claims(), "none"),
		make_jwt("PS256", "rs", good_claims(), "RS256"),
		/* algorithm confusion: HS256 with the RSA public key file;
		   RS256 with an HMAC secret; ES256 key for RS256 */
		make_jwt("HS256", "rs", good_claims(), "HS256"),
		make_jwt("RS256", "hs", good_claims(), "RS256"),
		make_jwt("RS256", "es", good_claims(), "RS256"),
		make_jwt("ES256", "rs", good_claims(), "ES256"),
		/* kid: unknown, path traversal; a too short secret */
		make_jwt("HS256", "nokey", good_claims(), "HS256"),
		make_jwt("HS256", "../keys/hs", good_claims(), "HS256"),
		make_jwt("HS256", ".hidden", good_claims(), "HS256"),
		make_jwt("HS256", "short", good_claims(), "HS256"),
		/* garbage */
		"garbage", "a.b.c", "a.b", "...", "e30.e30.e30.e30",
		NULL
	};

	for (unsigned int i = 0; bad[i] != NULL; i++, id++) {
		expect_oauth(tc, id, "OAUTHBEARER", bearer_msg(NULL, bad[i]),
			     OAUTH_ERROR, "F");
	}
	/* one changed byte in the claims */
	tampered = p_strdup(test_pool, tok);
	((char *)tampered)[strchr(tok, '.') - tok + 5] ^= 1;
	expect_oauth(tc, id++, "OAUTHBEARER", bearer_msg(NULL, tampered),
		     OAUTH_ERROR, "F");
	/* the token is for another user than a= */
	expect_oauth(tc, id++, "OAUTHBEARER", bearer_msg("bob@example.org",
		tok), OAUTH_ERROR, "F");
	/* a valid token for a user no passdb knows, or nologin */
	expect_oauth(tc, id++, "OAUTHBEARER", bearer_msg(NULL,
		make_jwt("HS256", "hs", claims("nobody@example.org", 600, ""),
			 "HS256")), NULL, "F\tuser=nobody@example.org");
	expect_oauth(tc, id++, "OAUTHBEARER", bearer_msg(NULL,
		make_jwt("HS256", "hs", claims("carol@example.org", 600, ""),
			 "HS256")), NULL,
		"F\tuser=carol@example.org\treason=Moved");
	/* a user the passdb knows with any password */
	expect_oauth(tc, id++, "OAUTHBEARER", bearer_msg(NULL,
		make_jwt("HS256", "hs", claims("bob@example.org", 600, ""),
			 "HS256")), NULL, "O\tuser=bob@example.org");
	test_conn_close(tc);
}

static void
test_oauth_malformed(void **state ATTR_UNUSED)
{
	struct test_conn *tc = test_conn_create();
	const char *tok = make_jwt("HS256", "hs", good_claims(), "HS256");
	const char *bad[] = {
		"n,,", "x,,\001auth=Bearer t\001\001",
		p_strdup_printf(test_pool, "p=tls-unique,,\001auth=Bearer "
				"%s\001\001", tok),
		p_strdup_printf(test_pool, "n,,\001auth=Basic %s\001\001", tok),
		p_strdup_printf(test_pool, "n,,\001auth=Bearer %s\001", tok),
		p_strdup_printf(test_pool, "n,,\001auth=Bearer %s\001\001x",
				tok),
		"n,,\001host=x\001\001",
		p_strdup_printf(test_pool, "n,,\001auth=Bearer %s\001auth="
				"Bearer %s\001\001", tok, tok),
		p_strdup_printf(test_pool, "n,a=al=ice,\001auth=Bearer "
				"%s\001\001", tok),
		NULL
	};
	unsigned int id = 1;

	for (unsigned int i = 0; bad[i] != NULL; i++, id++) {
		expect_oauth(tc, id, "OAUTHBEARER", bad[i], OAUTH_BADREQ,
			     "F");
	}
	/* XOAUTH2: no user, another user, bad token */
	expect_oauth(tc, id++, "XOAUTH2", p_strdup_printf(test_pool,
		"auth=Bearer %s\001\001", tok), XOAUTH2_ERROR, "F");
	expect_oauth(tc, id++, "XOAUTH2", p_strdup_printf(test_pool,
		"user=bob@example.org\001auth=Bearer %s\001\001", tok),
		XOAUTH2_ERROR, "F");
	expect_oauth(tc, id++, "XOAUTH2", "user=alice@example.org\001"
		     "auth=Bearer x.y.z\001\001", XOAUTH2_ERROR, "F");
	/* NUL in the message */
	test_conn_send(tc, p_strdup_printf(test_pool, "AUTH\t%u\tXOAUTH2\t"
		"service=imap\tsecured\tresp=%s", id,
		test_b64("user=a\0\001\001", 9)));
	{
		size_t size;

		(void)test_conn_expect_cont(tc, id, &size);
		test_conn_send(tc, p_strdup_printf(test_pool, "CONT\t%u\t",
						   id));
		test_conn_expect(tc, p_strdup_printf(test_pool, "FAIL\t%u",
						     id));
	}
	test_conn_close(tc);
}

static void
test_oauth_key_unreadable(void **state ATTR_UNUSED)
{
	struct test_conn *tc = test_conn_create();
	const char *dir = p_strdup_printf(test_pool, "%s/dirkey", key_dir);

	/* a key "file" that is a directory: a temporary failure */
	assert_int_equal(mkdir(dir, 0700), 0);
	test_conn_send(tc, p_strdup_printf(test_pool, "AUTH\t1\tOAUTHBEARER\t"
		"service=imap\tsecured\tresp=%s", test_b64_str(bearer_msg(
		NULL, make_jwt("HS256", "dirkey", good_claims(), "HS256")))));
	test_conn_expect(tc, "FAIL\t1\ttemp");
	assert_int_equal(rmdir(dir), 0);
	test_conn_close(tc);

	test_mech_deinit();
	test_mech_init(users_path);
	test_set.oauth2_key_dir = "/nonexistent-roost-keys";
	test_mech_auth_start();
	tc = test_conn_create();
	/* a missing key is an invalid token */
	expect_oauth(tc, 1, "OAUTHBEARER", bearer_msg(NULL,
		make_jwt("HS256", "hs", good_claims(), "HS256")),
		OAUTH_ERROR, "F");
	test_conn_close(tc);
}

static const char *
external(struct test_conn *tc, unsigned int id, const char *fields,
	 const char *authzid)
{
	test_conn_send(tc, p_strdup_printf(test_pool, "AUTH\t%u\tEXTERNAL\t"
		"service=imap\tsecured%s\tresp=%s", id, fields,
		test_b64_str(authzid)));
	return test_conn_read_line(tc);
}

static void
test_external(void **state ATTR_UNUSED)
{
	struct test_conn *tc = test_conn_create();
	size_t size;

	assert_string_equal(external(tc, 1, "\tvalid-client-cert\t"
		"cert_subject_cn=alice@example.org", ""),
		"OK\t1\tuser=alice@example.org");
	assert_string_equal(external(tc, 2, "\tvalid-client-cert\t"
		"cert_subject_cn=alice@example.org", "alice@example.org"),
		"OK\t2\tuser=alice@example.org");
	/* no verified certificate, another authzid, no such field */
	assert_string_equal(external(tc, 3, "\tcert_subject_cn="
		"alice@example.org", ""), "FAIL\t3");
	assert_string_equal(external(tc, 4, "\tvalid-client-cert\t"
		"cert_subject_cn=alice@example.org", "bob@example.org"),
		"FAIL\t4");
	assert_string_equal(external(tc, 5, "\tvalid-client-cert\t"
		"cert_subject_email=alice@example.org", ""), "FAIL\t5");
	/* unknown user, nologin, a name with a tab (escaped) */
	assert_string_equal(external(tc, 6, "\tvalid-client-cert\t"
		"cert_subject_cn=nobody", ""), "FAIL\t6\tuser=nobody");
	assert_string_equal(external(tc, 7, "\tvalid-client-cert\t"
		"cert_subject_cn=carol@example.org", ""),
		"FAIL\t7\tuser=carol@example.org\treason=Moved");
	assert_string_equal(external(tc, 8, "\tvalid-client-cert\t"
		"cert_subject_cn=alice\001t@example.org", ""), "FAIL\t8");
	/* no initial response: empty challenge */
	test_conn_send(tc, "AUTH\t9\tEXTERNAL\tservice=imap\tsecured\t"
		       "valid-client-cert\tcert_subject_cn=alice@example.org");
	(void)test_conn_expect_cont(tc, 9, &size);
	test_conn_send(tc, "CONT\t9\t");
	test_conn_expect(tc, "OK\t9\tuser=alice@example.org");
	test_conn_close(tc);

	test_mech_deinit();
	test_mech_init(users_path);
	test_set.cert_username_field = "email";
	test_mech_auth_start();
	tc = test_conn_create();
	assert_string_equal(external(tc, 1, "\tvalid-client-cert\t"
		"cert_subject_cn=bob@example.org\t"
		"cert_subject_email=alice@example.org", ""),
		"OK\t1\tuser=alice@example.org");
	assert_string_equal(external(tc, 2, "\tvalid-client-cert\t"
		"cert_subject_cn=alice@example.org", ""), "FAIL\t2");
	test_conn_close(tc);
}

static int
json(const char *text, struct jwt_json_object *obj)
{
	const char *error = NULL;
	int ret = jwt_json_parse(test_pool, text, strlen(text), obj, &error);

	if (ret < 0)
		assert_non_null(error);
	return ret;
}

static void
test_json(void **state ATTR_UNUSED)
{
	struct jwt_json_object obj;
	const struct jwt_json_member *m;
	struct str *deep;

	test_pool = pool_create_arena("json", 4096);
	assert_int_equal(json(" { \"a\" : \"x\\u00e9\\ud83d\\ude00\\n\", "
		"\"n\": -1.5e2, \"t\": true, \"z\": null, \"o\": {\"p\": "
		"[1, {\"q\": []}]}, \"arr\": [\"s1\", 2, \"s2\"] } ", &obj), 0);
	assert_int_equal(obj.count, 6);
	m = jwt_json_find(&obj, "a");
	assert_string_equal(m->str, "x\xc3\xa9\xf0\x9f\x98\x80\n");
	m = jwt_json_find(&obj, "n");
	assert_true(m->type == JWT_JSON_NUMBER && m->num == -150.0);
	assert_true(jwt_json_find(&obj, "t")->bool_value);
	assert_int_equal(jwt_json_find(&obj, "z")->type, JWT_JSON_NULL);
	assert_int_equal(jwt_json_find(&obj, "o")->type, JWT_JSON_OBJECT);
	m = jwt_json_find(&obj, "arr");
	assert_string_equal(m->strings[0], "s1");
	assert_string_equal(m->strings[1], "s2");
	assert_null(m->strings[2]);
	assert_null(jwt_json_find(&obj, "p"));

	assert_int_equal(json("{}", &obj), 0);
	assert_int_equal(json("", &obj), -1);
	assert_int_equal(json("[]", &obj), -1);
	assert_int_equal(json("{\"a\":1,\"a\":2}", &obj), -1);
	assert_int_equal(json("{\"a\":1}x", &obj), -1);
	assert_int_equal(json("{\"a\":01}", &obj), -1);
	assert_int_equal(json("{\"a\":1.}", &obj), -1);
	assert_int_equal(json("{\"a\":\"\\u0000\"}", &obj), -1);
	assert_int_equal(json("{\"a\":\"\\ud800\"}", &obj), -1);
	assert_int_equal(json("{\"a\":\"\\udc00\"}", &obj), -1);
	assert_int_equal(json("{\"a\":\"\\x\"}", &obj), -1);
	assert_int_equal(json("{\"a\":\"\x01\"}", &obj), -1);
	assert_int_equal(json("{\"a\":\"x}", &obj), -1);
	assert_int_equal(json("{\"a\":tru}", &obj), -1);
	assert_int_equal(json("{\"a\":[1,]}", &obj), -1);
	assert_int_equal(json("{\"a\" 1}", &obj), -1);
	assert_int_equal(json("{a:1}", &obj), -1);
	/* depth and counts are bounded */
	deep = str_create(test_pool, 256);
	str_append(deep, "{\"a\":");
	for (unsigned int i = 0; i < JWT_MAX_JSON_DEPTH + 2; i++)
		str_append(deep, "[");
	for (unsigned int i = 0; i < JWT_MAX_JSON_DEPTH + 2; i++)
		str_append(deep, "]");
	str_append(deep, "}");
	assert_int_equal(json(str_c(deep), &obj), -1);
	str_clear(deep);
	str_append(deep, "{");
	for (unsigned int i = 0; i <= JWT_MAX_JSON_MEMBERS; i++)
		str_printfa(deep, "%s\"k%u\":1", i == 0 ? "" : ",", i);
	str_append(deep, "}");
	assert_int_equal(json(str_c(deep), &obj), -1);
	str_clear(deep);
	str_append(deep, "{\"a\":[");
	for (unsigned int i = 0; i <= JWT_MAX_JSON_ARRAY; i++)
		str_printfa(deep, "%s1", i == 0 ? "" : ",");
	str_append(deep, "]}");
	assert_int_equal(json(str_c(deep), &obj), -1);
	pool_destroy(&test_pool);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_oauthbearer_good, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_oauthbearer_bad_tokens,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_oauth_malformed, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_oauth_key_unreadable,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_external, setup,
						teardown),
		cmocka_unit_test(test_json),
	};

	log_init("auth", getenv("TEST_DEBUG") != NULL ? LOG_LEVEL_DEBUG :
		 LOG_LEVEL_FATAL);
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
