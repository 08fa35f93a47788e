/* SPDX-License-Identifier: MIT */
/*
 * Getting the state: the record file read once, then the log followed.
 * When the record file is corrupt or its log position cannot be followed,
 * the state is repaired from what the other index files still prove: the
 * backup record file plus the logs, or the logs alone when they go back
 * to the mailbox's first reset. Only when neither works is the index
 * reported corrupt, for a rebuild from the mail files
 * (mail_index_log_read_map() gives the UIDs that can still be trusted).
 */
#include "lib.h"
#include "mail-index-private.h"

#include <fcntl.h>
#include <unistd.h>

#define TEXT_LOG_PREFIX "roost-uidlog "

static void
note_uid_validity(struct mail_index *index, const struct buffer *buf)
{
	if (buf->used >= HDR_OFF_UID_VALIDITY + 4 &&
	    le_get32(buf->data + HDR_OFF_MAGIC) == MAIL_INDEX_MAGIC) {
		uint32_t uidv = le_get32(buf->data + HDR_OFF_UID_VALIDITY);
		if (uidv > index->last_uid_validity)
			index->last_uid_validity = uidv;
	}
}

/* Parse a record file image and follow the log from it. 0 ok, 1 corrupt
   or not followable (logged when log_errors), -1 I/O error. */
static int
load_image(struct mail_index *index, const char *name,
	   const struct buffer *buf, bool log_errors)
{
	const char *reason;
	size_t offset;
	int ret;

	note_uid_validity(index, buf);
	if (mail_index_file_parse(index, buf->data, buf->used, &reason,
				  &offset) < 0) {
		if (log_errors) {
			e_error(index->event, "Corrupt index file %s/%s: %s "
				"(offset %zu)", index->dir_path, name, reason,
				offset);
		}
		return 1;
	}
	index->file_log_seq = index->log_seq;
	index->file_log_offset = index->log_offset;
	index->file_size = buf->used;
	if (index->hdr.uid_validity > index->last_uid_validity)
		index->last_uid_validity = index->hdr.uid_validity;
	if (index->log_seq == 0) {
		/* a version 1 file: the next write starts a binary log */
		index->need_new_log = true;
		index->need_checkpoint = true;
	}
	ret = mail_index_log_follow(index);
	if (ret < 0)
		return -1;
	return ret;
}

static int
load_file(struct mail_index *index, const char *name, bool log_errors)
{
	struct buffer *buf;
	int ret;

	ret = mail_index_read_whole(index, name, MAIL_INDEX_MAX_FILE_SIZE,
				    &buf);
	if (ret <= 0)
		return ret < 0 ? -1 : 1;
	ret = load_image(index, name, buf, log_errors);
	buffer_free(&buf);
	if (ret != 0)
		mail_index_clear_state(index);
	return ret;
}

/* Start the state at the beginning of the oldest log (.log.2 when it
   directly precedes the current one) and follow. complete: only if that
   log begins with a reset, i.e. holds the whole history. 0 ok, 1 not
   possible. */
static int
load_from_logs(struct mail_index *index, bool complete)
{
	unsigned char hdr[LOG_HEADER_SIZE + LOG_REC_HEADER_SIZE];
	uint32_t cur_seq = 0, old_seq = 0, seq, uidv, next_uid;
	uint64_t modseq;
	const char *name = MAIL_INDEX_LOG_FILE_NAME;
	ssize_t n;
	int fd;

	mail_index_clear_state(index);
	if (mail_index_log_peek_seq(index, MAIL_INDEX_LOG_FILE_NAME,
				    &cur_seq) == 0)
		return 1;
	if (mail_index_log_peek_seq(index, MAIL_INDEX_LOG2_FILE_NAME,
				    &old_seq) > 0 && old_seq + 1 == cur_seq)
		name = MAIL_INDEX_LOG2_FILE_NAME;
	fd = openat(index->dir_fd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return 1;
	n = pread(fd, hdr, sizeof(hdr), 0);
	(void)close(fd);
	if (n < LOG_HEADER_SIZE ||
	    mail_index_log_parse_header(hdr, (size_t)n, &seq, &uidv,
					&next_uid, &modseq) < 0)
		return 1;
	if (complete && (n < (ssize_t)sizeof(hdr) ||
			 le_get16(hdr + LOG_HEADER_SIZE + 4) != LOG_REC_RESET))
		return 1;
	if (!complete && uidv == 0)
		return 1;
	index->hdr.uid_validity = uidv;
	index->hdr.next_uid = next_uid == 0 ? 1 : next_uid;
	index->hdr.first_recent_uid = index->hdr.next_uid;
	index->hdr.highest_modseq = modseq;
	index->hdr.expunge_history_modseq = modseq;
	index->log_seq = seq;
	index->log_offset = LOG_HEADER_SIZE;
	index->loaded = true;
	if (mail_index_log_follow(index) != 0 ||
	    index->hdr.uid_validity == 0) {
		mail_index_clear_state(index);
		return 1;
	}
	return 0;
}

static bool
file_exists(struct mail_index *index, const char *name)
{
	struct stat st;

	return fstatat(index->dir_fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0;
}

/* The record file is unusable: repair from the backup or the logs. */
static enum mail_index_read_result
repair(struct mail_index *index)
{
	int ret = load_file(index, MAIL_INDEX_BACKUP_FILE_NAME, false);

	if (ret < 0)
		return MAIL_INDEX_READ_ERROR;
	if (ret == 0) {
		e_warning(index->event, "Index %s repaired from %s and the "
			  "transaction log", index->dir_path,
			  MAIL_INDEX_BACKUP_FILE_NAME);
	} else if (load_from_logs(index, true) == 0) {
		e_warning(index->event, "Index %s repaired from the "
			  "transaction log", index->dir_path);
	} else {
		e_error(index->event, "Index %s cannot be repaired from its "
			"backup or log; rebuilding", index->dir_path);
		mail_index_clear_state(index);
		return MAIL_INDEX_READ_CORRUPT;
	}
	index->need_checkpoint = true;
	return MAIL_INDEX_READ_OK;
}

/* The record file is fine but the log does not continue from its
   position (sequence gap, missing or garbled log). */
static enum mail_index_read_result
handle_gap(struct mail_index *index)
{
	uint32_t file_seq, file_offset;

	if (load_file(index, MAIL_INDEX_BACKUP_FILE_NAME, false) == 0) {
		e_warning(index->event, "Index %s: transaction log does not "
			  "continue from the record file; repaired from %s",
			  index->dir_path, MAIL_INDEX_BACKUP_FILE_NAME);
		index->need_checkpoint = true;
		return MAIL_INDEX_READ_OK;
	}
	/* take the record file as it is, without following */
	struct buffer *buf;
	const char *reason;
	size_t offset;

	if (mail_index_read_whole(index, MAIL_INDEX_FILE_NAME,
				  MAIL_INDEX_MAX_FILE_SIZE, &buf) <= 0)
		return MAIL_INDEX_READ_ERROR;
	int ret = mail_index_file_parse(index, buf->data, buf->used, &reason,
					&offset);
	buffer_free(&buf);
	if (ret < 0)
		return repair(index);
	file_seq = index->log_seq;
	file_offset = index->log_offset;
	e_error(index->event, "Index %s: transaction log sequence gap (the "
		"record file covers log %u up to offset %u, the log is at "
		"%u); changes after it are lost and the mailbox is rescanned",
		index->dir_path, file_seq, file_offset, index->max_seen_seq);
	index->file_log_seq = file_seq;
	index->file_log_offset = file_offset;
	index->need_new_log = true;
	index->need_checkpoint = true;
	return MAIL_INDEX_READ_OK;
}

enum mail_index_read_result
mail_index_load(struct mail_index *index)
{
	int ret;

	mail_index_clear_state(index);
	ret = load_file(index, MAIL_INDEX_FILE_NAME, true);
	if (ret < 0)
		return MAIL_INDEX_READ_ERROR;
	if (ret == 0)
		return MAIL_INDEX_READ_OK;
	if (file_exists(index, MAIL_INDEX_FILE_NAME)) {
		/* parsed fine but the log does not follow? */
		struct buffer *buf;
		const char *reason;
		size_t offset;
		bool parses;

		if (mail_index_read_whole(index, MAIL_INDEX_FILE_NAME,
					  MAIL_INDEX_MAX_FILE_SIZE, &buf) <= 0)
			return MAIL_INDEX_READ_ERROR;
		parses = mail_index_file_parse(index, buf->data, buf->used,
					       &reason, &offset) == 0;
		buffer_free(&buf);
		mail_index_clear_state(index);
		return parses ? handle_gap(index) : repair(index);
	}
	if (!file_exists(index, MAIL_INDEX_LOG_FILE_NAME))
		return MAIL_INDEX_READ_MISSING;
	e_warning(index->event, "Index file %s/%s is missing",
		  index->dir_path, MAIL_INDEX_FILE_NAME);
	return repair(index);
}

enum mail_index_read_result
mail_index_refresh(struct mail_index *index)
{
	int ret;

	if (index->dirty || index->pending->used > 0)
		mail_index_invalidate(index);
	if (index->loaded) {
		ret = mail_index_log_follow(index);
		if (ret < 0)
			return MAIL_INDEX_READ_ERROR;
		if (ret == 0)
			return MAIL_INDEX_READ_OK;
	}
	return mail_index_load(index);
}

static void
map_from_state(const struct mail_index *index, pool_t pool,
	       struct mail_index_uid_map *map)
{
	map->uid_validity = index->hdr.uid_validity;
	map->next_uid = index->hdr.next_uid;
	for (size_t i = 0; i < index->records.count; i++) {
		struct mail_index_uid_name *ent = array_push(&map->names);
		ent->uid = index->records.v[i].uid;
		ent->name = p_strdup(pool, index->records.v[i].name);
	}
}

static int
read_text_log(struct mail_index *index, pool_t pool,
	      struct mail_index_uid_map *map)
{
	struct buffer *buf;
	int ret;

	if (mail_index_read_whole(index, MAIL_INDEX_LOG_FILE_NAME,
				  MAIL_INDEX_MAX_LOG_SIZE, &buf) <= 0)
		return 0;
	ret = 0;
	if (buf->used >= strlen(TEXT_LOG_PREFIX) &&
	    memcmp(buf->data, TEXT_LOG_PREFIX, strlen(TEXT_LOG_PREFIX)) == 0) {
		ret = mail_index_text_log_read(index, (const char *)buf->data,
					       buf->used, pool, map);
	}
	buffer_free(&buf);
	return ret;
}

int
mail_index_log_read_map(struct mail_index *index, pool_t pool,
			struct mail_index_uid_map *map_r)
{
	struct mail_index *tmp;
	int ret = 0;

	memset(map_r, 0, sizeof(*map_r));
	array_init(&map_r->names, pool, 64);
	if (read_text_log(index, pool, map_r) > 0)
		return 1;
	array_clear(&map_r->names);
	tmp = mail_index_alloc(index->dir_fd, index->dir_path, index->event);
	if (load_file(tmp, MAIL_INDEX_BACKUP_FILE_NAME, false) == 0 ||
	    load_from_logs(tmp, false) == 0) {
		map_from_state(tmp, pool, map_r);
		ret = 1;
	}
	if (tmp->last_uid_validity > index->last_uid_validity)
		index->last_uid_validity = tmp->last_uid_validity;
	mail_index_free(&tmp);
	if (ret == 0 && file_exists(index, MAIL_INDEX_LOG_FILE_NAME)) {
		e_warning(index->event, "No usable transaction log in %s "
			  "(offset 0)", index->dir_path);
	}
	return ret;
}
