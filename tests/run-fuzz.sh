#!/bin/sh
# Runs each libFuzzer binary for SECONDS, starting from tests/fuzz/corpus/<name>/
# (and, for fuzz_cap, the real messages in tests/data/cap-real/)
# (copied to a temporary folder, so the tree stays clean; new inputs are dropped).
# Fails if any target crashes, leaks or times out; the crashing input is kept in
# build-fuzz/crashes/<name>/ and named in the output.
# Usage: sh tests/run-fuzz.sh SECONDS BIN...
set -u
seconds=${1:?usage: sh tests/run-fuzz.sh SECONDS BIN...}
shift
here=$(cd "$(dirname "$0")" && pwd)
failed=0
passed=0

for bin in "$@"; do
	name=$(basename "$bin")
	work=$(mktemp -d)
	mkdir -p "$work/corpus"
	if [ -d "$here/fuzz/corpus/$name" ]; then
		cp -R "$here/fuzz/corpus/$name/." "$work/corpus/"
	fi
	# The CAP messages real authorities published seed the CAP fuzzer too
	# (tests/data/cap-real/SOURCES.md).
	if [ "$name" = fuzz_cap ]; then
		cp "$here"/data/cap-real/*.xml "$work/corpus/"
	fi
	crashes="build-fuzz/crashes/$name"
	mkdir -p "$crashes"
	echo "fuzz $name for ${seconds}s ($(ls "$work/corpus" | wc -l) seed inputs)"
	if "$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
	    -artifact_prefix="$crashes/" -print_final_stats=0 \
	    "$work/corpus" >"$work/log" 2>&1; then
		echo "PASS $name"
		passed=$((passed + 1))
	else
		echo "FAIL $name: crash or error; inputs in $crashes/"
		grep -E 'ERROR|SUMMARY|Test unit written|==[0-9]+==' "$work/log" | head -20 | sed 's/^/    /'
		failed=$((failed + 1))
	fi
	rm -rf "$work"
done

echo "fuzz: $passed passed, $failed failed"
[ $failed -eq 0 ]
