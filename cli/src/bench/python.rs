//! The numpy/scipy column: the same lengths, mode and dtype timed in a Python that has numpy
//! and scipy, so that "how much faster than what I use now" is answered on this machine.
//!
//! One Python process serves the whole run (importing scipy costs a few hundred ms, which a
//! process per cell would pay again for every cell): it reads `n m` lines on stdin and answers
//! each with min / median / max seconds per call of `numpy.convolve`,
//! `scipy.signal.fftconvolve` and `scipy.signal.oaconvolve`, batched like our own timings.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::time::Duration;

use anyhow::{Context, Result, bail};
use convolve::Mode;

use crate::timing::Stats;

/// The functions timed, in the order of [`Python::time`]'s answer.
pub const NAMES: [&str; 3] = ["numpy.convolve", "scipy.fftconvolve", "scipy.oaconvolve"];

const SCRIPT: &str = r#"
import sys, time
try:
    import numpy as np, scipy, scipy.signal as ss
except Exception as e:
    print("missing", str(e).replace("\n", " "), flush=True)
    sys.exit(0)
dtype, mode = {"f64": "float64", "f32": "float32"}[sys.argv[1]], sys.argv[2]
target, batches, limit = float(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5])
print("ok", np.__version__, scipy.__version__, flush=True)

def per_call(f):
    calls, t0 = 0, time.perf_counter()
    while True:
        f()
        calls += 1
        t = time.perf_counter() - t0
        if t >= target:
            return t / calls

def stats(fs):
    for f in fs:
        f()
    samples = [[] for _ in fs]
    for _ in range(batches):
        for f, s in zip(fs, samples):
            s.append(per_call(f))
    out = []
    for s in samples:
        s.sort()
        k = len(s)
        med = s[k // 2] if k % 2 else (s[k // 2 - 1] + s[k // 2]) / 2
        out.append("%r %r %r" % (s[0], med, s[-1]))
    return out

for line in sys.stdin:
    n, m = map(int, line.split())
    a = np.sin(np.arange(n) * 0.731).astype(dtype)
    v = np.cos(np.arange(m) * 0.377).astype(dtype)
    fs = [lambda: ss.fftconvolve(a, v, mode=mode), lambda: ss.oaconvolve(a, v, mode=mode)]
    direct = n * m <= limit
    if direct:
        fs.insert(0, lambda: np.convolve(a, v, mode))
    out = stats(fs)
    if not direct:
        out.insert(0, "nan nan nan")
    print(" ".join(out), flush=True)
"#;

/// Which Python to ask.
pub enum Choice {
    /// `--no-python`.
    None,
    /// `python3` on PATH, if it imports numpy and scipy.
    Detect,
    /// `--python PATH`: must work.
    Path(PathBuf),
}

/// A running Python serving timings.
pub struct Python {
    child: Child,
    stdin: Option<ChildStdin>,
    stdout: BufReader<ChildStdout>,
    /// "/usr/bin/python3 (numpy 2.1.0, scipy 1.14.1)".
    pub label: String,
}

/// How each Python timing is batched: like our own.
pub struct Batching {
    pub target: Duration,
    pub batches: usize,
    /// `numpy.convolve` (a direct sum) is skipped above this n·m.
    pub direct_limit: f64,
}

impl Python {
    /// Starts the chosen Python. `Ok(None)` when none is wanted, or none was found on PATH
    /// (said in one line on stderr); an error when the one named by `--python` fails.
    pub fn start(choice: &Choice, dtype: &str, mode: Mode, b: &Batching) -> Result<Option<Python>> {
        let path: &Path = match choice {
            Choice::None => return Ok(None),
            Choice::Detect => Path::new("python3"),
            Choice::Path(p) => p,
        };
        match Python::spawn(path, dtype, mode, b) {
            Ok(p) => Ok(Some(p)),
            Err(e) if matches!(choice, Choice::Detect) => {
                eprintln!(
                    "convolve bench: no numpy/scipy column ({e:#}); --python PATH names another Python"
                );
                Ok(None)
            }
            Err(e) => Err(e.context(format!("--python {}", path.display()))),
        }
    }

    fn spawn(path: &Path, dtype: &str, mode: Mode, b: &Batching) -> Result<Python> {
        let mut child = Command::new(path)
            .arg("-c")
            .arg(SCRIPT)
            .arg(dtype)
            .arg(mode.to_string())
            .arg(b.target.as_secs_f64().to_string())
            .arg(b.batches.to_string())
            .arg(b.direct_limit.to_string())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .with_context(|| format!("cannot run `{}`", path.display()))?;
        let stdin = child.stdin.take().expect("piped");
        let mut stdout = BufReader::new(child.stdout.take().expect("piped"));
        let mut first = String::new();
        stdout.read_line(&mut first)?;
        let words: Vec<&str> = first.split_whitespace().collect();
        let label = match words.as_slice() {
            ["ok", numpy, scipy] => format!("{} (numpy {numpy}, scipy {scipy})", path.display()),
            ["missing", ..] => bail!(
                "`{}` lacks numpy or scipy: {}",
                path.display(),
                first.trim_start_matches("missing").trim()
            ),
            _ => bail!("`{}` did not run the timing script", path.display()),
        };
        Ok(Python {
            child,
            stdin: Some(stdin),
            stdout,
            label,
        })
    }

    /// min / median / max seconds per call of each of [`NAMES`] (`None`: numpy's direct sum
    /// skipped as too slow).
    pub fn time(&mut self, n: usize, m: usize) -> Result<[Option<Stats>; 3]> {
        let stdin = self.stdin.as_mut().expect("open until drop");
        writeln!(stdin, "{n} {m}")
            .and_then(|()| stdin.flush())
            .context("the Python timing process stopped")?;
        let mut line = String::new();
        if self.stdout.read_line(&mut line)? == 0 {
            bail!("the Python timing process stopped at n = {n}, m = {m} (its message is above)");
        }
        let x: Vec<f64> = line
            .split_whitespace()
            .map(|w| w.parse::<f64>())
            .collect::<Result<_, _>>()
            .ok()
            .filter(|x: &Vec<f64>| x.len() == 9)
            .with_context(|| format!("the Python timing process answered {:?}", line.trim()))?;
        Ok([0, 1, 2].map(|i| {
            let s = &x[3 * i..3 * i + 3];
            (!s[1].is_nan()).then_some(Stats {
                min: s[0],
                median: s[1],
                max: s[2],
            })
        }))
    }
}

impl Drop for Python {
    /// Closing stdin ends the script's loop; then the process is reaped.
    fn drop(&mut self) {
        drop(self.stdin.take());
        let _ = self.child.wait();
    }
}
