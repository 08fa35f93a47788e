/* SPDX-License-Identifier: MIT */
/*
 * Input streams. Non-blocking (for sockets), stackable (fd, in-memory data,
 * a limit/literal window over a parent; TLS and decompression later), each
 * with an explicit maximum buffer size that is also the line-length limit:
 * a line of max_buffer_size bytes INCLUDING its LF (or CRLF) still fits, one
 * byte more and i_stream_read() returns -2 with no LF buffered.
 *
 * Read contract, i_stream_read():
 *    >0  bytes were added to the buffer
 *     0  nothing available now (would block); wait for IO_READ
 *    -1  EOF (stream->eof, stream_errno == 0) or error (stream_errno != 0)
 *    -2  buffer full: the caller must consume (i_stream_skip) or treat it
 *        as "line too long"
 * Data returned by i_stream_get_data()/i_stream_next_line() is borrowed from
 * the stream and valid until the next read or skip.
 */
#ifndef ROOST_ISTREAM_H
#define ROOST_ISTREAM_H

struct istream {
	uoff_t v_offset;	/* bytes consumed so far (skipped) */
	int stream_errno;	/* errno of the failure, 0 if none */
	bool eof;		/* no more data will come */
	bool closed;
	/* private to the implementation from here on */
	struct istream_private *real;
};

/* fd may be a socket (set non-blocking by the caller) or a regular file. If
   autoclose, i_stream_destroy() closes fd. */
struct istream *i_stream_create_fd(int fd, size_t max_buffer_size,
				   bool autoclose);
/* Open path read-only; NULL and errno on failure. */
struct istream *i_stream_create_file(const char *path, size_t max_buffer_size);
/* Stream over memory the caller keeps alive (tests, small data). */
struct istream *i_stream_create_from_data(const void *data, size_t size);
/* Exactly v_size bytes from parent starting at its current offset, then EOF
   (an IMAP literal, a BODY[] part). If parent ends early, reading gives -1
   with stream_errno = EPIPE. The parent must not be read directly until this
   stream is destroyed; consumed bytes are consumed from the parent. */
struct istream *i_stream_create_limit(struct istream *parent, uoff_t v_size);
/* LF -> CRLF conversion over parent (an existing CRLF is left alone), for
   serving mail files stored with bare LF. */
struct istream *i_stream_create_crlf(struct istream *parent);
/* The inputs one after another (NULL-terminated array; each is referenced
   and released when this stream is destroyed). */
struct istream *i_stream_create_concat(struct istream *const *inputs);
void i_stream_ref(struct istream *stream);
void i_stream_unref(struct istream **stream);
/* Close the fd (if autoclose) and free; sets *stream to NULL. */
#define i_stream_destroy(stream) i_stream_unref(stream)

ssize_t i_stream_read(struct istream *stream);
const unsigned char *i_stream_get_data(struct istream *stream, size_t *size_r);
void i_stream_skip(struct istream *stream, size_t count);
/* Next line without its LF (and CR before it), NUL-terminated, consumed; NULL
   if no complete line is buffered (read more; if read returns -2 the line is
   longer than the buffer). Once the stream is at EOF, a final line without
   LF is returned too. */
char *i_stream_next_line(struct istream *stream);
/* Read until a complete line is buffered or it blocks / fails; returns the
   line or NULL (check eof/stream_errno, or buffer full via *full_r). For
   blocking fds (files) this is a plain line reader. */
char *i_stream_read_next_line(struct istream *stream, bool *full_r);
int i_stream_get_fd(const struct istream *stream);
size_t i_stream_get_max_buffer_size(const struct istream *stream);
void i_stream_set_max_buffer_size(struct istream *stream, size_t max_size);
/* Bytes currently buffered and not yet consumed. */
size_t i_stream_get_buffered_size(const struct istream *stream);
/* Seek a file stream to an absolute offset (files and data streams). */
int i_stream_seek(struct istream *stream, uoff_t v_offset) ATTR_NODISCARD;
/* Size of the underlying file or data, -1 if unknown (sockets). */
int i_stream_get_size(struct istream *stream, uoff_t *size_r);
const char *i_stream_get_error(const struct istream *stream);

#endif
