#!/usr/bin/python3
"""Text-only bulletins: synthesis time and arrival to the first spoken sample.

    LOAXA_BUILD=build /usr/bin/python3 bench/speech_latency.py [--runs 10]

1. A 60-word Vietnamese bulletin synthesised `runs` times by loaxad's speech
   module (bench/speech_bench: libespeak-ng in-process, samples to memory),
   and by the `espeak-ng` command line on the same text (`-v vi -w FILE`,
   which also starts the program, loads the voice and writes the WAV).
2. Arrival to air: one loaxad (device "pulse", a PulseAudio null sink, feed on
   nginx 127.0.0.1, poll 1 s); `runs` times a text-only emergency published with
   `loaxa-publish --text`. From loaxad's log line "no audio, speaking its text"
   (the verified message is in hand) to the first sample of the chime and to
   the first spoken sample (the first sound after the chime) at the sink.

Writes "### Text-only bulletins (speech)" under "## Bulletins" in
bench/RESULTS.md. Not part of make check.
"""

import argparse
import datetime as dt
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "system"))

import harness  # noqa: E402
from bulletin_feed import Feed, Nginx, run_publish, update_results  # noqa: E402

# 60 words.
TEXT = ("Cảnh báo lũ khẩn cấp. Nước sông Tiền đang lên rất nhanh và sẽ vượt mức báo động ba "
        "đêm nay. Người dân các ấp ven sông và vùng trũng hãy di chuyển người già, trẻ "
        "em và tài sản lên chỗ cao ngay bây giờ. Không đi qua các đoạn đường ngập sâu. Hãy "
        "theo dõi loa xã ngay.")
assert len(TEXT.split()) == 60
CHIME = (659, 523)


def synth_times(build, runs, work):
    subprocess.run(["make", "-s", "-C", str(REPO / "bench"), "BUILD=%s" % build,
                    "%s/%s/bench/speech_bench" % ("..", build)], check=True,
                   stdout=subprocess.DEVNULL)
    out = subprocess.run([str(REPO / build / "bench" / "speech_bench"), "vi", str(runs)],
                         input=TEXT, capture_output=True, text=True, check=True).stdout
    ours = [float(l.split()[0]) for l in out.splitlines()]
    speech_s = float(out.splitlines()[0].split()[2])
    cli = []
    for _ in range(runs):
        t0 = time.monotonic()
        subprocess.run(["espeak-ng", "-v", "vi", "-w", str(work / "cli.wav"), TEXT], check=True)
        cli.append((time.monotonic() - t0) * 1000)
    return ours, cli, speech_s


def first_sound_after(samples, rate, t0_s, floor_db=-40.0):
    """Start (s) of the first 10 ms window at or after t0_s louder than floor_db."""
    x = harness.to_mono(samples)
    n = int(rate * 0.01)
    for i in range(int(t0_s * rate), len(x) - n, n):
        w = x[i:i + n]
        if 20 * np.log10(max(np.sqrt(np.mean(w * w)), 1e-9)) > floor_db:
            return i / rate
    return None


def air_times(runs, work, build):
    pulse = harness.PulseServer(work / "pulse").start()
    cap = harness.PaCapture(pulse, work / "pa").start()
    nginx = Nginx(work / "nginx").start()
    feed = Feed(nginx.root / "f", nginx.url("f/index.atom"), work / "keys")
    feed.publish(harness.make_tone(work / "t.mp3", 1320, 1), "normal", area="99")
    conf = harness.write_config(work / "station", device="pulse", areas=["87"],
                                feeds=[feed.station_feed(poll=1)])
    d = harness.Daemon(conf, env=pulse.env()).start()
    out = []
    try:
        d.wait_for_log(r"not for this station", timeout=15)
        for i in range(runs):
            ident = run_publish("publish", "--feed", feed.dir, "--key", "%s.key" % feed.key,
                                "--area", "87", "--priority", "emergency", "--plays", "1",
                                "--title", "Cảnh báo lũ %d" % i, "--text", TEXT)
            arrived = log_epoch(d, r"bulletin %s: no audio, speaking" % ident)
            d.wait_for_played(1, timeout=60, pred=lambda l, i=ident: l.get("bulletin") == i)
            samples, first = cap.between(arrived - 0.5, time.time())
            segs = harness.tone_segments(samples, cap.rate)
            # The chime: its first bell, then its second; speech comes after
            # (whose own pitch may pass through the bells' too).
            b1 = [s for s in segs if abs(s.freq_hz - CHIME[0]) < 15 and s.duration_s > 0.3][0]
            b2 = [s for s in segs if abs(s.freq_hz - CHIME[1]) < 15 and s.duration_s > 0.5
                  and s.start_s >= b1.start_s][0]
            chime_on = cap.time_of(first + b1.start_s * cap.rate)
            speech_at = first_sound_after(samples, cap.rate, b2.end_s + 0.02)
            speech_on = cap.time_of(first + speech_at * cap.rate)
            out.append((chime_on - arrived, speech_on - arrived))
            print("run %d: chime after %.3f s, first spoken sample after %.3f s"
                  % (i + 1, out[-1][0], out[-1][1]), flush=True)
            time.sleep(1)
    finally:
        d.cleanup()
        cap.stop()
        nginx.stop()
        pulse.stop()
    return out


def log_epoch(d, regex):
    m = d.wait_for_log(r"^(\d\d):(\d\d):(\d\d)\.(\d{3}) .*" + regex, 20)
    h, mi, s, ms = (int(x) for x in m.groups()[:4])
    now = dt.datetime.now().astimezone()
    return now.replace(hour=h, minute=mi, second=s, microsecond=ms * 1000).timestamp()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--no-write", action="store_true")
    args = ap.parse_args()
    build = os.environ.get("LOAXA_BUILD", "build")
    work = Path(tempfile.mkdtemp(prefix="loaxa-speech-"))
    ours, cli, speech_s = synth_times(build, args.runs, work)
    air = air_times(args.runs, work, build)
    med = statistics.median
    body = (
        "Measured by `LOAXA_BUILD=%s /usr/bin/python3 bench/speech_latency.py --runs %d` on %s "
        "(%s, %d CPU). The text: a 60-word Vietnamese bulletin (%.1f s of speech).\n\n"
        "| synthesis of the 60 words | runs | median | worst |\n| --- | ---: | ---: | ---: |\n"
        "| loaxad's speech module (libespeak-ng in-process, bench/speech_bench) | %d | %.0f ms | %.0f ms |\n"
        "| `espeak-ng -v vi -w FILE TEXT` (start, voice, synthesis, WAV) | %d | %.0f ms | %.0f ms |\n\n"
        "Arrival to air: a text-only emergency (`loaxa-publish --text`, the same words) at one "
        "station, device \"pulse\" (private null sink, sample times from pa_capture), nothing else "
        "on air. Seconds from loaxad's log line \"no audio, speaking its text\" (the verified "
        "message in hand, before synthesis) to the sink:\n\n"
        "| runs | chime median | chime worst | first spoken sample median | first spoken sample worst |\n"
        "| ---: | ---: | ---: | ---: | ---: |\n| %d | %.2f | %.2f | %.2f | %.2f |\n\n"
        "The spoken text follows the chime (about 2 s); synthesis happens before the break "
        "starts, so it delays the chime by the synthesis time. The two synthesis times "
        "differ by the command line's start-up and WAV writing: both run the same libespeak-ng."
        % (build, args.runs, dt.date.today().isoformat(), os.uname().machine, os.cpu_count(),
           speech_s, len(ours), med(ours), max(ours), len(cli), med(cli), max(cli),
           len(air), med([a[0] for a in air]), max(a[0] for a in air),
           med([a[1] for a in air]), max(a[1] for a in air)))
    print(body)
    if not args.no_write:
        update_results(REPO / "bench" / "RESULTS.md", "Text-only bulletins (speech)", body)


if __name__ == "__main__":
    main()
