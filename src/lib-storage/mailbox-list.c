/* SPDX-License-Identifier: MIT */
/*
 * The mailbox list: LIST with attributes (\Noselect parents,
 * \HasChildren/\HasNoChildren, \Subscribed, special-use), LIST pattern
 * matching, name conversions, and the per-user list lock.
 */
#include "lib.h"
#include "hash.h"
#include "utf7.h"
#include "mail-storage-private.h"

#include <dirent.h>
#include <fcntl.h>
#include <strings.h>
#include <sys/file.h>
#include <unistd.h>

#define LIST_LOCK_FILE "roost-list.lock"

static const enum mailbox_list_flags special_use_flags[] = {
	MAILBOX_LIST_SENT, MAILBOX_LIST_DRAFTS, MAILBOX_LIST_TRASH,
	MAILBOX_LIST_JUNK, MAILBOX_LIST_ARCHIVE,
};
static const char *const special_use_names[] = {
	"\\Sent", "\\Drafts", "\\Trash", "\\Junk", "\\Archive",
};

int
mail_user_list_lock(struct mail_user *user)
{
	int fd = openat(user->root_fd, LIST_LOCK_FILE, O_RDWR | O_CREAT |
			O_NOFOLLOW | O_CLOEXEC, 0600);

	if (fd < 0) {
		mail_user_set_internal_error(user, user->event, errno,
			"open(%s/%s): %s", user->root, LIST_LOCK_FILE,
			strerror(errno));
		return -1;
	}
	while (flock(fd, LOCK_EX) < 0) {
		if (errno == EINTR)
			continue;
		mail_user_set_internal_error(user, user->event, errno,
			"flock(%s/%s): %s", user->root, LIST_LOCK_FILE,
			strerror(errno));
		(void)close(fd);
		return -1;
	}
	return fd;
}

void
mail_user_list_unlock(int *fd)
{
	if (*fd >= 0)
		(void)close(*fd);
	*fd = -1;
}

int
mailbox_name_validate(const char *name)
{
	return mail_user_name_is_valid(name) ? 0 : -1;
}

const char *
mailbox_name_to_mutf7(pool_t pool, const char *utf8_name)
{
	struct str *str;

	if (!utf8_is_valid(utf8_name, strlen(utf8_name)))
		return NULL;
	str = str_create(pool, strlen(utf8_name) + 16);
	if (imap_utf8_to_utf7(utf8_name, str) < 0)
		return NULL;
	return str_c(str);
}

const char *
mailbox_name_from_mutf7(pool_t pool, const char *mutf7_name)
{
	struct str *str = str_create(pool, strlen(mutf7_name) + 16);

	if (imap_utf7_to_utf8(mutf7_name, str) < 0)
		return NULL;
	return str_c(str);
}

const char *
mailbox_list_special_use_name(enum mailbox_list_flags flags)
{
	for (unsigned int i = 0; i < N_ELEMENTS(special_use_flags); i++) {
		if ((flags & special_use_flags[i]) != 0)
			return special_use_names[i];
	}
	return NULL;
}

/* Iterative wildcard match; '%' does not cross '/'. */
static bool
match_here(const char *p, const char *n)
{
	const char *star_p = NULL, *star_n = NULL;

	while (*n != '\0') {
		if (*p == '*') {
			star_p = ++p;
			star_n = n;
		} else if (*p == '%') {
			/* '%' is rare and patterns are short: recurse over
			   the possible lengths inside this component */
			for (const char *m = n; ; m++) {
				if (match_here(p + 1, m))
					return true;
				if (*m == '\0' || *m == '/')
					break;
			}
			goto backtrack;
		} else if (*p == *n) {
			p++;
			n++;
		} else {
			goto backtrack;
		}
		continue;
backtrack:
		if (star_p == NULL)
			return false;
		p = star_p;
		n = ++star_n;
	}
	while (*p == '*' || *p == '%')
		p++;
	return *p == '\0';
}

bool
mailbox_name_match(const char *pattern, const char *name)
{
	/* "inbox*" matches "INBOX": only the leading INBOX component of the
	   pattern is case-insensitive */
	if (strncasecmp(pattern, "INBOX", 5) == 0 &&
	    (pattern[5] == '\0' || pattern[5] == '/' || pattern[5] == '*' ||
	     pattern[5] == '%') && strncmp(name, "INBOX", 5) == 0 &&
	    (name[5] == '\0' || name[5] == '/'))
		return match_here(pattern + 5, name + 5);
	return match_here(pattern, name);
}

static int
entry_cmp(const void *a, const void *b)
{
	const struct mailbox_list_entry *x = a, *y = b;
	bool xi = strcmp(x->name, "INBOX") == 0, yi = strcmp(y->name, "INBOX") == 0;

	if (xi != yi)
		return xi ? -1 : 1;
	return strcmp(x->name, y->name);
}

/* Existing mailboxes (canonical names) into set (name -> (void *)1). */
static int
list_existing(struct mail_user *user, pool_t pool, struct hash_table *set)
{
	struct dirent *d;
	unsigned int count = 0;
	DIR *dir;
	int fd;

	fd = openat(user->root_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	dir = fd < 0 ? NULL : fdopendir(fd);
	if (dir == NULL) {
		if (fd >= 0)
			(void)close(fd);
		mail_user_set_internal_error(user, user->event, errno,
			"opendir(%s) failed: %s", user->root,
			strerror(errno));
		return -1;
	}
	hash_table_insert(set, p_strdup(pool, "INBOX"), (void *)1);
	while ((d = readdir(dir)) != NULL && count < MAILDIR_MAX_MAILBOXES) {
		const char *name = mail_user_folder_to_name(user, pool,
							    d->d_name);
		if (name != NULL) {
			hash_table_insert(set, (void *)name, (void *)1);
			count++;
		}
	}
	(void)closedir(dir);
	return 0;
}

static enum mailbox_list_flags
special_use_of(struct mail_user *user, const char *name)
{
	for (unsigned int i = 0; i < MAIL_SPECIAL_USE_COUNT; i++) {
		if (user->special_use[i] != NULL &&
		    strcmp(user->special_use[i], name) == 0)
			return special_use_flags[i];
	}
	return 0;
}

struct list_ctx {
	struct mail_user *user;
	pool_t pool;
	struct hash_table *existing, *parents, *subscribed, *added;
	ARRAY(struct mailbox_list_entry) entries;
};

/* Every proper parent of name ("a" and "a/b" for "a/b/c") into set. */
static void
add_parents(pool_t pool, struct hash_table *set, const char *name)
{
	for (const char *p = strchr(name, '/'); p != NULL;
	     p = strchr(p + 1, '/')) {
		const char *parent = p_strndup(pool, name,
					       (size_t)(p - name));
		hash_table_insert(set, (void *)parent, (void *)1);
	}
}

static void
list_add(struct list_ctx *ctx, const char *name, bool exists)
{
	struct mailbox_list_entry *e;
	enum mailbox_list_flags flags = 0;

	if (hash_table_lookup(ctx->added, name) != NULL)
		return;
	hash_table_insert(ctx->added, (void *)name, (void *)1);
	if (!exists) {
		flags |= hash_table_lookup(ctx->parents, name) != NULL ?
			MAILBOX_LIST_NOSELECT : MAILBOX_LIST_NONEXISTENT;
	}
	flags |= hash_table_lookup(ctx->parents, name) != NULL ?
		MAILBOX_LIST_HAS_CHILDREN : MAILBOX_LIST_HAS_NO_CHILDREN;
	if (hash_table_lookup(ctx->subscribed, name) != NULL)
		flags |= MAILBOX_LIST_SUBSCRIBED;
	if (exists)
		flags |= special_use_of(ctx->user, name);
	e = array_push(&ctx->entries);
	e->name = name;
	e->flags = flags;
}

static int
list_ctx_init(struct list_ctx *ctx, struct mail_user *user, pool_t pool,
	      struct array_str *subs)
{
	struct hash_iter iter;
	void *key, *value;

	memset(ctx, 0, sizeof(*ctx));
	ctx->user = user;
	ctx->pool = pool;
	ctx->existing = hash_table_create_str(pool, 64);
	ctx->parents = hash_table_create_str(pool, 64);
	ctx->subscribed = hash_table_create_str(pool, 64);
	ctx->added = hash_table_create_str(pool, 64);
	array_init(&ctx->entries, pool, 32);
	if (list_existing(user, pool, ctx->existing) < 0 ||
	    mail_user_read_subscriptions(user, pool, subs) < 0)
		return -1;
	for (size_t i = 0; i < subs->count; i++) {
		hash_table_insert(ctx->subscribed, (void *)subs->v[i],
				  (void *)1);
	}
	hash_table_iterate_init(ctx->existing, &iter);
	while (hash_table_iterate(&iter, &key, &value))
		add_parents(pool, ctx->parents, key);
	return 0;
}

static void
list_ctx_deinit(struct list_ctx *ctx)
{
	hash_table_destroy(&ctx->existing);
	hash_table_destroy(&ctx->parents);
	hash_table_destroy(&ctx->subscribed);
	hash_table_destroy(&ctx->added);
}

int
mail_user_list(struct mail_user *user, pool_t pool,
	       enum mailbox_list_query query,
	       const struct mailbox_list_entry **entries_r,
	       unsigned int *count_r)
{
	struct list_ctx ctx;
	struct array_str subs;
	struct hash_iter iter;
	void *key, *value;

	mail_user_clear_error(user);
	if (list_ctx_init(&ctx, user, pool, &subs) < 0) {
		list_ctx_deinit(&ctx);
		return -1;
	}
	if (query == MAILBOX_LIST_QUERY_SUBSCRIBED) {
		for (size_t i = 0; i < subs.count; i++) {
			list_add(&ctx, subs.v[i],
				 hash_table_lookup(ctx.existing,
						   subs.v[i]) != NULL);
		}
	} else {
		hash_table_iterate_init(ctx.existing, &iter);
		while (hash_table_iterate(&iter, &key, &value))
			list_add(&ctx, key, true);
		hash_table_iterate_init(ctx.parents, &iter);
		while (hash_table_iterate(&iter, &key, &value)) {
			if (hash_table_lookup(ctx.existing, key) == NULL)
				list_add(&ctx, key, false);
		}
	}
	qsort(ctx.entries.v, ctx.entries.count, sizeof(*ctx.entries.v),
	      entry_cmp);
	*entries_r = ctx.entries.v;
	*count_r = (unsigned int)ctx.entries.count;
	list_ctx_deinit(&ctx);
	return 0;
}
