/* SPDX-License-Identifier: MIT */
/* STATUS items (RFC 9051 §6.3.11, RFC 8438 SIZE, RFC 9208 §4.2
   DELETED-STORAGE), shared by STATUS and LIST RETURN (STATUS ...)
   (RFC 5819). */
#ifndef ROOST_IMAP_STATUS_H
#define ROOST_IMAP_STATUS_H

struct client_command;
struct imap_arg;

struct imap_status_request {
	unsigned int items;		/* enum mailbox_status_items */
	bool deleted_storage;		/* DELETED-STORAGE */
};

/* Parse the "(item ...)" list. false with *error_r (BAD) if invalid. */
bool imap_status_parse(const struct imap_arg *list,
		       struct imap_status_request *req_r,
		       const char **error_r);
/* Send "* STATUS name (...)" for name (UTF-8). 0, or -1 on a storage
   error (the user's last error; nothing sent). */
int imap_status_send(struct client_command *cmd, const char *name,
		     const struct imap_status_request *req);

#endif
