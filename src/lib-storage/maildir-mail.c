/* SPDX-License-Identifier: MIT */
/*
 * Per-message operations on a Maildir view: reading a message (as CRLF),
 * changing flags (a rename of the file plus the index) and expunging. Files
 * renamed by other clients meanwhile are found again by their base name;
 * renames and unlinks are done under the index lock so that roost
 * processes never race each other's directory scans.
 */
#include "lib.h"
#include "istream.h"
#include "mail-storage-private.h"

#include <fcntl.h>
#include <unistd.h>

#define VSIZE_READ_BUFFER 65536

int
maildir_local_tz_offset(time_t t)
{
	struct tm tm;

	if (localtime_r(&t, &tm) == NULL)
		return 0;
	return (int)(tm.tm_gmtoff / 60);
}

int
maildir_file_vsize(int fd, uoff_t *vsize_r, uoff_t *psize_r)
{
	unsigned char *buf = xmalloc(VSIZE_READ_BUFFER);
	uoff_t psize = 0, lfs = 0;
	bool last_cr = false;
	off_t offset = 0;
	ssize_t ret;

	while ((ret = pread(fd, buf, VSIZE_READ_BUFFER, offset)) != 0) {
		if (ret < 0 && errno == EINTR)
			continue;
		if (ret < 0) {
			xfree(buf);
			return -1;
		}
		for (ssize_t i = 0; i < ret; i++) {
			if (buf[i] == '\n' && !last_cr)
				lfs++;
			last_cr = buf[i] == '\r';
		}
		psize += (uoff_t)ret;
		offset += ret;
	}
	xfree(buf);
	*psize_r = psize;
	*vsize_r = psize + lfs;
	return 0;
}

static struct maildir_msg *
view_msg(struct mailbox *box, uint32_t seq)
{
	if (seq == 0 || seq > box->msgs.count) {
		mail_user_set_error(box->user, MAIL_ERROR_PARAMS,
				    "Invalid message sequence");
		return NULL;
	}
	return &box->msgs.v[seq - 1];
}

static void
msg_set_fname(struct maildir_msg *msg, const char *fname, bool in_new)
{
	if (msg->fname != NULL)
		xfree(msg->fname);
	msg->fname = xstrdup(fname);
	msg->in_new = in_new;
}

/* The file moved (flags changed by another client) or is unknown: look it
   up by base name. 1 found, 0 gone (MAIL_ERROR_EXPUNGED set), -1 error. */
static int
msg_relocate(struct mailbox *box, struct maildir_msg *msg)
{
	pool_t pool = pool_create_arena("maildir find", 256);
	const char *fname;
	bool in_new;
	int ret;

	ret = maildir_find_file(box, pool, msg->base, &fname, &in_new);
	if (ret > 0)
		msg_set_fname(msg, fname, in_new);
	else if (ret == 0) {
		mail_user_set_error(box->user, MAIL_ERROR_EXPUNGED,
				    "Message was expunged");
	} else {
		mail_user_set_internal_error(box->user, box->event, errno,
			"Scanning %s failed: %s", box->path, strerror(errno));
	}
	pool_destroy(&pool);
	return ret;
}

static int
msg_dir_fd(const struct mailbox *box, const struct maildir_msg *msg)
{
	return msg->in_new ? box->new_fd : box->cur_fd;
}

static int
msg_open(struct mailbox *box, struct maildir_msg *msg)
{
	int fd = -1;

	for (unsigned int attempt = 0; attempt < 2; attempt++) {
		if (msg->fname == NULL && msg_relocate(box, msg) <= 0)
			return -1;
		fd = openat(msg_dir_fd(box, msg), msg->fname,
			    O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		if (fd >= 0 || errno != ENOENT)
			break;
		xfree(msg->fname);
	}
	if (fd < 0 && (errno == ENOENT || msg->fname == NULL)) {
		mail_user_set_error(box->user, MAIL_ERROR_EXPUNGED,
				    "Message was expunged");
	} else if (fd < 0) {
		mail_user_set_internal_error(box->user, box->event, errno,
			"open(%s/%s): %s", box->path, msg->fname,
			strerror(errno));
	}
	return fd;
}

int
mailbox_open_mail(struct mailbox *box, uint32_t seq,
		  struct istream **input_r)
{
	struct maildir_msg *msg;
	struct istream *input, *crlf;
	int fd;

	mail_user_clear_error(box->user);
	if ((msg = view_msg(box, seq)) == NULL)
		return -1;
	if ((fd = msg_open(box, msg)) < 0)
		return -1;
	input = i_stream_create_fd(fd, MAILDIR_MAIL_STREAM_BUFFER, true);
	if (msg->vsize != msg->psize) {
		/* a foreign file with bare LFs */
		crlf = i_stream_create_crlf(input);
		i_stream_unref(&input);
		input = crlf;
	}
	*input_r = input;
	return 0;
}

static uint32_t
modify_flags(uint32_t old, enum modify_type modify, enum mail_flags flags)
{
	uint32_t f = flags & MAIL_FLAGS_MASK;

	switch (modify) {
	case MODIFY_ADD:
		return old | f;
	case MODIFY_REMOVE:
		return old & ~f;
	case MODIFY_REPLACE:
		break;
	}
	return f;
}

static bool
check_writable(struct mailbox *box)
{
	if ((box->flags & MAILBOX_FLAG_READONLY) == 0)
		return true;
	mail_user_set_error(box->user, MAIL_ERROR_PERM,
			    "Mailbox is read-only");
	return false;
}

/* Rename msg's file to carry the modified flags (into cur/); the change is
   applied to the flags in the current file name, so that a concurrent
   change by another client is not lost. Locked. */
static int
msg_rename(struct mailbox *box, struct maildir_msg *msg,
	   enum modify_type modify, enum mail_flags flags,
	   uint32_t *new_flags_r)
{
	pool_t pool = pool_create_arena("maildir rename", 256);
	const char *new_fname;
	int ret = -1;

	for (unsigned int attempt = 0; attempt < 2; attempt++) {
		if ((msg->fname == NULL || attempt > 0) &&
		    msg_relocate(box, msg) <= 0)
			break;
		*new_flags_r = modify_flags(maildir_filename_flags(msg->fname),
					    modify, flags);
		new_fname = maildir_filename_set_flags(pool, msg->base,
						       msg->fname,
						       *new_flags_r);
		if (renameat(msg_dir_fd(box, msg), msg->fname, box->cur_fd,
			     new_fname) == 0) {
			msg_set_fname(msg, new_fname, false);
			ret = 0;
			break;
		}
		if (errno != ENOENT) {
			mail_user_set_internal_error(box->user, box->event,
				errno, "rename(%s/cur/%s): %s", box->path,
				new_fname, strerror(errno));
			break;
		}
	}
	pool_destroy(&pool);
	return ret;
}

static void
msg_update_modseq(struct mailbox *box, struct maildir_msg *msg)
{
	unsigned int idx, count;

	if (mail_index_lookup_uid(box->index, msg->uid, &idx) > 0) {
		msg->modseq = mail_index_get_records(box->index,
						     &count)[idx].modseq;
	}
}

int
mailbox_update_flags(struct mailbox *box, uint32_t seq,
		     enum modify_type modify, enum mail_flags flags)
{
	struct maildir_msg *msg;
	uint32_t new_flags;

	mail_user_clear_error(box->user);
	if ((msg = view_msg(box, seq)) == NULL || !check_writable(box))
		return -1;
	new_flags = modify_flags(msg->flags & MAIL_FLAGS_MASK, modify, flags);
	if (new_flags == (msg->flags & MAIL_FLAGS_MASK) && msg->fname != NULL &&
	    maildir_filename_flags(msg->fname) == new_flags)
		return 0;
	if (maildir_index_begin(box, false) < 0)
		return -1;
	if (msg_rename(box, msg, modify, flags, &new_flags) < 0) {
		maildir_index_abort(box);
		return -1;
	}
	msg->flags = (msg->flags & ~MAIL_FLAGS_MASK) | new_flags;
	mail_index_set_flags(box->index, msg->uid, msg->flags);
	if (maildir_index_end(box) < 0)
		return -1;
	msg_update_modseq(box, msg);
	return 0;
}

int
mailbox_expunge(struct mailbox *box, uint32_t seq)
{
	struct maildir_msg *msg;
	int ret = 0;

	mail_user_clear_error(box->user);
	if ((msg = view_msg(box, seq)) == NULL || !check_writable(box))
		return -1;
	if (maildir_index_begin(box, false) < 0)
		return -1;
	for (unsigned int attempt = 0; attempt < 2; attempt++) {
		if ((msg->fname == NULL || attempt > 0) &&
		    (ret = msg_relocate(box, msg)) <= 0)
			break;
		if (unlinkat(msg_dir_fd(box, msg), msg->fname, 0) == 0)
			break;
		if (errno != ENOENT) {
			ret = -1;
			mail_user_set_internal_error(box->user, box->event,
				errno, "unlink(%s/%s): %s", box->path,
				msg->fname, strerror(errno));
			break;
		}
	}
	if (ret < 0) {
		maildir_index_abort(box);
		return -1;
	}
	/* gone already (ret == 0) is fine: expunged either way */
	mail_user_clear_error(box->user);
	mail_index_expunge(box->index, msg->uid);
	if (maildir_index_end(box) < 0)
		return -1;
	if (msg->recent)
		box->recent_count--;
	xfree(msg->base);
	if (msg->fname != NULL)
		xfree(msg->fname);
	array_delete(&box->msgs, seq - 1, 1);
	return 0;
}

static uint64_t
modify_keywords(uint64_t old, enum modify_type modify, uint64_t bits)
{
	switch (modify) {
	case MODIFY_ADD:
		return old | bits;
	case MODIFY_REMOVE:
		return old & ~bits;
	case MODIFY_REPLACE:
		break;
	}
	return bits;
}

/* Rename msg's file to carry keywords (letters) with its current system
   flags. Locked. */
static int
msg_rename_keywords(struct mailbox *box, struct maildir_msg *msg,
		    uint64_t keywords)
{
	pool_t pool = pool_create_arena("maildir keywords", 256);
	const char *new_fname, *letters;
	int ret = -1;

	for (unsigned int attempt = 0; attempt < 2; attempt++) {
		if ((msg->fname == NULL || attempt > 0) &&
		    msg_relocate(box, msg) <= 0)
			break;
		if (maildir_keywords_to_letters(box, keywords, msg->fname,
						pool, &letters) < 0)
			break;
		new_fname = maildir_filename_set_flags_kw(pool, msg->base,
			maildir_filename_flags(msg->fname), letters);
		if (strcmp(new_fname, msg->fname) == 0 && !msg->in_new) {
			ret = 0;
			break;
		}
		if (renameat(msg_dir_fd(box, msg), msg->fname, box->cur_fd,
			     new_fname) == 0) {
			msg_set_fname(msg, new_fname, false);
			ret = 0;
			break;
		}
		if (errno != ENOENT) {
			mail_user_set_internal_error(box->user, box->event,
				errno, "rename(%s/cur/%s): %s", box->path,
				new_fname, strerror(errno));
			break;
		}
	}
	pool_destroy(&pool);
	return ret;
}

int
mailbox_update_keywords(struct mailbox *box, uint32_t seq,
			enum modify_type modify, const char *const *keywords)
{
	const struct mail_index_record *recs;
	struct maildir_msg *msg;
	unsigned int idx, count;
	uint64_t bits, new_kw;

	mail_user_clear_error(box->user);
	if ((msg = view_msg(box, seq)) == NULL || !check_writable(box))
		return -1;
	if (maildir_index_begin(box, false) < 0)
		return -1;
	if (maildir_keywords_names_to_bits(box, keywords, &bits) < 0) {
		maildir_index_abort(box);
		return -1;
	}
	if (mail_index_lookup_uid(box->index, msg->uid, &idx) == 0) {
		maildir_index_abort(box);
		mail_user_set_error(box->user, MAIL_ERROR_EXPUNGED,
				    "Message was expunged");
		return -1;
	}
	recs = mail_index_get_records(box->index, &count);
	new_kw = modify_keywords(recs[idx].keywords, modify, bits);
	if (msg_rename_keywords(box, msg, new_kw) < 0) {
		maildir_index_abort(box);
		return -1;
	}
	if (new_kw != recs[idx].keywords) {
		mail_index_update_keywords(box->index, msg->uid, msg->uid,
					   MAIL_INDEX_MODIFY_REPLACE, new_kw);
	}
	msg->keywords = new_kw;
	if (maildir_index_end(box) < 0)
		return -1;
	msg_update_modseq(box, msg);
	return 0;
}

const char *const *
mailbox_get_keywords(struct mailbox *box, unsigned int *count_r)
{
	return mail_index_get_keywords(box->index, count_r);
}

int
mailbox_get_mail_keywords(struct mailbox *box, uint32_t seq, pool_t pool,
			  const char *const **keywords_r)
{
	const char *const *names;
	struct maildir_msg *msg;
	ARRAY(const char *) arr;
	unsigned int count;

	if ((msg = view_msg(box, seq)) == NULL)
		return -1;
	names = mail_index_get_keywords(box->index, &count);
	array_init(&arr, pool, 4);
	for (unsigned int i = 0; i < count && i < 64; i++) {
		if ((msg->keywords & ((uint64_t)1 << i)) != 0)
			array_append(&arr, p_strdup(pool, names[i]));
	}
	array_append(&arr, NULL);
	*keywords_r = (const char *const *)arr.v;
	return 0;
}

int
maildir_msg_ensure_fname(struct mailbox *box, struct maildir_msg *msg)
{
	if (msg->fname != NULL)
		return 1;
	return msg_relocate(box, msg);
}

int
maildir_msg_dir_fd(const struct mailbox *box, const struct maildir_msg *msg)
{
	return msg_dir_fd(box, msg);
}

/* Unlink msg's file (found again if it moved). Locked. 0 unlinked or
   already gone, -1 error. */
static int
msg_unlink(struct mailbox *box, struct maildir_msg *msg)
{
	for (unsigned int attempt = 0; attempt < 2; attempt++) {
		int ret;
		if ((msg->fname == NULL || attempt > 0) &&
		    (ret = msg_relocate(box, msg)) <= 0) {
			if (ret == 0)
				mail_user_clear_error(box->user);
			return ret;
		}
		if (unlinkat(msg_dir_fd(box, msg), msg->fname, 0) == 0)
			return 0;
		if (errno != ENOENT) {
			mail_user_set_internal_error(box->user, box->event,
				errno, "unlink(%s/%s): %s", box->path,
				msg->fname, strerror(errno));
			return -1;
		}
	}
	return 0;
}

int
mailbox_expunge_uids(struct mailbox *box, const struct mail_range *ranges,
		     unsigned int count,
		     const struct mailbox_sync_callbacks *cb, void *context)
{
	bool *gone;
	int ret = 0;

	mail_user_clear_error(box->user);
	if (!check_writable(box))
		return -1;
	if (box->msgs.count == 0)
		return 0;
	if (maildir_index_begin(box, false) < 0)
		return -1;
	gone = xcalloc(box->msgs.count, sizeof(*gone));
	for (size_t i = 0; i < box->msgs.count; i++) {
		struct maildir_msg *msg = &box->msgs.v[i];
		if (!mail_range_contains(ranges, count, msg->uid))
			continue;
		if (msg_unlink(box, msg) < 0) {
			ret = -1;
			break;
		}
		mail_index_expunge(box->index, msg->uid);
		gone[i] = true;
	}
	/* files already unlinked are expunged either way: write what was
	   done even after an error */
	if (maildir_index_end(box) < 0)
		ret = -1;
	for (size_t i = box->msgs.count; i > 0; i--) {
		struct maildir_msg *msg = &box->msgs.v[i - 1];
		if (!gone[i - 1])
			continue;
		if (cb != NULL && cb->expunge != NULL)
			cb->expunge((uint32_t)i, context);
		if (msg->recent)
			box->recent_count--;
		xfree(msg->base);
		if (msg->fname != NULL)
			xfree(msg->fname);
		array_delete(&box->msgs, i - 1, 1);
	}
	xfree(gone);
	return ret;
}
