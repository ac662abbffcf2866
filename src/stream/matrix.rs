//! [`StreamMatrix`]: streaming convolution of N inputs to M outputs with a kernel per (input,
//! output) pair, for true-stereo reverbs (2 × 2), ambisonic decoders and room-correction
//! crossovers.
//!
//! Output `o` is `Σ_i input_i ∗ kernel(i, o)`. It runs on the engine of
//! [`StreamConvolver`] with more than one input and output per channel: each partition
//! transforms every input once (its spectra serve all M outputs), multiplies and adds the N · M
//! pairs' spectra, and transforms every output's sum back once, as zita-convolver does. N · M
//! separate convolvers would make N · M forward and N · M inverse transforms instead of N and M.

use crate::element::Element;
use crate::error::ConvError;

use super::config::StreamBuilder;
use super::convolver::StreamConvolver;
use super::kernel::PreparedKernel;

/// Block-by-block convolution of `inputs` signals to `outputs` signals through a kernel per
/// pair, with everything [`StreamConvolver`] guarantees: after construction it never
/// allocates, locks or blocks; zero latency (or one block); the output is the one-shot
/// convolutions' sum, bit-identical with any number of
/// [`worker_threads`](StreamBuilder::worker_threads); kernels are replaced at once, prepared
/// on another thread, or cross-faded; integer matrices are exact.
///
/// Kernels are given input-major: `kernels[i * outputs + o]` takes input `i` to output `o`.
/// A pair's kernel may be empty (the pair contributes nothing); not all of them.
///
/// ```
/// use convolve::{convolve, Mode, StreamBuilder};
/// // True stereo: left → left, left → right, right → left, right → right.
/// let kernels = [vec![1.0f64, 0.5], vec![0.25], vec![0.0, 0.25], vec![1.0, -0.5]];
/// let mut matrix = StreamBuilder::new(4).build_matrix(2, 2, &kernels).unwrap();
/// let (l, r) = ([1.0, 2.0, 3.0], [0.5, 0.0, -1.0]);
/// let (mut out_l, mut out_r) = ([0.0; 3], [0.0; 3]);
/// matrix.process(&[&l, &r], &mut [&mut out_l, &mut out_r]).unwrap();
///
/// let full = |x: &[f64], k: &[f64]| convolve(x, k, Mode::Full).unwrap();
/// for t in 0..3 {
///     let want_l = full(&l, &kernels[0])[t] + full(&r, &kernels[2])[t];
///     let want_r = full(&l, &kernels[1])[t] + full(&r, &kernels[3])[t];
///     assert!((out_l[t] - want_l).abs() < 1e-12 && (out_r[t] - want_r).abs() < 1e-12);
/// }
/// ```
pub struct StreamMatrix<T: Element> {
    engine: StreamConvolver<T>,
}

/// # Panics
/// When the copy cannot be allocated ([`try_clone`](StreamMatrix::try_clone) returns the
/// error instead).
impl<T: Element> Clone for StreamMatrix<T> {
    fn clone(&self) -> Self {
        self.try_clone()
            .unwrap_or_else(|e| panic!("cloning a StreamMatrix: {e}"))
    }
}

impl StreamBuilder {
    /// Makes every plan and buffer of an `inputs` × `outputs` matrix and loads `kernels`, one
    /// per pair, input-major (`kernels[i * outputs + o]`). The builder's options apply as for
    /// [`build`](Self::build); [`channels`](Self::channels) must stay 1 (a matrix is one
    /// group of ports); the capacity defaults to the longest kernel.
    ///
    /// ```
    /// use convolve::{ConvError, StreamBuilder};
    /// let m = StreamBuilder::new(64).build_matrix(1, 2, &[[1.0f32; 8], [0.5; 8]]).unwrap();
    /// assert_eq!((m.inputs(), m.outputs(), m.kernel_len()), (1, 2, 8));
    /// let wrong = StreamBuilder::new(64).build_matrix(2, 2, &[[1.0f32; 8]]);
    /// assert!(matches!(wrong, Err(ConvError::MatrixShape { what: "kernels", .. })));
    /// ```
    ///
    /// # Errors
    /// As [`build`](Self::build); [`ConvError::EmptyInput`] for zero inputs or outputs or
    /// when every kernel is empty; [`ConvError::MatrixShape`] when `kernels` does not hold
    /// `inputs · outputs` kernels or the builder has more than one channel.
    pub fn build_matrix<T: Element, K: AsRef<[T]>>(
        self,
        inputs: usize,
        outputs: usize,
        kernels: &[K],
    ) -> Result<StreamMatrix<T>, ConvError> {
        for (n, argument) in [(inputs, "inputs"), (outputs, "outputs")] {
            if n == 0 {
                return Err(ConvError::EmptyInput { argument });
            }
        }
        if self.channels != 1 {
            return Err(ConvError::MatrixShape {
                what: "channels",
                expected: 1,
                got: self.channels,
            });
        }
        let engine = StreamConvolver::with(self, kernels, (inputs, outputs))?;
        Ok(StreamMatrix { engine })
    }
}

impl<T: Element> StreamMatrix<T> {
    /// Convolves the next block of every input into every output: `inputs` holds one block
    /// per input, `outputs` one per output, all of one length (any, including 0). Never
    /// allocates.
    ///
    /// ```
    /// use convolve::StreamBuilder;
    /// let mut m = StreamBuilder::new(4).build_matrix(2, 1, &[[1.0f32], [2.0]]).unwrap();
    /// let mut out = [0.0; 2];
    /// m.process(&[&[1.0, 1.0], &[0.0, 1.0]], &mut [&mut out]).unwrap();
    /// assert_eq!(out, [1.0, 3.0]);
    /// ```
    ///
    /// # Errors
    /// [`ConvError::MatrixShape`] when there are not `inputs()` inputs and `outputs()`
    /// outputs, [`ConvError::OutputLength`] when the blocks differ in length.
    pub fn process(&mut self, inputs: &[&[T]], outputs: &mut [&mut [T]]) -> Result<(), ConvError> {
        self.check(inputs.len(), outputs)?;
        let n = outputs[0].len();
        if let Some(x) = inputs.iter().find(|x| x.len() != n) {
            return Err(ConvError::OutputLength {
                expected: x.len(),
                got: n,
            });
        }
        self.engine.run(0, Some(inputs), outputs);
        Ok(())
    }

    /// Feeds zeros to every input and writes what comes out: after the last input, `flush`
    /// of [`tail_len`](Self::tail_len) samples per output completes the `Full` convolutions.
    ///
    /// ```
    /// use convolve::StreamBuilder;
    /// let mut m = StreamBuilder::new(2).build_matrix(1, 1, &[[1.0f64, 2.0]]).unwrap();
    /// let mut out = [0.0];
    /// m.process(&[&[1.0]], &mut [&mut out]).unwrap();
    /// m.flush(&mut [&mut out]).unwrap();
    /// assert_eq!(out, [2.0]);
    /// ```
    ///
    /// # Errors
    /// As [`process`](Self::process).
    pub fn flush(&mut self, outputs: &mut [&mut [T]]) -> Result<(), ConvError> {
        self.check(self.inputs(), outputs)?;
        self.engine.run(0, None, outputs);
        Ok(())
    }

    fn check(&self, inputs: usize, outputs: &[&mut [T]]) -> Result<(), ConvError> {
        for (what, expected, got) in [
            ("inputs", self.inputs(), inputs),
            ("outputs", self.outputs(), outputs.len()),
        ] {
            if got != expected {
                return Err(ConvError::MatrixShape {
                    what,
                    expected,
                    got,
                });
            }
        }
        let n = outputs[0].len();
        match outputs.iter().find(|o| o.len() != n) {
            Some(o) => Err(ConvError::OutputLength {
                expected: n,
                got: o.len(),
            }),
            None => Ok(()),
        }
    }

    /// Replaces every pair's kernel (input-major, as built), keeping the signal history, as
    /// [`StreamConvolver::set_kernel`] does (cross-faded with
    /// [`StreamBuilder::crossfade`]). Does not allocate.
    ///
    /// ```
    /// use convolve::StreamBuilder;
    /// let mut m = StreamBuilder::new(4).build_matrix(1, 2, &[[1.0f64], [1.0]]).unwrap();
    /// m.set_kernels(&[[2.0], [3.0]]).unwrap();
    /// let (mut a, mut b) = ([0.0], [0.0]);
    /// m.process(&[&[1.0]], &mut [&mut a, &mut b]).unwrap();
    /// assert_eq!((a, b), ([2.0], [3.0]));
    /// ```
    ///
    /// # Errors
    /// [`ConvError::MatrixShape`] for a wrong number of kernels, [`ConvError::EmptyInput`]
    /// when all are empty, [`ConvError::KernelLength`] for one longer than the capacity.
    pub fn set_kernels<K: AsRef<[T]>>(&mut self, kernels: &[K]) -> Result<(), ConvError> {
        self.engine.set_kernels(kernels)
    }

    /// Computes on the calling thread, with allocations, everything
    /// [`set_kernels`](Self::set_kernels) would, for [`set_prepared`](Self::set_prepared)
    /// to install on the audio thread (see [`StreamConvolver::prepare_kernel`]).
    ///
    /// # Errors
    /// As [`set_kernels`](Self::set_kernels), and [`ConvError::Allocation`].
    pub fn prepare_kernels<K: AsRef<[T]>>(
        &self,
        kernels: &[K],
    ) -> Result<PreparedKernel<T>, ConvError> {
        self.engine.prepare_kernels(kernels)
    }

    /// Installs kernels made by [`prepare_kernels`](Self::prepare_kernels), without a
    /// transform, an allocation or a free (see [`StreamConvolver::set_prepared`]).
    ///
    /// ```
    /// use convolve::StreamBuilder;
    /// let mut m = StreamBuilder::new(4).capacity(4).build_matrix(2, 1, &[[1.0f32], [1.0]]).unwrap();
    /// let mut prepared = m.prepare_kernels(&[vec![0.0, 1.0], vec![]]).unwrap();
    /// m.set_prepared(&mut prepared).unwrap();
    /// let mut out = [0.0; 2];
    /// m.process(&[&[1.0, 0.0], &[5.0, 5.0]], &mut [&mut out]).unwrap();
    /// assert_eq!(out, [0.0, 1.0]);
    /// ```
    ///
    /// # Errors
    /// [`ConvError::PreparedKernel`] when `prepared` comes from a convolver or matrix of
    /// another layout or was installed already.
    pub fn set_prepared(&mut self, prepared: &mut PreparedKernel<T>) -> Result<(), ConvError> {
        self.engine.set_prepared(prepared)
    }

    /// Forgets every input's history, as if freshly built with the current kernels.
    pub fn reset(&mut self) {
        self.engine.reset();
    }

    /// A copy of the whole state, as `clone`, with [`ConvError::Allocation`] when it does not
    /// fit in memory. Allocates.
    ///
    /// # Errors
    /// [`ConvError::Allocation`] when the copy cannot be allocated.
    pub fn try_clone(&self) -> Result<Self, ConvError> {
        Ok(StreamMatrix {
            engine: self.engine.try_clone()?,
        })
    }

    /// The state as bytes, for [`load_state`](Self::load_state) into a matrix built the same
    /// way (see [`StreamConvolver::save_state`]).
    ///
    /// # Errors
    /// [`ConvError::Allocation`].
    pub fn save_state(&self) -> Result<Vec<u8>, ConvError> {
        self.engine.save_state()
    }

    /// Restores a state from [`save_state`](Self::save_state); on error nothing changes.
    ///
    /// # Errors
    /// [`ConvError::InvalidState`] when the bytes are not a state of a matrix of this layout.
    pub fn load_state(&mut self, bytes: &[u8]) -> Result<(), ConvError> {
        self.engine.load_state(bytes)
    }

    /// The worker threads actually running (see [`StreamConvolver::running_workers`]).
    pub fn running_workers(&self) -> usize {
        self.engine.running_workers()
    }

    /// The number of inputs.
    pub fn inputs(&self) -> usize {
        self.engine.ins
    }

    /// The number of outputs.
    pub fn outputs(&self) -> usize {
        self.engine.outs
    }

    /// How many samples late the output is (see [`StreamConvolver::latency`]).
    pub fn latency(&self) -> usize {
        self.engine.latency()
    }

    /// The samples per output [`flush`](Self::flush) must produce after the last input.
    pub fn tail_len(&self) -> usize {
        self.engine.tail_len()
    }

    /// The longest current kernel.
    pub fn kernel_len(&self) -> usize {
        self.engine.kernel_len()
    }

    /// The longest kernel [`set_kernels`](Self::set_kernels) accepts.
    pub fn capacity(&self) -> usize {
        self.engine.capacity()
    }

    /// Samples consumed since construction or the last [`reset`](Self::reset).
    pub fn position(&self) -> usize {
        self.engine.position()
    }

    /// With a cross-fade, how many samples after [`set_kernels`](Self::set_kernels) the fade
    /// starts (see [`StreamConvolver::fade_delay`]).
    pub fn fade_delay(&self) -> usize {
        self.engine.fade_delay()
    }
}
