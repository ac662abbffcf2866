//! Zero-padded FFT multiplication: fast lengths, cached plans, and the one-shot FFT method.
//!
//! Real types go through a real transform (`fft/real.rs`: a length-`L` real transform costs
//! about half a complex one), complex types through `rustfft`, and integers through the `f64`
//! real transform with the exactness guard of [`crate::exact`].
//!
//! Only the kept outputs `lo .. hi` must be free of wrap-around, so the cyclic length is
//! `max(hi, full - lo)` rather than `full`: `Valid` needs just `max(n, m)`.

use std::collections::HashMap;
use std::marker::PhantomData;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};

use num_complex::Complex;
use num_traits::{Float, FromPrimitive, ToPrimitive};
use realfft::{ComplexToReal, RealFftPlanner, RealToComplex};
use rustfft::{Fft, FftNum, FftPlanner};

use crate::alloc::try_zeroed;
use crate::arith::Arith;
use crate::error::ConvError;
use crate::simd::{VectorLoop, run_vectorized};

mod real;

/// A floating-point type with a per-thread plan cache.
pub trait FftFloat: FftNum + Float + FromPrimitive + Default + crate::alloc::ZeroBits {
    /// The largest `p` for which `2^p` and `2^-p` are both normal numbers of the type.
    const MAX_SCALE_EXP: i32;
    /// Bits of the significand.
    const MANTISSA_DIGITS: i32;
    fn real_plans(len: usize) -> RealPlans<Self>;
    fn complex_plans(len: usize) -> ComplexPlans<Self>;
    /// Runs `f` on this thread's [`Pool`] (not at all while the thread is being torn down).
    fn with_pool<R>(f: impl FnOnce(&mut Pool<Self>) -> R) -> Option<R>;
}

/// Forward and inverse real transforms of one length: [`real::EvenReal`] for even lengths
/// (all that the convolution paths use), realfft for odd ones.
#[derive(Clone)]
pub enum RealPlans<F: FftNum> {
    Even(Arc<real::EvenReal<F>>),
    Odd(Arc<dyn RealToComplex<F>>, Arc<dyn ComplexToReal<F>>),
}

/// Forward and inverse complex transforms of one length.
pub struct ComplexPlans<F: FftNum> {
    forward: Arc<dyn Fft<F>>,
    inverse: Arc<dyn Fft<F>>,
}

#[cfg_attr(not(feature = "ndarray"), allow(dead_code))]
impl<F: FftNum> ComplexPlans<F> {
    /// The forward transform (for the N-D transform's axes other than the last).
    pub(crate) fn forward_fft(&self) -> &dyn Fft<F> {
        &*self.forward
    }
    /// The unnormalized inverse transform.
    pub(crate) fn inverse_fft(&self) -> &dyn Fft<F> {
        &*self.inverse
    }
}

impl<F: FftNum> Clone for ComplexPlans<F> {
    fn clone(&self) -> Self {
        ComplexPlans {
            forward: Arc::clone(&self.forward),
            inverse: Arc::clone(&self.inverse),
        }
    }
}

/// One thread's planners, and every real plan made (a repeated length costs a lookup; the
/// complex planner caches its own).
struct Planners<F: FftNum> {
    complex: FftPlanner<F>,
    real: HashMap<usize, RealPlans<F>>,
    odd: RealFftPlanner<F>,
}

impl<F: FftFloat> Planners<F> {
    fn new() -> Self {
        Planners {
            complex: FftPlanner::new(),
            real: HashMap::new(),
            odd: RealFftPlanner::new(),
        }
    }

    fn real(&mut self, len: usize) -> RealPlans<F> {
        let Planners { complex, real, odd } = self;
        real.entry(len)
            .or_insert_with(|| {
                if len.is_multiple_of(2) {
                    RealPlans::Even(Arc::new(real::EvenReal::new(len, complex)))
                } else {
                    RealPlans::Odd(odd.plan_fft_forward(len), odd.plan_fft_inverse(len))
                }
            })
            .clone()
    }

    fn complex(&mut self, len: usize) -> ComplexPlans<F> {
        ComplexPlans {
            forward: self.complex.plan_fft_forward(len),
            inverse: self.complex.plan_fft_inverse(len),
        }
    }
}

/// Work buffers of dropped [`SpectralKernel`]s (and of the N-D transforms), kept per thread and
/// float type for the next one: each one-shot call (and each thread of a split one) needs a
/// time buffer, two spectra and scratch, and fresh ones are page-faulted in on first touch.
/// With glibc's default thresholds the freed buffers go back to the system between calls, so
/// every call paid the faults again: 1.52 ms against 0.57 ms per 10^5 × 10^5 `f32` FFT call
/// (timing loop, CPU time); for 10^6 × 10^6 `f64`, the faults of its ~64 MB of buffers were a
/// quarter of the call (`perf`). Buffers of at most [`MAX_BUFFER`] are kept up to
/// [`MAX_TOTAL`] per thread and float type; larger ones (up to [`MAX_POOLED`]) up to
/// [`MAX_LARGE`] over the whole process, so that the memory kept does not grow with the number
/// of threads.
/// [`crate::release_buffers`] hands them all back to the allocator.
#[derive(Default)]
pub struct Pool<F> {
    reals: Vec<Vec<F>>,
    complexes: Vec<Vec<Complex<F>>>,
    budget: Budget,
}

/// Bytes a pool keeps: in buffers of at most [`MAX_BUFFER`], and in larger ones (its share
/// of [`LARGE_BYTES`]).
#[derive(Default)]
pub struct Budget {
    small: usize,
    large: usize,
}

impl Budget {
    /// Counts a buffer of `size` bytes in, if the limits allow; whether they did.
    fn admit(&mut self, size: usize) -> bool {
        if size <= MAX_BUFFER {
            let fits = self.small + size <= MAX_TOTAL;
            if fits {
                self.small += size;
            }
            return fits;
        }
        if size > MAX_POOLED {
            return false;
        }
        let fits = LARGE_BYTES
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |kept| {
                (kept + size <= MAX_LARGE).then_some(kept + size)
            })
            .is_ok();
        if fits {
            self.large += size;
        }
        fits
    }

    /// Counts a buffer of `size` bytes out.
    fn release(&mut self, size: usize) {
        if size <= MAX_BUFFER {
            self.small -= size;
        } else {
            self.large -= size;
            LARGE_BYTES.fetch_sub(size, Ordering::Relaxed);
        }
    }
}

impl Drop for Budget {
    fn drop(&mut self) {
        LARGE_BYTES.fetch_sub(self.large, Ordering::Relaxed);
    }
}

/// Bytes in pooled buffers larger than [`MAX_BUFFER`], over all threads.
static LARGE_BYTES: AtomicUsize = AtomicUsize::new(0);

/// The most bytes the pools of all threads keep in buffers larger than [`MAX_BUFFER`]:
/// the buffers of a 10^6 × 10^6 `f64` call on two threads.
const MAX_LARGE: usize = 256 << 20;

/// The largest buffer a pool keeps. Larger ones are freed: kept, the buffers of one side of a
/// two-thread transform stayed resident while the other side finished, which took the peak
/// memory of a 10^7 × 16384 `f64` call by `Method::Fft` from 3.9x to 6.6x its input and
/// output (`scripts/memory.sh`). glibc maps blocks this large afresh anyway.
const MAX_POOLED: usize = 32 << 20;

/// The largest buffer a pool keeps within its own thread's budget.
const MAX_BUFFER: usize = 4 << 20;
/// The most bytes one pool keeps in buffers of at most [`MAX_BUFFER`].
const MAX_TOTAL: usize = 16 << 20;

impl<F> Pool<F> {
    /// Hands every kept buffer back to the allocator.
    fn clear(&mut self) {
        self.reals = Vec::new();
        self.complexes = Vec::new();
        // The old budget's drop gives its large bytes back to `LARGE_BYTES`.
        self.budget = Budget::default();
    }
}

/// A buffer element the pools keep: real or complex samples of one float type.
pub trait Pooled: Copy + Default + crate::alloc::ZeroBits {
    type F: FftFloat;
    fn list(pool: &mut Pool<Self::F>) -> (&mut Vec<Vec<Self>>, &mut Budget);
}

impl<F: FftFloat> Pooled for F {
    type F = F;
    fn list(pool: &mut Pool<F>) -> (&mut Vec<Vec<F>>, &mut Budget) {
        (&mut pool.reals, &mut pool.budget)
    }
}

impl<F: FftFloat> Pooled for Complex<F> {
    type F = F;
    fn list(pool: &mut Pool<F>) -> (&mut Vec<Vec<Complex<F>>>, &mut Budget) {
        (&mut pool.complexes, &mut pool.budget)
    }
}

/// A buffer of `len` elements: the smallest pooled one that is large enough (its contents
/// unspecified, the callers overwrite them), else a new zeroed one.
pub(crate) fn take<E: Pooled>(len: usize) -> Result<Vec<E>, ConvError> {
    if len == 0 {
        return Ok(Vec::new());
    }
    // A small request never takes a large buffer, which would then circulate among small ones
    // while the next large request missed the pool.
    let size = |capacity: usize| capacity.saturating_mul(std::mem::size_of::<E>());
    let small = size(len) <= MAX_BUFFER;
    let pooled = E::F::with_pool(|pool| {
        let (list, budget) = E::list(pool);
        let (i, _) = list
            .iter()
            .enumerate()
            .filter(|(_, v)| v.capacity() >= len && (!small || size(v.capacity()) <= MAX_BUFFER))
            .min_by_key(|(_, v)| v.capacity())?;
        let v = list.swap_remove(i);
        budget.release(size(v.capacity()));
        Some(v)
    })
    .flatten();
    match pooled {
        Some(mut v) => {
            v.resize(len, E::default());
            Ok(v)
        }
        // Zeroed by the allocator: a fresh buffer comes zero from the OS, so this skips a pass
        // over it.
        None => crate::alloc::try_zeroed_output(len),
    }
}

/// Returns `v` to this thread's pool if it fits there.
pub(crate) fn give<E: Pooled>(v: Vec<E>) {
    let size = v.capacity() * std::mem::size_of::<E>();
    if size == 0 {
        return;
    }
    E::F::with_pool(|pool| {
        let (list, budget) = E::list(pool);
        if budget.admit(size) {
            list.push(v);
        }
    });
}

/// Hands the calling thread's pooled buffers back to the allocator.
pub(crate) fn release_pools() {
    f32::with_pool(Pool::clear);
    f64::with_pool(Pool::clear);
}

macro_rules! fft_float {
    ($t:ty, $planners:ident, $pool:ident) => {
        thread_local! {
            static $planners: std::cell::RefCell<Planners<$t>> =
                std::cell::RefCell::new(Planners::new());
            static $pool: std::cell::RefCell<Pool<$t>> =
                std::cell::RefCell::new(Pool::default());
        }
        impl FftFloat for $t {
            const MAX_SCALE_EXP: i32 = <$t>::MAX_EXP - 2;
            const MANTISSA_DIGITS: i32 = <$t>::MANTISSA_DIGITS as i32;
            fn real_plans(len: usize) -> RealPlans<$t> {
                $planners.with(|p| p.borrow_mut().real(len))
            }
            fn complex_plans(len: usize) -> ComplexPlans<$t> {
                $planners.with(|p| p.borrow_mut().complex(len))
            }
            fn with_pool<R>(f: impl FnOnce(&mut Pool<$t>) -> R) -> Option<R> {
                $pool.try_with(|p| f(&mut p.borrow_mut())).ok()
            }
        }
    };
}
fft_float!(f32, PLANNERS_F32, POOL_F32);
fft_float!(f64, PLANNERS_F64, POOL_F64);

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

/// What the transforms need of an element type: where it is transformed ([`Transform`]) and
/// how its samples convert to and from that transform's samples.
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

/// An even 7-smooth length with what the cost model's length searches need of it, computed once
/// (a `log2` per candidate per call was most of `Method::Auto`'s costing time).
#[derive(Clone, Copy, Debug)]
pub(crate) struct FastLen {
    pub len: usize,
    /// `max(log2 len, 1)`.
    pub log2: f64,
    /// [`radix_factor`]`(len)`.
    pub factor: f64,
}

impl FastLen {
    pub fn new(len: usize) -> Self {
        FastLen {
            len,
            log2: (len as f64).log2().max(1.0),
            factor: radix_factor(len),
        }
    }

    /// `len · log2 len`: a transform's work at the power-of-two rate.
    pub fn size(&self) -> f64 {
        self.len as f64 * self.log2
    }
}

/// Every even 7-smooth number (2^a·3^b·5^c·7^d) up to 2^52, ascending: about 25,000 entries,
/// built once. rustfft has dedicated butterflies for all four primes.
fn fast_lens() -> &'static [FastLen] {
    static TABLE: OnceLock<Vec<FastLen>> = OnceLock::new();
    TABLE.get_or_init(|| {
        const LIMIT: u64 = 1 << 52;
        let mut v = Vec::new();
        let mut p7 = 2u64;
        while p7 <= LIMIT {
            let mut p5 = p7;
            while p5 <= LIMIT {
                let mut p3 = p5;
                while p3 <= LIMIT {
                    let mut p2 = p3;
                    while p2 <= LIMIT {
                        v.push(FastLen::new(p2 as usize));
                        p2 *= 2;
                    }
                    p3 *= 3;
                }
                p5 *= 5;
            }
            p7 *= 7;
        }
        v.sort_unstable_by_key(|f| f.len);
        v
    })
}

/// The even 7-smooth length of at least `min_len` with the least predicted transform time (see
/// [`radix_factor`]), or `None` when none fits in `usize` (beyond the table: the next power of
/// two). Not always the next one: 1000 points take 1.4x the time per point of 1024.
///
/// Among lengths predicted within [`COST_TIE`] of the cheapest, the one with the fewest factors
/// of 3 wins: rustfft's radix-3 butterflies multiply by `cos(2π/3)` computed as
/// `-0.4999999999999998` (2.7 ulp from -1/2), so in `f64` every factor 3 adds rounding error.
/// Measured on 769 × 769 products (rms error over 8 seeds): 1728 = 2^6·3^3 has 1.2x the error
/// of 1568 = 2^5·7^2, whose predicted cost is the same to 0.05 %; 216 = 2^3·3^3 has 2x that of
/// 256, 20412 = 2^2·3^6·7 1.8x that of 20480.
pub(crate) fn fast_len(min_len: usize) -> Option<usize> {
    let mut cheapest: Option<f64> = None;
    for cand in fast_len_table_from(min_len) {
        let size = cand.size();
        if cheapest.is_some_and(|cost| size >= cost) {
            // Longer lengths cost more even at the power-of-two rate.
            break;
        }
        let cost = size * cand.factor;
        if cheapest.is_none_or(|c| cost < c) {
            cheapest = Some(cost);
        }
    }
    let Some(cheapest) = cheapest else {
        return min_len.max(2).checked_next_power_of_two();
    };
    let tie = cheapest * COST_TIE;
    let mut best: Option<(u32, f64, usize)> = None;
    for cand in fast_len_table_from(min_len) {
        let size = cand.size();
        if size > tie {
            break;
        }
        let cost = size * cand.factor;
        let key = (threes(cand.len), cost, cand.len);
        if cost <= tie && best.is_none_or(|b| (key.0, key.1) < (b.0, b.1)) {
            best = Some(key);
        }
    }
    best.map(|(_, _, len)| len)
}

/// Predicted transform costs this close count as equal. Of the lengths up to 4·10^6 the tie
/// changes about 0.6 % (three choices: 1728 -> 1568, 27648 -> 25600, 75264 -> 81920); measured
/// (forward and inverse `f64` transform, CPU time, two runs) the new lengths take 3-6 %, 10 %
/// and -6..+6 % less time. A 3 % tie would change 3 % of lengths but made some slower
/// (1204224 -> 1310720: 6.5 % slower).
const COST_TIE: f64 = 1.005;

/// The number of factors 3 in `len`.
fn threes(mut len: usize) -> u32 {
    let mut count = 0;
    while len > 0 && len.is_multiple_of(3) {
        len /= 3;
        count += 1;
    }
    count
}

/// The smallest even 7-smooth length that is at least `min_len` (for latency, where the
/// shortest length matters more than the fastest), or `None` when it would not fit in `usize`.
pub(crate) fn next_fast_len(min_len: usize) -> Option<usize> {
    fast_lens_from(min_len)
        .next()
        .or_else(|| min_len.max(2).checked_next_power_of_two())
}

/// rustfft's time per `L·log2 L` for a real transform of length `len`, relative to a power of
/// two: each factor 3, 5 or 7 costs more per unit of `log2 L` than factors of 2 (radix-4/8
/// butterflies). Fitted to the forward `f64` transform at 237 even 7-smooth lengths from 1000
/// to 2·10^6 (CPU time, one run): per `L·log2 L`, 0.078 ns for the powers of two, plus 0.019,
/// 0.044 and 0.035 ns times the share of `log2 L` in factors 3, 5 and 7; median error 5 %.
pub(crate) fn radix_factor(len: usize) -> f64 {
    const EXTRA: [(usize, f64); 3] = [(3, 0.019 / 0.078), (5, 0.044 / 0.078), (7, 0.035 / 0.078)];
    let log = (len.max(2) as f64).log2();
    let mut extra = 0.0;
    for (p, weight) in EXTRA {
        let mut rest = len;
        while rest > 0 && rest.is_multiple_of(p) {
            rest /= p;
            extra += weight * (p as f64).log2();
        }
    }
    1.0 + extra / log
}

/// The even 7-smooth lengths from `min_len` upwards, ascending.
pub(crate) fn fast_lens_from(min_len: usize) -> impl Iterator<Item = usize> {
    fast_len_table_from(min_len).map(|f| f.len)
}

/// [`fast_lens_from`] with what the cost searches need of each length.
pub(crate) fn fast_len_table_from(min_len: usize) -> impl Iterator<Item = FastLen> {
    let table = fast_lens();
    let start = table.partition_point(|f| f.len < min_len);
    table[start..].iter().copied()
}

/// The cyclic length for keeping `lo .. hi` of an `n`-by-`m` product free of wrap-around.
pub(crate) fn cyclic_len(n: usize, m: usize, lo: usize, hi: usize) -> Result<usize, ConvError> {
    let full = n + m - 1;
    fast_len(hi.max(full - lo)).ok_or(ConvError::LengthOverflow { a_len: n, v_len: m })
}

/// Writes `src` (converted, times `scale`) followed by zeros into `dst`. Non-finite samples
/// are written as zeros: a transform would spread them over every output, so
/// [`crate::finite`] adds their products back where the direct sum puts them.
pub(crate) fn load<T: Transformable>(src: &[T], dst: &mut [Sample<T>], scale: FloatOf<T>) {
    run_vectorized(Load { src, dst, scale });
}

struct Load<'a, T: Transformable> {
    src: &'a [T],
    dst: &'a mut [Sample<T>],
    scale: FloatOf<T>,
}

impl<T: Transformable> VectorLoop for Load<'_, T> {
    type Out = ();
    #[inline(always)]
    fn run(self) {
        let (head, tail) = self.dst.split_at_mut(self.src.len());
        for (d, &s) in head.iter_mut().zip(self.src) {
            *d = if s.is_finite() {
                T::Transform::scale(s.to_sample(), self.scale)
            } else {
                Default::default()
            };
        }
        tail.fill(Default::default());
    }
}

/// What the transforms need to know of an operand before transforming it, from one pass.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct OperandStats {
    /// The exponent `p` with the largest finite magnitude in `[2^p, 2^(p+1))`, clamped to the
    /// range where `2^±p` is normal; 0 when every sample is zero or non-finite.
    ///
    /// The transforms run on `v · 2^-p` and scale the result back: a sum of `L` samples near
    /// the type's maximum would overflow inside the transform and turn every output into NaN,
    /// where the direct sum overflows only the outputs whose true value does. Powers of two
    /// scale exactly, so the rounding (and the integers' exactness) is unchanged.
    pub(crate) exp: i32,
    /// Whether every sample is finite (no NaN, no infinity).
    pub(crate) finite: bool,
}

/// The [`OperandStats`] of `v`: one branch-free pass over the float components in their own type,
/// with several accumulators, so that it vectorizes (by `perf` in a 1000 × 1000 `f32` FFT
/// call, about 0.1 ns per sample; the previous pass, through `f64` magnitudes with a select
/// per sample, took 0.5 ns, a fifth of the call). Inputs holding NaN or infinities, whose
/// largest *finite* magnitude that pass cannot see, take a second, plain pass.
pub(crate) fn scan<T: Transformable>(v: &[T]) -> OperandStats {
    scan_by(v, max_abs)
}

/// [`scan`], over parts of `v` on the threads of rayon's pool when `parallel` (the largest
/// magnitude of the parts' largest is the whole's, so the result is the same).
pub(crate) fn scan_split<T: Transformable>(v: &[T], parallel: bool) -> OperandStats {
    #[cfg(feature = "rayon")]
    if parallel {
        use rayon::prelude::*;
        return scan_by(v, |parts| {
            let part = parts
                .len()
                .div_ceil(rayon::current_num_threads())
                .max(1 << 16);
            parts
                .par_chunks(part)
                .map(max_abs)
                .reduce(|| Some(num_traits::Zero::zero()), |a, b| Some(a?.max(b?)))
        });
    }
    let _ = parallel;
    scan(v)
}

/// [`scan`] with `max_abs` as the first pass.
fn scan_by<T: Transformable>(
    v: &[T],
    max_abs: impl Fn(&[FloatOf<T>]) -> Option<FloatOf<T>>,
) -> OperandStats {
    let Some(parts) = T::float_parts(v) else {
        // Integers are finite, and their f64 images cannot overflow a transform's sums.
        return OperandStats {
            exp: 0,
            finite: true,
        };
    };
    let (max, finite) = match max_abs(parts) {
        Some(max) => (max.to_f64().unwrap_or(f64::INFINITY), true),
        None => {
            let finite_max = parts
                .iter()
                .map(|e| e.abs())
                .filter(|a| a.is_finite())
                .fold(0.0f64, |m, a| m.max(a.to_f64().unwrap_or(0.0)));
            (finite_max, false)
        }
    };
    let limit = FloatOf::<T>::MAX_SCALE_EXP;
    OperandStats {
        exp: if max == 0.0 {
            0
        } else {
            (max.log2().floor() as i32).clamp(-limit, limit)
        },
        finite,
    }
}

/// The largest `|x|`, or `None` when some `x` is NaN or infinite. `0·x` is 0 for finite `x`
/// and NaN otherwise, so one sum of those tells.
fn max_abs<F: FftFloat>(v: &[F]) -> Option<F> {
    run_vectorized(MaxAbs(v))
}

struct MaxAbs<'a, F>(&'a [F]);

impl<F: FftFloat> VectorLoop for MaxAbs<'_, F> {
    type Out = Option<F>;
    #[inline(always)]
    fn run(self) -> Option<F> {
        let v = self.0;
        const LANES: usize = 16;
        let mut max = [F::zero(); LANES];
        let mut poison = [F::zero(); LANES];
        #[inline(always)]
        fn step<F: FftFloat>(max: &mut [F; LANES], poison: &mut [F; LANES], chunk: &[F]) {
            for ((m, p), &e) in max.iter_mut().zip(poison).zip(chunk) {
                let a = e.abs();
                *m = if a > *m { a } else { *m };
                *p = *p + e * F::zero();
            }
        }
        let mut chunks = v.chunks_exact(LANES);
        for chunk in &mut chunks {
            step(&mut max, &mut poison, chunk);
        }
        step(&mut max, &mut poison, chunks.remainder());
        let poisoned = poison.iter().fold(F::zero(), |s, &p| s + p);
        (poisoned == F::zero()).then(|| max.iter().fold(F::zero(), |m, &x| m.max(x)))
    }
}

/// Whether a transform of length `len` keeps its rounding error finite for operands with these
/// scans.
///
/// The error of an output is about `ε · L · max|x| · max|y|` whatever the output's own size
/// (see the accuracy statement in the crate docs). When that is beyond the type's range, a
/// transform would report infinity for outputs that the direct sum computes as finite numbers,
/// so the callers use the direct sum instead. Only inputs whose magnitudes multiply to near
/// the type's maximum get there (`f64`: beyond about `10^300`).
pub(crate) fn error_stays_finite<T: Transformable>(
    x: OperandStats,
    y: OperandStats,
    len: usize,
) -> bool {
    let log_len = (usize::BITS - len.leading_zeros()) as i32;
    let digits = FloatOf::<T>::MANTISSA_DIGITS;
    // Margin of 8 binary orders for the constant of the bound and the rounding of the exponents.
    x.exp + y.exp + log_len + 8 < FloatOf::<T>::MAX_SCALE_EXP + digits
}

/// `2^p` for `|p| <= MAX_SCALE_EXP`.
fn pow2<F: FftFloat>(p: i32) -> F {
    F::from_f64(2f64.powi(p)).expect("a normal power of two")
}

/// `acc[k] *= other[k]`: the spectral product with a pre-scaled `other`.
pub(crate) fn multiply<F: FftFloat>(acc: &mut [Complex<F>], other: &[Complex<F>]) {
    run_vectorized(Multiply { acc, other });
}

struct Multiply<'a, F> {
    acc: &'a mut [Complex<F>],
    other: &'a [Complex<F>],
}

impl<F: FftFloat> VectorLoop for Multiply<'_, F> {
    type Out = ();
    #[inline(always)]
    fn run(self) {
        for (a, &b) in self.acc.iter_mut().zip(self.other) {
            *a = *a * b;
        }
    }
}

/// `acc[k] *= other[k] * scale`: the spectral product with the inverse transform's `1/len`
/// folded in (the N-D one-transform method).
#[cfg(feature = "ndarray")]
pub(crate) fn multiply_scaled<F: FftFloat>(acc: &mut [Complex<F>], other: &[Complex<F>], scale: F) {
    run_vectorized(MultiplyScaled { acc, other, scale });
}

#[cfg(feature = "ndarray")]
struct MultiplyScaled<'a, F> {
    acc: &'a mut [Complex<F>],
    other: &'a [Complex<F>],
    scale: F,
}

#[cfg(feature = "ndarray")]
impl<F: FftFloat> VectorLoop for MultiplyScaled<'_, F> {
    type Out = ();
    #[inline(always)]
    fn run(self) {
        for (a, &b) in self.acc.iter_mut().zip(self.other) {
            *a = *a * (b * self.scale);
        }
    }
}

/// The float type `T` is transformed in.
pub(crate) type FloatOf<T> = <<T as Transformable>::Transform as TransformKind>::F;
/// The time-domain sample type `T` is transformed as.
pub(crate) type Sample<T> = <<T as Transformable>::Transform as TransformKind>::Sample;

/// One operand's spectrum at a fixed transform length, with the plans and buffers to multiply
/// other signals by it: the one-shot FFT method, each overlap-add block and the reusable
/// [`crate::Convolver`] all run through [`SpectralKernel::apply`], which allocates nothing.
pub(crate) struct SpectralKernel<T: Transformable> {
    plans: <T::Transform as TransformKind>::Plans,
    /// The kernel's spectrum, of the kernel times `2^-kernel_scan.exp` (see [`OperandStats`]). The
    /// inverse transform's `1/len` is applied with the scaling back, per output (folding it
    /// into the spectrum measured a little less accurate at short lengths).
    spectrum: Vec<Complex<FloatOf<T>>>,
    kernel_scan: OperandStats,
    time: Vec<Sample<T>>,
    spec: Vec<Complex<FloatOf<T>>>,
    scratch: Vec<Complex<FloatOf<T>>>,
}

impl<T: Transformable> SpectralKernel<T> {
    /// Transforms `kernel` (zero-padded; non-finite samples as zeros) at length `len`;
    /// `kernel_scan` is [`scan`]`(kernel)`.
    pub(crate) fn new(
        kernel: &[T],
        kernel_scan: OperandStats,
        len: usize,
    ) -> Result<Self, ConvError> {
        debug_assert!(kernel.len() <= len);
        // Buffers first (from this thread's pool when it has them): a length that cannot be
        // allocated is an error here, before the planner (which allocates infallibly) sees it.
        let spec_len = T::Transform::spec_len(len);
        let mut spectrum = take(spec_len)?;
        let mut time = take(len)?;
        let spec = take(spec_len)?;
        let plans = T::Transform::plans(len);
        let mut scratch = take(T::Transform::scratch_len(&plans))?;
        let exp = kernel_scan.exp;
        spectrum_of(&plans, kernel, exp, &mut time, &mut spectrum, &mut scratch);
        Ok(SpectralKernel {
            plans,
            spectrum,
            kernel_scan,
            time,
            spec,
            scratch,
        })
    }

    /// The [`OperandStats`] of the kernel it was built from.
    pub(crate) fn kernel_scan(&self) -> OperandStats {
        self.kernel_scan
    }

    /// The transform length.
    pub(crate) fn len(&self) -> usize {
        self.time.len()
    }

    /// The cyclic convolution of `block · 2^-signal_exp` (at most [`Self::len`] samples,
    /// zero-padded) with the scaled kernel, as `len` time-domain samples; [`Self::restore`]
    /// turns one into an output.
    pub(crate) fn apply(&mut self, block: &[T], signal_exp: i32) -> &[Sample<T>] {
        let SpectralKernel {
            plans,
            spectrum,
            time,
            spec,
            scratch,
            ..
        } = self;
        spectrum_of(plans, block, signal_exp, time, spec, scratch);
        multiply(spec, spectrum);
        T::Transform::inverse(plans, spec, time, scratch);
        time
    }

    /// The factors that undo the scaling of a signal with exponent `signal_exp` and apply the
    /// inverse transform's `1/len`: two, each a normal number, so that their product
    /// `2^(signal_exp + kernel_exp) / len` need not be one.
    pub(crate) fn restore_factors(&self, signal_exp: i32) -> [FloatOf<T>; 2] {
        let p = signal_exp + self.kernel_scan.exp;
        let inv_len = FloatOf::<T>::from_usize(self.len())
            .expect("length fits a float")
            .recip();
        [pow2::<FloatOf<T>>(p / 2) * inv_len, pow2(p - p / 2)]
    }

    /// An output from a sample of [`Self::apply`]'s result.
    #[inline(always)]
    pub(crate) fn restore(t: Sample<T>, factors: [FloatOf<T>; 2]) -> T {
        T::from_sample(T::Transform::scale(
            T::Transform::scale(t, factors[0]),
            factors[1],
        ))
    }
}

impl<T: Transformable> Drop for SpectralKernel<T> {
    fn drop(&mut self) {
        give(std::mem::take(&mut self.time));
        give(std::mem::take(&mut self.spectrum));
        give(std::mem::take(&mut self.spec));
        give(std::mem::take(&mut self.scratch));
    }
}

/// `out[k] = (x * y)[lo + k]` at a cyclic length `len` that keeps `lo .. lo + out.len()` free of
/// wrap-around, the two forward transforms run at the same time on two threads (`x_scan`,
/// `y_scan` their [`scan`]s). Each side runs the operations [`SpectralKernel::new`] and
/// [`run`] would on the same values, and the spectral product runs in halves on two threads,
/// element by element as one pass does: the result is the same, bit for bit.
///
/// All of it runs on a pool thread while the caller waits, as the split methods do: computing
/// on the calling thread beside a pool as large as the machine (its idle threads spinning)
/// made a 10^5 × 10^5 call 3x slower than one thread. Each side's pooled buffers go back to
/// the thread that took them (the signal's spectrum is taken before the join).
#[cfg(feature = "rayon")]
pub(crate) fn run_joined<T: Transformable>(
    x: &[T],
    x_scan: OperandStats,
    y: &[T],
    y_scan: OperandStats,
    len: usize,
    lo: usize,
    out: &mut [T],
) -> Result<(), ConvError> {
    rayon::scope(|_| {
        let mut spectrum = take(T::Transform::spec_len(len))?;
        let (kernel, signal) = rayon::join(
            || SpectralKernel::new(y, y_scan, len),
            || forward_into(x, x_scan.exp, len, &mut spectrum),
        );
        let mut kernel = kernel?;
        signal?;
        // The product goes element by element, so halves on two threads give the bits of one
        // pass; a long inverse transform runs in halves too (`real.rs`). The restore stays on
        // this thread: in halves as well, a 10^6 × 10^6 `f64` call showed no consistent gain
        // (timing loop, halves against one pass: 16.4 against 16.6 ms, 16.9 against 18.2).
        let k = &mut kernel;
        in_halves(&mut spectrum, &k.spectrum, multiply);
        T::Transform::inverse_with(&k.plans, &mut spectrum, &mut k.time, &mut k.scratch, true);
        give(spectrum);
        let factors = kernel.restore_factors(x_scan.exp);
        let time = &kernel.time[lo..];
        run_vectorized(Restore::<T> { time, out, factors });
        Ok(())
    })
}

/// `f(a, b)` on the first halves of `a` and `b` and, at the same time, on the rest (`b` at
/// least as long as `a`).
#[cfg(feature = "rayon")]
fn in_halves<A: Send, B: Sync>(a: &mut [A], b: &[B], f: impl Fn(&mut [A], &[B]) + Sync) {
    let half = a.len() / 2;
    let (a0, a1) = a.split_at_mut(half);
    let (b0, b1) = b.split_at(half);
    rayon::join(|| f(a0, b0), || f(a1, b1));
}

/// The spectrum of `x · 2^-exp` zero-padded to `len`, as [`SpectralKernel::apply`] computes
/// it, with this thread's plans and pooled buffers.
#[cfg(feature = "rayon")]
fn forward_into<T: Transformable>(
    x: &[T],
    exp: i32,
    len: usize,
    spectrum: &mut [Complex<FloatOf<T>>],
) -> Result<(), ConvError> {
    let mut time = take(len)?;
    let plans = T::Transform::plans(len);
    let mut scratch = take(T::Transform::scratch_len(&plans))?;
    spectrum_of(&plans, x, exp, &mut time, spectrum, &mut scratch);
    give(time);
    give(scratch);
    Ok(())
}

/// `spectrum` ← the transform of `x · 2^-exp`, zero-padded to `time.len()` (`time` and
/// `scratch` used as scratch): the one forward step of every kernel and signal, shared with
/// the two-thread path so that it does what one thread does.
fn spectrum_of<T: Transformable>(
    plans: &<T::Transform as TransformKind>::Plans,
    x: &[T],
    exp: i32,
    time: &mut [Sample<T>],
    spectrum: &mut [Complex<FloatOf<T>>],
    scratch: &mut [Complex<FloatOf<T>>],
) {
    load(x, time, pow2(-exp));
    T::Transform::forward(plans, time, spectrum, scratch);
}

/// `out[k] = (x * y)[lo + k]` for the `y` whose spectrum `kernel` holds at a cyclic length that
/// keeps `lo .. lo + out.len()` free of wrap-around; allocates nothing.
/// `x_scan` is [`scan`]`(x)`.
pub(crate) fn run<T: Transformable>(
    kernel: &mut SpectralKernel<T>,
    x: &[T],
    x_scan: OperandStats,
    lo: usize,
    out: &mut [T],
) {
    let exp = x_scan.exp;
    let factors = kernel.restore_factors(exp);
    let time = &kernel.apply(x, exp)[lo..];
    run_vectorized(Restore::<T> { time, out, factors });
}

/// `out[k] = restore(time[k])`.
struct Restore<'a, T: Transformable> {
    time: &'a [Sample<T>],
    out: &'a mut [T],
    factors: [FloatOf<T>; 2],
}

impl<T: Transformable> VectorLoop for Restore<'_, T> {
    type Out = ();
    #[inline(always)]
    fn run(self) {
        for (o, &t) in self.out.iter_mut().zip(self.time) {
            *o = SpectralKernel::restore(t, self.factors);
        }
    }
}

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

#[cfg(test)]
mod tests {
    use super::*;

    fn is_7_smooth(mut n: usize) -> bool {
        for p in [2, 3, 5, 7] {
            while n.is_multiple_of(p) {
                n /= p;
            }
        }
        n == 1
    }

    #[test]
    fn fast_len_is_the_cheapest_even_7_smooth_with_fewest_threes() {
        let cost = |l: usize| l as f64 * (l as f64).log2() * radix_factor(l);
        for k in 0..5000 {
            let l = fast_len(k).unwrap();
            assert!(
                l >= k && l.is_multiple_of(2) && is_7_smooth(l),
                "{k} -> {l}"
            );
            // No even 7-smooth length from k up to twice l is predicted cheaper beyond the tie,
            // and one cheaper within it has more factors 3.
            for j in k.max(2)..2 * l {
                if j.is_multiple_of(2) && is_7_smooth(j) {
                    assert!(
                        cost(j) * COST_TIE >= cost(l),
                        "{k} -> {l}, but {j} is cheaper"
                    );
                    if cost(j) < cost(l) {
                        assert!(threes(j) > threes(l), "{k} -> {l}, but {j} is as accurate");
                    }
                }
            }
        }
        // 1001 points: 1024 (a power of two) beats the next one, 1008 = 2^4·3^2·7.
        assert_eq!(fast_len(1001), Some(1024));
        assert_eq!(next_fast_len(1001), Some(1008));
        assert_eq!(fast_len(1024), Some(1024));
        // 1537 points: 1728 = 2^6·3^3 is predicted as fast as 1568 = 2^5·7^2, but less accurate.
        assert!((cost(1728) / cost(1568) - 1.0).abs() < 1e-3);
        assert_eq!(fast_len(1537), Some(1568));
        assert_eq!(fast_len(usize::MAX), None);
    }

    #[test]
    fn scan_finds_the_largest_finite_magnitude_and_any_non_finite() {
        for len in [1usize, 15, 16, 17, 100] {
            for at in [0, len / 2, len - 1] {
                let mut v = vec![0.25f32; len];
                v[at] = -3.0;
                assert_eq!(
                    scan(&v),
                    OperandStats {
                        exp: 1,
                        finite: true
                    },
                    "{len} {at}"
                );
                for bad in [f32::NAN, f32::INFINITY, f32::NEG_INFINITY] {
                    let mut w = v.clone();
                    w[(at + 1) % len] = bad;
                    // The -3 is overwritten only when it is the one sample.
                    let exp = if len == 1 { 0 } else { 1 };
                    assert_eq!(
                        scan(&w),
                        OperandStats { exp, finite: false },
                        "{len} {at} {bad}"
                    );
                }
                let mut c = vec![Complex::new(0.25f64, 0.0); len];
                c[at].im = 5.0;
                assert_eq!(
                    scan(&c),
                    OperandStats {
                        exp: 2,
                        finite: true
                    }
                );
                c[(at + 1) % len].im = f64::NAN;
                assert!(!scan(&c).finite, "{len} {at}");
            }
        }
        assert_eq!(
            scan(&[i64::MAX, 1]),
            OperandStats {
                exp: 0,
                finite: true
            }
        );
        assert_eq!(
            scan::<f64>(&[0.0, -0.0]),
            OperandStats {
                exp: 0,
                finite: true
            }
        );
    }

    #[test]
    fn pool_reuses_the_smallest_buffer_that_fits_and_keeps_large_ones_within_the_budget() {
        // A fresh thread: its pool starts empty.
        std::thread::spawn(|| {
            let count = || f32::with_pool(|p| p.reals.len()).unwrap();
            give(Vec::<f32>::with_capacity(100));
            give(Vec::<f32>::with_capacity(1000));
            assert_eq!(count(), 2);
            let v: Vec<f32> = take(50).unwrap();
            assert_eq!((v.len(), v.capacity()), (50, 100));
            assert_eq!(count(), 1);
            let w: Vec<f32> = take(5000).unwrap();
            assert_eq!(w.len(), 5000);
            assert!(w.iter().all(|&x| x == 0.0));
            assert_eq!(count(), 1);
            // Complex buffers are a separate list of the same pool.
            give(Vec::<Complex<f32>>::with_capacity(10));
            assert_eq!(f32::with_pool(|p| p.complexes.len()), Some(1));
            let bytes = f32::with_pool(|p| p.budget.small).unwrap();
            assert_eq!(bytes, 1000 * 4 + 10 * 8);
            // Over the per-buffer cap: counted against the process-wide budget (which other
            // tests' threads share, so it may be full), and taken back out.
            let large = MAX_BUFFER / 4 + 1;
            give(Vec::<f32>::with_capacity(large));
            let kept = f32::with_pool(|p| p.budget.large).unwrap();
            assert!(kept == 0 || kept == large * 4);
            assert_eq!(count(), if kept > 0 { 2 } else { 1 });
            if kept > 0 {
                let v: Vec<f32> = take(large).unwrap();
                assert_eq!(v.capacity(), large);
                assert_eq!(f32::with_pool(|p| p.budget.large), Some(0));
                give(v);
            }
            // Released: nothing kept.
            release_pools();
            assert_eq!(count(), 0);
            assert_eq!(
                f32::with_pool(|p| (p.budget.small, p.budget.large)),
                Some((0, 0))
            );
        })
        .join()
        .unwrap();
    }

    #[test]
    fn powers_of_two_have_no_radix_penalty() {
        assert_eq!(radix_factor(1 << 20), 1.0);
        assert!(radix_factor(1000) > radix_factor(1008));
        assert!(radix_factor(7 * 7 * 7 * 8) > 1.3);
    }
}
