/* SPDX-License-Identifier: MIT */
/* Failure, timing, buffers and hashing for the load generator. */
#include "bench.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void bench_fail(const char *fmt, ...)
{
	va_list args;

	fputs("bload: FAIL: ", stderr);
	va_start(args, fmt);
	vfprintf(stderr, fmt, args);
	va_end(args);
	fputc('\n', stderr);
	fflush(stderr);
	exit(1);
}

void bench_info(const char *fmt, ...)
{
	va_list args;

	fputs("bload: ", stderr);
	va_start(args, fmt);
	vfprintf(stderr, fmt, args);
	va_end(args);
	fputc('\n', stderr);
}

double bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void *bench_xmalloc(size_t size)
{
	void *p = malloc(size == 0 ? 1 : size);

	if (p == NULL)
		bench_fail("out of memory (%zu bytes)", size);
	return p;
}

void *bench_xrealloc(void *ptr, size_t size)
{
	void *p = realloc(ptr, size == 0 ? 1 : size);

	if (p == NULL)
		bench_fail("out of memory (%zu bytes)", size);
	return p;
}

void bench_buf_add(struct bench_buf *b, const void *data, size_t len)
{
	if (b->len + len + 1 > b->cap) {
		size_t cap = b->cap == 0 ? 4096 : b->cap;

		while (cap < b->len + len + 1)
			cap *= 2;
		b->data = bench_xrealloc(b->data, cap);
		b->cap = cap;
	}
	memcpy(b->data + b->len, data, len);
	b->len += len;
	b->data[b->len] = '\0';
}

void bench_buf_str(struct bench_buf *b, const char *s)
{
	bench_buf_add(b, s, strlen(s));
}

void bench_buf_printf(struct bench_buf *b, const char *fmt, ...)
{
	char tmp[4096];
	va_list args;
	int n;

	va_start(args, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, args);
	va_end(args);
	if (n < 0 || (size_t)n >= sizeof(tmp))
		bench_fail("bench_buf_printf: output too long");
	bench_buf_add(b, tmp, (size_t)n);
}

void bench_buf_free(struct bench_buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

uint64_t bench_hash_more(uint64_t h, const void *data, size_t len)
{
	const unsigned char *p = data;

	for (size_t i = 0; i < len; i++) {
		h ^= p[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

uint64_t bench_hash(const void *data, size_t len)
{
	return bench_hash_more(BENCH_HASH_INIT, data, len);
}
