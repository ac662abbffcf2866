//! The two transform kinds (real signals with a half spectrum, complex ones) and what an
//! element type needs to go through one ([`Transformable`]).

use std::marker::PhantomData;

use num_complex::Complex;

use crate::arith::Arith;

use super::cache::{ComplexPlans, FftFloat, Pooled, RealPlans};

/// Where a type is transformed: a real signal with a half spectrum, or a complex one.
pub trait TransformKind: 'static {
    type F: FftFloat;
    type Sample: Pooled<F = Self::F> + Send + Sync + 'static;
    type Plans: Clone + Send;

    fn plans(len: usize) -> Self::Plans;
    /// `t · s`.
    fn scale(t: Self::Sample, s: Self::F) -> Self::Sample;
    /// Number of spectrum bins for a transform of `len` points.
    fn spec_len(len: usize) -> usize;
    fn scratch_len(plans: &Self::Plans) -> usize;
    /// `time` is used as scratch and left unspecified.
    fn forward(
        plans: &Self::Plans,
        time: &mut [Self::Sample],
        spec: &mut [Complex<Self::F>],
        scratch: &mut [Complex<Self::F>],
    );
    /// `spec` is used as scratch and left unspecified.
    fn inverse(
        plans: &Self::Plans,
        spec: &mut [Complex<Self::F>],
        time: &mut [Self::Sample],
        scratch: &mut [Complex<Self::F>],
    ) {
        Self::inverse_with(plans, spec, time, scratch, false);
    }
    /// [`TransformKind::inverse`], on two threads of rayon's pool when `parallel` and the transform
    /// splits (long real transforms, see `real.rs`); the same bits either way.
    fn inverse_with(
        plans: &Self::Plans,
        spec: &mut [Complex<Self::F>],
        time: &mut [Self::Sample],
        scratch: &mut [Complex<Self::F>],
        parallel: bool,
    );
}

/// What the transforms need of an element type: where it is transformed
/// ([`Transform`](Transformable::Transform)) and how its samples convert to and from that
/// transform's samples.
pub trait Transformable: Arith {
    /// The transform this type goes through (integers go through the `f64` real one).
    type Transform: TransformKind;
    /// The floating-point components of `v` (`re, im` interleaved for complex types);
    /// `None` for integers.
    fn float_parts(v: &[Self]) -> Option<&[FloatOf<Self>]>;
    /// Into the transform's sample type.
    fn to_sample(self) -> Sample<Self>;
    /// Back from the transform; integers round to nearest and wrap to the type's width.
    fn from_sample(t: Sample<Self>) -> Self;
}

macro_rules! transformable_float {
    ($t:ty) => {
        impl Transformable for $t {
            type Transform = RealTransform<$t>;
            fn float_parts(v: &[Self]) -> Option<&[$t]> {
                Some(v)
            }
            #[inline(always)]
            fn to_sample(self) -> $t {
                self
            }
            #[inline(always)]
            fn from_sample(t: $t) -> Self {
                t
            }
        }
        impl Transformable for Complex<$t> {
            type Transform = ComplexTransform<$t>;
            fn float_parts(v: &[Self]) -> Option<&[$t]> {
                Some(bytemuck::cast_slice(v))
            }
            #[inline(always)]
            fn to_sample(self) -> Self {
                self
            }
            #[inline(always)]
            fn from_sample(t: Self) -> Self {
                t
            }
        }
    };
}
transformable_float!(f32);
transformable_float!(f64);

macro_rules! transformable_integer {
    ($t:ty) => {
        impl Transformable for $t {
            type Transform = RealTransform<f64>;
            fn float_parts(_: &[Self]) -> Option<&[f64]> {
                None
            }
            #[inline(always)]
            fn to_sample(self) -> f64 {
                self as f64
            }
            #[inline(always)]
            fn from_sample(t: f64) -> Self {
                // The exactness guard keeps |t| below 2^53, so the i64 conversion is exact and
                // the narrowing wraps modulo 2^bits, as numpy's integer arithmetic does.
                t.round() as i64 as $t
            }
        }
    };
}
transformable_integer!(i32);
transformable_integer!(i64);

/// Real signals: [`RealPlans`], `len / 2 + 1` bins.
pub struct RealTransform<F>(PhantomData<F>);

/// Complex signals: `rustfft`, `len` bins.
pub struct ComplexTransform<F>(PhantomData<F>);

impl<F: FftFloat> TransformKind for RealTransform<F> {
    type F = F;
    type Sample = F;
    type Plans = RealPlans<F>;

    fn plans(len: usize) -> RealPlans<F> {
        F::real_plans(len)
    }
    #[inline(always)]
    fn scale(t: F, s: F) -> F {
        t * s
    }
    fn spec_len(len: usize) -> usize {
        len / 2 + 1
    }
    fn scratch_len(p: &RealPlans<F>) -> usize {
        match p {
            RealPlans::Even(p) => p.scratch_len(),
            RealPlans::Odd(f, i) => f.get_scratch_len().max(i.get_scratch_len()),
        }
    }
    fn forward(
        p: &RealPlans<F>,
        time: &mut [F],
        spec: &mut [Complex<F>],
        scratch: &mut [Complex<F>],
    ) {
        match p {
            RealPlans::Even(p) => p.forward(time, spec, scratch),
            RealPlans::Odd(f, _) => f
                .process_with_scratch(time, spec, scratch)
                .expect("buffer lengths come from the plan"),
        }
    }
    fn inverse_with(
        p: &RealPlans<F>,
        spec: &mut [Complex<F>],
        time: &mut [F],
        scratch: &mut [Complex<F>],
        parallel: bool,
    ) {
        match p {
            RealPlans::Even(p) => p.inverse_with(spec, time, scratch, parallel),
            RealPlans::Odd(_, i) => {
                // A real signal's DC bin is real; products of rounded spectra can leave a
                // tiny imaginary part there, which realfft rejects.
                spec[0].im = F::zero();
                i.process_with_scratch(spec, time, scratch)
                    .expect("buffer lengths come from the plan")
            }
        }
    }
}

impl<F: FftFloat> TransformKind for ComplexTransform<F> {
    type F = F;
    type Sample = Complex<F>;
    type Plans = ComplexPlans<F>;

    fn plans(len: usize) -> ComplexPlans<F> {
        F::complex_plans(len)
    }
    #[inline(always)]
    fn scale(t: Complex<F>, s: F) -> Complex<F> {
        t * s
    }
    fn spec_len(len: usize) -> usize {
        len
    }
    fn scratch_len(p: &ComplexPlans<F>) -> usize {
        p.forward
            .get_inplace_scratch_len()
            .max(p.inverse.get_inplace_scratch_len())
    }
    fn forward(
        p: &ComplexPlans<F>,
        time: &mut [Complex<F>],
        spec: &mut [Complex<F>],
        scratch: &mut [Complex<F>],
    ) {
        spec.copy_from_slice(time);
        p.forward.process_with_scratch(spec, scratch);
    }
    fn inverse_with(
        p: &ComplexPlans<F>,
        spec: &mut [Complex<F>],
        time: &mut [Complex<F>],
        scratch: &mut [Complex<F>],
        _parallel: bool,
    ) {
        p.inverse.process_with_scratch(spec, scratch);
        time.copy_from_slice(spec);
    }
}

/// The float type `T` is transformed in.
pub(crate) type FloatOf<T> = <<T as Transformable>::Transform as TransformKind>::F;
/// The time-domain sample type `T` is transformed as.
pub(crate) type Sample<T> = <<T as Transformable>::Transform as TransformKind>::Sample;
