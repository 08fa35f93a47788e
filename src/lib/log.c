/* SPDX-License-Identifier: MIT */
/*
 * Structured log lines (log.h): one write(2) per line so that lines from
 * several processes sharing the log fd never interleave.
 */
#include "lib.h"

#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define LOG_LINE_MAX 8192

struct log_field {
	char *key;
	char *value;
};

struct log_event {
	struct log_event *parent;
	ARRAY(struct log_field) fields;
};

static const char *log_service = "roost";
static enum log_level log_min_level = LOG_LEVEL_INFO;
static int log_fd = STDERR_FILENO;

static const char *const level_names[] = {
	"debug", "info", "warning", "error", "fatal",
};

void
log_init(const char *service, enum log_level min_level)
{
	log_service = service;
	log_min_level = min_level;
}

void
log_set_level(enum log_level min_level)
{
	log_min_level = min_level;
}

void
log_set_fd(int fd)
{
	log_fd = fd;
}

int
log_level_parse(const char *name)
{
	for (size_t i = 0; i < N_ELEMENTS(level_names); i++) {
		if (strcmp(level_names[i], name) == 0)
			return (int)i;
	}
	return -1;
}

const char *
log_level_name(enum log_level level)
{
	return (size_t)level < N_ELEMENTS(level_names) ?
		level_names[level] : "unknown";
}

struct log_event *
log_event_create(struct log_event *parent)
{
	struct log_event *event = xmalloc(sizeof(*event));

	event->parent = parent;
	array_init(&event->fields, system_pool, 4);
	return event;
}

void
log_event_destroy(struct log_event **_event)
{
	struct log_event *event = *_event;
	struct log_field *field;

	if (event == NULL)
		return;
	*_event = NULL;
	array_foreach(&event->fields, field) {
		xfree(field->key);
		xfree(field->value);
	}
	array_free(&event->fields);
	free(event);
}

void
log_event_set_str(struct log_event *event, const char *key,
		  const char *value)
{
	struct log_field *field;

	array_foreach(&event->fields, field) {
		if (strcmp(field->key, key) == 0) {
			xfree(field->value);
			field->value = xstrdup(value);
			return;
		}
	}
	field = array_push(&event->fields);
	field->key = xstrdup(key);
	field->value = xstrdup(value);
}

void
log_event_set_int(struct log_event *event, const char *key, intmax_t value)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%jd", value);
	log_event_set_str(event, key, buf);
}

/* The nearest value of key in event or its ancestors. */
static const char *
event_find(const struct log_event *event, const char *key)
{
	for (; event != NULL; event = event->parent) {
		for (size_t i = 0; i < event->fields.count; i++) {
			if (strcmp(event->fields.v[i].key, key) == 0)
				return event->fields.v[i].value;
		}
	}
	return NULL;
}

static bool
value_needs_quoting(const char *value)
{
	if (*value == '\0')
		return true;
	for (; *value != '\0'; value++) {
		unsigned char c = (unsigned char)*value;
		if (c <= ' ' || c == '"' || c == '=' || c == '\\' || c == 0x7f)
			return true;
	}
	return false;
}

/* Escape control characters so one log line stays one line. */
static void
append_escaped(struct str *dest, const char *value, bool quote)
{
	if (quote)
		str_append_c(dest, '"');
	for (; *value != '\0'; value++) {
		unsigned char c = (unsigned char)*value;
		if (c == '"' || c == '\\') {
			str_append_c(dest, '\\');
			str_append_c(dest, (char)c);
		} else if (c < ' ' || c == 0x7f) {
			str_printfa(dest, "\\x%02x", c);
		} else {
			str_append_c(dest, (char)c);
		}
	}
	if (quote)
		str_append_c(dest, '"');
}

/* user and session sit in the prefix unquoted: escape everything that
   could make the prefix ambiguous (a client may choose its login name). */
static void
append_prefix_value(struct str *dest, const char *value)
{
	for (; *value != '\0'; value++) {
		unsigned char c = (unsigned char)*value;
		if (c <= ' ' || c == 0x7f || strchr("()<>\"\\:", c) != NULL)
			str_printfa(dest, "\\x%02x", c);
		else
			str_append_c(dest, (char)c);
	}
}

/* The message: only what could break the line (or fake an escape) is
   escaped, so ordinary text with quotes stays readable. */
static void
append_message(struct str *dest, const char *msg)
{
	for (; *msg != '\0'; msg++) {
		unsigned char c = (unsigned char)*msg;
		if (c == '\\')
			str_append(dest, "\\\\");
		else if (c < ' ' || c == 0x7f)
			str_printfa(dest, "\\x%02x", c);
		else
			str_append_c(dest, (char)c);
	}
}

static bool
key_is_shown(const struct log_event *event, const struct log_event *owner,
	     const char *key)
{
	if (strcmp(key, "user") == 0 || strcmp(key, "session") == 0)
		return false;
	/* a child overriding a parent's key: show only the nearest one */
	for (; event != owner; event = event->parent) {
		for (size_t i = 0; i < event->fields.count; i++) {
			if (strcmp(event->fields.v[i].key, key) == 0)
				return false;
		}
	}
	return true;
}

static void
append_fields(struct str *line, const struct log_event *event,
	      const struct log_event *cur)
{
	if (cur == NULL)
		return;
	append_fields(line, event, cur->parent);
	for (size_t i = 0; i < cur->fields.count; i++) {
		const struct log_field *field = &cur->fields.v[i];
		if (!key_is_shown(event, cur, field->key))
			continue;
		str_printfa(line, " %s=", field->key);
		append_escaped(line, field->value,
			       value_needs_quoting(field->value));
	}
}

static void
append_prefix(struct str *line, const struct log_event *event,
	      enum log_level level)
{
	struct timeval tv;
	struct tm tm;
	char tbuf[32];

	gettimeofday(&tv, NULL);
	gmtime_r(&tv.tv_sec, &tm);
	strftime(tbuf, sizeof(tbuf), "%Y-%m-%dT%H:%M:%S", &tm);
	str_printfa(line, "%s.%03dZ %s %s", tbuf, (int)(tv.tv_usec / 1000),
		    log_level_name(level), log_service);
	const char *user = event_find(event, "user");
	const char *session = event_find(event, "session");
	if (user != NULL) {
		str_append_c(line, '(');
		append_prefix_value(line, user);
		str_append_c(line, ')');
	}
	if (session != NULL) {
		str_append_c(line, '<');
		append_prefix_value(line, session);
		str_append_c(line, '>');
	}
	str_append(line, ": ");
}

void
log_event_logv(struct log_event *event, enum log_level level,
	       const char *fmt, va_list args)
{
	char msgbuf[LOG_LINE_MAX];

	if (level < log_min_level)
		return;
	/* build in a scratch pool so the common case does not malloc */
	pool_t pool = pool_create_arena("log line", LOG_LINE_MAX * 2);
	struct str *out = str_create(pool, LOG_LINE_MAX);
	append_prefix(out, event, level);
	vsnprintf(msgbuf, sizeof(msgbuf), fmt, args);
	append_message(out, msgbuf);
	append_fields(out, event, event);
	if (out->len > LOG_LINE_MAX - 1)
		str_truncate(out, LOG_LINE_MAX - 1);
	str_append_c(out, '\n');
	ssize_t ret = write(log_fd, out->data, out->len);
	(void)ret;	/* nowhere left to report a failing log */
	pool_destroy(&pool);
}

void
log_event_log(struct log_event *event, enum log_level level,
	      const char *fmt, ...)
{
	va_list args;

	va_start(args, fmt);
	log_event_logv(event, level, fmt, args);
	va_end(args);
}

void
i_fatal(const char *fmt, ...)
{
	va_list args;

	va_start(args, fmt);
	log_event_logv(NULL, LOG_LEVEL_FATAL, fmt, args);
	va_end(args);
	/* _exit: startup-time state is not torn down (and LeakSanitizer does
	   not turn the status into its own); the log line is already out */
	(void)fflush(NULL);
	_exit(89);
}
