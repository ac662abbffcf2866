#!/usr/bin/env bash
# Throughput and peak RSS of two `convolve` binaries on the same inputs, runs alternated so that
# a change in the machine's load falls on both alike (a before/after comparison of the CLI).
#
#     scripts/cli_throughput.sh OLD_BIN NEW_BIN [runs]
#
# Cases: 10 min stereo 48 kHz 16-bit WAV through a 96,000-tap stereo IR (WAV in and out), and
# 2^26 samples of raw f32 through a 1024-tap kernel (raw in and out, the I/O-light path).
# Needs python3 (standard library) and GNU time as /usr/bin/time; about 1 GB under /tmp.
set -euo pipefail
OLD=$1 NEW=$2 RUNS=${3:-3}
[[ -x /usr/bin/time ]] || { echo "needs GNU time at /usr/bin/time" >&2; exit 1; }
DIR=$(mktemp -d /tmp/convolve-cli-throughput.XXXXXX)
trap 'rm -rf "$DIR"' EXIT
wav() { # path, channels, frames: 16-bit noise
    python3 - "$@" <<'PY'
import os, sys, wave
path, channels, frames = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
with wave.open(path, "wb") as w:
    w.setnchannels(channels); w.setsampwidth(2); w.setframerate(48000)
    left = frames
    while left:
        n = min(left, 1 << 20)
        w.writeframes(os.urandom(n * channels * 2))
        left -= n
PY
}
wav "$DIR/dry.wav" 2 $((600 * 48000))
wav "$DIR/ir.wav" 2 96000
wav "$DIR/long.wav" 1 $((1 << 26))
wav "$DIR/k1024.wav" 1 1024
wav "$DIR/one.wav" 1 1
"$NEW" apply "$DIR/long.wav" "$DIR/one.wav" -o "$DIR/long.f32" --dtype f32 # raw f32 input
rm -f "$DIR/long.wav"

measure() { # label, binary, apply arguments...
    local label=$1 bin=$2
    shift 2
    sync
    /usr/bin/time -v "$bin" apply "$@" -v 2>"$DIR/log" >/dev/null || { cat "$DIR/log" >&2; exit 1; }
    printf '%-28s peak RSS %7.1f MB  %s\n' "$label" \
        "$(awk -F': ' '/Maximum resident set size/ {print $2 / 1000}' "$DIR/log")" \
        "$(grep -E 'samples/s' "$DIR/log" | sed -E 's/.*: ([0-9]+ frames in .*)/\1/')"
    rm -f "$DIR"/out.*
}
for run in $(seq "$RUNS"); do
    for which in old new; do
        bin=$OLD; [[ $which == new ]] && bin=$NEW
        measure "reverb $which (run $run)" "$bin" "$DIR/dry.wav" "$DIR/ir.wav" -o "$DIR/out.wav"
    done
done
for run in $(seq "$RUNS"); do
    for which in old new; do
        bin=$OLD; [[ $which == new ]] && bin=$NEW
        measure "raw f32 1024 $which (run $run)" "$bin" "$DIR/long.f32" "$DIR/k1024.wav" -o "$DIR/out.f32" --dtype f32
    done
done
