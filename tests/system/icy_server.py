"""A small Icecast/SHOUTcast server on 127.0.0.1 for the relay tests.

It streams an MP3 file in a loop at its bitrate (a live stream: a second of
audio per second after a short burst), answering "ICY 200 OK" (SHOUTcast v1)
or "HTTP/1.0 200 OK" (Icecast). As Icecast does, metadata blocks are
interleaved every `metaint` bytes only when the request says "Icy-MetaData: 1".

Faults, switched while the station listens:
  srv.drop_after_s = 3    the connection is closed 3 s into each connection
  srv.down = True         connections are refused (the port answers nothing)
  srv.stall = True        connected, headers sent, then no data at all
Paths: /stream.mp3 the stream; /list.m3u and /list.pls playlists pointing to it,
/nested.m3u a playlist pointing to /list.pls.
"""

import socket
import threading
import time


class IcyServer:
    def __init__(self, mp3_path, bitrate_kbps=128, metaint=8192, icy_status=True,
                 title="Loaxa test stream"):
        self.data = open(mp3_path, "rb").read()
        self.bytes_per_s = bitrate_kbps * 1000 // 8
        self.metaint = metaint
        self.icy_status = icy_status
        self.title = title
        self.drop_after_s = None
        self.down = False
        self.stall = False
        self.requests = []  # (path, asked for metadata)
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self._stop = False
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def url(self, path="/stream.mp3"):
        return "http://127.0.0.1:%d%s" % (self.port, path)

    def stop(self):
        self._stop = True
        try:
            self.sock.close()
        except OSError:
            pass

    def _accept(self):
        while not self._stop:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            if self.down:
                conn.close()
                continue
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn):
        try:
            req = b""
            while b"\r\n\r\n" not in req and len(req) < 8192:
                chunk = conn.recv(1024)
                if not chunk:
                    return
                req += chunk
            head = req.decode("latin-1").split("\r\n")
            path = head[0].split(" ")[1] if len(head[0].split(" ")) > 1 else "/"
            meta = any(h.lower().replace(" ", "") == "icy-metadata:1" for h in head[1:])
            self.requests.append((path, meta))
            if path == "/list.m3u":
                return self._text(conn, "audio/x-mpegurl",
                                  "#EXTM3U\n#EXTINF:-1,Test\n%s\n" % self.url())
            if path == "/list.pls":
                return self._text(conn, "audio/x-scpls",
                                  "[playlist]\nNumberOfEntries=1\nFile1=%s\nTitle1=Test\n"
                                  "Length1=-1\nVersion=2\n" % self.url())
            if path == "/nested.m3u":
                return self._text(conn, "audio/x-mpegurl", "%s\n" % self.url("/list.pls"))
            if path != "/stream.mp3":
                conn.sendall(b"HTTP/1.0 404 Not Found\r\n\r\n")
                return
            status = b"ICY 200 OK\r\n" if self.icy_status else b"HTTP/1.0 200 OK\r\n"
            hdr = status + b"Content-Type: audio/mpeg\r\nicy-name: loaxa test\r\n"
            if meta:
                hdr += b"icy-metaint: %d\r\n" % self.metaint
            conn.sendall(hdr + b"\r\n")
            self._stream(conn, meta)
        except OSError:
            pass
        finally:
            conn.close()

    def _text(self, conn, ctype, body):
        conn.sendall(b"HTTP/1.0 200 OK\r\nContent-Type: " + ctype.encode() +
                     b"\r\nContent-Length: %d\r\n\r\n" % len(body) + body.encode())

    def _metablock(self):
        text = ("StreamTitle='%s';" % self.title).encode()
        n = (len(text) + 15) // 16
        return bytes([n]) + text.ljust(n * 16, b"\0")

    def _stream(self, conn, meta):
        t0 = time.monotonic()
        sent = 0          # audio bytes
        pos = 0           # in self.data
        since_meta = 0
        burst = self.bytes_per_s  # one second at once, as Icecast's burst-on-connect
        while not self._stop:
            if self.stall or self.down:
                time.sleep(0.05)
                if self.down:
                    return
                continue
            elapsed = time.monotonic() - t0
            if self.drop_after_s is not None and elapsed >= self.drop_after_s:
                return
            allowed = burst + int(elapsed * self.bytes_per_s) - sent
            if allowed <= 0:
                time.sleep(0.02)
                continue
            n = min(allowed, 4096, len(self.data) - pos)
            if meta:
                n = min(n, self.metaint - since_meta)
            conn.sendall(self.data[pos:pos + n])
            sent += n
            pos = (pos + n) % len(self.data)
            if meta:
                since_meta += n
                if since_meta == self.metaint:
                    conn.sendall(self._metablock())
                    since_meta = 0
