#!/bin/sh
# Whole-process CPU seconds and peak RSS of the real loaxad airing one hour of
# 128 kbit/s stereo MP3 to ALSA's null device (audio.pace = false, so it decodes
# as fast as the device takes it), beside mpg123 and the player library alone
# (bench/player_bench) on the same file, best of 3 runs each.
# Usage: sh bench/loaxad_cpu.sh [minutes]   (from the repository root)
# Needs sox, lame, mpg123, /usr/bin/time; loaxad built by `make BUILD=build-bench`.
# Prints a Markdown section on stdout (bench/run.sh puts it in RESULTS.md),
# progress on stderr.
set -eu
MIN=${1:-60}
BUILD=${BUILD:-build-bench}
CACHE=${LOAXA_BENCH_CACHE:-/tmp/loaxa-bench-cache}
LOAXAD=$PWD/$BUILD/loaxad
DRIVER=$PWD/$BUILD/bench/player_bench
WORK=$(mktemp -d /tmp/loaxa-cpu-XXXXXX)
trap 'rm -rf "$WORK"' EXIT INT TERM

make -s BUILD="$BUILD" "$BUILD/loaxad" >/dev/null
make -s -C bench BUILD="$BUILD" >/dev/null

. "$(dirname "$0")/lib.sh"
MP3=$(hour_mp3 "$CACHE" "$MIN" "$WORK")

# cpu_rss TIMEFILE: prints "cpu_s rss_kib" from /usr/bin/time -v's report
cpu_rss() {
	awk -F': ' '
		/User time/ { u = $2 } /System time/ { s = $2 }
		/Maximum resident/ { r = $2 }
		END { printf "%.2f %d\n", u + s, r }' "$1"
}

# peak_anon PID: samples RssAnon/RssFile of a running process every 20 ms into
# $WORK/peak ("anon_kib file_kib" maxima): how much of the peak RSS is the
# program's own memory and how much is shared-library code pages.
sample() {
	awk '/^RssAnon/ { a = $2 } /^RssFile/ { f = $2 } END { print a + 0, f + 0 }' \
		"/proc/$1/status" 2>/dev/null || true
}

# run_timed UNTIL CMD...: runs CMD under /usr/bin/time -v; when UNTIL is a file,
# sends SIGTERM to CMD once that file shows an item "completed" (loaxad does not
# exit by itself). Prints "cpu_s rss_kib anon_peak_kib file_peak_kib".
run_timed() {
	until_file=$1; shift
	/usr/bin/time -v -o "$WORK/time.txt" "$@" >/dev/null 2>"$WORK/stderr" &
	tpid=$!
	pid=""
	i=0
	: > "$WORK/samples"
	while kill -0 "$tpid" 2>/dev/null; do
		[ -n "$pid" ] || pid=$(pgrep -P "$tpid" || true)	# the child of this time(1)
		[ -z "$pid" ] || sample "$pid" >> "$WORK/samples"
		if [ -n "$until_file" ] && [ -n "$pid" ] &&
		   grep -q '"result":"completed"' "$until_file" 2>/dev/null; then
			top_mappings "$pid" > "$WORK/top_mappings"
			kill -TERM "$pid"
			break
		fi
		i=$((i + 1))
		if [ "$i" -gt 15000 ]; then
			echo "$* did not finish in 5 min:" >&2; cat "$WORK/stderr" >&2
			kill -TERM "$pid" 2>/dev/null || true; wait "$tpid" || true; return 1
		fi
		sleep 0.02
	done
	if ! wait "$tpid"; then
		echo "$* exited non-zero:" >&2; cat "$WORK/stderr" >&2; return 1
	fi
	peak=$(awk '$1 > a { a = $1 } $2 > f { f = $2 } END { print a + 0, f + 0 }' "$WORK/samples")
	echo "$(cpu_rss "$WORK/time.txt") $peak"
}

top_mappings() {	# the 10 mapped files with most resident pages, "KiB name"
	awk '/^[0-9a-f]+-/ { name = ($6 == "") ? "[anon]" : $6 }
	     /^Rss:/ { r[name] += $2 }
	     END { for (n in r) print r[n], n }' "/proc/$1/smaps" | sort -rn | head -10
}

measure() {	# measure CMD...: one run of a program that exits by itself
	run_timed "" "$@"
}

# One run of loaxad: a slot starting 2 s after launch whose program is the
# hour; SIGTERM once the as-played log says the item completed.
measure_loaxad() {
	run=$WORK/run.$(date +%s%N)
	mkdir -p "$run/state" "$run/cache"
	start=$(date -d '+2 sec' +%H:%M:%S)
	end=$(date -d '+3 hour' +%H:%M:%S)
	cat > "$run/loaxa.conf" <<-EOF
	station = { name = "bench"; areas = [ "87" ]; };
	paths = { state = "$run/state"; cache = "$run/cache"; played_log = "$run/played.jsonl";
	          playlists = "$run"; socket = "$run/loaxad.sock"; };
	audio = { device = "null"; pace = false; };
	timetable = ( { name = "bench"; days = "daily"; start = "$start"; end = "$end";
	                program = [ "file:$MP3" ]; } );
	EOF
	run_timed "$run/played.jsonl" "$LOAXAD" -f -c "$run/loaxa.conf"
}

best() {	# best of 3 runs by CPU time, to damp noise
	for i in 1 2 3; do "$@"; done | sort -n | head -1
}

# Interleaved in one run, so both see the same machine state.
echo "mpg123 x3..." >&2
M=$(best measure mpg123 -q -o alsa -a null "$MP3")
echo "loaxad x3..." >&2
L=$(best measure_loaxad)
echo "player_bench x3..." >&2
P=$(best measure "$DRIVER" null "$MP3")
set -- $M; M_CPU=$1; M_RSS=$2; M_ANON=$3; M_FILE=$4
set -- $L; L_CPU=$1; L_RSS=$2; L_ANON=$3; L_FILE=$4
set -- $P; P_CPU=$1; P_RSS=$2; P_ANON=$3; P_FILE=$4

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
mib() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }
CPU_RATIO=$(ratio "$L_CPU" "$M_CPU")
RSS_RATIO=$(ratio "$L_RSS" "$M_RSS")
VERDICT=$(awk -v r="$CPU_RATIO" -v k="$L_RSS" 'BEGIN {
	c = (r <= 1.05) ? "met" : "MISSED"; m = (k <= 8192) ? "met" : "MISSED";
	printf "CPU goal (<= 1.05x mpg123) %s; RSS goal (<= 8 MiB) %s.", c, m }')

cat <<EOT
## Playout: loaxad CPU and memory (whole daemon)

Measured on $(date +%Y-%m-%d) on $(nproc) x $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)
($(uname -sr)) by \`sh bench/loaxad_cpu.sh $MIN\` (or \`sh bench/run.sh\`): the real \`loaxad -f\`
airs one slot (starting 2 s after launch, program \`[ "file:.../hour-$MIN.mp3" ]\`) to ALSA's
\`null\` device with \`audio.pace = false\`, and gets SIGTERM once the as-played log shows the
item \`completed\`; whole-process user+system CPU and peak RSS from \`/usr/bin/time -v\`,
best of 3 runs each, all in the same run. The file: $MIN min of 128 kbit/s stereo MP3
(sox 440+660 Hz, lame -b 128).

| program ($MIN min, 128 kbit/s stereo, ALSA null) | CPU s | peak RSS | of which own (anon) | of which library code (file) |
| --- | ---: | ---: | ---: | ---: |
| \`mpg123 -q -o alsa -a null FILE\` | $M_CPU | $(mib "$M_RSS") MiB ($M_RSS KiB) | $(mib "$M_ANON") MiB | $(mib "$M_FILE") MiB |
| \`loaxad -f -c CONF\` (whole daemon, start to SIGTERM) | $L_CPU | $(mib "$L_RSS") MiB ($L_RSS KiB) | $(mib "$L_ANON") MiB | $(mib "$L_FILE") MiB |
| \`bench/player_bench null FILE\` (player library alone) | $P_CPU | $(mib "$P_RSS") MiB ($P_RSS KiB) | $(mib "$P_ANON") MiB | $(mib "$P_FILE") MiB |
| ratio loaxad / mpg123 | ${CPU_RATIO}x | ${RSS_RATIO}x | | |

Peak RSS is \`/usr/bin/time\`'s maximum resident set size; the split is the peak of
\`RssAnon\` (the process's own heap, stacks, buffers) and \`RssFile\` (pages of mapped
executables and shared libraries, clean and shared with other processes) in
\`/proc/PID/status\`, sampled every 20 ms during the run.

$VERDICT

Where loaxad's resident pages are when the item completes (KiB, from \`/proc/PID/smaps\`;
libcrypto, libgnutls, krb5 and ldap come with libcurl, libicu and libstdc++ with libxml2,
libgcrypt with libsystemd):

\`\`\`
$(sed "s#$CACHE#CACHE#" "$WORK/top_mappings")
\`\`\`

EOT
