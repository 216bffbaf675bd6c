"""The operator's own notices, kept and aired by loaxad, driven with `loaxactl notice`.

Run: LOAXA_BUILD=build /usr/bin/python3 -m pytest -q tests/system/test_notices.py
"""

import datetime as dt
import json
import subprocess
import time

import pytest

import harness


def ctl(conf, *args, timeout=20):
    return subprocess.run([str(harness.loaxactl_bin()), "-c", str(conf)] + [str(a) for a in args],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=timeout)


def wait_for_socket(path, daemon, timeout=10.0):
    deadline = time.monotonic() + timeout
    while not path.exists():
        assert daemon.running(), daemon.log_text()[-3000:]
        assert time.monotonic() < deadline, "no control socket at %s" % path
        time.sleep(0.05)


@pytest.fixture
def require_loaxactl():
    if not harness.loaxactl_bin().exists():
        pytest.skip("%s is not built" % harness.loaxactl_bin())


def today(offset_days=0):
    return (dt.date.today() + dt.timedelta(days=offset_days)).isoformat()


def test_notices_are_added_listed_paused_edited_and_deleted_and_survive_a_restart(
        tmp_path, alsa_capture, start_daemon, require_loaxactl, audio_dir):
    start, end, _ = harness.slot_times(3600, 60)
    conf = harness.write_config(tmp_path, device=alsa_capture.device,
                                slots=[harness.slot("evening", start, end, ["bulletins"])])
    rec = audio_dir / "ghi am.mp3"
    harness.make_tone(rec, 660, 1.0)
    d = start_daemon(conf, env=alsa_capture.env())
    wait_for_socket(tmp_path / "loaxad.sock", d)

    r = ctl(conf, "notice", "add", "Tiêm chủng thứ Bảy", "--file", rec, "--times", "2",
            "--to", today(3))
    assert r.returncode == 0, r.stderr
    assert "Notice 1 added" in r.stdout
    r = ctl(conf, "notice", "add", "Cắt điện ngày mai", "--text", "Ngày mai cắt điện.")
    assert r.returncode == 0, r.stderr
    # The daemon keeps its own copy of the recording, under a name it chose.
    stored = json.loads((tmp_path / "state" / "notices.json").read_text())["notices"]
    assert stored[0]["audio"].startswith(str(tmp_path / "state" / "notices"))
    assert "ghi am" not in stored[0]["audio"]
    rec.unlink()
    d.wait_for_log(r'notice 1 "Tiêm chủng thứ Bảy" added by \S+: %s to %s, 2 a day' % (today(), today(3)))

    listing = ctl(conf, "notice", "list")
    assert listing.returncode == 0
    assert "Tiêm chủng thứ Bảy" in listing.stdout and "Cắt điện ngày mai" in listing.stdout
    # Due today: in the queue (after the bulletins) and in the plan of the next days.
    q = ctl(conf, "queue")
    assert "Notices still to air today" in q.stdout and "2 of 2" in q.stdout, q.stdout
    plan = ctl(conf, "plan", today(2))
    assert 'notice 1 "Tiêm chủng thứ Bảy": 2 a day' in plan.stdout
    assert "Cắt điện" not in plan.stdout

    assert ctl(conf, "notice", "pause", "1").returncode == 0
    assert "Tiêm chủng" not in ctl(conf, "queue").stdout
    assert ctl(conf, "notice", "edit", "2", "--title", "Cắt điện thứ Hai", "--times", "3").returncode == 0

    # Bad requests are refused with a reason and change nothing.
    before = (tmp_path / "state" / "notices.json").read_bytes()
    for args in (["add", "Không có gì"],
                 ["add", "Ngày sai", "--text", "x", "--from", "2026-02-30"],
                 ["add", "Ngược", "--text", "x", "--from", today(2), "--to", today()],
                 ["edit", "9", "--times", "2"],
                 ["delete", "9"]):
        r = ctl(conf, "notice", *args)
        assert r.returncode != 0, args
        assert r.stderr.strip(), args
    assert (tmp_path / "state" / "notices.json").read_bytes() == before

    d.stop()
    d = start_daemon(conf, env=alsa_capture.env())
    wait_for_socket(tmp_path / "loaxad.sock", d)
    listing = ctl(conf, "notice", "list").stdout
    assert "paused" in listing and "Cắt điện thứ Hai" in listing
    assert ctl(conf, "notice", "resume", "1").returncode == 0
    assert ctl(conf, "notice", "delete", "1").returncode == 0
    assert "Tiêm chủng" not in ctl(conf, "notice", "list").stdout
    # The recording went with its notice; the text notice keeps its speech.
    left = sorted(p.name for p in (tmp_path / "state" / "notices").iterdir())
    assert len(left) == 1 and left[0].startswith("2-") and left[0].endswith(".wav"), left
    d.wait_for_log(r'notice 1 "Tiêm chủng thứ Bảy" deleted by ')


def test_a_notice_airs_in_the_bulletins_step_its_times_a_day_and_is_logged_with_its_title(
        tmp_path, alsa_capture, start_daemon, require_loaxactl, audio_dir):
    harness.make_tone(audio_dir / "a.mp3", 440, 1.0)
    harness.make_tone(audio_dir / "notice.mp3", 1320, 1.0)
    harness.make_tone(audio_dir / "paused.mp3", 1760, 1.0)
    start, end, _ = harness.slot_times(2, 300)
    conf = harness.write_config(tmp_path, device=alsa_capture.device, slots=[harness.slot(
        "sang", start, end, ["file:%s" % (audio_dir / "a.mp3"), "bulletins"], loop=True)])
    d = start_daemon(conf, env=alsa_capture.env())
    wait_for_socket(tmp_path / "loaxad.sock", d)
    assert ctl(conf, "notice", "add", "Họp dân", "--file", audio_dir / "notice.mp3",
               "--times", "2").returncode == 0
    assert ctl(conf, "notice", "add", "Tạm dừng", "--file", audio_dir / "paused.mp3").returncode == 0
    assert ctl(conf, "notice", "pause", "2").returncode == 0

    # Five passes of the program: the notice airs in two of them, never the paused one.
    deadline = time.monotonic() + 40
    while len([l for l in d.played_lines() if l["kind"] == "file"]) < 5:
        assert time.monotonic() < deadline, d.played_lines()
        time.sleep(0.2)
    lines = d.played_lines()
    notices = [l for l in lines if l["kind"] == "notice"]
    assert len(notices) == 2, lines
    for n in notices:
        assert n["title"] == "Họp dân" and n["result"] == "completed" and n["slot"] == "sang", n
    # Each airing follows a pass's file (it is the bulletins step's).
    kinds = [l["kind"] for l in lines]
    assert kinds[:4] == ["file", "notice", "file", "notice"], kinds
    rate, samples = alsa_capture.samples()
    tones = harness.tone_segments(samples, rate)
    # Two seconds of the notice were heard (a loaded machine may split them), none of the paused one.
    heard = sum(t.duration_s for t in tones if abs(t.freq_hz - 1320) < 15)
    assert 1.6 < heard < 2.4, tones
    assert not [t for t in tones if abs(t.freq_hz - 1760) < 15], tones
    # Counted on disk: after a restart it is not due again today.
    d.stop()
    assert '"aired": 2' in (tmp_path / "state" / "notices.json").read_text()
    q = ctl(conf, "notice", "list")  # no daemon: refused, nothing else
    assert q.returncode != 0
