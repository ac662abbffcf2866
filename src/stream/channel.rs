//! What each channel keeps between calls, and the cross-fade between two kernels.

use num_traits::FromPrimitive;

use crate::alloc::{TryClone, try_clone_all, try_copy};
use crate::element::Element;
use crate::error::ConvError;
use crate::fft::TransformKind;

use super::segment::DelayLine;

/// What each channel keeps between calls.
pub(super) struct Channel<T: Element> {
    /// Samples consumed since the last reset.
    pub(super) t: usize,
    /// The head's input: the `head.len() - 1` samples before this block, then this block's.
    pub(super) recent: Vec<T>,
    /// The segments' sums for the next `out_len` outputs, at `t % out_len`, per bank.
    pub(super) output: Vec<T>,
    pub(super) lines: Vec<DelayLine<T>>,
    /// The time `set_kernel` started a cross-fade at, until it ends.
    pub(super) fade: Option<usize>,
}

impl<T: Element> TryClone for Channel<T> {
    fn try_clone(&self) -> Result<Self, ConvError> {
        Ok(Channel {
            t: self.t,
            recent: try_copy(&self.recent)?,
            output: try_copy(&self.output)?,
            lines: try_clone_all(&self.lines)?,
            fade: self.fade,
        })
    }
}

impl<T: Element> Channel<T> {
    /// Whether this channel's cross-fade, which lasts `end` samples (delay and fade), is still
    /// running; one that has played out is not, even before a call clears it.
    pub(super) fn fading(&self, end: usize) -> bool {
        self.fade.is_some_and(|start| self.t < start + end)
    }
}

/// `out[i] ← g·out[i] + (1 - g)·mix[i]` with `g` the new kernel's gain at each sample: the
/// new bank's output faded in over the old one's.
pub(super) fn crossfade<T: Element>(out: &mut [T], mix: &[T], mut gain: FadeGain) {
    let scale = |x: T, g: f64| {
        let g = <<T::Transform as TransformKind>::F as FromPrimitive>::from_f64(g);
        T::from_sample(T::Transform::scale(x.to_sample(), g.expect("a gain fits")))
    };
    for (o, &m) in out.iter_mut().zip(mix.iter()) {
        let g = gain.advance();
        *o = T::add(scale(*o, g), scale(m, 1.0 - g));
    }
}

/// The new kernel's gain from `r` samples after a cross-fading `set_kernel` on, sample by
/// sample: 0 for the first `delay` samples, then `(1 - cos(π·i / len)) / 2` at sample `i` of
/// the fade, then 1. The cosine advances by a rotation (two multiply-adds per sample instead of
/// a `cos` call; over one chunk of at most `p0` samples the rounding stays near 1e-14).
pub(super) struct FadeGain {
    /// The fade's sample index, negative during the delay.
    i: i64,
    len: i64,
    cos: f64,
    sin: f64,
    step: (f64, f64),
}

impl FadeGain {
    pub(super) fn new(r: usize, delay: usize, len: usize) -> Self {
        let i = r as i64 - delay as i64;
        let angle = |i: i64| std::f64::consts::PI * i as f64 / len as f64;
        FadeGain {
            i,
            len: len as i64,
            cos: angle(i).cos(),
            sin: angle(i).sin(),
            step: (angle(1).cos(), angle(1).sin()),
        }
    }

    fn advance(&mut self) -> f64 {
        let g = match self.i {
            i if i < 0 => 0.0,
            i if i < self.len => 0.5 - 0.5 * self.cos,
            _ => 1.0,
        };
        let (c, s) = self.step;
        (self.cos, self.sin) = (self.cos * c - self.sin * s, self.sin * c + self.cos * s);
        self.i += 1;
        g
    }
}
