/* SPDX-License-Identifier: MIT */
/*
 * Shared helpers for roost's libFuzzer harnesses (tests/fuzz/<name>/).
 * Header-only: each harness is one .c file linked with the library units it
 * needs (tests/fuzz/build.sh).
 *
 * Conventions of every harness:
 *  - LLVMFuzzerTestOneInput() never keeps state between inputs and frees
 *    everything it allocates (LeakSanitizer checks that);
 *  - it bounds its own work (an input longer than the harness's limit is
 *    ignored), so a timeout is always the parser's fault;
 *  - a broken property calls fuzz_fail(), which aborts: libFuzzer reports
 *    it as a crash and keeps the input.
 */
#ifndef ROOST_FUZZ_COMMON_H
#define ROOST_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* ASan's default quarantine (256 MiB) alone takes half of the smoke run's
   -rss_limit_mb=512; 64 MiB still catches use-after-free of recent
   blocks. Environment ASAN_OPTIONS override this. */
const char *__asan_default_options(void);
const char *
__asan_default_options(void)
{
	return "quarantine_size_mb=64";
}

/* A broken property: print why and abort (libFuzzer saves the input). */
static void ATTR_NORETURN ATTR_FORMAT(1, 2) ATTR_UNUSED
fuzz_fail(const char *fmt, ...)
{
	va_list args;

	va_start(args, fmt);
	fputs("fuzz property failed: ", stderr);
	vfprintf(stderr, fmt, args);
	fputc('\n', stderr);
	va_end(args);
	abort();
}

#define fuzz_check(expr) \
	((expr) ? (void)0 : \
	 fuzz_fail("%s (%s:%d)", #expr, __FILE__, __LINE__))

/* Quiet logging: parsers that log bad input (passwd-file) would flood the
   fuzzer's output. Panics still print (FATAL). */
static void ATTR_UNUSED
fuzz_lib_init(const char *name)
{
	log_init(name, LOG_LEVEL_FATAL);
}

/* Input chunking for incremental parsers: a small deterministic PRNG
   (xorshift32) seeded from a control byte picks each chunk length, so the
   same input always splits the same way and the fuzzer can mutate the
   split points through that byte. */
struct fuzz_chunker {
	uint32_t state;
	size_t max_chunk;	/* 0 = everything at once */
};

static void ATTR_UNUSED
fuzz_chunker_init(struct fuzz_chunker *ch, uint8_t control)
{
	static const size_t max_chunks[8] = { 0, 1, 2, 3, 7, 16, 64, 512 };

	ch->state = 0x9e3779b9U ^ ((uint32_t)control * 0x01000193U);
	if (ch->state == 0)
		ch->state = 1;
	ch->max_chunk = max_chunks[control & 7];
}

static size_t ATTR_UNUSED
fuzz_chunker_next(struct fuzz_chunker *ch, size_t left)
{
	uint32_t x = ch->state;

	if (ch->max_chunk == 0)
		return left;
	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	ch->state = x;
	return MIN(left, 1 + x % ch->max_chunk);
}

/* NUL-terminated copy of data (caller frees with xfree()). */
static char * ATTR_UNUSED
fuzz_strndup(const uint8_t *data, size_t size)
{
	char *str = xmalloc(size + 1);

	memcpy(str, data, size);
	return str;
}

#endif
