//! Streaming a long signal through overlap-add, as a pipeline: while rayon's threads convolve
//! block `k`, the calling thread writes block `k - 1` and reads block `k + 1`.
//!
//! Each block of `B` frames is convolved in full (`n + m - 1`) and its last `m - 1` outputs
//! are carried into the next block. Inputs and full results are double-buffered (two of each),
//! so reading, writing and convolving never wait for one another except at block boundaries;
//! rayon's threads live for the whole process, so the library's per-thread FFT plans and
//! scratch buffers are made once, not once per block (spawning threads per block re-planned
//! the transforms and zeroed fresh pages every block: docs/CLI.md, "Throughput").

use std::path::Path;

use anyhow::Result;
use convolve::{
    ConvError, Convolver, Method, Mode, choose_method_for, convolve_into, correlate_into,
};
use indicatif::ProgressBar;

use super::peak::PeakMeter;
use super::{Job, KEEP_SPECTRUM_FROM, Report, kept};
use crate::formats::{self, Sink, Source};
use crate::sample::Sample;

/// How a sub-block is convolved in full.
enum Plan<T: Sample> {
    /// With the kernel's spectrum kept (long kernels).
    Kept(Convolver<T>),
    /// By the library's one-shot call with this kernel (short kernels).
    EachCall(Vec<T>),
}

impl<T: Sample> Plan<T> {
    fn process(&mut self, x: &[T], out: &mut [T], job: &Job) -> Result<(), ConvError> {
        match self {
            Plan::Kept(plan) => plan.process_into(x, out),
            // A block at least as long as the kernel: numpy's correlate in full is the
            // convolution with the conjugated reverse kernel, computed by correlate_into.
            Plan::EachCall(k) if job.correlate => correlate_into(x, k, Mode::Full, job.method, out),
            Plan::EachCall(k) => convolve_into(x, k, Mode::Full, job.method, out),
        }
    }
}

/// One sub-block's plan and, when it is its channel's only one (`splits == 1`), the channel's
/// overlap-add state: then the thread that convolves a block also adds the previous tail in and
/// meters the outputs, leaving the calling thread only reading and writing.
struct Unit<T: Sample> {
    plan: Plan<T>,
    /// The last `m - 1` outputs of the previous block (`splits == 1`; else empty).
    tail: Vec<T>,
    meter: PeakMeter,
}

impl<T: Sample> Unit<T> {
    /// Convolves `x` into `out`; with `own`, the block's valid frames and kept range, also
    /// completes the overlap-add and meters the kept outputs.
    fn run(
        &mut self,
        x: &[T],
        out: &mut [T],
        job: &Job,
        own: Option<(usize, (usize, usize))>,
    ) -> Result<(), ConvError> {
        self.plan.process(x, out, job)?;
        if let Some((b, (from, to))) = own {
            overlap(out, &mut self.tail, b);
            self.meter.observe(&[&out[from..to]]);
        }
        Ok(())
    }
}

/// Adds the previous block's `tail` into the start of `y`, the full result of a block of `b`
/// frames, and replaces it with this block's.
fn overlap<T: Sample>(y: &mut [T], tail: &mut [T], b: usize) {
    for (yj, &tj) in y.iter_mut().zip(&*tail) {
        *yj = yj.plus(tj);
    }
    let len = tail.len();
    tail.copy_from_slice(&y[b..b + len]);
}

/// The sizes of the stream: frames per sub-block, sub-blocks per channel, channels.
#[derive(Clone, Copy)]
struct Shape {
    unit: usize,
    splits: usize,
    channels: usize,
}

/// Buffers of full results `unit + m - 1` long, one per sub-block.
fn full_results<T: Sample>(count: usize, len: usize, path: &Path) -> Result<Vec<Vec<T>>> {
    (0..count)
        .map(|_| {
            let mut v = formats::try_vec(len, path)?;
            v.resize(len, T::default());
            Ok(v)
        })
        .collect()
}

/// Reads the next block into `input` (zero-padded to `block` frames); returns its frames.
fn read_block<T: Sample>(
    signal: &mut dyn Source<T>,
    block: usize,
    input: &mut [Vec<T>],
) -> Result<usize> {
    let b = signal.read(block, input)?;
    for x in input.iter_mut() {
        x.resize(block, T::default()); // a short last block, zero-padded
    }
    Ok(b)
}

/// The overlap-add state and where outputs go: what the calling thread does with a block's
/// full results once they are computed.
struct Finisher<'a, T: Sample> {
    shape: Shape,
    /// The first kept position of the full result (numpy's window).
    lo: u64,
    /// Sub-blocks summed into one result per channel (`splits > 1` only).
    full: Vec<Vec<T>>,
    /// The last `m - 1` outputs of the previous block, per channel (`splits > 1`).
    tails: Vec<Vec<T>>,
    sink: &'a mut dyn Sink<T>,
    meter: &'a mut PeakMeter,
}

impl<T: Sample> Finisher<'_, T> {
    /// Writes the outputs of the block of `b` frames at `pos` that no later block changes,
    /// first summing its sub-blocks, adding the previous tail in and keeping this one's when a
    /// channel has several (with one, its unit did that).
    fn finish(&mut self, results: &[Vec<T>], b: usize, pos: u64) -> Result<()> {
        let Shape {
            unit,
            splits,
            channels,
        } = self.shape;
        let (keep_from, keep_to) = clip(pos, pos + b as u64, self.lo, u64::MAX);
        if splits > 1 {
            for c in 0..channels {
                let y = &mut self.full[c];
                let first = &results[c * splits];
                y[..first.len()].copy_from_slice(first);
                y[first.len()..].fill(T::default());
                for s in 1..splits {
                    let part = &results[c * splits + s];
                    for (yj, &pj) in y[s * unit..].iter_mut().zip(part) {
                        *yj = yj.plus(pj);
                    }
                }
                overlap(y, &mut self.tails[c], b);
            }
        }
        if keep_to > keep_from {
            let ys = if splits == 1 { results } else { &self.full };
            let refs: Vec<&[T]> = ys.iter().map(|y| &y[keep_from..keep_to]).collect();
            if splits > 1 {
                self.meter.observe(&refs);
            }
            self.sink.write(&refs)?;
        }
        Ok(())
    }
}

/// Convolves `signal` block by block into `sink` (see the module's docs); fills in the
/// report's method, lengths and frame counts.
#[allow(clippy::too_many_arguments)]
pub(super) fn stream<T: Sample>(
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
        let tail = full_results(usize::from(splits == 1), m - 1, signal_path)?;
        units.push(Unit {
            plan,
            tail: tail.into_iter().next().unwrap_or_default(),
            meter: PeakMeter::default(),
        });
    }
    report.method = match &units[0].plan {
        Plan::Kept(plan) => plan.method(),
        Plan::EachCall(_) if job.method == Method::Auto => {
            choose_method_for::<T>(unit, m, Mode::Full)
        }
        Plan::EachCall(_) => job.method,
    };
    let mut results = [
        full_results::<T>(units.len(), unit + m - 1, signal_path)?,
        full_results::<T>(units.len(), unit + m - 1, signal_path)?,
    ];
    let mut inputs: [Vec<Vec<T>>; 2] = [Vec::new(), Vec::new()];
    for input in &mut inputs {
        for _ in 0..signal_channels {
            input.push(formats::try_vec(block, signal_path)?);
        }
    }
    let mut finisher = Finisher {
        shape: Shape {
            unit,
            splits,
            channels,
        },
        lo,
        full: if splits > 1 {
            full_results(channels, block + m - 1, signal_path)?
        } else {
            Vec::new()
        },
        tails: full_results(if splits > 1 { channels } else { 0 }, m - 1, signal_path)?,
        sink,
        meter,
    };
    let mut status: Vec<Result<(), ConvError>> = (0..units.len()).map(|_| Ok(())).collect();
    // Global index (into the full result) of the first output of the current block.
    let mut pos: u64 = 0;
    // The block whose results wait in `results[1]`: (frames, position).
    let mut pending: Option<(usize, u64)> = None;
    let mut b = read_block(signal, block, &mut inputs[0])?;
    while b > 0 {
        let [input, next_input] = &mut inputs;
        let [computed, finished] = &mut results;
        let next_b = rayon::in_place_scope(|scope| -> Result<usize> {
            let own = (splits == 1).then(|| (b, clip(pos, pos + b as u64, lo, u64::MAX)));
            for (i, ((u, out), status)) in units
                .iter_mut()
                .zip(computed.iter_mut())
                .zip(&mut status)
                .enumerate()
            {
                let (c, s) = (i / splits, i % splits);
                let x = &input[c % signal_channels][s * unit..(s + 1) * unit];
                scope.spawn(move |_| *status = u.run(x, out, job, own));
            }
            // Meanwhile, on this thread: the previous block out, the next one in.
            if let Some((pb, ppos)) = pending {
                finisher.finish(finished, pb, ppos)?;
                progress.inc(pb as u64);
            }
            read_block(signal, block, next_input)
        })?;
        for s in &mut status {
            std::mem::replace(s, Ok(()))?;
        }
        inputs.swap(0, 1);
        results.swap(0, 1);
        pending = Some((b, pos));
        pos += b as u64;
        b = next_b;
    }
    if let Some((pb, ppos)) = pending {
        finisher.finish(&results[1], pb, ppos)?;
        progress.inc(pb as u64);
    }
    if let Some(n) = n {
        formats::ensure_complete(pos, n, signal_path)?;
    }
    let (lo, len) = kept(pos, m as u64, job.mode, job.correlate);
    report.signal_frames = pos;
    report.out_frames = len;
    // The last m - 1 outputs need no further input.
    let (keep_from, keep_to) = clip(pos, pos + m as u64 - 1, lo, lo + len);
    let tails: Vec<&[T]> = if splits == 1 {
        units.iter().map(|u| &u.tail[..]).collect()
    } else {
        finisher.tails.iter().map(Vec::as_slice).collect()
    };
    if keep_to > keep_from {
        let refs: Vec<&[T]> = tails.iter().map(|t| &t[keep_from..keep_to]).collect();
        finisher.meter.observe(&refs);
        finisher.sink.write(&refs)?;
    }
    for u in &units {
        finisher.meter.merge(&u.meter);
    }
    Ok(())
}

/// Indices into a block covering full-result positions `from .. to` that fall in `lo .. end`.
fn clip(from: u64, to: u64, lo: u64, end: u64) -> (usize, usize) {
    let a = lo.clamp(from, to);
    let b = end.clamp(from, to);
    ((a - from) as usize, (b.max(a) - from) as usize)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clip_ranges() {
        assert_eq!(clip(0, 10, 3, 7), (3, 7));
        assert_eq!(clip(10, 20, 3, 7), (0, 0));
        assert_eq!(clip(0, 10, 12, 15), (10, 10));
        assert_eq!(clip(5, 10, 0, 100), (0, 5));
    }
}
