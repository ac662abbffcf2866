//! `convolve apply`: a signal of any length convolved with a kernel held in memory.
//!
//! A signal that fits in one block is handed to the library in one call, so the output is
//! exactly `convolve_with`/`correlate_with`. A longer one is streamed: each block of `B`
//! frames is convolved in full (`n + m - 1`, the library choosing or being told the method) and
//! its last `m - 1` outputs are carried into the next block (overlap-add). Outputs are written
//! as soon as no later block can change them, cropped to numpy's window for the mode, so memory
//! is a few blocks and the kernel whatever the length of the file.

use std::io::BufWriter;
use std::path::Path;
use std::time::Instant;

use anyhow::{Context, Result, bail, ensure};
use convolve::{Method, Mode, choose_method, convolve_into, convolve_with, correlate_with};
use indicatif::ProgressBar;

use crate::formats::{self, RawSink, RawSource, ReadOptions, Sink, Source};
use crate::output::Output;
use crate::sample::Real;

/// What to compute.
#[derive(Clone, Debug)]
pub struct Job {
    /// numpy's mode.
    pub mode: Mode,
    /// The library's method (for every block when streaming).
    pub method: Method,
    /// Cross-correlate instead of convolve.
    pub correlate: bool,
    /// Scale the output so that its largest magnitude is 1.
    pub normalize: bool,
    /// Frames per streamed block; `None` for [`default_block_len`].
    pub block_len: Option<usize>,
}

/// What happened, for the summary line and the demo.
#[derive(Clone, Debug)]
pub struct Report {
    /// Channels of the output.
    pub channels: usize,
    /// Frames of the signal.
    pub signal_frames: u64,
    /// Taps of the kernel.
    pub kernel_frames: usize,
    /// Channels of the kernel.
    pub kernel_channels: usize,
    /// Frames written.
    pub out_frames: u64,
    /// The method used (what `Auto` picks for the sizes of each call).
    pub method: Method,
    /// `Some(block frames)` when the signal was streamed in blocks.
    pub block_len: Option<usize>,
    /// Largest output magnitude before any normalization.
    pub peak: f64,
    /// Wall-clock seconds, reading and writing included.
    pub seconds: f64,
}

impl Report {
    /// Input samples (all channels) per second.
    pub fn throughput(&self) -> f64 {
        self.signal_frames as f64 * self.channels as f64 / self.seconds.max(1e-9)
    }
}

/// Frames per block when streaming: long enough that the kernel's `m - 1` overlap is a small
/// fraction of each call, and at least 64 Ki frames so that per-call overheads vanish.
pub fn default_block_len(kernel_len: usize) -> usize {
    kernel_len.saturating_mul(8).max(1 << 16)
}

/// `(lo, len)`: the part of the full result `0 .. n + m - 1` that numpy keeps.
///
/// `same` is centred at `(min - 1) / 2`, except for a correlation whose first input is the
/// shorter, which numpy computes swapped and reverses, moving it to `min / 2`.
pub fn kept(n: u64, m: u64, mode: Mode, correlate: bool) -> (u64, u64) {
    let (long, short) = (n.max(m), n.min(m));
    match mode {
        Mode::Full => (0, n + m - 1),
        Mode::Valid => (short - 1, long - short + 1),
        _ => {
            let lo = if correlate && n < m {
                short / 2
            } else {
                (short - 1) / 2
            };
            (lo, long)
        }
    }
}

/// Convolves every channel of `signal` with its kernel channel into `sink`.
///
/// `kernel` has one channel (applied to every signal channel) or as many as the signal.
pub fn run<T: Real>(
    signal: &mut dyn Source<T>,
    kernel: &[Vec<T>],
    sink: &mut dyn Sink<T>,
    job: &Job,
    progress: &ProgressBar,
) -> Result<Report> {
    let start = Instant::now();
    let channels = signal.channels();
    let n = signal.frames();
    let m = kernel[0].len();
    ensure!(
        kernel.len() == 1 || kernel.len() == channels,
        "the kernel has {} channels and the signal {channels}; use a mono kernel (applied to every channel) or one with {channels} channels",
        kernel.len()
    );
    let block = job.block_len.unwrap_or_else(|| default_block_len(m));
    ensure!(block >= 1, "--block-len must be at least 1");
    progress.set_length(n);
    let (lo, len) = kept(n, m as u64, job.mode, job.correlate);
    let mut report = Report {
        channels,
        signal_frames: n,
        kernel_frames: m,
        kernel_channels: kernel.len(),
        out_frames: len,
        method: job.method,
        block_len: None,
        peak: 0.0,
        seconds: 0.0,
    };
    if n <= block as u64 || n < m as u64 {
        // One call per channel: exactly the library's result.
        let x = formats::read_all(signal)?;
        let mut out = Vec::with_capacity(channels);
        for (c, xc) in x.iter().enumerate() {
            let k = &kernel[c % kernel.len()];
            out.push(if job.correlate {
                correlate_with(xc, k, job.mode, job.method)?
            } else {
                convolve_with(xc, k, job.mode, job.method)?
            });
        }
        report.peak = peak(&out, len as usize);
        sink.write(&out, len as usize)?;
        progress.inc(n);
        if job.method == Method::Auto {
            report.method = choose_method(n as usize, m, job.mode);
        }
    } else {
        stream(
            signal,
            kernel,
            sink,
            job,
            block,
            (lo, len),
            progress,
            &mut report,
        )?;
    }
    report.seconds = start.elapsed().as_secs_f64();
    Ok(report)
}

#[allow(clippy::too_many_arguments)]
fn stream<T: Real>(
    signal: &mut dyn Source<T>,
    kernel: &[Vec<T>],
    sink: &mut dyn Sink<T>,
    job: &Job,
    block: usize,
    (lo, len): (u64, u64),
    progress: &ProgressBar,
    report: &mut Report,
) -> Result<()> {
    let channels = signal.channels();
    let n = signal.frames();
    let m = kernel[0].len();
    // Correlation is convolution with the reversed kernel (conjugation is a no-op on reals).
    let kernel: Vec<Vec<T>> = kernel
        .iter()
        .map(|k| {
            let mut k = k.clone();
            if job.correlate {
                k.reverse();
            }
            k
        })
        .collect();
    report.block_len = Some(block);
    if job.method == Method::Auto {
        report.method = choose_method(block, m, Mode::Full);
    }
    let end = lo + len;
    let mut input: Vec<Vec<T>> = vec![Vec::with_capacity(block); channels];
    let mut tails: Vec<Vec<T>> = vec![vec![T::default(); m - 1]; channels];
    let mut full = vec![T::default(); block + m - 1];
    let mut out: Vec<Vec<T>> = vec![Vec::with_capacity(block.max(m)); channels];
    // Global index (into the full result) of the first output of the current block.
    let mut pos: u64 = 0;
    let mut peak_abs = 0.0f64;
    let mut emit = |out: &[Vec<T>], sink: &mut dyn Sink<T>| {
        let frames = out[0].len();
        peak_abs = peak_abs.max(peak(out, frames));
        sink.write(out, frames)
    };
    loop {
        let b = signal.read(block, &mut input)?;
        if b == 0 {
            break;
        }
        let (keep_from, keep_to) = clip(pos, pos + b as u64, lo, end);
        for c in 0..channels {
            let y = &mut full[..b + m - 1];
            convolve_into(
                &input[c],
                &kernel[c % kernel.len()],
                Mode::Full,
                job.method,
                y,
            )?;
            for (yj, &tj) in y.iter_mut().zip(&tails[c]) {
                *yj = *yj + tj;
            }
            out[c].clear();
            out[c].extend_from_slice(&y[keep_from..keep_to]);
            tails[c].copy_from_slice(&y[b..b + m - 1]);
        }
        if keep_to > keep_from {
            emit(&out, sink)?;
        }
        pos += b as u64;
        progress.inc(b as u64);
    }
    if pos != n {
        bail!("the signal ended after {pos} of the {n} frames its header announces");
    }
    // The last m - 1 outputs need no further input.
    let (keep_from, keep_to) = clip(pos, pos + m as u64 - 1, lo, end);
    if keep_to > keep_from {
        for c in 0..channels {
            out[c].clear();
            out[c].extend_from_slice(&tails[c][keep_from..keep_to]);
        }
        emit(&out, sink)?;
    }
    report.peak = peak_abs;
    Ok(())
}

/// Indices into a block covering full-result positions `from .. to` that fall in `lo .. end`.
fn clip(from: u64, to: u64, lo: u64, end: u64) -> (usize, usize) {
    let a = lo.clamp(from, to);
    let b = end.clamp(from, to);
    ((a - from) as usize, (b.max(a) - from) as usize)
}

fn peak<T: Real>(channels: &[Vec<T>], frames: usize) -> f64 {
    channels
        .iter()
        .flat_map(|c| &c[..frames])
        .fold(0.0f64, |p, &x| p.max(x.to_f64().abs()))
}

/// Settings of `apply` beyond the [`Job`].
#[derive(Clone, Debug)]
pub struct Files<'a> {
    /// The signal file.
    pub signal: &'a Path,
    /// The kernel file.
    pub kernel: &'a Path,
    /// The output file.
    pub output: &'a Path,
    /// Text column choice.
    pub read: ReadOptions,
    /// Sample rate of a WAV output when no input has one.
    pub rate: u32,
}

/// Reads, checks, convolves and writes; the output appears only when complete.
pub fn apply_files<T: Real + npyz::AutoSerialize>(
    files: &Files<'_>,
    job: &Job,
    progress: &ProgressBar,
) -> Result<Report> {
    // An unwritable output format is reported before any input is read.
    formats::Format::of(files.output)?;
    let mut signal = formats::open::<T>(files.signal, &files.read)?;
    let mut kernel_src = formats::open::<T>(files.kernel, &files.read)?;
    if let (Some(a), Some(b)) = (signal.sample_rate(), kernel_src.sample_rate())
        && a != b
    {
        bail!(
            "sample rates differ: signal `{}` is {a} Hz, kernel `{}` is {b} Hz; resample one of them first",
            files.signal.display(),
            files.kernel.display()
        );
    }
    let rate = signal
        .sample_rate()
        .or(kernel_src.sample_rate())
        .unwrap_or(files.rate);
    let kernel = formats::read_all(kernel_src.as_mut())?;
    let channels = signal.channels();
    ensure!(
        kernel.len() == 1 || kernel.len() == channels,
        "the kernel `{}` has {} channels and the signal `{}` {channels}; use a mono kernel (applied to every channel) or one with {channels} channels",
        files.kernel.display(),
        kernel.len(),
        files.signal.display()
    );
    let output = Output::create(files.output)?;
    let mut sink = output.sink::<T>(channels, rate)?;
    let report = if job.normalize {
        run_normalized(
            signal.as_mut(),
            &kernel,
            sink.as_mut(),
            job,
            &output,
            progress,
        )?
    } else {
        run(signal.as_mut(), &kernel, sink.as_mut(), job, progress)?
    };
    sink.finish()?;
    drop(sink);
    output.commit()?;
    Ok(report)
}

/// Peak normalization: the result goes to an unnamed scratch file of `T` next to the output,
/// then is streamed back scaled by `1 / peak`.
pub fn run_normalized<T: Real>(
    signal: &mut dyn Source<T>,
    kernel: &[Vec<T>],
    sink: &mut dyn Sink<T>,
    job: &Job,
    output: &Output,
    progress: &ProgressBar,
) -> Result<Report> {
    let start = Instant::now();
    let scratch = output.scratch_file()?;
    let width = std::mem::size_of::<T>();
    let mut raw = RawSink::new(
        BufWriter::with_capacity(1 << 16, scratch.try_clone().context("scratch file")?),
        width,
    );
    let mut report = run(signal, kernel, &mut raw, job, progress)?;
    Sink::<T>::finish(&mut raw)?;
    drop(raw);
    let mut back = RawSource::new(output.path(), scratch, width, report.channels)?;
    back.rewind()?;
    let scale = if report.peak > 0.0 {
        T::from_f64(1.0 / report.peak)
    } else {
        T::from_f64(1.0)
    };
    let mut block = vec![Vec::new(); report.channels];
    loop {
        let got = back.read(1 << 16, &mut block)?;
        if got == 0 {
            break;
        }
        for ch in &mut block {
            for x in ch.iter_mut() {
                *x = *x * scale;
            }
        }
        sink.write(&block, got)?;
    }
    report.seconds = start.elapsed().as_secs_f64();
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `kept` against the library's own crop: the full result sliced equals each mode.
    #[test]
    fn kept_matches_library() {
        for n in 1..=9usize {
            for m in 1..=9usize {
                let a: Vec<f64> = (0..n).map(|i| (i * i + 1) as f64).collect();
                let v: Vec<f64> = (0..m).map(|i| (3 * i + 2) as f64).collect();
                for correlate in [false, true] {
                    let f = |mode| {
                        if correlate {
                            correlate_with(&a, &v, mode, Method::Direct).unwrap()
                        } else {
                            convolve_with(&a, &v, mode, Method::Direct).unwrap()
                        }
                    };
                    let full = f(Mode::Full);
                    for mode in [Mode::Full, Mode::Same, Mode::Valid] {
                        let (lo, len) = kept(n as u64, m as u64, mode, correlate);
                        let got = &full[lo as usize..(lo + len) as usize];
                        // numpy's swapped correlation differs from the slice only in `same`
                        // with n < m, where it is still a window of the same full result.
                        assert_eq!(got, f(mode).as_slice(), "n={n} m={m} {mode} {correlate}");
                    }
                }
            }
        }
    }

    #[test]
    fn clip_ranges() {
        assert_eq!(clip(0, 10, 3, 7), (3, 7));
        assert_eq!(clip(10, 20, 3, 7), (0, 0));
        assert_eq!(clip(0, 10, 12, 15), (10, 10));
        assert_eq!(clip(5, 10, 0, 100), (0, 5));
    }
}
