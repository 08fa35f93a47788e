/* SPDX-License-Identifier: MIT */
/*
 * roostadm: administration commands (doc/auth.md).
 *
 *   roostadm pw [-s SCHEME] [-l]
 *   roostadm auth test USER [-c CONFIG]
 *   roostadm user lookup USER [-c CONFIG]
 *   roostadm user list [MASK] [-c CONFIG]
 *   roostadm auth cache flush [-c CONFIG]
 *
 * -c may also come before the command.
 */
#include "lib.h"
#include "settings.h"
#include "admin.h"

static const char *global_config_path;

struct config *
admin_config_load(const char *path)
{
	struct str *errors = str_create(system_pool, 256);
	struct config *config;

	if (path == NULL)
		path = global_config_path;
	if (path == NULL)
		path = SYSCONFDIR "/roost/roost.conf";
	if (config_load(path, NULL, &config, errors) < 0) {
		fprintf(stderr, "roostadm: %s: the configuration has errors:\n"
			"%s", path, str_c(errors));
		config = NULL;
	}
	str_free(&errors);
	return config;
}

static int
usage(void)
{
	fprintf(stderr,
		"usage: roostadm [-c CONFIG] COMMAND ...\n"
		"  pw [-s SCHEME] [-l]          make a {SCHEME} password "
		"(read from the terminal or stdin)\n"
		"  auth test USER [-c CONFIG]   authenticate USER (password "
		"from the terminal or stdin)\n"
		"  user lookup USER [-c CONFIG] print USER's userdb fields\n"
		"  user list [MASK] [-c CONFIG] list the users (MASK: * and ?)\n"
		"  auth cache flush [-c CONFIG] empty roost-auth's lookup "
		"cache\n");
	return ADMIN_EXIT_USAGE;
}

int
main(int argc, char *argv[])
{
	int i = 1;

	log_init("roostadm", LOG_LEVEL_WARNING);
	if (i + 1 < argc && strcmp(argv[i], "-c") == 0) {
		global_config_path = argv[i + 1];
		i += 2;
	}
	if (i >= argc)
		return usage();
	if (strcmp(argv[i], "pw") == 0)
		return cmd_pw(argc - i - 1, argv + i + 1);
	if (i + 1 < argc && strcmp(argv[i], "auth") == 0 &&
	    strcmp(argv[i + 1], "test") == 0)
		return cmd_auth_test(argc - i - 2, argv + i + 2);
	if (i + 1 < argc && strcmp(argv[i], "user") == 0 &&
	    strcmp(argv[i + 1], "lookup") == 0)
		return cmd_user_lookup(argc - i - 2, argv + i + 2);
	if (i + 1 < argc && strcmp(argv[i], "user") == 0 &&
	    strcmp(argv[i + 1], "list") == 0)
		return cmd_user_list(argc - i - 2, argv + i + 2);
	if (i + 2 < argc && strcmp(argv[i], "auth") == 0 &&
	    strcmp(argv[i + 1], "cache") == 0 &&
	    strcmp(argv[i + 2], "flush") == 0)
		return cmd_auth_cache_flush(argc - i - 3, argv + i + 3);
	return usage();
}
