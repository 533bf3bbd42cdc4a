"""A stranger knocking on TCP ports (run inside a host of the test cluster).

  knock.py MODE HOLD ADDR:PORT [ADDR:PORT ...]

MODE is a comma-separated list of:
  hangup    connect to every port and hang up at once
  garbage   connect to every port, send 64 KiB of random bytes, hang up
  wellformed  mpiexec's handshake done right but without the key: read the
            32-byte nonce, send a nonce and an HMAC-SHA-256 proof made with a
            random key, wait for the answer (the connection is closed)
  floodN    connect to every port, send N MB of random bytes (until the peer
            closes, 20 s at most), hang up
  idleN     open N connections spread over the ports, leave them idle for HOLD
            seconds, then close them
Every step is bounded (2 s connect timeout, 5 s for a send).  Prints one JSON
line: per mode, how many connections were made, bytes sent, and what failed."""
import hashlib
import hmac
import json
import os
import resource
import socket
import sys
import time


def connect(target):
    host, port = target.rsplit(":", 1)
    s = socket.create_connection((host, int(port)), timeout=2)
    s.settimeout(5)
    return s


def wellformed(s):
    """mpiexec's challenge answered in form, with a key that is not the job's."""
    nonce_head = b""
    while len(nonce_head) < 32:
        chunk = s.recv(32 - len(nonce_head))
        if not chunk:
            raise OSError("closed before its nonce")
        nonce_head += chunk
    nonce = os.urandom(32)
    proof = hmac.new(os.urandom(32), b"baton-v1" + b"P" + nonce_head + nonce,
                     hashlib.sha256).digest()
    s.sendall(nonce + proof)
    return s.recv(64)          # b"": refused


def flood(s, mb, r):
    deadline, chunk = time.monotonic() + 20, os.urandom(1 << 20)
    for _ in range(mb):
        if time.monotonic() > deadline:
            break
        try:
            s.sendall(chunk)
        except OSError:        # the peer closed: what it should do
            break
        r["bytes"] += len(chunk)


def main():
    modes, hold, targets = sys.argv[1].split(","), float(sys.argv[2]), sys.argv[3:]
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    res = {}
    for mode in modes:
        r = res[mode] = {"connected": 0, "bytes": 0, "errors": []}
        if mode in ("hangup", "garbage", "wellformed") or mode.startswith("flood"):
            for t in targets:
                try:
                    s = connect(t)
                    r["connected"] += 1
                    try:
                        if mode == "garbage":
                            s.sendall(os.urandom(65536))
                        elif mode == "wellformed":
                            r["answers"] = r.get("answers", 0) + len(wellformed(s))
                        elif mode.startswith("flood"):
                            flood(s, int(mode[5:]), r)
                    except OSError as e:           # the peer may close first
                        r["errors"].append(f"{t}: {mode}: {e}")
                    s.close()
                except OSError as e:
                    r["errors"].append(f"{t}: {e}")
        elif mode.startswith("idle"):
            n = int(mode[4:])
            socks = []
            for i in range(n):
                t = targets[i % len(targets)]
                try:
                    socks.append(connect(t))
                    r["connected"] += 1
                except OSError as e:
                    r["errors"].append(f"{t}: {e}")
            time.sleep(hold)
            for s in socks:
                s.close()
        else:
            raise SystemExit(f"unknown mode {mode}")
    print(json.dumps(res), flush=True)


if __name__ == "__main__":
    main()
