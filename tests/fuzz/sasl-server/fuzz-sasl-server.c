/* SPDX-License-Identifier: MIT */
/*
 * Fuzz roost-auth's SASL mechanisms PLAIN, LOGIN, CRAM-MD5 and
 * SCRAM-SHA-256(-PLUS) through the real auth-client protocol code (a real
 * struct auth, a socketpair, the passwd-file passdb of fuzz-auth-env.h),
 * as Postfix drives them (RELIABILITY.md row 4).
 *
 * Input: one control byte, then the client's responses separated by the
 * byte 0xFF (never part of UTF-8 text; responses may hold NUL and LF):
 *   bits 0-1  mechanism: PLAIN, LOGIN, CRAM-MD5, SCRAM-SHA-256
 *   bit 2     the first response goes in AUTH's resp= (initial response)
 *   bits 3-4  3 only: "secured" with lip != rip; 3 and 4: neither
 *             secured nor local (cleartext must be refused); else
 *             lip = rip = 127.0.0.1 (Postfix on the same host)
 *   bit 5     AUTH carries cbind_type/cbind_data (a TLS login that was
 *             offered -PLUS: SCRAM's downgrade protection)
 *   bit 6     with SCRAM: SCRAM-SHA-256-PLUS (cbind fields always sent)
 *   bit 7     AUTH id 4294967295 instead of 1
 * The harness sends the responses one per server CONT and stops (closes)
 * when they run out, so aborted exchanges are covered too.
 *
 * Helpers that let the fuzzer reach the success paths: a CRAM-MD5
 * response "user *" gets the right digest for that user's password, and
 * in a SCRAM client-final ",r=*" becomes the server's nonce and a final
 * ",p=*" the right proof, filled in by the harness.
 *
 * Oracle (independent of roost's code): an OK must name a user whose
 * valid credential is in the transcript: PLAIN/LOGIN the user and
 * password, CRAM-MD5 the HMAC-MD5 of the server's challenge, SCRAM the
 * client proof over the AuthMessage (recomputed here with OpenSSL from
 * the password, the salt and the iteration count the server sent), and
 * SCRAM's server signature (v=) must be right too. Never OK for a user
 * with nologin, never OK for cleartext refused without TLS (which must
 * answer FAIL code=privacy_required), never a malformed reply line.
 */
#include "lib.h"
#include "fuzz-auth-env.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#define FUZZ_MAX_INPUT (16 * 1024)
#define FUZZ_MAX_RESPONSES 8
#define FUZZ_SEPARATOR 0xff
#define FUZZ_MAX_MSGS (2 * FUZZ_MAX_RESPONSES + 4)
#define SCRAM_KEY_SIZE 32
#define SCRAM_MAX_ITERATIONS 524288

/* fixed channel-binding data of the pretend TLS connection */
#define FUZZ_CBIND_B64 "Zm9vYmFyYmF6cm9vc3QtZnV6ei1jYmluZC1kYXRhMTI="

static const char *const fuzz_mechs[] = {
	"PLAIN", "LOGIN", "CRAM-MD5", "SCRAM-SHA-256", "SCRAM-SHA-256-PLUS",
	NULL
};

enum fuzz_mech { MECH_PLAIN, MECH_LOGIN, MECH_CRAM, MECH_SCRAM };

struct fuzz_msg {
	bool server;
	const unsigned char *data;	/* NUL-terminated too */
	size_t size;
};

struct fuzz_exchange {
	pool_t pool;
	enum fuzz_mech mech;
	struct fuzz_msg msgs[FUZZ_MAX_MSGS];
	unsigned int count;
};

static void
msg_add(struct fuzz_exchange *ex, bool server, const void *data, size_t size)
{
	unsigned char *copy = p_malloc(ex->pool, size + 1);

	fuzz_check(ex->count < FUZZ_MAX_MSGS);
	memcpy(copy, data, size);
	ex->msgs[ex->count].server = server;
	ex->msgs[ex->count].data = copy;
	ex->msgs[ex->count].size = size;
	ex->count++;
}

static void
hmac(const EVP_MD *md, const void *key, size_t key_size, const void *data,
     size_t size, unsigned char *out)
{
	unsigned int out_size;

	if (HMAC(md, key, (int)key_size, data, size, out, &out_size) == NULL)
		fuzz_fail("HMAC failed");
}

/* --- SCRAM, computed here independently of mech-scram.c --- */

struct scram_expect {
	const struct fuzz_auth_user *user;
	unsigned char proof[SCRAM_KEY_SIZE];
	unsigned char server_sig[SCRAM_KEY_SIZE];
};

/* The value of attribute "k=" in a comma-separated SCRAM message. */
static const char *
scram_attr(pool_t pool, const char *msg, char key)
{
	for (const char *p = msg; p != NULL; p = strchr(p, ',')) {
		if (*p == ',')
			p++;
		if (p[0] == key && p[1] == '=') {
			const char *end = strchr(p, ',');

			return end == NULL ? p_strdup(pool, p + 2) :
				p_strndup(pool, p + 2, (size_t)(end - p - 2));
		}
	}
	return NULL;
}

/* client-first: the bare part (after the GS2 header) and its user. */
static bool
scram_client_first(pool_t pool, const char *first, const char **bare_r,
		   const struct fuzz_auth_user **user_r)
{
	const char *comma = strchr(first, ','), *name;
	struct str *user;

	if (comma == NULL || (comma = strchr(comma + 1, ',')) == NULL)
		return false;
	*bare_r = comma + 1;
	if (!str_begins(*bare_r, "n="))
		return false;
	name = scram_attr(pool, *bare_r, 'n');
	user = str_create(pool, 64);
	for (const char *p = name; *p != '\0'; p++) {
		if (str_begins(p, "=2C")) {
			str_append_c(user, ',');
			p += 2;
		} else if (str_begins(p, "=3D")) {
			str_append_c(user, '=');
			p += 2;
		} else {
			str_append_c(user, *p);
		}
	}
	*user_r = fuzz_auth_find_user(str_c(user), str_len(user));
	return *user_r != NULL;
}

/* The proof and server signature a client with the right password
   computes for this exchange. final_len: the client-final without its
   ",p=...". false if the messages are not SCRAM enough to compute. */
static bool
scram_expect(pool_t pool, const char *first, const char *server_first,
	     const char *final, size_t final_len, struct scram_expect *exp)
{
	const EVP_MD *md = EVP_sha256();
	const char *bare, *salt64, *iter, *auth_message;
	unsigned char salted[SCRAM_KEY_SIZE], client_key[SCRAM_KEY_SIZE];
	unsigned char stored[SCRAM_KEY_SIZE], sig[SCRAM_KEY_SIZE];
	unsigned char server_key[SCRAM_KEY_SIZE];
	struct buffer *salt = buffer_create(pool, 64, 1024);
	unsigned int iterations;

	if (!scram_client_first(pool, first, &bare, &exp->user))
		return false;
	salt64 = scram_attr(pool, server_first, 's');
	iter = scram_attr(pool, server_first, 'i');
	if (salt64 == NULL || iter == NULL ||
	    base64_decode(salt64, strlen(salt64), salt) < 0 ||
	    str_to_uint(iter, &iterations) < 0 || iterations == 0 ||
	    iterations > SCRAM_MAX_ITERATIONS)
		return false;
	if (PKCS5_PBKDF2_HMAC(exp->user->password,
			      (int)strlen(exp->user->password), salt->data,
			      (int)salt->used, (int)iterations, md,
			      SCRAM_KEY_SIZE, salted) != 1)
		fuzz_fail("PBKDF2 failed");
	auth_message = p_strdup_printf(pool, "%s,%s,%.*s", bare, server_first,
				       (int)final_len, final);
	hmac(md, salted, sizeof(salted), "Client Key", 10, client_key);
	if (EVP_Digest(client_key, sizeof(client_key), stored, NULL, md,
		       NULL) != 1)
		fuzz_fail("SHA-256 failed");
	hmac(md, stored, sizeof(stored), auth_message, strlen(auth_message),
	     sig);
	for (size_t i = 0; i < SCRAM_KEY_SIZE; i++)
		exp->proof[i] = client_key[i] ^ sig[i];
	hmac(md, salted, sizeof(salted), "Server Key", 10, server_key);
	hmac(md, server_key, sizeof(server_key), auth_message,
	     strlen(auth_message), exp->server_sig);
	return true;
}

/* Offset of the last ",p=" (as RFC 5802 puts the proof last), or -1. */
static ssize_t
scram_proof_offset(const char *final)
{
	const char *p, *last = NULL;

	for (p = final; (p = strstr(p, ",p=")) != NULL; p++)
		last = p;
	return last == NULL ? -1 : last - final;
}

/* The index of the server-first message (the challenge "r=..."). */
static int
scram_server_first_idx(const struct fuzz_exchange *ex)
{
	for (unsigned int i = 1; i < ex->count; i++) {
		if (ex->msgs[i].server && ex->msgs[i].size > 2 &&
		    memcmp(ex->msgs[i].data, "r=", 2) == 0 &&
		    !ex->msgs[i - 1].server)
			return (int)i;
	}
	return -1;
}

/* ",r=*" in a client-final: the server's combined nonce instead of *. */
static const char *
scram_fill_nonce(struct fuzz_exchange *ex, const char *resp,
		 const char *server_first)
{
	const char *p = strstr(resp, ",r=*"), *nonce;

	if (p == NULL || (p[4] != ',' && p[4] != '\0'))
		return resp;
	nonce = scram_attr(ex->pool, server_first, 'r');
	if (nonce == NULL)
		return resp;
	return p_strdup_printf(ex->pool, "%.*s,r=%s%s", (int)(p - resp), resp,
			       nonce, p + 4);
}

/* In the client-final that answers the server-first: ",r=*" gets the
   server's nonce and a final ",p=*" the right proof for the user. */
static const char *
scram_autofill(struct fuzz_exchange *ex, const char *resp)
{
	int k = scram_server_first_idx(ex);
	struct scram_expect exp;
	struct str *str;
	ssize_t off;

	if (k < 0 || (unsigned int)k + 1 != ex->count)
		return resp;
	resp = scram_fill_nonce(ex, resp, (const char *)ex->msgs[k].data);
	off = scram_proof_offset(resp);
	if (off < 0 || strcmp(resp + off, ",p=*") != 0 ||
	    !scram_expect(ex->pool, (const char *)ex->msgs[k - 1].data,
			  (const char *)ex->msgs[k].data, resp, (size_t)off,
			  &exp))
		return resp;
	str = str_create(ex->pool, 256);
	str_append_n(str, resp, (size_t)off + 3);
	base64_encode(exp.proof, sizeof(exp.proof), str);
	return str_c(str);
}

static const struct fuzz_auth_user *
scram_oracle(struct fuzz_exchange *ex)
{
	int k = scram_server_first_idx(ex);
	const char *final, *proof64, *v;
	struct buffer *proof = buffer_create(ex->pool, 64, 256);
	struct scram_expect exp;
	ssize_t off;

	if (k < 0 || (unsigned int)k + 3 > ex->count)
		fuzz_fail("SCRAM OK without a server-first/client-final");
	fuzz_check(!ex->msgs[k + 1].server && ex->msgs[k + 2].server);
	final = (const char *)ex->msgs[k + 1].data;
	off = scram_proof_offset(final);
	if (off < 0 || strlen(final) != ex->msgs[k + 1].size)
		fuzz_fail("SCRAM OK for a client-final without a proof");
	if (!scram_expect(ex->pool, (const char *)ex->msgs[k - 1].data,
			  (const char *)ex->msgs[k].data, final, (size_t)off,
			  &exp))
		fuzz_fail("SCRAM OK for an unknown user or bad server-first");
	proof64 = final + off + 3;
	if (base64_decode(proof64, strlen(proof64), proof) < 0 ||
	    proof->used != SCRAM_KEY_SIZE ||
	    memcmp(proof->data, exp.proof, SCRAM_KEY_SIZE) != 0)
		fuzz_fail("SCRAM OK with a wrong client proof");
	/* the server proved itself with the right key too */
	v = (const char *)ex->msgs[k + 2].data;
	fuzz_check(str_begins(v, "v="));
	buffer_clear(proof);
	if (base64_decode(v + 2, strlen(v + 2), proof) < 0 ||
	    proof->used != SCRAM_KEY_SIZE ||
	    memcmp(proof->data, exp.server_sig, SCRAM_KEY_SIZE) != 0)
		fuzz_fail("SCRAM server signature (v=) is wrong");
	return exp.user;
}

/* --- CRAM-MD5 --- */

static int
hex_value(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* "user SP hex" of a known user: the user and the 16-byte digest. */
static const struct fuzz_auth_user *
cram_parse(const struct fuzz_msg *msg, unsigned char digest[16])
{
	const unsigned char *sp;

	if (msg->size < 34 || msg->data[msg->size - 33] != ' ')
		return NULL;
	sp = msg->data + msg->size - 33;
	for (unsigned int i = 0; i < 16; i++) {
		int hi = hex_value(sp[1 + i * 2]), lo = hex_value(sp[2 + i * 2]);

		if (hi < 0 || lo < 0)
			return NULL;
		digest[i] = (unsigned char)(hi << 4 | lo);
	}
	return fuzz_auth_find_user(msg->data, (size_t)(sp - msg->data));
}

static void
cram_digest(const struct fuzz_auth_user *user, const struct fuzz_msg *chal,
	    unsigned char digest[16])
{
	hmac(EVP_md5(), user->password, strlen(user->password), chal->data,
	     chal->size, digest);
}

static const char *
cram_autofill(struct fuzz_exchange *ex, const char *resp, size_t size)
{
	const struct fuzz_auth_user *user;
	unsigned char digest[16];
	struct str *str;

	if (ex->count == 0 || !ex->msgs[ex->count - 1].server || size < 3 ||
	    strcmp(resp + size - 2, " *") != 0)
		return resp;
	user = fuzz_auth_find_user(resp, size - 2);
	if (user == NULL)
		return resp;
	cram_digest(user, &ex->msgs[ex->count - 1], digest);
	str = str_create(ex->pool, 128);
	str_append_n(str, resp, size - 1);
	str_append_hex(str, digest, sizeof(digest));
	return str_c(str);
}

static const struct fuzz_auth_user *
cram_oracle(const struct fuzz_exchange *ex)
{
	for (unsigned int i = 1; i < ex->count; i++) {
		const struct fuzz_auth_user *user;
		unsigned char got[16], want[16];

		if (ex->msgs[i].server || !ex->msgs[i - 1].server)
			continue;
		user = cram_parse(&ex->msgs[i], got);
		if (user == NULL)
			continue;
		cram_digest(user, &ex->msgs[i - 1], want);
		if (memcmp(got, want, 16) == 0 && !user->nologin)
			return user;
	}
	fuzz_fail("CRAM-MD5 OK without the right digest in the transcript");
}

/* --- PLAIN and LOGIN --- */

static const struct fuzz_auth_user *
plain_oracle(const struct fuzz_exchange *ex)
{
	for (unsigned int i = 0; i < ex->count; i++) {
		const struct fuzz_auth_user *user;

		if (ex->msgs[i].server)
			continue;
		user = fuzz_auth_plain_valid(ex->msgs[i].data,
					     ex->msgs[i].size);
		if (user != NULL)
			return user;
	}
	fuzz_fail("PLAIN OK without a valid credential in the transcript");
}

static const struct fuzz_auth_user *
login_oracle(const struct fuzz_exchange *ex)
{
	const struct fuzz_msg *prev = NULL;

	for (unsigned int i = 0; i < ex->count; i++) {
		const struct fuzz_msg *m = &ex->msgs[i];

		if (m->server)
			continue;
		if (prev != NULL && fuzz_auth_valid(prev->data, prev->size,
						    m->data, m->size))
			return fuzz_auth_find_user(prev->data, prev->size);
		prev = m;
	}
	fuzz_fail("LOGIN OK without a valid user and password in the "
		  "transcript");
}

static void
check_ok(struct fuzz_exchange *ex, const char *line)
{
	const struct fuzz_auth_user *user = NULL;
	const char *ok_user;

	switch (ex->mech) {
	case MECH_PLAIN:
		user = plain_oracle(ex);
		break;
	case MECH_LOGIN:
		user = login_oracle(ex);
		break;
	case MECH_CRAM:
		user = cram_oracle(ex);
		break;
	case MECH_SCRAM:
		user = scram_oracle(ex);
		break;
	}
	if (user->nologin)
		fuzz_fail("OK for %s, which has nologin", user->user);
	ok_user = fuzz_auth_ok_user(ex->pool, line);
	if (ok_user == NULL || strcmp(ok_user, user->user) != 0)
		fuzz_fail("OK names user %s, the credential is %s's",
			  ok_user == NULL ? "(none)" : ok_user, user->user);
}

/* --- driving the exchange --- */

struct fuzz_input {
	uint8_t control;
	const unsigned char *resp[FUZZ_MAX_RESPONSES];
	size_t resp_size[FUZZ_MAX_RESPONSES];
	unsigned int count;
};

static void
split_input(const uint8_t *data, size_t size, struct fuzz_input *in)
{
	const uint8_t *p = data + 1, *end = data + size;

	in->control = data[0];
	in->count = 0;
	while (in->count < FUZZ_MAX_RESPONSES) {
		const uint8_t *sep = memchr(p, FUZZ_SEPARATOR,
					    (size_t)(end - p));
		const uint8_t *stop = sep == NULL ? end : sep;

		in->resp[in->count] = p;
		in->resp_size[in->count] = (size_t)(stop - p);
		in->count++;
		if (sep == NULL)
			break;
		p = sep + 1;
	}
}

static const char *
auth_line(pool_t pool, const struct fuzz_input *in, unsigned int id,
	  const char *mech, bool *insecure_r)
{
	struct str *str = str_create(pool, 256);
	unsigned int net = (in->control >> 3) & 3;

	str_printfa(str, "AUTH\t%u\t%s\tservice=smtp\tnologin", id, mech);
	*insecure_r = net == 3;
	if (net == 0)
		str_append(str, "\tlip=127.0.0.1\trip=127.0.0.1");
	else if (net == 1)
		str_append(str, "\tsecured\tlip=192.0.2.1\trip=198.51.100.7");
	else
		str_append(str, "\tlip=192.0.2.1\trip=198.51.100.7");
	if ((in->control & 0x20) != 0 || strstr(mech, "-PLUS") != NULL)
		str_append(str, "\tcbind_type=tls-exporter\tcbind_data="
			   FUZZ_CBIND_B64);
	return str_c(str);
}

static const char *
next_response(struct fuzz_exchange *ex, const struct fuzz_input *in,
	      unsigned int i, size_t *size_r)
{
	const char *resp = p_strndup(ex->pool, in->resp[i],
				     in->resp_size[i]);

	*size_r = in->resp_size[i];
	if (strlen(resp) != *size_r)
		return (const char *)in->resp[i];	/* has NULs */
	if (ex->mech == MECH_CRAM)
		resp = cram_autofill(ex, resp, *size_r);
	else if (ex->mech == MECH_SCRAM)
		resp = scram_autofill(ex, resp);
	*size_r = strlen(resp);
	return resp;
}

static const char *
cont_line(pool_t pool, unsigned int id, const void *data, size_t size)
{
	struct str *str = str_create(pool, 64 + size * 2);

	str_printfa(str, "CONT\t%u\t", id);
	base64_encode(data, size, str);
	str_append_c(str, '\n');
	return str_c(str);
}

/* One reply line for request id: parses and checks it. Returns false
   when the exchange is over. */
static bool
handle_reply(struct fuzz_auth_env *env, struct fuzz_exchange *ex,
	     const struct fuzz_input *in, unsigned int id, unsigned int *next,
	     const char *line, bool insecure)
{
	const char *const *args = auth_protocol_split_line(ex->pool, line, 64);
	unsigned int reply_id;
	struct buffer *buf;
	const char *resp;
	size_t size;

	fuzz_check(args != NULL && args[0] != NULL && args[1] != NULL);
	if (str_to_uint(args[1], &reply_id) < 0 || reply_id != id)
		fuzz_fail("reply for another id: %s", line);
	if (strcmp(args[0], "FAIL") == 0) {
		if (insecure && ex->mech <= MECH_LOGIN)
			fuzz_check(strstr(line, "\tcode=privacy_required") !=
				   NULL);
		return false;
	}
	if (insecure && ex->mech <= MECH_LOGIN)
		fuzz_fail("cleartext mechanism not refused without TLS: %s",
			  line);
	if (strcmp(args[0], "OK") == 0) {
		check_ok(ex, line);
		return false;
	}
	if (strcmp(args[0], "CONT") != 0 || args[2] == NULL)
		fuzz_fail("unexpected reply: %s", line);
	buf = buffer_create(ex->pool, 256, AUTH_SASL_MAX_RESPONSE_SIZE);
	if (base64_decode(args[2], strlen(args[2]), buf) < 0)
		fuzz_fail("CONT with invalid base64: %s", line);
	msg_add(ex, true, buf->data, buf->used);
	if (*next == in->count)
		return false;	/* out of responses: abort the exchange */
	resp = next_response(ex, in, (*next)++, &size);
	msg_add(ex, false, resp, size);
	fuzz_auth_write_str(env, cont_line(ex->pool, id, resp, size));
	return true;
}

static void
run_exchange(struct fuzz_auth_env *env, struct fuzz_exchange *ex,
	     const struct fuzz_input *in)
{
	static const char *const names[] = {
		"PLAIN", "LOGIN", "CRAM-MD5", "SCRAM-SHA-256"
	};
	unsigned int id = (in->control & 0x80) != 0 ? 4294967295U : 1;
	const char *mech = names[ex->mech], *line;
	unsigned int next = 0;
	struct str *str;
	bool insecure;

	if (ex->mech == MECH_SCRAM && (in->control & 0x40) != 0)
		mech = "SCRAM-SHA-256-PLUS";
	str = str_create(ex->pool, 512);
	str_printfa(str, "VERSION\t1\t0\nCPID\t%ld\n", (long)getpid());
	str_append(str, auth_line(ex->pool, in, id, mech, &insecure));
	if ((in->control & 0x04) != 0) {
		size_t size;
		const char *resp = next_response(ex, in, next++, &size);

		msg_add(ex, false, resp, size);
		str_append(str, "\tresp=");
		base64_encode(resp, size, str);
	}
	str_append_c(str, '\n');
	fuzz_auth_write_str(env, str_c(str));

	while ((line = fuzz_auth_read_line(env)) != NULL) {
		if (!handle_reply(env, ex, in, id, &next, line, insecure))
			break;
	}
}

int
LLVMFuzzerInitialize(int *argc ATTR_UNUSED, char ***argv ATTR_UNUSED)
{
	fuzz_auth_global_init("fuzz-sasl-server");
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_auth_env env;
	struct fuzz_exchange ex;
	struct fuzz_input in;

	if (size < 1 || size > FUZZ_MAX_INPUT)
		return 0;
	split_input(data, size, &in);
	memset(&ex, 0, sizeof(ex));
	ex.pool = pool_create_arena("fuzz sasl", 4096);
	ex.mech = (enum fuzz_mech)(in.control & 3);

	fuzz_auth_env_init(&env, fuzz_mechs);
	fuzz_auth_env_start(&env, false);
	fuzz_auth_read_handshake(&env, fuzz_mechs);
	run_exchange(&env, &ex, &in);
	fuzz_auth_env_deinit(&env);
	pool_destroy(&ex.pool);
	return 0;
}
