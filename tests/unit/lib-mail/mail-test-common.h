/* SPDX-License-Identifier: MIT */
/* Helpers shared by the lib-mail unit tests. */
#ifndef ROOST_MAIL_TEST_COMMON_H
#define ROOST_MAIL_TEST_COMMON_H

#include "message-parser.h"

/* Parse data fed through a non-blocking pipe in pieces: first split
   bytes, then step bytes at a time (step 0 = all the rest). Returns
   "BODYSTRUCTURE\nENVELOPE" of the result, from pool. */
const char *mail_test_parse_split(pool_t pool, const char *data, size_t size,
				  size_t split, size_t step,
				  const struct message_parser_limits *limits);
/* Same for one piece. */
const char *mail_test_describe(pool_t pool, const struct message_part *root);

#endif
