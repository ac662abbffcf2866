//! The WAV reader and writer on bytes built here: RF64 forced by a small limit, streamed and
//! truncated headers, odd chunks.

use std::io::Cursor;
use std::path::Path;

use super::write::{RIFF_LIMIT, Target, WavSink};
use super::{UNKNOWN_SIZE, WavEncoding, WavFormat, WavSource, parse};
use crate::formats::{Sink, Source};

fn u16_at(b: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([b[at], b[at + 1]])
}
fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(b[at..at + 4].try_into().unwrap())
}
fn u64_at(b: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(b[at..at + 8].try_into().unwrap())
}

/// Stereo float samples that are not symmetric in channel or time.
fn stereo(frames: usize) -> [Vec<f64>; 2] {
    [
        (0..frames).map(|i| i as f64 / 64.0 - 0.5).collect(),
        (0..frames).map(|i| -((i * 7 % 13) as f64) / 16.0).collect(),
    ]
}

/// Writes `x` through a sink finished as RF64 above `limit` bytes of RIFF size.
fn write_wav(x: &[Vec<f64>], limit: u64) -> Vec<u8> {
    write_wav_as(x, limit, WavFormat::default())
}

/// [`write_wav`] in `format`.
fn write_wav_as(x: &[Vec<f64>], limit: u64, format: WavFormat) -> Vec<u8> {
    let mut sink = WavSink::<_, std::io::Sink>::with_limit(
        Target::File(Cursor::new(Vec::new())),
        x.len(),
        44_100,
        format,
        limit,
    )
    .unwrap();
    let refs: Vec<&[f64]> = x.iter().map(Vec::as_slice).collect();
    // Two writes, as the streaming loop makes.
    let half: Vec<&[f64]> = refs.iter().map(|c| &c[..c.len() / 2]).collect();
    let rest: Vec<&[f64]> = refs.iter().map(|c| &c[c.len() / 2..]).collect();
    Sink::<f64>::write(&mut sink, &half).unwrap();
    Sink::<f64>::write(&mut sink, &rest).unwrap();
    Sink::<f64>::finish(&mut sink).unwrap();
    match sink.target {
        Target::File(c) => c.into_inner(),
        Target::Pipe(_) => unreachable!("a file target"),
    }
}

/// Reads all frames of a WAV in `bytes`, with the file's length known or not (a pipe).
fn read_back(bytes: &[u8], known_len: bool) -> anyhow::Result<(Option<u64>, Vec<Vec<f64>>)> {
    // An odd block length, so that reads end inside the data.
    read_back_in(bytes, known_len, 7)
}

/// [`read_back`] `block` frames per read.
fn read_back_in(
    bytes: &[u8],
    known_len: bool,
    block: usize,
) -> anyhow::Result<(Option<u64>, Vec<Vec<f64>>)> {
    let len = known_len.then_some(bytes.len() as u64);
    let mut src = WavSource::new(
        Path::new("t.wav"),
        Box::new(Cursor::new(bytes.to_vec())),
        len,
    )?;
    let frames = Source::<f64>::frames(&src);
    let channels = Source::<f64>::channels(&src);
    let mut all = vec![Vec::new(); channels];
    let mut buffers = vec![Vec::new(); channels];
    while src.read(block, &mut buffers)? > 0 {
        for (a, b) in all.iter_mut().zip(&buffers) {
            a.extend_from_slice(b);
        }
    }
    Ok((frames, all))
}

fn as_f32(x: &[Vec<f64>]) -> Vec<Vec<f64>> {
    x.iter()
        .map(|c| c.iter().map(|&v| f64::from(v as f32)).collect())
        .collect()
}

#[test]
fn small_output_is_riff_with_junk() {
    let x = stereo(100);
    let b = write_wav(&x, RIFF_LIMIT);
    let data = 100 * 2 * 4;
    assert_eq!(&b[..4], b"RIFF");
    assert_eq!(u32_at(&b, 4) as usize, b.len() - 8);
    assert_eq!(&b[8..16], b"WAVEJUNK");
    assert_eq!(u32_at(&b, 16), 28);
    assert!(b[20..48].iter().all(|&v| v == 0));
    assert_eq!(&b[48..52], b"fmt ");
    assert_eq!(u32_at(&b, 52), 16);
    assert_eq!(u16_at(&b, 56), 3); // IEEE float
    assert_eq!(u16_at(&b, 58), 2);
    assert_eq!(u32_at(&b, 60), 44_100);
    assert_eq!(u32_at(&b, 64), 44_100 * 8);
    assert_eq!(u16_at(&b, 68), 8);
    assert_eq!(u16_at(&b, 70), 32);
    assert_eq!(&b[72..76], b"data");
    assert_eq!(u32_at(&b, 76) as usize, data);
    assert_eq!(b.len(), 80 + data);
    // hound (the tests' independent reader) skips JUNK.
    let mut r = hound::WavReader::new(Cursor::new(b.clone())).unwrap();
    assert_eq!(r.duration(), 100);
    let s: Vec<f32> = r.samples::<f32>().map(Result::unwrap).collect();
    assert_eq!(s[1], x[1][0] as f32);
    let (frames, back) = read_back(&b, true).unwrap();
    assert_eq!(frames, Some(100));
    assert_eq!(back, as_f32(&x));
}

#[test]
fn output_over_the_limit_is_rf64() {
    let x = stereo(101);
    let data = 101 * 2 * 4u64;
    // RIFF size 72 + data: one byte over the limit.
    let b = write_wav(&x, 72 + data - 1);
    assert_eq!(&b[..4], b"RF64");
    assert_eq!(u32_at(&b, 4), UNKNOWN_SIZE);
    assert_eq!(&b[8..16], b"WAVEds64");
    assert_eq!(u32_at(&b, 16), 28);
    assert_eq!(u64_at(&b, 20), b.len() as u64 - 8); // RIFF size
    assert_eq!(u64_at(&b, 28), data); // data size
    assert_eq!(u64_at(&b, 36), 101); // sample count (frames)
    assert_eq!(u32_at(&b, 44), 0); // table length
    assert_eq!(&b[48..52], b"fmt ");
    assert_eq!(u16_at(&b, 56), 3);
    assert_eq!(u16_at(&b, 58), 2);
    assert_eq!(&b[72..76], b"data");
    assert_eq!(u32_at(&b, 76), UNKNOWN_SIZE);
    assert_eq!(b.len() as u64, 80 + data);
    let h = parse(&mut Cursor::new(&b), Path::new("t.wav")).unwrap();
    assert_eq!(h.data_len, Some(data));
    assert_eq!(h.header_len, 80);
    for known in [true, false] {
        let (frames, back) = read_back(&b, known).unwrap();
        assert_eq!(frames, Some(101));
        assert_eq!(back, as_f32(&x), "file length known: {known}");
    }
    // At the limit it is still RIFF.
    assert_eq!(&write_wav(&x, 72 + data)[..4], b"RIFF");
}

#[test]
fn streamed_output_has_unset_sizes_and_reads_to_the_end() {
    let x = stereo(50);
    let mut sink = WavSink::streamed(Vec::new(), 2, 8_000, WavFormat::default()).unwrap();
    let refs: Vec<&[f64]> = x.iter().map(Vec::as_slice).collect();
    Sink::<f64>::write(&mut sink, &refs).unwrap();
    Sink::<f64>::finish(&mut sink).unwrap();
    let Target::Pipe(b) = sink.target else {
        unreachable!("a pipe target")
    };
    assert_eq!(&b[..4], b"RIFF");
    assert_eq!(u32_at(&b, 4), UNKNOWN_SIZE);
    assert_eq!(&b[8..16], b"WAVEfmt ");
    assert_eq!(&b[36..40], b"data");
    assert_eq!(u32_at(&b, 40), UNKNOWN_SIZE);
    assert_eq!(b.len(), 44 + 50 * 8);
    let (frames, back) = read_back(&b, false).unwrap();
    assert_eq!(frames, None);
    assert_eq!(back, as_f32(&x));
    let (frames, back) = read_back(&b, true).unwrap();
    assert_eq!(frames, Some(50));
    assert_eq!(back, as_f32(&x));
}

/// A 16-bit mono WAV: `magic`, RIFF size, `chunks` (id, body) before `data` with `data_size`,
/// then `samples`.
fn hand_built(
    magic: &[u8; 4],
    riff: u32,
    chunks: &[(&[u8; 4], Vec<u8>)],
    data_size: u32,
    samples: &[i16],
) -> Vec<u8> {
    let mut b = magic.to_vec();
    b.extend_from_slice(&riff.to_le_bytes());
    b.extend_from_slice(b"WAVE");
    for (id, body) in chunks {
        b.extend_from_slice(*id);
        b.extend_from_slice(&(body.len() as u32).to_le_bytes());
        b.extend_from_slice(body);
        if body.len() % 2 == 1 {
            b.push(0xAB); // the pad byte, not data
        }
    }
    b.extend_from_slice(b"data");
    b.extend_from_slice(&data_size.to_le_bytes());
    for s in samples {
        b.extend_from_slice(&s.to_le_bytes());
    }
    b
}

fn fmt16(rate: u32) -> Vec<u8> {
    let mut f = Vec::new();
    f.extend_from_slice(&1u16.to_le_bytes());
    f.extend_from_slice(&1u16.to_le_bytes());
    f.extend_from_slice(&rate.to_le_bytes());
    f.extend_from_slice(&(rate * 2).to_le_bytes());
    f.extend_from_slice(&2u16.to_le_bytes());
    f.extend_from_slice(&16u16.to_le_bytes());
    f
}

const SAMPLES: [i16; 5] = [0, 16384, -32768, 32767, -1];

fn scaled() -> Vec<f64> {
    SAMPLES.iter().map(|&s| f64::from(s) / 32768.0).collect()
}

#[test]
fn riff_with_unset_data_size_reads_to_the_end() {
    for (riff, data) in [(UNKNOWN_SIZE, UNKNOWN_SIZE), (0, 0), (46, UNKNOWN_SIZE)] {
        let b = hand_built(b"RIFF", riff, &[(b"fmt ", fmt16(8000))], data, &SAMPLES);
        let h = parse(&mut Cursor::new(&b), Path::new("t.wav")).unwrap();
        assert_eq!(h.data_len, None, "riff {riff:#x} data {data:#x}");
        for known in [true, false] {
            let (frames, back) = read_back(&b, known).unwrap();
            assert_eq!(frames, known.then_some(5));
            assert_eq!(back, vec![scaled()]);
        }
        // A partial frame at the end is dropped.
        let mut odd = b.clone();
        odd.push(7);
        assert_eq!(read_back(&odd, false).unwrap().1, vec![scaled()]);
        assert_eq!(read_back(&odd, true).unwrap().0, Some(5));
    }
    // An empty data chunk in a RIFF whose size is set is empty, not streamed.
    let b = hand_built(b"RIFF", 36, &[(b"fmt ", fmt16(8000))], 0, &[]);
    assert_eq!(read_back(&b, true).unwrap().0, Some(0));
}

#[test]
fn rf64_with_ds64_is_read() {
    let data = 2 * SAMPLES.len() as u64;
    let mut ds64 = Vec::new();
    ds64.extend_from_slice(&(4 + 36 + 24 + 8 + data).to_le_bytes());
    ds64.extend_from_slice(&data.to_le_bytes());
    ds64.extend_from_slice(&(SAMPLES.len() as u64).to_le_bytes());
    ds64.extend_from_slice(&0u32.to_le_bytes());
    let mut b = hand_built(
        b"RF64",
        UNKNOWN_SIZE,
        &[(b"ds64", ds64), (b"fmt ", fmt16(48_000))],
        UNKNOWN_SIZE,
        &SAMPLES,
    );
    // Chunks after the data (a LIST, say) are not samples: the ds64 size stops before them.
    b.extend_from_slice(b"LIST\x04\x00\x00\x00abcd");
    for known in [true, false] {
        let (frames, back) = read_back(&b, known).unwrap();
        assert_eq!(frames, Some(5));
        assert_eq!(back, vec![scaled()]);
    }
    // RF64 without ds64 is refused.
    let b = hand_built(
        b"RF64",
        UNKNOWN_SIZE,
        &[(b"fmt ", fmt16(48_000))],
        UNKNOWN_SIZE,
        &SAMPLES,
    );
    let e = read_back(&b, true).unwrap_err().to_string();
    assert!(e.contains("without a ds64"), "{e}");
}

#[test]
fn data_size_beyond_the_file_is_an_error() {
    let b = hand_built(b"RIFF", 1000, &[(b"fmt ", fmt16(8000))], 1000, &SAMPLES);
    let e = read_back(&b, true).unwrap_err().to_string();
    assert!(e.contains("`t.wav` is truncated"), "{e}");
    // On a pipe the length is unknown: the reader stops at the end, and the streaming loop's
    // check (ensure_complete) reports the missing frames.
    let (frames, back) = read_back(&b, false).unwrap();
    assert_eq!(frames, Some(500));
    assert_eq!(back, vec![scaled()]);
}

#[test]
fn odd_chunks_before_data_are_skipped_with_their_pad_byte() {
    let b = hand_built(
        b"RIFF",
        UNKNOWN_SIZE,
        &[
            (b"LIST", b"odd".to_vec()),
            (b"fmt ", fmt16(8000)),
            (b"bext", vec![1; 5]),
        ],
        10,
        &SAMPLES,
    );
    let h = parse(&mut Cursor::new(&b), Path::new("t.wav")).unwrap();
    assert_eq!(h.header_len, 12 + 12 + 24 + 14 + 8);
    assert_eq!(h.data_len, Some(10));
    let (frames, back) = read_back(&b, true).unwrap();
    assert_eq!(frames, Some(5));
    assert_eq!(back, vec![scaled()]);
}

/// Reads longer than the reader's decoding slice (8192 frames) in one call.
#[test]
fn long_reads_span_several_slices() {
    let x = stereo(20_001);
    let b = write_wav(&x, RIFF_LIMIT);
    for known in [true, false] {
        let (frames, back) = read_back_in(&b, known, 65_536).unwrap();
        assert_eq!(frames, Some(20_001));
        assert_eq!(back, as_f32(&x));
    }
}

/// Every encoding reads back what it wrote: integers exactly when the values are multiples of
/// their LSB (full scale 2^(bits-1), the reader's), floats to their precision; 24-bit mono of
/// an odd length gets its pad byte.
#[test]
fn every_encoding_round_trips() {
    for (encoding, bits) in [
        (WavEncoding::Int16, 16),
        (WavEncoding::Int24, 24),
        (WavEncoding::Int32, 32),
        (WavEncoding::Float32, 32),
        (WavEncoding::Float64, 64),
    ] {
        for channels in [1usize, 2] {
            let lsb = (-f64::from(bits - 1)).exp2();
            let x: Vec<Vec<f64>> = stereo(101)[..channels]
                .iter()
                .map(|c| c.iter().map(|v| (v * 0.9 / lsb).round() * lsb).collect())
                .collect();
            let format = WavFormat {
                encoding,
                dither: false,
            };
            let b = write_wav_as(&x, RIFF_LIMIT, format);
            let h = parse(&mut &b[..], Path::new("t.wav")).unwrap();
            assert_eq!(h.sample_bytes, bits / 8, "{encoding:?}");
            assert_eq!(h.float, encoding.is_float());
            assert_eq!(u16_at(&b, 70), bits);
            let data = 101 * channels as u64 * u64::from(bits / 8);
            assert_eq!(h.data_len, Some(data));
            assert_eq!(b.len() as u64, 80 + data + (data & 1), "{encoding:?} pad");
            assert_eq!(u32_at(&b, 4) as u64, b.len() as u64 - 8);
            let (_, back) = read_back(&b, true).unwrap();
            let want = if encoding == WavEncoding::Float32 {
                as_f32(&x)
            } else {
                x.clone()
            };
            assert_eq!(back, want, "{encoding:?} x {channels}");
        }
    }
}
