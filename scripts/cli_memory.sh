#!/usr/bin/env bash
# Peak resident memory (GNU time's "Maximum resident set size", i.e. getrusage ru_maxrss) and
# throughput of `convolve apply`, against the kernel length and the channel count, plus the
# reverb case issue 16 names: 10 minutes of stereo 48 kHz through a 2 s stereo IR (96,000 taps).
#
#     scripts/cli_memory.sh            # builds target/release/convolve
#     BIN=/path/to/convolve scripts/cli_memory.sh [reverb|sweep|all]
#
# Needs python3 (standard library only) to write the WAV inputs, and GNU time as /usr/bin/time.
# Inputs and outputs go to a temporary directory under /tmp (about 400 MB), removed at exit.
set -euo pipefail
cd "$(dirname "$0")/.."
WHAT=${1:-all}
if [[ ! -x /usr/bin/time ]]; then
    echo "needs GNU time at /usr/bin/time (Debian: apt-get install time)" >&2
    exit 1
fi
command -v bc >/dev/null || { echo "needs bc (Debian: apt-get install bc)" >&2; exit 1; }
if [[ -z "${BIN:-}" ]]; then
    cargo build --release -p convolve-cli >&2
    BIN=target/release/convolve
fi
DIR=$(mktemp -d /tmp/convolve-cli-memory.XXXXXX)
trap 'rm -rf "$DIR"' EXIT

# 16-bit PCM noise WAVs: content does not change the cost, only the lengths do.
wav() { # path, channels, frames
    python3 - "$@" <<'EOF'
import os, sys, wave
path, channels, frames = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
with wave.open(path, "wb") as w:
    w.setnchannels(channels)
    w.setsampwidth(2)
    w.setframerate(48000)
    left = frames
    while left:
        n = min(left, 1 << 20)
        w.writeframes(os.urandom(n * channels * 2))
        left -= n
EOF
}

measure() { # label, then the apply arguments
    local label=$1
    shift
    local log="$DIR/time.log"
    rm -f "$DIR"/out.*
    sync
    /usr/bin/time -v "$BIN" apply "$@" -v 2>"$log" >/dev/null || { cat "$log" >&2; exit 1; }
    local rss wall summary
    rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$log")
    wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$log")
    summary=$(grep -E 'samples/s' "$log" | sed -E 's/.*: ([0-9]+ frames in .*)/\1/')
    printf '%-40s peak RSS %7.1f MB  wall %8s  (%s)\n' "$label" "$(echo "$rss / 1000" | bc -l)" "$wall" "$summary"
}

if [[ $WHAT == reverb || $WHAT == all ]]; then
    wav "$DIR/dry.wav" 2 $((600 * 48000))
    wav "$DIR/ir.wav" 2 96000
    echo "reverb: 10 min stereo 48 kHz 16-bit ($(($(stat -c %s "$DIR/dry.wav") / 1000000)) MB) through a 96,000-tap stereo IR"
    for run in 1 2 3; do
        measure "reverb, f32 WAV out (run $run)" "$DIR/dry.wav" "$DIR/ir.wav" -o "$DIR/out.wav"
    done
    rm -f "$DIR/dry.wav"
fi

if [[ $WHAT == sweep || $WHAT == all ]]; then
    wav "$DIR/sig1.wav" 1 $((60 * 48000))
    wav "$DIR/sig2.wav" 2 $((60 * 48000))
    wav "$DIR/sig8.wav" 8 $((60 * 48000))
    echo "sweep: 60 s at 48 kHz; kernel taps x channels"
    for taps in 1024 16384 96000 393216; do
        wav "$DIR/k1.wav" 1 "$taps"
        wav "$DIR/k2.wav" 2 "$taps"
        measure "1 ch x $taps taps" "$DIR/sig1.wav" "$DIR/k1.wav" -o "$DIR/out.wav"
        measure "2 ch x $taps taps" "$DIR/sig2.wav" "$DIR/k2.wav" -o "$DIR/out.wav"
        measure "8 ch x $taps taps (mono kernel)" "$DIR/sig8.wav" "$DIR/k1.wav" -o "$DIR/out.wav"
    done
fi
