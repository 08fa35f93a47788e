/* SPDX-License-Identifier: MIT */
/*
 * Subscriptions and special-use folders.
 *
 * The "subscriptions" file in the Maildir root is Dovecot's (version 2):
 *   "V\t2\n\n" then one name per line, in modified UTF-7 with the hierarchy
 *   separator written as TAB ("Work\tProjects").
 * A file without the header (Dovecot's version 1) has one name per line
 * with "/" or TAB as the separator. Lines that do not give a valid name
 * are skipped (and kept out of the next write). Writes go to
 * "subscriptions.tmp", are fsynced and renamed over the file, under the
 * user's list lock.
 */
#include "lib.h"
#include "hash.h"
#include "utf7.h"
#include "settings.h"
#include "mail-storage-private.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#define SUBSCRIPTIONS_TMP "subscriptions.tmp"
#define SUBSCRIPTIONS_HEADER "V\t2\n\n"
#define MAX_SUBSCRIPTIONS 100000

static const char *const special_use_settings[MAIL_SPECIAL_USE_COUNT] = {
	"mail_special_use_sent", "mail_special_use_drafts",
	"mail_special_use_trash", "mail_special_use_junk",
	"mail_special_use_archive",
};

/* A file line -> canonical name (from pool) or NULL. */
static const char *
line_to_name(pool_t pool, const char *line)
{
	struct str *utf8 = str_create(pool, strlen(line) + 16);
	char *vname = p_strdup(pool, line);
	const char *canon, *dir;

	for (char *p = vname; *p != '\0'; p++) {
		if (*p == '\t')
			*p = '/';
	}
	if (imap_utf7_to_utf8(vname, utf8) < 0)
		return NULL;
	if (mail_user_mailbox_dir(pool, str_c(utf8), &canon, &dir) < 0)
		return NULL;
	return canon;
}

static char *
read_subscriptions_file(struct mail_user *user, int *err_r)
{
	struct stat st;
	size_t pos = 0;
	char *data;
	int fd;

	*err_r = 0;
	fd = openat(user->root_fd, MAILDIR_SUBSCRIPTIONS_FILE,
		    O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		*err_r = errno == ENOENT ? 0 : errno;
		return NULL;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
	    st.st_size > MAILDIR_MAX_LIST_FILE_SIZE) {
		e_warning(user->event, "Ignoring unusable %s/%s", user->root,
			  MAILDIR_SUBSCRIPTIONS_FILE);
		(void)close(fd);
		return NULL;
	}
	data = xmalloc((size_t)st.st_size + 1);
	while (pos < (size_t)st.st_size) {
		ssize_t ret = read(fd, data + pos, (size_t)st.st_size - pos);
		if (ret < 0 && errno == EINTR)
			continue;
		if (ret <= 0)
			break;
		pos += (size_t)ret;
	}
	data[pos] = '\0';
	(void)close(fd);
	return data;
}

int
mail_user_read_subscriptions(struct mail_user *user, pool_t pool,
			     struct array_str *names_r)
{
	struct hash_table *seen;
	char *data, *line, *nl;
	bool header = false;
	int err;

	array_init(names_r, pool, 16);
	data = read_subscriptions_file(user, &err);
	if (data == NULL) {
		if (err == 0)
			return 0;
		mail_user_set_internal_error(user, user->event, err,
			"open(%s/%s): %s", user->root,
			MAILDIR_SUBSCRIPTIONS_FILE, strerror(err));
		return -1;
	}
	if (str_begins(data, "V\t"))
		header = true;
	seen = hash_table_create_str(pool, 64);
	for (line = data; line != NULL && *line != '\0'; line = nl) {
		nl = strchr(line, '\n');
		if (nl != NULL)
			*nl++ = '\0';
		if (header) {
			/* the header ends at the first empty line */
			header = *line != '\0';
			continue;
		}
		if (*line == '\0' || names_r->count >= MAX_SUBSCRIPTIONS)
			continue;
		const char *name = line_to_name(pool, line);
		if (name == NULL) {
			e_warning(user->event, "%s/%s: ignoring invalid "
				  "name \"%s\"", user->root,
				  MAILDIR_SUBSCRIPTIONS_FILE,
				  p_str_tabescape(pool, line));
			continue;
		}
		if (hash_table_lookup(seen, name) == NULL) {
			hash_table_insert(seen, (void *)name, (void *)1);
			array_append(names_r, name);
		}
	}
	hash_table_destroy(&seen);
	xfree(data);
	return 0;
}

int
mail_user_write_subscriptions(struct mail_user *user,
			      const char *const *names, unsigned int count)
{
	struct str *str = str_create(system_pool, 256);
	int fd, ret = -1;

	str_append(str, SUBSCRIPTIONS_HEADER);
	for (unsigned int i = 0; i < count; i++) {
		size_t start = str_len(str);
		if (imap_utf8_to_utf7(names[i], str) < 0) {
			str_truncate(str, start);
			continue;
		}
		for (size_t j = start; j < str_len(str); j++) {
			if (str->data[j] == '/')
				str->data[j] = '\t';
		}
		str_append_c(str, '\n');
	}
	fd = openat(user->root_fd, SUBSCRIPTIONS_TMP, O_WRONLY | O_CREAT |
		    O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd >= 0 && write(fd, str_c(str), str_len(str)) ==
	    (ssize_t)str_len(str) && fsync(fd) == 0 &&
	    renameat(user->root_fd, SUBSCRIPTIONS_TMP, user->root_fd,
		     MAILDIR_SUBSCRIPTIONS_FILE) == 0) {
		ret = 0;
	} else {
		int err = errno == 0 ? EIO : errno;
		mail_user_set_internal_error(user, user->event, err,
			"Writing %s/%s failed: %s", user->root,
			MAILDIR_SUBSCRIPTIONS_FILE, strerror(err));
		(void)unlinkat(user->root_fd, SUBSCRIPTIONS_TMP, 0);
	}
	if (fd >= 0)
		(void)close(fd);
	str_free(&str);
	return ret;
}

/* Locked read-modify-write of the subscriptions. */
static int
subscriptions_update(struct mail_user *user, const char *canon,
		     bool subscribed, const char *rename_to)
{
	pool_t pool = pool_create_arena("subscriptions", 1024);
	struct array_str names;
	bool found = false, changed = false;
	int lock_fd, ret = -1;
	size_t len = strlen(canon);

	if ((lock_fd = mail_user_list_lock(user)) < 0) {
		pool_destroy(&pool);
		return -1;
	}
	if (mail_user_read_subscriptions(user, pool, &names) < 0)
		goto out;
	for (size_t i = 0; i < names.count; i++) {
		const char *n = names.v[i];
		if (rename_to != NULL) {
			/* the name and its children follow a rename */
			if (strncmp(n, canon, len) == 0 &&
			    (n[len] == '\0' || n[len] == '/')) {
				names.v[i] = p_strdup_printf(pool, "%s%s",
							     rename_to,
							     n + len);
				changed = true;
			}
		} else if (strcmp(n, canon) == 0) {
			found = true;
			if (!subscribed) {
				array_delete(&names, i, 1);
				i--;
				changed = true;
			}
		}
	}
	if (rename_to == NULL && subscribed && !found) {
		array_append(&names, canon);
		changed = true;
	}
	ret = !changed ? 0 : mail_user_write_subscriptions(user,
		(const char *const *)names.v, (unsigned int)names.count);
out:
	mail_user_list_unlock(&lock_fd);
	pool_destroy(&pool);
	return ret;
}

int
mail_user_set_subscribed(struct mail_user *user, const char *name,
			 bool subscribed)
{
	pool_t pool = pool_create_arena("subscribe", 256);
	const char *canon, *dir;
	int ret;

	mail_user_clear_error(user);
	if (mail_user_mailbox_dir(pool, name, &canon, &dir) < 0) {
		mail_user_set_error(user, MAIL_ERROR_PARAMS,
				    "Invalid mailbox name");
		ret = -1;
	} else {
		ret = subscriptions_update(user, canon, subscribed, NULL);
	}
	pool_destroy(&pool);
	return ret;
}

int
mail_user_subscriptions_rename(struct mail_user *user, const char *old_canon,
			       const char *new_canon)
{
	return subscriptions_update(user, old_canon, true, new_canon);
}

int
mail_user_is_subscribed(struct mail_user *user, const char *name)
{
	pool_t pool = pool_create_arena("subscribed", 256);
	struct array_str names;
	const char *canon, *dir;
	int ret = 0;

	mail_user_clear_error(user);
	if (mail_user_mailbox_dir(pool, name, &canon, &dir) < 0) {
		mail_user_set_error(user, MAIL_ERROR_PARAMS,
				    "Invalid mailbox name");
		ret = -1;
	} else if (mail_user_read_subscriptions(user, pool, &names) < 0) {
		ret = -1;
	} else {
		for (size_t i = 0; i < names.count && ret == 0; i++)
			ret = strcmp(names.v[i], canon) == 0 ? 1 : 0;
	}
	pool_destroy(&pool);
	return ret;
}

int
mail_user_set_special_use(struct mail_user *user, enum mail_special_use use,
			  const char *name)
{
	pool_t pool;
	const char *canon, *dir;
	int ret = 0;

	mail_user_clear_error(user);
	if (use >= MAIL_SPECIAL_USE_COUNT) {
		mail_user_set_error(user, MAIL_ERROR_PARAMS,
				    "Invalid special use");
		return -1;
	}
	if (user->special_use[use] != NULL)
		xfree(user->special_use[use]);
	user->special_use[use] = NULL;
	if (name == NULL || name[0] == '\0')
		return 0;
	pool = pool_create_arena("special use", 256);
	if (mail_user_mailbox_dir(pool, name, &canon, &dir) < 0 ||
	    strcmp(canon, "INBOX") == 0) {
		mail_user_set_error(user, MAIL_ERROR_PARAMS,
				    "Invalid special-use mailbox name");
		ret = -1;
	} else {
		user->special_use[use] = xstrdup(canon);
	}
	pool_destroy(&pool);
	return ret;
}

int
mail_user_autocreate_special_use(struct mail_user *user)
{
	for (unsigned int i = 0; i < MAIL_SPECIAL_USE_COUNT; i++) {
		const char *name = user->special_use[i];
		if (name == NULL)
			continue;
		if (mail_user_create_mailbox(user, name) == 0) {
			e_info(user->event, "Created special-use mailbox %s",
			       name);
			if (mail_user_set_subscribed(user, name, true) < 0)
				return -1;
			continue;
		}
		enum mail_error error;
		(void)mail_user_get_last_error(user, &error);
		if (error != MAIL_ERROR_EXISTS)
			return -1;
	}
	mail_user_clear_error(user);
	return 0;
}

int
mail_user_apply_settings(struct mail_user *user, const struct config *config)
{
	for (unsigned int i = 0; i < MAIL_SPECIAL_USE_COUNT; i++) {
		const char *name = config_get(config, special_use_settings[i]);
		if (mail_user_set_special_use(user, i, name) < 0) {
			e_error(user->event, "%s = %s: invalid mailbox name; "
				"ignored", special_use_settings[i], name);
		}
	}
	user->special_use_autocreate =
		config_get_bool(config, "mail_special_use_autocreate");
	mail_user_clear_error(user);
	if (!user->special_use_autocreate)
		return 0;
	return mail_user_autocreate_special_use(user);
}
