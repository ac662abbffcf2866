//! Replacing the kernel: [`StreamConvolver::set_kernel`] transforms it on the calling thread;
//! [`StreamConvolver::prepare_kernel`] does that work on any thread, into a [`PreparedKernel`]
//! that [`StreamConvolver::set_prepared`] installs without a transform or an allocation.

use crate::alloc::{TryClone, try_zeroed};
use crate::element::Element;
use crate::error::ConvError;

use super::config::Latency;
use super::convolver::{StreamConvolver, check_kernels, longest};
use super::layout;
use super::segment::KernelBank;

/// A kernel's spectra, computed by [`StreamConvolver::prepare_kernel`] on any thread, for
/// [`StreamConvolver::set_prepared`] to install on the audio thread without a transform, an
/// allocation or a free. It holds every partition's spectrum (and the integer limbs' for an
/// integer stream), the direct head's taps, and the layout of the convolver that made it,
/// which `set_prepared` checks. After installing it holds the replaced buffers: drop it (or
/// prepare into a new one) off the audio thread.
///
/// ```
/// use convolve::StreamBuilder;
/// let mut conv = StreamBuilder::new(4).capacity(8).build(&[1.0f64]).unwrap();
/// let mut prepared = conv.prepare_kernel(&[0.0, 2.0]).unwrap(); // any thread
/// conv.set_prepared(&mut prepared).unwrap(); // the audio thread: no transform
/// let mut out = [0.0; 2];
/// conv.process(&[1.0, 0.0], &mut out).unwrap();
/// assert_eq!(out, [0.0, 2.0]);
/// assert!(conv.set_prepared(&mut prepared).is_err()); // installed already
/// ```
pub struct PreparedKernel<T: Element> {
    layout: Fingerprint,
    kernel_len: usize,
    head: Vec<T>,
    /// One bank per segment, with the segment's place: the audio thread's first, then the
    /// background ones.
    spectra: Vec<(layout::Segment, KernelBank<T>)>,
    installed: bool,
}

/// What a prepared kernel must match, with its segments' places and lengths (the element
/// type is `PreparedKernel`'s parameter).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Fingerprint {
    p0: usize,
    capacity: usize,
    channels: usize,
    ins: usize,
    outs: usize,
    latency: Latency,
    fft_head: bool,
    banks: usize,
    head_len: usize,
}

impl<T: Element> std::fmt::Debug for PreparedKernel<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PreparedKernel")
            .field("layout", &self.layout)
            .field("kernel_len", &self.kernel_len)
            .field("installed", &self.installed)
            .finish_non_exhaustive()
    }
}

impl<T: Element> PreparedKernel<T> {
    /// The kernel's length in taps (after installing, the replaced kernel's).
    ///
    /// ```
    /// use convolve::StreamConvolver;
    /// let conv = StreamConvolver::new(&[1.0f32; 4], 2).unwrap();
    /// assert_eq!(conv.prepare_kernel(&[1.0; 3]).unwrap().kernel_len(), 3);
    /// ```
    pub fn kernel_len(&self) -> usize {
        self.kernel_len
    }
}

impl<T: Element> StreamConvolver<T> {
    /// Replaces the kernel, keeping the signal history. Called after `T` samples, every output
    /// from `T + capacity() + latency()` on (often much sooner) is exactly the whole past
    /// signal convolved with the new kernel. The outputs in between blend the two kernels:
    /// the short partitions switch at once, while the outputs the longer partitions had
    /// already begun keep the old kernel's share of the taps they cover (a blend per
    /// partition and frequency, not a switch at one sample; `tests/stream_integers.rs`
    /// measures it exactly). Does not allocate when `kernel.len()` is within the capacity.
    /// With [`StreamBuilder::crossfade`](super::StreamBuilder::crossfade) the output instead
    /// stays the old kernel's for [`fade_delay`](Self::fade_delay) samples, then cross-fades
    /// to the new one (see there). It transforms every partition of the kernel on the calling
    /// thread: for a long kernel on an audio thread, see
    /// [`prepare_kernel`](Self::prepare_kernel).
    ///
    /// ```
    /// use convolve::StreamBuilder;
    /// let mut conv = StreamBuilder::new(4).capacity(8).build(&[1.0f64]).unwrap();
    /// conv.set_kernel(&[0.0, 2.0]).unwrap();
    /// let mut out = [0.0; 2];
    /// conv.process(&[1.0, 0.0], &mut out).unwrap();
    /// assert_eq!(out, [0.0, 2.0]);
    /// assert!(conv.set_kernel(&[1.0; 9]).is_err());
    /// ```
    ///
    /// # Errors
    /// [`ConvError::EmptyInput`] for an empty kernel, [`ConvError::KernelLength`] for one
    /// longer than the capacity.
    pub fn set_kernel(&mut self, kernel: &[T]) -> Result<(), ConvError> {
        self.set_kernels(&[kernel])
    }

    /// [`set_kernel`](Self::set_kernel) for every pair at once (one kernel for a plain
    /// convolver, a matrix's `inputs · outputs`).
    pub(super) fn set_kernels<K: AsRef<[T]>>(&mut self, kernels: &[K]) -> Result<(), ConvError> {
        self.check_kernels(kernels)?;
        self.switch_kernel(|conv, bank| conv.load(kernels, bank));
        Ok(())
    }

    /// Computes on the calling thread, with allocations, everything
    /// [`set_kernel`](Self::set_kernel) would compute for `kernel`, for
    /// [`set_prepared`](Self::set_prepared) to install later: any thread may call it while
    /// another runs the stream (it only reads the plans). The result is bit-identical to
    /// `set_kernel(kernel)` at the point `set_prepared` is called.
    ///
    /// ```
    /// use convolve::StreamBuilder;
    /// let conv = StreamBuilder::new(64).capacity(48_000).build(&[1.0f32]).unwrap();
    /// let ir = vec![0.5f32; 48_000];
    /// let prepared = std::thread::scope(|s| s.spawn(|| conv.prepare_kernel(&ir)).join())
    ///     .unwrap()
    ///     .unwrap();
    /// assert_eq!(prepared.kernel_len(), 48_000);
    /// ```
    ///
    /// # Errors
    /// As [`set_kernel`](Self::set_kernel), and [`ConvError::Allocation`].
    pub fn prepare_kernel(&self, kernel: &[T]) -> Result<PreparedKernel<T>, ConvError> {
        self.prepare_kernels(&[kernel])
    }

    /// [`prepare_kernel`](Self::prepare_kernel) for every pair at once.
    pub(super) fn prepare_kernels<K: AsRef<[T]>>(
        &self,
        kernels: &[K],
    ) -> Result<PreparedKernel<T>, ConvError> {
        self.check_kernels(kernels)?;
        let mut head = try_zeroed(self.head.len() / self.banks)?;
        fill_heads(&mut head, kernels, self.head_len);
        let tap = taps(kernels, self.latency());
        let mut scratch = self.scratch.try_clone()?;
        let segments = self.segments.iter().chain(self.bg.segments());
        let mut spectra = Vec::new();
        spectra
            .try_reserve_exact(self.segments.len() + self.bg.segments().count())
            .map_err(|_| ConvError::Allocation { bytes: usize::MAX })?;
        for seg in segments {
            let mut bank =
                KernelBank::zeroed(seg.ins * seg.outs, seg.bank_len() / (seg.ins * seg.outs))?;
            seg.kernel_spectra(&tap, &mut bank, &mut scratch);
            spectra.push((seg.spec, bank));
        }
        Ok(PreparedKernel {
            layout: self.fingerprint(),
            kernel_len: longest(kernels),
            head,
            spectra,
            installed: false,
        })
    }

    /// Installs a kernel made by [`prepare_kernel`](Self::prepare_kernel), exactly as
    /// [`set_kernel`](Self::set_kernel) would at this point, cross-fade included, with no
    /// transform, no allocation and no free, whatever the kernel's length: it swaps the
    /// spectra's buffers with the bank it replaces (`prepared` gets the old ones back, to
    /// drop or reuse off the audio thread); only the direct head's taps, at most a block's
    /// per kernel, are copied when a cross-fade keeps two banks. Jobs in flight on worker
    /// threads are completed first, as `set_kernel` does.
    ///
    /// ```
    /// use convolve::StreamBuilder;
    /// let mut conv = StreamBuilder::new(4).capacity(8).build(&[1.0f64]).unwrap();
    /// let other = StreamBuilder::new(8).capacity(8).build(&[1.0f64]).unwrap();
    /// let mut foreign = other.prepare_kernel(&[2.0]).unwrap();
    /// assert!(conv.set_prepared(&mut foreign).is_err()); // another block length
    /// ```
    ///
    /// # Errors
    /// [`ConvError::PreparedKernel`] when `prepared` comes from a convolver with another
    /// layout or was installed already; nothing changes then.
    pub fn set_prepared(&mut self, prepared: &mut PreparedKernel<T>) -> Result<(), ConvError> {
        if prepared.installed {
            return Err(ConvError::PreparedKernel { what: "installed" });
        }
        let lens = self.segments.iter().chain(self.bg.segments());
        if prepared.layout != self.fingerprint()
            || prepared.spectra.len() != self.segments.len() + self.bg.segments().count()
            || lens
                .zip(&prepared.spectra)
                .any(|(seg, (spec, s))| seg.spec != *spec || seg.bank_len() != s.spectra.len())
        {
            return Err(ConvError::PreparedKernel { what: "layout" });
        }
        self.switch_kernel(|conv, bank| {
            std::mem::swap(&mut conv.kernel_lens[bank], &mut prepared.kernel_len);
            let len = prepared.head.len();
            if conv.banks == 1 {
                std::mem::swap(&mut conv.head, &mut prepared.head);
            } else {
                conv.head[bank * len..(bank + 1) * len].copy_from_slice(&prepared.head);
            }
            let n = conv.segments.len();
            for (seg, (_, s)) in conv.segments.iter_mut().zip(&mut prepared.spectra[..n]) {
                seg.install(bank, s);
            }
            conv.bg.settle(&mut conv.scratch);
            for (seg, (_, s)) in conv.bg.segments_mut().zip(&mut prepared.spectra[n..]) {
                seg.install(bank, s);
            }
        });
        prepared.installed = true;
        Ok(())
    }

    fn check_kernels<K: AsRef<[T]>>(&self, kernels: &[K]) -> Result<(), ConvError> {
        check_kernels(kernels, self.ins * self.outs, self.capacity)
    }

    fn fingerprint(&self) -> Fingerprint {
        Fingerprint {
            p0: self.p0,
            capacity: self.capacity,
            channels: self.channels.len(),
            ins: self.ins,
            outs: self.outs,
            latency: self.latency,
            fft_head: self.fft_head,
            banks: self.banks,
            head_len: self.head_len,
        }
    }

    /// Puts a new kernel in place with `install(self, bank)`, which must complete the jobs
    /// in flight before it changes the background segments.
    fn switch_kernel(&mut self, install: impl FnOnce(&mut Self, usize)) {
        if self.banks == 1 {
            return install(self, 0);
        }
        // Cross-fade: the new kernel goes to the other bank, unless a fade is still running,
        // in which case it replaces that fade's target (the fade restarts from the old kernel).
        let end = self.fade_delay + self.fade_len;
        for c in &mut self.channels {
            if !c.fading(end) {
                c.fade = None;
            }
        }
        let fading = self.channels.iter().any(|c| c.fade.is_some());
        let target = if fading { self.bank } else { 1 - self.bank };
        install(self, target);
        self.bank = target;
        let len = self.outs * self.out_len;
        for c in &mut self.channels {
            // A channel with no history has nothing to fade from.
            c.fade = (c.t > 0).then_some(c.t);
            c.output[target * len..(target + 1) * len].fill(T::default());
            for line in &mut c.lines {
                line.clear_bank(target);
            }
        }
        // `install` completed the jobs in flight.
        for (work, ring) in self.bg.lanes_mut() {
            work.line.clear_bank(target);
            let len = ring.len() / self.banks;
            ring[target * len..(target + 1) * len].fill(T::default());
        }
    }

    /// Loads `kernels` (already checked, one per pair) into `bank`.
    pub(super) fn load<K: AsRef<[T]>>(&mut self, kernels: &[K], bank: usize) {
        self.kernel_lens[bank] = longest(kernels);
        let len = self.head.len() / self.banks;
        fill_heads(
            &mut self.head[bank * len..(bank + 1) * len],
            kernels,
            self.head_len,
        );
        let tap = taps(kernels, self.latency());
        for seg in &mut self.segments {
            seg.load_kernel(bank, &tap, &mut self.scratch);
        }
        // Jobs in flight finish with the old kernel first, with or without workers.
        self.bg.settle(&mut self.scratch);
        for seg in self.bg.segments_mut() {
            seg.load_kernel(bank, &tap, &mut self.scratch);
        }
    }
}

/// Virtual tap `v` of pair `pair`'s kernel, delayed by `shift` (see layout.rs).
fn taps<T: Element, K: AsRef<[T]>>(kernels: &[K], shift: usize) -> impl Fn(usize, usize) -> T {
    move |pair: usize, v: usize| {
        v.checked_sub(shift)
            .and_then(|k| kernels[pair].as_ref().get(k).copied())
            .unwrap_or_default()
    }
}

/// Each pair's first `len` taps (zero beyond its kernel) into `head`, `len` per pair.
fn fill_heads<T: Element, K: AsRef<[T]>>(head: &mut [T], kernels: &[K], len: usize) {
    if len == 0 {
        return;
    }
    for (head, kernel) in head.chunks_exact_mut(len).zip(kernels) {
        let kernel = kernel.as_ref();
        let h = len.min(kernel.len());
        head[..h].copy_from_slice(&kernel[..h]);
        head[h..].fill(T::default());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prepared_kernels_are_send() {
        fn send<S: Send>() {}
        send::<PreparedKernel<f32>>();
        send::<PreparedKernel<i64>>();
        send::<PreparedKernel<num_complex::Complex<f64>>>();
    }
}
