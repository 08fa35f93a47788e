/* SPDX-License-Identifier: MIT */
/*
 * Writing buffered cache values at mail_index_write(), and compaction:
 * when the file has grown past its check size and less than half of it is
 * live (the newest value of each field of each existing message), it is
 * rewritten with only those values under a new file id, and the index
 * records' cache offsets are moved to it through the log.
 */
#include "lib.h"
#include "mail-index-private.h"
#include "mail-cache-private.h"

#include <fcntl.h>
#include <unistd.h>

#define COMPACT_TMP_NAME MAIL_INDEX_CACHE_FILE_NAME ".tmp"
#define COMPACT_OUT_BUFFER (64 * 1024)

struct new_head {
	uint32_t uid, offset;
};
ARRAY_DEFINE_TYPE(head_array, struct new_head);

struct live_value {
	uint32_t offset, size;
};
ARRAY_DEFINE_TYPE(live_array, struct live_value);

/* The newest value of each field in uid's chain, newest first. */
static void
collect_live(struct mail_index *index, struct mail_cache *c, uint32_t uid,
	     uint32_t offset, struct live_array *live)
{
	unsigned char rec[CACHE_REC_HEADER_SIZE];
	uint64_t seen = 0;

	array_clear(live);
	for (unsigned int hops = 0; offset != 0 && hops < CACHE_MAX_CHAIN;
	     hops++) {
		if (mail_cache_read_record(index, c, offset, uid, rec) <= 0)
			break;
		unsigned int field = le_get16(rec + 12);
		if (field < 64 && (seen & (1ULL << field)) == 0) {
			struct live_value *v = array_push(live);
			seen |= 1ULL << field;
			v->offset = offset;
			v->size = le_get32(rec);
		}
		offset = le_get32(rec + 8);
	}
}

static uoff_t
live_size(struct mail_index *index, struct mail_cache *c)
{
	struct live_array live;
	uoff_t total = 0;

	array_init(&live, system_pool, 8);
	for (size_t i = 0; i < index->records.count; i++) {
		const struct mail_index_record *rec = &index->records.v[i];
		collect_live(index, c, rec->uid, rec->cache_offset, &live);
		for (size_t k = 0; k < live.count; k++)
			total += live.v[k].size;
	}
	array_free(&live);
	return total;
}

struct compact_out {
	int fd;
	struct buffer *buf;
	uoff_t offset;		/* file offset of buf's start */
	bool failed;
};

static void
out_write(struct compact_out *out, const void *data, size_t size)
{
	if (out->buf->used + size > COMPACT_OUT_BUFFER) {
		if (mail_index_write_full(out->fd, out->buf->data,
					  out->buf->used) < 0)
			out->failed = true;
		out->offset += out->buf->used;
		buffer_clear(out->buf);
	}
	if (buffer_append(out->buf, data, size) < 0)
		lib_panic("unlimited buffer refused data");
}

/* Copy uid's live values (oldest first, so the chain head is the newest);
   returns the new head offset, 0 if none. */
static uint32_t
copy_values(struct mail_cache *c, struct compact_out *out,
	    const struct live_array *live, struct buffer *tmp)
{
	uint32_t prev = 0;

	for (size_t k = live->count; k > 0; k--) {
		const struct live_value *v = &live->v[k - 1];
		buffer_clear(tmp);
		unsigned char *p = buffer_get_space(tmp, v->size);
		if (pread(c->fd, p, v->size, v->offset) != (ssize_t)v->size)
			continue;
		uint32_t data_size = le_get32(p + 16);
		uint32_t crc = mail_index_crc32(0, p, 20);
		if (mail_index_crc32(crc, p + CACHE_REC_HEADER_SIZE,
				     data_size) != le_get32(p + 20))
			continue;	/* garbled: dropped */
		uint32_t new_off = (uint32_t)(out->offset + out->buf->used);
		le_put32(p + 8, prev);
		le_put32(p + 20, mail_index_crc32(mail_index_crc32(0, p, 20),
				 p + CACHE_REC_HEADER_SIZE, data_size));
		out_write(out, p, v->size);
		prev = new_off;
	}
	return prev;
}



static int
write_compacted(struct mail_index *index, struct mail_cache *c,
		struct mail_cache *newc, struct head_array *heads)
{
	unsigned char hdr[CACHE_HEADER_SIZE];
	struct compact_out out;
	struct live_array live;
	struct buffer *tmp = buffer_create(system_pool, 4096, 0);

	memset(&out, 0, sizeof(out));
	out.fd = openat(index->dir_fd, COMPACT_TMP_NAME, O_WRONLY | O_CREAT |
			O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (out.fd < 0) {
		buffer_free(&tmp);
		return -1;
	}
	out.buf = buffer_create(system_pool, COMPACT_OUT_BUFFER, 0);
	mail_cache_encode_header(newc, index->hdr.uid_validity, hdr);
	out_write(&out, hdr, sizeof(hdr));
	array_init(&live, system_pool, 8);
	for (size_t i = 0; i < index->records.count; i++) {
		const struct mail_index_record *rec = &index->records.v[i];
		collect_live(index, c, rec->uid, rec->cache_offset, &live);
		uint32_t head = copy_values(c, &out, &live, tmp);
		if (head != 0) {
			struct new_head *h = array_push(heads);
			h->uid = rec->uid;
			h->offset = head;
		}
	}
	array_free(&live);
	buffer_free(&tmp);
	if (mail_index_write_full(out.fd, out.buf->data, out.buf->used) < 0)
		out.failed = true;
	buffer_free(&out.buf);
	if (close(out.fd) < 0)
		out.failed = true;
	if (out.failed || renameat(index->dir_fd, COMPACT_TMP_NAME,
				   index->dir_fd,
				   MAIL_INDEX_CACHE_FILE_NAME) < 0) {
		(void)unlinkat(index->dir_fd, COMPACT_TMP_NAME, 0);
		return -1;
	}
	return 0;
}

int
mail_cache_compact(struct mail_index *index, const char **error_r)
{
	struct mail_cache *c = mail_cache_get(index);
	struct mail_cache newc;
	struct head_array heads;

	lib_assert(index->locked);
	if (mail_cache_open(index) < 0)
		return 0;	/* nothing to compact */
	if (c->pending->used > 0) {
		*error_r = mail_index_set_error(index, "Cache compaction "
			"with unwritten values");
		return -1;
	}
	newc = *c;
	newc.file_id = mail_cache_new_file_id(c->file_id);
	newc.compact_check = 0;
	array_init(&heads, system_pool, 64);
	if (write_compacted(index, c, &newc, &heads) < 0) {
		*error_r = mail_index_set_error(index, "Compacting %s/%s: %s",
			index->dir_path, MAIL_INDEX_CACHE_FILE_NAME,
			strerror(errno));
		array_free(&heads);
		return -1;
	}
	mail_index_cache_reset(index, newc.file_id);
	for (size_t i = 0; i < heads.count; i++)
		mail_index_set_cache_offset(index, heads.v[i].uid,
					    heads.v[i].offset);
	array_free(&heads);
	mail_cache_close(c);
	if (mail_cache_open(index) == 0) {
		/* the next check when the file doubled */
		unsigned char hdr[CACHE_HEADER_SIZE];
		c->compact_check = (uint32_t)MIN(MAIL_CACHE_MAX_FILE_SIZE,
			MAX(c->file_size * 2, CACHE_COMPACT_MIN_SIZE));
		mail_cache_encode_header(c, index->hdr.uid_validity, hdr);
		(void)pwrite(c->fd, hdr, sizeof(hdr), 0);
	}
	return 0;
}

static void
compact_check(struct mail_index *index, struct mail_cache *c)
{
	unsigned char hdr[CACHE_HEADER_SIZE];
	const char *error;
	uoff_t live = live_size(index, c);

	if (live * 2 < c->file_size - CACHE_HEADER_SIZE) {
		if (mail_cache_compact(index, &error) < 0)
			e_warning(index->event, "%s", error);
		return;
	}
	c->compact_check = (uint32_t)MIN(MAIL_CACHE_MAX_FILE_SIZE,
					 c->file_size * 2);
	mail_cache_encode_header(c, index->hdr.uid_validity, hdr);
	if (pwrite(c->fd, hdr, sizeof(hdr), 0) != (ssize_t)sizeof(hdr)) {
		e_warning(index->event, "pwrite(%s/%s): %s", index->dir_path,
			  MAIL_INDEX_CACHE_FILE_NAME, strerror(errno));
	}
}

int
mail_cache_flush(struct mail_index *index, const char **error_r ATTR_UNUSED)
{
	struct mail_cache *c = index->cache;

	if (c == NULL || c->pending->used == 0 || c->fd < 0)
		return 0;
	if (pwrite(c->fd, c->pending->data, c->pending->used,
		   (off_t)c->file_size) != (ssize_t)c->pending->used) {
		/* the values are lost: their offsets point past the end,
		   which reads as a miss */
		e_error(index->event, "pwrite(%s/%s): %s", index->dir_path,
			MAIL_INDEX_CACHE_FILE_NAME, strerror(errno));
		(void)ftruncate(c->fd, (off_t)c->file_size);
		buffer_clear(c->pending);
		return 0;
	}
	c->file_size += c->pending->used;
	buffer_clear(c->pending);
	if (c->file_size > MAX(c->compact_check, CACHE_COMPACT_MIN_SIZE))
		compact_check(index, c);
	return 0;
}

unsigned int
mail_cache_check_image(const void *data, size_t size)
{
	const unsigned char *d = data;
	struct mail_cache c;
	unsigned int count = 0;
	size_t pos = CACHE_HEADER_SIZE;

	memset(&c, 0, sizeof(c));
	if (mail_cache_parse_header(d, size, &c) < 0)
		return 0;
	while (size - pos >= CACHE_REC_HEADER_SIZE) {
		uint32_t rec_size = le_get32(d + pos);
		uint32_t data_size = le_get32(d + pos + 16);
		if (rec_size < CACHE_REC_HEADER_SIZE || (rec_size & 3) != 0 ||
		    rec_size > size - pos ||
		    data_size > rec_size - CACHE_REC_HEADER_SIZE ||
		    le_get32(d + pos + 8) >= pos ||
		    le_get16(d + pos + 12) >= c.field_count)
			break;
		uint32_t crc = mail_index_crc32(0, d + pos, 20);
		if (mail_index_crc32(crc, d + pos + CACHE_REC_HEADER_SIZE,
				     data_size) != le_get32(d + pos + 20))
			break;
		count++;
		pos += rec_size;
	}
	return count;
}
