/* SPDX-License-Identifier: MIT */
/*
 * Mailbox views: opening a Maildir folder safely (no symlinks, never
 * outside the user's root), the view's message list and its update at
 * mailbox_sync(), and the read-only accessors.
 */
#include "lib.h"
#include "mail-storage-private.h"

#include <fcntl.h>
#include <unistd.h>

static int
open_subdir(int dir_fd, const char *name)
{
	return openat(dir_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
		      O_CLOEXEC);
}

static int
open_folder_dir(struct mail_user *user, const char *dir,
		enum mailbox_flags flags, const char *path)
{
	int fd = open_subdir(user->root_fd, dir);

	if (fd >= 0 || errno != ENOENT)
		return fd;
	if ((flags & MAILBOX_FLAG_AUTOCREATE) == 0)
		return -1;
	if (mail_user_mkdir_maildir(user, user->root_fd, dir, path) < 0)
		return -1;
	return open_subdir(user->root_fd, dir);
}

static int
open_maildir_subdirs(struct mailbox *box)
{
	box->cur_fd = open_subdir(box->dir_fd, "cur");
	box->new_fd = open_subdir(box->dir_fd, "new");
	box->tmp_fd = open_subdir(box->dir_fd, "tmp");
	if (box->cur_fd >= 0 && box->new_fd >= 0 && box->tmp_fd >= 0)
		return 0;
	if (errno != ENOENT)
		return -1;
	/* a folder made by hand or by another tool: complete it */
	if (mail_user_mkdir_maildir(box->user, box->dir_fd, ".",
				    box->path) < 0)
		return -1;
	if (box->cur_fd < 0)
		box->cur_fd = open_subdir(box->dir_fd, "cur");
	if (box->new_fd < 0)
		box->new_fd = open_subdir(box->dir_fd, "new");
	if (box->tmp_fd < 0)
		box->tmp_fd = open_subdir(box->dir_fd, "tmp");
	return box->cur_fd >= 0 && box->new_fd >= 0 && box->tmp_fd >= 0 ?
		0 : -1;
}

static struct mailbox *
mailbox_alloc(struct mail_user *user, const char *canon, const char *dir,
	      enum mailbox_flags flags)
{
	struct mailbox *box = xcalloc(1, sizeof(*box));

	box->user = user;
	box->name = xstrdup(canon);
	box->path = strcmp(dir, ".") == 0 ? xstrdup(user->root) :
		p_strdup_printf(system_pool, "%s/%s", user->root, dir);
	box->flags = flags;
	box->event = log_event_create(user->event);
	log_event_set_str(box->event, "mailbox", canon);
	box->dir_fd = box->cur_fd = box->new_fd = box->tmp_fd = -1;
	array_init(&box->msgs, system_pool, 16);
	return box;
}

static int
mailbox_open_dirs(struct mailbox *box, const char *dir)
{
	box->dir_fd = open_folder_dir(box->user, dir, box->flags, box->path);
	if (box->dir_fd < 0) {
		if (errno == ENOENT) {
			mail_user_set_error(box->user, MAIL_ERROR_NOTFOUND,
					    "Mailbox doesn't exist");
		} else if (errno == ELOOP || errno == ENOTDIR) {
			e_warning(box->event, "%s is not a directory; "
				  "refusing it", box->path);
			mail_user_set_error(box->user, MAIL_ERROR_NOTFOUND,
					    "Mailbox doesn't exist");
		} else {
			mail_user_set_internal_error(box->user, box->event,
				errno, "open(%s): %s", box->path,
				strerror(errno));
		}
		return -1;
	}
	if (open_maildir_subdirs(box) < 0) {
		mail_user_set_internal_error(box->user, box->event, errno,
			"Opening %s/{cur,new,tmp} failed: %s", box->path,
			strerror(errno));
		return -1;
	}
	return 0;
}

struct mailbox *
mailbox_open(struct mail_user *user, const char *name,
	     enum mailbox_flags flags)
{
	pool_t pool = pool_create_arena("mailbox open", 256);
	const char *canon, *dir;
	struct mailbox *box;

	mail_user_clear_error(user);
	if (mail_user_mailbox_dir(pool, name, &canon, &dir) < 0) {
		mail_user_set_error(user, MAIL_ERROR_PARAMS,
				    "Invalid mailbox name");
		pool_destroy(&pool);
		return NULL;
	}
	box = mailbox_alloc(user, canon, dir, flags);
	if (mailbox_open_dirs(box, dir) < 0) {
		pool_destroy(&pool);
		mailbox_close(&box);
		return NULL;
	}
	pool_destroy(&pool);
	box->index = mail_index_alloc(box->dir_fd, box->path, box->event);
	if ((flags & (MAILBOX_FLAG_SAVEONLY | MAILBOX_FLAG_NO_VIEW)) == 0 &&
	    mailbox_sync(box, NULL, NULL) < 0) {
		/* keep the error across close */
		mailbox_close(&box);
		return NULL;
	}
	return box;
}

static void
close_fd(int *fd)
{
	if (*fd >= 0)
		(void)close(*fd);
	*fd = -1;
}

void
mailbox_close(struct mailbox **_box)
{
	struct mailbox *box = *_box;

	if (box == NULL)
		return;
	*_box = NULL;
	maildir_view_free_msgs(box);
	array_free(&box->msgs);
	maildir_scan_free(box);
	maildir_keywords_free(&box->kw);
	mail_index_free(&box->index);
	close_fd(&box->cur_fd);
	close_fd(&box->new_fd);
	close_fd(&box->tmp_fd);
	close_fd(&box->dir_fd);
	log_event_destroy(&box->event);
	xfree(box->name);
	p_free(system_pool, box->path);
	box->path = NULL;
	xfree(box);
}

const char *
mailbox_get_name(const struct mailbox *box)
{
	return box->name;
}

struct mail_index *
mailbox_get_index(struct mailbox *box)
{
	return box->index;
}

bool
mailbox_is_readonly(const struct mailbox *box)
{
	return (box->flags & MAILBOX_FLAG_READONLY) != 0;
}

uint32_t
mailbox_get_count(const struct mailbox *box)
{
	return (uint32_t)box->msgs.count;
}

uint32_t
mailbox_get_uidvalidity(const struct mailbox *box)
{
	return box->uid_validity;
}

uint32_t
mailbox_get_uidnext(const struct mailbox *box)
{
	return box->uid_next;
}

uint32_t
mailbox_get_recent_count(const struct mailbox *box)
{
	return box->recent_count;
}

uint32_t
mailbox_get_first_unseen_seq(const struct mailbox *box)
{
	for (size_t i = 0; i < box->msgs.count; i++) {
		if ((box->msgs.v[i].flags & MAIL_SEEN) == 0)
			return (uint32_t)i + 1;
	}
	return 0;
}

int
mailbox_sync(struct mailbox *box, const struct mailbox_sync_callbacks *cb,
	     void *context)
{
	const struct mail_index_header *hdr;
	bool claim_recent = (box->flags & (MAILBOX_FLAG_READONLY |
					   MAILBOX_FLAG_SAVEONLY)) == 0;
	int ret;

	mail_user_clear_error(box->user);
	box->keep_scan = true;
	if (maildir_index_begin(box, true) < 0) {
		box->keep_scan = false;
		return -1;
	}
	hdr = mail_index_get_header(box->index);
	box->recent_from_uid = 0;
	if (claim_recent) {
		/* RFC 3501 §2.3.2: \Recent goes to the first session that
		   sees the message */
		box->recent_from_uid = hdr->first_recent_uid;
		mail_index_set_first_recent_uid(box->index, hdr->next_uid);
	}
	ret = maildir_index_end(box);
	box->keep_scan = false;
	if (ret < 0) {
		maildir_scan_free(box);
		return -1;
	}
	maildir_view_update(box, cb, context);
	maildir_scan_free(box);
	return 0;
}

int
mailbox_get_info(struct mailbox *box, uint32_t seq,
		 struct mail_info *info_r)
{
	const struct maildir_msg *msg;

	if (seq == 0 || seq > box->msgs.count) {
		mail_user_set_error(box->user, MAIL_ERROR_PARAMS,
				    "Invalid message sequence");
		return -1;
	}
	msg = &box->msgs.v[seq - 1];
	memset(info_r, 0, sizeof(*info_r));
	info_r->uid = msg->uid;
	info_r->flags = (enum mail_flags)(msg->flags & MAIL_FLAGS_MASK);
	if (msg->recent)
		info_r->flags |= MAIL_RECENT;
	info_r->received_date = msg->received;
	info_r->received_tz_offset = msg->tz_offset;
	info_r->virtual_size = msg->vsize;
	info_r->guid = msg->base;
	info_r->modseq = msg->modseq;
	info_r->keywords = msg->keywords;
	return 0;
}

uint32_t
mailbox_get_uid(const struct mailbox *box, uint32_t seq)
{
	if (seq == 0 || seq > box->msgs.count)
		return 0;
	return box->msgs.v[seq - 1].uid;
}

int
mailbox_lookup_seq(const struct mailbox *box, uint32_t uid, uint32_t *seq_r)
{
	size_t lo = 0, hi = box->msgs.count;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (box->msgs.v[mid].uid == uid) {
			*seq_r = (uint32_t)mid + 1;
			return 1;
		}
		if (box->msgs.v[mid].uid < uid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

uint64_t
mailbox_get_highest_modseq(const struct mailbox *box)
{
	return box->highest_modseq;
}

void
mailbox_get_status(struct mailbox *box, enum mailbox_status_items items,
		   struct mailbox_status *status_r)
{
	memset(status_r, 0, sizeof(*status_r));
	status_r->messages = (uint32_t)box->msgs.count;
	status_r->recent = box->recent_count;
	status_r->uidnext = box->uid_next;
	status_r->uidvalidity = box->uid_validity;
	status_r->highest_modseq = box->highest_modseq;
	if ((items & (STATUS_UNSEEN | STATUS_DELETED | STATUS_SIZE)) == 0)
		return;
	for (size_t i = 0; i < box->msgs.count; i++) {
		const struct maildir_msg *msg = &box->msgs.v[i];
		if ((msg->flags & MAIL_SEEN) == 0)
			status_r->unseen++;
		if ((msg->flags & MAIL_DELETED) != 0)
			status_r->deleted++;
		status_r->size += msg->vsize;
	}
}

/* Status from the (locked, synced) index. */
static void
index_status(struct mailbox *box, enum mailbox_status_items items,
	     struct mailbox_status *status_r)
{
	const struct mail_index_header *hdr = mail_index_get_header(box->index);
	const struct mail_index_record *recs;
	unsigned int count;

	memset(status_r, 0, sizeof(*status_r));
	recs = mail_index_get_records(box->index, &count);
	status_r->messages = count;
	status_r->uidnext = hdr->next_uid;
	status_r->uidvalidity = hdr->uid_validity;
	status_r->highest_modseq = hdr->highest_modseq;
	status_r->unseen = count - MIN(hdr->seen_count, count);
	status_r->deleted = MIN(hdr->deleted_count, count);
	if ((items & (STATUS_RECENT | STATUS_SIZE)) == 0)
		return;
	status_r->recent = count - mail_index_lookup_uid_ge(box->index,
		hdr->first_recent_uid == 0 ? 1 : hdr->first_recent_uid);
	if ((items & STATUS_SIZE) == 0)
		return;
	for (unsigned int i = 0; i < count; i++)
		status_r->size += recs[i].virtual_size;
}

int
mail_user_mailbox_status(struct mail_user *user, const char *name,
			 enum mailbox_status_items items,
			 struct mailbox_status *status_r)
{
	struct mailbox *box;
	int ret = 0;

	box = mailbox_open(user, name, MAILBOX_FLAG_READONLY |
			   MAILBOX_FLAG_NO_VIEW);
	if (box == NULL)
		return -1;
	if (maildir_index_begin(box, true) < 0)
		ret = -1;
	else {
		index_status(box, items, status_r);
		if (maildir_index_end(box) < 0)
			ret = -1;
	}
	mailbox_close(&box);
	return ret;
}

bool
mail_range_contains(const struct mail_range *ranges, unsigned int count,
		    uint32_t n)
{
	bool sorted = true;
	unsigned int lo = 0, hi = count;

	for (unsigned int i = 1; i < count && sorted; i++)
		sorted = ranges[i - 1].last < ranges[i].first;
	if (!sorted) {
		for (unsigned int i = 0; i < count; i++) {
			if (n >= ranges[i].first && n <= ranges[i].last)
				return true;
		}
		return false;
	}
	while (lo < hi) {
		unsigned int mid = lo + (hi - lo) / 2;
		if (n < ranges[mid].first)
			hi = mid;
		else if (n > ranges[mid].last)
			lo = mid + 1;
		else
			return true;
	}
	return false;
}
