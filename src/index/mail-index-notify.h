/* SPDX-License-Identifier: MIT */
/*
 * Change notification for a mailbox index: a pollable fd that becomes
 * readable when the mailbox's transaction log changes (a process appended,
 * rotated or replaced it), so that IMAP IDLE and untagged updates learn of
 * changes at once instead of polling. Linux inotify on the mailbox
 * directory (IN_MODIFY, IN_CLOSE_WRITE, IN_MOVED_TO, IN_CREATE), filtered
 * to the log files.
 *
 * Use: io_add(mail_index_notify_get_fd(n), IO_READ, cb, ctx); in cb call
 * mail_index_notify_consume() and, if it returns true, sync the mailbox.
 * When inotify is unavailable (or out of watches) create returns NULL and
 * the caller polls (mail_index_has_changed() is cheap).
 */
#ifndef ROOST_MAIL_INDEX_NOTIFY_H
#define ROOST_MAIL_INDEX_NOTIFY_H

struct mail_index;
struct mail_index_notify;

/* NULL if notification is unavailable (logged at debug level). The index
   must outlive the notifier. */
struct mail_index_notify *mail_index_notify_create(struct mail_index *index);
void mail_index_notify_destroy(struct mail_index_notify **notify);
/* Non-blocking, close-on-exec; owned by the notifier. */
int mail_index_notify_get_fd(const struct mail_index_notify *notify);
/* Drain pending events; true if any concerned the index's log. */
bool mail_index_notify_consume(struct mail_index_notify *notify);

#endif
