/* SPDX-License-Identifier: MIT */
/* Internals of the cache file (mail-cache*.c only). */
#ifndef ROOST_MAIL_CACHE_PRIVATE_H
#define ROOST_MAIL_CACHE_PRIVATE_H

#include "mail-cache.h"

#define CACHE_MAGIC 0x43414352U	/* "RCAC" */
#define CACHE_MAJOR_VERSION 1
#define CACHE_FIELD_SLOT 32
#define CACHE_HEADER_SIZE (64 + MAIL_CACHE_MAX_FIELDS * CACHE_FIELD_SLOT)
#define CACHE_OFF_MAGIC 0
#define CACHE_OFF_MAJOR 4
#define CACHE_OFF_MINOR 6
#define CACHE_OFF_HEADER_SIZE 8
#define CACHE_OFF_FILE_ID 12
#define CACHE_OFF_UID_VALIDITY 16
#define CACHE_OFF_FIELD_COUNT 20
#define CACHE_OFF_COMPACT_CHECK 24
#define CACHE_OFF_CHECKSUM 60
#define CACHE_OFF_FIELDS 64

#define CACHE_REC_HEADER_SIZE 24
/* a chain never has more hops than this (one per field, plus
   superseded values) */
#define CACHE_MAX_CHAIN 256
/* check for compaction once the file passes this size */
#define CACHE_COMPACT_MIN_SIZE (256U * 1024)

struct mail_cache {
	int fd;
	uint32_t file_id;
	unsigned int field_count;
	char fields[MAIL_CACHE_MAX_FIELDS][CACHE_FIELD_SLOT];
	uint32_t compact_check;
	uoff_t file_size;
	/* values added in this transaction, written at mail_index_write() */
	struct buffer *pending;
	bool warned;
};

/* mail-index-transaction.c */
void mail_index_set_cache_offset(struct mail_index *index, uint32_t uid,
				 uint32_t offset);
void mail_index_cache_reset(struct mail_index *index, uint32_t file_id);

/* mail-cache.c */
int mail_cache_parse_header(const unsigned char *hdr, size_t size,
			    struct mail_cache *c);
void mail_cache_encode_header(const struct mail_cache *c,
			      uint32_t uid_validity, unsigned char *hdr);
void mail_cache_close(struct mail_cache *c);
struct mail_cache *mail_cache_get(struct mail_index *index);
void mail_cache_warn(struct mail_index *index, uoff_t offset,
		     const char *reason);
int mail_cache_reread_header(struct mail_index *index, struct mail_cache *c);
/* 0 with the file the index points to open, -1 none. */
int mail_cache_open(struct mail_index *index);
uint32_t mail_cache_new_file_id(uint32_t old_id);
/* 1 ok, 0 not there (yet), -1 garbled (logged). */
int mail_cache_read_record(struct mail_index *index, struct mail_cache *c,
			   uint32_t offset, uint32_t uid,
			   unsigned char rec[CACHE_REC_HEADER_SIZE]);

#endif
