"""Running the real loaxa-collector against a private PostgreSQL (harness.postgres).

    col = Collector(tmpdir, pg.uri("db1"), offline_after=3).start()
    token = col.addstation("Xã A")           # the token, printed once
    col.adduser("huyen", "mat-khau-1")       # role district
    s = col.session("huyen", "mat-khau-1")   # a signed-in requests-like client (urllib)
    s.get_json("/api/stations")
    col.post_ingest(token, [obj, ...])       # (status, json)
    col.stop()
"""

import http.cookiejar
import json
import os
import re
import signal
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from .paths import REPO_ROOT, build_dir
from .pulse import stop_process


def collector_bin():
    return build_dir() / "loaxa-collector"


def free_port():
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Collector:
    def __init__(self, tmpdir, database, offline_after=180, port=None, name="collector",
                 users=None, language="vi"):
        self.dir = Path(tmpdir) / name
        self.dir.mkdir(parents=True, exist_ok=True)
        self.port = port or free_port()
        self.conf = self.dir / "collector.conf"
        self.users = Path(users) if users else self.dir / "users"
        self.conf.write_text(
            'listen = "127.0.0.1:%d";\ndatabase = "%s";\nusers = "%s";\n'
            'offline_after = %d;\nshare = "%s";\nthreads = 4;\nlanguage = "%s";\n'
            % (self.port, database, self.users, offline_after, REPO_ROOT, language))
        self.log = self.dir / "collector.log"
        self.proc = None
        self.url = "http://127.0.0.1:%d" % self.port

    def run(self, *args, input=None, check=True):
        r = subprocess.run([str(collector_bin()), "-c", str(self.conf)] + [str(a) for a in args],
                           input=input, capture_output=True, text=True, timeout=60)
        if check and r.returncode != 0:
            raise AssertionError("loaxa-collector %s: exit %d\n%s" % (args, r.returncode, r.stderr))
        return r

    def addstation(self, name):
        token = self.run("addstation", name).stdout.strip()
        assert re.fullmatch(r"[0-9a-f]{64}", token), token
        return token

    def adduser(self, name, password, role="district"):
        self.run("adduser", name, "--role", role, input=password + "\n")

    def start(self, timeout=20.0):
        seen = len(self.log_text())  # a restart: only this run's lines count
        self.logf = open(self.log, "ab")
        self.proc = subprocess.Popen([str(collector_bin()), "-f", "-c", str(self.conf)],
                                     stdout=self.logf, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError("loaxa-collector exited %d:\n%s" %
                                     (self.proc.returncode, self.log_text()))
            if "listening on" in self.log_text()[seen:]:
                return self
            time.sleep(0.05)
        raise AssertionError("loaxa-collector did not start:\n%s" % self.log_text())

    def log_text(self):
        try:
            return self.log.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def stop(self):
        if self.proc is not None:
            stop_process(self.proc)
            self.proc = None
            self.logf.close()

    def kill9(self):
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait()
        self.proc = None
        self.logf.close()

    def post_ingest(self, token, objs, raw=None):
        body = raw if raw is not None else "".join(
            json.dumps(o, ensure_ascii=False) + "\n" for o in objs).encode()
        req = urllib.request.Request(self.url + "/ingest", data=body, method="POST")
        if token is not None:
            req.add_header("Authorization", "Bearer " + token)
        req.add_header("Content-Type", "application/x-ndjson")
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                return r.status, json.loads(r.read() or b"null")
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read() or b"null")

    def session(self, user, password):
        return Session(self.url, user, password)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kw):
        return None


class Session:
    """A signed-in client: cookie kept, redirects not followed (303s are seen)."""

    def __init__(self, url, user, password):
        self.url = url
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar),
                                                  _NoRedirect())
        status, _, _ = self.request("/login", {"username": user, "password": password})
        assert status == 303, "sign-in failed: %d" % status

    def request(self, path, form=None, headers=None):
        data = urllib.parse.urlencode(form).encode() if form is not None else None
        req = urllib.request.Request(self.url + path, data=data, headers=headers or {})
        try:
            with self.opener.open(req, timeout=30) as r:
                return r.status, dict(r.headers), r.read()
        except urllib.error.HTTPError as e:
            return e.code, dict(e.headers), e.read()

    def get_json(self, path):
        status, _, body = self.request(path)
        assert status == 200, "%s: %d %s" % (path, status, body[:200])
        return json.loads(body)
