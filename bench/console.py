#!/usr/bin/python3
"""loaxa-web idle cost with one browser on the Now page, and how long the page takes to
show a change, against nginx serving the same static files idle in the same run.

Usage (from the repository root, after `make`): /usr/bin/python3 bench/console.py [SECONDS]
Prints a Markdown section for bench/RESULTS.md. Needs chromium, chromium-driver,
python3-selenium and nginx (nginx-light).
"""

import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "system"))
os.environ.setdefault("LOAXA_BUILD", str(REPO / "build"))

import harness  # noqa: E402
from test_console import PASSWORD, Web, adduser, free_port, web_config  # noqa: E402

TICK = os.sysconf("SC_CLK_TCK")


def cpu_s(pid):
    f = open("/proc/%d/stat" % pid).read().rsplit(")", 1)[1].split()
    return (int(f[11]) + int(f[12])) / TICK


def rss_kib(pid):
    for line in open("/proc/%d/status" % pid):
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def nginx_idle(tmp, seconds):
    """nginx serving web/ (the same static files) with one idle keep-alive client."""
    conf = tmp / "nginx.conf"
    port = free_port()
    conf.write_text("""daemon off; worker_processes 1; pid %s/nginx.pid; error_log stderr;
events { worker_connections 64; }
http { access_log off; server { listen 127.0.0.1:%d; root %s; } }
""" % (tmp, port, REPO / "web"))
    p = subprocess.Popen(["nginx", "-c", str(conf), "-p", str(tmp)], stderr=subprocess.DEVNULL)
    time.sleep(1)
    kids = [int(x) for x in subprocess.run(["pgrep", "-P", str(p.pid)], capture_output=True,
                                           text=True).stdout.split()]
    pids = [p.pid] + kids
    c0 = sum(cpu_s(x) for x in pids)
    time.sleep(seconds)
    c1 = sum(cpu_s(x) for x in pids)
    rss = sum(rss_kib(x) for x in pids)
    p.send_signal(signal.SIGTERM)
    p.wait()
    return c1 - c0, rss


def main():
    seconds = int(sys.argv[1]) if len(sys.argv) > 1 else 60
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By

    tmp = Path(tempfile.mkdtemp(prefix="loaxa-bench-console-"))
    cap = harness.AlsaCapture(tmp / "home", slave="null")
    port = free_port()
    start, end, _ = harness.slot_times(3600, 60)
    conf = web_config(tmp, cap.device, port, [harness.slot("toi", start, end, ["bulletins"])])
    adduser(conf, "lan", "operator")
    daemon = harness.Daemon(conf, env=cap.env()).start()
    while not (tmp / "loaxad.sock").exists():
        time.sleep(0.05)
    web = Web(conf, port)
    opts = Options()
    opts.binary_location = shutil.which("chromium")
    for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=390,844"):
        opts.add_argument(a)
    drv = webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=opts)
    try:
        drv.get(web.base + "/login")
        drv.find_element(By.NAME, "username").send_keys("lan")
        drv.find_element(By.NAME, "password").send_keys(PASSWORD)
        drv.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
        time.sleep(3)
        c0 = cpu_s(web.proc.pid)
        time.sleep(seconds)
        web_cpu = cpu_s(web.proc.pid) - c0
        web_rss = rss_kib(web.proc.pid)
        # A change made outside the page (loaxactl mute / unmute) until the page shows it.
        lat = []
        for i in range(10):
            want = "Bật tiếng" if i % 2 == 0 else "Tắt tiếng"
            t0 = time.monotonic()
            subprocess.run([str(harness.loaxactl_bin()), "-c", str(conf),
                            "mute" if i % 2 == 0 else "unmute"], capture_output=True)
            while drv.find_element(By.ID, "mute").text != want:
                time.sleep(0.01)
            lat.append(time.monotonic() - t0)
            time.sleep(0.3 + 0.137 * i)  # not in step with the page's one-second poll
    finally:
        drv.quit()
        web.stop()
        daemon.cleanup()
    ng_cpu, ng_rss = nginx_idle(tmp, seconds)
    shutil.rmtree(tmp, ignore_errors=True)
    print("## Operator's console (loaxa-web)\n")
    print("Measured on %s by `/usr/bin/python3 bench/console.py %d`: loaxa-web with loaxad, one "
          "headless Chromium signed in on the Now page (which polls /api/status every second), "
          "idle for %d s; then nginx serving the same static files with no client, for "
          "comparison, in the same run. Latency: loaxactl mute/unmute until the page's button "
          "says so, 10 times.\n" % (time.strftime("%Y-%m-%d"), seconds, seconds))
    print("| program | CPU over %d s | CPU %% | RSS |" % seconds)
    print("| --- | ---: | ---: | ---: |")
    print("| loaxa-web, one browser on Now | %.2f s | %.2f %% | %.1f MiB |"
          % (web_cpu, 100 * web_cpu / seconds, web_rss / 1024))
    print("| nginx (1 worker), idle | %.2f s | %.2f %% | %.1f MiB |"
          % (ng_cpu, 100 * ng_cpu / seconds, ng_rss / 1024))
    print("\n| Now page shows a change | median | max |")
    print("| --- | ---: | ---: |")
    print("| loaxactl mute → button text | %.2f s | %.2f s |" % (statistics.median(lat), max(lat)))


if __name__ == "__main__":
    main()
