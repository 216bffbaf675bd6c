#!/usr/bin/python3
"""Push fan-out: one nginx + nchan on 127.0.0.1, N simulated subscribers (a small
asyncio EventSource client, not N daemons) and one real station, all on the
same push channel.

    LOAXA_BUILD=build /usr/bin/python3 bench/push_fanout.py [--subscribers 2000] [--publishes 5]

For each publish: the bulletin's files are written first (loaxa-publish without
--notify), then the benchmark POSTs the wake-up to nchan's publisher endpoint
itself and takes that moment as t0. It records when every simulated subscriber
received the message's data line, and when the real station's break (chime)
reached the PulseAudio null sink. Writes "### Push fan-out" under "## Bulletins"
in bench/RESULTS.md. Not part of make check.
"""

import argparse
import asyncio
import datetime as dt
import os
import statistics
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "system"))

import harness  # noqa: E402
from bulletin_feed import Feed, Nginx, update_results  # noqa: E402

BUL_HZ = 1320


class Subscribers:
    """N EventSource connections in one asyncio loop on its own thread; each
    notes the wall-clock time of every `data:` line it reads."""

    def __init__(self, port, path, n):
        self.port, self.path, self.n = port, path, n
        self.seen = [[] for _ in range(n)]
        self.connected = 0
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)

    async def one(self, i):
        for attempt in range(50):
            try:
                r, w = await asyncio.open_connection("127.0.0.1", self.port)
                break
            except OSError:
                await asyncio.sleep(0.1 * (attempt + 1))
        else:
            return
        w.write(("GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n"
                 % self.path).encode())
        await w.drain()
        while True:
            line = await r.readline()
            if not line:
                return
            if line.startswith(b": hi"):
                self.connected += 1
            elif line.startswith(b"data:"):
                self.seen[i].append(time.time())

    def start(self, timeout=120):
        self.thread.start()
        for i in range(self.n):
            asyncio.run_coroutine_threadsafe(self.one(i), self.loop)
        deadline = time.monotonic() + timeout
        while self.connected < self.n:
            if time.monotonic() > deadline:
                raise RuntimeError("only %d of %d subscribers connected" % (self.connected, self.n))
            time.sleep(0.1)
        return self

    def stop(self):
        self.loop.call_soon_threadsafe(self.loop.stop)


def post(url, body=b"index.atom"):
    req = urllib.request.Request(url, data=body, method="POST",
                                 headers={"Content-Type": "text/plain"})
    with urllib.request.urlopen(req, timeout=10) as r:
        return r.status


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100.0 * (len(xs) - 1))))]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--subscribers", type=int, default=2000)
    ap.add_argument("--publishes", type=int, default=5)
    ap.add_argument("--no-write", action="store_true")
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="loaxa-fanout-"))
    pulse = harness.PulseServer(work / "pulse").start()
    cap = harness.PaCapture(pulse, work / "pa").start()
    nginx = Nginx(work / "nginx", nchan=True, access_log=False).start()
    tone = harness.make_tone(work / "bulletin.mp3", BUL_HZ, 1)
    feed = Feed(nginx.root / "prov", nginx.url("prov/index.atom"), work / "keys")
    feed.publish(tone, "normal", area="99")
    conf = harness.write_config(work / "station", device="pulse", feeds=[
        feed.station_feed(poll=15, push=nginx.url("sub/prov"))])
    d = harness.Daemon(conf, env=pulse.env()).start()
    subs = None
    last, station = [], []
    try:
        d.wait_for_log(r"push channel \S+ connected", timeout=20)
        d.wait_for_log(r"not for this station", timeout=30)
        t = time.monotonic()
        subs = Subscribers(nginx.port, "/sub/prov", args.subscribers).start()
        connect_s = time.monotonic() - t
        print("%d subscribers connected in %.1f s" % (args.subscribers, connect_s), flush=True)
        for k in range(args.publishes):
            ident = feed.publish(tone, "emergency", plays=1)  # files in place, no notify
            time.sleep(1.0)
            t0 = time.time()
            post(nginx.url("pub/prov"))
            d.wait_for_played(1, timeout=30, pred=lambda l, i=ident: l.get("bulletin") == i)
            time.sleep(1.0)
            wakes = [s[k] - t0 for s in subs.seen if len(s) > k]
            samples, first = cap.between(t0 - 0.5, time.time())
            segs = harness.tone_segments(samples, cap.rate)
            on = cap.time_of(first + segs[0].start_s * cap.rate) - t0 if segs else float("nan")
            if not wakes:  # every subscriber's connection was gone: say so, measure on
                print("publish %d: no subscriber woke" % (k + 1), flush=True)
                wakes = [float("nan")]
            last.append((len([w for w in wakes if w == w]), statistics.median(wakes),
                         pct(wakes, 99), max(wakes)))
            station.append(on)
            print("publish %d: %d woken, median %.3f s, p99 %.3f s, last %.3f s; station's "
                  "break on air after %.3f s" % ((k + 1,) + last[-1] + (on,)), flush=True)
        lost = subs.n - sum(1 for s in subs.seen if len(s) >= args.publishes)
    finally:
        if subs:
            subs.stop()
        d.cleanup()
        cap.stop()
        nginx.stop()
        pulse.stop()
    rows = "\n".join("| %d | %d | %.3f | %.3f | %.3f | %.2f |" % ((i + 1,) + l + (s,))
                     for i, (l, s) in enumerate(zip(last, station)))
    body = (
        "Measured by `LOAXA_BUILD=build /usr/bin/python3 bench/push_fanout.py --subscribers %d "
        "--publishes %d` on %s (%s, %d CPU): one nginx (1 worker) with nchan on 127.0.0.1; "
        "%d simulated EventSource subscribers (asyncio, one process, on the same machine) "
        "connected in %.1f s, plus one real station (poll 15 s, device \"pulse\"). Each "
        "bulletin's files are written first; t0 is the benchmark's POST to nchan's publisher "
        "endpoint. Seconds from t0 to each subscriber reading the message, and to the "
        "station's first sample (the break's chime) at the null sink.\n\n"
        "| publish | woken | median | p99 | last | station on air |\n"
        "| ---: | ---: | ---: | ---: | ---: | ---: |\n%s\n\n"
        "%d subscriber(s) missed at least one message. Goal: p99 under 1 s. The client shares the 2 CPUs with nginx and the station, so the "
        "times include its own reading of %d sockets in Python.\n"
        % (args.subscribers, args.publishes, dt.date.today().isoformat(), os.uname().machine,
           os.cpu_count(), args.subscribers, connect_s, rows, lost, args.subscribers))
    print(body)
    if not args.no_write:
        update_results(REPO / "bench" / "RESULTS.md", "Push fan-out", body)


if __name__ == "__main__":
    main()
