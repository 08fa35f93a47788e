/* SPDX-License-Identifier: MIT */
/*
 * Applying log records to the in-memory state. The same code runs when a
 * reader follows the log and when a writer makes a change (the writer
 * applies its change at once and logs it), so replay and the original
 * change cannot disagree. Every record from disk is checked against the
 * state first; an invalid one is reported and nothing of it applied.
 */
#include "lib.h"
#include "mail-index-private.h"

/* payload layouts: see doc/storage.md */
#define RESET_SIZE 8
#define APPEND_FIXED_SIZE 56
#define UPDATE_FIXED_SIZE 40
#define EXPUNGE_FIXED_SIZE 16
#define HEADER_SIZE 8
#define KEYWORD_FIXED_SIZE 8
#define CACHE_RESET_SIZE 8
#define CACHE_OFFSETS_FIXED_SIZE 8
/* above this many ranges an expunge is applied in one pass */
#define EXPUNGE_SWEEP_MIN_RANGES 8

void
mail_index_recount(struct mail_index *index)
{
	uint32_t seen = 0, deleted = 0;

	for (size_t i = 0; i < index->records.count; i++) {
		uint32_t flags = index->records.v[i].flags;
		if ((flags & MAIL_INDEX_FLAG_SEEN) != 0)
			seen++;
		if ((flags & MAIL_INDEX_FLAG_DELETED) != 0)
			deleted++;
	}
	index->hdr.messages_count = (uint32_t)index->records.count;
	index->hdr.seen_count = seen;
	index->hdr.deleted_count = deleted;
}

static void
count_flags(struct mail_index *index, uint32_t flags, int delta)
{
	if ((flags & MAIL_INDEX_FLAG_SEEN) != 0)
		index->hdr.seen_count += (uint32_t)delta;
	if ((flags & MAIL_INDEX_FLAG_DELETED) != 0)
		index->hdr.deleted_count += (uint32_t)delta;
}

static void
raise_modseq(struct mail_index *index, uint64_t modseq)
{
	if (modseq > index->hdr.highest_modseq)
		index->hdr.highest_modseq = modseq;
}

void
mail_index_apply_flags(struct mail_index *index,
		       struct mail_index_record *rec, uint32_t flags,
		       uint64_t keywords, uint64_t modseq)
{
	if (rec->flags == flags && rec->keywords == keywords)
		return;
	count_flags(index, rec->flags, -1);
	count_flags(index, flags, 1);
	rec->flags = flags;
	rec->keywords = keywords;
	rec->modseq = modseq;
	raise_modseq(index, modseq);
}

void
mail_index_add_expunge_history(struct mail_index *index, uint32_t uid1,
			       uint32_t uid2, uint64_t modseq)
{
	struct mail_index_expunge *last = index->expunges.count == 0 ? NULL :
		&index->expunges.v[index->expunges.count - 1];

	if (last != NULL && last->modseq == modseq &&
	    last->uid2 != UINT32_MAX && last->uid2 + 1 == uid1) {
		last->uid2 = uid2;
		return;
	}
	if (index->expunges.count >= MAIL_INDEX_MAX_EXPUNGE_HISTORY) {
		/* drop the oldest eighth: QRESYNC clients older than that
		   get a full resync */
		size_t drop = MAIL_INDEX_MAX_EXPUNGE_HISTORY / 8;
		index->hdr.expunge_history_modseq =
			index->expunges.v[drop - 1].modseq;
		while (drop < index->expunges.count &&
		       index->expunges.v[drop].modseq ==
		       index->hdr.expunge_history_modseq)
			drop++;
		array_delete(&index->expunges, 0, drop);
	}
	struct mail_index_expunge *e = array_push(&index->expunges);
	e->uid1 = uid1;
	e->uid2 = uid2;
	e->modseq = modseq;
}

static int
apply_reset(struct mail_index *index, const unsigned char *p, size_t size,
	    const char **reason_r)
{
	uint32_t uid_validity, next_uid;

	if (size < RESET_SIZE) {
		*reason_r = "short reset record";
		return -1;
	}
	uid_validity = le_get32(p);
	next_uid = le_get32(p + 4);
	if (uid_validity == 0) {
		*reason_r = "reset to UIDVALIDITY 0";
		return -1;
	}
	mail_index_clear_records(index);
	array_clear(&index->expunges);
	index->hdr.uid_validity = uid_validity;
	index->hdr.next_uid = next_uid == 0 ? 1 : next_uid;
	index->hdr.first_recent_uid = 1;
	index->hdr.expunge_history_modseq = index->hdr.highest_modseq;
	mail_index_recount(index);
	if (uid_validity > index->last_uid_validity)
		index->last_uid_validity = uid_validity;
	return 0;
}

static bool
keywords_defined(const struct mail_index *index, uint64_t kw)
{
	return index->keywords.count >= 64 ||
		(kw >> index->keywords.count) == 0;
}

static int
apply_append(struct mail_index *index, const unsigned char *p, size_t size,
	     const char **reason_r)
{
	struct mail_index_record *rec;
	uint32_t uid;
	uint16_t name_len;
	char name[MAIL_INDEX_MAX_NAME_LEN + 1];

	if (size < APPEND_FIXED_SIZE) {
		*reason_r = "short append record";
		return -1;
	}
	uid = le_get32(p);
	name_len = le_get16(p + 50);
	if (uid == 0 || uid < index->hdr.next_uid ||
	    (index->records.count > 0 &&
	     index->records.v[index->records.count - 1].uid >= uid)) {
		*reason_r = "appended UID does not ascend";
		return -1;
	}
	if (name_len == 0 || name_len > MAIL_INDEX_MAX_NAME_LEN ||
	    name_len > size - APPEND_FIXED_SIZE) {
		*reason_r = "bad name length in append record";
		return -1;
	}
	memcpy(name, p + APPEND_FIXED_SIZE, name_len);
	name[name_len] = '\0';
	if (strlen(name) != name_len || !mail_index_name_is_valid(name) ||
	    !keywords_defined(index, le_get64(p + 40))) {
		*reason_r = "bad name or keywords in append record";
		return -1;
	}
	rec = array_push(&index->records);
	rec->uid = uid;
	rec->flags = le_get32(p + 4);
	rec->modseq = le_get64(p + 8);
	rec->received_time = (int64_t)le_get64(p + 16);
	rec->virtual_size = le_get64(p + 24);
	rec->physical_size = le_get64(p + 32);
	rec->keywords = le_get64(p + 40);
	rec->received_tz_offset = (int16_t)le_get16(p + 48);
	rec->name = xstrdup(name);
	index->hdr.next_uid = uid == UINT32_MAX ? uid : uid + 1;
	index->hdr.messages_count++;
	count_flags(index, rec->flags, 1);
	raise_modseq(index, rec->modseq);
	return 0;
}

static int
check_ranges(const unsigned char *p, uint32_t count, size_t avail,
	     const char **reason_r)
{
	if (count == 0 || count > LOG_REC_MAX_RANGES ||
	    (size_t)count * 8 > avail) {
		*reason_r = "bad range count";
		return -1;
	}
	for (uint32_t i = 0; i < count; i++) {
		uint32_t uid1 = le_get32(p + i * 8);
		uint32_t uid2 = le_get32(p + i * 8 + 4);
		if (uid1 == 0 || uid1 > uid2) {
			*reason_r = "bad UID range";
			return -1;
		}
	}
	return 0;
}

static int
apply_update(struct mail_index *index, const unsigned char *p, size_t size,
	     const char **reason_r)
{
	uint64_t modseq, kw_add, kw_remove;
	uint32_t add, remove, count;

	if (size < UPDATE_FIXED_SIZE) {
		*reason_r = "short update record";
		return -1;
	}
	modseq = le_get64(p);
	add = le_get32(p + 8);
	remove = le_get32(p + 12);
	kw_add = le_get64(p + 16);
	kw_remove = le_get64(p + 24);
	count = le_get32(p + 32);
	if (check_ranges(p + UPDATE_FIXED_SIZE, count,
			 size - UPDATE_FIXED_SIZE, reason_r) < 0)
		return -1;
	if (!keywords_defined(index, kw_add) || modseq == 0) {
		*reason_r = "undefined keyword or modseq 0 in update record";
		return -1;
	}
	for (uint32_t i = 0; i < count; i++) {
		const unsigned char *r = p + UPDATE_FIXED_SIZE + i * 8;
		uint32_t uid2 = le_get32(r + 4);
		unsigned int idx = mail_index_lookup_uid_ge_raw(index,
							    le_get32(r));

		for (; idx < index->records.count &&
		     index->records.v[idx].uid <= uid2; idx++) {
			struct mail_index_record *rec = &index->records.v[idx];
			mail_index_apply_flags(index, rec,
				(rec->flags & ~remove) | add,
				(rec->keywords & ~kw_remove) | kw_add, modseq);
		}
	}
	raise_modseq(index, modseq);
	return 0;
}

static int
range_cmp(const void *a, const void *b)
{
	const struct uid_range *x = a, *y = b;

	return x->uid1 < y->uid1 ? -1 : (x->uid1 > y->uid1 ? 1 : 0);
}

static void
remove_record(struct mail_index *index, struct mail_index_record *rec)
{
	count_flags(index, rec->flags, -1);
	index->hdr.messages_count--;
	mail_index_free_name(index, rec->name);
}

/* Many ranges: one pass over the records with the ranges sorted. */
static void
expunge_sweep(struct mail_index *index, const unsigned char *p,
	      uint32_t count)
{
	struct uid_range *ranges = xmalloc(count * sizeof(*ranges));
	size_t r = 0, dest = 0;

	for (uint32_t i = 0; i < count; i++) {
		ranges[i].uid1 = le_get32(p + i * 8);
		ranges[i].uid2 = le_get32(p + i * 8 + 4);
	}
	qsort(ranges, count, sizeof(*ranges), range_cmp);
	for (size_t i = 0; i < index->records.count; i++) {
		struct mail_index_record *rec = &index->records.v[i];
		while (r < count && ranges[r].uid2 < rec->uid)
			r++;
		if (r < count && ranges[r].uid1 <= rec->uid) {
			remove_record(index, rec);
			continue;
		}
		index->records.v[dest++] = *rec;
	}
	index->records.count = dest;
	xfree(ranges);
}

static int
apply_expunge(struct mail_index *index, const unsigned char *p, size_t size,
	      const char **reason_r)
{
	uint64_t modseq;
	uint32_t count;

	if (size < EXPUNGE_FIXED_SIZE) {
		*reason_r = "short expunge record";
		return -1;
	}
	modseq = le_get64(p);
	count = le_get32(p + 8);
	p += EXPUNGE_FIXED_SIZE;
	if (check_ranges(p, count, size - EXPUNGE_FIXED_SIZE, reason_r) < 0)
		return -1;
	if (modseq <= index->hdr.expunge_history_modseq ||
	    (index->expunges.count > 0 &&
	     modseq < index->expunges.v[index->expunges.count - 1].modseq)) {
		*reason_r = "expunge modseq not above the history";
		return -1;
	}
	if (count >= EXPUNGE_SWEEP_MIN_RANGES)
		expunge_sweep(index, p, count);
	for (uint32_t i = 0; i < count; i++) {
		uint32_t uid1 = le_get32(p + i * 8), uid2 = le_get32(p + i * 8 + 4);

		if (count < EXPUNGE_SWEEP_MIN_RANGES) {
			unsigned int lo = mail_index_lookup_uid_ge_raw(index, uid1);
			unsigned int hi = lo;
			for (; hi < index->records.count &&
			     index->records.v[hi].uid <= uid2; hi++)
				remove_record(index, &index->records.v[hi]);
			array_delete(&index->records, lo, hi - lo);
		}
		/* UIDs never given out are not history */
		if (uid1 < index->hdr.next_uid) {
			mail_index_add_expunge_history(index, uid1,
				MIN(uid2, index->hdr.next_uid - 1), modseq);
		}
	}
	raise_modseq(index, modseq);
	return 0;
}

static int
apply_header(struct mail_index *index, const unsigned char *p, size_t size,
	     const char **reason_r)
{
	if (size < HEADER_SIZE) {
		*reason_r = "short header record";
		return -1;
	}
	uint32_t next_uid = le_get32(p), first_recent = le_get32(p + 4);
	if (next_uid > index->hdr.next_uid)
		index->hdr.next_uid = next_uid;
	if (first_recent > index->hdr.first_recent_uid)
		index->hdr.first_recent_uid = first_recent;
	return 0;
}

static int
apply_keyword(struct mail_index *index, const unsigned char *p, size_t size,
	      const char **reason_r)
{
	char name[MAIL_INDEX_MAX_KEYWORD_LEN + 1];
	unsigned int idx;

	if (size < KEYWORD_FIXED_SIZE) {
		*reason_r = "short keyword record";
		return -1;
	}
	uint32_t kw_idx = le_get32(p);
	uint16_t len = le_get16(p + 4);
	if (kw_idx != index->keywords.count ||
	    kw_idx >= MAIL_INDEX_MAX_KEYWORDS || len == 0 ||
	    len > MAIL_INDEX_MAX_KEYWORD_LEN ||
	    len > size - KEYWORD_FIXED_SIZE) {
		*reason_r = "bad keyword number or length";
		return -1;
	}
	memcpy(name, p + KEYWORD_FIXED_SIZE, len);
	name[len] = '\0';
	if (strlen(name) != len || !mail_index_keyword_is_valid(name) ||
	    mail_index_keyword_lookup(index, name, &idx) > 0) {
		*reason_r = "bad or duplicate keyword name";
		return -1;
	}
	array_append(&index->keywords, xstrdup(name));
	return 0;
}

static int
apply_cache_reset(struct mail_index *index, const unsigned char *p,
		  size_t size, const char **reason_r)
{
	if (size < CACHE_RESET_SIZE) {
		*reason_r = "short cache reset record";
		return -1;
	}
	index->hdr.cache_file_id = le_get32(p);
	for (size_t i = 0; i < index->records.count; i++)
		index->records.v[i].cache_offset = 0;
	return 0;
}

static int
apply_cache_offsets(struct mail_index *index, const unsigned char *p,
		    size_t size, const char **reason_r)
{
	uint32_t count;
	if (size < CACHE_OFFSETS_FIXED_SIZE) {
		*reason_r = "short cache offsets record";
		return -1;
	}
	count = le_get32(p);
	if (count > LOG_REC_MAX_RANGES ||
	    (size_t)count * 8 > size - CACHE_OFFSETS_FIXED_SIZE) {
		*reason_r = "bad cache offset count";
		return -1;
	}
	p += CACHE_OFFSETS_FIXED_SIZE;
	for (uint32_t i = 0; i < count; i++) {
		uint32_t uid = le_get32(p + i * 8);
		unsigned int idx = mail_index_lookup_uid_ge_raw(index, uid);
		if (idx < index->records.count &&
		    index->records.v[idx].uid == uid)
			index->records.v[idx].cache_offset =
				le_get32(p + i * 8 + 4);
	}
	return 0;
}

int
mail_index_apply_record(struct mail_index *index, enum log_rec_type type,
			const unsigned char *p, size_t size,
			const char **reason_r)
{
	if (type != LOG_REC_RESET && type != LOG_REC_KEYWORD &&
	    index->hdr.uid_validity == 0) {
		*reason_r = "change before any reset";
		return -1;
	}
	switch (type) {
	case LOG_REC_RESET:
		return apply_reset(index, p, size, reason_r);
	case LOG_REC_APPEND:
		return apply_append(index, p, size, reason_r);
	case LOG_REC_UPDATE:
		return apply_update(index, p, size, reason_r);
	case LOG_REC_EXPUNGE:
		return apply_expunge(index, p, size, reason_r);
	case LOG_REC_HEADER:
		return apply_header(index, p, size, reason_r);
	case LOG_REC_KEYWORD:
		return apply_keyword(index, p, size, reason_r);
	case LOG_REC_CACHE_RESET:
		return apply_cache_reset(index, p, size, reason_r);
	case LOG_REC_CACHE_OFFSETS:
		return apply_cache_offsets(index, p, size, reason_r);
	}
	*reason_r = "unknown record type";
	return -1;
}
