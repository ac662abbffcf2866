//! Unpublished benches of `convolve` next to other Rust convolution crates; see `benches/`.
