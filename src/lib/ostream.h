/* SPDX-License-Identifier: MIT */
/*
 * Output streams, non-blocking, with backpressure. o_stream_send() writes at
 * once when the socket takes it and buffers the rest; it never refuses data
 * (the caller bounds what it produces). When the buffered amount passes the
 * high-water mark (max_buffer_size) o_stream_is_full() turns true: the caller
 * must stop producing (remove its input io) and resume from the flush
 * callback, which runs when the buffer drains below half of the mark (or is
 * empty). Large payloads are streamed in pieces, never built in memory.
 *
 * Errors are deferred but enforced: after a write error every send returns
 * -1 and stream_errno is set; the caller checks before it finishes.
 */
#ifndef ROOST_OSTREAM_H
#define ROOST_OSTREAM_H

struct istream;

struct ostream {
	uoff_t offset;		/* total bytes accepted by o_stream_send */
	int stream_errno;
	bool closed;
	struct ostream_private *real;
};

/* Flush callback: return 1 when it has no more to send, 0 if it still has
   more to produce (it will be called again when the buffer drains), -1 on
   error. The default (none) just flushes the buffer. */
typedef int ostream_flush_callback_t(void *context);

struct ostream *o_stream_create_fd(int fd, size_t max_buffer_size,
				   bool autoclose);
/* In-memory output into str (tests and building small replies). */
struct ostream *o_stream_create_str(struct str *dest);
void o_stream_ref(struct ostream *stream);
void o_stream_unref(struct ostream **stream);
#define o_stream_destroy(stream) o_stream_unref(stream)

/* Returns size (all accepted) or -1 on error. */
ssize_t o_stream_send(struct ostream *stream, const void *data, size_t size);
ssize_t o_stream_send_str(struct ostream *stream, const char *str);
/* Delay writes until uncork (to merge small replies into one write). */
void o_stream_cork(struct ostream *stream);
void o_stream_uncork(struct ostream *stream);
/* 1 = all flushed, 0 = some still buffered (the flush io is armed), -1 =
   error. */
int o_stream_flush(struct ostream *stream);
size_t o_stream_get_buffer_used_size(const struct ostream *stream);
bool o_stream_is_full(const struct ostream *stream);
void o_stream_set_flush_callback_(struct ostream *stream,
				  ostream_flush_callback_t *callback,
				  void *context);
#define o_stream_set_flush_callback(stream, callback, context) \
	o_stream_set_flush_callback_((stream), \
		(ostream_flush_callback_t *)(callback), \
		(char *)(context) + CALLBACK_TYPECHECK(callback, \
			int (*)(__typeof__(context))))
void o_stream_unset_flush_callback(struct ostream *stream);
/* Ask for the flush callback to be called when the fd is writable even if
   nothing is buffered (the caller has more to produce). */
void o_stream_set_flush_pending(struct ostream *stream, bool pending);
/* Copy from input until input's EOF or until this stream is full. Returns 1
   when input is at EOF and all was sent, 0 if it must be called again (input
   would block or output full), -1 on error (either stream's errno set). */
int o_stream_send_istream(struct ostream *output, struct istream *input);
/* Flush (blocking for fd streams that are not sockets) and report whether
   any error happened: 0 ok, -1 error. */
int o_stream_finish(struct ostream *stream) ATTR_NODISCARD;
int o_stream_get_fd(const struct ostream *stream);
const char *o_stream_get_error(const struct ostream *stream);

#endif
