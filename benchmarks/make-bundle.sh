#!/usr/bin/env bash
# Builds a self-contained benchmark bundle: a jlink runtime, the benchmarks jar and a run script.
# It runs on a Linux x86-64 machine with no JDK and no network:
#   tar xzf panamax-bench.tar.gz && panamax-bench/run.sh scaling --shards 1,2,4,8
#   panamax-bench/run.sh jmh 'Future' -f 1     (any JMH benchmark)
# Usage: benchmarks/make-bundle.sh [OUT_DIR]   (default: benchmarks/target/bundle)
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OUT=${1:-$ROOT/benchmarks/target/bundle}
: "${JAVA_HOME:?set JAVA_HOME to a JDK >= 22 (bin/panamax finds one)}"
JAR=$ROOT/benchmarks/target/benchmarks.jar
[[ -f $JAR ]] || (cd "$ROOT" && mvn -B -q package -DskipTests -pl benchmarks -am)
rm -rf "$OUT/panamax-bench"
mkdir -p "$OUT/panamax-bench"
# The modules the jar needs (jdeps), plus logging for System.Logger's console output.
modules=$("$JAVA_HOME/bin/jdeps" --ignore-missing-deps --print-module-deps --multi-release 25 "$JAR" | tail -1)
"$JAVA_HOME/bin/jlink" --add-modules "$modules,java.logging" --strip-debug --no-header-files --no-man-pages \
    --compress=zip-6 --output "$OUT/panamax-bench/runtime"
cp "$JAR" "$OUT/panamax-bench/benchmarks.jar"
cat > "$OUT/panamax-bench/run.sh" <<'RUN'
#!/bin/sh
# Runs a Panamax benchmark with the bundled Java runtime (no JDK needed).
#   run.sh scaling [--shards 1,2,4] [--seconds 5] [--connections 16]
#   run.sh jmh [JMH options and benchmark regex]
here=$(cd "$(dirname "$0")" && pwd)
what=${1:-scaling}
[ $# -gt 0 ] && shift
case "$what" in
    scaling) main=io.panamax.benchmarks.scaling.ScalingBenchmark ;;
    jmh) main=org.openjdk.jmh.Main ;;
    *) echo "usage: run.sh scaling|jmh [options]" >&2; exit 2 ;;
esac
exec "$here/runtime/bin/java" --enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow \
    -cp "$here/benchmarks.jar" "$main" "$@"
RUN
chmod +x "$OUT/panamax-bench/run.sh"
tar -C "$OUT" -czf "$OUT/panamax-bench.tar.gz" panamax-bench
echo "$OUT/panamax-bench.tar.gz ($(du -h "$OUT/panamax-bench.tar.gz" | cut -f1))"
