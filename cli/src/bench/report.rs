//! The three outputs of `convolve bench`: a table for reading (rows printed as they are
//! measured), JSON and CSV for scripts. All three start with the machine and the settings.

use std::fmt::Write as _;

use serde_json::{Value, json};

use super::bisect::Crossover;
use super::machine::Machine;
use super::python::NAMES;
use super::{Cell, METHODS, NOISY, PRECISION, Settings};
use crate::timing::{Stats, fmt_seconds};

/// Everything a run measured, for printing.
pub struct Results<'a> {
    pub machine: &'a Machine,
    pub settings: &'a Settings,
    /// The Python's label, when the numpy/scipy column was timed.
    pub python: Option<&'a str>,
    pub cells: &'a [Cell],
    pub crossovers: &'a [Crossover],
    /// The signal lengths timed with several kernel lengths, whose crossovers were sought.
    pub rows: &'a [usize],
}

/// Auto against the fastest over all cells: (cells within 20 %, geometric mean, worst).
fn auto_summary(cells: &[Cell]) -> (usize, f64, f64) {
    let ratios: Vec<f64> = cells.iter().map(Cell::auto_over_best).collect();
    let geo = (ratios.iter().map(|r| r.ln()).sum::<f64>() / ratios.len().max(1) as f64).exp();
    let worst = ratios.iter().copied().fold(0.0, f64::max);
    (ratios.iter().filter(|&&r| r <= 1.2).count(), geo, worst)
}

/// The fastest method's name, or "tie a/b" when another's batches overlap its own.
fn fastest(cell: &Cell) -> String {
    let tied = cell.tied_with();
    let w = cell.winner();
    if tied.is_empty() {
        return METHODS[w].to_string();
    }
    let names: Vec<String> = std::iter::once(w)
        .chain(tied)
        .map(|i| METHODS[i].to_string())
        .collect();
    format!("tie {}", names.join("/"))
}

const SHORT: [&str; 3] = ["np", "sp.fft", "sp.oa"];

pub fn table_header(machine: &Machine, s: &Settings, python: Option<&str>) {
    println!(
        "convolve bench{}: {}, mode {}; median time per call over {} batches of >= {} ms per method (interleaved)",
        if s.quick { " --quick" } else { "" },
        s.dtype,
        s.mode,
        s.repeats,
        s.target.as_millis()
    );
    println!(
        "machine: {} ({}; SIMD {}), {} thread{}, convolve {}, {}",
        machine.cpu,
        machine.arch,
        machine.simd_list(),
        machine.threads,
        if machine.threads == 1 { "" } else { "s" },
        machine.version,
        machine.date
    );
    println!("cost model: {}", machine.profile);
    if let Some(p) = python {
        println!("numpy/scipy: {p}, one thread, the same data");
    }
    println!(
        "'-' = direct skipped (n*m > {:.0e}); '~' = noisy (slowest batch > {NOISY}x the fastest)",
        s.direct_limit
    );
    let mut line = format!(
        "{:>10} {:>10} {:>11} {:>11} {:>11} {:>11} {:>26} {:>12} {:>9}",
        "n (signal)",
        "m (kernel)",
        "direct",
        "fft",
        "overlap-add",
        "auto",
        "fastest",
        "auto picks",
        "auto/best"
    );
    if python.is_some() {
        let _ = write!(line, " {:>17} {:>8}", "numpy/scipy best", "speedup");
    }
    println!("{line}");
}

pub fn table_row(c: &Cell) {
    let show = |t: Option<Stats>| {
        t.map_or("-".to_string(), |s| {
            let mark = if s.spread() > NOISY { "~" } else { " " };
            format!("{}{mark}", fmt_seconds(s.median))
        })
    };
    let mut line = format!(
        "{:>10} {:>10} {:>11} {:>11} {:>11} {:>11} {:>26} {:>12} {:>8.2}x",
        c.n,
        c.m,
        show(c.times[0]),
        show(c.times[1]),
        show(c.times[2]),
        show(c.times[3]),
        fastest(c),
        c.auto_pick.to_string(),
        c.auto_over_best()
    );
    if c.python.is_some() {
        match (c.python_best(), c.speedup()) {
            (Some((i, s)), Some(x)) => {
                let best = format!("{} {}", fmt_seconds(s.median), SHORT[i]);
                let _ = write!(line, " {best:>17} {x:>7.2}x");
            }
            _ => line.push_str(&format!(" {:>17} {:>8}", "-", "-")),
        }
    }
    println!("{line}");
}

pub fn table_footer(r: &Results<'_>) {
    if !r.rows.is_empty() {
        let crossovers = r.crossovers;
        println!(
            "\nCrossovers (bisection to ~{:.0}% in m between grid cells, median of {} batches per probe; model = choose_method_for):",
            PRECISION * 100.0,
            r.settings.repeats
        );
        for &n in r.rows {
            let here: Vec<String> = crossovers
                .iter()
                .filter(|c| c.n == n)
                .map(|c| {
                    let model = match c.model {
                        None => format!("stays {}", c.from),
                        Some((m, to)) if to == c.to => format!("m = {m}"),
                        Some((m, to)) => format!("{to} from m = {m}"),
                    };
                    format!(
                        "{} -> {} at m = {} (>{}; model: {model})",
                        c.from, c.to, c.m_high, c.m_low
                    )
                })
                .collect();
            let first = r
                .cells
                .iter()
                .find(|c| c.n == n)
                .map(|c| METHODS[c.winner()]);
            let text = match (here.is_empty(), first) {
                (true, Some(w)) => format!("{w} throughout"),
                _ => here.join("; "),
            };
            println!("  n = {n:>8}: {text}");
        }
    }
    let (within, geo, worst) = auto_summary(r.cells);
    println!(
        "Auto: within 20% of the fastest in {within} of {} cells; geometric mean {geo:.2}x the fastest, worst {worst:.2}x",
        r.cells.len()
    );
    if let Some(speedups) = geo_speedup(r.cells) {
        println!(
            "Auto ({} thread{}) against the fastest of numpy/scipy (one thread): {speedups:.2}x faster, geometric mean",
            r.machine.threads,
            if r.machine.threads == 1 { "" } else { "s" }
        );
    }
    let noisy = r.cells.iter().filter(|c| c.noisy()).count();
    let ties = r.cells.iter().filter(|c| !c.tied_with().is_empty()).count();
    println!(
        "{noisy} noisy cell{} (~); {ties} tie{}: another method's median lies within the winner's range of batches, so another run may name it",
        if noisy == 1 { "" } else { "s" },
        if ties == 1 { "" } else { "s" }
    );
}

fn geo_speedup(cells: &[Cell]) -> Option<f64> {
    let x: Vec<f64> = cells.iter().filter_map(Cell::speedup).collect();
    (!x.is_empty()).then(|| (x.iter().map(|r| r.ln()).sum::<f64>() / x.len() as f64).exp())
}

/// The header shared by JSON (an object) and CSV (`# key: value` lines), in order.
fn header(r: &Results<'_>) -> Vec<(&'static str, Value)> {
    let (m, s) = (r.machine, r.settings);
    vec![
        ("convolve_version", json!(m.version)),
        ("cpu", json!(m.cpu)),
        ("arch", json!(m.arch)),
        ("simd", json!(m.simd)),
        ("threads", json!(m.threads)),
        ("profile", json!(m.profile)),
        ("date", json!(m.date)),
        ("command", json!(m.command)),
        ("dtype", json!(s.dtype)),
        ("mode", json!(s.mode.to_string())),
        ("quick", json!(s.quick)),
        ("repeats", json!(s.repeats)),
        ("batch_seconds", json!(s.target.as_secs_f64())),
        ("direct_limit", json!(s.direct_limit)),
        ("noisy_spread", json!(NOISY)),
        ("python", json!(r.python)),
    ]
}

fn stats(s: Option<Stats>) -> Value {
    s.map_or(
        Value::Null,
        |s| json!({"min": s.min, "median": s.median, "max": s.max}),
    )
}

/// The whole run as one pretty-printed JSON object.
pub fn json(r: &Results<'_>) -> String {
    let cells: Vec<Value> = r
        .cells
        .iter()
        .map(|c| {
            let mut methods = serde_json::Map::new();
            for (i, k) in METHODS.iter().enumerate() {
                methods.insert(k.to_string(), stats(c.times[i]));
            }
            methods.insert("auto".into(), stats(c.times[3]));
            let python = c.python.as_ref().map(|py| {
                let mut o = serde_json::Map::new();
                for (name, s) in NAMES.iter().zip(py) {
                    o.insert((*name).into(), stats(*s));
                }
                o.insert("speedup".into(), json!(c.speedup()));
                o
            });
            json!({
                "n": c.n,
                "m": c.m,
                "dtype": r.settings.dtype,
                "mode": r.settings.mode.to_string(),
                "methods": methods,
                "auto_picks": c.auto_pick.to_string(),
                "fastest": METHODS[c.winner()].to_string(),
                "tied_with": c.tied_with().iter().map(|&i| METHODS[i].to_string()).collect::<Vec<_>>(),
                "auto_over_best": c.auto_over_best(),
                "spread": c.spread(),
                "noisy": c.noisy(),
                "python": python,
            })
        })
        .collect();
    let crossovers = r
        .crossovers
        .iter()
        .map(|c| {
            json!({
                "n": c.n,
                "from": c.from.to_string(),
                "to": c.to.to_string(),
                "m": c.m_high,
                "m_low": c.m_low,
                "m_high": c.m_high,
                "model_m": c.model.map(|(m, _)| m),
                "model_to": c.model.map(|(_, to)| to.to_string()),
            })
        })
        .collect::<Vec<_>>();
    let (within, geo, worst) = auto_summary(r.cells);
    let out = json!({
        "header": header(r).into_iter().map(|(k, v)| (k.to_string(), v)).collect::<serde_json::Map<_, _>>(),
        "cells": cells,
        "crossovers": crossovers,
        "auto": {"within_20_percent": within, "cells": r.cells.len(), "geomean_over_best": geo, "worst_over_best": worst},
    });
    serde_json::to_string_pretty(&out).expect("a JSON value prints")
}

/// The CSV columns, after the `#` header lines.
pub const CSV_COLUMNS: &str =
    "n,m,dtype,mode,method,min_s,median_s,max_s,spread,fastest,tied_with,auto_picks,auto_over_best";

/// One row per (cell, method), numpy/scipy's functions as further methods; the crossovers as
/// `# crossover` lines at the end.
pub fn csv(r: &Results<'_>) -> String {
    let mut out = String::new();
    for (k, v) in header(r) {
        let v = match v {
            Value::String(s) => s,
            Value::Array(a) => a
                .iter()
                .map(|x| x.as_str().unwrap_or_default())
                .collect::<Vec<_>>()
                .join(" "),
            other => other.to_string(),
        };
        let _ = writeln!(out, "# {k}: {}", v.replace('\n', " "));
    }
    out.push_str(CSV_COLUMNS);
    out.push('\n');
    for c in r.cells {
        let tied: Vec<String> = c
            .tied_with()
            .iter()
            .map(|&i| METHODS[i].to_string())
            .collect();
        let mut rows: Vec<(String, Option<Stats>)> = METHODS
            .iter()
            .map(ToString::to_string)
            .chain(["auto".to_string()])
            .zip(c.times)
            .collect();
        if let Some(py) = &c.python {
            rows.extend(
                NAMES
                    .iter()
                    .map(ToString::to_string)
                    .zip(py.iter().copied()),
            );
        }
        for (method, s) in rows {
            let [min, med, max, spread] = s.map_or(Default::default(), |s| {
                [
                    format!("{:.4e}", s.min),
                    format!("{:.4e}", s.median),
                    format!("{:.4e}", s.max),
                    format!("{:.3}", s.spread()),
                ]
            });
            let _ = writeln!(
                out,
                "{},{},{},{},{method},{min},{med},{max},{spread},{},{},{},{:.3}",
                c.n,
                c.m,
                r.settings.dtype,
                r.settings.mode,
                METHODS[c.winner()],
                tied.join(" "),
                c.auto_pick,
                c.auto_over_best()
            );
        }
    }
    for c in r.crossovers {
        let model = c.model.map_or("model_m=none".to_string(), |(m, to)| {
            format!("model_m={m} model_to={to}")
        });
        let _ = writeln!(
            out,
            "# crossover: n={} from={} to={} m={} m_low={} {model}",
            c.n, c.from, c.to, c.m_high, c.m_low
        );
    }
    out
}
