/* SPDX-License-Identifier: MIT */
/*
 * roost-imap: the IMAP session after login. Spawned by the master per
 * login, already as the mail user, with the client at fd 3 and the login
 * state in ROOST_* variables (doc/protocols.md). Opens the user's mail,
 * sends the tagged OK of the login command, processes what the client
 * pipelined behind it (ROOST_CLIENT_INPUT), then serves the socket.
 */
#include "lib.h"
#include "base64.h"
#include "ioloop.h"
#include "ostream.h"
#include "process.h"
#include "settings.h"
#include "mail-storage.h"
#include "imap-client.h"
#include "imap-quota.h"

#include <unistd.h>

#define IMAP_CLIENT_FD 3
/* ROOST_CLIENT_INPUT is at most a login line (login_max_line_length). */
#define IMAP_MAX_PRE_INPUT (256 * 1024)

static const char *
env_get(const char *name)
{
	const char *value = getenv(name);

	return value == NULL ? "" : value;
}

static void
settings_read(const struct config *config, struct imap_settings *set)
{
	set->max_line_length =
		(size_t)config_get_size(config, "imap_max_line_length");
	set->max_bad_commands = config_get_uint(config,
						"imap_max_bad_commands");
	set->idle_timeout_msecs = config_get_time_msecs(config,
							"imap_idle_timeout");
	set->max_append_size = (uoff_t)config_get_size(config,
						       "imap_max_append_size");
	set->idle_keepalive_msecs = config_get_time_msecs(config,
						"imap_idle_keepalive");
	message_parser_limits_read(config, &set->mail_limits);
	/* RFC 9051 §5.4: at least 30 minutes after login */
	if (set->idle_timeout_msecs < 30 * 60 * 1000)
		set->idle_timeout_msecs = 30 * 60 * 1000;
	if (set->idle_keepalive_msecs < 10 * 1000)
		set->idle_keepalive_msecs = 10 * 1000;
	if (set->max_append_size == 0)
		set->max_append_size = 1;
	if (set->max_line_length < 1024)
		set->max_line_length = 1024;
	if (set->max_bad_commands == 0)
		set->max_bad_commands = 1;
}

static struct log_event *
session_event_create(void)
{
	struct log_event *event = log_event_create(NULL);

	log_event_set_str(event, "user", env_get("ROOST_USER"));
	log_event_set_str(event, "session", env_get("ROOST_SESSION"));
	log_event_set_str(event, "proto", "imap");
	if (env_get("ROOST_REMOTE_IP")[0] != '\0')
		log_event_set_str(event, "remote", env_get("ROOST_REMOTE_IP"));
	if (env_get("ROOST_LOCAL_IP")[0] != '\0')
		log_event_set_str(event, "local", env_get("ROOST_LOCAL_IP"));
	return event;
}

/* Send a line on the raw fd before a client exists (startup failure). */
static void
send_raw(int fd, const char *tag, const char *text)
{
	struct str *str = str_create(system_pool, 128);

	if (tag[0] != '\0')
		str_printfa(str, "%s %s\r\n", tag, text);
	str_append(str, "* BYE Internal error.\r\n");
	if (write(fd, str_c(str), str_len(str)) < 0) {
		/* the client is gone; nothing more to do */
	}
	str_free(&str);
}

static void
send_login_ok(struct client *client, const char *tag)
{
	struct str *str = str_create(client->pool, 128);

	/* RFC 9051 §6.2.3: the tagged OK of the login command, with the
	   post-login capabilities. */
	str_printfa(str, "%s OK [CAPABILITY %s] Logged in", tag,
		    imap_capability_get(client->pool, client->set));
	client_send_line(client, str_c(str));
}

static struct buffer *
pre_input_decode(struct log_event *event)
{
	const char *b64 = env_get("ROOST_CLIENT_INPUT");
	struct buffer *buf = buffer_create(system_pool, strlen(b64),
					   IMAP_MAX_PRE_INPUT);

	if (base64_decode(b64, strlen(b64), buf) < 0) {
		e_warning(event, "Invalid ROOST_CLIENT_INPUT ignored");
		buffer_clear(buf);
	}
	return buf;
}

static int
run_session(struct config **_config, struct log_event *event)
{
	struct config *config = *_config;
	struct imap_settings set;
	struct mail_user *user;
	struct client *client;
	struct buffer *pre;
	const char *tag = env_get("ROOST_LOGIN_TAG"), *error;

	settings_read(config, &set);
	user = mail_user_create(env_get("ROOST_USER"), env_get("ROOST_MAIL"),
				event, &error);
	if (user == NULL) {
		e_error(event, "Cannot open mail: %s", error);
		send_raw(IMAP_CLIENT_FD, tag,
			 "NO [UNAVAILABLE] Mail storage unavailable.");
		return 1;
	}
	if (mail_user_apply_settings(user, config) < 0)
		e_warning(event, "Special-use folders: %s",
			  mail_user_get_last_error(user, NULL));
	/* Everything is read: the settings' memory is not kept for the
	   session's lifetime (idle sessions should be small). */
	config_free(_config);
	pre = pre_input_decode(event);
	client = client_create(IMAP_CLIENT_FD, user, event, &set,
			       pre->data, pre->used);
	buffer_free(&pre);
	if (imap_quota_rule_parse(getenv("ROOST_USERDB_QUOTA_RULE"),
				  &client->quota, &error) < 0)
		e_error(event, "Invalid userdb quota_rule %s: %s (ignored)",
			env_get("ROOST_USERDB_QUOTA_RULE"), error);
	e_info(event, "Logged in");
	send_login_ok(client, tag[0] != '\0' ? tag : "*");
	client_input_process(client);
	if (!client->destroyed)
		ioloop_run(current_ioloop);
	client_free(&client);
	mail_user_destroy(&user);
	return 0;
}

int
main(int argc, char *argv[])
{
	struct process_args args;
	struct config *config;
	struct ioloop *ioloop;
	struct log_event *event;
	int ret;

	config = process_init(argc, argv, "imap", &args);
	ioloop = ioloop_create();
	event = session_event_create();
	ret = run_session(&config, event);
	log_event_destroy(&event);
	ioloop_destroy(&ioloop);
	config_free(&config);
	return ret;
}
