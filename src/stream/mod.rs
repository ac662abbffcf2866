//! Block-by-block streaming convolution for audio: partitioned, allocation-free, low latency.
//!
//! The kernel is split into segments of uniformly partitioned overlap-save FFT convolution
//! whose partitions double in size along the kernel ([`layout`]). For zero latency the first
//! partition is either recomputed by FFT on every call from the partial block ([`Head::Fft`])
//! or computed directly sample by sample ([`Head::Direct`]). Every buffer and FFT plan is made
//! in the constructor; [`StreamConvolver::process`], [`StreamConvolver::set_kernel`] and
//! [`StreamConvolver::reset`] only read and write them.

//! The pieces: [`config`] (the builder's options), [`layout`] (where the segments go),
//! [`segment`] (one uniformly partitioned segment and its per-channel delay line), [`channel`]
//! (per-channel state and the cross-fade), [`convolver`] (the public type and its engine),
//! [`kernel`] (replacing the kernel, at once or prepared on another thread), [`matrix`] (N
//! inputs to M outputs, a kernel per pair, transforms shared),
//! [`limbs`] (the limb split that makes integer streams exact), [`state`] (saving and
//! restoring a stream mid-way), [`workers`] (the long partitions as jobs for background
//! threads) and [`pace`] (when the workers look for jobs, so the audio thread wakes no one).

mod channel;
mod config;
mod convolver;
mod input;
mod kernel;
pub(crate) mod layout;
mod limbs;
mod matrix;
mod pace;
mod segment;
mod state;
mod workers;

pub use config::{Head, Latency, Partitioning, StreamBuilder};
pub use convolver::StreamConvolver;
pub use kernel::PreparedKernel;
pub use matrix::StreamMatrix;
