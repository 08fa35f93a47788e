/* SPDX-License-Identifier: MIT */
/*
 * The in-memory side of the per-mailbox index: allocation, the lock, the
 * state and its read-only accessors.
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
	array_init(&index->keywords, system_pool, 4);
	array_init(&index->expunges, system_pool, 4);
	array_init(&index->open_ranges, system_pool, 4);
	index->pending = buffer_create(system_pool, 256, 0);
	index->error = str_create(system_pool, 128);
	return index;
}

void
mail_index_free_name(struct mail_index *index, const char *name)
{
	const unsigned char *p = (const unsigned char *)name;

	if (index->file_names != NULL && p >= index->file_names &&
	    p < index->file_names + index->file_names_size)
		return;
	char *heap = (char *)name;
	xfree(heap);
}

void
mail_index_clear_records(struct mail_index *index)
{
	for (size_t i = 0; i < index->records.count; i++)
		mail_index_free_name(index, index->records.v[i].name);
	array_clear(&index->records);
	if (index->file_names != NULL)
		xfree(index->file_names);
	index->file_names_size = 0;
}

void
mail_index_clear_state(struct mail_index *index)
{
	mail_index_clear_records(index);
	for (size_t i = 0; i < index->keywords.count; i++)
		xfree(index->keywords.v[i]);
	array_clear(&index->keywords);
	array_clear(&index->expunges);
	memset(&index->hdr, 0, sizeof(index->hdr));
	index->loaded = false;
	index->log_seq = 0;
	index->log_offset = 0;
	mail_index_pending_clear(index);
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
	mail_cache_free_index(index);
	mail_index_clear_state(index);
	array_free(&index->records);
	array_free(&index->keywords);
	array_free(&index->expunges);
	array_free(&index->open_ranges);
	buffer_free(&index->pending);
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

uint32_t
mail_index_get_last_uid_validity(const struct mail_index *index)
{
	return index->last_uid_validity;
}

void
mail_index_invalidate(struct mail_index *index)
{
	mail_cache_forget_pending(index);
	mail_index_clear_state(index);
}

/* Expunges of the open transaction are applied in one pass when the
   state is next looked at (expunging many messages one by one stays
   O(n)); the accessors are const for callers, so they cast. */
static const struct mail_index *
current(const struct mail_index *index)
{
	mail_index_apply_deferred((struct mail_index *)index);
	return index;
}

const struct mail_index_header *
mail_index_get_header(const struct mail_index *index)
{
	return &current(index)->hdr;
}

const struct mail_index_record *
mail_index_get_records(const struct mail_index *index, unsigned int *count_r)
{
	*count_r = (unsigned int)current(index)->records.count;
	return index->records.v;
}

unsigned int
mail_index_lookup_uid_ge(const struct mail_index *index, uint32_t uid)
{
	return mail_index_lookup_uid_ge_raw(current(index), uid);
}

unsigned int
mail_index_lookup_uid_ge_raw(const struct mail_index *index, uint32_t uid)
{
	size_t lo = 0, hi = index->records.count;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (index->records.v[mid].uid < uid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return (unsigned int)lo;
}

int
mail_index_lookup_uid(const struct mail_index *index, uint32_t uid,
		      unsigned int *idx_r)
{
	unsigned int idx = mail_index_lookup_uid_ge(index, uid);

	if (idx >= index->records.count || index->records.v[idx].uid != uid)
		return 0;
	*idx_r = idx;
	return 1;
}

int
mail_index_lookup_name(const struct mail_index *index, const char *name,
		       unsigned int *idx_r)
{
	/* newest first: a just-saved message is near the end */
	(void)current(index);
	for (size_t i = index->records.count; i > 0; i--) {
		if (strcmp(index->records.v[i - 1].name, name) == 0) {
			*idx_r = (unsigned int)(i - 1);
			return 1;
		}
	}
	return 0;
}

const char *const *
mail_index_get_keywords(const struct mail_index *index,
			unsigned int *count_r)
{
	*count_r = (unsigned int)index->keywords.count;
	return (const char *const *)index->keywords.v;
}

int
mail_index_keyword_lookup(const struct mail_index *index, const char *name,
			  unsigned int *idx_r)
{
	for (size_t i = 0; i < index->keywords.count; i++) {
		if (str_casecmp_ascii(index->keywords.v[i], name) == 0) {
			*idx_r = (unsigned int)i;
			return 1;
		}
	}
	return 0;
}

bool
mail_index_get_expunges_since(const struct mail_index *index,
			      uint64_t since_modseq,
			      const struct mail_index_expunge **ents_r,
			      unsigned int *count_r)
{
	size_t lo = 0, hi = current(index)->expunges.count;

	/* entries ascend by modseq: find the first one above since */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (index->expunges.v[mid].modseq <= since_modseq)
			lo = mid + 1;
		else
			hi = mid;
	}
	*ents_r = index->expunges.v + lo;
	*count_r = (unsigned int)(index->expunges.count - lo);
	return since_modseq >= index->hdr.expunge_history_modseq;
}

bool
mail_index_is_dirty(const struct mail_index *index)
{
	/* a repaired or upgraded state also wants its checkpoint */
	return index->dirty || (index->loaded && index->hdr.uid_validity != 0 &&
				(index->need_checkpoint ||
				 index->need_new_log));
}
