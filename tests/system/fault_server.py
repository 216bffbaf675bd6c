#!/usr/bin/python3
"""A provincial bulletin server that misbehaves on request, for system tests.

Serves a folder like a static web server (ETag, Last-Modified, 304 on a
conditional GET) on 127.0.0.1. A path prefix chooses a fault for that
request; the rest of the path is the file served:

  /ok/PATH              normal
  /slow/PATH            sends the body at ~200 bytes/s
  /stall/PATH           sends the headers, then nothing for 120 s
  /truncate/PATH        announces the full length, sends half, closes
  /status/CODE/PATH     answers CODE (500, 503, 404...) with an HTML body
  /redirect-loop/PATH   302 to itself, forever
  /redirect/N/PATH      N 302s on the same host, then the file
  /redirect-other/PATH  302 to the same path on 127.0.0.2 (another host)
  /redirect-file/PATH   302 to file:///etc/passwd
  /wrong-type/PATH      the file as text/html
  /garbage/PATH         random bytes of the file's size, normal type
  /oversize/PATH        the file followed by 60 MiB of zeros, no length
  /bigheader/PATH       Content-Length of 2 GiB, then the file

Use from pytest:   srv = FaultServer(root); srv.url("ok", "index.atom"); srv.stop()
or from a shell:   fault_server.py ROOT [PORT]   (prints "PORT n", serves until killed)
Every request is recorded in srv.requests as (method, path, status).
Only loopback addresses are used, and every fault ends by itself.
"""

import email.utils
import hashlib
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

TYPES = {".atom": "application/atom+xml", ".xml": "application/xml",
         ".minisig": "text/plain", ".mp3": "audio/mpeg"}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "fault-server"

    def log_message(self, fmt, *args):  # quiet; the test reads .requests
        pass

    def _record(self, status):
        self.server.requests.append((self.command, self.path, status))

    def _send_simple(self, status, body=b"", headers=()):
        self._record(status)
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _file(self, rel):
        path = os.path.normpath(os.path.join(self.server.root, rel.lstrip("/")))
        if not path.startswith(os.path.abspath(self.server.root)) or not os.path.isfile(path):
            return None, None
        with open(path, "rb") as f:
            data = f.read()
        return path, data

    def _redirect(self, location):
        self._send_simple(302, b"moved", [("Location", location)])

    def do_GET(self):
        parts = self.path.split("/", 2)
        if len(parts) < 3:
            return self._send_simple(404, b"no fault prefix")
        mode, rest = parts[1], parts[2]
        if mode == "status":
            code, _, rest = rest.partition("/")
            return self._send_simple(int(code), b"<html>error</html>",
                                     [("Content-Type", "text/html")])
        if mode == "redirect-loop":
            return self._redirect(self.path)
        if mode == "redirect":
            n, _, rest = rest.partition("/")
            if int(n) > 0:
                return self._redirect("/redirect/%d/%s" % (int(n) - 1, rest))
            mode = "ok"
        if mode == "redirect-other":
            return self._redirect("http://127.0.0.2:%d/ok/%s" % (self.server.server_port, rest))
        if mode == "redirect-file":
            return self._redirect("file:///etc/passwd")
        path, data = self._file(rest)
        if data is None:
            return self._send_simple(404, b"not found")
        ctype = TYPES.get(os.path.splitext(path)[1], "application/octet-stream")
        etag = '"%s"' % hashlib.sha256(data).hexdigest()[:16]
        mtime = email.utils.formatdate(os.path.getmtime(path), usegmt=True)
        if mode == "ok" and (self.headers.get("If-None-Match") == etag or
                             self.headers.get("If-Modified-Since") == mtime):
            return self._send_simple(304, b"", [("ETag", etag), ("Last-Modified", mtime)])
        if mode == "wrong-type":
            ctype = "text/html"
        if mode == "garbage":
            data = os.urandom(len(data))
        self._record(200)
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("ETag", etag)
        self.send_header("Last-Modified", mtime)
        if mode == "oversize":
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(data)
            zeros = bytes(1 << 20)
            try:
                for _ in range(60):
                    self.wfile.write(zeros)
            except OSError:
                pass  # the client gave up, as it should
            self.close_connection = True
            return
        length = (2 << 30) if mode == "bigheader" else len(data)
        self.send_header("Content-Length", str(length))
        self.end_headers()
        try:
            if mode == "slow":
                for i in range(0, len(data), 20):
                    self.wfile.write(data[i:i + 20])
                    self.wfile.flush()
                    time.sleep(0.1)
            elif mode == "stall":
                self.wfile.flush()
                time.sleep(120)
            elif mode == "truncate":
                self.wfile.write(data[:len(data) // 2])
                self.wfile.flush()
            else:
                self.wfile.write(data)
        except OSError:
            pass
        if mode in ("truncate", "bigheader", "stall"):
            self.close_connection = True


class FaultServer:
    def __init__(self, root, port=0, host="127.0.0.1"):
        self.httpd = ThreadingHTTPServer((host, port), Handler)
        self.httpd.daemon_threads = True
        self.httpd.root = os.path.abspath(root)
        self.httpd.requests = []
        self.port = self.httpd.server_port
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    @property
    def requests(self):
        return self.httpd.requests

    def url(self, mode, rel):
        return "http://127.0.0.1:%d/%s/%s" % (self.port, mode, rel.lstrip("/"))

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit("usage: fault_server.py ROOT [PORT]")
    srv = FaultServer(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 0)
    print("PORT %d" % srv.port, flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        srv.stop()
