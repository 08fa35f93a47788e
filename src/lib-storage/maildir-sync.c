/* SPDX-License-Identifier: MIT */
/*
 * Maildir <-> index synchronization, run with the index locked: scan new/
 * and cur/ (moving new/ to cur/ in read-write views, as Dovecot does),
 * match files to records by base name, expunge records whose file is gone,
 * take flag changes from file names, and give newcomers UIDs in a stable
 * order (mtime, then name). A missing or corrupt index is rebuilt here,
 * keeping UIDVALIDITY and UIDs from the UID log (or, for a Maildir roost has
 * never indexed, from Dovecot's dovecot-uidlist).
 */
#include "lib.h"
#include "hash.h"
#include "mail-storage-private.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

struct newcomer {
	struct maildir_scan_entry *entry;
	uint32_t known_uid;	/* from a rebuild source, 0 if none */
	struct mail_index_record rec;
};

struct newcomer_list {
	ARRAY(struct newcomer) ncs;
};

void
maildir_scan_free(struct mailbox *box)
{
	if (box->scan != NULL)
		hash_table_destroy(&box->scan);
	if (box->scan_pool != NULL)
		pool_destroy(&box->scan_pool);
}

static bool
dirent_is_file(int dir_fd, const struct dirent *d)
{
	struct stat st;

	if (d->d_name[0] == '.')
		return false;
	if (d->d_type == DT_REG)
		return true;
	if (d->d_type != DT_UNKNOWN)
		return false;
	return fstatat(dir_fd, d->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		S_ISREG(st.st_mode);
}

/* new/<name> -> cur/<name>:2, ; returns the name in cur/ or NULL if the
   file went away meanwhile. */
static const char *
move_new_to_cur(struct mailbox *box, const char *fname)
{
	const char *dest = strchr(fname, ':') != NULL ? fname :
		p_strdup_printf(box->scan_pool, "%s:2,", fname);

	if (renameat(box->new_fd, fname, box->cur_fd, dest) == 0)
		return dest;
	if (errno != ENOENT) {
		e_warning(box->event, "rename(%s/new/%s, cur/) failed: %s",
			  box->path, fname, strerror(errno));
		return NULL;
	}
	return NULL;
}

static void
scan_add(struct mailbox *box, const char *fname, bool in_new)
{
	struct maildir_scan_entry *entry;
	const char *base = maildir_filename_base(box->scan_pool, fname);

	entry = hash_table_lookup(box->scan, base);
	if (entry != NULL && strcmp(entry->fname, fname) == 0)
		return;	/* moved from new/ to cur/ earlier in this scan */
	if (entry != NULL) {
		e_warning(box->event, "Maildir %s has two files for %s; "
			  "ignoring %s/%s", box->path, base,
			  in_new ? "new" : "cur", fname);
		return;
	}
	entry = p_malloc(box->scan_pool, sizeof(*entry));
	entry->base = base;
	entry->fname = p_strdup(box->scan_pool, fname);
	entry->in_new = in_new;
	hash_table_insert(box->scan, (void *)entry->base, entry);
}

static int
scan_dir(struct mailbox *box, bool in_new)
{
	int dfd = in_new ? box->new_fd : box->cur_fd;
	bool move = in_new && (box->flags & MAILBOX_FLAG_READONLY) == 0;
	struct dirent *d;
	DIR *dir;
	int fd;

	fd = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	dir = fd < 0 ? NULL : fdopendir(fd);
	if (dir == NULL) {
		if (fd >= 0)
			(void)close(fd);
		return -1;
	}
	while ((d = readdir(dir)) != NULL) {
		const char *fname = d->d_name;
		if (!dirent_is_file(dfd, d))
			continue;
		if (move) {
			fname = move_new_to_cur(box, fname);
			if (fname == NULL)
				continue;
		}
		scan_add(box, fname, in_new && !move);
	}
	(void)closedir(dir);
	return 0;
}

/* Scan new/ before cur/: a file another client moves from new/ to cur/
   meanwhile is then seen at least once. */
static int
scan_folder(struct mailbox *box)
{
	maildir_scan_free(box);
	box->scan_pool = pool_create_arena("maildir scan", 4096);
	box->scan = hash_table_create_str(box->scan_pool, 64);
	if (scan_dir(box, true) < 0 || scan_dir(box, false) < 0) {
		mail_user_set_internal_error(box->user, box->event, errno,
			"Scanning Maildir %s failed: %s", box->path,
			strerror(errno));
		return -1;
	}
	return 0;
}

/* Pick the rebuild source and reset the index. */
static void
rebuild_start(struct mailbox *box, enum mail_index_read_result result,
	      pool_t pool, struct mail_index_uid_map *map,
	      struct hash_table **known_r)
{
	uint32_t uid_validity;
	bool have_map;

	have_map = mail_index_log_read_map(box->index, pool, map) > 0;
	if (!have_map && result == MAIL_INDEX_READ_MISSING)
		have_map = maildir_uidlist_read(box, pool, map) > 0;
	*known_r = NULL;
	if (!have_map) {
		uint32_t last = MAX(box->uid_validity,
			mail_index_get_last_uid_validity(box->index));
		uid_validity = (uint32_t)time(NULL);
		if (uid_validity <= last && last < UINT32_MAX)
			uid_validity = last + 1;
		mail_index_reset(box->index, uid_validity, 1);
		if (result == MAIL_INDEX_READ_CORRUPT) {
			e_warning(box->event, "Rebuilding index of %s with a "
				  "new UIDVALIDITY %u", box->path,
				  uid_validity);
		}
		return;
	}
	mail_index_reset(box->index, map->uid_validity, 1);
	*known_r = hash_table_create_str(pool, map->names.count + 1);
	for (size_t i = 0; i < map->names.count; i++) {
		hash_table_insert(*known_r, (void *)map->names.v[i].name,
				  (void *)(uintptr_t)map->names.v[i].uid);
	}
	if (result == MAIL_INDEX_READ_CORRUPT) {
		e_warning(box->event, "Rebuilding index of %s keeping "
			  "UIDVALIDITY %u and %zu UIDs", box->path,
			  map->uid_validity, map->names.count);
	}
}

/* Records whose file is gone are expunged; flag changes are taken from the
   file names. Returns the number of records whose file was not found. */
static unsigned int
reconcile_records(struct mailbox *box, bool apply)
{
	const struct mail_index_record *recs;
	unsigned int count, missing = 0;
	uint64_t kw_mask = maildir_keywords_letter_mask(box);

	recs = mail_index_get_records(box->index, &count);
	for (unsigned int i = count; i > 0; i--) {
		const struct mail_index_record *rec = &recs[i - 1];
		struct maildir_scan_entry *entry =
			hash_table_lookup(box->scan, rec->name);
		if (entry == NULL) {
			missing++;
			if (apply)
				mail_index_expunge(box->index, rec->uid);
			continue;
		}
		entry->matched = true;
		if (!apply)
			continue;
		uint32_t flags = maildir_filename_flags(entry->fname);
		uint64_t kw = (rec->keywords & ~kw_mask) |
			maildir_keywords_from_fname(box, entry->fname);
		uint32_t uid = rec->uid;
		if ((rec->flags & MAIL_INDEX_FLAGS_MASK) != flags) {
			mail_index_set_flags(box->index, uid,
				(rec->flags & ~MAIL_INDEX_FLAGS_MASK) | flags);
		}
		if (kw != rec->keywords) {
			mail_index_update_keywords(box->index, uid, uid,
				MAIL_INDEX_MODIFY_REPLACE, kw);
		}
		recs = mail_index_get_records(box->index, &count);
	}
	return missing;
}

static int
newcomer_stat(struct mailbox *box, struct newcomer *nc)
{
	struct maildir_scan_entry *e = nc->entry;
	int dfd = e->in_new ? box->new_fd : box->cur_fd;
	struct stat st;
	uoff_t vsize, psize;
	int fd;

	fd = openat(dfd, e->fname, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0) {
		if (fd >= 0)
			(void)close(fd);
		return -1;
	}
	nc->rec.received_time = st.st_mtime;
	nc->rec.received_tz_offset =
		(int16_t)maildir_local_tz_offset(st.st_mtime);
	nc->rec.flags = maildir_filename_flags(e->fname);
	nc->rec.keywords = maildir_keywords_from_fname(box, e->fname);
	nc->rec.name = e->base;
	if (maildir_filename_get_size(e->base, 'S', &psize) &&
	    maildir_filename_get_size(e->base, 'W', &vsize) &&
	    psize == (uoff_t)st.st_size) {
		nc->rec.physical_size = psize;
		nc->rec.virtual_size = vsize;
	} else if (maildir_file_vsize(fd, &nc->rec.virtual_size,
				      &nc->rec.physical_size) < 0) {
		(void)close(fd);
		return -1;
	}
	(void)close(fd);
	return 0;
}

static int
newcomer_cmp(const void *a, const void *b)
{
	const struct newcomer *x = a, *y = b;

	/* known UIDs first, ascending; then mtime, then name */
	if (x->known_uid != y->known_uid) {
		if (x->known_uid == 0 || y->known_uid == 0)
			return x->known_uid == 0 ? 1 : -1;
		return x->known_uid < y->known_uid ? -1 : 1;
	}
	if (x->rec.received_time != y->rec.received_time)
		return x->rec.received_time < y->rec.received_time ? -1 : 1;
	return strcmp(x->entry->fname, y->entry->fname);
}

static void
collect_newcomers(struct mailbox *box, struct hash_table *known,
		  struct newcomer_list *list)
{
	struct hash_iter iter;
	void *key, *value;

	hash_table_iterate_init(box->scan, &iter);
	while (hash_table_iterate(&iter, &key, &value)) {
		struct maildir_scan_entry *e = value;
		struct newcomer nc;

		if (e->matched || !mail_index_name_is_valid(e->base))
			continue;
		memset(&nc, 0, sizeof(nc));
		nc.entry = e;
		if (known != NULL)
			nc.known_uid = (uint32_t)(uintptr_t)
				hash_table_lookup(known, e->base);
		if (newcomer_stat(box, &nc) < 0)
			continue;	/* vanished meanwhile */
		array_append(&list->ncs, nc);
	}
}

static void
add_newcomers(struct mailbox *box, struct hash_table *known,
	      uint32_t known_next_uid, pool_t pool)
{
	struct newcomer_list list;
	bool raised = false;

	array_init(&list.ncs, pool, 16);
	collect_newcomers(box, known, &list);
	qsort(list.ncs.v, list.ncs.count, sizeof(*list.ncs.v), newcomer_cmp);
	for (size_t i = 0; i < list.ncs.count; i++) {
		struct newcomer *nc = &list.ncs.v[i];

		if (nc->known_uid == 0 && !raised) {
			mail_index_raise_next_uid(box->index, known_next_uid);
			raised = true;
		}
		nc->rec.uid = nc->known_uid != 0 ? nc->known_uid :
			mail_index_get_header(box->index)->next_uid;
		if (mail_index_append(box->index, &nc->rec) < 0) {
			e_warning(box->event, "Maildir %s: cannot index %s",
				  box->path, nc->entry->fname);
		}
	}
	if (!raised)
		mail_index_raise_next_uid(box->index, known_next_uid);
}

static int
sync_folder(struct mailbox *box, enum mail_index_read_result result)
{
	pool_t pool = pool_create_arena("maildir sync", 1024);
	struct mail_index_uid_map map;
	struct hash_table *known = NULL;

	memset(&map, 0, sizeof(map));
	maildir_keywords_define_all(box);
	if (scan_folder(box) < 0) {
		pool_destroy(&pool);
		return -1;
	}
	if (result != MAIL_INDEX_READ_OK)
		rebuild_start(box, result, pool, &map, &known);
	else if (reconcile_records(box, false) > 0) {
		/* a file renamed by another client during readdir may have
		   been missed: look once more before calling it expunged */
		if (scan_folder(box) < 0) {
			pool_destroy(&pool);
			return -1;
		}
	}
	(void)reconcile_records(box, true);
	add_newcomers(box, known, map.next_uid, pool);
	if (known != NULL)
		hash_table_destroy(&known);
	pool_destroy(&pool);
	return 0;
}

static bool
timespec_equal(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec == b->tv_sec && a->tv_nsec == b->tv_nsec;
}

/* Unchanged new/ and cur/ since a scan that saw settled directories: no
   other program added, removed or renamed a file there, and roost's own
   changes are all in the index. */
static bool
scan_unneeded(struct mailbox *box, struct timespec *new_r,
	      struct timespec *cur_r)
{
	struct stat st_new, st_cur;

	if (fstat(box->new_fd, &st_new) < 0 ||
	    fstat(box->cur_fd, &st_cur) < 0) {
		box->scan_mtimes_valid = false;
		return false;
	}
	*new_r = st_new.st_mtim;
	*cur_r = st_cur.st_mtim;
	return box->scan_mtimes_valid &&
		timespec_equal(new_r, &box->scan_new_mtime) &&
		timespec_equal(cur_r, &box->scan_cur_mtime);
}

/* Directory mtimes have a coarse granularity: trust them only when they
   are older than this, so a change in the same tick cannot hide. */
#define SCAN_MTIME_SETTLE_SECS 2

static void
scan_remember(struct mailbox *box, const struct timespec *new_mtime,
	      const struct timespec *cur_mtime)
{
	time_t now = time(NULL);

	box->scan_new_mtime = *new_mtime;
	box->scan_cur_mtime = *cur_mtime;
	box->scan_mtimes_valid =
		new_mtime->tv_sec + SCAN_MTIME_SETTLE_SECS < now &&
		cur_mtime->tv_sec + SCAN_MTIME_SETTLE_SECS < now;
}

int
maildir_index_begin(struct mailbox *box, bool full_sync)
{
	struct timespec new_mtime, cur_mtime;
	enum mail_index_read_result result;
	const char *error;

	if (mail_index_lock(box->index, &error) < 0) {
		mail_user_set_internal_error(box->user, box->event, errno,
					     "%s", error);
		return -1;
	}
	result = mail_index_refresh(box->index);
	if (result == MAIL_INDEX_READ_ERROR ||
	    maildir_keywords_refresh(box) < 0) {
		maildir_index_abort(box);
		mail_user_set_internal_error(box->user, box->event, EIO,
					     "Reading the index failed");
		return -1;
	}
	if (result == MAIL_INDEX_READ_OK &&
	    (!full_sync || scan_unneeded(box, &new_mtime, &cur_mtime)))
		return 0;
	if (full_sync && result != MAIL_INDEX_READ_OK)
		(void)scan_unneeded(box, &new_mtime, &cur_mtime);
	if (sync_folder(box, result) < 0) {
		box->scan_mtimes_valid = false;
		maildir_index_abort(box);
		return -1;
	}
	if (full_sync)
		scan_remember(box, &new_mtime, &cur_mtime);
	return 0;
}

int
maildir_index_end(struct mailbox *box)
{
	const char *error;
	int ret = 0;

	if (mail_index_is_dirty(box->index) &&
	    mail_index_write(box->index, &error) < 0) {
		int err = errno;
		mail_index_invalidate(box->index);
		mail_user_set_internal_error(box->user, box->event, err,
					     "%s", error);
		ret = -1;
	}
	mail_index_unlock(box->index);
	if (!box->keep_scan)
		maildir_scan_free(box);
	return ret;
}

void
maildir_index_abort(struct mailbox *box)
{
	mail_index_invalidate(box->index);
	if (mail_index_is_locked(box->index))
		mail_index_unlock(box->index);
	maildir_scan_free(box);
}

int
maildir_find_file(struct mailbox *box, pool_t pool, const char *base,
		  const char **fname_r, bool *in_new_r)
{
	for (unsigned int pass = 0; pass < 2; pass++) {
		bool in_new = pass == 0;
		struct dirent *d;
		DIR *dir;
		int fd;

		fd = openat(in_new ? box->new_fd : box->cur_fd, ".",
			    O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		dir = fd < 0 ? NULL : fdopendir(fd);
		if (dir == NULL) {
			if (fd >= 0)
				(void)close(fd);
			return -1;
		}
		while ((d = readdir(dir)) != NULL) {
			size_t len = strlen(base);
			if (strncmp(d->d_name, base, len) == 0 &&
			    (d->d_name[len] == '\0' || d->d_name[len] == ':')) {
				*fname_r = p_strdup(pool, d->d_name);
				*in_new_r = in_new;
				(void)closedir(dir);
				return 1;
			}
		}
		(void)closedir(dir);
	}
	return 0;
}
