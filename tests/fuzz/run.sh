#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Run roost's libFuzzer harnesses (built by tests/fuzz/build.sh):
#
#   tests/fuzz/run.sh smoke SECONDS [NAME...]
#       each harness for SECONDS over a temp copy of its seed corpus (the
#       repo corpus never grows); ./dev test uses this with 10 s.
#   tests/fuzz/run.sh long SECONDS [NAME...]
#       each harness for SECONDS; new inputs are kept in
#       build-fuzz/corpus/NAME (outside the repo), seeded from the repo
#       corpus, so repeated runs build on each other.
#
# Harnesses run in parallel, one per CPU. For each one a line
#   "fuzz NAME: ok (N runs)" or "fuzz NAME: FAILED (...)"
# is printed, and the exit code is the number of failed harnesses (0 = all
# passed). Crash, leak, timeout and OOM inputs go to
# build-fuzz/artifacts/NAME/; replay one with: build-fuzz/NAME FILE
set -uo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$top" || exit 2

ALL="imap-parser imap-utf7 base64 date smtp-command pop3-command passwd-file config
	message-header message-parser message-address rfc2047
	index-file index-log index-cache sasl-server auth-protocol"

# -max_len per harness (libFuzzer's default is 4096, or the largest seed)
max_len() {
	case $1 in
	imap-parser) echo 70000 ;;
	passwd-file|config|message-header|message-parser) echo 16384 ;;
	smtp-command|pop3-command|index-file|index-log|index-cache) echo 8192 ;;
	sasl-server) echo 16384 ;;
	auth-protocol) echo 32768 ;;
	*) echo 4096 ;;
	esac
}

mode=${1:-}
secs=${2:-}
case "$mode" in smoke|long) ;; *) echo "usage: $0 smoke|long SECONDS [NAME...]" >&2; exit 2 ;; esac
case "$secs" in ''|*[!0-9]*) echo "$0: SECONDS must be a number" >&2; exit 2 ;; esac
shift 2
names=${*:-$ALL}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# run_one NAME: runs the harness, writes $work/NAME.result
run_one() {
	local n=$1 bin=build-fuzz/$1 dir=tests/fuzz/$1 corpus
	local art=build-fuzz/artifacts/$n/ log=$work/$n.log
	local dict=() rc

	mkdir -p "$art" "$work/$n.tmp"
	[ -f "$dir/$n.dict" ] && dict=(-dict="$dir/$n.dict")
	if [ "$mode" = smoke ]; then
		corpus=("$work/$n.corpus")
		mkdir -p "${corpus[0]}"
		cp "$dir"/corpus/* "${corpus[0]}/"
	else
		mkdir -p "build-fuzz/corpus/$n"
		corpus=("build-fuzz/corpus/$n" "$dir/corpus")
	fi
	TMPDIR=$work/$n.tmp "$bin" -max_total_time="$secs" -rss_limit_mb=512 \
		-timeout=5 -max_len="$(max_len "$n")" -print_final_stats=1 \
		-artifact_prefix="$art" "${dict[@]}" "${corpus[@]}" \
		> "$log" 2>&1
	rc=$?
	local runs
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n1)
	if [ $rc -eq 0 ]; then
		echo "fuzz $n: ok (${runs:-?} runs in ${secs} s)" > "$work/$n.result"
	else
		local what
		what=$(grep -aE 'ERROR: libFuzzer|ERROR: AddressSanitizer|ERROR: LeakSanitizer|runtime error|fuzz property failed|Panic:' "$log" | head -n1)
		{
			echo "fuzz $n: FAILED (exit $rc: ${what:-see log})"
			grep -a 'Test unit written to' "$log" | sed 's/^/  /'
			echo "  --- last lines of the log:"
			tail -n 25 "$log" | cut -c1-300 | sed 's/^/  /'
		} > "$work/$n.result"
	fi
}

jobs=$(nproc 2>/dev/null || echo 2)
running=0
for n in $names; do
	if [ ! -x "build-fuzz/$n" ]; then
		echo "fuzz $n: FAILED (build-fuzz/$n missing: run tests/fuzz/build.sh)" > "$work/$n.result"
		continue
	fi
	run_one "$n" &
	running=$((running + 1))
	if [ $running -ge "$jobs" ]; then
		wait -n
		running=$((running - 1))
	fi
done
wait

failed=0
for n in $names; do
	cat "$work/$n.result"
	grep -q ': ok ' "$work/$n.result" || failed=$((failed + 1))
done
exit $failed
