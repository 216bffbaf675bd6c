#!/bin/sh
# Idle cost: CPU seconds per hour and wake-ups of loaxad with nothing on air (the
# next slot hours away, no feeds, no report URL), beside an idle peer in the same
# run: mpg123 in remote-control mode (-R) waiting for a command on a pipe.
# Usage: sh bench/idle_cost.sh [seconds]   (from the repository root; default 60)
# Needs perf (linux-perf) with tracepoints readable (root), /proc; loaxad built by
# `make BUILD=build-bench`. Prints a Markdown section on stdout (bench/run.sh puts
# it in RESULTS.md), progress on stderr.
set -eu
SECS=${1:-60}
BUILD=${BUILD:-build-bench}
LOAXAD=$PWD/$BUILD/loaxad
WORK=$(mktemp -d /tmp/loaxa-idle-XXXXXX)
LPID=""; MPID=""; FEED=""
cleanup() {
	for p in $LPID $MPID $FEED; do kill "$p" 2>/dev/null || true; done
	rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

make -s BUILD="$BUILD" "$BUILD/loaxad" >/dev/null
TICK=$(getconf CLK_TCK)
EVENTS=raw_syscalls:sys_enter,syscalls:sys_enter_poll,syscalls:sys_enter_ppoll,syscalls:sys_enter_epoll_wait,syscalls:sys_enter_futex,context-switches

# The only slot starts 6 hours from now: the daemon has nothing to do for hours.
mkdir -p "$WORK/state" "$WORK/cache"
sox -n -r 44100 -c 2 -b 16 "$WORK/t.wav" synth 1 sine 440 vol 0.5
lame --quiet -b 128 "$WORK/t.wav" "$WORK/t.mp3"
cat > "$WORK/loaxa.conf" <<EOF
station = { name = "bench"; areas = [ "87" ]; };
paths = { state = "$WORK/state"; cache = "$WORK/cache"; played_log = "$WORK/played.jsonl";
          playlists = "$WORK"; socket = "$WORK/loaxad.sock"; };
audio = { device = "null"; };
timetable = ( { name = "later"; days = "daily"; start = "$(date -d '+6 hour' +%H:%M:%S)";
                end = "$(date -d '+7 hour' +%H:%M:%S)"; program = [ "file:$WORK/t.mp3" ]; } );
EOF

"$LOAXAD" -f -c "$WORK/loaxa.conf" 2>"$WORK/loaxad.stderr" &
LPID=$!
mkfifo "$WORK/cmd"
mpg123 -R -o alsa -a null < "$WORK/cmd" >/dev/null 2>&1 &
MPID=$!
sleep 100000 > "$WORK/cmd" &	# holds the pipe open: mpg123 waits for a command
FEED=$!
sleep 3	# past start-up: measure the steady state only
for p in $LPID $MPID; do
	kill -0 "$p" 2>/dev/null || { echo "idle_cost: a program exited:" >&2; cat "$WORK/loaxad.stderr" >&2; exit 1; }
done

cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }	# utime + stime
ctxsw() {	# voluntary + involuntary context switches summed over the threads
	cat /proc/"$1"/task/*/status | awk '/ctxt_switches/ { n += $2 } END { print n }'
}
oncpu_ns() {	# time on CPU summed over the threads (schedstat, ns: finer than ticks)
	cat /proc/"$1"/task/*/schedstat | awk '{ n += $1 } END { printf "%d", n }'
}
L0=$(cpu_ticks "$LPID"); M0=$(cpu_ticks "$MPID")
LN0=$(oncpu_ns "$LPID"); MN0=$(oncpu_ns "$MPID")
LC0=$(ctxsw "$LPID"); MC0=$(ctxsw "$MPID")
T0=$(date +%s.%N)
echo "watching both for $SECS s..." >&2
perf stat -x, -e "$EVENTS" -p "$LPID" -o "$WORK/perf.loaxad" -- sleep "$SECS" &
PERF1=$!
perf stat -x, -e "$EVENTS" -p "$MPID" -o "$WORK/perf.mpg123" -- sleep "$SECS" &
PERF2=$!
wait "$PERF1" "$PERF2"
T1=$(date +%s.%N)
L1=$(cpu_ticks "$LPID"); M1=$(cpu_ticks "$MPID")
LN1=$(oncpu_ns "$LPID"); MN1=$(oncpu_ns "$MPID")
LC1=$(ctxsw "$LPID"); MC1=$(ctxsw "$MPID")
LTHREADS=$(ls /proc/"$LPID"/task | wc -l)
WCHAN=$(for t in /proc/"$LPID"/task/*; do
	printf '%s: %s; ' "$(cat "$t/comm")" "$(awk '{ print $1 }' "$t/syscall" | sed 's/^7$/poll/; s/^202$/futex/; s/^271$/ppoll/')"
	done)

# event FILE NAME: the count perf stat -x, wrote for NAME. "<not counted>" means
# the task never ran while perf watched, so none happened.
event() {
	awk -F, -v n="$2" '$3 == n { print ($1 ~ /^[0-9]+$/) ? $1 : ($1 == "<not counted>") ? 0 : "n/a" }' "$1"
}
# per_hour_s TICKS WALL: CPU s per hour; no tick at all gives the bound one tick sets
per_hour_s() { awk -v d="$1" -v w="$2" -v t="$TICK" 'BEGIN {
	if (d == 0) printf "< %.2f", 3600 / w / t; else printf "%.3f", d / t * 3600 / w }'; }
ns_per_hour_s() { awk -v n="$1" -v w="$2" 'BEGIN { printf "%.4f", n / 1e9 * 3600 / w }'; }
per_min() { awk -v n="$1" -v w="$2" 'BEGIN { printf "%.1f", n * 60 / w }'; }
WALL=$(awk -v a="$T0" -v b="$T1" 'BEGIN { printf "%.1f", b - a }')

row() {	# row LABEL CPU_TICKS CTX_DELTA PERF_FILE ONCPU_NS
	f=$4
	polls=$(( $(event "$f" syscalls:sys_enter_poll) + $(event "$f" syscalls:sys_enter_ppoll) ))
	echo "| $1 | $2 | $(per_hour_s "$2" "$WALL") | $(awk -v n="$5" 'BEGIN { printf "%.3f", n / 1e6 }') | $(ns_per_hour_s "$5" "$WALL") | $(per_min "$(event "$f" raw_syscalls:sys_enter)" "$WALL") | $(per_min "$polls" "$WALL") | $(per_min "$(event "$f" syscalls:sys_enter_epoll_wait)" "$WALL") | $(per_min "$(event "$f" syscalls:sys_enter_futex)" "$WALL") | $(per_min "$3" "$WALL") |"
}

cat <<EOT
## Playout: idle cost

Measured on $(date +%Y-%m-%d) on $(nproc) x $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)
($(uname -sr)) by \`sh bench/idle_cost.sh $SECS\` (or \`sh bench/run.sh\`): \`loaxad -f\` with one slot
6 hours away, no feeds, no report URL, beside \`mpg123 -R -o alsa -a null\` waiting for a
command on a pipe, both watched together for $WALL s after 3 s of start-up. CPU is utime+stime
from \`/proc/PID/stat\` (clock ticks of 1/$TICK s) and time on CPU from
\`/proc/PID/task/*/schedstat\` (ns), extrapolated to an hour; system calls from
\`perf stat -e $EVENTS -p PID\`; context switches (each one a sleep or a preemption, i.e. a
wake-up) summed over \`/proc/PID/task/*/status\`. Rates per minute.

| program, idle | CPU ticks in $WALL s | CPU s per hour (ticks) | on-CPU ms in $WALL s (schedstat) | CPU s per hour (schedstat) | syscalls/min | poll+ppoll/min | epoll_wait/min | futex/min | context switches/min |
| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |
$(row "loaxad ($LTHREADS threads)" $((L1 - L0)) $((LC1 - LC0)) "$WORK/perf.loaxad" $((LN1 - LN0)))
$(row "mpg123 -R (peer)" $((M1 - M0)) $((MC1 - MC0)) "$WORK/perf.mpg123" $((MN1 - MN0)))

Where loaxad's threads sleep at the end (from \`/proc/PID/task/*/syscall\`): $WCHAN

EOT
