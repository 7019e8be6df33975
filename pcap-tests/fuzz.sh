#!/usr/bin/env bash
# Longer fuzzing runs of the pcap-tests fuzz targets (docs/fuzzing.md).
#
#   pcap-tests/fuzz.sh [DURATION] [TARGET...]
#
# DURATION: per target, as Jazzer reads it (30s, 10m, 2h; default 10m). TARGET: test classes
# (default: every *FuzzTest), e.g. StackFrameFuzzTest Ipv4HeaderFuzzTest. Each target fuzzes in a
# JVM of its own, starting from its committed inputs (src/test/resources/.../<Test>Inputs/<method>/)
# and the corpus Jazzer keeps in pcap-tests/.cifuzz-corpus/ between runs. An input that makes a
# target fail is written into that inputs directory, where it becomes a regression test: commit it
# once the bug is fixed (or keep it out of the tree until then).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DURATION=${1:-10m}
[[ $# -gt 0 ]] && shift
TESTS=*FuzzTest
if [[ $# -gt 0 ]]; then
    TESTS=$(IFS=,; echo "$*")
fi
if [[ -z "${JAVA_HOME:-}" ]]; then
    for d in /usr/lib/jvm/*25* /usr/lib/jvm/*2[2-9]*; do
        [[ -x "$d/bin/javac" ]] && { export JAVA_HOME=$d; break; }
    done
fi
cd "$ROOT"
status=0
mvn -B ${PANAMAX_MVN_ARGS:-} -pl pcap-tests -am test -Pfuzz-short -Dfuzz.duration="$DURATION" \
    -Dtest="$TESTS" -Dsurefire.failIfNoSpecifiedTests=false || status=$?
echo
echo "fuzzing reports: pcap-tests/target/fuzz-reports/; new inputs (findings), if any:"
git -C "$ROOT" status --short -- pcap-tests/src/test/resources/io/panamax/pcaptests/fuzz
exit $status
