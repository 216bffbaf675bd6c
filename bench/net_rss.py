#!/usr/bin/python3
"""Peak RSS (VmHWM), RssAnon and RssFile of loaxad (the card process) and of its
network process while loaxad airs a 20 s MP3 to ALSA null with one feed configured,
beside mpg123 on the same file; and whether each maps libcurl / libssl.

    cd tests/system && LOAXA_BUILD=../../build /usr/bin/python3 ../../bench/net_rss.py
"""
import os, re, subprocess, sys, tempfile, time
from pathlib import Path
sys.path.insert(0, ".")
import harness
tmp = Path(tempfile.mkdtemp())
mp3 = harness.make_tone(tmp / "t.mp3", 440, 20)
start, end, _ = harness.slot_times(2, 30)
conf = harness.write_config(tmp / "st", device="null", feeds=[{"url": "http://127.0.0.1:9/index.atom", "keys": [], "poll": 5}],
    slots=[harness.slot("day", start, end, ["file:%s" % mp3])])
d = harness.Daemon(conf).start()
m = d.wait_for_log(r"loaxa-net started \(pid (\d+)\)", timeout=10)
net = int(m.group(1))
time.sleep(12)
def st(pid):
    s = Path("/proc/%d/status" % pid).read_text()
    g = lambda k: int(re.search(r"^%s:\s+(\d+)" % k, s, re.M).group(1))
    maps = Path("/proc/%d/maps" % pid).read_text()
    return g("VmHWM"), g("RssAnon"), g("RssFile"), "libcurl" in maps, "libssl" in maps
print("loaxad  HWM/anon/file kB, curl, ssl:", st(d.proc.pid))
print("loaxa-net HWM/anon/file kB, curl, ssl:", st(net))
d.cleanup()
r = subprocess.run(["/usr/bin/time", "-v", "mpg123", "-q", "-o", "alsa", "-a", "null", str(mp3)], capture_output=True, text=True)
print("mpg123 max RSS kB:", re.search(r"Maximum resident set size \(kbytes\): (\d+)", r.stderr).group(1))
