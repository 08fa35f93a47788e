/* SPDX-License-Identifier: MIT */
/*
 * A mail user: the Maildir root, mailbox name validation and the mapping of
 * names to Maildir++ folders, listing and creating mailboxes, and the
 * user's last error (code + client-safe text).
 */
#include "lib.h"
#include "utf7.h"
#include "mail-storage-private.h"

#include <dirent.h>
#include <fcntl.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#define INTERNAL_ERROR_TEXT \
	"Internal error occurred. Refer to server log for more information."

void
mail_user_set_error(struct mail_user *user, enum mail_error error,
		    const char *text)
{
	user->error = error;
	str_clear(user->error_str);
	str_append(user->error_str, text);
}

void
mail_user_clear_error(struct mail_user *user)
{
	mail_user_set_error(user, MAIL_ERROR_NONE, "");
}

void
mail_user_set_internal_error(struct mail_user *user, struct log_event *event,
			     int err, const char *fmt, ...)
{
	va_list args;

	va_start(args, fmt);
	if (err == ENOSPC || err == EDQUOT) {
		log_event_logv(event, LOG_LEVEL_WARNING, fmt, args);
		mail_user_set_error(user, MAIL_ERROR_NOSPACE,
				    "Not enough disk space");
	} else {
		log_event_logv(event, LOG_LEVEL_ERROR, fmt, args);
		mail_user_set_error(user, MAIL_ERROR_TEMP,
				    INTERNAL_ERROR_TEXT);
	}
	va_end(args);
}

const char *
mail_user_get_last_error(struct mail_user *user, enum mail_error *error_r)
{
	if (error_r != NULL)
		*error_r = user->error;
	if (user->error == MAIL_ERROR_NONE)
		return "";
	return str_c(user->error_str);
}

/* mkdir mode 0700 unless it exists (as a directory, not a symlink). */
static int
mkdir_at(int dir_fd, const char *name)
{
	struct stat st;

	if (mkdirat(dir_fd, name, 0700) == 0)
		return 0;
	if (errno != EEXIST)
		return -1;
	if (fstatat(dir_fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return -1;
	if (!S_ISDIR(st.st_mode)) {
		errno = ENOTDIR;
		return -1;
	}
	return 0;
}

int
mail_user_mkdir_maildir(struct mail_user *user, int parent_fd,
			const char *dir, const char *path)
{
	static const char *const subdirs[] = { "cur", "new", "tmp" };
	int fd;

	if (strcmp(dir, ".") != 0 && mkdir_at(parent_fd, dir) < 0)
		goto fail;
	fd = openat(parent_fd, dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
		    O_CLOEXEC);
	if (fd < 0)
		goto fail;
	for (unsigned int i = 0; i < N_ELEMENTS(subdirs); i++) {
		if (mkdir_at(fd, subdirs[i]) < 0) {
			int err = errno;
			(void)close(fd);
			errno = err;
			goto fail;
		}
	}
	(void)close(fd);
	return 0;
fail:
	e_error(user->event, "Creating Maildir %s failed: %s", path,
		strerror(errno));
	return -1;
}

/* mkdir -p with mode 0700 for the root (an operator-given path). */
static int
mkdir_parents(const char *path)
{
	char *copy = xstrdup(path);
	int ret = 0;

	for (char *p = copy + 1; ret == 0; p++) {
		bool last = *p == '\0';
		if (*p != '/' && !last)
			continue;
		*p = '\0';
		if (mkdir(copy, 0700) < 0 && errno != EEXIST)
			ret = -1;
		if (last)
			break;
		*p = '/';
	}
	xfree(copy);
	return ret;
}

static const char *
parse_location(pool_t pool, const char *location, const char **error_r)
{
	const char *path, *home;

	if (!str_begins(location, "maildir:")) {
		*error_r = "mail_location must start with maildir:";
		return NULL;
	}
	path = location + strlen("maildir:");
	if (strchr(path, ':') != NULL) {
		*error_r = "mail_location options are not supported";
		return NULL;
	}
	if (str_begins(path, "~/")) {
		home = getenv("HOME");
		if (home == NULL || home[0] != '/') {
			*error_r = "mail_location uses ~ but HOME is not set";
			return NULL;
		}
		path = p_strdup_printf(pool, "%s%s", home, path + 1);
	}
	if (path[0] == '\0') {
		*error_r = "mail_location has an empty path";
		return NULL;
	}
	return p_strdup(pool, path);
}

static char *
escaped_hostname(void)
{
	char host[256];
	struct str *str;
	char *ret;

	if (gethostname(host, sizeof(host)) < 0)
		return xstrdup("localhost");
	host[sizeof(host) - 1] = '\0';
	str = str_create(system_pool, 64);
	for (const char *p = host; *p != '\0'; p++) {
		/* Maildir: '/' and ':' cannot appear in a file name */
		if (*p == '/')
			str_append(str, "\\057");
		else if (*p == ':')
			str_append(str, "\\072");
		else
			str_append_c(str, *p);
	}
	ret = xstrdup(str_c(str));
	str_free(&str);
	return ret;
}

struct mail_user *
mail_user_create(const char *username, const char *mail_location,
		 struct log_event *event, const char **error_r)
{
	struct mail_user *user;
	const char *root;

	root = parse_location(system_pool, mail_location, error_r);
	if (root == NULL) {
		e_error(event, "Invalid mail_location %s: %s", mail_location,
			*error_r);
		return NULL;
	}
	user = xcalloc(1, sizeof(*user));
	user->username = xstrdup(username);
	user->root = xstrdup(root);
	p_free(system_pool, (void *)root);
	user->event = log_event_create(event);
	user->error_str = str_create(system_pool, 128);
	user->hostname = escaped_hostname();
	user->root_fd = -1;

	if (mkdir_parents(user->root) < 0) {
		*error_r = "Creating the Maildir failed";
		e_error(user->event, "mkdir(%s) failed: %s", user->root,
			strerror(errno));
		mail_user_destroy(&user);
		return NULL;
	}
	/* the root itself may be a symlink the operator made */
	user->root_fd = open(user->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (user->root_fd < 0) {
		*error_r = "Opening the Maildir failed";
		e_error(user->event, "open(%s) failed: %s", user->root,
			strerror(errno));
		mail_user_destroy(&user);
		return NULL;
	}
	if (mail_user_mkdir_maildir(user, user->root_fd, ".",
				    user->root) < 0) {
		*error_r = "Creating the Maildir failed";
		mail_user_destroy(&user);
		return NULL;
	}
	return user;
}

void
mail_user_destroy(struct mail_user **_user)
{
	struct mail_user *user = *_user;

	if (user == NULL)
		return;
	*_user = NULL;
	if (user->root_fd != -1)
		(void)close(user->root_fd);
	log_event_destroy(&user->event);
	str_free(&user->error_str);
	for (unsigned int i = 0; i < MAIL_SPECIAL_USE_COUNT; i++) {
		if (user->special_use[i] != NULL)
			xfree(user->special_use[i]);
	}
	xfree(user->hostname);
	xfree(user->username);
	xfree(user->root);
	xfree(user);
}

static bool
component_is_valid(const char *comp, size_t len)
{
	static const char *const reserved[] = { "cur", "new", "tmp" };

	if (len == 0)
		return false;
	for (unsigned int i = 0; i < N_ELEMENTS(reserved); i++) {
		if (len == 3 && strncasecmp(comp, reserved[i], 3) == 0)
			return false;
	}
	return true;
}

/* Maildir++ maps the hierarchy separator to '.', so a '.' inside a name
   cannot be stored: such names are refused (doc/storage.md). */
bool
mail_user_name_is_valid(const char *name)
{
	size_t len = strlen(name);
	const char *comp = name;

	if (len == 0 || len > MAILDIR_MAX_NAME_LEN || !utf8_is_valid(name, len))
		return false;
	for (const char *p = name; ; p++) {
		unsigned char c = (unsigned char)*p;
		if (c == '/' || c == '\0') {
			if (!component_is_valid(comp, (size_t)(p - comp)))
				return false;
			if (c == '\0')
				return true;
			comp = p + 1;
		} else if (c < 0x20 || c == 0x7f || c == '.' || c == '*' ||
			   c == '%' || c == '\\') {
			return false;
		}
	}
}

int
mail_user_mailbox_dir(pool_t pool, const char *name, const char **canon_r,
		      const char **dir_r)
{
	struct str *canon, *dir;
	int ret = 0;

	if (!mail_user_name_is_valid(name))
		return -1;
	canon = str_create(pool, 64);
	if (str_begins_icase(name, "INBOX") &&
	    (name[5] == '\0' || name[5] == '/')) {
		str_append(canon, "INBOX");
		str_append(canon, name + 5);
	} else {
		str_append(canon, name);
	}
	*canon_r = str_c(canon);
	if (strcmp(*canon_r, "INBOX") == 0) {
		*dir_r = ".";
		return 0;
	}
	dir = str_create(pool, 64);
	str_append_c(dir, '.');
	if (imap_utf8_to_utf7(*canon_r, dir) < 0)
		ret = -1;
	for (char *p = dir->data + 1; *p != '\0'; p++) {
		if (*p == '/')
			*p = '.';
	}
	*dir_r = str_c(dir);
	return ret;
}

int
mail_user_create_mailbox(struct mail_user *user, const char *name)
{
	pool_t pool = pool_create_arena("mailbox create", 256);
	const char *canon, *dir, *path;
	int fd, ret = -1;

	mail_user_clear_error(user);
	if (mail_user_mailbox_dir(pool, name, &canon, &dir) < 0) {
		mail_user_set_error(user, MAIL_ERROR_PARAMS,
				    "Invalid mailbox name");
	} else if (strcmp(dir, ".") == 0 ||
		   faccessat(user->root_fd, dir, F_OK,
			     AT_SYMLINK_NOFOLLOW) == 0) {
		mail_user_set_error(user, MAIL_ERROR_EXISTS,
				    "Mailbox already exists");
	} else {
		path = p_strdup_printf(pool, "%s/%s", user->root, dir);
		if (mail_user_mkdir_maildir(user, user->root_fd, dir,
					    path) < 0) {
			mail_user_set_internal_error(user, user->event, errno,
				"Creating mailbox %s failed", path);
		} else {
			fd = openat(user->root_fd, p_strdup_printf(pool,
				    "%s/" MAILDIR_SUBFOLDER_MARK, dir),
				    O_WRONLY | O_CREAT | O_NOFOLLOW |
				    O_CLOEXEC, 0600);
			if (fd >= 0)
				(void)close(fd);
			ret = 0;
		}
	}
	pool_destroy(&pool);
	return ret;
}

/* Folder directory entry -> mailbox name (from pool), NULL if it is not a
   mailbox roost can represent. */
const char *
mail_user_folder_to_name(struct mail_user *user, pool_t pool,
			 const char *dname)
{
	struct str *name;
	struct stat st;
	const char *canon, *dir;

	if (dname[0] != '.' || dname[1] == '\0' || strcmp(dname, "..") == 0)
		return NULL;
	if (fstatat(user->root_fd, dname, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
	    !S_ISDIR(st.st_mode))
		return NULL;
	name = str_create(pool, 64);
	if (imap_utf7_to_utf8(dname + 1, name) < 0)
		return NULL;
	for (char *p = name->data; *p != '\0'; p++) {
		if (*p == '.')
			*p = '/';
	}
	if (mail_user_mailbox_dir(pool, str_c(name), &canon, &dir) < 0 ||
	    strcmp(dir, dname) != 0)
		return NULL;
	return canon;
}

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int
mail_user_list_mailboxes(struct mail_user *user, pool_t pool,
			 const char *const **names_r)
{
	ARRAY(const char *) names;
	struct dirent *d;
	DIR *dir;
	int fd;

	mail_user_clear_error(user);
	fd = openat(user->root_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	dir = fd < 0 ? NULL : fdopendir(fd);
	if (dir == NULL) {
		if (fd >= 0)
			(void)close(fd);
		mail_user_set_internal_error(user, user->event, errno,
			"opendir(%s) failed: %s", user->root,
			strerror(errno));
		return -1;
	}
	array_init(&names, pool, 16);
	array_append(&names, p_strdup(pool, "INBOX"));
	while ((d = readdir(dir)) != NULL) {
		const char *name = mail_user_folder_to_name(user, pool,
							    d->d_name);
		if (name != NULL && strcmp(name, "INBOX") != 0)
			array_append(&names, name);
	}
	(void)closedir(dir);
	qsort(names.v + 1, names.count - 1, sizeof(*names.v), name_cmp);
	array_append(&names, NULL);
	*names_r = (const char *const *)names.v;
	return 0;
}
