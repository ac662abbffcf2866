//! `convolve apply`: a signal of any length convolved with a kernel held in memory.
//!
//! A signal that fits in one block is handed to the library in one call, so the output is
//! exactly `convolve_with`/`correlate_with`. A longer one is streamed: each block of `B`
//! frames is convolved in full (`n + m - 1`, the library choosing or being told the method) and
//! its last `m - 1` outputs are carried into the next block (overlap-add). Outputs are written
//! as soon as no later block can change them, cropped to numpy's window for the mode, so memory
//! is a few blocks and the kernel whatever the length of the file.
//!
//! A kernel of at least [`KEEP_SPECTRUM_FROM`] taps keeps its spectrum in a [`Convolver`] per
//! sub-block (one sub-block per core), so a block costs one forward and one inverse transform
//! per sub-block; shorter kernels go through the library's one-shot call, threaded by it.

use std::path::Path;
use std::time::Instant;

use anyhow::{Result, bail};
use convolve::{
    Convolver, Method, Mode, choose_method_for, convolve_into, convolve_with, correlate_into,
    correlate_with,
};
use indicatif::ProgressBar;

use crate::dtype::Dtype;
use crate::formats::{self, Clipping, Format, Layout, ReadOptions, Sink, Source, WavFormat};
use crate::level::run_normalized;
use crate::mix::{self, Mix};
use crate::output::{Output, OutputShape, output_format, refuse_overwriting};
use crate::sample::Sample;

/// What to compute.
#[derive(Clone, Debug)]
pub struct Job {
    /// numpy's mode.
    pub mode: Mode,
    /// The library's method (for every block when streaming).
    pub method: Method,
    /// Cross-correlate instead of convolve.
    pub correlate: bool,
    /// Scale the output so that its largest magnitude is this (1 for `--normalize peak`).
    pub normalize: Option<f64>,
    /// Gain, dry/wet mix and tail, applied before normalization.
    pub mix: Mix,
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
    /// Channels of the signal.
    pub signal_channels: usize,
    /// Frames written.
    pub out_frames: u64,
    /// The method used (what `Auto` picks for the sizes of each call).
    pub method: Method,
    /// `Some(block frames)` when the signal was streamed in blocks.
    pub block_len: Option<usize>,
    /// Largest finite output magnitude before any normalization (after `--gain` and `--mix`).
    pub peak: f64,
    /// Outputs that are infinite or NaN.
    pub non_finite: u64,
    /// Wall-clock seconds, reading and writing included.
    pub seconds: f64,
    /// Samples an integer WAV output could not hold.
    pub clipping: Option<Clipping>,
}

impl Report {
    /// Input samples (all channels) per second.
    pub fn throughput(&self) -> f64 {
        self.signal_frames as f64 * self.signal_channels as f64 / self.seconds.max(1e-9)
    }
}

/// Frames per block when streaming, in kernel lengths.
pub const BLOCK_KERNELS: usize = 2;
/// The shortest block when streaming.
pub const MIN_BLOCK: usize = 1 << 16;

/// Frames per sub-block when streaming: `max(2m, 65536)`. The kernel's spectrum is kept, so a
/// sub-block costs two transforms of about `U + m`; longer ones buy little speed and cost
/// memory (scripts/cli_memory.sh measures both).
pub fn default_block_len(kernel_len: usize) -> usize {
    kernel_len.saturating_mul(BLOCK_KERNELS).max(MIN_BLOCK)
}

/// The output's channel count for `signal` x `kernel` channels: mono x N, N x mono, N x N.
pub fn pair_channels(signal: usize, kernel: usize, files: Option<&Files<'_>>) -> Result<usize> {
    if kernel == 1 || signal == 1 || kernel == signal {
        return Ok(signal.max(kernel));
    }
    let (s, k) = files.map_or(("the signal".to_string(), "the kernel".to_string()), |f| {
        (
            format!("the signal `{}`", f.signal.display()),
            format!("the kernel `{}`", f.kernel.display()),
        )
    });
    bail!(
        "{s} has {signal} channels and {k} {kernel}; pairings that work: a mono kernel on every channel, a mono signal through an N-channel kernel, or N channels with N"
    )
}

/// Largest finite magnitude and count of non-finite values seen so far.
#[derive(Clone, Copy, Debug, Default)]
pub struct PeakMeter {
    /// Largest finite magnitude.
    pub peak: f64,
    /// Infinite or NaN values.
    pub non_finite: u64,
}

impl PeakMeter {
    // Not inlined: inside the streaming loop the running peak was kept on the stack, and this
    // pass took a third of a raw f32 stream's time with a 1024-tap kernel (perf annotate).
    #[inline(never)]
    pub fn observe<T: Sample>(&mut self, channels: &[&[T]]) {
        let (mut peak, mut non_finite) = (self.peak, self.non_finite);
        for &x in channels.iter().flat_map(|c| c.iter()) {
            let a = x.magnitude();
            if a.is_finite() {
                // Both finite: one `max` instruction, no NaN handling on the loop's chain.
                peak = if a > peak { a } else { peak };
            } else {
                non_finite += 1;
            }
        }
        (self.peak, self.non_finite) = (peak, non_finite);
    }
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

/// Convolves the signal's channels with the kernel's (paired as [`pair_channels`] says) into
/// `sink`. `signal_path` names the signal in messages.
pub fn run<T: Sample>(
    signal: &mut dyn Source<T>,
    signal_path: &Path,
    kernel: &[Vec<T>],
    sink: &mut dyn Sink<T>,
    job: &Job,
    progress: &ProgressBar,
) -> Result<Report> {
    let start = Instant::now();
    let signal_channels = signal.channels();
    let channels = pair_channels(signal_channels, kernel.len(), None)?;
    let m = kernel[0].len();
    let unit = job.block_len.unwrap_or_else(|| default_block_len(m));
    if unit == 0 {
        bail!("--block-len must be at least 1");
    }
    let splits = if m >= KEEP_SPECTRUM_FROM {
        splits_per_channel(channels)
    } else {
        1
    };
    let block = unit.saturating_mul(splits);
    // A signal of unknown length (a streamed WAV on stdin) is read until it is known to be
    // longer than one block, or has ended; either way it then goes on as any other.
    let mut ended;
    let mut prefixed;
    let (signal, n): (&mut dyn Source<T>, Option<u64>) = match signal.frames() {
        Some(n) => (signal, Some(n)),
        None => {
            let need = (block as u64 + 1).max(m as u64);
            let head = read_head(signal, signal_path, need)?;
            let got = head[0].len() as u64;
            if got < need {
                if got == 0 {
                    bail!(formats::FormatError::Empty {
                        path: signal_path.to_path_buf()
                    });
                }
                ended = formats::MemorySource::new(head, signal.sample_rate());
                (&mut ended, Some(got))
            } else {
                prefixed = formats::Prefixed::new(head, signal);
                (&mut prefixed, None)
            }
        }
    };
    if let Some(n) = n {
        progress.set_length(n);
    }
    let mut report = Report {
        channels,
        signal_channels,
        signal_frames: n.unwrap_or(0),
        kernel_frames: m,
        kernel_channels: kernel.len(),
        out_frames: 0,
        method: job.method,
        block_len: None,
        peak: 0.0,
        non_finite: 0,
        seconds: 0.0,
        clipping: None,
    };
    let mut meter = PeakMeter::default();
    if let Some(n) = n.filter(|&n| n <= block as u64 || n < m as u64) {
        // One call per channel: exactly the library's result.
        let x = formats::read_all(signal, signal_path)?;
        let mut out = Vec::with_capacity(channels);
        for c in 0..channels {
            let (xc, k) = (&x[c % signal_channels], &kernel[c % kernel.len()]);
            out.push(if job.correlate {
                correlate_with(xc, k, job.mode, job.method)?
            } else {
                convolve_with(xc, k, job.mode, job.method)?
            });
        }
        let refs: Vec<&[T]> = out.iter().map(Vec::as_slice).collect();
        meter.observe(&refs);
        sink.write(&refs)?;
        progress.inc(n);
        report.out_frames = out[0].len() as u64;
        if job.method == Method::Auto {
            report.method = choose_method_for::<T>(n as usize, m, job.mode);
        }
    } else {
        report.block_len = Some(block);
        stream(
            signal,
            signal_path,
            kernel,
            sink,
            job,
            (unit, splits),
            n,
            progress,
            &mut meter,
            &mut report,
        )?;
    }
    report.peak = meter.peak;
    report.non_finite = meter.non_finite;
    report.seconds = start.elapsed().as_secs_f64();
    Ok(report)
}

/// Reads up to `need` frames of `signal` into memory, fewer only when it ends first.
fn read_head<T: Sample>(
    signal: &mut dyn Source<T>,
    signal_path: &Path,
    need: u64,
) -> Result<Vec<Vec<T>>> {
    let channels = signal.channels();
    let mut head: Vec<Vec<T>> = vec![Vec::new(); channels];
    let mut block = vec![Vec::new(); channels];
    while (head[0].len() as u64) < need {
        let want = usize::try_from(need - head[0].len() as u64)
            .unwrap_or(usize::MAX)
            .min(MIN_BLOCK);
        let got = signal.read(want, &mut block)?;
        if got == 0 {
            break;
        }
        for (h, b) in head.iter_mut().zip(&block) {
            h.try_reserve(b.len()).map_err(|_| {
                anyhow::anyhow!("not enough memory to read `{}`", signal_path.display())
            })?;
            h.extend_from_slice(b);
        }
    }
    Ok(head)
}

/// Kernel length from which streaming keeps each kernel's spectrum in a [`Convolver`] and runs
/// the sub-blocks on threads. Shorter kernels are cheap to transform in every block, and the
/// library's one-shot call splits a block over threads itself (on 2 cores a 1024-tap mono
/// stream took about 30 % more CPU through per-core Convolvers than through one-shot calls;
/// a 96,000-tap stereo reverb was 1.4x faster and 2.6x smaller through them).
pub const KEEP_SPECTRUM_FROM: usize = 16_384;

/// Sub-blocks each output channel's block is cut into, so that every core has one to convolve:
/// a mono signal on two cores runs two half-blocks at once, stereo one block per channel.
pub fn splits_per_channel(channels: usize) -> usize {
    let threads = std::thread::available_parallelism().map_or(1, |t| t.get());
    threads.div_ceil(channels.max(1)).max(1)
}

/// How a sub-block is convolved in full.
enum Plan<T: Sample> {
    /// With the kernel's spectrum kept (long kernels).
    Kept(Convolver<T>),
    /// By the library's one-shot call with this kernel (short kernels).
    EachCall(Vec<T>),
}

/// One sub-block of one output channel: how it is convolved and its full result.
struct Unit<T: Sample> {
    plan: Plan<T>,
    out: Vec<T>,
}

impl<T: Sample> Unit<T> {
    fn process(&mut self, x: &[T], job: &Job) -> Result<(), convolve::ConvError> {
        match &mut self.plan {
            Plan::Kept(plan) => plan.process_into(x, &mut self.out),
            // A block at least as long as the kernel: numpy's correlate in full is the
            // convolution with the conjugated reverse kernel, computed by correlate_into.
            Plan::EachCall(k) if job.correlate => {
                correlate_into(x, k, Mode::Full, job.method, &mut self.out)
            }
            Plan::EachCall(k) => convolve_into(x, k, Mode::Full, job.method, &mut self.out),
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn stream<T: Sample>(
    signal: &mut dyn Source<T>,
    signal_path: &Path,
    kernel: &[Vec<T>],
    sink: &mut dyn Sink<T>,
    job: &Job,
    (unit, splits): (usize, usize),
    n: Option<u64>,
    progress: &ProgressBar,
    meter: &mut PeakMeter,
    report: &mut Report,
) -> Result<()> {
    let signal_channels = signal.channels();
    let channels = report.channels;
    let m = kernel[0].len();
    // A streamed signal is longer than the kernel, so numpy's window starts at a `lo` that
    // does not depend on its length, and ends (at `lo + len`) no sooner than the signal: only
    // the last m - 1 outputs need `len`, known by then even when the length was not.
    let (lo, _) = kept(m as u64, m as u64, job.mode, job.correlate);
    let block = unit * splits;
    // Every sub-block is convolved in full; a sub-block correlates as it convolves with the
    // conjugated reverse kernel, which new_correlation keeps.
    let mut units: Vec<Unit<T>> = Vec::with_capacity(channels * splits);
    for c in 0..channels * splits {
        let k = &kernel[(c / splits) % kernel.len()];
        let plan = if m < KEEP_SPECTRUM_FROM {
            let mut owned = formats::try_vec(m, signal_path)?;
            owned.extend_from_slice(k);
            Plan::EachCall(owned)
        } else if job.correlate {
            Plan::Kept(Convolver::new_correlation(k, unit, Mode::Full, job.method)?)
        } else {
            Plan::Kept(Convolver::new(k, unit, Mode::Full, job.method)?)
        };
        let mut out = formats::try_vec(unit + m - 1, signal_path)?;
        out.resize(unit + m - 1, T::default());
        units.push(Unit { plan, out });
    }
    report.method = match &units[0].plan {
        Plan::Kept(plan) => plan.method(),
        Plan::EachCall(_) if job.method == Method::Auto => {
            choose_method_for::<T>(unit, m, Mode::Full)
        }
        Plan::EachCall(_) => job.method,
    };
    let mut input: Vec<Vec<T>> = Vec::with_capacity(signal_channels);
    let mut full: Vec<Vec<T>> = Vec::with_capacity(channels);
    let mut tails: Vec<Vec<T>> = Vec::with_capacity(channels);
    for _ in 0..signal_channels {
        input.push(formats::try_vec(block, signal_path)?);
    }
    for _ in 0..channels {
        if splits > 1 {
            let mut f = formats::try_vec(block + m - 1, signal_path)?;
            f.resize(block + m - 1, T::default());
            full.push(f);
        }
        let mut t = formats::try_vec(m - 1, signal_path)?;
        t.resize(m - 1, T::default());
        tails.push(t);
    }
    let threads = std::thread::available_parallelism().map_or(1, |t| t.get());
    let per_thread = units.len().div_ceil(threads);
    // Global index (into the full result) of the first output of the current block.
    let mut pos: u64 = 0;
    loop {
        let b = signal.read(block, &mut input)?;
        if b == 0 {
            break;
        }
        for x in &mut input {
            x.resize(block, T::default()); // a short last block, zero-padded
        }
        let input = &input;
        let run_units = |first: usize, units: &mut [Unit<T>]| -> Result<(), convolve::ConvError> {
            for (i, u) in units.iter_mut().enumerate() {
                let (c, s) = ((first + i) / splits, (first + i) % splits);
                let x = &input[c % signal_channels][s * unit..(s + 1) * unit];
                u.process(x, job)?;
            }
            Ok(())
        };
        std::thread::scope(|scope| -> Result<(), convolve::ConvError> {
            let mut chunks = units.chunks_mut(per_thread).enumerate();
            let here = chunks.next();
            let others: Vec<_> = chunks
                .map(|(t, chunk)| scope.spawn(move || run_units(t * per_thread, chunk)))
                .collect();
            if let Some((_, chunk)) = here {
                run_units(0, chunk)?;
            }
            for h in others {
                h.join().unwrap_or_else(|e| std::panic::resume_unwind(e))?;
            }
            Ok(())
        })?;
        let (keep_from, keep_to) = clip(pos, pos + b as u64, lo, u64::MAX);
        for c in 0..channels {
            // One sub-block per channel is its own full result; several are summed into `full`.
            let y: &mut Vec<T> = if splits == 1 {
                &mut units[c].out
            } else {
                let y = &mut full[c];
                let first = &units[c * splits].out;
                y[..first.len()].copy_from_slice(first);
                y[first.len()..].fill(T::default());
                for s in 1..splits {
                    let part = &units[c * splits + s].out;
                    for (yj, &pj) in y[s * unit..].iter_mut().zip(part) {
                        *yj = yj.plus(pj);
                    }
                }
                y
            };
            for (yj, &tj) in y.iter_mut().zip(&tails[c]) {
                *yj = yj.plus(tj);
            }
            tails[c].copy_from_slice(&y[b..b + m - 1]);
        }
        if keep_to > keep_from {
            let refs: Vec<&[T]> = if splits == 1 {
                units.iter().map(|u| &u.out[keep_from..keep_to]).collect()
            } else {
                full.iter().map(|y| &y[keep_from..keep_to]).collect()
            };
            meter.observe(&refs);
            sink.write(&refs)?;
        }
        pos += b as u64;
        progress.inc(b as u64);
    }
    if let Some(n) = n {
        formats::ensure_complete(pos, n, signal_path)?;
    }
    let (lo, len) = kept(pos, m as u64, job.mode, job.correlate);
    report.signal_frames = pos;
    report.out_frames = len;
    // The last m - 1 outputs need no further input.
    let (keep_from, keep_to) = clip(pos, pos + m as u64 - 1, lo, lo + len);
    if keep_to > keep_from {
        let refs: Vec<&[T]> = tails.iter().map(|t| &t[keep_from..keep_to]).collect();
        meter.observe(&refs);
        sink.write(&refs)?;
    }
    Ok(())
}

/// Indices into a block covering full-result positions `from .. to` that fall in `lo .. end`.
fn clip(from: u64, to: u64, lo: u64, end: u64) -> (usize, usize) {
    let a = lo.clamp(from, to);
    let b = end.clamp(from, to);
    ((a - from) as usize, (b.max(a) - from) as usize)
}

/// Settings of `apply` beyond the [`Job`].
#[derive(Clone, Debug)]
pub struct Files<'a> {
    /// The signal file.
    pub signal: &'a Path,
    /// The kernel file.
    pub kernel: &'a Path,
    /// The output file (`-`: stdout).
    pub output: &'a Path,
    /// The output's format as an extension (`--output-format`), overriding the output's name.
    pub output_format: Option<&'a str>,
    /// Text column and array layout.
    pub read: ReadOptions,
    /// Sample rate of a WAV output when no input has one.
    pub rate: u32,
    /// Encoding and dither of a WAV output.
    pub wav: WavFormat,
}

/// Reads, checks, convolves and writes `.npy` output as `out_dtype`; the output appears only
/// when complete.
pub fn apply_files<T: Sample>(
    files: &Files<'_>,
    job: &Job,
    progress: &ProgressBar,
    out_dtype: Dtype,
) -> Result<Report> {
    // Problems with the output are reported before any input is read.
    let (format, _) = output_format(files.output, files.output_format)?;
    if formats::is_stdio(files.kernel) {
        bail!(
            "the kernel cannot be `-`: stdin is read once, for the signal; name the kernel's file"
        );
    }
    if !formats::is_stdio(files.output) {
        refuse_overwriting(files.output, &[files.signal, files.kernel])?;
    }
    if out_dtype.arithmetic() == crate::dtype::Arithmetic::Complex
        && !matches!(format, Format::Npy | Format::Text)
    {
        bail!(
            "`{}`: the result is complex ({out_dtype}) and a {} holds real numbers; write a .npy or text file",
            files.output.display(),
            format.describe()
        );
    }
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
    let channels = pair_channels(signal.channels(), kernel_src.channels(), Some(files))?;
    // The output keeps the signal's layout (or the kernel's, for a mono 1-D signal).
    let layout = signal
        .layout()
        .or_else(|| (channels > 1).then(|| kernel_src.layout().unwrap_or(Layout::FramesFirst)));
    let kernel = formats::read_all(kernel_src.as_mut(), files.kernel)?;
    let frames = signal
        .frames()
        .map(|n| mix::out_len(n, kernel[0].len() as u64, job));
    let output = Output::create(files.output, files.output_format)?;
    let shape = OutputShape {
        channels,
        frames,
        rate,
        dtype: out_dtype,
        layout,
        wav: files.wav,
    };
    let mut sink = output.sink::<T>(shape)?;
    let mut report = if let Some(target) = job.normalize {
        run_normalized(
            signal.as_mut(),
            files.signal,
            &kernel,
            sink.as_mut(),
            job,
            target,
            &output,
            progress,
        )?
    } else {
        mix::run_mixed(
            signal.as_mut(),
            files.signal,
            &kernel,
            sink.as_mut(),
            job,
            progress,
        )?
    };
    sink.finish()?;
    report.clipping = sink.clipping();
    drop(sink);
    output.commit()?;
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
