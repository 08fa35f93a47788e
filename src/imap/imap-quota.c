/* SPDX-License-Identifier: MIT */
/* Quota rule and usage (imap-quota.h). */
#include "lib.h"
#include "mail-storage.h"
#include "imap-client.h"
#include "imap-quota.h"

#define QUOTA_RULE_MAX_LENGTH 256

static int
parse_size(const char *value, bool kib_default, uint64_t *bytes_r)
{
	static const struct {
		const char *suffix;
		uint64_t mult;
	} units[] = {
		{ "", 0 }, { "B", 1 }, { "K", 1024ULL }, { "KB", 1024ULL },
		{ "M", 1024ULL * 1024 }, { "MB", 1024ULL * 1024 },
		{ "G", 1024ULL * 1024 * 1024 }, { "GB", 1024ULL * 1024 * 1024 },
		{ "T", 1024ULL * 1024 * 1024 * 1024 },
		{ "TB", 1024ULL * 1024 * 1024 * 1024 },
	};
	uint64_t num;
	const char *end;

	if (str_parse_uint64(value, &num, &end) < 0)
		return -1;
	for (size_t i = 0; i < N_ELEMENTS(units); i++) {
		uint64_t mult = units[i].mult;

		if (str_casecmp_ascii(end, units[i].suffix) != 0)
			continue;
		if (mult == 0)
			mult = kib_default ? 1024 : 1;
		if (num > UINT64_MAX / mult)
			return -1;
		*bytes_r = num * mult;
		return 0;
	}
	return -1;
}

static int
parse_item(const char *item, struct imap_quota_rule *rule_r)
{
	const char *eq = strchr(item, '=');
	char key[16];
	size_t klen;

	if (str_casecmp_ascii(item, "ignore") == 0 ||
	    str_casecmp_ascii(item, "noenforcing") == 0) {
		memset(rule_r, 0, sizeof(*rule_r));
		return 0;
	}
	if (eq == NULL || (klen = (size_t)(eq - item)) >= sizeof(key))
		return -1;
	memcpy(key, item, klen);
	key[klen] = '\0';
	if (str_casecmp_ascii(key, "storage") == 0)
		return parse_size(eq + 1, true, &rule_r->storage_bytes);
	if (str_casecmp_ascii(key, "bytes") == 0)
		return parse_size(eq + 1, false, &rule_r->storage_bytes);
	if (str_casecmp_ascii(key, "messages") == 0)
		return str_to_uint64(eq + 1, &rule_r->messages);
	return -1;
}

int
imap_quota_rule_parse(const char *rule, struct imap_quota_rule *rule_r,
		      const char **error_r)
{
	char buf[QUOTA_RULE_MAX_LENGTH + 1], *p, *next;

	memset(rule_r, 0, sizeof(*rule_r));
	if (rule == NULL || rule[0] == '\0')
		return 0;
	if (strlen(rule) > QUOTA_RULE_MAX_LENGTH || !str_begins(rule, "*:")) {
		*error_r = "expected *:storage=SIZE[:messages=N]";
		return -1;
	}
	memcpy(buf, rule + 2, strlen(rule + 2) + 1);
	for (p = buf; p != NULL; p = next) {
		next = strchr(p, ':');
		if (next != NULL)
			*next++ = '\0';
		if (parse_item(p, rule_r) < 0) {
			memset(rule_r, 0, sizeof(*rule_r));
			*error_r = "invalid item (expected storage=, bytes=, "
				"messages= or ignore)";
			return -1;
		}
	}
	return 0;
}

bool
imap_quota_is_limited(const struct imap_quota_rule *rule)
{
	return rule->storage_bytes > 0 || rule->messages > 0;
}

int
imap_quota_get_usage(struct client *client, uint64_t *bytes_r,
		     uint64_t *messages_r)
{
	const struct mailbox_list_entry *entries;
	unsigned int count;
	pool_t pool = pool_create_arena("imap quota", 1024);
	int ret = 0;

	*bytes_r = *messages_r = 0;
	if (mail_user_list(client->user, pool, MAILBOX_LIST_QUERY_ALL,
			   &entries, &count) < 0) {
		pool_destroy(&pool);
		return -1;
	}
	for (unsigned int i = 0; i < count; i++) {
		struct mailbox_status st;

		if ((entries[i].flags & (MAILBOX_LIST_NOSELECT |
					 MAILBOX_LIST_NONEXISTENT)) != 0)
			continue;
		if (mail_user_mailbox_status(client->user, entries[i].name,
					     STATUS_MESSAGES | STATUS_SIZE,
					     &st) < 0) {
			ret = -1;
			break;
		}
		*bytes_r += st.size;
		*messages_r += st.messages;
	}
	pool_destroy(&pool);
	return ret;
}

int
imap_quota_check(struct client *client, uint64_t bytes, uint64_t messages)
{
	const struct imap_quota_rule *rule = &client->quota;
	uint64_t used_bytes, used_msgs;

	if (!imap_quota_is_limited(rule))
		return 1;
	if (imap_quota_get_usage(client, &used_bytes, &used_msgs) < 0)
		return -1;
	if (rule->storage_bytes > 0 &&
	    (used_bytes + bytes > rule->storage_bytes))
		return 0;
	if (rule->messages > 0 && used_msgs + messages > rule->messages)
		return 0;
	return 1;
}
