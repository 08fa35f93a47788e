/* SPDX-License-Identifier: MIT */
/*
 * The POP3 session lock (pop3_lock_session) and LOGIN-DELAY.
 *
 * The lock is flock(LOCK_EX) on "roost-pop3.lock" in the Maildir root,
 * held open for the whole session. Only roost-pop3 takes it, so IMAP and
 * LMTP keep working on the mailbox. A kernel lock dies with the session:
 * a crashed or killed session never leaves a stale lock (flock is per open
 * file description, so it also holds between two sessions of one
 * process).
 *
 * LOGIN-DELAY (RFC 2449 §6.5): the lock file's mtime is the start of the
 * last POP3 session; a login sooner than pop3_login_delay after it gets
 * -ERR [LOGIN-DELAY].
 */
#include "lib.h"
#include "pop3-common.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* The Maildir root of mail_location ("maildir:PATH", "~/" = $HOME),
   as lib-storage resolves it (mail-user.c). NULL if unusable. */
static const char *
maildir_root(pool_t pool, const char *location)
{
	const char *path, *home;

	if (!str_begins(location, "maildir:"))
		return NULL;
	path = location + strlen("maildir:");
	if (str_begins(path, "~/")) {
		home = getenv("HOME");
		if (home == NULL || home[0] != '/')
			return NULL;
		return p_strdup_printf(pool, "%s%s", home, path + 1);
	}
	return *path == '\0' ? NULL : path;
}

/* Open (or create) the lock file; *created_r if it did not exist. */
static int
lock_file_open(struct pop3_client *client, const char *path,
	       bool *created_r)
{
	int fd;

	*created_r = false;
	fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
		  0600);
	if (fd >= 0) {
		*created_r = true;
		return fd;
	}
	if (errno == EEXIST)
		fd = open(path, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		e_error(client->event, "open(%s) failed: %s", path,
			strerror(errno));
	return fd;
}

static bool
login_too_soon(struct pop3_client *client, int fd, bool created)
{
	struct stat st;
	time_t now = time(NULL);

	if (client->set->login_delay_secs == 0 || created)
		return false;
	if (fstat(fd, &st) < 0) {
		e_error(client->event, "fstat(lock file) failed: %s",
			strerror(errno));
		return false;
	}
	/* a clock that went back counts as "long ago" */
	return st.st_mtime <= now &&
		now - st.st_mtime < (time_t)client->set->login_delay_secs;
}

int
pop3_lock_try(struct pop3_client *client, const char *mail_location,
	      bool *login_delay_r)
{
	const char *root = maildir_root(client->cmd_pool, mail_location);
	bool created;
	int fd;

	*login_delay_r = false;
	if (!client->set->lock_session && client->set->login_delay_secs == 0)
		return 1;
	if (root == NULL) {
		e_error(client->event, "cannot find the Maildir root of %s",
			mail_location);
		return -1;
	}
	fd = lock_file_open(client, p_strdup_printf(client->cmd_pool,
				"%s/" POP3_LOCK_FILE_NAME, root), &created);
	if (fd < 0)
		return -1;
	if (client->set->lock_session && flock(fd, LOCK_EX | LOCK_NB) < 0) {
		int err = errno;

		(void)close(fd);
		if (err == EWOULDBLOCK)
			return 0;
		e_error(client->event, "flock(%s) failed: %s",
			POP3_LOCK_FILE_NAME, strerror(err));
		return -1;
	}
	if (login_too_soon(client, fd, created)) {
		*login_delay_r = true;
		(void)close(fd);
		return 1;
	}
	/* this login is the last one now */
	if (client->set->login_delay_secs > 0 && !created &&
	    futimens(fd, NULL) < 0)
		e_warning(client->event, "futimens(lock file) failed: %s",
			  strerror(errno));
	client->lock_fd = fd;
	return 1;
}

void
pop3_lock_release(struct pop3_client *client)
{
	if (client->lock_fd < 0)
		return;
	/* closing the only descriptor drops the flock */
	if (close(client->lock_fd) < 0)
		e_warning(client->event, "close(lock file) failed: %s",
			  strerror(errno));
	client->lock_fd = -1;
}
