//! Convolution reverb: convolves a WAV file with an impulse-response WAV, block by block, as an
//! audio callback would, and writes the result (with the reverb tail) to a new WAV.
//!
//! ```text
//! cargo run --release --example reverb -- dry.wav impulse.wav wet.wav [block_len] [mix]
//! ```
//!
//! Channels: a mono impulse response is applied to every input channel (one convolver, its
//! spectra shared by the channels); a multi-channel one pairs IR channel `c` with input
//! channel `c` (cycling if the IR has fewer). Without arguments it makes a test signal and a
//! synthetic room response, so that it runs anywhere.

use std::error::Error;

use convolve::{StreamBuilder, StreamConvolver};

/// De-interleaved channels and the sample rate.
type Audio = (Vec<Vec<f32>>, u32);

/// Reads a WAV as de-interleaved f32 channels in -1..1.
fn read(path: &str) -> Result<Audio, Box<dyn Error>> {
    let mut reader = hound::WavReader::open(path)?;
    let spec = reader.spec();
    let channels = spec.channels as usize;
    let samples: Vec<f32> = match spec.sample_format {
        hound::SampleFormat::Float => reader.samples::<f32>().collect::<Result<_, _>>()?,
        hound::SampleFormat::Int => {
            let scale = 1.0 / (1u64 << (spec.bits_per_sample - 1)) as f32;
            reader
                .samples::<i32>()
                .map(|s| s.map(|v| v as f32 * scale))
                .collect::<Result<_, _>>()?
        }
    };
    let mut out = vec![Vec::with_capacity(samples.len() / channels); channels];
    for frame in samples.chunks_exact(channels) {
        for (c, &s) in frame.iter().enumerate() {
            out[c].push(s);
        }
    }
    Ok((out, spec.sample_rate))
}

/// A dry test signal (clicks and a chirp) and a decaying-noise "room" at 48 kHz.
fn synthetic() -> (Vec<Vec<f32>>, Vec<Vec<f32>>, u32) {
    let rate = 48_000;
    let dry: Vec<f32> = (0..rate as usize * 2)
        .map(|i| {
            let t = i as f32 / rate as f32;
            let click = if i % 24_000 == 0 { 0.9 } else { 0.0 };
            click + 0.3 * (2.0 * std::f32::consts::PI * (200.0 + 400.0 * t) * t).sin()
        })
        .collect();
    let mut s = 1u32;
    let ir: Vec<f32> = (0..rate as usize)
        .map(|i| {
            s = s.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            let noise = (s >> 8) as f32 / (1u32 << 24) as f32 - 0.5;
            0.05 * noise * (-6.0 * i as f32 / rate as f32).exp()
        })
        .collect();
    (vec![dry], vec![ir], rate)
}

fn main() -> Result<(), Box<dyn Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (dry, ir, rate, out_path) = if args.len() >= 3 {
        let (dry, rate) = read(&args[0])?;
        let (ir, ir_rate) = read(&args[1])?;
        if ir_rate != rate {
            eprintln!("warning: IR at {ir_rate} Hz, input at {rate} Hz; not resampled");
        }
        (dry, ir, rate, args[2].clone())
    } else {
        eprintln!(
            "usage: reverb dry.wav impulse.wav wet.wav [block_len] [mix]; using a test signal"
        );
        let (dry, ir, rate) = synthetic();
        (dry, ir, rate, "demo-out.wav".to_string())
    };
    let block: usize = args.get(3).map(|s| s.parse()).transpose()?.unwrap_or(256);
    let mix: f32 = args.get(4).map(|s| s.parse()).transpose()?.unwrap_or(0.5);

    // One convolver per distinct IR channel; with a mono IR, one convolver for every channel.
    let mut convs: Vec<StreamConvolver<f32>> = if ir.len() == 1 {
        vec![
            StreamBuilder::new(block)
                .channels(dry.len())
                .build(&ir[0])?,
        ]
    } else {
        dry.iter()
            .enumerate()
            .map(|(c, _)| StreamConvolver::new(&ir[c % ir.len()], block))
            .collect::<Result<_, _>>()?
    };
    let tail = convs[0]
        .tail_len()
        .max(convs.iter().map(|c| c.tail_len()).max().unwrap_or(0));
    let len = dry[0].len();
    let mut wet = vec![vec![0.0f32; len + tail]; dry.len()];

    // The "audio callback": one block of every channel at a time; no allocation in here.
    let started = std::time::Instant::now();
    let mut scratch = vec![0.0f32; block];
    for start in (0..len + tail).step_by(block) {
        let n = block.min(len + tail - start);
        for (c, out) in wet.iter_mut().enumerate() {
            let (conv, ch) = if convs.len() == 1 {
                (&mut convs[0], c)
            } else {
                (&mut convs[c], 0)
            };
            let input = &dry[c][start.min(len)..(start + n).min(len)];
            let out = &mut out[start..start + n];
            conv.process_channel(ch, input, &mut out[..input.len()])?;
            // Past the end of the input: the reverb tail.
            conv.flush_channel(ch, &mut scratch[..n - input.len()])?;
            out[input.len()..].copy_from_slice(&scratch[..n - input.len()]);
        }
    }
    let elapsed = started.elapsed().as_secs_f64();
    let audio = (len + tail) as f64 / rate as f64;
    eprintln!(
        "{} channel(s), {} IR taps, block {block}: {audio:.2} s of audio in {elapsed:.3} s ({:.1}x real time)",
        dry.len(),
        ir.iter().map(Vec::len).max().unwrap_or(0),
        audio / elapsed
    );

    // Dry/wet mix, normalized so that the loudest sample is at -1 dBFS.
    for (c, w) in wet.iter_mut().enumerate() {
        for (i, s) in w.iter_mut().enumerate() {
            *s = (1.0 - mix) * dry[c].get(i).copied().unwrap_or(0.0) + mix * *s;
        }
    }
    let peak = wet
        .iter()
        .flatten()
        .fold(0.0f32, |m, &s| m.max(s.abs()))
        .max(1e-9);
    let gain = 10f32.powf(-1.0 / 20.0) / peak;
    let spec = hound::WavSpec {
        channels: wet.len() as u16,
        sample_rate: rate,
        bits_per_sample: 32,
        sample_format: hound::SampleFormat::Float,
    };
    let mut writer = hound::WavWriter::create(&out_path, spec)?;
    for i in 0..len + tail {
        for w in &wet {
            writer.write_sample(w[i] * gain)?;
        }
    }
    writer.finalize()?;
    eprintln!("wrote {out_path}");
    Ok(())
}
