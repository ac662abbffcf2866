//! File formats, chosen by extension: WAV, `.npy`, plain text / CSV and raw little-endian
//! `.f32` / `.f64`. Every reader streams (it holds one block, not the file) and every writer
//! writes into a temporary file next to the destination that is renamed over it only once
//! complete, so a failed run never leaves a truncated output that looks finished.

mod npy;
mod raw;
mod text;
mod wav;

use std::fs::File;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

use crate::sample::Real;

use npy::NpySource;
pub use npy::{NpySink, npy_float_bytes, npy_header};
pub use raw::{RawSink, RawSource};
pub use text::TextSink;
use text::TextSource;
pub use wav::WavSink;
use wav::WavSource;

/// Errors about the content of a file, each naming the file and what would be accepted.
#[derive(Debug, thiserror::Error)]
pub enum FormatError {
    /// An extension none of the formats uses.
    #[error(
        "`{path}`: unsupported format {ext:?}; use .wav, .npy, .txt, .csv, .f32 or .f64 (raw little-endian)"
    )]
    Extension {
        /// The file.
        path: PathBuf,
        /// Its extension (empty when it has none).
        ext: String,
    },
    /// A WAV encoding outside 8/16/24/32-bit integer and 32-bit float.
    #[error(
        "`{path}`: unsupported WAV encoding ({detail}); supported are 8/16/24/32-bit integer PCM and 32-bit float"
    )]
    Wav {
        /// The file.
        path: PathBuf,
        /// What the reader said.
        detail: String,
    },
    /// A `.npy` whose dtype or shape the tool does not read.
    #[error("`{path}`: unsupported .npy array ({detail}); expected a 1-D float32 or float64 array")]
    Npy {
        /// The file.
        path: PathBuf,
        /// The dtype or shape found.
        detail: String,
    },
    /// An input without samples.
    #[error("`{path}` is empty: it holds no samples")]
    Empty {
        /// The file.
        path: PathBuf,
    },
    /// A text value that is not a number.
    #[error("`{path}` line {line}: {text:?} is not a number")]
    Number {
        /// The file.
        path: PathBuf,
        /// 1-based line number.
        line: usize,
        /// The offending field.
        text: String,
    },
    /// A text line with several columns and no `--column` to pick one.
    #[error("`{path}` line {line} has {columns} columns; pick one with --column INDEX|NAME")]
    Columns {
        /// The file.
        path: PathBuf,
        /// 1-based line number.
        line: usize,
        /// How many columns it has.
        columns: usize,
    },
    /// `--column` names a column the file does not have.
    #[error("`{path}` has no column {column:?} (its columns: {available})")]
    Column {
        /// The file.
        path: PathBuf,
        /// The requested column.
        column: String,
        /// The header, or the number of columns.
        available: String,
    },
    /// A raw file whose size is not a whole number of samples.
    #[error("`{path}`: {bytes} bytes is not a whole number of {width}-byte samples")]
    RawLength {
        /// The file.
        path: PathBuf,
        /// File size.
        bytes: u64,
        /// Bytes per sample.
        width: u64,
    },
}

/// The formats, by extension.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// `.wav`: integer or float PCM, any number of channels.
    Wav,
    /// `.npy`: 1-D float32/float64 (2-D `(frames, channels)` is read as channels).
    Npy,
    /// `.txt`, `.csv`, `.tsv`: one number per line, or one column of a table.
    Text,
    /// `.f32`: raw little-endian float32, mono.
    RawF32,
    /// `.f64`: raw little-endian float64, mono.
    RawF64,
}

impl Format {
    /// The format a path's extension names.
    pub fn of(path: &Path) -> Result<Format, FormatError> {
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .unwrap_or("")
            .to_ascii_lowercase();
        Ok(match ext.as_str() {
            "wav" | "wave" => Format::Wav,
            "npy" => Format::Npy,
            "txt" | "csv" | "tsv" | "dat" => Format::Text,
            "f32" | "raw" => Format::RawF32,
            "f64" => Format::RawF64,
            _ => {
                return Err(FormatError::Extension {
                    path: path.to_path_buf(),
                    ext,
                });
            }
        })
    }
}

/// A signal read block by block, de-interleaved into one buffer per channel.
pub trait Source<T: Real> {
    /// Number of channels.
    fn channels(&self) -> usize;
    /// Number of frames (samples per channel), known before reading.
    fn frames(&self) -> u64;
    /// The sample rate, for formats that have one.
    fn sample_rate(&self) -> Option<u32>;
    /// Replaces the content of `out[c]` with the next at most `max` frames of channel `c`;
    /// returns how many were read (0 at the end).
    fn read(&mut self, max: usize, out: &mut [Vec<T>]) -> Result<usize>;
}

/// A destination written frame by frame from one buffer per channel.
pub trait Sink<T: Real> {
    /// Appends `channels[c][..frames]` for every channel, interleaved.
    fn write(&mut self, channels: &[Vec<T>], frames: usize) -> Result<()>;
    /// Completes the file (headers, flush). Nothing may be written after.
    fn finish(&mut self) -> Result<()>;
}

/// Options that affect reading.
#[derive(Clone, Debug, Default)]
pub struct ReadOptions {
    /// For text with several columns: a 0-based index or a header name.
    pub column: Option<String>,
}

/// Opens `path` as a source of the format its extension names.
pub fn open<T: Real>(path: &Path, options: &ReadOptions) -> Result<Box<dyn Source<T>>> {
    let format = Format::of(path)?;
    let file = File::open(path).with_context(|| format!("cannot open `{}`", path.display()))?;
    let source: Box<dyn Source<T>> = match format {
        Format::Wav => Box::new(WavSource::new(path, file)?),
        Format::Npy => Box::new(NpySource::new(path, file)?),
        Format::Text => Box::new(TextSource::new(path, file, options)?),
        Format::RawF32 => Box::new(RawSource::new(path, file, 4, 1)?),
        Format::RawF64 => Box::new(RawSource::new(path, file, 8, 1)?),
    };
    if source.frames() == 0 {
        bail!(FormatError::Empty {
            path: path.to_path_buf()
        });
    }
    Ok(source)
}

/// Reads a whole source into one vector per channel.
pub fn read_all<T: Real>(source: &mut dyn Source<T>) -> Result<Vec<Vec<T>>> {
    let channels = source.channels();
    let frames = usize::try_from(source.frames()).context("input too long for this machine")?;
    let mut all: Vec<Vec<T>> = (0..channels).map(|_| Vec::with_capacity(frames)).collect();
    let mut block = vec![Vec::new(); channels];
    loop {
        let got = source.read(1 << 16, &mut block)?;
        if got == 0 {
            return Ok(all);
        }
        for (a, b) in all.iter_mut().zip(&block) {
            a.extend_from_slice(b);
        }
    }
}

/// De-interleaves `frames` frames of `interleaved` into `out`.
pub(crate) fn deinterleave<T: Real>(interleaved: &[T], out: &mut [Vec<T>]) {
    let channels = out.len();
    for (c, o) in out.iter_mut().enumerate() {
        o.clear();
        o.extend(interleaved.iter().skip(c).step_by(channels).copied());
    }
}

/// Channels already in memory, read as a source (the demo's synthesized audio).
pub struct MemorySource<T> {
    channels: Vec<Vec<T>>,
    rate: Option<u32>,
    pos: usize,
}

impl<T: Real> MemorySource<T> {
    /// A source over `channels` (all of one length).
    pub fn new(channels: Vec<Vec<T>>, rate: Option<u32>) -> Self {
        MemorySource {
            channels,
            rate,
            pos: 0,
        }
    }
}

impl<T: Real> Source<T> for MemorySource<T> {
    fn channels(&self) -> usize {
        self.channels.len()
    }
    fn frames(&self) -> u64 {
        self.channels[0].len() as u64
    }
    fn sample_rate(&self) -> Option<u32> {
        self.rate
    }
    fn read(&mut self, max: usize, out: &mut [Vec<T>]) -> Result<usize> {
        let end = (self.pos + max).min(self.channels[0].len());
        for (o, c) in out.iter_mut().zip(&self.channels) {
            o.clear();
            o.extend_from_slice(&c[self.pos..end]);
        }
        let got = end - self.pos;
        self.pos = end;
        Ok(got)
    }
}
