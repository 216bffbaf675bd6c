#!/bin/sh
# Runs every BUILD_DIR/tests/test_* unit test binary, prints each result and exits
# non-zero if any fails. With --valgrind (or LOAXA_VALGRIND=1) each test that passed
# runs again under valgrind, which fails it on any memory error or leak; not for an
# ASan build (the two do not mix).
# Usage: sh tests/run-unit.sh [--valgrind] BUILD_DIR
set -u
use_valgrind=${LOAXA_VALGRIND:-0}
if [ "${1:-}" = "--valgrind" ]; then
	use_valgrind=1
	shift
fi
build=${1:?usage: sh tests/run-unit.sh [--valgrind] BUILD_DIR}
passed=0
failed=0
failures=""

if [ "$use_valgrind" = 1 ] && ! command -v valgrind >/dev/null 2>&1; then
	echo "unit: valgrind is not installed (package valgrind): memory checks skipped" >&2
	use_valgrind=0
fi

for t in "$build"/tests/test_*; do
	[ -f "$t" ] && [ -x "$t" ] || continue
	name=$(basename "$t")
	log=$(mktemp)
	if "$t" >"$log" 2>&1; then
		result=ok
	else
		result="FAILED (exit $?)"
	fi
	if [ "$result" = ok ] && [ $use_valgrind = 1 ]; then
		# cmocka forks nothing by default; a test's own leaks show as errors here.
		if ! valgrind -q --error-exitcode=1 --leak-check=full \
		    --errors-for-leak-kinds=definite,indirect "$t" >>"$log" 2>&1; then
			result="FAILED under valgrind"
		fi
	fi
	if [ "$result" = ok ]; then
		echo "PASS $name"
		passed=$((passed + 1))
	else
		echo "FAIL $name: $result"
		sed 's/^/    /' "$log"
		failed=$((failed + 1))
		failures="$failures $name"
	fi
	rm -f "$log"
done

echo "unit: $passed passed, $failed failed"
if [ $((passed + failed)) -eq 0 ]; then
	echo "unit: no test binaries in $build/tests/" >&2
fi
[ $failed -eq 0 ] || { echo "failed:$failures" >&2; exit 1; }
