"""What was on air, measured: tone segments, levels and fades of captured audio."""

from dataclasses import dataclass

import numpy as np


@dataclass
class Segment:
    start_s: float
    end_s: float
    freq_hz: float
    level: float  # peak amplitude of the sine (sqrt(2) * RMS), 1.0 = full scale

    @property
    def duration_s(self):
        return self.end_s - self.start_s

    def __iter__(self):  # lets tests unpack (start, end, freq)
        return iter((self.start_s, self.end_s, self.freq_hz))


def to_mono(samples):
    """int16 (frames, channels) or 1-D int16/float to float mono in [-1, 1)."""
    x = np.asarray(samples)
    if x.dtype == np.int16:
        x = x.astype(np.float64) / 32768.0
    if x.ndim == 2:
        x = x.mean(axis=1)
    return x.astype(np.float64)


def db(ratio):
    return 20.0 * np.log10(max(ratio, 1e-12))


def _windows(x, rate, window_s, hop_s):
    win = max(16, int(rate * window_s))
    hop = max(1, int(rate * hop_s))
    if len(x) < win:
        return win, hop, np.zeros((0, win))
    frames = np.lib.stride_tricks.sliding_window_view(x, win)[::hop]
    return win, hop, frames


def _dominant_freqs(frames, rate):
    """Frequency of the strongest bin per frame, refined by parabolic interpolation."""
    n = frames.shape[1]
    nfft = 1 << max(13, (n - 1).bit_length())
    spec = np.abs(np.fft.rfft(frames * np.hanning(n), nfft, axis=1))
    spec[:, 0] = 0.0
    k = np.clip(spec.argmax(axis=1), 1, spec.shape[1] - 2)
    rows = np.arange(len(k))
    a, b, c = np.log(spec[rows, k - 1] + 1e-12), np.log(spec[rows, k] + 1e-12), \
        np.log(spec[rows, k + 1] + 1e-12)
    denom = a - 2 * b + c
    shift = np.where(np.abs(denom) > 1e-12, 0.5 * (a - c) / denom, 0.0)
    return (k + shift) * rate / nfft


def _same_freq(f1, f2, rel_tol):
    return abs(f1 - f2) <= max(rel_tol * max(f1, f2), 8.0)


def _refine_edge(x, rate, approx_s, threshold, search_s, rising):
    """Sample-accurate edge: first (rising) or last (falling) sample above threshold
    within search_s of the window-level estimate."""
    lo = max(0, int((approx_s - search_s) * rate))
    hi = min(len(x), int((approx_s + search_s) * rate))
    loud = np.nonzero(np.abs(x[lo:hi]) >= threshold)[0]
    if len(loud) == 0:
        return approx_s
    return (lo + (loud[0] if rising else loud[-1] + 1)) / float(rate)


def tone_segments(samples, rate, window_ms=20, hop_ms=5, silence_db=-40.0,
                  min_duration_s=0.05, rel_tol=0.03):
    """Tones found in samples, in order: a list of Segment(start_s, end_s, freq_hz, level).

    samples: int16 (frames, channels), or mono int16/float. Windows of window_ms every
    hop_ms are silent below silence_db (dBFS, RMS of a full-scale sine = 0 dB) or
    carry their dominant FFT frequency; runs of windows of one frequency
    (within rel_tol) make a segment. Edges next to silence are refined to the
    sample where the signal crosses the silence threshold; edges between two
    tones are accurate to about hop_ms. Segments shorter than min_duration_s
    are dropped (clicks, transitions).
    """
    x = to_mono(samples)
    win, hop, frames = _windows(x, rate, window_ms / 1000.0, hop_ms / 1000.0)
    if len(frames) == 0:
        return []
    level = np.sqrt(2.0) * np.sqrt((frames ** 2).mean(axis=1))
    threshold = 10 ** (silence_db / 20.0)
    loud = level >= threshold
    freqs = np.zeros(len(frames))
    if loud.any():
        freqs[loud] = _dominant_freqs(frames[loud], rate)

    runs = []  # [first_frame, last_frame, [freqs]]
    for i in range(len(frames)):
        if not loud[i]:
            continue
        if runs and runs[-1][1] == i - 1 and _same_freq(np.median(runs[-1][2]), freqs[i], rel_tol):
            runs[-1][1] = i
            runs[-1][2].append(freqs[i])
        else:
            runs.append([i, i, [freqs[i]]])

    segments = []
    half = (win / 2.0) / rate
    for first, last, fs in runs:
        # A window is "in" the tone when its centre is; edges are centres -+ hop/2.
        start = (first * hop) / rate + half - hop / (2.0 * rate)
        end = (last * hop) / rate + half + hop / (2.0 * rate)
        # Next to silence (within one window: the windows in between may have
        # been a dropped onset), the edge is where the signal crosses the threshold.
        reach = win // hop + 1
        if not loud[max(0, first - reach):first].all() or first == 0:
            start = _refine_edge(x, rate, first * hop / rate, threshold / 2, win / rate, True)
        if not loud[last + 1:last + 1 + reach].all() or last == len(frames) - 1:
            end = _refine_edge(x, rate, (last * hop + win) / rate, threshold / 2, win / rate, False)
        if end - start < min_duration_s:
            continue
        mid = level[first:last + 1]
        steady = mid[len(mid) // 4: max(len(mid) // 4 + 1, 3 * len(mid) // 4)]
        segments.append(Segment(start, end, float(np.median(fs)), float(np.median(steady))))
    return _merge_adjacent(segments, rel_tol)


def _merge_adjacent(segments, rel_tol, max_gap_s=0.03):
    """Joins pieces of one tone split by a dropped short piece or a tiny dip."""
    out = []
    for seg in segments:
        if out and seg.start_s - out[-1].end_s <= max_gap_s and \
                _same_freq(out[-1].freq_hz, seg.freq_hz, rel_tol):
            prev = out[-1]
            out[-1] = Segment(prev.start_s, seg.end_s, prev.freq_hz, max(prev.level, seg.level))
        else:
            out.append(seg)
    return out


def freqs_in_order(segments, min_duration_s=0.1):
    """Frequencies rounded to 1 Hz, in airing order: [440, 660, 880]."""
    return [round(s.freq_hz) for s in segments if s.duration_s >= min_duration_s]


def matches_freqs(segments, expected, rel_tol=0.02, min_duration_s=0.1):
    """True when the segments' frequencies are expected, in order, one segment each."""
    got = [s.freq_hz for s in segments if s.duration_s >= min_duration_s]
    return len(got) == len(expected) and all(_same_freq(g, e, rel_tol) for g, e in zip(got, expected))


def level(samples, rate, start_s=None, end_s=None):
    """Peak amplitude of a sine between start_s and end_s (sqrt(2) * RMS), full scale 1.0."""
    x = to_mono(samples)
    lo = 0 if start_s is None else max(0, int(start_s * rate))
    hi = len(x) if end_s is None else min(len(x), int(end_s * rate))
    if hi <= lo:
        return 0.0
    return float(np.sqrt(2.0) * np.sqrt((x[lo:hi] ** 2).mean()))


def envelope(samples, rate, window_ms=10):
    """(times_s, level) of the signal every window_ms (sqrt(2) * RMS per window)."""
    x = to_mono(samples)
    win = max(1, int(rate * window_ms / 1000.0))
    n = len(x) // win
    blocks = x[:n * win].reshape(n, win)
    times = (np.arange(n) + 0.5) * win / rate
    return times, np.sqrt(2.0) * np.sqrt((blocks ** 2).mean(axis=1))


def fade_out(samples, rate, segment, hi=0.9, lo=0.1, window_ms=10):
    """How the end of a segment fell: (start_s, end_s) where the level went from
    hi to lo times the segment's steady level. An abrupt stop gives a span of
    about one window; a fade gives about its length (a linear fade of F seconds
    gives 0.8 F between 90 % and 10 %)."""
    times, env = envelope(samples, rate, window_ms)
    steady = segment.level
    inside = (times >= segment.start_s) & (times <= segment.end_s + window_ms / 1000.0)
    idx = np.nonzero(inside)[0]
    above_hi = idx[env[idx] >= hi * steady]
    if len(above_hi) == 0:
        return segment.end_s, segment.end_s
    last_hi = above_hi[-1]
    after = np.nonzero(env[last_hi:] < lo * steady)[0]
    first_lo = last_hi + (after[0] if len(after) else len(env) - 1 - last_hi)
    return float(times[last_hi]), float(times[first_lo])


def leading_silence_s(samples, rate, silence_db=-40.0):
    """Seconds before the first sample above silence_db (None: all silent)."""
    x = to_mono(samples)
    loud = np.nonzero(np.abs(x) >= 10 ** (silence_db / 20.0))[0]
    return None if len(loud) == 0 else loud[0] / float(rate)


def speech_seconds(samples, rate, window_s=0.03, floor_db=-40.0, bin_hz=50):
    """(seconds of sound, how many pitches it went through): speech keeps moving
    (dozens of 50 Hz bins of dominant frequency), a tone stays in one or two."""
    x = to_mono(samples)
    n = int(rate * window_s)
    voiced, pitches = 0, set()
    for i in range(0, len(x) - n, n):
        w = x[i:i + n]
        rms = np.sqrt(np.mean(w * w))
        if rms <= 0 or 20 * np.log10(rms) < floor_db:
            continue
        spec = np.abs(np.fft.rfft(w * np.hanning(n)))
        voiced += 1
        pitches.add(int(np.argmax(spec) * rate / n // bin_hz))
    return voiced * window_s, len(pitches)
