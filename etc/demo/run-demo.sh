#!/bin/sh
# make run: generates the demo audio, then runs loaxad in the foreground on
# etc/demo/loaxa.conf. With a sound card it airs through ALSA's "default";
# without one (a server, CI) it airs into a WAV file through ALSA's file plugin.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
build=${BUILD:-build}
var="$here/var"
mkdir -p "$var/audio" "$var/playlists" "$var/state" "$var/log" "$var/cache"

need() { command -v "$1" >/dev/null 2>&1 || { echo "run-demo: $1 is missing; run 'make deps' first" >&2; exit 1; }; }
need sox; need lame

mp3() { # mp3 NAME sox-synth-args...
	name=$1; shift
	[ -s "$var/audio/$name.mp3" ] && return 0
	sox -q -n -r 44100 -c 2 "$var/audio/$name.wav" "$@"
	lame --quiet -b 128 "$var/audio/$name.wav" "$var/audio/$name.mp3"
	rm -f "$var/audio/$name.wav"
}
[ -s "$var/audio/chime.mp3" ] || sh "$top/tools/make-chime.sh" "$var/audio/chime.mp3"
if [ ! -s "$var/audio/announcement.mp3" ]; then
	if command -v espeak-ng >/dev/null 2>&1; then
		espeak-ng -v vi -w "$var/audio/announcement.wav" \
		    "Xin chào. Đây là đài truyền thanh xã, phát thử bằng loaxa." 2>/dev/null
		lame --quiet -b 64 "$var/audio/announcement.wav" "$var/audio/announcement.mp3"
		rm -f "$var/audio/announcement.wav"
	else
		mp3 announcement synth 3 sine 550
	fi
fi
mp3 "tone 440 Hz" synth 4 sine 440 fade 0.05 4 0.05
mp3 "âm 660 Hz" synth 4 sine 660 fade 0.05 4 0.05
printf '#EXTM3U\n#EXTINF:4,Tone 440\n../audio/tone 440 Hz.mp3\n#EXTINF:4,Âm 660\n../audio/âm 660 Hz.mp3\n' \
    > "$var/playlists/demo.m3u"

# A demo feed with one signed bulletin, as a district officer would publish it.
publish="$top/$build/loaxa-publish"
mkdir -p "$var/keys" "$var/feed"
[ -s "$var/keys/demo.key" ] || "$publish" keygen "$var/keys/demo" >/dev/null
if [ ! -s "$var/feed/index.atom" ]; then
	if command -v espeak-ng >/dev/null 2>&1; then
		espeak-ng -v vi -w "$var/audio/bulletin.wav" \
		    "Thông báo: cảnh giác với cuộc gọi lừa đảo giả danh công an." 2>/dev/null
	else
		sox -q -n -r 22050 -c 1 "$var/audio/bulletin.wav" synth 3 sine 990
	fi
	lame --quiet -b 64 "$var/audio/bulletin.wav" "$var/audio/bulletin.mp3"
	"$publish" publish --feed "$var/feed" --key "$var/keys/demo.key" --area 87 \
	    --priority normal --plays 20 --interval 60 --expires 30d \
	    --title "Cảnh giác lừa đảo qua điện thoại" "$var/audio/bulletin.mp3" >/dev/null
fi

# The demo starts its program from the top each time.
rm -f "$var/state/resume.json"

conf="$here/.loaxa-run.conf"
sed "s|@DEMO_DIR@|$here|" "$here/loaxa.conf" > "$conf"
if aplay -l 2>/dev/null | grep -q '^card'; then
	echo "run-demo: airing through the sound card (ALSA device 'default')."
else
	# No card: an ALSA file plugin writes what would have aired to a WAV.
	home="$var/home"
	mkdir -p "$home"
	cat > "$home/.asoundrc" <<EOT
pcm.loaxa_demo { type file; slave.pcm "null"; file "$var/demo-output.wav"; format "wav" }
EOT
	sed -i 's/device = "default"/device = "loaxa_demo"/' "$conf"
	export HOME="$home"
	echo "run-demo: no sound card found; airing into $var/demo-output.wav through ALSA's file plugin."
fi
echo "run-demo: as-played log: $var/log/played.jsonl; demo feed: $var/feed; Ctrl-C stops."
exec "$top/$build/loaxad" -f -c "$conf"
