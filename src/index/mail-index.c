/* SPDX-License-Identifier: MIT */
/*
 * The in-memory side of the per-mailbox index: locking, reloading the file
 * when another process replaced it, the record list and its changes, and
 * the durable write.
 */
#include "lib.h"
#include "mail-index-private.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

struct mail_index *
mail_index_alloc(int dir_fd, const char *dir_path, struct log_event *event)
{
	struct mail_index *index = xcalloc(1, sizeof(*index));

	index->dir_fd = dir_fd;
	index->dir_path = xstrdup(dir_path);
	index->event = event;
	index->lock_fd = -1;
	array_init(&index->records, system_pool, 16);
	index->log_lines = str_create(system_pool, 128);
	index->error = str_create(system_pool, 128);
	return index;
}

void
mail_index_clear_records(struct mail_index *index)
{
	struct mail_index_record *rec;

	array_foreach(&index->records, rec) {
		char *name = (char *)rec->name;
		xfree(name);
	}
	array_clear(&index->records);
}

void
mail_index_free(struct mail_index **_index)
{
	struct mail_index *index = *_index;

	if (index == NULL)
		return;
	*_index = NULL;
	if (index->locked)
		mail_index_unlock(index);
	if (index->lock_fd != -1)
		(void)close(index->lock_fd);
	mail_index_clear_records(index);
	array_free(&index->records);
	str_free(&index->log_lines);
	str_free(&index->error);
	xfree(index->dir_path);
	xfree(index);
}

const char *
mail_index_set_error(struct mail_index *index, const char *fmt, ...)
{
	va_list args;

	str_clear(index->error);
	va_start(args, fmt);
	str_vprintfa(index->error, fmt, args);
	va_end(args);
	return str_c(index->error);
}

int
mail_index_lock(struct mail_index *index, const char **error_r)
{
	lib_assert(!index->locked);
	if (index->lock_fd == -1) {
		index->lock_fd = openat(index->dir_fd, MAIL_INDEX_LOCK_FILE_NAME,
					O_RDWR | O_CREAT | O_NOFOLLOW |
					O_CLOEXEC, 0600);
		if (index->lock_fd < 0) {
			*error_r = mail_index_set_error(index,
				"open(%s/%s): %s", index->dir_path,
				MAIL_INDEX_LOCK_FILE_NAME, strerror(errno));
			return -1;
		}
	}
	while (flock(index->lock_fd, LOCK_EX) < 0) {
		if (errno != EINTR) {
			*error_r = mail_index_set_error(index,
				"flock(%s/%s): %s", index->dir_path,
				MAIL_INDEX_LOCK_FILE_NAME, strerror(errno));
			return -1;
		}
	}
	index->locked = true;
	return 0;
}

void
mail_index_unlock(struct mail_index *index)
{
	lib_assert(index->locked);
	if (flock(index->lock_fd, LOCK_UN) < 0) {
		e_error(index->event, "flock(%s/%s, LOCK_UN): %s",
			index->dir_path, MAIL_INDEX_LOCK_FILE_NAME,
			strerror(errno));
	}
	index->locked = false;
}

bool
mail_index_is_locked(const struct mail_index *index)
{
	return index->locked;
}

static bool
stat_equals(const struct stat *a, const struct stat *b)
{
	return a->st_ino == b->st_ino && a->st_dev == b->st_dev &&
		a->st_size == b->st_size &&
		a->st_mtim.tv_sec == b->st_mtim.tv_sec &&
		a->st_mtim.tv_nsec == b->st_mtim.tv_nsec;
}

/* Guards against a reused inode with the same size and mtime. */
static bool
generation_equals(struct mail_index *index, int fd)
{
	unsigned char gen[8];

	if (pread(fd, gen, sizeof(gen), HDR_OFF_GENERATION) != sizeof(gen))
		return false;
	return le_get64(gen) == index->hdr.generation;
}

static void
forget_state(struct mail_index *index)
{
	mail_index_clear_records(index);
	memset(&index->hdr, 0, sizeof(index->hdr));
	index->have_stat = false;
	index->dirty = false;
	str_clear(index->log_lines);
}

static int
read_file(struct mail_index *index, int fd, size_t size, struct buffer *buf)
{
	unsigned char *p = buffer_get_space(buf, size);
	size_t pos = 0;

	lib_assert(p != NULL);
	while (pos < size) {
		ssize_t ret = read(fd, p + pos, size - pos);
		if (ret < 0 && errno == EINTR)
			continue;
		if (ret < 0) {
			e_error(index->event, "read(%s/%s): %s",
				index->dir_path, MAIL_INDEX_FILE_NAME,
				strerror(errno));
			return -1;
		}
		if (ret == 0)
			break;	/* shrank meanwhile: parse sees it short */
		pos += (size_t)ret;
	}
	buffer_set_used_size(buf, pos);
	return 0;
}

static enum mail_index_read_result
load_file(struct mail_index *index, int fd, const struct stat *st)
{
	struct buffer *buf;
	const char *reason;
	size_t offset;
	int ret;

	if (st->st_size > (off_t)MAIL_INDEX_MAX_FILE_SIZE) {
		e_error(index->event, "Corrupt index file %s/%s: file size "
			"%lld over the limit (offset %u)", index->dir_path,
			MAIL_INDEX_FILE_NAME, (long long)st->st_size,
			MAIL_INDEX_MAX_FILE_SIZE);
		forget_state(index);
		return MAIL_INDEX_READ_CORRUPT;
	}
	buf = buffer_create(system_pool, (size_t)st->st_size + 1, 0);
	if (read_file(index, fd, (size_t)st->st_size, buf) < 0) {
		buffer_free(&buf);
		forget_state(index);
		return MAIL_INDEX_READ_ERROR;
	}
	forget_state(index);
	ret = mail_index_parse(index, buf->data, buf->used, &reason, &offset);
	if (buf->used >= HDR_OFF_UID_VALIDITY + 4 &&
	    le_get32(buf->data + HDR_OFF_MAGIC) == MAIL_INDEX_MAGIC) {
		uint32_t uidv = le_get32(buf->data + HDR_OFF_UID_VALIDITY);
		if (uidv > index->last_uid_validity)
			index->last_uid_validity = uidv;
	}
	buffer_free(&buf);
	if (ret < 0) {
		e_error(index->event, "Corrupt index file %s/%s: %s "
			"(offset %zu); rebuilding", index->dir_path,
			MAIL_INDEX_FILE_NAME, reason, offset);
		return MAIL_INDEX_READ_CORRUPT;
	}
	index->st = *st;
	index->have_stat = true;
	return MAIL_INDEX_READ_OK;
}

enum mail_index_read_result
mail_index_refresh(struct mail_index *index)
{
	enum mail_index_read_result ret;
	struct stat st;
	int fd;

	fd = openat(index->dir_fd, MAIL_INDEX_FILE_NAME,
		    O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT) {
			forget_state(index);
			return MAIL_INDEX_READ_MISSING;
		}
		e_error(index->event, "open(%s/%s): %s", index->dir_path,
			MAIL_INDEX_FILE_NAME, strerror(errno));
		return errno == ELOOP ? MAIL_INDEX_READ_CORRUPT :
			MAIL_INDEX_READ_ERROR;
	}
	if (fstat(fd, &st) < 0) {
		e_error(index->event, "fstat(%s/%s): %s", index->dir_path,
			MAIL_INDEX_FILE_NAME, strerror(errno));
		(void)close(fd);
		return MAIL_INDEX_READ_ERROR;
	}
	if (!S_ISREG(st.st_mode)) {
		e_error(index->event, "Corrupt index file %s/%s: not a regular "
			"file (offset 0)", index->dir_path, MAIL_INDEX_FILE_NAME);
		(void)close(fd);
		forget_state(index);
		return MAIL_INDEX_READ_CORRUPT;
	}
	if (index->have_stat && stat_equals(&st, &index->st) &&
	    generation_equals(index, fd)) {
		(void)close(fd);
		return MAIL_INDEX_READ_OK;
	}
	ret = load_file(index, fd, &st);
	(void)close(fd);
	return ret;
}

uint32_t
mail_index_get_last_uid_validity(const struct mail_index *index)
{
	return index->last_uid_validity;
}

void
mail_index_invalidate(struct mail_index *index)
{
	index->have_stat = false;
	index->dirty = false;
	index->log_rewrite = false;
	str_clear(index->log_lines);
}

const struct mail_index_header *
mail_index_get_header(const struct mail_index *index)
{
	return &index->hdr;
}

const struct mail_index_record *
mail_index_get_records(const struct mail_index *index, unsigned int *count_r)
{
	*count_r = (unsigned int)index->records.count;
	return index->records.v;
}

int
mail_index_lookup_uid(const struct mail_index *index, uint32_t uid,
		      unsigned int *idx_r)
{
	size_t lo = 0, hi = index->records.count;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		uint32_t mid_uid = index->records.v[mid].uid;
		if (mid_uid == uid) {
			*idx_r = (unsigned int)mid;
			return 1;
		}
		if (mid_uid < uid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

int
mail_index_lookup_name(const struct mail_index *index, const char *name,
		       unsigned int *idx_r)
{
	for (size_t i = 0; i < index->records.count; i++) {
		if (strcmp(index->records.v[i].name, name) == 0) {
			*idx_r = (unsigned int)i;
			return 1;
		}
	}
	return 0;
}

void
mail_index_reset(struct mail_index *index, uint32_t uid_validity,
		 uint32_t next_uid)
{
	mail_index_clear_records(index);
	lib_assert(uid_validity != 0);
	index->hdr.uid_validity = uid_validity;
	index->hdr.next_uid = next_uid == 0 ? 1 : next_uid;
	index->hdr.first_recent_uid = 1;
	index->dirty = true;
	index->log_rewrite = true;
	str_clear(index->log_lines);
}

int
mail_index_append(struct mail_index *index,
		  const struct mail_index_record *rec)
{
	struct mail_index_record *new_rec;
	size_t count = index->records.count;

	if (rec->uid == 0 ||
	    (count > 0 && index->records.v[count - 1].uid >= rec->uid) ||
	    !mail_index_name_is_valid(rec->name))
		return -1;
	new_rec = array_push(&index->records);
	*new_rec = *rec;
	new_rec->name = xstrdup(rec->name);
	new_rec->modseq = ++index->hdr.highest_modseq;
	if (index->hdr.next_uid <= rec->uid)
		index->hdr.next_uid = rec->uid + 1;
	str_printfa(index->log_lines, "+%u %s\n", rec->uid, rec->name);
	index->dirty = true;
	return 0;
}

void
mail_index_expunge(struct mail_index *index, uint32_t uid)
{
	unsigned int idx;

	if (mail_index_lookup_uid(index, uid, &idx) == 0)
		return;
	char *name = (char *)index->records.v[idx].name;
	xfree(name);
	array_delete(&index->records, idx, 1);
	++index->hdr.highest_modseq;
	str_printfa(index->log_lines, "-%u\n", uid);
	index->dirty = true;
}

void
mail_index_set_flags(struct mail_index *index, uint32_t uid, uint32_t flags)
{
	unsigned int idx;

	if (mail_index_lookup_uid(index, uid, &idx) == 0 ||
	    index->records.v[idx].flags == flags)
		return;
	index->records.v[idx].flags = flags;
	index->records.v[idx].modseq = ++index->hdr.highest_modseq;
	index->dirty = true;
}

void
mail_index_raise_next_uid(struct mail_index *index, uint32_t next_uid)
{
	if (next_uid > index->hdr.next_uid) {
		index->hdr.next_uid = next_uid;
		str_printfa(index->log_lines, "N%u\n", next_uid);
		index->dirty = true;
	}
}

void
mail_index_set_first_recent_uid(struct mail_index *index, uint32_t uid)
{
	if (uid > index->hdr.first_recent_uid) {
		index->hdr.first_recent_uid = uid;
		index->dirty = true;
	}
}

bool
mail_index_is_dirty(const struct mail_index *index)
{
	return index->dirty;
}

int
mail_index_write(struct mail_index *index, const char **error_r)
{
	struct buffer *buf;
	struct stat st;
	int ret;

	lib_assert(index->locked);
	lib_assert(index->hdr.uid_validity != 0);
	index->hdr.generation++;
	buf = buffer_create(system_pool, 4096, 0);
	mail_index_encode(index, buf);
	ret = mail_index_replace_file(index, MAIL_INDEX_FILE_NAME, buf->data,
				      buf->used, &st, error_r);
	buffer_free(&buf);
	if (ret < 0) {
		/* the file on disk is unchanged: reread it next time */
		index->have_stat = false;
		return -1;
	}
	index->st = st;
	index->have_stat = true;
	index->dirty = false;
	mail_index_log_commit(index);
	return 0;
}
