/* SPDX-License-Identifier: MIT */
/* Memory-then-file spool (imap-spool.h). */
#include "lib.h"
#include "istream.h"
#include "imap-spool.h"

#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#define IMAP_SPOOL_READ_BUFFER (64 * 1024)

struct imap_spool {
	size_t mem_max;
	struct buffer *mem;	/* NULL once spilled to the file */
	int fd;
	uoff_t size;
	bool has_nul;
	int error_errno;
};

struct imap_spool *
imap_spool_create(size_t mem_max)
{
	struct imap_spool *spool = xcalloc(1, sizeof(*spool));

	spool->mem_max = mem_max;
	spool->mem = buffer_create(system_pool, 4096, mem_max);
	spool->fd = -1;
	return spool;
}

void
imap_spool_destroy(struct imap_spool **_spool)
{
	struct imap_spool *spool = *_spool;

	if (spool == NULL)
		return;
	*_spool = NULL;
	if (spool->mem != NULL)
		buffer_free(&spool->mem);
	if (spool->fd >= 0)
		(void)close(spool->fd);
	xfree(spool);
}

static int
spool_open_file(struct imap_spool *spool)
{
	const char *dir = getenv("TMPDIR");

	if (dir == NULL || dir[0] != '/')
		dir = "/tmp";
	spool->fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (spool->fd < 0) {
		spool->error_errno = errno;
		return -1;
	}
	return 0;
}

static int
spool_write_file(struct imap_spool *spool, const void *data, size_t size)
{
	const unsigned char *p = data;

	while (size > 0) {
		ssize_t ret = write(spool->fd, p, size);

		if (ret < 0) {
			if (errno == EINTR)
				continue;
			spool->error_errno = errno;
			return -1;
		}
		p += ret;
		size -= (size_t)ret;
	}
	return 0;
}

int
imap_spool_write(struct imap_spool *spool, const void *data, size_t size)
{
	if (!spool->has_nul && memchr(data, '\0', size) != NULL)
		spool->has_nul = true;
	spool->size += size;
	if (spool->mem != NULL && spool->mem->used + size <= spool->mem_max &&
	    buffer_append(spool->mem, data, size) == 0)
		return 0;
	if (spool->mem != NULL) {
		/* spill what is in memory first */
		if (spool_open_file(spool) < 0 ||
		    spool_write_file(spool, spool->mem->data,
				     spool->mem->used) < 0)
			return -1;
		buffer_free(&spool->mem);
	}
	return spool_write_file(spool, data, size);
}

uoff_t
imap_spool_get_size(const struct imap_spool *spool)
{
	return spool->size;
}

bool
imap_spool_has_nul(const struct imap_spool *spool)
{
	return spool->has_nul;
}

struct istream *
imap_spool_get_input(struct imap_spool *spool)
{
	struct istream *input;

	if (spool->mem != NULL)
		return i_stream_create_from_data(spool->mem->data,
						 spool->mem->used);
	(void)lseek(spool->fd, 0, SEEK_SET);
	input = i_stream_create_fd(spool->fd, IMAP_SPOOL_READ_BUFFER, false);
	return input;
}

const char *
imap_spool_get_error(const struct imap_spool *spool)
{
	return strerror(spool->error_errno);
}
