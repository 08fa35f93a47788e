/* SPDX-License-Identifier: MIT */
/*
 * The binary transaction log (roost.index.log): record framing (length,
 * type, CRC-32), reading new records from the position the state covers
 * (also across one rotation, through roost.index.log.2), the durable
 * append of a transaction, and starting a new log file.
 *
 * A record that is cut short, fails its CRC or does not apply to the state
 * ends the readable log: readers stop there, and a writer (holding the
 * lock) logs the file and offset and truncates the garbage before it
 * appends, so that a torn write after a crash never hides later records.
 */
#include "lib.h"
#include "mail-index-private.h"

#include <fcntl.h>
#include <time.h>
#include <unistd.h>

/* read the log in chunks of this size (> the largest record) */
#define LOG_READ_CHUNK (2U * 1024 * 1024)

enum scan_result {
	SCAN_END = 0,		/* every byte consumed */
	SCAN_PARTIAL,		/* the last record continues past the data */
	SCAN_BAD,		/* garbled or inapplicable record */
};

static uint32_t
record_crc(const unsigned char *rec, size_t size)
{
	uint32_t crc = mail_index_crc32(0, rec, 8);

	return mail_index_crc32(crc, rec + LOG_REC_HEADER_SIZE,
				size - LOG_REC_HEADER_SIZE);
}

void
mail_index_log_encode(struct buffer *buf, enum log_rec_type type,
		      const void *payload, size_t size)
{
	size_t total = LOG_REC_HEADER_SIZE + ((size + 3) & ~(size_t)3);
	unsigned char *p;

	lib_assert(total <= LOG_REC_MAX_SIZE);
	p = buffer_get_space(buf, total);
	lib_assert(p != NULL);
	memset(p, 0, total);
	le_put32(p, (uint32_t)total);
	le_put16(p + 4, (uint16_t)type);
	memcpy(p + LOG_REC_HEADER_SIZE, payload, size);
	le_put32(p + 8, record_crc(p, total));
	buffer_set_used_size(buf, buf->used + total);
}

static enum scan_result
scan_records(struct mail_index *index, const unsigned char *data, size_t size,
	     size_t start, size_t *end_r, const char **reason_r)
{
	size_t pos = start;

	*reason_r = NULL;
	while (pos < size) {
		const unsigned char *rec = data + pos;
		size_t rec_size;

		if (size - pos < LOG_REC_HEADER_SIZE) {
			*end_r = pos;
			*reason_r = "record header cut short";
			return SCAN_PARTIAL;
		}
		rec_size = le_get32(rec);
		if (rec_size < LOG_REC_HEADER_SIZE ||
		    rec_size > LOG_REC_MAX_SIZE || (rec_size & 3) != 0 ||
		    le_get16(rec + 6) != 0) {
			*end_r = pos;
			*reason_r = "bad record size";
			return SCAN_BAD;
		}
		if (rec_size > size - pos) {
			*end_r = pos;
			*reason_r = "record cut short";
			return SCAN_PARTIAL;
		}
		if (le_get32(rec + 8) != record_crc(rec, rec_size)) {
			*end_r = pos;
			*reason_r = "record checksum mismatch";
			return SCAN_BAD;
		}
		if (mail_index_apply_record(index, le_get16(rec + 4),
					    rec + LOG_REC_HEADER_SIZE,
					    rec_size - LOG_REC_HEADER_SIZE,
					    reason_r) < 0) {
			*end_r = pos;
			return SCAN_BAD;
		}
		pos += rec_size;
	}
	*end_r = pos;
	return SCAN_END;
}

size_t
mail_index_log_apply_records(struct mail_index *index,
			     const unsigned char *data, size_t size,
			     size_t start, const char **reason_r)
{
	size_t end;

	(void)scan_records(index, data, size, start, &end, reason_r);
	return end;
}

int
mail_index_log_parse_header(const unsigned char *data, size_t size,
			    uint32_t *seq_r, uint32_t *uid_validity_r,
			    uint32_t *next_uid_r, uint64_t *modseq_r)
{
	if (size < LOG_HEADER_SIZE ||
	    le_get32(data + LOG_HDR_OFF_MAGIC) != LOG_MAGIC ||
	    le_get16(data + LOG_HDR_OFF_MAJOR) != LOG_MAJOR_VERSION ||
	    le_get32(data + LOG_HDR_OFF_HEADER_SIZE) != LOG_HEADER_SIZE ||
	    le_get32(data + LOG_HDR_OFF_CHECKSUM) !=
	    mail_index_crc32(0, data, LOG_HDR_OFF_CHECKSUM))
		return -1;
	*seq_r = le_get32(data + LOG_HDR_OFF_SEQ);
	*uid_validity_r = le_get32(data + LOG_HDR_OFF_UID_VALIDITY);
	*next_uid_r = le_get32(data + LOG_HDR_OFF_NEXT_UID);
	*modseq_r = le_get64(data + LOG_HDR_OFF_HIGHEST_MODSEQ);
	return *seq_r == 0 ? -1 : 0;
}

size_t
mail_index_log_apply_image(struct mail_index *index, const void *data,
			   size_t size, const char **reason_r)
{
	uint32_t seq, uidv, next_uid;
	uint64_t modseq;

	if (mail_index_log_parse_header(data, size, &seq, &uidv, &next_uid,
					&modseq) < 0) {
		*reason_r = "bad log header";
		return 0;
	}
	if (!index->loaded) {
		mail_index_clear_state(index);
		index->hdr.uid_validity = uidv;
		index->hdr.next_uid = next_uid;
		index->hdr.highest_modseq = modseq;
		index->hdr.expunge_history_modseq = modseq;
		index->loaded = true;
	}
	return mail_index_log_apply_records(index, data, size,
					    LOG_HEADER_SIZE, reason_r);
}

static int
open_log(struct mail_index *index, const char *name, int flags)
{
	int fd = openat(index->dir_fd, name, flags | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0 && errno != ENOENT) {
		e_error(index->event, "open(%s/%s): %s", index->dir_path,
			name, strerror(errno));
	}
	return fd;
}

/* 1 with the header's seq, 0 if fd has no valid binary log header. */
static int
read_header_seq(int fd, uint32_t *seq_r)
{
	unsigned char hdr[LOG_HEADER_SIZE];
	uint32_t uidv, next_uid;
	uint64_t modseq;

	if (pread(fd, hdr, sizeof(hdr), 0) != (ssize_t)sizeof(hdr))
		return 0;
	return mail_index_log_parse_header(hdr, sizeof(hdr), seq_r, &uidv,
					   &next_uid, &modseq) < 0 ? 0 : 1;
}

int
mail_index_log_peek_seq(struct mail_index *index, const char *name,
			uint32_t *seq_r)
{
	int fd = open_log(index, name, O_RDONLY), ret;

	if (fd < 0)
		return 0;
	ret = read_header_seq(fd, seq_r);
	(void)close(fd);
	if (ret > 0 && *seq_r > index->max_seen_seq)
		index->max_seen_seq = *seq_r;
	return ret;
}

static void
truncate_garbage(struct mail_index *index, const char *name, size_t offset,
		 const char *reason)
{
	e_warning(index->event, "Transaction log %s/%s: %s at offset %zu; "
		  "truncating the rest", index->dir_path, name, reason,
		  offset);
	int wfd = open_log(index, name, O_WRONLY);
	if (wfd < 0 || ftruncate(wfd, (off_t)offset) < 0 ||
	    fdatasync(wfd) < 0) {
		e_error(index->event, "ftruncate(%s/%s): %s", index->dir_path,
			name, strerror(errno));
	}
	if (wfd >= 0)
		(void)close(wfd);
}

/* Apply the records of fd from start to its end. 0 ok, -1 I/O error,
   1 the file ends in garbage that may not be cut (is_old: .log.2). */
static int
follow_fd(struct mail_index *index, int fd, const char *name, size_t start,
	  bool is_old, size_t *end_r)
{
	struct stat st;
	struct buffer *buf;
	size_t pos = start, file_size;
	int ret = 0;

	if (fstat(fd, &st) < 0) {
		e_error(index->event, "fstat(%s/%s): %s", index->dir_path,
			name, strerror(errno));
		return -1;
	}
	file_size = (uoff_t)st.st_size > MAIL_INDEX_MAX_LOG_SIZE ?
		MAIL_INDEX_MAX_LOG_SIZE : (size_t)st.st_size;
	if (start > file_size) {
		e_warning(index->event, "Transaction log %s/%s: position %zu "
			  "is past the end of the file (%zu bytes)",
			  index->dir_path, name, start, file_size);
		return 1;
	}
	buf = buffer_create(system_pool, MIN(file_size - start, LOG_READ_CHUNK)
			    + 1, 0);
	while (pos < file_size) {
		size_t want = MIN(file_size - pos, LOG_READ_CHUNK), end;
		size_t chunk_start = pos;
		const char *reason;
		ssize_t n;

		buffer_clear(buf);
		unsigned char *p = buffer_get_space(buf, want);
		n = pread(fd, p, want, (off_t)pos);
		if (n <= 0) {
			if (n < 0) {
				e_error(index->event, "pread(%s/%s): %s",
					index->dir_path, name,
					strerror(errno));
				ret = -1;
			}
			break;	/* shrank meanwhile: the next refresh sees */
		}
		enum scan_result res = scan_records(index, p, (size_t)n, 0,
						    &end, &reason);
		pos = chunk_start + end;
		if (res == SCAN_END)
			continue;
		if (res == SCAN_PARTIAL && end > 0 &&
		    chunk_start + (size_t)n < file_size)
			continue;	/* the record straddles the chunk */
		if (is_old)
			ret = 1;
		else if (index->locked)
			truncate_garbage(index, name, pos, reason);
		break;
	}
	buffer_free(&buf);
	*end_r = pos;
	return ret;
}

static int
follow_file(struct mail_index *index, int fd, const char *name,
	    uint32_t seq, size_t start, bool is_old)
{
	size_t end;
	int ret;

	ret = follow_fd(index, fd, name, start, is_old, &end);
	if (ret < 0)
		return -1;
	index->log_seq = seq;
	index->log_offset = (uint32_t)end;
	return ret;
}

int
mail_index_log_follow(struct mail_index *index)
{
	uint32_t seq, old_seq;
	int fd, old_fd, ret;

	if (!index->loaded)
		return 1;
	fd = open_log(index, MAIL_INDEX_LOG_FILE_NAME, O_RDONLY);
	if (fd < 0 && errno != ENOENT)
		return -1;
	if (fd < 0 || read_header_seq(fd, &seq) == 0) {
		if (fd >= 0)
			(void)close(fd);
		/* no binary log: fine for an upgraded v1 state (the next
		   write starts one), a gap otherwise */
		return index->log_seq == 0 ? 0 : 1;
	}
	if (seq > index->max_seen_seq)
		index->max_seen_seq = seq;
	if (index->log_seq == 0 || seq < index->log_seq ||
	    seq > index->log_seq + 1) {
		(void)close(fd);
		return 1;
	}
	if (seq == index->log_seq + 1) {
		/* rotated since: finish the old log first */
		old_fd = open_log(index, MAIL_INDEX_LOG2_FILE_NAME, O_RDONLY);
		if (old_fd < 0 || read_header_seq(old_fd, &old_seq) == 0 ||
		    old_seq != index->log_seq) {
			if (old_fd >= 0)
				(void)close(old_fd);
			(void)close(fd);
			return 1;
		}
		ret = follow_file(index, old_fd, MAIL_INDEX_LOG2_FILE_NAME,
				  old_seq, index->log_offset, true);
		(void)close(old_fd);
		if (ret != 0) {
			(void)close(fd);
			return ret;
		}
		index->log_seq = seq;
		index->log_offset = LOG_HEADER_SIZE;
	}
	ret = follow_file(index, fd, MAIL_INDEX_LOG_FILE_NAME, seq,
			  index->log_offset, false);
	(void)close(fd);
	return ret;
}

uoff_t
mail_index_log_get_size(struct mail_index *index)
{
	struct stat st;

	if (fstatat(index->dir_fd, MAIL_INDEX_LOG_FILE_NAME, &st,
		    AT_SYMLINK_NOFOLLOW) < 0)
		return 0;
	return (uoff_t)st.st_size;
}

bool
mail_index_has_changed(struct mail_index *index)
{
	uint32_t seq;

	if (!index->loaded)
		return true;
	if (mail_index_log_peek_seq(index, MAIL_INDEX_LOG_FILE_NAME,
				    &seq) == 0)
		return index->log_seq != 0;
	return seq != index->log_seq ||
		mail_index_log_get_size(index) > index->log_offset;
}

int
mail_index_log_create(struct mail_index *index, bool keep_old,
		      const char **error_r)
{
	unsigned char hdr[LOG_HEADER_SIZE];
	uint32_t seq = MAX(index->max_seen_seq,
			   MAX(index->log_seq, index->file_log_seq)) + 1;
	uint32_t cur_seq;

	memset(hdr, 0, sizeof(hdr));
	le_put32(hdr + LOG_HDR_OFF_MAGIC, LOG_MAGIC);
	le_put16(hdr + LOG_HDR_OFF_MAJOR, LOG_MAJOR_VERSION);
	le_put16(hdr + LOG_HDR_OFF_MINOR, LOG_MINOR_VERSION);
	le_put32(hdr + LOG_HDR_OFF_HEADER_SIZE, LOG_HEADER_SIZE);
	le_put32(hdr + LOG_HDR_OFF_SEQ, seq);
	le_put32(hdr + LOG_HDR_OFF_UID_VALIDITY, index->hdr.uid_validity);
	le_put32(hdr + LOG_HDR_OFF_NEXT_UID, index->hdr.next_uid);
	le_put64(hdr + LOG_HDR_OFF_HIGHEST_MODSEQ, index->hdr.highest_modseq);
	le_put32(hdr + LOG_HDR_OFF_CREATED, (uint32_t)time(NULL));
	le_put32(hdr + LOG_HDR_OFF_CHECKSUM,
		 mail_index_crc32(0, hdr, LOG_HDR_OFF_CHECKSUM));

	/* keep the current log for lagging readers if it is a valid one */
	if (keep_old && mail_index_log_peek_seq(index, MAIL_INDEX_LOG_FILE_NAME,
						&cur_seq) > 0 &&
	    renameat(index->dir_fd, MAIL_INDEX_LOG_FILE_NAME, index->dir_fd,
		     MAIL_INDEX_LOG2_FILE_NAME) < 0) {
		*error_r = mail_index_set_error(index, "rename(%s/%s): %s",
			index->dir_path, MAIL_INDEX_LOG_FILE_NAME,
			strerror(errno));
		return -1;
	}
	if (mail_index_replace_file(index, MAIL_INDEX_LOG_FILE_NAME, hdr,
				    sizeof(hdr), error_r) < 0)
		return -1;
	index->max_seen_seq = seq;
	index->log_seq = seq;
	index->log_offset = LOG_HEADER_SIZE;
	return 0;
}

/* Append buf at the state's log position (the lock holder is current). */
static int
append_pending(struct mail_index *index, const char **error_r)
{
	struct stat st;
	uint32_t seq = 0;
	int fd;

	fd = open_log(index, MAIL_INDEX_LOG_FILE_NAME, O_RDWR);
	if (fd < 0 || fstat(fd, &st) < 0 || read_header_seq(fd, &seq) == 0 ||
	    seq != index->log_seq) {
		*error_r = mail_index_set_error(index, "Transaction log "
			"%s/%s changed under the lock (sequence %u, expected "
			"%u): %s", index->dir_path, MAIL_INDEX_LOG_FILE_NAME,
			fd < 0 ? 0 : seq, index->log_seq,
			fd < 0 ? strerror(errno) : "bad header");
		if (fd >= 0)
			(void)close(fd);
		index->need_new_log = true;
		return -1;
	}
	if ((uoff_t)st.st_size != index->log_offset) {
		(void)close(fd);
		*error_r = mail_index_set_error(index, "Transaction log "
			"%s/%s: size %lld, expected %u (not refreshed under "
			"the lock)", index->dir_path, MAIL_INDEX_LOG_FILE_NAME,
			(long long)st.st_size, index->log_offset);
		return -1;
	}
	if (lseek(fd, (off_t)index->log_offset, SEEK_SET) < 0 ||
	    mail_index_write_full(fd, index->pending->data,
				  index->pending->used) < 0 ||
	    fdatasync(fd) < 0) {
		int err = errno;
		*error_r = mail_index_set_error(index, "write(%s/%s): %s",
			index->dir_path, MAIL_INDEX_LOG_FILE_NAME,
			strerror(err));
		/* nothing of a failed transaction may stay */
		(void)ftruncate(fd, (off_t)index->log_offset);
		(void)close(fd);
		errno = err;
		return -1;
	}
	(void)close(fd);
	index->log_offset += (uint32_t)index->pending->used;
	return 0;
}

int
mail_index_log_commit(struct mail_index *index, const char **error_r)
{
	if (index->pending->used == 0)
		return 0;
	if ((uoff_t)index->log_offset + index->pending->used >
	    MAIL_INDEX_MAX_LOG_SIZE)
		index->need_new_log = true;
	if (index->need_new_log || index->log_seq == 0) {
		if (mail_index_log_create(index, index->log_seq != 0,
					  error_r) < 0)
			return -1;
		index->need_new_log = false;
		/* the record file must cover the new log's start */
		index->need_checkpoint = true;
		if (index->pending->used > MAIL_INDEX_MAX_LOG_SIZE -
		    LOG_HEADER_SIZE) {
			*error_r = mail_index_set_error(index, "Transaction "
				"too large for the log (%zu bytes)",
				index->pending->used);
			errno = EFBIG;
			return -1;
		}
	}
	return append_pending(index, error_r);
}
