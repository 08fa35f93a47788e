/* SPDX-License-Identifier: MIT */
/* The aborting system allocator and the panic path. */
#include "lib.h"

#include <unistd.h>

static void ATTR_NORETURN
out_of_memory(size_t size)
{
	char msg[96];
	int len = snprintf(msg, sizeof(msg),
			   "fatal: out of memory allocating %zu bytes\n", size);
	if (len > 0 && write(STDERR_FILENO, msg, (size_t)len) < 0) {
		/* nothing more we can do */
	}
	abort();
}

void *
xmalloc(size_t size)
{
	void *mem = calloc(1, size == 0 ? 1 : size);
	if (mem == NULL)
		out_of_memory(size);
	return mem;
}

void *
xcalloc(size_t nmemb, size_t size)
{
	size_t total;
	if (!size_mul_ok(nmemb, size, &total))
		out_of_memory(SIZE_MAX);
	return xmalloc(total);
}

void *
xrealloc(void *mem, size_t size)
{
	void *ret = realloc(mem, size == 0 ? 1 : size);
	if (ret == NULL)
		out_of_memory(size);
	return ret;
}

char *
xstrdup(const char *str)
{
	size_t len = strlen(str);
	char *ret = xmalloc(len + 1);
	memcpy(ret, str, len);
	return ret;
}

char *
xstrndup(const char *str, size_t max_len)
{
	size_t len = strnlen(str, max_len);
	char *ret = xmalloc(len + 1);
	memcpy(ret, str, len);
	return ret;
}

void
lib_panic(const char *fmt, ...)
{
	static bool panicking = false;
	char msg[1024];
	va_list args;

	va_start(args, fmt);
	vsnprintf(msg, sizeof(msg), fmt, args);
	va_end(args);
	if (!panicking) {
		/* the log itself uses pools and strings: if those are what
		   broke, the nested panic falls through to plain stderr */
		panicking = true;
		log_event_log(NULL, LOG_LEVEL_FATAL, "Panic: %s", msg);
	} else {
		char line[1100];
		int len = snprintf(line, sizeof(line), "Panic: %s\n", msg);
		if (len > 0 && write(STDERR_FILENO, line,
				     MIN((size_t)len, sizeof(line) - 1)) < 0) {
			/* nothing more we can do */
		}
	}
	abort();
}
