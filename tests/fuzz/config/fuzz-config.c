/* SPDX-License-Identifier: MIT */
/*
 * Fuzz the configuration loader (src/lib/settings.h config_load()).
 *
 * Input: the main file, optionally followed by a NUL and the contents of
 * "inc.conf" beside it (so "!include inc.conf", "!include_try *.conf" and
 * include loops are reachable). Both are written to a private temp folder.
 * Inputs whose "!include" lines name anything outside that folder (a '/'
 * or '\' on the line) are ignored: the harness must not read the host's
 * files. Properties:
 *  - a refused file yields errors, each line starting with "FILE:LINE: ";
 *  - an accepted file answers every typed getter of the schema and every
 *    block value without a panic, and its "roost -n" dump
 *    (config_dump_nondefaults()), loaded again, is accepted and dumps the
 *    same text (the dump is valid configuration that reads back the same;
 *    except for values with control characters, which the dump shows
 *    escaped as "\xNN" for people, and which then read back differently).
 */
#include "lib.h"
#include "settings.h"
#include "fuzz-common.h"

#include <fcntl.h>
#include <unistd.h>

#define FUZZ_MAX_INPUT (16 * 1024)

static char fuzz_dir[256];
/* the dump is beside the folder, out of reach of "!include *" */
static char main_path[300], inc_path[300], dump_path[300];

static void
remove_files(void)
{
	(void)unlink(main_path);
	(void)unlink(inc_path);
	(void)unlink(dump_path);
	(void)rmdir(fuzz_dir);
}

static void
write_file(const char *path, const void *data, size_t size)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	if (fd < 0)
		fuzz_fail("open(%s): %s", path, strerror(errno));
	if (write(fd, data, size) != (ssize_t)size)
		fuzz_fail("write(%s): %s", path, strerror(errno));
	close(fd);
}

/* true if some "include" line could leave fuzz_dir */
static bool
includes_outside(const char *data, size_t size)
{
	size_t pos = 0;

	while (pos < size) {
		const char *nl = memchr(data + pos, '\n', size - pos);
		size_t end = nl == NULL ? size : (size_t)(nl - data);
		const char *line = data + pos;
		size_t len = end - pos;

		pos = end + 1;
		if (memmem(line, len, "include", 7) == NULL)
			continue;
		if (memchr(line, '/', len) != NULL ||
		    memchr(line, '\\', len) != NULL)
			return true;
	}
	return false;
}

static void
check_getters(const struct config *config)
{
	pool_t pool = pool_create_arena("fuzz config get", 512);

	for (unsigned int i = 0; roost_setting_defs[i].key != NULL; i++) {
		const struct setting_def *def = &roost_setting_defs[i];

		fuzz_check(config_get(config, def->key) != NULL);
		switch (def->type) {
		case SET_UINT: (void)config_get_uint(config, def->key); break;
		case SET_BOOL: (void)config_get_bool(config, def->key); break;
		case SET_SIZE: (void)config_get_size(config, def->key); break;
		case SET_TIME:
			(void)config_get_time_msecs(config, def->key);
			break;
		case SET_LIST:
			fuzz_check(config_get_list(config, def->key,
						   pool) != NULL);
			break;
		case SET_STR:
		case SET_ENUM:
			break;
		}
	}
	for (unsigned int i = 0; roost_setting_block_defs[i].type != NULL; i++) {
		const struct setting_block_def *bdef =
			&roost_setting_block_defs[i];
		unsigned int count = config_block_count(config, bdef->type);

		for (unsigned int j = 0; j < count; j++) {
			const struct config_block *block =
				config_block_get(config, bdef->type, j);

			fuzz_check(strcmp(block->type, bdef->type) == 0);
			for (unsigned int k = 0; bdef->defs[k].key != NULL; k++)
				fuzz_check(config_block_value(
					block, bdef->defs[k].key) != NULL);
		}
	}
	pool_destroy(&pool);
}

static void
check_errors(const struct str *errors)
{
	const char *p = str_c(errors);

	fuzz_check(str_len(errors) > 0);
	while (*p != '\0') {
		const char *nl = strchr(p, '\n');

		fuzz_check(nl != NULL);
		fuzz_check(str_begins(p, fuzz_dir) || str_begins(p, "-o "));
		fuzz_check(memchr(p, ':', (size_t)(nl - p)) != NULL);
		p = nl + 1;
	}
}

/* The -n dump of config must load again and dump the same. */
static void
check_dump(const struct config *config)
{
	struct str *dump = str_create(system_pool, 256);
	struct str *dump2 = str_create(system_pool, 256);
	struct str *errors = str_create(system_pool, 256);
	struct config *config2;

	config_dump_nondefaults(config, dump);
	write_file(dump_path, str_c(dump), str_len(dump));
	if (config_load(dump_path, NULL, &config2, errors) < 0)
		fuzz_fail("the dump does not load:\n%s\nerrors:\n%s",
			  str_c(dump), str_c(errors));
	config_dump_nondefaults(config2, dump2);
	/* settings-dump.c shows control characters in values as "\x16",
	   which reads back as "x16": by design, -n output is for people */
	if (strstr(str_c(dump), "\\x") == NULL &&
	    strcmp(str_c(dump), str_c(dump2)) != 0)
		fuzz_fail("dump differs after reload:\n%s\n---\n%s",
			  str_c(dump), str_c(dump2));
	str_truncate(dump2, 0);
	config_dump_all(config2, dump2);
	config_free(&config2);
	str_free(&dump);
	str_free(&dump2);
	str_free(&errors);
}

int
LLVMFuzzerInitialize(int *argc ATTR_UNUSED, char ***argv ATTR_UNUSED)
{
	fuzz_lib_init("fuzz-config");
	return 0;
}

/* A fresh folder per input ($TMPDIR or /tmp), removed afterwards: libFuzzer
   may end the process without running atexit handlers. */
static void
make_files_dir(void)
{
	const char *tmp = getenv("TMPDIR");

	if (tmp == NULL || tmp[0] == '\0' || strlen(tmp) > 200)
		tmp = "/tmp";
	snprintf(fuzz_dir, sizeof(fuzz_dir), "%s/roost-fuzz-config.XXXXXX",
		 tmp);
	if (mkdtemp(fuzz_dir) == NULL)
		fuzz_fail("mkdtemp(%s): %s", fuzz_dir, strerror(errno));
	snprintf(main_path, sizeof(main_path), "%s/roost.conf", fuzz_dir);
	snprintf(inc_path, sizeof(inc_path), "%s/inc.conf", fuzz_dir);
	snprintf(dump_path, sizeof(dump_path), "%s.dump", fuzz_dir);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	const char *nul = memchr(text, '\0', size);
	size_t main_size = nul == NULL ? size : (size_t)(nul - text);
	struct str *errors;
	struct config *config;

	if (size > FUZZ_MAX_INPUT || includes_outside(text, size))
		return 0;
	make_files_dir();
	write_file(main_path, text, main_size);
	if (nul != NULL)
		write_file(inc_path, nul + 1, size - main_size - 1);

	errors = str_create(system_pool, 256);
	if (config_load(main_path, NULL, &config, errors) < 0) {
		check_errors(errors);
	} else {
		fuzz_check(str_len(errors) == 0);
		fuzz_check(strcmp(config_get_path(config), main_path) == 0);
		check_getters(config);
		check_dump(config);
		config_free(&config);
	}
	str_free(&errors);
	remove_files();
	return 0;
}
