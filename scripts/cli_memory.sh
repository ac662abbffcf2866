#!/usr/bin/env bash
# Peak resident memory and throughput of `convolve apply` streaming a long raw f32 file through
# a 1024-tap kernel, against the same run on a file 8x shorter: bounded memory means the two
# peaks are about equal while the files differ by 8x.
#
#     scripts/cli_memory.sh [MiB]      # size of the long input, default 512 (files under /tmp)
#
# Needs python3 with numpy to generate the inputs, GNU time (/usr/bin/time) and bc.
set -euo pipefail
case "${1:-}" in -h | --help) sed -n '2,/^set /p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;; esac
cd "$(dirname "$0")/.."
MIB=${1:-512}
TAPS=1024
DIR=$(mktemp -d /tmp/convolve-cli-memory.XXXXXX)
trap 'rm -rf "$DIR"' EXIT
# Nothing is installed here: a missing tool is named and the script stops.
[ -x /usr/bin/time ] || { echo "needs GNU time at /usr/bin/time (Debian: apt-get install time)" >&2; exit 1; }
command -v bc >/dev/null || { echo "needs bc (Debian: apt-get install bc)" >&2; exit 1; }
python3 -c 'import numpy' 2>/dev/null || { echo "needs python3 with numpy (pip install -r scripts/requirements.txt)" >&2; exit 1; }
cargo build --release -p convolve-cli >&2
BIN=target/release/convolve

python3 - "$DIR" "$MIB" "$TAPS" <<'EOF'
import sys, numpy as np
d, mib, taps = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rng = np.random.default_rng(1)
def raw(path, samples):
    with open(path, "wb") as f:
        left = samples
        while left:
            n = min(left, 1 << 22)
            (0.1 * rng.standard_normal(n, dtype=np.float32)).tofile(f)
            left -= n
raw(f"{d}/long.f32", mib * (1 << 20) // 4)
raw(f"{d}/short.f32", mib * (1 << 20) // 32)
np.save(f"{d}/kernel.npy", (np.exp(-np.arange(taps) / 200.0) * rng.standard_normal(taps)).astype(np.float32))
EOF
sync # the generated files' writeback is not the tool's time

measure() { # label, then the apply arguments
    local label=$1
    shift
    local log="$DIR/time.log"
    rm -f "$DIR/out.f32"
    sync
    /usr/bin/time -v "$BIN" apply "$@" -v 2>"$log" >/dev/null
    local rss wall summary
    rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$log")
    wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$log")
    summary=$(grep -E 'samples/s' "$log" | sed -E 's/.*: ([0-9]+ frames in .*)/\1/')
    printf '%-34s peak RSS %6.1f MB  wall %s  (%s)\n' "$label" "$(echo "$rss / 1000" | bc -l)" "$wall" "$summary"
}

in_mb() { echo "$(stat -c %s "$1") / 1000000" | bc; }
echo "kernel: $TAPS taps; long input $(in_mb "$DIR/long.f32") MB, short input $(in_mb "$DIR/short.f32") MB (raw f32)"
measure "short, f32, auto" "$DIR/short.f32" "$DIR/kernel.npy" -o "$DIR/out.f32" --dtype f32
measure "long (8x), f32, auto" "$DIR/long.f32" "$DIR/kernel.npy" -o "$DIR/out.f32" --dtype f32
measure "long (8x), f64, auto" "$DIR/long.f32" "$DIR/kernel.npy" -o "$DIR/out.f32" --dtype f64
measure "long (8x), f32, same mode" "$DIR/long.f32" "$DIR/kernel.npy" -o "$DIR/out.f32" --dtype f32 --mode same
measure "short, f32, --normalize peak" "$DIR/short.f32" "$DIR/kernel.npy" -o "$DIR/out.f32" --dtype f32 --normalize peak
