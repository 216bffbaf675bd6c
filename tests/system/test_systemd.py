"""What `systemctl status loaxad` shows a technician: loaxad (Type=notify) sends
STATUS= lines saying what is on air whenever that changes. The test stands in for
systemd: it listens on the NOTIFY_SOCKET it gives the daemon.
"""

import re
import socket
import time

import pytest

import harness
from harness import slot, slot_times, write_config


@pytest.fixture
def notify_socket(tmp_path):
    path = tmp_path / "notify.sock"
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.bind(str(path))
    s.settimeout(0.2)
    yield s, path
    s.close()


def statuses_until(sock, pattern, timeout):
    """Every STATUS= sent until one matches pattern (fails with those seen)."""
    seen = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            msg = sock.recv(4096).decode("utf-8")
        except socket.timeout:
            continue
        for field in msg.split("\n"):
            if field.startswith("STATUS="):
                seen.append(field[len("STATUS="):])
                if re.search(pattern, seen[-1]):
                    return seen
    raise AssertionError("no STATUS= matching /%s/ within %.0f s; seen: %r" % (pattern, timeout, seen))


def test_systemctl_status_says_what_is_on_air(tmp_path, alsa_capture, start_daemon,
                                              notify_socket, audio_dir):
    sock, path = notify_socket
    tone = harness.make_tone(audio_dir / "tin-sang.mp3", 440, 3.0)
    # Far enough ahead that a slow start (a loaded machine, ASan) still sees it come.
    start, end, _ = slot_times(4, 8)
    conf = write_config(tmp_path, device=alsa_capture.device, slots=[
        slot("sáng", start, end, ["file:%s" % tone])])
    env = dict(alsa_capture.env(), NOTIFY_SOCKET=str(path))
    d = start_daemon(conf, env=env)
    # Before the slot: what comes next. Then the slot's step and the time left.
    seen = statuses_until(sock, r"^on air: sáng — file:.*tin-sang\.mp3, 0:0[23] left$", 15)
    assert any(re.match(r"^idle until \d\d:\d\d \(sáng\)$", s) for s in seen), seen
    # The file over, the slot still on: silent, not a stale "on air" line.
    statuses_until(sock, r"^on air: sáng — silent$", 15)
    d.stop()
