# Shared by the bench scripts (sourced): the hour of test audio, made once.

# hour_mp3 CACHE_DIR MINUTES WORK_DIR: prints the path of MINUTES of 128 kbit/s
# stereo MP3 (440+660 Hz, sox + lame), generating it (~20 s) only the first
# time; the cache is kept between runs.
hour_mp3() {
	mp3=$1/hour-$2.mp3
	if [ ! -s "$mp3" ]; then
		echo "generating $2 min of 128 kbit/s stereo MP3 into $mp3..." >&2
		mkdir -p "$1"
		sox -n -r 44100 -c 2 -b 16 "$3/t.wav" synth "$(($2 * 60))" sine 440 sine 660 vol 0.5
		lame --quiet -b 128 "$3/t.wav" "$mp3.part"
		rm -f "$3/t.wav"
		mv "$mp3.part" "$mp3"
	fi
	echo "$mp3"
}
