//! `convolve bench`: times each method over a grid of lengths on this machine, shows where the
//! winner changes (located by bisection), how close Auto comes to the fastest, optionally
//! numpy/scipy on the same data, as a table, JSON or CSV, and optionally the crossover map as
//! SVG.
//!
//! Wall-clock timing of `convolve_with` (f64 or f32 data, any mode, the grid or your own
//! sizes): each method in several batches, interleaved, reported as min / median / max
//! seconds per call, so that a busy machine shows as a wide spread rather than as a confident
//! wrong winner.

mod bisect;
mod machine;
mod python;
mod report;
mod svg;

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, Result, bail};
use convolve::{Method, Mode, choose_method_for, convolve_with};

use self::bisect::Crossover;
use self::machine::Machine;
use self::python::{Batching, Choice, Python};
use crate::sample::Sample;
use crate::timing::{self, Stats};

/// The methods compared; Auto is timed too, as a fourth column.
const METHODS: [Method; 3] = [Method::Direct, Method::Fft, Method::OverlapAdd];

/// A cell is marked noisy when a method's slowest batch took this much longer than its
/// fastest.
const NOISY: f64 = 1.25;

/// Crossovers are located to this relative precision in the kernel length.
const PRECISION: f64 = 0.1;

/// How the results are printed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Aligned columns for reading, rows printed as they are measured
    Table,
    /// One JSON object: header, cells, crossovers
    Json,
    /// One row per (cell, method), the header as leading `#` lines
    Csv,
}

/// What `convolve bench` times.
pub struct Options<'a> {
    /// A smaller grid and shorter timings.
    pub quick: bool,
    /// Where to draw the crossover map (grid runs only).
    pub plot: Option<&'a Path>,
    /// numpy's mode for every call.
    pub mode: Mode,
    /// `(n, m)` pairs instead of the grid.
    pub sizes: Option<Vec<(usize, usize)>>,
    pub format: Format,
    /// Batches per method (default 5).
    pub repeats: Option<usize>,
    /// `None`: `--no-python`; `Some(None)`: look for `python3`; `Some(Some(path))`: that one.
    pub python: Option<Option<PathBuf>>,
}

/// The settings a run was made with, stated in every output.
pub struct Settings {
    pub dtype: &'static str,
    pub mode: Mode,
    pub quick: bool,
    pub repeats: usize,
    pub target: Duration,
    /// Direct (ours and numpy's) is skipped above this n·m.
    pub direct_limit: f64,
}

/// One grid cell: min / median / max seconds per call of each method and Auto.
pub struct Cell {
    pub n: usize,
    pub m: usize,
    /// Direct, fft, overlap-add (`None`: direct skipped as too slow), then Auto.
    pub times: [Option<Stats>; 4],
    /// What Auto runs here.
    pub auto_pick: Method,
    /// numpy/scipy, in the order of [`python::NAMES`], when a Python was found.
    pub python: Option<[Option<Stats>; 3]>,
}

impl Cell {
    /// Index into [`METHODS`] of the fastest by median.
    pub fn winner(&self) -> usize {
        (0..3)
            .filter(|&i| self.times[i].is_some())
            .min_by(|&a, &b| self.median(a).total_cmp(&self.median(b)))
            .expect("fft is always timed")
    }

    fn median(&self, i: usize) -> f64 {
        self.times[i].map_or(f64::INFINITY, |s| s.median)
    }

    pub fn best(&self) -> Stats {
        self.times[self.winner()].expect("winner was timed")
    }

    pub fn auto(&self) -> Stats {
        self.times[3].expect("auto is always timed")
    }

    /// The other methods whose median lies within the winner's range of batch times: another
    /// run could well have named one of them the fastest.
    pub fn tied_with(&self) -> Vec<usize> {
        let (w, best) = (self.winner(), self.best());
        (0..3)
            .filter(|&i| i != w && self.times[i].is_some_and(|s| s.median_within(&best)))
            .collect()
    }

    pub fn auto_over_best(&self) -> f64 {
        self.auto().median / self.best().median
    }

    /// The widest max/min of any method here.
    pub fn spread(&self) -> f64 {
        self.times
            .iter()
            .flatten()
            .map(Stats::spread)
            .fold(1.0, f64::max)
    }

    pub fn noisy(&self) -> bool {
        self.spread() > NOISY
    }

    /// The fastest numpy/scipy function by median: its index into [`python::NAMES`].
    pub fn python_best(&self) -> Option<(usize, Stats)> {
        let py = self.python.as_ref()?;
        (0..3)
            .filter_map(|i| py[i].map(|s| (i, s)))
            .min_by(|a, b| a.1.median.total_cmp(&b.1.median))
    }

    /// How many times faster Auto is than the fastest of numpy/scipy.
    pub fn speedup(&self) -> Option<f64> {
        self.python_best()
            .map(|(_, s)| s.median / self.auto().median)
    }
}

/// Parses `1e6:1024,48000:96000` into `(signal, kernel)` length pairs.
pub fn parse_sizes(text: &str) -> Result<Vec<(usize, usize)>> {
    let length = |s: &str| -> Result<usize> {
        let x: f64 = s
            .trim()
            .parse()
            .map_err(|_| anyhow::anyhow!("--sizes: {s:?} is not a length (write 48000 or 1e6)"))?;
        if !((1.0..=1e10).contains(&x) && x.fract() == 0.0) {
            bail!("--sizes: {s:?} is not a length from 1 to 1e10");
        }
        Ok(x as usize)
    };
    text.split(',')
        .map(|pair| match pair.split_once(':') {
            Some((n, m)) => Ok((length(n)?, length(m)?)),
            None => bail!("--sizes: {pair:?} is not n:m (signal length : kernel length)"),
        })
        .collect()
}

/// Runs the grid (or the given sizes) in `T` and prints the results.
pub fn run<T: Sample>(options: &Options<'_>, dtype: &'static str) -> Result<()> {
    let (quick, plot, mode) = (options.quick, options.plot, options.mode);
    if plot.is_some() && options.sizes.is_some() {
        bail!("--plot draws the grid's crossover map; run it without --sizes");
    }
    let repeats = options.repeats.unwrap_or(5);
    if repeats == 0 {
        bail!("--repeats 0: at least one batch per method is needed");
    }
    let (ns, ms, target, direct_limit): (&[usize], &[usize], _, f64) = if quick {
        (
            &[1_000, 10_000, 100_000],
            &[4, 16, 64, 256, 1024, 4096],
            Duration::from_millis(10),
            5e8,
        )
    } else {
        (
            &[1_000, 10_000, 100_000, 1_000_000],
            &[4, 16, 64, 256, 1024, 4096, 16_384, 65_536],
            Duration::from_millis(40),
            5e9,
        )
    };
    let settings = Settings {
        dtype,
        mode,
        quick,
        repeats,
        target,
        direct_limit,
    };
    let grid: Vec<(usize, usize)> = match &options.sizes {
        Some(pairs) => pairs.clone(),
        None => ns
            .iter()
            .flat_map(|&n| ms.iter().filter(move |&&m| m <= n).map(move |&m| (n, m)))
            .collect(),
    };
    let machine = Machine::detect();
    let choice = match &options.python {
        None => Choice::None,
        Some(None) => Choice::Detect,
        Some(Some(path)) => Choice::Path(path.clone()),
    };
    // numpy's direct sum is several times slower than ours: a lower limit keeps it in budget.
    let batching = Batching {
        target,
        batches: repeats,
        direct_limit: direct_limit / 5.0,
    };
    let mut python = Python::start(&choice, dtype, mode, &batching)?;
    let python_label = python.as_ref().map(|p| p.label.clone());
    let table = options.format == Format::Table;
    if table {
        report::table_header(&machine, &settings, python_label.as_deref());
    }
    let bar = progress(!table, grid.len());
    let mut cells = Vec::new();
    for &(n, m) in &grid {
        bar.set_message(format!("n = {n}, m = {m}"));
        let mut cell = time_cell::<T>(n, m, &settings)?;
        if let Some(p) = python.as_mut() {
            cell.python = Some(p.time(n, m)?);
        }
        if table {
            report::table_row(&cell);
        }
        cells.push(cell);
        bar.inc(1);
    }
    drop(python);
    bar.set_message("bisecting the crossovers");
    // Every signal length timed with at least two kernel lengths has a row to bisect.
    let mut rows: Vec<usize> = Vec::new();
    for c in &cells {
        if !rows.contains(&c.n) && cells.iter().any(|d| d.n == c.n && d.m != c.m) {
            rows.push(c.n);
        }
    }
    let crossovers = rows
        .iter()
        .map(|&n| crossovers::<T>(n, &cells, &settings))
        .collect::<Result<Vec<_>>>()?
        .concat();
    bar.finish_and_clear();
    let results = report::Results {
        machine: &machine,
        settings: &settings,
        python: python_label.as_deref(),
        cells: &cells,
        crossovers: &crossovers,
        rows: &rows,
    };
    match options.format {
        Format::Table => report::table_footer(&results),
        Format::Json => println!("{}", report::json(&results)),
        Format::Csv => print!("{}", report::csv(&results)),
    }
    if let Some(path) = plot {
        let svg = svg::svg(&cells, ns, ms, &format!("{dtype}, mode {mode}"));
        std::fs::write(path, svg).with_context(|| format!("cannot write `{}`", path.display()))?;
        if table {
            println!("Crossover map written to {}", path.display());
        }
    }
    Ok(())
}

/// A progress bar on stderr for the JSON and CSV runs (the table shows its rows as they come),
/// when stderr is a terminal.
fn progress(wanted: bool, cells: usize) -> indicatif::ProgressBar {
    use std::io::IsTerminal;
    if !(wanted && std::io::stderr().is_terminal()) {
        return indicatif::ProgressBar::hidden();
    }
    let style = indicatif::ProgressStyle::with_template(
        "{spinner} [{elapsed_precise}] {wide_bar} {pos}/{len} cells  {msg}",
    )
    .expect("the template is valid");
    let bar = indicatif::ProgressBar::new(cells as u64).with_style(style);
    bar.enable_steady_tick(Duration::from_millis(200));
    bar
}

/// The signal and kernel every timing convolves: smooth, non-repeating, the same in Python.
fn data<T: Sample>(n: usize, m: usize) -> (Vec<T>, Vec<T>) {
    let a = (0..n).map(|i| T::from_f64(((i as f64) * 0.731).sin()));
    let v = (0..m).map(|i| T::from_f64(((i as f64) * 0.377).cos()));
    (a.collect(), v.collect())
}

/// Times `methods` at `(n, m)`, batches interleaved; `None` for Direct above the limit.
fn time_methods<T: Sample>(
    n: usize,
    m: usize,
    methods: &[Method],
    s: &Settings,
) -> Result<Vec<Option<Stats>>> {
    let (a, v) = data::<T>(n, m);
    let timed: Vec<Method> = methods
        .iter()
        .copied()
        .filter(|&k| k != Method::Direct || (n as f64) * (m as f64) <= s.direct_limit)
        .collect();
    let mut calls: Vec<_> = timed
        .iter()
        .map(|&method| {
            let (a, v) = (&a, &v);
            move || {
                std::hint::black_box(convolve_with(std::hint::black_box(a), v, s.mode, method)?);
                Ok(())
            }
        })
        .collect();
    let stats = timing::interleaved(s.repeats, s.target, &mut calls)?;
    Ok(methods
        .iter()
        .map(|k| timed.iter().position(|t| t == k).map(|i| stats[i]))
        .collect())
}

fn time_cell<T: Sample>(n: usize, m: usize, s: &Settings) -> Result<Cell> {
    let all = [METHODS[0], METHODS[1], METHODS[2], Method::Auto];
    let t = time_methods::<T>(n, m, &all, s)?;
    Ok(Cell {
        n,
        m,
        times: [t[0], t[1], t[2], t[3]],
        auto_pick: choose_method_for::<T>(n, m, s.mode),
        python: None,
    })
}

/// The crossovers at signal length `n`: each change of winner between its cells by kernel length,
/// narrowed by bisection, each probe timing the two methods concerned.
fn crossovers<T: Sample>(n: usize, cells: &[Cell], s: &Settings) -> Result<Vec<Crossover>> {
    let mut row: Vec<(usize, Method)> = cells
        .iter()
        .filter(|c| c.n == n)
        .map(|c| (c.m, METHODS[c.winner()]))
        .collect();
    row.sort_by_key(|r| r.0);
    row.dedup_by_key(|r| r.0);
    let max_m = row.last().map_or(1, |r| r.0);
    let model = bisect::model_changes(max_m, |m| choose_method_for::<T>(n, m, s.mode));
    bisect::changes(&row)
        .into_iter()
        .map(|(lo, hi, from, to)| {
            let (m_low, m_high) = bisect::bisect(lo, hi, PRECISION, |m| {
                let t = time_methods::<T>(n, m, &[from, to], s)?;
                // Direct skipped as too slow loses; otherwise the lower median wins.
                Ok(t[1].map_or(f64::INFINITY, |x| x.median)
                    < t[0].map_or(f64::INFINITY, |x| x.median))
            })?;
            Ok(Crossover {
                n,
                from,
                to,
                m_low,
                m_high,
                model: bisect::model_for(&model, from, to),
            })
        })
        .collect()
}
