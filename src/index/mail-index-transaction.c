/* SPDX-License-Identifier: MIT */
/*
 * The writer side: every change is encoded as a log record, applied to the
 * in-memory state through the same code that replays the log, and kept in
 * the pending buffer until mail_index_write(). Consecutive flag updates
 * with the same masks and consecutive expunges merge into one record with
 * UID ranges (only across records that are neighbours in the index, so a
 * range never covers a message the caller did not name). Checkpoints
 * (record file rewrite) and log rotation happen here after a write.
 */
#include "lib.h"
#include "mail-index-private.h"
#include "mail-cache-private.h"

#include <fcntl.h>
#include <unistd.h>

#define BACKUP_TMP_NAME MAIL_INDEX_BACKUP_FILE_NAME ".tmp"

void
mail_index_pending_clear(struct mail_index *index)
{
	buffer_clear(index->pending);
	array_clear(&index->open_ranges);
	index->open_kind = PENDING_NONE;
	index->dirty = false;
	index->tx_reset = false;
	index->tx_modseq = 0;
}

static uint64_t
tx_modseq(struct mail_index *index)
{
	if (index->tx_modseq == 0)
		index->tx_modseq = index->hdr.highest_modseq + 1;
	return index->tx_modseq;
}

static void
flush_open(struct mail_index *index)
{
	enum pending_kind kind = index->open_kind;
	size_t n = index->open_ranges.count, fixed, size;
	enum log_rec_type type;
	const char *reason;
	unsigned char *p;

	if (kind == PENDING_NONE)
		return;
	/* closed first: applying looks records up */
	index->open_kind = PENDING_NONE;
	fixed = kind == PENDING_UPDATE ? 40 : kind == PENDING_EXPUNGE ? 16 : 8;
	size = fixed + n * 8;
	p = xcalloc(1, size);
	switch (kind) {
	case PENDING_UPDATE:
		le_put64(p, tx_modseq(index));
		le_put32(p + 8, index->open_flags_add);
		le_put32(p + 12, index->open_flags_remove);
		le_put64(p + 16, index->open_kw_add);
		le_put64(p + 24, index->open_kw_remove);
		le_put32(p + 32, (uint32_t)n);
		break;
	case PENDING_EXPUNGE:
		le_put64(p, tx_modseq(index));
		le_put32(p + 8, (uint32_t)n);
		break;
	case PENDING_CACHE_OFFSETS:
		le_put32(p, (uint32_t)n);
		break;
	case PENDING_NONE:
		break;
	}
	for (size_t i = 0; i < n; i++) {
		le_put32(p + fixed + i * 8, index->open_ranges.v[i].uid1);
		le_put32(p + fixed + i * 8 + 4, index->open_ranges.v[i].uid2);
	}
	array_clear(&index->open_ranges);
	type = kind == PENDING_UPDATE ? LOG_REC_UPDATE :
		kind == PENDING_EXPUNGE ? LOG_REC_EXPUNGE :
		LOG_REC_CACHE_OFFSETS;
	/* updates and cache offsets were applied one by one already;
	   expunges are applied here, in one pass */
	if (kind == PENDING_EXPUNGE &&
	    mail_index_apply_record(index, type, p, size, &reason) < 0)
		lib_panic("index expunge refused: %s", reason);
	mail_index_log_encode(index->pending, type, p, size);
	xfree(p);
}

void
mail_index_apply_deferred(struct mail_index *index)
{
	if (index->open_kind == PENDING_EXPUNGE)
		flush_open(index);
}

/* Apply a record to the state and queue it. */
static int
add_record(struct mail_index *index, enum log_rec_type type,
	   const unsigned char *payload, size_t size)
{
	const char *reason;

	mail_index_apply_deferred(index);
	if (mail_index_apply_record(index, type, payload, size, &reason) < 0)
		return -1;
	flush_open(index);
	mail_index_log_encode(index->pending, type, payload, size);
	index->dirty = true;
	return 0;
}

/* Can [uid1, uid2] extend the open range list of kind? (No record between
   the last range and uid1.) */
static bool
can_merge(struct mail_index *index, enum pending_kind kind, uint32_t uid1)
{
	const struct uid_range *last;
	unsigned int idx;

	if (index->open_kind != kind || index->open_ranges.count == 0 ||
	    index->open_ranges.count >= LOG_REC_MAX_RANGES)
		return false;
	last = &index->open_ranges.v[index->open_ranges.count - 1];
	if (last->uid2 >= uid1)
		return false;
	idx = mail_index_lookup_uid_ge_raw(index, last->uid2 + 1);
	return idx >= index->records.count ||
		index->records.v[idx].uid >= uid1;
}

static void
open_range(struct mail_index *index, enum pending_kind kind, uint32_t uid1,
	   uint32_t uid2)
{
	struct uid_range *r;

	if (can_merge(index, kind, uid1)) {
		index->open_ranges.v[index->open_ranges.count - 1].uid2 = uid2;
	} else {
		if (index->open_kind != kind ||
		    index->open_ranges.count >= LOG_REC_MAX_RANGES)
			flush_open(index);
		index->open_kind = kind;
		r = array_push(&index->open_ranges);
		r->uid1 = uid1;
		r->uid2 = uid2;
	}
	index->dirty = true;
}

void
mail_index_reset(struct mail_index *index, uint32_t uid_validity,
		 uint32_t next_uid)
{
	unsigned char p[8];

	lib_assert(uid_validity != 0);
	le_put32(p, uid_validity);
	le_put32(p + 4, next_uid);
	if (add_record(index, LOG_REC_RESET, p, sizeof(p)) < 0)
		lib_panic("index reset refused");
	index->loaded = true;
	index->tx_reset = true;
}

int
mail_index_append(struct mail_index *index,
		  const struct mail_index_record *rec)
{
	unsigned char p[56 + MAIL_INDEX_MAX_NAME_LEN];
	size_t len = strlen(rec->name);

	if (len == 0 || len > MAIL_INDEX_MAX_NAME_LEN ||
	    index->hdr.uid_validity == 0)
		return -1;
	memset(p, 0, 56);
	le_put32(p, rec->uid);
	le_put32(p + 4, rec->flags);
	le_put64(p + 8, tx_modseq(index));
	le_put64(p + 16, (uint64_t)rec->received_time);
	le_put64(p + 24, rec->virtual_size);
	le_put64(p + 32, rec->physical_size);
	le_put64(p + 40, rec->keywords);
	le_put16(p + 48, (uint16_t)rec->received_tz_offset);
	le_put16(p + 50, (uint16_t)len);
	memcpy(p + 56, rec->name, len);
	return add_record(index, LOG_REC_APPEND, p, 56 + len);
}

static void
apply_range(struct mail_index *index, enum log_rec_type type,
	    const unsigned char *fixed, size_t fixed_size, uint32_t uid1,
	    uint32_t uid2)
{
	unsigned char p[48];
	const char *reason;

	lib_assert(fixed_size + 8 <= sizeof(p));
	memcpy(p, fixed, fixed_size);
	le_put32(p + fixed_size, uid1);
	le_put32(p + fixed_size + 4, uid2);
	if (mail_index_apply_record(index, type, p, fixed_size + 8,
				    &reason) < 0)
		lib_panic("index change refused: %s", reason);
}

void
mail_index_expunge(struct mail_index *index, uint32_t uid)
{
	unsigned int idx;

	if (index->open_kind != PENDING_EXPUNGE)
		flush_open(index);
	idx = mail_index_lookup_uid_ge_raw(index, uid);
	if (idx >= index->records.count || index->records.v[idx].uid != uid)
		return;
	for (size_t i = index->open_ranges.count; i > 0; i--) {
		const struct uid_range *r = &index->open_ranges.v[i - 1];
		if (r->uid1 <= uid && uid <= r->uid2)
			return;	/* already expunged in this transaction */
	}
	(void)tx_modseq(index);
	open_range(index, PENDING_EXPUNGE, uid, uid);
}

static void
update(struct mail_index *index, uint32_t uid1, uint32_t uid2,
       uint32_t add, uint32_t remove, uint64_t kw_add, uint64_t kw_remove)
{
	unsigned char p[40];
	unsigned int idx;

	mail_index_apply_deferred(index);
	idx = mail_index_lookup_uid_ge(index, uid1);
	if (uid1 == 0 || uid1 > uid2 || idx >= index->records.count ||
	    index->records.v[idx].uid > uid2)
		return;
	if (index->keywords.count < 64 &&
	    (kw_add >> index->keywords.count) != 0)
		return;
	if (index->open_kind != PENDING_UPDATE ||
	    index->open_flags_add != add ||
	    index->open_flags_remove != remove ||
	    index->open_kw_add != kw_add ||
	    index->open_kw_remove != kw_remove) {
		flush_open(index);
		index->open_flags_add = add;
		index->open_flags_remove = remove;
		index->open_kw_add = kw_add;
		index->open_kw_remove = kw_remove;
	}
	bool merge = can_merge(index, PENDING_UPDATE, uid1);
	memset(p, 0, sizeof(p));
	le_put64(p, tx_modseq(index));
	le_put32(p + 8, add);
	le_put32(p + 12, remove);
	le_put64(p + 16, kw_add);
	le_put64(p + 24, kw_remove);
	le_put32(p + 32, 1);
	apply_range(index, LOG_REC_UPDATE, p, sizeof(p), uid1, uid2);
	if (merge)
		index->open_ranges.v[index->open_ranges.count - 1].uid2 = uid2;
	else
		open_range(index, PENDING_UPDATE, uid1, uid2);
}

void
mail_index_set_flags(struct mail_index *index, uint32_t uid, uint32_t flags)
{
	unsigned int idx;

	if (mail_index_lookup_uid(index, uid, &idx) == 0 ||
	    index->records.v[idx].flags == flags)
		return;
	update(index, uid, uid, flags, ~flags, 0, 0);
}

void
mail_index_update_flags(struct mail_index *index, uint32_t uid1,
			uint32_t uid2, enum mail_index_modify modify,
			uint32_t flags)
{
	switch (modify) {
	case MAIL_INDEX_MODIFY_REPLACE:
		update(index, uid1, uid2, flags & MAIL_INDEX_FLAGS_MASK,
		       MAIL_INDEX_FLAGS_MASK & ~flags, 0, 0);
		break;
	case MAIL_INDEX_MODIFY_ADD:
		update(index, uid1, uid2, flags, 0, 0, 0);
		break;
	case MAIL_INDEX_MODIFY_REMOVE:
		update(index, uid1, uid2, 0, flags, 0, 0);
		break;
	}
}

void
mail_index_update_keywords(struct mail_index *index, uint32_t uid1,
			   uint32_t uid2, enum mail_index_modify modify,
			   uint64_t keywords)
{
	switch (modify) {
	case MAIL_INDEX_MODIFY_REPLACE:
		update(index, uid1, uid2, 0, 0, keywords, ~keywords);
		break;
	case MAIL_INDEX_MODIFY_ADD:
		update(index, uid1, uid2, 0, 0, keywords, 0);
		break;
	case MAIL_INDEX_MODIFY_REMOVE:
		update(index, uid1, uid2, 0, 0, 0, keywords);
		break;
	}
}

static void
header_change(struct mail_index *index, uint32_t next_uid,
	      uint32_t first_recent)
{
	unsigned char p[8];

	le_put32(p, next_uid);
	le_put32(p + 4, first_recent);
	(void)add_record(index, LOG_REC_HEADER, p, sizeof(p));
}

void
mail_index_raise_next_uid(struct mail_index *index, uint32_t next_uid)
{
	if (next_uid > index->hdr.next_uid && index->hdr.uid_validity != 0)
		header_change(index, next_uid, 0);
}

void
mail_index_set_first_recent_uid(struct mail_index *index, uint32_t uid)
{
	if (uid > index->hdr.first_recent_uid && index->hdr.uid_validity != 0)
		header_change(index, 0, uid);
}

int
mail_index_keyword_lookup_or_create(struct mail_index *index,
				    const char *name, unsigned int *idx_r)
{
	unsigned char p[8 + MAIL_INDEX_MAX_KEYWORD_LEN];
	size_t len = strlen(name);

	if (mail_index_keyword_lookup(index, name, idx_r) > 0)
		return 0;
	if (!mail_index_keyword_is_valid(name) ||
	    index->keywords.count >= MAIL_INDEX_MAX_KEYWORDS)
		return -1;
	memset(p, 0, 8);
	le_put32(p, (uint32_t)index->keywords.count);
	le_put16(p + 4, (uint16_t)len);
	memcpy(p + 8, name, len);
	if (add_record(index, LOG_REC_KEYWORD, p, 8 + len) < 0)
		return -1;
	*idx_r = (unsigned int)index->keywords.count - 1;
	return 0;
}

void
mail_index_set_cache_offset(struct mail_index *index, uint32_t uid,
			    uint32_t offset)
{
	unsigned int idx;
	struct uid_range *r;

	mail_index_apply_deferred(index);
	if (mail_index_lookup_uid(index, uid, &idx) == 0)
		return;
	index->records.v[idx].cache_offset = offset;
	if (index->open_kind != PENDING_CACHE_OFFSETS ||
	    index->open_ranges.count >= LOG_REC_MAX_RANGES)
		flush_open(index);
	index->open_kind = PENDING_CACHE_OFFSETS;
	/* (uid, offset) pairs share the range array */
	r = array_push(&index->open_ranges);
	r->uid1 = uid;
	r->uid2 = offset;
	index->dirty = true;
}

void
mail_index_cache_reset(struct mail_index *index, uint32_t file_id)
{
	unsigned char p[8];

	memset(p, 0, sizeof(p));
	le_put32(p, file_id);
	(void)add_record(index, LOG_REC_CACHE_RESET, p, sizeof(p));
}

/* Read where the record file on disk stands (another process may have
   checkpointed since we last looked). */
static void
read_file_position(struct mail_index *index)
{
	unsigned char hdr[MAIL_INDEX_HEADER_SIZE];
	struct stat st;
	int fd;

	fd = openat(index->dir_fd, MAIL_INDEX_FILE_NAME,
		    O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return;
	if (fstat(fd, &st) == 0 &&
	    pread(fd, hdr, sizeof(hdr), 0) == (ssize_t)sizeof(hdr) &&
	    le_get32(hdr + HDR_OFF_MAGIC) == MAIL_INDEX_MAGIC &&
	    le_get16(hdr + HDR_OFF_MAJOR) == MAIL_INDEX_MAJOR_VERSION) {
		index->file_log_seq = le_get32(hdr + HDR_OFF_LOG_SEQ);
		index->file_log_offset = le_get32(hdr + HDR_OFF_LOG_OFFSET);
		index->file_size = (size_t)st.st_size;
	}
	(void)close(fd);
}

static uoff_t
log_behind(const struct mail_index *index)
{
	if (index->file_log_seq == index->log_seq &&
	    index->file_log_offset <= index->log_offset)
		return index->log_offset - index->file_log_offset;
	return index->log_offset;
}

static bool
checkpoint_due(struct mail_index *index)
{
	if (index->need_checkpoint || index->need_new_log)
		return true;
	if (log_behind(index) < MAIL_INDEX_CHECKPOINT_MIN_BYTES ||
	    log_behind(index) < index->file_size / 8)
		return false;
	read_file_position(index);
	return log_behind(index) >= MAIL_INDEX_CHECKPOINT_MIN_BYTES &&
		log_behind(index) >= index->file_size / 8;
}

static void
make_backup(struct mail_index *index)
{
	(void)unlinkat(index->dir_fd, BACKUP_TMP_NAME, 0);
	if (linkat(index->dir_fd, MAIL_INDEX_FILE_NAME, index->dir_fd,
		   BACKUP_TMP_NAME, 0) < 0)
		return;
	if (renameat(index->dir_fd, BACKUP_TMP_NAME, index->dir_fd,
		     MAIL_INDEX_BACKUP_FILE_NAME) < 0) {
		e_warning(index->event, "rename(%s/%s): %s", index->dir_path,
			  BACKUP_TMP_NAME, strerror(errno));
		(void)unlinkat(index->dir_fd, BACKUP_TMP_NAME, 0);
	}
}

static int
write_record_file(struct mail_index *index, const char **error_r)
{
	struct buffer *buf;
	int ret;

	index->hdr.generation++;
	buf = buffer_create(system_pool, 4096, 0);
	mail_index_file_encode(index, buf);
	make_backup(index);
	ret = mail_index_replace_file(index, MAIL_INDEX_FILE_NAME, buf->data,
				      buf->used, error_r);
	if (ret == 0) {
		index->file_log_seq = index->log_seq;
		index->file_log_offset = index->log_offset;
		index->file_size = buf->used;
		index->need_checkpoint = false;
	}
	buffer_free(&buf);
	return ret;
}

int
mail_index_checkpoint(struct mail_index *index, bool rotate,
		      const char **error_r)
{
	lib_assert(index->locked);
	if (index->pending->used > 0 || index->open_kind != PENDING_NONE ||
	    index->hdr.uid_validity == 0) {
		*error_r = mail_index_set_error(index, "Checkpoint of %s "
			"with unwritten or no state", index->dir_path);
		return -1;
	}
	if (index->log_seq == 0 || index->need_new_log) {
		if (mail_index_log_create(index, true, error_r) < 0)
			return -1;
		index->need_new_log = false;
	} else if (rotate) {
		/* the record file must cover the log that becomes .log.2,
		   so that a reader two rotations behind can reload it */
		if (index->file_log_seq != index->log_seq &&
		    write_record_file(index, error_r) < 0)
			return -1;
		if (mail_index_log_create(index, true, error_r) < 0)
			return -1;
	}
	return write_record_file(index, error_r);
}

int
mail_index_write(struct mail_index *index, const char **error_r)
{
	const char *error;

	lib_assert(index->locked);
	if (index->hdr.uid_validity == 0) {
		*error_r = mail_index_set_error(index, "Writing index %s "
			"without a UIDVALIDITY", index->dir_path);
		return -1;
	}
	if (mail_cache_flush(index, error_r) < 0)
		return -1;
	flush_open(index);
	if (mail_index_log_commit(index, error_r) < 0) {
		int err = errno;
		mail_index_invalidate(index);
		errno = err;
		return -1;
	}
	if (index->tx_reset)
		index->need_checkpoint = true;
	mail_index_pending_clear(index);
	if (!checkpoint_due(index))
		return 0;
	bool rotate = mail_index_log_get_size(index) > MAIL_INDEX_LOG_ROTATE_SIZE;
	if (mail_index_checkpoint(index, rotate, &error) < 0) {
		/* the changes are durable in the log: only warn */
		e_warning(index->event, "Index checkpoint failed: %s", error);
		index->need_checkpoint = true;
	}
	return 0;
}
