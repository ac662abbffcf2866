//! The benches' impulse response: decaying deterministic noise, shared by
//! `benches/stream_realtime.rs` and `peers/benches/stream_vs_fft_convolver.rs` (included by
//! path), so that their figures compare.

/// `len` taps of xorshift noise in [-0.5, 0.5) under `exp(-3·i/len)`.
pub fn impulse_response(len: usize) -> Vec<f32> {
    let mut s = 0x2545_f491_4f6c_dd1du64;
    (0..len)
        .map(|i| {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            let noise = (s >> 40) as f32 / (1u64 << 24) as f32 - 0.5;
            noise * (-3.0 * i as f32 / len as f32).exp()
        })
        .collect()
}
