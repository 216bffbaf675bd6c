"""Real CAP messages, as authorities that never heard of loaxa publish them
(tests/data/cap-real/SOURCES.md), aired through a real daemon. Each message is
re-dated, given a fresh identifier and re-signed with minisign, then served by
nginx from a feed folder whose index links it the way other producers do: an
Atom <link> with no type, or an RSS 2.0 <item><link>.

What a listener would hear is checked on the sound card (ALSA file plugin):
speech is seconds of sound whose pitch moves, a tone is one pitch.

Run: LOAXA_BUILD=build /usr/bin/python3 -m pytest -q tests/system/test_cap_real.py
"""

import base64
import datetime as dt
import hashlib
import re
import shutil
import subprocess
import time
from pathlib import Path

import pytest

import harness
from bulletin_feed import Feed, Nginx, run_publish

DATA = Path(__file__).resolve().parents[1] / "data" / "cap-real"
# Speech is written as WAV, which loaxad plays through FFmpeg's file source
# (audio/ffsource.c, the sound issue): without it speech cannot be heard.
needs_wav = pytest.mark.skipif(
    not (Path(__file__).resolve().parents[2] / "audio" / "ffsource.c").exists(),
    reason="loaxad has no FFmpeg file source (audio/ffsource.c) to play spoken WAV")
ES_HZ, BIG_HZ = 880, 1320
# Inside the OASIS A.2 thunderstorm polygon (Alpine County, CA), 1.1 km from
# the A.3 earthquake's epicentre, and in neither.
IN_POLYGON = (38.48, -119.92)
AT_EPICENTRE = (32.96, -115.55)


@pytest.fixture(scope="module")
def nginx(tmp_path_factory):
    if not shutil.which("nginx"):
        pytest.skip("nginx is not installed")
    if not shutil.which("minisign"):
        pytest.skip("minisign is not installed")
    srv = Nginx(tmp_path_factory.mktemp("nginx")).start()
    yield srv
    srv.stop()


# --- making a real message current and ours to sign -----------------------------

def cap_time(t):
    return dt.datetime.fromtimestamp(t, dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S-00:00")


def redate(xml, suffix):
    """The message as if sent a minute ago, valid for three hours, with an
    identifier of its own (the rest as the authority wrote it)."""
    now = time.time()
    xml = re.sub(r"<sent>[^<]*</sent>", "<sent>%s</sent>" % cap_time(now - 60), xml)
    for tag in ("effective", "onset"):
        xml = re.sub(r"<%s>[^<]*</%s>" % (tag, tag), "<%s>%s</%s>" % (tag, cap_time(now - 60), tag), xml)
    xml = re.sub(r"<expires>[^<]*</expires>", "<expires>%s</expires>" % cap_time(now + 3 * 3600), xml)
    return re.sub(r"<identifier>([^<]*)</identifier>",
                  lambda m: "<identifier>%s-%s</identifier>" % (m.group(1), suffix), xml, count=1)


def identifier(xml):
    return re.search(r"<identifier>([^<]*)</identifier>", xml).group(1)


def embed(xml, audio_bytes):
    """derefUri replaced by audio_bytes (base64, folded at 76 as IPAWS does), with
    its SHA-1 digest and size."""
    b64 = base64.encodebytes(audio_bytes).decode()
    xml = re.sub(r"<derefUri>[^<]*</derefUri>", "<derefUri>%s</derefUri>" % b64, xml)
    xml = re.sub(r"<size>\d+</size>", "<size>%d</size>" % len(audio_bytes), xml)
    return re.sub(r"<digest>[0-9a-fA-F]+</digest>",
                  "<digest>%s</digest>" % hashlib.sha1(audio_bytes).hexdigest(), xml)


def fix_embedded_digest(xml):
    """IPAWS's <digest> is of neither the audio nor its base64 (SOURCES.md): the
    relaying province signs the audio's SHA-1 instead."""
    b64 = re.search(r"<derefUri>([^<]*)</derefUri>", xml).group(1)
    audio = base64.b64decode(b64)
    return re.sub(r"<digest>[0-9a-fA-F]+</digest>",
                  "<digest>%s</digest>" % hashlib.sha1(audio).hexdigest(), xml), audio


class ForeignFeed:
    """A feed folder of other authorities' messages, signed with the officer's key."""

    def __init__(self, nginx, name, keydir, index="atom"):
        self.signer = Feed(nginx.root / name, nginx.url("%s/%s" % (name, "index.atom" if index == "atom" else "rss.xml")), keydir)
        self.dir = self.signer.dir
        self.url = self.signer.url
        self.index = index
        self.names = []
        (self.dir / "alerts").mkdir(parents=True, exist_ok=True)
        (self.dir / "audio").mkdir(parents=True, exist_ok=True)

    def station_feed(self):
        return self.signer.station_feed(poll=1)

    def add(self, name, xml):
        path = self.dir / "alerts" / ("%s.xml" % name)
        path.write_text(xml)
        self.signer.sign(path)
        self.names.append(name)
        self._write_index()

    def add_audio(self, name, data):
        (self.dir / "audio" / name).write_bytes(data)

    def _write_index(self):
        if self.index == "atom":
            # As NWS writes its index: <link href=...> with neither rel nor type.
            entries = "".join(
                "<entry><id>urn:test:%s</id><title>%s</title><updated>%s</updated>"
                "<link href=\"alerts/%s.xml\"/></entry>\n"
                % (n, n, cap_time(time.time()).replace("-00:00", "Z"), n) for n in self.names)
            text = ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                    "<feed xmlns=\"http://www.w3.org/2005/Atom\"><id>urn:test</id>"
                    "<title>relayed alerts</title><updated>2026-01-01T00:00:00Z</updated>\n"
                    "%s</feed>\n" % entries)
            target = self.dir / "index.atom"
        else:
            items = "".join(
                "<item><title>%s</title><link>%s</link><guid>urn:test:%s</guid></item>\n"
                % (n, self.url.rsplit("/", 1)[0] + "/alerts/%s.xml" % n, n) for n in self.names)
            text = ("<?xml version=\"1.0\"?>\n<rss version=\"2.0\"><channel><title>relayed"
                    "</title>\n%s</channel></rss>\n" % items)
            target = self.dir / "rss.xml"
        tmp = target.with_name(".index.tmp")
        tmp.write_text(text)
        tmp.replace(target)


# --- helpers --------------------------------------------------------------------

def bulletin_lines(d, ident):
    return [l for l in d.played_lines() if l.get("bulletin") == ident]


def station(tmp_path, name, feeds, device, areas, languages=None, location=None, slots=()):
    extra = []
    if languages is not None:
        extra.append("languages = [ %s ];" % ", ".join('"%s"' % l for l in languages))
    if location is not None:
        extra.append("location = [ %r, %r ];" % location)
    return harness.write_config(tmp_path / name, slots=slots, device=device, feeds=feeds,
                                areas=areas, station_extra=" ".join(extra))


# --- the tests -------------------------------------------------------------------

@needs_wav
def test_text_only_alerts_are_spoken_in_the_language_the_station_chose(
        nginx, tmp_path, alsa_capture, start_daemon):
    """Environment Canada's English/French wind warning (text only) at a station
    whose languages are French then Vietnamese, and a Vietnamese text-only
    emergency from loaxa-publish --text: both spoken, each in its own language."""
    feed = ForeignFeed(nginx, "spoken", tmp_path / "keys")
    vi = run_publish("publish", "--feed", feed.dir, "--key", "%s.key" % feed.signer.key,
                     "--area", "VN-87-30280", "--priority", "emergency", "--plays", "1",
                     "--title", "Cảnh báo lũ", "--text", "Nước sông đang lên nhanh. "
                     "Người dân vùng trũng hãy di chuyển lên chỗ cao ngay.")
    feed.names.append(vi)  # listed again below, with an untyped link
    eccc = redate((DATA / "eccc-wind-warning-en-fr.xml").read_text(), "t1")
    feed.add("eccc", eccc)

    start, end, _ = harness.slot_times(1, 120)
    conf = station(tmp_path, "st", [feed.station_feed()], alsa_capture.device,
                   areas=["profile:CAP-CP:Location:0.3=4818015", "VN-87-30280"],
                   languages=["fr", "vi"],
                   slots=[harness.slot("day", start, end, ["bulletins", "silence:2"], loop=True)])
    d = start_daemon(conf, env=alsa_capture.env())
    ec_id = identifier(eccc)
    d.wait_for_played(1, timeout=20, pred=lambda l: l.get("bulletin") == vi)
    d.wait_for_log(r"bulletin %s accepted.*fr-CA \(spoken text\)" % re.escape(ec_id), timeout=10)
    # French on air (it is long): hear four seconds of it, then stop.
    d.wait_for_log(r"bulletin %s: info 1 \(en-CA\) not aired: the station airs the one in fr-CA"
                   % re.escape(ec_id), timeout=5)
    time.sleep(6)
    d.stop()

    v = bulletin_lines(d, vi)
    assert [(l["result"], l["language"], l.get("speech")) for l in v] == [
        ("completed", "vi-VN", True)], v
    assert v[0]["played_s"] > 2.0, v
    ec = bulletin_lines(d, ec_id)
    assert [(l["language"], l.get("speech")) for l in ec] == [("fr-CA", True)], ec
    assert ec[0]["result"] in ("interrupted", "completed"), ec

    rate, samples = alsa_capture.samples()
    secs, pitches = harness.speech_seconds(samples, rate)
    # chime (2 bells) + Vietnamese + at least 4 s of French: speech, not a tone
    assert secs > 6.0, (secs, pitches)
    assert pitches >= 10, (secs, pitches)


@needs_wav
def test_polygons_circles_cap_1_1_and_rss_at_stations_inside_and_outside(
        nginx, tmp_path, start_daemon):
    """NWS's thunderstorm polygon (CAP 1.2) and TriNet's earthquake circle (CAP
    1.1), listed in an RSS 2.0 index, at two stations: each airs the one it
    stands in and calls the other not its own; a station without a location
    says once that it cannot match shapes."""
    feed = ForeignFeed(nginx, "shapes", tmp_path / "keys", index="rss")
    storm = redate((DATA / "oasis-1.2-a2-thunderstorm-polygon.xml").read_text(), "t2")
    quake = redate((DATA / "oasis-1.1-a3-earthquake-circle.xml").read_text(), "t2")
    feed.add("storm", storm)
    feed.add("quake", quake)
    s_id, q_id = identifier(storm), identifier(quake)

    caps, daemons = {}, {}
    start, end, _ = harness.slot_times(1, 60)
    slots = [harness.slot("day", start, end, ["bulletins", "silence:2"], loop=True)]
    for name, loc in (("in_polygon", IN_POLYGON), ("at_epicentre", AT_EPICENTRE), ("nowhere", None)):
        caps[name] = harness.AlsaCapture(tmp_path / ("home-" + name), slave="null")
        conf = station(tmp_path, name, [feed.station_feed()], caps[name].device,
                       areas=["87"], languages=["vi"], location=loc, slots=slots)
        daemons[name] = start_daemon(conf, env=caps[name].env())

    d = daemons["in_polygon"]
    d.wait_for_log(r"bulletin %s accepted.*priority emergency, en-US \(spoken text\)"
                   % re.escape(s_id), timeout=15)
    d.wait_for_log(r"bulletin %s .*not for this station's areas" % re.escape(q_id), timeout=10)

    e = daemons["at_epicentre"]
    e.wait_for_log(r"bulletin %s .*not for this station's areas" % re.escape(s_id), timeout=15)
    e.wait_for_log(r"bulletin %s accepted.*priority normal, en-US \(spoken text\)"
                   % re.escape(q_id), timeout=10)
    time.sleep(8)  # both on air, spoken: long texts, a few seconds suffice

    n = daemons["nowhere"]
    n.wait_for_log(r"bulletin %s .*not for this station's areas" % re.escape(q_id), timeout=15)
    n.wait_for_log(r"bulletin %s .*not for this station's areas" % re.escape(s_id), timeout=5)
    for x in daemons.values():
        x.stop()

    assert [l["language"] for l in bulletin_lines(d, s_id)][:1] == ["en-US"]
    assert not bulletin_lines(d, q_id)
    q = bulletin_lines(e, q_id)
    assert q and q[0]["language"] == "en-US" and q[0]["speech"] is True, q
    assert not bulletin_lines(e, s_id)
    assert not [l for l in n.played_lines() if l["kind"] == "bulletin"]
    said = re.findall(r"without station.location they are never this station's", n.log_text())
    assert len(said) == 1, n.log_text()
    rate, samples = caps["at_epicentre"].samples()
    secs, pitches = harness.speech_seconds(samples, rate)
    assert secs > 3.0 and pitches >= 10, (secs, pitches)


def test_embedded_ipaws_audio_and_a_bilingual_alert_with_audio_in_its_second_language(
        nginx, tmp_path, alsa_capture, start_daemon, audio_dir):
    """FEMA IPAWS's monthly test with its MP3 embedded (audio/x-ipaws-audio-mp3,
    derefUri), the same message carrying a 460 KB message's worth of audio, and
    the OASIS bilingual Amber Alert whose Spanish <info> alone has audio: a
    station that airs Spanish first plays the embedded sounds and the Spanish
    audio; the English info is named in the log."""
    feed = ForeignFeed(nginx, "embedded", tmp_path / "keys")
    rmt, rmt_audio = fix_embedded_digest(
        redate((DATA / "ipaws-rmt-embedded-audio.xml").read_text(), "t3"))
    feed.add("rmt", rmt)
    # A tone long enough that the message weighs what IPAWS's largest do.
    big_mp3 = harness.make_tone(audio_dir / "big.mp3", BIG_HZ, 8.5, bitrate=320)
    big = embed(redate((DATA / "ipaws-rmt-embedded-audio.xml").read_text(), "t3-big"),
                big_mp3.read_bytes())
    assert len(big.encode()) > 450 * 1024
    feed.add("big", big)
    es_mp3 = harness.make_tone(audio_dir / "es.mp3", ES_HZ, 1.5)
    feed.add_audio("amber-es.mp3", es_mp3.read_bytes())
    amber = redate((DATA / "oasis-1.2-a4-amber-alert-en-es.xml").read_text(), "t3")
    es_at = amber.index("<language>es-US</language>")
    area_at = amber.index("<area>", es_at)
    resource = ("<resource><resourceDesc>Audio</resourceDesc><mimeType>audio/mpeg</mimeType>"
                "<size>%d</size><uri>../audio/amber-es.mp3</uri><digest>%s</digest></resource>\n"
                % (es_mp3.stat().st_size + 1000, hashlib.sha1(es_mp3.read_bytes()).hexdigest()))
    amber = amber[:area_at] + resource + amber[area_at:]
    feed.add("amber", amber)
    rmt_id, big_id, amber_id = identifier(rmt), identifier(big), identifier(amber)

    conf = station(tmp_path, "st", [feed.station_feed()], alsa_capture.device,
                   areas=["SAME=072115", "SAME=006037"], languages=["es", "vi"])
    d = start_daemon(conf, env=alsa_capture.env())
    for ident in (rmt_id, big_id, amber_id):
        d.wait_for_played(1, timeout=40, pred=lambda l, i=ident: l.get("bulletin") == i
                          and l["result"] == "completed")
    d.wait_for_log(r"bulletin %s: info 1 \(en-US\) not aired: the station airs the one in es-US"
                   % re.escape(amber_id), timeout=1)
    d.stop()

    lines = {i: bulletin_lines(d, i)[0] for i in (rmt_id, big_id, amber_id)}
    assert lines[rmt_id]["language"] == "en-US" and "speech" not in lines[rmt_id]
    assert lines[amber_id]["language"] == "es-US" and "speech" not in lines[amber_id]
    # The embedded MP3 played to its end (72932 bytes at 64 kbit/s: about 9 s).
    assert 8.0 < lines[rmt_id]["played_s"] < 10.5, lines[rmt_id]
    assert 8.0 < lines[big_id]["played_s"] < 9.5, lines[big_id]
    rate, samples = alsa_capture.samples()
    freqs = [round(s.freq_hz) for s in harness.tone_segments(samples, rate) if s.duration_s > 1.0]
    assert any(abs(f - BIG_HZ) < 30 for f in freqs), freqs
    assert any(abs(f - ES_HZ) < 20 for f in freqs), freqs


def test_the_unmodified_ipaws_digest_and_a_too_large_message_are_refused_with_their_cause(
        nginx, tmp_path, alsa_capture, start_daemon):
    feed = ForeignFeed(nginx, "refused", tmp_path / "keys")
    as_is = redate((DATA / "ipaws-rmt-embedded-audio.xml").read_text(), "t4")
    feed.add("asis", as_is)
    conf = station(tmp_path, "st", [feed.station_feed()], alsa_capture.device,
                   areas=["SAME=072115"])
    conf.write_text(conf.read_text() + "bulletins = { max_message_size = 65536; };\n")
    d = start_daemon(conf, env=alsa_capture.env())
    # Not read, so named by its index entry; both sizes said.
    d.wait_for_log(r"bulletin urn:test:asis from \S+ rejected: CAP message too large: "
                   r"10\d{4} bytes, limit 65536 \(bulletins.max_message_size\)", timeout=10)
    d.stop()
    conf.write_text(conf.read_text().replace("max_message_size = 65536;", ""))
    d = start_daemon(conf, env=alsa_capture.env())
    d.wait_for_log(r"rejected: audio digest mismatch: SHA-1 of the embedded audio is "
                   r"[0-9a-f]{40}, CAP says b2fdc4f478c30b5245579853366923ccfb666ab5", timeout=10)
    d.stop()
    assert not [l for l in d.played_lines() if l["result"] == "completed"]
