#!/bin/sh
# What an idle poll costs, and how many stations one nginx serves at poll = 15 s.
#
#   LOAXA_BUILD=build sh bench/feed_capacity.sh [IDLE_SECONDS] [WRK_SECONDS]
#
# 1. bytes on the wire of one conditional GET of index.atom answered 304 (curl
#    with the ETag nginx gave), against the full 200;
# 2. loaxad's CPU per idle poll: a station polling every second a feed with
#    nothing for it, utime+stime from /proc/PID/stat over IDLE_SECONDS (60),
#    polls counted in nginx's access log;
# 3. wrk (Debian package wrk) with a Lua script sending If-None-Match, so every
#    answer is a 304, for WRK_SECONDS (15): requests/s, and stations served at
#    poll = 15 s (rps x 15).
# Writes "### Idle polls and server capacity" under "## Bulletins" in
# bench/RESULTS.md. Not part of make check.
set -eu

IDLE_S=${1:-60}
WRK_S=${2:-15}
REPO=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${LOAXA_BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$REPO/$BUILD ;; esac
PY=/usr/bin/python3
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)" >&2; exit 1; }

WORK=$(mktemp -d /tmp/loaxa-capacity.XXXXXX)
NGINX_PID=
DAEMON_PID=
cleanup() {
	[ -n "$DAEMON_PID" ] && kill "$DAEMON_PID" 2>/dev/null || true
	[ -n "$NGINX_PID" ] && kill "$NGINX_PID" 2>/dev/null || true
	wait 2>/dev/null || true
}
trap cleanup EXIT INT TERM

start_nginx() { # $1: dir, $2: ACCESS_LOG 1|0; sets PORT and NGINX_PID
	ACCESS_LOG=$2 $PY "$REPO/tests/system/bulletin_feed.py" nginx "$1" > "$1.port" &
	NGINX_PID=$!
	for _ in $(seq 50); do
		grep -q PORT "$1.port" 2>/dev/null && break
		sleep 0.1
	done
	PORT=$(awk '/PORT/ {print $2}' "$1.port")
}

# A feed with one bulletin for another area: polled, never aired.
mkdir -p "$WORK/nginx/www"
"$BUILD/loaxa-publish" keygen "$WORK/officer" >/dev/null
sox -n -r 22050 -c 1 "$WORK/tone.wav" synth 1 sine 1320
lame --quiet "$WORK/tone.wav" "$WORK/tone.mp3"
"$BUILD/loaxa-publish" publish --feed "$WORK/nginx/www/feed" --key "$WORK/officer.key" \
	--area 99 --priority normal "$WORK/tone.mp3" >/dev/null
start_nginx "$WORK/nginx" 1
URL=http://127.0.0.1:$PORT/feed/index.atom

# 1. One conditional GET.
ETAG=$(curl -sI "$URL" | awk 'tolower($1) == "etag:" {print $2}' | tr -d '\r')
FULL=$(curl -s -o /dev/null -w '%{http_code} %{size_request} %{size_header} %{size_download}' "$URL")
COND=$(curl -s -o /dev/null -H "If-None-Match: $ETAG" \
	-w '%{http_code} %{size_request} %{size_header} %{size_download}' "$URL")
set -- $FULL; FULL_CODE=$1; FULL_BYTES=$(($2 + $3 + $4)); FULL_BODY=$4
set -- $COND; COND_CODE=$1; COND_REQ=$2; COND_HDR=$3; COND_BODY=$4
COND_BYTES=$((COND_REQ + COND_HDR + COND_BODY))
[ "$COND_CODE" = 304 ] || { echo "expected 304, got $COND_CODE" >&2; exit 1; }

# 2. loaxad idle, polling every second.
mkdir -p "$WORK/station/state" "$WORK/station/cache" "$WORK/station/playlists"
cat > "$WORK/station/loaxa.conf" <<EOF
station = { name = "bench"; areas = [ "87" ]; };
paths = { state = "$WORK/station/state"; cache = "$WORK/station/cache";
  played_log = "$WORK/station/played.jsonl"; playlists = "$WORK/station/playlists";
  socket = "$WORK/station/loaxad.sock"; };
audio = { device = "null"; };
feeds = ( { url = "$URL"; poll = 1; keys = [ "$WORK/officer.pub" ]; } );
timetable = ( );
EOF
"$BUILD/loaxad" -f -c "$WORK/station/loaxa.conf" 2> "$WORK/station/loaxad.log" &
DAEMON_PID=$!
sleep 3 # first poll, the index read once
cpu() { awk '{ s = $0; sub(/^.*\) /, "", s); split(s, f, " "); print f[12] + f[13] }' "/proc/$DAEMON_PID/stat"; }
HZ=$(getconf CLK_TCK)
POLLS0=$(grep -c 'GET /feed/index.atom' "$WORK/nginx/access.log")
CPU0=$(cpu)
sleep "$IDLE_S"
CPU1=$(cpu)
POLLS1=$(grep -c 'GET /feed/index.atom' "$WORK/nginx/access.log")
RSS_KB=$(awk '/VmRSS/ {print $2}' "/proc/$DAEMON_PID/status")
kill "$DAEMON_PID"; wait "$DAEMON_PID" 2>/dev/null || true; DAEMON_PID=
POLLS=$((POLLS1 - POLLS0))
NOT_MOD=$(tail -n "$POLLS" "$WORK/nginx/access.log" | grep -c '" 304 ' || true)
CPU_MS=$(echo "$CPU0 $CPU1 $HZ" | awk '{ printf "%.0f", ($2 - $1) * 1000 / $3 }')
PER_POLL=$(echo "$CPU_MS $POLLS" | awk '{ printf "%.2f", $1 / ($2 ? $2 : 1) }')

# 3. wrk against an nginx without an access log (as a production one would
# log to a buffer; here the disk would be the bottleneck).
kill "$NGINX_PID"; wait "$NGINX_PID" 2>/dev/null || true
start_nginx "$WORK/nginx2" 0
mkdir -p "$WORK/nginx2/www" && cp -r "$WORK/nginx/www/feed" "$WORK/nginx2/www/"
URL=http://127.0.0.1:$PORT/feed/index.atom
ETAG=$(curl -sI "$URL" | awk 'tolower($1) == "etag:" {print $2}' | tr -d '\r')
cat > "$WORK/cond.lua" <<EOF
wrk.headers["If-None-Match"] = '$ETAG'
EOF
wrk -t 2 -c 200 -d "${WRK_S}s" --latency -s "$WORK/cond.lua" "$URL" > "$WORK/wrk.txt"
cat "$WORK/wrk.txt"
RPS=$(awk '/Requests\/sec/ {printf "%.0f", $2}' "$WORK/wrk.txt")
P99=$(awk '$1 == "99%" {print $2}' "$WORK/wrk.txt")
NON2XX=$(awk '/Non-2xx/ {print $NF}' "$WORK/wrk.txt"); NON2XX=${NON2XX:-0}
STATIONS=$((RPS * 15))

BODY=$(cat <<EOF
Measured by \`LOAXA_BUILD=build sh bench/feed_capacity.sh $IDLE_S $WRK_S\` on $(date +%F) ($(uname -m), $(nproc) CPU), nginx $(nginx -v 2>&1 | sed 's/.*nginx\///') with one worker on 127.0.0.1.

| what | value |
| --- | ---: |
| full GET of index.atom (one entry): status, bytes on the wire (request + headers + body) | $FULL_CODE, $FULL_BYTES ($FULL_BODY body) |
| conditional GET with the ETag: status, bytes on the wire | $COND_CODE, $COND_BYTES (request $COND_REQ, headers $COND_HDR, body $COND_BODY) |
| loaxad idle, poll = 1 s, ${IDLE_S} s: polls (answered 304) | $POLLS ($NOT_MOD) |
| loaxad CPU over those polls (utime+stime, /proc/PID/stat, ${HZ} Hz ticks) | $CPU_MS ms, $PER_POLL ms per poll |
| loaxad resident memory after the idle run | $RSS_KB KiB |
| wrk -t 2 -c 200 -d ${WRK_S}s, If-None-Match (every answer 304: non-2xx count $NON2XX), access log off | $RPS requests/s, p99 $P99 |
| stations one such nginx serves at poll = 15 s (rps x 15) | $STATIONS |

wrk and nginx share the machine's $(nproc) CPUs here, so the capacity is a lower
bound for a dedicated server; a 304 costs the station a few hundred bytes and
well under a millisecond of CPU.
EOF
)
echo "$BODY"
$PY - "$REPO/bench/RESULTS.md" <<EOF
import sys
sys.path.insert(0, "$REPO/tests/system")
from bulletin_feed import update_results
update_results(sys.argv[1], "Idle polls and server capacity", '''$BODY''')
EOF
