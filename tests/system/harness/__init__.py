"""Black-box test harness for loaxad: make audio, run the daemon, capture and measure
what went on air. Fixtures live in tests/system/conftest.py; run the whole suite
with `make check-system`-like `LOAXA_BUILD=build /usr/bin/python3 -m pytest -q tests/system`
(the harness self-test alone: `... pytest -q tests/system/test_harness.py`).

Making test audio (harness.audio) -- sox + lame, nothing committed:
    make_tone(path, freq_hz, seconds, rate=44100, channels=2, bitrate=128)  -> MP3
    make_mono_tone(path, freq_hz, seconds)          mono 22.05 kHz 64 kbit/s MP3
    make_sequence_mp3(path, [(440, 1), (0, .5), (660, 1)])   tones back to back (0 = silence)
    make_wav / make_sequence_wav                    the same as 16-bit WAV
    make_truncated_mp3(path), make_corrupt_mp3(path), make_non_audio(path)
    read_wav(path) -> Wav(rate, channels, samples int16 (frames, ch)); reads a WAV
        whose sizes were never written (killed writer); read_raw(path, channels)

Measuring (harness.analysis):
    tone_segments(samples, rate) -> [Segment(start_s, end_s, freq_hz, level)]; unpacks as
        (start, end, freq). FFT on 20 ms windows every 5 ms, silence below -40 dBFS;
        edges next to silence are sample-accurate, tone-to-tone edges within ~5 ms
        (~10 ms after MP3 coding).
    matches_freqs(segs, [440, 660, 880]), freqs_in_order(segs)
    level(samples, rate, t0, t1): sine peak amplitude (1.0 = full scale); db(ratio)
        -> "volume 50 is -6 dB": db(level_b / level_a) == -6.02 +- 0.3
    envelope(samples, rate), fade_out(samples, rate, segment) -> (t90, t10): where
        the level fell from 90 % to 10 %: abrupt stop ~ one 10 ms window, a linear
        fade of F s ~ 0.8 F.
    leading_silence_s(samples, rate)
    speech_seconds(samples, rate) -> (seconds of sound, distinct 50 Hz pitch bins):
        speech moves through many, a tone stays in one

ALSA capture (harness.alsa, fixtures alsa_capture / paced_alsa_capture):
    AlsaCapture(home, slave="null"|"pulse") writes home/.asoundrc defining PCM
    "loaxa_capture" (alsa-lib `file` plugin, format wav, through a pipe so each
    opening of the PCM is its own file named by its open time). Give the program
    env HOME=home (capture.env()); device name capture.device.
    capture.segments() -> [CaptureSegment(path, opened_at, rate, channels, samples)]
    capture.samples() -> (rate, all segments joined); wait_for_segments(n)
    Slave "null" is NOT paced (alsa-lib 1.2.8: a 2 s file plays in ~15 ms); slave
    "pulse" plays in real time on the private PulseAudio null sink.

PulseAudio (harness.pulse, fixtures pulse_server [session] / pa_capture):
    PulseServer: pulseaudio as root (-n --system=false --exit-idle-time=-1) on a
    socket in a temp dir, with only module-null-sink "loaxa_null" and the native
    protocol; server.env() = PULSE_SERVER=unix:... + a client.conf without
    autospawn. A program plays to it through ALSA device "pulse" (libasound2-plugins).
    PaCapture (tests/tools/pa_capture, built by make into BUILD/tests/tools/):
    records loaxa_null.monitor; start() returns once its timing is steady.
    samples(); time_of(frame) -> time.time() at which that frame played;
    frame_at(t); between(t0, t1) -> (samples, first_frame). Onsets measured this
    way are within ~10-20 ms of a player's start (sink blocks of 10 ms).

The daemon (harness.daemon, fixture start_daemon / daemon_env):
    loaxad_bin(): $LOAXA_BUILD (default "build", relative to the repo root)/loaxad
    write_config(tmpdir, slots=[slot(...)], device=..., volume=, chime=, buffer_ms=,
        fade_ms=, preroll_ms=, feeds=[{url, keys, poll}], playlists={NAME: [paths]},
        extra="...") -> tmpdir/loaxa.conf; every path (state, cache, played.jsonl,
        playlists, loaxad.sock) is in tmpdir.
    slot(name, start, end, program, days="daily", volume=None, loop=None)
    slot_times(start_in_s, duration_s) -> ("HH:MM:SS", "HH:MM:SS", start datetime)
    Daemon(config, env).start(): loaxad -f -c CONF, stderr to DIR/loaxad.stderr,
        own process group. wait_for_log(regex, timeout), log_text(), played_lines(),
        wait_for_played(n, timeout, pred), signal(sig), reload(), kill9(),
        stop(sig=SIGTERM, expect=0) asserts the exit code, cleanup().
    run_check(config) -> CompletedProcess of loaxad --check.
    parse_log_time(iso) -> epoch seconds.

Everything runs on private sockets in temp dirs; each test must leave no process
behind (conftest checks and kills leftovers). LOAXA_QUICK=1 (set by check-san)
means: keep it short; mark long tests @pytest.mark.slow.
"""

from .alsa import AlsaCapture, CaptureSegment, PCM_NAME  # noqa: F401
from .analysis import (Segment, db, envelope, fade_out, freqs_in_order,  # noqa: F401
                       leading_silence_s, level, matches_freqs, speech_seconds,
                       tone_segments, to_mono)
from .audio import (Wav, make_corrupt_mp3, make_mono_tone, make_non_audio,  # noqa: F401
                    make_sequence_mp3, make_sequence_wav, make_tone, make_truncated_mp3,
                    make_wav, read_raw, read_wav, wav_to_mp3)
from .daemon import (Daemon, parse_log_time, run_check, slot, slot_times,  # noqa: F401
                     write_config)
from .paths import REPO_ROOT, build_dir, loaxad_bin, loaxactl_bin, tool_path  # noqa: F401
from .pulse import SINK, PaCapture, PulseServer, stop_process  # noqa: F401
