//! Benchmarks of `convolve` against other crates; see `benches/`. Nothing is exported.
