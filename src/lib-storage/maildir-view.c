/* SPDX-License-Identifier: MIT */
/*
 * The view's message list follows the index only here (inside
 * mailbox_sync()), so sequence numbers change only when the protocol allows
 * it: expunges are reported from the highest sequence down, then flag
 * changes, then new messages are appended.
 */
#include "lib.h"
#include "hash.h"
#include "mail-storage-private.h"

static void
msg_free(struct maildir_msg *msg)
{
	xfree(msg->base);
	if (msg->fname != NULL)
		xfree(msg->fname);
}

void
maildir_view_free_msgs(struct mailbox *box)
{
	struct maildir_msg *msg;

	array_foreach(&box->msgs, msg)
		msg_free(msg);
	array_clear(&box->msgs);
	box->recent_count = 0;
}

static void
view_remove(struct mailbox *box, size_t idx,
	    const struct mailbox_sync_callbacks *cb, void *context)
{
	if (cb != NULL && cb->expunge != NULL)
		cb->expunge((uint32_t)idx + 1, context);
	if (box->msgs.v[idx].recent)
		box->recent_count--;
	msg_free(&box->msgs.v[idx]);
	array_delete(&box->msgs, idx, 1);
}

/* Take the file name the last scan found for msg. */
static void
view_set_fname(struct mailbox *box, struct maildir_msg *msg)
{
	const struct maildir_scan_entry *entry;

	if (box->scan == NULL)
		return;
	entry = hash_table_lookup(box->scan, msg->base);
	if (entry == NULL ||
	    (msg->fname != NULL && strcmp(msg->fname, entry->fname) == 0 &&
	     msg->in_new == entry->in_new))
		return;
	if (msg->fname != NULL)
		xfree(msg->fname);
	msg->fname = xstrdup(entry->fname);
	msg->in_new = entry->in_new;
}

static void
view_add(struct mailbox *box, const struct mail_index_record *rec)
{
	struct maildir_msg *msg = array_push(&box->msgs);

	msg->uid = rec->uid;
	msg->flags = rec->flags;
	msg->received = (time_t)rec->received_time;
	msg->tz_offset = rec->received_tz_offset;
	msg->vsize = rec->virtual_size;
	msg->psize = rec->physical_size;
	msg->keywords = rec->keywords;
	msg->modseq = rec->modseq;
	msg->base = xstrdup(rec->name);
	msg->recent = box->recent_from_uid != 0 &&
		rec->uid >= box->recent_from_uid;
	if (msg->recent)
		box->recent_count++;
	view_set_fname(box, msg);
}

void
maildir_view_update(struct mailbox *box,
		    const struct mailbox_sync_callbacks *cb, void *context)
{
	const struct mail_index_header *hdr =
		mail_index_get_header(box->index);
	const struct mail_index_record *recs;
	unsigned int count, idx;
	uint32_t last_uid;

	recs = mail_index_get_records(box->index, &count);
	if (box->uid_validity != 0 && box->uid_validity != hdr->uid_validity) {
		e_warning(box->event, "UIDVALIDITY changed (%u -> %u)",
			  box->uid_validity, hdr->uid_validity);
		while (box->msgs.count > 0)
			view_remove(box, box->msgs.count - 1, cb, context);
	}
	for (size_t i = box->msgs.count; i > 0; i--) {
		if (mail_index_lookup_uid(box->index, box->msgs.v[i - 1].uid,
					  &idx) == 0)
			view_remove(box, i - 1, cb, context);
	}
	for (size_t i = 0; i < box->msgs.count; i++) {
		struct maildir_msg *msg = &box->msgs.v[i];

		if (mail_index_lookup_uid(box->index, msg->uid, &idx) == 0)
			continue;
		view_set_fname(box, msg);
		msg->modseq = recs[idx].modseq;
		if (recs[idx].flags == msg->flags &&
		    recs[idx].keywords == msg->keywords)
			continue;
		msg->flags = recs[idx].flags;
		msg->keywords = recs[idx].keywords;
		if (cb != NULL && cb->flags_changed != NULL)
			cb->flags_changed((uint32_t)i + 1, context);
	}
	last_uid = box->msgs.count == 0 ? 0 :
		box->msgs.v[box->msgs.count - 1].uid;
	for (unsigned int i = 0; i < count; i++) {
		if (recs[i].uid > last_uid)
			view_add(box, &recs[i]);
	}
	box->uid_validity = hdr->uid_validity;
	box->uid_next = hdr->next_uid;
	box->highest_modseq = hdr->highest_modseq;
}
