/* SPDX-License-Identifier: MIT */
/* Unit tests for the mailbox list: LIST attributes, pattern matching,
   subscriptions in Dovecot's format, special-use folders, CREATE, DELETE,
   RENAME (with children and INBOX), and name validation. */
#include "lib.h"
#include "settings.h"
#include "mail-storage.h"
#include "storage-test-common.h"

#define MSG "From: a@example.org\r\nSubject: x\r\n\r\nbody\r\n"

static const struct mailbox_list_entry *
find_entry(const struct mailbox_list_entry *e, unsigned int count,
	   const char *name)
{
	for (unsigned int i = 0; i < count; i++) {
		if (strcmp(e[i].name, name) == 0)
			return &e[i];
	}
	return NULL;
}

static void
list_all(struct fixture *f, pool_t pool, enum mailbox_list_query q,
	 const struct mailbox_list_entry **e, unsigned int *count)
{
	assert_int_equal(mail_user_list(f->user, pool, q, e, count), 0);
}

static void
test_list_flags(void **state)
{
	struct fixture *f = *state;
	pool_t pool = pool_create_arena("test", 1024);
	const struct mailbox_list_entry *e, *x;
	unsigned int count;

	assert_int_equal(mail_user_create_mailbox(f->user, "Work/Projects/A"), 0);
	assert_int_equal(mail_user_create_mailbox(f->user, "Entwürfe"), 0);
	assert_int_equal(mail_user_set_special_use(f->user,
		MAIL_SPECIAL_USE_DRAFTS, "Entwürfe"), 0);
	assert_int_equal(mail_user_set_subscribed(f->user, "Entwürfe", true), 0);
	list_all(f, pool, MAILBOX_LIST_QUERY_ALL, &e, &count);
	assert_string_equal(e[0].name, "INBOX");
	x = find_entry(e, count, "Work");
	assert_non_null(x);
	assert_true((x->flags & MAILBOX_LIST_NOSELECT) != 0);
	assert_true((x->flags & MAILBOX_LIST_HAS_CHILDREN) != 0);
	x = find_entry(e, count, "Work/Projects");
	assert_non_null(x);
	assert_true((x->flags & MAILBOX_LIST_NOSELECT) != 0);
	x = find_entry(e, count, "Work/Projects/A");
	assert_non_null(x);
	assert_int_equal(x->flags, MAILBOX_LIST_HAS_NO_CHILDREN);
	x = find_entry(e, count, "Entwürfe");
	assert_non_null(x);
	assert_true((x->flags & MAILBOX_LIST_DRAFTS) != 0);
	assert_true((x->flags & MAILBOX_LIST_SUBSCRIBED) != 0);
	assert_string_equal(mailbox_list_special_use_name(x->flags),
			    "\\Drafts");
	assert_true(storage_path_exists(f, ".Entw&APw-rfe/cur"));
	assert_true(storage_path_exists(f, ".Work.Projects.A/maildirfolder"));
	assert_int_equal(count, 5);
	pool_destroy(&pool);
}

static void
test_list_match(void **state ATTR_UNUSED)
{
	assert_true(mailbox_name_match("*", "a/b/c"));
	assert_true(mailbox_name_match("%", "a"));
	assert_false(mailbox_name_match("%", "a/b"));
	assert_true(mailbox_name_match("a/%", "a/b"));
	assert_false(mailbox_name_match("a/%", "a/b/c"));
	assert_true(mailbox_name_match("a/*", "a/b/c"));
	assert_true(mailbox_name_match("inbox", "INBOX"));
	assert_true(mailbox_name_match("InBox/%", "INBOX/x"));
	assert_false(mailbox_name_match("inbox2", "INBOX"));
	assert_true(mailbox_name_match("*b*c", "a/b/xc"));
	assert_true(mailbox_name_match("%/%", "a/b"));
	assert_false(mailbox_name_match("%/%", "a/b/c"));
	assert_false(mailbox_name_match("Sent", "sent"));
	assert_true(mailbox_name_match("S%t", "Sent"));
}

static void
test_subscriptions_dovecot_format(void **state)
{
	struct fixture *f = *state;
	pool_t pool = pool_create_arena("test", 1024);
	const struct mailbox_list_entry *e, *x;
	unsigned int count;
	char *data;
	FILE *fp;
	char path[300];

	assert_int_equal(mail_user_set_subscribed(f->user, "Work/Ä", true), 0);
	assert_int_equal(mail_user_set_subscribed(f->user, "inbox", true), 0);
	assert_int_equal(mail_user_set_subscribed(f->user, "inbox", true), 0);
	data = storage_read_file(f, "subscriptions");
	assert_non_null(data);
	assert_string_equal(data, "V\t2\n\nWork\t&AMQ-\nINBOX\n");
	xfree(data);
	assert_int_equal(mail_user_is_subscribed(f->user, "Work/Ä"), 1);
	assert_int_equal(mail_user_is_subscribed(f->user, "Work"), 0);
	assert_int_equal(mail_user_set_subscribed(f->user, "Work/Ä", false), 0);
	assert_int_equal(mail_user_is_subscribed(f->user, "Work/Ä"), 0);

	/* a file as Dovecot writes it, with a garbage line */
	snprintf(path, sizeof(path), "%s/subscriptions", f->root);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fputs("V\t2\n\nx\ty\nEntw&APw-rfe\n../etc\nINBOX\n", fp);
	fclose(fp);
	list_all(f, pool, MAILBOX_LIST_QUERY_SUBSCRIBED, &e, &count);
	assert_int_equal(count, 3);
	assert_string_equal(e[0].name, "INBOX");
	x = find_entry(e, count, "x/y");
	assert_non_null(x);
	assert_true((x->flags & MAILBOX_LIST_NONEXISTENT) != 0);
	assert_non_null(find_entry(e, count, "Entwürfe"));
	assert_int_equal(mail_user_set_subscribed(f->user, "a/../b", true), -1);
	assert_int_equal(storage_last_error(f), MAIL_ERROR_PARAMS);
	pool_destroy(&pool);
}

static void
test_special_use_autocreate(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(mail_user_set_special_use(f->user,
		MAIL_SPECIAL_USE_SENT, "Sent"), 0);
	assert_int_equal(mail_user_set_special_use(f->user,
		MAIL_SPECIAL_USE_TRASH, "Trash"), 0);
	assert_int_equal(mail_user_set_special_use(f->user,
		MAIL_SPECIAL_USE_JUNK, "INBOX"), -1);
	assert_int_equal(mail_user_set_special_use(f->user,
		MAIL_SPECIAL_USE_JUNK, "../x"), -1);
	assert_int_equal(mail_user_autocreate_special_use(f->user), 0);
	assert_true(storage_path_exists(f, ".Sent/cur"));
	assert_true(storage_path_exists(f, ".Trash/cur"));
	assert_int_equal(mail_user_is_subscribed(f->user, "Sent"), 1);
	/* again: nothing to do, no error */
	assert_int_equal(mail_user_autocreate_special_use(f->user), 0);
}

static void
test_apply_settings(void **state)
{
	struct fixture *f = *state;
	struct str *errors = str_create(system_pool, 128);
	pool_t pool = pool_create_arena("test", 1024);
	const struct mailbox_list_entry *e, *x;
	struct config *config;
	char path[300];
	unsigned int count;
	FILE *fp;

	snprintf(path, sizeof(path), "%s/roost.conf", f->base);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fputs("mail_special_use_junk = Spam/Mail\n"
	      "mail_special_use_archive =\n"
	      "mail_special_use_trash = ../bad\n", fp);
	fclose(fp);
	if (config_load(path, NULL, &config, errors) < 0)
		fail_msg("config: %s", str_c(errors));
	assert_int_equal(mail_user_apply_settings(f->user, config), 0);
	config_free(&config);
	str_free(&errors);
	assert_true(storage_path_exists(f, ".Sent"));
	assert_true(storage_path_exists(f, ".Drafts"));
	assert_true(storage_path_exists(f, ".Spam.Mail"));
	assert_false(storage_path_exists(f, ".Archive"));
	assert_false(storage_path_exists(f, ".Trash"));
	list_all(f, pool, MAILBOX_LIST_QUERY_ALL, &e, &count);
	x = find_entry(e, count, "Spam/Mail");
	assert_non_null(x);
	assert_int_equal(x->flags, MAILBOX_LIST_JUNK | MAILBOX_LIST_SUBSCRIBED |
			 MAILBOX_LIST_HAS_NO_CHILDREN);
	x = find_entry(e, count, "Spam");
	assert_int_equal(x->flags, MAILBOX_LIST_NOSELECT |
			 MAILBOX_LIST_HAS_CHILDREN);
	pool_destroy(&pool);
}

static void
test_create_errors(void **state)
{
	struct fixture *f = *state;
	static const char *const bad[] = {
		"", "/x", "x/", "a//b", "..", "a/../b", "a.b", "x\001",
		"cur", "a/new", "a*", "b%", "c\\d", "\xff\xfe",
	};

	for (unsigned int i = 0; i < N_ELEMENTS(bad); i++) {
		assert_int_equal(mail_user_create_mailbox(f->user, bad[i]), -1);
		assert_int_equal(storage_last_error(f), MAIL_ERROR_PARAMS);
		assert_int_equal(mailbox_name_validate(bad[i]), -1);
	}
	assert_int_equal(mail_user_create_mailbox(f->user, "INBOX"), -1);
	assert_int_equal(storage_last_error(f), MAIL_ERROR_EXISTS);
	assert_int_equal(mail_user_create_mailbox(f->user, "A"), 0);
	assert_int_equal(mail_user_create_mailbox(f->user, "A"), -1);
	assert_int_equal(storage_last_error(f), MAIL_ERROR_EXISTS);
	pool_t pool = pool_create_arena("test", 256);
	assert_string_equal(mailbox_name_to_mutf7(pool, "Entwürfe"),
			    "Entw&APw-rfe");
	assert_string_equal(mailbox_name_from_mutf7(pool, "Entw&APw-rfe"),
			    "Entwürfe");
	assert_null(mailbox_name_from_mutf7(pool, "&AC8-"));
	pool_destroy(&pool);
}

static void
test_delete(void **state)
{
	struct fixture *f = *state;
	pool_t pool = pool_create_arena("test", 1024);
	const struct mailbox_list_entry *e, *x;
	struct mailbox *box;
	unsigned int count;

	assert_int_equal(mail_user_delete_mailbox(f->user, "inbox"), -1);
	assert_int_equal(storage_last_error(f), MAIL_ERROR_PERM);
	assert_int_equal(mail_user_delete_mailbox(f->user, "nope"), -1);
	assert_int_equal(storage_last_error(f), MAIL_ERROR_NOTFOUND);
	assert_int_equal(mail_user_create_mailbox(f->user, "P"), 0);
	assert_int_equal(mail_user_create_mailbox(f->user, "P/C"), 0);
	box = storage_open(f, "P", 0);
	(void)storage_save(box, MSG, 0, NULL);
	mailbox_close(&box);
	/* RFC 3501 6.3.4: deleted, the name stays as \Noselect */
	assert_int_equal(mail_user_delete_mailbox(f->user, "P"), 0);
	assert_false(storage_path_exists(f, ".P"));
	assert_true(storage_path_exists(f, ".P.C"));
	list_all(f, pool, MAILBOX_LIST_QUERY_ALL, &e, &count);
	x = find_entry(e, count, "P");
	assert_non_null(x);
	assert_true((x->flags & MAILBOX_LIST_NOSELECT) != 0);
	/* a \Noselect name with children cannot be deleted */
	assert_int_equal(mail_user_delete_mailbox(f->user, "P"), -1);
	assert_int_equal(storage_last_error(f), MAIL_ERROR_NOTFOUND);
	assert_int_equal(mail_user_delete_mailbox(f->user, "P/C"), 0);
	list_all(f, pool, MAILBOX_LIST_QUERY_ALL, &e, &count);
	assert_int_equal(count, 1);
	assert_null(mailbox_open(f->user, "P/C", 0));
	assert_int_equal(storage_last_error(f), MAIL_ERROR_NOTFOUND);
	pool_destroy(&pool);
}

static void
test_rename(void **state)
{
	struct fixture *f = *state;
	struct mailbox *box;
	uint32_t uidv;

	assert_int_equal(mail_user_create_mailbox(f->user, "A"), 0);
	assert_int_equal(mail_user_create_mailbox(f->user, "A/B"), 0);
	assert_int_equal(mail_user_create_mailbox(f->user, "X"), 0);
	assert_int_equal(mail_user_set_subscribed(f->user, "A/B", true), 0);
	box = storage_open(f, "A/B", 0);
	(void)storage_save(box, MSG, MAIL_SEEN, NULL);
	uidv = mailbox_get_uidvalidity(box);
	mailbox_close(&box);

	assert_int_equal(mail_user_rename_mailbox(f->user, "A", "X"), -1);
	assert_int_equal(storage_last_error(f), MAIL_ERROR_EXISTS);
	assert_int_equal(mail_user_rename_mailbox(f->user, "A", "A/B/C"), -1);
	assert_int_equal(storage_last_error(f), MAIL_ERROR_PARAMS);
	assert_int_equal(mail_user_rename_mailbox(f->user, "Q", "R"), -1);
	assert_int_equal(storage_last_error(f), MAIL_ERROR_NOTFOUND);
	assert_int_equal(mail_user_rename_mailbox(f->user, "A", "../x"), -1);
	assert_int_equal(storage_last_error(f), MAIL_ERROR_PARAMS);
	assert_int_equal(mail_user_rename_mailbox(f->user, "A", "inbox"), -1);
	assert_int_equal(storage_last_error(f), MAIL_ERROR_EXISTS);

	assert_int_equal(mail_user_rename_mailbox(f->user, "A", "Z/N"), 0);
	assert_false(storage_path_exists(f, ".A"));
	assert_false(storage_path_exists(f, ".A.B"));
	assert_true(storage_path_exists(f, ".Z.N.B"));
	assert_int_equal(mail_user_is_subscribed(f->user, "Z/N/B"), 1);
	assert_int_equal(mail_user_is_subscribed(f->user, "A/B"), 0);
	box = storage_open(f, "Z/N/B", 0);
	assert_int_equal(mailbox_get_count(box), 1);
	assert_int_equal(mailbox_get_uidvalidity(box), uidv);
	mailbox_close(&box);
}

static void
test_rename_inbox(void **state)
{
	struct fixture *f = *state;
	const char *kw[] = { "$Label1", NULL };
	struct mailbox *box;
	struct mail_info info;

	box = storage_open(f, "INBOX", 0);
	(void)storage_save(box, MSG, MAIL_FLAGGED, kw);
	(void)storage_save(box, MSG, 0, NULL);
	mailbox_close(&box);
	assert_int_equal(mail_user_create_mailbox(f->user, "INBOX/Child"), 0);
	assert_int_equal(mail_user_rename_mailbox(f->user, "INBOX", "Old"), 0);
	box = storage_open(f, "INBOX", 0);
	assert_int_equal(mailbox_get_count(box), 0);
	mailbox_close(&box);
	assert_true(storage_path_exists(f, ".INBOX.Child"));
	box = storage_open(f, "Old", 0);
	assert_int_equal(mailbox_get_count(box), 2);
	assert_int_equal(mailbox_get_info(box, 1, &info), 0);
	assert_true((info.flags & MAIL_FLAGGED) != 0);
	assert_true(info.keywords != 0);
	mailbox_close(&box);
	assert_int_equal(storage_count_files(f, "."), 0);
	/* the target must not exist */
	assert_int_equal(mail_user_rename_mailbox(f->user, "INBOX", "Old"), -1);
	assert_int_equal(storage_last_error(f), MAIL_ERROR_EXISTS);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_list_flags,
			storage_setup, storage_teardown),
		cmocka_unit_test(test_list_match),
		cmocka_unit_test_setup_teardown(test_subscriptions_dovecot_format,
			storage_setup, storage_teardown),
		cmocka_unit_test_setup_teardown(test_special_use_autocreate,
			storage_setup, storage_teardown),
		cmocka_unit_test_setup_teardown(test_apply_settings,
			storage_setup, storage_teardown),
		cmocka_unit_test_setup_teardown(test_create_errors,
			storage_setup, storage_teardown),
		cmocka_unit_test_setup_teardown(test_delete,
			storage_setup, storage_teardown),
		cmocka_unit_test_setup_teardown(test_rename,
			storage_setup, storage_teardown),
		cmocka_unit_test_setup_teardown(test_rename_inbox,
			storage_setup, storage_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
