//! `convolve`: numpy-exact convolution and correlation of files of any length.
//!
//! `convolve apply` streams a signal through a kernel (WAV, `.npy`, text, raw floats),
//! `convolve demo` runs a synthesized room reverb, `convolve bench` times the methods here.

mod apply;
mod bench;
mod demo;
mod dtype;
mod formats;
mod image;
mod level;
#[cfg(feature = "jack")]
mod live;
mod mix;
mod output;
mod sample;
mod timing;
mod tune;

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use clap::{Args, Parser, Subcommand, ValueEnum};
use convolve::{Method, Mode};
use indicatif::{ProgressBar, ProgressStyle};

use convolve::num_complex::Complex;

use crate::apply::{Files, Job, Report};
use crate::dtype::{Arithmetic, Dtype};
use crate::formats::{Layout, ReadOptions, WavEncoding, WavFormat};
use crate::level::Normalize;
use crate::mix::Mix;

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
    #[command(after_help = BENCH_HELP)]
    Bench(BenchArgs),
    /// Measure the cost model's rates on this CPU and save them, so that Auto picks the
    /// fastest method here
    #[command(after_help = tune::HELP)]
    Tune(tune::TuneArgs),
    /// Convolve JACK input ports into output ports in real time (a convolution reverb host)
    #[cfg(feature = "jack")]
    #[command(after_help = live::HELP)]
    Live(live::LiveArgs),
}

const BENCH_HELP: &str = "\
Each method is timed in --repeats batches (interleaved), reported as min / median / max seconds
per call; the fastest is the lowest median. Every output starts with the CPU, its SIMD
features, the threads used, the version, the date and the command line.
  ~    noisy: the method's slowest batch took over 1.25x its fastest
  tie  another method's median lies within the winner's range of batches
Crossovers: where the winner changes along the kernel length, located by bisection (to ~10%)
between cells of the same signal length, next to where the cost model switches.
numpy/scipy: numpy.convolve, scipy.signal.fftconvolve and oaconvolve timed on the same data by
--python PATH, or python3 on PATH if it imports both (--no-python skips them).
Time: --quick about 10 s, the default about a minute on 2 cores.";

const APPLY_HELP: &str = "\
Formats (by extension, for inputs and the output; --output-format EXT overrides the output's):
  .wav .wave       8/16/24/32-bit integer or 32/64-bit float, any number of channels; integers
                   are scaled to -1..1 (full scale 2^(bits-1)); RIFF, RF64 and streamed WAVs
                   (sizes 0xFFFFFFFF or 0: samples to the end). Written as 32-bit float (--bits)
                   at the signal's sample rate (--rate when neither input is a WAV); RF64 when
                   over 4 GiB.
  .npy             any numeric dtype: bool, int8-int64, uint8-uint64, float16/32/64, complex64/128;
                   1-D (mono) or 2-D (frames, channels) / (channels, frames), C or Fortran order.
                   Written with numpy's result dtype (integers exactly, wrapping as numpy does;
                   complex stays complex), unless --dtype forces a float precision; 2-D results
                   keep the signal's layout. With --image, two 2-D arrays convolved as images.
  .txt .csv .tsv .dat  one number per line, or one column of a table separated by commas,
                   semicolons, tabs or spaces; a first line that is not numeric is a header.
                   --column picks the column of every input with several. .tsv is written with
                   tabs, the others with commas. '#' lines are skipped.
  .f32 .raw .f64   raw little-endian float32 (.f32, .raw) or float64, mono: the format for
                   signals larger than memory.
WAV, text and raw inputs count as float64 when choosing the result's dtype. With a WAV output,
integer .npy inputs are PCM: int8/int16/int32 divided by 2^(bits-1), uint8 as (x - 128) / 128,
as a WAV of that width is read; int64, uint16-64 and bool are refused (no full scale).

2-D .npy layout: the axis of at most 64 entries is the channels when the other is longer;
any other shape needs --layout frames-first|channels-first (never guessed).

Channels: mono kernel x N-channel signal -> N channels (the kernel on each); mono signal x
N-channel kernel -> N channels (e.g. a stereo reverb of a mono voice); N x N pairs channel c
with channel c. Two WAV inputs must have the same sample rate.

Lengths (n signal, m kernel), exactly as numpy:
  full  n + m - 1        same  max(n, m), centred        valid  max(n, m) - min(n, m) + 1
and aligned (not numpy's): n, the first n samples of full: output sample i is input sample i's
time, and the reverb's tail after the input ends is cut (= --mode full --tail cut).

Audio output, in this order: convolve -> --gain DB on the wet signal -> --mix WET, the output
being (1 - WET) x dry + WET x wet with input sample i at full-result position i (0 after the
input ends; shifted with the window in same/valid) -> --tail cut (end where the input ends) ->
--normalize peak|LEVEL (peak = 0 dBFS; e.g. -1dBFS) -> the WAV writer:
  --bits 16|24|32  integer PCM: round(x * 2^(bits-1)), clamped; read back as q / 2^(bits-1)
  --bits 32f|64f   IEEE float (32f is the default; there is no integer 64)
  --dither tpdf    triangular noise of +-1 LSB before rounding, from a fixed seed (reproducible);
                   the default for 16 and 24 bits; --dither none rounds (the default for 32)
Integer samples beyond full scale are clamped and counted: `warning: 3 samples clipped; peak
1.83 (+5.2 dBFS); use --normalize -1dBFS or --gain -7` on stderr. All of it streams.

Memory: the signal streams in blocks of W/C_out sub-blocks of U frames: U = max(2m, 65536),
or for m >= 16384 up to 3.5m so that U + m - 1 is a power of two or 3 times one (a fast
transform); the kernel, and a signal of at most one block, are held whole. W = C_out
sub-blocks (C_out output channels), or C_out x ceil(cores / C_out) when m >= 16384 (one per
core). Peak memory in f64 (about half in f32) is at most
  8 bytes x 7 (W + 1) x (U + m) + 6 MB
whatever the signal's length: 59 MB for stereo 48 kHz audio through a 2 s stereo IR
(m = 96000), measured by scripts/cli_memory.sh.
An output file appears only when complete (written to a temporary file, then renamed); an
error, Ctrl-C or SIGTERM removes the partial file. An output naming an input is refused.

Pipes: `-` as the signal reads a WAV (RIFF/RF64) or a .npy stored frame after frame from
stdin, recognized by its content, in blocks as it arrives; `-o -` writes to stdout, WAV unless --output-format says otherwise. A WAV
on stdout cannot have its header completed: its sizes are 0xFFFFFFFF, as ffmpeg writes to a
pipe (ffmpeg, sox and this tool read it to the end). Stdout gets the result as it is computed:
after an error or Ctrl-C the reader keeps what was sent. The kernel is always a file.
  ffmpeg -i song.flac -f wav - | convolve apply - room.wav -o - | ffplay -

Examples:
  convolve apply dry.wav room.wav -o wet.wav --normalize peak       (mono or stereo dry, stereo room)
  convolve apply vocal.wav plate.wav -o out.wav --bits 24 --mix 0.3 --mode aligned --normalize -1dBFS
  convolve apply stems.npy ir.npy -o wet.npy --layout channels-first
  convolve apply data.csv taps.txt -o smooth.npy --column price --mode same
  convolve apply counts.npy box.npy -o sums.npy                      (int64 in, int64 out, exact)
  convolve apply a.npy b.npy -o xcorr.txt --correlate --mode full
  convolve apply huge.f32 fir.npy -o filtered.f32 --dtype f32
  convolve apply photo.npy blur.npy -o blurred.npy --image --mode same";

/// numpy's `mode`: which part of the full result to keep. For audio (a signal of n samples
/// through an impulse response of m), what each does to time:
#[derive(Clone, Copy, Debug, ValueEnum)]
enum ModeArg {
    /// n + m - 1 samples: starts with the input, and keeps the m - 1 samples of tail after it
    /// ends (a reverb's decay)
    Full,
    /// max(n, m) samples starting (min(n, m) - 1) / 2 samples into the full result, numpy's
    /// centring: everything comes that many samples early (with a 3 s reverb, 1.5 s), which
    /// only undoes the delay of a centred, symmetric (linear-phase) FIR; not an alignment for
    /// reverbs
    Same,
    /// only complete overlap: max(n, m) - min(n, m) + 1 samples, starting min(n, m) - 1
    /// samples into the full result
    Valid,
    /// n samples: the first n of full, so the output starts with the input and has its
    /// length (the reverb's tail after the input ends is cut); not a numpy mode. Same as
    /// --mode full --tail cut
    Aligned,
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

/// `--bits`: the sample encoding of a WAV output.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Bits {
    /// 16-bit integer PCM (TPDF-dithered unless --dither none)
    #[value(name = "16")]
    Int16,
    /// 24-bit integer PCM (TPDF-dithered unless --dither none)
    #[value(name = "24")]
    Int24,
    /// 32-bit integer PCM (not dithered unless --dither tpdf)
    #[value(name = "32")]
    Int32,
    /// 32-bit float (the default): any level, nothing clips
    #[value(name = "32f")]
    Float32,
    /// 64-bit float: the f64 result unrounded
    #[value(name = "64f")]
    Float64,
}

impl From<Bits> for WavEncoding {
    fn from(b: Bits) -> WavEncoding {
        match b {
            Bits::Int16 => WavEncoding::Int16,
            Bits::Int24 => WavEncoding::Int24,
            Bits::Int32 => WavEncoding::Int32,
            Bits::Float32 => WavEncoding::Float32,
            Bits::Float64 => WavEncoding::Float64,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Dither {
    /// round to the nearest integer
    None,
    /// add triangular noise of ±1 LSB before rounding, from a fixed seed (same input, same file)
    Tpdf,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Tail {
    /// keep the outputs after the input ends (the reverb's decay), as the mode says
    Keep,
    /// end the output where the input ends
    Cut,
}

fn parse_normalize(text: &str) -> Result<Normalize, String> {
    Normalize::parse(text).map_err(|e| e.to_string())
}

fn parse_gain(text: &str) -> Result<f64, String> {
    level::parse_db(text, &["dB"]).map_err(|e| e.to_string())
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum LayoutArg {
    /// shape (frames, channels): soundfile, scipy.io.wavfile
    FramesFirst,
    /// shape (channels, frames): librosa, np.stack([left, right])
    ChannelsFirst,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Precision {
    /// single precision: half the memory traffic and file size, usually faster
    F32,
    /// double precision, as numpy
    F64,
}

#[derive(Args, Debug)]
struct ApplyArgs {
    /// The signal (.wav, .npy, .txt/.csv, .f32/.f64; `-`: a WAV or .npy on stdin); it is
    /// streamed, so it may exceed memory
    signal: PathBuf,
    /// The kernel: impulse response or filter taps, any of the same formats (held in memory)
    kernel: PathBuf,
    /// Output file; its extension chooses the format (`-`: stdout, WAV unless --output-format)
    #[arg(short, long, value_name = "OUT")]
    output: PathBuf,
    /// The output's format, as an extension (wav, npy, txt, csv, tsv, dat, f32, raw, f64),
    /// whatever the output's name: for `-o -`, or a name without the extension
    #[arg(long, value_name = "EXT")]
    output_format: Option<String>,
    /// Which part of the result to keep, as numpy's mode
    #[arg(long, value_enum, default_value_t = ModeArg::Full)]
    mode: ModeArg,
    /// How to compute it; every method gives the same values up to rounding
    #[arg(long, value_enum, default_value_t = MethodArg::Auto)]
    method: MethodArg,
    /// Cross-correlate (numpy.correlate) instead of convolving
    #[arg(long)]
    correlate: bool,
    /// Rescale the output, last: none, peak (largest magnitude 1, 0 dBFS) or a peak level
    /// such as -1dBFS (two passes through a scratch file)
    #[arg(long, default_value = "none", value_parser = parse_normalize, allow_hyphen_values = true, value_name = "none|peak|LEVEL")]
    normalize: Normalize,
    /// Gain of the wet (convolved) signal, in dB, e.g. -6
    #[arg(long, value_parser = parse_gain, allow_hyphen_values = true, value_name = "DB")]
    gain: Option<f64>,
    /// Dry/wet mix: the wet share, 0 (dry only) to 1 (wet only, the default); the output is
    /// (1 - WET) x dry + WET x wet, the dry signal at its place in the full result
    #[arg(long, value_name = "WET")]
    mix: Option<f64>,
    /// Keep the outputs after the input ends (the reverb's tail) or cut them
    #[arg(long, value_enum)]
    tail: Option<Tail>,
    /// Sample encoding of a WAV output: 16, 24, 32 (integer PCM), 32f or 64f (float)
    #[arg(long, value_enum, value_name = "BITS", hide_possible_values = true)]
    bits: Option<Bits>,
    /// Dither of integer WAV output (default tpdf for --bits 16 and 24, none for 32)
    #[arg(long, value_enum)]
    dither: Option<Dither>,
    /// Force a float precision for the computation and a .npy output (default: numpy's
    /// result dtype; float data is computed in f64, integer data exactly)
    #[arg(long, value_enum)]
    dtype: Option<Precision>,
    /// For text tables, in the signal and in the kernel: the column to read, as a 0-based
    /// index or a header name (files with one column ignore it)
    #[arg(long, value_name = "INDEX|NAME")]
    column: Option<String>,
    /// Which axis of a 2-D .npy holds the channels (inferred only when one axis is at most 64
    /// long and the other longer)
    #[arg(long, value_enum)]
    layout: Option<LayoutArg>,
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
    /// Frames per streamed sub-block (testing; default: see Memory in the help)
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
    /// A smaller grid and shorter timings (about 10 s)
    #[arg(long)]
    quick: bool,
    /// Also write the crossover map as an SVG image (grid runs only)
    #[arg(long, value_name = "FILE")]
    plot: Option<PathBuf>,
    /// Element type of the data
    #[arg(long, value_enum, default_value_t = Precision::F64)]
    dtype: Precision,
    /// numpy's mode for every call
    #[arg(long, value_enum, default_value_t = ModeArg::Full)]
    mode: ModeArg,
    /// Your own sizes instead of the grid: n:m pairs, n the signal and m the kernel length,
    /// e.g. 1e6:1024,48000:96000
    #[arg(long, value_name = "N:M,...")]
    sizes: Option<String>,
    /// How the results are printed
    #[arg(long, value_enum, default_value_t = bench::Format::Table)]
    format: bench::Format,
    /// Batches per method and cell; each is reported as min / median / max [default: 5]
    #[arg(long, value_name = "N")]
    repeats: Option<usize>,
    /// Threads the library may use (a rayon pool of N for the run; default all cores, or
    /// RAYON_NUM_THREADS)
    #[arg(long, value_name = "N")]
    threads: Option<usize>,
    /// A Python with numpy and scipy to time on the same data (default: python3 on PATH if it
    /// has both)
    #[arg(long, value_name = "PATH", conflicts_with = "no_python")]
    python: Option<PathBuf>,
    /// No numpy/scipy column
    #[arg(long)]
    no_python: bool,
}

impl From<ModeArg> for Mode {
    fn from(m: ModeArg) -> Mode {
        match m {
            ModeArg::Full => Mode::Full,
            ModeArg::Same => Mode::Same,
            ModeArg::Valid => Mode::Valid,
            ModeArg::Aligned => Mode::Full,
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
    // `live` writes no file and stops cleanly on the signals itself
    #[cfg(feature = "jack")]
    let live = matches!(cli.command, Command::Live(_));
    #[cfg(not(feature = "jack"))]
    let live = false;
    if let Err(e) = (!live)
        .then(output::remove_partial_outputs_on_signals)
        .transpose()
    {
        eprintln!("error: {e:#}");
        return ExitCode::from(1);
    }
    let result = match cli.command {
        Command::Apply(args) => apply_command(&args),
        Command::Demo(args) => {
            demo::run(args.signal.as_deref(), args.kernel.as_deref(), &args.output)
        }
        Command::Bench(args) => bench_command(&args),
        Command::Tune(args) => tune::run(&tune::Options {
            quick: args.quick,
            output: args.output.as_deref(),
            show: args.show,
        }),
        #[cfg(feature = "jack")]
        Command::Live(args) => live::run(&args),
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

fn bench_command(args: &BenchArgs) -> Result<()> {
    if matches!(args.mode, ModeArg::Aligned) {
        anyhow::bail!("--mode aligned is a crop of full; bench --mode full times it");
    }
    let sizes = args.sizes.as_deref().map(bench::parse_sizes).transpose()?;
    let options = bench::Options {
        quick: args.quick,
        plot: args.plot.as_deref(),
        mode: args.mode.into(),
        sizes,
        format: args.format,
        repeats: args.repeats,
        python: (!args.no_python).then(|| args.python.clone()),
    };
    let run = || match args.dtype {
        Precision::F32 => bench::run::<f32>(&options, "f32"),
        Precision::F64 => bench::run::<f64>(&options, "f64"),
    };
    match args.threads {
        None => run(),
        Some(0) => anyhow::bail!("--threads 0: at least one thread is needed"),
        Some(n) => rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .build()
            .map_err(|e| anyhow::anyhow!("--threads {n}: cannot start the threads: {e}"))?
            .install(run),
    }
}

fn apply_command(args: &ApplyArgs) -> Result<()> {
    if args.rate == 0 {
        anyhow::bail!("--rate 0: a sample rate must be at least 1 Hz");
    }
    let (mix, wav) = audio_options(args)?;
    let job = Job {
        mode: args.mode.into(),
        method: args.method.into(),
        correlate: args.correlate,
        normalize: args.normalize.target(),
        mix,
        block_len: args.block_len,
    };
    let wav_output = output::output_format(&args.output, args.output_format.as_deref())?.0
        == formats::Format::Wav;
    let files = Files {
        signal: &args.signal,
        kernel: &args.kernel,
        output: &args.output,
        output_format: args.output_format.as_deref(),
        read: ReadOptions {
            column: args.column.clone(),
            layout: args.layout.map(|l| match l {
                LayoutArg::FramesFirst => Layout::FramesFirst,
                LayoutArg::ChannelsFirst => Layout::ChannelsFirst,
            }),
            pcm: wav_output,
        },
        rate: args.rate,
        wav,
    };
    if args.image
        && [&args.signal, &args.kernel, &args.output]
            .iter()
            .any(|p| formats::is_stdio(p))
    {
        anyhow::bail!("--image reads and writes .npy files; `-` (stdin/stdout) is for streams");
    }
    if formats::is_stdio(&args.kernel) {
        anyhow::bail!(
            "the kernel cannot be `-`: stdin is read once, for the signal; name the kernel's file"
        );
    }
    // numpy's result dtype decides the arithmetic and the dtype of a .npy output.
    let result = formats::probe(&args.signal)?.promote(formats::probe(&args.kernel)?);
    let complex = result.arithmetic() == Arithmetic::Complex;
    if complex && (job.normalize.is_some() || args.image) {
        anyhow::bail!(
            "the inputs are complex ({result}); {} needs real data",
            match args.normalize {
                _ if args.image => "--image".to_string(),
                Normalize::Peak(db) if db != 0.0 => format!("--normalize {db}dBFS"),
                _ => "--normalize peak".to_string(),
            }
        );
    }
    // Scaling makes a float result whatever the inputs, and so does a WAV output, which
    // reads integer .npy as PCM.
    let float = job.normalize.is_some() || job.mix.gain != 1.0 || job.mix.wet != 1.0 || wav_output;
    let interactive = std::io::stderr().is_terminal();
    let bar = progress_bar(interactive);
    let report = match (args.image, args.dtype, result.arithmetic()) {
        (true, Some(Precision::F32), _) => {
            image::apply_images::<f32>(&files, &job, Dtype::Float(4))?
        }
        (true, _, _) => image::apply_images::<f64>(&files, &job, Dtype::Float(8))?,
        (false, Some(Precision::F32), Arithmetic::Complex) => {
            apply::apply_files::<Complex<f32>>(&files, &job, &bar, Dtype::Complex(8))?
        }
        (false, Some(Precision::F64), Arithmetic::Complex) => {
            apply::apply_files::<Complex<f64>>(&files, &job, &bar, Dtype::Complex(16))?
        }
        (false, Some(Precision::F32), _) => {
            apply::apply_files::<f32>(&files, &job, &bar, Dtype::Float(4))?
        }
        (false, Some(Precision::F64), _) => {
            apply::apply_files::<f64>(&files, &job, &bar, Dtype::Float(8))?
        }
        (false, None, Arithmetic::Complex) => {
            apply::apply_files::<Complex<f64>>(&files, &job, &bar, result)?
        }
        (false, None, Arithmetic::Integer) if float => {
            apply::apply_files::<f64>(&files, &job, &bar, Dtype::Float(8))?
        }
        (false, None, Arithmetic::Integer) => {
            apply::apply_files::<i64>(&files, &job, &bar, result)?
        }
        (false, None, Arithmetic::Real) => apply::apply_files::<f64>(&files, &job, &bar, result)?,
    };
    bar.finish_and_clear();
    if let Some(clipping) = report.clipping {
        eprintln!("{}", clipping.warning());
    }
    if job.normalize.is_some() && report.non_finite > 0 {
        eprintln!(
            "warning: {} of the outputs are not finite (inf or NaN); the others were scaled by the largest finite magnitude, {:e}",
            report.non_finite, report.peak
        );
    }
    if interactive || args.verbose {
        let name = if formats::is_stdio(&args.output) {
            "stdout".to_string()
        } else {
            args.output.display().to_string()
        };
        eprintln!("{}", summary(&report, &name));
    }
    Ok(())
}

/// The mix and the WAV encoding `apply` was asked for, refusing what does not fit together.
fn audio_options(args: &ApplyArgs) -> Result<(Mix, WavFormat)> {
    use anyhow::bail;
    let aligned = matches!(args.mode, ModeArg::Aligned);
    if aligned && args.tail == Some(Tail::Keep) {
        bail!("--mode aligned cuts the tail; for the tail use --mode full");
    }
    let wet = args.mix.unwrap_or(1.0);
    if !(0.0..=1.0).contains(&wet) {
        bail!("--mix {wet}: the wet share goes from 0 (dry only) to 1 (wet only)");
    }
    if args.mix.is_some() && args.correlate {
        bail!("--mix blends the dry signal into a convolution; a correlation has no dry signal");
    }
    let mix = Mix {
        gain: args.gain.map_or(1.0, level::db_to_linear),
        wet,
        cut_tail: aligned || args.tail == Some(Tail::Cut),
    };
    if args.image && (mix != Mix::default() || aligned) {
        bail!(
            "--image computes scipy's N-D modes; --gain, --mix, --tail and --mode aligned are for signals"
        );
    }
    let wav_output = output::output_format(&args.output, args.output_format.as_deref())?.0
        == formats::Format::Wav;
    let encoding: WavEncoding = args.bits.map_or(WavEncoding::Float32, Into::into);
    if !wav_output && (args.bits.is_some() || args.dither.is_some()) {
        bail!(
            "--{} applies to WAV output; `{}` is not a WAV (a .npy's dtype follows --dtype)",
            if args.bits.is_some() {
                "bits"
            } else {
                "dither"
            },
            args.output.display()
        );
    }
    if encoding.is_float() && args.dither.is_some() {
        bail!(
            "--dither: the output is {} WAV, which is not rounded; dither is for --bits 16, 24 or 32",
            encoding.describe()
        );
    }
    let dither = match args.dither {
        Some(d) => d == Dither::Tpdf,
        // 32-bit integers: an LSB at -187 dBFS, below any float source's noise.
        None => matches!(encoding, WavEncoding::Int16 | WavEncoding::Int24),
    };
    Ok((mix, WavFormat { encoding, dither }))
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
