#!/usr/bin/python3
"""Publish-to-air latency of an emergency bulletin: from `loaxa-publish` returning
to the first sample at the PulseAudio null sink, nothing else on air.

    LOAXA_BUILD=build /usr/bin/python3 bench/bulletin_latency.py [--runs 20] [--polls 2,15]
    LOAXA_BUILD=build /usr/bin/python3 bench/bulletin_latency.py --push [--polls 15]

For each poll interval: one loaxad (device "pulse", one feed served by nginx on
127.0.0.1), then `runs` times: wait a random part of the poll interval (so the
publish falls anywhere in the poll cycle), publish an emergency (1 s, 1320 Hz,
plays 1), find in pa_capture's recording when the break's chime and the
bulletin's own audio reached the sink. Writes the table into bench/RESULTS.md
("## Bulletins" / "### Publish to air"). Not part of make check.

--push: nginx also runs nchan; the station's feed names its push channel and
each publish is `loaxa-publish publish --notify` (section "### Publish to air
with push").
"""

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "system"))

import harness  # noqa: E402
from bulletin_feed import Feed, Nginx, update_results  # noqa: E402

BUL_HZ = 1320


def onsets(cap, since):
    """(first sample of anything, first sample of the bulletin tone) after `since`."""
    samples, first = cap.between(since, time.time())
    segs = harness.tone_segments(samples, cap.rate)
    if not segs:
        return None, None
    any_on = cap.time_of(first + segs[0].start_s * cap.rate)
    bul = [s for s in segs if abs(s.freq_hz - BUL_HZ) < 30 and s.duration_s > 0.5]
    bul_on = cap.time_of(first + bul[0].start_s * cap.rate) if bul else None
    return any_on, bul_on


def measure(poll, runs, work, pulse, cap, nginx, tone, push=False):
    name = "poll%d%s" % (poll, "push" if push else "")
    feed = Feed(nginx.root / name, nginx.url("%s/index.atom" % name), work / "keys")
    feed.publish(tone, "normal", area="99")  # an index to poll, nothing to air
    notify = ("--notify", nginx.url("pub/%s" % name)) if push else ()
    conf = harness.write_config(work / ("station-%s" % name), device="pulse",
                                feeds=[feed.station_feed(
                                    poll=poll, push=nginx.url("sub/%s" % name) if push else None)])
    d = harness.Daemon(conf, env=pulse.env()).start()
    out = []
    try:
        d.wait_for_log(r"not for this station", timeout=poll * 2 + 10)
        for i in range(runs):
            time.sleep(random.uniform(0, poll))
            ident = feed.publish(tone, "emergency", plays=1, extra=notify)
            published = time.time()
            d.wait_for_played(1, timeout=poll * 2 + 15,
                              pred=lambda l, ident=ident: l.get("bulletin") == ident)
            any_on, bul_on = onsets(cap, published - 0.5)
            out.append((any_on - published, bul_on - published))
            print("poll %2d s run %2d: break on air after %.3f s, bulletin audio after %.3f s"
                  % (poll, i + 1, out[-1][0], out[-1][1]), flush=True)
            time.sleep(0.5)
    finally:
        d.cleanup()
    return out


def row(poll, res, push=False):
    a = [r[0] for r in res]
    b = [r[1] for r in res]
    return "| %d s%s | %d | %.2f | %.2f | %.2f | %.2f |" % (
        poll, " + push" if push else "", len(res), statistics.median(a), max(a),
        statistics.median(b), max(b))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--polls", default="2,15")
    ap.add_argument("--no-write", action="store_true")
    ap.add_argument("--push", action="store_true",
                    help="subscribe to nchan and publish with --notify")
    args = ap.parse_args()
    polls = [int(p) for p in args.polls.split(",")]
    work = Path(tempfile.mkdtemp(prefix="loaxa-latency-"))
    pulse = harness.PulseServer(work / "pulse").start()
    cap = harness.PaCapture(pulse, work / "pa").start()
    nginx = Nginx(work / "nginx", nchan=args.push).start()
    tone = harness.make_tone(work / "bulletin.mp3", BUL_HZ, 1)
    rows = []
    try:
        for poll in polls:
            rows.append(row(poll, measure(poll, args.runs, work, pulse, cap, nginx, tone,
                                          args.push), args.push))
            print(rows[-1], flush=True)
    finally:
        cap.stop()
        nginx.stop()
        pulse.stop()
    if args.push:
        body = (
            "Measured by `LOAXA_BUILD=build /usr/bin/python3 bench/bulletin_latency.py --push "
            "--runs %d --polls %s` on %s (%s, %d CPU): nginx with nchan on 127.0.0.1, one "
            "station subscribed to the feed's push channel, device \"pulse\" (private "
            "PulseAudio null sink, times of samples from pa_capture), an emergency (1 s, "
            "plays 1) published with `--notify` at a random point of the poll cycle. Seconds "
            "from `loaxa-publish` returning (after its POST to nchan) to the first sample at "
            "the sink: of the break (its chime) and of the bulletin's own audio.\n\n"
            "| poll | runs | break median | break worst | bulletin audio median | "
            "bulletin audio worst |\n| --- | ---: | ---: | ---: | ---: | ---: |\n%s\n\n"
            "Goal: worst under 1 s for the break. Without push the same publish waits for "
            "the next poll (table above)."
            % (args.runs, args.polls, dt.date.today().isoformat(), os.uname().machine,
               os.cpu_count(), "\n".join(rows)))
        print(body)
        if not args.no_write:
            update_results(REPO / "bench" / "RESULTS.md", "Publish to air with push", body)
        return
    body = (
        "Measured by `LOAXA_BUILD=build /usr/bin/python3 bench/bulletin_latency.py --runs %d "
        "--polls %s` on %s (%s, %d CPU): nginx on 127.0.0.1, one station, device \"pulse\" "
        "(private PulseAudio null sink, times of samples from pa_capture), an emergency "
        "(1 s, plays 1) published at a random point of the poll cycle, nothing else on air. "
        "Seconds from `loaxa-publish` returning to the first sample at the sink: of the "
        "break (its chime) and of the bulletin's own audio (after the chime).\n\n"
        "| poll | runs | break median | break worst | bulletin audio median | "
        "bulletin audio worst |\n| --- | ---: | ---: | ---: | ---: | ---: |\n%s\n\n"
        "Expected: uniform over one poll interval (+-15 %% jitter) plus a few ms of "
        "fetching and verifying; the bulletin's audio follows the chime by its length."
        % (args.runs, args.polls, dt.date.today().isoformat(), os.uname().machine,
           os.cpu_count(), "\n".join(rows)))
    print(body)
    if not args.no_write:
        update_results(REPO / "bench" / "RESULTS.md", "Publish to air", body)


if __name__ == "__main__":
    main()
