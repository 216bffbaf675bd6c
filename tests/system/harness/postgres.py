"""A private PostgreSQL for the collector's tests: Debian's server binaries, a cluster
made by initdb in a temporary folder, owned and run by an unprivileged user when the
tests run as root (PostgreSQL refuses root), listening only on a Unix socket in that
folder. Stopped (fast) and removed at the end.

    pg = Postgres(tmpdir); pg.start(); pg.createdb("loaxa")
    pg.uri("loaxa") -> "postgresql:///loaxa?host=/tmp/...&user=loaxa"
    pg.psql("loaxa", "SELECT 1") -> stdout text
    pg.stop()
"""

import os
import pwd
import shutil
import tempfile
import subprocess
import time
from pathlib import Path

PG_BINDIRS = ("/usr/lib/postgresql/17/bin", "/usr/lib/postgresql/16/bin",
              "/usr/lib/postgresql/15/bin")


def pg_bindir():
    """Debian's server binaries (initdb, pg_ctl, postgres), or None."""
    for d in PG_BINDIRS:
        if os.path.exists(os.path.join(d, "initdb")):
            return d
    return None


def _runas():
    """The prefix that runs a command as the cluster's owner: nobody when root."""
    if os.geteuid() != 0:
        return []
    return ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", "--"]


class Postgres:
    def __init__(self, tmpdir, durable=False, extra_opts=""):
        """durable=False turns fsync off (tests); the benchmark keeps PostgreSQL's
        defaults so its numbers are those of a real server."""
        self.durable = durable
        self.extra_opts = extra_opts
        self.bindir = pg_bindir()
        self.dir = Path(tmpdir) / "pg"
        self.data = self.dir / "data"
        self.sock = self.dir  # the socket lives next to the data
        self.started = False

    def _run(self, args, **kw):
        return subprocess.run(_runas() + args, check=True, capture_output=True, text=True,
                              timeout=120, **kw)

    def start(self):
        if os.geteuid() == 0:
            # As root the cluster runs as nobody, in a folder of its own right under
            # the temp root: every pytest that starts resets /tmp/pytest-of-root to
            # 0700, which would cut nobody off from a cluster inside it mid-run.
            nobody = pwd.getpwnam("nobody")
            self.own_dir = Path(tempfile.mkdtemp(prefix="loaxa-pg-"))
            os.chown(self.own_dir, nobody.pw_uid, nobody.pw_gid)
            self.dir = self.own_dir
            self.data = self.dir / "data"
            self.sock = self.dir
        self.dir.mkdir(parents=True, exist_ok=True)
        self._run([os.path.join(self.bindir, "initdb"), "-D", str(self.data), "-U", "loaxa",
                   "-A", "trust", "-E", "UTF8", "--locale=C.UTF-8"] +
                  ([] if self.durable else ["--no-sync"]))
        opts = ("-c listen_addresses='' -c unix_socket_directories='%s' -c max_connections=200 "
                % self.sock)
        if not self.durable:
            opts += "-c fsync=off -c full_page_writes=off -c synchronous_commit=off " \
                    "-c shared_buffers=64MB "
        opts += self.extra_opts
        self._run([os.path.join(self.bindir, "pg_ctl"), "-D", str(self.data), "-o", opts,
                   "-l", str(self.dir / "server.log"), "-w", "-t", "60", "start"])
        self.started = True

    def stop(self):
        if not self.started:
            return
        self.started = False
        subprocess.run(_runas() + [os.path.join(self.bindir, "pg_ctl"), "-D", str(self.data),
                                   "-m", "fast", "-w", "-t", "60", "stop"],
                       capture_output=True, timeout=90)
        if getattr(self, "own_dir", None):
            shutil.rmtree(self.own_dir, ignore_errors=True)

    def uri(self, db):
        return "postgresql:///%s?host=%s&user=loaxa" % (db, self.sock)

    def psql(self, db, sql):
        out = subprocess.run(["psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-d",
                              self.uri(db), "-c", sql],
                             check=True, capture_output=True, text=True, timeout=60)
        return out.stdout

    def createdb(self, name):
        self.psql("postgres", "CREATE DATABASE %s" % name)

    def dropdb(self, name):
        self.psql("postgres", "DROP DATABASE IF EXISTS %s WITH (FORCE)" % name)


def available():
    """None when a private PostgreSQL can run here, else what is missing."""
    if pg_bindir() is None:
        return "PostgreSQL server binaries (Debian's postgresql) are not installed"
    if shutil.which("psql") is None:
        return "psql (postgresql-client) is not installed"
    if os.geteuid() == 0 and shutil.which("setpriv") is None:
        return "setpriv is needed to run PostgreSQL as nobody"
    return None
