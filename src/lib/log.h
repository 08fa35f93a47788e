/* SPDX-License-Identifier: MIT */
/*
 * Structured logging. Every line is one write(2) to the log fd (stderr by
 * default, inherited from the master), formatted as
 *
 *   <time> <level> <service>(<user>)<session>: <message> key=value ...
 *
 * e.g. "2026-11-22T20:01:02.345Z info imap(alice)<9f3c0a1b2c3d4e5f>:
 * Logged in remote=127.0.0.1 local=127.0.0.1". "(user)" is present when the
 * event (or a parent) has a "user" field, "<session>" when it has "session";
 * the other fields follow the message in the order they were set, parents
 * first. Values containing a space, quote, '=', backslash or control
 * character are quoted and escaped, so client-supplied values are safe.
 *
 * Events form a hierarchy process -> connection -> session -> command;
 * children inherit their parents' fields. The root event (NULL parent) is the
 * process. Never log passwords, SASL payloads or message bodies.
 */
#ifndef ROOST_LOG_H
#define ROOST_LOG_H

enum log_level {
	LOG_LEVEL_DEBUG = 0,
	LOG_LEVEL_INFO,
	LOG_LEVEL_WARNING,
	LOG_LEVEL_ERROR,
	LOG_LEVEL_FATAL,
};

struct log_event;

/* service: "master", "auth", "login", "imap", "pop3", "lmtp", ... */
void log_init(const char *service, enum log_level min_level);
void log_set_level(enum log_level min_level);
/* Send lines to fd instead of stderr (the fd is not closed by log). */
void log_set_fd(int fd);
/* "debug", "info", ... -> level; -1 if unknown. */
int log_level_parse(const char *name);
const char *log_level_name(enum log_level level);

/* parent NULL = the process root. Caller destroys with log_event_destroy()
   (children must be destroyed first). */
struct log_event *log_event_create(struct log_event *parent);
void log_event_destroy(struct log_event **event);
/* Sets or replaces a field; the value is copied. */
void log_event_set_str(struct log_event *event, const char *key,
		       const char *value);
void log_event_set_int(struct log_event *event, const char *key,
		       intmax_t value);

/* event may be NULL (root). Lines below the minimum level are dropped
   cheaply. A message ending in key=value fields is not special: put fields
   on the event. */
void log_event_log(struct log_event *event, enum log_level level,
		   const char *fmt, ...) ATTR_FORMAT(3, 4);
void log_event_logv(struct log_event *event, enum log_level level,
		    const char *fmt, va_list args) ATTR_FORMAT(3, 0);

#define e_debug(ev, ...) log_event_log((ev), LOG_LEVEL_DEBUG, __VA_ARGS__)
#define e_info(ev, ...) log_event_log((ev), LOG_LEVEL_INFO, __VA_ARGS__)
#define e_warning(ev, ...) log_event_log((ev), LOG_LEVEL_WARNING, __VA_ARGS__)
#define e_error(ev, ...) log_event_log((ev), LOG_LEVEL_ERROR, __VA_ARGS__)
#define i_debug(...) log_event_log(NULL, LOG_LEVEL_DEBUG, __VA_ARGS__)
#define i_info(...) log_event_log(NULL, LOG_LEVEL_INFO, __VA_ARGS__)
#define i_warning(...) log_event_log(NULL, LOG_LEVEL_WARNING, __VA_ARGS__)
#define i_error(...) log_event_log(NULL, LOG_LEVEL_ERROR, __VA_ARGS__)
/* Logs at fatal level and exits with status 89 (startup and config only). */
ATTR_NORETURN void i_fatal(const char *fmt, ...) ATTR_FORMAT(1, 2);

#endif
