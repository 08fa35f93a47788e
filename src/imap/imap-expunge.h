/* SPDX-License-Identifier: MIT */
/* Expunging \Deleted messages (EXPUNGE, CLOSE). */
#ifndef ROOST_IMAP_EXPUNGE_H
#define ROOST_IMAP_EXPUNGE_H

struct client;

/* Remove every \Deleted message of the selected mailbox; with
   send_responses "* n EXPUNGE" for each one the client knew. 0 or -1
   (storage error in the user). */
int imap_expunge_deleted(struct client *client, bool send_responses);

#endif
