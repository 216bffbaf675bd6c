"""The playout core as an operator and a technician see it: the real loaxad airs a
timetable into ALSA (captured through the file plugin, or a PulseAudio null sink
where real-time pacing matters), and writes one as-played line per item.

Each tone is its own frequency, so what reached the card is identified by
frequency and order.
"""

import os
import signal
import subprocess
import time

import pytest

import harness
from harness import freqs_in_order, slot, slot_times, tone_segments, write_config


def captured_freqs(cap):
    rate, samples = cap.samples()
    assert rate, "nothing reached the sound card"
    return freqs_in_order(tone_segments(samples, rate))


def close_to(got, want, tol=0.03):
    return len(got) == len(want) and all(abs(g - w) <= max(tol * w, 8) for g, w in zip(got, want))


def results(lines):
    return [(l["kind"], os.path.basename(l["source"]), l["result"]) for l in lines]


@pytest.fixture
def tones(audio_dir):
    """MP3 tones named by frequency: tones[440] is a 1 s 44.1 kHz stereo tone."""
    made = {}

    def get(freq, seconds=1.0, mono=False):
        key = (freq, seconds, mono)
        if key not in made:
            path = audio_dir / ("tone-%d-%g%s.mp3" % (freq, seconds, "-mono" if mono else ""))
            if mono:
                made[key] = harness.make_mono_tone(path, freq, seconds)
            else:
                made[key] = harness.make_tone(path, freq, seconds)
        return made[key]
    return get


def test_timetable_airs_files_and_playlist_in_order_with_diacritic_names(
        tmp_path, alsa_capture, start_daemon, tones, audio_dir):
    # A playlist in the operator's style: BOM, CRLF, #EXTINF, relative names
    # with spaces and Vietnamese diacritics, and a 22.05 kHz mono recording.
    pl_dir = tmp_path / "playlists"
    pl_dir.mkdir()
    (pl_dir / "Bản tin sáng.mp3").write_bytes(tones(660, mono=True).read_bytes())
    (pl_dir / "nhạc 880.mp3").write_bytes(tones(880).read_bytes())
    (pl_dir / "sáng.m3u8").write_bytes(
        "\ufeff#EXTM3U\r\n#EXTINF:1,Bản tin\r\nBản tin sáng.mp3\r\n"
        "#EXTINF:1,Nhạc\r\nnhạc 880.mp3\r\n".encode("utf-8"))
    start, end, _ = slot_times(1, 30)
    conf = write_config(tmp_path, device=alsa_capture.device, slots=[
        slot("sáng", start, end, ["file:%s" % tones(440), "playlist:sáng", "file:%s" % tones(550)])])
    d = start_daemon(conf, env=alsa_capture.env())
    lines = d.wait_for_played(4, timeout=15)
    assert results(lines) == [
        ("file", "tone-440-1.mp3", "completed"),
        ("playlist", "Bản tin sáng.mp3", "completed"),
        ("playlist", "nhạc 880.mp3", "completed"),
        ("file", "tone-550-1.mp3", "completed"),
    ]
    assert all(l["slot"] == "sáng" for l in lines)
    assert all(abs(l["played_s"] - 1.0) < 0.05 for l in lines)
    got = captured_freqs(alsa_capture)
    assert close_to(got, [440, 660, 880, 550]), got
    d.stop()


def test_consecutive_items_follow_without_a_gap(tmp_path, alsa_capture, start_daemon, tones):
    start, end, _ = slot_times(1, 30)
    conf = write_config(tmp_path, device=alsa_capture.device, slots=[
        slot("gapless", start, end, ["file:%s" % tones(440), "file:%s" % tones(880)])])
    d = start_daemon(conf, env=alsa_capture.env())
    d.wait_for_played(2, timeout=10)
    rate, samples = alsa_capture.samples()
    segs = [s for s in tone_segments(samples, rate) if s.duration_s > 0.1]
    assert [round(s.freq_hz, -1) for s in segs] == [440, 880]
    # The second tone starts where the first ends: no silence between them
    # beyond the 5 ms fades the test tones themselves carry.
    assert segs[1].start_s - segs[0].end_s < 0.03, segs
    d.stop()


def test_missing_file_fails_missing_entry_is_skipped_and_the_next_plays(
        tmp_path, alsa_capture, start_daemon, tones):
    start, end, _ = slot_times(1, 30)
    conf = write_config(
        tmp_path, device=alsa_capture.device,
        playlists={"news": [str(tmp_path / "not-yet-recorded.mp3"), str(tones(660))]},
        slots=[slot("s", start, end, ["file:%s" % (tmp_path / "missing.mp3"),
                                      "playlist:news", "file:%s" % tones(880)])])
    # The operator is warned at load time, but the config is valid.
    check = harness.run_check(conf)
    assert check.returncode == 0, check.stderr
    assert "missing.mp3" in check.stderr
    d = start_daemon(conf, env=alsa_capture.env())
    lines = d.wait_for_played(4, timeout=15)
    assert results(lines) == [
        ("file", "missing.mp3", "failed"),
        ("playlist", "not-yet-recorded.mp3", "skipped"),
        ("playlist", "tone-660-1.mp3", "completed"),
        ("file", "tone-880-1.mp3", "completed"),
    ]
    assert "No such file" in lines[0]["reason"]
    assert "missing" in lines[1]["reason"]
    assert close_to(captured_freqs(alsa_capture), [660, 880])
    d.stop()


def test_corrupt_truncated_and_non_audio_files_do_not_stop_the_station(
        tmp_path, alsa_capture, start_daemon, tones, audio_dir):
    corrupt = harness.make_corrupt_mp3(audio_dir / "corrupt.mp3", 550, 2.0)
    truncated = harness.make_truncated_mp3(audio_dir / "truncated.mp3", 330, 2.0)
    text = harness.make_non_audio(audio_dir / "notes.mp3")
    start, end, _ = slot_times(1, 40)
    conf = write_config(tmp_path, device=alsa_capture.device, slots=[
        slot("s", start, end, ["file:%s" % corrupt, "file:%s" % text,
                               "file:%s" % truncated, "file:%s" % tones(880)])])
    d = start_daemon(conf, env=alsa_capture.env())
    lines = d.wait_for_played(4, timeout=20)
    by_source = {os.path.basename(l["source"]): l for l in lines}
    assert by_source["notes.mp3"]["result"] == "failed"
    assert by_source["notes.mp3"]["reason"]
    assert by_source["tone-880-1.mp3"]["result"] == "completed"
    # The damaged ones air up to the damage (or fail with a reason); never crash.
    for name in ("corrupt.mp3", "truncated.mp3"):
        assert by_source[name]["result"] in ("completed", "failed"), by_source[name]
    got = captured_freqs(alsa_capture)
    assert got[-1] == pytest.approx(880, abs=10), got
    assert d.running()
    d.stop()


def test_volume_50_is_minus_6_db(tmp_path, alsa_capture, start_daemon, tones):
    levels = []
    for name, volume in (("loud", None), ("soft", 50)):
        start, end, _ = slot_times(1, 20)
        conf = write_config(tmp_path, device=alsa_capture.device, slots=[
            slot(name, start, end, ["file:%s" % tones(440)], volume=volume)])
        d = start_daemon(conf, env=alsa_capture.env())
        d.wait_for_played(len(levels) + 1, timeout=10)
        d.stop()
        seg = alsa_capture.wait_for_segments(len(levels) + 1)[-1]
        # The card opens before the mark (pre-roll): measure inside the tone.
        tone = [t for t in tone_segments(seg.samples, seg.rate) if t.duration_s > 0.5][0]
        levels.append(harness.level(seg.samples, seg.rate, tone.start_s + 0.2, tone.end_s - 0.2))
    assert harness.db(levels[1] / levels[0]) == pytest.approx(-6.02, abs=0.3)


def test_slot_cut_at_its_end_fades_and_is_logged_cut(tmp_path, alsa_capture, start_daemon, tones):
    # The file first: making 8 s of MP3 can take seconds on a loaded machine, and
    # a slot timed before it could be over before loaxad starts.
    tone = tones(440, 8.0)
    start, end, t0 = slot_times(2, 3)
    conf = write_config(tmp_path, device=alsa_capture.device, fade_ms=1000, slots=[
        slot("short", start, end, ["file:%s" % tone])])
    d = start_daemon(conf, env=alsa_capture.env())
    lines = d.wait_for_played(1, timeout=15)
    assert lines[0]["result"] == "cut"
    assert lines[0]["slot"] == "short"
    # It aired from the slot's start to its end: about 3 s of the 8 s file.
    assert 2.5 < lines[0]["played_s"] < 3.5, lines[0]
    assert harness.parse_log_time(lines[0]["end"]) == pytest.approx(t0.timestamp() + 3, abs=0.5)
    rate, samples = alsa_capture.samples()
    segs = [s for s in tone_segments(samples, rate) if s.duration_s > 0.1]
    t90, t10 = harness.fade_out(samples, rate, segs[-1])
    assert 0.5 < t10 - t90 < 1.2, (t90, t10)   # a ~1 s fade, not a click
    d.stop()


def test_sigterm_logs_the_item_interrupted_and_exits_0_within_2s(
        tmp_path, alsa_capture, start_daemon, tones):
    start, end, _ = slot_times(1, 30)
    conf = write_config(tmp_path, device=alsa_capture.device, slots=[
        slot("s", start, end, ["file:%s" % tones(440, 10.0)])])
    d = start_daemon(conf, env=alsa_capture.env())
    d.wait_for_log(r"slot s (starts|joined)", timeout=5)
    time.sleep(2.5)
    t = time.monotonic()
    d.stop(signal.SIGTERM, timeout=5, expect=0)
    assert time.monotonic() - t < 2.0
    lines = d.played_lines()
    assert len(lines) == 1
    assert lines[0]["result"] == "interrupted"
    assert lines[0]["reason"] == "shutdown"


def test_restart_after_kill_9_goes_on_with_the_first_step_not_completed(
        tmp_path, alsa_capture, start_daemon, tones):
    start, end, _ = slot_times(1, 60)
    program = ["file:%s" % tones(440, 1.5), "file:%s" % tones(660, 3.0),
               "file:%s" % tones(880, 1.0)]
    conf = write_config(tmp_path, device=alsa_capture.device, slots=[slot("s", start, end, program)])
    d = start_daemon(conf, env=alsa_capture.env())
    d.wait_for_played(1, timeout=10)          # 440 completed, 660 on air
    time.sleep(1.0)
    d.kill9()
    alsa_capture.clear()
    d2 = start_daemon(conf, env=alsa_capture.env())
    d2.wait_for_log(r"resuming at step 2", timeout=5)
    lines = d2.wait_for_played(3, timeout=15)
    assert results(lines) == [
        ("file", "tone-440-1.5.mp3", "completed"),
        ("file", "tone-660-3.mp3", "completed"),
        ("file", "tone-880-1.mp3", "completed"),
    ]
    # After the restart: not from the top (no 440), not silence.
    assert close_to(captured_freqs(alsa_capture), [660, 880])
    d2.stop()


def test_missing_sound_card_is_retried_logged_failed_and_recovers(
        tmp_path, start_daemon, tones):
    # A card that is not there at start: a file-plugin PCM whose folder does
    # not exist yet cannot be opened. Creating the folder "plugs the card in".
    home = tmp_path / "home"
    home.mkdir()
    card_dir = tmp_path / "card"
    (home / ".asoundrc").write_text(
        'pcm.usbcard { type file; slave.pcm "null"; file "%s/out.wav"; format "wav" }\n' % card_dir)
    start, end, _ = slot_times(1, 60)
    conf = write_config(tmp_path, device="usbcard", slots=[
        slot("s", start, end, ["file:%s" % tones(440, 1.0)], loop=True)])
    d = start_daemon(conf, env={"HOME": str(home)})
    failed = d.wait_for_played(2, timeout=15, pred=lambda l: l["result"] == "failed")
    assert "usbcard" in failed[0]["reason"]
    d.wait_for_log(r"usbcard", timeout=2)
    assert d.running()
    t_failed = [harness.parse_log_time(l["end"]) for l in failed]
    assert t_failed[1] - t_failed[0] <= 5.5     # retried, at most 5 s apart
    card_dir.mkdir()
    d.wait_for_played(1, timeout=15, pred=lambda l: l["result"] == "completed")
    assert (card_dir / "out.wav").stat().st_size > 44
    d.stop()


def test_invalid_config_is_refused_with_file_and_line_before_the_card_is_touched(
        tmp_path, alsa_capture, start_daemon):
    cases = {
        "time": ('start = "25:00";', "25:00"),
        "short time": ('start = "7:5";', "7:5"),
        "weekday": ('days = "mon-fry";', "fry"),
        "step": ('program = [ "jingle" ];', "jingle"),
    }
    for name, (bad, word) in cases.items():
        conf = tmp_path / ("bad-%s.conf" % name.replace(" ", "-"))
        body = {'start': 'start = "10:00";', 'days': 'days = "daily";',
                'program': 'program = [ "chime" ];'}
        key = bad.split(" ")[0]
        body[key] = bad
        conf.write_text('\n\ntimetable = (\n  { name = "x";\n    %s\n    end = "11:00";\n'
                        '    %s\n    %s } );\n' % (body["start"], body["days"], body["program"]))
        r = harness.run_check(conf)
        assert r.returncode != 0, name
        line = {"start": 5, "days": 7, "program": 8}[key]
        assert "%s:%d:" % (conf, line) in r.stderr, (name, r.stderr)
        assert word in r.stderr, (name, r.stderr)
    # The daemon itself refuses it too, and nothing reaches the card.
    d = start_daemon(tmp_path / "bad-time.conf", env=alsa_capture.env())
    assert d.proc.wait(5) != 0
    assert "bad-time.conf:5:" in d.log_text()
    assert alsa_capture.segment_paths() == []


def test_check_prints_the_plan_of_the_next_7_days(tmp_path):
    conf = write_config(tmp_path, slots=[
        slot("morning", "05:30", "06:30", ["chime", "bulletins"], days="mon-fri"),
        slot("night", "23:00", "01:00", ["silence:5"], days="sat")])
    r = harness.run_check(conf)
    assert r.returncode == 0, r.stderr
    dates = {l.split()[0] for l in r.stdout.splitlines() if l[:4].isdigit()}
    assert len(dates) == 7
    assert r.stdout.count("morning  05:30:00-06:30:00  chime, bulletins") == 5
    assert r.stdout.count("night  23:00:00-01:00:00  silence:5") == 1


def test_sighup_with_a_broken_config_keeps_the_old_one_on_air(
        tmp_path, alsa_capture, start_daemon, tones):
    start, end, _ = slot_times(1, 60)
    conf = write_config(tmp_path, device=alsa_capture.device, slots=[
        slot("s", start, end, ["file:%s" % tones(440, 1.0)], loop=True)])
    d = start_daemon(conf, env=alsa_capture.env())
    d.wait_for_played(1, timeout=10)
    good = conf.read_text()
    conf.write_text(good.replace('start = "%s"' % start, 'start = "24:61"'))
    mark = len(d.log_text())
    d.reload()
    m = d.wait_for_log(r"reload refused.*loaxa\.conf:\d+: .*24:61", timeout=5, after=mark)
    assert m
    n = len(d.played_lines())
    d.wait_for_played(n + 2, timeout=10)      # the old timetable goes on airing
    assert d.running()
    # A good reload then applies.
    conf.write_text(good.replace("tone-440-1.mp3", "tone-880-1.mp3"))
    tones(880)
    mark = len(d.log_text())
    d.reload()
    d.wait_for_log(r"reloaded", timeout=5, after=mark)
    d.stop()


def _paced_env(pulse_server, tmp_path):
    home = tmp_path / "pulsehome"
    home.mkdir(exist_ok=True)
    env = dict(pulse_server.env())
    env["HOME"] = str(home)
    return env


@pytest.mark.slow
def test_slot_starts_on_the_mark_at_a_paced_sink(tmp_path, pulse_server, pa_capture,
                                                 start_daemon, tones):
    tone = tones(1000, 1.0)  # made first, so that its making never eats the lead
    start, end, t0 = slot_times(4, 3)
    conf = write_config(tmp_path, device="pulse", slots=[
        slot("mark", start, end, ["file:%s" % tone])])
    d = start_daemon(conf, env=_paced_env(pulse_server, tmp_path))
    d.wait_for_played(1, timeout=15)
    t_begin = t0.timestamp() - 1.0
    samples, first = pa_capture.between(t_begin, t0.timestamp() + 2.0)
    segs = [s for s in tone_segments(samples, pa_capture.rate) if s.duration_s > 0.2]
    assert segs, "the tone never reached the sink"
    onset = pa_capture.time_of(first + int(segs[0].start_s * pa_capture.rate))
    # The issue asks for 20 ms; this measurement itself is good to ~10-20 ms
    # (bench/slot_start.py measures the real figure over 20 starts).
    assert abs(onset - t0.timestamp()) < 0.045, onset - t0.timestamp()
    d.stop()


@pytest.mark.slow
def test_paced_cut_and_resume_after_kill_9(tmp_path, pulse_server, pa_capture, start_daemon, tones):
    # The files are made first, so that their making never eats the slot's lead.
    program = ["file:%s" % tones(440, 2.0), "file:%s" % tones(660, 3.0),
               "file:%s" % tones(880, 10.0)]
    start, end, t0 = slot_times(2, 9)
    conf = write_config(tmp_path, device="pulse", fade_ms=500,
                        slots=[slot("s", start, end, program)])
    env = _paced_env(pulse_server, tmp_path)
    d = start_daemon(conf, env=env)
    d.wait_for_played(1, timeout=10)
    time.sleep(1.0)                            # 660 on air
    d.kill9()
    d2 = start_daemon(conf, env=env)
    lines = d2.wait_for_played(3, timeout=20)
    assert results(lines) == [
        ("file", "tone-440-2.mp3", "completed"),
        ("file", "tone-660-3.mp3", "completed"),
        ("file", "tone-880-10.mp3", "cut"),
    ]
    cut_end = harness.parse_log_time(lines[2]["end"])
    assert cut_end == pytest.approx(t0.timestamp() + 9, abs=0.3)
    samples, first = pa_capture.between(t0.timestamp(), t0.timestamp() + 10)
    segs = [s for s in tone_segments(samples, pa_capture.rate) if s.duration_s > 0.1]
    got = freqs_in_order(segs)
    # 660 aired again from its start after the crash: the part heard before
    # the kill and the whole 3 s after it, then 880 (not 440 again).
    assert got[0] == pytest.approx(440, abs=8) and got[-1] == pytest.approx(880, abs=8), got
    heard_660 = sum(s.duration_s for s in segs if abs(s.freq_hz - 660) < 10)
    assert heard_660 > 3.7, segs
    d2.stop()


def _step_clock(clock_file, seconds, loaxactl, conf):
    """Moves the daemon's wall clock (through the fakeclock shim) and wakes its
    loop with a harmless request, as NTP stepping a Pi's clock at boot would."""
    clock_file.write_text("%g\n" % seconds)
    subprocess.run([str(loaxactl), "-c", str(conf), "status"], stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, timeout=10)


@pytest.mark.slow
def test_clock_step_joins_only_the_slot_on_now_and_never_airs_missed_ones(
        tmp_path, alsa_capture, start_daemon, tones):
    shim = harness.tool_path("libfakeclock.so")
    if not shim.exists():
        pytest.skip("%s is not built" % shim)
    clock_file = tmp_path / "clock-offset"
    clock_file.write_text("0\n")
    a_start, a_end, _ = slot_times(100, 10)
    b_start, b_end, _ = slot_times(200, 60)
    conf = write_config(tmp_path, device=alsa_capture.device, slots=[
        slot("missed", a_start, a_end, ["file:%s" % tones(330, 1.0)]),
        slot("joined", b_start, b_end, ["file:%s" % tones(880, 1.0)], loop=True)])
    env = dict(alsa_capture.env(), LD_PRELOAD=str(shim), LOAXA_FAKECLOCK=str(clock_file))
    d = start_daemon(conf, env=env)
    d.wait_for_log(r"loaxad started", timeout=5)
    # NTP at boot: the clock jumps 205 s ahead, past "missed", into "joined".
    _step_clock(clock_file, 205, harness.loaxactl_bin(), conf)
    d.wait_for_log(r"wall clock was set", timeout=5)
    d.wait_for_log(r"slot joined joined while on", timeout=5)
    lines = d.wait_for_played(2, timeout=10)
    assert {l["slot"] for l in lines} == {"joined"}
    assert all(l["result"] == "completed" for l in lines)
    # The clock goes back (a wrong NTP answer corrected): "joined" is no
    # longer on; what plays stops and is logged, and nothing else airs.
    _step_clock(clock_file, 0, harness.loaxactl_bin(), conf)
    d.wait_for_log(r"slot joined is no longer on air", timeout=5)
    time.sleep(1.5)
    lines = d.played_lines()
    assert [l["slot"] for l in lines if l["slot"] != "joined"] == []
    assert lines[-1]["result"] in ("interrupted", "completed")
    if lines[-1]["result"] == "interrupted":
        assert lines[-1]["reason"] == "clock changed"
    n = len(lines)
    time.sleep(1.5)
    assert len(d.played_lines()) == n       # silent: no slot is on
    got = captured_freqs(alsa_capture)
    assert 330 not in [round(f, -1) for f in got], got
    d.stop()


def test_operator_play_airs_right_after_the_item_on_air_then_the_program_goes_on(
        tmp_path, alsa_capture, start_daemon, tones):
    start, end, _ = slot_times(1, 60)
    conf = write_config(tmp_path, device=alsa_capture.device, slots=[
        slot("s", start, end, ["file:%s" % tones(440, 3.0), "file:%s" % tones(880, 1.0)])])
    d = start_daemon(conf, env=alsa_capture.env())
    d.wait_for_log(r"slot s (starts|joined)", timeout=5)
    time.sleep(2.0)                         # 440 on air, 880 already queued behind it
    r = subprocess.run([str(harness.loaxactl_bin()), "-c", str(conf), "play", str(tones(660, 1.0))],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=10)
    assert r.returncode == 0, r.stderr
    lines = d.wait_for_played(3, timeout=15)
    assert results(lines) == [
        ("file", "tone-440-3.mp3", "completed"),
        ("file", "tone-660-1.mp3", "completed"),
        ("file", "tone-880-1.mp3", "completed"),
    ]
    assert close_to(captured_freqs(alsa_capture), [440, 660, 880])
    d.stop()
