/* SPDX-License-Identifier: MIT */
/*
 * The roost.index file image: encoding, strict parsing (every field is
 * checked against the file size before use; a failure names the offset) and
 * the atomic replace (tmp, fsync, rename, directory fsync).
 */
#include "lib.h"
#include "mail-index-private.h"

#include <fcntl.h>
#include <unistd.h>

#define MAIL_INDEX_TMP_SUFFIX ".tmp"

static uint32_t crc32_table[256];
static bool crc32_table_ready;

static void
crc32_init_table(void)
{
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i;
		for (unsigned int k = 0; k < 8; k++)
			c = (c & 1) != 0 ? 0xedb88320U ^ (c >> 1) : c >> 1;
		crc32_table[i] = c;
	}
	crc32_table_ready = true;
}

uint32_t
mail_index_crc32(uint32_t crc, const void *data, size_t size)
{
	const unsigned char *p = data;

	if (!crc32_table_ready)
		crc32_init_table();
	crc = ~crc;
	for (size_t i = 0; i < size; i++)
		crc = crc32_table[(crc ^ p[i]) & 0xff] ^ (crc >> 8);
	return ~crc;
}

static uint32_t
image_checksum(const unsigned char *data, size_t size)
{
	static const unsigned char zero[4];
	uint32_t crc;

	crc = mail_index_crc32(0, data, HDR_OFF_CHECKSUM);
	crc = mail_index_crc32(crc, zero, sizeof(zero));
	return mail_index_crc32(crc, data + HDR_OFF_CHECKSUM + 4,
				size - HDR_OFF_CHECKSUM - 4);
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

void
mail_index_encode(const struct mail_index *index, struct buffer *buf)
{
	const struct mail_index_record *rec;
	size_t count = index->records.count, names_size = 0, pos;
	unsigned char *p;

	for (size_t i = 0; i < count; i++)
		names_size += strlen(index->records.v[i].name) + 1;
	size_t total = MAIL_INDEX_HEADER_SIZE +
		count * MAIL_INDEX_RECORD_SIZE + names_size;
	buffer_clear(buf);
	p = buffer_get_space(buf, total);
	lib_assert(p != NULL);
	memset(p, 0, total);

	le_put32(p + HDR_OFF_MAGIC, MAIL_INDEX_MAGIC);
	le_put16(p + HDR_OFF_MAJOR, MAIL_INDEX_MAJOR_VERSION);
	le_put16(p + HDR_OFF_MINOR, MAIL_INDEX_MINOR_VERSION);
	le_put32(p + HDR_OFF_HEADER_SIZE, MAIL_INDEX_HEADER_SIZE);
	le_put32(p + HDR_OFF_RECORD_SIZE, MAIL_INDEX_RECORD_SIZE);
	le_put32(p + HDR_OFF_UID_VALIDITY, index->hdr.uid_validity);
	le_put32(p + HDR_OFF_NEXT_UID, index->hdr.next_uid);
	le_put32(p + HDR_OFF_COUNT, (uint32_t)count);
	le_put32(p + HDR_OFF_FIRST_RECENT, index->hdr.first_recent_uid);
	le_put64(p + HDR_OFF_GENERATION, index->hdr.generation);
	le_put64(p + HDR_OFF_HIGHEST_MODSEQ, index->hdr.highest_modseq);
	le_put32(p + HDR_OFF_NAMES_SIZE, (uint32_t)names_size);

	pos = 0;
	for (size_t i = 0; i < count; i++) {
		unsigned char *r = p + MAIL_INDEX_HEADER_SIZE +
			i * MAIL_INDEX_RECORD_SIZE;
		size_t len;

		rec = &index->records.v[i];
		len = strlen(rec->name);
		le_put32(r + REC_OFF_UID, rec->uid);
		le_put32(r + REC_OFF_FLAGS, rec->flags);
		le_put64(r + REC_OFF_MODSEQ, rec->modseq);
		le_put64(r + REC_OFF_RECEIVED, (uint64_t)rec->received_time);
		le_put64(r + REC_OFF_VSIZE, rec->virtual_size);
		le_put64(r + REC_OFF_PSIZE, rec->physical_size);
		le_put32(r + REC_OFF_NAME_OFFSET, (uint32_t)pos);
		le_put16(r + REC_OFF_NAME_LEN, (uint16_t)len);
		le_put16(r + REC_OFF_TZ, (uint16_t)rec->received_tz_offset);
		memcpy(p + MAIL_INDEX_HEADER_SIZE +
		       count * MAIL_INDEX_RECORD_SIZE + pos, rec->name, len);
		pos += len + 1;
	}
	le_put32(p + HDR_OFF_CHECKSUM, image_checksum(p, total));
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

/* Checks the header of an image of size bytes; fills the sizes. */
static int
parse_header(const unsigned char *d, size_t size, struct mail_index *index,
	     uint32_t *count_r, size_t *hdr_size_r, size_t *rec_size_r,
	     const char **reason_r, size_t *offset_r)
{
	size_t hdr_size, rec_size, names_size, total;
	uint32_t count;

	if (size < MAIL_INDEX_HEADER_SIZE)
		return corrupt("file too short for the header", size,
			       reason_r, offset_r);
	if (le_get32(d + HDR_OFF_MAGIC) != MAIL_INDEX_MAGIC)
		return corrupt("bad magic", HDR_OFF_MAGIC, reason_r, offset_r);
	if (le_get16(d + HDR_OFF_MAJOR) != MAIL_INDEX_MAJOR_VERSION)
		return corrupt("unsupported major version", HDR_OFF_MAJOR,
			       reason_r, offset_r);
	hdr_size = le_get32(d + HDR_OFF_HEADER_SIZE);
	rec_size = le_get32(d + HDR_OFF_RECORD_SIZE);
	count = le_get32(d + HDR_OFF_COUNT);
	names_size = le_get32(d + HDR_OFF_NAMES_SIZE);
	if (hdr_size < MAIL_INDEX_HEADER_SIZE || hdr_size > size)
		return corrupt("bad header size", HDR_OFF_HEADER_SIZE,
			       reason_r, offset_r);
	if (rec_size < MAIL_INDEX_RECORD_SIZE || rec_size > 65536)
		return corrupt("bad record size", HDR_OFF_RECORD_SIZE,
			       reason_r, offset_r);
	/* sizes are at most 2^32 each: no overflow in 64-bit size_t, but
	   check anyway to stay correct on 32-bit hosts */
	if (!size_mul_ok(count, rec_size, &total) ||
	    !size_add_ok(total, hdr_size, &total) ||
	    !size_add_ok(total, names_size, &total) || total != size)
		return corrupt("record count or names size past the end of "
			       "file", HDR_OFF_COUNT, reason_r, offset_r);
	if (le_get32(d + HDR_OFF_CHECKSUM) != image_checksum(d, size))
		return corrupt("checksum mismatch", HDR_OFF_CHECKSUM,
			       reason_r, offset_r);
	index->hdr.uid_validity = le_get32(d + HDR_OFF_UID_VALIDITY);
	index->hdr.next_uid = le_get32(d + HDR_OFF_NEXT_UID);
	index->hdr.first_recent_uid = le_get32(d + HDR_OFF_FIRST_RECENT);
	index->hdr.generation = le_get64(d + HDR_OFF_GENERATION);
	index->hdr.highest_modseq = le_get64(d + HDR_OFF_HIGHEST_MODSEQ);
	if (index->hdr.uid_validity == 0)
		return corrupt("UIDVALIDITY is 0", HDR_OFF_UID_VALIDITY,
			       reason_r, offset_r);
	if (index->hdr.next_uid == 0)
		return corrupt("next UID is 0", HDR_OFF_NEXT_UID,
			       reason_r, offset_r);
	*count_r = count;
	*hdr_size_r = hdr_size;
	*rec_size_r = rec_size;
	return 0;
}

static int
parse_record(struct mail_index *index, const unsigned char *r,
	     const unsigned char *names, size_t names_size, size_t offset,
	     const char **reason_r, size_t *offset_r)
{
	struct mail_index_record rec;
	uint32_t name_off = le_get32(r + REC_OFF_NAME_OFFSET);
	uint16_t name_len = le_get16(r + REC_OFF_NAME_LEN);
	uint32_t last_uid = index->records.count == 0 ? 0 :
		index->records.v[index->records.count - 1].uid;

	memset(&rec, 0, sizeof(rec));
	rec.uid = le_get32(r + REC_OFF_UID);
	if (rec.uid <= last_uid)
		return corrupt("UIDs not ascending", offset + REC_OFF_UID,
			       reason_r, offset_r);
	if (rec.uid >= index->hdr.next_uid)
		return corrupt("UID not below next UID", offset + REC_OFF_UID,
			       reason_r, offset_r);
	if (name_off > names_size || name_len >= names_size - name_off ||
	    names[name_off + name_len] != '\0' ||
	    memchr(names + name_off, '\0', name_len) != NULL)
		return corrupt("bad name reference",
			       offset + REC_OFF_NAME_OFFSET, reason_r, offset_r);
	rec.flags = le_get32(r + REC_OFF_FLAGS);
	rec.modseq = le_get64(r + REC_OFF_MODSEQ);
	rec.received_time = (int64_t)le_get64(r + REC_OFF_RECEIVED);
	rec.virtual_size = le_get64(r + REC_OFF_VSIZE);
	rec.physical_size = le_get64(r + REC_OFF_PSIZE);
	rec.received_tz_offset = (int16_t)le_get16(r + REC_OFF_TZ);
	rec.name = (const char *)names + name_off;
	if (!mail_index_name_is_valid(rec.name))
		return corrupt("invalid name", offset + REC_OFF_NAME_OFFSET,
			       reason_r, offset_r);
	rec.name = xstrdup(rec.name);
	array_append(&index->records, rec);
	return 0;
}

int
mail_index_parse(struct mail_index *index, const unsigned char *data,
		 size_t size, const char **reason_r, size_t *offset_r)
{
	size_t hdr_size, rec_size, names_start;
	uint32_t count;

	mail_index_clear_records(index);
	memset(&index->hdr, 0, sizeof(index->hdr));
	if (parse_header(data, size, index, &count, &hdr_size, &rec_size,
			 reason_r, offset_r) < 0) {
		memset(&index->hdr, 0, sizeof(index->hdr));
		return -1;
	}
	names_start = hdr_size + (size_t)count * rec_size;
	for (uint32_t i = 0; i < count; i++) {
		size_t off = hdr_size + (size_t)i * rec_size;
		if (parse_record(index, data + off, data + names_start,
				 size - names_start, off,
				 reason_r, offset_r) < 0) {
			mail_index_clear_records(index);
			memset(&index->hdr, 0, sizeof(index->hdr));
			return -1;
		}
	}
	return 0;
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
			const void *data, size_t size, struct stat *st_r,
			const char **error_r)
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
	if (mail_index_write_full(fd, data, size) < 0 || fsync(fd) < 0 ||
	    (st_r != NULL && fstat(fd, st_r) < 0)) {
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
