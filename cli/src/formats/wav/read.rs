//! Parsing a WAV header up to its samples: RIFF, RF64 / BW64 (EBU Tech 3306, sizes in a
//! `ds64` chunk) and streamed files whose size fields were never filled in.

use std::io::{self, Read};
use std::path::Path;

use anyhow::{Result, bail};

use crate::formats::FormatError;

/// What a size field holds when the writer could not seek back to fill it in: a pipe
/// (`ffmpeg -f wav -`) or an RF64 file, whose real sizes are in `ds64`.
pub const UNKNOWN_SIZE: u32 = u32::MAX;

/// The samples' encoding and where they end.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WavHeader {
    /// Interleaved channels.
    pub channels: u16,
    /// Frames per second.
    pub rate: u32,
    /// IEEE float (else integer PCM, unsigned for 8 bits).
    pub float: bool,
    /// Bytes a sample occupies (its container, whatever its valid bits).
    pub sample_bytes: u16,
    /// Bytes from the first sample to the file's position after the header.
    pub header_len: u64,
    /// Bytes of samples; `None` when the data runs to the end of the file (a streamed WAV).
    pub data_len: Option<u64>,
}

impl WavHeader {
    /// Bytes per frame.
    pub fn frame_bytes(&self) -> u64 {
        u64::from(self.sample_bytes) * u64::from(self.channels)
    }
}

fn u16_at(b: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([b[at], b[at + 1]])
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(b[at..at + 4].try_into().expect("4 bytes"))
}

fn u64_at(b: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(b[at..at + 8].try_into().expect("8 bytes"))
}

/// Reads exactly `buf.len()` bytes, or fails with a message naming `path` and `what`.
fn fill(r: &mut dyn Read, buf: &mut [u8], path: &Path, what: &str) -> Result<()> {
    r.read_exact(buf).map_err(|e| {
        if e.kind() == io::ErrorKind::UnexpectedEof {
            anyhow::anyhow!(
                "`{}` is not a complete WAV: it ends in {what}",
                path.display()
            )
        } else {
            anyhow::Error::new(e).context(format!("cannot read `{}`", path.display()))
        }
    })
}

/// Skips `n` bytes of a stream that may not seek (stdin).
fn skip(r: &mut dyn Read, n: u64, path: &Path) -> Result<()> {
    let skipped = io::copy(&mut r.take(n), &mut io::sink())
        .map_err(|e| anyhow::Error::new(e).context(format!("cannot read `{}`", path.display())))?;
    if skipped < n {
        bail!(
            "`{}` is not a complete WAV: it ends inside a chunk before the samples",
            path.display()
        );
    }
    Ok(())
}

/// Whether `magic` (the first 4 bytes of a file) starts a WAV this reader takes.
pub fn is_wav_magic(magic: &[u8]) -> bool {
    matches!(magic, b"RIFF" | b"RF64" | b"BW64")
}

/// Reads the header of a WAV from `r`, leaving it at the first sample. Chunks other than
/// `fmt `, `ds64` and `data` are skipped with their pad byte (chunks are 2-byte aligned).
///
/// A `data` size of 0xFFFFFFFF in a RIFF file, or 0 when the RIFF size is also unset (0 or
/// 0xFFFFFFFF), means the samples run to the end of the file, as sox and ffmpeg read it.
pub fn parse(r: &mut dyn Read, path: &Path) -> Result<WavHeader> {
    let not_wav = || FormatError::Wav {
        path: path.to_path_buf(),
        detail: "not a RIFF/RF64 WAVE file".to_string(),
    };
    let mut head = [0u8; 12];
    fill(r, &mut head, path, "its header")?;
    if !is_wav_magic(&head[..4]) || &head[8..12] != b"WAVE" {
        bail!(not_wav());
    }
    let rf64 = &head[..4] != b"RIFF";
    let riff_size = u32_at(&head, 4);
    let mut pos: u64 = 12;
    let mut ds64_data: Option<u64> = None;
    let mut format: Option<(bool, u16, u32, u16)> = None;
    loop {
        let mut chunk = [0u8; 8];
        fill(r, &mut chunk, path, "its header (no `data` chunk)")?;
        pos += 8;
        let (id, size) = (&chunk[..4], u32_at(&chunk, 4));
        match id {
            b"ds64" if rf64 => {
                if size < 24 {
                    bail!(FormatError::Wav {
                        path: path.to_path_buf(),
                        detail: format!("a ds64 chunk of {size} bytes (at least 24)"),
                    });
                }
                let mut body = [0u8; 24];
                fill(r, &mut body, path, "its ds64 chunk")?;
                ds64_data = Some(u64_at(&body, 8));
                let rest = u64::from(size) - 24 + u64::from(size & 1);
                skip(r, rest, path)?;
                pos += u64::from(size) + u64::from(size & 1);
            }
            b"fmt " => {
                if size < 16 {
                    bail!(FormatError::Wav {
                        path: path.to_path_buf(),
                        detail: format!("a fmt chunk of {size} bytes (at least 16)"),
                    });
                }
                let mut body = vec![0u8; size.min(40) as usize];
                fill(r, &mut body, path, "its fmt chunk")?;
                let rest = u64::from(size) - body.len() as u64 + u64::from(size & 1);
                skip(r, rest, path)?;
                pos += u64::from(size) + u64::from(size & 1);
                format = Some(decode_fmt(&body, path)?);
            }
            b"data" => {
                let Some((float, channels, rate, sample_bytes)) = format else {
                    bail!(FormatError::Wav {
                        path: path.to_path_buf(),
                        detail: "no fmt chunk before the samples".to_string(),
                    });
                };
                let unset = |s: u32| s == 0 || s == UNKNOWN_SIZE;
                let data_len = if rf64 && size == UNKNOWN_SIZE {
                    match ds64_data {
                        Some(len) => Some(len),
                        None => bail!(FormatError::Wav {
                            path: path.to_path_buf(),
                            detail: "an RF64 file without a ds64 chunk before its samples"
                                .to_string(),
                        }),
                    }
                } else if size == UNKNOWN_SIZE || (size == 0 && unset(riff_size)) {
                    None
                } else {
                    Some(u64::from(size))
                };
                return Ok(WavHeader {
                    channels,
                    rate,
                    float,
                    sample_bytes,
                    header_len: pos,
                    data_len,
                });
            }
            _ => {
                let padded = u64::from(size) + u64::from(size & 1);
                skip(r, padded, path)?;
                pos += padded;
            }
        }
    }
}

/// `(float, channels, rate, container bytes per sample)` from a `fmt ` chunk's body, for the
/// encodings read: 8/16/24/32-bit integer PCM and 32/64-bit float, plain or
/// WAVE_FORMAT_EXTENSIBLE.
fn decode_fmt(b: &[u8], path: &Path) -> Result<(bool, u16, u32, u16)> {
    const PCM: u16 = 1;
    const FLOAT: u16 = 3;
    const EXTENSIBLE: u16 = 0xFFFE;
    let mut tag = u16_at(b, 0);
    let channels = u16_at(b, 2);
    let rate = u32_at(b, 4);
    let block_align = u16_at(b, 12);
    let bits = u16_at(b, 14);
    if tag == EXTENSIBLE && b.len() >= 26 {
        // The sub-format GUID starts with the plain format tag.
        tag = u16_at(b, 24);
    }
    let sample_bytes = block_align.checked_div(channels).unwrap_or(0);
    let float = tag == FLOAT;
    let supported = channels > 0
        && rate > 0
        && block_align == sample_bytes * channels
        && u32::from(bits) <= 8 * u32::from(sample_bytes)
        && match tag {
            FLOAT => matches!(sample_bytes, 4 | 8),
            PCM => (1..=4).contains(&sample_bytes),
            _ => false,
        };
    if !supported {
        bail!(FormatError::Wav {
            path: path.to_path_buf(),
            detail: format!(
                "{bits}-bit {}, {channels} channels",
                match tag {
                    FLOAT => "float",
                    PCM => "integer",
                    _ => "compressed or unknown format",
                }
            ),
        });
    }
    Ok((float, channels, rate, sample_bytes))
}
