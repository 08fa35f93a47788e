/* SPDX-License-Identifier: MIT */
/*
 * The schema of roost.conf: every setting with its type, default and one
 * line of documentation. doc/config.md is kept in step with this table.
 */
#include "lib.h"
#include "net.h"
#include "settings-private.h"

#include <arpa/inet.h>

const struct setting_def roost_setting_defs[] = {
	{ "base_dir", SET_STR, "/run/roost", NULL,
	  "runtime directory: sockets, master.pid, the login chroot" },
	{ "log_path", SET_STR, "", NULL,
	  "log file (appended); empty: standard error" },
	{ "log_level", SET_ENUM, "info", "debug:info:warning:error",
	  "lowest level that is logged" },
	{ "protocols", SET_LIST, "imap pop3 lmtp", NULL,
	  "services the master starts" },
	{ "imap_listen", SET_LIST, "*:143", NULL,
	  "IMAP listeners: address:port, [ipv6]:port, *:port" },
	{ "pop3_listen", SET_LIST, "*:110", NULL, "POP3 listeners" },
	{ "lmtp_listen", SET_LIST, "unix:lmtp", NULL,
	  "LMTP listeners; relative unix: paths are under base_dir" },
	{ "auth_client_listen", SET_LIST, "", NULL,
	  "extra auth-client (SASL) listeners, e.g. for Postfix; "
	  "base_dir/auth-client always exists" },
	{ "auth_client_socket_mode", SET_STR, "0666", NULL,
	  "file mode of base_dir/auth-client" },
	{ "auth_mechanisms", SET_LIST, "plain login", NULL,
	  "SASL mechanisms offered" },
	{ "auth_failure_delay", SET_TIME, "2s", NULL,
	  "delay before a failed authentication is answered" },
	{ "auth_allow_cleartext", SET_BOOL, "no", NULL,
	  "allow PLAIN, LOGIN, OAUTHBEARER, XOAUTH2 without TLS from "
	  "anywhere" },
	{ "login_trusted_networks", SET_LIST, "", NULL,
	  "client networks (CIDR) that may use cleartext mechanisms "
	  "without TLS" },
	{ "auth_cert_username_field", SET_ENUM, "cn", "cn:email:uid",
	  "client certificate field that is the EXTERNAL user name" },
	{ "auth_oauth2_key_dir", SET_STR, "", NULL,
	  "directory of JWT keys (files named by kid, or default) for "
	  "OAUTHBEARER/XOAUTH2" },
	{ "auth_oauth2_issuer", SET_STR, "", NULL,
	  "required JWT iss; empty: not checked" },
	{ "auth_oauth2_audience", SET_STR, "", NULL,
	  "required JWT aud; empty: not checked" },
	{ "auth_oauth2_username_claim", SET_STR, "email", NULL,
	  "JWT claim that holds the user name" },
	{ "auth_oauth2_clock_skew", SET_TIME, "60s", NULL,
	  "tolerance for JWT exp and nbf" },
	{ "auth_cache_size", SET_SIZE, "0", NULL,
	  "memory for cached SQL passdb/userdb replies; 0 = no cache" },
	{ "auth_cache_ttl", SET_TIME, "1h", NULL,
	  "how long a cached reply is used" },
	{ "auth_cache_negative_ttl", SET_TIME, "1h", NULL,
	  "how long a cached 'no such user' is used" },
	{ "auth_penalty_max_delay", SET_TIME, "6s", NULL,
	  "longest extra wait after repeated failures from one IP or for "
	  "one user; 0 = off" },
	{ "auth_penalty_expire", SET_TIME, "1h", NULL,
	  "failures older than this are forgotten" },
	{ "auth_max_requests_per_ip", SET_UINT, "32", NULL,
	  "authentications in progress from one remote IP; 0 = no limit" },
	{ "internal_user", SET_STR, "roost", NULL,
	  "system user roost-auth runs as (when the master is root)" },
	{ "login_user", SET_STR, "roostnull", NULL,
	  "system user roost-login runs as (when the master is root)" },
	{ "login_chroot", SET_BOOL, "yes", NULL,
	  "chroot roost-login into base_dir/login (when root)" },
	{ "login_timeout", SET_TIME, "60s", NULL,
	  "total time a client has to log in" },
	{ "login_max_line_length", SET_SIZE, "8k", NULL,
	  "longest command line before login" },
	{ "login_max_bad_commands", SET_UINT, "3", NULL,
	  "invalid commands before login that close the connection" },
	{ "login_max_connections", SET_UINT, "1000", NULL,
	  "connections one roost-login process serves at once" },
	{ "mail_location", SET_STR, "maildir:~/Maildir", NULL,
	  "where mail is stored, unless the userdb says (%u %n %d %h ~)" },
	{ "mail_uid", SET_STR, "", NULL,
	  "user (name or number) mail is owned by, unless the userdb says" },
	{ "mail_gid", SET_STR, "", NULL,
	  "group (name or number) for mail, unless the userdb says" },
	{ "mail_max_header_size", SET_SIZE, "256k", NULL,
	  "bytes of one header block (message or MIME part) kept when "
	  "parsing mail; fields past it are not looked at" },
	{ "mail_max_header_count", SET_UINT, "1000", NULL,
	  "header fields per header block; the rest is opaque text" },
	{ "mail_max_mime_depth", SET_UINT, "25", NULL,
	  "MIME nesting depth; deeper parts are opaque text" },
	{ "mail_max_mime_parts", SET_UINT, "2000", NULL,
	  "MIME parts per message; the rest is opaque text" },
	{ "mail_max_line_length", SET_SIZE, "64k", NULL,
	  "mail line length; longer lines are cut into pieces" },
	{ "mail_special_use_sent", SET_STR, "Sent", NULL,
	  "folder flagged \\Sent (RFC 6154); empty: none" },
	{ "mail_special_use_drafts", SET_STR, "Drafts", NULL,
	  "folder flagged \\Drafts; empty: none" },
	{ "mail_special_use_trash", SET_STR, "Trash", NULL,
	  "folder flagged \\Trash; empty: none" },
	{ "mail_special_use_junk", SET_STR, "Junk", NULL,
	  "folder flagged \\Junk; empty: none" },
	{ "mail_special_use_archive", SET_STR, "Archive", NULL,
	  "folder flagged \\Archive; empty: none" },
	{ "mail_special_use_autocreate", SET_BOOL, "yes", NULL,
	  "create and subscribe missing special-use folders at login" },
	{ "imap_max_line_length", SET_SIZE, "64k", NULL,
	  "longest IMAP command line after login" },
	{ "imap_max_bad_commands", SET_UINT, "20", NULL,
	  "invalid commands in a row that close an IMAP connection" },
	{ "imap_idle_timeout", SET_TIME, "30m", NULL,
	  "inactivity before an IMAP client is logged out" },
	{ "imap_max_append_size", SET_SIZE, "50M", NULL,
	  "largest message APPEND accepts (APPENDLIMIT)" },
	{ "imap_idle_keepalive", SET_TIME, "2m", NULL,
	  "interval of \"* OK Still here\" during IDLE" },
	{ "pop3_idle_timeout", SET_TIME, "10m", NULL,
	  "inactivity before a POP3 client is disconnected" },
	{ "pop3_uidl_format", SET_STR, "%08Xu%08Xv", NULL,
	  "POP3 UIDL format with Dovecot's %u %v %f %g %m variables" },
	{ "pop3_delete_type", SET_ENUM, "expunge", "expunge:flag",
	  "what QUIT does to DELEted messages: expunge, or flag \\Deleted "
	  "(then hidden from POP3)" },
	{ "pop3_deleted_flag", SET_STR, "", NULL,
	  "keyword set on DELEted messages instead (hidden from POP3, kept "
	  "for IMAP); empty: none" },
	{ "pop3_no_flag_updates", SET_BOOL, "no", NULL,
	  "yes: RETR does not mark messages \\Seen" },
	{ "pop3_lock_session", SET_BOOL, "yes", NULL,
	  "one POP3 session per maildrop; a second gets -ERR [IN-USE]" },
	{ "pop3_login_delay", SET_TIME, "0", NULL,
	  "minimum time between POP3 logins of a user (CAPA LOGIN-DELAY); "
	  "0: none" },
	{ "pop3_enable_apop", SET_BOOL, "no", NULL,
	  "offer APOP (greeting timestamp); auth_mechanisms needs apop "
	  "too" },
	{ "pop3_expire", SET_STR, "", NULL,
	  "CAPA EXPIRE value: NEVER or days (0: retrieved messages are "
	  "deleted at QUIT); empty: not advertised" },
	{ "lmtp_max_message_size", SET_SIZE, "50M", NULL,
	  "largest message LMTP accepts" },
	{ "lmtp_max_recipients", SET_UINT, "100", NULL,
	  "recipients per LMTP transaction" },
	{ "lmtp_timeout", SET_TIME, "5m", NULL,
	  "inactivity before an LMTP connection is closed" },
	{ "lmtp_hostname", SET_STR, "", NULL,
	  "name in the LMTP greeting; empty: the host name" },
	{ "lmtp_data_timeout", SET_TIME, "10m", NULL,
	  "longest time to receive one message (DATA or all BDAT chunks)" },
	{ "lmtp_trusted_networks", SET_LIST, "", NULL,
	  "LMTP clients (CIDR) allowed XCLIENT/XFORWARD; unix sockets "
	  "always are" },
	{ "lmtp_vrfy_enabled", SET_BOOL, "no", NULL,
	  "VRFY looks the user up (no: always 252)" },
	{ "lmtp_add_received_header", SET_BOOL, "yes", NULL,
	  "add a Received: header to delivered mail" },
	{ "lmtp_single_copy", SET_BOOL, "yes", NULL,
	  "a message for several recipients is stored once and hard-linked "
	  "(then without Delivered-To:)" },
	{ "lmtp_max_hops", SET_UINT, "1", NULL,
	  "Delivered-To: headers for the recipient a message may carry "
	  "before it is refused as a loop" },
	{ "lmtp_save_to_detail_mailbox", SET_BOOL, "no", NULL,
	  "deliver user+detail to the folder 'detail' if it exists" },
	{ "recipient_delimiter", SET_STR, "+", NULL,
	  "characters that separate user and detail (user+detail@domain); "
	  "empty: none" },
	{ "lmtp_rcpt_check_quota", SET_BOOL, "no", NULL,
	  "check the quota at RCPT already (costs a mailbox scan)" },
	{ "quota_full_tempfail", SET_BOOL, "no", NULL,
	  "over quota is 452 4.2.2 (retry) instead of 552 5.2.2" },
	{ NULL, 0, NULL, NULL, NULL }
};

/* pgsql/mysql keys of passdb and userdb blocks (doc/config.md). */
#define SQL_BLOCK_DEFS \
	{ "connect", SET_STR, "", NULL, \
	  "pgsql: libpq conninfo; mysql: host= port= user= password= dbname=" }, \
	{ "password_query", SET_STR, "", NULL, \
	  "SQL passdb query (%u %n %d %r %l %s)" }, \
	{ "user_query", SET_STR, "", NULL, "SQL userdb query" }, \
	{ "iterate_query", SET_STR, "", NULL, \
	  "SQL query listing every user (roostadm user list)" }, \
	{ "default_password_scheme", SET_STR, "", NULL, \
	  "scheme of SQL passwords without a {SCHEME} prefix" }, \
	{ "sql_max_connections", SET_UINT, "4", NULL, \
	  "connections to the SQL server per block" }, \
	{ "sql_query_timeout", SET_TIME, "5s", NULL, \
	  "an SQL lookup slower than this is a temporary failure" },

static const struct setting_def passdb_defs[] = {
	{ "driver", SET_ENUM, "passwd-file", "passwd-file:pgsql:mysql:sql",
	  "backend of this passdb" },
	{ "args", SET_STR, "", NULL, "backend arguments (passwd-file: path)" },
	{ "result_success", SET_ENUM, "return-ok",
	  "return:return-ok:return-fail:continue:continue-ok:continue-fail",
	  "what to do when this database says yes" },
	{ "result_failure", SET_ENUM, "continue",
	  "return:return-ok:return-fail:continue:continue-ok:continue-fail",
	  "what to do on a wrong password or an unknown user" },
	{ "result_internalfail", SET_ENUM, "continue",
	  "return:return-ok:return-fail:continue:continue-ok:continue-fail",
	  "what to do when this database is unusable" },
	SQL_BLOCK_DEFS
	{ NULL, 0, NULL, NULL, NULL }
};

static const struct setting_def userdb_defs[] = {
	{ "driver", SET_ENUM, "passwd-file",
	  "passwd-file:static:pgsql:mysql:sql", "backend of this userdb" },
	{ "args", SET_STR, "", NULL, "backend arguments (passwd-file: path)" },
	{ "result_success", SET_ENUM, "return-ok",
	  "return:return-ok:return-fail:continue:continue-ok:continue-fail",
	  "what to do when this database says yes" },
	{ "result_failure", SET_ENUM, "continue",
	  "return:return-ok:return-fail:continue:continue-ok:continue-fail",
	  "what to do on a wrong password or an unknown user" },
	{ "result_internalfail", SET_ENUM, "continue",
	  "return:return-ok:return-fail:continue:continue-ok:continue-fail",
	  "what to do when this database is unusable" },
	SQL_BLOCK_DEFS
	{ NULL, 0, NULL, NULL, NULL }
};

const struct setting_block_def roost_setting_block_defs[] = {
	{ "passdb", passdb_defs, "a password database, tried in order" },
	{ "userdb", userdb_defs, "a user database, tried in order" },
	{ NULL, NULL, NULL }
};

/* Settings with a grammar beyond their type (settings-private.h). */

static const char *
check_listen(pool_t pool, const char *value)
{
	char **specs = p_strsplit_spaces(pool, value, " \t,");
	struct net_addr addr;
	const char *path, *error;

	for (unsigned int i = 0; specs[i] != NULL; i++) {
		if (net_parse_spec(specs[i], &addr, &path, &error) == 0)
			continue;
		if (str_begins(error, "expected"))
			return p_strdup_printf(pool, "'%s': %s", specs[i], error);
		return p_strdup_printf(pool, "'%s': %s (expected IP:port, "
				       "[IPv6]:port, *:port or unix:path)",
				       specs[i], error);
	}
	return NULL;
}

static const char *
check_protocols(pool_t pool, const char *value)
{
	char **protos = p_strsplit_spaces(pool, value, " \t,");

	for (unsigned int i = 0; protos[i] != NULL; i++) {
		if (strcmp(protos[i], "imap") != 0 &&
		    strcmp(protos[i], "pop3") != 0 &&
		    strcmp(protos[i], "lmtp") != 0) {
			return p_strdup_printf(pool, "unknown protocol '%s' "
				"(expected imap, pop3 and/or lmtp)", protos[i]);
		}
	}
	return NULL;
}

static const char *
check_mode(pool_t pool ATTR_UNUSED, const char *value)
{
	size_t len = strlen(value);

	if (len == 0 || len > 4 || strspn(value, "01234567") != len ||
	    (len == 4 && value[0] != '0'))
		return "expected an octal file mode (e.g. 0666)";
	return NULL;
}

static const char *
check_mail_location(pool_t pool ATTR_UNUSED, const char *value)
{
	if (!str_begins(value, "maildir:") || value[8] == '\0')
		return "expected maildir:PATH";
	for (const char *p = value; (p = strchr(p, '%')) != NULL; p += 2) {
		if (p[1] == '\0' || strchr("undh%", p[1]) == NULL)
			return "unknown %variable (expected %u %n %d %h or %%)";
	}
	return NULL;
}

/* "addr[/bits]" words, IPv4 or IPv6 (net_network_parse()) */
static const char *
check_networks(pool_t pool, const char *value)
{
	char **specs = p_strsplit_spaces(pool, value, " \t,");
	struct net_network net;

	for (unsigned int i = 0; specs[i] != NULL; i++) {
		if (net_network_parse(specs[i], &net) < 0)
			return p_strdup_printf(pool, "'%s': expected "
				"IP or IP/prefix", specs[i]);
	}
	return NULL;
}

static const char *
check_not_empty(pool_t pool ATTR_UNUSED, const char *value)
{
	return *value == '\0' ? "must not be empty" : NULL;
}

const struct setting_check roost_setting_checks[] = {
	{ "base_dir", check_not_empty },
	{ "imap_listen", check_listen },
	{ "pop3_listen", check_listen },
	{ "lmtp_listen", check_listen },
	{ "auth_client_listen", check_listen },
	{ "protocols", check_protocols },
	{ "auth_client_socket_mode", check_mode },
	{ "mail_location", check_mail_location },
	{ "login_trusted_networks", check_networks },
	{ "lmtp_trusted_networks", check_networks },
	{ NULL, NULL }
};
