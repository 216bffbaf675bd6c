"""Live relay through the real daemon: an Icecast/SHOUTcast test server on 127.0.0.1
(icy_server.py: metadata interleaved only when asked, drops, refusals, stalls)
and the captured audio that reached the card. The stream is a 440 Hz tone, the
fallback an 880 Hz tone; the as-played log and the daemon's log tell the rest.

Run: LOAXA_BUILD=build /usr/bin/python3 -m pytest -q tests/system/test_relay.py
"""

import shutil
import subprocess
import time

import pytest

import harness
from icy_server import IcyServer

LIVE_HZ, FALLBACK_HZ, BULLETIN_HZ = 440, 880, 1320


def labels(capture, min_s=0.3, max_gap_s=0.15):
    rate, samples = capture.samples()
    assert rate is not None, "nothing reached the card"
    out = []
    for s in harness.tone_segments(samples, rate):
        if s.duration_s < min_s:
            continue
        name = ("live" if abs(s.freq_hz - LIVE_HZ) < 10 else
                "fallback" if abs(s.freq_hz - FALLBACK_HZ) < 20 else
                "bulletin" if abs(s.freq_hz - BULLETIN_HZ) < 30 else "?%d" % s.freq_hz)
        if out and out[-1][0] == name and s.start_s - out[-1][2] < max_gap_s:
            out[-1] = (name, out[-1][1], s.end_s)
        else:
            out.append((name, s.start_s, s.end_s))
    return out


@pytest.fixture
def stream_mp3(tmp_path):
    if not shutil.which("lame"):
        pytest.skip("lame is not installed (make deps)")
    wav = tmp_path / "live.wav"
    mp3 = tmp_path / "live.mp3"
    subprocess.run(["sox", "-n", "-r", "44100", "-c", "2", str(wav), "synth", "20", "sine",
                    str(LIVE_HZ), "vol", "0.5"], check=True)
    # -t: no Xing/Info frame, so the file loops as one endless stream.
    subprocess.run(["lame", "--quiet", "-t", "-b", "128", "--cbr", str(wav), str(mp3)],
                   check=True)
    return mp3


def relay_conf(tmp_path, device, url, fallback=None, start_in=2, length=14, gain_db=None):
    start, end, start_dt = harness.slot_times(start_in, length)
    relay = "name = \"r\"; url = \"%s\";" % url
    if fallback:
        relay += " fallback = \"file:%s\";" % fallback
    if gain_db is not None:
        relay += " gain_db = %g;" % gain_db
    conf = harness.write_config(tmp_path / "station", device=device,
                                slots=[harness.slot("live", start, end, ["relay:r"])],
                                extra="relays = ( { %s } );" % relay)
    return conf, start_dt.timestamp(), start_dt.timestamp() + length


def test_icy_stream_airs_metadata_removed_and_comes_back_after_a_drop(
        tmp_path, stream_mp3, alsa_capture, start_daemon):
    srv = IcyServer(stream_mp3)
    fallback = harness.make_tone(tmp_path / "fallback.mp3", FALLBACK_HZ, 30)
    conf, t_start, t_end = relay_conf(tmp_path, alsa_capture.device, srv.url(), fallback,
                                      length=16)
    try:
        d = start_daemon(conf, env=alsa_capture.env())
        time.sleep(max(0.0, t_start + 4 - time.time()))
        srv.down = True          # the stream drops, and stays away a while
        d.wait_for_log(r"relay r: down: ", timeout=10)
        time.sleep(4)
        srv.down = False         # back: the relay goes live again
        d.wait_for_log(r"relay r: live again after", timeout=15)
        d.wait_for_played(1, timeout=t_end - time.time() + 10)
        lines = d.played_lines()
        log = d.log_text()
        d.stop()
    finally:
        srv.stop()
    assert [(l["kind"], l["result"], l["source"]) for l in lines] == \
        [("relay", "cut", srv.url())], lines
    assert lines[0]["outages"] == 1, lines
    assert 4 < lines[0]["live_s"] < lines[0]["played_s"] - 2, lines
    assert "now playing \"Loaxa test stream\"" in log
    assert all(meta for path, meta in srv.requests), srv.requests  # it asked for metadata
    got = labels(alsa_capture)
    assert [n for n, _, _ in got] == ["live", "fallback", "live"], got
    # Live audio with metadata blocks left in would crackle and split the tone:
    # the first live stretch is one continuous tone of the whole time it was up.
    assert got[0][2] - got[0][1] > 3.0, got
    assert got[1][2] - got[1][1] > 2.0, got


def test_a_playlist_pointing_to_the_stream_is_followed(tmp_path, stream_mp3, alsa_capture,
                                                       start_daemon):
    srv = IcyServer(stream_mp3, icy_status=False)
    conf, t_start, t_end = relay_conf(tmp_path, alsa_capture.device, srv.url("/nested.m3u"),
                                      length=5)
    try:
        d = start_daemon(conf, env=alsa_capture.env())
        d.wait_for_played(1, timeout=t_end - time.time() + 10)
        lines = d.played_lines()
        d.stop()
    finally:
        srv.stop()
    assert [p for p, _ in srv.requests][:3] == ["/nested.m3u", "/list.pls", "/stream.mp3"]
    assert lines[0]["kind"] == "relay" and lines[0]["live_s"] > 3, lines
    assert [n for n, _, _ in labels(alsa_capture)] == ["live"]


def test_a_stalled_stream_is_dropped_and_the_fallback_airs(tmp_path, stream_mp3, alsa_capture,
                                                          start_daemon):
    srv = IcyServer(stream_mp3)
    srv.stall = True  # answers, then sends nothing
    fallback = harness.make_tone(tmp_path / "fallback.mp3", FALLBACK_HZ, 30)
    conf, t_start, t_end = relay_conf(tmp_path, alsa_capture.device, srv.url(), fallback,
                                      length=10)
    try:
        d = start_daemon(conf, env=alsa_capture.env())
        d.wait_for_log(r"relay r: down: .*no data for 5 s", timeout=20)
        d.wait_for_played(1, timeout=t_end - time.time() + 10)
        lines = d.played_lines()
        d.stop()
    finally:
        srv.stop()
    assert lines[0]["outages"] == 1 and lines[0]["live_s"] == 0, lines
    assert [n for n, _, _ in labels(alsa_capture)] == ["fallback"]


# --- HLS ------------------------------------------------------------------------------

class LiveHls:
    """ffmpeg writing a live HLS sliding window (AAC in MPEG-TS, 1 s segments,
    4 listed, old ones deleted) in real time into nginx's folder."""

    def __init__(self, folder, hz):
        self.folder = folder
        self.hz = hz
        self.proc = None

    def start(self):
        self.folder.mkdir(parents=True, exist_ok=True)
        self.proc = subprocess.Popen(
            ["ffmpeg", "-v", "error", "-nostdin", "-re", "-f", "lavfi", "-i",
             "aevalsrc=0.5*sin(2*PI*%d*t):s=48000" % self.hz, "-c:a", "aac", "-b:a", "64k",
             "-f", "hls", "-hls_time", "1", "-hls_list_size", "4",
             "-hls_flags", "delete_segments+omit_endlist", str(self.folder / "live.m3u8")],
            stdin=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + 15
        while not (self.folder / "live.m3u8").exists():
            assert time.monotonic() < deadline, "ffmpeg wrote no HLS playlist"
            time.sleep(0.1)
        return self

    def stop(self):
        if self.proc:
            self.proc.terminate()
            self.proc.wait(timeout=5)
            self.proc = None


def test_hls_sliding_window_airs_live_and_comes_back_after_it_stops(
        tmp_path, alsa_capture, start_daemon):
    if not shutil.which("nginx") or not shutil.which("ffmpeg"):
        pytest.skip("nginx or ffmpeg is not installed (make deps)")
    from bulletin_feed import Nginx
    web = Nginx(tmp_path / "nginx", access_log=False).start()
    hls = LiveHls(web.root / "hls", LIVE_HZ).start()
    fallback = harness.make_tone(tmp_path / "fallback.mp3", FALLBACK_HZ, 30)
    conf, t_start, t_end = relay_conf(tmp_path, alsa_capture.device, web.url("hls/live.m3u8"),
                                      fallback, start_in=3, length=22)
    try:
        d = start_daemon(conf, env=alsa_capture.env())
        time.sleep(max(0.0, t_start + 6 - time.time()))
        hls.stop()               # the encoder stops: the window goes stale
        d.wait_for_log(r"relay r: down: ", timeout=15)
        hls.start()              # a new window: live again
        d.wait_for_log(r"relay r: live again after", timeout=20)
        d.wait_for_played(1, timeout=t_end - time.time() + 10)
        lines = d.played_lines()
        log = [l for l in d.log_text().splitlines() if "relay r:" in l]
        d.stop()
    finally:
        hls.stop()
        web.stop()
    assert [(l["kind"], l["result"]) for l in lines] == [("relay", "cut")], lines
    assert lines[0]["outages"] == 1 and lines[0]["live_s"] > 6, "\n".join(log)
    # FFmpeg's demuxer sometimes ends a live window early; the relay opens it
    # again at once (no outage), which costs a second or two of silence.
    got = labels(alsa_capture, max_gap_s=3.0)
    assert [n for n, _, _ in got] == ["live", "fallback", "live"], got
    assert got[0][2] - got[0][1] > 5.0, got


def test_an_emergency_interrupts_the_relay_which_then_goes_on_live(
        tmp_path, stream_mp3, alsa_capture, start_daemon):
    if not shutil.which("nginx"):
        pytest.skip("nginx is not installed (make deps)")
    from bulletin_feed import Feed, Nginx
    web = Nginx(tmp_path / "nginx").start()
    feed = Feed(web.root / "f", web.url("f/index.atom"), tmp_path / "keys")
    srv = IcyServer(stream_mp3)
    bul = harness.make_tone(tmp_path / "bul.mp3", BULLETIN_HZ, 1.5)
    feed.publish(bul, "normal", area="99")  # an index to poll; not ours
    start, end, start_dt = harness.slot_times(2, 16)
    conf = harness.write_config(tmp_path / "station", device=alsa_capture.device,
                                feeds=[feed.station_feed(poll=1)],
                                slots=[harness.slot("live", start, end, ["relay:r"])],
                                extra='relays = ( { name = "r"; url = "%s"; } );' % srv.url())
    try:
        d = start_daemon(conf, env=alsa_capture.env())
        time.sleep(max(0.0, start_dt.timestamp() + 4 - time.time()))
        ident = feed.publish(bul, "emergency", plays=1)
        d.wait_for_played(1, timeout=15, pred=lambda l: l.get("bulletin") == ident)
        d.wait_for_played(1, timeout=30, pred=lambda l: l["kind"] == "relay" and
                          l["result"] == "cut")
        lines = d.played_lines()
        d.stop()
    finally:
        srv.stop()
        web.stop()
    seq = [(l["kind"], l["result"]) for l in lines]
    assert seq == [("relay", "interrupted"), ("chime", "completed"),
                   ("bulletin", "completed"), ("relay", "cut")], lines
    got = [n for n, _, _ in labels(alsa_capture)]
    assert got[0] == "live" and got[-1] == "live" and "bulletin" in got, got
    assert got.index("bulletin") < len(got) - 1, got  # live again after it
    assert sum(1 for p, _ in srv.requests if p == "/stream.mp3") == 2  # reconnected: live
