//! The output's largest finite magnitude and its count of non-finite values, for the summary
//! line and `--normalize peak`.

use crate::sample::Sample;

/// Independent chains of the running maximum, so that the compiler keeps them in vector
/// registers (one chain was a third of a raw f32 stream's time through 1024 taps, and a
/// branch per value for the non-finite count a fifth of a 1-tap WAV job's).
const LANES: usize = 8;

/// Largest finite magnitude and count of non-finite values seen so far.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct PeakMeter {
    pub(crate) peak: f64,
    pub(crate) non_finite: u64,
}

impl PeakMeter {
    /// Takes every value of `channels` into account.
    pub(crate) fn observe<T: Sample>(&mut self, channels: &[&[T]]) {
        for c in channels {
            self.observe_one(c);
        }
    }

    /// Takes in what `other` saw.
    pub(crate) fn merge(&mut self, other: &PeakMeter) {
        self.peak = self.peak.max(other.peak);
        self.non_finite += other.non_finite;
    }

    // Not inlined: inside the streaming loop the running peak was kept on the stack.
    #[inline(never)]
    fn observe_one<T: Sample>(&mut self, x: &[T]) {
        // The fast pass: lane-wise maxima, and `a * 0` summed, which is NaN exactly when some
        // value is infinite or NaN (then the careful pass below counts them). Both are chains
        // the compiler turns into vector instructions; a select between two numbers is `max`.
        let mut peak = [self.peak; LANES];
        let mut poison = [0.0f64; LANES];
        let chunks = x.chunks_exact(LANES);
        let rest = chunks.remainder();
        for chunk in chunks {
            for j in 0..LANES {
                let a = chunk[j].magnitude();
                peak[j] = if a > peak[j] { a } else { peak[j] };
                poison[j] += a * 0.0;
            }
        }
        for &v in rest {
            let a = v.magnitude();
            peak[0] = if a > peak[0] { a } else { peak[0] };
            poison[0] += a * 0.0;
        }
        if poison.iter().sum::<f64>() == 0.0 {
            self.peak = peak.into_iter().fold(self.peak, f64::max);
            return;
        }
        for &v in x {
            let a = v.magnitude();
            if a.is_finite() {
                self.peak = self.peak.max(a);
            } else {
                self.non_finite += 1;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn peak_skips_non_finite_values_and_counts_them() {
        let mut m = PeakMeter::default();
        let mut x: Vec<f64> = (0..37).map(|i| f64::from(i) * 0.5 - 9.0).collect();
        x[3] = f64::NAN;
        x[20] = f64::INFINITY;
        x[36] = f64::NEG_INFINITY;
        m.observe(&[&x[..], &[-12.5f64][..]]);
        assert_eq!((m.peak, m.non_finite), (12.5, 3));
        m.observe::<f32>(&[&[1.0, f32::NAN]]);
        assert_eq!((m.peak, m.non_finite), (12.5, 4));
    }
}
