"""loaxa-publish as a district officer uses it: keys, publishing, updating,
cancelling, listing and pruning a feed folder, and refusing bad input
without touching the folder."""

import hashlib
import os
import re
import shutil
import stat
import subprocess
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
BUILD = Path(os.environ.get("LOAXA_BUILD", "build"))
if not BUILD.is_absolute():
    BUILD = REPO / BUILD
PUBLISH = BUILD / "loaxa-publish"
SCHEMA = REPO / "tests" / "data" / "cap-1.2.xsd"  # OASIS CAP 1.2, see tests/data/README
CAP = "{urn:oasis:names:tc:emergency:cap:1.2}"
ATOM = "{http://www.w3.org/2005/Atom}"


def run(*args, check=True, cwd=None):
    res = subprocess.run([str(PUBLISH), *map(str, args)], capture_output=True,
                         text=True, cwd=cwd, timeout=60)
    if check and res.returncode != 0:
        raise AssertionError(f"{args} failed: {res.stderr}")
    return res


def make_mp3(path, seconds=1, freq=440):
    wav = path.with_suffix(".wav")
    subprocess.run(["sox", "-n", "-r", "22050", "-c", "1", str(wav), "synth", str(seconds),
                    "sine", str(freq)], check=True, capture_output=True)
    subprocess.run(["lame", "--quiet", str(wav), str(path)], check=True)
    wav.unlink()
    return path


def snapshot(folder):
    """Every file's bytes and mode, to prove a failed command changed nothing."""
    out = {}
    for p in sorted(Path(folder).rglob("*")):
        st = p.lstat()
        out[str(p.relative_to(folder))] = (stat.S_IMODE(st.st_mode),
                                           p.read_bytes() if p.is_file() else None)
    return out


@pytest.fixture
def officer(tmp_path):
    run("keygen", tmp_path / "officer")
    return tmp_path / "officer"


@pytest.fixture
def audio(tmp_path):
    return make_mp3(tmp_path / "flood.mp3")


@pytest.fixture
def feed(tmp_path):
    return tmp_path / "feed"


def publish(feed, key, audio, *extra):
    res = run("publish", "--feed", feed, "--key", f"{key}.key", *extra, audio)
    return res.stdout.strip().splitlines()[-1]


def default_publish(feed, officer, audio, *extra):
    return publish(feed, officer, audio, "--area", "VN-01,VN-02", "--priority", "emergency",
                   *extra)


def cap_of(feed, ident):
    return ET.parse(feed / "alerts" / f"{ident}.xml").getroot()


def params(root):
    info = root.find(f"{CAP}info")
    return {p.findtext(f"{CAP}valueName"): p.findtext(f"{CAP}value")
            for p in info.findall(f"{CAP}parameter")}


def index_hrefs(feed):
    root = ET.parse(feed / "index.atom").getroot()
    hrefs = []
    for entry in root.findall(f"{ATOM}entry"):
        for link in entry.findall(f"{ATOM}link"):
            if link.get("rel") == "alternate" and link.get("type") == "application/cap+xml":
                hrefs.append(link.get("href"))
    return hrefs


def schema_valid(path):
    res = subprocess.run(["xmllint", "--noout", "--schema", str(SCHEMA), str(path)],
                         capture_output=True, text=True)
    return res.returncode == 0, res.stderr


def minisign_verifies(feed, ident, pub):
    res = subprocess.run(["minisign", "-Vm", f"alerts/{ident}.xml", "-p", str(pub)],
                         cwd=feed, capture_output=True, text=True)
    return res.returncode == 0


# ---- keys ----

def test_keygen_secret_key_is_private_and_minisign_reads_both(tmp_path):
    run("keygen", tmp_path / "k")
    assert stat.S_IMODE((tmp_path / "k.key").stat().st_mode) == 0o600
    assert (tmp_path / "k.pub").read_text().startswith("untrusted comment: ")
    msg = tmp_path / "m.txt"
    msg.write_text("hello")
    subprocess.run(["minisign", "-S", "-s", "k.key", "-m", "m.txt"], cwd=tmp_path, check=True,
                   capture_output=True)
    subprocess.run(["minisign", "-Vm", "m.txt", "-p", "k.pub"], cwd=tmp_path, check=True,
                   capture_output=True)


def test_keygen_refuses_to_overwrite_a_key(officer):
    before = officer.with_suffix(".key").read_bytes()
    res = run("keygen", officer, check=False)
    assert res.returncode != 0
    assert "exists" in res.stderr
    assert officer.with_suffix(".key").read_bytes() == before


def test_key_made_by_minisign_tool_publishes(tmp_path, audio, feed):
    subprocess.run(["minisign", "-G", "-W", "-p", "x.pub", "-s", "x.key"], cwd=tmp_path,
                   check=True, capture_output=True)
    ident = publish(feed, tmp_path / "x", audio, "--area", "A", "--priority", "normal")
    assert minisign_verifies(feed, ident, tmp_path / "x.pub")


# ---- publish ----

def test_publish_writes_valid_signed_cap_audio_and_index(officer, audio, feed):
    ident = default_publish(feed, officer, audio, "--title", "Lũ lụt & sạt lở", "--plays", "2",
                            "--interval", "600", "--expires", "6h")
    assert re.fullmatch(r"[A-Za-z0-9._-]+", ident)
    xml = feed / "alerts" / f"{ident}.xml"
    ok, err = schema_valid(xml)
    assert ok, err
    assert minisign_verifies(feed, ident, officer.with_suffix(".pub"))
    root = cap_of(feed, ident)
    assert root.findtext(f"{CAP}identifier") == ident
    assert root.findtext(f"{CAP}status") == "Actual"
    assert root.findtext(f"{CAP}msgType") == "Alert"
    assert root.findtext(f"{CAP}scope") == "Public"
    info = root.find(f"{CAP}info")
    assert info.findtext(f"{CAP}category") == "Safety"
    assert info.findtext(f"{CAP}urgency") == "Immediate"
    assert info.findtext(f"{CAP}severity") == "Extreme"
    assert info.findtext(f"{CAP}headline") == "Lũ lụt & sạt lở"
    data = audio.read_bytes()
    assert params(root) == {"loaxa:priority": "emergency", "loaxa:plays": "2",
                            "loaxa:interval": "600",
                            "loaxa:audio-sha256": hashlib.sha256(data).hexdigest()}
    assert info.findtext(f"{CAP}language") == "vi-VN"
    codes = [g.findtext(f"{CAP}value") for g in info.iter(f"{CAP}geocode")]
    assert codes == ["VN-01", "VN-02"]
    res = info.find(f"{CAP}resource")
    assert res.findtext(f"{CAP}mimeType") == "audio/mpeg"
    uri = res.findtext(f"{CAP}uri")
    assert uri == f"../audio/{ident}.mp3"
    served = (xml.parent / uri).resolve()
    assert served == (feed / "audio" / f"{ident}.mp3").resolve()
    assert served.read_bytes() == data
    assert int(res.findtext(f"{CAP}size")) == len(data)
    # CAP 1.2's <digest> is SHA-1: what any consumer checks.
    assert res.findtext(f"{CAP}digest") == hashlib.sha1(data).hexdigest()
    assert index_hrefs(feed) == [f"alerts/{ident}.xml"]


def test_publish_expiry_defaults_to_a_day_and_emergencies_play_three_times(officer, audio, feed):
    ident = default_publish(feed, officer, audio)
    info = cap_of(feed, ident).find(f"{CAP}info")
    sent = cap_of(feed, ident).findtext(f"{CAP}sent")
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[-+]\d\d:\d\d", sent)
    assert params(cap_of(feed, ident))["loaxa:plays"] == "3"
    assert info.findtext(f"{CAP}expires") is not None


def test_two_publishes_both_listed_with_distinct_ids(officer, audio, feed):
    a = default_publish(feed, officer, audio)
    b = publish(feed, officer, audio, "--area", "VN-03", "--priority", "normal",
                "--effective", "30m", "--expires", "2d")
    assert a != b
    assert index_hrefs(feed) == [f"alerts/{a}.xml", f"alerts/{b}.xml"]
    info = cap_of(feed, b).find(f"{CAP}info")
    assert info.findtext(f"{CAP}effective") is not None
    assert schema_valid(feed / "alerts" / f"{b}.xml")[0]


def test_audio_with_id3_tag_is_accepted(officer, tmp_path, feed):
    tagged = tmp_path / "tagged.mp3"
    wav = tmp_path / "t.wav"
    subprocess.run(["sox", "-n", "-r", "22050", "-c", "1", str(wav), "synth", "1", "sine", "300"],
                   check=True, capture_output=True)
    subprocess.run(["lame", "--quiet", "--id3v2-only", "--tt", "Bulletin", str(wav), str(tagged)],
                   check=True)
    assert tagged.read_bytes()[:3] == b"ID3"
    default_publish(feed, officer, tagged)


def test_text_only_bulletin_with_language_area_words_and_absolute_uris(officer, audio, feed):
    """What standard CAP consumers read: <language>, a human areaDesc, a named
    geocode, absolute resource URIs; --text without audio is a text-only CAP."""
    ident = publish(feed, officer, audio, "--area", "30280", "--priority", "priority",
                    "--language", "en-US", "--area-desc", "Xã Tân Thạnh, huyện Cao Lãnh",
                    "--geocode-name", "VN:commune", "--base-url",
                    "https://bulletins.example.gov.vn/loaxa")
    root = cap_of(feed, ident)
    assert schema_valid(feed / "alerts" / f"{ident}.xml")[0]
    info = root.find(f"{CAP}info")
    assert info.findtext(f"{CAP}language") == "en-US"
    area = info.find(f"{CAP}area")
    assert area.findtext(f"{CAP}areaDesc") == "Xã Tân Thạnh, huyện Cao Lãnh"
    assert [(g.findtext(f"{CAP}valueName"), g.findtext(f"{CAP}value"))
            for g in area.iter(f"{CAP}geocode")] == [("VN:commune", "30280")]
    assert info.find(f"{CAP}resource").findtext(f"{CAP}uri") == \
        f"https://bulletins.example.gov.vn/loaxa/audio/{ident}.mp3"

    # The folder's base_url file serves when the option is not given.
    (feed / "base_url").write_text("https://cdn.example.gov.vn/p/\n")
    text_id = run("publish", "--feed", feed, "--key", f"{officer}.key", "--area", "30280",
                  "--priority", "emergency", "--title", "Cảnh báo lũ", "--text",
                  "Nước sông đang lên nhanh.").stdout.strip().splitlines()[-1]
    root = cap_of(feed, text_id)
    assert schema_valid(feed / "alerts" / f"{text_id}.xml")[0]
    info = root.find(f"{CAP}info")
    assert info.findtext(f"{CAP}language") == "vi-VN"
    assert info.findtext(f"{CAP}headline") == "Cảnh báo lũ"
    assert info.findtext(f"{CAP}description") == "Nước sông đang lên nhanh."
    assert info.find(f"{CAP}resource") is None
    assert not (feed / "audio" / f"{text_id}.mp3").exists()
    assert f"alerts/{text_id}.xml" in index_hrefs(feed)
    with_audio = publish(feed, officer, audio, "--area", "30280", "--priority", "normal")
    assert cap_of(feed, with_audio).find(f"{CAP}info").find(f"{CAP}resource").findtext(
        f"{CAP}uri") == f"https://cdn.example.gov.vn/p/audio/{with_audio}.mp3"
    # An update of the text-only bulletin stays text-only.
    upd = run("update", "--feed", feed, "--key", f"{officer}.key", "--expires", "2h",
              text_id).stdout.strip().splitlines()[-1]
    info = cap_of(feed, upd).find(f"{CAP}info")
    assert info.find(f"{CAP}resource") is None
    assert info.findtext(f"{CAP}description") == "Nước sông đang lên nhanh."


# ---- update, cancel, list, prune ----

def test_update_references_original_and_replaces_its_entry(officer, audio, tmp_path, feed):
    first = default_publish(feed, officer, audio, "--title", "Storm")
    other = publish(feed, officer, audio, "--area", "B", "--priority", "normal")
    new_audio = make_mp3(tmp_path / "new.mp3", freq=880)
    res = run("update", "--feed", feed, "--key", f"{officer}.key", "--priority", "priority",
              first, new_audio)
    upd = res.stdout.strip().splitlines()[-1]
    assert upd not in (first, other)
    root = cap_of(feed, upd)
    assert schema_valid(feed / "alerts" / f"{upd}.xml")[0]
    assert root.findtext(f"{CAP}msgType") == "Update"
    orig = cap_of(feed, first)
    assert root.findtext(f"{CAP}references") == ",".join(
        [orig.findtext(f"{CAP}sender"), first, orig.findtext(f"{CAP}sent")])
    # Defaults come from the original; the option given wins.
    assert root.find(f"{CAP}info").findtext(f"{CAP}headline") == "Storm"
    assert params(root)["loaxa:priority"] == "priority"
    codes = [g.findtext(f"{CAP}value") for g in root.iter(f"{CAP}geocode")]
    assert codes == ["VN-01", "VN-02"]
    digest = root.find(f"{CAP}info").find(f"{CAP}resource").findtext(f"{CAP}digest")
    assert digest == hashlib.sha1(new_audio.read_bytes()).hexdigest()
    assert params(root)["loaxa:audio-sha256"] == hashlib.sha256(new_audio.read_bytes()).hexdigest()
    assert index_hrefs(feed) == [f"alerts/{upd}.xml", f"alerts/{other}.xml"]
    assert minisign_verifies(feed, upd, officer.with_suffix(".pub"))


def test_update_without_audio_keeps_the_original_sound(officer, audio, feed):
    first = default_publish(feed, officer, audio)
    upd = run("update", "--feed", feed, "--key", f"{officer}.key", "--expires", "2h",
              first).stdout.strip().splitlines()[-1]
    res = cap_of(feed, upd).find(f"{CAP}info").find(f"{CAP}resource")
    assert res.findtext(f"{CAP}uri") == f"../audio/{upd}.mp3"
    assert (feed / "audio" / f"{upd}.mp3").read_bytes() == audio.read_bytes()


def test_cancel_is_signed_listed_and_the_original_stays(officer, audio, feed):
    first = default_publish(feed, officer, audio)
    canc = run("cancel", "--feed", feed, "--key", f"{officer}.key",
               first).stdout.strip().splitlines()[-1]
    root = cap_of(feed, canc)
    assert root.findtext(f"{CAP}msgType") == "Cancel"
    assert f",{first}," in root.findtext(f"{CAP}references")
    assert schema_valid(feed / "alerts" / f"{canc}.xml")[0]
    assert minisign_verifies(feed, canc, officer.with_suffix(".pub"))
    assert index_hrefs(feed) == [f"alerts/{first}.xml", f"alerts/{canc}.xml"]


def test_list_shows_type_priority_areas_and_state(officer, audio, feed):
    live = default_publish(feed, officer, audio)
    gone = publish(feed, officer, audio, "--area", "X9", "--priority", "normal")
    canc = run("cancel", "--feed", feed, "--key", f"{officer}.key",
               gone).stdout.strip().splitlines()[-1]
    out = run("list", "--feed", feed).stdout
    rows = {line.split()[0]: line.split() for line in out.splitlines()[1:]}
    assert out.splitlines()[0].split() == ["IDENTIFIER", "TYPE", "PRIORITY", "AREAS", "SENT",
                                           "EXPIRES", "STATE"]
    assert rows[live][1:4] == ["Alert", "emergency", "VN-01,VN-02"]
    assert rows[live][-1] == "live"
    assert rows[gone][-1] == "cancelled"
    assert rows[canc][1] == "Cancel"


def test_list_marks_expired_bulletins(officer, audio, feed):
    ident = default_publish(feed, officer, audio, "--expires", "2s")
    time.sleep(3)
    rows = {l.split()[0]: l.split() for l in run("list", "--feed", feed).stdout.splitlines()[1:]}
    assert rows[ident][-1] == "expired"


def test_prune_drops_cancelled_and_expired_after_retention_only(officer, audio, feed):
    live = default_publish(feed, officer, audio)
    gone = publish(feed, officer, audio, "--area", "X9", "--priority", "normal")
    short = publish(feed, officer, audio, "--area", "X8", "--priority", "normal", "--expires", "1s")
    canc = run("cancel", "--feed", feed, "--key", f"{officer}.key",
               gone).stdout.strip().splitlines()[-1]
    time.sleep(2)
    before = snapshot(feed)
    run("prune", "--feed", feed)            # default 7 days: nothing old enough
    assert snapshot(feed) == before
    run("prune", "--feed", feed, "--keep", "0")
    assert index_hrefs(feed) == [f"alerts/{live}.xml"]
    for ident in (gone, canc, short):
        assert not (feed / "alerts" / f"{ident}.xml").exists()
        assert not (feed / "alerts" / f"{ident}.xml.minisig").exists()
    assert not (feed / "audio" / f"{gone}.mp3").exists()
    assert (feed / "audio" / f"{live}.mp3").exists()


def test_every_command_has_help():
    for cmd in ("keygen", "publish", "update", "cancel", "list", "prune"):
        res = run(cmd, "--help")
        assert res.stdout.startswith(f"usage: loaxa-publish {cmd}")


# ---- refusals leave the folder untouched ----

@pytest.fixture
def populated(officer, audio, feed):
    ident = default_publish(feed, officer, audio)
    return ident


def bad_cases(tmp_path, officer, audio, ident):
    text = tmp_path / "notes.mp3"
    text.write_text("this is not audio\n" * 100)
    # A WAV header that promises sound and holds none.
    cut = tmp_path / "cut.wav"
    subprocess.run(["sox", "-n", "-r", "22050", "-c", "1", str(cut), "synth", "1", "sine", "440"],
                   check=True, capture_output=True)
    cut.write_bytes(cut.read_bytes()[:44])
    empty = tmp_path / "empty.mp3"
    empty.write_bytes(b"")
    garbage_key = tmp_path / "bad.key"
    garbage_key.write_text("untrusted comment: x\nnot base64 at all\n")
    key = f"{officer}.key"
    base = ["--area", "VN-01", "--priority", "normal"]
    return {
        "not audio (text)": ["publish", "--key", key, *base, text],
        "cut wav": ["publish", "--key", key, *base, cut],
        "empty audio": ["publish", "--key", key, *base, empty],
        "missing audio": ["publish", "--key", key, *base, tmp_path / "nope.mp3"],
        "no audio": ["publish", "--key", key, *base],
        "two audios": ["publish", "--key", key, *base, audio, audio],
        "missing key": ["publish", "--key", tmp_path / "nokey.key", *base, audio],
        "garbage key": ["publish", "--key", garbage_key, *base, audio],
        "public key as key": ["publish", "--key", f"{officer}.pub", *base, audio],
        "no key": ["publish", *base, audio],
        "bad priority": ["publish", "--key", key, "--area", "A", "--priority", "urgent", audio],
        "no priority": ["publish", "--key", key, "--area", "A", audio],
        "no area": ["publish", "--key", key, "--priority", "normal", audio],
        "empty area": ["publish", "--key", key, "--area", "A,,B", "--priority", "normal", audio],
        "area with space": ["publish", "--key", key, "--area", "A B", "--priority", "normal", audio],
        "bad plays": ["publish", "--key", key, *base, "--plays", "zero", audio],
        "bad interval": ["publish", "--key", key, *base, "--interval", "soon", audio],
        "bad expires": ["publish", "--key", key, *base, "--expires", "tomorrow", audio],
        "expires in past": ["publish", "--key", key, *base, "--expires",
                            "2001-01-01T00:00:00+07:00", audio],
        "bad effective": ["publish", "--key", key, *base, "--effective", "later", audio],
        "bad language": ["publish", "--key", key, *base, "--language", "vi VN", audio],
        "bad base url": ["publish", "--key", key, *base, "--base-url", "ftp://x/", audio],
        "empty text": ["publish", "--key", key, *base, "--text", ""],
        "two-line area desc": ["publish", "--key", key, *base, "--area-desc", "a\nb", audio],
        "unknown option": ["publish", "--key", key, *base, "--colour", "red", audio],
        "update unknown id": ["update", "--key", key, "no-such-id"],
        "update bad audio": ["update", "--key", key, ident, text],
        "cancel unknown id": ["cancel", "--key", key, "no-such-id"],
        "cancel missing key": ["cancel", "--key", tmp_path / "nokey.key", ident],
        "prune bad keep": ["prune", "--keep", "forever"],
    }


def test_bad_input_is_refused_in_one_line_and_the_feed_is_untouched(tmp_path, officer, audio,
                                                                     feed, populated):
    before = snapshot(feed)
    for name, args in bad_cases(tmp_path, officer, audio, populated).items():
        cmd, rest = args[0], args[1:]
        res = run(cmd, "--feed", feed, *rest, check=False)
        assert res.returncode != 0, f"{name}: accepted"
        lines = res.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("loaxa-publish: "), f"{name}: {res.stderr!r}"
        assert snapshot(feed) == before, f"{name}: feed changed"


def test_refusals_name_the_problem(tmp_path, officer, audio, feed, populated):
    cases = bad_cases(tmp_path, officer, audio, populated)
    expect = {"not audio (text)": "not audio that decodes", "cut wav": "cut.wav", "missing key": "key", "bad priority": "priority",
              "update unknown id": "unknown ID", "cancel unknown id": "unknown ID",
              "no area": "--area", "bad expires": "--expires", "bad language": "--language",
              "bad base url": "--base-url", "empty text": "--text",
              "no audio": "--text"}
    for name, word in expect.items():
        cmd, rest = cases[name][0], cases[name][1:]
        res = run(cmd, "--feed", feed, *rest, check=False)
        assert word in res.stderr, f"{name}: {res.stderr!r}"


FORMATS = [  # name that lies about it, ffmpeg options, true MIME type, extension
    ("phone-memo.mp3", ["-c:a", "aac", "-f", "mp4"], "audio/mp4", "m4a"),
    ("voice.wav", ["-c:a", "libopus", "-f", "ogg"], "audio/ogg", "ogg"),
    ("call.m4a", ["-c:a", "pcm_mulaw", "-f", "wav"], "audio/wav", "wav"),
    ("archive.ogg", ["-c:a", "flac", "-f", "flac"], "audio/flac", "flac"),
]


@pytest.mark.parametrize("name,args,mime,ext", FORMATS)
def test_every_common_format_is_published_with_its_true_mime_type(officer, tmp_path, feed, name,
                                                                   args, mime, ext):
    src = tmp_path / name
    subprocess.run(["ffmpeg", "-v", "error", "-nostdin", "-y", "-f", "lavfi", "-i",
                    "sine=frequency=500:sample_rate=16000:duration=1", *args, str(src)],
                   check=True)
    ident = default_publish(feed, officer, src)
    res = cap_of(feed, ident).find(f"{CAP}info").find(f"{CAP}resource")
    assert res.findtext(f"{CAP}mimeType") == mime
    assert res.findtext(f"{CAP}uri") == f"../audio/{ident}.{ext}"
    assert (feed / "audio" / f"{ident}.{ext}").read_bytes() == src.read_bytes()


def test_refused_first_publish_creates_no_folder(tmp_path, officer):
    text = tmp_path / "notes.mp3"
    text.write_text("hello")
    feed = tmp_path / "fresh"
    res = run("publish", "--feed", feed, "--key", f"{officer}.key", "--area", "A",
              "--priority", "normal", text, check=False)
    assert res.returncode != 0
    assert not feed.exists()


def test_no_temporary_files_are_left_behind(officer, audio, feed):
    ident = default_publish(feed, officer, audio)
    run("update", "--feed", feed, "--key", f"{officer}.key", ident)
    leftovers = [p for p in feed.rglob("*") if ".tmp" in p.name]
    assert leftovers == []
