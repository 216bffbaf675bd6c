#!/bin/sh
# Runs every BUILD_DIR/tests/test_* unit test binary, prints each result and exits
# non-zero if any fails. In the plain "build" directory each test also runs under
# valgrind (when installed), which fails the test on any memory error or leak.
# Usage: sh tests/run-unit.sh BUILD_DIR
set -u
build=${1:?usage: sh tests/run-unit.sh BUILD_DIR}
passed=0
failed=0
failures=""

use_valgrind=0
if [ "$build" = "build" ] && command -v valgrind >/dev/null 2>&1; then
	use_valgrind=1
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
