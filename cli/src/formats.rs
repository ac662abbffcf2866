//! File formats, chosen by extension: WAV, `.npy`, plain text / CSV and raw little-endian
//! `.f32` / `.f64`. Every reader streams (it holds one block, not the file) and every writer
//! writes into a temporary file next to the destination that is renamed over it only once
//! complete, so a failed run never leaves a truncated output that looks finished.

use std::fs::File;
use std::io::{self, BufRead, BufReader, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use tempfile::NamedTempFile;

use crate::sample::Real;

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
fn deinterleave<T: Real>(interleaved: &[T], out: &mut [Vec<T>]) {
    let channels = out.len();
    for (c, o) in out.iter_mut().enumerate() {
        o.clear();
        o.extend(interleaved.iter().skip(c).step_by(channels).copied());
    }
}

// ---------------------------------------------------------------- WAV

struct WavSource {
    reader: hound::WavReader<BufReader<File>>,
    spec: hound::WavSpec,
    frames: u64,
    scratch_i: Vec<i32>,
}

impl WavSource {
    fn new(path: &Path, file: File) -> Result<Self> {
        let reader = hound::WavReader::new(BufReader::new(file)).map_err(|e| match e {
            hound::Error::IoError(io) => {
                anyhow::Error::new(io).context(format!("cannot read `{}`", path.display()))
            }
            other => FormatError::Wav {
                path: path.to_path_buf(),
                detail: other.to_string(),
            }
            .into(),
        })?;
        let spec = reader.spec();
        let supported = match spec.sample_format {
            hound::SampleFormat::Float => spec.bits_per_sample == 32,
            hound::SampleFormat::Int => matches!(spec.bits_per_sample, 8 | 16 | 24 | 32),
        };
        if !supported || spec.channels == 0 {
            bail!(FormatError::Wav {
                path: path.to_path_buf(),
                detail: format!(
                    "{}-bit {}, {} channels",
                    spec.bits_per_sample,
                    if spec.sample_format == hound::SampleFormat::Float {
                        "float"
                    } else {
                        "integer"
                    },
                    spec.channels
                ),
            });
        }
        let frames = u64::from(reader.duration());
        Ok(WavSource {
            reader,
            spec,
            frames,
            scratch_i: Vec::new(),
        })
    }
}

impl<T: Real> Source<T> for WavSource {
    fn channels(&self) -> usize {
        usize::from(self.spec.channels)
    }
    fn frames(&self) -> u64 {
        self.frames
    }
    fn sample_rate(&self) -> Option<u32> {
        Some(self.spec.sample_rate)
    }
    fn read(&mut self, max: usize, out: &mut [Vec<T>]) -> Result<usize> {
        let want = max * out.len();
        let mut interleaved: Vec<T> = Vec::with_capacity(want);
        match self.spec.sample_format {
            hound::SampleFormat::Float => {
                for s in self.reader.samples::<f32>().take(want) {
                    interleaved.push(T::from_f32(s.context("reading WAV samples")?));
                }
            }
            hound::SampleFormat::Int => {
                // Integer PCM maps to -1..1 as every audio tool does: full scale is 2^(bits-1).
                let scale = 1.0 / (1u64 << (self.spec.bits_per_sample - 1)) as f64;
                self.scratch_i.clear();
                for s in self.reader.samples::<i32>().take(want) {
                    self.scratch_i.push(s.context("reading WAV samples")?);
                }
                interleaved.extend(
                    self.scratch_i
                        .iter()
                        .map(|&s| T::from_f64(s as f64 * scale)),
                );
            }
        }
        let frames = interleaved.len() / out.len();
        interleaved.truncate(frames * out.len());
        deinterleave(&interleaved, out);
        Ok(frames)
    }
}

/// Writes 32-bit float WAV.
pub struct WavSink<W: Write + Seek> {
    writer: Option<hound::WavWriter<W>>,
    channels: usize,
}

impl<W: Write + Seek> WavSink<W> {
    /// A float WAV of `channels` channels at `rate` Hz.
    pub fn new(w: W, channels: usize, rate: u32) -> Result<Self> {
        let spec = hound::WavSpec {
            channels: u16::try_from(channels).context("too many channels for WAV")?,
            sample_rate: rate,
            bits_per_sample: 32,
            sample_format: hound::SampleFormat::Float,
        };
        Ok(WavSink {
            writer: Some(hound::WavWriter::new(w, spec).context("writing WAV header")?),
            channels,
        })
    }
}

impl<T: Real, W: Write + Seek> Sink<T> for WavSink<W> {
    fn write(&mut self, channels: &[Vec<T>], frames: usize) -> Result<()> {
        let w = self.writer.as_mut().context("WAV already finished")?;
        debug_assert_eq!(channels.len(), self.channels);
        for i in 0..frames {
            for ch in channels {
                w.write_sample(ch[i].to_f32())
                    .context("writing WAV samples (a WAV holds at most 4 GiB)")?;
            }
        }
        Ok(())
    }
    fn finish(&mut self) -> Result<()> {
        if let Some(w) = self.writer.take() {
            w.finalize().context("finishing WAV")?;
        }
        Ok(())
    }
}

// ---------------------------------------------------------------- .npy

enum NpyData {
    F32(npyz::NpyReader<f32, BufReader<File>>),
    F64(npyz::NpyReader<f64, BufReader<File>>),
}

struct NpySource {
    data: NpyData,
    frames: u64,
    channels: usize,
}

impl NpySource {
    fn new(path: &Path, file: File) -> Result<Self> {
        let npy = npy_header(path, file)?;
        let shape = npy.shape().to_vec();
        let (frames, channels) = match (shape.as_slice(), npy.order()) {
            ([n], _) => (*n, 1),
            ([n, c], npyz::Order::C) if *c >= 1 => (*n, *c as usize),
            _ => bail!(FormatError::Npy {
                path: path.to_path_buf(),
                detail: format!("shape {shape:?}"),
            }),
        };
        let data = match npy_float_bytes(path, &npy)? {
            4 => NpyData::F32(npy.data::<f32>().map_err(|e| npy_dtype(path, e))?),
            _ => NpyData::F64(npy.data::<f64>().map_err(|e| npy_dtype(path, e))?),
        };
        Ok(NpySource {
            data,
            frames,
            channels,
        })
    }
}

/// Reads a `.npy` header, or says the file is not one.
pub fn npy_header(path: &Path, file: File) -> Result<npyz::NpyFile<BufReader<File>>> {
    npyz::NpyFile::new(BufReader::new(file)).map_err(|e| {
        FormatError::Npy {
            path: path.to_path_buf(),
            detail: format!("not a readable .npy file: {e}"),
        }
        .into()
    })
}

/// The bytes per element of a float32 (4) or float64 (8) `.npy`; any other dtype is an error.
pub fn npy_float_bytes(path: &Path, npy: &npyz::NpyFile<BufReader<File>>) -> Result<u64> {
    match &npy.dtype() {
        npyz::DType::Plain(ts)
            if ts.type_char() == npyz::TypeChar::Float && matches!(ts.size_field(), 4 | 8) =>
        {
            Ok(ts.size_field())
        }
        other => bail!(FormatError::Npy {
            path: path.to_path_buf(),
            detail: format!("dtype {}", other.descr()),
        }),
    }
}

fn npy_dtype(path: &Path, e: npyz::DTypeError) -> FormatError {
    FormatError::Npy {
        path: path.to_path_buf(),
        detail: e.to_string(),
    }
}

impl<T: Real> Source<T> for NpySource {
    fn channels(&self) -> usize {
        self.channels
    }
    fn frames(&self) -> u64 {
        self.frames
    }
    fn sample_rate(&self) -> Option<u32> {
        None
    }
    fn read(&mut self, max: usize, out: &mut [Vec<T>]) -> Result<usize> {
        let want = max * self.channels;
        let mut interleaved: Vec<T> = Vec::with_capacity(want);
        match &mut self.data {
            NpyData::F32(r) => {
                for x in r.by_ref().take(want) {
                    interleaved.push(T::from_f32(x.context("reading .npy data")?));
                }
            }
            NpyData::F64(r) => {
                for x in r.by_ref().take(want) {
                    interleaved.push(T::from_f64(x.context("reading .npy data")?));
                }
            }
        }
        deinterleave(&interleaved, out);
        Ok(interleaved.len() / self.channels)
    }
}

/// Writes a `.npy` of the computation's dtype: 1-D for mono, `(frames, channels)` otherwise.
pub struct NpySink<T: Real + npyz::AutoSerialize, W: Write + Seek> {
    writer: Option<npyz::NpyWriter<T, W>>,
}

impl<T: Real + npyz::AutoSerialize, W: Write + Seek> NpySink<T, W> {
    /// A `.npy` writer on `w`.
    pub fn new(w: W, channels: usize) -> Result<Self> {
        use npyz::WriterBuilder;
        let builder = npyz::WriteOptions::new().default_dtype().writer(w);
        let writer = if channels == 1 {
            builder.begin_1d()
        } else {
            builder.begin_2d(channels as u64)
        }
        .context("writing .npy header")?;
        Ok(NpySink {
            writer: Some(writer),
        })
    }
}

impl<T: Real + npyz::AutoSerialize, W: Write + Seek> Sink<T> for NpySink<T, W> {
    fn write(&mut self, channels: &[Vec<T>], frames: usize) -> Result<()> {
        let w = self.writer.as_mut().context(".npy already finished")?;
        for i in 0..frames {
            for ch in channels {
                w.push(&ch[i]).context("writing .npy data")?;
            }
        }
        Ok(())
    }
    fn finish(&mut self) -> Result<()> {
        if let Some(w) = self.writer.take() {
            w.finish().context("finishing .npy")?;
        }
        Ok(())
    }
}

// ---------------------------------------------------------------- text

/// Which field of a text line holds the value.
#[derive(Clone, Debug)]
enum Field {
    /// The line has one field.
    Only,
    /// 0-based index of the field.
    Index(usize),
}

struct TextSource {
    path: PathBuf,
    lines: io::Lines<BufReader<File>>,
    line_no: usize,
    field: Field,
    frames: u64,
    skip_header: bool,
}

/// Splits a line into fields on commas, tabs or semicolons.
fn fields(line: &str) -> impl Iterator<Item = &str> {
    line.split([',', '\t', ';'])
        .map(|f| f.trim().trim_matches('"').trim())
}

/// Lines that carry no data: blank or `#` comments.
fn is_blank(line: &str) -> bool {
    let t = line.trim();
    t.is_empty() || t.starts_with('#')
}

impl TextSource {
    /// Reads the file once to find the column and count the values (so that the output length
    /// is known before the convolution starts), then reopens it for the values.
    fn new(path: &Path, file: File, options: &ReadOptions) -> Result<Self> {
        let read_err = || format!("cannot read `{}`", path.display());
        let mut lines = BufReader::new(file).lines();
        // The first data line decides the column and whether it is a header.
        let (mut first, mut first_line) = (None, 0);
        for line in lines.by_ref() {
            let line = line.with_context(read_err)?;
            first_line += 1;
            if !is_blank(&line) {
                first = Some(line);
                break;
            }
        }
        let Some(first) = first else {
            bail!(FormatError::Empty {
                path: path.to_path_buf()
            });
        };
        let names: Vec<String> = fields(&first).map(str::to_string).collect();
        let header = names.iter().any(|f| f.parse::<f64>().is_err());
        let field = match (&options.column, names.len()) {
            (_, 1) => Field::Only,
            (None, columns) => bail!(FormatError::Columns {
                path: path.to_path_buf(),
                line: first_line,
                columns
            }),
            (Some(col), columns) => {
                let index = col
                    .parse::<usize>()
                    .ok()
                    .filter(|&i| i < columns)
                    .or_else(|| names.iter().position(|n| n == col).filter(|_| header));
                match index {
                    Some(i) => Field::Index(i),
                    None => bail!(FormatError::Column {
                        path: path.to_path_buf(),
                        column: col.clone(),
                        available: if header {
                            names.join(", ")
                        } else {
                            format!("0..{}", columns - 1)
                        },
                    }),
                }
            }
        };
        let mut frames = u64::from(!header);
        for line in lines {
            if !is_blank(&line.with_context(read_err)?) {
                frames += 1;
            }
        }
        let file = File::open(path).with_context(read_err)?;
        Ok(TextSource {
            path: path.to_path_buf(),
            lines: BufReader::new(file).lines(),
            line_no: 0,
            field,
            frames,
            skip_header: header,
        })
    }

    fn value(&self, line: &str) -> Result<f64, FormatError> {
        let text = match self.field {
            Field::Only => {
                let mut f = fields(line);
                let first = f.next().unwrap_or("");
                let rest = f.count();
                if rest > 0 {
                    return Err(FormatError::Columns {
                        path: self.path.clone(),
                        line: self.line_no,
                        columns: rest + 1,
                    });
                }
                first
            }
            Field::Index(i) => fields(line).nth(i).unwrap_or(""),
        };
        text.parse::<f64>().map_err(|_| FormatError::Number {
            path: self.path.clone(),
            line: self.line_no,
            text: text.to_string(),
        })
    }
}

impl<T: Real> Source<T> for TextSource {
    fn channels(&self) -> usize {
        1
    }
    fn frames(&self) -> u64 {
        self.frames
    }
    fn sample_rate(&self) -> Option<u32> {
        None
    }
    fn read(&mut self, max: usize, out: &mut [Vec<T>]) -> Result<usize> {
        let out = &mut out[0];
        out.clear();
        while out.len() < max {
            let Some(line) = self.lines.next() else { break };
            let line = line.with_context(|| format!("cannot read `{}`", self.path.display()))?;
            self.line_no += 1;
            if is_blank(&line) {
                continue;
            }
            if self.skip_header {
                self.skip_header = false;
                continue;
            }
            out.push(T::from_f64(self.value(&line)?));
        }
        Ok(out.len())
    }
}

/// Writes one frame per line, channels separated by commas, each value in the shortest form
/// that reads back to the same number.
pub struct TextSink<W: Write> {
    w: W,
}

impl<W: Write> TextSink<W> {
    /// A text writer on `w`.
    pub fn new(w: W) -> Self {
        TextSink { w }
    }
}

impl<T: Real, W: Write> Sink<T> for TextSink<W> {
    fn write(&mut self, channels: &[Vec<T>], frames: usize) -> Result<()> {
        for i in 0..frames {
            for (c, ch) in channels.iter().enumerate() {
                let sep = if c + 1 == channels.len() { "\n" } else { "," };
                write!(self.w, "{}{sep}", ch[i]).context("writing text")?;
            }
        }
        Ok(())
    }
    fn finish(&mut self) -> Result<()> {
        self.w.flush().context("writing text")
    }
}

// ---------------------------------------------------------------- raw

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

impl<T: Real> Source<T> for RawSource {
    fn channels(&self) -> usize {
        self.channels
    }
    fn frames(&self) -> u64 {
        self.frames
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
                o.extend(lanes.map(|b| T::from_f32(f32::from_le_bytes([b[0], b[1], b[2], b[3]]))));
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

impl<T: Real, W: Write> Sink<T> for RawSink<W> {
    fn write(&mut self, channels: &[Vec<T>], frames: usize) -> Result<()> {
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
                    b.copy_from_slice(&x.to_f32().to_le_bytes());
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

// ---------------------------------------------------------------- output files

/// An output file being written: a temporary file in the destination's directory, renamed
/// over the destination by [`Output::commit`] and deleted if dropped before.
pub struct Output {
    temp: NamedTempFile,
    path: PathBuf,
    format: Format,
}

impl Output {
    /// Checks the format and creates the temporary file.
    pub fn create(path: &Path) -> Result<Output> {
        let format = Format::of(path)?;
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        let temp = tempfile::Builder::new()
            .prefix(".convolve-partial-")
            .tempfile_in(dir)
            .with_context(|| format!("cannot write in `{}`", dir.display()))?;
        Ok(Output {
            temp,
            path: path.to_path_buf(),
            format,
        })
    }

    /// A sink writing this output's format.
    pub fn sink<T: Real + npyz::AutoSerialize>(
        &self,
        channels: usize,
        rate: u32,
    ) -> Result<Box<dyn Sink<T>>> {
        let file = self.temp.as_file().try_clone().context("temporary file")?;
        let w = BufWriter::with_capacity(1 << 16, file);
        Ok(match self.format {
            Format::Wav => Box::new(WavSink::new(w, channels, rate)?),
            Format::Npy => Box::new(NpySink::<T, _>::new(w, channels)?),
            Format::Text => Box::new(TextSink::new(w)),
            Format::RawF32 => Box::new(RawSink::new(w, 4)),
            Format::RawF64 => Box::new(RawSink::new(w, 8)),
        })
    }

    /// An unnamed scratch file in the output's directory (deleted when closed), for a pass
    /// whose result is as large as the output.
    pub fn scratch_file(&self) -> Result<File> {
        let dir = self.temp.path().parent().unwrap_or(Path::new("."));
        tempfile::tempfile_in(dir).with_context(|| format!("cannot write in `{}`", dir.display()))
    }

    /// A second handle on the temporary file, for writers that take a `File`.
    pub fn reopen(&self) -> Result<File> {
        self.temp.as_file().try_clone().context("temporary file")
    }

    /// The final path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Renames the complete file over the destination.
    pub fn commit(self) -> Result<()> {
        let path = self.path;
        // A temporary file is private (0600); the result should have a regular file's mode.
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let _ = self
                .temp
                .as_file()
                .set_permissions(std::fs::Permissions::from_mode(0o644));
        }
        self.temp
            .persist(&path)
            .map_err(|e| e.error)
            .with_context(|| format!("cannot write `{}`", path.display()))?;
        Ok(())
    }
}

// ---------------------------------------------------------------- memory

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
