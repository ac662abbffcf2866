//! Unpublished benches of `convolve` next to other Rust convolution crates (one-shot and streaming); see `benches/`. Nothing is exported.
