#!/usr/bin/env python3
"""A launcher (-launcher-exec) for the tests of mpiexec's frame checks: for
host 127.0.0.2 it plays a proxy that knows the job key (the first line of
its stdin, as ssh would carry it) and then sends the frame EVIL_PROXY names;
every other host gets the real proxy, as progs/fakessh.sh would start it.
Called as: evil_proxy.py -x -o BatchMode=yes HOST COMMAND"""
import hashlib
import hmac
import os
import re
import socket
import struct
import sys
import time


def frame(kind, body=b""):
    return struct.pack(">II", kind, len(body)) + body


def s(text):
    return struct.pack(">I", len(text)) + text


EVIL = {
    "unknown-type": frame(999),
    "huge-length": struct.pack(">II", 3, 0xFFFFFFFF),
    "rank-of-another-host": frame(9, struct.pack(">IIII", 0, 1, 0, 2)),
    "rank-out-of-range": frame(6, struct.pack(">II", 7777, 0) + b"hi\n"),
    "truncated-body": frame(6, struct.pack(">I", 1)),
    "string-past-the-end": frame(3, struct.pack(">I", 1) + struct.pack(">I", 1000) + b"k"),
    "pairs-count-lies": frame(3, struct.pack(">I", 1000000) + s(b"k") + s(b"v")),
    "reserved-key": frame(3, struct.pack(">I", 1) + s(b"baton_job_key") + s(b"0" * 64)),
    "nul-in-string": frame(8, struct.pack(">I", 1) + s(b"a\0b")),
    "hello-twice": frame(1, struct.pack(">I", 1)),
    "stdin-ack-beyond-sent": frame(8, struct.pack(">II", 1 << 30, 1)),
    "head-only-frame": frame(13, struct.pack(">I", 0)),
}


def main():
    host, cmd = sys.argv[4], sys.argv[5]
    if host != "127.0.0.2":
        os.execvp("/bin/sh", ["/bin/sh", "-c", cmd])
    key = bytes.fromhex(sys.stdin.readline().strip())
    m = re.search(r"--connect '([\d.]+):(\d+)'", cmd)
    index = int(re.search(r"--index (\d+)", cmd)[1])
    sock = socket.create_connection((m[1], int(m[2])), timeout=10)
    nonce_proxy = os.urandom(32)
    sock.sendall(nonce_proxy)
    nonce_head = b""
    while len(nonce_head) < 32:
        nonce_head += sock.recv(32 - len(nonce_head))
    proof = hmac.new(key, b"baton-v1P" + nonce_head + nonce_proxy, hashlib.sha256).digest()
    sock.sendall(proof)
    theirs = b""
    while len(theirs) < 32:
        theirs += sock.recv(32 - len(theirs))
    want = hmac.new(key, b"baton-v1H" + nonce_head + nonce_proxy, hashlib.sha256).digest()
    assert hmac.compare_digest(theirs, want), "the head did not prove the key"
    sock.sendall(frame(1, struct.pack(">I", index)))
    sock.recv(65536)  # SETUP
    try:
        sock.sendall(EVIL[os.environ["EVIL_PROXY"]])
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and sock.recv(65536):
            pass  # until mpiexec hangs up
    except OSError:
        pass


main()
