/* SPDX-License-Identifier: MIT */
/*
 * Output streams (ostream.h): write at once, buffer what the socket does not
 * take, arm IO_WRITE only after a partial write, report "full" above the
 * high-water mark and call the flush callback when below half of it.
 */
#include "lib.h"
#include "ioloop.h"
#include "istream.h"
#include "ostream.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

struct ostream_private {
	struct ostream ostream;
	int refcount;
	int fd;
	bool autoclose;
	bool corked;
	bool blocking;		/* not a socket/pipe: write until done */
	bool is_socket;		/* send(MSG_NOSIGNAL): no SIGPIPE */
	size_t max_buffer_size;
	unsigned char *buf;
	size_t buf_alloc, head, tail;	/* pending data is buf[head..tail) */
	struct io *io;
	ostream_flush_callback_t *callback;
	void *context;
	struct str *dest;	/* str stream */
};

static struct ostream_private *
stream_create(size_t max_buffer_size)
{
	struct ostream_private *s = xmalloc(sizeof(*s));

	s->ostream.real = s;
	s->refcount = 1;
	s->fd = -1;
	s->max_buffer_size = max_buffer_size == 0 ? 4096 : max_buffer_size;
	return s;
}

struct ostream *
o_stream_create_fd(int fd, size_t max_buffer_size, bool autoclose)
{
	struct ostream_private *s = stream_create(max_buffer_size);
	struct stat st;

	s->fd = fd;
	s->autoclose = autoclose;
	if (fstat(fd, &st) == 0) {
		s->blocking = S_ISREG(st.st_mode);
		s->is_socket = S_ISSOCK(st.st_mode);
	}
	return &s->ostream;
}

struct ostream *
o_stream_create_str(struct str *dest)
{
	struct ostream_private *s = stream_create(0);

	s->dest = dest;
	return &s->ostream;
}

void
o_stream_ref(struct ostream *stream)
{
	stream->real->refcount++;
}

void
o_stream_unref(struct ostream **_stream)
{
	struct ostream *stream = *_stream;

	if (stream == NULL)
		return;
	*_stream = NULL;
	struct ostream_private *s = stream->real;
	if (--s->refcount > 0)
		return;
	io_remove(&s->io);
	if (s->autoclose && s->fd >= 0)
		close(s->fd);
	free(s->buf);
	free(s);
}

static size_t
pending(const struct ostream_private *s)
{
	return s->tail - s->head;
}

static void stream_io_writable(struct ostream_private *s);

static ssize_t
stream_write(struct ostream_private *s, const void *data, size_t size)
{
	if (s->is_socket)
		return send(s->fd, data, size, MSG_NOSIGNAL);
	return write(s->fd, data, size);
}

static void
update_io(struct ostream_private *s, bool want)
{
	if (want && s->io == NULL && current_ioloop != NULL && s->fd >= 0)
		s->io = io_add(s->fd, IO_WRITE, stream_io_writable, s);
	else if (!want && s->io != NULL)
		io_remove(&s->io);
}

/* Write buffered data: 1 all written, 0 some left, -1 error. */
static int
buffer_flush(struct ostream_private *s)
{
	while (pending(s) > 0) {
		ssize_t ret = stream_write(s, s->buf + s->head, pending(s));
		if (ret < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN && !s->blocking)
				return 0;
			s->ostream.stream_errno = errno;
			return -1;
		}
		s->head += (size_t)ret;
	}
	s->head = s->tail = 0;
	return 1;
}

static void
buffer_add(struct ostream_private *s, const void *data, size_t size)
{
	size_t need;

	if (s->head > 0 && s->buf_alloc - s->tail < size) {
		memmove(s->buf, s->buf + s->head, pending(s));
		s->tail -= s->head;
		s->head = 0;
	}
	if (!size_add_ok(s->tail, size, &need))
		lib_panic("ostream buffer overflow");
	if (need > s->buf_alloc) {
		size_t new_alloc = s->buf_alloc < 4096 ? 4096 : s->buf_alloc;
		while (new_alloc < need)
			new_alloc *= 2;
		s->buf = xrealloc(s->buf, new_alloc);
		s->buf_alloc = new_alloc;
	}
	memcpy(s->buf + s->tail, data, size);
	s->tail += size;
}

ssize_t
o_stream_send(struct ostream *stream, const void *data, size_t size)
{
	struct ostream_private *s = stream->real;
	size_t done = 0;

	if (stream->stream_errno != 0 || stream->closed)
		return -1;
	if (s->dest != NULL) {
		str_append_n(s->dest, data, size);
		stream->offset += size;
		return (ssize_t)size;
	}
	if (!s->corked && pending(s) == 0) {
		while (done < size) {
			ssize_t ret = stream_write(s, (const char *)data + done,
						   size - done);
			if (ret < 0) {
				if (errno == EINTR)
					continue;
				if (errno == EAGAIN && !s->blocking)
					break;
				stream->stream_errno = errno;
				return -1;
			}
			done += (size_t)ret;
		}
	}
	if (done < size) {
		buffer_add(s, (const char *)data + done, size - done);
		if (!s->corked)
			update_io(s, true);
	}
	stream->offset += size;
	return (ssize_t)size;
}

ssize_t
o_stream_send_str(struct ostream *stream, const char *str)
{
	return o_stream_send(stream, str, strlen(str));
}

void
o_stream_cork(struct ostream *stream)
{
	stream->real->corked = true;
}

void
o_stream_uncork(struct ostream *stream)
{
	struct ostream_private *s = stream->real;

	s->corked = false;
	(void)o_stream_flush(stream);
}

int
o_stream_flush(struct ostream *stream)
{
	struct ostream_private *s = stream->real;

	if (stream->stream_errno != 0)
		return -1;
	if (s->dest != NULL)
		return 1;
	int ret = buffer_flush(s);
	if (ret < 0) {
		update_io(s, false);
		return -1;
	}
	/* partial write: wait for IO_WRITE. All written: keep an armed io
	   only for a flush callback (it may have asked to be called). */
	if (ret == 0)
		update_io(s, true);
	else if (s->callback == NULL)
		update_io(s, false);
	return ret;
}

static void
stream_io_writable(struct ostream_private *s)
{
	int ret = buffer_flush(s);

	if (ret < 0) {
		update_io(s, false);
		/* let the owner notice the error */
		if (s->callback != NULL)
			(void)s->callback(s->context);
		return;
	}
	if (pending(s) >= s->max_buffer_size / 2)
		return;
	if (s->callback == NULL) {
		if (ret > 0)
			update_io(s, false);
		return;
	}
	o_stream_ref(&s->ostream);
	int cret = s->callback(s->context);
	if (s->refcount > 1 && cret != 0 && pending(s) == 0)
		update_io(s, false);
	struct ostream *os = &s->ostream;
	o_stream_unref(&os);
}

size_t
o_stream_get_buffer_used_size(const struct ostream *stream)
{
	return pending(stream->real);
}

bool
o_stream_is_full(const struct ostream *stream)
{
	const struct ostream_private *s = stream->real;

	return s->dest == NULL && pending(s) >= s->max_buffer_size;
}

void
o_stream_set_flush_callback_(struct ostream *stream,
			     ostream_flush_callback_t *callback, void *context)
{
	stream->real->callback = callback;
	stream->real->context = context;
}

void
o_stream_unset_flush_callback(struct ostream *stream)
{
	stream->real->callback = NULL;
	stream->real->context = NULL;
}

/* Make the flush callback run soon even if nothing is buffered (the caller
   has more to produce once it is writable). */
void
o_stream_set_flush_pending(struct ostream *stream, bool pending_flush)
{
	update_io(stream->real, pending_flush ||
		  pending(stream->real) > 0);
}

int
o_stream_send_istream(struct ostream *output, struct istream *input)
{
	for (;;) {
		size_t size;
		const unsigned char *data = i_stream_get_data(input, &size);

		if (size == 0) {
			ssize_t ret = i_stream_read(input);
			if (ret == 0)
				return 0;
			if (ret == -1)
				return input->stream_errno != 0 ? -1 : 1;
			continue;
		}
		if (o_stream_is_full(output))
			return 0;
		if (o_stream_send(output, data, size) < 0)
			return -1;
		i_stream_skip(input, size);
	}
}

int
o_stream_finish(struct ostream *stream)
{
	struct ostream_private *s = stream->real;

	if (stream->stream_errno != 0)
		return -1;
	if (s->dest != NULL)
		return 0;
	s->corked = false;
	int ret = buffer_flush(s);
	if (ret < 0)
		return -1;
	/* a socket that would block: the rest goes out from the loop */
	if (ret == 0)
		update_io(s, true);
	return 0;
}

int
o_stream_get_fd(const struct ostream *stream)
{
	return stream->real->fd;
}

const char *
o_stream_get_error(const struct ostream *stream)
{
	return stream->stream_errno != 0 ?
		strerror(stream->stream_errno) : "no error";
}
