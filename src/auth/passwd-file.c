/* SPDX-License-Identifier: MIT */
/*
 * passwd-file: line parser, whole-file loader with change detection, and the
 * userdb view of an entry.
 */
#include "lib.h"
#include "hash.h"
#include "passwd-file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#define PASSWD_FILE_FIELDS 7	/* before extra_fields */

struct passwd_file {
	char *path;
	struct log_event *event;

	pool_t pool;			/* entries; secure: holds hashes */
	struct hash_table *users;	/* user -> struct passwd_entry */

	bool have_stat, is_static, failed;
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime, ctime;
	char *error;			/* last load error (heap) */
};

static bool
str_has_ctrl(const char *str)
{
	for (; *str != '\0'; str++) {
		if ((unsigned char)*str < 0x20 || *str == 0x7f)
			return true;
	}
	return false;
}

static int
parse_id(const char *str, const char *what, uint32_t *id_r, bool *has_r,
	 const char **error_r)
{
	*has_r = false;
	*id_r = 0;	/* never leave the entry's uid/gid uninitialized */
	if (str == NULL || str[0] == '\0')
		return 0;
	if (str_to_uint32(str, id_r) < 0 || *id_r == (uint32_t)-1) {
		*error_r = what;
		return -1;
	}
	*has_r = true;
	return 0;
}

/* Split line into at most PASSWD_FILE_FIELDS ':'-separated fields; the rest
   (after the 7th ':') is *extra_r. Missing fields are NULL. */
static void
split_fields(pool_t pool, const char *line, const char *fields[],
	     const char **extra_r)
{
	const char *p = line;
	unsigned int i;

	*extra_r = NULL;
	for (i = 0; i < PASSWD_FILE_FIELDS; i++)
		fields[i] = NULL;
	for (i = 0; i < PASSWD_FILE_FIELDS && p != NULL; i++) {
		const char *colon = strchr(p, ':');

		if (colon == NULL) {
			fields[i] = p_strdup(pool, p);
			p = NULL;
		} else {
			fields[i] = p_strndup(pool, p, (size_t)(colon - p));
			p = colon + 1;
		}
	}
	if (p != NULL)
		*extra_r = p;
}

static int
parse_extra(pool_t pool, const char *extra, struct passwd_entry *entry,
	    const char **error_r)
{
	static const char *const no_fields[] = { NULL };
	char **words;

	if (extra == NULL) {
		entry->extra_fields = no_fields;
		return 0;
	}
	words = p_strsplit_spaces(pool, extra, " ");
	if (strv_length(words) > PASSWD_FILE_MAX_EXTRA_FIELDS) {
		*error_r = "too many extra fields";
		return -1;
	}
	for (unsigned int i = 0; words[i] != NULL; i++) {
		if (words[i][0] == '=') {
			*error_r = "extra field with an empty name";
			return -1;
		}
	}
	entry->extra_fields = (const char *const *)words;
	return 0;
}

int
passwd_file_parse_line(pool_t pool, const char *line,
		       struct passwd_entry *entry_r, const char **error_r)
{
	const char *fields[PASSWD_FILE_FIELDS], *extra;
	uint32_t id;

	memset(entry_r, 0, sizeof(*entry_r));
	if (line[0] == '#' || line[strspn(line, " \t")] == '\0')
		return 0;
	if (strlen(line) > PASSWD_FILE_MAX_LINE_LENGTH) {
		*error_r = "line too long";
		return -1;
	}
	if (str_has_ctrl(line)) {
		*error_r = "control character in line";
		return -1;
	}
	split_fields(pool, line, fields, &extra);
	if (fields[0][0] == '\0') {
		*error_r = "empty user name";
		return -1;
	}
	if (strlen(fields[0]) > 255 || strchr(fields[0], ' ') != NULL) {
		*error_r = "user name too long or contains a space";
		return -1;
	}
	entry_r->user = fields[0];
	entry_r->password = fields[1] == NULL ? "" : fields[1];
	if (parse_id(fields[2], "uid is not a number", &id,
		     &entry_r->has_uid, error_r) < 0)
		return -1;
	entry_r->uid = (uid_t)id;
	if (parse_id(fields[3], "gid is not a number", &id,
		     &entry_r->has_gid, error_r) < 0)
		return -1;
	entry_r->gid = (gid_t)id;
	entry_r->home = fields[5] == NULL ? "" : fields[5];
	return parse_extra(pool, extra, entry_r, error_r) < 0 ? -1 : 1;
}

const char *
passwd_entry_get_extra(const struct passwd_entry *entry, const char *key)
{
	size_t key_len = strlen(key);

	for (unsigned int i = 0; entry->extra_fields[i] != NULL; i++) {
		const char *field = entry->extra_fields[i];

		if (strncmp(field, key, key_len) != 0)
			continue;
		if (field[key_len] == '\0')
			return "";
		if (field[key_len] == '=')
			return field + key_len + 1;
	}
	return NULL;
}

const char *const *
passwd_entry_userdb_fields(const struct passwd_entry *entry, pool_t pool)
{
	ARRAY(const char *) fields;

	array_init(&fields, pool, 8);
	if (entry->has_uid)
		array_append(&fields, p_strdup_printf(pool, "uid=%lu",
						      (unsigned long)entry->uid));
	if (entry->has_gid)
		array_append(&fields, p_strdup_printf(pool, "gid=%lu",
						      (unsigned long)entry->gid));
	if (entry->home[0] != '\0')
		array_append(&fields, p_strdup_printf(pool, "home=%s",
						      entry->home));
	for (unsigned int i = 0; entry->extra_fields[i] != NULL; i++) {
		const char *field = entry->extra_fields[i];

		/* "userdb_" + at least one character of a name */
		if (str_begins(field, "userdb_") && field[7] != '\0' &&
		    field[7] != '=')
			array_append(&fields, field + 7);
	}
	array_append(&fields, NULL);
	return fields.v;
}

struct passwd_file *
passwd_file_create(const char *path, struct log_event *event)
{
	struct passwd_file *file = xcalloc(1, sizeof(*file));

	file->path = xstrdup(path);
	file->event = event;
	return file;
}

static void
passwd_file_clear(struct passwd_file *file)
{
	if (file->users != NULL)
		hash_table_destroy(&file->users);
	if (file->pool != NULL)
		pool_destroy(&file->pool);
}

void
passwd_file_destroy(struct passwd_file **_file)
{
	struct passwd_file *file = *_file;

	if (file == NULL)
		return;
	*_file = NULL;
	passwd_file_clear(file);
	xfree(file->error);
	xfree(file->path);
	xfree(file);
}

const char *
passwd_file_get_path(const struct passwd_file *file)
{
	return file->path;
}

unsigned int
passwd_file_count(const struct passwd_file *file)
{
	return file->users == NULL ? 0 :
		(unsigned int)hash_table_count(file->users);
}

static void
add_line(struct passwd_file *file, const char *line, unsigned int linenum)
{
	struct passwd_entry entry, *copy;
	const char *error;
	int ret;

	ret = passwd_file_parse_line(file->pool, line, &entry, &error);
	if (ret < 0) {
		e_error(file->event, "%s:%u: %s (line skipped)",
			file->path, linenum, error);
		return;
	}
	if (ret == 0)
		return;
	if (hash_table_lookup(file->users, entry.user) != NULL) {
		e_warning(file->event, "%s:%u: user %s exists more than once, "
			  "the first one is used", file->path, linenum,
			  entry.user);
		return;
	}
	copy = p_memdup(file->pool, &entry, sizeof(entry));
	hash_table_insert(file->users, (void *)copy->user, copy);
}

static void
load_buffer(struct passwd_file *file, const char *data, size_t size)
{
	char line[PASSWD_FILE_MAX_LINE_LENGTH + 1];
	unsigned int linenum = 0;
	size_t pos = 0;

	passwd_file_clear(file);
	file->pool = pool_create_secure("passwd-file", 4096);
	file->users = hash_table_create_str(file->pool, 64);
	while (pos < size) {
		const char *nl = memchr(data + pos, '\n', size - pos);
		size_t end = nl == NULL ? size : (size_t)(nl - data);
		size_t len = end - pos;

		linenum++;
		if (len > 0 && data[pos + len - 1] == '\r')
			len--;
		if (len > PASSWD_FILE_MAX_LINE_LENGTH) {
			e_error(file->event, "%s:%u: line too long "
				"(max %u bytes, line skipped)", file->path,
				linenum, PASSWD_FILE_MAX_LINE_LENGTH);
		} else if (memchr(data + pos, '\0', len) != NULL) {
			e_error(file->event, "%s:%u: NUL byte in line "
				"(line skipped)", file->path, linenum);
		} else {
			memcpy(line, data + pos, len);
			line[len] = '\0';
			add_line(file, line, linenum);
		}
		pos = end + 1;
	}
	safe_memset0(line, sizeof(line));
	file->failed = false;
}

void
passwd_file_load_data(struct passwd_file *file, const char *data, size_t size)
{
	file->is_static = true;
	load_buffer(file, data, size);
}

static void
set_error(struct passwd_file *file, const char *fmt, ...) ATTR_FORMAT(2, 3);
static void
set_error(struct passwd_file *file, const char *fmt, ...)
{
	int saved_errno = errno;
	va_list args;
	char *msg;

	va_start(args, fmt);
	msg = p_strdup_vprintf(system_pool, fmt, args);
	va_end(args);
	xfree(file->error);
	file->error = xstrdup(msg);
	p_free(system_pool, msg);
	file->failed = true;
	passwd_file_clear(file);
	e_error(file->event, "passwd-file %s", file->error);
	errno = saved_errno;
}

static bool
stat_changed(const struct passwd_file *file, const struct stat *st)
{
	return !file->have_stat || st->st_ino != file->ino ||
		st->st_dev != file->dev || st->st_size != file->size ||
		st->st_mtim.tv_sec != file->mtime.tv_sec ||
		st->st_mtim.tv_nsec != file->mtime.tv_nsec ||
		/* ctime: a chmod that makes it readable again */
		st->st_ctim.tv_sec != file->ctime.tv_sec ||
		st->st_ctim.tv_nsec != file->ctime.tv_nsec;
}

static void
remember_stat(struct passwd_file *file, const struct stat *st)
{
	file->have_stat = true;
	file->dev = st->st_dev;
	file->ino = st->st_ino;
	file->size = st->st_size;
	file->mtime = st->st_mtim;
	file->ctime = st->st_ctim;
}

/* Read the opened file whole (bounded) and load it. */
static int
read_fd(struct passwd_file *file, int fd, const struct stat *st)
{
	size_t alloc = (size_t)st->st_size + 1, used = 0;
	char *data;
	ssize_t ret;

	data = xmalloc(alloc);
	while ((ret = read(fd, data + used, alloc - used)) > 0) {
		used += (size_t)ret;
		if (used == alloc) {
			/* grew while we read: allow it up to the limit */
			if (alloc > PASSWD_FILE_MAX_SIZE) {
				safe_memset0(data, used);
				xfree(data);
				set_error(file, "%s: file is larger than %u bytes",
					  file->path, PASSWD_FILE_MAX_SIZE);
				return -1;
			}
			data = xrealloc(data, alloc * 2);
			alloc *= 2;
		}
	}
	if (ret < 0) {
		safe_memset0(data, used);
		xfree(data);
		set_error(file, "read(%s) failed: %s", file->path,
			  strerror(errno));
		return -1;
	}
	load_buffer(file, data, used);
	safe_memset0(data, used);
	xfree(data);
	e_debug(file->event, "passwd-file %s: %u users", file->path,
		passwd_file_count(file));
	return 0;
}

static int
reload(struct passwd_file *file)
{
	struct stat st;
	int fd, ret;

	fd = open(file->path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		set_error(file, "open(%s) failed: %s", file->path,
			  strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) < 0) {
		set_error(file, "fstat(%s) failed: %s", file->path,
			  strerror(errno));
		ret = -1;
	} else if (!S_ISREG(st.st_mode)) {
		errno = EINVAL;
		set_error(file, "%s: not a regular file", file->path);
		ret = -1;
	} else if (st.st_size > PASSWD_FILE_MAX_SIZE) {
		errno = EFBIG;
		set_error(file, "%s: file is larger than %u bytes",
			  file->path, PASSWD_FILE_MAX_SIZE);
		ret = -1;
	} else {
		ret = read_fd(file, fd, &st);
	}
	if (close(fd) < 0)
		e_warning(file->event, "close(%s) failed: %s", file->path,
			  strerror(errno));
	return ret;
}

int
passwd_file_refresh(struct passwd_file *file, const char **error_r)
{
	struct stat st;

	if (file->is_static)
		return 0;
	if (stat(file->path, &st) < 0) {
		int saved_errno = errno;

		/* log only when the state changes, not on every lookup */
		if (!file->failed || file->have_stat) {
			errno = saved_errno;
			set_error(file, "stat(%s) failed: %s", file->path,
				  strerror(saved_errno));
		}
		file->have_stat = false;
		*error_r = file->error;
		errno = saved_errno;
		return -1;
	}
	if (!stat_changed(file, &st)) {
		*error_r = file->error;
		return file->failed ? -1 : 0;
	}
	/* Remember the stat first: a file that fails to load is not retried
	   (and not logged again) until it changes. */
	remember_stat(file, &st);
	if (reload(file) < 0) {
		*error_r = file->error;
		return -1;
	}
	return 0;
}

int
passwd_file_lookup(struct passwd_file *file, const char *user,
		   const struct passwd_entry **entry_r)
{
	const char *error;

	if (passwd_file_refresh(file, &error) < 0)
		return -1;
	*entry_r = hash_table_lookup(file->users, user);
	return *entry_r == NULL ? 0 : 1;
}

int
passwd_file_iterate(struct passwd_file *file,
		    passwd_file_iter_callback_t *callback, void *context)
{
	struct hash_iter iter;
	const char *error;
	void *key, *value;

	if (passwd_file_refresh(file, &error) < 0)
		return -1;
	hash_table_iterate_init(file->users, &iter);
	while (hash_table_iterate(&iter, &key, &value))
		callback(value, context);
	return 0;
}
