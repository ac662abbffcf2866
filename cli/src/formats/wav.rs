//! WAV: 8/16/24/32-bit integer PCM (scaled to -1..1) and 32-bit float in, 32-bit float out.

use std::fs::File;
use std::io::{BufReader, Seek, Write};
use std::path::Path;

use anyhow::{Context, Result, bail};

use super::{FormatError, Sink, Source, deinterleave};
use crate::sample::Real;

pub(super) struct WavSource {
    reader: hound::WavReader<BufReader<File>>,
    spec: hound::WavSpec,
    frames: u64,
    scratch_i: Vec<i32>,
}

impl WavSource {
    pub(super) fn new(path: &Path, file: File) -> Result<Self> {
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
