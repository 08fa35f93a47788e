/* SPDX-License-Identifier: MIT */
/*
 * Change notification of the selected mailbox while a client IDLEs (RFC
 * 2177, RFC 9051 §6.3.13): the index's change-notification fd (inotify on
 * the mailbox's transaction log, src/index/mail-index-notify.h) is watched
 * through the ioloop, and every change is synced at once into untagged
 * EXISTS / EXPUNGE / FETCH FLAGS responses. Where no notification fd can
 * be had (inotify out of watches), the mailbox is polled every
 * IMAP_NOTIFY_POLL_MSECS instead. A keepalive "* OK Still here" goes out
 * every imap_idle_keepalive.
 *
 * Output backpressure: while the client does not read (output buffer
 * full), changes are not synced; the view keeps them, and they are sent
 * when the output drains (imap_notify_output_drained()).
 */
#ifndef ROOST_IMAP_NOTIFY_H
#define ROOST_IMAP_NOTIFY_H

struct client;

#define IMAP_NOTIFY_POLL_MSECS 2000

/* Start (client->notify). Works in the authenticated state too (then only
   keepalives). */
void imap_notify_start(struct client *client);
/* Stop; a no-op when not started. */
void imap_notify_stop(struct client *client);
/* The output drained below its limit: send what was held back. */
void imap_notify_output_drained(struct client *client);

#endif
