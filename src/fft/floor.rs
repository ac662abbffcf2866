//! The FFT method's floor, for the benchmarks.

use num_complex::Complex;

use crate::alloc::try_zeroed;
use crate::error::ConvError;

use super::cache::{FftFloat, RealPlans};
use super::fast_len::cyclic_len;
use super::product::multiply;
use super::transform::{RealTransform, TransformKind};

/// The FFT method's floor for a full `n`-by-`m` product, for the benchmarks (not part of the
/// API): two forward real transforms at the length [`Method::Fft`](crate::Method::Fft)
/// picks, the spectral product and one inverse, on buffers made beforehand, plus loading both
/// zero-padded inputs (the transforms use their input as scratch, so each run loads them
/// again, as the method does). `benches/methods.rs` (`fft_floor`) times it next to the method.
#[doc(hidden)]
pub struct FftFloor<F: FftFloat> {
    plans: RealPlans<F>,
    inputs: [Vec<F>; 2],
    time: [Vec<F>; 2],
    spec: [Vec<Complex<F>>; 2],
    scratch: Vec<Complex<F>>,
}

impl<F: FftFloat> FftFloor<F> {
    pub fn new(a: &[F], v: &[F]) -> Result<Self, ConvError> {
        let len = cyclic_len(a.len(), v.len(), 0, a.len() + v.len() - 1)?;
        let plans = RealTransform::<F>::plans(len);
        let bins = RealTransform::<F>::spec_len(len);
        Ok(FftFloor {
            inputs: [a.to_vec(), v.to_vec()],
            time: [try_zeroed(len)?, try_zeroed(len)?],
            spec: [try_zeroed(bins)?, try_zeroed(bins)?],
            scratch: try_zeroed(RealTransform::<F>::scratch_len(&plans))?,
            plans,
        })
    }

    /// The transform length.
    pub fn len(&self) -> usize {
        self.time[0].len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// One floor: load, two forward transforms, product, inverse (into the first buffer).
    pub fn run(&mut self) -> &[F] {
        for ((input, time), spec) in self.inputs.iter().zip(&mut self.time).zip(&mut self.spec) {
            time[..input.len()].copy_from_slice(input);
            time[input.len()..].fill(F::zero());
            RealTransform::<F>::forward(&self.plans, time, spec, &mut self.scratch);
        }
        let [x, y] = &mut self.spec;
        multiply(x, y);
        RealTransform::<F>::inverse(&self.plans, x, &mut self.time[0], &mut self.scratch);
        &self.time[0]
    }
}
