/* SPDX-License-Identifier: MIT */
/* Internals of src/index shared by its .c files only. */
#ifndef ROOST_MAIL_INDEX_PRIVATE_H
#define ROOST_MAIL_INDEX_PRIVATE_H

#include "mail-index.h"

#include <sys/stat.h>

/* On-disk header offsets (all integers little-endian). */
#define HDR_OFF_MAGIC 0
#define HDR_OFF_MAJOR 4
#define HDR_OFF_MINOR 6
#define HDR_OFF_HEADER_SIZE 8
#define HDR_OFF_RECORD_SIZE 12
#define HDR_OFF_UID_VALIDITY 16
#define HDR_OFF_NEXT_UID 20
#define HDR_OFF_COUNT 24
#define HDR_OFF_FIRST_RECENT 28
#define HDR_OFF_GENERATION 32
#define HDR_OFF_HIGHEST_MODSEQ 40
#define HDR_OFF_NAMES_SIZE 48
#define HDR_OFF_FLAGS 52
#define HDR_OFF_RESERVED 56
#define HDR_OFF_CHECKSUM 60

/* On-disk record offsets. */
#define REC_OFF_UID 0
#define REC_OFF_FLAGS 4
#define REC_OFF_MODSEQ 8
#define REC_OFF_RECEIVED 16
#define REC_OFF_VSIZE 24
#define REC_OFF_PSIZE 32
#define REC_OFF_NAME_OFFSET 40
#define REC_OFF_NAME_LEN 44
#define REC_OFF_TZ 46

struct mail_index {
	int dir_fd;		/* borrowed */
	char *dir_path;
	struct log_event *event;
	int lock_fd;
	bool locked;

	struct mail_index_header hdr;
	/* names are xstrdup()ed, freed on removal */
	ARRAY(struct mail_index_record) records;

	/* identity of the file last read or written */
	bool have_stat;
	struct stat st;

	bool dirty;
	/* UID log lines of the pending changes */
	struct str *log_lines;
	/* the log must be rewritten as a snapshot at the next write */
	bool log_rewrite;
	uint32_t last_uid_validity;
	/* the last error text, returned in error_r */
	struct str *error;
};

static inline void
le_put16(unsigned char *p, uint16_t v)
{
	p[0] = v & 0xff; p[1] = v >> 8;
}
static inline void
le_put32(unsigned char *p, uint32_t v)
{
	for (unsigned int i = 0; i < 4; i++)
		p[i] = (v >> (8 * i)) & 0xff;
}
static inline void
le_put64(unsigned char *p, uint64_t v)
{
	for (unsigned int i = 0; i < 8; i++)
		p[i] = (v >> (8 * i)) & 0xff;
}
static inline uint16_t
le_get16(const unsigned char *p)
{
	return (uint16_t)(p[0] | (p[1] << 8));
}
static inline uint32_t
le_get32(const unsigned char *p)
{
	uint32_t v = 0;
	for (unsigned int i = 0; i < 4; i++)
		v |= (uint32_t)p[i] << (8 * i);
	return v;
}
static inline uint64_t
le_get64(const unsigned char *p)
{
	uint64_t v = 0;
	for (unsigned int i = 0; i < 8; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

/* Format the index's last error; borrowed until the next error. */
const char *mail_index_set_error(struct mail_index *index,
				 const char *fmt, ...) ATTR_FORMAT(2, 3);
void mail_index_clear_records(struct mail_index *index);
/* Parse a whole index file image into index (cleared first). -1 with a
   reason and offset on corruption (index left empty). */
int mail_index_parse(struct mail_index *index, const unsigned char *data,
		     size_t size, const char **reason_r, size_t *offset_r);
/* Encode the index into buf (cleared first). */
void mail_index_encode(const struct mail_index *index, struct buffer *buf);

/* Write all of data to fd; -1 with errno on failure. */
int mail_index_write_full(int fd, const void *data, size_t size);
/* Write data to tmp_name, fsync, rename over name, fsync the directory. */
int mail_index_replace_file(struct mail_index *index, const char *name,
			    const void *data, size_t size, struct stat *st_r,
			    const char **error_r);
/* Called from mail_index_write() after the index file is durable. */
void mail_index_log_commit(struct mail_index *index);

#endif
