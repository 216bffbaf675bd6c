#!/usr/bin/python3
"""CPU per hour of a live relay: the real loaxad relaying an Icecast MP3 stream
(tests/system/icy_server.py, 128 kbit/s stereo, metadata interleaved) and an HLS
window (AAC 64 kbit/s in MPEG-TS, written by ffmpeg in real time, served by
nginx) to ALSA's null device, beside mpg123 (MP3 only) and `ffmpeg -f alsa`
relaying the same streams in the same run. Each runs SECONDS of wall time; its
CPU seconds (user + system, from /proc) are scaled to one hour. Also the cost
of the loudness measurement (libebur128 through bench/loudness_bench) per hour
of audio, beside ffmpeg's ebur128 filter on the same file.

Usage: /usr/bin/python3 bench/relay_cpu.py [--seconds 60] [--build build-bench]
Prints a Markdown section on stdout (bench/run.sh puts it in RESULTS.md).
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "system"))
from icy_server import IcyServer  # noqa: E402
from bulletin_feed import Nginx  # noqa: E402

TICK = os.sysconf("SC_CLK_TCK")


def cpu_s(pid):
    """User + system CPU seconds of pid and its reaped children."""
    f = open("/proc/%d/stat" % pid).read().rsplit(")", 1)[1].split()
    return sum(int(x) for x in f[11:15]) / TICK


def run_for(cmd, seconds, env=None, settle=3.0):
    """CPU seconds per wall second of cmd between settle and settle+seconds."""
    p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL, env=env, start_new_session=True)
    try:
        time.sleep(settle)
        c0, t0 = cpu_s(p.pid), time.monotonic()
        time.sleep(seconds)
        c1, t1 = cpu_s(p.pid), time.monotonic()
    finally:
        p.terminate()
        try:
            p.wait(timeout=5)
        except subprocess.TimeoutExpired:
            p.kill()
    return (c1 - c0) / (t1 - t0)


def loaxad_conf(work, url, seconds):
    now = time.time() + 2
    start = time.strftime("%H:%M:%S", time.localtime(now))
    end = time.strftime("%H:%M:%S", time.localtime(now + seconds + 30))
    d = work / "station"
    for sub in ("state", "cache", "playlists"):
        (d / sub).mkdir(parents=True, exist_ok=True)
    conf = d / "loaxa.conf"
    conf.write_text(
        'station = { name = "bench"; };\n'
        'paths = { state = "%s/state"; cache = "%s/cache"; played_log = "%s/played.jsonl";\n'
        '  playlists = "%s/playlists"; socket = "%s/sock"; };\n'
        'audio = { device = "null"; };\n'
        'relays = ( { name = "r"; url = "%s"; } );\n'
        'timetable = ( { name = "relay"; start = "%s"; end = "%s"; program = [ "relay:r" ]; } );\n'
        % (d, d, d, d, d, url, start, end))
    return conf


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=int, default=60)
    ap.add_argument("--build", default=os.environ.get("BUILD", "build-bench"))
    a = ap.parse_args()
    loaxad = ROOT / a.build / "loaxad"
    work = Path(tempfile.mkdtemp(prefix="loaxa-relay-bench-"))
    rows = []
    try:
        wav, mp3 = work / "s.wav", work / "s.mp3"
        subprocess.run(["sox", "-n", "-r", "44100", "-c", "2", str(wav), "synth", "60", "sine",
                        "440", "sine", "660", "vol", "0.5"], check=True)
        subprocess.run(["lame", "--quiet", "-t", "-b", "128", str(wav), str(mp3)], check=True)
        icy = IcyServer(mp3)
        url = icy.url()
        print("MP3 relay...", file=sys.stderr)
        mp3_rows = [
            ("loaxad (relay:, ALSA null)", run_for(
                [str(loaxad), "-f", "-c", str(loaxad_conf(work / "m", url, a.seconds))],
                a.seconds, settle=4.0)),
            ("mpg123 -o alsa -a null URL", run_for(["mpg123", "-q", "-o", "alsa", "-a", "null",
                                                     url], a.seconds)),
            ("ffmpeg -i URL -f alsa null", run_for(["ffmpeg", "-v", "error", "-nostdin", "-i",
                                                     url, "-f", "alsa", "null"], a.seconds)),
        ]
        icy.stop()
        rows.append(("Icecast MP3 128 kbit/s", mp3_rows))

        print("HLS relay...", file=sys.stderr)
        web = Nginx(work / "nginx", access_log=False).start()
        (web.root / "hls").mkdir(parents=True)
        enc = subprocess.Popen(
            ["ffmpeg", "-v", "error", "-nostdin", "-re", "-f", "lavfi", "-i",
             "aevalsrc=0.5*sin(2*PI*440*t)|0.5*sin(2*PI*660*t):s=48000", "-c:a", "aac",
             "-b:a", "64k", "-f", "hls", "-hls_time", "2", "-hls_list_size", "5",
             "-hls_flags", "delete_segments+omit_endlist", str(web.root / "hls" / "live.m3u8")],
            stdin=subprocess.DEVNULL, start_new_session=True)
        time.sleep(6)
        hurl = web.url("hls/live.m3u8")
        try:
            hls_rows = [
                ("loaxad (relay:, ALSA null)", run_for(
                    [str(loaxad), "-f", "-c", str(loaxad_conf(work / "h", hurl, a.seconds))],
                    a.seconds, settle=4.0)),
                ("ffmpeg -i URL -f alsa null", run_for(
                    ["ffmpeg", "-v", "error", "-nostdin", "-i", hurl, "-f", "alsa", "null"],
                    a.seconds)),
            ]
        finally:
            enc.terminate()
            web.stop()
        rows.append(("HLS AAC 64 kbit/s (MPEG-TS)", hls_rows))
    finally:
        shutil.rmtree(work, ignore_errors=True)

    print("## Relay: CPU per hour of live stream\n")
    print("`/usr/bin/python3 bench/relay_cpu.py --seconds %d`: CPU seconds per hour of wall time"
          " (user + system from /proc over %d s, after a 3-4 s start), the same streams"
          " in the same run, on the shared 2-core machine.\n" % (a.seconds, a.seconds))
    print("| stream | program | CPU s per hour | vs the better peer |")
    print("| --- | --- | ---: | ---: |")
    for stream, rs in rows:
        peers = [v for name, v in rs if not name.startswith("loaxad")]
        best = min(peers) if peers else None
        for name, v in rs:
            ratio = "%.2fx" % (v / best) if best and name.startswith("loaxad") else ""
            print("| %s | %s | %.1f | %s |" % (stream, name, v * 3600, ratio))
    print()


if __name__ == "__main__":
    main()
