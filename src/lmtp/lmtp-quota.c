/* SPDX-License-Identifier: MIT */
/*
 * Per-user quota for delivery, from the userdb field quota_rule (Dovecot's
 * syntax, the "*" rule only): "*:storage=1G", "*:messages=1000",
 * "*:storage=512M:messages=100000", "*:ignore". Storage without a suffix
 * is in kilobytes; suffixes B, K, M, G, T (case-insensitive).
 *
 * Usage is the sum of the messages' virtual sizes (RFC822.SIZE) over all
 * mailboxes, from each mailbox's index (mail_user_mailbox_status(): no
 * message file is opened, but the index records are summed at each check,
 * as lib-storage keeps no per-user total). The message that would cross
 * the limit is refused; there is no grace.
 */
#include "lib.h"
#include "mail-storage.h"
#include "lmtp-common.h"

/* The multiplier of a size suffix: "", "B", "K"/"KB", "M"/"MB", ...;
   0 if unknown. No suffix is kilobytes (Dovecot's quota_rule). */
static uint64_t
storage_suffix_mult(const char *suffix)
{
	static const char units[] = "BKMGT";
	const char *pos;
	uint64_t mult = 1;

	if (*suffix == '\0')
		return 1024;
	pos = strchr(units, suffix[0] & ~0x20);	/* upper-case ASCII */
	if (pos == NULL || (suffix[1] != '\0' &&
			    (pos == units || (suffix[1] & ~0x20) != 'B' ||
			     suffix[2] != '\0')))
		return 0;
	/* B = 1, K = 1024, M = 1024^2, ... */
	for (size_t i = 0; i < (size_t)(pos - units); i++)
		mult *= 1024;
	return mult;
}

static int
parse_storage(const char *value, uoff_t *bytes_r)
{
	uint64_t num, mult;
	const char *end;

	if (str_parse_uint64(value, &num, &end) < 0)
		return -1;
	mult = storage_suffix_mult(end);
	if (mult == 0 || num > UINT64_MAX / mult)
		return -1;
	*bytes_r = num * mult;
	return 0;
}

static int
parse_limit(const char *item, struct lmtp_quota *quota_r,
	    const char **error_r)
{
	if (str_begins(item, "storage=")) {
		if (parse_storage(item + 8, &quota_r->storage_limit) < 0) {
			*error_r = "invalid storage limit";
			return -1;
		}
	} else if (str_begins(item, "bytes=")) {
		if (str_to_uint64(item + 6, &quota_r->storage_limit) < 0) {
			*error_r = "invalid bytes limit";
			return -1;
		}
	} else if (str_begins(item, "messages=")) {
		if (str_to_uint64(item + 9, &quota_r->message_limit) < 0) {
			*error_r = "invalid messages limit";
			return -1;
		}
	} else if (strcmp(item, "ignore") == 0) {
		memset(quota_r, 0, sizeof(*quota_r));
	} else {
		*error_r = "unknown limit (expected storage=, bytes=, "
			"messages= or ignore)";
		return -1;
	}
	return 0;
}

int
lmtp_quota_rule_parse(const char *rule, struct lmtp_quota *quota_r,
		      const char **error_r)
{
	const char *p = rule, *colon;
	char item[64];

	memset(quota_r, 0, sizeof(*quota_r));
	colon = strchr(p, ':');
	if (colon == NULL) {
		*error_r = "expected MAILBOX:LIMIT";
		return -1;
	}
	/* rules for single mailboxes ("Trash:storage=+100M") do not limit
	   delivery */
	if (colon - p != 1 || *p != '*')
		return 0;
	for (p = colon + 1; *p != '\0'; p = *colon == '\0' ? colon :
	     colon + 1) {
		colon = strchr(p, ':');
		if (colon == NULL)
			colon = p + strlen(p);
		if ((size_t)(colon - p) >= sizeof(item)) {
			*error_r = "limit too long";
			return -1;
		}
		memcpy(item, p, (size_t)(colon - p));
		item[colon - p] = '\0';
		if (parse_limit(item, quota_r, error_r) < 0)
			return -1;
		if (strcmp(item, "ignore") == 0)
			return 0;
	}
	return 0;
}

bool
lmtp_quota_is_limited(const struct lmtp_quota *quota)
{
	return quota->storage_limit > 0 || quota->message_limit > 0;
}

int
lmtp_quota_check(struct mail_user *user, const struct lmtp_quota *quota,
		 uoff_t size, pool_t pool)
{
	const struct mailbox_list_entry *entries;
	struct mailbox_status status;
	unsigned int count;
	uoff_t bytes = 0;
	uint64_t messages = 0;
	enum mail_error error;

	if (!lmtp_quota_is_limited(quota))
		return 1;
	if (mail_user_list(user, pool, MAILBOX_LIST_QUERY_ALL, &entries,
			   &count) < 0)
		return -1;
	for (unsigned int i = 0; i < count; i++) {
		if ((entries[i].flags & (MAILBOX_LIST_NOSELECT |
					 MAILBOX_LIST_NONEXISTENT)) != 0)
			continue;
		if (mail_user_mailbox_status(user, entries[i].name,
					     STATUS_MESSAGES | STATUS_SIZE,
					     &status) < 0) {
			(void)mail_user_get_last_error(user, &error);
			/* deleted between list and status: not counted */
			if (error == MAIL_ERROR_NOTFOUND)
				continue;
			return -1;
		}
		bytes += status.size;
		messages += status.messages;
	}
	if (quota->storage_limit > 0 &&
	    (bytes >= quota->storage_limit ||
	     size > quota->storage_limit - bytes))
		return 0;
	if (quota->message_limit > 0 && messages >= quota->message_limit)
		return 0;
	return 1;
}
