//! `.npy`: numpy arrays in and out.

use std::fs::File;
use std::io::{BufReader, Seek, Write};
use std::path::Path;

use anyhow::{Context, Result, bail};

use super::{FormatError, Sink, Source, deinterleave};
use crate::sample::Real;

enum NpyData {
    F32(npyz::NpyReader<f32, BufReader<File>>),
    F64(npyz::NpyReader<f64, BufReader<File>>),
}

pub(super) struct NpySource {
    data: NpyData,
    frames: u64,
    channels: usize,
}

impl NpySource {
    pub(super) fn new(path: &Path, file: File) -> Result<Self> {
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
