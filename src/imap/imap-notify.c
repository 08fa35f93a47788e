/* SPDX-License-Identifier: MIT */
/* IDLE change notification (imap-notify.h). */
#include "lib.h"
#include "ioloop.h"
#include "ostream.h"
#include "mail-storage.h"
#include "imap-client.h"
#include "imap-notify.h"
/* lib-storage has no public accessor for a view's index yet: this is the
   one place that reaches into it (see doc/imap.md, "Waiting for
   lib-storage"). */
#include "mail-storage.h"
#include "mail-index-notify.h"

struct imap_notify {
	struct client *client;
	struct mail_index_notify *index_notify;
	struct io *io;
	struct timeout *to_poll, *to_keepalive;
	bool pending;	/* a change waits for output room */
};

static void
notify_sync(struct imap_notify *notify)
{
	struct client *client = notify->client;

	if (client->box == NULL)
		return;
	if (o_stream_is_full(client->output)) {
		notify->pending = true;
		return;
	}
	notify->pending = false;
	imap_sync(client);
	if (o_stream_flush(client->output) < 0)
		client_destroy(&client, "Write failed");
}

static void
notify_input(struct imap_notify *notify)
{
	if (mail_index_notify_consume(notify->index_notify))
		notify_sync(notify);
}

static void
notify_poll(struct imap_notify *notify)
{
	notify_sync(notify);
}

static void
notify_keepalive(struct imap_notify *notify)
{
	struct client *client = notify->client;

	if (o_stream_is_full(client->output))
		return;
	client_send_line(client, "* OK Still here");
}

void
imap_notify_start(struct client *client)
{
	struct imap_notify *notify;

	if (client->notify != NULL)
		return;
	notify = xcalloc(1, sizeof(*notify));
	notify->client = client;
	client->notify = notify;
	if (client->box != NULL) {
		notify->index_notify =
			mail_index_notify_create(
				mailbox_get_index(client->box));
		if (notify->index_notify != NULL) {
			notify->io = io_add(mail_index_notify_get_fd(
						notify->index_notify),
					    IO_READ, notify_input, notify);
		} else {
			notify->to_poll = timeout_add(IMAP_NOTIFY_POLL_MSECS,
						      notify_poll, notify);
		}
	}
	notify->to_keepalive = timeout_add(client->set->idle_keepalive_msecs,
					   notify_keepalive, notify);
}

void
imap_notify_stop(struct client *client)
{
	struct imap_notify *notify = client->notify;

	if (notify == NULL)
		return;
	client->notify = NULL;
	io_remove(&notify->io);
	timeout_remove(&notify->to_poll);
	timeout_remove(&notify->to_keepalive);
	mail_index_notify_destroy(&notify->index_notify);
	xfree(notify);
}

void
imap_notify_output_drained(struct client *client)
{
	struct imap_notify *notify = client->notify;

	if (notify != NULL && notify->pending)
		notify_sync(notify);
}
