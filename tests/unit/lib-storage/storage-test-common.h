/* SPDX-License-Identifier: MIT */
/* Shared fixture for the lib-storage unit tests: a fresh Maildir user in
   a temporary directory. */
#ifndef STORAGE_TEST_COMMON_H
#define STORAGE_TEST_COMMON_H

#include "mail-storage.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

struct fixture {
	char base[128];
	char root[160];
	char loc[200];
	struct mail_user *user;
};

int storage_setup(void **state);
int storage_teardown(void **state);
void storage_reopen_user(struct fixture *f);
struct mailbox *storage_open(struct fixture *f, const char *name,
			     enum mailbox_flags flags);
uint32_t storage_save(struct mailbox *box, const char *data,
		      enum mail_flags flags, const char *const *keywords);
/* The message as a NUL-terminated heap string (xfree). */
char *storage_read(struct mailbox *box, uint32_t seq);
/* Number of regular files in <root>/<dir>/{cur,new}. */
unsigned int storage_count_files(struct fixture *f, const char *dir);
enum mail_error storage_last_error(struct fixture *f);
bool storage_path_exists(struct fixture *f, const char *rel);
/* Whole file below the root (xfree), NULL if missing. */
char *storage_read_file(struct fixture *f, const char *rel);

#endif
