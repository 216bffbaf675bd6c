"""ALSA capture through alsa-lib's `file` plugin: whatever a program plays on the
PCM "loaxa_capture" is also written to a WAV file, one file per opening of the PCM.

The PCM is defined in <home>/.asoundrc; alsa-lib reads ~/.asoundrc, so the program
under test needs HOME=<home> in its environment (env() gives it).

Found on alsa-lib 1.2.8 (this machine):
- the `null` plugin does not pace: aplay of a 2 s file returns in ~15 ms. Use it
  to check content quickly; use slave "pulse" (the null sink of PulseServer)
  for real-time pacing;
- the file plugin writes in the format the program opened the PCM with, and a WAV
  header at open; it fills in the sizes at close only, so a killed program leaves
  them 0 (read_wav reads the data to the end of the file anyway);
- the file is truncated at each open, so "file" is a pipe ("|script") that
  stores every opening in its own file named by the time it was opened.
"""

import os
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .audio import read_wav

PCM_NAME = "loaxa_capture"


@dataclass
class CaptureSegment:
    path: Path
    opened_at: float  # wall-clock time the PCM was opened (the pipe started)
    rate: int
    channels: int
    samples: np.ndarray  # int16 (frames, channels)

    @property
    def seconds(self):
        return len(self.samples) / float(self.rate)


class AlsaCapture:
    """Sets up <home>/.asoundrc with the PCM `name` recording into <home>/capture/.

    slave: "null" (no pacing, fast) or "pulse" (paced by a PulseServer, whose
    env() must then be in the program's environment too).
    """

    def __init__(self, home, slave="null", name=PCM_NAME):
        self.home = Path(home)
        self.slave = slave
        self.name = name
        self.capture_dir = self.home / "capture"
        self.capture_dir.mkdir(parents=True, exist_ok=True)
        script = self.home / "capture-segment"
        # date +%s.%N names the file by when the PCM opened; $$ keeps two
        # openings in the same nanosecond apart.
        script.write_text('#!/bin/sh\nexec cat > "%s/$(date +%%s.%%N)-$$.wav"\n'
                          % self.capture_dir)
        script.chmod(0o755)
        (self.home / ".asoundrc").write_text(
            "pcm.%s {\n"
            "  type file\n"
            "  slave.pcm \"%s\"\n"
            "  file \"|%s\"\n"
            "  format \"wav\"\n"
            "}\n" % (name, slave, script))

    @property
    def device(self):
        return self.name

    def env(self):
        return {"HOME": str(self.home)}

    def segment_paths(self):
        return sorted(self.capture_dir.glob("*.wav"),
                      key=lambda p: float(p.name.split("-")[0]))

    def segments(self):
        """One CaptureSegment per opening of the PCM, oldest first."""
        out = []
        for p in self.segment_paths():
            try:
                wav = read_wav(p)
            except ValueError:
                continue  # opened, header not written yet
            out.append(CaptureSegment(p, float(p.name.split("-")[0]), wav.rate, wav.channels,
                                      wav.samples))
        return out

    def samples(self):
        """All segments joined (they must share rate and channels): (rate, int16 array)."""
        segs = self.segments()
        if not segs:
            return None, np.zeros((0, 2), dtype=np.int16)
        fmts = {(s.rate, s.channels) for s in segs}
        if len(fmts) != 1:
            raise ValueError("capture segments differ in format: %s" % sorted(fmts))
        return segs[0].rate, np.concatenate([s.samples for s in segs])

    def wait_for_segments(self, count=1, timeout=5.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            segs = self.segments()
            if len(segs) >= count:
                return segs
            time.sleep(0.05)
        raise TimeoutError("%d capture segment(s) after %.1f s, wanted %d"
                           % (len(self.segments()), timeout, count))

    def clear(self):
        for p in self.segment_paths():
            os.unlink(p)
