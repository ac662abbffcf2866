//! Raw little-endian float32 / float64 samples, channels interleaved.

use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom, Write};
use std::path::Path;

use anyhow::{Context, Result, bail};

use super::{FormatError, Sink, Source};
use crate::sample::Sample;

/// Raw little-endian float32/float64, `channels` interleaved.
pub struct RawSource {
    r: BufReader<File>,
    width: usize,
    channels: usize,
    frames: u64,
    bytes: Vec<u8>,
}

impl RawSource {
    /// Reads `file` as raw samples of `width` bytes (4 or 8).
    pub fn new(path: &Path, file: File, width: usize, channels: usize) -> Result<Self> {
        let bytes = file
            .metadata()
            .with_context(|| format!("cannot read `{}`", path.display()))?
            .len();
        let frame = (width * channels) as u64;
        if !bytes.is_multiple_of(frame) {
            bail!(FormatError::RawLength {
                path: path.to_path_buf(),
                bytes,
                width: frame,
            });
        }
        Ok(RawSource {
            r: BufReader::with_capacity(1 << 16, file),
            width,
            channels,
            frames: bytes / frame,
            bytes: Vec::new(),
        })
    }

    /// Rewinds to the first sample.
    pub fn rewind(&mut self) -> Result<()> {
        self.r.seek(SeekFrom::Start(0)).context("rewinding")?;
        Ok(())
    }
}

impl<T: Sample> Source<T> for RawSource {
    fn channels(&self) -> usize {
        self.channels
    }
    fn frames(&self) -> Option<u64> {
        Some(self.frames)
    }
    fn sample_rate(&self) -> Option<u32> {
        None
    }
    fn read(&mut self, max: usize, out: &mut [Vec<T>]) -> Result<usize> {
        let frame = self.width * self.channels;
        self.bytes.resize(max * frame, 0);
        // Fill as much as the file has: `read` may return short counts before the end.
        let mut filled = 0;
        while filled < self.bytes.len() {
            let got = self
                .r
                .read(&mut self.bytes[filled..])
                .context("reading raw samples")?;
            if got == 0 {
                break;
            }
            filled += got;
        }
        let frames = filled / frame;
        for o in out.iter_mut() {
            o.clear();
            o.reserve(frames);
        }
        let bytes = &self.bytes[..frames * frame];
        // One pass per channel over contiguous bytes: the compiler vectorizes the mono case.
        for (c, o) in out.iter_mut().enumerate() {
            let lanes = bytes
                .chunks_exact(frame)
                .map(|f| &f[c * self.width..][..self.width]);
            if self.width == 4 {
                o.extend(
                    lanes.map(|b| {
                        T::from_f64(f64::from(f32::from_le_bytes([b[0], b[1], b[2], b[3]])))
                    }),
                );
            } else {
                o.extend(lanes.map(|b| {
                    T::from_f64(f64::from_le_bytes([
                        b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7],
                    ]))
                }));
            }
        }
        Ok(frames)
    }
}

/// Writes raw little-endian samples of `width` bytes, channels interleaved.
pub struct RawSink<W: Write> {
    w: W,
    width: usize,
    bytes: Vec<u8>,
}

impl<W: Write> RawSink<W> {
    /// Raw writer of 4- or 8-byte floats.
    pub fn new(w: W, width: usize) -> Self {
        RawSink {
            w,
            width,
            bytes: Vec::new(),
        }
    }
}

impl<T: Sample, W: Write> Sink<T> for RawSink<W> {
    fn write(&mut self, channels: &[&[T]]) -> Result<()> {
        let frames = channels.first().map_or(0, |c| c.len());
        let (w, frame) = (self.width, self.width * channels.len());
        self.bytes.resize(frames * frame, 0);
        // One pass per channel into fixed-size slots: no per-sample capacity checks.
        for (c, ch) in channels.iter().enumerate() {
            let slots = self
                .bytes
                .chunks_exact_mut(frame)
                .map(|f| &mut f[c * w..][..w]);
            if w == 4 {
                for (b, x) in slots.zip(&ch[..frames]) {
                    b.copy_from_slice(&(x.to_f64() as f32).to_le_bytes());
                }
            } else {
                for (b, x) in slots.zip(&ch[..frames]) {
                    b.copy_from_slice(&x.to_f64().to_le_bytes());
                }
            }
        }
        self.w.write_all(&self.bytes).context("writing raw samples")
    }
    fn finish(&mut self) -> Result<()> {
        self.w.flush().context("writing raw samples")
    }
}
