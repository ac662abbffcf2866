//! Unpublished benches of `convolve` next to other Rust convolution crates (one-shot and streaming); see `benches/`. The only export is `zita`, a wrapper over the zita-convolver C++ library, built when its header is installed (`build.rs`).

#[cfg(zita)]
pub mod zita;
