/* SPDX-License-Identifier: MIT */
/*
 * The cache file ("roost.index.cache") of a mailbox index: opaque values
 * per (UID, field) that the storage fills on demand (envelope,
 * bodystructure, body, chosen headers, ...), so that FETCH and SEARCH do
 * not parse the message again. Format in doc/storage.md.
 *
 * Fields are registered by name in the cache file's header (at most
 * MAIL_CACHE_MAX_FIELDS; names are [a-z0-9.-_] up to
 * MAIL_CACHE_MAX_FIELD_NAME bytes, e.g. "envelope", "hdr.subject"). The
 * file is append-only: a value added again for the same (uid, field)
 * supersedes the old one. Each message's values form a chain whose head is
 * the record's cache_offset in the index (updated through the transaction
 * log). When the file is mostly dead (superseded or expunged values) it is
 * compacted at a write: rewritten with only the live values under a new
 * file id.
 *
 * The cache is disposable: a garbled header or value is logged with the
 * file and offset and only costs a miss (the writer then starts a new
 * cache file); it never affects messages, UIDs or flags.
 *
 * All functions take the mailbox's struct mail_index; lookups need no lock,
 * changes need it (mail_index_lock() + mail_index_refresh()) and become
 * visible to others at mail_index_write().
 */
#ifndef ROOST_MAIL_CACHE_H
#define ROOST_MAIL_CACHE_H

struct mail_index;

#define MAIL_CACHE_MAX_FIELDS 64
#define MAIL_CACHE_MAX_FIELD_NAME 31
/* Values larger than this are not cached (add returns -1). */
#define MAIL_CACHE_MAX_VALUE_SIZE (4U * 1024 * 1024)
/* The cache file never grows past this; adds fail until compaction. */
#define MAIL_CACHE_MAX_FILE_SIZE (1024U * 1024 * 1024)

/* Field id of name, defining it if needed (locked). -1 if the name is
   invalid, all fields are used, or the file cannot be written (logged). */
int mail_cache_register_field(struct mail_index *index, const char *name,
			      unsigned int *field_r) ATTR_NODISCARD;
/* 1 found (*field_r set), 0 not registered or no cache. */
int mail_cache_lookup_field(struct mail_index *index, const char *name,
			    unsigned int *field_r);

/* Store a value for (uid, field) (locked; uid must be in the index).
   0 ok, -1 too large / no such uid / I/O error (logged): not cached. */
int mail_cache_add(struct mail_index *index, uint32_t uid,
		   unsigned int field, const void *data, size_t size)
	ATTR_NODISCARD;
/* The newest value of (uid, field) appended to dest. 1 found, 0 not
   cached (or garbled: logged, counted as a miss). */
int mail_cache_lookup(struct mail_index *index, uint32_t uid,
		      unsigned int field, struct buffer *dest);

/* Rewrite the cache with only live values now (locked, refreshed, no
   pending changes; becomes visible at mail_index_write()). */
int mail_cache_compact(struct mail_index *index, const char **error_r)
	ATTR_NODISCARD;

/* Parse a cache file image header (fuzzing, tests): 0 ok, -1 corrupt. */
int mail_cache_parse_header_image(const void *data, size_t size,
				  uint32_t *file_id_r,
				  unsigned int *field_count_r);
/* Walk every record of a cache file image, checking each; returns the
   number of valid records before the first bad one (fuzzing, tests). */
unsigned int mail_cache_check_image(const void *data, size_t size);

#endif
