#!/usr/bin/env python3
"""loaxa-collector under a district's load (issue 14), on this machine:

 1. ingest: 10,000 simulated stations (ingest.lua, driven by wrk) posting heartbeats and
    slot-start batches of as-played lines to /ingest with their tokens, as many at once
    as `--connections`; sustained requests/s and latency percentiles. Compared in the
    same run with a peer: nginx answering the same requests with a static 200 (the
    ceiling of the HTTP side on this machine, no database).
 2. pages: the stations page, /api/stations and a bulletin's page with 30 days of
    10,000 stations' as-played lines (~15 M rows, made in SQL) in the database: p99.

PostgreSQL runs with its defaults (fsync on, synchronous_commit on): every answer to a
station comes after a durable commit. Not part of `make check`.

Usage: python3 bench/collector/run.py [--rows 15000000] [--seconds 30] [--connections 64]
       [--update-results bench/RESULTS.md]
"""

import argparse
import hashlib
import os
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
sys.path.insert(0, str(REPO / "tests" / "system"))

from harness.collector import Collector  # noqa: E402
from harness.postgres import Postgres  # noqa: E402

STATIONS = 10000


def wrk(url, seconds, connections, script=None, headers=(), env=None):
    args = ["wrk", "-t2", "-c%d" % connections, "-d%ds" % seconds, "--latency", "--timeout", "30s"]
    for h in headers:
        args += ["-H", h]
    if script:
        args += ["-s", str(script)]
    out = subprocess.run(args + [url], capture_output=True, text=True, env=env, timeout=seconds + 120)
    text = out.stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
    lat = {}
    for p in ("50", "90", "99"):
        m = re.search(r"^\s+%s%%\s+([\d.]+)(us|ms|s)" % p, text, re.M)
        v = float(m.group(1))
        lat[p] = v / 1000 if m.group(2) == "us" else v * 1000 if m.group(2) == "s" else v
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    errors = re.search(r"Socket errors: (.*)", text)
    return {"rps": rps, "lat": lat, "non2xx": int(non2xx.group(1)) if non2xx else 0,
            "errors": errors.group(1) if errors else "", "raw": text + out.stderr[-2000:]}


def register(pg, db, work):
    """10,000 stations straight into the table (addstation's SHA-256 of each token)."""
    lines, rows = [], []
    for i in range(STATIONS):
        name, tok = "Trạm %05d" % i, secrets.token_hex(32)
        lines.append("%s\t%s\n" % (name, tok))
        rows.append("%s\t\\\\x%s\n" % (name, hashlib.sha256(tok.encode()).hexdigest()))
    (work / "stations.tsv").write_text("".join(lines))
    (work / "rows.tsv").write_text("".join(rows))
    subprocess.run(["psql", "-X", "-q", "-d", pg.uri(db), "-c",
                    "\\copy stations (name, token_hash) FROM '%s'" % (work / "rows.tsv")],
                   check=True)
    return work / "stations.tsv"


FILL_SQL = """
-- 30 days x 10,000 stations x ROWS_PER_DAY lines, and 4 bulletins a day aired by most
SELECT pg_advisory_lock(1);
DO $$
DECLARE d date;
BEGIN
  FOR k IN 0..30 LOOP
    d := (now() - make_interval(days => k))::date;
    EXECUTE format('CREATE TABLE IF NOT EXISTS played_%s PARTITION OF played FOR VALUES FROM (%L) TO (%L)',
      to_char(d, 'YYYYMM'), date_trunc('month', d)::timestamptz,
      (date_trunc('month', d) + interval '1 month')::timestamptz);
  END LOOP;
END $$;
INSERT INTO played (station_id, start_at, end_at, line_key, start_text, end_text, slot, kind,
                    source, result, bulletin, priority, played_s)
SELECT s.id, t, t + interval '3 min', int8send(n::bigint),
       t::text, (t + interval '3 min')::text,
       'morning', CASE WHEN n % 25 = 0 THEN 'bulletin' ELSE 'playlist' END,
       '/srv/music/' || (n % 300) || '.mp3',
       CASE WHEN n % 97 = 0 THEN 'skipped' ELSE 'completed' END,
       CASE WHEN n % 25 = 0 THEN 'B-' || ((n / 25) % 120) END,
       CASE WHEN n % 25 = 0 THEN 'normal' END, 180
FROM stations s, generate_series(0, ROWS - 1) AS n,
     LATERAL (SELECT now() - make_interval(secs => (n * 2592000.0 / ROWS))) AS x(t)
WHERE s.name LIKE 'Trạm %';
INSERT INTO bulletin_stations (bulletin, station_id, first_at, last_at, aired, skipped, failed)
SELECT bulletin, station_id, min(start_at), max(start_at),
       count(*) FILTER (WHERE result = 'completed'), count(*) FILTER (WHERE result = 'skipped'), 0
FROM played WHERE bulletin IS NOT NULL GROUP BY bulletin, station_id
ON CONFLICT DO NOTHING;
INSERT INTO bulletins (id, priority, first_at, last_at, airings, stations_aired, stations_mentioned, stations_problem)
SELECT bulletin, 'normal', min(first_at), max(last_at), sum(aired), count(*) FILTER (WHERE aired > 0), count(*),
       count(*) FILTER (WHERE skipped + failed > 0)
FROM bulletin_stations GROUP BY bulletin ON CONFLICT DO NOTHING;
UPDATE stations SET last_seen = now(), heartbeat = '{"type":"heartbeat","version":"0.1.0","volume":90,"muted":false,"sound_card":{"ok":true},"last_fetch":[{"outcome":"not modified"}],"disk":{"free_bytes":3000000000},"on_air":{"slot":"morning","kind":"playlist","source":"/srv/music/1.mp3"}}'
 WHERE id % 50 <> 0;
ANALYZE;
"""


def peer_nginx(work, seconds, connections):
    """nginx answering POST /ingest with 200 and nothing else: the HTTP ceiling here."""
    if not shutil.which("nginx"):
        return None
    port = 18999
    conf = work / "nginx.conf"
    conf.write_text("""worker_processes 1; pid %s/nginx.pid; error_log %s/nginx.err;
daemon on; events { worker_connections 1024; }
http { access_log off; client_body_temp_path %s;
  server { listen 127.0.0.1:%d; location / { return 200 '{"stored":1}'; } } }
""" % (work, work, work, port))
    subprocess.run(["nginx", "-c", str(conf), "-p", str(work)], check=True)
    try:
        return wrk("http://127.0.0.1:%d/ingest" % port, seconds, connections, HERE / "ingest.lua",
                   env=dict(os.environ, STATIONS=str(work / "stations.tsv")))
    finally:
        subprocess.run(["nginx", "-c", str(conf), "-p", str(work), "-s", "stop"])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=15_000_000)
    ap.add_argument("--seconds", type=int, default=30)
    ap.add_argument("--connections", type=int, default=64)
    ap.add_argument("--threads", type=int, default=8)
    ap.add_argument("--update-results")
    ap.add_argument("--keep", action="store_true",
                    help="after the pages, keep PostgreSQL and the collector running until Enter")
    a = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="loaxa-collector-bench-"))
    os.chmod(work, 0o755)
    pg = Postgres(work, durable=True,
                  extra_opts="-c shared_buffers=512MB -c max_wal_size=4GB -c work_mem=32MB ")
    pg.start()
    col = None
    try:
        pg.createdb("bench")
        col = Collector(work, pg.uri("bench"), name="col")
        col.conf.write_text(col.conf.read_text().replace("threads = 4", "threads = %d" % a.threads))
        col.adduser("huyen", "mat-khau-bench")
        col.start()
        stations = register(pg, "bench", work)
        env = dict(os.environ, STATIONS=str(stations))

        print("ingest: %d s, %d connections, 10,000 stations ..." % (a.seconds, a.connections))
        ing = wrk(col.url + "/ingest", a.seconds, a.connections, HERE / "ingest.lua", env=env)
        stored = pg.psql("bench", "SELECT count(*) FROM played").strip()
        print("  %.0f req/s, p50 %.1f ms, p90 %.1f ms, p99 %.1f ms, non-2xx %d, %s lines stored"
              % (ing["rps"], ing["lat"]["50"], ing["lat"]["90"], ing["lat"]["99"], ing["non2xx"], stored))
        col.stop()
        peer = peer_nginx(work, min(a.seconds, 10), a.connections)
        if peer:
            print("  peer nginx static 200: %.0f req/s, p99 %.1f ms" % (peer["rps"], peer["lat"]["99"]))
        col.start()

        print("pages: filling %d rows ..." % a.rows)
        t0 = time.monotonic()
        sql = FILL_SQL.replace("ROWS", str(max(1, a.rows // STATIONS)))
        subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", pg.uri("bench")],
                       input="SET client_min_messages = warning;\n" + sql, text=True, check=True,
                       stdout=subprocess.DEVNULL)
        total = pg.psql("bench", "SELECT count(*) FROM played").strip()
        print("  %s rows in %.0f s" % (total, time.monotonic() - t0))
        s = col.session("huyen", "mat-khau-bench")
        cookie = "Cookie: " + "; ".join("%s=%s" % (c.name, c.value) for c in s.jar)
        bid = pg.psql("bench", "SELECT id FROM bulletins ORDER BY last_at DESC LIMIT 1").strip()
        day = time.strftime("%Y-%m-%d")
        pages = {}
        for label, path in (("stations page /", "/"), ("/api/stations", "/api/stations"),
                            ("bulletins page", "/bulletins"),
                            ("a bulletin's page", "/bulletins/" + bid),
                            ("/api/bulletins/ID", "/api/bulletins/" + bid),
                            ("a station's day", "/station?name=Tr%E1%BA%A1m%2000042&date=" + day)):
            r = wrk(col.url + path, 15, 2, headers=[cookie])
            pages[label] = r
            print("  %-20s %.1f req/s, p50 %.1f ms, p99 %.1f ms, non-2xx %d"
                  % (label, r["rps"], r["lat"]["50"], r["lat"]["99"], r["non2xx"]))
        if a.update_results:
            write_results(Path(a.update_results), a, ing, peer, stored, total, pages)
        if a.keep:
            print("kept: %s  database %s  (%s)" % (col.url, pg.uri("bench"), cookie))
            input()
    finally:
        if col:
            col.stop()
        pg.stop()
        shutil.rmtree(work, ignore_errors=True)


def write_results(path, a, ing, peer, stored, total, pages):
    body = ["Measured by `python3 bench/collector/run.py --update-results bench/RESULTS.md` "
            "(%s, %d cores, PostgreSQL 15 with fsync on, collector threads = %d)." %
            (time.strftime("%Y-%m-%d"), os.cpu_count(), a.threads), "",
            "| ingest (10,000 simulated stations, wrk, %d connections, %d s) | req/s | p50 ms | p99 ms |"
            % (a.connections, a.seconds), "| --- | ---: | ---: | ---: |",
            "| loaxa-collector /ingest (heartbeats + 1-3 line batches, committed) | %.0f | %.1f | %.1f |"
            % (ing["rps"], ing["lat"]["50"], ing["lat"]["99"])]
    if peer:
        body.append("| peer: nginx answering 200 with no work (HTTP ceiling here) | %.0f | %.1f | %.1f |"
                    % (peer["rps"], peer["lat"]["50"], peer["lat"]["99"]))
    body += ["", "Goal ≥ 2,000 req/s. Lines stored during the run: %s (non-2xx answers: %d)."
             % (stored, ing["non2xx"]), "",
             "| page, %s as-played rows (30 days × 10,000 stations) | req/s | p50 ms | p99 ms |" % total,
             "| --- | ---: | ---: | ---: |"]
    for label, r in pages.items():
        body.append("| %s | %.1f | %.1f | %.1f |" % (label, r["rps"], r["lat"]["50"], r["lat"]["99"]))
    body += ["", "Goal: p99 ≤ 200 ms. Pages measured with wrk, 2 connections, 15 s each."]
    text = path.read_text() if path.exists() else ""
    head = "## loaxa-collector (district console)"
    block = head + "\n\n" + "\n".join(body) + "\n"
    if head in text:
        pre, _, rest = text.partition(head)
        nxt = rest.find("\n## ")
        text = pre + block + (rest[nxt:] if nxt >= 0 else "")
    else:
        text = text.rstrip("\n") + "\n\n" + block
    path.write_text(text)


if __name__ == "__main__":
    main()
