//! Levels: decibels as users write them (`--gain -6`, `--normalize -1dBFS`), and peak
//! normalization to a level, which needs the whole result before its first sample is written.

use std::io::BufWriter;
use std::path::Path;
use std::time::Instant;

use anyhow::{Result, bail};
use indicatif::ProgressBar;

use crate::apply::{Job, Report};
use crate::formats::{RawSink, RawSource, Sink, Source};
use crate::mix::run_mixed;
use crate::output::Output;
use crate::sample::Sample;

/// The linear factor of a level in dB.
pub fn db_to_linear(db: f64) -> f64 {
    10f64.powf(db / 20.0)
}

/// A number of decibels with an optional unit (`-6`, `-6dB`, `+3 dB`, `-1dBFS`; any case).
pub fn parse_db(text: &str, units: &[&str]) -> Result<f64> {
    let t = text.trim();
    let lower = t.to_ascii_lowercase();
    let number = units
        .iter()
        .find_map(|u| lower.strip_suffix(&u.to_ascii_lowercase()))
        .map_or(t, |rest| &t[..rest.len()])
        .trim();
    match number.parse::<f64>() {
        Ok(db) if db.is_finite() => Ok(db),
        _ => bail!(
            "{text:?} is not a level in dB: write a number such as -6 or -6{}",
            units.first().copied().unwrap_or("dB")
        ),
    }
}

/// `--normalize`: `none`, `peak` (0 dBFS) or a peak level such as `-1dBFS`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Normalize {
    /// Write the result as computed.
    None,
    /// Scale so the largest finite magnitude is this many dBFS.
    Peak(f64),
}

impl Normalize {
    /// Parses `none`, `peak`, or a level in dBFS (the unit may be left out).
    pub fn parse(text: &str) -> Result<Normalize> {
        match text.trim().to_ascii_lowercase().as_str() {
            "none" => Ok(Normalize::None),
            "peak" => Ok(Normalize::Peak(0.0)),
            _ => parse_db(text, &["dBFS", "dB"])
                .map(Normalize::Peak)
                .map_err(|_| {
                    anyhow::anyhow!(
                        "{text:?}: use none, peak (0 dBFS) or a peak level such as -1dBFS"
                    )
                }),
        }
    }

    /// The peak's linear target, if any.
    pub fn target(self) -> Option<f64> {
        match self {
            Normalize::None => None,
            Normalize::Peak(db) => Some(db_to_linear(db)),
        }
    }
}

/// Peak normalization: the result (mixed as `job.mix` says) goes to an unnamed scratch file of
/// `T` next to the output, then is streamed back scaled by `target / peak`, the peak being
/// the largest finite magnitude (`T` is real).
#[allow(clippy::too_many_arguments)]
pub fn run_normalized<T: Sample>(
    signal: &mut dyn Source<T>,
    signal_path: &Path,
    kernel: &[Vec<T>],
    sink: &mut dyn Sink<T>,
    job: &Job,
    target: f64,
    output: &Output,
    progress: &ProgressBar,
) -> Result<Report> {
    let start = Instant::now();
    let scratch = output.scratch_file()?;
    let width = std::mem::size_of::<T>();
    let mut raw = RawSink::new(
        BufWriter::with_capacity(
            1 << 16,
            scratch.try_clone().map_err(|e| {
                anyhow::anyhow!(
                    "cannot write a scratch file next to `{}`: {e}",
                    output.path().display()
                )
            })?,
        ),
        width,
    );
    let mut report = run_mixed(signal, signal_path, kernel, &mut raw, job, progress)?;
    Sink::<T>::finish(&mut raw)?;
    drop(raw);
    let mut back = RawSource::new(output.path(), scratch, width, report.channels)?;
    back.rewind()?;
    let scale = if report.peak > 0.0 {
        target / report.peak
    } else {
        1.0
    };
    let mut block = vec![Vec::<T>::new(); report.channels];
    loop {
        let got = back.read(1 << 16, &mut block)?;
        if got == 0 {
            break;
        }
        for ch in &mut block {
            for x in ch.iter_mut() {
                *x = x.scaled(scale);
            }
        }
        let refs: Vec<&[T]> = block.iter().map(Vec::as_slice).collect();
        sink.write(&refs)?;
    }
    report.seconds = start.elapsed().as_secs_f64();
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_parse_as_written() {
        assert_eq!(parse_db("-6", &["dB"]).unwrap(), -6.0);
        assert_eq!(parse_db("-6dB", &["dB"]).unwrap(), -6.0);
        assert_eq!(parse_db("+3.5 db", &["dB"]).unwrap(), 3.5);
        assert!(parse_db("loud", &["dB"]).is_err());
        assert!(parse_db("inf", &["dB"]).is_err());
        assert_eq!(Normalize::parse("peak").unwrap(), Normalize::Peak(0.0));
        assert_eq!(Normalize::parse("NONE").unwrap(), Normalize::None);
        assert_eq!(Normalize::parse("-1dBFS").unwrap(), Normalize::Peak(-1.0));
        assert_eq!(Normalize::parse("-0.5").unwrap(), Normalize::Peak(-0.5));
        assert_eq!(Normalize::parse("-3 dB").unwrap(), Normalize::Peak(-3.0));
        assert!(Normalize::parse("max").is_err());
        assert!((db_to_linear(-6.0) - 0.501_187_233_627_272_2).abs() < 1e-15);
        assert_eq!(Normalize::parse("peak").unwrap().target(), Some(1.0));
    }
}
