/* SPDX-License-Identifier: MIT */
/*
 * Saving into a Maildir: the message is written to tmp/ with bare LF
 * normalized to CRLF, fsynced, linked into new/ (or cur/ when it has
 * flags), the directory fsynced, and the UID assigned in the index, durably,
 * before mailbox_save() returns. On any failure nothing is left in tmp/,
 * new/ or cur/.
 */
#include "lib.h"
#include "istream.h"
#include "mail-storage-private.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#define SAVE_OUT_BUFFER_SIZE 8192

struct save_ctx {
	struct mailbox *box;
	pool_t pool;
	int fd;
	unsigned char out[SAVE_OUT_BUFFER_SIZE];
	size_t out_used;
	uoff_t size;
	bool last_cr;
	int err;		/* errno of a write failure */
	const char *error;	/* detail of an input or write failure */
};

static int
write_all(int fd, const unsigned char *data, size_t size)
{
	while (size > 0) {
		ssize_t ret = write(fd, data, size);
		if (ret < 0 && errno == EINTR)
			continue;
		if (ret < 0)
			return -1;
		if (ret == 0) {
			errno = ENOSPC;
			return -1;
		}
		data += ret;
		size -= (size_t)ret;
	}
	return 0;
}

static int
out_flush(struct save_ctx *ctx)
{
	if (write_all(ctx->fd, ctx->out, ctx->out_used) < 0) {
		ctx->err = errno;
		ctx->error = p_strdup_printf(ctx->pool, "write(tmp file): %s",
					     strerror(errno));
		return -1;
	}
	ctx->size += ctx->out_used;
	ctx->out_used = 0;
	return 0;
}

static int
out_byte(struct save_ctx *ctx, unsigned char c)
{
	if (ctx->out_used == sizeof(ctx->out) && out_flush(ctx) < 0)
		return -1;
	ctx->out[ctx->out_used++] = c;
	return 0;
}

/* Copy data, adding CR before every LF that has none. */
static int
save_data(struct save_ctx *ctx, const unsigned char *data, size_t size)
{
	for (size_t i = 0; i < size; i++) {
		if (data[i] == '\n' && !ctx->last_cr && out_byte(ctx, '\r') < 0)
			return -1;
		if (out_byte(ctx, data[i]) < 0)
			return -1;
		ctx->last_cr = data[i] == '\r';
	}
	return 0;
}

static int
save_input(struct save_ctx *ctx, struct istream *input)
{
	const unsigned char *data;
	size_t size;
	ssize_t ret;

	for (;;) {
		ret = i_stream_read(input);
		data = i_stream_get_data(input, &size);
		if (size > 0) {
			if (save_data(ctx, data, size) < 0)
				return -1;
			i_stream_skip(input, size);
		}
		if (ret == -1)
			break;
		if (ret == -2 && size == 0) {
			ctx->err = EIO;
			ctx->error = "input stream has no buffer space";
			return -1;
		}
		if (ret == 0) {
			/* a non-blocking source with no data: the API
			   reads until EOF and cannot wait */
			ctx->err = EAGAIN;
			ctx->error = "input stream would block";
			return -1;
		}
	}
	if (input->stream_errno != 0) {
		ctx->err = EIO;
		ctx->error = p_strdup_printf(ctx->pool, "read(input): %s",
					     i_stream_get_error(input));
		return -1;
	}
	return out_flush(ctx);
}

static int
save_tmp_file(struct save_ctx *ctx, const char *tmp_name,
	      struct istream *input, time_t received_date)
{
	struct mailbox *box = ctx->box;
	struct timespec ts[2];

	ctx->fd = openat(box->tmp_fd, tmp_name, O_WRONLY | O_CREAT | O_EXCL |
			 O_NOFOLLOW | O_CLOEXEC, 0600);
	if (ctx->fd < 0) {
		ctx->err = errno;
		ctx->error = p_strdup_printf(ctx->pool, "open(%s/tmp/%s): %s",
					     box->path, tmp_name,
					     strerror(errno));
		return -1;
	}
	int ret = save_input(ctx, input);
	if (ret == 0 && received_date > 0) {
		/* Maildir keeps the received date in the file's mtime */
		ts[0].tv_sec = ts[1].tv_sec = received_date;
		ts[0].tv_nsec = ts[1].tv_nsec = 0;
		(void)futimens(ctx->fd, ts);
	}
	if (ret == 0 && fsync(ctx->fd) < 0) {
		ctx->err = errno;
		ctx->error = p_strdup_printf(ctx->pool, "fsync(tmp file): %s",
					     strerror(errno));
		ret = -1;
	}
	if (close(ctx->fd) < 0 && ret == 0) {
		ctx->err = errno;
		ctx->error = p_strdup_printf(ctx->pool, "close(tmp file): %s",
					     strerror(errno));
		ret = -1;
	}
	ctx->fd = -1;
	return ret;
}

/* Link tmp/<tmp_name> as <dest_fname> into new/ or cur/ and fsync it. */
static int
save_link(struct save_ctx *ctx, const char *tmp_name, int dest_fd,
	  const char *dest_fname)
{
	if (linkat(ctx->box->tmp_fd, tmp_name, dest_fd, dest_fname, 0) < 0) {
		ctx->err = errno;
		ctx->error = p_strdup_printf(ctx->pool, "link(%s/tmp/%s): %s",
					     ctx->box->path, tmp_name,
					     strerror(errno));
		return -1;
	}
	if (fsync(dest_fd) < 0) {
		ctx->err = errno;
		ctx->error = p_strdup_printf(ctx->pool, "fsync(%s): %s",
					     ctx->box->path, strerror(errno));
		(void)unlinkat(dest_fd, dest_fname, 0);
		return -1;
	}
	return 0;
}

int
maildir_save_assign_uid(struct mailbox *box, const char *base,
			const struct mail_index_record *tmpl, uint32_t *uid_r)
{
	struct mail_index_record rec;
	unsigned int idx;

	if (maildir_index_begin(box, false) < 0)
		return -1;
	/* a concurrent sync may have indexed the file already */
	if (mail_index_lookup_name(box->index, base, &idx) > 0) {
		unsigned int count;
		*uid_r = mail_index_get_records(box->index, &count)[idx].uid;
		return maildir_index_end(box);
	}
	rec = *tmpl;
	rec.uid = mail_index_get_header(box->index)->next_uid;
	rec.name = base;
	if (mail_index_append(box->index, &rec) < 0) {
		maildir_index_abort(box);
		mail_user_set_internal_error(box->user, box->event, EINVAL,
			"Cannot append the saved message to the index");
		return -1;
	}
	*uid_r = rec.uid;
	return maildir_index_end(box);
}

int
maildir_save_tmp(struct mailbox *box, pool_t pool, struct istream *input,
		 time_t received, const char **tmp_name_r, uoff_t *size_r)
{
	struct save_ctx ctx;
	const char *tmp_name;

	memset(&ctx, 0, sizeof(ctx));
	ctx.box = box;
	ctx.fd = -1;
	ctx.pool = pool;
	tmp_name = maildir_filename_generate(box->user, pool);
	if (save_tmp_file(&ctx, tmp_name, input, received) < 0) {
		(void)unlinkat(box->tmp_fd, tmp_name, 0);
		mail_user_set_internal_error(box->user, box->event, ctx.err,
					     "Saving to %s failed: %s",
					     box->path, ctx.error);
		return -1;
	}
	*tmp_name_r = tmp_name;
	*size_r = ctx.size;
	return 0;
}

/* Define the keywords in the index and get their file name letters. */
static int
save_prepare_keywords(struct mailbox *box, const char *const *keywords,
		      pool_t pool, uint64_t *bits_r, const char **letters_r)
{
	*bits_r = 0;
	*letters_r = "";
	if (keywords == NULL || keywords[0] == NULL)
		return 0;
	if (maildir_index_begin(box, false) < 0)
		return -1;
	if (maildir_keywords_names_to_bits(box, keywords, bits_r) < 0 ||
	    maildir_keywords_to_letters(box, *bits_r, NULL, pool,
					letters_r) < 0) {
		maildir_index_abort(box);
		return -1;
	}
	return maildir_index_end(box);
}

int
mailbox_save(struct mailbox *box, struct istream *input,
	     time_t received_date, enum mail_flags flags, uint32_t *uid_r)
{
	struct mail_save_params params;

	memset(&params, 0, sizeof(params));
	params.received_date = received_date;
	params.flags = flags;
	return mailbox_save_full(box, input, &params, uid_r);
}

int
mailbox_save_full(struct mailbox *box, struct istream *input,
		  const struct mail_save_params *params, uint32_t *uid_r)
{
	struct mail_index_record tmpl;
	struct save_ctx ctx;
	const char *tmp_name, *base, *fname, *letters;
	uint32_t stored_flags = params->flags & MAIL_FLAGS_MASK;
	time_t received_date = params->received_date;
	int dest_fd;

	mail_user_clear_error(box->user);
	if ((box->flags & MAILBOX_FLAG_READONLY) != 0) {
		mail_user_set_error(box->user, MAIL_ERROR_PERM,
				    "Mailbox is read-only");
		return -1;
	}
	memset(&ctx, 0, sizeof(ctx));
	memset(&tmpl, 0, sizeof(tmpl));
	ctx.box = box;
	ctx.fd = -1;
	ctx.pool = pool_create_arena("maildir save", 512);
	if (save_prepare_keywords(box, params->keywords, ctx.pool,
				  &tmpl.keywords, &letters) < 0) {
		pool_destroy(&ctx.pool);
		return -1;
	}
	if (received_date <= 0)
		received_date = time(NULL);
	tmp_name = maildir_filename_generate(box->user, ctx.pool);
	if (save_tmp_file(&ctx, tmp_name, input, received_date) < 0)
		goto fail_tmp;
	base = p_strdup_printf(ctx.pool, "%s,S=%llu,W=%llu", tmp_name,
			       (unsigned long long)ctx.size,
			       (unsigned long long)ctx.size);
	dest_fd = stored_flags == 0 && letters[0] == '\0' ?
		box->new_fd : box->cur_fd;
	fname = dest_fd == box->new_fd ? base :
		maildir_filename_set_flags_kw(ctx.pool, base, stored_flags,
					      letters);
	if (save_link(&ctx, tmp_name, dest_fd, fname) < 0)
		goto fail_tmp;
	if (unlinkat(box->tmp_fd, tmp_name, 0) < 0) {
		e_warning(box->event, "unlink(%s/tmp/%s): %s", box->path,
			  tmp_name, strerror(errno));
	}
	tmpl.flags = stored_flags;
	tmpl.received_time = received_date;
	tmpl.received_tz_offset = (int16_t)(params->have_tz ?
		params->received_tz_offset :
		maildir_local_tz_offset(received_date));
	tmpl.virtual_size = tmpl.physical_size = ctx.size;
	if (maildir_save_assign_uid(box, base, &tmpl, uid_r) < 0) {
		/* not durable in the index: take the mail back, the sender
		   will retry */
		(void)unlinkat(dest_fd, fname, 0);
		pool_destroy(&ctx.pool);
		return -1;
	}
	pool_destroy(&ctx.pool);
	return 0;

fail_tmp:
	(void)unlinkat(box->tmp_fd, tmp_name, 0);
	mail_user_set_internal_error(box->user, box->event, ctx.err,
				     "Saving to %s failed: %s", box->path,
				     ctx.error);
	pool_destroy(&ctx.pool);
	return -1;
}
