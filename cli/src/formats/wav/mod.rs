//! WAV: 8/16/24/32-bit integer PCM (scaled to -1..1) and 32/64-bit float in; 32-bit float
//! out unless told otherwise ([`encode`]: 16/24/32-bit integer, 64-bit float). RIFF, RF64 and streamed WAVs (sizes unset, samples to the end of the file) are read from
//! files or stdin; outputs beyond 4 GiB are written as RF64 ([`write`]).

mod convert;
mod encode;
mod read;
mod write;

use std::io::Read;
use std::path::{Path, PathBuf};

use anyhow::{Result, bail};

pub use encode::{Clipping, WavEncoding, WavFormat};
pub use read::is_wav_magic;
#[cfg(test)]
use read::{UNKNOWN_SIZE, parse};
pub use write::WavSink;

use super::Source;
use crate::sample::Sample;

/// A WAV's samples, read block by block from a file or a pipe.
pub(super) struct WavSource {
    path: PathBuf,
    reader: Box<dyn Read>,
    header: read::WavHeader,
    /// Frames in the file; `None` for a streamed WAV on a pipe, known only at its end.
    frames: Option<u64>,
    /// Bytes of samples not yet read; `None`: until the end of the stream.
    remaining: Option<u64>,
    bytes: Vec<u8>,
}

impl WavSource {
    /// Reads the header from `reader`. `file_len` is the file's size when it has one (not a
    /// pipe): it gives a streamed WAV its length and catches a truncated one before reading.
    pub(super) fn new(
        path: &Path,
        mut reader: Box<dyn Read>,
        file_len: Option<u64>,
    ) -> Result<Self> {
        let header = read::parse(reader.as_mut(), path)?;
        let frame = header.frame_bytes();
        let data_len = match (header.data_len, file_len) {
            (Some(len), Some(file)) if header.header_len + len > file => {
                // A file cut short (an interrupted copy or download): refused rather than
                // convolved in part, so that no output looks complete when its input was not.
                bail!(
                    "`{}` is truncated: its header announces {} frames ({len} bytes of samples), the file has {file} bytes",
                    path.display(),
                    len / frame
                );
            }
            (Some(len), _) => Some(len),
            // A streamed WAV: the samples run to the end of the file.
            (None, Some(file)) => Some(file.saturating_sub(header.header_len)),
            (None, None) => None,
        };
        Ok(WavSource {
            path: path.to_path_buf(),
            reader,
            header,
            frames: data_len.map(|len| len / frame),
            remaining: data_len.map(|len| len - len % frame),
            bytes: Vec::new(),
        })
    }
}

/// Frames decoded per read from the underlying reader.
const DECODE_FRAMES: usize = 8192;

impl WavSource {
    /// Reads up to `want` bytes (whole frames) and appends their samples to `out`; returns
    /// the frames read, fewer only at the end of the stream.
    fn read_slice<T: Sample>(&mut self, want: usize, out: &mut [Vec<T>]) -> Result<usize> {
        let frame = self.header.frame_bytes() as usize;
        self.bytes.resize(want, 0);
        // Fill as much as there is: a pipe returns short counts before its end.
        let mut filled = 0;
        while filled < want {
            match self.reader.read(&mut self.bytes[filled..]) {
                Ok(0) => break,
                Ok(n) => filled += n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => {
                    return Err(anyhow::Error::new(e).context(format!(
                        "`{}` is truncated or unreadable",
                        self.path.display()
                    )));
                }
            }
        }
        // A partial frame at the end of a stream is dropped, as sox does.
        let frames = filled / frame;
        let used = frames * frame;
        if let Some(rest) = &mut self.remaining {
            *rest -= used as u64;
        }
        let width = usize::from(self.header.sample_bytes);
        convert::decode(&self.bytes[..used], width, self.header.float, out);
        Ok(frames)
    }
}

impl<T: Sample> Source<T> for WavSource {
    fn channels(&self) -> usize {
        usize::from(self.header.channels)
    }
    fn frames(&self) -> Option<u64> {
        self.frames
    }
    fn sample_rate(&self) -> Option<u32> {
        Some(self.header.rate)
    }
    fn read(&mut self, max: usize, out: &mut [Vec<T>]) -> Result<usize> {
        let frame = self.header.frame_bytes() as usize;
        let mut want = max.saturating_mul(frame);
        if let Some(rest) = self.remaining {
            want = want.min(usize::try_from(rest).unwrap_or(usize::MAX));
        }
        for o in out.iter_mut() {
            o.clear();
            o.try_reserve(max).map_err(|_| {
                anyhow::anyhow!("not enough memory to read `{}`", self.path.display())
            })?;
        }
        // Decoded a slice at a time, so the byte buffer stays small whatever `max` is.
        let slice = DECODE_FRAMES * frame;
        let mut frames = 0;
        while want > 0 {
            let got = self.read_slice(want.min(slice), out)?;
            frames += got;
            if got * frame < want.min(slice) {
                break; // the end of the stream
            }
            want -= got * frame;
        }
        Ok(frames)
    }
}

#[cfg(test)]
mod tests;
