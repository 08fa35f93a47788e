/* SPDX-License-Identifier: MIT */
/*
 * roostadm auth test USER: a PLAIN authentication over base_dir/auth-client
 * (with "nologin": nothing is left for the master to claim);
 * roostadm user lookup USER: a USER request over base_dir/auth-master.
 */
#include "lib.h"
#include "base64.h"
#include "settings.h"
#include "admin.h"

#include <unistd.h>

#define ADMIN_USER_MAX_LENGTH 255

const char *
admin_socket_path(pool_t pool, const struct config *config, const char *name)
{
	return p_strdup_printf(pool, "%s/%s", config_get(config, "base_dir"),
			       name);
}

char **
admin_split_reply(pool_t pool, const char *line)
{
	char **args = p_strsplit(pool, line, "\t");

	for (unsigned int i = 0; args[i] != NULL; i++)
		args[i] = p_str_tabunescape(pool, args[i]);
	return args;
}

/* Wait for the auth-client handshake's DONE; check that PLAIN is there. */
static int
client_handshake(struct admin_conn *conn, pool_t pool)
{
	bool have_plain = false;
	char *line;

	while ((line = admin_conn_read_line(conn, pool)) != NULL) {
		if (str_begins(line, "VERSION\t") && !str_begins(line,
							       "VERSION\t1\t")) {
			fprintf(stderr, "roostadm: unsupported auth protocol: "
				"%s\n", line);
			return -1;
		}
		if (str_begins(line, "MECH\tPLAIN"))
			have_plain = true;
		if (strcmp(line, "DONE") == 0)
			break;
	}
	if (line == NULL)
		return -1;
	if (!have_plain) {
		fprintf(stderr, "roostadm: roost-auth does not offer PLAIN "
			"(auth_mechanisms)\n");
		return -1;
	}
	return 0;
}

static const char *
auth_request_line(pool_t pool, const char *user, const char *password)
{
	struct str *resp = str_create(pool, 512);
	struct str *line = str_create(pool, 1024);

	str_append_c(resp, '\0');
	str_append(resp, user);
	str_append_c(resp, '\0');
	str_append(resp, password);
	str_printfa(line, "VERSION\t1\t2\nCPID\t%ld\n"
		    "AUTH\t1\tPLAIN\tservice=roostadm\tnologin\tresp=",
		    (long)getpid());
	base64_encode(str_c(resp), str_len(resp), line);
	str_append_c(line, '\n');
	safe_memset0(resp->data, resp->alloc);
	return str_c(line);
}

static int
print_auth_reply(char **args)
{
	bool ok = strcmp(args[0], "OK") == 0, temp = false;
	const char *reason = NULL;

	printf("auth %s\n", ok ? "succeeded" : "failed");
	for (unsigned int i = 2; args[i] != NULL; i++) {
		if (strcmp(args[i], "temp") == 0)
			temp = true;
		if (str_begins(args[i], "reason="))
			reason = args[i] + 7;
		printf("  %s\n", args[i]);
	}
	if (ok)
		return ADMIN_EXIT_OK;
	if (temp) {
		printf("temporary failure%s%s\n", reason == NULL ? "" : ": ",
		       reason == NULL ? "" : reason);
		return ADMIN_EXIT_TEMPFAIL;
	}
	return ADMIN_EXIT_NOPERM;
}

static int
auth_test(pool_t pool, const struct config *config, const char *user,
	  const char *password)
{
	struct admin_conn conn;
	const char *request;
	char *line;
	int ret = ADMIN_EXIT_UNAVAILABLE;

	if (admin_conn_open(&conn, admin_socket_path(pool, config,
					       "auth-client")) < 0)
		return ADMIN_EXIT_UNAVAILABLE;
	request = auth_request_line(pool, user, password);
	if (client_handshake(&conn, pool) == 0 &&
	    admin_conn_write(&conn, request) == 0) {
		while ((line = admin_conn_read_line(&conn, pool)) != NULL) {
			char **args = admin_split_reply(pool, line);

			if (args[1] == NULL || strcmp(args[1], "1") != 0 ||
			    strcmp(args[0], "VERSION") == 0)
				continue;
			if (strcmp(args[0], "OK") == 0 ||
			    strcmp(args[0], "FAIL") == 0) {
				ret = print_auth_reply(args);
				break;
			}
			fprintf(stderr, "roostadm: unexpected reply %s\n",
				args[0]);
			break;
		}
	}
	safe_memset0((char *)request, strlen(request));
	admin_conn_close(&conn);
	return ret;
}

static int
user_arg(int argc, char *argv[], const char *cmd, const char **user_r,
	 const char **config_r)
{
	*user_r = NULL;
	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "-c") == 0 && i + 1 < argc)
			*config_r = argv[++i];
		else if (argv[i][0] != '-' && *user_r == NULL)
			*user_r = argv[i];
		else
			*user_r = NULL, i = argc;
	}
	if (*user_r == NULL || (*user_r)[0] == '\0' ||
	    strlen(*user_r) > ADMIN_USER_MAX_LENGTH) {
		fprintf(stderr, "usage: roostadm %s USER [-c CONFIG]\n", cmd);
		return -1;
	}
	return 0;
}

int
cmd_auth_test(int argc, char *argv[])
{
	char password[ADMIN_PASSWORD_MAX_LENGTH + 2];
	const char *user, *config_path = NULL;
	struct config *config;
	pool_t pool;
	int ret;

	if (user_arg(argc, argv, "auth test", &user, &config_path) < 0)
		return ADMIN_EXIT_USAGE;
	config = admin_config_load(config_path);
	if (config == NULL)
		return ADMIN_EXIT_FAILURE;
	if (admin_read_password("Password: ", false, password,
				sizeof(password)) < 0) {
		config_free(&config);
		return ADMIN_EXIT_FAILURE;
	}
	pool = pool_create_secure("roostadm auth", 4096);
	ret = auth_test(pool, config, user, password);
	safe_memset0(password, sizeof(password));
	pool_destroy(&pool);
	config_free(&config);
	return ret;
}

static int
print_user_reply(char **args, const char *user)
{
	if (strcmp(args[0], "USER") == 0 && args[2] != NULL) {
		printf("user=%s\n", args[2]);
		for (unsigned int i = 3; args[i] != NULL; i++)
			printf("%s\n", args[i]);
		return ADMIN_EXIT_OK;
	}
	if (strcmp(args[0], "NOTFOUND") == 0) {
		fprintf(stderr, "userdb: user %s not found\n", user);
		return ADMIN_EXIT_NOUSER;
	}
	fprintf(stderr, "userdb lookup failed:");
	for (unsigned int i = 2; args[i] != NULL; i++)
		fprintf(stderr, " %s", args[i]);
	fprintf(stderr, "\n");
	return ADMIN_EXIT_TEMPFAIL;
}

static int
user_lookup(pool_t pool, const struct config *config, const char *user)
{
	struct str *request = str_create(pool, 256);
	struct admin_conn conn;
	char *line;
	int ret = ADMIN_EXIT_UNAVAILABLE;

	if (admin_conn_open(&conn, admin_socket_path(pool, config,
					       "auth-master")) < 0)
		return ADMIN_EXIT_UNAVAILABLE;
	str_append(request, "VERSION\t1\t0\nUSER\t1\t");
	str_append_tabescaped(request, user);
	str_append(request, "\tservice=roostadm\n");
	if (admin_conn_write(&conn, str_c(request)) == 0) {
		while ((line = admin_conn_read_line(&conn, pool)) != NULL) {
			char **args = admin_split_reply(pool, line);

			if (strcmp(args[0], "VERSION") == 0 ||
			    strcmp(args[0], "SPID") == 0 ||
			    args[1] == NULL || strcmp(args[1], "1") != 0)
				continue;
			ret = print_user_reply(args, user);
			break;
		}
	}
	admin_conn_close(&conn);
	return ret;
}

int
cmd_user_lookup(int argc, char *argv[])
{
	const char *user, *config_path = NULL;
	struct config *config;
	pool_t pool;
	int ret;

	if (user_arg(argc, argv, "user lookup", &user, &config_path) < 0)
		return ADMIN_EXIT_USAGE;
	config = admin_config_load(config_path);
	if (config == NULL)
		return ADMIN_EXIT_FAILURE;
	pool = pool_create_arena("roostadm user", 4096);
	ret = user_lookup(pool, config, user);
	pool_destroy(&pool);
	config_free(&config);
	return ret;
}
