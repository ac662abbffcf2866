//! Streaming helpers: every engine configuration, and a signal streamed in random chunks.

use convolve::{Element, Head, Latency, Partitioning, StreamBuilder, StreamConvolver};
use rand::RngExt;
use rand_chacha::ChaCha8Rng;

/// Every latency × partitioning × head combination the engine has.
pub const STREAM_MODES: [(Latency, Partitioning, Head); 6] = [
    (Latency::Zero, Partitioning::NonUniform, Head::Fft),
    (Latency::Zero, Partitioning::Uniform, Head::Fft),
    (Latency::Block, Partitioning::NonUniform, Head::Auto),
    (Latency::Block, Partitioning::Uniform, Head::Auto),
    (Latency::Zero, Partitioning::NonUniform, Head::Direct),
    (Latency::Zero, Partitioning::Uniform, Head::Direct),
];

pub fn builder(
    block: usize,
    (latency, part, head): (Latency, Partitioning, Head),
) -> StreamBuilder {
    StreamBuilder::new(block)
        .latency(latency)
        .partitioning(part)
        .head(head)
}

/// Streams `x` through `conv` in random chunks of 1 ..= `max_chunk`, then flushes the tail;
/// returns the output without the leading `latency` samples (checked to be silent).
pub fn stream<T: Element + Default + PartialEq>(
    conv: &mut StreamConvolver<T>,
    x: &[T],
    r: &mut ChaCha8Rng,
    max_chunk: usize,
) -> Vec<T> {
    let mut out = vec![T::default(); x.len() + conv.tail_len()];
    let mut at = 0;
    while at < x.len() {
        let n = r.random_range(1..=max_chunk).min(x.len() - at);
        conv.process(&x[at..at + n], &mut out[at..at + n]).unwrap();
        at += n;
    }
    conv.flush(&mut out[at..]).unwrap();
    let latency = conv.latency();
    assert!(
        out[..latency].iter().all(|&e| e == T::default()),
        "latency samples are silent"
    );
    out.split_off(latency)
}
