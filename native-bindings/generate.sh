#!/bin/sh
# Regenerates the jextract bindings of DPDK 22.11 under src/main/java/io/panamax/dpdk/bindings.
#
#   ./generate.sh           regenerate the committed sources in place
#   ./generate.sh --check   regenerate into a scratch directory and fail if anything differs
#
# Inputs, all committed: jextract/dpdk.h (the headers, as one translation unit) and
# jextract/includes.txt (the symbols to bind). The output depends only on those, on the DPDK
# headers and on the jextract build, so a re-run must give no diff.
#
# Environment:
#   JEXTRACT            the jextract launcher (default: jextract on PATH); see README.md
#   DPDK_INCLUDE_DIRS   space-separated include directories
#                       (default: Debian's /usr/include/dpdk /usr/include/x86_64-linux-gnu/dpdk)
set -eu

here=$(cd "$(dirname "$0")" && pwd)
jextract=${JEXTRACT:-jextract}
include_dirs=${DPDK_INCLUDE_DIRS:-"/usr/include/dpdk /usr/include/x86_64-linux-gnu/dpdk"}
package=io.panamax.dpdk.bindings
package_dir=src/main/java/io/panamax/dpdk/bindings

mode=write
case "${1:-}" in
    --check) mode=check ;;
    "") ;;
    *) echo "usage: $0 [--check]" >&2; exit 2 ;;
esac

if ! command -v "$jextract" >/dev/null 2>&1; then
    echo "generate.sh: '$jextract' not found; set JEXTRACT (native-bindings/README.md says how to build it)" >&2
    exit 2
fi
for dir in $include_dirs; do
    if [ ! -f "$dir/rte_ethdev.h" ] && [ ! -f "$dir/rte_config.h" ]; then
        echo "generate.sh: no DPDK headers in $dir (Debian: apt-get install libdpdk-dev)" >&2
        exit 2
    fi
done

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT INT TERM

set --
for dir in $include_dirs; do
    set -- "$@" -I "$dir"
done
# One option and its argument per line; comments and blank lines skipped.
options=$(grep -v -e '^[[:space:]]*#' -e '^[[:space:]]*$' "$here/jextract/includes.txt")

# Bitfields are not supported by jextract; their warnings are expected (see README.md).
# shellcheck disable=SC2086
"$jextract" "$@" --output "$scratch/out" --target-package "$package" --header-class-name dpdk_h \
    $options "$here/jextract/dpdk.h" 2>"$scratch/jextract.log" || {
    cat "$scratch/jextract.log" >&2
    echo "generate.sh: jextract failed" >&2
    exit 1
}
grep -v 'bitfields are not supported' "$scratch/jextract.log" >&2 || true

generated="$scratch/out/$(echo "$package" | tr . /)"
if [ "$mode" = check ]; then
    if diff -r -u "$here/$package_dir" "$generated" >"$scratch/diff"; then
        echo "generate.sh: committed bindings are up to date ($(ls "$generated" | wc -l) files)"
    else
        cat "$scratch/diff"
        echo "generate.sh: committed bindings differ from a fresh run; run ./generate.sh and commit" >&2
        exit 1
    fi
else
    rm -rf "${here:?}/$package_dir"
    mkdir -p "$(dirname "$here/$package_dir")"
    cp -r "$generated" "$here/$package_dir"
    echo "generate.sh: wrote $(ls "$here/$package_dir" | wc -l) files to $package_dir"
fi
