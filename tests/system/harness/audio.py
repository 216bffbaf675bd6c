"""Test audio made on the spot with sox and lame, and readers for what was captured."""

import os
import shutil
import struct
import subprocess
from pathlib import Path

import numpy as np

FADE_S = 0.005  # a few ms in and out, so tones start and stop without clicks


def _run(cmd):
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if proc.returncode != 0:
        raise RuntimeError("%s failed (%d): %s" % (" ".join(map(str, cmd)), proc.returncode,
                                                  proc.stderr.strip()))


def make_wav(path, freq_hz, seconds, rate=44100, channels=2, amplitude=0.5, fade=True):
    """A sine tone as 16-bit WAV; freq_hz 0 gives silence. Returns path."""
    path = Path(path)
    cmd = ["sox", "-n", "-r", str(rate), "-c", str(channels), "-b", "16", str(path),
           "synth", "%.6f" % seconds]
    cmd += ["sine", str(freq_hz)] if freq_hz else ["sine", "0"]
    cmd += ["vol", "%.6f" % (amplitude if freq_hz else 0.0)]
    if fade and freq_hz and seconds > 2 * FADE_S:
        cmd += ["fade", "t", str(FADE_S), "%.6f" % seconds, str(FADE_S)]
    _run(cmd)
    return path


def make_sequence_wav(path, tones, rate=44100, channels=2, amplitude=0.5):
    """Tones back to back: tones is [(freq_hz, seconds), ...] (freq 0 = silence)."""
    path = Path(path)
    parts = []
    for i, (freq, secs) in enumerate(tones):
        part = path.with_name("%s.part%d.wav" % (path.stem, i))
        make_wav(part, freq, secs, rate, channels, amplitude)
        parts.append(str(part))
    _run(["sox"] + parts + [str(path)])
    for p in parts:
        os.unlink(p)
    return path


def wav_to_mp3(wav, mp3, bitrate=128):
    """Encodes with lame (constant bitrate, no gap padding surprises beyond the encoder's)."""
    if shutil.which("lame"):
        _run(["lame", "--quiet", "--noreplaygain", "-b", str(bitrate), "--cbr", str(wav), str(mp3)])
    else:
        _run(["sox", str(wav), "-C", str(bitrate), str(mp3)])
    return Path(mp3)


def make_tone(path, freq_hz, seconds, rate=44100, channels=2, bitrate=128, amplitude=0.5):
    """A sine tone as MP3 (sox synth with 5 ms fades, then lame). Returns path."""
    path = Path(path)
    wav = path.with_suffix(".src.wav")
    make_wav(wav, freq_hz, seconds, rate, channels, amplitude)
    wav_to_mp3(wav, path, bitrate)
    os.unlink(wav)
    return path


def make_mono_tone(path, freq_hz, seconds):
    """The low-quality variant stations meet in practice: mono, 22.05 kHz, 64 kbit/s."""
    return make_tone(path, freq_hz, seconds, rate=22050, channels=1, bitrate=64)


def make_sequence_mp3(path, tones, rate=44100, channels=2, bitrate=128):
    """Several tones in one MP3: tones is [(freq_hz, seconds), ...]."""
    path = Path(path)
    wav = make_sequence_wav(path.with_suffix(".src.wav"), tones, rate, channels)
    wav_to_mp3(wav, path, bitrate)
    os.unlink(wav)
    return path


def make_truncated_mp3(path, freq_hz=440, seconds=2.0, keep=0.5):
    """A valid MP3 cut off after `keep` of its bytes (a download that stopped)."""
    path = Path(path)
    full = make_tone(path.with_suffix(".full.mp3"), freq_hz, seconds)
    data = full.read_bytes()
    path.write_bytes(data[:int(len(data) * keep)])
    os.unlink(full)
    return path


def make_corrupt_mp3(path, freq_hz=440, seconds=2.0, seed=1):
    """A valid MP3 whose middle third is overwritten with random bytes."""
    path = Path(path)
    full = make_tone(path.with_suffix(".full.mp3"), freq_hz, seconds)
    data = bytearray(full.read_bytes())
    lo, hi = len(data) // 3, 2 * len(data) // 3
    data[lo:hi] = np.random.default_rng(seed).integers(0, 256, hi - lo, dtype=np.uint8).tobytes()
    path.write_bytes(bytes(data))
    os.unlink(full)
    return path


def make_non_audio(path, text="this is not audio\n" * 200):
    """A text file named like audio (an operator's mistake)."""
    path = Path(path)
    path.write_text(text)
    return path


class Wav:
    """16-bit PCM read from a WAV file; samples is int16 of shape (frames, channels)."""

    def __init__(self, rate, channels, samples):
        self.rate = rate
        self.channels = channels
        self.samples = samples

    @property
    def seconds(self):
        return len(self.samples) / float(self.rate)

    def mono(self):
        """Float samples in [-1, 1), channels averaged."""
        return self.samples.astype(np.float64).mean(axis=1) / 32768.0


def read_wav(path):
    """Reads a 16-bit PCM WAV even when its sizes were never filled in.

    ALSA's file plugin writes the header when the PCM opens and the sizes when it
    closes; a killed daemon (or a pipe) leaves them 0, so the data chunk is read
    to the end of the file whatever its header says.
    """
    data = Path(path).read_bytes()
    if data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        raise ValueError("%s: not a WAV file" % path)
    pos, fmt = 12, None
    while pos + 8 <= len(data):
        cid, size = data[pos:pos + 4], struct.unpack("<I", data[pos + 4:pos + 8])[0]
        body = pos + 8
        if cid == b"fmt ":
            tag, channels, rate = struct.unpack("<HHI", data[body:body + 8])
            bits = struct.unpack("<H", data[body + 14:body + 16])[0]
            if tag not in (1, 0xFFFE) or bits != 16:
                raise ValueError("%s: only 16-bit PCM is read (tag %d, %d bits)" % (path, tag, bits))
            fmt = (rate, channels)
        elif cid == b"data":
            if fmt is None:
                raise ValueError("%s: data before fmt" % path)
            end = len(data) if size == 0 or body + size > len(data) else body + size
            frame = 2 * fmt[1]
            end -= (end - body) % frame
            pcm = np.frombuffer(data[body:end], dtype="<i2").reshape(-1, fmt[1])
            return Wav(fmt[0], fmt[1], pcm)
        pos = body + size + (size & 1)
    if fmt is None:
        raise ValueError("%s: no fmt chunk" % path)
    return Wav(fmt[0], fmt[1], np.zeros((0, fmt[1]), dtype=np.int16))


def read_raw(path, channels=2):
    """Raw S16_LE interleaved, as pa_capture writes it; whole frames only."""
    raw = np.fromfile(str(path), dtype="<i2")
    raw = raw[:len(raw) - len(raw) % channels]
    return raw.reshape(-1, channels)
