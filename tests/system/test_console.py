"""loaxa-web, the operator's console, against a real loaxad: in headless Chromium
(Selenium) at a phone's size, and over plain HTTP for what must be refused.

Screenshots of every page at phone and desktop size go to $LOAXA_ARTEFACTS
(default BUILD/artefacts/console/).

Run: LOAXA_BUILD=build /usr/bin/python3 -m pytest -q tests/system/test_console.py
"""

import base64
import csv
import http.client
import io
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import time
import urllib.parse
import uuid
from pathlib import Path

import pytest

import harness

REPO = Path(__file__).resolve().parents[2]
PHONE = (390, 844)
DESKTOP = (1280, 900)
PASSWORD = "mật-khẩu-lan-2026"


def web_bin():
    return harness.build_dir() / "loaxa-web"


def artefacts():
    d = Path(os.environ.get("LOAXA_ARTEFACTS") or harness.build_dir() / "artefacts" / "console")
    d.mkdir(parents=True, exist_ok=True)
    return d


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def ctl(conf, *args):
    return subprocess.run([str(harness.loaxactl_bin()), "-c", str(conf)] + [str(a) for a in args],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=20)


def muted(conf):
    out = ctl(conf, "status").stdout
    m = re.search(r"^Mute\s+(\S+)", out, re.M)
    assert m, out
    return m.group(1) == "on"


class Web:
    """loaxa-web -f -c CONF, stderr to a file, stopped by SIGTERM."""

    def __init__(self, conf, port):
        self.conf, self.port = conf, port
        self.log = conf.parent / "loaxa-web.stderr"
        env = dict(os.environ, LOAXA_WEB_DIR=str(REPO / "web"))
        self.proc = subprocess.Popen([str(web_bin()), "-f", "-c", str(conf)], env=env,
                                     stdout=open(self.log, "ab"), stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + 10
        while True:
            assert self.proc.poll() is None, self.log.read_text()
            try:
                socket.create_connection(("127.0.0.1", port), 0.2).close()
                break
            except OSError:
                assert time.monotonic() < deadline, self.log.read_text()
                time.sleep(0.05)

    @property
    def base(self):
        return "http://127.0.0.1:%d" % self.port

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def adduser(conf, name, role, password=PASSWORD):
    r = subprocess.run([str(web_bin()), "-c", str(conf), "adduser", name, "--role", role],
                       input=password + "\n", stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True, timeout=30)
    assert r.returncode == 0, r.stderr


def web_config(tmp_path, device, port, slots, session_hours=12, name="loaxa.conf"):
    extra = ('web = { listen = "127.0.0.1:%d"; users = "%s"; uploads = "%s"; '
             'session_hours = %s; };' % (port, tmp_path / "web-users", tmp_path / "uploads",
                                          session_hours))
    return harness.write_config(tmp_path, device=device, slots=slots, extra=extra,
                                station="Xã Tân Thạnh", name=name)


@pytest.fixture
def require_web():
    if not web_bin().exists():
        pytest.skip("%s is not built" % web_bin())


def wait_socket(path, daemon):
    deadline = time.monotonic() + 10
    while not path.exists():
        assert daemon.running() and time.monotonic() < deadline, daemon.log_text()[-3000:]
        time.sleep(0.05)


@pytest.fixture
def console(tmp_path, alsa_capture, start_daemon, require_web, audio_dir):
    """A station whose slot is on air (two tones then the bulletins step, looping),
    with loaxa-web in front and an operator account "lan"."""
    harness.make_tone(audio_dir / "tone-a.mp3", 440, 3.0)
    harness.make_tone(audio_dir / "tone-b.mp3", 880, 3.0)
    start, end, _ = harness.slot_times(1, 600)
    port = free_port()
    conf = web_config(tmp_path, alsa_capture.device, port, [harness.slot(
        "sang", start, end, ["file:%s" % (audio_dir / "tone-a.mp3"),
                             "file:%s" % (audio_dir / "tone-b.mp3"), "bulletins"], loop=True)])
    adduser(conf, "lan", "operator")
    adduser(conf, "minh", "technician")
    d = start_daemon(conf, env=alsa_capture.env())
    wait_socket(tmp_path / "loaxad.sock", d)
    w = Web(conf, port)
    w.daemon, w.capture = d, alsa_capture
    yield w
    w.stop()


@pytest.fixture
def browser(tmp_path):
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.options import Options
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        pytest.skip("python3-selenium is not installed")
    chromium = shutil.which("chromium")
    driver_bin = shutil.which("chromedriver")
    if not chromium or not driver_bin:
        pytest.skip("chromium and chromium-driver are not installed")
    opts = Options()
    opts.binary_location = chromium
    for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
              "--window-size=%d,%d" % PHONE, "--lang=vi"):
        opts.add_argument(a)
    drv = webdriver.Chrome(service=Service(driver_bin), options=opts)
    drv.downloads = tmp_path / "downloads"
    drv.downloads.mkdir()
    drv.execute_cdp_cmd("Page.setDownloadBehavior",
                        {"behavior": "allow", "downloadPath": str(drv.downloads)})
    yield drv
    drv.quit()


def shoot(drv, name):
    """Full-page screenshots at phone and desktop size, back to phone size after."""
    for label, (w, h) in (("phone", PHONE), ("desktop", DESKTOP)):
        drv.set_window_size(w, h)
        time.sleep(0.2)
        metrics = drv.execute_cdp_cmd("Page.getLayoutMetrics", {})
        height = max(h, int(metrics["cssContentSize"]["height"]))
        shot = drv.execute_cdp_cmd("Page.captureScreenshot", {
            "format": "png", "captureBeyondViewport": True,
            "clip": {"x": 0, "y": 0, "width": w, "height": height, "scale": 1}})
        (artefacts() / ("%s-%s.png" % (name, label))).write_bytes(base64.b64decode(shot["data"]))
    drv.set_window_size(*PHONE)


def wait_until(fn, timeout, what):
    deadline = time.monotonic() + timeout
    while True:
        v = fn()
        if v:
            return v
        assert time.monotonic() < deadline, "timed out waiting for %s" % what
        time.sleep(0.1)


def text_of(drv, css):
    from selenium.webdriver.common.by import By
    return drv.find_element(By.CSS_SELECTOR, css).text


def test_operator_runs_the_station_from_a_phone(console, browser, audio_dir):
    from selenium.webdriver.common.by import By
    drv, base, conf = browser, console.base, console.conf

    # Without a session every page leads to sign-in.
    drv.get(base + "/notices")
    assert drv.current_url == base + "/login"
    shoot(drv, "login")
    user = drv.find_element(By.NAME, "username")
    assert user.get_attribute("autocomplete") == "username"
    assert drv.find_element(By.NAME, "password").get_attribute("autocomplete") == "current-password"
    user.send_keys("lan")
    drv.find_element(By.NAME, "password").send_keys(PASSWORD)
    drv.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
    wait_until(lambda: drv.current_url == base + "/", 10, "the Now page")

    # The item on air changes by itself, without a reload.
    drv.execute_script("window.loaxaNoReload = 42;")
    first = wait_until(lambda: "tone-" in text_of(drv, "#item") and text_of(drv, "#item"), 15,
                       "a tone on air")
    wait_until(lambda: "tone-" in text_of(drv, "#item") and text_of(drv, "#item") != first, 15,
               "the next item on air (was %r)" % first)
    assert drv.execute_script("return window.loaxaNoReload;") == 42
    assert "sang" in text_of(drv, "#slot")
    shoot(drv, "now")

    # Mute with the button: the daemon is muted; and back.
    assert not muted(conf)
    drv.find_element(By.ID, "mute").click()
    wait_until(lambda: muted(conf), 10, "loaxad muted")
    wait_until(lambda: text_of(drv, "#mute") == "Bật tiếng", 5, "the button to say Bật tiếng")
    assert "tắt tiếng" in text_of(drv, "#muted").lower()
    shoot(drv, "now-muted")
    drv.find_element(By.ID, "mute").click()
    wait_until(lambda: not muted(conf), 10, "loaxad unmuted")
    console.daemon.wait_for_log(r"control: mute by lan \(through ")

    # A notice from a phone recording airs in the next bulletins step.
    rec = audio_dir / "thong-bao.mp3"
    harness.make_tone(rec, 1320, 2.0)
    drv.find_element(By.LINK_TEXT, "Thông báo").click()
    wait_until(lambda: drv.current_url == base + "/notices", 5, "the Notices page")
    drv.find_element(By.ID, "title").send_keys("Tiêm chủng thứ Bảy")
    drv.find_element(By.ID, "audio").send_keys(str(rec))
    drv.find_element(By.ID, "add-notice").click()
    wait_until(lambda: "Đã thêm thông báo" in text_of(drv, "#flash"), 10, "the notice added")
    assert "Tiêm chủng thứ Bảy" in text_of(drv, "ul.notices")
    shoot(drv, "notices")
    line = wait_until(lambda: [l for l in console.daemon.played_lines()
                               if l.get("kind") == "notice"], 40, "the notice in the as-played log")[0]
    assert line["title"] == "Tiêm chủng thứ Bảy" and line["result"] == "completed", line
    rate, samples = console.capture.samples()
    tones = harness.tone_segments(samples, rate)
    # Its two seconds were heard (a loaded machine may split them).
    heard = sum(t.duration_s for t in tones if abs(t.freq_hz - 1320) < 15)
    assert heard > 1.5, tones
    console.daemon.wait_for_log(r'notice 1 "Tiêm chủng thứ Bảy" added by lan')

    # The plan shows the slot and the notice due today.
    drv.find_element(By.LINK_TEXT, "Lịch phát").click()
    wait_until(lambda: "sang" in text_of(drv, "main"), 5, "the plan")
    assert "Tiêm chủng thứ Bảy" in text_of(drv, "main")
    shoot(drv, "plan")

    # The log, readable, and its CSV.
    drv.find_element(By.LINK_TEXT, "Nhật ký").click()
    wait_until(lambda: "Tiêm chủng thứ Bảy" in text_of(drv, "table.log"), 5, "the notice in the log")
    assert "Phát xong" in text_of(drv, "table.log")
    shoot(drv, "log")
    drv.find_element(By.ID, "csv").click()
    got = wait_until(lambda: [p for p in drv.downloads.glob("*.csv")], 10, "the CSV download")[0]
    rows = list(csv.DictReader(io.StringIO(got.read_text(encoding="utf-8-sig"))))
    assert any(r["kind"] == "notice" and r["title"] == "Tiêm chủng thứ Bảy" for r in rows), rows
    assert any(r["source"].endswith("tone-a.mp3") and r["result"] == "completed" for r in rows)

    # Sign out: the session is gone.
    drv.find_element(By.ID, "signout").click()
    wait_until(lambda: drv.current_url == base + "/login", 5, "the sign-in page")
    drv.get(base + "/")
    assert drv.current_url == base + "/login"

    # A technician also sees the configuration, read-only.
    drv.find_element(By.NAME, "username").send_keys("minh")
    drv.find_element(By.NAME, "password").send_keys(PASSWORD)
    drv.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
    wait_until(lambda: drv.current_url == base + "/", 10, "the technician's Now page")
    drv.find_element(By.LINK_TEXT, "Cấu hình").click()
    wait_until(lambda: "Xã Tân Thạnh" in text_of(drv, "pre.config"), 5, "the configuration")
    shoot(drv, "config")


# ---- what must be refused: plain HTTP, as an attacker would send it ----

def request(base, method, path, body=None, headers=None, cookie=None):
    host = base.split("//")[1]
    c = http.client.HTTPConnection(host, timeout=30)
    h = dict(headers or {})
    if cookie:
        h["Cookie"] = cookie
    if isinstance(body, dict):
        body = urllib.parse.urlencode(body)
        h.setdefault("Content-Type", "application/x-www-form-urlencoded")
    c.request(method, path, body=body, headers=h)
    r = c.getresponse()
    data = r.read()
    c.close()
    return r.status, dict((k.lower(), v) for k, v in r.getheaders()), data


def multipart(fields, files):
    boundary = uuid.uuid4().hex
    out = io.BytesIO()
    for k, v in fields.items():
        out.write(("--%s\r\nContent-Disposition: form-data; name=\"%s\"\r\n\r\n%s\r\n"
                   % (boundary, k, v)).encode())
    for k, (name, data) in files.items():
        out.write(("--%s\r\nContent-Disposition: form-data; name=\"%s\"; filename=\"%s\"\r\n"
                   "Content-Type: application/octet-stream\r\n\r\n" % (boundary, k, name)).encode())
        out.write(data)
        out.write(b"\r\n")
    out.write(("--%s--\r\n" % boundary).encode())
    return out.getvalue(), {"Content-Type": "multipart/form-data; boundary=%s" % boundary}


def sign_in(base, name="lan", password=PASSWORD):
    status, h, _ = request(base, "POST", "/login", {"username": name, "password": password})
    assert status == 303, status
    cookie = h["set-cookie"].split(";")[0]
    _, _, page = request(base, "GET", "/", cookie=cookie)
    token = re.search(rb'name="csrf" content="([0-9a-f]+)"', page).group(1).decode()
    return cookie, token, h["set-cookie"]


def test_without_a_valid_session_token_or_origin_nothing_changes(tmp_path, alsa_capture,
                                                                   start_daemon, require_web):
    start, end, _ = harness.slot_times(3600, 60)
    port = free_port()
    conf = web_config(tmp_path, alsa_capture.device, port,
                      [harness.slot("toi", start, end, ["bulletins"])])
    adduser(conf, "lan", "operator")
    adduser(conf, "minh", "technician")
    d = start_daemon(conf, env=alsa_capture.env())
    wait_socket(tmp_path / "loaxad.sock", d)
    w = Web(conf, port)
    try:
        base = w.base
        stored = tmp_path / "state" / "notices.json"

        def notices():
            return json.loads(stored.read_text())["notices"] if stored.exists() else []
        # No session: pages lead to sign-in, the API answers 401, actions do nothing.
        status, h, _ = request(base, "GET", "/")
        assert status == 303 and h["location"] == "/login"
        assert request(base, "GET", "/api/status")[0] == 401
        assert request(base, "POST", "/api/mute", {"mute": "1"})[0] == 401
        assert not muted(conf)

        # A wrong password says so without saying which part was wrong.
        status, h, page = request(base, "POST", "/login", {"username": "lan", "password": "sai-roi-1"})
        assert status == 401 and "loaxa_web=" not in h.get("set-cookie", "loaxa_web=;").replace("loaxa_web=;", "")
        assert "Tên đăng nhập hoặc mật khẩu không đúng" in page.decode()
        status, _, page2 = request(base, "POST", "/login", {"username": "khong-co", "password": "sai-roi-1"})
        assert status == 401 and page2 == page

        cookie, token, raw = sign_in(base)
        assert "HttpOnly" in raw and "SameSite=Strict" in raw
        # A POST with only the cookie, or from another origin, is refused.
        assert request(base, "POST", "/api/mute", {"mute": "1"}, cookie=cookie)[0] == 403
        assert request(base, "POST", "/api/mute", {"mute": "1", "csrf": token}, cookie=cookie,
                       headers={"Origin": "http://evil.example"})[0] == 403
        assert not muted(conf)
        # Uploads: not audio, and too large, are refused; no notice appears.
        body, hdrs = multipart({"csrf": token, "action": "add", "title": "Rác"},
                               {"audio": ("thong-bao.mp3", b"<html><script>alert(1)</script>" * 50)})
        status, _, answer = request(base, "POST", "/api/notices", body, hdrs, cookie=cookie)
        assert status == 400 and "không phải âm thanh" in answer.decode(), answer
        body, hdrs = multipart({"csrf": token, "action": "add", "title": "Quá lớn"},
                               {"audio": ("big.mp3", b"\xff\xfb\x90\x00" * (17 * 1024 * 1024 // 4))})
        assert request(base, "POST", "/api/notices", body, hdrs, cookie=cookie)[0] == 413
        assert notices() == []
        assert not list((tmp_path / "uploads").glob("*")) if (tmp_path / "uploads").exists() else True
        # The technician's page is not the operator's.
        assert request(base, "GET", "/config", cookie=cookie)[0] == 403
        tcookie, _, _ = sign_in(base, "minh")
        status, _, page = request(base, "GET", "/config", cookie=tcookie)
        assert status == 200 and "Xã Tân Thạnh" in page.decode()

    finally:
        w.stop()

    # An expired session is no session: the same station, a console whose
    # sessions last 0.0005 h (1.8 s).
    port2 = free_port()
    conf2 = web_config(tmp_path, alsa_capture.device, port2,
                       [harness.slot("toi", start, end, ["bulletins"])], session_hours=0.0005,
                       name="short-sessions.conf")
    w2 = Web(conf2, port2)
    try:
        cookie, token, _ = sign_in(w2.base)
        assert request(w2.base, "GET", "/api/status", cookie=cookie)[0] == 200
        time.sleep(2.5)
        assert request(w2.base, "GET", "/api/status", cookie=cookie)[0] == 401
        assert request(w2.base, "POST", "/api/mute", {"mute": "1", "csrf": token},
                       cookie=cookie)[0] == 401
        assert not muted(conf)
        assert notices() == []
    finally:
        w2.stop()
