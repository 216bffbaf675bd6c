"""Running the real loaxad on a private configuration, and reading what it did."""

import datetime as dt
import json
import os
import re
import signal as sigmod
import subprocess
import time
from pathlib import Path

from .paths import loaxad_bin
from .pulse import stop_process


def _q(s):
    """A libconfig string literal."""
    return '"%s"' % str(s).replace("\\", "\\\\").replace('"', '\\"')


def _clock(t):
    if isinstance(t, (dt.datetime, dt.time)):
        return t.strftime("%H:%M:%S")
    return str(t)


def slot_times(start_in_s, duration_s, now=None):
    """("HH:MM:SS" start, "HH:MM:SS" end, start as an aware local datetime) for a slot
    starting start_in_s seconds from now (rounded up to a whole second) and lasting
    duration_s (whole seconds). Use the datetime's .timestamp() to compare with
    capture times."""
    now = now or dt.datetime.now().astimezone()
    start = (now + dt.timedelta(seconds=start_in_s)).replace(microsecond=0)
    if start < now + dt.timedelta(seconds=start_in_s):
        start += dt.timedelta(seconds=1)
    end = start + dt.timedelta(seconds=int(round(duration_s)))
    return start.strftime("%H:%M:%S"), end.strftime("%H:%M:%S"), start


def slot(name, start, end, program, days="daily", volume=None, loop=None):
    """A timetable slot as write_config takes it."""
    s = {"name": name, "days": days, "start": start, "end": end, "program": list(program)}
    if volume is not None:
        s["volume"] = volume
    if loop is not None:
        s["loop"] = loop
    return s


def _slot_text(s):
    parts = ["name = %s;" % _q(s["name"]), "days = %s;" % _q(s.get("days", "daily")),
             "start = %s;" % _q(_clock(s["start"])), "end = %s;" % _q(_clock(s["end"]))]
    if s.get("volume") is not None:
        parts.append("volume = %d;" % s["volume"])
    if s.get("loop") is not None:
        parts.append("loop = %s;" % ("true" if s["loop"] else "false"))
    parts.append("program = [ %s ];" % ", ".join(_q(p) for p in s["program"]))
    return "  { " + " ".join(parts) + " }"


def write_config(tmpdir, slots=(), device="default", volume=None, chime=None, buffer_ms=None,
                 fade_ms=None, preroll_ms=None, station="Test station", areas=("87",),
                 feeds=(), playlists=None, extra="", name="loaxa.conf", station_extra=""):
    """Writes tmpdir/loaxa.conf (DESIGN.md's contract) and returns its path.

    paths.* all live in tmpdir: state/, cache/, played.jsonl, playlists/ (or
    `playlists`: {NAME: [paths]} written as NAME.m3u), loaxad.sock. Settings left
    None are omitted so the daemon's defaults apply. feeds: [{url, keys, poll}].
    extra: raw libconfig text appended at the end; station_extra: raw settings
    inside station = { ... } (languages, location).
    """
    d = Path(tmpdir)
    for sub in ("state", "cache", "playlists"):
        (d / sub).mkdir(parents=True, exist_ok=True)
    for pl_name, items in (playlists or {}).items():
        (d / "playlists" / ("%s.m3u" % pl_name)).write_text("".join("%s\n" % p for p in items))
    audio = ["device = %s;" % _q(device)]
    for key, val in (("volume", volume), ("buffer_ms", buffer_ms), ("fade_ms", fade_ms),
                     ("preroll_ms", preroll_ms)):
        if val is not None:
            audio.append("%s = %d;" % (key, val))
    if chime is not None:
        audio.append("chime = %s;" % _q(chime))
    text = [
        "station = { name = %s; areas = [ %s ]; %s};" % (_q(station), ", ".join(_q(a) for a in areas),
                                                         station_extra + " " if station_extra else ""),
        "paths = {",
        "  state = %s;" % _q(d / "state"),
        "  cache = %s;" % _q(d / "cache"),
        "  played_log = %s;" % _q(d / "played.jsonl"),
        "  playlists = %s;" % _q(d / "playlists"),
        "  socket = %s;" % _q(d / "loaxad.sock"),
        "};",
        "audio = { %s };" % " ".join(audio),
    ]
    if feeds:
        fl = []
        for f in feeds:
            item = "url = %s; keys = [ %s ];" % (_q(f["url"]), ", ".join(_q(k) for k in f["keys"]))
            if f.get("poll") is not None:
                item += " poll = %d;" % f["poll"]
            if f.get("push") is not None:
                item += " push = %s;" % _q(f["push"])
            fl.append("  { %s }" % item)
        text.append("feeds = (\n%s\n);" % ",\n".join(fl))
    text.append("timetable = (\n%s\n);" % ",\n".join(_slot_text(s) for s in slots))
    if extra:
        text.append(extra)
    path = d / name
    path.write_text("\n".join(text) + "\n")
    return path


def parse_log_time(s):
    """An as-played ISO 8601 time to seconds since the epoch."""
    return dt.datetime.fromisoformat(s).timestamp()


class Daemon:
    """loaxad -f -c CONF in its own process group; stderr goes to a file.

    env: extra environment (HOME for the ALSA capture, PULSE_SERVER, TZ ...).
    The config's folder is the daemon's working folder.
    """

    def __init__(self, config, env=None, args=(), binary=None):
        self.config = Path(config)
        self.dir = self.config.parent
        self.binary = Path(binary) if binary else loaxad_bin()
        self.env = dict(os.environ, **(env or {}))
        self.args = list(args)
        self.stderr_path = self.dir / "loaxad.stderr"
        self.proc = None
        self.started_at = None
        self._log_pos = 0

    def start(self):
        if not self.binary.exists():
            raise RuntimeError("%s is not built" % self.binary)
        self._stderr = open(self.stderr_path, "ab")
        self._log_pos = self.stderr_path.stat().st_size
        self.started_at = time.time()
        self.proc = subprocess.Popen([str(self.binary), "-f", "-c", str(self.config)] + self.args,
                                     env=self.env, cwd=str(self.dir), stdin=subprocess.DEVNULL,
                                     stdout=self._stderr, stderr=self._stderr,
                                     start_new_session=True)
        return self

    def __enter__(self):
        return self.start() if self.proc is None else self

    def __exit__(self, *exc):
        self.cleanup()

    @property
    def pid(self):
        return self.proc.pid

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def log_text(self):
        """Everything the daemon wrote to stderr since start()."""
        try:
            with open(self.stderr_path, "rb") as f:
                f.seek(self._log_pos)
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def wait_for_log(self, regex, timeout=10.0, after=0):
        """Waits until a stderr line matches regex; returns the match.

        after: only look past this offset in log_text() (e.g. len(log_text())
        taken before a reload). Fails early, with the log, if the daemon exits.
        """
        pat = re.compile(regex)
        deadline = time.monotonic() + timeout
        while True:
            text = self.log_text()[after:]
            for line in text.splitlines():
                m = pat.search(line)
                if m:
                    return m
            if not self.running():
                raise AssertionError("loaxad exited (%s) before logging /%s/:\n%s"
                                     % (self.proc.returncode, regex, text[-3000:]))
            if time.monotonic() > deadline:
                raise AssertionError("loaxad did not log /%s/ within %.1f s:\n%s"
                                     % (regex, timeout, text[-3000:]))
            time.sleep(0.05)

    @property
    def played_log(self):
        return self.dir / "played.jsonl"

    def played_lines(self):
        """The as-played log as a list of dicts (a partial last line is left out)."""
        try:
            text = self.played_log.read_text()
        except FileNotFoundError:
            return []
        out = []
        for line in text.split("\n")[:-1]:
            if line.strip():
                out.append(json.loads(line))
        return out

    def wait_for_played(self, count=1, timeout=10.0, pred=None):
        """Waits until `count` as-played lines (matching pred) exist; returns them."""
        deadline = time.monotonic() + timeout
        while True:
            lines = [l for l in self.played_lines() if pred is None or pred(l)]
            if len(lines) >= count:
                return lines
            if time.monotonic() > deadline:
                raise AssertionError("%d as-played line(s) after %.1f s, wanted %d:\n%s\nlog:\n%s"
                                     % (len(lines), timeout, count, lines,
                                        self.log_text()[-3000:]))
            time.sleep(0.05)

    def signal(self, sig):
        self.proc.send_signal(sig)

    def reload(self):
        self.signal(sigmod.SIGHUP)

    def kill9(self):
        """A crash: SIGKILL to the daemon only (children such as the capture pipe
        see end of file and finish their files); cleanup() reaps the rest."""
        self.proc.kill()
        self.proc.wait(5)

    def stop(self, sig=sigmod.SIGTERM, timeout=10.0, expect=0):
        """Sends sig and waits; asserts the exit code is `expect` (None: any)."""
        self.proc.send_signal(sig)
        try:
            rc = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill9()
            raise AssertionError("loaxad did not exit within %.1f s of %s:\n%s"
                                 % (timeout, sigmod.Signals(sig).name, self.log_text()[-3000:]))
        if expect is not None:
            assert rc == expect, "loaxad exited %d, expected %d:\n%s" % (
                rc, expect, self.log_text()[-3000:])
        return rc

    def cleanup(self):
        """Kills what is left (the daemon's whole process group) and closes files."""
        if self.proc is not None:
            stop_process(self.proc, timeout=5.0, sig=sigmod.SIGKILL)
        if getattr(self, "_stderr", None):
            self._stderr.close()
            self._stderr = None


def run_check(config, env=None, binary=None, timeout=20.0):
    """loaxad -c CONF --check: returns CompletedProcess (text stdout/stderr)."""
    return subprocess.run([str(binary or loaxad_bin()), "-c", str(config), "--check"],
                          env=dict(os.environ, **(env or {})), stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True, timeout=timeout)
