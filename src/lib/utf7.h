/* SPDX-License-Identifier: MIT */
/* IMAP modified UTF-7 (RFC 3501 §5.1.3) <-> UTF-8 for mailbox names. */
#ifndef ROOST_UTF7_H
#define ROOST_UTF7_H

/* Appends the mUTF-7 form of a valid UTF-8 name. -1 on invalid UTF-8
   (dest is then left as it was). */
int imap_utf8_to_utf7(const char *src, struct str *dest) ATTR_NODISCARD;
/* Appends the UTF-8 form. Rejects (-1) every non-canonical encoding: bad
   base64, non-zero leftover bits, "&-" spelled otherwise, a shift sequence
   that encodes printable ASCII, an empty "&...-" that is not "&-", two shift
   sequences back to back, unpaired surrogates, raw 8-bit bytes and raw
   control characters, and U+0000 (it would cut C strings short). On error
   dest is left as it was. */
int imap_utf7_to_utf8(const char *src, struct str *dest) ATTR_NODISCARD;
/* true if src is valid and canonical mUTF-7. */
bool imap_utf7_is_valid(const char *src);
/* true if src is valid UTF-8 (no overlongs, no surrogates, <= U+10FFFF). */
bool utf8_is_valid(const void *src, size_t size);

#endif
