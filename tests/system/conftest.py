"""Fixtures for loaxad's black-box tests; the helpers they use are documented in
harness/__init__.py.

    pulse_server        session: private PulseAudio with the null sink "loaxa_null"
    pa_capture          PaCapture recording loaxa_null.monitor, steady, stopped after the test
    alsa_capture        AlsaCapture on ALSA's null plugin (fast, not paced)
    paced_alsa_capture  AlsaCapture whose slave is "pulse" (real time, on pulse_server)
    daemon_env          environment for loaxad: HOME of paced_alsa_capture + PULSE_SERVER
    audio_dir           a temp folder for generated audio
    start_daemon        start_daemon(config, env=None, args=()) -> running Daemon, cleaned up
    require_loaxad      skips the test when $LOAXA_BUILD/loaxad is not built
    pg                  session: a private PostgreSQL (harness.postgres), stopped at the end
    db                  a fresh database on pg for this test: its libpq URI
A test that leaves a child process running fails (the process is killed).
"""

import os
import shutil
import signal
import time

import pytest

import harness

QUICK = os.environ.get("LOAXA_QUICK") == "1"
SESSION_PIDS = set()  # started by session fixtures: not leftovers of a test


def _children():
    me = str(os.getpid())
    out = {}
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % pid) as f:
                stat = f.read()
        except OSError:
            continue
        fields = stat[stat.rfind(")") + 2:].split()
        if fields[1] == me and fields[0] != "Z":
            out[int(pid)] = stat[stat.find("(") + 1:stat.rfind(")")]
    return out


@pytest.fixture(scope="session")
def pulse_server(tmp_path_factory):
    if not shutil.which("pulseaudio"):
        pytest.skip("pulseaudio is not installed")
    server = harness.PulseServer(tmp_path_factory.mktemp("pulse"))
    server.start()
    SESSION_PIDS.add(server.proc.pid)
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def no_leftover_processes(request):
    before = set(_children())
    yield
    deadline = time.monotonic() + 2.0
    left = {}
    while time.monotonic() < deadline:
        left = {p: n for p, n in _children().items()
                if p not in before and p not in SESSION_PIDS}
        if not left:
            return
        time.sleep(0.05)
    for pid in left:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    pytest.fail("left running after the test: %s" % left, pytrace=False)


@pytest.fixture
def audio_dir(tmp_path):
    d = tmp_path / "audio"
    d.mkdir()
    return d


@pytest.fixture
def pa_capture(pulse_server, tmp_path):
    cap = harness.PaCapture(pulse_server, tmp_path / "pa")
    cap.start()
    yield cap
    cap.stop()


@pytest.fixture
def alsa_capture(tmp_path):
    return harness.AlsaCapture(tmp_path / "home", slave="null")


@pytest.fixture
def paced_alsa_capture(tmp_path, pulse_server):
    return harness.AlsaCapture(tmp_path / "home", slave="pulse")


@pytest.fixture
def daemon_env(paced_alsa_capture, pulse_server):
    env = dict(paced_alsa_capture.env())
    env.update(pulse_server.env())
    return env


@pytest.fixture
def require_loaxad():
    if not harness.loaxad_bin().exists():
        pytest.skip("%s is not built" % harness.loaxad_bin())


@pytest.fixture
def start_daemon(require_loaxad):
    started = []

    def start(config, env=None, args=(), binary=None):
        d = harness.Daemon(config, env=env, args=args, binary=binary)
        started.append(d)
        return d.start()

    yield start
    for d in started:
        d.cleanup()


@pytest.fixture(scope="session")
def pg(tmp_path_factory):
    from harness import postgres
    from harness.collector import collector_bin
    missing = postgres.available()
    if missing:
        pytest.skip(missing)
    if not collector_bin().exists():
        pytest.skip("loaxa-collector is not built (make)")
    server = postgres.Postgres(tmp_path_factory.mktemp("pg"))
    server.start()
    yield server
    server.stop()


@pytest.fixture
def db(pg, request):
    import hashlib
    import re
    # Unique per test and parameter, within PostgreSQL's 63-byte names.
    name = "t_%s_%s" % (re.sub(r"[^a-z0-9_]", "_", request.node.name.lower())[:30],
                        hashlib.sha1(request.node.nodeid.encode()).hexdigest()[:8])
    pg.dropdb(name)
    pg.createdb(name)
    return pg.uri(name)
