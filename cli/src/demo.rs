//! `convolve demo`: a few seconds of synthesized music through a synthesized room, written to
//! a WAV, with what the library chose and how fast it went.

use std::path::Path;

use anyhow::Result;
use convolve::{Method, Mode};

use crate::apply::{self, Files, Job, Report};
use crate::dtype::Dtype;
use crate::formats::{Format, Layout, MemorySource, ReadOptions, WavFormat};
use crate::output::{Output, OutputShape};

const RATE: u32 = 48_000;
const SONG_SECONDS: f64 = 4.0;
const ROOM_SECONDS: f64 = 1.5;
/// Time for the room's reverberation to decay by 60 dB.
const RT60: f64 = 1.2;

/// Runs the demo on the given files, or on synthesized ones when there are none.
pub fn run(signal: Option<&Path>, kernel: Option<&Path>, output: &Path) -> Result<()> {
    let job = Job {
        mode: Mode::Full,
        method: Method::Auto,
        correlate: false,
        normalize: Some(1.0),
        mix: crate::mix::Mix::default(),
        block_len: None,
    };
    let bar = crate::progress_bar(false);
    let (report, what, kernel_note) = match (signal, kernel) {
        (Some(signal), Some(kernel)) => {
            let files = Files {
                signal,
                kernel,
                output,
                output_format: None,
                read: ReadOptions {
                    pcm: true,
                    ..ReadOptions::default()
                },
                rate: RATE,
                wav: WavFormat::default(),
            };
            let r = apply::apply_files::<f32>(&files, &job, &bar, Dtype::Float(4))?;
            (
                r,
                format!("`{}` through `{}`", signal.display(), kernel.display()),
                String::new(),
            )
        }
        _ => {
            let dry = song();
            let room = room();
            let out = Output::create(output, None)?;
            let shape = OutputShape {
                channels: dry.len(),
                frames: Some((dry[0].len() + room[0].len() - 1) as u64),
                rate: RATE,
                dtype: Dtype::Float(4),
                layout: Some(Layout::FramesFirst),
                wav: WavFormat::default(),
            };
            let mut sink = out.sink::<f32>(shape)?;
            let mut source = MemorySource::new(dry, Some(RATE));
            let song = Path::new("the synthesized song");
            let r = crate::level::run_normalized(
                &mut source,
                song,
                &room,
                sink.as_mut(),
                &job,
                1.0,
                &out,
                &bar,
            )?;
            sink.finish()?;
            drop(sink);
            out.commit()?;
            (
                r,
                "a synthesized dry song through a synthesized room (no download)".to_string(),
                format!(": direct sound, 6 early reflections, {RT60} s RT60 tail"),
            )
        }
    };
    print_report(&report, &what, &kernel_note, output);
    Ok(())
}

fn print_report(r: &Report, what: &str, kernel_note: &str, output: &Path) {
    let secs = |frames: u64| frames as f64 / f64::from(RATE);
    println!("convolve demo: {what}");
    println!(
        "  signal : {} channel(s) x {} frames ({:.2} s at {RATE} Hz)",
        r.channels,
        r.signal_frames,
        secs(r.signal_frames)
    );
    println!(
        "  kernel : {} channel(s) x {} taps ({:.2} s){kernel_note}",
        r.kernel_channels,
        r.kernel_frames,
        secs(r.kernel_frames as u64)
    );
    let how = match r.block_len {
        Some(b) => format!("streamed in blocks of {b} frames"),
        None => "one call per channel".to_string(),
    };
    println!(
        "  method : {} (Method::Auto for n = {}, m = {}, mode full), {how}",
        r.method, r.signal_frames, r.kernel_frames
    );
    println!(
        "  output : {}, {} frames ({:.2} s), {}, peak-normalized (peak was {:.3})",
        output.display(),
        r.out_frames,
        secs(r.out_frames),
        match Format::of(output) {
            Ok(Format::Npy) => "float32 .npy".to_string(),
            Ok(f) => f.describe().to_string(),
            Err(_) => "?".to_string(),
        },
        r.peak
    );
    println!(
        "  time   : {:.1} ms including writing, {:.1} M input samples/s ({:.0}x real time)",
        r.seconds * 1e3,
        r.throughput() / 1e6,
        secs(r.signal_frames) / r.seconds.max(1e-9)
    );
    println!(
        "Next: convolve apply dry.wav room.wav -o wet.wav --normalize peak   (convolve apply --help)"
    );
}

/// A tiny deterministic noise generator (an LCG), so the demo needs no RNG crate.
struct Noise(u32);

impl Noise {
    /// Uniform in -1..1.
    fn next(&mut self) -> f64 {
        self.0 = self.0.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
        f64::from(self.0 >> 8) / f64::from(1u32 << 23) - 1.0
    }
}

/// Plucked notes of an A-minor arpeggio panned left and right, with a click on every beat so
/// that the room's echo is easy to hear.
fn song() -> Vec<Vec<f32>> {
    let n = (SONG_SECONDS * f64::from(RATE)) as usize;
    let notes = [220.0, 261.63, 329.63, 440.0, 392.0, 329.63, 261.63, 293.66];
    let note_len = n / notes.len();
    let mut left = vec![0.0f32; n];
    let mut right = vec![0.0f32; n];
    let mut noise = Noise(7);
    for (k, &f) in notes.iter().enumerate() {
        let pan = if k % 2 == 0 { 0.3 } else { 0.7 };
        for i in 0..note_len {
            let t = i as f64 / f64::from(RATE);
            let attack = (t / 0.005).min(1.0);
            let mut s = 0.0;
            for h in 1..=6 {
                let h = f64::from(h);
                s += (2.0 * std::f64::consts::PI * f * h * t).sin() / h * (-(3.0 + h) * t).exp();
            }
            let click = if i < 480 {
                noise.next() * (-(i as f64) / 60.0).exp()
            } else {
                0.0
            };
            let x = 0.3 * attack * s + 0.5 * click;
            left[k * note_len + i] = (x * (1.0 - pan)) as f32;
            right[k * note_len + i] = (x * pan) as f32;
        }
    }
    vec![left, right]
}

/// A stereo room response: the direct sound, six early reflections (slightly different per
/// ear) and a low-passed noise tail decaying 60 dB in [`RT60`] seconds.
fn room() -> Vec<Vec<f32>> {
    let n = (ROOM_SECONDS * f64::from(RATE)) as usize;
    let reflections = [
        (7.1, 0.6),
        (11.3, 0.5),
        (17.9, 0.4),
        (23.2, 0.35),
        (31.7, 0.3),
        (41.0, 0.25),
    ];
    (0..2)
        .map(|ear| {
            let mut h = vec![0.0f32; n];
            h[0] = 1.0;
            for &(ms, gain) in &reflections {
                let i = ((ms + 1.3 * f64::from(ear)) * 1e-3 * f64::from(RATE)) as usize;
                h[i] += if ear == 0 { gain } else { -gain } as f32;
            }
            let mut noise = Noise(11 + ear);
            let mut low = 0.0;
            for (i, x) in h.iter_mut().enumerate().skip(RATE as usize / 50) {
                let t = i as f64 / f64::from(RATE);
                low = 0.6 * low + 0.4 * noise.next();
                *x += (0.3 * low * (-6.91 * t / RT60).exp()) as f32;
            }
            h
        })
        .collect()
}
