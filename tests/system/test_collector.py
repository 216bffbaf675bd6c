"""The district's collector end to end: a private PostgreSQL (initdb in a temp folder,
run as nobody, Unix socket only), the real loaxa-collector, and real loaxad stations
reporting to it with their tokens. The tests read what a district officer reads: the
JSON API behind the pages (/api/stations, /api/bulletins/ID) and the station's day.

Run: LOAXA_BUILD=build /usr/bin/python3 -m pytest -q tests/system/test_collector.py
"""

import json
import re
import shutil
import subprocess
import threading
import time
from pathlib import Path

import pytest

import harness
from bulletin_feed import Feed, Nginx
from harness.collector import Collector

PASSWORD = "mật-khẩu-huyện"


@pytest.fixture
def collectors():
    started = []
    yield started
    for c in started:
        c.stop()


def start_collector(tmp_path, db, collectors, **kw):
    col = Collector(tmp_path, db, **kw)
    col.adduser("huyen", PASSWORD)
    col.start()
    collectors.append(col)
    return col


def station_conf(tmp_path, name, col_url, token, device, areas=("87",), feeds=(), sub=None):
    d = tmp_path / (sub or re.sub(r"\W", "_", name))
    d.mkdir(parents=True, exist_ok=True)
    tok = d / "token"
    tok.write_text((token or "") + "\n")
    return harness.write_config(
        d, device=device, station=name, areas=areas, feeds=feeds,
        extra='report = { url = "%s/ingest"; interval = 1; token_file = "%s"; };'
              % (col_url, tok))


def wait_for(pred, timeout, what):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = pred()
        if last:
            return last
        time.sleep(0.2)
    raise AssertionError("%s: not within %.0f s (last: %r)" % (what, timeout, last))


def stations_by_name(session):
    return {s["name"]: s for s in session.get_json("/api/stations")["stations"]}


def play_tone(conf, tone):
    """loaxactl play: one as-played line to report."""
    r = subprocess.run([str(harness.loaxactl_bin()), "-c", str(conf), "play", str(tone)],
                       capture_output=True, text=True, timeout=20)
    assert r.returncode == 0, r.stderr


def wait_socket(conf_path, daemon, timeout=10):
    sock = Path(conf_path).parent / "loaxad.sock"
    wait_for(lambda: sock.exists() or not daemon.running(), timeout, "control socket")


# ---------------------------------------------------------------------------------

def test_schema_is_created_from_empty_and_migrated_from_the_previous_version(
        tmp_path, pg, db):
    col = Collector(tmp_path, db)
    pg_db = db.split("///")[1].split("?")[0]
    # The previous schema (2), with a station and its last heartbeat in it.
    assert col.run("migrate", "--to", "2").stdout.strip() == "schema version 2"
    assert pg.psql(pg_db, "SELECT max(version) FROM loaxa_schema").strip() == "2"
    pg.psql(pg_db, "INSERT INTO stations (name, token_hash, last_seen, heartbeat) VALUES "
                   "('Xã Cũ', '\\x00', now(), '{\"volume\": 70, \"muted\": true, "
                   "\"device\": {\"ok\": false, \"error\": \"hw:0 gone\"}, "
                   "\"feeds\": [{\"outcome\": \"failing: HTTP 503\"}], \"version\": \"0.1.0\"}')")
    # Any command brings it to the latest version, keeping what was there, and the
    # new columns are filled from the stored heartbeat.
    assert col.run("stations").stdout.startswith("Xã Cũ\t")
    assert pg.psql(pg_db, "SELECT max(version) FROM loaxa_schema").strip() == "3"
    assert pg.psql(pg_db, "SELECT volume, muted, card_ok, card_error, feeds, feeds_failing, "
                          "version FROM stations").strip() == "70|t|f|hw:0 gone|1|1|0.1.0"
    # From empty: the same tables and columns as migrating step by step.
    pg.dropdb("t_fresh")
    pg.createdb("t_fresh")
    fresh = Collector(tmp_path, pg.uri("t_fresh"), name="fresh")
    assert fresh.run("migrate").stdout.strip() == "schema version 3"
    columns = "SELECT string_agg(table_name || '.' || column_name || ':' || data_type, ',' " \
              "ORDER BY table_name, column_name) FROM information_schema.columns " \
              "WHERE table_schema = 'public'"
    assert pg.psql("t_fresh", columns) == pg.psql(pg_db, columns)
    # A program older than its database refuses to touch it.
    pg.psql(pg_db, "INSERT INTO loaxa_schema (version) VALUES (99)")
    r = col.run("stations", check=False)
    assert r.returncode == 1 and "newer than this loaxa-collector" in r.stderr


def test_station_commands_token_shown_once_and_stored_hashed(tmp_path, pg, db):
    col = Collector(tmp_path, db)
    token = col.addstation("Xã Tân Thạnh")
    r = col.run("addstation", "Xã Tân Thạnh", check=False)
    assert r.returncode == 1 and "already registered" in r.stderr
    pg_db = db.split("///")[1].split("?")[0]
    stored = pg.psql(pg_db, "SELECT encode(token_hash, 'hex') FROM stations").strip()
    assert token not in stored and len(stored) == 64
    assert col.run("stations").stdout.startswith("Xã Tân Thạnh\t")
    assert col.run("removestation", "Xã Tân Thạnh").returncode == 0
    assert col.run("stations").stdout == ""
    r = col.run("removestation", "Xã Tân Thạnh", check=False)
    assert r.returncode == 1 and "no station" in r.stderr


def test_wrong_or_missing_token_and_a_station_posing_as_another_are_refused(
        tmp_path, db, collectors, alsa_capture, start_daemon, audio_dir):
    col = start_collector(tmp_path, db, collectors)
    tok_a = col.addstation("Xã A")
    tok_b = col.addstation("Xã B")
    line = {"start": "2026-11-27T17:00:00.012+07:00", "end": "2026-11-27T17:00:01.000+07:00",
            "slot": None, "kind": "file", "source": "/x.mp3", "result": "completed",
            "played_s": 1.0, "station": "Xã A"}
    assert col.post_ingest(None, [line])[0] == 401
    assert col.post_ingest("0" * 64, [line])[0] == 401
    assert col.post_ingest(tok_b, [line])[0] == 403          # B posing as A
    assert col.post_ingest(tok_a, [line]) == (200, {"stored": 1, "duplicates": 0, "skipped": 0})

    # Real stations: one with a wrong token, one that calls itself A with B's token.
    tone = harness.make_tone(audio_dir / "t.mp3", 440, 0.3)
    wrong = station_conf(tmp_path, "Xã C", col.url, "f" * 64, alsa_capture.device, sub="c")
    posing = station_conf(tmp_path, "Xã A", col.url, tok_b, alsa_capture.device, sub="a-fake")
    d1 = start_daemon(wrong, env=alsa_capture.env())
    d2 = start_daemon(posing, env=alsa_capture.env())
    for conf, d in ((wrong, d1), (posing, d2)):
        wait_socket(conf, d)
        play_tone(conf, tone)
        d.wait_for_played(1)
    wait_for(lambda: "unknown station token" in col.log_text() and
             "sent a line as 'Xã A'" in col.log_text(), 15, "both refusals logged")
    s = col.session("huyen", PASSWORD)
    st = stations_by_name(s)
    assert set(st) == {"Xã A", "Xã B"}
    assert st["Xã B"]["last_seen"] is None                      # B's heartbeats as "A" refused
    assert st["Xã A"]["last_seen"] is None
    day = s.request("/station.csv?name=X%C3%A3%20A&date=2026-11-27")[2].decode()
    assert len(day.strip().splitlines()) == 2                   # header + the one good line
    today = time.strftime("%Y-%m-%d")
    assert len(s.request("/station.csv?name=X%C3%A3%20A&date=" + today)[2].decode()
               .strip().splitlines()) == 1                      # nothing from the impostor


def test_lines_resent_after_an_outage_are_stored_once_and_a_killed_station_goes_offline(
        tmp_path, db, collectors, alsa_capture, start_daemon, audio_dir):
    col = start_collector(tmp_path, db, collectors, offline_after=4)
    token = col.addstation("Xã Tân Thạnh")
    conf = station_conf(tmp_path, "Xã Tân Thạnh", col.url, token, alsa_capture.device)
    tone = harness.make_tone(audio_dir / "t.mp3", 440, 0.3)
    d = start_daemon(conf, env=alsa_capture.env())
    wait_socket(conf, d)
    s = col.session("huyen", PASSWORD)
    wait_for(lambda: stations_by_name(s)["Xã Tân Thạnh"]["online"], 15, "station online")
    today = time.strftime("%Y-%m-%d")
    csv_path = "/station.csv?name=X%C3%A3%20T%C3%A2n%20Th%E1%BA%A1nh&date=" + today

    def rows():
        return s.request(csv_path)[2].decode().strip().splitlines()[1:]
    for i in range(2):
        play_tone(conf, tone)
        d.wait_for_played(i + 1)
    wait_for(lambda: len(rows()) == 2, 15, "2 lines stored")

    # Outage: the collector dies; the station keeps its lines and sends them later.
    col.kill9()
    for i in range(2, 4):
        play_tone(conf, tone)
        d.wait_for_played(i + 1)
    col.start()
    wait_for(lambda: len(rows()) == 4, 30, "4 lines stored after the outage")

    # The acknowledgement lost: the station forgets its cursor and sends everything again.
    d.stop()
    (Path(conf).parent / "state" / "report.cursor").unlink()
    d = start_daemon(conf, env=alsa_capture.env())
    wait_socket(conf, d)
    wait_for(lambda: stations_by_name(s)["Xã Tân Thạnh"]["online"], 15, "back online")
    time.sleep(3)   # several report intervals: the resend has come and gone
    got = rows()
    played = [json.loads(l) for l in (Path(conf).parent / "played.jsonl").read_text().splitlines()]
    assert len(played) == 4
    assert sorted(r.split(",")[0] for r in got) == sorted(p["start"] for p in played)

    # Killed: no more heartbeats; after offline_after it is offline, and an alarm says so.
    d.kill9()
    wait_for(lambda: not stations_by_name(s)["Xã Tân Thạnh"]["online"], 20, "station offline")
    assert s.get_json("/api/alarms")["offline"] == ["Xã Tân Thạnh"]


@pytest.fixture(scope="module")
def nginx(tmp_path_factory):
    if not shutil.which("nginx"):
        pytest.skip("nginx is not installed")
    srv = Nginx(tmp_path_factory.mktemp("nginx")).start()
    yield srv
    srv.stop()


def test_a_bulletin_for_one_area_is_aired_by_that_areas_stations_and_not_the_others(
        tmp_path, db, collectors, alsa_capture, start_daemon, audio_dir, nginx):
    col = start_collector(tmp_path, db, collectors)
    feed = Feed(nginx.root / "collector", nginx.url("collector/index.atom"), tmp_path / "keys")
    names = {"Xã Một": "87", "Xã Hai": "87", "Xã Ba": "99"}
    daemons = {}
    for i, (name, area) in enumerate(names.items()):
        tok = col.addstation(name)
        conf = station_conf(tmp_path, name, col.url, tok, alsa_capture.device, areas=(area,),
                            feeds=[feed.station_feed(poll=1)], sub="st%d" % i)
        daemons[name] = (conf, start_daemon(conf, env=alsa_capture.env()))
    s = col.session("huyen", PASSWORD)
    wait_for(lambda: all(v["online"] for v in stations_by_name(s).values()), 20, "3 online")
    ident = feed.publish(harness.make_tone(audio_dir / "bul.mp3", 1320, 0.5), "emergency",
                         area="87", plays=1)
    for name in ("Xã Một", "Xã Hai"):
        daemons[name][1].wait_for_played(1, timeout=30,
                                         pred=lambda l: l.get("bulletin") == ident)

    def aired():
        status, _, body = s.request("/api/bulletins/" + ident)
        return json.loads(body) if status == 200 and len(json.loads(body)["aired"]) == 2 else None
    b = wait_for(aired, 20, "both area-87 stations' airings stored")
    assert b["priority"] == "emergency"
    assert sorted(b["aired"]) == ["Xã Hai", "Xã Một"]
    assert b["never_mentioned"] == ["Xã Ba"]
    per = {x["name"]: x for x in b["stations"]}
    assert per["Xã Một"]["aired"] == 1 and per["Xã Ba"]["mentioned"] is False
    b = json.loads(s.request("/api/bulletins/%s?limit=1&page=1" % ident)[2])
    assert [x["name"] for x in b["stations"]] == ["Xã Ba"] and b["aired"] == []
    assert (b["total"], b["aired_total"], b["never_mentioned_total"]) == (3, 2, 1)
    # The bulletins page lists it with the counts.
    status, _, page = s.request("/bulletins")
    assert status == 200 and ident in page.decode()
    listed = [x for x in s.get_json("/api/bulletins") if x["id"] == ident][0]
    assert listed["stations_aired"] == 2 and listed["never_mentioned"] == 1
    assert "Xã Ba" not in [l for l in daemons["Xã Ba"][1].played_lines()
                           if l.get("bulletin") == ident]


def test_two_collectors_share_one_database_and_its_sessions(tmp_path, db, collectors):
    users = tmp_path / "users"
    one = Collector(tmp_path, db, name="one", users=users)
    two = Collector(tmp_path, db, name="two", users=users)
    one.adduser("huyen", PASSWORD)
    # Started together on an empty database: one migrates, the other waits.
    t = threading.Thread(target=one.start)
    t.start()
    two.start()
    t.join()
    collectors += [one, two]
    tok = one.addstation("Xã A")
    lines = [{"start": "2026-11-27T17:00:%02d.000+07:00" % i, "kind": "file", "source": "/x",
              "result": "completed", "station": "Xã A"} for i in range(10)]
    assert one.post_ingest(tok, lines[:6])[1]["stored"] == 6
    assert two.post_ingest(tok, lines)[1] == {"stored": 4, "duplicates": 6, "skipped": 0}
    # Signed in on one, the same cookie works on the other.
    s = one.session("huyen", PASSWORD)
    s.url = two.url
    assert [x["name"] for x in s.get_json("/api/stations")["stations"]] == ["Xã A"]
    status, _, _ = s.request("/api/stations", form={"x": "1"})
    assert status in (403, 405)


def test_a_province_of_stations_is_shown_a_page_at_a_time(tmp_path, pg, db, collectors):
    col = start_collector(tmp_path, db, collectors)
    col.addstation("Xã 0000")
    pg_db = db.split("///")[1].split("?")[0]
    pg.psql(pg_db, "INSERT INTO stations (name, token_hash) SELECT 'Xã ' || lpad(n::text, 4, '0'),"
                   " sha256(n::text::bytea) FROM generate_series(1, 299) n")
    s = col.session("huyen", PASSWORD)
    body = s.request("/")[2].decode()
    assert body.count("<tr data-name=") == 250
    assert '<span class="count" id="count">0 / 300</span>' in body
    assert 'rel="next" href="/?page=2"' in body
    body = s.request("/?page=2")[2].decode()
    assert body.count("<tr data-name=") == 50 and 'rel="next"' not in body
    assert 'data-name="Xã 0299"' in body
    # The API pages the same way, with totals, and keeps the filter.
    d = s.get_json("/api/stations")
    assert (len(d["stations"]), d["total"], d["online"], d["registered"]) == (250, 300, 0, 300)
    assert d["stations"][0]["name"] == "Xã 0000" and d["stations"][0]["online"] is False
    d = s.get_json("/api/stations?filter=offline&page=3&limit=120")
    assert [x["name"] for x in d["stations"]] == ["Xã %04d" % n for n in range(240, 300)]
    assert (d["page"], d["limit"], d["total"], d["filter"]) == (3, 120, 300, "offline")
    assert s.get_json("/api/stations?filter=muted")["total"] == 0
    for bad in ("limit=0", "limit=1001", "page=x", "filter=nope"):
        assert s.request("/api/stations?" + bad)[0] == 400, bad
    body = s.request("/?filter=offline&page=2")[2].decode()
    assert body.count("<tr data-name=") == 50 and 'href="/?filter=offline&amp;page=1"' in body


def test_alarms_name_a_station_that_did_not_air_an_emergency_within_five_minutes(
        tmp_path, pg, db, collectors):
    col = start_collector(tmp_path, db, collectors)
    tokens = {n: col.addstation(n) for n in ("Xã Nhanh", "Xã Chậm", "Xã Im")}
    pg_db = db.split("///")[1].split("?")[0]
    pg.psql(pg_db, "UPDATE stations SET created_at = now() - interval '1 day'")

    def line(station, minutes_ago, bulletin="KHAN-1", result="completed"):
        t = time.strftime("%Y-%m-%dT%H:%M:%S.000%z", time.localtime(time.time() - 60 * minutes_ago))
        return {"start": t[:-2] + ":" + t[-2:], "kind": "bulletin", "source": "/b.mp3",
                "result": result, "bulletin": bulletin, "priority": "emergency",
                "station": station}
    assert col.post_ingest(tokens["Xã Nhanh"], [line("Xã Nhanh", 20)])[0] == 200
    assert col.post_ingest(tokens["Xã Chậm"], [line("Xã Chậm", 10)])[0] == 200   # 10 min late
    s = col.session("huyen", PASSWORD)
    late = s.get_json("/api/alarms")["emergencies_late"]
    assert [(a["bulletin"], a["stations"]) for a in late] == [("KHAN-1", ["Xã Chậm", "Xã Im"])]
    body = s.request("/")[2].decode()
    assert "Chưa phát bản tin khẩn cấp sau 5 phút" in body and "KHAN-1" in body
    # An emergency aired a minute ago is not late yet.
    assert col.post_ingest(tokens["Xã Nhanh"], [line("Xã Nhanh", 1, "KHAN-2")])[0] == 200
    assert [a["bulletin"] for a in s.get_json("/api/alarms")["emergencies_late"]] == ["KHAN-1"]
