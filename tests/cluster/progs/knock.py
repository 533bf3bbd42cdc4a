"""A stranger knocking on TCP ports (run inside a host of the test cluster).

  knock.py MODE HOLD ADDR:PORT [ADDR:PORT ...]

MODE is a comma-separated list of:
  hangup    connect to every port and hang up at once
  garbage   connect to every port, send 64 KiB of random bytes, hang up
  idleN     open N connections spread over the ports, leave them idle for HOLD
            seconds, then close them
Every step is bounded (2 s connect timeout, 5 s for a send).  Prints one JSON
line: per mode, how many connections were made and what failed."""
import json
import os
import socket
import sys
import time


def connect(target):
    host, port = target.rsplit(":", 1)
    s = socket.create_connection((host, int(port)), timeout=2)
    s.settimeout(5)
    return s


def main():
    modes, hold, targets = sys.argv[1].split(","), float(sys.argv[2]), sys.argv[3:]
    res = {}
    for mode in modes:
        r = res[mode] = {"connected": 0, "errors": []}
        if mode in ("hangup", "garbage"):
            for t in targets:
                try:
                    s = connect(t)
                    r["connected"] += 1
                    if mode == "garbage":
                        try:
                            s.sendall(os.urandom(65536))
                        except OSError as e:       # the peer may close first
                            r["errors"].append(f"{t}: send: {e}")
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
