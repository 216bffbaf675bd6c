#!/bin/sh
# CPU and peak memory of the player against mpg123 airing the same hour of
# 128 kbit/s stereo MP3 into ALSA's null device (which does not keep time,
# so both decode as fast as they can: the CPU seconds compare decode paths).
# Usage: sh bench/cpu_rss.sh [minutes]   (from the repository root)
# Needs sox, lame, mpg123, /usr/bin/time. Writes bench/RESULTS.md.
set -eu
MIN=${1:-60}
BUILD=${BUILD:-build-bench}
WORK=$(mktemp -d /tmp/loaxa-bench-XXXXXX)
trap 'rm -rf "$WORK"' EXIT INT TERM

make -s -C bench BUILD="$BUILD" >/dev/null
DRIVER=$BUILD/bench/player_bench

CACHE=${LOAXA_BENCH_CACHE:-/tmp/loaxa-bench-cache}
. "$(dirname "$0")/lib.sh"
MP3=$(hour_mp3 "$CACHE" "$MIN" "$WORK")

# measure NAME CMD...: prints "cpu_s rss_kib wall_s"
measure() {
	/usr/bin/time -v -o "$WORK/time.txt" "$@" >/dev/null 2>&1
	awk -F': ' '
		/User time/ { u = $2 } /System time/ { s = $2 }
		/Maximum resident/ { r = $2 }
		/Elapsed/ { n = split($2, a, ":"); w = 0; for (i = 1; i <= n; i++) w = w * 60 + a[i] }
		END { printf "%.2f %d %.2f\n", u + s, r, w }' "$WORK/time.txt"
}

best() {	# best of 3 runs by CPU time, to damp noise
	for i in 1 2 3; do measure "$@"; done | sort -n | head -1
}

M=$(best mpg123 -q -o alsa -a null "$MP3")
P=$(best "$DRIVER" null "$MP3")
set -- $M; M_CPU=$1; M_RSS=$2; M_WALL=$3
set -- $P; P_CPU=$1; P_RSS=$2; P_WALL=$3
RATIO=$(awk -v a="$P_CPU" -v b="$M_CPU" 'BEGIN { printf "%.2f", a / b }')
RSS_RATIO=$(awk -v a="$P_RSS" -v b="$M_RSS" 'BEGIN { printf "%.2f", a / b }')

TABLE=$(cat <<EOT
| program ($MIN min, 128 kbit/s stereo, ALSA null) | CPU s | peak RSS | wall s |
| --- | ---: | ---: | ---: |
| mpg123 -o alsa -a null | $M_CPU | $((M_RSS / 1024)) MiB ($M_RSS KiB) | $M_WALL |
| loaxa player (bench/player_bench) | $P_CPU | $((P_RSS / 1024)) MiB ($P_RSS KiB) | $P_WALL |
| ratio player / mpg123 | ${RATIO}x | ${RSS_RATIO}x | |
EOT
)
echo "$TABLE"

SECTION="$WORK/section.md"
{
	echo "## CPU and memory"
	echo
	echo "Measured by \`sh bench/cpu_rss.sh $MIN\` on $(date -u +%Y-%m-%d) ($(uname -m), $(nproc) CPU),"
	echo "best of 3 runs each, whole-process user+system CPU and peak RSS from \`/usr/bin/time -v\`."
	echo "Goal: CPU <= 1.05x mpg123, peak RSS <= 8 MiB."
	echo
	echo "$TABLE"
	echo
	echo "ALSA's null device does not keep time in alsa-lib 1.2.8, so both programs"
	echo "decode as fast as they can and the CPU seconds are the whole hour's work."
	echo
} > "$SECTION"

# Replace only this section of bench/RESULTS.md; other benchmarks keep theirs.
OUT=bench/RESULTS.md
[ -f "$OUT" ] || printf '# Benchmarks\n\n' > "$OUT"
awk -v sec="$SECTION" '
	/^## / { if (skip) skip = 0 }
	/^## CPU and memory/ { while ((getline l < sec) > 0) print l; skip = 1; done = 1; next }
	!skip { print }
	END { if (!done) while ((getline l < sec) > 0) print l }' "$OUT" > "$WORK/out.md"
cp "$WORK/out.md" "$OUT"
