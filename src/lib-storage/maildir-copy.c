/* SPDX-License-Identifier: MIT */
/*
 * COPY and MOVE between Maildir folders. Each message gets a new unique
 * base name in the destination (so copying twice, or into the same
 * folder, never collides) and is hard-linked there with its flags and
 * keyword letters; when the file system refuses a link (another device,
 * link count limit) its bytes are copied through tmp/ instead. Then the
 * destination directories are fsynced and all new UIDs are assigned in one
 * index write. On any error the files created so far are removed, so
 * nothing of a failed copy stays visible. MOVE is a copy followed by the
 * expunge of the sources: a crash in between leaves both copies, never
 * none.
 */
#include "lib.h"
#include "istream.h"
#include "mail-storage-private.h"

#include <fcntl.h>
#include <unistd.h>

struct copy_item {
	struct maildir_msg *src;
	uint64_t dest_keywords;
	const char *letters;
	const char *base, *fname;
	bool in_new, created;
	uoff_t vsize, psize;
};

struct copy_ctx {
	struct mailbox *src, *dest;
	pool_t pool;
	struct copy_item *items;
	unsigned int count;
};

/* Keyword names of src bits -> dest bits and file letters. One lock round
   on dest, only if some message has keywords. */
static int
copy_map_keywords(struct copy_ctx *ctx)
{
	const char *const *src_names;
	const char **names;
	unsigned int name_count;
	bool any = false;

	for (unsigned int i = 0; i < ctx->count && !any; i++)
		any = ctx->items[i].src->keywords != 0;
	if (!any) {
		for (unsigned int i = 0; i < ctx->count; i++)
			ctx->items[i].letters = "";
		return 0;
	}
	/* copied: with src == dest the refresh below may replace them */
	src_names = mail_index_get_keywords(ctx->src->index, &name_count);
	names = p_malloc(ctx->pool, sizeof(*names) * (name_count + 1));
	for (unsigned int i = 0; i < name_count; i++)
		names[i] = p_strdup(ctx->pool, src_names[i]);
	if (maildir_index_begin(ctx->dest, false) < 0)
		return -1;
	for (unsigned int i = 0; i < ctx->count; i++) {
		struct copy_item *it = &ctx->items[i];
		ARRAY(const char *) kw;

		array_init(&kw, ctx->pool, 4);
		for (unsigned int k = 0; k < name_count && k < 64; k++) {
			if ((it->src->keywords & ((uint64_t)1 << k)) != 0)
				array_append(&kw, names[k]);
		}
		array_append(&kw, NULL);
		if (maildir_keywords_names_to_bits(ctx->dest,
			(const char *const *)kw.v, &it->dest_keywords) < 0 ||
		    maildir_keywords_to_letters(ctx->dest, it->dest_keywords,
						NULL, ctx->pool,
						&it->letters) < 0) {
			maildir_index_abort(ctx->dest);
			return -1;
		}
	}
	return maildir_index_end(ctx->dest);
}

static bool
link_errno_means_copy(int err)
{
	return err == EXDEV || err == EMLINK || err == EPERM ||
		err == ENOTSUP || err == EOPNOTSUPP;
}

/* Byte copy of the source (as CRLF) through dest's tmp/. */
static int
copy_bytes(struct copy_ctx *ctx, struct copy_item *it, uint32_t seq,
	   const char **tmp_name_r)
{
	struct istream *input;
	uoff_t size;
	int ret;

	if (mailbox_open_mail(ctx->src, seq, &input) < 0)
		return -1;
	ret = maildir_save_tmp(ctx->dest, ctx->pool, input,
			       it->src->received, tmp_name_r, &size);
	i_stream_unref(&input);
	if (ret < 0)
		return -1;
	it->vsize = it->psize = size;
	return 0;
}

static void
item_set_names(struct copy_ctx *ctx, struct copy_item *it, const char *gen)
{
	uint32_t flags = it->src->flags & MAIL_FLAGS_MASK;

	it->base = p_strdup_printf(ctx->pool, "%s,S=%llu,W=%llu", gen,
				   (unsigned long long)it->psize,
				   (unsigned long long)it->vsize);
	it->in_new = flags == 0 && it->letters[0] == '\0';
	it->fname = it->in_new ? it->base :
		maildir_filename_set_flags_kw(ctx->pool, it->base, flags,
					      it->letters);
}

static int
copy_one(struct copy_ctx *ctx, struct copy_item *it, uint32_t seq)
{
	struct mailbox *dest = ctx->dest;
	const char *tmp_name = NULL;
	int src_fd, dest_fd, ret;

	if ((ret = maildir_msg_ensure_fname(ctx->src, it->src)) <= 0)
		return -1;
	it->vsize = it->src->vsize;
	it->psize = it->src->psize;
	item_set_names(ctx, it, maildir_filename_generate(dest->user,
							  ctx->pool));
	dest_fd = it->in_new ? dest->new_fd : dest->cur_fd;
	src_fd = maildir_msg_dir_fd(ctx->src, it->src);
	if (linkat(src_fd, it->src->fname, dest_fd, it->fname, 0) == 0) {
		it->created = true;
		return 0;
	}
	if (errno == ENOENT) {
		/* renamed by another client meanwhile: find it again */
		xfree(it->src->fname);
		it->src->fname = NULL;
		if (maildir_msg_ensure_fname(ctx->src, it->src) <= 0)
			return -1;
		src_fd = maildir_msg_dir_fd(ctx->src, it->src);
		if (linkat(src_fd, it->src->fname, dest_fd, it->fname,
			   0) == 0) {
			it->created = true;
			return 0;
		}
	}
	if (!link_errno_means_copy(errno)) {
		mail_user_set_internal_error(dest->user, dest->event, errno,
			"link(%s/%s, %s/%s): %s", ctx->src->path,
			it->src->fname, dest->path, it->fname,
			strerror(errno));
		return -1;
	}
	if (copy_bytes(ctx, it, seq, &tmp_name) < 0)
		return -1;
	item_set_names(ctx, it, tmp_name);
	dest_fd = it->in_new ? dest->new_fd : dest->cur_fd;
	if (linkat(dest->tmp_fd, tmp_name, dest_fd, it->fname, 0) < 0) {
		mail_user_set_internal_error(dest->user, dest->event, errno,
			"link(%s/tmp/%s): %s", dest->path, tmp_name,
			strerror(errno));
		(void)unlinkat(dest->tmp_fd, tmp_name, 0);
		return -1;
	}
	(void)unlinkat(dest->tmp_fd, tmp_name, 0);
	it->created = true;
	return 0;
}

static void
copy_rollback(struct copy_ctx *ctx)
{
	for (unsigned int i = 0; i < ctx->count; i++) {
		struct copy_item *it = &ctx->items[i];
		if (!it->created)
			continue;
		(void)unlinkat(it->in_new ? ctx->dest->new_fd :
			       ctx->dest->cur_fd, it->fname, 0);
	}
}

static int
copy_sync_dirs(struct copy_ctx *ctx)
{
	if (fsync(ctx->dest->new_fd) < 0 || fsync(ctx->dest->cur_fd) < 0) {
		mail_user_set_internal_error(ctx->dest->user,
			ctx->dest->event, errno, "fsync(%s): %s",
			ctx->dest->path, strerror(errno));
		return -1;
	}
	return 0;
}

/* Assign the UIDs in one index write. */
static int
copy_assign_uids(struct copy_ctx *ctx, uint32_t *uids_r)
{
	struct mailbox *dest = ctx->dest;

	if (maildir_index_begin(dest, false) < 0)
		return -1;
	for (unsigned int i = 0; i < ctx->count; i++) {
		struct copy_item *it = &ctx->items[i];
		struct mail_index_record rec;
		unsigned int idx;

		if (mail_index_lookup_name(dest->index, it->base, &idx) > 0) {
			unsigned int n;
			uids_r[i] = mail_index_get_records(dest->index,
							   &n)[idx].uid;
			continue;
		}
		memset(&rec, 0, sizeof(rec));
		rec.uid = mail_index_get_header(dest->index)->next_uid;
		rec.flags = it->src->flags & MAIL_FLAGS_MASK;
		rec.keywords = it->dest_keywords;
		rec.received_time = it->src->received;
		rec.received_tz_offset = (int16_t)it->src->tz_offset;
		rec.virtual_size = it->vsize;
		rec.physical_size = it->psize;
		rec.name = it->base;
		if (mail_index_append(dest->index, &rec) < 0) {
			maildir_index_abort(dest);
			mail_user_set_internal_error(dest->user, dest->event,
				EINVAL, "Cannot append copied message %s to "
				"the index", it->base);
			return -1;
		}
		uids_r[i] = rec.uid;
	}
	return maildir_index_end(dest);
}

static int
copy_check(struct mailbox *src, const uint32_t *seqs, unsigned int count,
	   struct mailbox *dest)
{
	if ((dest->flags & MAILBOX_FLAG_READONLY) != 0) {
		mail_user_set_error(dest->user, MAIL_ERROR_PERM,
				    "Mailbox is read-only");
		return -1;
	}
	for (unsigned int i = 0; i < count; i++) {
		if (seqs[i] == 0 || seqs[i] > src->msgs.count) {
			mail_user_set_error(src->user, MAIL_ERROR_PARAMS,
					    "Invalid message sequence");
			return -1;
		}
	}
	return 0;
}

int
mailbox_copy(struct mailbox *src, const uint32_t *seqs, unsigned int count,
	     struct mailbox *dest, uint32_t *dest_uids_r)
{
	struct copy_ctx ctx;
	int ret = 0;

	mail_user_clear_error(src->user);
	mail_user_clear_error(dest->user);
	if (copy_check(src, seqs, count, dest) < 0)
		return -1;
	if (count == 0)
		return 0;
	memset(&ctx, 0, sizeof(ctx));
	ctx.src = src;
	ctx.dest = dest;
	ctx.count = count;
	ctx.pool = pool_create_arena("maildir copy", 1024);
	ctx.items = p_malloc(ctx.pool, sizeof(*ctx.items) * count);
	for (unsigned int i = 0; i < count; i++)
		ctx.items[i].src = &src->msgs.v[seqs[i] - 1];
	if (copy_map_keywords(&ctx) < 0)
		ret = -1;
	for (unsigned int i = 0; i < count && ret == 0; i++)
		ret = copy_one(&ctx, &ctx.items[i], seqs[i]);
	if (ret == 0)
		ret = copy_sync_dirs(&ctx);
	if (ret == 0)
		ret = copy_assign_uids(&ctx, dest_uids_r);
	if (ret < 0) {
		if (src->user != dest->user && dest->user->error !=
		    MAIL_ERROR_NONE) {
			mail_user_set_error(src->user, dest->user->error,
					    str_c(dest->user->error_str));
		}
		copy_rollback(&ctx);
	}
	pool_destroy(&ctx.pool);
	return ret;
}

int
mailbox_move(struct mailbox *src, const uint32_t *seqs, unsigned int count,
	     struct mailbox *dest, uint32_t *dest_uids_r,
	     const struct mailbox_sync_callbacks *cb, void *context)
{
	struct mail_range *ranges;
	int ret;

	if ((src->flags & MAILBOX_FLAG_READONLY) != 0) {
		mail_user_set_error(src->user, MAIL_ERROR_PERM,
				    "Mailbox is read-only");
		return -1;
	}
	if (mailbox_copy(src, seqs, count, dest, dest_uids_r) < 0)
		return -1;
	if (count == 0)
		return 0;
	ranges = xmalloc(sizeof(*ranges) * count);
	for (unsigned int i = 0; i < count; i++) {
		ranges[i].first = ranges[i].last =
			src->msgs.v[seqs[i] - 1].uid;
	}
	ret = mailbox_expunge_uids(src, ranges, count, cb, context);
	xfree(ranges);
	return ret;
}
