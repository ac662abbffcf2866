//! Saving and restoring a stream mid-way: [`StreamConvolver::save_state`] and
//! [`StreamConvolver::load_state`], for pickling in Python and for moving a stream to another
//! process.
//!
//! The bytes are a header (magic, version, byte order, element type), the layout's numbers
//! (every buffer length and option that shapes the engine, compared on load), then the
//! kernels' data (bank, lengths, direct-head taps, partition spectra) and every channel's
//! history (time, fade, rings, delay lines). Plans and scratch buffers are not saved: the
//! loading convolver, built the same way, has its own, and scratch is rewritten before it is
//! read.

use crate::alloc::try_zeroed;
use crate::arith::ElementKind;
use crate::element::Element;
use crate::error::ConvError;

use super::config::Latency;
use super::convolver::StreamConvolver;
use super::segment::{Bin, Scratch};
use super::workers::Job;

const MAGIC: &[u8; 8] = b"CVSTREAM";
const VERSION: u64 = 4;
/// Written in native order: a state from a machine of the other byte order does not match.
const BYTE_ORDER: u64 = 0x0102_0304_0506_0708;

fn kind_code(kind: ElementKind) -> u64 {
    match kind {
        ElementKind::F32 => 1,
        ElementKind::F64 => 2,
        ElementKind::ComplexF32 => 3,
        ElementKind::ComplexF64 => 4,
        ElementKind::I32 => 5,
        ElementKind::I64 => 6,
    }
}

/// Appends to a vector reserved fallibly, so that a state too large for memory is an error.
struct Writer(Vec<u8>);

impl Writer {
    fn bytes(&mut self, b: &[u8]) -> Result<(), ConvError> {
        self.0
            .try_reserve(b.len())
            .map_err(|_| ConvError::Allocation {
                bytes: self.0.len().saturating_add(b.len()),
            })?;
        self.0.extend_from_slice(b);
        Ok(())
    }
    fn u64(&mut self, v: u64) -> Result<(), ConvError> {
        self.bytes(&v.to_ne_bytes())
    }
    fn slice<P: bytemuck::Pod>(&mut self, v: &[P]) -> Result<(), ConvError> {
        self.bytes(bytemuck::cast_slice(v))
    }
}

struct Reader<'a>(&'a [u8]);

impl Reader<'_> {
    fn take(&mut self, n: usize) -> Result<&[u8], ConvError> {
        if self.0.len() < n {
            return Err(ConvError::InvalidState { what: "length" });
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Ok(head)
    }
    fn u64(&mut self) -> Result<u64, ConvError> {
        let b = self.take(8)?;
        Ok(u64::from_ne_bytes(b.try_into().expect("8 bytes")))
    }
    /// A `u64` that must be below `limit` (`what` names it in the error).
    fn index(&mut self, limit: usize, what: &'static str) -> Result<usize, ConvError> {
        let v = self.u64()?;
        if v < limit as u64 {
            Ok(v as usize)
        } else {
            Err(ConvError::InvalidState { what })
        }
    }
    fn fill<P: bytemuck::Pod>(&mut self, dst: &mut [P]) -> Result<(), ConvError> {
        let dst: &mut [u8] = bytemuck::cast_slice_mut(dst);
        dst.copy_from_slice(self.take(dst.len())?);
        Ok(())
    }
}

impl<T: Element> StreamConvolver<T> {
    /// Everything that shapes the engine, as numbers: a state loads only where they are equal.
    fn layout_numbers(&self) -> Vec<u64> {
        let mut v = vec![
            self.p0,
            self.capacity,
            self.banks,
            self.fade_len,
            self.fade_delay,
            self.fft_head as usize,
            matches!(self.latency, Latency::Block) as usize,
            self.in_len,
            self.out_len,
            self.head.len(),
            self.channels.len(),
            self.ins,
            self.outs,
            self.channels[0].recent.len(),
            self.segments.len(),
        ];
        for (s, line) in self.segments.iter().zip(&self.channels[0].lines) {
            v.extend([s.spec.size, s.spec.offset, s.spec.count]);
            v.extend([s.bank_len(), line.spectra.len(), line.acc.len()]);
        }
        v.push(self.bg.shared.lanes.len());
        for (s, lane) in self.bg.segments().zip(&self.bg.shared.lanes) {
            v.extend([s.spec.size, s.spec.offset, s.spec.count]);
            v.extend([s.bank_len(), lane.ring_len]);
        }
        v.into_iter().map(|x| x as u64).collect()
    }

    /// The stream's whole state as bytes: the kernel(s) and every channel's signal history.
    /// [`load_state`](Self::load_state) into a convolver built the same way (element type,
    /// block length, capacity, channels and options; any kernel) makes it continue exactly,
    /// bit for bit, as this one would. Allocates; for a control thread, not the audio one.
    ///
    /// ```
    /// use convolve::StreamConvolver;
    /// let mut a = StreamConvolver::new(&[1.0f64, 2.0, 3.0], 4).unwrap();
    /// let mut out = [0.0; 2];
    /// a.process(&[1.0, 0.0], &mut out).unwrap();
    /// let mut b = StreamConvolver::new(&[0.0f64; 3], 4).unwrap();
    /// b.load_state(&a.save_state().unwrap()).unwrap();
    /// let (mut x, mut y) = ([0.0; 2], [0.0; 2]);
    /// a.process(&[0.0, 0.0], &mut x).unwrap();
    /// b.process(&[0.0, 0.0], &mut y).unwrap();
    /// assert_eq!((x, y), ([3.0, 0.0], [3.0, 0.0]));
    /// ```
    pub fn save_state(&self) -> Result<Vec<u8>, ConvError> {
        let mut w = Writer(Vec::new());
        w.bytes(MAGIC)?;
        w.u64(VERSION)?;
        w.u64(BYTE_ORDER)?;
        w.u64(kind_code(T::KIND))?;
        let layout = self.layout_numbers();
        w.u64(layout.len() as u64)?;
        w.slice(&layout)?;
        w.u64(self.bank as u64)?;
        w.u64(self.kernel_lens[0] as u64)?;
        w.u64(self.kernel_lens[1] as u64)?;
        w.slice(&self.head)?;
        for s in &self.segments {
            for bank in &s.kernel {
                w.slice(&bank.spectra)?;
            }
        }
        for (k, c) in self.channels.iter().enumerate() {
            w.u64(c.t as u64)?;
            w.u64(c.fade.map_or(0, |start| start as u64 + 1))?;
            w.slice(&c.recent)?;
            w.slice(self.bg.input(k))?;
            w.slice(&c.output)?;
            for line in &c.lines {
                w.u64(line.head as u64)?;
                w.slice(&line.spectra)?;
                w.slice(&line.acc)?;
            }
        }
        for s in self.bg.segments() {
            for bank in &s.kernel {
                w.slice(&bank.spectra)?;
            }
        }
        let mut scratch = Scratch::new(self.bg.segments(), 0)?;
        self.bg.quiesce(&mut scratch);
        for (work, ring, restart) in self.bg.lanes() {
            match work.job {
                None => w.u64(0)?,
                Some(job) => {
                    let next = if restart { 0 } else { job.next };
                    w.u64(job.trigger as u64 + 1)?;
                    w.slice(&[job.nbanks, job.banks[0], job.banks[1], next].map(|x| x as u64))?;
                }
            }
            w.u64(work.line.head as u64)?;
            w.slice(&work.line.spectra)?;
            if restart {
                // A job a worker had begun before this process forked restarts from zero sums.
                w.slice(&try_zeroed::<Bin<T>>(work.line.acc.len())?)?;
            } else {
                w.slice(&work.line.acc)?;
            }
            w.slice(&work.window)?;
            w.slice(ring)?;
        }
        Ok(w.0)
    }

    /// Restores a state from [`save_state`](Self::save_state): kernel(s) and history. Validated
    /// first; on error the convolver is unchanged. Allocates (a copy of the state is built,
    /// then swapped in).
    ///
    /// ```
    /// use convolve::{ConvError, StreamConvolver};
    /// let a = StreamConvolver::new(&[1.0f32, 2.0], 4).unwrap();
    /// let mut b = StreamConvolver::new(&[1.0f32, 2.0], 8).unwrap();
    /// assert!(matches!(b.load_state(&a.save_state().unwrap()), Err(ConvError::InvalidState { .. })));
    /// assert!(b.load_state(b"not a state").is_err());
    /// ```
    ///
    /// # Errors
    /// [`ConvError::InvalidState`] when the bytes are not a state of this element type, byte
    /// order and layout, have the wrong length, or hold an out-of-range index.
    pub fn load_state(&mut self, bytes: &[u8]) -> Result<(), ConvError> {
        let header = ConvError::InvalidState { what: "header" };
        let mut r = Reader(bytes);
        if r.take(MAGIC.len()).ok() != Some(&MAGIC[..])
            || r.u64()? != VERSION
            || r.u64()? != BYTE_ORDER
            || r.u64()? != kind_code(T::KIND)
        {
            return Err(header);
        }
        let layout = self.layout_numbers();
        let mut theirs = vec![0u64; r.index(layout.len() + 1, "layout")?];
        r.fill(&mut theirs)?;
        if theirs != layout {
            return Err(ConvError::InvalidState { what: "layout" });
        }
        let mut next = self.try_clone()?;
        next.bg.settle(&mut next.scratch);
        next.bank = r.index(self.banks, "bank")?;
        for b in 0..2 {
            next.kernel_lens[b] = r.index(self.capacity + 1, "kernel length")?;
        }
        // The current kernel is never empty; the other bank is empty until a cross-fade.
        if next.kernel_lens[next.bank] == 0 || (self.banks == 1 && next.kernel_lens[1] != 0) {
            return Err(ConvError::InvalidState {
                what: "kernel length",
            });
        }
        r.fill(&mut next.head)?;
        for s in &mut next.segments {
            for bank in &mut s.kernel {
                r.fill(&mut bank.spectra)?;
                bank.find_silent();
            }
        }
        let rings = next.bg.inputs_mut();
        let per = rings.len() / next.channels.len();
        for (c, input) in next.channels.iter_mut().zip(rings.chunks_exact_mut(per)) {
            c.t = r.index(usize::MAX, "time")?;
            c.fade = match r.u64()? {
                0 => None,
                start if self.banks > 1 && start - 1 <= c.t as u64 => Some(start as usize - 1),
                _ => return Err(ConvError::InvalidState { what: "fade" }),
            };
            r.fill(&mut c.recent)?;
            r.fill(input)?;
            r.fill(&mut c.output)?;
            for (line, s) in c.lines.iter_mut().zip(&next.segments) {
                line.head = r.index(s.spec.count, "delay line")?;
                r.fill(&mut line.spectra)?;
                r.fill(&mut line.acc)?;
            }
        }
        for s in next.bg.segments_mut() {
            for bank in &mut s.kernel {
                r.fill(&mut bank.spectra)?;
                bank.find_silent();
            }
        }
        let channels = self.channels.len();
        let sizes: Vec<usize> = next.bg.segments().map(|s| s.spec.size).collect();
        let times: Vec<usize> = next.channels.iter().map(|c| c.t).collect();
        let banks = self.banks;
        for (i, (work, ring)) in next.bg.lanes_mut().enumerate() {
            let (size, t) = (sizes[i / channels], times[i % channels]);
            work.job = match r.u64()? {
                0 => None,
                trigger => {
                    let trigger = trigger as usize - 1;
                    let nbanks = r.index(banks + 1, "job")?;
                    let b = [r.index(banks, "job")?, r.index(banks, "job")?];
                    let next = r.index(usize::MAX, "job")?;
                    if nbanks == 0 || trigger < size || !trigger.is_multiple_of(size) || trigger > t
                    {
                        return Err(ConvError::InvalidState { what: "job" });
                    }
                    Some(Job {
                        trigger,
                        banks: b,
                        nbanks,
                        next,
                    })
                }
            };
            work.line.head = r.index(1, "delay line")?;
            r.fill(&mut work.line.spectra)?;
            r.fill(&mut work.line.acc)?;
            r.fill(&mut work.window)?;
            r.fill(ring)?;
        }
        if !r.0.is_empty() {
            return Err(ConvError::InvalidState { what: "length" });
        }
        next.bg.complete_loaded(&mut next.scratch);
        *self = next;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use crate::{ConvError, StreamBuilder, StreamConvolver};

    #[test]
    fn every_truncation_and_flipped_header_byte_is_rejected() {
        let mut conv = StreamBuilder::new(8)
            .crossfade(16)
            .build(&[1i64, -2, 3])
            .unwrap();
        let mut out = [0; 13];
        conv.process(&[5; 13], &mut out).unwrap();
        conv.set_kernel(&[7, 7]).unwrap();
        conv.process(&[1; 13], &mut out).unwrap();
        let state = conv.save_state().unwrap();
        let mut other = StreamBuilder::new(8)
            .crossfade(16)
            .capacity(3)
            .build(&[0i64])
            .unwrap();
        other.load_state(&state).unwrap();
        assert_eq!(other.save_state().unwrap(), state);
        for len in 0..state.len() {
            let err = other.load_state(&state[..len]).unwrap_err();
            assert!(matches!(err, ConvError::InvalidState { .. }), "{len}");
        }
        for i in 0..48 {
            let mut bad = state.clone();
            bad[i] ^= 0x10;
            assert!(other.load_state(&bad).is_err(), "byte {i}");
        }
        let mut longer = state.clone();
        longer.push(0);
        assert!(other.load_state(&longer).is_err());
        // Unchanged by the failures.
        assert_eq!(other.save_state().unwrap(), state);
        let float = StreamConvolver::new(&[1.0f64], 8).unwrap();
        assert!(other.load_state(&float.save_state().unwrap()).is_err());
    }
}
