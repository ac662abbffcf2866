//! Zero-padded FFT multiplication: fast lengths, cached plans, and the one-shot FFT method.
//!
//! Real types go through a real transform (`fft/real.rs`: a length-`L` real transform costs
//! about half a complex one), complex types through `rustfft`, and integers through the `f64`
//! real transform with the exactness guard of [`crate::exact`].
//!
//! Only the kept outputs `lo .. hi` must be free of wrap-around, so the cyclic length is
//! `max(hi, full - lo)` rather than `full`: `Valid` needs just `max(n, m)`.

//! The pieces, each importing only those before it: [`real`] (the even-length real transform),
//! [`cache`] (plans and work buffers per thread), [`transform`] (the transform kinds),
//! [`fast_len`](mod@fast_len), [`stats`] (the operand scan), [`product`] (the spectral product and the
//! one-thread method), [`joined`] (the two-thread method) and [`floor`] (for the benchmarks).
//! This file only re-exports them.

mod cache;
mod fast_len;
mod floor;
#[cfg(feature = "rayon")]
mod joined;
mod product;
mod real;
mod stats;
mod transform;

pub use cache::FftFloat;
pub(crate) use cache::release_pools;
pub(crate) use fast_len::{FastLen, cyclic_len, fast_len_table_from, next_fast_len, radix_factor};
pub use floor::FftFloor;
#[cfg(feature = "rayon")]
pub(crate) use joined::run_joined;
pub(crate) use product::{SpectralKernel, run};
pub(crate) use stats::{OperandStats, error_stays_finite, scan, scan_split};
pub(crate) use transform::{RealTransform, TransformKind, Transformable};
// The N-D transforms' pieces.
#[cfg(feature = "ndarray")]
pub(crate) use cache::{ComplexPlans, give, take};
#[cfg(feature = "ndarray")]
pub(crate) use fast_len::fast_len;
#[cfg(feature = "ndarray")]
pub(crate) use product::{load, multiply, multiply_scaled};
