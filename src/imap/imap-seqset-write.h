/* SPDX-License-Identifier: MIT */
/* Writing UID sets for response codes (APPENDUID, COPYUID; RFC 4315). */
#ifndef ROOST_IMAP_SEQSET_WRITE_H
#define ROOST_IMAP_SEQSET_WRITE_H

/* Append uids[0..count) as a sequence set, runs of consecutive values
   as "a:b", in the given order (COPYUID pairs source and destination
   sets by position, so the order is kept). */
void imap_uidset_append(struct str *dest, const uint32_t *uids,
			unsigned int count);

#endif
