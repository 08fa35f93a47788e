/* SPDX-License-Identifier: MIT */
/*
 * A write-once byte spool for data whose size must be known before it is
 * sent or saved: APPEND literals (saved through mailbox_save_full(),
 * which reads a blocking istream to its end) and decoded BINARY[] parts
 * (whose literal size is the decoded size). Up to mem_max bytes stay in
 * memory; past that everything goes to an unlinked temporary file
 * (O_TMPFILE in $TMPDIR or /tmp), so memory stays bounded whatever the
 * size.
 */
#ifndef ROOST_IMAP_SPOOL_H
#define ROOST_IMAP_SPOOL_H

struct istream;
struct imap_spool;

struct imap_spool *imap_spool_create(size_t mem_max);
void imap_spool_destroy(struct imap_spool **spool);
/* -1 on a write error to the temporary file (logged by the caller with
   imap_spool_get_error()). */
int imap_spool_write(struct imap_spool *spool, const void *data,
		     size_t size) ATTR_NODISCARD;
uoff_t imap_spool_get_size(const struct imap_spool *spool);
/* Did any written byte equal NUL? (BINARY: literal8 needed.) */
bool imap_spool_has_nul(const struct imap_spool *spool);
/* A blocking istream over everything written, from the start. The
   caller destroys it before the spool. */
struct istream *imap_spool_get_input(struct imap_spool *spool);
const char *imap_spool_get_error(const struct imap_spool *spool);

#endif
