//! Interleaved WAV bytes to one buffer per channel and back, one channel at a time in tight
//! loops with the sample width fixed, so the compiler keeps them branch-free (a match per
//! sample and a push per value were most of a 1-tap job's time: docs/CLI.md, "Throughput").

use crate::sample::Sample;

/// Appends the samples of `bytes` (whole frames of `out.len()` channels of `width`-byte
/// samples, little-endian; IEEE float (32 or 64-bit) when `float`) to `out`, one vector per channel.
///
/// Integer PCM maps to -1..1 as every audio tool does: full scale is 2^(bits-1) of the
/// container (samples are left-justified in it); 8-bit is unsigned.
pub(super) fn decode<T: Sample>(bytes: &[u8], width: usize, float: bool, out: &mut [Vec<T>]) {
    let scale = 1.0 / (1u64 << (8 * width - 1)) as f64;
    match (width, float) {
        (8, true) => deinterleave::<T, 8>(bytes, out, |s| T::from_f64(f64::from_le_bytes(s))),
        (4, true) => deinterleave::<T, 4>(bytes, out, |s| {
            T::from_f64(f64::from(f32::from_le_bytes(s)))
        }),
        (1, _) => deinterleave::<T, 1>(bytes, out, |s| {
            T::from_f64(f64::from(i32::from(s[0]) - 128) * scale)
        }),
        (2, _) => deinterleave::<T, 2>(bytes, out, |s| {
            T::from_f64(f64::from(i16::from_le_bytes(s)) * scale)
        }),
        (3, _) => deinterleave::<T, 3>(bytes, out, |s| {
            T::from_f64(f64::from(i32::from_le_bytes([0, s[0], s[1], s[2]]) >> 8) * scale)
        }),
        _ => deinterleave::<T, 4>(bytes, out, |s| {
            T::from_f64(f64::from(i32::from_le_bytes(s)) * scale)
        }),
    }
}

/// `out[c]` gets sample `c` of every frame of `bytes`, converted by `f`.
#[inline(always)]
fn deinterleave<T: Sample, const W: usize>(
    bytes: &[u8],
    out: &mut [Vec<T>],
    f: impl Fn([u8; W]) -> T + Copy,
) {
    let sample = |s: &[u8]| f(s.try_into().expect("W bytes"));
    match out {
        // Contiguous: the compiler vectorizes it.
        [mono] => mono.extend(bytes.chunks_exact(W).map(sample)),
        // The frame size a constant: no bounds checks, and no zeroing before writing.
        [left, right] => {
            left.extend(bytes.chunks_exact(2 * W).map(|fr| sample(&fr[..W])));
            right.extend(bytes.chunks_exact(2 * W).map(|fr| sample(&fr[W..])));
        }
        _ => {
            let frame = W * out.len();
            for (c, o) in out.iter_mut().enumerate() {
                let at = c * W;
                o.extend(bytes.chunks_exact(frame).map(|fr| sample(&fr[at..at + W])));
            }
        }
    }
}

/// Replaces `bytes` with frames `from .. to` of `channels`, interleaved as little-endian
/// 32-bit floats.
pub(super) fn encode_f32<T: Sample>(
    channels: &[&[T]],
    from: usize,
    to: usize,
    bytes: &mut Vec<u8>,
) {
    // Every byte is overwritten: only a longer buffer than the last needs zeroing first.
    bytes.resize((to - from) * 4 * channels.len(), 0);
    let f32_bytes = |x: T| (x.to_f64() as f32).to_le_bytes();
    // Mono and stereo with the frame size a constant, as in `deinterleave`.
    match channels {
        [mono] => {
            for (s, &x) in bytes.chunks_exact_mut(4).zip(&mono[from..to]) {
                s.copy_from_slice(&f32_bytes(x));
            }
        }
        [left, right] => {
            let pairs = left[from..to].iter().zip(&right[from..to]);
            for (frame, (&l, &r)) in bytes.chunks_exact_mut(8).zip(pairs) {
                let (a, b) = frame.split_at_mut(4);
                a.copy_from_slice(&f32_bytes(l));
                b.copy_from_slice(&f32_bytes(r));
            }
        }
        _ => {
            let frame = 4 * channels.len();
            for (c, ch) in channels.iter().enumerate() {
                let at = 4 * c;
                for (fr, &x) in bytes.chunks_exact_mut(frame).zip(&ch[from..to]) {
                    fr[at..at + 4].copy_from_slice(&f32_bytes(x));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decode_every_width_and_encode_round_trip() {
        // Two frames of two channels at each width: full-scale negative and a small positive.
        let cases: [(usize, bool, Vec<u8>, [f64; 4]); 5] = [
            (
                1,
                false,
                vec![0, 255, 129, 128],
                [-1.0, 127.0 / 128.0, 1.0 / 128.0, 0.0],
            ),
            (
                2,
                false,
                vec![0, 0x80, 1, 0, 0xff, 0xff, 0, 0x40],
                [-1.0, 2f64.powi(-15), -2f64.powi(-15), 0.5],
            ),
            (
                3,
                false,
                vec![0, 0, 0x80, 1, 0, 0, 0, 0, 0x40, 0xff, 0xff, 0xff],
                [-1.0, 2f64.powi(-23), 0.5, -2f64.powi(-23)],
            ),
            (
                4,
                false,
                [i32::MIN, 1, 1 << 30, -1]
                    .iter()
                    .flat_map(|v| v.to_le_bytes())
                    .collect(),
                [-1.0, 2f64.powi(-31), 0.5, -2f64.powi(-31)],
            ),
            (
                4,
                true,
                [0.25f32, -2.0, 1.5, 0.0]
                    .iter()
                    .flat_map(|v| v.to_le_bytes())
                    .collect(),
                [0.25, -2.0, 1.5, 0.0],
            ),
        ];
        for (width, float, bytes, want) in cases {
            let mut out = vec![vec![9.0f64], Vec::new()];
            out[1].push(9.0);
            decode::<f64>(&bytes, width, float, &mut out);
            assert_eq!(
                out,
                [vec![9.0, want[0], want[2]], vec![9.0, want[1], want[3]]]
            );
            let mut mono = vec![Vec::<f32>::new()];
            decode::<f32>(&bytes, width, float, &mut mono);
            let all: Vec<f32> = want.iter().map(|&v| v as f32).collect();
            assert_eq!(mono[0], all, "width {width}");
            let mut enc = Vec::new();
            encode_f32::<f64>(&[&out[0], &out[1]], 1, 3, &mut enc);
            let back: Vec<f64> = enc
                .chunks_exact(4)
                .map(|b| f64::from(f32::from_le_bytes(b.try_into().unwrap())))
                .collect();
            assert_eq!(back, want);
            encode_f32::<f32>(&[&mono[0]], 0, 4, &mut enc);
            assert_eq!(enc.len(), 16);
        }
    }
}
