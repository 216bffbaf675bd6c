#!/bin/sh
# Runs the playout benchmarks and rewrites their sections of bench/RESULTS.md
# (each section is replaced by its heading; the others, e.g. "## Bulletins",
# are left as they are). See bench/README.md.
# Usage: sh bench/run.sh [player] [cpu] [slot] [idle]   (from the repository root;
#        no argument runs them all, about 6 minutes plus 20 s to make the hour of MP3
#        the first time)
set -eu
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build-bench}
export BUILD
OUT=bench/RESULTS.md
WORK=$(mktemp -d /tmp/loaxa-run-XXXXXX)
trap 'rm -rf "$WORK"' EXIT INT TERM

[ $# -gt 0 ] || set -- player cpu slot idle

make -s BUILD="$BUILD" "$BUILD/loaxad" "$BUILD/tests/tools/pa_capture" >/dev/null

# replace_section FILE: puts FILE (which starts with its "## " heading) in place of
# the section of RESULTS.md with the same heading, or appends it.
replace_section() {
	heading=$(head -1 "$1")
	[ -f "$OUT" ] || printf '# Benchmarks\n\n' > "$OUT"
	awk -v sec="$1" -v h="$heading" '
		/^## / { if (skip) skip = 0 }
		$0 == h { while ((getline l < sec) > 0) print l; skip = 1; done = 1; next }
		!skip { print; last = $0 }
		END { if (!done) { if (last != "") print ""; while ((getline l < sec) > 0) print l } }' \
		"$OUT" > "$WORK/out.md"
	cp "$WORK/out.md" "$OUT"
}

for b in "$@"; do
	echo "== $b" >&2
	case $b in
	player)	sh bench/cpu_rss.sh 60 ;;	# rewrites its own "## CPU and memory"
	cpu)	sh bench/loaxad_cpu.sh 60 > "$WORK/cpu.md" && replace_section "$WORK/cpu.md" ;;
	slot)	/usr/bin/python3 bench/slot_start.py --starts 20 --spacing 5 --duration 3 \
		    --build "$BUILD" > "$WORK/slot.md" && replace_section "$WORK/slot.md" ;;
	idle)	sh bench/idle_cost.sh 60 > "$WORK/idle.md" && replace_section "$WORK/idle.md" ;;
	*)	echo "run.sh: unknown benchmark $b (player, cpu, slot, idle)" >&2; exit 2 ;;
	esac
done
echo "wrote $OUT" >&2
