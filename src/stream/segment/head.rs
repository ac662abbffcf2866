//! The zero-latency FFT head (a segment at offset 0, run on every call from the partial
//! block) and its tail (`layout::split_head`): the head's older partitions, whose sum a
//! worker may compute a block ahead.

use num_complex::Complex;
use num_traits::Zero;

use crate::element::private::Scalar;
use crate::fft::TransformKind;

use super::{DelayLine, Scratch, Segment, limb, mac, mac_to};

impl<T: Scalar> Segment<T> {
    /// The FFT head (a segment at offset 0), once per call. `input` holds the inputs' rings
    /// end to end (as [`step`](Self::step)); in each, `prev` is where the previous block of
    /// `size` inputs starts and `cur` the current block, `len` samples so far, of which the
    /// last `n` are new. Each input's partial window is transformed, multiplied by partition
    /// 0's spectra, added to `older` (the other partitions' sum, made when the previous block
    /// completed) and transformed back once per output; the samples of the new positions are
    /// added to `out[slot · stride..][..n]` for each `slot = bank · outs + output` of `banks`.
    /// When the block is complete, its spectra enter the delay line and `older` is made for
    /// the next block: the tail's sum (`tail`: its delay line, whose job for this block is
    /// complete, and the number of blocks up to this one's end) plus partition 1's term, and
    /// the block's spectra go to the tail too, in its slot (that number mod its count). `older` is
    /// `line.acc`. Integers do this per limb (`limbs.rs`).
    #[allow(clippy::too_many_arguments)]
    pub fn run_head(
        &self,
        line: &mut DelayLine<T>,
        input: &[T],
        (prev, cur, len): (usize, usize, usize),
        banks: &[usize],
        (out, stride, n): (&mut [T], usize, usize),
        tail: Option<(&mut DelayLine<T>, usize)>,
        scratch: &mut Scratch<T>,
    ) {
        let (size, count, bins, limbs) = (self.spec.size, self.spec.count, self.bins, self.limbs);
        let full = len == size;
        if full {
            line.head = if line.head == 0 {
                count - 1
            } else {
                line.head - 1
            };
        }
        let (lanes, head) = (limbs.count * bins, line.head);
        // Input `i`'s newest spectrum of limb `j`.
        let newest = |i: usize, j: usize| (i * count + head) * lanes + j * bins;
        let ring_len = input.len() / self.ins;
        for (i, ring) in input.chunks_exact(ring_len).enumerate() {
            for j in 0..limbs.count {
                let time = &mut scratch.time[..2 * size];
                limb(&mut time[..size], &ring[prev..prev + size], limbs, j);
                limb(&mut time[size..size + len], &ring[cur..cur + len], limbs, j);
                time[size + len..].fill(Default::default());
                let x = if full {
                    &mut line.spectra[newest(i, j)..][..bins]
                } else {
                    &mut scratch.partial[(i * limbs.count + j) * bins..][..bins]
                };
                T::Transform::forward(&self.plans, time, x, &mut scratch.fft);
            }
        }
        for &bank in banks {
            for o in 0..self.outs {
                let slot = bank * self.outs + o;
                for s in 0..limbs.count {
                    let at = (slot * limbs.count + s) * bins;
                    let acc = &mut line.acc[at..at + bins];
                    let sum = &mut scratch.sum[..bins];
                    let mut terms = 0;
                    for i in 0..self.ins {
                        let Some(kernel) = self.pair(bank, i, o) else {
                            continue;
                        };
                        for (j, k) in limbs.pairs(s) {
                            let x = if full {
                                &line.spectra[newest(i, j)..][..bins]
                            } else {
                                &scratch.partial[(i * limbs.count + j) * bins..][..bins]
                            };
                            let h = &kernel[k * bins..(k + 1) * bins];
                            if terms == 0 {
                                mac_to(sum, acc, x, h);
                            } else {
                                mac(sum, x, h);
                            }
                            terms += 1;
                        }
                    }
                    if terms == 0 {
                        sum.copy_from_slice(acc);
                    }
                    let time = &mut scratch.time[..2 * size];
                    T::Transform::inverse(&self.plans, sum, time, &mut scratch.fft);
                    let shift = limbs.limb(s).0;
                    let out = &mut out[slot * stride..][..n];
                    for (o, &r) in out.iter_mut().zip(&time[size + len - n..]) {
                        *o = T::add_limb(*o, r, shift);
                    }
                    if full {
                        // Next block: older = Σ_{p ≥ 1} X[k + 1 - p] · H_p, slot `head + p - 1`,
                        // the terms from p = 2 on the tail's sum.
                        match &tail {
                            Some((tail, _)) => acc.copy_from_slice(&tail.acc[at..at + bins]),
                            None => acc.fill(Complex::zero()),
                        }
                        for i in 0..self.ins {
                            let spectra = &line.spectra[i * count * lanes..][..count * lanes];
                            let (front, back) = spectra.split_at(head * lanes);
                            let slots = back.chunks_exact(lanes).chain(front.chunks_exact(lanes));
                            let Some(kernel) = self.pair(bank, i, o) else {
                                continue;
                            };
                            let partitions = kernel.chunks_exact(lanes).skip(1);
                            for (x, h) in slots.zip(partitions) {
                                for (j, k) in limbs.pairs(s) {
                                    mac(
                                        acc,
                                        &x[j * bins..(j + 1) * bins],
                                        &h[k * bins..(k + 1) * bins],
                                    );
                                }
                            }
                        }
                    }
                }
            }
        }
        if full && let Some((tail, blocks)) = tail {
            let tail_count = tail.spectra.len() / (self.ins * lanes);
            let slot = blocks % tail_count;
            for i in 0..self.ins {
                let at = (i * tail_count + slot) * lanes;
                tail.spectra[at..at + lanes]
                    .copy_from_slice(&line.spectra[newest(i, 0)..][..lanes]);
            }
        }
    }

    /// The FFT head's tail (`layout::split_head`), for the head's block after the one ending
    /// at trigger `t`: for each of `banks`, output and limb weight, `Σ_q X[n - q] · H_q` over
    /// its partitions `q` into `line.acc` (the other banks' sums zero), where `X[n]`, in slot
    /// `n mod count` with `n = t / size`, is the spectrum of the block ending at `t`, which
    /// the head put in.
    pub fn tail_sum(&self, line: &mut DelayLine<T>, t: usize, banks: &[usize]) {
        let (count, bins, limbs) = (self.spec.count, self.bins, self.limbs);
        let lanes = limbs.count * bins;
        let newest = t / self.spec.size % count;
        line.acc.fill(Complex::zero());
        let spectra = &line.spectra;
        self.sums(banks, &mut line.acc, |bank, o, s, acc| {
            for i in 0..self.ins {
                let Some(kernel) = self.pair(bank, i, o) else {
                    continue;
                };
                for q in 0..count {
                    let x = &spectra[(i * count + (newest + count - q) % count) * lanes..];
                    let h = &kernel[q * lanes..];
                    for (j, k) in limbs.pairs(s) {
                        mac(acc, &x[j * bins..][..bins], &h[k * bins..][..bins]);
                    }
                }
            }
        });
    }
}
