/* SPDX-License-Identifier: MIT */
/*
 * Driver for the storage crash and concurrency tests
 * (tests/integration/test_storage_stress.py). It uses the storage API
 * directly and keeps an append-only journal of what the API acknowledged,
 * so that a checker run after kill -9 can tell what must still be there.
 *
 *   storage-torture run MAILDIR JOURNAL SEED OPS
 *       random save / copy / move / expunge / flag / keyword operations;
 *       journal lines (written after the call returned 0, or before it for
 *       expunge intents):
 *         S <uidvalidity> <uid> <token>   save acknowledged
 *         X <token>                       expunge (or move) may happen
 *   storage-torture check MAILDIR JOURNAL
 *       every acknowledged token not marked X is present in INBOX, Other
 *       or Archive; INBOX's saved UIDs ascend in journal order per
 *       UIDVALIDITY; every view's UIDs ascend and are unique; the view
 *       count equals the files on disk. Prints "OK <n>" or "FAIL ...".
 *   storage-torture save MAILDIR JOURNAL ID COUNT
 *       COUNT saves into INBOX (concurrency test).
 *   storage-torture reader MAILDIR SECONDS
 *       sync, check the view (UIDs ascending, each message readable and
 *       carrying its token), set and clear flags; until SECONDS passed.
 *   storage-torture dump MAILDIR
 *       for the migration test: every mailbox of the list with its LIST
 *       flags, UIDVALIDITY, UIDNEXT and each message's UID, system flags
 *       and keywords, one line each:
 *         M <name> <list flags (hex)>
 *         V <uidvalidity> <uidnext>
 *         U <uid> <flags (hex)> <keyword,keyword,...|->
 *   storage-torture enospc MAILDIR
 *       save 64 KiB messages until the disk is full; expects
 *       MAIL_ERROR_NOSPACE, no partial file in new/ or cur/, an empty tmp/,
 *       then after expunging one message a save works again.
 */
#include "lib.h"
#include "hash.h"
#include "istream.h"
#include "mail-storage.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

static struct mail_user *user;
static int journal_fd = -1;
static unsigned int rnd_state;

static unsigned int
rnd(unsigned int n)
{
	rnd_state = rnd_state * 1103515245U + 12345U;
	return n == 0 ? 0 : (rnd_state >> 8) % n;
}

static void
die(const char *what)
{
	enum mail_error err;

	printf("FAIL %s: %s\n", what,
	       user == NULL ? "" : mail_user_get_last_error(user, &err));
	exit(2);
}

static void
journal(const char *fmt, ...) ATTR_FORMAT(1, 2);
static void
journal(const char *fmt, ...)
{
	char line[512];
	va_list args;
	int len;

	va_start(args, fmt);
	len = vsnprintf(line, sizeof(line), fmt, args);
	va_end(args);
	if (len <= 0 || (size_t)len >= sizeof(line) ||
	    write(journal_fd, line, (size_t)len) != len)
		die("journal write");
}

static void
open_user(const char *maildir)
{
	char loc[600];
	const char *error;

	snprintf(loc, sizeof(loc), "maildir:%s", maildir);
	user = mail_user_create("torture", loc, NULL, &error);
	if (user == NULL) {
		printf("FAIL user: %s\n", error);
		exit(2);
	}
	if (mail_user_create_mailbox(user, "Other") < 0 ||
	    mail_user_create_mailbox(user, "Archive") < 0) {
		enum mail_error err;
		(void)mail_user_get_last_error(user, &err);
		if (err != MAIL_ERROR_EXISTS)
			die("create");
	}
}

static struct mailbox *
open_box(const char *name)
{
	struct mailbox *box = mailbox_open(user, name, 0);

	if (box == NULL)
		die(name);
	return box;
}

static uint32_t
save_token(struct mailbox *box, const char *token, size_t body_size)
{
	struct str *str = str_create(system_pool, body_size + 256);
	struct istream *input;
	struct mail_save_params params;
	uint32_t uid;
	int ret;

	str_printfa(str, "From: torture@example.org\r\nSubject: t\r\n"
		    "X-Token: %s\r\n\r\n", token);
	while (str_len(str) < body_size)
		str_append(str, "0123456789abcdefghijklmnopqrstuvwxyz\r\n");
	memset(&params, 0, sizeof(params));
	params.flags = rnd(2) == 0 ? 0 : MAIL_SEEN;
	input = i_stream_create_from_data(str_c(str), str_len(str));
	ret = mailbox_save_full(box, input, &params, &uid);
	i_stream_unref(&input);
	str_free(&str);
	return ret < 0 ? 0 : uid;
}

/* The X-Token of message seq (from pool), NULL if unreadable. */
static const char *
read_token(struct mailbox *box, uint32_t seq, pool_t pool)
{
	struct istream *input;
	const unsigned char *data;
	const char *p, *end;
	size_t size;

	if (mailbox_open_mail(box, seq, &input) < 0)
		return NULL;
	(void)i_stream_read(input);
	data = i_stream_get_data(input, &size);
	p = memmem(data, size, "X-Token: ", 9);
	end = p == NULL ? NULL : memchr(p, '\r', size - (size_t)(p - (const char *)data));
	const char *ret = end == NULL ? NULL :
		p_strndup(pool, p + 9, (size_t)(end - p - 9));
	i_stream_unref(&input);
	return ret;
}

static void
op_save(struct mailbox *inbox, unsigned int n)
{
	char token[64];
	uint32_t uid;

	snprintf(token, sizeof(token), "t%ld-%u-%u", (long)getpid(), n,
		 rnd(1000000));
	uid = save_token(inbox, token, 200 + rnd(3000));
	if (uid == 0)
		die("save");
	journal("S %u %u %s\n", mailbox_get_uidvalidity(inbox), uid, token);
}

static void
op_expunge_or_move(struct mailbox *inbox, struct mailbox *archive,
		   pool_t pool, bool move)
{
	uint32_t count = mailbox_get_count(inbox), seq, uid;
	const char *token;

	if (count == 0)
		return;
	seq = 1 + rnd(count);
	token = read_token(inbox, seq, pool);
	if (token == NULL)
		return;
	journal("X %s\n", token);
	if (move) {
		if (mailbox_move(inbox, &seq, 1, archive, &uid, NULL,
				 NULL) < 0)
			die("move");
	} else if (mailbox_expunge(inbox, seq) < 0) {
		die("expunge");
	}
}

static void
op_random(struct mailbox *inbox, struct mailbox *other,
	  struct mailbox *archive, unsigned int n, pool_t pool)
{
	static const char *const kws[] = { "$Label1", "Work", NULL };
	uint32_t count = mailbox_get_count(inbox);
	uint32_t seq = count == 0 ? 0 : 1 + rnd(count), uid;
	unsigned int op = rnd(10);

	if (op < 4 || seq == 0)
		op_save(inbox, n);
	else if (op == 4 && mailbox_copy(inbox, &seq, 1, other, &uid) < 0)
		die("copy");
	else if (op == 5)
		op_expunge_or_move(inbox, archive, pool, false);
	else if (op == 6)
		op_expunge_or_move(inbox, archive, pool, true);
	else if (op == 7 && mailbox_update_flags(inbox, seq, MODIFY_ADD,
						 MAIL_FLAGGED) < 0)
		die("flags");
	else if (op == 8 && mailbox_update_keywords(inbox, seq,
			rnd(2) == 0 ? MODIFY_ADD : MODIFY_REMOVE, kws) < 0)
		die("keywords");
	else if (op == 9 && mailbox_sync(inbox, NULL, NULL) < 0)
		die("sync");
}

static int
cmd_run(const char *maildir, unsigned int seed, unsigned int ops)
{
	struct mailbox *inbox, *other, *archive;
	pool_t pool = pool_create_arena("torture", 1024);

	rnd_state = seed;
	open_user(maildir);
	inbox = open_box("INBOX");
	other = open_box("Other");
	archive = open_box("Archive");
	for (unsigned int i = 0; i < ops; i++) {
		op_random(inbox, other, archive, i, pool);
		pool_clear(pool);
	}
	mailbox_close(&archive);
	mailbox_close(&other);
	mailbox_close(&inbox);
	pool_destroy(&pool);
	mail_user_destroy(&user);
	printf("OK\n");
	return 0;
}

static unsigned int
count_files(const char *maildir, const char *folder)
{
	static const char *const subs[] = { "cur", "new" };
	unsigned int n = 0;
	char path[700];

	for (unsigned int i = 0; i < 2; i++) {
		DIR *dir;
		struct dirent *d;
		snprintf(path, sizeof(path), "%s/%s/%s", maildir, folder,
			 subs[i]);
		if ((dir = opendir(path)) == NULL)
			continue;
		while ((d = readdir(dir)) != NULL)
			n += d->d_name[0] != '.';
		closedir(dir);
	}
	return n;
}

/* Add every token of box to tokens (token -> count). */
static void
check_box(struct hash_table *tokens, pool_t pool, const char *maildir,
	  const char *name, const char *folder)
{
	struct mailbox *box = open_box(name);
	uint32_t count = mailbox_get_count(box), last_uid = 0;

	for (uint32_t seq = 1; seq <= count; seq++) {
		uint32_t uid = mailbox_get_uid(box, seq);
		const char *token;
		if (uid <= last_uid) {
			printf("FAIL %s: UID %u after %u\n", name, uid,
			       last_uid);
			exit(1);
		}
		last_uid = uid;
		if ((token = read_token(box, seq, pool)) == NULL) {
			printf("FAIL %s: seq %u unreadable\n", name, seq);
			exit(1);
		}
		uintptr_t n = (uintptr_t)hash_table_lookup(tokens, token);
		if (n > 0 && strcmp(name, "INBOX") == 0) {
			/* saved once, so present at most once */
			printf("FAIL %s: token %s twice\n", name, token);
			exit(1);
		}
		hash_table_insert(tokens, (void *)token, (void *)(n + 1));
	}
	if (count != count_files(maildir, folder)) {
		printf("FAIL %s: view has %u messages, disk %u files\n", name,
		       count, count_files(maildir, folder));
		exit(1);
	}
	mailbox_close(&box);
}

static char *
read_journal(const char *path)
{
	struct str *str = str_create(system_pool, 4096);
	char buf[8192];
	ssize_t ret;
	int fd = open(path, O_RDONLY);
	char *data;

	while (fd >= 0 && (ret = read(fd, buf, sizeof(buf))) > 0)
		str_append_n(str, buf, (size_t)ret);
	if (fd >= 0)
		close(fd);
	data = xstrdup(str_c(str));
	str_free(&str);
	return data;
}

static int
cmd_check(const char *maildir, const char *journal_path)
{
	pool_t pool = pool_create_arena("check", 4096);
	struct hash_table *tokens = hash_table_create_str(pool, 256);
	struct hash_table *gone = hash_table_create_str(pool, 64);
	char *data = read_journal(journal_path), *line, *nl;
	unsigned int saves = 0, uidv = 0, last_uid = 0;

	open_user(maildir);
	check_box(tokens, pool, maildir, "INBOX", ".");
	check_box(tokens, pool, maildir, "Other", ".Other");
	check_box(tokens, pool, maildir, "Archive", ".Archive");
	for (line = data; *line != '\0'; line = nl + 1) {
		if ((nl = strchr(line, '\n')) == NULL)
			break;	/* torn last line: not acknowledged */
		*nl = '\0';
		if (line[0] == 'X')
			hash_table_insert(gone, p_strdup(pool, line + 2),
					  (void *)1);
	}
	xfree(data);
	data = read_journal(journal_path);
	for (line = data; *line != '\0'; line = nl + 1) {
		unsigned int v, uid;
		char token[128];
		if ((nl = strchr(line, '\n')) == NULL)
			break;
		*nl = '\0';
		if (sscanf(line, "S %u %u %127s", &v, &uid, token) != 3)
			continue;
		saves++;
		/* v == 0: a merged journal of parallel savers */
		if (v != 0 && v == uidv && uid <= last_uid) {
			printf("FAIL UID %u reused or not ascending after %u\n",
			       uid, last_uid);
			return 1;
		}
		uidv = v;
		last_uid = uid;
		if (hash_table_lookup(gone, token) == NULL &&
		    hash_table_lookup(tokens, token) == NULL) {
			printf("FAIL acknowledged %s (UID %u) missing\n",
			       token, uid);
			return 1;
		}
	}
	xfree(data);
	pool_destroy(&pool);
	mail_user_destroy(&user);
	printf("OK %u\n", saves);
	return 0;
}

static int
cmd_save(const char *maildir, const char *id, unsigned int count)
{
	struct mailbox *inbox;
	char token[64];
	uint32_t uid, last = 0;

	rnd_state = (unsigned int)getpid();
	open_user(maildir);
	inbox = mailbox_open(user, "INBOX", MAILBOX_FLAG_SAVEONLY);
	if (inbox == NULL)
		die("open");
	for (unsigned int i = 0; i < count; i++) {
		snprintf(token, sizeof(token), "%s-%u", id, i);
		if ((uid = save_token(inbox, token, 500)) == 0)
			die("save");
		if (uid <= last) {
			printf("FAIL UID %u after %u\n", uid, last);
			return 1;
		}
		last = uid;
		journal("S 0 %u %s\n", uid, token);
	}
	mailbox_close(&inbox);
	mail_user_destroy(&user);
	printf("OK\n");
	return 0;
}

static int
cmd_reader(const char *maildir, unsigned int seconds)
{
	pool_t pool = pool_create_arena("reader", 1024);
	time_t end = time(NULL) + seconds;
	struct mailbox *inbox;
	unsigned int rounds = 0;

	rnd_state = (unsigned int)getpid();
	open_user(maildir);
	inbox = open_box("INBOX");
	while (time(NULL) < end) {
		uint32_t count, last = 0;
		if (mailbox_sync(inbox, NULL, NULL) < 0)
			die("sync");
		count = mailbox_get_count(inbox);
		for (uint32_t seq = 1; seq <= count; seq++) {
			uint32_t uid = mailbox_get_uid(inbox, seq);
			if (uid <= last) {
				printf("FAIL view UID %u after %u\n", uid,
				       last);
				return 1;
			}
			last = uid;
		}
		if (count > 0) {
			uint32_t seq = 1 + rnd(count);
			if (read_token(inbox, seq, pool) == NULL) {
				enum mail_error err;
				(void)mail_user_get_last_error(user, &err);
				if (err != MAIL_ERROR_EXPUNGED)
					die("read");
			}
			if (mailbox_update_flags(inbox, seq, rnd(2) == 0 ?
						 MODIFY_ADD : MODIFY_REMOVE,
						 MAIL_FLAGGED) < 0)
				die("flags");
		}
		pool_clear(pool);
		rounds++;
	}
	mailbox_close(&inbox);
	pool_destroy(&pool);
	mail_user_destroy(&user);
	printf("OK %u\n", rounds);
	return 0;
}

/* Every file in <folder>/<sub> has the size its ",S=" says. */
static bool
files_complete(const char *maildir, const char *sub)
{
	char path[700];
	struct dirent *d;
	struct stat st;
	DIR *dir;
	bool ok = true;

	snprintf(path, sizeof(path), "%s/%s", maildir, sub);
	if ((dir = opendir(path)) == NULL)
		return false;
	while ((d = readdir(dir)) != NULL) {
		const char *s = strstr(d->d_name, ",S=");
		char file[1400];
		if (d->d_name[0] == '.')
			continue;
		if (strcmp(sub, "tmp") == 0) {
			printf("FAIL tmp/%s left behind\n", d->d_name);
			ok = false;
			continue;
		}
		snprintf(file, sizeof(file), "%s/%s", path, d->d_name);
		uint64_t size;
		const char *end;
		if (s == NULL || stat(file, &st) < 0 ||
		    str_parse_uint64(s + 3, &size, &end) < 0 ||
		    size != (uint64_t)st.st_size) {
			printf("FAIL partial file %s\n", file);
			ok = false;
		}
	}
	closedir(dir);
	return ok;
}

static int
storage_torture_enospc(const char *maildir)
{
	struct mailbox *inbox;
	enum mail_error err = MAIL_ERROR_NONE;
	unsigned int saved = 0;
	char token[64];

	open_user(maildir);
	inbox = mailbox_open(user, "INBOX", 0);
	if (inbox == NULL)
		die("open");
	for (;;) {
		snprintf(token, sizeof(token), "fill-%u", saved);
		if (save_token(inbox, token, 64 * 1024) == 0)
			break;
		if (++saved > 100000)
			die("disk never filled");
	}
	printf("saved %u, error: %s\n", saved,
	       mail_user_get_last_error(user, &err));
	if (err != MAIL_ERROR_NOSPACE) {
		printf("FAIL expected MAIL_ERROR_NOSPACE, got %d\n", err);
		return 1;
	}
	if (!files_complete(maildir, "new") || !files_complete(maildir, "cur") ||
	    !files_complete(maildir, "tmp"))
		return 1;
	if (mailbox_sync(inbox, NULL, NULL) < 0 ||
	    mailbox_get_count(inbox) != saved) {
		printf("FAIL after ENOSPC: %u messages, %u saved\n",
		       mailbox_get_count(inbox), saved);
		return 1;
	}
	/* free space, then the mailbox works again */
	for (unsigned int i = 0; i < 4 && mailbox_get_count(inbox) > 0; i++) {
		if (mailbox_expunge(inbox, 1) < 0)
			die("expunge after ENOSPC");
	}
	if (save_token(inbox, "after", 1000) == 0)
		die("save after ENOSPC");
	if (mailbox_sync(inbox, NULL, NULL) < 0 ||
	    mailbox_get_count(inbox) != saved - 4 + 1) {
		printf("FAIL final count %u\n", mailbox_get_count(inbox));
		return 1;
	}
	mailbox_close(&inbox);
	mail_user_destroy(&user);
	printf("OK %u\n", saved);
	return 0;
}

static void
dump_box(const char *name, pool_t pool)
{
	struct mailbox *box = mailbox_open(user, name, MAILBOX_FLAG_READONLY);
	const char *const *kw;
	struct mail_info info;

	if (box == NULL)
		die(name);
	printf("V %u %u\n", mailbox_get_uidvalidity(box),
	       mailbox_get_uidnext(box));
	for (uint32_t seq = 1; seq <= mailbox_get_count(box); seq++) {
		struct str *str = str_create(pool, 64);
		if (mailbox_get_info(box, seq, &info) < 0 ||
		    mailbox_get_mail_keywords(box, seq, pool, &kw) < 0)
			die("info");
		for (unsigned int i = 0; kw[i] != NULL; i++)
			str_printfa(str, i == 0 ? "%s" : ",%s", kw[i]);
		printf("U %u %x %s\n", info.uid,
		       (unsigned int)(info.flags & MAIL_FLAGS_MASK),
		       str_len(str) == 0 ? "-" : str_c(str));
	}
	mailbox_close(&box);
}

static int
cmd_dump(const char *maildir)
{
	pool_t pool = pool_create_arena("dump", 4096);
	const struct mailbox_list_entry *e;
	unsigned int count;
	char loc[600];
	const char *error;

	snprintf(loc, sizeof(loc), "maildir:%s", maildir);
	if ((user = mail_user_create("dump", loc, NULL, &error)) == NULL) {
		printf("FAIL user: %s\n", error);
		return 2;
	}
	if (mail_user_list(user, pool, MAILBOX_LIST_QUERY_ALL, &e,
			   &count) < 0)
		die("list");
	for (unsigned int i = 0; i < count; i++) {
		printf("M %s %x\n", e[i].name, (unsigned int)e[i].flags);
		if ((e[i].flags & MAILBOX_LIST_NOSELECT) == 0)
			dump_box(e[i].name, pool);
	}
	pool_destroy(&pool);
	mail_user_destroy(&user);
	return 0;
}

int main(int argc, char *argv[]);
int
main(int argc, char *argv[])
{
	unsigned int a = 0, b = 0;

	if (argc >= 3 && strcmp(argv[1], "reader") == 0 &&
	    str_to_uint(argv[3], &a) == 0)
		return cmd_reader(argv[2], a);
	if (argc == 3 && strcmp(argv[1], "dump") == 0)
		return cmd_dump(argv[2]);
	if (argc == 3 && strcmp(argv[1], "enospc") == 0)
		return storage_torture_enospc(argv[2]);
	if (argc < 4)
		goto usage;
	journal_fd = open(argv[3], O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC,
			  0600);
	if (journal_fd < 0)
		goto usage;
	if (strcmp(argv[1], "check") == 0)
		return cmd_check(argv[2], argv[3]);
	if (argc == 6 && strcmp(argv[1], "run") == 0 &&
	    str_to_uint(argv[4], &a) == 0 && str_to_uint(argv[5], &b) == 0)
		return cmd_run(argv[2], a, b);
	if (argc == 6 && strcmp(argv[1], "save") == 0 &&
	    str_to_uint(argv[5], &a) == 0)
		return cmd_save(argv[2], argv[4], a);
usage:
	fprintf(stderr, "usage: see the comment in storage-torture.c\n");
	return 64;
}
