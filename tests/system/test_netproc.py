"""The network process: loaxad hands every transfer to loaxa-net over a socketpair
and trusts nothing it answers. Here a fake network process (fake_net.py, speaking
the real channel's frames) lies in every way it can: nothing it hands over airs,
and the station keeps airing its programme; a network process that dies is
restarted, one log line per crash.

Run: LOAXA_BUILD=build python3 -m pytest -q tests/system/test_netproc.py
"""

import os
import re
import shutil
import signal
import time
from pathlib import Path

import pytest

import harness
from bulletin_feed import Feed, Nginx

A_HZ, BUL_HZ, OTHER_HZ = 440, 1320, 1760
FAKE = Path(__file__).resolve().parent / "fake_net.py"


@pytest.fixture
def nginx(tmp_path):
    if not shutil.which("nginx"):
        pytest.skip("nginx is not installed")
    srv = Nginx(tmp_path / "nginx").start()
    yield srv
    srv.stop()


def setup_station(tmp_path, nginx, alsa_capture, poll=1):
    feed = Feed(nginx.root / "prov", nginx.url("prov/index.atom"), tmp_path / "keys")
    a = harness.make_tone(tmp_path / "a.mp3", A_HZ, 1)
    bul = harness.make_tone(tmp_path / "bul.mp3", BUL_HZ, 1)
    start, end, _ = harness.slot_times(1, 120)
    conf = harness.write_config(
        tmp_path / "station", device=alsa_capture.device, feeds=[feed.station_feed(poll=poll)],
        slots=[harness.slot("day", start, end, ["playlist:pl"], loop=True)],
        playlists={"pl": [a]})
    return feed, bul, conf


LIES = {
    # mode: what the station's log must say about it
    "forge": r"rejected: bad signature",
    "truncate": r"rejected: (bad signature|malformed)",
    "swap": r"rejected: audio digest mismatch",
    "oversize": r"index.atom failing: too large: \d+ bytes, limit \d+",
    "garbage": r"network process sent a bad message",
    "forgeid": r"network process sent a bad message \(an answer to transfer \d+, which is not in flight\)",
    "die": r"network process closed its channel, exit status 3",
}


@pytest.mark.parametrize("mode", sorted(LIES))
def test_a_lying_network_process_never_gets_a_bulletin_on_air(
        mode, nginx, tmp_path, alsa_capture, start_daemon):
    feed, bul, conf = setup_station(tmp_path, nginx, alsa_capture)
    ident = feed.publish(bul, "emergency", plays=1)
    other = harness.make_tone(tmp_path / "other.mp3", OTHER_HZ, 1)
    starts = tmp_path / "fake-starts.log"
    env = dict(alsa_capture.env(), LOAXA_NET=str(FAKE), FAKE_NET_MODE=mode,
               FAKE_NET_LOG=str(starts), FAKE_NET_SWAP_AUDIO=str(other))
    d = start_daemon(conf, env=env)
    d.wait_for_log(LIES[mode], timeout=15)
    # More polls, more lies, while the programme keeps airing.
    d.wait_for_played(5, timeout=30, pred=lambda l: l["kind"] == "playlist" and
                      l["result"] == "completed")
    assert d.running()
    lines = d.played_lines()
    log = d.log_text()
    d.stop()
    assert not [l for l in lines if l["kind"] == "bulletin" and l["result"] == "completed"], lines
    assert not re.search(r"bulletin %s accepted" % re.escape(ident), log), log
    if mode in ("garbage", "forgeid", "die"):
        restarts = starts.read_text().splitlines()
        assert len(restarts) >= 2, restarts  # restarted, with back-off (1 s, 2 s ...)
        crashes = [l for l in log.splitlines() if "network process" in l and "restarted in" in l]
        assert len(crashes) == len(restarts) - 1 or len(crashes) == len(restarts), log
    cache = tmp_path / "station" / "cache" / "bulletins"
    assert not [p for p in cache.iterdir()] if cache.exists() else True


def test_the_fake_network_process_tells_the_truth_when_asked_to(
        nginx, tmp_path, alsa_capture, start_daemon):
    """The control for the test above: the same fake, honest, gets the bulletin on air."""
    feed, bul, conf = setup_station(tmp_path, nginx, alsa_capture)
    ident = feed.publish(bul, "emergency", plays=1)
    env = dict(alsa_capture.env(), LOAXA_NET=str(FAKE), FAKE_NET_MODE="honest")
    d = start_daemon(conf, env=env)
    d.wait_for_played(1, timeout=20, pred=lambda l: l.get("bulletin") == ident)
    d.stop()


def test_a_killed_network_process_is_restarted_and_the_next_bulletin_airs(
        nginx, tmp_path, alsa_capture, start_daemon):
    feed, bul, conf = setup_station(tmp_path, nginx, alsa_capture)
    d = start_daemon(conf, env=alsa_capture.env())
    m = d.wait_for_log(r"network process \S+loaxa-net started \(pid (\d+)\)", timeout=10)
    pid = int(m.group(1))
    d.wait_for_played(1, timeout=20)  # the card is open in loaxad now
    # Confined: no new privileges, a seccomp filter; and nothing of loaxad's
    # crossed over: only stdin/out/err and its channel, no card, log or socket.
    status = Path("/proc/%d/status" % pid).read_text()
    assert re.search(r"^NoNewPrivs:\s+1$", status, re.M), status
    assert re.search(r"^Seccomp:\s+2$", status, re.M), status
    fds = {int(n): os.readlink("/proc/%d/fd/%s" % (pid, n)) for n in os.listdir("/proc/%d/fd" % pid)}
    # (0-2 are loaxad's stdin and stderr, where the child logs too)
    assert fds[3].startswith("socket:"), fds
    assert all(t.startswith(("socket:", "anon_inode:", "pipe:"))
               for n, t in fds.items() if n > 3), fds
    os.kill(pid, signal.SIGKILL)
    d.wait_for_log(r"network process .*killed by signal 9; .*restarted in 1 s",
                   timeout=10)
    d.wait_for_log(r"network process \S+loaxa-net started \(pid (?!%d\))" % pid, timeout=10)
    ident = feed.publish(bul, "emergency", plays=1)
    d.wait_for_played(1, timeout=20, pred=lambda l: l.get("bulletin") == ident)
    # The station airs its programme around the crash.
    d.wait_for_played(2, timeout=20, pred=lambda l: l["kind"] == "playlist" and
                      l["result"] == "completed")
    assert d.running()
    d.stop()
    crashes = [l for l in d.log_text().splitlines() if "restarted in" in l]
    assert len(crashes) == 1, d.log_text()
