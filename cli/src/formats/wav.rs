//! WAV: 8/16/24/32-bit integer PCM (scaled to -1..1) and 32-bit float in, 32-bit float out.

use std::fs::File;
use std::io::{BufReader, Seek, Write};
use std::path::Path;

use anyhow::{Context, Result, bail};

use super::{FormatError, Sink, Source};
use crate::sample::Sample;

pub(super) struct WavSource {
    path: std::path::PathBuf,
    reader: hound::WavReader<BufReader<File>>,
    spec: hound::WavSpec,
    frames: u64,
}

impl WavSource {
    pub(super) fn new(path: &Path, file: File) -> Result<Self> {
        let file_len = file
            .metadata()
            .with_context(|| format!("cannot read `{}`", path.display()))?
            .len();
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
        // The header's data size is checked before any buffer is sized from it.
        let bytes = frames * u64::from(spec.channels) * u64::from(spec.bits_per_sample / 8);
        if bytes > file_len {
            bail!(
                "`{}` is truncated: its header announces {frames} frames ({bytes} bytes of samples), the file has {file_len} bytes",
                path.display()
            );
        }
        Ok(WavSource {
            path: path.to_path_buf(),
            reader,
            spec,
            frames,
        })
    }
}

impl<T: Sample> Source<T> for WavSource {
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
        let channels = out.len();
        let want = max * channels;
        for o in out.iter_mut() {
            o.clear();
            o.try_reserve(max).map_err(|_| {
                anyhow::anyhow!("not enough memory to read `{}`", self.path.display())
            })?;
        }
        let path = &self.path;
        let truncated = || format!("`{}` is truncated or unreadable", path.display());
        let mut got = 0;
        match self.spec.sample_format {
            hound::SampleFormat::Float => {
                for s in self.reader.samples::<f32>().take(want) {
                    out[got % channels].push(T::from_f64(f64::from(s.with_context(truncated)?)));
                    got += 1;
                }
            }
            hound::SampleFormat::Int => {
                // Integer PCM maps to -1..1 as every audio tool does: full scale is 2^(bits-1).
                let scale = 1.0 / (1u64 << (self.spec.bits_per_sample - 1)) as f64;
                for s in self.reader.samples::<i32>().take(want) {
                    out[got % channels]
                        .push(T::from_f64(f64::from(s.with_context(truncated)?) * scale));
                    got += 1;
                }
            }
        }
        let frames = got / channels;
        for o in out.iter_mut() {
            o.truncate(frames);
        }
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
        let channels16 = u16::try_from(channels)
            .map_err(|_| anyhow::anyhow!("{channels} channels is more than a WAV holds (65535)"))?;
        // hound divides by the rate and stores rate x frame size in 32 bits.
        let max_rate = u32::MAX / (4 * u32::from(channels16));
        if rate == 0 || rate > max_rate {
            bail!(
                "a sample rate of {rate} Hz cannot be written: a {channels}-channel float WAV takes 1 to {max_rate} Hz (--rate)"
            );
        }
        let spec = hound::WavSpec {
            channels: channels16,
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

impl<T: Sample, W: Write + Seek> Sink<T> for WavSink<W> {
    fn write(&mut self, channels: &[&[T]]) -> Result<()> {
        let w = self.writer.as_mut().context("WAV already finished")?;
        debug_assert_eq!(channels.len(), self.channels);
        let frames = channels.first().map_or(0, |c| c.len());
        for i in 0..frames {
            for ch in channels {
                w.write_sample(ch[i].to_f64() as f32)
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
