/* SPDX-License-Identifier: MIT */
/*
 * Keywords in Maildir file names, the way Dovecot stores them so that they
 * survive a migration in either direction: the folder's "dovecot-keywords"
 * file lists "<n> <name>" lines, and letter 'a' + n after ":2," in a file
 * name means the message has keyword n. Only 26 letters exist; keywords
 * beyond them live in roost's index only.
 *
 * The index is roost's truth. At a sync, the keywords that have a letter
 * are taken from the file name (another program may have changed them);
 * the others are kept from the index. dovecot-keywords is only rewritten
 * under the mailbox's index lock (write tmp file, fsync, rename).
 */
#include "lib.h"
#include "mail-storage-private.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#define KEYWORDS_TMP_FILE "dovecot-keywords.tmp"

void
maildir_keywords_free(struct maildir_keywords *kw)
{
	for (unsigned int i = 0; i < MAILDIR_MAX_KEYWORD_LETTERS; i++) {
		if (kw->names[i] != NULL)
			xfree(kw->names[i]);
		kw->names[i] = NULL;
	}
	kw->count = 0;
	kw->read = false;
}

static char *
read_small_file(int fd, size_t max_size, size_t *size_r)
{
	struct stat st;
	size_t pos = 0;
	char *data;

	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
	    (uoff_t)st.st_size > max_size)
		return NULL;
	data = xmalloc((size_t)st.st_size + 1);
	while (pos < (size_t)st.st_size) {
		ssize_t ret = read(fd, data + pos, (size_t)st.st_size - pos);
		if (ret < 0 && errno == EINTR)
			continue;
		if (ret <= 0)
			break;
		pos += (size_t)ret;
	}
	data[pos] = '\0';
	*size_r = pos;
	return data;
}

static void
keywords_parse(struct maildir_keywords *kw, char *data)
{
	char *line = data, *nl, *sp;
	unsigned int idx;

	for (; line != NULL && *line != '\0'; line = nl) {
		nl = strchr(line, '\n');
		if (nl != NULL)
			*nl++ = '\0';
		sp = strchr(line, ' ');
		if (sp == NULL)
			continue;
		*sp = '\0';
		if (str_to_uint(line, &idx) < 0 ||
		    idx >= MAILDIR_MAX_KEYWORD_LETTERS ||
		    !mail_index_keyword_is_valid(sp + 1) ||
		    kw->names[idx] != NULL)
			continue;
		kw->names[idx] = xstrdup(sp + 1);
		if (idx + 1 > kw->count)
			kw->count = idx + 1;
	}
}

int
maildir_keywords_refresh(struct mailbox *box)
{
	struct maildir_keywords *kw = &box->kw;
	struct stat st;
	size_t size;
	char *data;
	int fd;

	fd = openat(box->dir_fd, MAILDIR_DOVECOT_KEYWORDS,
		    O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		if (errno != ENOENT) {
			e_error(box->event, "open(%s/%s): %s", box->path,
				MAILDIR_DOVECOT_KEYWORDS, strerror(errno));
			return -1;
		}
		maildir_keywords_free(kw);
		kw->read = true;
		return 0;
	}
	if (fstat(fd, &st) == 0 && kw->read && st.st_ino == kw->ino &&
	    st.st_size == kw->size &&
	    st.st_mtim.tv_sec == kw->mtime.tv_sec &&
	    st.st_mtim.tv_nsec == kw->mtime.tv_nsec) {
		(void)close(fd);
		return 0;
	}
	maildir_keywords_free(kw);
	data = read_small_file(fd, MAILDIR_MAX_LIST_FILE_SIZE, &size);
	(void)close(fd);
	if (data == NULL) {
		e_warning(box->event, "Ignoring unusable %s/%s", box->path,
			  MAILDIR_DOVECOT_KEYWORDS);
	} else {
		keywords_parse(kw, data);
		xfree(data);
	}
	kw->ino = st.st_ino;
	kw->size = st.st_size;
	kw->mtime = st.st_mtim;
	kw->read = true;
	return 0;
}

static int
keywords_write(struct mailbox *box)
{
	struct maildir_keywords *kw = &box->kw;
	struct str *str = str_create(system_pool, 256);
	struct stat st;
	int fd, ret = -1;

	for (unsigned int i = 0; i < kw->count; i++) {
		if (kw->names[i] != NULL)
			str_printfa(str, "%u %s\n", i, kw->names[i]);
	}
	fd = openat(box->dir_fd, KEYWORDS_TMP_FILE, O_WRONLY | O_CREAT |
		    O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd >= 0 && write(fd, str_c(str), str_len(str)) ==
	    (ssize_t)str_len(str) && fsync(fd) == 0 && fstat(fd, &st) == 0 &&
	    renameat(box->dir_fd, KEYWORDS_TMP_FILE, box->dir_fd,
		     MAILDIR_DOVECOT_KEYWORDS) == 0) {
		kw->ino = st.st_ino;
		kw->size = st.st_size;
		kw->mtime = st.st_mtim;
		ret = 0;
	} else {
		int err = errno;
		mail_user_set_internal_error(box->user, box->event, err,
			"Writing %s/%s failed: %s", box->path,
			MAILDIR_DOVECOT_KEYWORDS, strerror(err));
		(void)unlinkat(box->dir_fd, KEYWORDS_TMP_FILE, 0);
	}
	if (fd >= 0)
		(void)close(fd);
	str_free(&str);
	return ret;
}

static int
letter_of_name(const struct maildir_keywords *kw, const char *name)
{
	for (unsigned int i = 0; i < kw->count; i++) {
		if (kw->names[i] != NULL &&
		    str_casecmp_ascii(kw->names[i], name) == 0)
			return (int)i;
	}
	return -1;
}

uint64_t
maildir_keywords_from_fname(struct mailbox *box, const char *fname)
{
	const char *info = strchr(fname, ':');
	uint64_t bits = 0;
	unsigned int idx;

	if (info == NULL || strncmp(info, ":2,", 3) != 0)
		return 0;
	for (const char *p = info + 3; *p != '\0'; p++) {
		unsigned int n = (unsigned int)(*p - 'a');
		if (*p < 'a' || *p > 'z' || n >= box->kw.count ||
		    box->kw.names[n] == NULL)
			continue;
		if (mail_index_keyword_lookup(box->index, box->kw.names[n],
					      &idx) <= 0 &&
		    (!mail_index_is_locked(box->index) ||
		     mail_index_keyword_lookup_or_create(box->index,
			box->kw.names[n], &idx) < 0))
			continue;
		if (idx < 64)
			bits |= (uint64_t)1 << idx;
	}
	return bits;
}

uint64_t
maildir_keywords_letter_mask(struct mailbox *box)
{
	uint64_t mask = 0;
	unsigned int idx;

	for (unsigned int i = 0; i < box->kw.count; i++) {
		if (box->kw.names[i] != NULL &&
		    mail_index_keyword_lookup(box->index, box->kw.names[i],
					      &idx) > 0 && idx < 64)
			mask |= (uint64_t)1 << idx;
	}
	return mask;
}

int
maildir_keywords_to_letters(struct mailbox *box, uint64_t keywords,
			    const char *old_fname, pool_t pool,
			    const char **letters_r)
{
	const char *info = old_fname == NULL ? NULL : strchr(old_fname, ':');
	struct maildir_keywords *kw = &box->kw;
	const char *const *names;
	unsigned int count;
	bool dirty = false;
	char letters[MAILDIR_MAX_KEYWORD_LETTERS + 1];
	bool have[MAILDIR_MAX_KEYWORD_LETTERS];
	size_t n = 0;

	memset(have, 0, sizeof(have));
	names = mail_index_get_keywords(box->index, &count);
	for (unsigned int i = 0; i < count && i < 64; i++) {
		if ((keywords & ((uint64_t)1 << i)) == 0)
			continue;
		int letter = letter_of_name(kw, names[i]);
		if (letter < 0 && kw->count < MAILDIR_MAX_KEYWORD_LETTERS) {
			letter = (int)kw->count;
			kw->names[kw->count++] = xstrdup(names[i]);
			dirty = true;
		}
		if (letter >= 0)
			have[letter] = true;
	}
	if (dirty && keywords_write(box) < 0)
		return -1;
	/* letters another program set that have no name: keep them */
	if (info != NULL && strncmp(info, ":2,", 3) == 0) {
		for (const char *p = info + 3; *p != '\0'; p++) {
			unsigned int l = (unsigned int)(*p - 'a');
			if (*p >= 'a' && *p <= 'z' &&
			    (l >= kw->count || kw->names[l] == NULL))
				have[l] = true;
		}
	}
	for (unsigned int i = 0; i < MAILDIR_MAX_KEYWORD_LETTERS; i++) {
		if (have[i])
			letters[n++] = (char)('a' + i);
	}
	letters[n] = '\0';
	*letters_r = p_strdup(pool, letters);
	return 0;
}

int
maildir_keywords_names_to_bits(struct mailbox *box, const char *const *names,
			       uint64_t *bits_r)
{
	unsigned int idx;

	*bits_r = 0;
	for (; names != NULL && *names != NULL; names++) {
		if (!mail_index_keyword_is_valid(*names)) {
			mail_user_set_error(box->user, MAIL_ERROR_PARAMS,
					    "Invalid keyword");
			return -1;
		}
		if (mail_index_keyword_lookup_or_create(box->index, *names,
							&idx) < 0 ||
		    idx >= 64) {
			mail_user_set_error(box->user, MAIL_ERROR_PARAMS,
				"Too many keywords in this mailbox");
			return -1;
		}
		*bits_r |= (uint64_t)1 << idx;
	}
	return 0;
}

void
maildir_keywords_define_all(struct mailbox *box)
{
	unsigned int idx;

	for (unsigned int i = 0; i < box->kw.count; i++) {
		if (box->kw.names[i] != NULL &&
		    mail_index_keyword_lookup(box->index, box->kw.names[i],
					      &idx) <= 0 &&
		    mail_index_keyword_lookup_or_create(box->index,
			box->kw.names[i], &idx) < 0) {
			e_warning(box->event, "%s/%s: keyword %s cannot be "
				  "indexed (too many keywords)", box->path,
				  MAILDIR_DOVECOT_KEYWORDS, box->kw.names[i]);
		}
	}
}
