"""Self-tests of the system-test harness on real tools (aplay, mpg123, sox), without
loaxad: if these pass, a daemon test that fails is about the daemon."""

import datetime
import os
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

import harness
from harness import analysis


def run(cmd, env=None, **kw):
    return subprocess.run(cmd, env=dict(os.environ, **(env or {})), stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True, check=True, **kw)


def decode_mp3(mp3, wav):
    run(["mpg123", "-q", "-w", str(wav), str(mp3)])
    return harness.read_wav(wav)


# --- analysis on synthetic signals ------------------------------------------------

def sine(freq, seconds, rate=44100, amp=0.5):
    t = np.arange(int(seconds * rate)) / rate
    return amp * np.sin(2 * np.pi * freq * t)


def test_tone_segments_finds_tones_gaps_and_edges():
    rate = 44100
    x = np.concatenate([np.zeros(4410), sine(440, 0.5), sine(660, 0.3), np.zeros(8820),
                        sine(880, 0.25, amp=0.1)])
    segs = harness.tone_segments(x, rate)
    assert harness.matches_freqs(segs, [440, 660, 880]), segs
    (s0, e0, _), (s1, e1, _), (s2, e2, _) = segs
    assert abs(s0 - 0.1) < 0.002 and abs(e1 - 0.9) < 0.002 and abs(s2 - 1.1) < 0.002
    assert abs(e0 - 0.6) < 0.006 and abs(s1 - 0.6) < 0.006  # tone-to-tone edge
    assert abs(segs[2].level - 0.1) < 0.005
    assert abs(segs[0].freq_hz - 440) < 1


def test_tone_segments_ignores_noise_floor_and_clicks():
    rate = 44100
    rng = np.random.default_rng(0)
    x = rng.normal(0, 0.001, rate)          # -60 dBFS hiss
    x[10000:10050] += 0.8                   # a 1 ms click
    assert harness.tone_segments(x, rate) == []


def test_fade_out_tells_a_fade_from_a_cut():
    rate = 44100
    tone = sine(500, 2.0)
    faded = tone.copy()
    faded[rate:] *= np.linspace(1, 0, rate)      # 1 s linear fade
    abrupt = np.concatenate([tone[:rate], np.zeros(rate)])
    seg_f, = harness.tone_segments(faded, rate)
    seg_a, = harness.tone_segments(abrupt, rate)
    t90, t10 = harness.fade_out(faded, rate, seg_f)
    assert 0.7 < t10 - t90 < 0.9
    t90, t10 = harness.fade_out(abrupt, rate, seg_a)
    assert t10 - t90 <= 0.02


# --- generated audio ----------------------------------------------------------------

def test_make_tone_gives_the_mp3_asked_for(audio_dir):
    mp3 = harness.make_tone(audio_dir / "a.mp3", 440, 1.0)
    wav = decode_mp3(mp3, audio_dir / "a.wav")
    assert (wav.rate, wav.channels) == (44100, 2)
    seg, = harness.tone_segments(wav.samples, wav.rate)
    assert abs(seg.freq_hz - 440) < 2 and abs(seg.duration_s - 1.0) < 0.03
    assert abs(seg.level - 0.5) < 0.03

    mono = harness.make_mono_tone(audio_dir / "m.mp3", 1000, 1.0)
    info = run(["soxi", str(mono)]).stdout
    assert "Channels       : 1" in info and "Sample Rate    : 22050" in info
    assert "Bit Rate       : 64.0k" in info
    wav = decode_mp3(mono, audio_dir / "m.wav")
    seg, = harness.tone_segments(wav.samples, wav.rate)
    assert abs(seg.freq_hz - 1000) < 3


def test_broken_files_are_broken(audio_dir):
    trunc = harness.make_truncated_mp3(audio_dir / "t.mp3", 440, 2.0)
    wav = decode_mp3(trunc, audio_dir / "t.wav")
    assert 0.7 < wav.seconds < 1.3
    corrupt = harness.make_corrupt_mp3(audio_dir / "c.mp3", 440, 2.0)
    good = harness.make_tone(audio_dir / "g.mp3", 440, 2.0)
    assert corrupt.stat().st_size == good.stat().st_size
    assert corrupt.read_bytes() != good.read_bytes()
    junk = harness.make_non_audio(audio_dir / "junk.mp3")
    proc = subprocess.run(["sox", str(junk), "-n"], stderr=subprocess.PIPE)
    assert proc.returncode != 0


# --- ALSA file plugin -------------------------------------------------------------

def test_aplay_into_capture_pcm_airs_tones_in_order(alsa_capture, audio_dir):
    # 1.7 s of tones then 4 s of silence: a device that kept time would need 5.7 s.
    wav = harness.make_sequence_wav(audio_dir / "seq.wav",
                                    [(440, 0.5), (0, 0.2), (660, 0.5), (880, 0.5), (0, 4.0)])
    t0 = time.monotonic()
    run(["aplay", "-q", "-D", alsa_capture.device, str(wav)], env=alsa_capture.env())
    elapsed = time.monotonic() - t0
    assert elapsed < 5.7, "the null plugin was found to pace; it took %.2f s" % elapsed
    seg, = alsa_capture.wait_for_segments(1)
    assert (seg.rate, seg.channels) == (44100, 2)
    tones = harness.tone_segments(seg.samples, seg.rate)
    assert harness.freqs_in_order(tones) == [440, 660, 880]
    assert [round(t.duration_s, 2) for t in tones] == [0.5, 0.5, 0.5]
    assert abs(tones[1].start_s - tones[0].end_s - 0.2) < 0.005


def test_capture_pcm_records_the_format_opened_and_each_opening(alsa_capture, audio_dir):
    stereo = harness.make_wav(audio_dir / "s.wav", 440, 0.3)
    mono = harness.make_wav(audio_dir / "m.wav", 880, 0.3, rate=22050, channels=1)
    for wav in (stereo, mono):
        run(["aplay", "-q", "-D", alsa_capture.device, str(wav)], env=alsa_capture.env())
    first, second = alsa_capture.wait_for_segments(2)
    assert (first.rate, first.channels) == (44100, 2)
    assert (second.rate, second.channels) == (22050, 1)
    assert first.opened_at <= second.opened_at
    assert harness.freqs_in_order(harness.tone_segments(second.samples, second.rate)) == [880]


def test_paced_capture_plays_in_real_time(paced_alsa_capture, pulse_server, audio_dir):
    wav = harness.make_wav(audio_dir / "one.wav", 550, 1.0)
    t0 = time.monotonic()
    run(["aplay", "-q", "-D", paced_alsa_capture.device, str(wav)],
        env=dict(paced_alsa_capture.env(), **pulse_server.env()), timeout=15)
    assert time.monotonic() - t0 >= 0.95
    seg, = paced_alsa_capture.wait_for_segments(1)
    tone, = harness.tone_segments(seg.samples, seg.rate)
    assert abs(tone.freq_hz - 550) < 2 and abs(tone.duration_s - 1.0) < 0.01


def test_capture_of_a_killed_player_is_readable(alsa_capture, audio_dir):
    """A kill -9 leaves the WAV sizes at 0 and loses the last ALSA buffer; the rest reads."""
    wav = harness.make_wav(audio_dir / "long.wav", 550, 3.0).read_bytes()
    proc = subprocess.Popen(["aplay", "-q", "-B", "200000", "-D", alsa_capture.device, "-"],
                            env=dict(os.environ, **alsa_capture.env()), stdin=subprocess.PIPE,
                            stderr=subprocess.DEVNULL)
    proc.stdin.write(wav[:44 + 2 * 44100 * 4])   # header and 2 s; aplay waits for more
    proc.stdin.flush()
    time.sleep(0.5)
    proc.kill()
    proc.wait()
    proc.stdin.close()
    seg, = alsa_capture.wait_for_segments(1)
    header_size = int.from_bytes(seg.path.read_bytes()[40:44], "little")
    assert header_size == 0  # never filled in: the reader must not trust it
    tone, = harness.tone_segments(seg.samples, seg.rate)
    assert abs(tone.freq_hz - 550) < 2
    assert 1.5 <= seg.seconds <= 2.0


def test_volume_halving_is_minus_6_db(alsa_capture, audio_dir):
    full = harness.make_wav(audio_dir / "full.wav", 1000, 0.5, amplitude=0.8)
    half = audio_dir / "half.wav"
    run(["sox", str(full), str(half), "vol", "0.5"])
    for wav in (full, half):
        run(["aplay", "-q", "-D", alsa_capture.device, str(wav)], env=alsa_capture.env())
    a, b = alsa_capture.wait_for_segments(2)
    la = harness.tone_segments(a.samples, a.rate)[0].level
    lb = harness.tone_segments(b.samples, b.rate)[0].level
    assert abs(harness.db(lb / la) - (-6.02)) < 0.2
    assert abs(la - 0.8) < 0.02


# --- PulseAudio null sink and pa_capture -----------------------------------------

def test_pulse_server_is_private(pulse_server):
    info = pulse_server.pactl("info")
    assert "Default Sink: %s" % harness.SINK in info
    assert str(pulse_server.socket) in pulse_server.env()["PULSE_SERVER"]


def test_mpg123_onset_time_through_null_sink(pa_capture, pulse_server, audio_dir):
    """The capture's clock puts a sound inside the time its player ran: never before
    mpg123 was started, and all of it (0.8 s) before mpg123 had drained and exited.
    How soon mpg123 starts is a speed, measured by bench/fresh_sink_start.py, not here:
    a loaded machine may take much longer to start a process."""
    mp3 = harness.make_sequence_mp3(audio_dir / "beep.mp3", [(440, 0.4), (880, 0.4)])
    env = dict(os.environ, **pulse_server.env())
    onsets = []
    for _ in range(3):
        started = time.time()
        subprocess.run(["mpg123", "-q", "-o", "alsa", "-a", "pulse", str(mp3)], env=env,
                       check=True, stderr=subprocess.DEVNULL)
        ended = time.time()
        time.sleep(0.2)
        samples, first = pa_capture.between(started - 0.05, time.time())
        tones = harness.tone_segments(samples, pa_capture.rate)
        assert harness.freqs_in_order(tones) == [440, 880], tones
        onset = pa_capture.time_of(first + tones[0].start_s * pa_capture.rate)
        # The capture's clock agrees with the file: 880 Hz starts 0.4 s later.
        assert abs(tones[1].start_s - tones[0].start_s - 0.4) < 0.02  # tone-to-tone edge in an MP3
        # Never before the player started (the capture maps samples to within a 10 ms
        # sink block); the whole 0.8 s aired by the time mpg123 drained and exited
        # (plus one sink block and the monitor's latency).
        assert onset > started - 0.015, (onset - started, ended - started)
        assert onset + 0.8 < ended + 0.1, (onset - started, ended - started)
        onsets.append((onset - started, ended - (onset + 0.8)))
    assert pa_capture.mapping_spread_s() < 0.005
    print("onset after start, exit after the end (s):",
          ["%.4f %.4f" % o for o in onsets])


def test_wall_clock_of_a_sample_matches_a_scheduled_start(pa_capture, pulse_server, audio_dir):
    """What a timetable test does: play at a chosen instant, find that instant in the capture.
    The tone follows 0.3 s of silence in the file: it airs no earlier than 0.3 s after
    aplay started and ends before aplay has drained and exited, however slowly aplay
    started."""
    wav = harness.make_sequence_wav(audio_dir / "s.wav", [(0, 0.3), (660, 0.3)])
    target = time.time() + 0.5
    time.sleep(target - time.time())
    started = time.time()
    run(["aplay", "-q", "-D", "pulse", str(wav)], env=pulse_server.env())
    ended = time.time()
    samples, first = pa_capture.between(target - 0.2, ended + 0.5)
    tone, = harness.tone_segments(samples, pa_capture.rate)
    aired = pa_capture.time_of(first + tone.start_s * pa_capture.rate)
    assert aired - started > 0.3 - 0.015, (aired - started, ended - started)
    assert aired + 0.3 < ended + 0.1, (aired - started, ended - started)


# --- the Daemon helper, on a stand-in for loaxad -----------------------------------

FAKE_DAEMON = textwrap.dedent("""\
    import json, signal, sys, time
    conf = sys.argv[sys.argv.index("-c") + 1]
    text = open(conf).read()
    assert "timetable" in text and "-f" in sys.argv
    def bye(sig, frm):
        print("loaxad: stopping on signal %d" % sig, file=sys.stderr, flush=True)
        sys.exit(0)
    signal.signal(signal.SIGTERM, bye)
    signal.signal(signal.SIGHUP, lambda s, f: print("loaxad: reloaded", file=sys.stderr, flush=True))
    print("loaxad: started, config %s" % conf, file=sys.stderr, flush=True)
    with open("played.jsonl", "a") as f:
        f.write(json.dumps({"start": "2026-11-27T17:00:00.012+07:00", "slot": "s", "kind": "file",
                            "result": "completed", "played_s": 1.5}) + "\\n")
        f.write('{"start": "partial')
    while True:
        time.sleep(0.05)
    """)


@pytest.fixture
def fake_loaxad(tmp_path):
    script = tmp_path / "fake_loaxad"
    script.write_text("#!%s\n%s" % (sys.executable, FAKE_DAEMON))
    script.chmod(0o755)
    return script


def test_daemon_helper_drives_a_daemon(tmp_path, fake_loaxad):
    start, end, when = harness.slot_times(5, 10)
    conf = harness.write_config(tmp_path, slots=[
        harness.slot("news", start, end, ["chime", "file:/x/a b\"c.mp3", "silence:2"],
                     volume=50, loop=True)], device="loaxa_capture", buffer_ms=200, fade_ms=500)
    text = conf.read_text()
    assert 'start = "%s"; end = "%s";' % (start, end) in text
    assert r'"file:/x/a b\"c.mp3"' in text and "volume = 50;" in text and "loop = true;" in text
    assert 4 <= when.timestamp() - time.time() <= 6.1
    with harness.Daemon(conf, binary=fake_loaxad) as d:
        d.wait_for_log(r"started, config .*loaxa\.conf", timeout=5)
        mark = len(d.log_text())
        d.reload()
        d.wait_for_log(r"reloaded", timeout=5, after=mark)
        line, = d.wait_for_played(1, timeout=5)
        assert line["result"] == "completed"
        vn = datetime.timezone(datetime.timedelta(hours=7))
        assert harness.parse_log_time(line["start"]) == pytest.approx(
            datetime.datetime(2026, 11, 27, 17, 0, 0, 12000, tzinfo=vn).timestamp())
        d.stop(expect=0)
        assert "stopping on signal 15" in d.log_text()
    with pytest.raises(AssertionError, match="did not log"):
        with harness.Daemon(conf, binary=fake_loaxad) as d:
            d.wait_for_log(r"never printed", timeout=0.5)
    with harness.Daemon(conf, binary=fake_loaxad) as d:
        d.wait_for_log("started")
        d.kill9()
        assert d.proc.returncode == -signal.SIGKILL


def test_generated_config_passes_loaxad_check(tmp_path, audio_dir, require_loaxad):
    tone = harness.make_tone(audio_dir / "t.mp3", 440, 1)
    start, end, _ = harness.slot_times(60, 60)
    conf = harness.write_config(tmp_path, slots=[
        harness.slot("a", start, end, ["file:%s" % tone, "silence:1", "playlist:pl"])],
        playlists={"pl": [str(tone)]}, device="loaxa_capture")
    proc = harness.run_check(conf)
    assert proc.returncode == 0, proc.stderr
