"""loaxactl against a running loaxad, as an operator and a technician use it, plus
the control socket's robustness and the reports upward to a district collector.

Run: LOAXA_BUILD=build /usr/bin/python3 -m pytest -q tests/system/test_loaxactl.py
"""

import grp
import http.server
import json
import os
import re
import socket
import stat
import struct
import subprocess
import threading
import time

import numpy as np
import pytest

import harness

CTL_MAGIC = 0x4C584131
CTL_VERSION = 1
REQ_STATUS = 1
REPLY_OK, REPLY_ERROR = 100, 101
COMMANDS = ["status", "plan", "queue", "log", "play", "stop", "skip", "volume",
            "mute", "unmute", "reload", "test-tone"]


def loaxactl(*args, config=None, sock=None, timeout=20, user=None):
    argv = [str(harness.loaxactl_bin())]
    if config is not None:
        argv += ["-c", str(config)]
    if sock is not None:
        argv += ["-s", str(sock)]
    argv += [str(a) for a in args]
    pre = None
    if user is not None:
        def pre():
            os.setgid(user[1])
            os.setgroups([])
            os.setuid(user[0])
    return subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                          timeout=timeout, preexec_fn=pre)


@pytest.fixture
def require_loaxactl():
    if not harness.loaxactl_bin().exists():
        pytest.skip("%s is not built" % harness.loaxactl_bin())


@pytest.fixture
def station(tmp_path, alsa_capture, start_daemon, require_loaxactl):
    """A running loaxad on the fast (unpaced) capture, no slot for an hour."""
    start, end, _ = harness.slot_times(3600, 60)
    conf = harness.write_config(tmp_path, device=alsa_capture.device,
                                slots=[harness.slot("evening", start, end, ["chime"])])
    d = start_daemon(conf, env=alsa_capture.env())
    wait_for_socket(tmp_path / "loaxad.sock", d)
    d.conf = conf
    d.sock = tmp_path / "loaxad.sock"
    return d


def wait_for_socket(path, daemon, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists():
            return
        assert daemon.running(), daemon.log_text()[-3000:]
        time.sleep(0.05)
    raise AssertionError("no control socket at %s:\n%s" % (path, daemon.log_text()[-3000:]))


def frame(code, payload=b"{}", version=CTL_VERSION, magic=CTL_MAGIC, length=None):
    return struct.pack("=IHHI", magic, version, code,
                       len(payload) if length is None else length) + payload


def read_frame(s, timeout=5.0):
    s.settimeout(timeout)
    head = b""
    while len(head) < 12:
        chunk = s.recv(12 - len(head))
        if not chunk:
            return None
        head += chunk
    magic, version, code, length = struct.unpack("=IHHI", head)
    body = b""
    while len(body) < length:
        chunk = s.recv(length - len(body))
        assert chunk, "reply cut short"
        body += chunk
    return code, json.loads(body)


def connect(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(str(path))
    return s


# ---- without a daemon ----

def test_help_explains_every_command(require_loaxactl):
    r = loaxactl("--help")
    assert r.returncode == 0
    for name in COMMANDS:
        assert name in r.stdout
        c = loaxactl(name, "--help")
        assert c.returncode == 0, c.stderr
        assert c.stdout.startswith("usage: loaxactl %s" % name)


def test_unknown_command_and_bad_volume_are_usage_errors(require_loaxactl, tmp_path):
    r = loaxactl("frobnicate", sock=tmp_path / "x.sock")
    assert r.returncode == 2 and "unknown command" in r.stderr
    r = loaxactl("volume", "101", sock=tmp_path / "x.sock")
    assert r.returncode == 2 and "0 to 100" in r.stderr


def test_daemon_not_running_is_said_plainly(require_loaxactl, tmp_path):
    sock = tmp_path / "loaxad.sock"
    r = loaxactl("status", sock=sock)
    assert r.returncode == 3
    assert r.stderr.strip() == "loaxactl: loaxad is not running (no socket at %s)" % sock


def test_socket_path_comes_from_the_config(require_loaxactl, tmp_path):
    conf = harness.write_config(tmp_path)
    r = loaxactl("status", config=conf)
    assert r.returncode == 3
    assert "no socket at %s" % (tmp_path / "loaxad.sock") in r.stderr


# ---- against a running daemon ----

def test_status_shows_the_station(station):
    r = loaxactl("status", config=station.conf)
    assert r.returncode == 0, r.stderr
    for label in ("Slot", "On air", "Next slot", "Bulletins", "Feeds", "Sound card",
                  "Volume", "Mute", "Uptime"):
        assert label in r.stdout, r.stdout
    assert "evening at" in r.stdout
    assert "Mute        off" in r.stdout


def test_plan_shows_the_slot_and_a_timeline(station):
    r = loaxactl("plan", config=station.conf)
    assert r.returncode == 0, r.stderr
    assert "evening" in r.stdout and "chime" in r.stdout
    assert "|" in r.stdout and "A evening" in r.stdout
    week = loaxactl("plan", "--week", config=station.conf)
    assert week.returncode == 0
    assert week.stdout.count("SLOT") + week.stdout.count("(no slots)") == 7
    bad = loaxactl("plan", "2026-02-30", config=station.conf)
    assert bad.returncode == 1 and "YYYY-MM-DD" in bad.stderr


def test_queue_is_empty_without_bulletins(station):
    r = loaxactl("queue", config=station.conf)
    assert r.returncode == 0, r.stderr
    assert "No bulletins waiting." in r.stdout


def test_play_airs_the_file_and_logs_it(station, alsa_capture, audio_dir):
    tone = harness.make_tone(audio_dir / "tin tức.mp3", 440, 1.0)
    r = loaxactl("play", tone, config=station.conf)
    assert r.returncode == 0, r.stderr
    line = station.wait_for_played(1)[0]
    assert line["source"] == str(tone) and line["slot"] is None
    assert line["result"] == "completed"
    rate, samples = alsa_capture.samples()
    assert harness.matches_freqs(harness.tone_segments(samples, rate), [440])


def test_status_shows_the_item_on_air_with_elapsed_and_remaining(station, audio_dir):
    tone = harness.make_tone(audio_dir / "long.mp3", 440, 6.0)
    assert loaxactl("play", tone, config=station.conf).returncode == 0
    station.wait_for_log(r"operator: play", timeout=5)
    time.sleep(2.0)
    out = loaxactl("status", config=station.conf).stdout
    assert "On air      file %s" % tone in out, out
    m = re.search(r"(\d+):(\d+) elapsed, (\d+):(\d+) remaining", out)
    assert m, out
    elapsed = int(m.group(1)) * 60 + int(m.group(2))
    remaining = int(m.group(3)) * 60 + int(m.group(4))
    # About 2 s in (a loaded machine may answer later); the two add up to the 6 s tone.
    assert 1 <= elapsed <= 5 and 0 <= remaining <= 5 and 5 <= elapsed + remaining <= 7, out
    loaxactl("stop", config=station.conf)


def test_play_of_a_missing_file_is_refused_with_the_reason(station, tmp_path):
    r = loaxactl("play", tmp_path / "nope.mp3", config=station.conf)
    assert r.returncode == 1
    assert "nope.mp3" in r.stderr and "No such file" in r.stderr


def test_test_tone_airs_1khz(station, alsa_capture):
    r = loaxactl("test-tone", config=station.conf)
    assert r.returncode == 0, r.stderr
    station.wait_for_played(1, timeout=20, pred=lambda l: l["kind"] == "test")
    rate, samples = alsa_capture.samples()
    segs = harness.tone_segments(samples, rate)
    assert any(abs(s.freq_hz - 1000) < 20 for s in segs), segs


def test_mute_refuses_play_and_unmute_allows_it(station, audio_dir):
    tone = harness.make_tone(audio_dir / "a.mp3", 440, 0.5)
    assert loaxactl("mute", config=station.conf).returncode == 0
    assert "Mute        on" in loaxactl("status", config=station.conf).stdout
    r = loaxactl("play", tone, config=station.conf)
    assert r.returncode == 1 and "muted" in r.stderr
    assert loaxactl("mute", "--all", config=station.conf).returncode == 0
    assert "emergencies too" in loaxactl("status", config=station.conf).stdout
    assert loaxactl("unmute", config=station.conf).returncode == 0
    assert loaxactl("play", tone, config=station.conf).returncode == 0
    station.wait_for_played(1)


def test_stop_and_skip_with_nothing_on_air_are_refused(station):
    for cmd in ("stop", "skip"):
        r = loaxactl(cmd, config=station.conf)
        assert r.returncode == 1
        assert "nothing is on air" in r.stderr


def test_reload_applies_a_good_config_and_refuses_a_bad_one(station):
    r = loaxactl("reload", config=station.conf)
    assert r.returncode == 0, r.stderr
    text = station.conf.read_text()
    station.conf.write_text(text + "\nbogus = ;\n")
    r = loaxactl("reload", config=station.conf, sock=station.sock)
    assert r.returncode == 1
    assert "loaxa.conf" in r.stderr
    station.conf.write_text(text)
    assert loaxactl("status", config=station.conf).returncode == 0


def test_log_reads_the_files_readably_and_as_json(station, audio_dir):
    a = harness.make_tone(audio_dir / "a.mp3", 440, 0.5)
    for _ in range(2):
        assert loaxactl("play", a, config=station.conf).returncode == 0
        time.sleep(0.3)
    station.wait_for_played(2)
    r = loaxactl("log", config=station.conf)
    assert r.returncode == 0, r.stderr
    assert r.stdout.count("completed") == 2
    assert "2 items" in r.stdout and "min on air" in r.stdout and "0 failures" in r.stdout
    js = loaxactl("log", "--json", config=station.conf)
    assert js.stdout == station.played_log.read_text()
    none = loaxactl("log", "--result", "failed", config=station.conf)
    assert "No items" in none.stdout
    later = loaxactl("log", "--since", "1m", "--slot", "evening", config=station.conf)
    assert "No items" in later.stdout
    bad = loaxactl("log", "--since", "half past", config=station.conf)
    assert bad.returncode == 2


def test_log_reads_across_rotated_files_in_time_order(tmp_path, require_loaxactl):
    conf = harness.write_config(tmp_path)
    line = ('{"start":"%s","end":"%s","slot":"morning","kind":"file","source":"/x.mp3",'
            '"result":"%s","played_s":60.0%s}\n')
    (tmp_path / "played.jsonl.2026-11-26").write_text(
        line % ("2026-11-26T05:31:00.000+07:00", "2026-11-26T05:32:00.000+07:00",
                "failed", ',"reason":"tệp hỏng"')
        + line % ("2026-11-26T05:30:00.000+07:00", "2026-11-26T05:31:00.000+07:00",
                  "completed", ""))
    (tmp_path / "played.jsonl").write_text(
        line % ("2026-11-27T05:30:00.000+07:00", "2026-11-27T05:31:00.000+07:00",
                "completed", ""))
    env_tz = dict(os.environ, TZ="Asia/Ho_Chi_Minh")
    r = subprocess.run([str(harness.loaxactl_bin()), "-c", str(conf), "log"],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env_tz)
    assert r.returncode == 0, r.stderr
    out = r.stdout
    assert out.index("05:30:00") < out.index("05:31:00") < out.index("2026-11-27")
    assert "(reason: tệp hỏng)" in out
    assert "-- 2026-11-26: 2 items, 2.0 min on air, 1 failure" in out
    assert "-- 2026-11-27: 1 item, 1.0 min on air, 0 failures" in out
    r = subprocess.run([str(harness.loaxactl_bin()), "-c", str(conf), "log", "--since",
                        "2026-11-27", "--json"], stdout=subprocess.PIPE, text=True, env=env_tz)
    assert r.stdout == (tmp_path / "played.jsonl").read_text()


@pytest.mark.slow
def test_play_stop_and_volume_heard_on_the_paced_capture(tmp_path, paced_alsa_capture,
                                                         daemon_env, start_daemon,
                                                         require_loaxactl, audio_dir):
    start, end, _ = harness.slot_times(3600, 60)
    conf = harness.write_config(tmp_path, device=paced_alsa_capture.device,
                                slots=[harness.slot("evening", start, end, ["chime"])])
    d = start_daemon(conf, env=daemon_env)
    wait_for_socket(tmp_path / "loaxad.sock", d)
    long_tone = harness.make_tone(audio_dir / "long.mp3", 440, 10.0)
    short = harness.make_tone(audio_dir / "short.mp3", 660, 1.0)

    assert loaxactl("play", long_tone, config=conf).returncode == 0
    time.sleep(1.5)
    r = loaxactl("stop", config=conf)
    assert r.returncode == 0, r.stderr
    line = d.wait_for_played(1)[0]
    assert line["result"] == "interrupted" and line["played_s"] < 4.0

    assert loaxactl("play", short, config=conf).returncode == 0
    d.wait_for_played(2)
    assert loaxactl("volume", "50", config=conf).returncode == 0
    assert "Volume      50" in loaxactl("status", config=conf).stdout
    assert loaxactl("play", short, config=conf).returncode == 0
    d.wait_for_played(3)
    time.sleep(0.5)
    rate, samples = paced_alsa_capture.samples()
    segs = harness.tone_segments(samples, rate)
    tones440 = [s for s in segs if abs(s.freq_hz - 440) < 10]
    tones660 = [s for s in segs if abs(s.freq_hz - 660) < 10]
    assert tones440 and sum(s.duration_s for s in tones440) < 4.0  # stopped, not 10 s
    # The two plays may join into one segment: compare its first and last second.
    assert sum(s.duration_s for s in tones660) > 1.6, segs
    full = harness.level(samples, rate, tones660[0].start_s + 0.2, tones660[0].start_s + 0.8)
    half = harness.level(samples, rate, tones660[-1].end_s - 0.8, tones660[-1].end_s - 0.2)
    assert abs(harness.db(half / full) + 6.02) < 0.5


# ---- the socket ----

def test_socket_is_0660_and_in_the_configured_group(tmp_path, alsa_capture, start_daemon,
                                                    require_loaxactl):
    group = grp.getgrgid(os.getgid()).gr_name
    conf = harness.write_config(tmp_path, device=alsa_capture.device,
                                extra='control = { group = "%s"; };' % group)
    d = start_daemon(conf, env=alsa_capture.env())
    sock = tmp_path / "loaxad.sock"
    wait_for_socket(sock, d)
    st = os.stat(sock)
    assert stat.S_ISSOCK(st.st_mode)
    assert stat.S_IMODE(st.st_mode) == 0o660
    assert st.st_gid == os.getgid()


def test_unknown_group_is_refused_at_start(tmp_path, alsa_capture, start_daemon,
                                           require_loaxactl):
    conf = harness.write_config(tmp_path, device=alsa_capture.device,
                                extra='control = { group = "no-such-group-xyz"; };')
    d = start_daemon(conf, env=alsa_capture.env())
    d.wait_for_log(r"no-such-group-xyz")
    d.proc.wait(10)
    assert d.proc.returncode != 0


def test_user_without_access_is_told_permission_denied(station):
    if os.geteuid() != 0:
        pytest.skip("needs root to run loaxactl as another user")
    os.chmod(station.sock.parent, 0o755)
    r = loaxactl("status", sock=station.sock, user=(65534, 65534))
    assert r.returncode == 4
    assert "permission denied on %s" % station.sock in r.stderr


def test_garbage_gets_an_error_and_the_daemon_still_answers(station):
    s = connect(station.sock)
    s.sendall(b"GET / HTTP/1.0\r\n\r\n")
    code, body = read_frame(s)
    assert code == REPLY_ERROR and "not a loaxa control message" in body["error"]
    assert s.recv(10) == b""  # closed after the error
    s.close()
    for bad, why in ((frame(REQ_STATUS, version=99), "version"),
                     (frame(77), "unknown command"),
                     (frame(REQ_STATUS, length=1 << 20), "too long"),
                     (frame(REQ_STATUS, b"[1,2,3]"), "not a JSON object"),
                     (frame(7, b'{"volume":"loud"}'), "volume")):
        s = connect(station.sock)
        s.sendall(bad)
        code, body = read_frame(s)
        assert code == REPLY_ERROR and why in body["error"], body
        s.close()
    assert station.running()
    assert loaxactl("status", config=station.conf).returncode == 0


def test_never_ending_clients_do_not_block_others(station):
    stuck = []
    for _ in range(5):
        s = connect(station.sock)
        s.sendall(frame(REQ_STATUS, length=4000)[:12] + b'{"a":"')  # never finished
        stuck.append(s)
    silent = connect(station.sock)  # sends nothing at all
    t0 = time.monotonic()
    r = loaxactl("status", config=station.conf)
    # Served before the stuck clients are dropped (5 s): loaxad did not wait for them.
    assert r.returncode == 0 and time.monotonic() - t0 < 4.0
    # A client that keeps one connection and asks twice is served twice.
    s = connect(station.sock)
    for _ in range(2):
        s.sendall(frame(REQ_STATUS))
        code, body = read_frame(s)
        assert code == REPLY_OK and "volume" in body
    s.close()
    # The stuck ones are dropped after the daemon's timeout (5 s).
    silent.settimeout(10)
    assert silent.recv(10) == b""
    for c in stuck:
        c.settimeout(10)
        assert c.recv(10) == b""
        c.close()
    silent.close()
    assert loaxactl("status", config=station.conf).returncode == 0


def test_a_client_that_never_reads_its_replies_is_dropped(station):
    s = connect(station.sock)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    req = frame(2, b'{"days":31}')  # a month's plan: a big reply
    s.setblocking(False)
    try:
        for _ in range(2000):
            s.send(req)
    except BlockingIOError:
        pass
    t0 = time.monotonic()
    assert loaxactl("status", config=station.conf).returncode == 0
    # Before that client is dropped (5 s): loaxad did not block on its full socket.
    assert time.monotonic() - t0 < 4.0
    s.close()


# ---- reports upward ----

class Collector:
    """A district collector: records NDJSON bodies; answers 503 while `down`."""

    def __init__(self):
        self.lines = []
        self.heartbeats = []
        self.attempts = 0
        self.down = False
        self.lock = threading.Lock()
        collector = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                with collector.lock:
                    collector.attempts += 1
                    if collector.down:
                        self.send_response(503)
                        self.end_headers()
                        return
                    for raw in body.decode("utf-8").splitlines():
                        obj = json.loads(raw)
                        if obj.get("type") == "heartbeat":
                            collector.heartbeats.append(obj)
                        else:
                            collector.lines.append(raw)
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = "http://127.0.0.1:%d/ingest" % self.server.server_port
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()

    def wait_lines(self, n, timeout=20.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if len(self.lines) >= n:
                    return list(self.lines)
            time.sleep(0.1)
        raise AssertionError("collector has %d lines, wanted %d" % (len(self.lines), n))


@pytest.fixture
def collector():
    c = Collector()
    yield c
    c.close()


@pytest.mark.slow
def test_collector_gets_every_line_once_across_outage_and_restart(
        tmp_path, alsa_capture, start_daemon, require_loaxactl, audio_dir, collector):
    conf = harness.write_config(tmp_path, device=alsa_capture.device, station="Xã Tân Thạnh",
                                extra='report = { url = "%s"; interval = 1; };' % collector.url)
    tone = harness.make_tone(audio_dir / "a.mp3", 440, 0.3)
    sock = tmp_path / "loaxad.sock"

    def play(d, n, already):
        for i in range(n):
            assert loaxactl("play", tone, config=conf).returncode == 0
            d.wait_for_played(already + i + 1)

    d = start_daemon(conf, env=alsa_capture.env())
    wait_for_socket(sock, d)
    play(d, 3, 0)
    collector.wait_lines(3)

    collector.down = True  # outage: lines are kept, retried
    play(d, 2, 3)
    time.sleep(2.5)
    assert len(collector.lines) == 3
    d.stop()

    collector.down = False
    d2 = start_daemon(conf, env=alsa_capture.env())
    wait_for_socket(sock, d2)
    play(d2, 1, 5)
    got = collector.wait_lines(6)
    time.sleep(2.5)  # nothing more may come
    stored = (tmp_path / "played.jsonl").read_text().splitlines()
    assert len(stored) == 6
    with collector.lock:
        got = list(collector.lines)
        beats = list(collector.heartbeats)
    station_json = json.dumps("Xã Tân Thạnh", ensure_ascii=False)
    assert sorted(got) == sorted(l[:-1] + ',"station":%s}' % station_json for l in stored)
    assert beats, "no heartbeat"
    hb = beats[-1]
    assert hb["station"] == "Xã Tân Thạnh" and hb["online"] is True
    # The same facts, under the same names, as `loaxactl status`.
    for key in ("volume", "muted", "device", "feeds", "disk", "version", "item", "now",
                "uptime_s", "bulletins_waiting", "clock"):
        assert key in hb, hb
    assert hb["disk"]["free_bytes"] > 0
