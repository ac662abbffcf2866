//! The WAV writer's sample encodings: 16/24/32-bit integer PCM, with TPDF dither and a count
//! of clipped samples, and 32/64-bit IEEE float.
//!
//! Integer full scale is 2^(bits-1), the reader's convention (and sox's and ffmpeg's): a value
//! `x` becomes `round(x * 2^(bits-1))`, clamped to `-2^(bits-1) ..= 2^(bits-1) - 1`, so every
//! value the reader produces from an integer WAV is written back to the same integer.

use crate::sample::Sample;

/// How samples are stored in a WAV.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum WavEncoding {
    /// 16-bit integer PCM.
    Int16,
    /// 24-bit integer PCM.
    Int24,
    /// 32-bit integer PCM.
    Int32,
    /// 32-bit IEEE float: the default, it holds any level without clipping.
    #[default]
    Float32,
    /// 64-bit IEEE float.
    Float64,
}

impl WavEncoding {
    /// Bytes per sample.
    pub fn bytes(self) -> u16 {
        match self {
            WavEncoding::Int16 => 2,
            WavEncoding::Int24 => 3,
            WavEncoding::Int32 | WavEncoding::Float32 => 4,
            WavEncoding::Float64 => 8,
        }
    }

    /// Whether the samples are IEEE float (format tag 3) rather than integer PCM (tag 1).
    pub fn is_float(self) -> bool {
        matches!(self, WavEncoding::Float32 | WavEncoding::Float64)
    }

    /// What the file holds, for messages: "16-bit integer", "32-bit float".
    pub fn describe(self) -> String {
        let kind = if self.is_float() { "float" } else { "integer" };
        format!("{}-bit {kind}", 8 * self.bytes())
    }
}

/// How integer PCM is written and whether it is dithered.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct WavFormat {
    /// The sample encoding.
    pub encoding: WavEncoding,
    /// Add TPDF dither of ±1 LSB before rounding (integer encodings only).
    pub dither: bool,
}

/// Samples that did not fit an integer encoding, for the warning after the run.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Clipping {
    /// Samples clamped to the largest or smallest integer.
    pub clipped: u64,
    /// Largest magnitude written (1.0 is full scale); infinite if an input was.
    pub peak: f64,
}

impl Clipping {
    /// The peak in dB relative to full scale.
    pub fn peak_dbfs(&self) -> f64 {
        20.0 * self.peak.log10()
    }

    /// One line naming the clipped count and the peak, with the gain that would avoid it.
    pub fn warning(&self) -> String {
        let db = self.peak_dbfs();
        // At least 1 dB below the peak: TPDF dither moves a sample by up to 1 LSB.
        let gain = (db.max(0.0).ceil() + 1.0).min(999.0);
        format!(
            "warning: {} sample{} clipped; peak {:.2} ({:+.1} dBFS); use --normalize -1dBFS or --gain -{gain}",
            self.clipped,
            if self.clipped == 1 { "" } else { "s" },
            self.peak,
            db
        )
    }
}

/// Converts samples to a WAV's bytes: float as is, integers scaled, dithered and clamped.
#[derive(Clone, Debug)]
pub struct Encoder {
    format: WavFormat,
    /// State of the dither's generator, seeded with a constant so that the same input gives
    /// the same file.
    rng: u64,
    clipped: u64,
    peak: f64,
}

/// The dither generator's seed: any constant; this one is the golden ratio's bits.
const DITHER_SEED: u64 = 0x9E37_79B9_7F4A_7C15;

impl Encoder {
    /// An encoder of `format`.
    pub fn new(format: WavFormat) -> Self {
        Encoder {
            format,
            rng: DITHER_SEED,
            clipped: 0,
            peak: 0.0,
        }
    }

    /// The encoding written.
    pub fn encoding(&self) -> WavEncoding {
        self.format.encoding
    }

    /// What clipped so far; `None` for float encodings or when nothing did.
    pub fn clipping(&self) -> Option<Clipping> {
        (self.clipped > 0).then_some(Clipping {
            clipped: self.clipped,
            peak: self.peak,
        })
    }

    /// TPDF dither in LSB: the difference of two uniform values, triangular on (-1, 1) with
    /// mean 0 and variance 1/6. splitmix64 gives both from one 64-bit draw.
    fn tpdf(&mut self) -> f64 {
        self.rng = self.rng.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.rng;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        let unit = 1.0 / f64::from(1u32 << 31) / 2.0;
        f64::from(z as u32) * unit - f64::from((z >> 32) as u32) * unit
    }

    /// Appends frames `from..to` of `channels`, interleaved, to `out`.
    pub fn encode<T: Sample>(
        &mut self,
        channels: &[&[T]],
        from: usize,
        to: usize,
        out: &mut Vec<u8>,
    ) {
        let frames = from..to;
        match self.format.encoding {
            WavEncoding::Float32 => {
                for i in frames {
                    for ch in channels {
                        out.extend_from_slice(&(ch[i].to_f64() as f32).to_le_bytes());
                    }
                }
            }
            WavEncoding::Float64 => {
                for i in frames {
                    for ch in channels {
                        out.extend_from_slice(&ch[i].to_f64().to_le_bytes());
                    }
                }
            }
            WavEncoding::Int16 => self.integers(
                channels,
                frames,
                16,
                |q, out| {
                    out.extend_from_slice(&(q as i16).to_le_bytes());
                },
                out,
            ),
            WavEncoding::Int24 => self.integers(
                channels,
                frames,
                24,
                |q, out| {
                    out.extend_from_slice(&q.to_le_bytes()[..3]);
                },
                out,
            ),
            WavEncoding::Int32 => self.integers(
                channels,
                frames,
                32,
                |q, out| {
                    out.extend_from_slice(&q.to_le_bytes());
                },
                out,
            ),
        }
    }

    /// Quantizes to `bits`-bit integers, each stored by `put`.
    fn integers<T: Sample>(
        &mut self,
        channels: &[&[T]],
        frames: std::ops::Range<usize>,
        bits: u32,
        put: impl Fn(i32, &mut Vec<u8>),
        out: &mut Vec<u8>,
    ) {
        let full = f64::from(1u32 << (bits - 1));
        let (lo, hi) = (-full, full - 1.0);
        let dither = self.format.dither;
        for i in frames {
            for ch in channels {
                let x = ch[i].to_f64();
                let mut v = x * full;
                if dither {
                    v += self.tpdf();
                }
                let mut q = v.round();
                if !(lo..=hi).contains(&q) && !q.is_nan() {
                    self.clipped += 1;
                    q = q.clamp(lo, hi);
                }
                let a = x.abs();
                self.peak = if a > self.peak { a } else { self.peak };
                // NaN becomes 0, as the conversion defines it.
                put(q as i32, out);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ints(format: WavFormat, x: &[f64]) -> (Vec<i32>, Option<Clipping>) {
        let mut e = Encoder::new(format);
        let mut out = Vec::new();
        e.encode(&[x], 0, x.len(), &mut out);
        let width = usize::from(format.encoding.bytes());
        let v = out
            .chunks_exact(width)
            .map(|b| {
                let mut w = [0u8; 4];
                w[4 - width..].copy_from_slice(b);
                i32::from_le_bytes(w) >> (8 * (4 - width))
            })
            .collect();
        (v, e.clipping())
    }

    #[test]
    fn integers_round_at_the_readers_full_scale() {
        let plain = |encoding| WavFormat {
            encoding,
            dither: false,
        };
        let x = [
            0.0,
            0.5,
            -0.5,
            -1.0,
            1.0 / 32768.0,
            1.4 / 32768.0,
            1.6 / 32768.0,
        ];
        let (q, clip) = ints(plain(WavEncoding::Int16), &x);
        assert_eq!(q, [0, 16384, -16384, -32768, 1, 1, 2]);
        assert_eq!(clip, None);
        let (q, _) = ints(plain(WavEncoding::Int24), &[0.25, -1.0, 3.0 / 8_388_608.0]);
        assert_eq!(q, [2_097_152, -8_388_608, 3]);
        let (q, _) = ints(plain(WavEncoding::Int32), &[-0.5, 0.75]);
        assert_eq!(q, [-(1 << 30), 3 << 29]);
    }

    #[test]
    fn clipping_is_counted_with_the_peak() {
        let f = WavFormat {
            encoding: WavEncoding::Int16,
            dither: false,
        };
        let (q, clip) = ints(f, &[1.0, -1.83, 0.1, 1.2]);
        assert_eq!(q, [32767, -32768, 3277, 32767]);
        let clip = clip.unwrap();
        assert_eq!((clip.clipped, clip.peak), (3, 1.83));
        assert_eq!(
            clip.warning(),
            "warning: 3 samples clipped; peak 1.83 (+5.2 dBFS); use --normalize -1dBFS or --gain -7"
        );
    }

    #[test]
    fn tpdf_is_triangular_with_mean_zero() {
        let mut e = Encoder::new(WavFormat::default());
        let n = 200_000;
        let d: Vec<f64> = (0..n).map(|_| e.tpdf()).collect();
        assert!(d.iter().all(|x| x.abs() < 1.0));
        let mean = d.iter().sum::<f64>() / n as f64;
        let var = d.iter().map(|x| x * x).sum::<f64>() / n as f64;
        assert!(mean.abs() < 0.005, "mean {mean}");
        assert!((var - 1.0 / 6.0).abs() < 0.005, "variance {var}");
        // Triangular: a quarter of the mass beyond ±0.5 (uniform would have a half).
        let outer = d.iter().filter(|x| x.abs() > 0.5).count() as f64 / n as f64;
        assert!((outer - 0.25).abs() < 0.01, "outer {outer}");
    }
}
