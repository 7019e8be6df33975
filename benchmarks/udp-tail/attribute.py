#!/usr/bin/env python3
"""What the slow UDP round trips of one trace.sh run waited for.

    benchmarks/udp-tail/attribute.py OUTDIR [SLOW_US=200]

For every round trip slower than SLOW_US it sums, per CPU, who ran there from the send to the
echo (from the sched_switch trace): the shard, the server JVM's other threads by name (JIT
compilers, GC, the stall detector...), the client, the kernel's workers, idle, or other processes;
and it lists the server JVM's logged events (safepoints, GC, compilations, deoptimizations) that
fall inside the measured window. All clocks are CLOCK_MONOTONIC.
"""
import bisect
import re
import sys
from collections import Counter

out = sys.argv[1]
slow_ns = float(sys.argv[2] if len(sys.argv) > 2 else 200) * 1000
trips = [tuple(map(int, line.split())) for line in open(out + "/trace")]
tids = {}
for line in open(out + "/tids"):
    tid, comm = line.rstrip("\n").split(" ", 1)
    tids[int(tid)] = comm
shard = next(t for t, c in tids.items() if c.startswith("panamax-shard"))

switch = re.compile(r"\[(\d+)\].*? (\d+\.\d+): sched_switch: .*?==> next_comm=(.*?) next_pid=(\d+)")
runs = {}  # cpu -> [(from ns, pid, comm)]
for line in open(out + "/sched.txt"):
    m = switch.search(line)
    if m:
        runs.setdefault(int(m.group(1)), []).append((int(round(float(m.group(2)) * 1e9)), int(m.group(4)), m.group(3)))
for r in runs.values():
    r.sort()
starts = {c: [x[0] for x in r] for c, r in runs.items()}


def who(pid, comm):
    if pid == 0:
        return "idle"
    if pid == shard:
        return "shard"
    if pid in tids:
        return "server JVM: " + tids[pid]
    if comm == "udp_rtt":
        return "client"
    if comm.startswith(("ksoftirqd", "kworker")):
        return "kernel: " + comm.split("/")[0]
    return "other processes"


def occupancy(cpu, a, b):
    r, ts, o = runs[cpu], starts[cpu], Counter()
    i = max(0, bisect.bisect_right(ts, a) - 1)
    while i < len(r) and r[i][0] < b:
        s, e = max(a, r[i][0]), min(b, r[i + 1][0] if i + 1 < len(r) else b)
        if e > s:
            o[who(r[i][1], r[i][2])] += e - s
        i += 1
    return o


traced_from = max(r[0][0] for r in runs.values())
trips = [t for t in trips if t[0] > traced_from]
slow = [t for t in trips if t[1] > slow_ns]
print(f"{out}: {len(trips)} round trips traced, {len(slow)} slower than {slow_ns / 1000:.0f} µs")
total = sum(r for _, r in slow) or 1
for cpu in sorted(runs):
    o = Counter()
    for s, r in slow:
        o += occupancy(cpu, s, s + r)
    print(f"  CPU {cpu} during them ({total / 1e6:.1f} ms): "
          + ", ".join(f"{k} {100 * v / total:.1f} %" for k, v in o.most_common(8)))
biggest = Counter()
for s, r in slow:
    o = occupancy(0, s, s + r)
    for k in ("shard", "idle", "client"):
        o.pop(k, None)
    biggest[o.most_common(1)[0][0] if o else "nothing else"] += 1
print("  the biggest other occupant of CPU 0, per slow round trip:", dict(biggest.most_common()))

log = re.compile(r"\[(\d+)ns\]\[\d+\]\[\w+\s*\]\[([^\]]+)\] (.*)")
t0, t1 = trips[0][0], trips[-1][0] + trips[-1][1]
events = []
try:
    for line in open(out + "/jvm.log"):
        m = log.match(line)
        if m and t0 <= int(m.group(1)) <= t1:
            events.append((int(m.group(1)), m.group(2).strip(), m.group(3)))
except FileNotFoundError:
    pass
print(f"  server JVM events in the measured {(t1 - t0) / 1e9:.2f} s:", dict(Counter(e[1] for e in events)))
for t, tags, text in events[:40]:
    print(f"    +{(t - t0) / 1e6:8.1f} ms  {tags:18} {text[:110]}")
