/* SPDX-License-Identifier: MIT */
/*
 * Input streams (istream.h). Every stream owns a buffer of at most
 * max_buffer_size bytes (+1 for the NUL that i_stream_next_line() writes);
 * the read contract is the one in istream.h. Implementations fill the
 * buffer through one vtable function, so streams stack.
 */
#include "lib.h"
#include "istream-private.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#define ISTREAM_INITIAL_BUFFER 4096

struct istream_private *
i_stream_private_create(const struct istream_vfuncs *v,
			size_t max_buffer_size)
{
	struct istream_private *s = xmalloc(sizeof(*s));

	s->istream.real = s;
	s->v = v;
	s->refcount = 1;
	s->max_buffer_size = max_buffer_size == 0 ? 1 : max_buffer_size;
	s->fd = -1;
	return s;
}

static ssize_t
fd_fill(struct istream_private *s, size_t avail)
{
	ssize_t ret;

	do {
		ret = read(s->fd, s->buffer + s->pos, avail);
	} while (ret < 0 && errno == EINTR);
	if (ret > 0)
		return ret;
	if (ret == 0) {
		s->istream.eof = true;
		return -1;
	}
	if (errno == EAGAIN)
		return 0;
	s->istream.stream_errno = errno;
	return -1;
}

static void
fd_close(struct istream_private *s)
{
	if (s->autoclose && s->fd >= 0)
		close(s->fd);
	s->fd = -1;
}

static int
fd_seek(struct istream_private *s, uoff_t offset)
{
	if (lseek(s->fd, (off_t)offset, SEEK_SET) < 0) {
		s->istream.stream_errno = errno;
		return -1;
	}
	return 0;
}

static int
fd_get_size(struct istream_private *s, uoff_t *size_r)
{
	struct stat st;

	if (fstat(s->fd, &st) < 0 || !S_ISREG(st.st_mode))
		return -1;
	*size_r = (uoff_t)st.st_size;
	return 0;
}

struct istream *
i_stream_create_fd(int fd, size_t max_buffer_size, bool autoclose)
{
	static const struct istream_vfuncs fd_vfuncs = {
		.fill = fd_fill, .close = fd_close, .seek = fd_seek,
		.get_size = fd_get_size,
	};
	struct istream_private *s =
		i_stream_private_create(&fd_vfuncs, max_buffer_size);

	s->fd = fd;
	s->autoclose = autoclose;
	return &s->istream;
}

struct istream *
i_stream_create_file(const char *path, size_t max_buffer_size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);

	if (fd < 0)
		return NULL;
	return i_stream_create_fd(fd, max_buffer_size, true);
}

static ssize_t
data_fill(struct istream_private *s, size_t avail)
{
	size_t n = MIN(avail, s->data_size - s->data_pos);

	if (n == 0) {
		s->istream.eof = true;
		return -1;
	}
	memcpy(s->buffer + s->pos, s->data + s->data_pos, n);
	s->data_pos += n;
	return (ssize_t)n;
}

static int
data_seek(struct istream_private *s, uoff_t offset)
{
	if (offset > s->data_size) {
		s->istream.stream_errno = EINVAL;
		return -1;
	}
	s->data_pos = (size_t)offset;
	return 0;
}

static int
data_get_size(struct istream_private *s, uoff_t *size_r)
{
	*size_r = s->data_size;
	return 0;
}

struct istream *
i_stream_create_from_data(const void *data, size_t size)
{
	static const struct istream_vfuncs data_vfuncs = {
		.fill = data_fill, .seek = data_seek,
		.get_size = data_get_size,
	};
	struct istream_private *s =
		i_stream_private_create(&data_vfuncs,
					size < 4096 ? 4096 : 65536);

	s->data = data;
	s->data_size = size;
	return &s->istream;
}

ssize_t
i_stream_private_parent_data(struct istream_private *s, const unsigned char **data_r)
{
	size_t size;

	*data_r = i_stream_get_data(s->parent, &size);
	if (size > 0)
		return (ssize_t)size;
	ssize_t ret = i_stream_read(s->parent);
	if (ret == -1) {
		s->istream.stream_errno = s->parent->stream_errno;
		return -1;
	}
	*data_r = i_stream_get_data(s->parent, &size);
	return (ssize_t)size;
}

static ssize_t
limit_fill(struct istream_private *s, size_t avail)
{
	const unsigned char *data;

	if (s->v_read >= s->v_size) {
		s->istream.eof = true;
		return -1;
	}
	ssize_t ret = i_stream_private_parent_data(s, &data);
	if (ret < 0) {
		if (s->istream.stream_errno == 0)
			s->istream.stream_errno = EPIPE;
		return -1;
	}
	size_t n = MIN((size_t)ret, avail);
	if (n > s->v_size - s->v_read)
		n = (size_t)(s->v_size - s->v_read);
	memcpy(s->buffer + s->pos, data, n);
	i_stream_skip(s->parent, n);
	s->v_read += n;
	return (ssize_t)n;
}

static int
limit_get_size(struct istream_private *s, uoff_t *size_r)
{
	*size_r = s->v_size;
	return 0;
}

void
i_stream_private_close_parent(struct istream_private *s)
{
	i_stream_unref(&s->parent);
}

struct istream *
i_stream_create_limit(struct istream *parent, uoff_t v_size)
{
	static const struct istream_vfuncs limit_vfuncs = {
		.fill = limit_fill, .close = i_stream_private_close_parent,
		.get_size = limit_get_size,
	};
	struct istream_private *s =
		i_stream_private_create(&limit_vfuncs,
					i_stream_get_max_buffer_size(parent));

	i_stream_ref(parent);
	s->parent = parent;
	s->v_size = v_size;
	return &s->istream;
}

static ssize_t
crlf_fill(struct istream_private *s, size_t avail)
{
	const unsigned char *data;
	size_t in = 0, out = 0;

	if (s->pending_lf) {
		s->buffer[s->pos + out++] = '\n';
		s->pending_lf = false;
		s->last_cr = false;
	}
	ssize_t ret = i_stream_private_parent_data(s, &data);
	if (ret < 0) {
		if (out > 0)
			return (ssize_t)out;
		if (s->istream.stream_errno == 0)
			s->istream.eof = true;
		return -1;
	}
	while (in < (size_t)ret && out < avail) {
		unsigned char c = data[in];
		if (c == '\n' && !s->last_cr) {
			s->buffer[s->pos + out++] = '\r';
			if (out == avail) {
				s->pending_lf = true;
				in++;
				break;
			}
		}
		s->buffer[s->pos + out++] = c;
		s->last_cr = c == '\r';
		in++;
	}
	i_stream_skip(s->parent, in);
	return (ssize_t)out;
}

struct istream *
i_stream_create_crlf(struct istream *parent)
{
	static const struct istream_vfuncs crlf_vfuncs = {
		.fill = crlf_fill, .close = i_stream_private_close_parent,
	};
	struct istream_private *s =
		i_stream_private_create(&crlf_vfuncs,
					i_stream_get_max_buffer_size(parent));

	i_stream_ref(parent);
	s->parent = parent;
	return &s->istream;
}

static ssize_t
concat_fill(struct istream_private *s, size_t avail)
{
	for (;;) {
		struct istream *in = s->inputs[s->cur_input];
		if (in == NULL) {
			s->istream.eof = true;
			return -1;
		}
		size_t size;
		const unsigned char *data = i_stream_get_data(in, &size);
		if (size == 0) {
			ssize_t ret = i_stream_read(in);
			if (ret == 0)
				return 0;
			if (ret == -1) {
				if (in->stream_errno != 0) {
					s->istream.stream_errno =
						in->stream_errno;
					return -1;
				}
				s->cur_input++;
			}
			continue;
		}
		size_t n = MIN(size, avail);
		memcpy(s->buffer + s->pos, data, n);
		i_stream_skip(in, n);
		return (ssize_t)n;
	}
}

static void
concat_close(struct istream_private *s)
{
	for (unsigned int i = 0; s->inputs[i] != NULL; i++)
		i_stream_unref(&s->inputs[i]);
	free(s->inputs);
}

struct istream *
i_stream_create_concat(struct istream *const *inputs)
{
	static const struct istream_vfuncs concat_vfuncs = {
		.fill = concat_fill, .close = concat_close,
	};
	struct istream_private *s =
		i_stream_private_create(&concat_vfuncs, 65536);
	unsigned int count = 0;

	while (inputs[count] != NULL)
		count++;
	s->inputs = xcalloc(count + 1, sizeof(*s->inputs));
	for (unsigned int i = 0; i < count; i++) {
		i_stream_ref(inputs[i]);
		s->inputs[i] = inputs[i];
	}
	return &s->istream;
}

void
i_stream_ref(struct istream *stream)
{
	stream->real->refcount++;
}

void
i_stream_unref(struct istream **_stream)
{
	struct istream *stream = *_stream;

	if (stream == NULL)
		return;
	*_stream = NULL;
	struct istream_private *s = stream->real;
	if (--s->refcount > 0)
		return;
	if (s->v->close != NULL)
		s->v->close(s);
	free(s->buffer);
	free(s);
}

/* Room for more data: compact, then grow up to max_buffer_size. */
static size_t
make_space(struct istream_private *s)
{
	if (s->skip > 0 && (s->pos == s->alloc || s->skip == s->pos)) {
		memmove(s->buffer, s->buffer + s->skip, s->pos - s->skip);
		s->pos -= s->skip;
		s->line_scan = s->line_scan > s->skip ?
			s->line_scan - s->skip : 0;
		s->skip = 0;
	}
	if (s->pos == s->alloc && s->alloc < s->max_buffer_size) {
		size_t new_alloc = s->alloc == 0 ?
			MIN(ISTREAM_INITIAL_BUFFER, s->max_buffer_size) :
			MIN(s->alloc * 2, s->max_buffer_size);
		s->buffer = xrealloc(s->buffer, new_alloc + 1);
		s->alloc = new_alloc;
	}
	return s->alloc - s->pos;
}

ssize_t
i_stream_read(struct istream *stream)
{
	struct istream_private *s = stream->real;

	if (stream->closed || stream->stream_errno != 0)
		return -1;
	if (stream->eof)
		return -1;
	size_t avail = make_space(s);
	if (avail == 0)
		return -2;
	ssize_t ret = s->v->fill(s, avail);
	if (ret > 0)
		s->pos += (size_t)ret;
	return ret;
}

const unsigned char *
i_stream_get_data(struct istream *stream, size_t *size_r)
{
	struct istream_private *s = stream->real;

	*size_r = s->pos - s->skip;
	return s->buffer == NULL ? (const unsigned char *)"" :
		s->buffer + s->skip;
}

void
i_stream_skip(struct istream *stream, size_t count)
{
	struct istream_private *s = stream->real;

	lib_assert(count <= s->pos - s->skip);
	s->skip += count;
	stream->v_offset += count;
	if (s->line_scan < s->skip)
		s->line_scan = s->skip;
}

char *
i_stream_next_line(struct istream *stream)
{
	struct istream_private *s = stream->real;
	unsigned char *lf;
	size_t end;

	if (s->buffer == NULL)
		return NULL;
	if (s->line_scan < s->skip)
		s->line_scan = s->skip;
	lf = memchr(s->buffer + s->line_scan, '\n', s->pos - s->line_scan);
	if (lf == NULL) {
		s->line_scan = s->pos;
		if (!stream->eof || s->pos == s->skip)
			return NULL;
		end = s->pos;	/* final line without LF */
	} else {
		end = (size_t)(lf - s->buffer);
	}
	char *line = (char *)s->buffer + s->skip;
	size_t consumed = (lf == NULL ? end : end + 1) - s->skip;
	if (end > s->skip && s->buffer[end - 1] == '\r')
		end--;
	s->buffer[end] = '\0';	/* alloc has +1 byte for this */
	s->skip += consumed;
	stream->v_offset += consumed;
	s->line_scan = s->skip;
	return line;
}

char *
i_stream_read_next_line(struct istream *stream, bool *full_r)
{
	*full_r = false;
	for (;;) {
		char *line = i_stream_next_line(stream);
		if (line != NULL)
			return line;
		ssize_t ret = i_stream_read(stream);
		if (ret == -2) {
			*full_r = true;
			return NULL;
		}
		if (ret == 0)
			return NULL;
		if (ret < 0)
			return i_stream_next_line(stream);
	}
}

int
i_stream_get_fd(const struct istream *stream)
{
	return stream->real->fd;
}

size_t
i_stream_get_max_buffer_size(const struct istream *stream)
{
	return stream->real->max_buffer_size;
}

void
i_stream_set_max_buffer_size(struct istream *stream, size_t max_size)
{
	struct istream_private *s = stream->real;

	s->max_buffer_size = MAX(max_size, s->alloc);
}

size_t
i_stream_get_buffered_size(const struct istream *stream)
{
	return stream->real->pos - stream->real->skip;
}

int
i_stream_seek(struct istream *stream, uoff_t v_offset)
{
	struct istream_private *s = stream->real;

	if (s->v->seek == NULL) {
		stream->stream_errno = ESPIPE;
		return -1;
	}
	if (s->v->seek(s, v_offset) < 0)
		return -1;
	s->skip = s->pos = s->line_scan = 0;
	stream->v_offset = v_offset;
	stream->eof = false;
	return 0;
}

int
i_stream_get_size(struct istream *stream, uoff_t *size_r)
{
	struct istream_private *s = stream->real;

	if (s->v->get_size == NULL)
		return -1;
	return s->v->get_size(s, size_r);
}

const char *
i_stream_get_error(const struct istream *stream)
{
	if (stream->stream_errno != 0)
		return strerror(stream->stream_errno);
	return stream->eof ? "EOF" : "no error";
}
