#!/usr/bin/python3
"""A lying network process for loaxad (LOAXA_NET=this file), for the system tests:
it speaks net/netmsg.h's frames on fd 3 like loaxa-net, fetches for real with
urllib, and then, by FAKE_NET_MODE, spoils what it hands over:

  honest    passes everything through (the control)
  forge     alters each CAP text (a comment more) and keeps the real signature
  truncate  hands over each CAP cut in half
  swap      writes another bulletin's audio (FAKE_NET_SWAP_AUDIO) for every audio
  oversize  answers every document with 2 MiB of XML-ish bytes
  garbage   answers the first request with random bytes instead of a frame
  forgeid   answers transfers that were never asked for, then honestly
  die       writes half of an audio download, then exits (mid-transfer)

Each start appends a line to $FAKE_NET_LOG (if set), so tests count restarts.
"""

import os
import random
import struct
import sys
import urllib.error
import urllib.request

VERSION = 1
FETCH, CANCEL, RESULT, DATA = 1, 2, 3, 4
URL, ETAG, LM, MAX_SIZE, FLAGS, OUT_PATH, CA_FILE, FEED_URL, ALLOWED, HEADERS = range(1, 11)
ERROR, STATUS, NOT_MODIFIED, SIZE, DATE, FINAL_URL, ERR_TEXT = range(32, 39)
BODY = 64
U64 = {MAX_SIZE, FLAGS, ERROR, STATUS, NOT_MODIFIED, SIZE, DATE}

MODE = os.environ.get("FAKE_NET_MODE", "honest")
CH = 3


def frame(mtype, ident, fields):
    body = b""
    for tag, val in fields:
        if tag in U64:
            val = struct.pack(">Q", val)
        elif isinstance(val, str):
            val = val.encode()
        body += struct.pack(">HI", tag, len(val)) + val
    head = struct.pack(">BBHQ", VERSION, mtype, len(fields), ident)
    return struct.pack(">I", len(head) + len(body)) + head + body


def send(data):
    while data:
        n = os.write(CH, data)
        data = data[n:]


def read_exact(n):
    out = b""
    while len(out) < n:
        chunk = os.read(CH, n - len(out))
        if not chunk:
            sys.exit(0)
        out += chunk
    return out


def read_frame():
    (length,) = struct.unpack(">I", read_exact(4))
    raw = read_exact(length)
    _, mtype, nfields, ident = struct.unpack(">BBHQ", raw[:12])
    fields, p = {}, 12
    for _ in range(nfields):
        tag, flen = struct.unpack(">HI", raw[p:p + 6])
        val = raw[p + 6:p + 6 + flen]
        fields[tag] = struct.unpack(">Q", val)[0] if tag in U64 else val.decode()
        p += 6 + flen
    return mtype, ident, fields


def get(url):
    try:
        with urllib.request.urlopen(url, timeout=20) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, b""


def result(ident, status, body=None, final_url=None):
    ok = 200 <= status < 300
    # fetch.h's codes: 0 ok, 1 not found (404/410), 2 another HTTP status
    fields = [(ERROR, 0 if ok else 1 if status in (404, 410) else 2), (STATUS, status),
              (NOT_MODIFIED, 0)]
    if final_url:
        fields.append((FINAL_URL, final_url))
    if not ok:
        fields.append((ERR_TEXT, "HTTP %d" % status))
    elif body is not None:
        fields.append((BODY, body))
    send(frame(RESULT, ident, fields))


def serve(ident, f, first):
    url = f[URL]
    if MODE == "garbage":
        send(os.urandom(64))
        send(struct.pack(">I", 0x7fffffff))
        return
    if MODE == "forgeid" and first:
        send(frame(RESULT, ident + 1000, [(ERROR, 0), (STATUS, 200), (BODY, b"<feed/>")]))
        return
    if f.get(FLAGS, 0) & 2:  # a push stream: never answered
        return
    status, data = get(url)
    if OUT_PATH in f:  # an audio download
        path = f[OUT_PATH]
        if MODE == "swap" and status == 200:
            with open(os.environ["FAKE_NET_SWAP_AUDIO"], "rb") as src:
                data = src.read()
        if MODE == "die" and status == 200:
            with open(path, "wb") as out:
                out.write(data[:len(data) // 2])
            os._exit(3)
        with open(path, "wb") as out:
            out.write(data)
        result(ident, status, None, url)
        return
    if MODE == "oversize":
        data = b"<feed>" + b"x" * (2 << 20) + b"</feed>"
        data = data[:(1 << 20) + 60000]  # below the frame limit, above the document's
    elif url.endswith(".xml") and status == 200:
        if MODE == "forge":  # one more comment: the signature no longer matches
            data = data.replace(b"</alert>", b"<!-- forged --></alert>")
        elif MODE == "truncate":
            data = data[:len(data) // 2]
    result(ident, status, data, url)


def main():
    log = os.environ.get("FAKE_NET_LOG")
    if log:
        with open(log, "a") as f:
            f.write("start %d %s\n" % (os.getpid(), MODE))
    random.seed()
    first = True
    while True:
        mtype, ident, f = read_frame()
        if mtype == FETCH:
            serve(ident, f, first)
            first = False


if __name__ == "__main__":
    main()
