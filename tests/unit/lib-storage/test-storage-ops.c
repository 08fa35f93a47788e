/* SPDX-License-Identifier: MIT */
/* Unit tests for mailbox operations: STATUS, save with keywords and
   internal date, keyword updates in Dovecot's format, COPY/MOVE (hard
   links, UIDs for COPYUID), UID EXPUNGE, read-only refusals. */
#include "lib.h"
#include "istream.h"
#include "mail-storage.h"
#include "storage-test-common.h"

#include <dirent.h>
#include <sys/stat.h>

static pool_t test_pool;

#define MSG "From: a@example.org\r\nSubject: x\r\n\r\nbody\r\n"

static void
test_status(void **state)
{
	struct fixture *f = *state;
	struct mailbox_status st;
	struct mailbox *box;

	assert_int_equal(mail_user_mailbox_status(f->user, "nope",
						  STATUS_MESSAGES, &st), -1);
	assert_int_equal(storage_last_error(f), MAIL_ERROR_NOTFOUND);
	box = storage_open(f, "INBOX", MAILBOX_FLAG_SAVEONLY);
	(void)storage_save(box, MSG, MAIL_SEEN, NULL);
	(void)storage_save(box, MSG, MAIL_DELETED, NULL);
	(void)storage_save(box, MSG, 0, NULL);
	mailbox_close(&box);
	assert_int_equal(mail_user_mailbox_status(f->user, "inbox", 0xff,
						  &st), 0);
	assert_int_equal(st.messages, 3);
	assert_int_equal(st.recent, 3);
	assert_int_equal(st.unseen, 2);
	assert_int_equal(st.deleted, 1);
	assert_int_equal(st.uidnext, 4);
	assert_true(st.uidvalidity != 0);
	assert_int_equal(st.size, 3 * strlen(MSG));
	assert_true(st.highest_modseq > 0);
	/* STATUS does not claim \Recent: a session still gets it */
	box = storage_open(f, "INBOX", 0);
	assert_int_equal(mailbox_get_recent_count(box), 3);
	mailbox_get_status(box, 0xff, &st);
	assert_int_equal(st.messages, 3);
	assert_int_equal(st.unseen, 2);
	assert_int_equal(st.deleted, 1);
	mailbox_close(&box);
	assert_int_equal(mail_user_mailbox_status(f->user, "INBOX", 0xff,
						  &st), 0);
	assert_int_equal(st.recent, 0);
}

static void
test_save_date_keywords(void **state)
{
	struct fixture *f = *state;
	const char *kw[] = { "$Forwarded", "Work", NULL };
	const char *const *got;
	struct mailbox *box;
	struct mail_info info;
	char *data;

	box = storage_open(f, "INBOX", 0);
	(void)storage_save(box, MSG, MAIL_SEEN, kw);
	assert_int_equal(mailbox_sync(box, NULL, NULL), 0);
	assert_int_equal(mailbox_get_info(box, 1, &info), 0);
	assert_int_equal(info.received_date, 1700000000);
	assert_int_equal(info.received_tz_offset, 120);
	assert_int_equal(mailbox_get_mail_keywords(box, 1, test_pool, &got),
			 0);
	assert_string_equal(got[0], "$Forwarded");
	assert_string_equal(got[1], "Work");
	assert_null(got[2]);
	data = storage_read_file(f, "dovecot-keywords");
	assert_non_null(data);
	assert_string_equal(data, "0 $Forwarded\n1 Work\n");
	xfree(data);
	/* invalid keywords are refused and nothing is saved */
	const char *bad[] = { "a b", NULL };
	struct istream *in = i_stream_create_from_data(MSG, strlen(MSG));
	struct mail_save_params params = { .keywords = bad };
	uint32_t uid;
	assert_int_equal(mailbox_save_full(box, in, &params, &uid), -1);
	assert_int_equal(storage_last_error(f), MAIL_ERROR_PARAMS);
	i_stream_unref(&in);
	mailbox_close(&box);
	assert_int_equal(storage_count_files(f, "."), 1);
}

/* The file name of the only message in cur/. */
static char *
only_cur_file(struct fixture *f, const char *dir)
{
	char path[400];
	struct dirent *d;
	DIR *dh;
	char *ret = NULL;

	snprintf(path, sizeof(path), "%s/%s/cur", f->root, dir);
	dh = opendir(path);
	assert_non_null(dh);
	while ((d = readdir(dh)) != NULL) {
		if (d->d_name[0] != '.') {
			assert_null(ret);
			ret = xstrdup(d->d_name);
		}
	}
	closedir(dh);
	assert_non_null(ret);
	return ret;
}

static void
test_keyword_updates(void **state)
{
	struct fixture *f = *state;
	const char *k1[] = { "Junk", NULL }, *k2[] = { "NonJunk", NULL };
	const char *bad[] = { "\\Seen", NULL };
	const char *const *got;
	struct mailbox *box, *box2;
	struct mail_info info;
	char *fname, *newname, oldpath[600], newpath[600];

	box = storage_open(f, "INBOX", 0);
	(void)storage_save(box, MSG, MAIL_SEEN, NULL);
	assert_int_equal(mailbox_sync(box, NULL, NULL), 0);
	assert_int_equal(mailbox_update_keywords(box, 1, MODIFY_ADD, k1), 0);
	assert_int_equal(mailbox_update_keywords(box, 1, MODIFY_ADD, k2), 0);
	fname = only_cur_file(f, ".");
	assert_non_null(strstr(fname, ":2,Sab"));
	assert_int_equal(mailbox_update_keywords(box, 1, MODIFY_REMOVE, k1), 0);
	xfree(fname);
	fname = only_cur_file(f, ".");
	assert_non_null(strstr(fname, ":2,Sb"));
	assert_int_equal(mailbox_update_keywords(box, 1, MODIFY_ADD, bad), -1);
	assert_int_equal(storage_last_error(f), MAIL_ERROR_PARAMS);
	assert_int_equal(mailbox_update_keywords(box, 2, MODIFY_ADD, k1), -1);

	/* another program adds keyword a (Junk) behind our back */
	snprintf(oldpath, sizeof(oldpath), "%s/cur/%s", f->root, fname);
	newname = xstrdup(fname);
	newname[strlen(newname) - 1] = 'a';
	snprintf(newpath, sizeof(newpath), "%s/cur/%sb", f->root, newname);
	assert_int_equal(rename(oldpath, newpath), 0);
	box2 = storage_open(f, "INBOX", 0);
	assert_int_equal(mailbox_get_mail_keywords(box2, 1, test_pool, &got),
			 0);
	assert_string_equal(got[0], "Junk");
	assert_string_equal(got[1], "NonJunk");
	assert_null(got[2]);
	assert_int_equal(mailbox_get_info(box2, 1, &info), 0);
	assert_int_equal(info.flags & MAIL_FLAGS_MASK, MAIL_SEEN);
	mailbox_close(&box2);
	mailbox_close(&box);
	xfree(newname);
	xfree(fname);
}

static void
test_many_keywords(void **state)
{
	struct fixture *f = *state;
	struct mailbox *box;
	const char *const *got;
	char names[30][16];
	const char *kw[2] = { NULL, NULL };

	box = storage_open(f, "INBOX", 0);
	(void)storage_save(box, MSG, 0, NULL);
	assert_int_equal(mailbox_sync(box, NULL, NULL), 0);
	for (unsigned int i = 0; i < 30; i++) {
		snprintf(names[i], sizeof(names[i]), "kw%u", i);
		kw[0] = names[i];
		assert_int_equal(mailbox_update_keywords(box, 1, MODIFY_ADD,
							 kw), 0);
	}
	mailbox_close(&box);
	/* 26 as letters, 4 only in the index: all survive a reopen */
	box = storage_open(f, "INBOX", 0);
	assert_int_equal(mailbox_get_mail_keywords(box, 1, test_pool, &got),
			 0);
	unsigned int n = 0;
	while (got[n] != NULL)
		n++;
	assert_int_equal(n, 30);
	mailbox_close(&box);
}

static void
test_copy_move(void **state)
{
	struct fixture *f = *state;
	const char *kw[] = { "Important", NULL };
	struct mailbox *src, *dest;
	struct mail_info info;
	const char *const *got;
	uint32_t seqs[2] = { 1, 2 }, uids[2];
	char *a, *b;

	assert_int_equal(mail_user_create_mailbox(f->user, "Dest"), 0);
	src = storage_open(f, "INBOX", 0);
	(void)storage_save(src, MSG, MAIL_FLAGGED, kw);
	(void)storage_save(src, "Subject: two\r\n\r\n2\r\n", 0, NULL);
	assert_int_equal(mailbox_sync(src, NULL, NULL), 0);
	dest = storage_open(f, "Dest", 0);
	assert_int_equal(mailbox_copy(src, seqs, 2, dest, uids), 0);
	assert_int_equal(uids[0], 1);
	assert_int_equal(uids[1], 2);
	assert_int_equal(mailbox_sync(dest, NULL, NULL), 0);
	assert_int_equal(mailbox_get_count(dest), 2);
	assert_int_equal(mailbox_get_info(dest, 1, &info), 0);
	assert_true((info.flags & MAIL_FLAGGED) != 0);
	assert_int_equal(info.received_date, 1700000000);
	assert_int_equal(mailbox_get_mail_keywords(dest, 1, test_pool, &got),
			 0);
	assert_string_equal(got[0], "Important");
	a = storage_read(src, 2);
	b = storage_read(dest, 2);
	assert_string_equal(a, b);
	xfree(a);
	xfree(b);
	/* copy into the same mailbox: new UIDs, no collision */
	assert_int_equal(mailbox_copy(src, seqs, 1, src, uids), 0);
	assert_int_equal(uids[0], 3);
	/* move: gone from the source view at once */
	assert_int_equal(mailbox_move(src, seqs, 2, dest, uids, NULL, NULL), 0);
	assert_int_equal(uids[0], 3);
	assert_int_equal(uids[1], 4);
	assert_int_equal(mailbox_get_count(src), 0);
	assert_int_equal(mailbox_sync(src, NULL, NULL), 0);
	assert_int_equal(mailbox_get_count(src), 1);
	assert_int_equal(mailbox_sync(dest, NULL, NULL), 0);
	assert_int_equal(mailbox_get_count(dest), 4);
	/* bad sequence: nothing copied */
	seqs[1] = 99;
	assert_int_equal(mailbox_copy(src, seqs, 2, dest, uids), -1);
	assert_int_equal(storage_last_error(f), MAIL_ERROR_PARAMS);
	assert_int_equal(storage_count_files(f, ".Dest"), 4);
	mailbox_close(&dest);
	/* read-only destination */
	dest = storage_open(f, "Dest", MAILBOX_FLAG_READONLY);
	seqs[1] = 1;
	assert_int_equal(mailbox_copy(src, seqs, 1, dest, uids), -1);
	assert_int_equal(storage_last_error(f), MAIL_ERROR_PERM);
	mailbox_close(&dest);
	mailbox_close(&src);
}

static void
test_copy_hardlink(void **state)
{
	struct fixture *f = *state;
	struct mailbox *src, *dest;
	uint32_t seq = 1, uid;
	char path[400];
	struct stat st;
	char *name;

	assert_int_equal(mail_user_create_mailbox(f->user, "D"), 0);
	src = storage_open(f, "INBOX", 0);
	(void)storage_save(src, MSG, MAIL_SEEN, NULL);
	assert_int_equal(mailbox_sync(src, NULL, NULL), 0);
	dest = storage_open(f, "D", 0);
	assert_int_equal(mailbox_copy(src, &seq, 1, dest, &uid), 0);
	name = only_cur_file(f, ".");
	snprintf(path, sizeof(path), "%s/cur/%s", f->root, name);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_nlink, 2);
	xfree(name);
	mailbox_close(&dest);
	mailbox_close(&src);
}

static unsigned int expunged_seqs[8], expunged_count;

static void
expunge_cb(uint32_t seq, void *context ATTR_UNUSED)
{
	expunged_seqs[expunged_count++] = seq;
}

static void
test_expunge_uids(void **state)
{
	struct fixture *f = *state;
	struct mailbox_sync_callbacks cb = { .expunge = expunge_cb };
	struct mail_range ranges[2] = { { 2, 3 }, { 5, 100 } };
	struct mailbox *box;

	box = storage_open(f, "INBOX", 0);
	for (unsigned int i = 0; i < 5; i++)
		(void)storage_save(box, MSG, 0, NULL);
	assert_int_equal(mailbox_sync(box, NULL, NULL), 0);
	expunged_count = 0;
	assert_int_equal(mailbox_expunge_uids(box, ranges, 2, &cb, NULL), 0);
	assert_int_equal(expunged_count, 3);
	assert_int_equal(expunged_seqs[0], 5);
	assert_int_equal(expunged_seqs[1], 3);
	assert_int_equal(expunged_seqs[2], 2);
	assert_int_equal(mailbox_get_count(box), 2);
	assert_int_equal(mailbox_get_uid(box, 1), 1);
	assert_int_equal(mailbox_get_uid(box, 2), 4);
	mailbox_close(&box);
	assert_int_equal(storage_count_files(f, "."), 2);
	box = storage_open(f, "INBOX", MAILBOX_FLAG_READONLY);
	assert_int_equal(mailbox_expunge_uids(box, ranges, 2, NULL, NULL), -1);
	assert_int_equal(storage_last_error(f), MAIL_ERROR_PERM);
	assert_int_equal(mailbox_get_uidnext(box), 6);
	mailbox_close(&box);
}

static int
setup(void **state)
{
	test_pool = pool_create_arena("test", 1024);
	return storage_setup(state);
}

static int
teardown(void **state)
{
	pool_destroy(&test_pool);
	return storage_teardown(state);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_status,
			setup, teardown),
		cmocka_unit_test_setup_teardown(test_save_date_keywords,
			setup, teardown),
		cmocka_unit_test_setup_teardown(test_keyword_updates,
			setup, teardown),
		cmocka_unit_test_setup_teardown(test_many_keywords,
			setup, teardown),
		cmocka_unit_test_setup_teardown(test_copy_move,
			setup, teardown),
		cmocka_unit_test_setup_teardown(test_copy_hardlink,
			setup, teardown),
		cmocka_unit_test_setup_teardown(test_expunge_uids,
			setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
