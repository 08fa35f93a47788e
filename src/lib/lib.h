/* SPDX-License-Identifier: MIT */
/*
 * lib.h: included first by every .c file of roost. Common types, attribute
 * macros, the aborting system allocator (xmalloc family), assertions for our
 * own invariants, and the most used lib headers.
 */
#ifndef ROOST_LIB_H
#define ROOST_LIB_H

#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

/* Unsigned file offset / message size. Never use int for client sizes. */
typedef uint64_t uoff_t;
#define UOFF_T_MAX UINT64_MAX

#define ATTR_NODISCARD __attribute__((warn_unused_result))
#define ATTR_FORMAT(fmt, args) __attribute__((format(printf, fmt, args)))
#define ATTR_NORETURN __attribute__((noreturn))
#define ATTR_UNUSED __attribute__((unused))
#define ATTR_MALLOC __attribute__((malloc))

#define N_ELEMENTS(arr) (sizeof(arr) / sizeof((arr)[0]))
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))

/* Compile-time check that a callback takes a context of the given type:
   used by io_add(), timeout_add() and other callback registrations. Evaluates
   to 0 so that it can be added to an expression. */
#define CALLBACK_TYPECHECK(cb, type) \
	(__builtin_types_compatible_p(__typeof__(&*(cb)), type) ? 0 : 1 / 0)

/* Broken invariants in OUR code only. Never use on network input, IPC
   messages or file contents: those get an error result. */
ATTR_NORETURN void lib_panic(const char *fmt, ...) ATTR_FORMAT(1, 2);
#define lib_assert(expr) \
	((expr) ? (void)0 : \
	 lib_panic("assertion failed: %s (%s:%d)", #expr, __FILE__, __LINE__))

/* System heap. Allocation failure aborts (the master restarts the process);
   acceptable because every client-controlled size is bounded first.
   xmalloc/xcalloc return zeroed memory. Caller frees with xfree(). */
void *xmalloc(size_t size) ATTR_MALLOC;
void *xcalloc(size_t nmemb, size_t size) ATTR_MALLOC;
void *xrealloc(void *mem, size_t size);
char *xstrdup(const char *str) ATTR_MALLOC;
char *xstrndup(const char *str, size_t max_len) ATTR_MALLOC;
#define xfree(mem) do { free(mem); (mem) = NULL; } while (0)

/* Overflow-checked size arithmetic: false on overflow. */
static inline bool size_add_ok(size_t a, size_t b, size_t *res_r)
{
	return !__builtin_add_overflow(a, b, res_r);
}
static inline bool size_mul_ok(size_t a, size_t b, size_t *res_r)
{
	return !__builtin_mul_overflow(a, b, res_r);
}

#include "pool.h"
#include "str.h"
#include "buffer.h"
#include "array.h"
#include "strfuncs.h"
#include "log.h"

#endif
