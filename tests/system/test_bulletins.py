"""Bulletins end to end: an officer publishes with loaxa-publish into a folder that
nginx (or the fault-injecting server) serves on 127.0.0.1, loaxad polls it, and
the tests look at what a user sees: the audio that reached the sound card, the
as-played log, the daemon's log lines and nginx's access log.

Run: LOAXA_BUILD=build /usr/bin/python3 -m pytest -q tests/system/test_bulletins.py
Tones: playlist A 440 Hz, playlist B 880 Hz, bulletins 1320 Hz (and others
named below); the built-in chime is two bells at 659 and 523 Hz.
"""

import datetime as dt
import os
import re
import shutil
import signal
import time
from pathlib import Path

import pytest

import harness
from bulletin_feed import Feed, Nginx
from fault_server import FaultServer, Handler

A_HZ, B_HZ, BUL_HZ, OTHER_HZ, OLD_HZ = 440, 880, 1320, 1760, 990
CHIME_HZ = (659, 523)
QUICK = os.environ.get("LOAXA_QUICK") == "1"


# --- fixtures ------------------------------------------------------------------

@pytest.fixture(scope="session")
def nginx(tmp_path_factory):
    if not shutil.which("nginx"):
        pytest.skip("nginx is not installed")
    srv = Nginx(tmp_path_factory.mktemp("nginx")).start()
    yield srv
    srv.stop()


@pytest.fixture(scope="session")
def tones(tmp_path_factory):
    """Tone MP3s made once: tones(freq, seconds) -> path."""
    d = tmp_path_factory.mktemp("tones")
    made = {}

    def get(freq, seconds):
        key = (freq, seconds)
        if key not in made:
            made[key] = harness.make_tone(d / ("%d-%g.mp3" % key), freq, seconds)
        return made[key]
    return get


@pytest.fixture
def feed(nginx, request, tmp_path):
    name = re.sub(r"[^A-Za-z0-9_]", "_", request.node.name)
    return Feed(nginx.root / name, nginx.url("%s/index.atom" % name), tmp_path / "keys")


@pytest.fixture
def fault_feed(tmp_path):
    """A feed behind the fault server whose mode can be switched while the
    station polls: srv.mode = "ok" | "status/503" | "redirect-loop" | ...
    Paths that carry a mode of their own (/oversize/...) keep it."""
    root = tmp_path / "faultroot"
    root.mkdir()
    srv = FaultServer(root)
    srv.mode = "ok"
    srv.httpd.RequestHandlerClass = _switchable_handler(srv)
    feed = Feed(root / "feed", "http://127.0.0.1:%d/feed/index.atom" % srv.port,
                tmp_path / "keys")
    feed.server = srv
    yield feed
    srv.stop()


def _switchable_handler(srv):
    class Switchable(Handler):
        def do_GET(self):
            if self.path.startswith("/feed/"):
                self.path = "/%s%s" % (srv.mode, self.path)
            return Handler.do_GET(self)
    return Switchable


# --- helpers -------------------------------------------------------------------

def label(freq):
    for name, hz in (("A", A_HZ), ("B", B_HZ), ("BUL", BUL_HZ), ("OTHER", OTHER_HZ),
                     ("OLD", OLD_HZ)):
        if abs(freq - hz) <= 0.03 * hz:
            return name
    if any(abs(freq - c) <= 0.03 * c for c in CHIME_HZ):
        return "chime"
    return "?%d" % round(freq)


def aired(segments, min_s=0.1):
    """Labels in airing order, a chime's two bells and split pieces merged."""
    out = []
    for s in segments:
        if s.duration_s < min_s:
            continue
        name = label(s.freq_hz)
        if out and out[-1][0] == name and (name == "chime" or s.start_s - out[-1][2] < 0.1):
            out[-1] = (name, out[-1][1], s.end_s)
        else:
            out.append((name, s.start_s, s.end_s))
    return out


def capture_labels(capture):
    rate, samples = capture.samples()
    if rate is None:
        return []
    return aired(harness.tone_segments(samples, rate))


def log_time(daemon, regex, timeout=10.0):
    """Epoch time of the daemon's first log line matching regex ("HH:MM:SS.mmm" today)."""
    m = daemon.wait_for_log(r"^(\d\d):(\d\d):(\d\d)\.(\d{3}) .*" + regex, timeout)
    h, mi, s, ms = (int(x) for x in m.groups()[:4])
    now = dt.datetime.now().astimezone()
    t = now.replace(hour=h, minute=mi, second=s, microsecond=ms * 1000)
    if t > now + dt.timedelta(hours=1):
        t -= dt.timedelta(days=1)
    return t.timestamp()


def log_lines(daemon, regex):
    return [l for l in daemon.log_text().splitlines() if re.search(regex, l)]


def bulletin_lines(daemon, ident=None, result=None):
    return [l for l in daemon.played_lines() if l["kind"] == "bulletin" and
            (ident is None or l.get("bulletin") == ident) and
            (result is None or l["result"] == result)]


def station_config(tmp_path, feeds, device, slots=(), playlists=None, extra="", **kw):
    return harness.write_config(tmp_path / "station", slots=slots, device=device,
                                feeds=feeds, playlists=playlists, extra=extra, **kw)


# --- emergency, priority, normal ------------------------------------------------

@pytest.mark.slow
def test_emergency_interrupts_the_playlist_within_a_second(
        feed, tones, tmp_path, pulse_server, pa_capture, start_daemon):
    a, b = tones(A_HZ, 8), tones(B_HZ, 2)
    bul = tones(BUL_HZ, 1)
    start, end, start_dt = harness.slot_times(2, 40)
    conf = station_config(tmp_path, [feed.station_feed(poll=1)], "pulse",
                          slots=[harness.slot("day", start, end, ["playlist:pl"])],
                          playlists={"pl": [a, b]})
    feed.publish(bul, "normal", area="99")  # an index to poll; not ours
    d = start_daemon(conf, env=pulse_server.env())
    d.wait_for_log(r"not for this station", timeout=10)  # the feed was read
    time.sleep(max(0.0, start_dt.timestamp() + 3.0 - time.time()))  # A on air for 3 s
    ident = feed.publish(bul, "emergency", plays=2, interval=2)
    published = time.time()
    accepted = log_time(d, r"bulletin %s accepted" % re.escape(ident), timeout=5)
    d.wait_for_played(1, timeout=20, pred=lambda l: l["source"] == str(b))
    lines = d.played_lines()
    d.stop()

    # As played: A interrupted, chime, bulletin, chime, bulletin, then B (not A again).
    seq = [(l["kind"], l["result"], l.get("bulletin"), l.get("priority"),
            Path(l["source"]).name if l["kind"] != "chime" else None) for l in lines]
    assert seq == [
        ("playlist", "interrupted", None, None, a.name),
        ("chime", "completed", None, None, None),
        ("bulletin", "completed", ident, "emergency", Path(lines[2]["source"]).name),
        ("chime", "completed", None, None, None),
        ("bulletin", "completed", ident, "emergency", Path(lines[4]["source"]).name),
        ("playlist", "completed", None, None, b.name),
    ], lines
    assert lines[2]["slot"] is None or lines[2]["slot"] == "day"

    # On the sound card: the same story.
    samples, first = pa_capture.between(published - 4, time.time())
    got = aired(harness.tone_segments(samples, pa_capture.rate))
    assert [g[0] for g in got] == ["A", "chime", "BUL", "chime", "BUL", "B"], got
    bul_s = [e - s for n, s, e in got if n == "BUL"]
    assert all(0.9 < x < 1.1 for x in bul_s), bul_s  # two complete airings
    cut = pa_capture.time_of(first + got[0][2] * pa_capture.rate)
    # A was cut, not left to end: its 8 s would have run 5 s past publishing. The poll
    # (1 s +-15 %), the fetch and the 200 ms fade take about 1.3 s; the margin is for a
    # loaded machine. How fast is bench/bulletin_latency.py's question, not this test's.
    assert cut - published < 3.5, "A cut %.3f s after publishing" % (cut - published)
    # Cut only after the bulletin was accepted (the log has ms), then promptly.
    assert -0.05 < cut - accepted < 1.5, "cut %.3f s after 'accepted'" % (cut - accepted)


def test_priority_airs_right_after_the_item_on_air(feed, tones, tmp_path, alsa_capture,
                                                    start_daemon):
    a, b, bul = tones(A_HZ, 3), tones(B_HZ, 1), tones(BUL_HZ, 1)
    start, end, start_dt = harness.slot_times(2, 30)
    conf = station_config(tmp_path, [feed.station_feed(poll=1)], alsa_capture.device,
                          slots=[harness.slot("day", start, end, ["playlist:pl"])],
                          playlists={"pl": [a, b]})
    feed.publish(bul, "normal", area="99")
    d = start_daemon(conf, env=alsa_capture.env())
    d.wait_for_log(r"not for this station", timeout=10)
    time.sleep(max(0.0, start_dt.timestamp() + 0.3 - time.time()))  # A on air
    ident = feed.publish(bul, "priority")
    d.wait_for_played(1, timeout=15, pred=lambda l: l["source"] == str(b))
    lines = d.played_lines()
    d.stop()
    assert [(l["kind"], l["result"], l.get("bulletin"), l.get("priority")) for l in lines] == [
        ("playlist", "completed", None, None),
        ("bulletin", "completed", ident, "priority"),
        ("playlist", "completed", None, None)], lines
    assert [lines[0]["source"], lines[2]["source"]] == [str(a), str(b)]
    assert lines[1]["slot"] == "day"
    assert [n for n, _, _ in capture_labels(alsa_capture)] == ["A", "BUL", "B"]


def test_normal_bulletins_air_in_the_bulletins_step_oldest_first_plays_across_slots(
        feed, tones, tmp_path, alsa_capture, start_daemon):
    a, n1_audio, n2_audio = tones(A_HZ, 1), tones(BUL_HZ, 1), tones(OTHER_HZ, 1)
    s1, e1, s1_dt = harness.slot_times(5, 5)
    s2, e2, _ = harness.slot_times(5 + 5, 5)
    program = ["bulletins", "file:%s" % a]
    conf = station_config(tmp_path, [feed.station_feed(poll=1)], alsa_capture.device,
                          slots=[harness.slot("first", s1, e1, program),
                                 harness.slot("second", s2, e2, program)], fade_ms=300)
    d = start_daemon(conf, env=alsa_capture.env())
    n1 = feed.publish(n1_audio, "normal", plays=2, interval=1)
    d.wait_for_log(r"bulletin %s accepted" % n1, timeout=5)
    n2 = feed.publish(n2_audio, "normal")  # newer: airs after n1
    d.wait_for_log(r"bulletin %s accepted" % n2, timeout=5)
    assert time.time() < s1_dt.timestamp(), "slow fetch: the slot began before the queue"
    assert bulletin_lines(d) == []  # nothing airs outside the bulletins step
    d.wait_for_played(5, timeout=20)
    time.sleep(1.0)
    lines = d.played_lines()
    d.stop()
    assert [(l["slot"], l["kind"], l.get("bulletin"), l["result"]) for l in lines] == [
        ("first", "bulletin", n1, "completed"),
        ("first", "bulletin", n2, "completed"),
        ("first", "file", None, "completed"),
        ("second", "bulletin", n1, "completed"),
        ("second", "file", None, "completed")], lines
    assert all(l["priority"] == "normal" for l in lines if l["kind"] == "bulletin")
    assert [n for n, _, _ in capture_labels(alsa_capture)] == ["BUL", "OTHER", "A", "BUL", "A"]


# --- rejections -------------------------------------------------------------------

def _flip_middle(path):
    data = bytearray(path.read_bytes())
    for i in range(len(data) // 2, len(data) // 2 + 64):
        data[i] ^= 0x55
    path.write_bytes(bytes(data))


def _not_audio(feed, ident, mime):
    """Replaces the audio by bytes that are no sound, with digests to match
    (what a careless but honest officer could publish) and the MIME type."""
    import hashlib
    data = b"this is not a sound file\n" * 200
    feed.audio_path(ident).write_bytes(data)

    def edit(x):
        x = x.replace("audio/mpeg", mime)
        x = re.sub(r"<digest>[0-9a-f]+</digest>",
                   "<digest>%s</digest>" % hashlib.sha1(data).hexdigest(), x)
        return re.sub(r"(loaxa:audio-sha256</valueName>\s*<value>)[0-9a-f]+",
                      lambda m: m.group(1) + hashlib.sha256(data).hexdigest(), x)
    feed.edit_cap(ident, edit)


def _future(xml):
    t = (dt.datetime.now(dt.timezone.utc) + dt.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M:%S-00:00")
    return re.sub(r"<sent>[^<]*</sent>", "<sent>%s</sent>" % t, xml)


def test_every_refusal_is_logged_once_and_never_aired(feed, nginx, tones, tmp_path,
                                                      alsa_capture, start_daemon):
    bul, good = tones(BUL_HZ, 1), tones(OTHER_HZ, 1)
    other_key = tmp_path / "keys" / "stranger"
    Feed(tmp_path / "unused", "", tmp_path / "keys", key_name="stranger")
    uri = lambda new: (lambda x: re.sub(r"<uri>[^<]*</uri>", "<uri>%s</uri>" % new, x))
    cases = {}  # ident -> reason regex (None: refused without a skipped line)

    def bad(reason, spoil=None, **kw):
        ident = feed.publish(bul, "emergency", plays=1, **kw)
        if spoil:
            spoil(ident)
        cases[ident] = reason

    bad(r"bad signature", lambda i: feed.edit_cap(
        i, lambda x: x.replace("<headline>", "<headline>EVACUATE "), resign=False))
    bad(r"missing signature", lambda i: os.unlink("%s.minisig" % feed.cap_path(i)))
    bad(r"bad signature: .*unknown key|unknown key", key=other_key)
    bad(r"digest mismatch", lambda i: _flip_middle(feed.audio_path(i)))
    # <size> is approximate: a shorter file is refused for its digest.
    bad(r"digest mismatch: SHA-1 of the download", lambda i: os.truncate(
        feed.audio_path(i), feed.audio_path(i).stat().st_size - 100))
    bad(r"audio too large: 62914560 bytes, limit 52428800", lambda i: feed.edit_cap(
        i, lambda x: re.sub(r"<size>\d+</size>", "<size>62914560</size>", x)))
    # Any audio/ type, but the content must decode.
    bad(r"audio does not decode", lambda i: _not_audio(feed, i, "audio/x-wav"))
    bad(r"refused URI", lambda i: feed.edit_cap(i, uri("file:///etc/passwd")))
    bad(r"refused URI", lambda i: feed.edit_cap(i, uri("ftp://127.0.0.1/%s.mp3" % i)))
    bad(r"refused URI", lambda i: feed.edit_cap(
        i, uri("http://127.0.0.2:%d/x/audio/%s.mp3" % (nginx.port, i))))
    bad(r"malformed CAP", lambda i: feed.edit_cap(
        i, lambda x: x.replace("</identifier>", "</identifer>")))
    bad(r"expired at", lambda i: feed.edit_cap(
        i, lambda x: re.sub(r"<expires>[^<]*</expires>", "<expires>2020-01-01T00:00:00-00:00</expires>", x)))
    bad(r"in the future", lambda i: feed.edit_cap(i, _future))
    bad(r"status Draft is never aired", lambda i: feed.edit_cap(
        i, lambda x: x.replace("<status>Actual", "<status>Draft")))
    bad(r"status Test not accepted here", lambda i: feed.edit_cap(
        i, lambda x: x.replace("<status>Actual", "<status>Test")))
    not_ours = feed.publish(bul, "emergency", area="99,30280")
    control = feed.publish(good, "emergency", plays=1)

    conf = station_config(tmp_path, [feed.station_feed(poll=1)], alsa_capture.device)
    d = start_daemon(conf, env=alsa_capture.env())
    d.wait_for_played(1, timeout=15, pred=lambda l: l.get("bulletin") == control
                      and l["result"] == "completed")
    for ident in cases:
        d.wait_for_log(r"bulletin \S*%s\S* .*rejected" % ident, timeout=5)
    d.wait_for_log(r"bulletin %s .*not for this station" % not_ours, timeout=5)
    time.sleep(2.5)  # two more polls: refusals retried but not reported again
    lines = d.played_lines()
    log = d.log_text()
    assert d.running()
    d.stop()

    for ident, reason in cases.items():
        said = [l for l in log.splitlines() if ident in l and "rejected" in l]
        assert len(said) == 1, (ident, reason, said)
        assert re.search(reason, said[0]), (reason, said[0])
        skipped = [l for l in lines if ident in (l.get("bulletin") or "")]
        assert len(skipped) == 1 and skipped[0]["result"] == "skipped", (ident, skipped)
        assert re.search(reason, skipped[0]["reason"]), (reason, skipped[0])
    assert not [l for l in lines if l.get("bulletin") == not_ours]
    assert [(l["kind"], l["result"]) for l in lines if l["result"] != "skipped"] == [
        ("chime", "completed"), ("bulletin", "completed")]
    # Only the control bulletin's audio reached the card.
    assert [n for n, _, _ in capture_labels(alsa_capture)] == ["chime", "OTHER"]


def test_test_messages_air_only_where_allowed(feed, tones, tmp_path, alsa_capture,
                                              start_daemon):
    ident = feed.publish(tones(BUL_HZ, 1), "emergency", plays=1)
    feed.edit_cap(ident, lambda x: x.replace("<status>Actual", "<status>Exercise"))
    conf = station_config(tmp_path, [feed.station_feed(poll=1)], alsa_capture.device,
                          extra="bulletins = { allow_test = true; };")
    d = start_daemon(conf, env=alsa_capture.env())
    d.wait_for_played(1, timeout=10, pred=lambda l: l.get("bulletin") == ident)
    time.sleep(0.5)
    d.stop()
    # Aired, announced as a test and logged as one.
    assert [(l["kind"], l["result"]) for l in d.played_lines()
            if l.get("bulletin") == ident] == [("test", "completed")]
    assert d.wait_for_log(r"bulletin %s accepted.*\(test\)" % ident, timeout=1)
    assert "BUL" in [n for n, _, _ in capture_labels(alsa_capture)]
    # Announced in speech before it ("Đây là bản tin thử nghiệm…": the bulletin
    # is vi-VN), not with the old second of 1 kHz tone. Speech is WAV, played
    # through FFmpeg's file source (the sound issue's audio/ffsource.c).
    if not (Path(__file__).resolve().parents[2] / "audio" / "ffsource.c").exists():
        pytest.skip("loaxad has no FFmpeg file source (audio/ffsource.c) to play spoken WAV")
    rate, samples = alsa_capture.samples()
    segs = harness.tone_segments(samples, rate)
    bul = [s for s in segs if label(s.freq_hz) == "BUL" and s.duration_s > 0.5][0]
    secs, pitches = harness.speech_seconds(samples[:int(bul.start_s * rate)], rate)
    assert secs > 1.5 and pitches >= 10, (secs, pitches)
    assert not [s for s in segs if abs(s.freq_hz - 1000) < 20 and s.duration_s > 0.5]


# --- identity: duplicates, restarts, updates, cancels ---------------------------

@pytest.mark.slow
def test_a_message_airs_once_across_urls_and_restarts_and_the_index_is_answered_304(
        feed, nginx, tones, tmp_path, alsa_capture, start_daemon):
    once = feed.publish(tones(BUL_HZ, 1), "emergency", plays=1)
    twice = feed.publish(tones(OTHER_HZ, 1), "emergency", plays=2, interval=4)
    conf = station_config(tmp_path, [feed.station_feed(poll=1)], alsa_capture.device)
    d = start_daemon(conf, env=alsa_capture.env())
    d.wait_for_played(1, timeout=15, pred=lambda l: l.get("bulletin") == twice)
    d.wait_for_played(1, timeout=10, pred=lambda l: l.get("bulletin") == once)
    d.stop()  # between the two airings of `twice`
    feed.relist(once, "copy-of-once")
    d = start_daemon(conf, env=alsa_capture.env())
    d.wait_for_played(2, timeout=15, pred=lambda l: l.get("bulletin") == twice)
    copy_path = "/%s/alerts/copy-of-once.xml" % feed.dir.name
    deadline = time.monotonic() + 5
    while 200 not in nginx.statuses(copy_path) and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(3.0)  # a few more polls
    d.stop()
    log = d.log_text()
    assert 200 in nginx.statuses(copy_path), "the re-listed copy was never fetched"
    assert [l["result"] for l in bulletin_lines(d, once)] == ["completed"]
    assert [l["result"] for l in bulletin_lines(d, twice)] == ["completed", "completed"]
    assert not re.search(r"bulletin %s accepted" % once, log)  # not queued again
    labels = [n for n, _, _ in capture_labels(alsa_capture)]
    assert sorted(l for l in labels if l != "chime") == ["BUL", "OTHER", "OTHER"], labels
    # Conditional GET: once the index was read, nginx answers 304.
    index = nginx.statuses("/%s/index.atom" % feed.dir.name)
    assert index[0] == 200 and index.count(304) >= 3, index


def test_update_replaces_and_cancel_removes(feed, tones, tmp_path, alsa_capture,
                                            start_daemon):
    old = feed.publish(tones(OLD_HZ, 1), "normal")
    doomed = feed.publish(tones(OTHER_HZ, 1), "normal")
    start, end, start_dt = harness.slot_times(6, 4)
    conf = station_config(tmp_path, [feed.station_feed(poll=1)], alsa_capture.device,
                          slots=[harness.slot("news", start, end, ["bulletins"])],
                          fade_ms=300)
    d = start_daemon(conf, env=alsa_capture.env())
    d.wait_for_log(r"bulletin %s accepted" % doomed, timeout=5)
    new = feed.update(old, tones(BUL_HZ, 1))
    cancel = feed.cancel(doomed)
    d.wait_for_log(r"bulletin %s replaced by %s" % (old, new), timeout=5)
    d.wait_for_log(r"bulletin %s cancelled by %s" % (doomed, cancel), timeout=5)
    assert time.time() < start_dt.timestamp()
    d.wait_for_played(1, timeout=15, pred=lambda l: l["kind"] == "bulletin")
    time.sleep(1.5)
    d.stop()
    assert [(l.get("bulletin"), l["result"]) for l in d.played_lines()] == [(new, "completed")]
    assert [n for n, _, _ in capture_labels(alsa_capture)] == ["BUL"]


# --- crashes --------------------------------------------------------------------

@pytest.mark.slow
def test_kill9_during_a_download_airs_nothing_unverified(fault_feed, tones, tmp_path,
                                                         alsa_capture, start_daemon):
    feed, srv = fault_feed, fault_feed.server
    ident = feed.publish(tones(BUL_HZ, 1), "emergency", plays=2, interval=1)
    slow = "/slow/feed/audio/%s.mp3" % ident
    feed.edit_cap(ident, lambda x: re.sub(r"<uri>[^<]*</uri>", "<uri>%s</uri>" % slow, x))
    conf = station_config(tmp_path, [feed.station_feed(poll=1)], alsa_capture.device)
    d = start_daemon(conf, env=alsa_capture.env())
    deadline = time.monotonic() + 10
    while not any(p == slow for _, p, _ in srv.requests) and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(1.0)  # a few hundred bytes in
    parts = list((tmp_path / "station" / "cache" / "bulletins").glob(".dl-*"))
    assert parts, "no partial download to crash on"
    d.kill9()
    # The officer fixes the server; the station comes back.
    feed.edit_cap(ident, lambda x: x.replace(slow, "../audio/%s.mp3" % ident))
    d = start_daemon(conf, env=alsa_capture.env())
    d.wait_for_played(2, timeout=15, pred=lambda l: l.get("bulletin") == ident)
    time.sleep(1.0)
    d.stop()
    assert not any(p.exists() for p in parts), "the partial download was left behind"
    assert [l["result"] for l in bulletin_lines(d)] == ["completed", "completed"]
    labels = capture_labels(alsa_capture)
    assert [n for n, _, _ in labels] == ["chime", "BUL", "chime", "BUL"], labels


@pytest.mark.slow
def test_kill9_during_an_airing_counts_only_complete_plays(feed, tones, tmp_path,
                                                           alsa_capture, start_daemon):
    ident = feed.publish(tones(BUL_HZ, 4), "emergency", plays=2, interval=1)
    conf = station_config(tmp_path, [feed.station_feed(poll=1)], alsa_capture.device)
    d = start_daemon(conf, env=alsa_capture.env())
    # The chime's line is written as it ends, when the bulletin starts: kill 1 s into
    # the 4 s airing. (Watching the capture instead lags far behind on a loaded machine.)
    d.wait_for_played(1, timeout=15, pred=lambda l: l["kind"] == "chime")
    time.sleep(1.0)
    d.kill9()
    assert bulletin_lines(d) == [], "the first airing ended before the kill"
    d = start_daemon(conf, env=alsa_capture.env())
    d.wait_for_played(2, timeout=20, pred=lambda l: l.get("bulletin") == ident)
    time.sleep(2.0)  # nothing more
    d.stop()
    assert [l["result"] for l in bulletin_lines(d)] == ["completed", "completed"]
    bul = [e - s for n, s, e in capture_labels(alsa_capture) if n == "BUL"]
    assert len(bul) == 3 and bul[0] < 3.5 and all(3.9 < x < 4.1 for x in bul[1:]), bul


# --- a misbehaving server ---------------------------------------------------------

@pytest.mark.slow
def test_server_faults_are_logged_once_and_the_queue_keeps_airing(
        fault_feed, tones, tmp_path, alsa_capture, start_daemon):
    feed, srv = fault_feed, fault_feed.server
    good = feed.publish(tones(BUL_HZ, 1), "emergency", plays=3, interval=5)
    big = feed.publish(tones(OTHER_HZ, 1), "emergency", plays=1)
    feed.edit_cap(big, lambda x: re.sub(r"<uri>[^<]*</uri>",
                                        "<uri>/oversize/feed/audio/%s.mp3</uri>" % big, x))
    conf = station_config(tmp_path, [feed.station_feed(poll=1)], alsa_capture.device)
    d = start_daemon(conf, env=alsa_capture.env())
    d.wait_for_log(r"bulletin %s accepted" % good, timeout=10)
    d.wait_for_log(r"bulletin %s .*rejected: audio too large: more than 52428800 bytes, limit 52428800" % big, timeout=10)
    failing_since = time.time()
    for mode, seen in (("status/503", "/status/503/feed/index.atom"),
                       ("redirect-loop", "/redirect-loop/feed/index.atom"),
                       ("truncate", "/truncate/feed/index.atom")):
        n = len(srv.requests)
        srv.mode = mode
        deadline = time.monotonic() + 20
        while not any(p == seen for _, p, _ in srv.requests[n:]):
            assert time.monotonic() < deadline, "no poll in mode %s" % mode
            time.sleep(0.05)
    srv.mode = "ok"
    d.wait_for_log(r"feed .* reachable again", timeout=20)
    back_at = time.time()
    d.wait_for_played(3, timeout=20, pred=lambda l: l.get("bulletin") == good)
    time.sleep(1.0)
    assert d.running()
    d.stop()
    log = d.log_text()
    assert len(log_lines(d, r"feed .*index.atom failing")) == 1, log
    assert len(log_lines(d, r"reachable again")) == 1, log
    assert len(log_lines(d, r"bulletin %s .*rejected" % big)) == 1
    played = bulletin_lines(d, good, "completed")
    assert len(played) == 3
    # The cached queue kept airing while the server failed.
    during = [l for l in played if failing_since < harness.parse_log_time(l["end"]) < back_at]
    assert during, (failing_since, back_at, played)
    assert "OTHER" not in [n for n, _, _ in capture_labels(alsa_capture)]


# --- retries: back-off per entry ---------------------------------------------------

def test_a_corrupt_audio_is_not_fetched_every_poll_and_a_republished_fix_airs(
        feed, nginx, tones, tmp_path, alsa_capture, start_daemon):
    """10,000 stations polling every 15 s must not re-download a broken bulletin's
    audio on every poll: the unchanged index costs one 304, the refused entry
    waits (a minute, doubling), and the officer's fix airs at once."""
    broken = feed.publish(tones(BUL_HZ, 1), "emergency", plays=1)
    _flip_middle(feed.audio_path(broken))
    conf = station_config(tmp_path, [feed.station_feed(poll=1)], alsa_capture.device)
    d = start_daemon(conf, env=alsa_capture.env())
    d.wait_for_log(r"bulletin %s .*rejected: audio digest mismatch" % broken, timeout=10)
    time.sleep(8.0)  # about eight more polls
    base = "/%s/" % feed.dir.name
    index = nginx.statuses(base + "index.atom")
    audio = nginx.statuses(base + "audio/%s.mp3" % broken)
    cap = nginx.statuses(base + "alerts/%s.xml" % broken)
    assert len(index) >= 5 and index[0] == 200 and set(index[1:]) == {304}, index
    assert 1 <= len(audio) <= 2, audio
    assert 1 <= len(cap) <= 2, cap

    fixed = feed.update(broken, tones(OTHER_HZ, 1))
    published = time.time()
    d.wait_for_played(1, timeout=10, pred=lambda l: l.get("bulletin") == fixed
                      and l["result"] == "completed")
    accepted = log_time(d, r"bulletin %s accepted" % re.escape(fixed), timeout=1)
    time.sleep(0.5)
    d.stop()
    # At the next polls, not after the broken entry's back-off (a minute, doubling).
    assert accepted - published < 10.0, "the fix was accepted %.1f s after publishing" % (
        accepted - published)
    assert len(log_lines(d, r"bulletin %s .*rejected" % broken)) == 1
    assert [(l.get("bulletin"), l["result"]) for l in bulletin_lines(d)] == [
        (broken, "skipped"), (fixed, "completed")]
    assert [n for n, _, _ in capture_labels(alsa_capture)] == ["chime", "OTHER"]
    # The broken audio was still not fetched again.
    assert len(nginx.statuses(base + "audio/%s.mp3" % broken)) <= 2


def test_a_refused_entry_is_retried_after_its_back_off_and_when_its_text_changes(
        feed, nginx, tones, tmp_path, alsa_capture, start_daemon):
    """A signature not uploaded yet: the entry is not asked for again on each
    poll, but a re-signed text listed by a changed index is tried at once."""
    ident = feed.publish(tones(BUL_HZ, 1), "emergency", plays=1)
    sig = "%s.minisig" % feed.cap_path(ident)
    os.rename(sig, sig + ".later")
    conf = station_config(tmp_path, [feed.station_feed(poll=1)], alsa_capture.device)
    d = start_daemon(conf, env=alsa_capture.env())
    d.wait_for_log(r"bulletin \S*%s .*rejected: missing signature" % ident, timeout=10)
    time.sleep(4.0)
    base = "/%s/" % feed.dir.name
    assert len(nginx.statuses(base + "alerts/%s.xml.minisig" % ident)) == 1
    # The officer re-signs the message (a new text) and publishes something else,
    # which changes the index: the entry is looked at again, and airs.
    os.rename(sig + ".later", sig)
    feed.edit_cap(ident, lambda x: x.replace("<headline>", "<headline>Fixed: "))
    feed.publish(tones(BUL_HZ, 1), "normal", area="99")
    d.wait_for_played(1, timeout=10, pred=lambda l: l.get("bulletin") == ident
                      and l["result"] == "completed")
    d.stop()
    assert len(log_lines(d, r"bulletin \S*%s .*rejected" % ident)) == 1


# --- origins: a CDN for the audio ----------------------------------------------

def _station_with_origins(folder, feed, device, allow_origins=None):
    item = 'url = "%s"; keys = [ "%s" ]; poll = 1;' % (feed.url, feed.pub)
    if allow_origins is not None:
        item += " allow_origins = [ %s ];" % ", ".join('"%s"' % o for o in allow_origins)
    return harness.write_config(folder, device=device, extra="feeds = ( { %s } );" % item)


def test_audio_on_another_origin_airs_only_when_the_feed_allows_it(
        feed, nginx, tones, tmp_path, alsa_capture, start_daemon):
    """The province moves its audio to a CDN: the signed CAP names
    http://localhost:PORT/... while the feed is http://127.0.0.1:PORT/. A
    station refuses it (one skipped line naming allow_origins, the audio never
    asked for) until its feed lists that origin; then it airs."""
    ident = feed.publish(tones(BUL_HZ, 1), "emergency", plays=1)
    cdn = "http://localhost:%d" % nginx.port
    audio_path = "/%s/audio/%s.mp3" % (feed.dir.name, ident)
    feed.edit_cap(ident, lambda x: re.sub(r"<uri>[^<]*</uri>",
                                          "<uri>%s%s</uri>" % (cdn, audio_path), x))
    assert feed.url.startswith("http://127.0.0.1:%d/" % nginx.port)

    # Default: the feed's own origin only.
    conf = _station_with_origins(tmp_path / "strict", feed, alsa_capture.device)
    d = start_daemon(conf, env=alsa_capture.env())
    d.wait_for_log(r"bulletin \S*%s\S* .*rejected" % ident, timeout=10)
    time.sleep(2.5)  # more polls: not reported or fetched again
    assert d.running()
    d.stop()
    said = log_lines(d, r"%s.*rejected" % ident)
    assert len(said) == 1, said
    assert re.search(r"refused URI %s.*allow_origins" % re.escape(cdn + audio_path),
                     said[0]), said[0]
    skipped = bulletin_lines(d, ident)
    assert [l["result"] for l in skipped] == ["skipped"], skipped
    assert "allow_origins" in skipped[0]["reason"], skipped[0]
    assert nginx.statuses(audio_path) == []
    assert capture_labels(alsa_capture) == []

    # The technician lists the CDN (as written: case and a trailing / do not matter).
    conf = _station_with_origins(tmp_path / "cdn", feed, alsa_capture.device,
                                 allow_origins=["HTTP://LocalHost:%d/" % nginx.port])
    d = start_daemon(conf, env=alsa_capture.env())
    d.wait_for_played(1, timeout=15, pred=lambda l: l.get("bulletin") == ident
                      and l["result"] == "completed")
    d.stop()
    assert not log_lines(d, r"%s.*rejected" % ident)
    assert nginx.statuses(audio_path) == [200]
    assert [n for n, _, _ in capture_labels(alsa_capture)] == ["chime", "BUL"]
