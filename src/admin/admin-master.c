/* SPDX-License-Identifier: MIT */
/*
 * roostadm user list [MASK]: a LIST request over base_dir/auth-master;
 * roostadm auth cache flush: a CACHE-FLUSH request (doc/protocols.md).
 */
#include "lib.h"
#include "settings.h"
#include "admin.h"

#include <fnmatch.h>

/* [MASK] [-c CONFIG] */
static int
list_args(int argc, char *argv[], bool allow_mask, const char **mask_r,
	  const char **config_r)
{
	*mask_r = NULL;
	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "-c") == 0 && i + 1 < argc)
			*config_r = argv[++i];
		else if (allow_mask && argv[i][0] != '-' && *mask_r == NULL)
			*mask_r = argv[i];
		else
			return -1;
	}
	return 0;
}

/* Send request (id 1) and hand each reply line for id 1 to handle until
   it returns a exit code >= 0. */
static int
master_request(pool_t pool, const struct config *config, const char *request,
	       int (*handle)(char **args, void *context), void *context)
{
	struct admin_conn conn;
	char *line;
	int ret = -1;

	if (admin_conn_open(&conn, admin_socket_path(pool, config,
						     "auth-master")) < 0)
		return ADMIN_EXIT_UNAVAILABLE;
	if (admin_conn_write(&conn, request) == 0) {
		while (ret < 0 &&
		       (line = admin_conn_read_line(&conn, pool)) != NULL) {
			char **args = admin_split_reply(pool, line);

			if (args[0] == NULL || args[1] == NULL ||
			    strcmp(args[0], "VERSION") == 0 ||
			    strcmp(args[0], "SPID") == 0 ||
			    strcmp(args[1], "1") != 0)
				continue;
			ret = handle(args, context);
		}
	}
	admin_conn_close(&conn);
	if (ret < 0) {
		fprintf(stderr, "roostadm: roost-auth closed the connection "
			"before the end of the reply\n");
		return ADMIN_EXIT_TEMPFAIL;
	}
	return ret;
}

static int
handle_list(char **args, void *context)
{
	const char *mask = context;

	if (strcmp(args[0], "LIST") == 0 && args[2] != NULL) {
		if (mask == NULL || fnmatch(mask, args[2], 0) == 0)
			printf("%s\n", args[2]);
		return -1;
	}
	if (strcmp(args[0], "DONE") == 0) {
		if (args[2] != NULL && strcmp(args[2], "fail") == 0) {
			fprintf(stderr, "roostadm: user listing failed "
				"(see roost's log); the list is incomplete\n");
			return ADMIN_EXIT_TEMPFAIL;
		}
		return ADMIN_EXIT_OK;
	}
	fprintf(stderr, "roostadm: unexpected reply %s\n", args[0]);
	return ADMIN_EXIT_FAILURE;
}

int
cmd_user_list(int argc, char *argv[])
{
	const char *mask, *config_path = NULL;
	struct config *config;
	pool_t pool;
	int ret;

	if (list_args(argc, argv, true, &mask, &config_path) < 0) {
		fprintf(stderr, "usage: roostadm user list [MASK] "
			"[-c CONFIG]\n");
		return ADMIN_EXIT_USAGE;
	}
	config = admin_config_load(config_path);
	if (config == NULL)
		return ADMIN_EXIT_FAILURE;
	pool = pool_create_arena("roostadm user list", 4096);
	ret = master_request(pool, config, "VERSION\t1\t0\nLIST\t1\n",
			     handle_list, (void *)mask);
	pool_destroy(&pool);
	config_free(&config);
	return ret;
}

static int
handle_flush(char **args, void *context ATTR_UNUSED)
{
	if (strcmp(args[0], "OK") == 0) {
		printf("%s cache entries flushed\n",
		       args[2] == NULL ? "0" : args[2]);
		return ADMIN_EXIT_OK;
	}
	fprintf(stderr, "roostadm: unexpected reply %s\n", args[0]);
	return ADMIN_EXIT_FAILURE;
}

int
cmd_auth_cache_flush(int argc, char *argv[])
{
	const char *mask, *config_path = NULL;
	struct config *config;
	pool_t pool;
	int ret;

	if (list_args(argc, argv, false, &mask, &config_path) < 0) {
		fprintf(stderr, "usage: roostadm auth cache flush "
			"[-c CONFIG]\n");
		return ADMIN_EXIT_USAGE;
	}
	config = admin_config_load(config_path);
	if (config == NULL)
		return ADMIN_EXIT_FAILURE;
	pool = pool_create_arena("roostadm cache flush", 1024);
	ret = master_request(pool, config, "VERSION\t1\t0\nCACHE-FLUSH\t1\n",
			     handle_flush, NULL);
	pool_destroy(&pool);
	config_free(&config);
	return ret;
}
