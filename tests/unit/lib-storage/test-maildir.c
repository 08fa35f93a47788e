/* SPDX-License-Identifier: MIT */
/* Unit tests for lib-storage's Maildir backend: UIDs across reopen,
   expunges, flags in file names, foreign changes behind the index's back,
   corrupt index rebuilds, dovecot-uidlist import, CRLF, mailbox names. */
#include "lib.h"
#include "istream.h"
#include "mail-storage.h"
#include "mail-index.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <setjmp.h>
#include <cmocka.h>

#define MSG1 "From: a@example.org\r\nSubject: one\r\n\r\nbody one\r\n"
#define MSG_LF "From: b@example.org\nSubject: lf\n\nline1\nline2\r\n"
#define MSG_LF_CRLF "From: b@example.org\r\nSubject: lf\r\n\r\nline1\r\nline2\r\n"

struct fixture {
	char root[128];
	char loc[160];
	struct mail_user *user;
};

static int
rm_rf(const char *path)
{
	char cmd[300];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", path);
	return system(cmd);
}

static int
setup(void **state)
{
	struct fixture *f = xcalloc(1, sizeof(*f));
	char tmpl[] = "/tmp/roost-test-maildir.XXXXXX";
	const char *error;

	assert_non_null(mkdtemp(tmpl));
	snprintf(f->root, sizeof(f->root), "%s/user/Maildir", tmpl);
	snprintf(f->loc, sizeof(f->loc), "maildir:%s", f->root);
	f->user = mail_user_create("tester", f->loc, NULL, &error);
	assert_non_null(f->user);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;
	char *slash;

	mail_user_destroy(&f->user);
	assert_null(f->user);
	slash = strstr(f->root, "/user/Maildir");
	*slash = '\0';
	(void)rm_rf(f->root);
	xfree(f);
	return 0;
}

static void
reopen_user(struct fixture *f)
{
	const char *error;

	mail_user_destroy(&f->user);
	f->user = mail_user_create("tester", f->loc, NULL, &error);
	assert_non_null(f->user);
}

static uint32_t
save(struct mailbox *box, const char *data, enum mail_flags flags)
{
	struct istream *input = i_stream_create_from_data(data, strlen(data));
	uint32_t uid = 0;

	assert_int_equal(mailbox_save(box, input, 0, flags, &uid), 0);
	i_stream_destroy(&input);
	assert_true(uid > 0);
	return uid;
}

static char *
read_mail(struct mailbox *box, uint32_t seq)
{
	struct istream *input;
	struct str *str = str_create(system_pool, 256);
	const unsigned char *data;
	size_t size;
	char *ret;

	assert_int_equal(mailbox_open_mail(box, seq, &input), 0);
	while (i_stream_read(input) > 0 || i_stream_get_buffered_size(input) > 0) {
		data = i_stream_get_data(input, &size);
		if (size == 0)
			break;
		str_append_n(str, data, size);
		i_stream_skip(input, size);
	}
	assert_int_equal(input->stream_errno, 0);
	i_stream_destroy(&input);
	ret = xstrdup(str_c(str));
	str_free(&str);
	return ret;
}

static struct mailbox *
open_box(struct fixture *f, const char *name, enum mailbox_flags flags)
{
	struct mailbox *box = mailbox_open(f->user, name, flags);
	enum mail_error err;

	if (box == NULL) {
		fail_msg("mailbox_open(%s): %s", name,
			 mail_user_get_last_error(f->user, &err));
	}
	return box;
}

static void
write_file(const char *dir, const char *name, const char *data)
{
	char path[512];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, strlen(data)), (ssize_t)strlen(data));
	(void)close(fd);
}

/* The single file name in root/sub (NULL if none); caller frees. */
static char *
only_file(const char *root, const char *sub)
{
	char path[512];
	struct dirent *d;
	char *name = NULL;
	DIR *dir;

	snprintf(path, sizeof(path), "%s/%s", root, sub);
	dir = opendir(path);
	assert_non_null(dir);
	while ((d = readdir(dir)) != NULL) {
		if (d->d_name[0] == '.')
			continue;
		assert_null(name);
		name = xstrdup(d->d_name);
	}
	(void)closedir(dir);
	return name;
}

static void
test_uids_persist(void **state)
{
	struct fixture *f = *state;
	struct mailbox *box = open_box(f, "INBOX", 0);
	uint32_t uidv, uid1, uid2;

	assert_int_equal(mailbox_get_count(box), 0);
	uidv = mailbox_get_uidvalidity(box);
	assert_true(uidv != 0);
	uid1 = save(box, MSG1, 0);
	uid2 = save(box, MSG1, 0);
	assert_int_equal(uid1, 1);
	assert_int_equal(uid2, 2);
	/* not visible before the sync */
	assert_int_equal(mailbox_get_count(box), 0);
	assert_int_equal(mailbox_sync(box, NULL, NULL), 0);
	assert_int_equal(mailbox_get_count(box), 2);
	assert_int_equal(mailbox_get_uidnext(box), 3);
	mailbox_close(&box);
	assert_null(box);

	reopen_user(f);
	box = open_box(f, "inbox", 0);
	assert_string_equal(mailbox_get_name(box), "INBOX");
	assert_int_equal(mailbox_get_uidvalidity(box), uidv);
	assert_int_equal(mailbox_get_count(box), 2);
	assert_int_equal(mailbox_get_uid(box, 1), 1);
	assert_int_equal(mailbox_get_uid(box, 2), 2);
	mailbox_close(&box);
}

static uint32_t expunged_seqs[16];
static unsigned int expunged_count;
static uint32_t changed_seqs[16];
static unsigned int changed_count;

static void
cb_expunge(uint32_t seq, void *context ATTR_UNUSED)
{
	if (expunged_count < N_ELEMENTS(expunged_seqs))
		expunged_seqs[expunged_count++] = seq;
}

static void
cb_flags(uint32_t seq, void *context ATTR_UNUSED)
{
	if (changed_count < N_ELEMENTS(changed_seqs))
		changed_seqs[changed_count++] = seq;
}

static const struct mailbox_sync_callbacks sync_cb = {
	.expunge = cb_expunge,
	.flags_changed = cb_flags,
};

static void
test_expunge_never_reuses(void **state)
{
	struct fixture *f = *state;
	struct mailbox *box = open_box(f, "INBOX", 0);
	struct mailbox *other = open_box(f, "INBOX", 0);
	uint32_t seq;

	(void)save(box, MSG1, 0);
	(void)save(box, MSG1, 0);
	(void)save(box, MSG1, 0);
	assert_int_equal(mailbox_sync(box, NULL, NULL), 0);
	assert_int_equal(mailbox_sync(other, NULL, NULL), 0);
	assert_int_equal(mailbox_get_count(other), 3);
	assert_int_equal(mailbox_expunge(box, 3), 0);
	assert_int_equal(mailbox_get_count(box), 2);
	assert_int_equal(mailbox_lookup_seq(box, 3, &seq), 0);
	/* the other view learns it at its sync */
	expunged_count = 0;
	assert_int_equal(mailbox_sync(other, &sync_cb, NULL), 0);
	assert_int_equal(expunged_count, 1);
	assert_int_equal(expunged_seqs[0], 3);
	assert_int_equal(mailbox_get_count(other), 2);
	mailbox_close(&other);

	assert_int_equal(save(box, MSG1, 0), 4);
	mailbox_close(&box);
	reopen_user(f);
	box = open_box(f, "INBOX", 0);
	assert_int_equal(mailbox_get_uidnext(box), 5);
	assert_int_equal(save(box, MSG1, 0), 5);
	assert_int_equal(mailbox_sync(box, NULL, NULL), 0);
	assert_int_equal(mailbox_get_count(box), 4);
	assert_int_equal(mailbox_lookup_seq(box, 5, &seq), 1);
	assert_int_equal(seq, 4);
	mailbox_close(&box);
}

static void
test_flags_roundtrip(void **state)
{
	struct fixture *f = *state;
	struct mailbox *box = open_box(f, "INBOX", 0);
	struct mail_info info;
	char path[512], newpath[600];
	char *name;

	(void)save(box, MSG1, 0);
	assert_int_equal(mailbox_sync(box, NULL, NULL), 0);
	/* read-write sync moved it from new/ to cur/ */
	name = only_file(f->root, "new");
	assert_null(name);
	assert_int_equal(mailbox_update_flags(box, 1, MODIFY_ADD,
					      MAIL_SEEN | MAIL_FLAGGED), 0);
	name = only_file(f->root, "cur");
	assert_non_null(name);
	assert_true(str_ends(name, ":2,FS"));
	assert_non_null(strstr(name, ",S="));
	assert_non_null(strstr(name, ",W="));
	xfree(name);
	assert_int_equal(mailbox_update_flags(box, 1, MODIFY_REMOVE,
					      MAIL_FLAGGED), 0);
	assert_int_equal(mailbox_update_flags(box, 1, MODIFY_ADD,
					      MAIL_DELETED | MAIL_DRAFT |
					      MAIL_ANSWERED), 0);
	name = only_file(f->root, "cur");
	assert_true(str_ends(name, ":2,DRST"));
	mailbox_close(&box);

	reopen_user(f);
	box = open_box(f, "INBOX", 0);
	assert_int_equal(mailbox_get_info(box, 1, &info), 0);
	assert_int_equal(info.flags & MAIL_FLAGS_MASK,
			 MAIL_SEEN | MAIL_DELETED | MAIL_DRAFT | MAIL_ANSWERED);

	/* another client renames the file: flags come back from the name */
	snprintf(path, sizeof(path), "%s/cur/%s", f->root, name);
	*strrchr(name, ',') = '\0';
	snprintf(newpath, sizeof(newpath), "%s/cur/%s,Fa", f->root, name);
	assert_int_equal(rename(path, newpath), 0);
	xfree(name);
	changed_count = 0;
	assert_int_equal(mailbox_sync(box, &sync_cb, NULL), 0);
	assert_int_equal(changed_count, 1);
	assert_int_equal(changed_seqs[0], 1);
	assert_int_equal(mailbox_get_info(box, 1, &info), 0);
	assert_int_equal(info.flags & MAIL_FLAGS_MASK, MAIL_FLAGGED);
	/* the keyword letter survives our rename */
	assert_int_equal(mailbox_update_flags(box, 1, MODIFY_ADD, MAIL_SEEN),
			 0);
	name = only_file(f->root, "cur");
	assert_true(str_ends(name, ":2,FSa"));
	xfree(name);
	/* saving with flags goes straight to cur/ */
	(void)save(box, MSG1, MAIL_SEEN);
	assert_int_equal(mailbox_sync(box, NULL, NULL), 0);
	assert_int_equal(mailbox_get_info(box, 2, &info), 0);
	assert_int_equal(info.flags & MAIL_FLAGS_MASK, MAIL_SEEN);
	mailbox_close(&box);
}

static void
test_foreign_add_remove(void **state)
{
	struct fixture *f = *state;
	struct mailbox *box = open_box(f, "INBOX", 0);
	char dir[300], path[600];
	struct mail_info info;
	char *body, *name;

	(void)save(box, MSG1, 0);
	(void)save(box, MSG1, 0);
	assert_int_equal(mailbox_sync(box, NULL, NULL), 0);
	/* another MDA delivers behind our back (bare LF, no sizes) */
	snprintf(dir, sizeof(dir), "%s/tmp", f->root);
	write_file(dir, "1700000000.P1.otherhost", MSG_LF);
	snprintf(path, sizeof(path), "%s/tmp/1700000000.P1.otherhost", f->root);
	snprintf(dir, sizeof(dir), "%s/new/1700000000.P1.otherhost", f->root);
	assert_int_equal(rename(path, dir), 0);
	assert_int_equal(mailbox_sync(box, NULL, NULL), 0);
	assert_int_equal(mailbox_get_count(box), 3);
	assert_int_equal(mailbox_get_uid(box, 3), 3);
	assert_int_equal(mailbox_get_info(box, 3, &info), 0);
	assert_string_equal(info.guid, "1700000000.P1.otherhost");
	assert_int_equal(info.virtual_size, strlen(MSG_LF_CRLF));
	body = read_mail(box, 3);
	assert_string_equal(body, MSG_LF_CRLF);
	xfree(body);

	/* another client expunges message 2 */
	assert_int_equal(mailbox_get_info(box, 2, &info), 0);
	snprintf(dir, sizeof(dir), "%s/cur", f->root);
	DIR *d = opendir(dir);
	struct dirent *de;
	while ((de = readdir(d)) != NULL) {
		if (str_begins(de->d_name, info.guid)) {
			snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
			assert_int_equal(unlink(path), 0);
		}
	}
	(void)closedir(d);
	expunged_count = 0;
	assert_int_equal(mailbox_sync(box, &sync_cb, NULL), 0);
	assert_int_equal(expunged_count, 1);
	assert_int_equal(expunged_seqs[0], 2);
	assert_int_equal(mailbox_get_count(box), 2);
	assert_int_equal(mailbox_get_uid(box, 2), 3);
	assert_int_equal(mailbox_get_uidnext(box), 4);

	/* a symlink in cur/ is never indexed or followed */
	snprintf(path, sizeof(path), "%s/cur/1700000001.P2.evil:2,", f->root);
	assert_int_equal(symlink("/etc/passwd", path), 0);
	assert_int_equal(mailbox_sync(box, NULL, NULL), 0);
	assert_int_equal(mailbox_get_count(box), 2);
	(void)name;
	mailbox_close(&box);
}

static void
test_dovecot_uidlist_garbled(void **state)
{
	struct fixture *f = *state;
	static const char *const lists[] = {
		"", "\n", "3\n", "3 V0 N5\n1 :a\n", "2 V1 N2\n",
		"3 V99 N5\n1 :x\n1 :y\n", "3 V99 N5\nzz :x\n",
		"3 V99 N5\n4294967296 :x\n", "1 77\n",
		"3 V99 N5\n2 :a b\n", "3 V99 N2\n7 :1600000000.M1P1.host\n",
	};
	char dir[300], path[400];

	snprintf(dir, sizeof(dir), "%s/cur", f->root);
	write_file(dir, "1600000000.M1P1.host:2,S", MSG1);
	snprintf(path, sizeof(path), "%s/dovecot-uidlist", f->root);
	for (unsigned int i = 0; i < N_ELEMENTS(lists); i++) {
		struct mailbox *box;
		char idx[400];

		(void)unlink(path);
		write_file(f->root, "dovecot-uidlist", lists[i]);
		snprintf(idx, sizeof(idx), "%s/%s", f->root,
			 MAIL_INDEX_FILE_NAME);
		(void)unlink(idx);
		snprintf(idx, sizeof(idx), "%s/%s", f->root,
			 MAIL_INDEX_LOG_FILE_NAME);
		(void)unlink(idx);
		box = open_box(f, "INBOX", 0);
		assert_int_equal(mailbox_get_count(box), 1);
		assert_true(mailbox_get_uid(box, 1) < mailbox_get_uidnext(box));
		mailbox_close(&box);
	}
}

static void
test_saved_crlf(void **state)
{
	struct fixture *f = *state;
	struct mailbox *box = open_box(f, "INBOX", 0);
	struct mail_info info;
	char *body;

	(void)save(box, MSG_LF, 0);
	(void)save(box, "", 0);
	(void)save(box, "no newline at end", 0);
	assert_int_equal(mailbox_sync(box, NULL, NULL), 0);
	assert_int_equal(mailbox_get_info(box, 1, &info), 0);
	assert_int_equal(info.virtual_size, strlen(MSG_LF_CRLF));
	body = read_mail(box, 1);
	assert_string_equal(body, MSG_LF_CRLF);
	xfree(body);
	body = read_mail(box, 2);
	assert_string_equal(body, "");
	xfree(body);
	assert_int_equal(mailbox_get_info(box, 3, &info), 0);
	assert_int_equal(info.virtual_size, 17);
	mailbox_close(&box);
}

static void
test_save_failure_leaves_nothing(void **state)
{
	struct fixture *f = *state;
	struct mailbox *box = open_box(f, "INBOX", 0);
	struct istream *input;
	enum mail_error err;
	uint32_t uid;
	int fd;

	/* reading a directory fails with EISDIR mid-save */
	fd = open(f->root, O_RDONLY | O_DIRECTORY);
	assert_true(fd >= 0);
	input = i_stream_create_fd(fd, 4096, true);
	assert_int_equal(mailbox_save(box, input, 0, 0, &uid), -1);
	i_stream_destroy(&input);
	(void)mail_user_get_last_error(f->user, &err);
	assert_int_equal(err, MAIL_ERROR_TEMP);
	assert_null(only_file(f->root, "tmp"));
	assert_null(only_file(f->root, "new"));
	assert_null(only_file(f->root, "cur"));
	assert_int_equal(mailbox_sync(box, NULL, NULL), 0);
	assert_int_equal(mailbox_get_count(box), 0);
	mailbox_close(&box);
}

static void
test_open_renamed(void **state)
{
	struct fixture *f = *state;
	struct mailbox *box = open_box(f, "INBOX", 0);
	struct istream *input;
	char path[512], newpath[600];
	char *name, *body;

	(void)save(box, MSG1, 0);
	assert_int_equal(mailbox_sync(box, NULL, NULL), 0);
	name = only_file(f->root, "cur");
	snprintf(path, sizeof(path), "%s/cur/%s", f->root, name);
	snprintf(newpath, sizeof(newpath), "%s/cur/%sS", f->root, name);
	assert_int_equal(rename(path, newpath), 0);
	xfree(name);
	body = read_mail(box, 1);
	assert_string_equal(body, MSG1);
	xfree(body);
	/* gone for good */
	assert_int_equal(unlink(newpath), 0);
	assert_int_equal(mailbox_open_mail(box, 1, &input), -1);
	enum mail_error err;
	(void)mail_user_get_last_error(f->user, &err);
	assert_int_equal(err, MAIL_ERROR_EXPUNGED);
	mailbox_close(&box);
}

static void
corrupt_index(struct fixture *f, int how)
{
	char path[512];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", f->root, MAIL_INDEX_FILE_NAME);
	fd = open(path, O_RDWR);
	assert_true(fd >= 0);
	switch (how) {
	case 0:
		assert_int_equal(ftruncate(fd, 70), 0);
		break;
	case 1:
		assert_int_equal(pwrite(fd, "\xee", 1, 64), 1);
		break;
	case 2:
		assert_int_equal(pwrite(fd, "JUNK", 4, 0), 4);
		break;
	case 3:
		assert_int_equal(ftruncate(fd, 0), 0);
		break;
	case 4:
		/* UIDs not ascending: swap the first two records' UIDs */
		assert_int_equal(pwrite(fd, "\x09", 1, 64), 1);
		break;
	}
	(void)close(fd);
}

static void
test_corrupt_index_rebuilt(void **state)
{
	struct fixture *f = *state;
	struct mailbox *box = open_box(f, "INBOX", 0);
	uint32_t uidv = mailbox_get_uidvalidity(box);
	char path[512];

	for (unsigned int i = 0; i < 4; i++)
		(void)save(box, MSG1, 0);
	assert_int_equal(mailbox_sync(box, NULL, NULL), 0);
	assert_int_equal(mailbox_expunge(box, 1), 0);
	mailbox_close(&box);

	for (int how = 0; how < 5; how++) {
		corrupt_index(f, how);
		box = open_box(f, "INBOX", 0);
		assert_int_equal(mailbox_get_count(box), 3);
		/* the UID log kept UIDVALIDITY and UIDs */
		assert_int_equal(mailbox_get_uidvalidity(box), uidv);
		assert_int_equal(mailbox_get_uid(box, 1), 2);
		assert_int_equal(mailbox_get_uid(box, 3), 4);
		assert_int_equal(mailbox_get_uidnext(box), 5);
		mailbox_close(&box);
	}
	/* no valid source left: a new UIDVALIDITY, all messages kept */
	snprintf(path, sizeof(path), "%s/%s", f->root,
		 MAIL_INDEX_LOG_FILE_NAME);
	assert_int_equal(unlink(path), 0);
	corrupt_index(f, 1);
	box = open_box(f, "INBOX", 0);
	assert_int_equal(mailbox_get_count(box), 3);
	assert_true(mailbox_get_uidvalidity(box) > uidv);
	assert_int_equal(mailbox_get_uid(box, 1), 1);
	mailbox_close(&box);
	/* garbage UID log too */
	write_file(f->root, MAIL_INDEX_LOG_FILE_NAME "x", "junk");
	snprintf(path, sizeof(path), "%s/%s", f->root,
		 MAIL_INDEX_LOG_FILE_NAME);
	assert_int_equal(unlink(path), 0);
	write_file(f->root, MAIL_INDEX_LOG_FILE_NAME, "roost-uidlog 1 Vx\n+1");
	corrupt_index(f, 1);
	box = open_box(f, "INBOX", 0);
	assert_int_equal(mailbox_get_count(box), 3);
	mailbox_close(&box);
}

static void
test_dovecot_uidlist(void **state)
{
	struct fixture *f = *state;
	struct mailbox *box;
	char dir[300];
	struct mail_info info;

	snprintf(dir, sizeof(dir), "%s/cur", f->root);
	write_file(dir, "1600000000.M1P1.host,S=44,W=46:2,S", MSG1);
	write_file(dir, "1600000001.M1P1.host:2,", MSG1);
	write_file(dir, "1600000002.M1P1.host:2,", MSG1);
	snprintf(dir, sizeof(dir), "%s/new", f->root);
	write_file(dir, "1600000003.M1P1.host", MSG1);
	write_file(f->root, "dovecot-uidlist",
		   "3 V1500000000 N40 Gabcdef0123\n"
		   "7 :1600000000.M1P1.host,S=44,W=46\n"
		   "9 W100 S98 :1600000001.M1P1.host\n"
		   "30 :1600000002.M1P1.host\n"
		   "31 :1600000099.gone\n");
	box = open_box(f, "INBOX", 0);
	assert_int_equal(mailbox_get_uidvalidity(box), 1500000000);
	assert_int_equal(mailbox_get_count(box), 4);
	assert_int_equal(mailbox_get_uid(box, 1), 7);
	assert_int_equal(mailbox_get_uid(box, 2), 9);
	assert_int_equal(mailbox_get_uid(box, 3), 30);
	/* the file dovecot never indexed gets the next UID */
	assert_int_equal(mailbox_get_uid(box, 4), 40);
	assert_int_equal(mailbox_get_uidnext(box), 41);
	assert_int_equal(mailbox_get_info(box, 1, &info), 0);
	assert_int_equal(info.flags & MAIL_FLAGS_MASK, MAIL_SEEN);
	mailbox_close(&box);
	reopen_user(f);
	box = open_box(f, "INBOX", 0);
	assert_int_equal(mailbox_get_uidvalidity(box), 1500000000);
	assert_int_equal(mailbox_get_uid(box, 4), 40);
	mailbox_close(&box);
}

static void
test_mailbox_names(void **state)
{
	struct fixture *f = *state;
	static const char *const bad[] = {
		"", "..", "../x", "a/../b", "/abs", "a/", "a//b", "a.b",
		"Foo/cur", "new", "TMP", "a\tb", "a\nb", "x*", "y%",
		"\xff\xfe", "a\\b",
	};
	pool_t pool = pool_create_arena("test", 1024);
	const char *const *names;
	struct mailbox *box;
	enum mail_error err;
	char longname[300];

	for (unsigned int i = 0; i < N_ELEMENTS(bad); i++) {
		assert_null(mailbox_open(f->user, bad[i],
					 MAILBOX_FLAG_AUTOCREATE));
		(void)mail_user_get_last_error(f->user, &err);
		assert_int_equal(err, MAIL_ERROR_PARAMS);
		assert_int_equal(mail_user_create_mailbox(f->user, bad[i]), -1);
	}
	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	assert_int_equal(mail_user_create_mailbox(f->user, longname), -1);

	assert_null(mailbox_open(f->user, "Nope", 0));
	(void)mail_user_get_last_error(f->user, &err);
	assert_int_equal(err, MAIL_ERROR_NOTFOUND);
	assert_int_equal(mail_user_create_mailbox(f->user, "Sent"), 0);
	assert_int_equal(mail_user_create_mailbox(f->user, "Sent"), -1);
	(void)mail_user_get_last_error(f->user, &err);
	assert_int_equal(err, MAIL_ERROR_EXISTS);
	assert_int_equal(mail_user_create_mailbox(f->user, "inbox"), -1);
	assert_int_equal(mail_user_create_mailbox(f->user, "Work/Proj"), 0);
	assert_int_equal(mail_user_create_mailbox(f->user,
						  "Entw\xc3\xbcrfe"), 0);
	box = open_box(f, "Work/Proj", 0);
	(void)save(box, MSG1, 0);
	mailbox_close(&box);
	box = open_box(f, "Auto", MAILBOX_FLAG_AUTOCREATE);
	mailbox_close(&box);

	/* a symlinked folder is refused */
	char target[300], link_path[300];
	snprintf(target, sizeof(target), "%s/.Sent", f->root);
	snprintf(link_path, sizeof(link_path), "%s/.Evil", f->root);
	assert_int_equal(symlink(target, link_path), 0);
	assert_null(mailbox_open(f->user, "Evil", 0));

	assert_int_equal(mail_user_list_mailboxes(f->user, pool, &names), 0);
	assert_string_equal(names[0], "INBOX");
	assert_string_equal(names[1], "Auto");
	assert_string_equal(names[2], "Entw\xc3\xbcrfe");
	assert_string_equal(names[3], "Sent");
	assert_string_equal(names[4], "Work/Proj");
	assert_null(names[5]);
	/* mUTF-7 on disk, as Dovecot stores it */
	snprintf(target, sizeof(target), "%s/.Entw&APw-rfe", f->root);
	struct stat st;
	assert_int_equal(stat(target, &st), 0);
	pool_destroy(&pool);
}

static void
test_recent(void **state)
{
	struct fixture *f = *state;
	struct mailbox *lmtp = open_box(f, "INBOX", MAILBOX_FLAG_SAVEONLY);
	struct mailbox *box, *box2, *ro;
	struct mail_info info;

	(void)save(lmtp, MSG1, 0);
	(void)save(lmtp, MSG1, 0);
	ro = open_box(f, "INBOX", MAILBOX_FLAG_READONLY);
	assert_int_equal(mailbox_get_recent_count(ro), 0);
	box = open_box(f, "INBOX", 0);
	assert_int_equal(mailbox_get_recent_count(box), 2);
	assert_int_equal(mailbox_get_info(box, 1, &info), 0);
	assert_true((info.flags & MAIL_RECENT) != 0);
	box2 = open_box(f, "INBOX", 0);
	assert_int_equal(mailbox_get_count(box2), 2);
	assert_int_equal(mailbox_get_recent_count(box2), 0);
	(void)save(lmtp, MSG1, 0);
	assert_int_equal(mailbox_sync(box2, NULL, NULL), 0);
	assert_int_equal(mailbox_get_recent_count(box2), 1);
	assert_int_equal(mailbox_sync(box, NULL, NULL), 0);
	assert_int_equal(mailbox_get_count(box), 3);
	assert_int_equal(mailbox_get_recent_count(box), 2);
	assert_int_equal(mailbox_get_first_unseen_seq(box), 1);
	assert_int_equal(mailbox_update_flags(ro, 1, MODIFY_ADD, MAIL_SEEN),
			 -1);
	assert_int_equal(mailbox_expunge(ro, 1), -1);
	mailbox_close(&box);
	mailbox_close(&box2);
	mailbox_close(&ro);
	mailbox_close(&lmtp);
}

static void
test_concurrent_processes(void **state)
{
	struct fixture *f = *state;
	struct mailbox *box = open_box(f, "INBOX", 0);
	const unsigned int n_children = 3, per_child = 10;
	int status;

	for (unsigned int c = 0; c < n_children; c++) {
		pid_t pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			const char *error;
			struct mail_user *user =
				mail_user_create("child", f->loc, NULL, &error);
			struct mailbox *lbox = user == NULL ? NULL :
				mailbox_open(user, "INBOX",
					     MAILBOX_FLAG_SAVEONLY);
			int ret = lbox == NULL ? 1 : 0;
			for (unsigned int i = 0; i < per_child && ret == 0; i++) {
				struct istream *input =
					i_stream_create_from_data(MSG1,
								  strlen(MSG1));
				uint32_t uid;
				if (mailbox_save(lbox, input, 0, 0, &uid) < 0)
					ret = 1;
				i_stream_destroy(&input);
			}
			_exit(ret);
		}
		/* the view keeps working meanwhile */
		assert_int_equal(mailbox_sync(box, NULL, NULL), 0);
	}
	for (unsigned int c = 0; c < n_children; c++) {
		assert_true(wait(&status) > 0);
		assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}
	assert_int_equal(mailbox_sync(box, NULL, NULL), 0);
	assert_int_equal(mailbox_get_count(box), n_children * per_child);
	assert_int_equal(mailbox_get_uidnext(box), n_children * per_child + 1);
	for (uint32_t seq = 1; seq <= n_children * per_child; seq++)
		assert_int_equal(mailbox_get_uid(box, seq), seq);
	mailbox_close(&box);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_uids_persist, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_expunge_never_reuses,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_flags_roundtrip, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_foreign_add_remove, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_saved_crlf, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_save_failure_leaves_nothing,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_open_renamed, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_corrupt_index_rebuilt,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_dovecot_uidlist, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_dovecot_uidlist_garbled,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_mailbox_names, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_recent, setup, teardown),
		cmocka_unit_test_setup_teardown(test_concurrent_processes,
						setup, teardown),
	};

	log_init("test", getenv("TEST_DEBUG") != NULL ? LOG_LEVEL_DEBUG :
		 LOG_LEVEL_FATAL);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
