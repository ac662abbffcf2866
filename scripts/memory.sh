#!/usr/bin/env bash
# Peak resident memory of one n=10^7, m=16384 f64 full convolution: ours (Method::Auto through
# the release driver, `--once`) against scipy.signal.fftconvolve and oaconvolve, each in a fresh
# process, reported as (peak RSS - the same program's peak with n=m=1) / (input + output bytes).
#
#     scripts/memory.sh [n] [m]
#
# Needs GNU time (/usr/bin/time), bc, and python3 with numpy and scipy.
set -euo pipefail
case "${1:-}" in -h | --help) sed -n '2,/^set /p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;; esac
cd "$(dirname "$0")/.."
N=${1:-10000000}
M=${2:-16384}
# Nothing is installed here: a missing tool is named and the script stops.
[ -x /usr/bin/time ] || { echo "needs GNU time at /usr/bin/time (Debian: apt-get install time)" >&2; exit 1; }
command -v bc >/dev/null || { echo "needs bc (Debian: apt-get install bc)" >&2; exit 1; }
python3 -c 'import numpy, scipy' 2>/dev/null || { echo "needs python3 with numpy and scipy (pip install -r scripts/requirements.txt)" >&2; exit 1; }
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
