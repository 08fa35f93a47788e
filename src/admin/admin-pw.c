/* SPDX-License-Identifier: MIT */
/* roostadm pw [-s SCHEME] [-l]: print a stored password for a passdb. */
#include "lib.h"
#include "password-scheme.h"
#include "admin.h"

#include <sodium.h>

#define ADMIN_PW_DEFAULT_SCHEME "ARGON2ID"

static void
list_schemes(void)
{
	const struct password_scheme *schemes;
	unsigned int count;

	schemes = password_schemes_get(&count);
	for (unsigned int i = 0; i < count; i++)
		printf("%s%c", schemes[i].name, i + 1 == count ? '\n' : ' ');
}

static int
pw_usage(const char *msg)
{
	fprintf(stderr, "roostadm pw: %s\n"
		"usage: roostadm pw [-s SCHEME] [-l]\n"
		"The password is read from the terminal (asked twice) or from "
		"standard input, never from the command line.\n", msg);
	return ADMIN_EXIT_USAGE;
}

static int
pw_generate(const char *scheme, const char *password)
{
	struct str *out = str_create(system_pool, 256);
	const char *error;
	int ret = ADMIN_EXIT_OK;

	if (password_generate(scheme, password, out, &error) < 0) {
		fprintf(stderr, "roostadm pw: %s: %s\n", scheme, error);
		ret = error[0] == 'u' ? ADMIN_EXIT_USAGE : ADMIN_EXIT_FAILURE;
	} else if (password_verify(password, str_c(out), &error) != 1) {
		/* never print a value roost-auth would not accept */
		fprintf(stderr, "roostadm pw: %s: the generated value does "
			"not verify\n", scheme);
		ret = ADMIN_EXIT_FAILURE;
	} else {
		printf("%s\n", str_c(out));
	}
	safe_memset0(out->data, out->alloc);
	str_free(&out);
	return ret;
}

int
cmd_pw(int argc, char *argv[])
{
	const char *scheme = ADMIN_PW_DEFAULT_SCHEME;
	char password[ADMIN_PASSWORD_MAX_LENGTH + 2];
	int ret;

	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "-s") == 0 && i + 1 < argc) {
			scheme = argv[++i];
		} else if (strcmp(argv[i], "-l") == 0) {
			list_schemes();
			return ADMIN_EXIT_OK;
		} else {
			return pw_usage(strcmp(argv[i], "-s") == 0 ?
					"-s needs a scheme name" :
					"unexpected argument (passwords are "
					"never taken from the command line)");
		}
	}
	if (password_scheme_find(scheme) == NULL)
		return pw_usage("unknown scheme (roostadm pw -l lists them)");
	if (sodium_init() < 0) {
		fprintf(stderr, "roostadm pw: sodium_init() failed\n");
		return ADMIN_EXIT_FAILURE;
	}
	if (admin_read_password("Enter new password: ", true, password,
				sizeof(password)) < 0)
		return ADMIN_EXIT_FAILURE;
	ret = pw_generate(scheme, password);
	safe_memset0(password, sizeof(password));
	return ret;
}
