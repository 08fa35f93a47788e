/* SPDX-License-Identifier: MIT */
#include "lib.h"
#include "istream.h"
#include "storage-test-common.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

int
storage_setup(void **state)
{
	struct fixture *f = xcalloc(1, sizeof(*f));
	char tmpl[] = "/tmp/roost-test-storage.XXXXXX";
	const char *error;

	assert_non_null(mkdtemp(tmpl));
	snprintf(f->base, sizeof(f->base), "%s", tmpl);
	snprintf(f->root, sizeof(f->root), "%s/Maildir", tmpl);
	snprintf(f->loc, sizeof(f->loc), "maildir:%s", f->root);
	f->user = mail_user_create("tester", f->loc, NULL, &error);
	assert_non_null(f->user);
	*state = f;
	return 0;
}

int
storage_teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[300];

	mail_user_destroy(&f->user);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->base);
	if (system(cmd) != 0)
		return -1;
	xfree(f);
	return 0;
}

void
storage_reopen_user(struct fixture *f)
{
	const char *error;

	mail_user_destroy(&f->user);
	f->user = mail_user_create("tester", f->loc, NULL, &error);
	assert_non_null(f->user);
}

struct mailbox *
storage_open(struct fixture *f, const char *name, enum mailbox_flags flags)
{
	struct mailbox *box = mailbox_open(f->user, name, flags);
	enum mail_error err;

	if (box == NULL) {
		fail_msg("mailbox_open(%s): %s", name,
			 mail_user_get_last_error(f->user, &err));
	}
	return box;
}

uint32_t
storage_save(struct mailbox *box, const char *data, enum mail_flags flags,
	     const char *const *keywords)
{
	struct istream *input = i_stream_create_from_data(data, strlen(data));
	struct mail_save_params params;
	uint32_t uid = 0;

	memset(&params, 0, sizeof(params));
	params.flags = flags;
	params.keywords = keywords;
	params.received_date = 1700000000;
	params.received_tz_offset = 120;
	params.have_tz = true;
	assert_int_equal(mailbox_save_full(box, input, &params, &uid), 0);
	i_stream_unref(&input);
	assert_true(uid > 0);
	return uid;
}

char *
storage_read(struct mailbox *box, uint32_t seq)
{
	struct istream *input;
	struct str *str = str_create(system_pool, 256);
	const unsigned char *data;
	size_t size;
	char *ret;

	assert_int_equal(mailbox_open_mail(box, seq, &input), 0);
	while (i_stream_read(input) > 0 ||
	       i_stream_get_buffered_size(input) > 0) {
		data = i_stream_get_data(input, &size);
		if (size == 0)
			break;
		str_append_n(str, data, size);
		i_stream_skip(input, size);
	}
	i_stream_unref(&input);
	ret = xstrdup(str_c(str));
	str_free(&str);
	return ret;
}

static unsigned int
count_dir(const char *path)
{
	DIR *dir = opendir(path);
	struct dirent *d;
	unsigned int n = 0;

	if (dir == NULL)
		return 0;
	while ((d = readdir(dir)) != NULL) {
		if (d->d_name[0] != '.')
			n++;
	}
	closedir(dir);
	return n;
}

unsigned int
storage_count_files(struct fixture *f, const char *dir)
{
	char path[512];
	unsigned int n;

	snprintf(path, sizeof(path), "%s/%s/cur", f->root, dir);
	n = count_dir(path);
	snprintf(path, sizeof(path), "%s/%s/new", f->root, dir);
	return n + count_dir(path);
}

enum mail_error
storage_last_error(struct fixture *f)
{
	enum mail_error err;

	(void)mail_user_get_last_error(f->user, &err);
	return err;
}

bool
storage_path_exists(struct fixture *f, const char *rel)
{
	char path[512];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", f->root, rel);
	return lstat(path, &st) == 0;
}

char *
storage_read_file(struct fixture *f, const char *rel)
{
	char path[512];
	struct str *str;
	char buf[4096];
	ssize_t ret;
	char *data;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", f->root, rel);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return NULL;
	str = str_create(system_pool, 256);
	while ((ret = read(fd, buf, sizeof(buf))) > 0)
		str_append_n(str, buf, (size_t)ret);
	close(fd);
	data = xstrdup(str_c(str));
	str_free(&str);
	return data;
}
