//! The controls of a convolution reverb, between the convolution and the writer: gain on the
//! wet signal, a dry/wet mix with the dry signal aligned to the wet one, and cutting the tail.
//!
//! They wrap [`apply::run`] without entering it: a [`TapSource`] under the signal counts the
//! frames read and, for a mix, keeps the dry frames not yet written; a [`Mixer`] over the sink
//! combines each output with the dry frame at the same position of the full result. Outputs are
//! written in order and output `k` of the full result only after input `k` was read (it
//! depends on it), so the dry frame is always there, or the input has ended and it is 0, and
//! the kept dry frames are at most a block: memory stays bounded when streaming.

use std::cell::RefCell;
use std::path::Path;
use std::rc::Rc;

use anyhow::Result;
use indicatif::ProgressBar;

use crate::apply::{self, Job, PeakMeter, Report, kept};
use crate::formats::{Layout, Sink, Source};
use crate::sample::Sample;

/// Gain, mix and tail, as `apply` is told them.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Mix {
    /// Linear gain of the wet (convolved) signal.
    pub gain: f64,
    /// Share of the wet signal: the output is `(1 - wet) * dry + wet * gain * convolved`.
    pub wet: f64,
    /// Drop the outputs after the input's last frame (their position in the full result):
    /// the reverb's tail. With numpy's full mode this is the input's length, from its start.
    pub cut_tail: bool,
}

impl Default for Mix {
    fn default() -> Self {
        Mix {
            gain: 1.0,
            wet: 1.0,
            cut_tail: false,
        }
    }
}

/// Frames of the output for a signal of `n` frames and a kernel of `m`: numpy's length for
/// the mode, ending with the input when the tail is cut.
pub fn out_len(n: u64, m: u64, job: &Job) -> u64 {
    let (lo, len) = kept(n, m, job.mode, job.correlate);
    if job.mix.cut_tail {
        len.min(n.saturating_sub(lo))
    } else {
        len
    }
}

/// What the [`TapSource`] saw, shared with the [`Mixer`].
struct Tap<T> {
    /// Keep the dry frames (for a mix).
    keep: bool,
    /// Dry frames per signal channel from position `start` of the signal.
    dry: Vec<Vec<T>>,
    start: u64,
    /// Frames read so far.
    read: u64,
    /// Whether the signal has ended (a read returned nothing).
    ended: bool,
}

/// The signal, read through: counts and (for a mix) keeps what passes.
struct TapSource<'a, T> {
    inner: &'a mut dyn Source<T>,
    tap: Rc<RefCell<Tap<T>>>,
}

impl<T: Sample> Source<T> for TapSource<'_, T> {
    fn channels(&self) -> usize {
        self.inner.channels()
    }
    fn frames(&self) -> Option<u64> {
        self.inner.frames()
    }
    fn sample_rate(&self) -> Option<u32> {
        self.inner.sample_rate()
    }
    fn layout(&self) -> Option<Layout> {
        self.inner.layout()
    }
    fn read(&mut self, max: usize, out: &mut [Vec<T>]) -> Result<usize> {
        let got = self.inner.read(max, out)?;
        let mut tap = self.tap.borrow_mut();
        tap.read += got as u64;
        if got == 0 && max > 0 {
            tap.ended = true;
        }
        if tap.keep {
            for (d, o) in tap.dry.iter_mut().zip(out.iter()) {
                d.try_reserve(got)
                    .map_err(|_| anyhow::anyhow!("not enough memory for the dry signal"))?;
                d.extend_from_slice(&o[..got]);
            }
        }
        Ok(got)
    }
}

/// The sink, written through: gain, mix, tail cut, and the peak of what is written.
struct Mixer<'a, T> {
    inner: &'a mut dyn Sink<T>,
    tap: Rc<RefCell<Tap<T>>>,
    mix: Mix,
    /// Kernel length, mode and correlation, for the position of the first output.
    m: u64,
    job: Job,
    /// Position in the full result of the first output, known at the first write.
    lo: Option<u64>,
    /// Outputs received, and passed on (fewer once the tail is cut).
    seen: u64,
    written: u64,
    meter: PeakMeter,
    out: Vec<Vec<T>>,
}

impl<T: Sample> Sink<T> for Mixer<'_, T> {
    fn write(&mut self, channels: &[&[T]]) -> Result<()> {
        let mut tap = self.tap.borrow_mut();
        // A signal shorter than the kernel is read whole before the first write; a longer
        // one is at least m frames, whatever its length, and numpy's window starts there.
        let lo = *self.lo.get_or_insert_with(|| {
            let n = if tap.ended { tap.read } else { self.m };
            kept(n, self.m, self.job.mode, self.job.correlate).0
        });
        let at = lo + self.seen;
        let mut frames = channels.first().map_or(0, |c| c.len());
        self.seen += frames as u64;
        if self.mix.cut_tail {
            // Outputs at or beyond the frames read are past the input's end (causality).
            frames = frames.min(tap.read.saturating_sub(at) as usize);
        }
        // The dry frames of positions at .. at + frames, as far as the input has them.
        let skip = (at.saturating_sub(tap.start) as usize).min(tap.dry.first().map_or(0, Vec::len));
        let (g_wet, g_dry) = (self.mix.wet * self.mix.gain, 1.0 - self.mix.wet);
        let dry_channels = tap.dry.len();
        // Only the tail cut: the convolution's outputs are written as they are, not copied.
        let copy = !(g_wet == 1.0 && g_dry == 0.0);
        self.out
            .resize(if copy { channels.len() } else { 0 }, Vec::new());
        for (c, (o, wet)) in self.out.iter_mut().zip(channels).enumerate() {
            o.clear();
            o.extend(wet[..frames].iter().map(|&y| y.scaled(g_wet)));
            if tap.keep {
                let dry = &tap.dry[c % dry_channels];
                let dry = &dry[skip..(skip + frames).min(dry.len())];
                for (y, &d) in o.iter_mut().zip(dry) {
                    *y = y.plus(d.scaled(g_dry));
                }
            }
        }
        if tap.keep {
            // Nothing before the next output is needed again.
            let used = (skip + frames).min(tap.dry.first().map_or(0, Vec::len));
            for d in &mut tap.dry {
                d.drain(..used);
            }
            tap.start += used as u64;
        }
        drop(tap);
        self.written += frames as u64;
        if frames > 0 {
            let refs: Vec<&[T]> = if copy {
                self.out.iter().map(Vec::as_slice).collect()
            } else {
                channels.iter().map(|c| &c[..frames]).collect()
            };
            self.meter.observe(&refs);
            self.inner.write(&refs)?;
        }
        Ok(())
    }
    fn finish(&mut self) -> Result<()> {
        self.inner.finish()
    }
}

/// [`apply::run`] with `job.mix` applied between the convolution and `sink`. The report's
/// peak and output length are those of what was written.
pub fn run_mixed<T: Sample>(
    signal: &mut dyn Source<T>,
    signal_path: &Path,
    kernel: &[Vec<T>],
    sink: &mut dyn Sink<T>,
    job: &Job,
    progress: &ProgressBar,
) -> Result<Report> {
    if job.mix == Mix::default() {
        return apply::run(signal, signal_path, kernel, sink, job, progress);
    }
    let tap = Rc::new(RefCell::new(Tap {
        keep: job.mix.wet != 1.0,
        dry: vec![Vec::new(); signal.channels()],
        start: 0,
        read: 0,
        ended: false,
    }));
    let mut source = TapSource {
        inner: signal,
        tap: Rc::clone(&tap),
    };
    let mut mixer = Mixer {
        inner: sink,
        tap,
        mix: job.mix,
        m: kernel[0].len() as u64,
        job: job.clone(),
        lo: None,
        seen: 0,
        written: 0,
        meter: PeakMeter::default(),
        out: Vec::new(),
    };
    let mut report = apply::run(&mut source, signal_path, kernel, &mut mixer, job, progress)?;
    report.out_frames = mixer.written;
    report.peak = mixer.meter.peak;
    report.non_finite = mixer.meter.non_finite;
    Ok(report)
}
