/* SPDX-License-Identifier: MIT */
/*
 * The cache file: header with the field registry, append-only value
 * records chained per message, lookups by walking a message's chain from
 * the offset its index record holds, and compaction.
 */
#include "lib.h"
#include "mail-index-private.h"
#include "mail-cache.h"
#include "mail-cache-private.h"

#include <fcntl.h>
#include <time.h>
#include <unistd.h>

static bool
field_name_is_valid(const char *name)
{
	size_t len = strlen(name);

	if (len == 0 || len > MAIL_CACHE_MAX_FIELD_NAME)
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = name[i];
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '-' || c == '_'))
			return false;
	}
	return true;
}

static uint32_t
header_crc(const unsigned char *hdr)
{
	static const unsigned char zero[4];
	uint32_t crc = mail_index_crc32(0, hdr, CACHE_OFF_CHECKSUM);

	crc = mail_index_crc32(crc, zero, 4);
	return mail_index_crc32(crc, hdr + CACHE_OFF_CHECKSUM + 4,
				CACHE_HEADER_SIZE - CACHE_OFF_CHECKSUM - 4);
}

int
mail_cache_parse_header(const unsigned char *hdr, size_t size, struct mail_cache *c)
{
	if (size < CACHE_HEADER_SIZE ||
	    le_get32(hdr + CACHE_OFF_MAGIC) != CACHE_MAGIC ||
	    le_get16(hdr + CACHE_OFF_MAJOR) != CACHE_MAJOR_VERSION ||
	    le_get32(hdr + CACHE_OFF_HEADER_SIZE) != CACHE_HEADER_SIZE ||
	    le_get32(hdr + CACHE_OFF_CHECKSUM) != header_crc(hdr) ||
	    le_get32(hdr + CACHE_OFF_FILE_ID) == 0 ||
	    le_get32(hdr + CACHE_OFF_FIELD_COUNT) > MAIL_CACHE_MAX_FIELDS)
		return -1;
	c->file_id = le_get32(hdr + CACHE_OFF_FILE_ID);
	c->field_count = le_get32(hdr + CACHE_OFF_FIELD_COUNT);
	c->compact_check = le_get32(hdr + CACHE_OFF_COMPACT_CHECK);
	for (unsigned int i = 0; i < c->field_count; i++) {
		const unsigned char *slot = hdr + CACHE_OFF_FIELDS +
			i * CACHE_FIELD_SLOT;
		if (memchr(slot, '\0', CACHE_FIELD_SLOT) == NULL)
			return -1;
		memcpy(c->fields[i], slot, CACHE_FIELD_SLOT);
		if (!field_name_is_valid(c->fields[i]))
			return -1;
	}
	return 0;
}

int
mail_cache_parse_header_image(const void *data, size_t size,
			      uint32_t *file_id_r, unsigned int *field_count_r)
{
	struct mail_cache c;

	memset(&c, 0, sizeof(c));
	if (mail_cache_parse_header(data, size, &c) < 0)
		return -1;
	*file_id_r = c.file_id;
	*field_count_r = c.field_count;
	return 0;
}

void
mail_cache_encode_header(const struct mail_cache *c, uint32_t uid_validity,
	      unsigned char *hdr)
{
	memset(hdr, 0, CACHE_HEADER_SIZE);
	le_put32(hdr + CACHE_OFF_MAGIC, CACHE_MAGIC);
	le_put16(hdr + CACHE_OFF_MAJOR, CACHE_MAJOR_VERSION);
	le_put32(hdr + CACHE_OFF_HEADER_SIZE, CACHE_HEADER_SIZE);
	le_put32(hdr + CACHE_OFF_FILE_ID, c->file_id);
	le_put32(hdr + CACHE_OFF_UID_VALIDITY, uid_validity);
	le_put32(hdr + CACHE_OFF_FIELD_COUNT, c->field_count);
	le_put32(hdr + CACHE_OFF_COMPACT_CHECK, c->compact_check);
	for (unsigned int i = 0; i < c->field_count; i++) {
		memcpy(hdr + CACHE_OFF_FIELDS + i * CACHE_FIELD_SLOT,
		       c->fields[i], CACHE_FIELD_SLOT);
	}
	le_put32(hdr + CACHE_OFF_CHECKSUM, header_crc(hdr));
}

void
mail_cache_close(struct mail_cache *c)
{
	if (c->fd >= 0)
		(void)close(c->fd);
	c->fd = -1;
	c->file_id = 0;
	c->field_count = 0;
}

void
mail_cache_forget_pending(struct mail_index *index)
{
	if (index->cache != NULL)
		buffer_clear(index->cache->pending);
}

void
mail_cache_free_index(struct mail_index *index)
{
	struct mail_cache *c = index->cache;

	if (c == NULL)
		return;
	index->cache = NULL;
	mail_cache_close(c);
	buffer_free(&c->pending);
	xfree(c);
}

struct mail_cache *
mail_cache_get(struct mail_index *index)
{
	if (index->cache == NULL) {
		index->cache = xcalloc(1, sizeof(*index->cache));
		index->cache->fd = -1;
		index->cache->pending = buffer_create(system_pool, 1024, 0);
	}
	return index->cache;
}

void
mail_cache_warn(struct mail_index *index, uoff_t offset, const char *reason)
{
	struct mail_cache *c = mail_cache_get(index);

	if (c->warned)
		return;
	c->warned = true;
	e_warning(index->event, "Corrupt cache file %s/%s: %s (offset %llu); "
		  "values are dropped", index->dir_path,
		  MAIL_INDEX_CACHE_FILE_NAME, reason,
		  (unsigned long long)offset);
}

/* (Re)read the header of the open file. */
int
mail_cache_reread_header(struct mail_index *index, struct mail_cache *c)
{
	unsigned char hdr[CACHE_HEADER_SIZE];
	struct stat st;

	if (pread(c->fd, hdr, sizeof(hdr), 0) != (ssize_t)sizeof(hdr) ||
	    mail_cache_parse_header(hdr, sizeof(hdr), c) < 0 || fstat(c->fd, &st) < 0) {
		mail_cache_warn(index, 0, "bad header");
		mail_cache_close(c);
		return -1;
	}
	c->file_size = (uoff_t)st.st_size;
	return 0;
}

/* Open the cache file the index's records point into. 0 ok, -1 none. */
int
mail_cache_open(struct mail_index *index)
{
	struct mail_cache *c = mail_cache_get(index);

	if (index->hdr.cache_file_id == 0)
		return -1;
	if (c->fd >= 0 && c->file_id == index->hdr.cache_file_id)
		return 0;
	mail_cache_close(c);
	c->fd = openat(index->dir_fd, MAIL_INDEX_CACHE_FILE_NAME,
		       O_RDWR | O_NOFOLLOW | O_CLOEXEC);
	if (c->fd < 0)
		return -1;
	if (mail_cache_reread_header(index, c) < 0)
		return -1;
	if (c->file_id != index->hdr.cache_file_id) {
		/* another generation: we are behind (or it is stale) */
		mail_cache_close(c);
		return -1;
	}
	return 0;
}

uint32_t
mail_cache_new_file_id(uint32_t old_id)
{
	static uint32_t counter;
	uint32_t id = (uint32_t)time(NULL) ^ ((uint32_t)getpid() << 12) ^
		(++counter * 0x9e3779b9U);

	if (id == 0 || id == old_id)
		id = old_id + 1 == 0 ? 1 : old_id + 1;
	return id;
}

/* Write a new cache file (fields kept) and point the index at it. Values
   pending for the old file are dropped (the reset record that follows
   their offsets in the log clears them). */
static int
cache_create(struct mail_index *index, const char **error_r)
{
	struct mail_cache *c = mail_cache_get(index);
	unsigned char hdr[CACHE_HEADER_SIZE];
	uint32_t old_id = c->file_id;

	c->file_id = mail_cache_new_file_id(index->hdr.cache_file_id);
	c->compact_check = CACHE_COMPACT_MIN_SIZE;
	mail_cache_encode_header(c, index->hdr.uid_validity, hdr);
	if (mail_index_replace_file(index, MAIL_INDEX_CACHE_FILE_NAME, hdr,
				    sizeof(hdr), error_r) < 0) {
		c->file_id = old_id;
		return -1;
	}
	mail_cache_close(c);
	buffer_clear(c->pending);
	c->fd = openat(index->dir_fd, MAIL_INDEX_CACHE_FILE_NAME,
		       O_RDWR | O_NOFOLLOW | O_CLOEXEC);
	if (c->fd < 0 || mail_cache_reread_header(index, c) < 0) {
		*error_r = mail_index_set_error(index, "open(%s/%s): %s",
			index->dir_path, MAIL_INDEX_CACHE_FILE_NAME,
			strerror(errno));
		return -1;
	}
	mail_index_cache_reset(index, c->file_id);
	c->warned = false;
	return 0;
}

/* A cache the lock holder can append to. */
static int
cache_open_writable(struct mail_index *index, const char **error_r)
{
	lib_assert(index->locked);
	if (mail_cache_open(index) == 0)
		return 0;
	return cache_create(index, error_r);
}

static int
find_field(const struct mail_cache *c, const char *name, unsigned int *idx_r)
{
	for (unsigned int i = 0; i < c->field_count; i++) {
		if (strcmp(c->fields[i], name) == 0) {
			*idx_r = i;
			return 1;
		}
	}
	return 0;
}

int
mail_cache_lookup_field(struct mail_index *index, const char *name,
			unsigned int *field_r)
{
	struct mail_cache *c = mail_cache_get(index);

	if (mail_cache_open(index) < 0)
		return 0;
	if (find_field(c, name, field_r) > 0)
		return 1;
	/* registered by another process since we read the header? */
	if (mail_cache_reread_header(index, c) < 0)
		return 0;
	return find_field(c, name, field_r);
}

int
mail_cache_register_field(struct mail_index *index, const char *name,
			  unsigned int *field_r)
{
	struct mail_cache *c = mail_cache_get(index);
	unsigned char hdr[CACHE_HEADER_SIZE];
	const char *error;

	if (!field_name_is_valid(name))
		return -1;
	if (cache_open_writable(index, &error) < 0) {
		e_error(index->event, "Cache: %s", error);
		return -1;
	}
	if (mail_cache_reread_header(index, c) < 0)
		return -1;
	if (find_field(c, name, field_r) > 0)
		return 0;
	if (c->field_count >= MAIL_CACHE_MAX_FIELDS)
		return -1;
	memset(c->fields[c->field_count], 0, CACHE_FIELD_SLOT);
	memcpy(c->fields[c->field_count], name, strlen(name));
	c->field_count++;
	mail_cache_encode_header(c, index->hdr.uid_validity, hdr);
	if (pwrite(c->fd, hdr, sizeof(hdr), 0) != (ssize_t)sizeof(hdr)) {
		e_error(index->event, "pwrite(%s/%s): %s", index->dir_path,
			MAIL_INDEX_CACHE_FILE_NAME, strerror(errno));
		c->field_count--;
		return -1;
	}
	*field_r = c->field_count - 1;
	return 0;
}

int
mail_cache_add(struct mail_index *index, uint32_t uid, unsigned int field,
	       const void *data, size_t size)
{
	struct mail_cache *c = mail_cache_get(index);
	unsigned char rec[CACHE_REC_HEADER_SIZE];
	const char *error;
	unsigned int idx;
	size_t total = CACHE_REC_HEADER_SIZE + ((size + 3) & ~(size_t)3);
	static const unsigned char pad[4];

	if (size > MAIL_CACHE_MAX_VALUE_SIZE ||
	    mail_index_lookup_uid(index, uid, &idx) == 0)
		return -1;
	if (cache_open_writable(index, &error) < 0) {
		e_error(index->event, "Cache: %s", error);
		return -1;
	}
	if (field >= c->field_count)
		return -1;
	uoff_t offset = c->file_size + c->pending->used;
	if (offset + total > MAIL_CACHE_MAX_FILE_SIZE)
		return -1;
	le_put32(rec, (uint32_t)total);
	le_put32(rec + 4, uid);
	le_put32(rec + 8, index->records.v[idx].cache_offset);
	le_put16(rec + 12, (uint16_t)field);
	le_put16(rec + 14, 0);
	le_put32(rec + 16, (uint32_t)size);
	uint32_t crc = mail_index_crc32(0, rec, 20);
	crc = mail_index_crc32(crc, data, size);
	le_put32(rec + 20, crc);
	if (buffer_append(c->pending, rec, sizeof(rec)) < 0 ||
	    buffer_append(c->pending, data, size) < 0 ||
	    buffer_append(c->pending, pad, total - CACHE_REC_HEADER_SIZE -
			  size) < 0)
		lib_panic("unlimited buffer refused data");
	mail_index_set_cache_offset(index, uid, (uint32_t)offset);
	return 0;
}

/* Read and check the record at offset. 1 ok (header in rec), 0 beyond
   the end (not written yet: a silent miss), -1 garbled (logged). */
int
mail_cache_read_record(struct mail_index *index, struct mail_cache *c, uint32_t offset,
	    uint32_t uid, unsigned char rec[CACHE_REC_HEADER_SIZE])
{
	if (offset < CACHE_HEADER_SIZE || (offset & 3) != 0) {
		mail_cache_warn(index, offset, "bad value offset");
		return -1;
	}
	if ((uoff_t)offset + CACHE_REC_HEADER_SIZE > c->file_size) {
		struct stat st;
		if (fstat(c->fd, &st) < 0 ||
		    (uoff_t)offset + CACHE_REC_HEADER_SIZE > (uoff_t)st.st_size)
			return 0;
		c->file_size = (uoff_t)st.st_size;
	}
	if (pread(c->fd, rec, CACHE_REC_HEADER_SIZE, offset) !=
	    CACHE_REC_HEADER_SIZE)
		return 0;
	uint32_t size = le_get32(rec), data_size = le_get32(rec + 16);
	if (size < CACHE_REC_HEADER_SIZE || (size & 3) != 0 ||
	    data_size > size - CACHE_REC_HEADER_SIZE ||
	    (uoff_t)offset + size > c->file_size || le_get32(rec + 4) != uid ||
	    le_get32(rec + 8) >= offset) {
		mail_cache_warn(index, offset, "bad value record");
		return -1;
	}
	return 1;
}

int
mail_cache_lookup(struct mail_index *index, uint32_t uid, unsigned int field,
		  struct buffer *dest)
{
	struct mail_cache *c = mail_cache_get(index);
	unsigned char rec[CACHE_REC_HEADER_SIZE];
	unsigned int idx;
	uint32_t offset;

	if (mail_index_lookup_uid(index, uid, &idx) == 0 ||
	    mail_cache_open(index) < 0)
		return 0;
	offset = index->records.v[idx].cache_offset;
	for (unsigned int hops = 0; offset != 0 && hops < CACHE_MAX_CHAIN;
	     hops++) {
		if (mail_cache_read_record(index, c, offset, uid, rec) <= 0)
			return 0;
		if (le_get16(rec + 12) != field) {
			offset = le_get32(rec + 8);
			continue;
		}
		uint32_t data_size = le_get32(rec + 16);
		size_t start = dest->used;
		unsigned char *p = buffer_get_space(dest, data_size);
		if (p == NULL ||
		    pread(c->fd, p, data_size, (off_t)offset +
			  CACHE_REC_HEADER_SIZE) != (ssize_t)data_size) {
			buffer_set_used_size(dest, start);
			return 0;
		}
		/* the CRC covers the header up to itself, then the data */
		uint32_t crc = mail_index_crc32(0, rec, 20);
		if (mail_index_crc32(crc, p, data_size) != le_get32(rec + 20)) {
			buffer_set_used_size(dest, start);
			mail_cache_warn(index, offset,
					"value checksum mismatch");
			return 0;
		}
		buffer_set_used_size(dest, start + data_size);
		return 1;
	}
	return 0;
}

