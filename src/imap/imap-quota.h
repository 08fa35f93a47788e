/* SPDX-License-Identifier: MIT */
/*
 * QUOTA (RFC 9208) from the userdb field quota_rule, which the master
 * passes as ROOST_USERDB_QUOTA_RULE (doc/protocols.md), in Dovecot's
 * syntax as LMTP reads it (doc/lmtp.md "Quota"): "*:storage=1G",
 * "*:messages=10000", "*:bytes=N", "*:ignore"; storage without a suffix
 * is in KiB. One quota root, "" (the user's), covering every mailbox.
 * Usage is the sum of RFC822.SIZE and the message count over all
 * mailboxes (STATUS SIZE/MESSAGES of each, from the index).
 */
#ifndef ROOST_IMAP_QUOTA_H
#define ROOST_IMAP_QUOTA_H

struct client;
struct imap_quota_rule;

/* Parse rule (NULL or "" = no limit). -1 with *error_r if invalid (the
   caller logs it and runs without a limit, as LMTP does). */
int imap_quota_rule_parse(const char *rule, struct imap_quota_rule *rule_r,
			  const char **error_r);
bool imap_quota_is_limited(const struct imap_quota_rule *rule);
/* Current usage. -1 on a storage error. */
int imap_quota_get_usage(struct client *client, uint64_t *bytes_r,
			 uint64_t *messages_r);
/* Would adding bytes and messages pass the limit? 1 fits, 0 over quota,
   -1 storage error. */
int imap_quota_check(struct client *client, uint64_t bytes,
		     uint64_t messages);

#endif
