//! One uniformly partitioned overlap-save segment: the kernel partitions' spectra (shared by
//! every channel) and, per channel, the frequency-domain delay line of input spectra.
//!
//! Every `size` input samples the last `2·size` inputs are transformed once into the delay
//! line; the sum of `delay_line[k - p] · H_p` over the partitions is transformed back and its
//! second half is the segment's contribution to `size` outputs.

use num_complex::Complex;
use num_traits::{Float, FromPrimitive, Zero};

use crate::ConvError;
use crate::element::private::Scalar;
use crate::error::try_zeroed;
use crate::fft::{Domain, FftFloat};

use super::layout;

pub(crate) type Time<T> = <<T as Scalar>::Domain as Domain>::Time;
pub(crate) type Bin<T> = Complex<<<T as Scalar>::Domain as Domain>::F>;

/// Kernel side: plans and the partitions' spectra, scaled by the inverse's `1 / (2·size)`.
pub(crate) struct Segment<T: Scalar> {
    pub spec: layout::Segment,
    plans: <T::Domain as Domain>::Plans,
    bins: usize,
    spectra: Vec<Bin<T>>,
}

/// Channel side: the delay line of the last `count` input spectra, `head` the newest slot.
pub(crate) struct Line<T: Scalar> {
    spectra: Vec<Bin<T>>,
    head: usize,
}

/// Buffers shared by all segments and channels, sized for the largest segment.
pub(crate) struct Scratch<T: Scalar> {
    pub time: Vec<Time<T>>,
    pub sum: Vec<Bin<T>>,
    pub fft: Vec<Bin<T>>,
    /// The FFT head's spectrum of a partial block.
    pub partial: Vec<Bin<T>>,
}

impl<T: Scalar> Segment<T> {
    pub fn new(spec: layout::Segment) -> Result<Self, ConvError> {
        let len = 2 * spec.size;
        let plans = T::Domain::plans(len);
        let bins = T::Domain::spec_len(len);
        Ok(Segment {
            spec,
            plans,
            bins,
            spectra: try_zeroed(bins * spec.count)?,
        })
    }

    pub fn scratch_len(&self) -> usize {
        T::Domain::scratch_len(&self.plans)
    }

    pub fn bins(&self) -> usize {
        self.bins
    }

    pub fn new_line(&self) -> Result<Line<T>, ConvError> {
        Ok(Line {
            spectra: try_zeroed(self.bins * self.spec.count)?,
            head: 0,
        })
    }

    /// Recomputes the spectra from `tap(v)`, the kernel at virtual tap `v` (zero outside it).
    pub fn load_kernel(&mut self, tap: impl Fn(usize) -> T, scratch: &mut Scratch<T>) {
        let size = self.spec.size;
        let time = &mut scratch.time[..2 * size];
        let scale = <T::Domain as Domain>::F::from_usize(2 * size)
            .expect("length fits a float")
            .recip();
        for (p, spectrum) in self.spectra.chunks_exact_mut(self.bins).enumerate() {
            let first = self.spec.offset + p * size;
            for (i, t) in time[..size].iter_mut().enumerate() {
                *t = tap(first + i).to_time();
            }
            time[size..].fill(Default::default());
            T::Domain::forward(&self.plans, time, spectrum, &mut scratch.fft);
            for b in spectrum.iter_mut() {
                *b = *b * scale;
            }
        }
    }

    /// Runs the segment once: `window` holds the last `2·size` inputs (oldest first); the
    /// `size` outputs are added to `out` (which may wrap: `out.0` then `out.1`).
    pub fn run(
        &self,
        line: &mut Line<T>,
        window: (&[Time<T>], &[Time<T>]),
        out: (&mut [T], &mut [T]),
        scratch: &mut Scratch<T>,
    ) {
        let (size, count, bins) = (self.spec.size, self.spec.count, self.bins);
        let time = &mut scratch.time[..2 * size];
        time[..window.0.len()].copy_from_slice(window.0);
        time[window.0.len()..].copy_from_slice(window.1);
        line.head = if line.head == 0 {
            count - 1
        } else {
            line.head - 1
        };
        let newest = &mut line.spectra[line.head * bins..(line.head + 1) * bins];
        T::Domain::forward(&self.plans, time, newest, &mut scratch.fft);

        // sum = Σ_p X[k - p] · H_p; the delay line is a ring whose slot `head + p` is X[k - p].
        let sum = &mut scratch.sum[..bins];
        sum.fill(Complex::zero());
        let (older, newer) = line.spectra.split_at(line.head * bins);
        let slots = newer.chunks_exact(bins).chain(older.chunks_exact(bins));
        for (x, h) in slots.zip(self.spectra.chunks_exact(bins)) {
            mac(sum, x, h);
        }
        T::Domain::inverse(&self.plans, sum, time, &mut scratch.fft);
        let result = &time[size..];
        let (a, b) = out;
        for (o, &r) in a.iter_mut().chain(b.iter_mut()).zip(result) {
            *o = T::add(*o, T::from_time(r));
        }
    }
}

impl<T: Scalar> Segment<T> {
    /// The FFT head (a segment at offset 0), once per call: `prev` is the previous block of
    /// `size` inputs and `cur` the current block so far, whose last `out.len()` samples are new.
    /// The partial window is transformed, multiplied by partition 0's spectrum, added to
    /// `older` (the other partitions' sum, made when the previous block completed) and
    /// transformed back; the samples of `out`'s positions are added to `out`. When `cur` is
    /// complete, its spectrum enters the delay line and `older` is made for the next block.
    pub fn run_head(
        &self,
        line: &mut Line<T>,
        older: &mut [Bin<T>],
        (prev, cur): (&[Time<T>], &[Time<T>]),
        out: &mut [T],
        scratch: &mut Scratch<T>,
    ) {
        let (size, count, bins) = (self.spec.size, self.spec.count, self.bins);
        let time = &mut scratch.time[..2 * size];
        time[..size].copy_from_slice(prev);
        time[size..size + cur.len()].copy_from_slice(cur);
        time[size + cur.len()..].fill(Default::default());
        let full = cur.len() == size;
        let x = if full {
            line.head = if line.head == 0 {
                count - 1
            } else {
                line.head - 1
            };
            &mut line.spectra[line.head * bins..(line.head + 1) * bins]
        } else {
            &mut scratch.partial[..bins]
        };
        T::Domain::forward(&self.plans, time, x, &mut scratch.fft);
        let sum = &mut scratch.sum[..bins];
        sum.copy_from_slice(older);
        mac(sum, x, &self.spectra[..bins]);
        T::Domain::inverse(&self.plans, sum, time, &mut scratch.fft);
        let first = size + cur.len() - out.len();
        for (o, &r) in out.iter_mut().zip(&time[first..]) {
            *o = T::add(*o, T::from_time(r));
        }
        if full {
            // Next block: older = Σ_{p ≥ 1} X[k + 1 - p] · H_p, slot `head + p - 1`.
            older.fill(Complex::zero());
            let (front, back) = line.spectra.split_at(line.head * bins);
            let slots = back.chunks_exact(bins).chain(front.chunks_exact(bins));
            for (x, h) in slots.zip(self.spectra.chunks_exact(bins).skip(1)) {
                mac(older, x, h);
            }
        }
    }
}

impl<T: Scalar> Line<T> {
    pub fn clear(&mut self) {
        self.spectra.fill(Complex::zero());
        self.head = 0;
    }
}

/// `acc[k] += x[k] · h[k]`, written on split re/im parts so that it vectorizes.
#[inline]
fn mac<F: FftFloat>(acc: &mut [Complex<F>], x: &[Complex<F>], h: &[Complex<F>]) {
    for ((a, x), h) in acc.iter_mut().zip(x).zip(h) {
        a.re = a.re + x.re * h.re - x.im * h.im;
        a.im = a.im + x.re * h.im + x.im * h.re;
    }
}
