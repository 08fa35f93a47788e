/* SPDX-License-Identifier: MIT */
/*
 * passdb/userdb result rules (Dovecot's semantics, doc/auth.md), the
 * static userdb's args and expansion, and userdb chains through
 * auth_userdb_lookup().
 */
#include "lib.h"
#include "ioloop.h"
#include "auth-db.h"
#include "auth-core.h"

#include <setjmp.h>
#include <cmocka.h>
#include <sodium.h>
#include <unistd.h>

#define OK AUTH_DB_RESULT_OK
#define FAIL AUTH_DB_RESULT_FAIL
#define TEMP AUTH_DB_RESULT_TEMPFAIL

/* Run a chain of dbs with the given per-db results; returns the final
   result and how many dbs were asked. */
static enum auth_db_result
run_chain(const struct auth_db_settings *sets,
	  const enum auth_db_result *results, unsigned int count,
	  unsigned int *asked_r)
{
	struct auth_db_chain chain = { .success = false };
	enum auth_db_result final = FAIL;
	unsigned int i;

	for (i = 0; i < count; i++) {
		if (!auth_db_chain_next(&chain, &sets[i], results[i],
					i + 1 == count, &final))
			break;
	}
	*asked_r = i + 1;
	return final;
}

static void
test_rule_parse(void **state ATTR_UNUSED)
{
	enum auth_db_rule rule;

	assert_int_equal(auth_db_rule_parse("return-ok", &rule), 0);
	assert_int_equal(rule, AUTH_DB_RULE_RETURN_OK);
	assert_int_equal(auth_db_rule_parse("continue-fail", &rule), 0);
	assert_int_equal(rule, AUTH_DB_RULE_CONTINUE_FAIL);
	assert_int_equal(auth_db_rule_parse("return", &rule), 0);
	assert_int_equal(rule, AUTH_DB_RULE_RETURN);
	assert_int_equal(auth_db_rule_parse("stop", &rule), -1);
	assert_int_equal(auth_db_rule_parse("", &rule), -1);
}

static void
test_default_rules(void **state ATTR_UNUSED)
{
	struct auth_db_settings sets[2];
	unsigned int asked;

	auth_db_settings_init(&sets[0]);
	auth_db_settings_init(&sets[1]);
	/* first says yes: return-ok, the second is never asked */
	assert_int_equal(run_chain(sets, (enum auth_db_result[]){ OK, FAIL },
				   2, &asked), OK);
	assert_int_equal(asked, 1);
	/* first fails: continue; the second decides */
	assert_int_equal(run_chain(sets, (enum auth_db_result[]){ FAIL, OK },
				   2, &asked), OK);
	assert_int_equal(asked, 2);
	assert_int_equal(run_chain(sets, (enum auth_db_result[]){ FAIL, FAIL },
				   2, &asked), FAIL);
	/* an internal failure anywhere makes a final failure temporary */
	assert_int_equal(run_chain(sets, (enum auth_db_result[]){ TEMP, FAIL },
				   2, &asked), TEMP);
	assert_int_equal(run_chain(sets, (enum auth_db_result[]){ FAIL, TEMP },
				   2, &asked), TEMP);
	assert_int_equal(run_chain(sets, (enum auth_db_result[]){ TEMP, OK },
				   2, &asked), OK);
	assert_int_equal(run_chain(sets, (enum auth_db_result[]){ OK }, 1,
				   &asked), OK);
	assert_int_equal(run_chain(sets, (enum auth_db_result[]){ FAIL }, 1,
				   &asked), FAIL);
}

static void
test_explicit_rules(void **state ATTR_UNUSED)
{
	struct auth_db_settings sets[3];
	unsigned int asked;

	for (unsigned int i = 0; i < N_ELEMENTS(sets); i++)
		auth_db_settings_init(&sets[i]);
	/* result_failure=return-fail: a wrong password stops the chain */
	sets[0].result_failure = AUTH_DB_RULE_RETURN_FAIL;
	assert_int_equal(run_chain(sets, (enum auth_db_result[]){ FAIL, OK },
				   2, &asked), FAIL);
	assert_int_equal(asked, 1);
	/* return-fail after an internal failure stays temporary */
	sets[0].result_internalfail = AUTH_DB_RULE_RETURN_FAIL;
	assert_int_equal(run_chain(sets, (enum auth_db_result[]){ TEMP, OK },
				   2, &asked), TEMP);
	assert_int_equal(asked, 1);

	/* continue-ok, then return: the earlier success */
	auth_db_settings_init(&sets[0]);
	sets[0].result_success = AUTH_DB_RULE_CONTINUE_OK;
	sets[1].result_failure = AUTH_DB_RULE_RETURN;
	assert_int_equal(run_chain(sets, (enum auth_db_result[]){ OK, FAIL },
				   2, &asked), OK);
	assert_int_equal(asked, 2);
	/* return on the first db: failure */
	sets[0].result_success = AUTH_DB_RULE_RETURN;
	assert_int_equal(run_chain(sets, (enum auth_db_result[]){ OK, OK },
				   2, &asked), FAIL);
	assert_int_equal(asked, 1);
	/* plain continue keeps the state "failure" */
	sets[0].result_success = AUTH_DB_RULE_CONTINUE;
	sets[1].result_success = AUTH_DB_RULE_CONTINUE;
	assert_int_equal(run_chain(sets, (enum auth_db_result[]){ OK, OK },
				   2, &asked), FAIL);
	/* continue-ok then continue-fail: failure at the end */
	sets[0].result_success = AUTH_DB_RULE_CONTINUE_OK;
	sets[1].result_success = AUTH_DB_RULE_CONTINUE_FAIL;
	assert_int_equal(run_chain(sets, (enum auth_db_result[]){ OK, OK, OK },
				   3, &asked), OK);
	assert_int_equal(asked, 3);
	sets[2].result_success = AUTH_DB_RULE_CONTINUE_FAIL;
	assert_int_equal(run_chain(sets, (enum auth_db_result[]){ OK, OK, OK },
				   3, &asked), FAIL);
}

static void
test_verified_flag(void **state ATTR_UNUSED)
{
	struct auth_db_chain chain = { .success = false };
	struct auth_db_settings set;
	enum auth_db_result final;

	auth_db_settings_init(&set);
	set.result_success = AUTH_DB_RULE_CONTINUE;
	assert_true(auth_db_chain_next(&chain, &set, OK, false, &final));
	assert_true(chain.verified);
	assert_false(chain.success);
	chain = (struct auth_db_chain){ .success = false };
	assert_true(auth_db_chain_next(&chain, &set, FAIL, false, &final));
	assert_false(chain.verified);
}

static void
test_static_parse(void **state ATTR_UNUSED)
{
	pool_t pool = pool_create_arena("test", 1024);
	struct auth_db_settings set;
	struct array_str fields;
	const char *error;
	unsigned long uid = (unsigned long)getuid();

	auth_db_settings_init(&set);
	assert_int_equal(auth_db_static_parse(pool, p_strdup_printf(pool,
		"uid=%lu gid=4242 home=/var/mail/%%d/%%n mail=maildir:~/M "
		"quota_rule=*:storage=1G", uid == 0 ? 1 : uid), &set,
		&error), 0);
	assert_false(set.allow_all_users);
	array_init(&fields, pool, 8);
	assert_int_equal(auth_db_static_expand(&set, pool, "bob@example.org",
					       &fields, &error), 0);
	assert_int_equal(fields.count, 5);
	assert_string_equal(fields.v[1], "gid=4242");
	assert_string_equal(fields.v[2], "home=/var/mail/example.org/bob");
	assert_string_equal(fields.v[3], "mail=maildir:~/M");
	assert_string_equal(fields.v[4], "quota_rule=*:storage=1G");

	/* a user name that is not one safe path component */
	array_init(&fields, pool, 8);
	assert_int_equal(auth_db_static_expand(&set, pool, "../x@example.org",
					       &fields, &error), -1);

	assert_int_equal(auth_db_static_parse(pool, "allow_all_users=yes "
		"home=/h/%u", &set, &error), 0);
	assert_true(set.allow_all_users);
	assert_int_equal(auth_db_static_parse(pool, "uid=0", &set, &error), -1);
	assert_int_equal(auth_db_static_parse(pool, "uid=no-such-user-xyz",
					      &set, &error), -1);
	assert_int_equal(auth_db_static_parse(pool, "gid=no-such-group-xyz",
					      &set, &error), -1);
	assert_int_equal(auth_db_static_parse(pool, "home", &set, &error), -1);
	assert_int_equal(auth_db_static_parse(pool, "=x", &set, &error), -1);
	pool_destroy(&pool);
}

static void
test_fields_set(void **state ATTR_UNUSED)
{
	pool_t pool = pool_create_arena("test", 256);
	struct array_str fields;

	array_init(&fields, pool, 2);
	auth_db_fields_set(&fields, "uid=1");
	auth_db_fields_set(&fields, "home=/a");
	auth_db_fields_set(&fields, "uid=2");
	auth_db_fields_set(&fields, "uidx=3");
	assert_int_equal(fields.count, 3);
	assert_string_equal(fields.v[0], "uid=2");
	assert_string_equal(fields.v[2], "uidx=3");
	pool_destroy(&pool);
}

static char dir[] = "/tmp/test-auth-db.XXXXXX";

static const char *
write_file(pool_t pool, const char *name, const char *data)
{
	const char *path = p_strdup_printf(pool, "%s/%s", dir, name);
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fputs(data, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
	return path;
}

struct sync_result {
	bool done;
	int ret;
	const char *const *fields;
};

static void
sync_callback(enum auth_db_result result, const char *user ATTR_UNUSED,
	      const char *const *fields, void *context)
{
	struct sync_result *res = context;

	res->done = true;
	res->ret = result == AUTH_DB_RESULT_OK ? 1 :
		result == AUTH_DB_RESULT_FAIL ? 0 : -1;
	res->fields = fields;
}

/* Local databases answer before the start returns. */
static int
userdb_lookup_sync(struct auth *auth, const char *user, pool_t pool,
		   const char *const **fields_r)
{
	struct auth_db_params params = { .user = user };
	struct auth_userdb_chain chain;
	struct sync_result res = { .done = false };

	auth_userdb_chain_start(&chain, auth, &params, pool, sync_callback,
				&res);
	assert_true(res.done);
	*fields_r = res.fields;
	return res.ret;
}

static void
test_userdb_chain(void **state ATTR_UNUSED)
{
	pool_t pool = pool_create_arena("test", 4096);
	struct ioloop *ioloop = ioloop_create();
	static const char *const mechs[] = { "PLAIN", NULL };
	struct auth_db_settings passdbs[1], userdbs[2];
	struct auth_settings set;
	const char *const *fields, *error;
	struct auth *auth;

	memset(&set, 0, sizeof(set));
	set.mechanisms = mechs;
	set.worker_threads = 1;
	set.worker_max_queue = 4;
	auth_db_settings_init(&passdbs[0]);
	passdbs[0].args = write_file(pool, "users",
		"a@example.org:{PLAIN}x:1000:1000::/home/a::userdb_mail=maildir:/m/a\n"
		"b@example.org:{PLAIN}y\n");
	auth_db_settings_init(&userdbs[0]);
	userdbs[0].args = passdbs[0].args;
	userdbs[0].result_success = AUTH_DB_RULE_CONTINUE_OK;
	auth_db_settings_init(&userdbs[1]);
	userdbs[1].driver = AUTH_DB_DRIVER_STATIC;
	assert_int_equal(auth_db_static_parse(pool,
		"gid=4242 home=/var/mail/%d/%n", &userdbs[1], &error), 0);
	set.passdbs = passdbs;
	set.passdb_count = 1;
	set.userdbs = userdbs;
	set.userdb_count = 2;
	auth = auth_create(&set);

	/* a: passwd-file fields, then static overrides gid and home */
	assert_int_equal(userdb_lookup_sync(auth, "a@example.org", pool,
					    &fields), 1);
	assert_string_equal(fields[0], "uid=1000");
	assert_string_equal(fields[1], "gid=4242");
	assert_string_equal(fields[2], "home=/var/mail/example.org/a");
	assert_string_equal(fields[3], "mail=maildir:/m/a");
	assert_null(fields[4]);
	/* b: only the static fields */
	assert_int_equal(userdb_lookup_sync(auth, "b@example.org", pool,
					    &fields), 1);
	assert_string_equal(fields[0], "gid=4242");
	assert_string_equal(fields[1], "home=/var/mail/example.org/b");
	/* the static userdb does not invent users the passdb lacks */
	assert_int_equal(userdb_lookup_sync(auth, "c@example.org", pool,
					    &fields), 0);
	auth_destroy(&auth);

	/* allow_all_users=yes: anyone */
	set.userdbs = &userdbs[1];
	set.userdb_count = 1;
	userdbs[1].allow_all_users = true;
	auth = auth_create(&set);
	assert_int_equal(userdb_lookup_sync(auth, "c@example.org", pool,
					    &fields), 1);
	auth_destroy(&auth);

	/* an unreadable passdb: the static userdb fails temporarily */
	userdbs[1].allow_all_users = false;
	passdbs[0].args = p_strdup_printf(pool, "%s/missing", dir);
	auth = auth_create(&set);
	assert_int_equal(userdb_lookup_sync(auth, "a@example.org", pool,
					    &fields), -1);
	auth_destroy(&auth);

	assert_int_equal(unlink(userdbs[0].args), 0);
	ioloop_destroy(&ioloop);
	pool_destroy(&pool);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rule_parse),
		cmocka_unit_test(test_default_rules),
		cmocka_unit_test(test_explicit_rules),
		cmocka_unit_test(test_verified_flag),
		cmocka_unit_test(test_static_parse),
		cmocka_unit_test(test_fields_set),
		cmocka_unit_test(test_userdb_chain),
	};
	int ret;

	if (sodium_init() < 0 || mkdtemp(dir) == NULL)
		return 1;
	log_init("test", LOG_LEVEL_FATAL);
	ret = cmocka_run_group_tests(tests, NULL, NULL);
	(void)rmdir(dir);
	return ret;
}
