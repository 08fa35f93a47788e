/* SPDX-License-Identifier: MIT */
/*
 * inotify-based change notification (mail-index-notify.h). The directory
 * is watched, not the log file itself, because rotation and rebuilds
 * replace the log by rename; the watch is added through the directory fd
 * (/proc/self/fd/N), so no path outside the mailbox is ever resolved.
 */
#include "lib.h"
#include "mail-index-private.h"
#include "mail-index-notify.h"

#include <sys/inotify.h>
#include <unistd.h>

/* events drained per consume call: bounded work per wakeup */
#define NOTIFY_READ_BUFFER 4096
#define NOTIFY_MAX_READS 16

struct mail_index_notify {
	struct mail_index *index;
	int fd;
	int wd;
};

struct mail_index_notify *
mail_index_notify_create(struct mail_index *index)
{
	struct mail_index_notify *notify;
	char path[64];
	int fd, wd;

	fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (fd < 0) {
		e_debug(index->event, "inotify_init1(): %s", strerror(errno));
		return NULL;
	}
	if (snprintf(path, sizeof(path), "/proc/self/fd/%d", index->dir_fd) >=
	    (int)sizeof(path)) {
		(void)close(fd);
		return NULL;
	}
	wd = inotify_add_watch(fd, path, IN_MODIFY | IN_CLOSE_WRITE |
			       IN_MOVED_TO | IN_CREATE | IN_ONLYDIR);
	if (wd < 0) {
		e_debug(index->event, "inotify_add_watch(%s): %s",
			index->dir_path, strerror(errno));
		(void)close(fd);
		return NULL;
	}
	notify = xcalloc(1, sizeof(*notify));
	notify->index = index;
	notify->fd = fd;
	notify->wd = wd;
	return notify;
}

void
mail_index_notify_destroy(struct mail_index_notify **_notify)
{
	struct mail_index_notify *notify = *_notify;

	if (notify == NULL)
		return;
	*_notify = NULL;
	(void)close(notify->fd);
	xfree(notify);
}

int
mail_index_notify_get_fd(const struct mail_index_notify *notify)
{
	return notify->fd;
}

static bool
is_log_name(const char *name)
{
	return strcmp(name, MAIL_INDEX_LOG_FILE_NAME) == 0 ||
		strcmp(name, MAIL_INDEX_LOG2_FILE_NAME) == 0;
}

bool
mail_index_notify_consume(struct mail_index_notify *notify)
{
	unsigned char buf[NOTIFY_READ_BUFFER]
		__attribute__((aligned(__alignof__(struct inotify_event))));
	bool changed = false;

	for (unsigned int i = 0; i < NOTIFY_MAX_READS; i++) {
		ssize_t n = read(notify->fd, buf, sizeof(buf));
		size_t pos = 0;

		if (n <= 0)
			break;
		while ((size_t)n - pos >= sizeof(struct inotify_event)) {
			const struct inotify_event *ev =
				(const void *)(buf + pos);
			size_t len = sizeof(*ev) + ev->len;

			if (len > (size_t)n - pos)
				break;
			if ((ev->mask & IN_Q_OVERFLOW) != 0 ||
			    (ev->len > 0 && is_log_name(ev->name)))
				changed = true;
			pos += len;
		}
	}
	return changed;
}
