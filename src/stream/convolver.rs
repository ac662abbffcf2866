//! [`StreamConvolver`]: construction, the public calls, and the engine that runs one chunk of
//! a block through the head and the segments.

use crate::alloc::{TryClone, try_clone_all, try_copy, try_zeroed};
use crate::element::Element;
use crate::error::ConvError;
use crate::fft::next_fast_len;

use super::channel::{Channel, FadeGain, crossfade};
use super::config::{Head, Latency, Partitioning, StreamBuilder};
use super::input::InputRings;
use super::layout;
use super::limbs::Limbs;
use super::segment::{Schedule, Scratch, Segment, add_limbs, ring_ranges};
use super::workers::{BACKGROUND, Background};

/// The longest of `kernels`.
pub(super) fn longest<T, K: AsRef<[T]>>(kernels: &[K]) -> usize {
    kernels.iter().map(|k| k.as_ref().len()).max().unwrap_or(0)
}

/// `pairs` kernels, not all empty (a matrix's pair may be: it contributes nothing), none
/// longer than `capacity`.
pub(super) fn check_kernels<T, K: AsRef<[T]>>(
    kernels: &[K],
    pairs: usize,
    capacity: usize,
) -> Result<(), ConvError> {
    if kernels.len() != pairs {
        return Err(ConvError::MatrixShape {
            what: "kernels",
            expected: pairs,
            got: kernels.len(),
        });
    }
    match longest(kernels) {
        0 => Err(ConvError::EmptyInput { argument: "kernel" }),
        got if got > capacity => Err(ConvError::KernelLength { capacity, got }),
        _ => Ok(()),
    }
}

impl StreamBuilder {
    /// Makes every plan and buffer and loads `kernel`.
    ///
    /// # Errors
    /// [`ConvError::ZeroBlockLength`] for a block length of 0, [`ConvError::EmptyInput`] for
    /// an empty kernel or zero channels, [`ConvError::KernelLength`] when the kernel is longer
    /// than the capacity, [`ConvError::Allocation`] when the buffers do not fit in memory.
    pub fn build<T: Element>(self, kernel: &[T]) -> Result<StreamConvolver<T>, ConvError> {
        StreamConvolver::with(self, &[kernel], (1, 1))
    }
}

/// Streaming convolution of an unbounded signal with a fixed kernel, block by block, for
/// real-time audio: after construction it never allocates, locks or blocks.
///
/// The output is the one-shot [`convolve`](crate::convolve) of the whole signal with the
/// kernel, delayed by [`latency`](Self::latency) samples; [`flush`](Self::flush) produces the
/// convolution's tail at the end of a stream. Input may come in blocks of any length.
/// Integer streams are exact, with numpy's wrap-around, like the one-shot functions: samples
/// and kernel are split into limbs whose transform products provably round exactly (3 limbs
/// for full-range `i32`, about 6 for `i64`; 3-7x and 12-15x the CPU of an `f64` stream).
///
/// ```
/// use convolve::{convolve, Mode, StreamConvolver};
/// let kernel = [1.0f64, -0.5, 0.25];
/// let signal: Vec<f64> = (0..100).map(|i| (i as f64 * 0.1).sin()).collect();
///
/// let mut conv = StreamConvolver::new(&kernel, 16).unwrap();
/// let mut out = vec![0.0; signal.len() + conv.tail_len()];
/// let (body, tail) = out.split_at_mut(signal.len());
/// for (x, y) in signal.chunks(7).zip(body.chunks_mut(7)) {
///     conv.process(x, y).unwrap();
/// }
/// conv.flush(tail).unwrap();
///
/// let want = convolve(&signal, &kernel, Mode::Full).unwrap();
/// for (a, b) in out.iter().zip(&want) {
///     assert!((a - b).abs() < 1e-12);
/// }
/// ```
///
/// `Clone` copies the whole state: the copy continues exactly as the original would, and the
/// two are independent ([`try_clone`](Self::try_clone) returns an error instead of panicking
/// when memory runs out). [`save_state`](Self::save_state) does the same through bytes.
pub struct StreamConvolver<T: Element> {
    /// Partition size of the first segment and the head length bound.
    pub(super) p0: usize,
    pub(super) latency: Latency,
    pub(super) capacity: usize,
    /// Each bank's kernel length (a matrix's longest).
    pub(super) kernel_lens: [usize; 2],
    /// Inputs and outputs per channel: 1 and 1, or a matrix's (`matrix.rs`), whose kernels
    /// are indexed `pair = input · outs + output`.
    pub(super) ins: usize,
    pub(super) outs: usize,
    /// The first `head_len = min(p0, capacity)` taps of each kernel with the direct head, none
    /// otherwise: `head_len` per bank and pair, index `(bank · pairs + pair) · head_len`.
    pub(super) head: Vec<T>,
    pub(super) head_len: usize,
    /// 2 with a cross-fade (the old and new kernels), 1 otherwise.
    pub(super) banks: usize,
    /// The bank holding the current kernel.
    pub(super) bank: usize,
    /// Cross-fade length in samples (0: none) and the delay before it starts.
    pub(super) fade_len: usize,
    pub(super) fade_delay: usize,
    /// One chunk's outputs before they reach the caller, `p0` per bank and output, index
    /// `(bank · outs + output) · p0`: the current bank's, and the old one's during a fade.
    pub(super) chunk: Vec<T>,
    /// The direct head's partial sums of a matrix's inputs after the first (`p0`, or empty).
    pub(super) terms: Vec<T>,
    /// `segments[0]` is the FFT head, run on every call.
    pub(super) fft_head: bool,
    /// The segments run by the audio thread (`segments[0]` first).
    pub(super) segments: Vec<Segment<T>>,
    /// The long segments, as jobs (`workers.rs`).
    pub(super) bg: Background<T>,
    pub(super) scratch: Scratch<T>,
    pub(super) channels: Vec<Channel<T>>,
    /// Lengths of each channel's input and output rings, multiples of `p0`.
    pub(super) in_len: usize,
    pub(super) out_len: usize,
}

/// # Panics
/// When the copy cannot be allocated ([`try_clone`](StreamConvolver::try_clone) returns the
/// error instead).
impl<T: Element> Clone for StreamConvolver<T> {
    fn clone(&self) -> Self {
        self.try_clone()
            .unwrap_or_else(|e| panic!("cloning a StreamConvolver: {e}"))
    }
}

impl<T: Element> StreamConvolver<T> {
    /// A copy of the whole state, as `clone`, with [`ConvError::Allocation`] when it does not
    /// fit in memory. Allocates; for a control thread, not the audio one.
    ///
    /// ```
    /// use convolve::StreamConvolver;
    /// let mut a = StreamConvolver::new(&[1.0f64, 2.0], 4).unwrap();
    /// let mut out = [0.0];
    /// a.process(&[1.0], &mut out).unwrap();
    /// let mut b = a.try_clone().unwrap();
    /// b.process(&[0.0], &mut out).unwrap();
    /// assert_eq!(out, [2.0]);
    /// ```
    ///
    /// # Errors
    /// [`ConvError::Allocation`] when the copy cannot be allocated.
    pub fn try_clone(&self) -> Result<Self, ConvError> {
        Ok(StreamConvolver {
            p0: self.p0,
            latency: self.latency,
            capacity: self.capacity,
            kernel_lens: self.kernel_lens,
            ins: self.ins,
            outs: self.outs,
            head: try_copy(&self.head)?,
            head_len: self.head_len,
            banks: self.banks,
            bank: self.bank,
            fade_len: self.fade_len,
            fade_delay: self.fade_delay,
            chunk: try_copy(&self.chunk)?,
            terms: try_copy(&self.terms)?,
            fft_head: self.fft_head,
            segments: try_clone_all(&self.segments)?,
            bg: self.bg.try_clone()?,
            scratch: self.scratch.try_clone()?,
            channels: try_clone_all(&self.channels)?,
            in_len: self.in_len,
            out_len: self.out_len,
        })
    }

    /// A zero-latency, non-uniformly partitioned, single-channel convolver for blocks of about
    /// `block_len` samples (any length works; this one sets the partition size).
    ///
    /// ```
    /// use convolve::StreamConvolver;
    /// let mut conv = StreamConvolver::new(&[1.0f32, 1.0], 4).unwrap();
    /// let mut out = [0.0; 3];
    /// conv.process(&[1.0, 2.0, 3.0], &mut out).unwrap();
    /// assert_eq!(out, [1.0, 3.0, 5.0]);
    /// assert_eq!(conv.latency(), 0);
    /// ```
    ///
    /// # Errors
    /// As [`StreamBuilder::build`].
    pub fn new(kernel: &[T], block_len: usize) -> Result<Self, ConvError> {
        StreamBuilder::new(block_len).build(kernel)
    }

    /// The engine for `b.channels` channels of an `ins` × `outs` matrix each, loaded with
    /// `kernels` (one per pair, checked here).
    pub(super) fn with<K: AsRef<[T]>>(
        b: StreamBuilder,
        kernels: &[K],
        (ins, outs): (usize, usize),
    ) -> Result<Self, ConvError> {
        if b.block_len == 0 {
            return Err(ConvError::ZeroBlockLength);
        }
        if b.channels == 0 {
            return Err(ConvError::EmptyInput {
                argument: "channels",
            });
        }
        let pairs = ins.checked_mul(outs).ok_or(ConvError::MatrixShape {
            what: "kernels",
            expected: usize::MAX,
            got: kernels.len(),
        })?;
        let capacity = b.capacity.unwrap_or(longest(kernels)).max(1);
        check_kernels(kernels, pairs, capacity)?;
        let overflow = ConvError::LengthOverflow {
            a_len: b.block_len,
            v_len: capacity,
        };
        let p0 = next_fast_len(b.block_len).ok_or(overflow.clone())?;
        let fft_head = b.latency == Latency::Zero
            && match b.head {
                Head::Direct => false,
                Head::Fft => true,
                // The FFT head costs less than the direct one once the kernel has segments
                // (docs/PERFORMANCE.md, "Why the zero-latency head defaults to the FFT"). A
                // kernel that fits in the first partition has none with the direct head, so
                // there the FIR's `capacity · p0` multiply-adds per block (0.03 ns each) are
                // weighed against the two transforms (the layout's cost model).
                Head::Auto => {
                    capacity > p0
                        || capacity as f64 * p0 as f64 * 0.03 > layout::cost(p0, 1) * p0 as f64
                }
            };
        // Virtual taps covered by the segments (see layout.rs).
        let (head_len, start, end) = match b.latency {
            Latency::Zero if fft_head => (0, 0, capacity),
            Latency::Zero => (p0.min(capacity), p0, capacity.max(p0)),
            Latency::Block => (0, p0, p0 + capacity),
        };
        p0.checked_mul(4)
            .and_then(|x| x.checked_add(capacity.checked_mul(4)?))
            .ok_or(overflow.clone())?;
        let uniform = b.partitioning == Partitioning::Uniform;
        let banks = if b.crossfade > 0 { 2 } else { 1 };
        let specs = layout::segments(p0, start, end, uniform);
        // The head still sums all its partitions: limbs are chosen before its tail is split off.
        let limbs = Limbs::choose(T::WIDTH, &specs, ins).ok_or(overflow)?;
        let mut specs = specs;
        let tail = fft_head && layout::split_head(&mut specs);
        // Ranks by size, largest first, for the transforms' block boundaries (segment.rs).
        let segments = specs
            .iter()
            .enumerate()
            .map(|(i, spec)| {
                let rank = specs[i + 1..].len();
                let schedule = Schedule::new(spec.size / p0, rank);
                Segment::new(*spec, schedule, banks, limbs, (ins, outs))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let max_size = segments.iter().map(|s| s.spec.size).max().unwrap_or(p0);
        let reach = segments
            .iter()
            .map(|s| s.spec.offset + s.spec.size)
            .max()
            .unwrap_or(0);
        let partial = if fft_head {
            segments[0].bins() * limbs.count * ins
        } else {
            0
        };
        let scratch = Scratch::new(&segments, partial)?;
        // The long segments are jobs, for workers or spread over their periods here; the FFT
        // head, and segments with too few blocks for a worker to help, stay on this thread.
        let (fg, bg): (Vec<_>, Vec<_>) = segments.into_iter().enumerate().partition(|(i, s)| {
            (fft_head && *i == 0) || (s.spec.size < BACKGROUND * p0 && !(tail && *i == 1))
        });
        let segments: Vec<_> = fg.into_iter().map(|(_, s)| s).collect();
        let bg = bg.into_iter().map(|(_, s)| s).collect();
        // A segment's forward transform may run up to `size - p0` samples after its trigger,
        // and a job up to `size` (`input.rs`).
        let in_len = 3 * max_size;
        let inputs = InputRings::new(b.channels, ins, in_len)?;
        let bg = Background::new(bg, tail, inputs, b.channels, (p0, banks), b.workers)?;
        let out_len = (reach + p0).div_ceil(p0) * p0;
        let channels = (0..b.channels)
            .map(|_| {
                Ok(Channel {
                    t: 0,
                    recent: try_zeroed(ins * (head_len + p0).saturating_sub(1))?,
                    output: try_zeroed(banks * outs * out_len)?,
                    lines: segments
                        .iter()
                        .map(Segment::new_line)
                        .collect::<Result<_, _>>()?,
                    fade: None,
                })
            })
            .collect::<Result<Vec<_>, ConvError>>()?;
        let mut conv = StreamConvolver {
            p0,
            latency: b.latency,
            capacity,
            kernel_lens: [0; 2],
            ins,
            outs,
            head: try_zeroed(banks * pairs * head_len)?,
            head_len,
            banks,
            bank: 0,
            fade_len: b.crossfade,
            // Every output from here on has all its contributions made after the change.
            fade_delay: if banks > 1 { reach + p0 } else { 0 },
            chunk: try_zeroed(banks * outs * p0)?,
            terms: try_zeroed(if ins > 1 && head_len > 0 { p0 } else { 0 })?,
            fft_head,
            segments,
            bg,
            scratch,
            channels,
            in_len,
            out_len,
        };
        conv.load(kernels, 0);
        Ok(conv)
    }

    /// Convolves the next `input.len()` samples of channel 0 into `output` (same length).
    /// Never allocates; any length, including 0 and 1, works.
    ///
    /// ```
    /// use convolve::StreamConvolver;
    /// let mut conv = StreamConvolver::new(&[0.5f64], 8).unwrap();
    /// let mut out = [0.0; 2];
    /// conv.process(&[2.0, 4.0], &mut out).unwrap();
    /// assert_eq!(out, [1.0, 2.0]);
    /// ```
    ///
    /// # Errors
    /// [`ConvError::OutputLength`] when `output.len() != input.len()`.
    pub fn process(&mut self, input: &[T], output: &mut [T]) -> Result<(), ConvError> {
        self.process_channel(0, input, output)
    }

    /// [`process`](Self::process) for one channel of a multi-channel convolver. Channels
    /// share the kernel spectra and are independent otherwise.
    ///
    /// ```
    /// use convolve::StreamBuilder;
    /// let mut conv = StreamBuilder::new(4).channels(2).build(&[1.0f32, 1.0]).unwrap();
    /// let (mut l, mut r) = ([0.0; 2], [0.0; 2]);
    /// conv.process_channel(0, &[1.0, 0.0], &mut l).unwrap();
    /// conv.process_channel(1, &[0.0, 2.0], &mut r).unwrap();
    /// assert_eq!((l, r), ([1.0, 1.0], [0.0, 2.0]));
    /// ```
    ///
    /// # Errors
    /// [`ConvError::Channel`] for a channel out of range, [`ConvError::OutputLength`] as
    /// [`process`](Self::process).
    pub fn process_channel(
        &mut self,
        channel: usize,
        input: &[T],
        output: &mut [T],
    ) -> Result<(), ConvError> {
        self.check(channel, input.len(), output.len())?;
        self.run(channel, Some(&[input]), &mut [output]);
        Ok(())
    }

    /// Feeds zeros to channel 0 and writes what comes out: after the last input, `flush` of
    /// [`tail_len`](Self::tail_len) samples completes the one-shot `Full` convolution.
    ///
    /// ```
    /// use convolve::StreamConvolver;
    /// let mut conv = StreamConvolver::new(&[1.0f64, 2.0, 3.0], 2).unwrap();
    /// let mut out = [0.0; 1];
    /// conv.process(&[1.0], &mut out).unwrap();
    /// let mut tail = vec![0.0; conv.tail_len()];
    /// conv.flush(&mut tail).unwrap();
    /// assert_eq!((out[0], tail), (1.0, vec![2.0, 3.0]));
    /// ```
    ///
    /// # Errors
    /// None for channel 0; the `Result` matches [`flush_channel`](Self::flush_channel).
    pub fn flush(&mut self, output: &mut [T]) -> Result<(), ConvError> {
        self.flush_channel(0, output)
    }

    /// [`flush`](Self::flush) for one channel.
    ///
    /// ```
    /// use convolve::StreamBuilder;
    /// let mut conv = StreamBuilder::new(2).channels(2).build(&[1.0f64, 1.0]).unwrap();
    /// let mut out = [0.0];
    /// conv.process_channel(1, &[3.0], &mut out).unwrap();
    /// conv.flush_channel(1, &mut out).unwrap();
    /// assert_eq!(out, [3.0]);
    /// ```
    ///
    /// # Errors
    /// [`ConvError::Channel`] for a channel out of range.
    pub fn flush_channel(&mut self, channel: usize, output: &mut [T]) -> Result<(), ConvError> {
        self.check(channel, output.len(), output.len())?;
        self.run(channel, None, &mut [output]);
        Ok(())
    }

    /// Forgets every channel's signal history, as if freshly built with the current kernel.
    /// Does not allocate.
    ///
    /// ```
    /// use convolve::StreamConvolver;
    /// let mut conv = StreamConvolver::new(&[1.0f32, 1.0], 4).unwrap();
    /// let mut out = [0.0];
    /// conv.process(&[5.0], &mut out).unwrap();
    /// conv.reset();
    /// conv.process(&[1.0], &mut out).unwrap();
    /// assert_eq!(out, [1.0]);
    /// ```
    pub fn reset(&mut self) {
        self.bg.settle(&mut self.scratch);
        self.bg.inputs_mut().fill(T::default());
        for (work, ring) in self.bg.lanes_mut() {
            work.line.clear();
            work.window.fill(T::default());
            work.job = None;
            ring.fill(T::default());
        }
        for c in &mut self.channels {
            c.t = 0;
            c.fade = None;
            c.recent.fill(T::default());
            c.output.fill(T::default());
            for line in &mut c.lines {
                line.clear();
            }
        }
    }

    /// How many samples late the output is: 0 with [`Latency::Zero`], the partition size
    /// (the block length rounded up to an FFT-friendly size) with [`Latency::Block`].
    ///
    /// ```
    /// use convolve::{Latency, StreamBuilder};
    /// let conv = StreamBuilder::new(100).latency(Latency::Block).build(&[1.0f64]).unwrap();
    /// assert_eq!(conv.latency(), 100);
    /// ```
    pub fn latency(&self) -> usize {
        match self.latency {
            Latency::Zero => 0,
            Latency::Block => self.p0,
        }
    }

    /// The number of samples [`flush`](Self::flush) must produce after the last input to
    /// complete the `Full` convolution: `kernel_len - 1 + latency`. During a cross-fade (on
    /// any channel), `kernel_len` is the longer of the old and the new kernel, whose mix the
    /// output still holds.
    ///
    /// ```
    /// use convolve::StreamConvolver;
    /// assert_eq!(StreamConvolver::new(&[1.0f64; 10], 4).unwrap().tail_len(), 9);
    /// ```
    pub fn tail_len(&self) -> usize {
        let end = self.fade_delay + self.fade_len;
        let fading = self.channels.iter().any(|c| c.fading(end));
        let len = if fading {
            self.kernel_lens[0].max(self.kernel_lens[1])
        } else {
            self.kernel_lens[self.bank]
        };
        len - 1 + self.latency()
    }

    /// With [`StreamBuilder::crossfade`]: how many samples after
    /// [`set_kernel`](Self::set_kernel) the fade to the new kernel starts (the time the
    /// longest partitions need to produce the new kernel's output); 0 without a cross-fade.
    ///
    /// ```
    /// use convolve::StreamBuilder;
    /// let conv = StreamBuilder::new(64).crossfade(256).build(&[1.0f64; 1000]).unwrap();
    /// assert!(conv.fade_delay() > 0 && conv.fade_delay() < 2000);
    /// ```
    pub fn fade_delay(&self) -> usize {
        self.fade_delay
    }

    /// The length of the current kernel (during a cross-fade, the new one).
    ///
    /// ```
    /// use convolve::StreamBuilder;
    /// let mut conv = StreamBuilder::new(4).capacity(8).build(&[1.0f64; 5]).unwrap();
    /// conv.set_kernel(&[1.0; 3]).unwrap();
    /// assert_eq!((conv.kernel_len(), conv.capacity()), (3, 8));
    /// ```
    pub fn kernel_len(&self) -> usize {
        self.kernel_lens[self.bank]
    }

    /// Samples channel 0 has consumed since construction or the last
    /// [`reset`](Self::reset), including the zeros [`flush`](Self::flush) feeds.
    ///
    /// ```
    /// use convolve::StreamConvolver;
    /// let mut conv = StreamConvolver::new(&[1.0f64, 1.0], 4).unwrap();
    /// conv.process(&[1.0; 3], &mut [0.0; 3]).unwrap();
    /// assert_eq!(conv.position(), 3);
    /// ```
    pub fn position(&self) -> usize {
        self.channels[0].t
    }

    /// The worker threads actually running (see
    /// [`StreamBuilder::worker_threads`]): fewer than asked for when the system refused to
    /// start some, none in a forked child or when the kernel has no partition long enough
    /// for one. Their work is then done on the calling thread, with the same output.
    ///
    /// ```
    /// use convolve::StreamBuilder;
    /// let long = StreamBuilder::new(64).worker_threads(2).build(&[1.0f32; 100_000]).unwrap();
    /// assert_eq!(long.running_workers(), 2);
    /// let short = StreamBuilder::new(64).worker_threads(2).build(&[1.0f32; 10]).unwrap();
    /// assert_eq!(short.running_workers(), 0);
    /// ```
    pub fn running_workers(&self) -> usize {
        self.bg.running()
    }

    /// The number of channels.
    ///
    /// ```
    /// use convolve::StreamConvolver;
    /// assert_eq!(StreamConvolver::new(&[1.0f64], 4).unwrap().channels(), 1);
    /// ```
    pub fn channels(&self) -> usize {
        self.channels.len()
    }

    /// The longest kernel [`set_kernel`](Self::set_kernel) accepts.
    ///
    /// ```
    /// use convolve::StreamConvolver;
    /// assert_eq!(StreamConvolver::new(&[1.0f64; 7], 4).unwrap().capacity(), 7);
    /// ```
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    fn check(&self, channel: usize, input: usize, output: usize) -> Result<(), ConvError> {
        if channel >= self.channels.len() {
            return Err(ConvError::Channel {
                index: channel,
                channels: self.channels.len(),
            });
        }
        if input != output {
            return Err(ConvError::OutputLength {
                expected: input,
                got: output,
            });
        }
        Ok(())
    }

    /// The engine: one input per `ins` (`None`: zeros) and one output per `outs`, all of the
    /// same length (checked by the caller).
    pub(super) fn run(&mut self, channel: usize, input: Option<&[&[T]]>, output: &mut [&mut [T]]) {
        let p0 = self.p0;
        let (ins, outs, pairs) = (self.ins, self.outs, self.ins * self.outs);
        let (in_len, out_len) = (self.in_len, self.out_len);
        let h = self.head_len;
        let fft_head = self.fft_head;
        // `old` is only used during a fade, which needs two banks.
        let (bank, old) = (self.bank, self.bank ^ 1);
        let (fade_len, fade_delay) = (self.fade_len, self.fade_delay);
        let c = &mut self.channels[channel];
        let recent_len = c.recent.len() / ins;
        let total = output.first().map_or(0, |o| o.len());
        let mut done = 0;
        while done < total {
            if !c.fading(fade_delay + fade_len) {
                c.fade = None;
            }
            let banks: &[usize] = match c.fade {
                Some(_) => &[bank, old],
                None => &[bank],
            };
            // Chunks never cross a multiple of p0, so they never wrap the rings either.
            let phase = c.t % p0;
            let len = (p0 - phase).min(total - done);
            let at = c.t % in_len;
            for i in 0..ins {
                let x = input.map(|x| &x[i][done..done + len]);
                let ring = self.bg.input_run(channel, i, at, len);
                // The direct head's window (none without one).
                let recent = match h {
                    0 => &mut [][..],
                    _ => &mut c.recent[i * recent_len + h - 1 + phase..][..len],
                };
                for dst in [ring, recent] {
                    match x {
                        Some(x) => dst.copy_from_slice(&x[..dst.len()]),
                        None => dst.fill(T::default()),
                    }
                }
            }
            for &b in banks {
                for o in 0..outs {
                    let out = &mut self.chunk[(b * outs + o) * p0..][..len];
                    if h == 0 {
                        out.fill(T::default());
                        continue;
                    }
                    for i in 0..ins {
                        let x = &c.recent[i * recent_len..][..h - 1 + phase + len];
                        let taps = &self.head[(b * pairs + i * outs + o) * h..][..h];
                        if i == 0 {
                            T::direct(x, taps, h - 1 + phase, out);
                        } else {
                            let terms = &mut self.terms[..len];
                            T::direct(x, taps, h - 1 + phase, terms);
                            for (o, &t) in out.iter_mut().zip(terms.iter()) {
                                *o = T::add(*o, t);
                            }
                        }
                    }
                }
            }
            if fft_head {
                let cur = at - phase;
                let prev = (cur + in_len - p0) % in_len;
                let full = phase + len == p0;
                let (input, tail) = self.bg.head_parts(channel, full, &mut self.scratch);
                self.segments[0].run_head(
                    &mut c.lines[0],
                    input,
                    (prev, cur, phase + len),
                    banks,
                    (&mut self.chunk, p0, len),
                    tail.map(|line| (line, (c.t + len) / p0)),
                    &mut self.scratch,
                );
            }
            let at = c.t % out_len;
            for &b in banks {
                for o in 0..outs {
                    let slot = b * outs + o;
                    let out = &mut self.chunk[slot * p0..][..len];
                    let ring = &mut c.output[slot * out_len + at..][..len];
                    for (o, r) in out.iter_mut().zip(ring) {
                        *o = T::add(*o, *r);
                        *r = T::default();
                    }
                    self.bg.add_output(channel, slot, c.t, out);
                }
            }
            for (o, dst) in output.iter_mut().enumerate() {
                let dst = &mut dst[done..done + len];
                dst.copy_from_slice(&self.chunk[(bank * outs + o) * p0..][..len]);
                if let Some(start) = c.fade {
                    let mix = &self.chunk[(old * outs + o) * p0..][..len];
                    crossfade(dst, mix, FadeGain::new(c.t - start, fade_delay, fade_len));
                }
            }
            c.t += len;
            done += len;
            if c.t.is_multiple_of(p0) {
                let run = self
                    .segments
                    .iter()
                    .zip(&mut c.lines)
                    .skip(fft_head as usize);
                for (seg, line) in run {
                    let output = &mut c.output;
                    let out = |slot: usize, shift: u32, first: usize, values: &[_]| {
                        let ring = &mut output[slot * out_len..(slot + 1) * out_len];
                        let [a, b] = ring_ranges(out_len, first, values.len());
                        let (wrapped, rest) = ring.split_at_mut(a.start);
                        add_limbs(&mut rest[..a.len()], &mut wrapped[..b.len()], shift, values);
                    };
                    let input = self.bg.input(channel);
                    seg.step(line, banks, c.t, p0, input, out, &mut self.scratch);
                }
                self.bg.boundary(channel, c.t, banks, &mut self.scratch);
                if h > 0 {
                    for recent in c.recent.chunks_exact_mut(recent_len) {
                        recent.copy_within(p0..p0 + h - 1, 0);
                    }
                }
            }
        }
    }
}
