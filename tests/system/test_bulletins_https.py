"""Bulletins over HTTPS: a province serving its feed with a certificate from its
own CA names that CA in the feed's `ca`, and every transfer (index, CAP,
signature, audio) is verified against it. Certificates are always verified:
without the right CA, or for a certificate naming another host, nothing is
fetched and nothing airs, the technician reads one line naming the problem,
and the station keeps running.

nginx serves https only on 127.0.0.1 with a CA and a server certificate made
by the openssl CLI in the test's temp folder (bulletin_feed.make_tls_certs).

Run: LOAXA_BUILD=build /usr/bin/python3 -m pytest -q tests/system/test_bulletins_https.py
"""

import re
import shutil
import time

import pytest

import harness
from bulletin_feed import Feed, Nginx
from test_bulletins import BUL_HZ, capture_labels, log_lines


def _nginx(workdir, **kw):
    if not shutil.which("nginx") or not shutil.which("openssl"):
        pytest.skip("nginx or openssl is not installed")
    return Nginx(workdir, tls=True, **kw).start()


@pytest.fixture(scope="module")
def tls_nginx(tmp_path_factory):
    """https://127.0.0.1:PORT with a certificate for IP 127.0.0.1 from its own CA."""
    srv = _nginx(tmp_path_factory.mktemp("nginx-tls"))
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def tone(tmp_path_factory):
    return harness.make_tone(tmp_path_factory.mktemp("tones") / "bul.mp3", BUL_HZ, 1)


def make_feed(srv, name, tmp_path):
    return Feed(srv.root / name, srv.url("%s/index.atom" % name), tmp_path / "keys")


def https_station(tmp_path, feed, device, ca=None):
    item = 'url = "%s"; keys = [ "%s" ]; poll = 1;' % (feed.url, feed.pub)
    if ca is not None:
        item += ' ca = "%s";' % ca
    return harness.write_config(tmp_path / "station", device=device,
                                extra="feeds = ( { %s } );" % item)


def assert_refused_quietly(d, srv, feed, alsa_capture, problem):
    """Nothing fetched, nothing aired, one line naming the problem, still running."""
    time.sleep(4.0)  # a few more polls, backing off
    assert d.running()
    d.stop()
    failing = log_lines(d, r"feed \S+ failing")
    assert len(failing) == 1, d.log_text()
    assert re.search(problem, failing[0]), failing[0]
    assert not log_lines(d, r"accepted|rejected")
    assert d.played_lines() == []
    assert capture_labels(alsa_capture) == []
    # The TLS handshake failed: no HTTP request reached the server.
    assert srv.requests("/%s/" % feed.dir.name) == []


def test_a_feed_over_https_with_the_provinces_ca_airs(tls_nginx, tone, tmp_path,
                                                      alsa_capture, start_daemon):
    feed = make_feed(tls_nginx, "own_ca", tmp_path)
    ident = feed.publish(tone, "emergency", plays=1)
    conf = https_station(tmp_path, feed, alsa_capture.device, ca=tls_nginx.ca_pem)
    d = start_daemon(conf, env=alsa_capture.env())
    d.wait_for_played(1, timeout=15, pred=lambda l: l.get("bulletin") == ident)
    time.sleep(0.5)
    d.stop()
    assert [(l["kind"], l["result"], l.get("bulletin")) for l in d.played_lines()] == [
        ("chime", "completed", None), ("bulletin", "completed", ident)]
    assert [n for n, _, _ in capture_labels(alsa_capture)] == ["chime", "BUL"]
    assert not log_lines(d, r"failing|rejected")
    # Every transfer went to the https-only server, verified with `ca`.
    base = "/%s/" % feed.dir.name
    served = {p for p, status in tls_nginx.requests(base) if status == 200}
    assert {base + "index.atom", base + "alerts/%s.xml" % ident,
            base + "alerts/%s.xml.minisig" % ident,
            base + "audio/%s.mp3" % ident} <= served, served


def test_without_the_ca_the_system_store_refuses_the_certificate(
        tls_nginx, tone, tmp_path, alsa_capture, start_daemon):
    feed = make_feed(tls_nginx, "system_store", tmp_path)
    feed.publish(tone, "emergency", plays=1)
    conf = https_station(tmp_path, feed, alsa_capture.device)
    d = start_daemon(conf, env=alsa_capture.env())
    d.wait_for_log(r"feed \S+ failing: .*certificate", timeout=10)
    assert_refused_quietly(d, tls_nginx, feed, alsa_capture,
                           r"SSL certificate problem: unable to get local issuer certificate")


def test_a_certificate_for_another_host_is_refused_even_with_its_ca(
        tone, tmp_path, alsa_capture, start_daemon):
    srv = _nginx(tmp_path / "wrong-host", tls_san="DNS:example.invalid")
    try:
        feed = make_feed(srv, "wrong_host", tmp_path)
        feed.publish(tone, "emergency", plays=1)
        conf = https_station(tmp_path, feed, alsa_capture.device, ca=srv.ca_pem)
        d = start_daemon(conf, env=alsa_capture.env())
        d.wait_for_log(r"feed \S+ failing", timeout=10)
        assert_refused_quietly(d, srv, feed, alsa_capture,
                               r"subject name matches target host name '127\.0\.0\.1'")
    finally:
        srv.stop()


def test_a_missing_ca_file_is_warned_at_its_line_and_nothing_is_trusted(
        tls_nginx, tone, tmp_path, alsa_capture, start_daemon):
    feed = make_feed(tls_nginx, "missing_ca", tmp_path)
    feed.publish(tone, "emergency", plays=1)
    missing = tmp_path / "keys" / "province-ca.pem"
    conf = https_station(tmp_path, feed, alsa_capture.device, ca=missing)
    check = harness.run_check(conf)
    said = check.stdout + check.stderr
    assert re.search(r"loaxa\.conf:\d+: .*ca '%s' does not exist" % re.escape(str(missing)),
                     said), said
    d = start_daemon(conf, env=alsa_capture.env())
    d.wait_for_log(r"feed \S+ failing", timeout=10)
    assert_refused_quietly(d, tls_nginx, feed, alsa_capture, re.escape(str(missing)))
