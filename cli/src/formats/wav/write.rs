//! Writing WAV (32-bit float unless told otherwise: [`super::encode`]): RIFF while it fits,
//! RF64 (EBU Tech 3306) beyond 4 GiB, and a streamed header on a pipe.
//!
//! A seekable file starts with a 36-byte `JUNK` chunk after `WAVE`, the size of a `ds64`
//! chunk. When the file is finished it is a plain RIFF if its sizes fit in 32 bits; otherwise
//! `RIFF` becomes `RF64`, `JUNK` becomes `ds64` with the 64-bit sizes, and the 32-bit size
//! fields hold 0xFFFFFFFF (the layout of ffmpeg's `-rf64 auto`). A RIFF reader skips chunks
//! it does not know, JUNK included (EBU Tech 3306 relies on it; the tests check hound does).

use std::io::{self, Seek, SeekFrom, Write};

use anyhow::{Context, Result, bail};

use super::encode::{Clipping, Encoder, WavEncoding, WavFormat};
use super::read::UNKNOWN_SIZE;
use crate::formats::Sink;
use crate::sample::Sample;

/// The largest RIFF size field: sizes beyond it need RF64.
pub const RIFF_LIMIT: u64 = u32::MAX as u64;

/// Bytes of a `ds64` body without a table: RIFF size, data size, sample count, table length.
const DS64_BODY: u32 = 28;
/// Offset of the `JUNK`/`ds64` chunk, right after `RIFF size WAVE`.
const DS64_AT: u64 = 12;
/// Bytes before the first sample: RIFF header, JUNK/ds64, fmt (16 bytes), data header.
const HEADER_LEN: u64 = 12 + 8 + DS64_BODY as u64 + 8 + 16 + 8;
/// Offset of the data chunk's size field.
const DATA_SIZE_AT: u64 = HEADER_LEN - 4;

/// Frames encoded per write to the underlying writer.
const ENCODE_FRAMES: usize = 8192;

/// Where the output goes: a file whose header is completed at the end, or a pipe.
pub enum Target<W: Write + Seek, P: Write> {
    /// A seekable file.
    File(W),
    /// A stream that cannot seek back (stdout): sizes are left as 0xFFFFFFFF.
    Pipe(P),
}

/// Writes WAV in the encoding of its [`WavFormat`].
pub struct WavSink<W: Write + Seek, P: Write = io::Sink> {
    pub(super) target: Target<W, P>,
    finished: bool,
    channels: u16,
    encoder: Encoder,
    /// Bytes of samples written so far.
    data_len: u64,
    /// RIFF size beyond which the file is finished as RF64 ([`RIFF_LIMIT`]; smaller in tests).
    limit: u64,
    bytes: Vec<u8>,
}

impl<W: Write + Seek> WavSink<W> {
    /// A WAV file of `channels` channels at `rate` Hz.
    pub fn new(w: W, channels: usize, rate: u32, format: WavFormat) -> Result<Self> {
        Self::with_limit(Target::File(w), channels, rate, format, RIFF_LIMIT)
    }
}

impl<P: Write> WavSink<io::Cursor<Vec<u8>>, P> {
    /// A WAV streamed to `p` (a pipe), with its sizes left unset.
    pub fn streamed(p: P, channels: usize, rate: u32, format: WavFormat) -> Result<Self> {
        Self::with_limit(Target::Pipe(p), channels, rate, format, RIFF_LIMIT)
    }
}

impl<W: Write + Seek, P: Write> WavSink<W, P> {
    /// As [`WavSink::new`], finishing as RF64 when the RIFF size would exceed `limit`.
    pub fn with_limit(
        mut target: Target<W, P>,
        channels: usize,
        rate: u32,
        format: WavFormat,
        limit: u64,
    ) -> Result<Self> {
        let channels16 = u16::try_from(channels)
            .ok()
            .filter(|&c| c > 0)
            .ok_or_else(|| {
                anyhow::anyhow!("{channels} channels is more than a WAV holds (65535)")
            })?;
        let encoding = format.encoding;
        let width = encoding.bytes();
        // The fmt chunk stores rate x frame size in 32 bits, and the frame size in 16.
        let frame = u16::try_from(u32::from(width) * u32::from(channels16)).map_err(|_| {
            anyhow::anyhow!(
                "{channels} channels of {} samples is more than a WAV frame holds (65535 bytes)",
                encoding.describe()
            )
        })?;
        let max_rate = u32::MAX / u32::from(frame);
        if rate == 0 || rate > max_rate {
            bail!(
                "a sample rate of {rate} Hz cannot be written: a {channels}-channel {} WAV takes 1 to {max_rate} Hz (--rate)",
                encoding.describe()
            );
        }
        let streamed = matches!(target, Target::Pipe(_));
        let mut h = Vec::with_capacity(HEADER_LEN as usize);
        h.extend_from_slice(b"RIFF");
        h.extend_from_slice(&(if streamed { UNKNOWN_SIZE } else { 0 }).to_le_bytes());
        h.extend_from_slice(b"WAVE");
        if !streamed {
            h.extend_from_slice(b"JUNK");
            h.extend_from_slice(&DS64_BODY.to_le_bytes());
            h.extend_from_slice(&[0; DS64_BODY as usize]);
        }
        h.extend_from_slice(b"fmt ");
        h.extend_from_slice(&16u32.to_le_bytes());
        // WAVE_FORMAT_IEEE_FLOAT or WAVE_FORMAT_PCM, in the 16-byte fmt every reader takes.
        let tag: u16 = if encoding.is_float() { 3 } else { 1 };
        h.extend_from_slice(&tag.to_le_bytes());
        h.extend_from_slice(&channels16.to_le_bytes());
        h.extend_from_slice(&rate.to_le_bytes());
        h.extend_from_slice(&(rate * u32::from(frame)).to_le_bytes());
        h.extend_from_slice(&frame.to_le_bytes());
        h.extend_from_slice(&(8 * width).to_le_bytes());
        h.extend_from_slice(b"data");
        h.extend_from_slice(&(if streamed { UNKNOWN_SIZE } else { 0 }).to_le_bytes());
        match &mut target {
            Target::File(w) => w.write_all(&h),
            Target::Pipe(p) => p.write_all(&h),
        }
        .context("writing WAV header")?;
        Ok(WavSink {
            target,
            finished: false,
            channels: channels16,
            encoder: Encoder::new(format),
            data_len: 0,
            limit,
            bytes: Vec::new(),
        })
    }

    /// Fills in the sizes of a seekable file: RIFF when they fit under `limit`, else RF64.
    fn finish_file(w: &mut W, data_len: u64, frames: u64, limit: u64) -> io::Result<()> {
        // A chunk of odd length (24-bit mono, odd frames) is followed by a pad byte, counted
        // in the RIFF size but not the data size.
        let pad = data_len & 1;
        if pad == 1 {
            w.write_all(&[0])?;
        }
        let riff_len = HEADER_LEN - 8 + data_len + pad;
        if riff_len <= limit {
            w.seek(SeekFrom::Start(4))?;
            w.write_all(&(riff_len as u32).to_le_bytes())?;
            w.seek(SeekFrom::Start(DATA_SIZE_AT))?;
            w.write_all(&(data_len as u32).to_le_bytes())?;
        } else {
            w.seek(SeekFrom::Start(0))?;
            w.write_all(b"RF64")?;
            w.write_all(&UNKNOWN_SIZE.to_le_bytes())?;
            w.seek(SeekFrom::Start(DS64_AT))?;
            let mut ds64 = Vec::with_capacity(36);
            ds64.extend_from_slice(b"ds64");
            ds64.extend_from_slice(&DS64_BODY.to_le_bytes());
            ds64.extend_from_slice(&riff_len.to_le_bytes());
            ds64.extend_from_slice(&data_len.to_le_bytes());
            ds64.extend_from_slice(&frames.to_le_bytes());
            ds64.extend_from_slice(&0u32.to_le_bytes()); // no table
            w.write_all(&ds64)?;
            w.seek(SeekFrom::Start(DATA_SIZE_AT))?;
            w.write_all(&UNKNOWN_SIZE.to_le_bytes())?;
        }
        w.seek(SeekFrom::End(0))?;
        w.flush()
    }
}

impl<T: Sample, W: Write + Seek, P: Write> Sink<T> for WavSink<W, P> {
    fn write(&mut self, channels: &[&[T]]) -> Result<()> {
        if self.finished {
            bail!("WAV already finished");
        }
        debug_assert_eq!(channels.len(), usize::from(self.channels));
        let frames = channels.first().map_or(0, |c| c.len());
        // Encoded a slice at a time, so the buffer stays small whatever the block length.
        for from in (0..frames).step_by(ENCODE_FRAMES) {
            let to = (from + ENCODE_FRAMES).min(frames);
            if self.encoder.encoding() == WavEncoding::Float32 {
                // The default, in the branch-free loops of `convert`.
                super::convert::encode_f32(channels, from, to, &mut self.bytes);
            } else {
                self.bytes.clear();
                self.encoder.encode(channels, from, to, &mut self.bytes);
            }
            match &mut self.target {
                Target::File(w) => w.write_all(&self.bytes),
                Target::Pipe(p) => p.write_all(&self.bytes),
            }
            .context("writing WAV samples")?;
            self.data_len += self.bytes.len() as u64;
        }
        Ok(())
    }
    fn finish(&mut self) -> Result<()> {
        let frame = u64::from(self.encoder.encoding().bytes()) * u64::from(self.channels);
        let frames = self.data_len / frame;
        if std::mem::replace(&mut self.finished, true) {
            return Ok(());
        }
        match &mut self.target {
            Target::File(w) => Self::finish_file(w, self.data_len, frames, self.limit),
            Target::Pipe(p) if self.data_len & 1 == 1 => p.write_all(&[0]).and_then(|()| p.flush()),
            Target::Pipe(p) => p.flush(),
        }
        .context("finishing WAV")
    }
    fn clipping(&self) -> Option<Clipping> {
        self.encoder.clipping()
    }
}
