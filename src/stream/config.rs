//! A streaming convolver's options: latency, partitioning, the zero-latency head, channels,
//! capacity and cross-fade ([`StreamBuilder`]).

/// How late the output is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Latency {
    /// No latency: the first partition is computed on every call, from the samples of the
    /// block so far (see [`Head`]).
    #[default]
    Zero,
    /// The output is late by the partition size (the block length rounded up to a fast FFT
    /// size); every tap goes through the FFT, which costs less CPU.
    Block,
}

/// How the kernel is partitioned.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Partitioning {
    /// Partitions double in size along the kernel (Gardner): long kernels at small blocks.
    #[default]
    NonUniform,
    /// All partitions have the block's size: the fewest operations for short kernels.
    Uniform,
}

/// How the zero-latency mode computes the kernel's first partition, which must answer every
/// input sample in the same call.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Head {
    /// [`Head::Fft`], except for a short kernel that fits in the first partition, where the
    /// direct FIR costs less than two transforms per call (see [`StreamBuilder::head`]).
    #[default]
    Auto,
    /// A direct FIR of the first partition's `p` taps: `p` multiply-adds per sample.
    Direct,
    /// Each call transforms the previous block and the current one so far (zero-padded),
    /// multiplies by partition 0's spectrum plus the other partitions' sum (computed once per
    /// block) and transforms back: two FFTs of `2p` points per call, whatever its length.
    Fft,
}

/// Options for a [`StreamConvolver`](crate::StreamConvolver) beyond
/// [`StreamConvolver::new`](crate::StreamConvolver::new): latency, partitioning, channels,
/// capacity.
///
/// ```
/// use convolve::{Latency, Partitioning, StreamBuilder};
/// let kernel = [0.5f32, 0.25, 0.125];
/// let mut conv = StreamBuilder::new(64)
///     .latency(Latency::Block)
///     .partitioning(Partitioning::Uniform)
///     .channels(2)
///     .capacity(1000)
///     .build(&kernel)
///     .unwrap();
/// assert_eq!(conv.latency(), 64);
/// assert_eq!(conv.channels(), 2);
/// ```
#[derive(Clone, Copy, Debug)]
pub struct StreamBuilder {
    pub(super) block_len: usize,
    pub(super) latency: Latency,
    pub(super) partitioning: Partitioning,
    pub(super) head: Head,
    pub(super) channels: usize,
    pub(super) capacity: Option<usize>,
    pub(super) crossfade: usize,
    pub(super) workers: usize,
}

impl StreamBuilder {
    /// Defaults for blocks of about `block_len` samples: zero latency, non-uniform
    /// partitions, one channel, capacity the kernel's length.
    ///
    /// ```
    /// use convolve::StreamBuilder;
    /// let conv = StreamBuilder::new(128).channels(2).build(&[1.0f64; 300]).unwrap();
    /// assert_eq!((conv.channels(), conv.latency()), (2, 0));
    /// ```
    pub fn new(block_len: usize) -> Self {
        StreamBuilder {
            block_len,
            latency: Latency::Zero,
            partitioning: Partitioning::NonUniform,
            head: Head::Auto,
            channels: 1,
            capacity: None,
            crossfade: 0,
            workers: 0,
        }
    }

    /// Zero latency or block latency (default [`Latency::Zero`]).
    pub fn latency(mut self, latency: Latency) -> Self {
        self.latency = latency;
        self
    }

    /// Uniform or non-uniform partitions (default [`Partitioning::NonUniform`]).
    pub fn partitioning(mut self, partitioning: Partitioning) -> Self {
        self.partitioning = partitioning;
        self
    }

    /// How the zero-latency mode computes the first partition (default [`Head::Auto`]; ignored
    /// with [`Latency::Block`]). The FFT head does the first segment's transforms on every call
    /// instead of once per block, and no direct FIR: when calls bring whole blocks it costs
    /// less at every block length measured (2 to 512); calls much shorter than the block
    /// length favour [`Head::Direct`].
    ///
    /// ```
    /// use convolve::{Head, StreamBuilder};
    /// let conv = StreamBuilder::new(64).head(Head::Direct).build(&[1.0f32; 300]).unwrap();
    /// assert_eq!(conv.latency(), 0);
    /// ```
    pub fn head(mut self, head: Head) -> Self {
        self.head = head;
        self
    }

    /// Number of channels sharing the kernel's spectra (default 1).
    pub fn channels(mut self, channels: usize) -> Self {
        self.channels = channels;
        self
    }

    /// The longest kernel [`StreamConvolver::set_kernel`](crate::StreamConvolver::set_kernel)
    /// takes without allocating (default: the length of the kernel given to
    /// [`build`](Self::build)).
    pub fn capacity(mut self, taps: usize) -> Self {
        self.capacity = Some(taps);
        self
    }

    /// Makes [`set_kernel`](crate::StreamConvolver::set_kernel) cross-fade from the old kernel to the
    /// new one over `samples` samples (default 0: no fade, the change is immediate).
    ///
    /// Both kernels' spectra are then kept (twice the kernel memory) and applied to the same
    /// input history. After `set_kernel`, the output stays the old kernel's for
    /// [`fade_delay`](crate::StreamConvolver::fade_delay) samples, while the new kernel's long
    /// partitions catch up, then moves to the new kernel's with the gain
    /// `g(i) = (1 - cos(π·i / samples)) / 2` on it and `1 - g(i)` on the old one, sample `i` of
    /// the fade; from then on it equals a convolver built with the new kernel and fed the
    /// same signal. Until the fade ends every multiply-add and inverse FFT runs for both
    /// kernels (the forward FFTs are shared): about 2x the CPU of a block outside a fade
    /// (docs/PERFORMANCE.md, "What a cross-fade costs").
    /// A `set_kernel` during a fade replaces the fade's target kernel and restarts the fade
    /// from the kernel before it, so the output jumps from the partial mix back to that kernel:
    /// for smooth changes, wait until `fade_delay() + samples` samples after a `set_kernel`
    /// (on every channel: with channels processed unevenly, a channel whose fade has ended
    /// while another's runs also jumps).
    ///
    /// ```
    /// use convolve::StreamBuilder;
    /// let mut conv = StreamBuilder::new(64).crossfade(480).build(&[1.0f32; 100]).unwrap();
    /// conv.set_kernel(&[0.5; 100]).unwrap();
    /// assert!(conv.fade_delay() > 0);
    /// ```
    pub fn crossfade(mut self, samples: usize) -> Self {
        self.crossfade = samples;
        self
    }

    /// Computes the long partitions on `n` background threads (default 0: all on the thread
    /// that calls [`process`](crate::StreamConvolver::process)).
    ///
    /// Each segment of partitions of at least 2 blocks posts its period's work as a job at
    /// the block boundary that starts it; a worker runs it while the audio thread goes on with
    /// the short partitions. A job not done when its first output is due is run by the audio
    /// thread, or waited for if a worker has started it: never skipped, so the output is the
    /// same bits as without workers, with any number of them and any scheduling. Posting a job
    /// is a few atomic stores and a clock read: idle workers sleep on a timer until just after
    /// the next posting, and only a worker parked without one (before the stream's rate is
    /// known, or after it stopped) is woken, a `futex` system call. The convolver owns its threads:
    /// a clone starts its own, `Drop` stops and joins them, and in a forked child (which has
    /// no threads) the jobs run on the calling thread. See docs/STREAMING.md, "Workers".
    ///
    /// ```
    /// use convolve::StreamBuilder;
    /// let ir: Vec<f32> = (0..20_000).map(|i| (-(i as f32) / 3000.0).exp()).collect();
    /// let mut a = StreamBuilder::new(64).worker_threads(1).build(&ir).unwrap();
    /// let mut b = StreamBuilder::new(64).build(&ir).unwrap();
    /// let x: Vec<f32> = (0..5000).map(|i| (i as f32 * 0.01).sin()).collect();
    /// let (mut ya, mut yb) = (vec![0.0; 64], vec![0.0; 64]);
    /// for chunk in x.chunks(64) {
    ///     a.process(chunk, &mut ya[..chunk.len()]).unwrap();
    ///     b.process(chunk, &mut yb[..chunk.len()]).unwrap();
    ///     assert_eq!(ya, yb);
    /// }
    /// ```
    pub fn worker_threads(mut self, n: usize) -> Self {
        self.workers = n;
        self
    }
}
