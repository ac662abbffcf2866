//! File formats, chosen by extension: WAV, `.npy`, plain text / CSV and raw little-endian
//! `.f32` / `.f64`. Every reader streams (it holds one block, not the file) and every writer
//! writes into a temporary file next to the destination that is renamed over it only once
//! complete, so a failed run never leaves a truncated output that looks finished. The path
//! `-` is stdin (a WAV or `.npy`, recognized by its content) or stdout.

mod npy;
mod raw;
mod text;
mod wav;

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use anyhow::{Context, Result, bail};

use crate::dtype::Dtype;
use crate::sample::Sample;

pub use npy::{NpyArray, NpySink, NpySource};
pub use raw::{RawSink, RawSource};
pub use text::TextSink;
use text::TextSource;
use wav::WavSource;
pub use wav::{Clipping, WavEncoding, WavFormat, WavSink};

/// Errors about the content of a file, each naming the file and what would be accepted.
#[derive(Debug, thiserror::Error)]
pub enum FormatError {
    /// An extension none of the formats uses.
    #[error(
        "`{path}`: unsupported format {ext:?}; use .wav/.wave, .npy, .txt/.csv/.tsv/.dat (text), .f32/.raw or .f64 (raw little-endian)"
    )]
    Extension {
        /// The file.
        path: PathBuf,
        /// Its extension (empty when it has none).
        ext: String,
    },
    /// A WAV encoding outside 8/16/24/32-bit integer and 32/64-bit float.
    #[error(
        "`{path}`: unsupported WAV encoding ({detail}); supported are 8/16/24/32-bit integer PCM and 32/64-bit float"
    )]
    Wav {
        /// The file.
        path: PathBuf,
        /// What the reader said.
        detail: String,
    },
    /// A `.npy` whose dtype or shape the tool does not read.
    #[error("`{path}`: {detail}")]
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
    /// `.wav`, `.wave`: integer or float PCM, any number of channels.
    Wav,
    /// `.npy`: any numeric dtype, 1-D or 2-D.
    Npy,
    /// `.txt`, `.csv`, `.tsv`, `.dat`: one number per line, or one column of a table.
    Text,
    /// `.f32`, `.raw`: raw little-endian float32, mono.
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

    /// What a file of this format holds, for messages.
    pub fn describe(self) -> &'static str {
        match self {
            Format::Wav => "WAV file",
            Format::Npy => ".npy array",
            Format::Text => "text",
            Format::RawF32 => "raw little-endian float32",
            Format::RawF64 => "raw little-endian float64",
        }
    }
}

/// How a 2-D array holds channels.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Layout {
    /// Shape `(frames, channels)`: soundfile's and scipy.io.wavfile's layout.
    FramesFirst,
    /// Shape `(channels, frames)`: librosa's layout and `np.stack([left, right])`.
    ChannelsFirst,
}

/// A signal read block by block, de-interleaved into one buffer per channel.
pub trait Source<T: Sample> {
    /// Number of channels.
    fn channels(&self) -> usize;
    /// Number of frames (samples per channel), known before reading except for a streamed WAV
    /// on stdin (`None`), whose end is known when it comes.
    fn frames(&self) -> Option<u64>;
    /// The sample rate, for formats that have one.
    fn sample_rate(&self) -> Option<u32>;
    /// The layout of a 2-D array; `None` for 1-D arrays and the other formats.
    fn layout(&self) -> Option<Layout> {
        None
    }
    /// Replaces the content of `out[c]` with the next at most `max` frames of channel `c`;
    /// returns how many were read (0 at the end).
    fn read(&mut self, max: usize, out: &mut [Vec<T>]) -> Result<usize>;
}

/// A destination written frame by frame from one buffer per channel.
pub trait Sink<T: Sample> {
    /// Appends `channels[c]` (all of one length) for every channel, interleaved.
    fn write(&mut self, channels: &[&[T]]) -> Result<()>;
    /// Completes the file (headers, flush). Nothing may be written after.
    fn finish(&mut self) -> Result<()>;
    /// Samples clipped by an integer encoding (integer WAV); `None` when nothing clipped.
    fn clipping(&self) -> Option<Clipping> {
        None
    }
}

/// Options that affect reading.
#[derive(Clone, Debug, Default)]
pub struct ReadOptions {
    /// For text with several columns: a 0-based index or a header name.
    pub column: Option<String>,
    /// For 2-D `.npy`: which axis holds the channels (`None`: inferred when unambiguous).
    pub layout: Option<Layout>,
    /// Read integer `.npy` as PCM scaled to -1..1, as a WAV ([`NpySource::pcm`]): for a WAV
    /// output.
    pub pcm: bool,
}

/// Whether `path` means stdin or stdout.
pub fn is_stdio(path: &Path) -> bool {
    path.as_os_str() == "-"
}

/// Bytes already read from stdin to recognize it (its magic, a `.npy` header), replayed in
/// front of the rest when it is opened: stdin is read once, by whoever asks first.
static STDIN_SEEN: Mutex<Vec<u8>> = Mutex::new(Vec::new());

/// Reads through to stdin, keeping a copy of every byte in [`STDIN_SEEN`].
struct Recorder<'a> {
    seen: &'a mut Vec<u8>,
}

impl Read for Recorder<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = std::io::stdin().read(buf)?;
        self.seen.extend_from_slice(&buf[..n]);
        Ok(n)
    }
}

/// What stdin holds, from its first bytes: a WAV (`RIFF`, `RF64`, `BW64`) or a `.npy`
/// (`\x93NUMPY`, with its header parsed); anything else is an error asking for a file.
fn recognize_stdin(path: &Path) -> Result<Option<NpyArray>> {
    use std::io::IsTerminal;
    if std::io::stdin().is_terminal() {
        bail!(
            "`-` reads the signal from stdin, which is a terminal here; pipe a WAV or .npy into it (ffmpeg -i in.flac -f wav - | convolve apply - ...)"
        );
    }
    let mut seen = STDIN_SEEN.lock().unwrap_or_else(|e| e.into_inner());
    // Each read starts from the first byte: what was seen already, then more of stdin.
    let mut replayed = |f: &mut dyn FnMut(&mut dyn Read) -> Result<()>| {
        let replay = seen.clone();
        let mut r = std::io::Cursor::new(&replay[..]).chain(Recorder { seen: &mut seen });
        f(&mut r)
    };
    let mut magic = Vec::with_capacity(6);
    replayed(&mut |r| {
        r.take(6)
            .read_to_end(&mut magic)
            .context("cannot read stdin")?;
        Ok(())
    })?;
    if magic.len() >= 4 && wav::is_wav_magic(&magic[..4]) {
        return Ok(None);
    }
    if magic == b"\x93NUMPY" {
        let mut array = None;
        replayed(&mut |r| {
            array = Some(NpyArray::parse_stream(path, r, None)?);
            Ok(())
        })?;
        return Ok(array);
    }
    let what = if magic.is_empty() {
        "stdin is empty".to_string()
    } else {
        format!(
            "stdin starts with {:?}, not a WAV (RIFF/RF64) or .npy",
            String::from_utf8_lossy(&magic)
        )
    };
    bail!(
        "{what}: `-` reads a WAV or .npy from stdin, recognized by its content; for text or raw data name a file whose extension says the format"
    )
}

/// Opens stdin as a source of the format its first bytes show. It is read in blocks as it
/// arrives, never held whole.
fn open_stdin<T: Sample>(path: &Path, options: &ReadOptions) -> Result<Box<dyn Source<T>>> {
    let npy = recognize_stdin(path)?;
    let seen = std::mem::take(&mut *STDIN_SEEN.lock().unwrap_or_else(|e| e.into_inner()));
    let stdin = BufReader::with_capacity(1 << 16, std::io::stdin());
    let mut reader = std::io::Cursor::new(seen).chain(stdin);
    Ok(match npy {
        Some(_) => {
            // The header again, from the replayed bytes, leaving the reader at the data.
            let array = NpyArray::parse_stream(path, &mut reader, None)?;
            Box::new(
                NpySource::from_stream(path, Box::new(reader), array, options.layout)?
                    .pcm(options.pcm)?,
            )
        }
        None => Box::new(WavSource::new(path, Box::new(reader), None)?),
    })
}

/// Opens `path` as a source of the format its extension names (`-`: stdin, by content).
pub fn open<T: Sample>(path: &Path, options: &ReadOptions) -> Result<Box<dyn Source<T>>> {
    if is_stdio(path) {
        let source = open_stdin(path, options)?;
        if source.frames() == Some(0) {
            bail!(FormatError::Empty {
                path: path.to_path_buf()
            });
        }
        return Ok(source);
    }
    let format = Format::of(path)?;
    let file = File::open(path).with_context(|| format!("cannot open `{}`", path.display()))?;
    let source: Box<dyn Source<T>> = match format {
        Format::Wav => {
            let len = file
                .metadata()
                .with_context(|| format!("cannot read `{}`", path.display()))?
                .len();
            let reader = BufReader::with_capacity(1 << 16, file);
            Box::new(WavSource::new(path, Box::new(reader), Some(len))?)
        }
        Format::Npy => Box::new(NpySource::new(path, file, options.layout)?.pcm(options.pcm)?),
        Format::Text => Box::new(TextSource::new(path, file, options)?),
        Format::RawF32 => Box::new(RawSource::new(path, file, 4, 1)?),
        Format::RawF64 => Box::new(RawSource::new(path, file, 8, 1)?),
    };
    if source.frames() == Some(0) {
        bail!(FormatError::Empty {
            path: path.to_path_buf()
        });
    }
    Ok(source)
}

/// The dtype of an input without reading its data (for choosing the arithmetic).
pub fn probe(path: &Path) -> Result<Dtype> {
    if is_stdio(path) {
        return Ok(recognize_stdin(path)?.map_or(Dtype::Float(8), |a| a.dtype));
    }
    if Format::of(path)? == Format::Npy {
        let file = File::open(path).with_context(|| format!("cannot open `{}`", path.display()))?;
        return Ok(NpyArray::parse(path, &file)?.dtype);
    }
    Ok(Dtype::Float(8))
}

/// A vector with room for `len` elements, or an error naming `path` when memory is short.
pub fn try_vec<T>(len: usize, path: &Path) -> Result<Vec<T>> {
    let mut v = Vec::new();
    v.try_reserve_exact(len).map_err(|_| {
        anyhow::anyhow!(
            "`{}`: not enough memory for {len} samples ({} MB)",
            path.display(),
            len.saturating_mul(std::mem::size_of::<T>()) / 1_000_000
        )
    })?;
    Ok(v)
}

/// Reads a whole source into one vector per channel, allocating fallibly.
pub fn read_all<T: Sample>(source: &mut dyn Source<T>, path: &Path) -> Result<Vec<Vec<T>>> {
    let channels = source.channels();
    let announced = source.frames();
    let frames = usize::try_from(announced.unwrap_or(0))
        .map_err(|_| anyhow::anyhow!("`{}` is too long for this machine", path.display()))?;
    let mut all = Vec::with_capacity(channels);
    for _ in 0..channels {
        all.push(try_vec::<T>(frames, path)?);
    }
    let mut block = vec![Vec::new(); channels];
    loop {
        let got = source.read(1 << 16, &mut block)?;
        if got == 0 {
            break;
        }
        for (a, b) in all.iter_mut().zip(&block) {
            a.try_reserve(b.len())
                .map_err(|_| anyhow::anyhow!("not enough memory to read `{}`", path.display()))?;
            a.extend_from_slice(b);
        }
    }
    if let Some(n) = announced {
        ensure_complete(all[0].len() as u64, n, path)?;
    }
    Ok(all)
}

/// The error for a file that ended before the length its header announces.
pub fn ensure_complete(got: u64, announced: u64, path: &Path) -> Result<()> {
    if got != announced {
        bail!(
            "`{}` is truncated: it ended after {got} of the {announced} frames its header announces",
            path.display()
        );
    }
    Ok(())
}

/// Channels already in memory, read as a source (the demo's synthesized audio).
pub struct MemorySource<T> {
    channels: Vec<Vec<T>>,
    rate: Option<u32>,
    pos: usize,
}

impl<T: Sample> MemorySource<T> {
    /// A source over `channels` (all of one length).
    pub fn new(channels: Vec<Vec<T>>, rate: Option<u32>) -> Self {
        MemorySource {
            channels,
            rate,
            pos: 0,
        }
    }
}

impl<T: Sample> Source<T> for MemorySource<T> {
    fn channels(&self) -> usize {
        self.channels.len()
    }
    fn frames(&self) -> Option<u64> {
        Some((self.channels[0].len() - self.pos) as u64)
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

/// Frames already read from a source, then the rest of it: a signal of unknown length whose
/// first blocks were read to learn whether it is longer than one block.
pub struct Prefixed<'a, T> {
    /// Dropped once read, so that it costs memory only during the first blocks.
    head: Option<MemorySource<T>>,
    channels: usize,
    rest: &'a mut dyn Source<T>,
    spill: Vec<Vec<T>>,
}

impl<'a, T: Sample> Prefixed<'a, T> {
    /// `head` (one vector per channel) followed by what `rest` still holds.
    pub fn new(head: Vec<Vec<T>>, rest: &'a mut dyn Source<T>) -> Self {
        let channels = head.len();
        Prefixed {
            head: Some(MemorySource::new(head, rest.sample_rate())),
            channels,
            rest,
            spill: vec![Vec::new(); channels],
        }
    }
}

impl<T: Sample> Source<T> for Prefixed<'_, T> {
    fn channels(&self) -> usize {
        self.channels
    }
    fn frames(&self) -> Option<u64> {
        // The head was read from `rest`, which counts it.
        self.rest.frames()
    }
    fn sample_rate(&self) -> Option<u32> {
        self.rest.sample_rate()
    }
    fn read(&mut self, max: usize, out: &mut [Vec<T>]) -> Result<usize> {
        let got = match &mut self.head {
            Some(head) => head.read(max, out)?,
            None => {
                out.iter_mut().for_each(Vec::clear);
                0
            }
        };
        if got == max {
            return Ok(got);
        }
        self.head = None;
        let more = self.rest.read(max - got, &mut self.spill)?;
        for (o, s) in out.iter_mut().zip(&self.spill) {
            o.extend_from_slice(s);
        }
        Ok(got + more)
    }
}
