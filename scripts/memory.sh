#!/usr/bin/env bash
# Peak resident memory of one n=10^7, m=16384 f64 full convolution: ours (Method::Auto through
# the release driver, `--once`) against scipy.signal.fftconvolve and oaconvolve, each in a fresh
# process, reported as (peak RSS - the same program's peak with n=m=1) / (input + output bytes).
#
#     scripts/memory.sh [n] [m]
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-10000000}
M=${2:-16384}
command -v /usr/bin/time >/dev/null || { sudo apt-get install -y time || apt-get install -y time; }
cargo build --release --example compare_driver >&2
DRIVER=target/release/examples/compare_driver

peak_kb() { # command... -> max resident set size in kB
    /usr/bin/time -v "$@" 2>&1 >/dev/null | awk -F': ' '/Maximum resident set size/ {print $2}'
}
py() { # n m function
    echo "import os; os.environ['OMP_NUM_THREADS']='1'
import numpy as np, scipy.signal as ss
a = np.random.default_rng(1).uniform(-1, 1, $1); v = np.random.default_rng(2).uniform(-1, 1, $2)
$3"
}

BYTES=$(( (N + M + N + M - 1) * 8 ))
printf 'n=%d m=%d f64 full: input+output = %.1f MB\n' "$N" "$M" "$(echo "$BYTES / 1000000" | bc -l)"
report() { # name peak_kb base_kb
    awk -v name="$1" -v p="$2" -v b="$3" -v bytes="$BYTES" 'BEGIN {
        printf "%-22s peak %7.1f MB, above baseline %7.1f MB = %.2fx input+output\n",
            name, p / 1000, (p - b) / 1000, (p - b) * 1000 / bytes }'
}
base=$(peak_kb "$DRIVER" --once 1 1 f64 full auto)
report "convolve (auto)" "$(peak_kb "$DRIVER" --once "$N" "$M" f64 full auto)" "$base"
for method in fft overlap-add; do
    report "convolve ($method)" "$(peak_kb "$DRIVER" --once "$N" "$M" f64 full $method)" "$base"
done
base=$(peak_kb python3 -c "$(py 1 1 'ss.fftconvolve(a, v); ss.oaconvolve(a, v)')")
for f in fftconvolve oaconvolve; do
    report "scipy $f" "$(peak_kb python3 -c "$(py "$N" "$M" "c = ss.$f(a, v)")")" "$base"
done
