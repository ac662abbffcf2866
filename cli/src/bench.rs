//! `convolve bench`: times each method over a grid of lengths on this machine, prints the
//! table and where the winner changes, and optionally draws the crossover map as SVG.
//!
//! Wall-clock timing of `convolve_with` (f64 or f32 data, any mode, the grid or your own
//! sizes), each cell the best of a few batches (so a busy machine shows as noise in single
//! cells, not as a shifted table).

use std::fmt::Write as _;
use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use convolve::{Method, Mode, choose_method_for, convolve_with};

use crate::sample::Sample;

const METHODS: [Method; 3] = [Method::Direct, Method::Fft, Method::OverlapAdd];

/// One grid cell: seconds per call of each method (`None`: skipped as too slow), and Auto.
struct Cell {
    n: usize,
    m: usize,
    times: [Option<f64>; 3],
    auto: f64,
    auto_pick: Method,
}

impl Cell {
    /// Index into [`METHODS`] of the fastest.
    fn winner(&self) -> usize {
        (0..3)
            .filter(|&i| self.times[i].is_some())
            .min_by(|&a, &b| self.times[a].partial_cmp(&self.times[b]).expect("finite"))
            .expect("fft is always timed")
    }
    fn best(&self) -> f64 {
        self.times[self.winner()].expect("winner was timed")
    }
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
pub fn run<T: Sample>(options: &Options<'_>, dtype: &str) -> Result<()> {
    let (quick, plot, mode) = (options.quick, options.plot, options.mode);
    if plot.is_some() && options.sizes.is_some() {
        bail!("--plot draws the grid's crossover map; run it without --sizes");
    }
    let (ns, ms, target, batches, direct_limit): (&[usize], &[usize], _, _, f64) = if quick {
        (
            &[1_000, 10_000, 100_000],
            &[4, 16, 64, 256, 1024, 4096],
            Duration::from_millis(10),
            3,
            5e8,
        )
    } else {
        (
            &[1_000, 10_000, 100_000, 1_000_000],
            &[4, 16, 64, 256, 1024, 4096, 16_384, 65_536],
            Duration::from_millis(100),
            3,
            5e9,
        )
    };
    let grid: Vec<(usize, usize)> = match &options.sizes {
        Some(pairs) => pairs.clone(),
        None => ns
            .iter()
            .flat_map(|&n| ms.iter().filter(move |&&m| m <= n).map(move |&m| (n, m)))
            .collect(),
    };
    println!(
        "convolve bench{}: {dtype}, mode {mode}, time per call (best of {batches} batches of >= {} ms); '-' = direct skipped (n*m > {direct_limit:.0e})",
        if quick { " --quick" } else { "" },
        target.as_millis()
    );
    println!(
        "{:>10} {:>10} {:>11} {:>11} {:>11} {:>11} {:>12} {:>13}",
        "n (signal)", "m (kernel)", "direct", "fft", "overlap-add", "auto", "fastest", "auto picks"
    );
    let mut cells = Vec::new();
    for &(n, m) in &grid {
        {
            let a: Vec<T> = (0..n)
                .map(|i| T::from_f64(((i as f64) * 0.731).sin()))
                .collect();
            let v: Vec<T> = (0..m)
                .map(|i| T::from_f64(((i as f64) * 0.377).cos()))
                .collect();
            // Direct, fft, overlap-add, auto; batches interleaved so that a change in the
            // machine's load falls on every method alike.
            let all = [METHODS[0], METHODS[1], METHODS[2], Method::Auto];
            let timed: Vec<bool> = all
                .iter()
                .map(|&method| method != Method::Direct || (n as f64) * (m as f64) <= direct_limit)
                .collect();
            let mut best = [f64::INFINITY; 4];
            for (&method, _) in all.iter().zip(&timed).filter(|(_, t)| **t) {
                std::hint::black_box(convolve_with(&a, &v, mode, method)?);
            }
            for _ in 0..batches {
                for (i, &method) in all.iter().enumerate().filter(|&(i, _)| timed[i]) {
                    best[i] = best[i].min(batch(&a, &v, mode, method, target)?);
                }
            }
            let times = [0, 1, 2].map(|i| timed[i].then_some(best[i]));
            let auto = best[3];
            let cell = Cell {
                n,
                m,
                times,
                auto,
                auto_pick: choose_method_for::<T>(n, m, mode),
            };
            let show = |t: Option<f64>| t.map_or("-".to_string(), fmt_time);
            println!(
                "{:>10} {:>10} {:>11} {:>11} {:>11} {:>11} {:>12} {:>13}",
                n,
                m,
                show(cell.times[0]),
                show(cell.times[1]),
                show(cell.times[2]),
                fmt_time(cell.auto),
                METHODS[cell.winner()].to_string(),
                cell.auto_pick.to_string()
            );
            cells.push(cell);
        }
    }
    if options.sizes.is_none() {
        println!("\nCrossovers (the fastest method as the kernel grows, per signal length):");
        for &n in ns {
            let row: Vec<&Cell> = cells.iter().filter(|c| c.n == n).collect();
            println!("  n = {n:>8}: {}", crossovers(&row));
        }
    }
    let ratios: Vec<f64> = cells.iter().map(|c| c.auto / c.best()).collect();
    let geo = (ratios.iter().map(|r| r.ln()).sum::<f64>() / ratios.len() as f64).exp();
    let worst = ratios.iter().copied().fold(0.0, f64::max);
    let within = ratios.iter().filter(|&&r| r <= 1.2).count();
    println!(
        "Auto: within 20% of the fastest in {within} of {} cells; geometric mean {geo:.2}x the fastest, worst {worst:.2}x",
        cells.len()
    );
    if let Some(path) = plot {
        let svg = svg(&cells, ns, ms, &format!("{dtype}, mode {mode}"));
        std::fs::write(path, svg).with_context(|| format!("cannot write `{}`", path.display()))?;
        println!("Crossover map written to {}", path.display());
    }
    Ok(())
}

/// Seconds per call, repeating the call until `target` has elapsed.
fn batch<T: Sample>(a: &[T], v: &[T], mode: Mode, method: Method, target: Duration) -> Result<f64> {
    let start = Instant::now();
    let mut calls = 0u32;
    while start.elapsed() < target || calls == 0 {
        std::hint::black_box(convolve_with(std::hint::black_box(a), v, mode, method)?);
        calls += 1;
    }
    Ok(start.elapsed().as_secs_f64() / f64::from(calls))
}

fn fmt_time(s: f64) -> String {
    if s < 1e-3 {
        format!("{:.1} µs", s * 1e6)
    } else if s < 1.0 {
        format!("{:.2} ms", s * 1e3)
    } else {
        format!("{s:.2} s")
    }
}

/// "direct up to m = 64, overlap-add from m = 256, fft from m = 4096".
fn crossovers(row: &[&Cell]) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut current: Option<usize> = None;
    for (i, c) in row.iter().enumerate() {
        let w = c.winner();
        if current != Some(w) {
            if i == 0 {
                parts.push(format!("{} at m = {}", METHODS[w], c.m));
            } else {
                parts.push(format!(
                    "{} from m = {} (between {} and {})",
                    METHODS[w],
                    c.m,
                    row[i - 1].m,
                    c.m
                ));
            }
            current = Some(w);
        }
    }
    parts.join(", ")
}

const COLORS: [&str; 3] = ["#4e79a7", "#f28e2b", "#59a14f"];

/// The grid as coloured cells: kernel length across, signal length up, the fastest method's
/// colour, its margin over the runner-up, and a mark where Auto picked something else.
fn svg(cells: &[Cell], ns: &[usize], ms: &[usize], what: &str) -> String {
    let (cw, ch, left, top) = (90.0, 56.0, 90.0, 60.0);
    let width = left + cw * ms.len() as f64 + 20.0;
    let height = top + ch * ns.len() as f64 + 90.0;
    let mut s = String::new();
    let _ = writeln!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif" font-size="12">"#
    );
    let _ = writeln!(
        s,
        r##"<rect width="100%" height="100%" fill="white"/><text x="{left}" y="24" font-size="15" font-weight="bold">Fastest method on this machine ({what})</text><text x="{left}" y="42" fill="#555">cell: winner and its margin over the runner-up; * = Auto picks another method</text>"##
    );
    for (row, &n) in ns.iter().rev().enumerate() {
        let y = top + ch * row as f64;
        let _ = writeln!(
            s,
            r#"<text x="{}" y="{}" text-anchor="end">n = {}</text>"#,
            left - 8.0,
            y + ch / 2.0 + 4.0,
            short(n)
        );
        for (col, &m) in ms.iter().enumerate() {
            let x = left + cw * col as f64;
            let Some(c) = cells.iter().find(|c| c.n == n && c.m == m) else {
                continue;
            };
            let w = c.winner();
            let runner_up = (0..3)
                .filter(|&i| i != w)
                .filter_map(|i| c.times[i])
                .fold(f64::INFINITY, f64::min);
            let margin = if runner_up.is_finite() {
                format!("{:.1}x", runner_up / c.best())
            } else {
                String::new()
            };
            let mark = if c.auto_pick != METHODS[w] { " *" } else { "" };
            let _ = writeln!(
                s,
                r#"<rect x="{x}" y="{y}" width="{cw}" height="{ch}" fill="{}" stroke="white" stroke-width="2"/><text x="{}" y="{}" text-anchor="middle" fill="white">{}{mark}</text><text x="{}" y="{}" text-anchor="middle" fill="white">{margin}</text>"#,
                COLORS[w],
                x + cw / 2.0,
                y + ch / 2.0 - 2.0,
                METHODS[w],
                x + cw / 2.0,
                y + ch / 2.0 + 14.0,
            );
        }
    }
    let base = top + ch * ns.len() as f64;
    for (col, &m) in ms.iter().enumerate() {
        let _ = writeln!(
            s,
            r#"<text x="{}" y="{}" text-anchor="middle">m = {}</text>"#,
            left + cw * col as f64 + cw / 2.0,
            base + 18.0,
            short(m)
        );
    }
    for (i, method) in METHODS.iter().enumerate() {
        let x = left + 130.0 * i as f64;
        let _ = writeln!(
            s,
            r#"<rect x="{x}" y="{}" width="14" height="14" fill="{}"/><text x="{}" y="{}">{method}</text>"#,
            base + 40.0,
            COLORS[i],
            x + 20.0,
            base + 52.0
        );
    }
    s.push_str("</svg>\n");
    s
}

/// 1000 -> "1e3", 4096 -> "4096".
fn short(x: usize) -> String {
    let mut p = 0;
    let mut y = x;
    while y >= 10 && y.is_multiple_of(10) {
        y /= 10;
        p += 1;
    }
    if p >= 3 {
        format!("{y}e{p}")
    } else {
        x.to_string()
    }
}
