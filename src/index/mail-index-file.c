/* SPDX-License-Identifier: MIT */
/*
 * The roost.index record file image: encoding, strict parsing (every field
 * is checked against the file size before use; a failure names the offset),
 * the CRC-32 every index file uses, and the atomic replace (tmp, fsync,
 * rename, directory fsync). Version 1 files (roost 0.x, whole-file rewrite)
 * are still read, once, for the upgrade.
 */
#include "lib.h"
#include "mail-index-private.h"

#include <fcntl.h>
#include <unistd.h>

#define MAIL_INDEX_TMP_SUFFIX ".tmp"

/* version 1 layout (read-only) */
#define V1_HEADER_SIZE 64
#define V1_RECORD_SIZE 48
#define V1_OFF_NAMES_SIZE 48
#define V1_OFF_CHECKSUM 60

/* Slice-by-8 CRC-32 (IEEE, reflected 0xedb88320): the record file of a
   100,000-message mailbox is checksummed at every open. */
static uint32_t crc_tables[8][256];
static bool crc_tables_ready;

static void
crc32_init_tables(void)
{
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i;
		for (unsigned int k = 0; k < 8; k++)
			c = (c & 1) != 0 ? 0xedb88320U ^ (c >> 1) : c >> 1;
		crc_tables[0][i] = c;
	}
	for (uint32_t i = 0; i < 256; i++) {
		for (unsigned int t = 1; t < 8; t++) {
			uint32_t c = crc_tables[t - 1][i];
			crc_tables[t][i] = crc_tables[0][c & 0xff] ^ (c >> 8);
		}
	}
	crc_tables_ready = true;
}

uint32_t
mail_index_crc32(uint32_t crc, const void *data, size_t size)
{
	const unsigned char *p = data;

	if (!crc_tables_ready)
		crc32_init_tables();
	crc = ~crc;
	while (size >= 8) {
		uint32_t lo = crc ^ le_get32(p);
		uint32_t hi = le_get32(p + 4);
		crc = crc_tables[7][lo & 0xff] ^
			crc_tables[6][(lo >> 8) & 0xff] ^
			crc_tables[5][(lo >> 16) & 0xff] ^
			crc_tables[4][lo >> 24] ^
			crc_tables[3][hi & 0xff] ^
			crc_tables[2][(hi >> 8) & 0xff] ^
			crc_tables[1][(hi >> 16) & 0xff] ^
			crc_tables[0][hi >> 24];
		p += 8;
		size -= 8;
	}
	while (size-- > 0)
		crc = crc_tables[0][(crc ^ *p++) & 0xff] ^ (crc >> 8);
	return ~crc;
}

/* CRC of an image with the 4 bytes at cksum_off taken as 0. */
static uint32_t
image_checksum(const unsigned char *data, size_t size, size_t cksum_off)
{
	static const unsigned char zero[4];
	uint32_t crc;

	crc = mail_index_crc32(0, data, cksum_off);
	crc = mail_index_crc32(crc, zero, sizeof(zero));
	return mail_index_crc32(crc, data + cksum_off + 4,
				size - cksum_off - 4);
}

bool
mail_index_name_is_valid(const char *name)
{
	size_t len = strlen(name);

	if (len == 0 || len > MAIL_INDEX_MAX_NAME_LEN)
		return false;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)name[i];
		if (c <= 0x20 || c == 0x7f || c == '/')
			return false;
	}
	return true;
}

bool
mail_index_keyword_is_valid(const char *name)
{
	size_t len = strlen(name);

	if (len == 0 || len > MAIL_INDEX_MAX_KEYWORD_LEN)
		return false;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)name[i];
		if (c <= 0x20 || c >= 0x7f || strchr("(){%*\"\\]", c) != NULL)
			return false;
	}
	return true;
}

static size_t
keywords_area_size(const struct mail_index *index)
{
	size_t size = 0;

	for (size_t i = 0; i < index->keywords.count; i++)
		size += strlen(index->keywords.v[i]) + 1;
	return size;
}

static void
encode_header(const struct mail_index *index, unsigned char *p,
	      size_t names_size, size_t kw_size)
{
	le_put32(p + HDR_OFF_MAGIC, MAIL_INDEX_MAGIC);
	le_put16(p + HDR_OFF_MAJOR, MAIL_INDEX_MAJOR_VERSION);
	le_put16(p + HDR_OFF_MINOR, MAIL_INDEX_MINOR_VERSION);
	le_put32(p + HDR_OFF_HEADER_SIZE, MAIL_INDEX_HEADER_SIZE);
	le_put32(p + HDR_OFF_RECORD_SIZE, MAIL_INDEX_RECORD_SIZE);
	le_put32(p + HDR_OFF_UID_VALIDITY, index->hdr.uid_validity);
	le_put32(p + HDR_OFF_NEXT_UID, index->hdr.next_uid);
	le_put32(p + HDR_OFF_COUNT, (uint32_t)index->records.count);
	le_put32(p + HDR_OFF_FIRST_RECENT, index->hdr.first_recent_uid);
	le_put64(p + HDR_OFF_GENERATION, index->hdr.generation);
	le_put64(p + HDR_OFF_HIGHEST_MODSEQ, index->hdr.highest_modseq);
	le_put32(p + HDR_OFF_NAMES_SIZE, (uint32_t)names_size);
	le_put32(p + HDR_OFF_KEYWORDS_SIZE, (uint32_t)kw_size);
	le_put32(p + HDR_OFF_LOG_SEQ, index->log_seq);
	le_put32(p + HDR_OFF_LOG_OFFSET, index->log_offset);
	le_put32(p + HDR_OFF_SEEN_COUNT, index->hdr.seen_count);
	le_put32(p + HDR_OFF_DELETED_COUNT, index->hdr.deleted_count);
	le_put32(p + HDR_OFF_CACHE_FILE_ID, index->hdr.cache_file_id);
	le_put32(p + HDR_OFF_EXPUNGE_COUNT, (uint32_t)index->expunges.count);
	le_put64(p + HDR_OFF_EXPUNGE_MODSEQ,
		 index->hdr.expunge_history_modseq);
	le_put32(p + HDR_OFF_KEYWORD_COUNT, (uint32_t)index->keywords.count);
}

static void
encode_record(const struct mail_index_record *rec, unsigned char *r,
	      size_t name_off, size_t len)
{
	le_put32(r + REC_OFF_UID, rec->uid);
	le_put32(r + REC_OFF_FLAGS, rec->flags);
	le_put64(r + REC_OFF_MODSEQ, rec->modseq);
	le_put64(r + REC_OFF_RECEIVED, (uint64_t)rec->received_time);
	le_put64(r + REC_OFF_VSIZE, rec->virtual_size);
	le_put64(r + REC_OFF_PSIZE, rec->physical_size);
	le_put64(r + REC_OFF_KEYWORDS, rec->keywords);
	le_put32(r + REC_OFF_CACHE_OFFSET, rec->cache_offset);
	le_put32(r + REC_OFF_NAME_OFFSET, (uint32_t)name_off);
	le_put16(r + REC_OFF_NAME_LEN, (uint16_t)len);
	le_put16(r + REC_OFF_TZ, (uint16_t)rec->received_tz_offset);
}

void
mail_index_file_encode(const struct mail_index *index, struct buffer *buf)
{
	size_t count = index->records.count, names_size = 0, pos = 0;
	size_t kw_size = keywords_area_size(index);
	size_t exp_size = index->expunges.count * MAIL_INDEX_EXPUNGE_ENTRY_SIZE;
	unsigned char *p, *q;

	for (size_t i = 0; i < count; i++)
		names_size += strlen(index->records.v[i].name) + 1;
	size_t total = MAIL_INDEX_HEADER_SIZE +
		count * MAIL_INDEX_RECORD_SIZE + exp_size + kw_size +
		names_size;
	buffer_clear(buf);
	p = buffer_get_space(buf, total);
	lib_assert(p != NULL);
	memset(p, 0, total);
	encode_header(index, p, names_size, kw_size);

	unsigned char *names = p + total - names_size;
	for (size_t i = 0; i < count; i++) {
		const struct mail_index_record *rec = &index->records.v[i];
		size_t len = strlen(rec->name);

		encode_record(rec, p + MAIL_INDEX_HEADER_SIZE +
			      i * MAIL_INDEX_RECORD_SIZE, pos, len);
		memcpy(names + pos, rec->name, len);
		pos += len + 1;
	}
	q = p + MAIL_INDEX_HEADER_SIZE + count * MAIL_INDEX_RECORD_SIZE;
	for (size_t i = 0; i < index->expunges.count; i++) {
		const struct mail_index_expunge *e = &index->expunges.v[i];
		le_put32(q, e->uid1);
		le_put32(q + 4, e->uid2);
		le_put64(q + 8, e->modseq);
		q += MAIL_INDEX_EXPUNGE_ENTRY_SIZE;
	}
	for (size_t i = 0; i < index->keywords.count; i++) {
		size_t len = strlen(index->keywords.v[i]);
		memcpy(q, index->keywords.v[i], len);
		q += len + 1;
	}
	le_put32(p + HDR_OFF_CHECKSUM,
		 image_checksum(p, total, HDR_OFF_CHECKSUM));
	buffer_set_used_size(buf, total);
}

static int
corrupt(const char *reason, size_t offset, const char **reason_r,
	size_t *offset_r)
{
	*reason_r = reason;
	*offset_r = offset;
	return -1;
}

struct file_layout {
	uint32_t count, exp_count, kw_count;
	size_t hdr_size, rec_size, kw_size, names_size;
	size_t exp_start, kw_start, names_start;
};

/* Checks the v2 header of an image of size bytes; fills layout. */
static int
parse_header(struct mail_index *index, const unsigned char *d, size_t size,
	     struct file_layout *l, const char **reason_r, size_t *offset_r)
{
	size_t total, part;

	l->hdr_size = le_get32(d + HDR_OFF_HEADER_SIZE);
	l->rec_size = le_get32(d + HDR_OFF_RECORD_SIZE);
	l->count = le_get32(d + HDR_OFF_COUNT);
	l->names_size = le_get32(d + HDR_OFF_NAMES_SIZE);
	l->kw_size = le_get32(d + HDR_OFF_KEYWORDS_SIZE);
	l->exp_count = le_get32(d + HDR_OFF_EXPUNGE_COUNT);
	l->kw_count = le_get32(d + HDR_OFF_KEYWORD_COUNT);
	if (l->hdr_size < MAIL_INDEX_HEADER_SIZE || l->hdr_size > size)
		return corrupt("bad header size", HDR_OFF_HEADER_SIZE,
			       reason_r, offset_r);
	if (l->rec_size < MAIL_INDEX_RECORD_SIZE || l->rec_size > 65536)
		return corrupt("bad record size", HDR_OFF_RECORD_SIZE,
			       reason_r, offset_r);
	if (l->kw_count > MAIL_INDEX_MAX_KEYWORDS)
		return corrupt("too many keywords", HDR_OFF_KEYWORD_COUNT,
			       reason_r, offset_r);
	if (l->exp_count > MAIL_INDEX_MAX_EXPUNGE_HISTORY)
		return corrupt("expunge history too long",
			       HDR_OFF_EXPUNGE_COUNT, reason_r, offset_r);
	if (!size_mul_ok(l->count, l->rec_size, &total) ||
	    !size_add_ok(total, l->hdr_size, &total) ||
	    !size_mul_ok(l->exp_count, MAIL_INDEX_EXPUNGE_ENTRY_SIZE, &part) ||
	    !size_add_ok(total, part, &total) ||
	    !size_add_ok(total, l->kw_size, &total) ||
	    !size_add_ok(total, l->names_size, &total) || total != size)
		return corrupt("record count or area sizes past the end of "
			       "file", HDR_OFF_COUNT, reason_r, offset_r);
	if (le_get32(d + HDR_OFF_CHECKSUM) !=
	    image_checksum(d, size, HDR_OFF_CHECKSUM))
		return corrupt("checksum mismatch", HDR_OFF_CHECKSUM,
			       reason_r, offset_r);
	l->exp_start = l->hdr_size + (size_t)l->count * l->rec_size;
	l->kw_start = l->exp_start + part;
	l->names_start = l->kw_start + l->kw_size;

	index->hdr.uid_validity = le_get32(d + HDR_OFF_UID_VALIDITY);
	index->hdr.next_uid = le_get32(d + HDR_OFF_NEXT_UID);
	index->hdr.first_recent_uid = le_get32(d + HDR_OFF_FIRST_RECENT);
	index->hdr.generation = le_get64(d + HDR_OFF_GENERATION);
	index->hdr.highest_modseq = le_get64(d + HDR_OFF_HIGHEST_MODSEQ);
	index->hdr.cache_file_id = le_get32(d + HDR_OFF_CACHE_FILE_ID);
	index->hdr.expunge_history_modseq =
		le_get64(d + HDR_OFF_EXPUNGE_MODSEQ);
	index->log_seq = le_get32(d + HDR_OFF_LOG_SEQ);
	index->log_offset = le_get32(d + HDR_OFF_LOG_OFFSET);
	if (index->hdr.uid_validity == 0)
		return corrupt("UIDVALIDITY is 0", HDR_OFF_UID_VALIDITY,
			       reason_r, offset_r);
	if (index->hdr.next_uid == 0)
		return corrupt("next UID is 0", HDR_OFF_NEXT_UID,
			       reason_r, offset_r);
	if (index->hdr.expunge_history_modseq > index->hdr.highest_modseq)
		return corrupt("expunge history modseq above the highest",
			       HDR_OFF_EXPUNGE_MODSEQ, reason_r, offset_r);
	return 0;
}

/* The NUL-terminated name at names[off..off+len] is valid. */
static bool
name_ref_ok(const unsigned char *names, size_t names_size, size_t off,
	    size_t len)
{
	return off <= names_size && len < names_size - off &&
		names[off + len] == '\0' &&
		memchr(names + off, '\0', len) == NULL &&
		mail_index_name_is_valid((const char *)names + off);
}

static int
parse_record(struct mail_index *index, const unsigned char *r, size_t offset,
	     const char **reason_r, size_t *offset_r)
{
	struct mail_index_record *rec;
	uint32_t uid = le_get32(r + REC_OFF_UID);
	uint32_t name_off = le_get32(r + REC_OFF_NAME_OFFSET);
	uint16_t name_len = le_get16(r + REC_OFF_NAME_LEN);
	uint32_t last_uid = index->records.count == 0 ? 0 :
		index->records.v[index->records.count - 1].uid;
	uint64_t kw = le_get64(r + REC_OFF_KEYWORDS);

	if (uid <= last_uid)
		return corrupt("UIDs not ascending", offset + REC_OFF_UID,
			       reason_r, offset_r);
	if (uid >= index->hdr.next_uid)
		return corrupt("UID not below next UID", offset + REC_OFF_UID,
			       reason_r, offset_r);
	if (!name_ref_ok(index->file_names, index->file_names_size, name_off,
			 name_len))
		return corrupt("bad name reference",
			       offset + REC_OFF_NAME_OFFSET, reason_r, offset_r);
	if (index->keywords.count < 64 &&
	    (kw >> index->keywords.count) != 0)
		return corrupt("undefined keyword bit",
			       offset + REC_OFF_KEYWORDS, reason_r, offset_r);
	rec = array_push(&index->records);
	rec->uid = uid;
	rec->flags = le_get32(r + REC_OFF_FLAGS);
	rec->modseq = le_get64(r + REC_OFF_MODSEQ);
	rec->received_time = (int64_t)le_get64(r + REC_OFF_RECEIVED);
	rec->virtual_size = le_get64(r + REC_OFF_VSIZE);
	rec->physical_size = le_get64(r + REC_OFF_PSIZE);
	rec->keywords = kw;
	rec->cache_offset = le_get32(r + REC_OFF_CACHE_OFFSET);
	rec->received_tz_offset = (int16_t)le_get16(r + REC_OFF_TZ);
	rec->name = (const char *)index->file_names + name_off;
	if (rec->modseq > index->hdr.highest_modseq)
		index->hdr.highest_modseq = rec->modseq;
	return 0;
}

static int
parse_keywords(struct mail_index *index, const unsigned char *d,
	       const struct file_layout *l, const char **reason_r,
	       size_t *offset_r)
{
	size_t pos = l->kw_start, end = l->kw_start + l->kw_size;

	for (uint32_t i = 0; i < l->kw_count; i++) {
		const unsigned char *nul = memchr(d + pos, '\0', end - pos);
		if (nul == NULL ||
		    !mail_index_keyword_is_valid((const char *)d + pos))
			return corrupt("bad keyword name", pos, reason_r,
				       offset_r);
		array_append(&index->keywords, xstrdup((const char *)d + pos));
		pos = (size_t)(nul - d) + 1;
	}
	if (pos != end)
		return corrupt("keyword area size mismatch", pos, reason_r,
			       offset_r);
	return 0;
}

static int
parse_expunges(struct mail_index *index, const unsigned char *d,
	       const struct file_layout *l, const char **reason_r,
	       size_t *offset_r)
{
	uint64_t last = index->hdr.expunge_history_modseq;

	for (uint32_t i = 0; i < l->exp_count; i++) {
		size_t off = l->exp_start + i * MAIL_INDEX_EXPUNGE_ENTRY_SIZE;
		struct mail_index_expunge e;

		e.uid1 = le_get32(d + off);
		e.uid2 = le_get32(d + off + 4);
		e.modseq = le_get64(d + off + 8);
		if (e.uid1 == 0 || e.uid1 > e.uid2 ||
		    e.uid2 >= index->hdr.next_uid || e.modseq <= last ||
		    e.modseq > index->hdr.highest_modseq)
			return corrupt("bad expunge history entry", off,
				       reason_r, offset_r);
		/* entries of one modseq may follow each other */
		last = e.modseq - 1;
		array_append(&index->expunges, e);
	}
	return 0;
}

static int
parse_v2(struct mail_index *index, const unsigned char *d, size_t size,
	 const char **reason_r, size_t *offset_r)
{
	struct file_layout l;

	if (size < MAIL_INDEX_HEADER_SIZE)
		return corrupt("file too short for the header", size,
			       reason_r, offset_r);
	if (parse_header(index, d, size, &l, reason_r, offset_r) < 0 ||
	    parse_keywords(index, d, &l, reason_r, offset_r) < 0 ||
	    parse_expunges(index, d, &l, reason_r, offset_r) < 0)
		return -1;
	index->file_names_size = l.names_size;
	index->file_names = xmalloc(l.names_size + 1);
	memcpy(index->file_names, d + l.names_start, l.names_size);
	array_reserve_(&index->records.base, sizeof(*index->records.v),
		       l.count);
	for (uint32_t i = 0; i < l.count; i++) {
		size_t off = l.hdr_size + (size_t)i * l.rec_size;
		if (parse_record(index, d + off, off, reason_r, offset_r) < 0)
			return -1;
	}
	return 0;
}

/* Version 1: 64-byte header, 48-byte records, names; no log position
   (the state is taken as is and the next write starts a binary log). */
static int
parse_v1(struct mail_index *index, const unsigned char *d, size_t size,
	 const char **reason_r, size_t *offset_r)
{
	size_t total;
	uint32_t count, names_size;

	if (size < V1_HEADER_SIZE)
		return corrupt("file too short for the header", size,
			       reason_r, offset_r);
	count = le_get32(d + HDR_OFF_COUNT);
	names_size = le_get32(d + V1_OFF_NAMES_SIZE);
	if (le_get32(d + HDR_OFF_HEADER_SIZE) != V1_HEADER_SIZE ||
	    le_get32(d + HDR_OFF_RECORD_SIZE) != V1_RECORD_SIZE)
		return corrupt("bad v1 header or record size",
			       HDR_OFF_HEADER_SIZE, reason_r, offset_r);
	if (!size_mul_ok(count, V1_RECORD_SIZE, &total) ||
	    !size_add_ok(total, V1_HEADER_SIZE + (size_t)names_size, &total) ||
	    total != size)
		return corrupt("record count or names size past the end of "
			       "file", HDR_OFF_COUNT, reason_r, offset_r);
	if (le_get32(d + V1_OFF_CHECKSUM) !=
	    image_checksum(d, size, V1_OFF_CHECKSUM))
		return corrupt("checksum mismatch", V1_OFF_CHECKSUM,
			       reason_r, offset_r);
	index->hdr.uid_validity = le_get32(d + HDR_OFF_UID_VALIDITY);
	index->hdr.next_uid = le_get32(d + HDR_OFF_NEXT_UID);
	index->hdr.first_recent_uid = le_get32(d + HDR_OFF_FIRST_RECENT);
	index->hdr.highest_modseq = le_get64(d + HDR_OFF_HIGHEST_MODSEQ);
	if (index->hdr.uid_validity == 0 || index->hdr.next_uid == 0)
		return corrupt("UIDVALIDITY or next UID is 0",
			       HDR_OFF_UID_VALIDITY, reason_r, offset_r);
	index->file_names_size = names_size;
	index->file_names = xmalloc((size_t)names_size + 1);
	memcpy(index->file_names, d + size - names_size, names_size);
	for (uint32_t i = 0; i < count; i++) {
		const unsigned char *r = d + V1_HEADER_SIZE +
			(size_t)i * V1_RECORD_SIZE;
		unsigned char rec2[MAIL_INDEX_RECORD_SIZE];

		/* the v1 record is the v2 one without keywords and cache
		   offset, name fields 12 bytes earlier */
		memset(rec2, 0, sizeof(rec2));
		memcpy(rec2, r, 40);
		memcpy(rec2 + REC_OFF_NAME_OFFSET, r + 40, 4);
		memcpy(rec2 + REC_OFF_NAME_LEN, r + 44, 2);
		memcpy(rec2 + REC_OFF_TZ, r + 46, 2);
		if (parse_record(index, rec2, (size_t)(r - d), reason_r,
				 offset_r) < 0)
			return -1;
	}
	index->log_seq = 0;
	index->log_offset = 0;
	return 0;
}

int
mail_index_file_parse(struct mail_index *index, const unsigned char *data,
		      size_t size, const char **reason_r, size_t *offset_r)
{
	int ret;

	mail_index_clear_state(index);
	if (size < 8)
		return corrupt("file too short for the header", size,
			       reason_r, offset_r);
	if (le_get32(data + HDR_OFF_MAGIC) != MAIL_INDEX_MAGIC)
		return corrupt("bad magic", HDR_OFF_MAGIC, reason_r, offset_r);
	switch (le_get16(data + HDR_OFF_MAJOR)) {
	case 1:
		ret = parse_v1(index, data, size, reason_r, offset_r);
		break;
	case MAIL_INDEX_MAJOR_VERSION:
		ret = parse_v2(index, data, size, reason_r, offset_r);
		break;
	default:
		return corrupt("unsupported major version", HDR_OFF_MAJOR,
			       reason_r, offset_r);
	}
	if (ret < 0) {
		mail_index_clear_state(index);
		return -1;
	}
	mail_index_recount(index);
	index->loaded = true;
	return 0;
}

int
mail_index_parse_image(struct mail_index *index, const void *data,
		       size_t size, const char **reason_r, size_t *offset_r)
{
	return mail_index_file_parse(index, data, size, reason_r, offset_r);
}

int
mail_index_read_whole(struct mail_index *index, const char *name,
		      size_t max_size, struct buffer **buf_r)
{
	struct buffer *buf;
	struct stat st;
	size_t pos = 0;
	int fd;

	*buf_r = NULL;
	fd = openat(index->dir_fd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			return 0;
		e_error(index->event, "open(%s/%s): %s", index->dir_path,
			name, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
	    (uoff_t)st.st_size > max_size) {
		e_error(index->event, "Corrupt index file %s/%s: not a "
			"regular file or over %zu bytes (offset 0)",
			index->dir_path, name, max_size);
		(void)close(fd);
		/* an empty buffer: the callers see it as corrupt */
		*buf_r = buffer_create(system_pool, 1, 0);
		return 1;
	}
	buf = buffer_create(system_pool, (size_t)st.st_size + 1, 0);
	unsigned char *p = buffer_get_space(buf, (size_t)st.st_size);
	while (pos < (size_t)st.st_size) {
		ssize_t ret = read(fd, p + pos, (size_t)st.st_size - pos);
		if (ret < 0 && errno == EINTR)
			continue;
		if (ret < 0) {
			e_error(index->event, "read(%s/%s): %s",
				index->dir_path, name, strerror(errno));
			(void)close(fd);
			buffer_free(&buf);
			return -1;
		}
		if (ret == 0)
			break;	/* shrank meanwhile: parsing sees it short */
		pos += (size_t)ret;
	}
	(void)close(fd);
	buffer_set_used_size(buf, pos);
	*buf_r = buf;
	return 1;
}

int
mail_index_write_full(int fd, const void *data, size_t size)
{
	const unsigned char *p = data;

	while (size > 0) {
		ssize_t ret = write(fd, p, size);
		if (ret < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (ret == 0) {
			errno = ENOSPC;
			return -1;
		}
		p += ret;
		size -= (size_t)ret;
	}
	return 0;
}

int
mail_index_replace_file(struct mail_index *index, const char *name,
			const void *data, size_t size, const char **error_r)
{
	char tmp_name[64];
	int fd;

	if (snprintf(tmp_name, sizeof(tmp_name), "%s%s", name,
		     MAIL_INDEX_TMP_SUFFIX) >= (int)sizeof(tmp_name))
		lib_panic("index file name too long: %s", name);

	fd = openat(index->dir_fd, tmp_name,
		    O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC,
		    0600);
	if (fd < 0) {
		*error_r = mail_index_set_error(index, "open(%s/%s): %s",
					   index->dir_path, tmp_name,
					   strerror(errno));
		return -1;
	}
	if (mail_index_write_full(fd, data, size) < 0 || fsync(fd) < 0) {
		int err = errno;
		*error_r = mail_index_set_error(index, "write(%s/%s): %s",
					   index->dir_path, tmp_name,
					   strerror(err));
		(void)close(fd);
		(void)unlinkat(index->dir_fd, tmp_name, 0);
		errno = err;
		return -1;
	}
	if (close(fd) < 0 ||
	    renameat(index->dir_fd, tmp_name, index->dir_fd, name) < 0) {
		int err = errno;
		*error_r = mail_index_set_error(index, "rename(%s/%s): %s",
					   index->dir_path, tmp_name,
					   strerror(err));
		(void)unlinkat(index->dir_fd, tmp_name, 0);
		errno = err;
		return -1;
	}
	if (fsync(index->dir_fd) < 0) {
		*error_r = mail_index_set_error(index, "fsync(%s): %s",
					   index->dir_path, strerror(errno));
		return -1;
	}
	return 0;
}
