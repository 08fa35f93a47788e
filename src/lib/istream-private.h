/* SPDX-License-Identifier: MIT */
/*
 * The istream implementation interface: how a stream type (fd, data, limit,
 * crlf, concat in istream.c; TLS or decompression later, in their own
 * files) plugs into the common buffer and read contract. Include only from
 * stream implementations, never from users of istream.h.
 *
 * i_stream_read() makes room in the buffer (compacting, then growing up to
 * max_buffer_size; -2 when full) and calls v->fill(s, avail), which appends
 * at most avail bytes at s->buffer + s->pos and returns how many (>0), 0 if
 * nothing is available now, or -1 after setting istream.eof (end) or
 * istream.stream_errno (error). i_stream_read() then advances s->pos.
 */
#ifndef ROOST_ISTREAM_PRIVATE_H
#define ROOST_ISTREAM_PRIVATE_H

#include "istream.h"

struct istream_private;

struct istream_vfuncs {
	/* Required. See above. */
	ssize_t (*fill)(struct istream_private *s, size_t avail);
	/* Optional: release the type's resources (fd, parent, context). */
	void (*close)(struct istream_private *s);
	/* Optional: position the source at offset (the buffer is reset by
	   the caller); 0 or -1 with istream.stream_errno. */
	int (*seek)(struct istream_private *s, uoff_t offset);
	/* Optional: the total size; 0, or -1 if unknown. */
	int (*get_size)(struct istream_private *s, uoff_t *size_r);
};

struct istream_private {
	struct istream istream;
	const struct istream_vfuncs *v;
	int refcount;
	unsigned char *buffer;
	size_t alloc;		/* allocated, excluding the NUL byte */
	size_t max_buffer_size;
	size_t skip, pos;	/* unread data is buffer[skip..pos) */
	size_t line_scan;	/* next_line: bytes before this have no LF */

	int fd;			/* -1 if the stream has none */
	/* Stacked streams: the parent, referenced by the creator and
	   released by its close (i_stream_private_close_parent()). */
	struct istream *parent;
	/* Stream types outside istream.c keep their state here. */
	void *context;

	/* State of the types in istream.c. */
	bool autoclose;
	const unsigned char *data;	/* from-data */
	size_t data_size, data_pos;
	uoff_t v_size, v_read;		/* limit */
	bool pending_lf;		/* crlf: LF still to be written */
	bool last_cr;			/* crlf: previous byte was CR */
	struct istream **inputs;	/* concat, NULL-terminated */
	unsigned int cur_input;
};

/* A new stream of type v with refcount 1 and no buffer yet; the caller
   fills in its own fields and returns &s->istream. max_buffer_size 0 is
   taken as 1. */
struct istream_private *
i_stream_private_create(const struct istream_vfuncs *v,
			size_t max_buffer_size);
/* For stacked types' fill: the parent's unread data (reading it when
   empty). Returns its size (0: parent would block), or -1 with the
   parent's stream_errno copied (0 at the parent's EOF). The fill consumes
   from the parent with i_stream_skip(). */
ssize_t i_stream_private_parent_data(struct istream_private *s,
				     const unsigned char **data_r);
/* A close function for stacked types: unrefs s->parent. */
void i_stream_private_close_parent(struct istream_private *s);

#endif
