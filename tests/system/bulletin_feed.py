"""A provincial bulletin server for the bulletins system tests and benchmarks:
nginx on 127.0.0.1 serving a folder of feeds, and a Feed that publishes into
one of them with the real loaxa-publish (and spoils what it published, to
play an attacker or a broken server).

    srv = Nginx(workdir).start()          # root = workdir/www, etag on
    feed = Feed(srv.root / "t1", srv.url("t1/index.atom"), keydir)
    ident = feed.publish(mp3, "emergency", plays=2, interval=2)
    feed.edit_cap(ident, lambda xml: xml.replace(...))  # edit and re-sign
    srv.statuses("/t1/index.atom")        # HTTP statuses from the access log
    srv.stop()

    tls = Nginx(workdir2, tls=True).start()   # https only, on 127.0.0.1
    tls.url("t1/index.atom")              # https://127.0.0.1:PORT/t1/index.atom
    tls.ca_pem                            # the test CA that signed its certificate
    Nginx(workdir3, tls=True, tls_san="DNS:example.invalid")  # a certificate for another host

    push = Nginx(workdir4, nchan=True).start()  # also nchan (Debian's libnginx-mod-nchan):
    push.url("sub/CHANNEL")               # EventSource subscribers (feeds[].push)
    push.url("pub/CHANNEL")               # its publisher endpoint (loaxa-publish --notify)

Also usable from a shell (bench/): `python3 bulletin_feed.py nginx WORKDIR`
prints "PORT n" and serves until killed.
"""

import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness.paths import build_dir  # noqa: E402
from harness.pulse import stop_process  # noqa: E402


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


NCHAN_MODULE = Path("/usr/lib/nginx/modules/ngx_nchan_module.so")


def nchan_missing():
    """None when nginx's nchan module is installed, else what is missing."""
    if not NCHAN_MODULE.exists():
        return "%s is missing (Debian package libnginx-mod-nchan)" % NCHAN_MODULE
    return None


def publish_bin():
    return build_dir() / "loaxa-publish"


def make_tls_certs(folder, san="IP:127.0.0.1"):
    """A CA of its own and a server certificate it signed for subjectAltName san,
    made with the openssl CLI in folder: (ca.pem, server.pem, server.key)."""
    d = Path(folder)
    d.mkdir(parents=True, exist_ok=True)
    ca, ca_key = d / "ca.pem", d / "ca.key"
    cert, key, csr, ext = d / "server.pem", d / "server.key", d / "server.csr", d / "server.ext"
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]

    def openssl(*args):
        subprocess.run(["openssl"] + [str(a) for a in args], stdin=subprocess.DEVNULL,
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=True,
                       timeout=30)
    openssl("req", "-x509", *ec, "-keyout", ca_key, "-out", ca, "-days", 2,
            "-subj", "/CN=loaxa test province CA",
            "-addext", "basicConstraints=critical,CA:TRUE",
            "-addext", "keyUsage=critical,keyCertSign,cRLSign")
    name = san.split(":", 1)[1]
    openssl("req", "-new", *ec, "-keyout", key, "-out", csr, "-subj", "/CN=%s" % name)
    ext.write_text("subjectAltName=%s\nbasicConstraints=CA:FALSE\n"
                   "keyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n" % san)
    openssl("x509", "-req", "-in", csr, "-CA", ca, "-CAkey", ca_key, "-CAcreateserial",
            "-out", cert, "-days", 2, "-extfile", ext)
    return ca, cert, key


class Nginx:
    """nginx -c CONF -p WORKDIR in the foreground, one worker, logs in WORKDIR.

    tls=True: https only, with a certificate for tls_san signed by a CA made
    for this server (self.ca_pem), both in WORKDIR/tls."""

    def __init__(self, workdir, port=None, access_log=True, tls=False, tls_san="IP:127.0.0.1",
                 nchan=False):
        self.dir = Path(workdir).resolve()
        self.root = self.dir / "www"
        self.port = port or free_port()
        self.access_log = self.dir / "access.log"
        self.log_access = access_log
        self.tls = tls
        self.tls_san = tls_san
        self.ca_pem = None
        self.nchan = nchan
        self.proc = None

    def url(self, rel):
        return "%s://127.0.0.1:%d/%s" % ("https" if self.tls else "http", self.port,
                                         rel.lstrip("/"))

    def _listen(self):
        if not self.tls:
            return "listen 127.0.0.1:%d;" % self.port
        self.ca_pem, cert, key = make_tls_certs(self.dir / "tls", self.tls_san)
        return ("listen 127.0.0.1:%d ssl; ssl_certificate %s; ssl_certificate_key %s;"
                % (self.port, cert, key))

    def _nchan_locations(self):
        if not self.nchan:
            return ""
        # Subscribers get only messages published after they connect (and, on
        # a reconnect with Last-Event-ID, those they missed); the publisher
        # endpoint is for the officer's machine only.
        return ("location ~ ^/sub/(\\w+)$ { nchan_subscriber eventsource; nchan_channel_id $1;"
                " nchan_subscriber_first_message newest; nchan_eventsource_ping_interval 30; }\n"
                "    location ~ ^/pub/(\\w+)$ { allow 127.0.0.1; deny all; nchan_publisher;"
                " nchan_channel_id $1; nchan_message_timeout 10m; nchan_message_buffer_length 20; }")

    def start(self, timeout=10.0):
        self.root.mkdir(parents=True, exist_ok=True)
        for sub in ("tmp",):
            (self.dir / sub).mkdir(exist_ok=True)
        d = self.dir
        # Running as root, nginx's workers would switch to nobody, who cannot
        # read pytest's 0700 temp folders: keep them as the current user.
        user = "user root root;" if os.geteuid() == 0 else ""
        conf = self.dir / "nginx.conf"
        conf.write_text(
            ("load_module %s;\n" % NCHAN_MODULE if self.nchan else "") +
            "daemon off; master_process on; worker_processes 1; %s\n"
            "pid %s/nginx.pid; error_log %s/error.log;\n"
            "events { worker_connections 4096; }\n"
            "http {\n"
            "  access_log %s;\n"
            "  client_body_temp_path %s/tmp/cb; proxy_temp_path %s/tmp/px;\n"
            "  fastcgi_temp_path %s/tmp/fc; uwsgi_temp_path %s/tmp/uw; scgi_temp_path %s/tmp/sc;\n"
            "  types { application/atom+xml atom; application/cap+xml xml; audio/mpeg mp3;\n"
            "          text/plain minisig; }\n"
            "  server { %s root %s; etag on;\n    %s }\n"
            "}\n" % (user, d, d, self.access_log if self.log_access else "off",
                     d, d, d, d, d, self._listen(), self.root, self._nchan_locations()))
        self.proc = subprocess.Popen(["nginx", "-c", str(conf), "-p", str(d)],
                                     stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=open(d / "nginx.stderr", "wb"),
                                     start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("nginx exited: %s" % (d / "nginx.stderr").read_text()
                                   + (d / "error.log").read_text() if (d / "error.log").exists()
                                   else "")
            try:
                socket.create_connection(("127.0.0.1", self.port), 0.2).close()
                return self
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError("nginx did not listen on %d" % self.port)

    def requests(self, path_prefix=""):
        """(path, status) from the access log, oldest first."""
        try:
            text = self.access_log.read_text()
        except OSError:
            return []
        out = []
        for m in re.finditer(r'"GET (\S+) HTTP/[\d.]+" (\d{3})', text):
            if m.group(1).startswith(path_prefix):
                out.append((m.group(1), int(m.group(2))))
        return out

    def statuses(self, path):
        return [s for p, s in self.requests(path) if p == path]

    def stop(self):
        stop_process(self.proc)


def run_publish(*args, timeout=60):
    proc = subprocess.run([str(publish_bin())] + [str(a) for a in args],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                          timeout=timeout)
    if proc.returncode != 0:
        raise AssertionError("loaxa-publish %s failed (%d): %s"
                             % (" ".join(map(str, args)), proc.returncode, proc.stderr))
    return proc.stdout.strip().splitlines()[-1]


def keygen(prefix):
    prefix = Path(prefix)
    if not prefix.with_suffix(".key").exists():
        prefix.parent.mkdir(parents=True, exist_ok=True)
        run_publish("keygen", prefix)
    return prefix


class Feed:
    """One feed folder (index.atom, alerts/, audio/) and the officer's key."""

    def __init__(self, folder, url, keydir, key_name="officer"):
        self.dir = Path(folder)
        self.url = url
        self.key = keygen(Path(keydir) / key_name)

    @property
    def pub(self):
        return "%s.pub" % self.key

    def station_feed(self, poll=1, push=None):
        return {"url": self.url, "keys": [self.pub], "poll": poll, "push": push}

    def publish(self, audio, priority="emergency", area="87", plays=None, interval=None,
                key=None, extra=()):
        args = ["publish", "--feed", self.dir, "--key", "%s.key" % (key or self.key),
                "--area", area, "--priority", priority]
        if plays is not None:
            args += ["--plays", plays]
        if interval is not None:
            args += ["--interval", interval]
        return run_publish(*(args + list(extra) + [audio]))

    def update(self, ident, audio=None, extra=()):
        args = ["update", "--feed", self.dir, "--key", "%s.key" % self.key] + list(extra)
        args.append(ident)
        if audio is not None:
            args.append(audio)
        return run_publish(*args)

    def cancel(self, ident):
        return run_publish("cancel", "--feed", self.dir, "--key", "%s.key" % self.key, ident)

    def cap_path(self, ident):
        return self.dir / "alerts" / ("%s.xml" % ident)

    def audio_path(self, ident):
        # audio/ID.EXT, EXT after the content (loaxa-publish names it).
        found = sorted((self.dir / "audio").glob("%s.*" % ident))
        return found[0] if found else self.dir / "audio" / ("%s.mp3" % ident)

    def sign(self, path, key=None):
        """Signs path with minisign itself (keys from loaxa-publish keygen are
        minisign's format): what an officer with the key can always do."""
        sig = Path("%s.minisig" % path)
        if sig.exists():
            sig.unlink()
        subprocess.run(["minisign", "-S", "-s", "%s.key" % (key or self.key), "-m", str(path)],
                       stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                       stderr=subprocess.PIPE, check=True, timeout=20)

    def edit_cap(self, ident, edit, resign=True):
        """Rewrites alerts/ID.xml through edit(text) -> text; re-signs unless told not to.
        The file is replaced by rename, as rsync does, so a server never sends half."""
        path = self.cap_path(ident)
        text = edit(path.read_text())
        tmp = path.with_name(".%s.tmp" % path.name)
        tmp.write_text(text)
        if resign:
            self.sign(tmp)
            os.replace("%s.minisig" % tmp, "%s.minisig" % path)
        os.replace(tmp, path)

    def relist(self, ident, new_name):
        """The same signed message under another URL, listed in index.atom too."""
        src = self.cap_path(ident)
        dst = src.with_name("%s.xml" % new_name)
        dst.write_bytes(src.read_bytes())
        Path("%s.minisig" % dst).write_bytes(Path("%s.minisig" % src).read_bytes())
        index = self.dir / "index.atom"
        text = index.read_text()
        entry = ('  <entry>\n    <id>urn:loaxa:bulletin:%s</id>\n    <title>copy</title>\n'
                 '    <updated>2026-01-01T00:00:00Z</updated>\n'
                 '    <link rel="alternate" type="application/cap+xml" href="alerts/%s.xml"/>\n'
                 '  </entry>\n' % (new_name, new_name))
        tmp = index.with_name(".index.tmp")
        tmp.write_text(text.replace("</feed>", entry + "</feed>"))
        os.replace(tmp, index)


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] != "nginx":
        sys.exit("usage: bulletin_feed.py nginx WORKDIR")
    srv = Nginx(sys.argv[2], access_log=os.environ.get("ACCESS_LOG", "1") == "1").start()
    print("PORT %d" % srv.port, flush=True)
    try:
        srv.proc.wait()
    except KeyboardInterrupt:
        srv.stop()


def update_results(results_md, subsection, body):
    """Replaces `### subsection` inside the "## Bulletins" section of
    bench/RESULTS.md (creating either when missing); other sections are left alone."""
    path = Path(results_md)
    text = path.read_text() if path.exists() else "# Benchmarks\n"
    block = "### %s\n\n%s\n" % (subsection, body.strip() + "\n")
    m = re.search(r"^## Bulletins\n", text, re.M)
    if not m:
        text = text.rstrip("\n") + "\n\n## Bulletins\n\n" + block
    else:
        start = m.end()
        nxt = re.search(r"^## ", text[start:], re.M)
        end = start + nxt.start() if nxt else len(text)
        section = text[start:end]
        sm = re.search(r"^### %s\n" % re.escape(subsection), section, re.M)
        if sm:
            snext = re.search(r"^###? ", section[sm.end():], re.M)
            send = sm.end() + snext.start() if snext else len(section)
            section = section[:sm.start()] + block + ("\n" if snext else "") + section[send:]
        else:
            section = section.rstrip("\n") + "\n\n" + block
        if not section.startswith("\n"):
            section = "\n" + section
        tail = text[end:]
        text = text[:start] + section.rstrip("\n") + "\n" + ("\n" + tail if tail else "")
    path.write_text(text)
