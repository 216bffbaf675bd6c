"""Slot start on a PulseAudio sink that was just started, with nothing recording it:
each run starts a private server, then loaxad with one slot 4 s ahead, and prints
loaxad's as-played start minus the slot's instant (ms).

    LOAXA_BUILD=build /usr/bin/python3 bench/fresh_sink_start.py [RUNS]
"""
import os
import pathlib
import sys
import tempfile

REPO = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests" / "system"))
import harness  # noqa: E402
from harness import slot, slot_times, write_config
res = []
for i in range(int(sys.argv[1]) if len(sys.argv) > 1 else 5):
    tmp = pathlib.Path(tempfile.mkdtemp())
    srv = harness.PulseServer(tmp / "pulse"); srv.start()
    tone = harness.make_tone(tmp / "t.mp3", 1000, 1.0)
    start, end, t0 = slot_times(4, 3)
    conf = write_config(tmp, device="pulse", slots=[slot("s", start, end, ["file:%s" % tone])])
    env = dict(srv.env()); env["HOME"] = str(tmp)
    d = harness.Daemon(conf, env=env).start()
    l = d.wait_for_played(1, timeout=15)[0]
    res.append(round((harness.parse_log_time(l["start"]) - t0.timestamp()) * 1000))
    d.stop(); d.cleanup(); srv.stop()
print("start error ms:", res)
