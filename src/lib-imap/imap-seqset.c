/* SPDX-License-Identifier: MIT */
/* Sequence-set parsing and normalization (imap-seqset.h). */
#include "lib.h"
#include "imap-seqset.h"

/* seq-number = nz-number / "*"; nz-number fits 32 bits. */
static int
parse_seq_number(const char **p, uint32_t *num_r, const char **error_r)
{
	const char *s = *p;
	uint32_t num = 0;

	if (*s == '*') {
		*p = s + 1;
		*num_r = 0;
		return 0;
	}
	if (*s < '0' || *s > '9') {
		*error_r = "Invalid sequence set";
		return -1;
	}
	for (; *s >= '0' && *s <= '9'; s++) {
		uint32_t digit = (uint32_t)(*s - '0');

		if (num > (UINT32_MAX - digit) / 10) {
			*error_r = "Sequence number too large";
			return -1;
		}
		num = num * 10 + digit;
	}
	if (num == 0) {
		*error_r = "Sequence number 0 is invalid";
		return -1;
	}
	*p = s;
	*num_r = num;
	return 0;
}

int
imap_seq_set_parse(pool_t pool, const char *str, unsigned int max_ranges,
		   struct imap_seq_set *set_r, const char **error_r)
{
	const char *p = str;

	array_init(&set_r->ranges, pool, 4);
	for (;;) {
		struct imap_seq_range range;

		if (set_r->ranges.count >= max_ranges) {
			*error_r = "Too many ranges in sequence set";
			return -1;
		}
		if (parse_seq_number(&p, &range.seq1, error_r) < 0)
			return -1;
		range.seq2 = range.seq1;
		if (*p == ':') {
			p++;
			if (parse_seq_number(&p, &range.seq2, error_r) < 0)
				return -1;
		}
		array_append(&set_r->ranges, range);
		if (*p == '\0')
			return 0;
		if (*p != ',') {
			*error_r = "Invalid sequence set";
			return -1;
		}
		p++;
	}
}

bool
imap_seq_set_has_star(const struct imap_seq_set *set)
{
	for (size_t i = 0; i < set->ranges.count; i++) {
		if (set->ranges.v[i].seq1 == 0 || set->ranges.v[i].seq2 == 0)
			return true;
	}
	return false;
}

static int
range_cmp(const void *a, const void *b)
{
	const struct imap_seq_range *ra = a, *rb = b;

	if (ra->seq1 != rb->seq1)
		return ra->seq1 < rb->seq1 ? -1 : 1;
	return 0;
}

void
imap_seq_set_normalize(struct imap_seq_set *set, uint32_t star)
{
	size_t i, out = 0;

	for (i = 0; i < set->ranges.count; i++) {
		struct imap_seq_range r = set->ranges.v[i];

		if (r.seq1 == 0)
			r.seq1 = star;
		if (r.seq2 == 0)
			r.seq2 = star;
		if (r.seq1 > r.seq2) {
			uint32_t tmp = r.seq1;

			r.seq1 = r.seq2;
			r.seq2 = tmp;
		}
		if (r.seq1 == 0) {
			/* "*" of an empty mailbox with n:* -> n..n */
			r.seq1 = r.seq2;
		}
		if (r.seq1 == 0)
			continue;
		set->ranges.v[out++] = r;
	}
	set->ranges.count = out;
	if (out == 0)
		return;
	qsort(set->ranges.v, out, sizeof(set->ranges.v[0]), range_cmp);
	/* Merge overlapping and adjacent ranges. */
	size_t merged = 0;

	for (i = 1; i < out; i++) {
		struct imap_seq_range *last = &set->ranges.v[merged];
		const struct imap_seq_range *r = &set->ranges.v[i];

		if (last->seq2 == UINT32_MAX || r->seq1 <= last->seq2 + 1) {
			if (r->seq2 > last->seq2)
				last->seq2 = r->seq2;
		} else {
			set->ranges.v[++merged] = *r;
		}
	}
	set->ranges.count = merged + 1;
}

bool
imap_seq_set_contains(const struct imap_seq_set *set, uint32_t num)
{
	size_t lo = 0, hi = set->ranges.count;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct imap_seq_range *r = &set->ranges.v[mid];

		if (num < r->seq1)
			hi = mid;
		else if (num > r->seq2)
			lo = mid + 1;
		else
			return true;
	}
	return false;
}
