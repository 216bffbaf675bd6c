"""A feed that is missing or failing never delays an alert by minutes.

- 404 for the index (the province has published nothing yet) is an empty
  feed: polled every `poll`, one log line when it starts and one when it ends,
  and the first bulletin published airs as soon as at any other poll.
- Transport errors and 5xx back off from `poll` doubling (with jitter) up to
  max(poll, bulletins.retry_max); the next poll after the server's return comes
  within that cap.

Run: LOAXA_BUILD=build python3 -m pytest -q tests/system/test_feed_backoff.py
"""

import re
import shutil
import time

import pytest

import harness
from bulletin_feed import Feed, Nginx
from fault_server import FaultServer, Handler

BUL_HZ = 1320


@pytest.fixture
def nginx(tmp_path):
    if not shutil.which("nginx"):
        pytest.skip("nginx is not installed")
    srv = Nginx(tmp_path / "nginx").start()
    yield srv
    srv.stop()


@pytest.fixture
def timed_fault_feed(tmp_path):
    """A feed behind the fault server whose fault (srv.mode) can change while
    the station polls; srv.times holds (monotonic time, path, mode) per request."""
    root = tmp_path / "faultroot"
    root.mkdir()
    srv = FaultServer(root)
    srv.mode = "ok"
    srv.times = []

    class Timed(Handler):
        def do_GET(self):
            if self.path.startswith("/feed/"):
                srv.times.append((time.monotonic(), self.path, srv.mode))
                self.path = "/%s%s" % (srv.mode, self.path)
            return Handler.do_GET(self)
    srv.httpd.RequestHandlerClass = Timed
    feed = Feed(root / "feed", "http://127.0.0.1:%d/feed/index.atom" % srv.port,
                tmp_path / "keys")
    feed.server = srv
    yield feed
    srv.stop()


def log_lines(daemon, regex):
    return [l for l in daemon.log_text().splitlines() if re.search(regex, l)]


def test_a_missing_index_is_an_empty_feed_polled_at_its_rate_and_the_first_bulletin_airs_at_once(
        nginx, tmp_path, alsa_capture, start_daemon):
    feed = Feed(nginx.root / "prov", nginx.url("prov/index.atom"), tmp_path / "keys")
    bul = harness.make_tone(tmp_path / "bul.mp3", BUL_HZ, 1)
    conf = harness.write_config(tmp_path / "station", device=alsa_capture.device,
                                feeds=[feed.station_feed(poll=1)])
    d = start_daemon(conf, env=alsa_capture.env())
    d.wait_for_log(r"feed .*prov/index.atom has no index \(HTTP 404\)", timeout=10)
    n0 = len(nginx.statuses("/prov/index.atom"))
    time.sleep(8)
    polls = nginx.statuses("/prov/index.atom")[n0:]
    # Every second (+-15 %); a back-off from 1 s would have made 3 at most.
    assert len(polls) >= 5 and set(polls) == {404}, polls

    ident = feed.publish(bul, "emergency", plays=1)
    published = time.monotonic()
    d.wait_for_log(r"bulletin %s accepted" % re.escape(ident), timeout=15)
    accepted_after = time.monotonic() - published
    d.wait_for_played(1, timeout=20, pred=lambda l: l.get("bulletin") == ident)
    assert d.running()
    d.stop()
    # One poll at 1 s and a few fetches (seconds on a loaded machine); a backed-off
    # feed would wait 8-16 s.
    assert accepted_after < 7.5, "accepted %.1f s after publishing" % accepted_after
    assert len(log_lines(d, r"has no index")) == 1, d.log_text()
    assert len(log_lines(d, r"prov/index.atom has an index again")) == 1, d.log_text()
    assert not log_lines(d, r"failing"), d.log_text()
    line = [l for l in d.played_lines() if l.get("bulletin") == ident][0]
    assert line["result"] == "completed", line


def test_a_failing_server_backs_off_only_up_to_retry_max_and_is_polled_soon_after_its_return(
        timed_fault_feed, tmp_path, alsa_capture, start_daemon):
    feed, srv = timed_fault_feed, timed_fault_feed.server
    srv.mode = "status/503"
    bul = harness.make_tone(tmp_path / "bul.mp3", BUL_HZ, 1)
    conf = harness.write_config(tmp_path / "station", device=alsa_capture.device,
                                feeds=[feed.station_feed(poll=1)],
                                extra="bulletins = { retry_max = 4; };")
    d = start_daemon(conf, env=alsa_capture.env())
    d.wait_for_log(r"feed .* failing: HTTP 503; retrying with back-off up to 4 s", timeout=10)
    time.sleep(14)
    ident = feed.publish(bul, "emergency", plays=1)
    srv.mode = "ok"
    back = time.monotonic()
    d.wait_for_log(r"bulletin %s accepted" % re.escape(ident), timeout=15)
    d.wait_for_played(1, timeout=20, pred=lambda l: l.get("bulletin") == ident)
    assert d.running()
    d.stop()

    failing = [t for t, p, m in srv.times if m == "status/503" and p.endswith("index.atom")]
    gaps = [b - a for a, b in zip(failing, failing[1:])]
    assert len(gaps) >= 3, srv.times
    # Backed off (2 s, then 4 s, +-15 %) rather than polled every second ...
    assert gaps[0] > 1.5 and all(g > 3.0 for g in gaps[1:]), gaps
    # ... and never beyond retry_max (4 s + 15 % jitter, + a busy machine's margin).
    assert max(gaps) < 4 * 1.15 + 1.5, gaps
    first_ok = min(t for t, p, m in srv.times if m == "ok" and p.endswith("index.atom"))
    assert first_ok - back < 4 * 1.15 + 1.5, first_ok - back
    assert len(log_lines(d, r"index.atom failing")) == 1, d.log_text()
    assert len(log_lines(d, r"reachable again")) == 1, d.log_text()
