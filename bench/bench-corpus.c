/* SPDX-License-Identifier: MIT */
/* The deterministic corpus: message i of seed s is always the same bytes.
   Sizes 1 KB .. 2 MB with a long tail (most mail is small, a few percent
   carry big attachments), text/plain, multipart/alternative (text + HTML)
   and multipart/mixed with base64 attachments, six charsets (us-ascii,
   UTF-8 8bit, ISO-8859-1 and windows-1252 quoted-printable, KOI8-R 8bit,
   ISO-2022-JP 7bit) also in RFC 2047 subjects, and threads: about 45% of
   messages answer an earlier one (In-Reply-To, References, "Re:"). */
#include "bench.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

struct rng {
	uint64_t s;
};

static uint64_t rnd(struct rng *r)
{
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint32_t rnd_below(struct rng *r, uint32_t n)
{
	return n == 0 ? 0 : (uint32_t)(rnd(r) % n);
}

static double rnd_unit(struct rng *r)
{
	return (double)(rnd(r) >> 11) * (1.0 / 9007199254740992.0);
}

enum stream { S_BODY = 1, S_PARENT, S_SUBJECT, S_CHARSET, S_DATE };

static struct rng rng_for(uint64_t seed, uint32_t index, enum stream stream)
{
	struct rng r = { seed * 0x2545f4914f6cdd1dULL ^
			 ((uint64_t)index << 24) ^ (uint64_t)stream };

	(void)rnd(&r);
	return r;
}

/* ---- charsets ---- */

enum cte { CTE_7BIT, CTE_8BIT, CTE_QP };

struct charset {
	const char *name;
	enum cte cte;
	char header_enc; /* 'B' or 'Q' for RFC 2047 */
	const char *const *words;
	size_t nwords;
};

static const char *const ascii_words[] = {
	"the", "meeting", "report", "is", "attached", "please", "review",
	"and", "send", "comments", "before", "Friday", "we", "need", "to",
	"discuss", "budget", "for", "next", "quarter", "server", "mail",
	"delivery", "was", "delayed", "by", "network", "issues", "thanks",
	"regards", "project", "status", "update", "schedule", "customer",
	"invoice", "payment", "received", "order", "shipping", "address",
	"team", "lunch", "tomorrow", "at", "noon", "office", "closed",
	"holiday", "release", "notes", "version", "bug", "fix", "tested",
	"on", "staging", "deploy", "Monday", "morning", "a", "of", "in",
	"with", "this", "that", "it", "will", "be", "can", "you", "I",
};

static const char *const utf8_words[] = {
	"Grüße", "naïve", "café", "Zürich", "déjà", "smörgåsbord", "日本語",
	"привет", "ελληνικά", "ñandú", "Straße", "€", "“quoted”", "façade",
};

static const char *const latin1_words[] = {
	"Gr\xfc\xdf" "e", "na\xefve", "caf\xe9", "Z\xfcrich", "d\xe9j\xe0",
	"se\xf1or", "gar\xe7on", "\xe9t\xe9", "Stra\xdf" "e", "f\xe4hrt",
};

static const char *const cp1252_words[] = {
	"caf\xe9", "\x80" "100", "\x93quoted\x94", "na\xefve", "\x96",
	"d\xe9j\xe0", "M\xfcller", "\x85", "r\xe9sum\xe9",
};

static const char *const koi8r_words[] = {
	"\xd0\xd2\xc9\xd7\xc5\xd4", "\xcd\xc9\xd2", "\xd0\xcf\xde\xd4\xc1",
	"\xd3\xc5\xd2\xd7\xc5\xd2", "\xd0\xc9\xd3\xd8\xcd\xcf",
	"\xc4\xcf\xcb\xd5\xcd\xc5\xce\xd4",
};

static const char *const jis_words[] = {
	"\x1b$BF|K\\8l\x1b(B", "\x1b$B%a!<%k\x1b(B", "\x1b$B2q5D\x1b(B",
	"\x1b$BJs9p\x1b(B", "\x1b$B$3$s$K$A$O\x1b(B",
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

static const struct charset charsets[] = {
	{ "us-ascii", CTE_7BIT, 'Q', ascii_words, N(ascii_words) },
	{ "utf-8", CTE_8BIT, 'B', utf8_words, N(utf8_words) },
	{ "iso-8859-1", CTE_QP, 'Q', latin1_words, N(latin1_words) },
	{ "windows-1252", CTE_QP, 'Q', cp1252_words, N(cp1252_words) },
	{ "koi8-r", CTE_8BIT, 'B', koi8r_words, N(koi8r_words) },
	{ "iso-2022-jp", CTE_7BIT, 'B', jis_words, N(jis_words) },
};

static const struct charset *charset_of(uint64_t seed, uint32_t index)
{
	struct rng r = rng_for(seed, index, S_CHARSET);
	double u = rnd_unit(&r);

	if (u < 0.40) return &charsets[1];
	if (u < 0.60) return &charsets[2];
	if (u < 0.70) return &charsets[3];
	if (u < 0.80) return &charsets[4];
	if (u < 0.90) return &charsets[5];
	return &charsets[0];
}

static const char *cte_name(enum cte cte)
{
	switch (cte) {
	case CTE_7BIT: return "7bit";
	case CTE_8BIT: return "8bit";
	case CTE_QP: return "quoted-printable";
	}
	return "7bit";
}

static const char *pick_word(struct rng *r, const struct charset *cs)
{
	if (cs->words != ascii_words && rnd_unit(r) < 0.25)
		return cs->words[rnd_below(r, (uint32_t)cs->nwords)];
	return ascii_words[rnd_below(r, N(ascii_words))];
}

/* Encodes word for the body in cs's transfer encoding into out (size
   >= 4 * strlen + 1); returns the length. */
static size_t body_encode(const struct charset *cs, const char *word,
			  char *out)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t n = 0;

	for (const unsigned char *p = (const unsigned char *)word; *p; p++) {
		if (cs->cte == CTE_QP && (*p >= 0x80 || *p == '=')) {
			out[n++] = '=';
			out[n++] = hex[*p >> 4];
			out[n++] = hex[*p & 15];
		} else {
			out[n++] = (char)*p;
		}
	}
	out[n] = '\0';
	return n;
}

/* Appends about target bytes of text lines (<= 76 octets, CRLF). */
static void add_text(struct rng *r, const struct charset *cs, size_t target,
		     const char *prefix, const char *suffix,
		     struct bench_buf *out)
{
	char line[160], enc[128];
	size_t ll = 0, start = out->len;

	while (out->len - start < target) {
		size_t elen = body_encode(cs, pick_word(r, cs), enc);

		if (ll > 0 && ll + 1 + elen > 72) {
			bench_buf_str(out, prefix);
			bench_buf_add(out, line, ll);
			bench_buf_str(out, suffix);
			bench_buf_str(out, "\r\n");
			if (rnd_below(r, 8) == 0)
				bench_buf_str(out, "\r\n");
			ll = 0;
		}
		if (ll > 0)
			line[ll++] = ' ';
		memcpy(line + ll, enc, elen);
		ll += elen;
	}
	if (ll > 0) {
		bench_buf_str(out, prefix);
		bench_buf_add(out, line, ll);
		bench_buf_str(out, suffix);
		bench_buf_str(out, "\r\n");
	}
}

static void base64_encode(const unsigned char *in, size_t len,
			  struct bench_buf *out)
{
	static const char tab[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	char quad[4];

	for (size_t i = 0; i < len; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16;

		if (i + 1 < len) v |= (uint32_t)in[i + 1] << 8;
		if (i + 2 < len) v |= in[i + 2];
		quad[0] = tab[(v >> 18) & 63];
		quad[1] = tab[(v >> 12) & 63];
		quad[2] = i + 1 < len ? tab[(v >> 6) & 63] : '=';
		quad[3] = i + 2 < len ? tab[v & 63] : '=';
		bench_buf_add(out, quad, 4);
	}
}

/* RFC 2047 encoded word of raw bytes in cs. */
static void add_encoded_word(const struct charset *cs, const char *raw,
			     struct bench_buf *out)
{
	static const char hex[] = "0123456789ABCDEF";

	bench_buf_printf(out, "=?%s?%c?", cs->name, cs->header_enc);
	if (cs->header_enc == 'B') {
		base64_encode((const unsigned char *)raw, strlen(raw), out);
	} else {
		for (const unsigned char *p = (const unsigned char *)raw; *p; p++) {
			char e[3] = { '=', hex[*p >> 4], hex[*p & 15] };

			if (*p == ' ')
				bench_buf_add(out, "_", 1);
			else if (*p >= 0x80 || *p == '=' || *p == '?' || *p == '_')
				bench_buf_add(out, e, 3);
			else
				bench_buf_add(out, p, 1);
		}
	}
	bench_buf_str(out, "?=");
}

/* ---- threads ---- */

#define NO_PARENT UINT32_MAX

static uint32_t parent_of(uint64_t seed, uint32_t index)
{
	struct rng r = rng_for(seed, index, S_PARENT);
	uint32_t window;

	if (index == 0 || rnd_unit(&r) >= 0.45)
		return NO_PARENT;
	window = index < 30 ? index : 30;
	return index - 1 - rnd_below(&r, window);
}

static void add_msgid(uint64_t seed, uint32_t index, struct bench_buf *out)
{
	bench_buf_printf(out, "<%" PRIu32 ".%016" PRIx64 "@bench.example.net>",
			 index, seed);
}

static void add_subject(uint64_t seed, uint32_t index, struct bench_buf *out)
{
	uint32_t root = index, p;
	struct rng r;
	const struct charset *cs;
	struct bench_buf raw = { 0 };
	uint32_t words;

	while ((p = parent_of(seed, root)) != NO_PARENT)
		root = p;
	r = rng_for(seed, root, S_SUBJECT);
	cs = charset_of(seed, root);
	words = 3 + rnd_below(&r, 6);
	for (uint32_t i = 0; i < words; i++) {
		if (i > 0)
			bench_buf_str(&raw, " ");
		bench_buf_str(&raw, pick_word(&r, cs));
	}
	bench_buf_str(out, "Subject: ");
	if (root != index)
		bench_buf_str(out, "Re: ");
	if (cs->words == ascii_words || strlen(raw.data) > 60)
		bench_buf_str(out, cs->words == ascii_words ? raw.data :
			      "Weekly status");
	else
		add_encoded_word(cs, raw.data, out);
	bench_buf_str(out, "\r\n");
	bench_buf_free(&raw);
}

static void add_references(uint64_t seed, uint32_t index,
			   struct bench_buf *out)
{
	uint32_t chain[12], n = 0, p = parent_of(seed, index);

	if (p == NO_PARENT)
		return;
	bench_buf_str(out, "In-Reply-To: ");
	add_msgid(seed, p, out);
	bench_buf_str(out, "\r\n");
	for (; p != NO_PARENT && n < N(chain); p = parent_of(seed, p))
		chain[n++] = p;
	bench_buf_str(out, "References:");
	while (n > 0) {
		bench_buf_str(out, " ");
		add_msgid(seed, chain[--n], out);
		if (n > 0 && n % 2 == 0)
			bench_buf_str(out, "\r\n");
	}
	bench_buf_str(out, "\r\n");
}

/* ---- headers, parts ---- */

static const char *const first_names[] = {
	"Alice", "Bob", "Carol", "Dmitri", "Erika", "Fumiko", "Gustavo",
	"Hanna", "Ivan", "Jürgen", "Kenji", "Lucía", "Mohammed", "Nora",
};
static const char *const last_names[] = {
	"Smith", "Jones", "Ivanova", "Tanaka", "García", "Müller", "Dubois",
	"Rossi", "Nowak", "Okafor", "Larsen", "Silva",
};

static time_t message_date(uint64_t seed, uint32_t index)
{
	struct rng r = rng_for(seed, index, S_DATE);

	return (time_t)1704067200 + (time_t)index * 1800 +
	       (time_t)rnd_below(&r, 1800);
}

static void add_date(uint64_t seed, uint32_t index, struct bench_buf *out)
{
	static const int zones[] = { 0, -500, 100, 900, 530, -800, 200 };
	struct rng r = rng_for(seed, index, S_DATE);
	time_t t;
	int zone;
	struct tm tm;
	char buf[64];

	(void)rnd(&r);
	zone = zones[rnd_below(&r, N(zones))];
	t = message_date(seed, index) +
	    (zone / 100) * 3600 + (zone % 100) * 60;
	gmtime_r(&t, &tm);
	strftime(buf, sizeof(buf), "%a, %d %b %Y %H:%M:%S", &tm);
	bench_buf_printf(out, "Date: %s %c%04d\r\n", buf, zone < 0 ? '-' : '+',
			 zone < 0 ? -zone : zone);
}

static void add_person(struct rng *r, const char *field,
		       struct bench_buf *out)
{
	const char *first = first_names[rnd_below(r, N(first_names))];
	const char *last = last_names[rnd_below(r, N(last_names))];
	bool utf8 = false;

	for (const char *p = first; *p; p++) utf8 |= (*p & 0x80) != 0;
	for (const char *p = last; *p; p++) utf8 |= (*p & 0x80) != 0;
	bench_buf_printf(out, "%s: ", field);
	if (utf8) {
		struct bench_buf name = { 0 };

		bench_buf_printf(&name, "%s %s", first, last);
		add_encoded_word(&charsets[1], name.data, out);
		bench_buf_free(&name);
	} else {
		bench_buf_printf(out, "\"%s %s\"", first, last);
	}
	bench_buf_printf(out, " <%c.%s%u@mail%u.example.com>\r\n",
			 first[0] | 0x20, "sender", rnd_below(r, 1000),
			 rnd_below(r, 20));
}

static void text_part(struct rng *r, const struct charset *cs, size_t size,
		      struct bench_buf *out)
{
	bench_buf_printf(out, "Content-Type: text/plain; charset=\"%s\"\r\n"
			 "Content-Transfer-Encoding: %s\r\n\r\n",
			 cs->name, cte_name(cs->cte));
	add_text(r, cs, size, "", "", out);
}

static void html_part(struct rng *r, const struct charset *cs, size_t size,
		      struct bench_buf *out)
{
	bench_buf_printf(out, "Content-Type: text/html; charset=\"%s\"\r\n"
			 "Content-Transfer-Encoding: %s\r\n\r\n"
			 "<html><head><title>message</title></head><body>\r\n",
			 cs->name, cte_name(cs->cte));
	add_text(r, cs, size, "<p>", "</p>", out);
	bench_buf_str(out, "</body></html>\r\n");
}

static void attachment_part(struct rng *r, uint32_t n, size_t size,
			    struct bench_buf *out)
{
	static const char *const types[][2] = {
		{ "application/pdf", "pdf" }, { "image/jpeg", "jpg" },
		{ "application/zip", "zip" }, { "image/png", "png" },
		{ "application/vnd.openxmlformats-officedocument."
		  "wordprocessingml.document", "docx" },
	};
	uint32_t t = rnd_below(r, N(types));
	size_t raw_len = size / 4 * 3;
	unsigned char *raw = bench_xmalloc(raw_len + 8);
	struct bench_buf b64 = { 0 };

	for (size_t i = 0; i < raw_len; i += 8) {
		uint64_t v = rnd(r);

		memcpy(raw + i, &v, 8);
	}
	bench_buf_printf(out, "Content-Type: %s; name=\"file%u.%s\"\r\n"
			 "Content-Transfer-Encoding: base64\r\n"
			 "Content-Disposition: attachment; "
			 "filename=\"file%u.%s\"\r\n\r\n",
			 types[t][0], n, types[t][1], n, types[t][1]);
	base64_encode(raw, raw_len, &b64);
	for (size_t i = 0; i < b64.len; i += 76) {
		size_t l = b64.len - i < 76 ? b64.len - i : 76;

		bench_buf_add(out, b64.data + i, l);
		bench_buf_str(out, "\r\n");
	}
	bench_buf_free(&b64);
	free(raw);
}

static size_t pick_size(struct rng *r, enum bench_size_mix mix)
{
	static const double bands[][3] = {
		/* cumulative probability, low, high (bytes) */
		{ 0.55, 1024, 8192 },
		{ 0.85, 8192, 40960 },
		{ 0.96, 40960, 307200 },
		{ 0.995, 307200, 1048576 },
		{ 1.0, 1048576, 2097152 },
	};
	double u = rnd_unit(r), v = rnd_unit(r);
	size_t i = 0;

	if (mix == BENCH_SIZES_SMALL)
		return 1024 + (size_t)(v * 7168);
	while (i + 1 < N(bands) && u >= bands[i][0])
		i++;
	/* log-uniform inside the band */
	return (size_t)(bands[i][1] *
			exp(v * log(bands[i][2] / bands[i][1])));
}

void bench_corpus_message(uint64_t seed, uint32_t index,
			  enum bench_size_mix mix, const char *rcpt,
			  struct bench_buf *out)
{
	struct rng r = rng_for(seed, index, S_BODY);
	const struct charset *cs = charset_of(seed, index);
	size_t target = pick_size(&r, mix), start = out->len, hdr, body;
	double kind = rnd_unit(&r);

	add_person(&r, "From", out);
	bench_buf_printf(out, "To: <%s>\r\n", rcpt);
	if (rnd_below(&r, 4) == 0)
		add_person(&r, "Cc", out);
	add_subject(seed, index, out);
	add_date(seed, index, out);
	bench_buf_str(out, "Message-ID: ");
	add_msgid(seed, index, out);
	bench_buf_str(out, "\r\n");
	add_references(seed, index, out);
	if (rnd_below(&r, 3) == 0)
		bench_buf_str(out, "X-Mailer: roost-bench corpus 1\r\n");
	bench_buf_str(out, "MIME-Version: 1.0\r\n");
	hdr = out->len - start;
	body = target > hdr + 200 ? target - hdr : 200;

	if (target >= 40960 || (target >= 8192 && kind < 0.15)) {
		size_t text = 600 + rnd_below(&r, 3000);
		uint32_t atts = 1 + rnd_below(&r, 3);
		size_t each = body > text + 400 ? (body - text) / atts : 400;

		bench_buf_printf(out, "Content-Type: multipart/mixed; "
				 "boundary=\"=_mixed_%u\"\r\n\r\n"
				 "This is a multi-part message in MIME format.\r\n"
				 "\r\n--=_mixed_%u\r\n", index, index);
		text_part(&r, cs, text, out);
		for (uint32_t a = 0; a < atts; a++) {
			bench_buf_printf(out, "\r\n--=_mixed_%u\r\n", index);
			attachment_part(&r, a + 1, each, out);
		}
		bench_buf_printf(out, "\r\n--=_mixed_%u--\r\n", index);
	} else if (kind < 0.35) {
		bench_buf_printf(out, "Content-Type: multipart/alternative; "
				 "boundary=\"=_alt_%u\"\r\n\r\n--=_alt_%u\r\n",
				 index, index);
		text_part(&r, cs, body * 2 / 5, out);
		bench_buf_printf(out, "\r\n--=_alt_%u\r\n", index);
		html_part(&r, cs, body * 2 / 5, out);
		bench_buf_printf(out, "\r\n--=_alt_%u--\r\n", index);
	} else {
		text_part(&r, cs, body, out);
	}
}

/* ---- Maildir population ---- */

static void make_dir(const char *path)
{
	if (mkdir(path, 0700) < 0 && errno != EEXIST)
		bench_fail("mkdir %s: %s", path, strerror(errno));
}

void bench_corpus_populate(const char *dir, uint64_t seed, uint32_t count,
			   enum bench_size_mix mix, const char *rcpt,
			   struct bench_manifest *manifest_r)
{
	static const char *const subdirs[] = { "cur", "new", "tmp" };
	struct bench_buf msg = { 0 };
	char path[4096];

	memset(manifest_r, 0, sizeof(*manifest_r));
	make_dir(dir);
	for (size_t i = 0; i < N(subdirs); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, subdirs[i]);
		make_dir(path);
	}
	for (uint32_t i = 0; i < count; i++) {
		time_t date = message_date(seed, i);
		struct timeval tv[2] = { { date, 0 }, { date, 0 } };
		int fd;

		msg.len = 0;
		bench_corpus_message(seed, i, mix, rcpt, &msg);
		snprintf(path, sizeof(path),
			 "%s/cur/%lld.M%uP%u.roostbench,S=%zu,W=%zu:2,", dir,
			 (long long)date, i, (unsigned)(seed & 0xffff),
			 msg.len, msg.len);
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
		if (fd < 0)
			bench_fail("create %s: %s", path, strerror(errno));
		if (write(fd, msg.data, msg.len) != (ssize_t)msg.len)
			bench_fail("write %s: %s", path, strerror(errno));
		if (futimes(fd, tv) < 0 || close(fd) < 0)
			bench_fail("close %s: %s", path, strerror(errno));
		manifest_r->count++;
		manifest_r->total_bytes += msg.len;
		manifest_r->hash_sum += bench_hash(msg.data, msg.len);
	}
	bench_buf_free(&msg);
}

void bench_manifest_write(const char *path, const struct bench_manifest *m)
{
	FILE *f = fopen(path, "w");

	if (f == NULL)
		bench_fail("create %s: %s", path, strerror(errno));
	fprintf(f, "%" PRIu32 " %" PRIu64 " %" PRIu64 "\n", m->count,
		m->total_bytes, m->hash_sum);
	if (fclose(f) != 0)
		bench_fail("write %s: %s", path, strerror(errno));
}

void bench_manifest_read(const char *path, struct bench_manifest *m_r)
{
	FILE *f = fopen(path, "r");

	if (f == NULL)
		bench_fail("open %s: %s", path, strerror(errno));
	if (fscanf(f, "%" SCNu32 " %" SCNu64 " %" SCNu64, &m_r->count,
		   &m_r->total_bytes, &m_r->hash_sum) != 3)
		bench_fail("bad manifest %s", path);
	fclose(f);
}
