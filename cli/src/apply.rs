//! `convolve apply`: a signal of any length convolved with a kernel held in memory.
//!
//! A signal that fits in one block is handed to the library in one call, so the output is
//! exactly `convolve_with`/`correlate_with`. A longer one is streamed: each block of `B`
//! frames is convolved in full (`n + m - 1`, the library choosing or being told the method) and
//! its last `m - 1` outputs are carried into the next block (overlap-add). Outputs are written
//! as soon as no later block can change them, cropped to numpy's window for the mode, so memory
//! is a few blocks and the kernel whatever the length of the file.
//!
//! A kernel of at least [`KEEP_SPECTRUM_FROM`] taps keeps its spectrum in a [`convolve::Convolver`] per
//! sub-block (one sub-block per core), so a block costs one forward and one inverse transform
//! per sub-block; shorter kernels go through the library's one-shot call, threaded by it.

use std::path::Path;
use std::time::Instant;

use anyhow::{Result, bail};
use convolve::{Method, Mode, choose_method_for, convolve_with, correlate_with};
use indicatif::ProgressBar;

use crate::dtype::Dtype;
use crate::formats::{self, Clipping, Format, Layout, ReadOptions, Sink, Source, WavFormat};
use crate::level::run_normalized;
use crate::mix::{self, Mix};
use crate::output::{Output, OutputShape, output_format, refuse_overwriting};
use crate::sample::Sample;
pub(crate) use peak::PeakMeter;
use stream::stream;

mod peak;
mod stream;

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

/// Frames per block when streaming, in kernel lengths (at least).
pub const BLOCK_KERNELS: usize = 2;
/// The shortest block when streaming.
pub const MIN_BLOCK: usize = 1 << 16;

/// Frames per sub-block when streaming: at least `max(2m, 65536)`. A kernel of at least
/// [`KEEP_SPECTRUM_FROM`] taps has its spectrum kept, so a sub-block costs two transforms of
/// `N = U + m - 1` points: `U` is chosen so that `N` is the smallest power of two or three
/// times one that fits, the transform lengths rustfft computes fastest per point, and none of
/// the padding is wasted. (For a 3 s reverb, `m = 144000`, `N = 2^19` against 432,000 for
/// `U = 2m`: a tenth less CPU time; longer blocks bought little more and cost memory:
/// docs/CLI.md, "Throughput".)
pub fn default_block_len(kernel_len: usize) -> usize {
    let least = kernel_len.saturating_mul(BLOCK_KERNELS).max(MIN_BLOCK);
    if kernel_len < KEEP_SPECTRUM_FROM {
        return least;
    }
    let need = least + kernel_len - 1;
    let pow2 = need.checked_next_power_of_two();
    let three = need
        .div_ceil(3)
        .checked_next_power_of_two()
        .and_then(|p| p.checked_mul(3));
    match (pow2, three) {
        (Some(a), Some(b)) => a.min(b) - kernel_len + 1,
        (Some(a), None) | (None, Some(a)) => a - kernel_len + 1,
        (None, None) => least,
    }
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
    fn sub_blocks_fill_fast_transform_lengths() {
        assert_eq!(default_block_len(1), MIN_BLOCK);
        assert_eq!(default_block_len(10_000), 65_536);
        // A 3 s reverb at 48 kHz: 2^19 points.
        assert_eq!(default_block_len(144_000), (1 << 19) - 144_000 + 1);
        // 2 s: 3 * 2^17 = 393,216 points, at least 3m - 1 = 287,999.
        assert_eq!(default_block_len(96_000), 3 * (1 << 17) - 96_000 + 1);
        assert_eq!(default_block_len(16_384), 3 * (1 << 15) - 16_384 + 1);
        for m in [16_384, 20_000, 96_001, 1 << 20, 3_000_000] {
            let u = default_block_len(m);
            assert!(u >= 2 * m && u >= MIN_BLOCK, "m={m} U={u}");
            // The transform is at most 1.5 times the shortest that would do.
            let need = (2 * m).max(MIN_BLOCK) + m - 1;
            assert!(u + m - 1 <= 3 * need.div_ceil(2), "m={m} U={u}");
        }
    }

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
}
