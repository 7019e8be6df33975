#!/usr/bin/env python3
"""Kernel-side peer of the lossy-link benchmark (bin/panamax bench --only loss).

  lossy_peer.py serve                       port 19 sends --bytes then closes (a source), 9 reads
                                            everything (a sink), 7 echoes; one thread per connection;
                                            with LOSSY_PEER_REF_CC set, port 1019 is a source too,
                                            sending with that congestion control (a reference)
  lossy_peer.py recv HOST PORT BYTES SECS   reads until BYTES or SECS, then closes
  lossy_peer.py send HOST PORT BYTES SECS   sends until BYTES or SECS, half-closes, waits for the close
  lossy_peer.py echo HOST PORT BYTES SECS   sends and reads back concurrently, until BYTES or SECS

Clients print one line: "result bytes=N seconds=S vcsw=V ivcsw=I cpu=C" (bytes delivered: received,
or sent and then acknowledged by the server's close; the client's voluntary and involuntary
context switches and CPU seconds in the transfer). A transfer cut short by SECS moved fewer than BYTES.
"""
import os, resource, socket, sys, threading, time

# The kernel's congestion control for every socket here (TCP_CONGESTION), LOSSY_PEER_CC in the
# environment, else the namespace's default. The machine's default may be BBR, which does not
# answer random loss with a reduction at all; the loss part compares CUBIC with CUBIC.
CC = os.environ.get('LOSSY_PEER_CC', '')
REF_CC = os.environ.get('LOSSY_PEER_REF_CC', '')


def with_cc(s, cc=None):
    cc = CC if cc is None else cc
    if cc:
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_CONGESTION, cc.encode())
    return s

CHUNK = 256 * 1024
BLOCK = bytes(CHUNK)


def serve(total):
    def source(c):
        left = total
        try:
            while left > 0:
                n = c.send(BLOCK[:min(CHUNK, left)])
                left -= n
            c.shutdown(socket.SHUT_WR)
            while c.recv(CHUNK):
                pass
        except OSError:
            pass
        c.close()

    def sink(c):
        try:
            while c.recv(CHUNK):
                pass
        except OSError:
            pass
        c.close()

    def echo(c):
        try:
            while True:
                b = c.recv(CHUNK)
                if not b:
                    break
                c.sendall(b)
            c.shutdown(socket.SHUT_WR)
        except OSError:
            pass
        c.close()

    def listen(port, handler, cc=None):
        s = with_cc(socket.socket(), cc)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(('0.0.0.0', port))
        s.listen(64)
        while True:
            c, _ = s.accept()
            threading.Thread(target=handler, args=(c,), daemon=True).start()

    for port, handler in ((19, source), (9, sink), (7, echo)):
        threading.Thread(target=listen, args=(port, handler), daemon=True).start()
    if REF_CC:
        threading.Thread(target=listen, args=(1019, source, REF_CC), daemon=True).start()
    print('ready', flush=True)
    threading.Event().wait()


def connect(host, port):
    c = with_cc(socket.socket())
    c.settimeout(30)
    c.connect((host, port))
    c.settimeout(None)
    return c


def recv(host, port, total, secs):
    c = connect(host, port)
    t0 = time.time()
    got = 0
    c.settimeout(max(0.1, secs))
    try:
        while got < total and time.time() - t0 < secs:
            b = c.recv(CHUNK)
            if not b:
                break
            got += len(b)
    except socket.timeout:
        pass
    dt = time.time() - t0
    c.close()
    return got, dt


def send(host, port, total, secs):
    c = connect(host, port)
    t0 = time.time()
    sent = 0
    c.settimeout(max(0.1, secs))
    try:
        while sent < total and time.time() - t0 < secs:
            sent += c.send(BLOCK[:min(CHUNK, total - sent)])
    except socket.timeout:
        pass
    c.settimeout(120)
    c.shutdown(socket.SHUT_WR)
    while c.recv(CHUNK):   # the server closes once it has read everything
        pass
    dt = time.time() - t0
    c.close()
    return sent, dt


def echo(host, port, total, secs):
    c = connect(host, port)
    t0 = time.time()
    state = {'sent': 0}

    def writer():
        try:
            while state['sent'] < total and time.time() - t0 < secs:
                state['sent'] += c.send(BLOCK[:min(CHUNK, total - state['sent'])])
            c.shutdown(socket.SHUT_WR)
        except OSError:
            pass

    w = threading.Thread(target=writer, daemon=True)
    w.start()
    got = 0
    c.settimeout(max(0.1, secs))
    try:
        while time.time() - t0 < secs + 1:
            b = c.recv(CHUNK)
            if not b:
                break
            got += len(b)
    except (socket.timeout, OSError):
        pass
    dt = time.time() - t0
    c.close()
    return got, dt


if __name__ == '__main__':
    mode = sys.argv[1]
    if mode == 'serve':
        serve(int(sys.argv[2]) if len(sys.argv) > 2 else 100 * 1000 * 1000)
    else:
        host, port, total, secs = sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5])
        before = resource.getrusage(resource.RUSAGE_SELF)
        n, dt = {'recv': recv, 'send': send, 'echo': echo}[mode](host, port, total, secs)
        after = resource.getrusage(resource.RUSAGE_SELF)
        # The client's context switches in the transfer: voluntary ones are its sleeps in recv/send
        # waiting for the peer (a reader woken per round trip), involuntary ones its preemptions.
        print('result bytes=%d seconds=%.3f vcsw=%d ivcsw=%d cpu=%.3f' % (n, dt, after.ru_nvcsw - before.ru_nvcsw,
              after.ru_nivcsw - before.ru_nivcsw, after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime),
              flush=True)
