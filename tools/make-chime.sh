#!/bin/sh
# Writes the station's chime, OUT.mp3: a high then a low bell tone, about 2 s,
# the attention signal aired before bulletins (audio.chime). Needs sox and lame.
set -eu
out=$1
tmp="${out%.mp3}.tmp.wav"
sox -q -n -r 44100 -c 2 "$tmp" synth 0.8 sine 880 sine 1760 remix 1v0.8,2v0.2 1v0.8,2v0.2 \
    fade q 0.01 0.8 0.5 : synth 1.2 sine 659 sine 1318 remix 1v0.8,2v0.2 1v0.8,2v0.2 \
    fade q 0.01 1.2 0.9 gain -3
lame --quiet -b 128 "$tmp" "$out"
rm -f "$tmp"
