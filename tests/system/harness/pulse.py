"""A private PulseAudio server with a null sink (real-time pacing, no sound card),
and pa_capture to record its monitor with the wall-clock time of every sample."""

import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import numpy as np

from .audio import read_raw
from .paths import tool_path

SINK = "loaxa_null"


def stop_process(proc, timeout=5.0, sig=signal.SIGTERM):
    """Stops a Popen we started (its whole process group when it leads one)."""
    if proc is None or proc.poll() is not None:
        return proc.returncode if proc else None
    try:
        if os.getpgid(proc.pid) == proc.pid:
            os.killpg(proc.pid, sig)
        else:
            proc.send_signal(sig)
    except ProcessLookupError:
        pass
    try:
        return proc.wait(timeout)
    except subprocess.TimeoutExpired:
        try:
            os.killpg(proc.pid, signal.SIGKILL) if os.getpgid(proc.pid) == proc.pid else proc.kill()
        except ProcessLookupError:
            pass
        return proc.wait(timeout)


class PulseServer:
    """pulseaudio as root on a socket in `workdir`, with only a null sink.

    env() gives what a client needs: PULSE_SERVER=unix:<socket> and a client.conf
    without autospawn, so a client never starts a stray server of its own.
    """

    def __init__(self, workdir, rate=44100, channels=2):
        self.dir = Path(workdir)
        self.socket = self.dir / "native"
        self.rate = rate
        self.channels = channels
        self.proc = None
        self.log_path = self.dir / "pulseaudio.log"

    def env(self):
        return {"PULSE_SERVER": "unix:%s" % self.socket,
                "PULSE_CLIENTCONFIG": str(self.dir / "client.conf")}

    def start(self, timeout=10.0):
        if not shutil.which("pulseaudio"):
            raise RuntimeError("pulseaudio is not installed")
        for sub in ("runtime", "state", "home"):
            (self.dir / sub).mkdir(parents=True, exist_ok=True, mode=0o700)
        script = self.dir / "server.pa"
        script.write_text(
            "load-module module-null-sink sink_name=%s rate=%d channels=%d\n"
            "load-module module-native-protocol-unix socket=%s auth-anonymous=1\n"
            "set-default-sink %s\n" % (SINK, self.rate, self.channels, self.socket, SINK))
        (self.dir / "client.conf").write_text("autospawn = no\n")
        env = dict(os.environ, HOME=str(self.dir / "home"),
                   XDG_RUNTIME_DIR=str(self.dir / "runtime"),
                   PULSE_RUNTIME_PATH=str(self.dir / "runtime"),
                   PULSE_STATE_PATH=str(self.dir / "state"),
                   XDG_CONFIG_HOME=str(self.dir / "home"))
        env.pop("DISPLAY", None)
        env.pop("DBUS_SESSION_BUS_ADDRESS", None)
        # -n: no default.pa; --system=false as root prints a warning and works.
        # --no-cpu-limit: pulseaudio's own CPU watchdog (SIGXCPU) may otherwise end
        # the server halfway through a long session on a loaded machine.
        cmd = ["pulseaudio", "-n", "--daemonize=no", "--system=false", "--exit-idle-time=-1",
               "--disallow-exit", "--use-pid-file=no", "--log-target=stderr",
               "--realtime=no", "--high-priority=no", "--no-cpu-limit", "-F", str(script)]
        self.log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(cmd, env=env, stdout=self.log, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("pulseaudio exited (%d): %s" % (
                    self.proc.returncode, self.log_path.read_text(errors="replace")[-2000:]))
            if self.socket.exists() and self._pactl("info").returncode == 0:
                return self
            time.sleep(0.05)
        self.stop()
        raise RuntimeError("pulseaudio did not answer on %s within %.0f s" % (self.socket, timeout))

    def _pactl(self, *args):
        return subprocess.run(["pactl"] + list(args), env=dict(os.environ, **self.env()),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def pactl(self, *args):
        """Runs pactl against this server; returns its stdout."""
        proc = self._pactl(*args)
        if proc.returncode != 0:
            raise RuntimeError("pactl %s: %s" % (" ".join(args), proc.stderr.strip()))
        return proc.stdout

    def sink_inputs(self):
        """Number of streams now playing into the null sink."""
        out = self.pactl("list", "short", "sink-inputs")
        return len([l for l in out.splitlines() if l.strip()])

    def health(self):
        """'' while the server runs, else why it is gone (for an error message)."""
        if self.proc is None or self.proc.poll() is None:
            return ""
        return "; pulseaudio exited (%d): %s" % (
            self.proc.returncode, self.log_path.read_text(errors="replace")[-1000:])

    def stop(self):
        stop_process(self.proc)
        if getattr(self, "log", None):
            self.log.close()


class PaCapture:
    """Records loaxa_null.monitor with tests/tools/pa_capture.

    After start() the capture is steady: pa_capture's first second can carry a
    backlog whose times are off by hundreds of ms (the sink re-plans its latency
    when the recorder connects), so start() waits until the stream's latency
    stays small. time_of(frame) and frame_at(t) map sample indices to wall-clock
    time (time.time()) through a straight line fitted to the steady chunks: the
    null sink runs on the system clock, so the line holds to well under 1 ms.
    """

    def __init__(self, server, workdir, rate=44100, channels=2, name="capture"):
        self.server = server
        self.dir = Path(workdir)
        self.rate = rate
        self.channels = channels
        self.raw_path = self.dir / ("%s.raw" % name)
        self.times_path = self.dir / ("%s.times" % name)
        self.proc = None
        self.steady_from = 0  # first frame whose time is trustworthy
        self._fit = None

    def start(self, settle_timeout=20.0):
        binary = tool_path("pa_capture")
        if not binary.exists():
            raise RuntimeError("%s is missing: run make %s" % (binary, binary))
        self.dir.mkdir(parents=True, exist_ok=True)
        env = dict(os.environ, **self.server.env())
        self.proc = subprocess.Popen(
            [str(binary), "-d", SINK + ".monitor", "-r", str(self.rate), "-c", str(self.channels), "-k", "5",
             "-o", str(self.raw_path), "-t", str(self.times_path)],
            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            start_new_session=True)
        line = self.proc.stdout.readline().strip()
        if line != "ready":
            err = self.proc.stderr.read() if self.proc.poll() is not None else ""
            self.stop()
            raise RuntimeError("pa_capture did not start: %s %s%s" % (line, err, self.server.health()))
        # Generous: a loaded machine may take seconds to settle, and the wait ends
        # as soon as it has.
        self._wait_steady(settle_timeout)
        return self

    def _times(self):
        try:
            text = self.times_path.read_text()
        except OSError:
            return np.zeros((0, 4))
        lines = text.split("\n")[:-1]  # the last line may be half written
        if not lines:
            return np.zeros((0, 4))
        return np.array([[float(v) for v in l.split()] for l in lines])

    def _wait_steady(self, timeout, run=40, max_age_s=0.03):
        """Waits for `run` chunks in a row whose latency is below max_age_s."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            t = self._times()
            if len(t) > run:
                small = np.abs(t[:, 2]) < max_age_s * 1e6
                bad = np.nonzero(~small)[0]
                first_good = bad[-1] + 1 if len(bad) else 0
                if len(t) - first_good >= run:
                    self.steady_from = int(t[first_good, 0])
                    return
            time.sleep(0.05)
        raise RuntimeError("pa_capture latency did not settle within %.0f s" % timeout)

    @property
    def frames(self):
        try:
            return self.raw_path.stat().st_size // (2 * self.channels)
        except OSError:
            return 0

    def now_frame(self):
        """The frame being captured about now (for slicing later)."""
        return self.frames

    def stop(self):
        rc = stop_process(self.proc)
        self._fit = None
        return rc

    def samples(self):
        """Everything recorded so far, int16 (frames, channels)."""
        return read_raw(self.raw_path, self.channels)

    def _mapping(self):
        if self._fit is not None and self.proc is not None and self.proc.poll() is not None:
            return self._fit
        t = self._times()
        t = t[t[:, 0] >= self.steady_from]
        if len(t) < 2:
            raise RuntimeError("not enough steady capture to map times")
        frames, when = t[:, 0], t[:, 1]
        # offset = when - frame/rate is constant on a running null sink; fit its slope
        # too (clock slew), dropping outliers (scheduling hiccups) once.
        off = when - frames / self.rate
        keep = np.abs(off - np.median(off)) < 0.005
        if keep.sum() >= 2 and np.ptp(frames[keep]) > self.rate:
            slope, icpt = np.polyfit(frames[keep], off[keep], 1)
        else:
            slope, icpt = 0.0, float(np.median(off[keep] if keep.any() else off))
        self._fit = (slope, icpt, float(np.std(off[keep])) if keep.any() else float("inf"))
        return self._fit

    def time_of(self, frame):
        """Wall-clock time (seconds since the epoch) at which `frame` played."""
        slope, icpt, _ = self._mapping()
        return frame / float(self.rate) + icpt + slope * frame

    def frame_at(self, when):
        """The frame that played at wall-clock time `when`."""
        slope, icpt, _ = self._mapping()
        return int(round((when - icpt) / (1.0 / self.rate + slope)))

    def mapping_spread_s(self):
        """Standard deviation of the per-chunk times around the fitted line."""
        return self._mapping()[2]

    def between(self, t0, t1):
        """Samples that played between wall-clock times t0 and t1, and t0's frame."""
        lo, hi = max(0, self.frame_at(t0)), self.frame_at(t1)
        return self.samples()[lo:hi], lo
