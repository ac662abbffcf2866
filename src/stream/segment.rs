//! One uniformly partitioned overlap-save segment: the kernel partitions' spectra (shared by
//! every channel) and, per channel, the frequency-domain delay line of input spectra.
//!
//! Every `size` input samples (a *period*, starting at a trigger `T`) the last `2·size` inputs
//! are transformed once into the delay line; the sum of `X[k - p] · H_p` over the partitions
//! is transformed back and its second half is the segment's contribution to `size` outputs.
//!
//! That work is spread over the period's `size / p0` blocks (Wefers' time-distributed
//! scheme): the forward transform runs at one block boundary, the inverse at a later one, and
//! the multiply-adds of the older partitions (whose inputs are known before `T`) are done a
//! slice of bins per block. The segment's outputs are then needed only `size - p0` samples
//! later than without spreading, hence the layout's `offset >= 2·size - p0`. Segments of
//! different sizes put their transforms at different block boundaries ([`Schedule`]).

use num_complex::Complex;
use num_traits::{Float, FromPrimitive, Zero};

use crate::alloc::{TryClone, try_clone_all, try_copy, try_zeroed};
use crate::element::private::Scalar;
use crate::error::ConvError;
use crate::fft::{FftFloat, TransformKind, Transformable};
use crate::simd::{VectorLoop, run_vectorized};

use super::layout;
use super::limbs::Limbs;

mod head;

pub(crate) type Sample<T> = <<T as Transformable>::Transform as TransformKind>::Sample;
pub(crate) type Bin<T> = Complex<<<T as Transformable>::Transform as TransformKind>::F>;

/// Kernel side: plans and the partitions' spectra, scaled by the inverse's `1 / (2·size)`,
/// in one or two banks (two for a cross-fade: old and new kernel), one kernel per (input,
/// output) pair of a matrix (one for a plain convolver), one per kernel limb (integers, see
/// `limbs.rs`): bank `bank`'s vector, index `((pair · count + partition) · limbs + limb) · bins`
/// with `pair = input · outs + output`. One vector per bank, so that a prepared kernel is
/// installed into either bank by swapping vectors, never by copying.
pub(crate) struct Segment<T: Scalar> {
    pub spec: layout::Segment,
    plans: <T::Transform as TransformKind>::Plans,
    bins: usize,
    banks: usize,
    limbs: Limbs,
    /// Inputs and outputs of a matrix (1 and 1 for a plain convolver's channel): each input's
    /// spectrum is transformed once and each output's sum transformed back once, whatever the
    /// number of pairs.
    pub ins: usize,
    pub outs: usize,
    pub(super) kernel: Vec<KernelBank<T>>,
    schedule: Schedule,
}

/// One bank of a segment's kernel spectra, and which pairs are silent in it (all their taps
/// in the segment zero): their multiply-adds are skipped, so a matrix with pairs that have no
/// route (a stereo set in a 2 × 2 matrix) costs no more than its routes, and an input's
/// infinity reaches no output through a silent pair.
#[derive(Default)]
pub(crate) struct KernelBank<T: Scalar> {
    pub spectra: Vec<Bin<T>>,
    pub silent: Vec<bool>,
}

impl<T: Scalar> TryClone for KernelBank<T> {
    fn try_clone(&self) -> Result<Self, ConvError> {
        Ok(KernelBank {
            spectra: try_copy(&self.spectra)?,
            silent: try_copy(&self.silent)?,
        })
    }
}

impl<T: Scalar> KernelBank<T> {
    /// Zero spectra (every pair silent) for `pairs` pairs of `pair_len` bins.
    pub fn zeroed(pairs: usize, pair_len: usize) -> Result<Self, ConvError> {
        Ok(KernelBank {
            spectra: try_zeroed(checked(pairs, pair_len)?)?,
            silent: {
                let mut silent = try_zeroed(pairs)?;
                silent.fill(true);
                silent
            },
        })
    }

    /// Marks the pairs whose spectra are all zero (their taps are: the transform is
    /// invertible) as silent.
    pub fn find_silent(&mut self) {
        let len = self.spectra.len() / self.silent.len().max(1);
        for (silent, pair) in self
            .silent
            .iter_mut()
            .zip(self.spectra.chunks_exact(len.max(1)))
        {
            *silent = pair.iter().all(|b| b.is_zero());
        }
    }
}

/// Which of a period's blocks (counted from 0 at the trigger) run the forward and the inverse
/// transform; the multiply-adds are sliced over blocks `0 ..= inverse`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Schedule {
    pub blocks: usize,
    pub forward: usize,
    pub inverse: usize,
}

impl Schedule {
    /// The `rank`-th largest spread segment (0 for the largest) of `blocks` blocks per period:
    /// forward at block `rank`, inverse at `blocks - 1 - rank`. All sizes are `p0` times powers
    /// of two, so the boundary of block `b` of one segment is that of block `b mod blocks'` of
    /// every smaller one: with distinct ranks below `blocks / 2`, no two segments' transforms
    /// share a block. Segments too short for their rank keep forward 0, inverse last.
    pub fn new(blocks: usize, rank: usize) -> Self {
        let (forward, inverse) = if blocks >= 2 * rank + 2 {
            (rank, blocks - 1 - rank)
        } else {
            (0, blocks - 1)
        };
        Schedule {
            blocks,
            forward,
            inverse,
        }
    }
}

/// Channel side: the delay line of the last `count` input spectra of each input (shared by
/// the banks; one per input limb, index `((input · count + slot) · limbs + limb) · bins`) and
/// the running sum of each bank, output and limb weight (index
/// `((bank · outs + output) · limbs + weight) · bins`).
pub(crate) struct DelayLine<T: Scalar> {
    pub(super) spectra: Vec<Bin<T>>,
    /// The FFT head's newest slot (other segments index slots by period: `k mod count`).
    pub(super) head: usize,
    /// The FFT head: the sum over its partitions but the first, for the current block.
    /// Others: the sum of the current period's products so far.
    pub(super) acc: Vec<Bin<T>>,
    /// The length of one bank's sums (every output's and limb weight's).
    bank_len: usize,
}

/// Buffers shared by all segments and channels, sized for the largest segment.
pub(crate) struct Scratch<T: Scalar> {
    pub time: Vec<Sample<T>>,
    pub sum: Vec<Bin<T>>,
    pub fft: Vec<Bin<T>>,
    /// The FFT head's spectra of a partial block, one per input and limb.
    pub partial: Vec<Bin<T>>,
}

// By hand: `derive` would ask for `T::Transform: Clone`, which the plans do not need.
impl<T: Scalar> TryClone for Segment<T> {
    fn try_clone(&self) -> Result<Self, ConvError> {
        Ok(Segment {
            spec: self.spec,
            plans: self.plans.clone(),
            bins: self.bins,
            banks: self.banks,
            limbs: self.limbs,
            ins: self.ins,
            outs: self.outs,
            kernel: try_clone_all(&self.kernel)?,
            schedule: self.schedule,
        })
    }
}

impl<T: Scalar> TryClone for DelayLine<T> {
    fn try_clone(&self) -> Result<Self, ConvError> {
        Ok(DelayLine {
            spectra: try_copy(&self.spectra)?,
            head: self.head,
            acc: try_copy(&self.acc)?,
            bank_len: self.bank_len,
        })
    }
}

impl<T: Scalar> TryClone for Scratch<T> {
    fn try_clone(&self) -> Result<Self, ConvError> {
        Ok(Scratch {
            time: try_copy(&self.time)?,
            sum: try_copy(&self.sum)?,
            fft: try_copy(&self.fft)?,
            partial: try_copy(&self.partial)?,
        })
    }
}

impl<T: Scalar> Segment<T> {
    /// A segment of `banks` banks for an `ins` × `outs` matrix (1 × 1 for one channel).
    pub fn new(
        spec: layout::Segment,
        schedule: Schedule,
        banks: usize,
        limbs: Limbs,
        (ins, outs): (usize, usize),
    ) -> Result<Self, ConvError> {
        let len = 2 * spec.size;
        let plans = T::Transform::plans(len);
        let bins = T::Transform::spec_len(len);
        let mut seg = Segment {
            spec,
            plans,
            bins,
            banks,
            limbs,
            ins,
            outs,
            kernel: Vec::new(),
            schedule,
        };
        let pairs = checked(ins, outs)?;
        seg.kernel = (0..banks)
            .map(|_| KernelBank::zeroed(pairs, seg.pair_len()))
            .collect::<Result<_, _>>()?;
        Ok(seg)
    }

    /// The period's last block with work (the inverse's).
    pub fn last_block(&self) -> usize {
        self.schedule.inverse
    }

    pub fn scratch_len(&self) -> usize {
        T::Transform::scratch_len(&self.plans)
    }

    pub fn bins(&self) -> usize {
        self.bins
    }

    pub fn new_line(&self) -> Result<DelayLine<T>, ConvError> {
        let lanes = self.bins * self.limbs.count;
        Ok(DelayLine {
            spectra: try_zeroed(checked(self.ins * self.spec.count, lanes)?)?,
            head: 0,
            acc: try_zeroed(checked(self.banks * self.outs, lanes)?)?,
            bank_len: self.outs * lanes,
        })
    }

    /// The length of one kernel's spectra.
    fn pair_len(&self) -> usize {
        self.spec.count * self.bins * self.limbs.count
    }

    /// The length of one bank's spectra (every pair's).
    pub fn bank_len(&self) -> usize {
        self.ins * self.outs * self.pair_len()
    }

    /// Recomputes bank `bank`'s spectra from `tap(pair, v)`, the kernel of pair `pair` at
    /// virtual tap `v` (zero outside it).
    pub fn load_kernel(
        &mut self,
        bank: usize,
        tap: impl Fn(usize, usize) -> T,
        scratch: &mut Scratch<T>,
    ) {
        // `take` leaves empty vectors: no allocation.
        let mut kernel = std::mem::take(&mut self.kernel[bank]);
        self.kernel_spectra(&tap, &mut kernel, scratch);
        self.kernel[bank] = kernel;
    }

    /// One bank's spectra of `tap(pair, v)` into `kernel` (`bank_len` bins), and its silent
    /// pairs: what `load_kernel` writes, for `PreparedKernel` to compute on any thread.
    pub fn kernel_spectra(
        &self,
        tap: impl Fn(usize, usize) -> T,
        kernel: &mut KernelBank<T>,
        scratch: &mut Scratch<T>,
    ) {
        let spectra = &mut kernel.spectra;
        let (size, limbs) = (self.spec.size, self.limbs);
        let time = &mut scratch.time[..2 * size];
        let scale = <T::Transform as TransformKind>::F::from_usize(2 * size)
            .expect("length fits a float")
            .recip();
        let per_pair = self.spec.count * limbs.count;
        for (i, spectrum) in spectra.chunks_exact_mut(self.bins).enumerate() {
            let (pair, i) = (i / per_pair, i % per_pair);
            let (p, (shift, top)) = (i / limbs.count, limbs.limb(i % limbs.count));
            let first = self.spec.offset + p * size;
            for (i, t) in time[..size].iter_mut().enumerate() {
                *t = tap(pair, first + i).limb(shift, limbs.bits, top);
            }
            time[size..].fill(Default::default());
            T::Transform::forward(&self.plans, time, spectrum, &mut scratch.fft);
            for b in spectrum.iter_mut() {
                *b = *b * scale;
            }
        }
        kernel.find_silent();
    }

    /// Installs `kernel` (one bank, from `kernel_spectra`) as bank `bank`: a swap of the
    /// vectors (`kernel` gets the old ones).
    pub fn install(&mut self, bank: usize, kernel: &mut KernelBank<T>) {
        std::mem::swap(&mut self.kernel[bank], kernel);
    }

    /// This segment's share of the work at block boundary `t` (a multiple of `p0`): `input`
    /// holds one input ring per input, end to end (the input at time `u` is at `u mod n` of
    /// its ring; each holds at least the `2·size` inputs before the period's trigger);
    /// `banks` the banks to run. The inverse hands `out(slot, limb shift, first output time,
    /// values)` the `size` values to add to output slot `bank · outs + output`.
    #[allow(clippy::too_many_arguments)]
    pub fn step(
        &self,
        line: &mut DelayLine<T>,
        banks: &[usize],
        t: usize,
        p0: usize,
        input: &[T],
        mut out: impl FnMut(usize, u32, usize, &[Sample<T>]),
        scratch: &mut Scratch<T>,
    ) {
        let (size, count, bins, limbs) = (self.spec.size, self.spec.count, self.bins, self.limbs);
        let Schedule {
            blocks,
            forward,
            inverse,
        } = self.schedule;
        let block = t % size / p0;
        if block > inverse {
            return;
        }
        debug_assert!(blocks * p0 == size);
        let trigger = t - t % size;
        let newest = trigger / size % count;
        // Input `i`'s partition `p` spectrum of limb `j`.
        let slot = |i: usize, p: usize, j: usize| {
            ((i * count + (newest + count - p) % count) * limbs.count + j) * bins
        };
        if block == forward {
            // X[k]: the inputs trigger - 2·size .. trigger, one transform per input and limb.
            let n = input.len() / self.ins;
            let start = (trigger % n + n - 2 * size) % n;
            let first = (n - start).min(2 * size);
            for (i, ring) in input.chunks_exact(n).enumerate() {
                for j in 0..limbs.count {
                    let time = &mut scratch.time[..2 * size];
                    let (a, b) = time.split_at_mut(first);
                    limb(a, &ring[start..start + first], limbs, j);
                    limb(b, &ring[..2 * size - first], limbs, j);
                    let x = &mut line.spectra[slot(i, 0, j)..slot(i, 0, j) + bins];
                    T::Transform::forward(&self.plans, time, x, &mut scratch.fft);
                }
            }
        }
        // This block's slice of bins of the older partitions' products.
        let (lo, hi) = (
            block * bins / (inverse + 1),
            (block + 1) * bins / (inverse + 1),
        );
        let spectra = &line.spectra;
        self.sums(banks, &mut line.acc, |bank, o, s, acc| {
            for i in 0..self.ins {
                let Some(kernel) = self.pair(bank, i, o) else {
                    continue;
                };
                let h = |p: usize, k: usize| (p * limbs.count + k) * bins;
                for (j, k) in limbs.pairs(s) {
                    if block == forward {
                        mac(
                            acc,
                            &spectra[slot(i, 0, j)..][..bins],
                            &kernel[h(0, k)..][..bins],
                        );
                    }
                    for p in 1..count {
                        let x = &spectra[slot(i, p, j) + lo..slot(i, p, j) + hi];
                        let h = &kernel[h(p, k) + lo..h(p, k) + hi];
                        mac(&mut acc[lo..hi], x, h);
                    }
                }
            }
            if block == inverse {
                let time = &mut scratch.time[..2 * size];
                T::Transform::inverse(&self.plans, acc, time, &mut scratch.fft);
                acc.fill(Complex::zero());
                // Outputs trigger - size + offset ..: not before t + p0 (the layout's
                // offset).
                let first = trigger + self.spec.offset - size;
                out(bank * self.outs + o, limbs.limb(s).0, first, &time[size..]);
            }
        });
    }

    /// Calls `f(bank, output, limb weight, sum)` on each of `banks`' running sums in `acc`
    /// (`DelayLine::acc`'s layout).
    fn sums(
        &self,
        banks: &[usize],
        acc: &mut [Bin<T>],
        mut f: impl FnMut(usize, usize, usize, &mut [Bin<T>]),
    ) {
        let (bins, weights) = (self.bins, self.limbs.count);
        for &bank in banks {
            for o in 0..self.outs {
                for s in 0..weights {
                    let at = ((bank * self.outs + o) * weights + s) * bins;
                    f(bank, o, s, &mut acc[at..at + bins]);
                }
            }
        }
    }

    /// Bank `bank`'s spectra of the kernel from input `i` to output `o`, or `None` when
    /// that pair is silent in this segment.
    fn pair(&self, bank: usize, i: usize, o: usize) -> Option<&[Bin<T>]> {
        let (len, pair) = (self.pair_len(), i * self.outs + o);
        let kernel = &self.kernel[bank];
        (!kernel.silent[pair]).then(|| &kernel.spectra[pair * len..][..len])
    }
}

/// Where `len` outputs from time `first` on lie in a ring of `n` (the output at time `u` is at
/// `u mod n`): a range from `first mod n`, then one from 0 when it wraps.
pub(crate) fn ring_ranges(n: usize, first: usize, len: usize) -> [std::ops::Range<usize>; 2] {
    let first = first % n;
    let until = (n - first).min(len);
    [first..first + until, 0..len - until]
}

/// Adds limb values `values` (shifted by `shift`) to `a` then `b` (a ring's two ranges).
pub(crate) fn add_limbs<T: Scalar>(a: &mut [T], b: &mut [T], shift: u32, values: &[Sample<T>]) {
    for (o, &r) in a.iter_mut().chain(b.iter_mut()).zip(values) {
        *o = T::add_limb(*o, r, shift);
    }
}

impl<T: Scalar> Scratch<T> {
    /// Scratch for `segments` (and the FFT head's partial spectra, `partial` bins).
    pub fn new<'a>(
        segments: impl IntoIterator<Item = &'a Segment<T>>,
        partial: usize,
    ) -> Result<Self, ConvError>
    where
        T: 'a,
    {
        let (mut size, mut bins, mut fft) = (0, 0, 0);
        for s in segments {
            size = size.max(s.spec.size);
            bins = bins.max(s.bins);
            fft = fft.max(s.scratch_len());
        }
        Ok(Scratch {
            time: try_zeroed(2 * size)?,
            sum: try_zeroed(bins)?,
            fft: try_zeroed(fft)?,
            partial: try_zeroed(partial)?,
        })
    }
}

impl<T: Scalar> DelayLine<T> {
    pub fn clear(&mut self) {
        self.spectra.fill(Complex::zero());
        self.acc.fill(Complex::zero());
        self.head = 0;
    }

    /// Forgets every running sum.
    pub fn clear_sums(&mut self) {
        self.acc.fill(Complex::zero());
    }

    /// Forgets bank `bank`'s running sum (the delay line stays).
    pub fn clear_bank(&mut self, bank: usize) {
        self.acc[bank * self.bank_len..(bank + 1) * self.bank_len].fill(Complex::zero());
    }
}

/// `a · b`, or [`ConvError::Allocation`] when it overflows (a buffer that could not exist).
fn checked(a: usize, b: usize) -> Result<usize, ConvError> {
    a.checked_mul(b)
        .ok_or(ConvError::Allocation { bytes: usize::MAX })
}

/// `dst[i]` = limb `j` of `src[i]` (the sample itself for floats).
#[inline]
fn limb<T: Scalar>(dst: &mut [Sample<T>], src: &[T], limbs: Limbs, j: usize) {
    let (shift, top) = limbs.limb(j);
    for (d, &s) in dst.iter_mut().zip(src) {
        *d = s.limb(shift, limbs.bits, top);
    }
}

/// `out[k] = acc[k] + x[k] · h[k]`: [`mac`] without copying `acc` first.
#[inline]
fn mac_to<F: FftFloat>(
    out: &mut [Complex<F>],
    acc: &[Complex<F>],
    x: &[Complex<F>],
    h: &[Complex<F>],
) {
    run_vectorized(MacTo { out, acc, x, h });
}

/// `acc[k] += x[k] · h[k]`: the spectral multiply-add every segment runs per partition.
#[inline]
fn mac<F: FftFloat>(acc: &mut [Complex<F>], x: &[Complex<F>], h: &[Complex<F>]) {
    run_vectorized(Mac { acc, x, h });
}

/// [`mac_to`]'s loop, compiled for AVX2 and FMA where the CPU has them (`simd::run_vectorized`;
/// docs/PERFORMANCE.md, "Why the small loops are compiled for AVX2").
struct MacTo<'a, F> {
    out: &'a mut [Complex<F>],
    acc: &'a [Complex<F>],
    x: &'a [Complex<F>],
    h: &'a [Complex<F>],
}

impl<F: FftFloat> VectorLoop for MacTo<'_, F> {
    type Out = ();
    #[inline(always)]
    fn run(self) {
        for (((o, &a), &x), &h) in self.out.iter_mut().zip(self.acc).zip(self.x).zip(self.h) {
            *o = mul_add(a, x, h);
        }
    }
}

/// [`mac`]'s loop, as [`MacTo`].
struct Mac<'a, F> {
    acc: &'a mut [Complex<F>],
    x: &'a [Complex<F>],
    h: &'a [Complex<F>],
}

impl<F: FftFloat> VectorLoop for Mac<'_, F> {
    type Out = ();
    #[inline(always)]
    fn run(self) {
        for ((a, &x), &h) in self.acc.iter_mut().zip(self.x).zip(self.h) {
            *a = mul_add(*a, x, h);
        }
    }
}

/// `a + x · h`, written on split re/im parts so that the loops above vectorize.
#[inline(always)]
fn mul_add<F: FftFloat>(a: Complex<F>, x: Complex<F>, h: Complex<F>) -> Complex<F> {
    Complex::new(
        a.re + x.re * h.re - x.im * h.im,
        a.im + x.re * h.im + x.im * h.re,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Over one period of the largest segment, in the bench grid's layouts: no block boundary
    /// runs two transforms of segments longer than 4 blocks, and each spread segment runs one
    /// forward and one inverse per period, the inverse in time for its outputs.
    #[test]
    fn large_transforms_never_share_a_block() {
        for taps in [1024, 16_384, 96_000, 480_000, 1_000_000] {
            for p0 in [32, 64, 128, 512] {
                let specs = layout::segments(p0, 0, taps, false);
                let n = specs.len();
                let schedules: Vec<_> = specs
                    .iter()
                    .enumerate()
                    .map(|(i, s)| Schedule::new(s.size / p0, n - 1 - i))
                    .collect();
                let largest = specs.iter().map(|s| s.size).max().unwrap();
                for b in 0..largest / p0 {
                    let t = b * p0;
                    let busy = specs
                        .iter()
                        .zip(&schedules)
                        .skip(1) // the FFT head
                        .filter(|(s, _)| s.size > 4 * p0)
                        .map(|(s, sc)| {
                            let at = t % s.size / p0;
                            (at == sc.forward) as usize + (at == sc.inverse) as usize
                        })
                        .sum::<usize>();
                    assert!(busy <= 1, "{taps} {p0} t={t} {specs:?} {schedules:?}");
                }
                for (s, sc) in specs.iter().zip(&schedules).skip(1) {
                    assert!(sc.forward <= sc.inverse && sc.inverse < sc.blocks, "{sc:?}");
                    // The inverse at boundary trigger + inverse·p0 adds outputs from
                    // trigger - size + offset on, which are read after that boundary.
                    assert!(s.offset - s.size >= sc.inverse * p0, "{s:?} {sc:?}");
                }
            }
        }
    }
}
