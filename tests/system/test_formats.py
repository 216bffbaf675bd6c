"""Every common audio format, as a commune gets it: files made by ffmpeg here (a
telephone WAV in u-law, a phone's M4A and Opus voice memos, OGG, FLAC, MP2), each
a tone of its own pitch, aired by the real daemon and identified, in order, in the
audio that reached the sound card. The content decides, never the name or the CAP
mimeType: bulletin audio labelled as IPAWS MP3 that is really Opus airs; audio
that does not decode is refused with a reason and no chime airs for it.

Run: LOAXA_BUILD=build /usr/bin/python3 -m pytest -q tests/system/test_formats.py
"""

import hashlib
import math
import re
import shutil
import subprocess
import time

import pytest

import harness
from bulletin_feed import Feed, Nginx

CHIME_HZ = (659, 523)

# name (lying where it can), ffmpeg options, pitch, rate, channels
FILES = [
    ("call.wav", ["-c:a", "pcm_mulaw"], 400, 8000, 1),
    ("memo.m4a", ["-c:a", "aac", "-b:a", "64k"], 600, 44100, 1),
    ("voice.opus", ["-c:a", "libopus", "-b:a", "32k", "-f", "ogg"], 800, 48000, 1),
    ("music.ogg", ["-c:a", "libvorbis"], 1000, 44100, 2),
    ("archive.flac", ["-c:a", "flac"], 1200, 96000, 2),
    ("old-radio.mp2", ["-c:a", "mp2", "-f", "mp2"], 1400, 32000, 2),
    ("adpcm-named.mp3", ["-c:a", "adpcm_ima_wav", "-f", "wav"], 1600, 22050, 1),
]


def ffmpeg_tone(path, args, hz, rate, channels, seconds=1.0):
    if not shutil.which("ffmpeg"):
        pytest.skip("ffmpeg is not installed (make deps)")
    expr = "0.5*sin(2*PI*%d*t)" % hz
    src = "aevalsrc=%s:s=%d:d=%g" % ("|".join([expr] * channels), rate, seconds)
    subprocess.run(["ffmpeg", "-v", "error", "-nostdin", "-y", "-f", "lavfi", "-i", src, *args,
                    str(path)], check=True)
    return path


def pitches(capture):
    rate, samples = capture.samples()
    assert rate is not None, "nothing reached the card"
    return [(round(s.freq_hz), s.duration_s) for s in harness.tone_segments(samples, rate)
            if s.duration_s > 0.3]


def test_each_format_airs_in_a_slot_and_is_heard_at_its_pitch(tmp_path, alsa_capture,
                                                              start_daemon):
    files = [ffmpeg_tone(tmp_path / name, args, hz, rate, ch) for name, args, hz, rate, ch in FILES]
    start, end, _ = harness.slot_times(2, 30)
    conf = harness.write_config(tmp_path / "station", device=alsa_capture.device,
                                slots=[harness.slot("formats", start, end,
                                                    ["file:%s" % f for f in files])])
    d = start_daemon(conf, env=alsa_capture.env())
    d.wait_for_played(len(files), timeout=40)
    lines = d.played_lines()
    d.stop()
    assert [(l["kind"], l["result"]) for l in lines] == [("file", "completed")] * len(files), lines
    assert [l["source"] for l in lines] == [str(f) for f in files]
    heard = pitches(alsa_capture)
    want = [hz for _, _, hz, _, _ in FILES]
    assert len(heard) == len(want), heard
    for (got_hz, secs), hz in zip(heard, want):
        assert abs(got_hz - hz) < 0.02 * hz, (heard, want)
        assert 0.9 < secs < 1.15, heard


def test_a_file_that_does_not_decode_fails_with_a_reason_and_the_next_airs(
        tmp_path, alsa_capture, start_daemon):
    bad = tmp_path / "report.m4a"
    bad.write_text("minutes of the commune meeting, not audio\n" * 50)
    good = ffmpeg_tone(tmp_path / "after.ogg", ["-c:a", "libvorbis"], 700, 44100, 2)
    start, end, _ = harness.slot_times(2, 20)
    conf = harness.write_config(tmp_path / "station", device=alsa_capture.device,
                                slots=[harness.slot("s", start, end,
                                                    ["file:%s" % bad, "file:%s" % good])])
    d = start_daemon(conf, env=alsa_capture.env())
    d.wait_for_played(2, timeout=20)
    lines = d.played_lines()
    d.stop()
    assert [(l["result"], l["source"]) for l in lines] == [("failed", str(bad)),
                                                         ("completed", str(good))], lines
    assert "not audio that decodes" in lines[0]["reason"], lines[0]
    assert [hz for hz, _ in pitches(alsa_capture)] == [700]


# --- bulletins ----------------------------------------------------------------------

@pytest.fixture
def nginx(tmp_path):
    if not shutil.which("nginx"):
        pytest.skip("nginx is not installed")
    srv = Nginx(tmp_path / "nginx").start()
    yield srv
    srv.stop()


def _relabel(feed, ident, mime, new_audio=None):
    """Gives bulletin ident another mimeType (and other bytes), re-signed as the
    province would: the digest and size then match what is served."""
    def edit(xml):
        xml = re.sub(r"<mimeType>[^<]*</mimeType>", "<mimeType>%s</mimeType>" % mime, xml)
        if new_audio is not None:
            data = new_audio
            xml = re.sub(r"<size>[^<]*</size>", "<size>%d</size>" % len(data), xml)
            # <digest> is SHA-1 or SHA-256 by its length; loaxa:audio-sha256 beside it.
            xml = re.sub(r"<digest>([0-9a-fA-F]{40})</digest>",
                         "<digest>%s</digest>" % hashlib.sha1(data).hexdigest(), xml)
            xml = re.sub(r"<digest>([0-9a-fA-F]{64})</digest>",
                         "<digest>%s</digest>" % hashlib.sha256(data).hexdigest(), xml)
            xml = re.sub(r"(<valueName>loaxa:audio-sha256</valueName>\s*<value>)[0-9a-fA-F]+",
                         r"\g<1>%s" % hashlib.sha256(data).hexdigest(), xml)
        return xml
    if new_audio is not None:
        feed.audio_path(ident).write_bytes(new_audio)
    feed.edit_cap(ident, edit)


def test_bulletin_audio_is_taken_by_its_content_not_its_label(nginx, tmp_path, alsa_capture,
                                                              start_daemon):
    feed = Feed(nginx.root / "f", nginx.url("f/index.atom"), tmp_path / "keys")
    opus = ffmpeg_tone(tmp_path / "memo.mp3", ["-c:a", "libopus", "-f", "ogg"], 880, 48000, 1)
    ident = feed.publish(opus, "emergency", plays=1)
    # IPAWS labels its audio like this whatever it is.
    _relabel(feed, ident, "audio/x-ipaws-audio-mp3")
    # A bulletin whose signed bytes are not sound: refused, never a chime alone.
    text = ffmpeg_tone(tmp_path / "t.wav", ["-c:a", "pcm_s16le"], 300, 16000, 1)
    bad = feed.publish(text, "emergency", plays=1)
    _relabel(feed, bad, "audio/mpeg", new_audio=b"not audio at all\n" * 200)

    conf = harness.write_config(tmp_path / "station", device=alsa_capture.device,
                                feeds=[feed.station_feed(poll=1)])
    d = start_daemon(conf, env=alsa_capture.env())
    d.wait_for_log(r"bulletin %s from .* rejected: audio does not decode: .*not audio" % bad,
                   timeout=15)
    d.wait_for_played(1, timeout=20, pred=lambda l: l.get("bulletin") == ident)
    time.sleep(0.5)
    lines = d.played_lines()
    d.stop()
    aired = [(l["kind"], l["result"], l.get("bulletin")) for l in lines]
    assert ("bulletin", "completed", ident) in aired, lines
    refused = [l for l in lines if l.get("bulletin") == bad]
    assert refused and all(l["result"] != "completed" for l in refused), lines
    assert "does not decode" in refused[0]["reason"]
    # One chime (for the Opus bulletin) then its tone; nothing for the refused one.
    assert [kind for kind, result, _ in aired if kind == "chime" or result == "completed"] == \
        ["chime", "bulletin"], lines
    heard = [hz for hz, _ in pitches(alsa_capture)]
    assert heard and abs(heard[-1] - 880) < 15, heard
    assert not any(abs(h - 300) < 15 for h in heard), heard


# --- loudness -----------------------------------------------------------------------

def test_two_recordings_24_db_apart_air_within_1_lu_and_never_at_full_scale(
        tmp_path, alsa_capture, start_daemon):
    # A recording at -6 dBFS and one 24 dB quieter, pitches apart to tell them.
    loud = ffmpeg_tone(tmp_path / "loud.wav", ["-c:a", "pcm_s16le"], 500, 44100, 2, seconds=3)
    subprocess.run(["ffmpeg", "-v", "error", "-nostdin", "-y", "-f", "lavfi", "-i",
                    "aevalsrc=0.5*sin(2*PI*700*t)|0.5*sin(2*PI*700*t):s=44100:d=3",
                    "-af", "volume=-24dB", "-c:a", "libvorbis", str(tmp_path / "quiet.ogg")],
                   check=True)
    quiet = tmp_path / "quiet.ogg"
    start, end, _ = harness.slot_times(2, 20)
    conf = harness.write_config(tmp_path / "station", device=alsa_capture.device,
                                slots=[harness.slot("s", start, end,
                                                    ["file:%s" % loud, "file:%s" % quiet])])
    d = start_daemon(conf, env=alsa_capture.env())
    d.wait_for_played(2, timeout=30)
    log = d.log_text()
    d.stop()
    assert re.search(r"loudness: .*loud.wav measured: -\d+\.\d LUFS", log), log
    rate, samples = alsa_capture.samples()
    segs = {round(s.freq_hz, -1): s for s in harness.tone_segments(samples, rate)
            if s.duration_s > 1}
    assert set(segs) == {500, 700}, segs
    mono = samples.astype("float64").mean(axis=1) if samples.ndim == 2 else samples
    levels = {}
    for hz, s in segs.items():
        part = mono[int((s.start_s + 0.3) * rate):int((s.end_s - 0.3) * rate)]
        levels[hz] = 20 * math.log10(math.sqrt((part ** 2).mean()) / 32768)
    # Same measure (RMS of a steady tone): within 1 dB is within 1 LU.
    assert abs(levels[500] - levels[700]) < 1.0, levels
    assert abs(samples).max() < 32767 * 0.9, "a sample near full scale"
