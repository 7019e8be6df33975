#!/usr/bin/env python3
"""A raw HTTP client for the server tests: sends the bytes it is given, exactly as given, and
records every byte that comes back until the server closes (or a timeout).

  http_client.py HOST PORT --out FILE [--part FILE]... [--await MARKER] [--drip SECONDS] [--timeout S]

Each --part is sent with one sendall (so several requests in one part are pipelined in one write).
With --await, before each part after the first the client waits until MARKER has been received once
more (e.g. the 100 Continue line). With --drip, every byte goes in its own write, SECONDS apart, and what the server sends
meanwhile is read as it comes (sending stops once the server has closed).
Prints one JSON line: eof (the server closed cleanly), reset (it reset), timeout, seconds (from
connect until the end), received (bytes).
"""
import argparse
import json
import select
import socket
import time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("host")
    ap.add_argument("port", type=int)
    ap.add_argument("--out", required=True)
    ap.add_argument("--part", action="append", default=[])
    ap.add_argument("--await", dest="marker")
    ap.add_argument("--drip", type=float)
    ap.add_argument("--timeout", type=float, default=20.0)
    a = ap.parse_args()

    parts = []
    for p in a.part:
        with open(p, "rb") as f:
            parts.append(f.read())
    marker = a.marker.encode().decode("unicode_escape").encode("latin-1") if a.marker else None

    start = time.monotonic()
    s = socket.create_connection((a.host, a.port), timeout=a.timeout)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    received = bytearray()
    result = {"eof": False, "reset": False, "timeout": False}

    def read_some():
        data = s.recv(65536)
        if not data:
            result["eof"] = True
        received.extend(data)
        return data

    try:
        for i, part in enumerate(parts):
            if i > 0 and marker is not None:
                while received.count(marker) < i:
                    if not read_some():
                        break
            if a.drip:
                # Byte by byte; what the server says meanwhile is read at once, and sending stops
                # when it has closed (a slow client that still hears the server).
                for b in part:
                    if result["eof"]:
                        break
                    s.sendall(bytes([b]))
                    if select.select([s], [], [], a.drip)[0]:
                        read_some()
            else:
                s.sendall(part)
        s.settimeout(max(0.1, a.timeout - (time.monotonic() - start)))
        while not result["eof"]:
            read_some()
    except ConnectionResetError:
        result["reset"] = True
    except socket.timeout:
        result["timeout"] = True
    except BrokenPipeError:
        result["reset"] = True
    finally:
        s.close()
    result["seconds"] = round(time.monotonic() - start, 3)
    result["received"] = len(received)
    with open(a.out, "wb") as f:
        f.write(received)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
