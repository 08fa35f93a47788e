#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Build roost's libFuzzer harnesses into build-fuzz/<name>:
#   tests/fuzz/build.sh [NAME...]      (default: every harness)
#
# Each harness (tests/fuzz/<name>/fuzz-<name>.c) is linked with only the
# library units it needs, compiled here with clang and
# -fsanitize=fuzzer-no-link,address,undefined (the harness itself with
# -fsanitize=fuzzer). config.h comes from ./build (./dev creates it).
# Builds are incremental: a generated Makefile (build-fuzz/Makefile) with
# compiler-made header dependencies.
set -euo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$top"
out=${FUZZ_OUT:-build-fuzz}	# FUZZ_OUT: another output dir (a private build)

CC=${FUZZ_CC:-}
if [ -z "$CC" ]; then
	for c in clang-14 clang; do
		command -v "$c" >/dev/null 2>&1 && { CC=$c; break; }
	done
fi
[ -n "$CC" ] || { echo "build.sh: clang not found (apt-get install clang libclang-rt-14-dev)" >&2; exit 1; }
[ -f build/config.h ] || { echo "build.sh: build/config.h missing: run ./dev build first" >&2; exit 1; }

# The library units every harness needs (the allocator, pools, strings,
# logging for panics).
base="src/lib/lib.c src/lib/pool.c src/lib/str.c src/lib/buffer.c
	src/lib/array.c src/lib/strfuncs.c src/lib/log.c"

# the whole of src/index (its readers share the apply and parse code)
index_units="src/index/mail-index.c src/index/mail-index-apply.c
	src/index/mail-index-file.c src/index/mail-index-log.c
	src/index/mail-index-sync.c src/index/mail-index-text-log.c
	src/index/mail-index-transaction.c src/index/mail-cache.c
	src/index/mail-cache-compact.c"

# roost-auth without main.c, for the harnesses that drive a real struct
# auth over the auth-client protocol: the rest of src/lib and all of
# src/auth (a glob, so new mechanisms are linked without an edit here)
auth_units=$(for u in src/lib/*.c src/auth/*.c; do
	case " $(echo $base) src/auth/main.c " in *" $u "*) ;; *) echo "$u" ;; esac
done)
auth_libs="$(sed -n 's/^\(OPENSSL\|CRYPT\|PQ\|MYSQL\)_LIBS = //p' build/Makefile 2>/dev/null | tr '\n' ' ') -lcrypt -lpthread"

# name -> the units it links besides $base
declare -A units=(
	[imap-parser]="src/lib/istream.c src/lib-imap/imap-parser.c
		src/lib-imap/imap-arg.c src/lib-imap/imap-seqset.c"
	[imap-utf7]="src/lib/utf7.c"
	[base64]="src/lib/base64.c"
	[date]="src/lib/date.c"
	[smtp-command]="src/lib/istream.c src/lib-lmtp/smtp-command-parser.c
		src/lib-lmtp/smtp-address.c"
	[pop3-command]="src/lib/istream.c src/lib-pop3/pop3-command-parser.c"
	[passwd-file]="src/lib/hash.c src/auth/passwd-file.c"
	[config]="src/lib/net.c src/lib/settings.c src/lib/settings-value.c
		src/lib/settings-dump.c src/lib/roost-settings.c"
	[message-header]="src/lib/istream.c src/lib-mail/message-header-parser.c"
	[message-parser]="src/lib/istream.c src/lib-mail/message-header-parser.c
		src/lib-mail/message-parser.c src/lib-mail/mime-param.c
		src/lib-mail/rfc822-parser.c src/lib-mail/charset-utf8.c
		src/lib-mail/imap-bodystructure.c src/lib-mail/imap-envelope.c
		src/lib-mail/message-address.c src/lib-mail/message-cte-decoder.c"
	[message-address]="src/lib-mail/message-address.c
		src/lib-mail/rfc822-parser.c src/lib-mail/imap-bodystructure.c
		src/lib-mail/imap-envelope.c src/lib-mail/mime-param.c
		src/lib-mail/charset-utf8.c"
	[rfc2047]="src/lib-mail/rfc2047.c src/lib-mail/charset-utf8.c
		src/lib-mail/message-cte-decoder.c src/lib-mail/rfc822-parser.c
		src/lib-mail/unicode-casemap.c src/lib-mail/imap-base-subject.c"
	[sasl-server]="$auth_units"
	[auth-protocol]="$auth_units"
	[index-file]="$index_units"
	[index-log]="$index_units"
	[index-cache]="$index_units"
)
# extra link libraries
declare -A libs=(
	[passwd-file]=""
	[sasl-server]="$auth_libs"
	[auth-protocol]="$auth_libs"
	[rfc2047]="$(grep -q 'define HAVE_LIBUNISTRING 1' build/config.h && echo -lunistring)"
)
all_names="imap-parser imap-utf7 base64 date smtp-command pop3-command
	passwd-file config message-header message-parser message-address rfc2047
	index-file index-log index-cache sasl-server auth-protocol"

if [ $# -gt 0 ]; then
	names="$*"
	for n in $names; do
		[ -n "${units[$n]+x}" ] || { echo "build.sh: unknown harness $n (have: $(echo $all_names))" >&2; exit 2; }
	done
else
	names=$all_names
fi

# clang 14 does not define GCC's __SANITIZE_ADDRESS__, which turns on the
# arena pool poisoning in src/lib/pool.c: define it so the fuzzers see
# overruns inside pools too.
san="-fsanitize=address,undefined -fno-sanitize-recover=undefined -D__SANITIZE_ADDRESS__=1"
cflags="-std=gnu11 -g -O1 -Wall -Wextra -Werror -Wno-unused-parameter
	-Wmissing-prototypes -Wstrict-prototypes -Wshadow -Wpointer-arith
	-fno-strict-aliasing -fno-omit-frame-pointer $san"
# src/lib/process.c (linked by the auth harnesses) wants these paths
paths_defs='-DSYSCONFDIR=\"/etc\" -DPKGLIBEXECDIR=\"/usr/libexec/roost\"'
includes="-I$top/build -I$top/src/lib -I$top/src/lib-imap -I$top/src/lib-lmtp
	-I$top/src/lib-pop3 -I$top/src/auth -I$top/src/lib-mail -I$top/src/index
	-I$top/tests/fuzz/common
	$(sed -n 's/^\(PQ\|MYSQL\)_CFLAGS = //p' build/Makefile 2>/dev/null)
	$paths_defs"

mkdir -p "$out"
mk="$out/Makefile.new"
{
	echo "# generated by tests/fuzz/build.sh; do not edit"
	echo "CC = $CC"
	echo "CFLAGS = $(echo $cflags) $(echo $includes)"
	echo "all:"
	objs_seen=" "
	for n in $names; do
		objs=""
		for u in $base ${units[$n]}; do
			o="obj/${u%.c}.o"
			objs="$objs $o"
			case "$objs_seen" in *" $o "*) continue ;; esac
			objs_seen="$objs_seen$o "
			echo "$o: $top/$u"
			printf '\t@mkdir -p $(dir $@)\n'
			printf '\t$(CC) $(CFLAGS) -fsanitize=fuzzer-no-link -MMD -MP -c -o $@ $<\n'
		done
		h="obj/tests/fuzz/$n/fuzz-$n.o"
		echo "$h: $top/tests/fuzz/$n/fuzz-$n.c"
		printf '\t@mkdir -p $(dir $@)\n'
		printf '\t$(CC) $(CFLAGS) -fsanitize=fuzzer-no-link -MMD -MP -c -o $@ $<\n'
		echo "$n: $h$objs"
		printf '\t$(CC) $(CFLAGS) -fsanitize=fuzzer -o $@ $^ -lsodium %s\n' "${libs[$n]:-}"
		echo "all: $n"
	done
	echo "-include \$(shell find obj -name '*.d' 2>/dev/null)"
} > "$mk"
cmp -s "$mk" "$out/Makefile" && rm -f "$mk" || mv "$mk" "$out/Makefile"
make -s -C "$out" -j"$(nproc)" all
