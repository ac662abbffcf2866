#!/usr/bin/env bash
# Wall time of `convolve apply` against ffmpeg's `afir` and sox's `fir` on the same reverb, and
# of the file I/O alone (a 1-tap kernel against `ffmpeg -c copy`), runs interleaved so that a
# change in the machine's load falls on every tool alike; then a numpy check that every tool
# computed the same full convolution (issue 25; docs/CLI.md, "Against ffmpeg and sox").
#
#     scripts/compare_audio_tools.sh [runs]      # default 5 runs of each
#     BIN=/path/to/convolve PYTHON=/path/to/python scripts/compare_audio_tools.sh
#     OLD=/path/to/older/convolve scripts/compare_audio_tools.sh   # adds its three jobs, *_old
#
# Inputs: 10 min of stereo 48 kHz 16-bit "music" (drifting tones, a slow swell, noise) and a
# 3 s stereo IR of exponentially decaying noise (144,000 taps), both written by numpy. Every
# output is 32-bit float WAV, the full convolution (n + m - 1 frames), channel c of the
# signal through channel c of the IR, at unit gain:
#   convolve  apply in.wav ir.wav -o out.wav [--dtype f32]
#   ffmpeg    afir, which keeps the input's length: the input is padded by m - 1 frames of
#             silence (apad); gtype=none turns off its IR normalization, and irgain=0.5 undoes
#             the factor 2 that ffmpeg 5.1's afir applies with gtype=none (measured here: the
#             check below fits the gain).
#   sox       fir takes one mono coefficient list for every channel, and removes a delay of
#             (m - 1) / 2 (it assumes a linear-phase FIR): each channel is a sox of its own
#             with its own coefficients, padded by (m - 1) / 2 frames in front and the rest
#             behind, and `sox -M` merges the two pipes (three processes, on both cores).
# Needs ffmpeg, sox, and a python with numpy and scipy (PYTHON, default python3). About 2 GB
# in a temporary directory (TMPDIR, default /tmp), removed at exit.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-5}
PYTHON=${PYTHON:-python3}
if [[ -z "${BIN:-}" ]]; then
    cargo build --release -p convolve-cli >&2
    BIN=${CARGO_TARGET_DIR:-target}/release/convolve
fi
BIN=$(realpath "$BIN")
[[ -z "${OLD:-}" ]] || OLD=$(realpath "$OLD")
for tool in ffmpeg sox; do
    command -v "$tool" >/dev/null || { echo "needs $tool" >&2; exit 1; }
done
DIR=$(mktemp -d "${TMPDIR:-/tmp}/convolve-compare.XXXXXX")
trap 'rm -rf "$DIR"' EXIT
cd "$DIR"

"$PYTHON" - <<'PY'
import numpy as np
import scipy.io.wavfile as wavfile

rate, rng = 48000, np.random.default_rng(25)
n, m = 600 * rate, 3 * rate
t = np.arange(n) / rate
x = np.zeros((n, 2))
for f, a in [(110, 0.2), (220.5, 0.15), (331, 0.1), (440.7, 0.08)]:
    x[:, 0] += a * np.sin(2 * np.pi * f * t + 0.3 * np.sin(0.5 * t))
    x[:, 1] += a * np.sin(2 * np.pi * f * 1.003 * t)
x *= (0.6 + 0.4 * np.sin(2 * np.pi * 0.25 * t))[:, None]
x += 0.1 * rng.standard_normal((n, 2))
wavfile.write("in.wav", rate, np.round(np.clip(x, -1, 1) * 32767).astype(np.int16))
# Decaying noise with sum(ir^2) = 1/4 per channel, so that the reverb stays well inside full
# scale (sox computes in 32-bit integers and clips).
ir = rng.standard_normal((m, 2)) * np.exp(-np.arange(m) / (0.5 * rate))[:, None]
ir *= 0.5 / np.sqrt((ir**2).sum(axis=0))
ir16 = np.round(ir * 32767).astype(np.int16)
wavfile.write("ir.wav", rate, ir16)
for c, name in enumerate("LR"):
    np.savetxt(f"ir{name}.txt", ir16[:, c] / 32768.0, fmt="%.17g")
wavfile.write("one.wav", rate, np.ones(1, dtype=np.float32))
PY

M=$("$PYTHON" -c "import scipy.io.wavfile as w; print(len(w.read('ir.wav')[1]))")
FRONT=$(((M - 1) / 2))
BACK=$((M - 1 - FRONT))
declare -A CMD=(
    [convolve_f64]="\"$BIN\" apply in.wav ir.wav -o out_convolve_f64.wav"
    [convolve_f32]="\"$BIN\" apply in.wav ir.wav -o out_convolve_f32.wav --dtype f32"
    [ffmpeg_afir]="ffmpeg -v error -y -i in.wav -i ir.wav -filter_complex '[0:a]apad=pad_len=$((M - 1))[x];[x][1:a]afir=gtype=none:irgain=0.5[y]' -map '[y]' -c:a pcm_f32le out_ffmpeg_afir.wav"
    [sox_fir]="sox -M '|sox in.wav -p remix 1 pad ${FRONT}s ${BACK}s fir irL.txt' '|sox in.wav -p remix 2 pad ${FRONT}s ${BACK}s fir irR.txt' -e floating-point -b 32 out_sox_fir.wav"
    [convolve_1tap]="\"$BIN\" apply in.wav one.wav -o out_convolve_1tap.wav"
    [ffmpeg_copy]="ffmpeg -v error -y -i in.wav -c copy out_ffmpeg_copy.wav"
)
ORDER=(convolve_f64 convolve_f32 ffmpeg_afir sox_fir convolve_1tap ffmpeg_copy)
if [[ -n "${OLD:-}" ]]; then
    for name in convolve_f64 convolve_f32 convolve_1tap; do
        CMD[${name}_old]=$(echo "${CMD[$name]}" | sed "s|\"$BIN\"|\"$OLD\"|; s|out_$name|out_${name}_old|")
        ORDER+=("${name}_old")
    done
fi
for run in $(seq "$RUNS"); do
    for name in "${ORDER[@]}"; do
        rm -f "out_$name.wav"
        sync
        start=$EPOCHREALTIME
        eval "${CMD[$name]}" 2>"err_$name.log" || { cat "err_$name.log" >&2; exit 1; }
        end=$EPOCHREALTIME
        echo "$name $(echo "$end - $start" | bc -l)" >>times.txt
    done
done

"$PYTHON" - "$RUNS" <<'PY'
import statistics
import sys
from collections import defaultdict

import numpy as np
import scipy.io.wavfile as wavfile
import scipy.signal as signal

times = defaultdict(list)
for line in open("times.txt"):
    name, secs = line.split()
    times[name].append(float(secs))
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
cores = sum(1 for l in open("/proc/cpuinfo") if l.startswith("processor"))
print(f"CPU: {cpu}, {cores} logical cores; {sys.argv[1]} runs each, interleaved")
print(f"{'job':<16} {'median s':>9} {'min s':>7} {'max s':>7}")
for name, ts in times.items():
    print(f"{name:<16} {statistics.median(ts):9.2f} {min(ts):7.2f} {max(ts):7.2f}")

# Every reverb against scipy's full convolution of the same integer samples, in float64.
_, x = wavfile.read("in.wav")
_, ir = wavfile.read("ir.wav")
x, ir = x / 32768.0, ir / 32768.0
ref = np.stack([signal.fftconvolve(x[:, c], ir[:, c]) for c in range(2)], axis=1)
scale = np.abs(ref).max()
print(f"check against scipy.signal.fftconvolve (full, {len(ref)} frames, peak {scale:.3f}):")
for name in ["convolve_f64", "convolve_f32", "ffmpeg_afir", "sox_fir"]:
    _, y = wavfile.read(f"out_{name}.wav")
    y = y.astype(np.float64)
    if y.shape != ref.shape:
        print(f"  {name:<14} shape {y.shape}, expected {ref.shape}")
        continue
    gain = (y * ref).sum() / (ref * ref).sum()
    err = np.abs(y - ref).max() / scale
    print(f"  {name:<14} fitted gain {gain:.7f}, max |error| / peak {err:.1e}")
_, y = wavfile.read("out_convolve_1tap.wav")
print(f"  convolve_1tap  equals the input: {np.array_equal(y.astype(np.float64), x)}")
PY
