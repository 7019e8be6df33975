#!/bin/bash
# Where a UDP round trip's tail goes: one run of udp_rtt against the stack over TAP with every
# measured round trip timestamped (UDP_RTT_TRACE), the server JVM's safepoints, GC, JIT and
# deoptimizations logged on the same clock (-Xlog ...:tn, CLOCK_MONOTONIC), and the kernel's
# sched_switch/sched_wakeup recorded in a private ftrace instance on that clock too (trace_clock
# mono). attribute.py then says what ran on each CPU during the slow round trips.
#
#   benchmarks/udp-tail/trace.sh OUTDIR sample|busy [JVM options...]
#       env: SAMPLES (20000) WARMUP (30000) JAR (benchmarks/target/benchmarks.jar)
#
# sample = the echo sample as `bin/panamax echo` runs it (one shard, pinned, sleeps in ppoll);
# busy = TapStackServer --idle busy --pin on. The client is pinned to CPU 1. Needs root; makes a
# namespace (and the server's TAP device in it) and an ftrace instance, and removes both.
set -euo pipefail
OUT=$1 MODE=$2; shift 2
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
JAR=${JAR:-$ROOT/benchmarks/target/benchmarks.jar}
JAVA=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}/bin/java
SAMPLES=${SAMPLES:-20000} WARMUP=${WARMUP:-30000}
NS=pmx-udptail-$$ TAP=pmxt$(($$ % 10000)) TR=/sys/kernel/tracing/instances/pmx-udptail-$$
mkdir -p "$OUT"; OUT=$(cd "$OUT" && pwd)
gcc -O2 -o "$OUT/udp_rtt" "$ROOT/benchmarks/src/main/c/udp/udp_rtt.c"
SP=
cleanup() {
    [[ -n "$SP" ]] && kill "$SP" 2>/dev/null && wait "$SP" 2>/dev/null || true
    [[ -d $TR ]] && { echo 0 > "$TR/tracing_on"; rmdir "$TR"; } || true
    ip netns del "$NS" 2>/dev/null || true
}
trap cleanup EXIT
ip netns add "$NS"; ip netns exec "$NS" ip link set lo up
LOG=(-Xlog:safepoint*=info,gc*=info,jit+compilation=debug,deoptimization=debug:file="$OUT/jvm.log":tn,tid,level,tags)
OPENS=(--enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow)
if [[ $MODE == sample ]]; then
    "$JAVA" "${OPENS[@]}" "${LOG[@]}" "$@" -cp "$JAR" io.panamax.samples.Main echo --netns "$NS" --tap "$TAP" --shards 1 \
        --status 0 > "$OUT/server.log" 2>&1 &
    UP="Panamax is up"
else
    "$JAVA" "${OPENS[@]}" "${LOG[@]}" "$@" -cp "$JAR" io.panamax.benchmarks.e2e.TapStackServer --netns "$NS" --tap "$TAP" \
        --idle busy --pin on > "$OUT/server.log" 2>&1 &
    UP="^ready"
fi
SP=$!
for _ in $(seq 600); do grep -q "$UP" "$OUT/server.log" && break; sleep 0.1; done
grep -q "$UP" "$OUT/server.log" || { echo "the server did not come up: $OUT/server.log" >&2; exit 1; }
ip netns exec "$NS" ping -q -f -c 5000 -W 1 10.7.0.2 > /dev/null   # as the bench's icmp part warms up
mkdir "$TR"
echo mono > "$TR/trace_clock"; echo 65536 > "$TR/buffer_size_kb"
echo 1 > "$TR/events/sched/sched_switch/enable"; echo 1 > "$TR/events/sched/sched_wakeup/enable"
echo 1 > "$TR/tracing_on"
UDP_RTT_TRACE=$OUT/trace ip netns exec "$NS" taskset -c 1 "$OUT/udp_rtt" client 10.7.0.2 7 "$SAMPLES" "$WARMUP" 64 \
    > "$OUT/client.txt"
head -1 "$OUT/client.txt" | tee "$OUT/summary"
echo 0 > "$TR/tracing_on"
for t in /proc/$SP/task/*; do echo "$(basename "$t") $(cat "$t/comm")"; done > "$OUT/tids"
cat "$TR/trace" > "$OUT/sched.txt"
