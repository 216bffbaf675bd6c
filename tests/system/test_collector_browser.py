"""The district console in a real browser: headless Chromium driven by Selenium
(Debian's chromium, chromium-driver, python3-selenium), at a phone's size and a
desktop's. Stations report through the real /ingest with their tokens; the officer
signs in, sees who is online, opens a bulletin's page (who aired it, who skipped it,
who never mentioned it), opens a station's day and downloads its CSV.

Screenshots of every page are kept in $LOAXA_BUILD/test-artifacts/collector/ (look
at them). Run: LOAXA_BUILD=build /usr/bin/python3 -m pytest -q tests/system/test_collector_browser.py
"""

import shutil
import time
from pathlib import Path

import pytest

from harness.collector import Collector
from harness.paths import build_dir

PASSWORD = "mật-khẩu-huyện"
SIZES = {"phone": (390, 844), "desktop": (1280, 900)}

webdriver = pytest.importorskip("selenium.webdriver", reason="python3-selenium is not installed")
from selenium.webdriver.chrome.service import Service as ChromeService  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402


def artifacts():
    d = build_dir() / "test-artifacts" / "collector"
    d.mkdir(parents=True, exist_ok=True)
    return d


@pytest.fixture
def district(tmp_path, db):
    """A collector with three stations: two online and one never heard from, and
    an emergency bulletin aired by one, skipped by another."""
    col = Collector(tmp_path, db)
    col.adduser("huyen", PASSWORD)
    col.start()
    tokens = {n: col.addstation(n) for n in ("Xã Một", "Xã Hai", "Xã Ba")}
    now = time.strftime("%Y-%m-%dT%H:%M:%S.000%z")
    now = now[:-2] + ":" + now[-2:]
    today = time.strftime("%Y-%m-%d")
    for name, online in (("Xã Một", True), ("Xã Hai", True)):
        # The heartbeat carries loaxactl status's facts under its names.
        hb = {"type": "heartbeat", "station": name, "now": now, "version": "0.1.0",
              "online": True, "volume": 90, "muted": name == "Xã Hai",
              "device": {"name": "default", "ok": True, "underruns": 0},
              "feeds": [{"url": "http://p/index.atom", "outcome": "ok"}],
              "disk": {"path": "/var/lib/loaxa", "free_bytes": 3 * 10**9, "total_bytes": 8 * 10**9},
              "slot": {"name": "sáng"}, "item": {"kind": "playlist", "source": "nhạc.mp3"}}
        assert col.post_ingest(tokens[name], [hb])[0] == 200
    aired = {"start": now, "end": now, "slot": None, "kind": "bulletin", "source": "/c/b.mp3",
             "result": "completed", "played_s": 30.5, "bulletin": "LU-2026-11",
             "priority": "emergency", "language": "vi", "station": "Xã Một"}
    skipped = dict(aired, station="Xã Hai", result="skipped", reason="expired before airing",
                   played_s=0)
    assert col.post_ingest(tokens["Xã Một"], [aired])[1]["stored"] == 1
    assert col.post_ingest(tokens["Xã Hai"], [skipped])[1]["stored"] == 1
    col.today = today
    yield col
    col.stop()


@pytest.fixture(params=list(SIZES))
def browser(request, tmp_path):
    if not (shutil.which("chromium") and shutil.which("chromedriver")):
        pytest.skip("chromium and chromium-driver are not installed")
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    opts = webdriver.ChromeOptions()
    opts.binary_location = shutil.which("chromium")
    for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
              "--lang=vi", "--window-size=%d,%d" % SIZES[request.param]):
        opts.add_argument(a)
    opts.add_experimental_option("prefs", {"download.default_directory": str(downloads),
                                           "download.prompt_for_download": False})
    service = ChromeService(executable_path=shutil.which("chromedriver"))
    drv = webdriver.Chrome(options=opts, service=service)
    drv.set_page_load_timeout(60)
    drv.size_name = request.param
    drv.downloads = downloads
    yield drv
    drv.quit()


def shot(drv, name):
    path = artifacts() / ("%s-%s.png" % (name, drv.size_name))
    # The whole page, not just the window: set the window to the document's height.
    h = drv.execute_script("return document.documentElement.scrollHeight")
    w = SIZES[drv.size_name][0]
    drv.set_window_size(w, max(h + 100, SIZES[drv.size_name][1]))
    drv.save_screenshot(str(path))
    drv.set_window_size(*SIZES[drv.size_name])
    return path


def wait(drv, css, timeout=20):
    return WebDriverWait(drv, timeout).until(lambda d: d.find_element(By.CSS_SELECTOR, css))


def test_sign_in_see_stations_a_bulletin_and_download_a_day(district, browser):
    drv = browser
    drv.get(district.url + "/")
    assert drv.current_url.endswith("/login")          # no session: the sign-in page
    shot(drv, "1-login")
    drv.find_element(By.NAME, "username").send_keys("huyen")
    drv.find_element(By.NAME, "password").send_keys("sai-mật-khẩu")
    drv.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    err = wait(drv, "p.error")
    assert "không đúng" in err.text                      # wrong password, said so
    drv.find_element(By.NAME, "username").clear()
    drv.find_element(By.NAME, "username").send_keys("huyen")
    drv.find_element(By.NAME, "password").send_keys(PASSWORD)
    drv.find_element(By.CSS_SELECTOR, "button[type=submit]").click()

    count = wait(drv, "#count")
    assert count.text == "2 / 3"
    states = {r.get_attribute("data-name"): r.find_element(By.CSS_SELECTOR, "td.state").text
              for r in drv.find_elements(By.CSS_SELECTOR, "#stations tr[data-name]")}
    assert states == {"Xã Một": "Hoạt động", "Xã Hai": "Hoạt động", "Xã Ba": "Mất liên lạc"}
    assert "Mất liên lạc: Xã Ba" in drv.find_element(By.ID, "alarms").text
    shot(drv, "2-stations")
    drv.find_element(By.LINK_TEXT, "Đang tắt tiếng").click()
    names = [r.get_attribute("data-name")
             for r in drv.find_elements(By.CSS_SELECTOR, "#stations tr[data-name]")]
    assert names == ["Xã Hai"]

    drv.find_element(By.LINK_TEXT, "Bản tin").click()
    wait(drv, "#bulletins")
    shot(drv, "3-bulletins")
    drv.find_element(By.LINK_TEXT, "LU-2026-11").click()
    wait(drv, "#bulletin-stations")
    rows = {r.get_attribute("data-name"): r.get_attribute("data-state")
            for r in drv.find_elements(By.CSS_SELECTOR, "#bulletin-stations tr[data-name]")}
    assert rows == {"Xã Một": "st_aired", "Xã Hai": "st_skipped", "Xã Ba": "st_never"}
    assert "expired before airing" in drv.find_element(By.ID, "bulletin-stations").text
    assert drv.find_element(By.ID, "aired-count").text == "1 / 3"
    shot(drv, "4-bulletin")

    drv.get(district.url + "/")
    wait(drv, "#stations")
    drv.find_element(By.LINK_TEXT, "Xã Một").click()
    wait(drv, "#day")
    assert "LU-2026-11" in drv.find_element(By.ID, "day").text
    shot(drv, "5-station-day")
    drv.find_element(By.ID, "csv").click()
    csv = drv.downloads / ("loaxa-%s.csv" % district.today)
    deadline = time.monotonic() + 20
    while not csv.exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert csv.exists(), list(drv.downloads.iterdir())
    lines = csv.read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("start,end,slot,kind,source,result")
    assert len(lines) == 2 and ",bulletin,/c/b.mp3,completed,,LU-2026-11,emergency," in lines[1]

    # Sign out: the session is gone, the pages shut again.
    drv.find_element(By.CSS_SELECTOR, "header form button").click()
    wait(drv, "input[name=username]")
    drv.get(district.url + "/bulletins")
    assert drv.current_url.endswith("/login")
