/* SPDX-License-Identifier: MIT */
/*
 * Fuzz the passwd-file reader (src/auth/passwd-file.h): the input is a
 * whole file. Every line goes through passwd_file_parse_line(), and the
 * whole input through passwd_file_load_data() (the path the auth process
 * takes when it reads the file). Properties:
 *  - a parsed entry has a non-empty user without ':', ' ' or control
 *    characters, at most PASSWD_FILE_MAX_EXTRA_FIELDS extra fields, each
 *    findable with passwd_entry_get_extra(), and userdb fields that are a
 *    NULL-terminated vector;
 *  - every user that parses is found by passwd_file_lookup() after
 *    loading, with the password of its first line.
 */
#include "lib.h"
#include "hash.h"
#include "passwd-file.h"
#include "fuzz-common.h"

#define FUZZ_MAX_INPUT (256 * 1024)

static struct log_event *fuzz_event;

static void
check_entry(pool_t pool, const struct passwd_entry *entry)
{
	unsigned int i;

	fuzz_check(entry->user[0] != '\0');
	fuzz_check(strpbrk(entry->user, ": \t\r\n") == NULL);
	fuzz_check(entry->password != NULL && entry->home != NULL);
	fuzz_check(entry->extra_fields != NULL);
	/* no uid/gid field: 0, never stack garbage (parse_id() once left
	   them uninitialized; seed corpus/nul reproduces it) */
	fuzz_check(entry->has_uid || entry->uid == 0);
	fuzz_check(entry->has_gid || entry->gid == 0);
	for (i = 0; entry->extra_fields[i] != NULL; i++) {
		const char *field = entry->extra_fields[i];
		const char *eq = strchr(field, '=');
		const char *key = eq == NULL ? field :
			p_strndup(pool, field, (size_t)(eq - field));

		fuzz_check(field[0] != '\0' && field[0] != '=');
		fuzz_check(passwd_entry_get_extra(entry, key) != NULL);
	}
	fuzz_check(i <= PASSWD_FILE_MAX_EXTRA_FIELDS);

	const char *const *fields = passwd_entry_userdb_fields(entry, pool);
	for (i = 0; fields[i] != NULL; i++)
		fuzz_check(fields[i][0] != '\0');
}

/* The lines as the loader splits them: LF, an optional CR before it. */
static void
check_lines(pool_t pool, struct passwd_file *file, const char *data,
	    size_t size)
{
	struct hash_table *seen = hash_table_create_str(pool, 16);
	const struct passwd_entry *found;
	struct passwd_entry entry;
	const char *error;
	size_t pos = 0;

	while (pos < size) {
		const char *nl = memchr(data + pos, '\n', size - pos);
		size_t end = nl == NULL ? size : (size_t)(nl - data);
		size_t len = end - pos;

		if (len > 0 && data[pos + len - 1] == '\r')
			len--;
		char *line = p_strndup(pool, data + pos, len);
		pos = end + 1;
		if (strlen(line) != len)
			continue;	/* NUL: the loader skips the line */
		int ret = passwd_file_parse_line(pool, line, &entry, &error);
		if (ret <= 0) {
			fuzz_check(ret == 0 || error != NULL);
			continue;
		}
		check_entry(pool, &entry);
		if (passwd_file_lookup(file, entry.user, &found) != 1)
			fuzz_fail("user \"%s\" parses but is not found",
				  entry.user);
		if (hash_table_lookup(seen, entry.user) == NULL) {
			hash_table_insert(seen, (void *)entry.user, line);
			fuzz_check(strcmp(found->password, entry.password) == 0);
			fuzz_check(found->has_uid == entry.has_uid &&
				   found->has_gid == entry.has_gid);
			fuzz_check(!entry.has_uid || found->uid == entry.uid);
			fuzz_check(!entry.has_gid || found->gid == entry.gid);
		}
	}
	fuzz_check(hash_table_count(seen) == passwd_file_count(file));
	hash_table_destroy(&seen);
}

int
LLVMFuzzerInitialize(int *argc ATTR_UNUSED, char ***argv ATTR_UNUSED)
{
	fuzz_lib_init("fuzz-passwd-file");
	fuzz_event = log_event_create(NULL);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > FUZZ_MAX_INPUT)
		return 0;

	pool_t pool = pool_create_arena("fuzz passwd-file", 1024);
	struct passwd_file *file =
		passwd_file_create("fuzz-users", fuzz_event);

	passwd_file_load_data(file, (const char *)data, size);
	check_lines(pool, file, (const char *)data, size);
	passwd_file_destroy(&file);
	pool_destroy(&pool);
	return 0;
}
