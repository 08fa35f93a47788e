/* SPDX-License-Identifier: MIT */
/*
 * Mailbox operations on names: DELETE, RENAME and STATUS.
 *
 * DELETE moves the folder's directory into the root's tmp/ under a unique
 * name in one rename (so other clients never see a half-deleted mailbox)
 * and then removes it. RENAME renames the folder's directory and those of
 * its children (Maildir++ keeps every folder directly in the root:
 * ".a.b" is a child of ".a"). Both run under the user's list lock.
 */
#include "lib.h"
#include "mail-storage-private.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#define DELETED_PREFIX "roost-deleted."
#define RM_MAX_DEPTH 8

/* Remove name below dir_fd recursively, never following symlinks. */
static int
rm_tree_at(int dir_fd, const char *name, unsigned int depth)
{
	struct dirent *d;
	DIR *dir;
	int fd, ret = 0;

	if (unlinkat(dir_fd, name, 0) == 0 || errno == ENOENT)
		return 0;
	if (errno != EISDIR && errno != EPERM)
		return -1;
	if (depth >= RM_MAX_DEPTH) {
		errno = ELOOP;
		return -1;
	}
	fd = openat(dir_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
		    O_CLOEXEC);
	dir = fd < 0 ? NULL : fdopendir(fd);
	if (dir == NULL) {
		if (fd >= 0)
			(void)close(fd);
		return -1;
	}
	while ((d = readdir(dir)) != NULL) {
		if (strcmp(d->d_name, ".") == 0 || strcmp(d->d_name, "..") == 0)
			continue;
		if (rm_tree_at(dirfd(dir), d->d_name, depth + 1) < 0)
			ret = -1;
	}
	(void)closedir(dir);
	if (ret == 0 && unlinkat(dir_fd, name, AT_REMOVEDIR) < 0 &&
	    errno != ENOENT)
		ret = -1;
	return ret;
}

/* Directory entries of the root that are children of dir (".a" ->
   ".a.*"), from pool. */
static int
list_child_dirs(struct mail_user *user, pool_t pool, const char *dir,
		struct array_str *children)
{
	size_t len = strlen(dir);
	struct dirent *d;
	DIR *dh;
	int fd;

	fd = openat(user->root_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	dh = fd < 0 ? NULL : fdopendir(fd);
	if (dh == NULL) {
		if (fd >= 0)
			(void)close(fd);
		return -1;
	}
	while ((d = readdir(dh)) != NULL) {
		if (strncmp(d->d_name, dir, len) == 0 &&
		    d->d_name[len] == '.' && d->d_name[len + 1] != '\0' &&
		    children->count < MAILDIR_MAX_MAILBOXES)
			array_append(children, p_strdup(pool, d->d_name));
	}
	(void)closedir(dh);
	return 0;
}

static bool
dir_exists(struct mail_user *user, const char *dir)
{
	struct stat st;

	return fstatat(user->root_fd, dir, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		S_ISDIR(st.st_mode);
}

/* Remove what a crash left of earlier deletes in the root's tmp/. */
static void
sweep_deleted(struct mail_user *user)
{
	struct dirent *d;
	DIR *dir;
	int fd;

	fd = openat(user->root_fd, "tmp", O_RDONLY | O_DIRECTORY |
		    O_NOFOLLOW | O_CLOEXEC);
	dir = fd < 0 ? NULL : fdopendir(fd);
	if (dir == NULL) {
		if (fd >= 0)
			(void)close(fd);
		return;
	}
	while ((d = readdir(dir)) != NULL) {
		if (str_begins(d->d_name, DELETED_PREFIX) &&
		    rm_tree_at(dirfd(dir), d->d_name, 0) < 0) {
			e_warning(user->event, "Removing %s/tmp/%s failed: %s",
				  user->root, d->d_name, strerror(errno));
		}
	}
	(void)closedir(dir);
}

static int
delete_dir(struct mail_user *user, pool_t pool, const char *dir)
{
	uint32_t rnd = 0;
	const char *trash;

	if (getrandom(&rnd, sizeof(rnd), GRND_NONBLOCK) != sizeof(rnd))
		rnd = (uint32_t)getpid() ^ (uint32_t)time(NULL);
	trash = p_strdup_printf(pool, "tmp/" DELETED_PREFIX "%ld.%08x",
				(long)time(NULL), rnd);
	if (renameat(user->root_fd, dir, user->root_fd, trash) < 0) {
		mail_user_set_internal_error(user, user->event, errno,
			"rename(%s/%s, %s) failed: %s", user->root, dir, trash,
			strerror(errno));
		return -1;
	}
	/* the mailbox is gone for clients; this only frees the space (also
	   of earlier deletes a crash interrupted) */
	sweep_deleted(user);
	return 0;
}

static int
delete_locked(struct mail_user *user, pool_t pool, const char *dir)
{
	struct array_str children;

	if (dir_exists(user, dir))
		return delete_dir(user, pool, dir);
	array_init(&children, pool, 4);
	if (list_child_dirs(user, pool, dir, &children) < 0) {
		mail_user_set_internal_error(user, user->event, errno,
			"opendir(%s): %s", user->root, strerror(errno));
		return -1;
	}
	if (children.count > 0) {
		mail_user_set_error(user, MAIL_ERROR_NOTFOUND,
			"Mailbox has children and no messages, delete the "
			"children first");
	} else {
		mail_user_set_error(user, MAIL_ERROR_NOTFOUND,
				    "Mailbox doesn't exist");
	}
	return -1;
}

int
mail_user_delete_mailbox(struct mail_user *user, const char *name)
{
	pool_t pool = pool_create_arena("mailbox delete", 512);
	const char *canon, *dir;
	int lock_fd, ret = -1;

	mail_user_clear_error(user);
	if (mail_user_mailbox_dir(pool, name, &canon, &dir) < 0) {
		mail_user_set_error(user, MAIL_ERROR_PARAMS,
				    "Invalid mailbox name");
	} else if (strcmp(canon, "INBOX") == 0) {
		mail_user_set_error(user, MAIL_ERROR_PERM,
				    "INBOX can't be deleted");
	} else if ((lock_fd = mail_user_list_lock(user)) >= 0) {
		ret = delete_locked(user, pool, dir);
		mail_user_list_unlock(&lock_fd);
	}
	pool_destroy(&pool);
	return ret;
}

/* Move every message of INBOX into the (new) mailbox new_name. */
static int
rename_inbox(struct mail_user *user, const char *new_name)
{
	struct mailbox *inbox, *dest;
	uint32_t *seqs, *uids, count;
	int ret;

	if (mail_user_create_mailbox(user, new_name) < 0)
		return -1;
	inbox = mailbox_open(user, "INBOX", 0);
	if (inbox == NULL)
		return -1;
	dest = mailbox_open(user, new_name, 0);
	if (dest == NULL) {
		mailbox_close(&inbox);
		return -1;
	}
	count = mailbox_get_count(inbox);
	seqs = xmalloc(sizeof(*seqs) * (count + 1));
	uids = xmalloc(sizeof(*uids) * (count + 1));
	for (uint32_t i = 0; i < count; i++)
		seqs[i] = i + 1;
	ret = mailbox_move(inbox, seqs, count, dest, uids, NULL, NULL);
	xfree(seqs);
	xfree(uids);
	mailbox_close(&dest);
	mailbox_close(&inbox);
	return ret;
}

static int
rename_check_targets(struct mail_user *user, pool_t pool, const char *old_dir,
		     const char *new_dir, struct array_str *children)
{
	size_t old_len = strlen(old_dir);

	if (dir_exists(user, new_dir)) {
		mail_user_set_error(user, MAIL_ERROR_EXISTS,
				    "Target mailbox already exists");
		return -1;
	}
	for (size_t i = 0; i < children->count; i++) {
		const char *target = p_strdup_printf(pool, "%s%s", new_dir,
			children->v[i] + old_len);
		if (strlen(target) > MAILDIR_MAX_NAME_LEN + 1) {
			mail_user_set_error(user, MAIL_ERROR_PARAMS,
					    "Mailbox name too long");
			return -1;
		}
		if (dir_exists(user, target)) {
			mail_user_set_error(user, MAIL_ERROR_EXISTS,
				"Target mailbox already exists");
			return -1;
		}
	}
	return 0;
}

static int
rename_locked(struct mail_user *user, pool_t pool, const char *old_dir,
	      const char *new_dir)
{
	struct array_str children;
	bool exists = dir_exists(user, old_dir);
	size_t old_len = strlen(old_dir);

	array_init(&children, pool, 8);
	if (list_child_dirs(user, pool, old_dir, &children) < 0) {
		mail_user_set_internal_error(user, user->event, errno,
			"opendir(%s): %s", user->root, strerror(errno));
		return -1;
	}
	if (!exists && children.count == 0) {
		mail_user_set_error(user, MAIL_ERROR_NOTFOUND,
				    "Mailbox doesn't exist");
		return -1;
	}
	if (rename_check_targets(user, pool, old_dir, new_dir,
				 &children) < 0)
		return -1;
	if (exists && renameat(user->root_fd, old_dir, user->root_fd,
			       new_dir) < 0) {
		mail_user_set_internal_error(user, user->event, errno,
			"rename(%s/%s, %s) failed: %s", user->root, old_dir,
			new_dir, strerror(errno));
		return -1;
	}
	for (size_t i = 0; i < children.count; i++) {
		const char *target = p_strdup_printf(pool, "%s%s", new_dir,
			children.v[i] + old_len);
		if (renameat(user->root_fd, children.v[i], user->root_fd,
			     target) < 0) {
			mail_user_set_internal_error(user, user->event, errno,
				"rename(%s/%s, %s) failed: %s", user->root,
				children.v[i], target, strerror(errno));
			return -1;
		}
	}
	return 0;
}

int
mail_user_rename_mailbox(struct mail_user *user, const char *old_name,
			 const char *new_name)
{
	pool_t pool = pool_create_arena("mailbox rename", 1024);
	const char *old_canon, *old_dir, *new_canon, *new_dir;
	size_t old_len;
	int lock_fd, ret = -1;

	mail_user_clear_error(user);
	if (mail_user_mailbox_dir(pool, old_name, &old_canon, &old_dir) < 0 ||
	    mail_user_mailbox_dir(pool, new_name, &new_canon, &new_dir) < 0) {
		mail_user_set_error(user, MAIL_ERROR_PARAMS,
				    "Invalid mailbox name");
		goto out;
	}
	old_len = strlen(old_canon);
	if (strcmp(new_canon, "INBOX") == 0 ||
	    strcmp(old_canon, new_canon) == 0) {
		mail_user_set_error(user, MAIL_ERROR_EXISTS,
				    "Target mailbox already exists");
		goto out;
	}
	if (strncmp(new_canon, old_canon, old_len) == 0 &&
	    new_canon[old_len] == '/') {
		mail_user_set_error(user, MAIL_ERROR_PARAMS,
				    "Can't rename mailbox under itself");
		goto out;
	}
	if (strcmp(old_canon, "INBOX") == 0) {
		/* RFC 9051 §6.3.6: INBOX's messages move, INBOX stays and
		   its children are not renamed */
		ret = rename_inbox(user, new_canon);
		goto out;
	}
	if ((lock_fd = mail_user_list_lock(user)) < 0)
		goto out;
	ret = rename_locked(user, pool, old_dir, new_dir);
	mail_user_list_unlock(&lock_fd);
	if (ret == 0) {
		if (mail_user_subscriptions_rename(user, old_canon,
						   new_canon) < 0) {
			e_warning(user->event, "Renaming subscriptions of %s "
				  "failed", old_canon);
		}
		mail_user_clear_error(user);
	}
out:
	pool_destroy(&pool);
	return ret;
}
