//! `convolve`: numpy-exact convolution and correlation of files of any length.
//!
//! `convolve apply` streams a signal through a kernel (WAV, `.npy`, text, raw floats),
//! `convolve demo` runs a synthesized room reverb, `convolve bench` times the methods here.

mod apply;
mod bench;
mod demo;
mod formats;
mod image;
mod output;
mod sample;

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use clap::{Args, Parser, Subcommand, ValueEnum};
use convolve::{Method, Mode};
use indicatif::{ProgressBar, ProgressStyle};

use crate::apply::{Files, Job, Report};
use crate::formats::ReadOptions;

#[derive(Parser, Debug)]
#[command(
    name = "convolve",
    version,
    about = "Convolve and correlate signals exactly as numpy.convolve / numpy.correlate, fast, on files of any length",
    long_about = "Convolve and correlate signals exactly as numpy.convolve / numpy.correlate, fast, on files of any length.\n\n\
        The method (direct sum, FFT or overlap-add) is chosen from the lengths by a cost model measured on real \
        hardware; signals longer than memory are streamed block by block, so memory is bounded by the kernel.",
    after_help = "Start here:\n  convolve demo                                  a synthesized song through a synthesized room -> demo-out.wav\n  \
        convolve apply dry.wav room.wav -o wet.wav --normalize peak\n  \
        convolve bench --quick --plot crossover.svg    where direct / FFT / overlap-add win on this machine\n\n\
        Exit status: 0 success, 1 a problem with the inputs or files (one-line message), 2 bad arguments."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Convolve (or correlate) a signal file with a kernel file and write the result
    #[command(after_help = APPLY_HELP)]
    Apply(ApplyArgs),
    /// Run a room reverb on synthesized audio (no files needed) and say what happened
    Demo(DemoArgs),
    /// Time direct / fft / overlap-add / auto over a grid of sizes and show where each wins
    Bench(BenchArgs),
}

const APPLY_HELP: &str = "\
Formats (by extension, for inputs and the output):
  .wav             8/16/24/32-bit integer or 32-bit float, any number of channels; integers are
                   scaled to -1..1. Written as 32-bit float at the signal's sample rate.
  .npy             1-D float32 or float64 (2-D (frames, channels) is read as channels).
                   Written in the --dtype, 1-D for mono, (frames, channels) otherwise.
                   With --image, two 2-D arrays convolved as images (scipy.signal.convolve).
  .txt .csv .tsv   one number per line; a table's column with --column. '#' lines are skipped.
  .f32 .f64        raw little-endian floats, mono: the format for signals larger than memory.

Channels: a mono kernel applies to every signal channel; an N-channel kernel pairs channel c
with channel c. Two WAV inputs must have the same sample rate.

Lengths (n signal, m kernel), exactly as numpy:
  full  n + m - 1        same  max(n, m), centred        valid  max(n, m) - min(n, m) + 1

Memory: the kernel plus a few blocks of max(8m, 65536) frames; any signal length streams.
The output appears only when complete (written to a temporary file, then renamed).

Examples:
  convolve apply dry.wav room.wav -o wet.wav --normalize peak
  convolve apply data.csv taps.txt -o smooth.npy --column price --mode same
  convolve apply a.npy b.npy -o xcorr.txt --correlate --mode full
  convolve apply huge.f32 fir.npy -o filtered.f32 --dtype f32
  convolve apply photo.npy blur.npy -o blurred.npy --image --mode same";

/// numpy's `mode`: which part of the full result to keep.
#[derive(Clone, Copy, Debug, ValueEnum)]
enum ModeArg {
    /// every point of overlap: n + m - 1 samples
    Full,
    /// max(n, m) samples centred on the full result (a filter without delay)
    Same,
    /// only complete overlap: max(n, m) - min(n, m) + 1 samples
    Valid,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum MethodArg {
    /// pick the fastest for the lengths with the library's cost model
    Auto,
    /// the O(n·m) sum, vectorized: best for short kernels
    Direct,
    /// one zero-padded FFT of each input: best when both are long
    Fft,
    /// blockwise FFT with the kernel's spectrum computed once: long signal, long-ish kernel
    OverlapAdd,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Normalize {
    /// write the result as computed
    None,
    /// scale so the largest magnitude is 1 (two passes through a scratch file)
    Peak,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Dtype {
    /// single precision: half the memory traffic and file size, usually faster
    F32,
    /// double precision, as numpy
    F64,
}

#[derive(Args, Debug)]
struct ApplyArgs {
    /// The signal (.wav, .npy, .txt/.csv, .f32/.f64); it is streamed, so it may exceed memory
    signal: PathBuf,
    /// The kernel: impulse response or filter taps, any of the same formats (held in memory)
    kernel: PathBuf,
    /// Output file; its extension chooses the format
    #[arg(short, long, value_name = "OUT")]
    output: PathBuf,
    /// Which part of the result to keep, as numpy's mode
    #[arg(long, value_enum, default_value_t = ModeArg::Full)]
    mode: ModeArg,
    /// How to compute it; every method gives the same values up to rounding
    #[arg(long, value_enum, default_value_t = MethodArg::Auto)]
    method: MethodArg,
    /// Cross-correlate (numpy.correlate) instead of convolving
    #[arg(long)]
    correlate: bool,
    /// Rescale the output
    #[arg(long, value_enum, default_value_t = Normalize::None)]
    normalize: Normalize,
    /// Precision of the computation (and of a .npy output)
    #[arg(long, value_enum, default_value_t = Dtype::F64)]
    dtype: Dtype,
    /// For text tables: the column to read, as a 0-based index or a header name
    #[arg(long, value_name = "INDEX|NAME")]
    column: Option<String>,
    /// Sample rate of a .wav output when neither input is a WAV
    #[arg(long, default_value_t = 48_000, value_name = "HZ")]
    rate: u32,
    /// Print a summary line on stderr even when it is not a terminal
    #[arg(short, long)]
    verbose: bool,
    /// Treat two 2-D .npy inputs as images: N-D convolution with scipy.signal.convolve /
    /// correlate semantics (`same` sized to the signal), written as a 2-D .npy
    #[arg(long)]
    image: bool,
    /// Frames per streamed block (testing; default max(8m, 65536))
    #[arg(long, hide = true)]
    block_len: Option<usize>,
}

#[derive(Args, Debug)]
struct DemoArgs {
    /// Your own dry signal instead of the synthesized one (needs KERNEL too)
    #[arg(requires = "kernel")]
    signal: Option<PathBuf>,
    /// Your own impulse response instead of the synthesized room
    kernel: Option<PathBuf>,
    /// Where to write the result
    #[arg(short, long, default_value = "demo-out.wav", value_name = "OUT")]
    output: PathBuf,
}

#[derive(Args, Debug)]
struct BenchArgs {
    /// A smaller grid and shorter timings (a few seconds)
    #[arg(long)]
    quick: bool,
    /// Also write the crossover map as an SVG image
    #[arg(long, value_name = "FILE")]
    plot: Option<PathBuf>,
}

impl From<ModeArg> for Mode {
    fn from(m: ModeArg) -> Mode {
        match m {
            ModeArg::Full => Mode::Full,
            ModeArg::Same => Mode::Same,
            ModeArg::Valid => Mode::Valid,
        }
    }
}

impl From<MethodArg> for Method {
    fn from(m: MethodArg) -> Method {
        match m {
            MethodArg::Auto => Method::Auto,
            MethodArg::Direct => Method::Direct,
            MethodArg::Fft => Method::Fft,
            MethodArg::OverlapAdd => Method::OverlapAdd,
        }
    }
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return usage_error(e),
    };
    let result = match cli.command {
        Command::Apply(args) => apply_command(&args),
        Command::Demo(args) => {
            demo::run(args.signal.as_deref(), args.kernel.as_deref(), &args.output)
        }
        Command::Bench(args) => bench::run(args.quick, args.plot.as_deref()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(1)
        }
    }
}

/// Help and version go to stdout with success; argument errors become one line on stderr
/// with exit status 2.
fn usage_error(e: clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    if matches!(
        e.kind(),
        ErrorKind::DisplayHelp
            | ErrorKind::DisplayVersion
            | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
    ) {
        let _ = e.print();
        return if e.kind() == ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand {
            ExitCode::from(2)
        } else {
            ExitCode::SUCCESS
        };
    }
    let text = e.to_string();
    let line: Vec<&str> = text
        .lines()
        .map(str::trim)
        .take_while(|l| !l.starts_with("Usage:") && !l.starts_with("For more information"))
        .filter(|l| !l.is_empty())
        .collect();
    eprintln!("{} (see `convolve --help`)", line.join(" "));
    ExitCode::from(2)
}

fn apply_command(args: &ApplyArgs) -> Result<()> {
    let job = Job {
        mode: args.mode.into(),
        method: args.method.into(),
        correlate: args.correlate,
        normalize: args.normalize == Normalize::Peak,
        block_len: args.block_len,
    };
    let files = Files {
        signal: &args.signal,
        kernel: &args.kernel,
        output: &args.output,
        read: ReadOptions {
            column: args.column.clone(),
        },
        rate: args.rate,
    };
    let interactive = std::io::stderr().is_terminal();
    let bar = progress_bar(interactive);
    let report = match (args.image, args.dtype) {
        (true, Dtype::F32) => image::apply_images::<f32>(&files, &job)?,
        (true, Dtype::F64) => image::apply_images::<f64>(&files, &job)?,
        (false, Dtype::F32) => apply::apply_files::<f32>(&files, &job, &bar)?,
        (false, Dtype::F64) => apply::apply_files::<f64>(&files, &job, &bar)?,
    };
    bar.finish_and_clear();
    if interactive || args.verbose {
        eprintln!("{}", summary(&report, &args.output.display().to_string()));
    }
    Ok(())
}

/// A bar with throughput and ETA on a terminal; hidden otherwise (pipes, CI, tests).
pub fn progress_bar(visible: bool) -> ProgressBar {
    if !visible {
        return ProgressBar::hidden();
    }
    let style = ProgressStyle::with_template(
        "{spinner} [{elapsed_precise}] {wide_bar} {human_pos}/{human_len} frames  {rate}  ETA {eta}",
    )
    .expect("the template is valid")
    .with_key(
        "rate",
        |state: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
            let _ = write!(w, "{:.1} M frames/s", state.per_sec() / 1e6);
        },
    );
    ProgressBar::new(0).with_style(style)
}

/// One line: what was convolved, how, and how fast.
pub fn summary(r: &Report, output: &str) -> String {
    let how = match r.block_len {
        Some(b) => format!("{}, streamed in blocks of {b} frames", r.method),
        None => format!("{}, one call per channel", r.method),
    };
    format!(
        "{} ch x {} frames with {} taps ({how}) -> {output}: {} frames in {:.3} s, {:.1} M samples/s",
        r.channels,
        r.signal_frames,
        r.kernel_frames,
        r.out_frames,
        r.seconds,
        r.throughput() / 1e6
    )
}
