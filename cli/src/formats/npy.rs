//! `.npy`: numpy arrays of every numeric dtype in, 1-D or 2-D in either layout and either memory
//! order; written with the result's dtype and the signal's layout.
//!
//! The header is parsed here rather than by npyz so that every field is checked against the
//! file's size before anything is allocated, and so that a planar array (a channel after a
//! channel) can be streamed by seeking.

use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

use super::{FormatError, Layout, Sink, Source, try_vec};
use crate::dtype::Dtype;
use crate::sample::Sample;

/// The largest axis that layout inference takes for channels.
const MAX_INFERRED_CHANNELS: u64 = 64;
/// Channels beyond this are refused (WAV's limit; more is a mistaken layout, not audio).
const MAX_CHANNELS: u64 = 65_535;

/// A `.npy` header, checked against the file it came from.
#[derive(Clone, Debug)]
pub struct NpyArray {
    /// Element type.
    pub dtype: Dtype,
    /// Whether the elements are stored big-endian.
    pub big_endian: bool,
    /// The array's shape.
    pub shape: Vec<u64>,
    /// Fortran (column-major) order.
    pub fortran: bool,
    /// Byte offset of the first element.
    pub data_offset: u64,
}

fn npy_error(path: &Path, detail: impl Into<String>) -> anyhow::Error {
    FormatError::Npy {
        path: path.to_path_buf(),
        detail: detail.into(),
    }
    .into()
}

/// The text of `key`'s value in a header dict such as `{'descr': '<f8', 'shape': (3,), }`.
fn dict_value<'a>(header: &'a str, key: &str) -> Option<&'a str> {
    let at = header
        .find(&format!("'{key}'"))
        .or_else(|| header.find(&format!("\"{key}\"")))?;
    let rest = &header[at + key.len() + 2..];
    Some(rest.trim_start().strip_prefix(':')?.trim_start())
}

impl NpyArray {
    /// Reads and checks the header of `file`.
    pub fn parse(path: &Path, file: &File) -> Result<NpyArray> {
        let file_len = file
            .metadata()
            .with_context(|| format!("cannot read `{}`", path.display()))?
            .len();
        let mut r = file;
        Self::parse_stream(path, &mut r, Some(file_len))
    }

    /// Reads and checks the header at the start of `r`, leaving it at the first element.
    /// `file_len` is the file's size when known (not stdin): every size is checked against it.
    pub fn parse_stream(path: &Path, r: &mut dyn Read, file_len: Option<u64>) -> Result<NpyArray> {
        let not_npy = || npy_error(path, "not a .npy file (no \\x93NUMPY magic)");
        let mut start = [0u8; 8];
        r.read_exact(&mut start).map_err(|_| not_npy())?;
        if &start[..6] != b"\x93NUMPY" {
            return Err(not_npy());
        }
        let (header_len, prefix) = match start[6] {
            1 => {
                let mut b = [0u8; 2];
                r.read_exact(&mut b).map_err(|_| not_npy())?;
                (u64::from(u16::from_le_bytes(b)), 10)
            }
            2 | 3 => {
                let mut b = [0u8; 4];
                r.read_exact(&mut b).map_err(|_| not_npy())?;
                (u64::from(u32::from_le_bytes(b)), 12)
            }
            v => {
                return Err(npy_error(
                    path,
                    format!("unsupported .npy format version {v}"),
                ));
            }
        };
        let data_offset = prefix + header_len;
        // Without a file size, a header is bounded by what numpy writes (a few hundred bytes).
        if data_offset > file_len.unwrap_or(1 << 20) {
            bail!(
                "`{}` is truncated: its header claims {header_len} bytes, the file has {}",
                path.display(),
                file_len.map_or("less".to_string(), |l| l.to_string())
            );
        }
        let mut header = try_vec::<u8>(header_len as usize, path)?;
        header.resize(header_len as usize, 0);
        r.read_exact(&mut header)
            .with_context(|| format!("cannot read `{}`", path.display()))?;
        let header = String::from_utf8_lossy(&header);
        let bad_header = || npy_error(path, format!("unreadable .npy header {:?}", header.trim()));

        let descr = dict_value(&header, "descr").ok_or_else(bad_header)?;
        if descr.starts_with('[') {
            return Err(npy_error(
                path,
                "structured dtypes are not supported; save one numeric field as its own array",
            ));
        }
        let quote = descr.chars().next().filter(|q| matches!(q, '\'' | '"'));
        let quote = quote.ok_or_else(bad_header)?;
        let descr = descr[1..].split(quote).next().ok_or_else(bad_header)?;
        let (dtype, big_endian) = Dtype::from_descr(descr).ok_or_else(|| {
            npy_error(
                path,
                format!(
                    "unsupported dtype {descr:?}; numeric dtypes are read: bool, int8-int64, uint8-uint64, float16/32/64, complex64/128"
                ),
            )
        })?;
        let fortran = match dict_value(&header, "fortran_order") {
            Some(v) if v.starts_with("True") => true,
            Some(v) if v.starts_with("False") => false,
            _ => return Err(bad_header()),
        };
        let shape_text = dict_value(&header, "shape")
            .and_then(|v| v.strip_prefix('('))
            .and_then(|v| v.split(')').next())
            .ok_or_else(bad_header)?;
        let shape = shape_text
            .split(',')
            .map(str::trim)
            .filter(|d| !d.is_empty())
            .map(|d| d.trim_end_matches('L').parse::<u64>())
            .collect::<Result<Vec<u64>, _>>()
            .map_err(|_| bad_header())?;
        let array = NpyArray {
            dtype,
            big_endian,
            shape,
            fortran,
            data_offset,
        };
        let bytes = array
            .shape
            .iter()
            .try_fold(dtype.size() as u64, |acc, &d| acc.checked_mul(d));
        let Some(file_len) = file_len else {
            // A stream: a short one is reported by the read that finds its end.
            return match bytes {
                Some(_) => Ok(array),
                None => Err(npy_error(path, "an array of more than 2^64 bytes")),
            };
        };
        let available = file_len - data_offset;
        match bytes {
            Some(b) if b <= available => Ok(array),
            _ => bail!(
                "`{}` is truncated or corrupt: its header announces a {} array of shape {} ({} bytes of data), the file holds {available}",
                path.display(),
                dtype,
                array.shape_text(),
                bytes.map_or("more than 2^64".to_string(), |b| b.to_string())
            ),
        }
    }

    /// The shape as numpy prints it.
    pub fn shape_text(&self) -> String {
        match self.shape.as_slice() {
            [n] => format!("({n},)"),
            s => format!(
                "({})",
                s.iter().map(u64::to_string).collect::<Vec<_>>().join(", ")
            ),
        }
    }

    /// `(frames, layout, channels)`: a 1-D array is mono; a 2-D array's channel axis is the
    /// one `forced` names, or the short one when exactly one axis is at most 64 long.
    pub fn channel_axis(
        &self,
        path: &Path,
        forced: Option<Layout>,
    ) -> Result<(u64, Option<Layout>, u64)> {
        let (frames, layout, channels) = match (self.shape.as_slice(), forced) {
            ([n], _) => (*n, None, 1),
            ([r, c], Some(Layout::FramesFirst)) => (*r, Some(Layout::FramesFirst), *c),
            ([r, c], Some(Layout::ChannelsFirst)) => (*c, Some(Layout::ChannelsFirst), *r),
            ([r, c], None) if *c <= MAX_INFERRED_CHANNELS && *r > MAX_INFERRED_CHANNELS => {
                (*r, Some(Layout::FramesFirst), *c)
            }
            ([r, c], None) if *r <= MAX_INFERRED_CHANNELS && *c > MAX_INFERRED_CHANNELS => {
                (*c, Some(Layout::ChannelsFirst), *r)
            }
            ([r, c], None) => bail!(
                "`{}`: which axis of shape ({r}, {c}) holds the channels? Say --layout frames-first ({r} frames of {c} channels) or --layout channels-first ({r} channels of {c} frames)",
                path.display()
            ),
            (s, _) => bail!(
                "`{}`: a {}-D array of shape {}; signals are 1-D, or 2-D (frames, channels) / (channels, frames) (two images: --image)",
                path.display(),
                s.len(),
                self.shape_text()
            ),
        };
        if channels == 0 {
            bail!(FormatError::Empty {
                path: path.to_path_buf()
            });
        }
        if channels > MAX_CHANNELS {
            bail!(
                "`{}`: shape {} read as {channels} channels of {frames} frames; if the channels are the other axis, say --layout {}",
                path.display(),
                self.shape_text(),
                match layout {
                    Some(Layout::FramesFirst) => "channels-first",
                    _ => "frames-first",
                }
            );
        }
        Ok((frames, layout, channels))
    }

    /// Reads every element in storage order (for `--image`), allocating fallibly.
    pub fn read_values<T: Sample>(&self, path: &Path, file: &mut File) -> Result<Vec<T>> {
        let count = self.shape.iter().product::<u64>();
        let count = usize::try_from(count)
            .map_err(|_| anyhow::anyhow!("`{}` is too large for this machine", path.display()))?;
        let size = self.dtype.size();
        let mut out = try_vec::<T>(count, path)?;
        let mut bytes = Vec::new();
        file.seek(SeekFrom::Start(self.data_offset))
            .with_context(|| format!("cannot read `{}`", path.display()))?;
        let chunk = 1 << 16;
        let mut left = count;
        while left > 0 {
            let n = left.min(chunk);
            bytes.resize(n * size, 0);
            file.read_exact(&mut bytes)
                .with_context(|| format!("`{}` is truncated", path.display()))?;
            decode(self.dtype, self.big_endian, &bytes, size, 0, &mut out);
            left -= n;
        }
        Ok(out)
    }
}

/// Appends to `out` the element at byte `offset` of every `stride`-byte record of `bytes`.
fn decode<T: Sample>(
    dtype: Dtype,
    big: bool,
    bytes: &[u8],
    stride: usize,
    offset: usize,
    out: &mut Vec<T>,
) {
    macro_rules! lanes {
        ($ty:ty, $n:expr, $convert:expr) => {{
            let records = bytes.chunks_exact(stride).map(|record| {
                let mut b = [0u8; $n];
                b.copy_from_slice(&record[offset..offset + $n]);
                if big {
                    <$ty>::from_be_bytes(b)
                } else {
                    <$ty>::from_le_bytes(b)
                }
            });
            out.extend(records.map($convert));
        }};
    }
    macro_rules! complex_lanes {
        ($ty:ty, $n:expr) => {{
            let part = |record: &[u8], at: usize| {
                let mut b = [0u8; $n];
                b.copy_from_slice(&record[at..at + $n]);
                f64::from(if big {
                    <$ty>::from_be_bytes(b)
                } else {
                    <$ty>::from_le_bytes(b)
                })
            };
            out.extend(
                bytes
                    .chunks_exact(stride)
                    .map(|record| T::from_complex(part(record, offset), part(record, offset + $n))),
            );
        }};
    }
    match dtype {
        Dtype::Bool => lanes!(u8, 1, |x| T::from_i64(i64::from(x != 0))),
        Dtype::Int(1) => lanes!(i8, 1, |x| T::from_i64(i64::from(x))),
        Dtype::Int(2) => lanes!(i16, 2, |x| T::from_i64(i64::from(x))),
        Dtype::Int(4) => lanes!(i32, 4, |x| T::from_i64(i64::from(x))),
        Dtype::Int(_) => lanes!(i64, 8, T::from_i64),
        Dtype::Uint(1) => lanes!(u8, 1, |x| T::from_i64(i64::from(x))),
        Dtype::Uint(2) => lanes!(u16, 2, |x| T::from_i64(i64::from(x))),
        Dtype::Uint(4) => lanes!(u32, 4, |x| T::from_i64(i64::from(x))),
        // uint64 into i64 keeps the bits: integer arithmetic modulo 2^64 is the same; a float
        // computation (uint64 promoted to float64) converts the value.
        Dtype::Uint(_) => lanes!(u64, 8, |x| if T::INTEGER {
            T::from_i64(x as i64)
        } else {
            T::from_f64(x as f64)
        }),
        Dtype::Float(2) => lanes!(u16, 2, |x| T::from_f64(half::f16::from_bits(x).to_f64())),
        Dtype::Float(4) => lanes!(f32, 4, |x| T::from_f64(f64::from(x))),
        Dtype::Float(_) => lanes!(f64, 8, T::from_f64),
        Dtype::Complex(8) => complex_lanes!(f32, 4),
        Dtype::Complex(_) => complex_lanes!(f64, 8),
    }
}

/// How the samples lie in the file.
enum Storage {
    /// Frame after frame, channels interleaved: read sequentially (a file or stdin).
    Interleaved(Box<dyn Read>),
    /// Channel after channel: each read seeks to every channel's next frames.
    Planar(File),
}

/// A `.npy` signal, streamed.
pub struct NpySource {
    path: PathBuf,
    array: NpyArray,
    storage: Storage,
    frames: u64,
    channels: usize,
    layout: Option<Layout>,
    pos: u64,
    bytes: Vec<u8>,
    /// `(offset, scale)` of integers read as PCM: `(x - offset) * scale`.
    pcm: Option<(f64, f64)>,
}

impl NpySource {
    /// Opens a 1-D or 2-D array; `layout` says which axis holds the channels of a 2-D one.
    pub fn new(path: &Path, file: File, layout: Option<Layout>) -> Result<Self> {
        let array = NpyArray::parse(path, &file)?;
        let (frames, layout, channels) = array.channel_axis(path, layout)?;
        let interleaved = match layout {
            None => true,
            Some(Layout::FramesFirst) => !array.fortran,
            Some(Layout::ChannelsFirst) => array.fortran,
        };
        let mut file = file;
        file.seek(SeekFrom::Start(array.data_offset))
            .with_context(|| format!("cannot read `{}`", path.display()))?;
        let storage = if interleaved || channels == 1 {
            Storage::Interleaved(Box::new(BufReader::with_capacity(1 << 16, file)))
        } else {
            Storage::Planar(file)
        };
        Ok(NpySource {
            path: path.to_path_buf(),
            array,
            storage,
            frames,
            channels: channels as usize,
            layout,
            pos: 0,
            bytes: Vec::new(),
            pcm: None,
        })
    }
}

impl NpySource {
    /// An array whose header `array` was read from `r` (stdin), which is at its first element.
    /// Only frame after frame can be streamed without seeking.
    pub fn from_stream(
        path: &Path,
        r: Box<dyn Read>,
        array: NpyArray,
        layout: Option<Layout>,
    ) -> Result<Self> {
        let (frames, layout, channels) = array.channel_axis(path, layout)?;
        let interleaved = match layout {
            None => true,
            Some(Layout::FramesFirst) => !array.fortran,
            Some(Layout::ChannelsFirst) => array.fortran,
        };
        if !interleaved && channels > 1 {
            bail!(
                "`{}`: a .npy stored channel after channel is read by seeking, which stdin cannot; save it to a file",
                path.display()
            );
        }
        Ok(NpySource {
            path: path.to_path_buf(),
            array,
            storage: Storage::Interleaved(r),
            frames,
            channels: channels as usize,
            layout,
            pos: 0,
            bytes: Vec::new(),
            pcm: None,
        })
    }
}

impl NpySource {
    /// With `pcm`, integers are read as a WAV of the same width reads them, to -1..1: int8,
    /// int16 and int32 divided by 2^(bits-1) (scipy.io.wavfile's dtypes), uint8 offset by 128
    /// first (8-bit WAV is unsigned). Other integer dtypes have no full scale and are refused;
    /// floats are read as they are.
    pub fn pcm(mut self, pcm: bool) -> Result<Self> {
        let dtype = self.array.dtype;
        if !pcm || dtype.arithmetic() != crate::dtype::Arithmetic::Integer {
            return Ok(self);
        }
        self.pcm = Some(match dtype {
            Dtype::Int(b @ (1 | 2 | 4)) => (0.0, (-f64::from(8 * b - 1)).exp2()),
            Dtype::Uint(1) => (128.0, 1.0 / 128.0),
            _ => bail!(
                "`{}` is {dtype}, which has no PCM full scale: a WAV output reads integer .npy as PCM (int8/int16/int32, uint8); convert it (x.astype(np.float32)) or write a .npy",
                self.path.display()
            ),
        });
        Ok(self)
    }
}

impl<T: Sample> Source<T> for NpySource {
    fn channels(&self) -> usize {
        self.channels
    }
    fn frames(&self) -> Option<u64> {
        Some(self.frames)
    }
    fn sample_rate(&self) -> Option<u32> {
        None
    }
    fn layout(&self) -> Option<Layout> {
        self.layout
    }
    fn read(&mut self, max: usize, out: &mut [Vec<T>]) -> Result<usize> {
        let want = (self.frames - self.pos).min(max as u64) as usize;
        let size = self.array.dtype.size();
        let (dtype, big) = (self.array.dtype, self.array.big_endian);
        let truncated = || format!("`{}` is truncated", self.path.display());
        for o in out.iter_mut() {
            o.clear();
            o.try_reserve(want).map_err(|_| {
                anyhow::anyhow!("not enough memory to read `{}`", self.path.display())
            })?;
        }
        match &mut self.storage {
            Storage::Interleaved(r) => {
                let frame = size * self.channels;
                self.bytes.resize(want * frame, 0);
                r.read_exact(&mut self.bytes).with_context(truncated)?;
                for (c, o) in out.iter_mut().enumerate() {
                    decode(dtype, big, &self.bytes, frame, c * size, o);
                }
            }
            Storage::Planar(f) => {
                self.bytes.resize(want * size, 0);
                for (c, o) in out.iter_mut().enumerate() {
                    let at =
                        self.array.data_offset + (c as u64 * self.frames + self.pos) * size as u64;
                    f.seek(SeekFrom::Start(at)).with_context(truncated)?;
                    f.read_exact(&mut self.bytes).with_context(truncated)?;
                    decode(dtype, big, &self.bytes, size, 0, o);
                }
            }
        }
        if let Some((offset, scale)) = self.pcm {
            for o in out.iter_mut() {
                for x in o.iter_mut() {
                    *x = T::from_f64((x.to_f64() - offset) * scale);
                }
            }
        }
        self.pos += want as u64;
        Ok(want)
    }
}

/// Writes a `.npy` of `dtype`: 1-D without a layout, otherwise 2-D in `layout` (channels-first
/// is stored in Fortran order, so that either layout streams frame by frame).
pub struct NpySink<W: Write> {
    w: W,
    dtype: Dtype,
    frames: u64,
    written: u64,
    bytes: Vec<u8>,
}

impl<W: Write> NpySink<W> {
    /// Writes the header of a `frames` x `channels` array.
    pub fn new(
        mut w: W,
        dtype: Dtype,
        frames: u64,
        channels: usize,
        layout: Option<Layout>,
    ) -> Result<Self> {
        let (shape, fortran) = match layout {
            None if channels == 1 => (format!("({frames},)"), "False"),
            None | Some(Layout::FramesFirst) => (format!("({frames}, {channels})"), "False"),
            Some(Layout::ChannelsFirst) => (format!("({channels}, {frames})"), "True"),
        };
        let mut header = format!(
            "{{'descr': '{}', 'fortran_order': {fortran}, 'shape': {shape}, }}",
            dtype.descr()
        );
        // numpy pads the header so that the data starts on a 64-byte boundary.
        while !(10 + header.len() + 1).is_multiple_of(64) {
            header.push(' ');
        }
        header.push('\n');
        let len = u16::try_from(header.len()).context(".npy header too long")?;
        w.write_all(b"\x93NUMPY\x01\x00")
            .and_then(|()| w.write_all(&len.to_le_bytes()))
            .and_then(|()| w.write_all(header.as_bytes()))
            .context("writing .npy header")?;
        Ok(NpySink {
            w,
            dtype,
            frames,
            written: 0,
            bytes: Vec::new(),
        })
    }
}

/// Appends `x` to `out` as one element of `dtype` (integers wrap as numpy's `astype` does).
fn encode<T: Sample>(dtype: Dtype, x: T, out: &mut Vec<u8>) {
    match dtype {
        Dtype::Bool => out.push(u8::from(x.to_complex() != (0.0, 0.0))),
        Dtype::Int(b) | Dtype::Uint(b) => {
            out.extend_from_slice(&x.to_i64().to_le_bytes()[..usize::from(b)]);
        }
        Dtype::Float(2) => {
            out.extend_from_slice(&half::f16::from_f64(x.to_f64()).to_bits().to_le_bytes());
        }
        Dtype::Float(4) => out.extend_from_slice(&(x.to_f64() as f32).to_le_bytes()),
        Dtype::Float(_) => out.extend_from_slice(&x.to_f64().to_le_bytes()),
        Dtype::Complex(8) => {
            let (re, im) = x.to_complex();
            out.extend_from_slice(&(re as f32).to_le_bytes());
            out.extend_from_slice(&(im as f32).to_le_bytes());
        }
        Dtype::Complex(_) => {
            let (re, im) = x.to_complex();
            out.extend_from_slice(&re.to_le_bytes());
            out.extend_from_slice(&im.to_le_bytes());
        }
    }
}

impl<W: Write> NpySink<W> {
    /// Writes `values` in storage order and completes the file (a whole 2-D image).
    pub fn write_all_values<T: Sample>(mut self, values: impl Iterator<Item = T>) -> Result<()> {
        for x in values {
            encode(self.dtype, x, &mut self.bytes);
            self.written += 1;
            if self.bytes.len() >= 1 << 16 {
                self.w.write_all(&self.bytes).context("writing .npy data")?;
                self.bytes.clear();
            }
        }
        self.w.write_all(&self.bytes).context("writing .npy data")?;
        self.w.flush().context("writing .npy data")
    }
}

impl<T: Sample, W: Write> Sink<T> for NpySink<W> {
    fn write(&mut self, channels: &[&[T]]) -> Result<()> {
        let frames = channels.first().map_or(0, |c| c.len());
        self.bytes.clear();
        for i in 0..frames {
            for ch in channels {
                encode(self.dtype, ch[i], &mut self.bytes);
            }
        }
        self.written += frames as u64;
        self.w.write_all(&self.bytes).context("writing .npy data")
    }
    fn finish(&mut self) -> Result<()> {
        if self.written != self.frames {
            bail!(
                "internal error: {} frames written to a .npy announcing {}",
                self.written,
                self.frames
            );
        }
        self.w.flush().context("writing .npy data")
    }
}
