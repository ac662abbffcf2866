//! `convolve live`: a JACK client that convolves N input ports into M output ports in real
//! time, swaps its IRs with a cross-fade on SIGHUP or `reload`, and reports its DSP load.
//!
//! [`irs`] reads the IR set, [`matrix`] runs it (one `StreamMatrix`, a kernel per pair),
//! [`host`] is the process callback, [`latency`] reports the delay to JACK; this file is the
//! control thread.

mod host;
mod irs;
mod latency;
mod matrix;

use std::io::BufRead;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use convolve::Latency;
use jack::{AudioIn, AudioOut, Client, ClientOptions, PortFlags};

use host::{Audio, Notifications, Stats};
use irs::{IrSet, IrSource};
use matrix::{Matrix, Options};

/// `convolve live --help`'s closing text.
pub const HELP: &str = "\
IRs: the channels of the IR files, in order (WAV, .npy, text or raw, as `apply` reads them).
K channels and N inputs (--inputs) give:
  N = 1        input 1 into K outputs, one IR per output (a mono source, a stereo reverb)
  K = N        input c into output c (parallel: one IR per channel)
  K = N x M    input i into output o through IR channel i x M + o (true stereo: a 4-channel
               IR in the order LL, LR, RL, RR with --inputs 2)
--config FILE instead routes explicitly, one `INPUT OUTPUT FILE [CHANNEL]` line per pair
(ports and channels from 1, FILE relative to FILE's folder, `#` comments); an output fed by
several inputs gets their sum. Ports: convolve:in_1.., convolve:out_1...

Latency: zero by default (each output sample answers the input sample of the same period);
--latency block trades one partition of delay for less CPU, reported to JACK as the ports'
latency. --partition sets the engine's block length (the JACK period by default).

Reload: SIGHUP, or `reload` on stdin, reads the same files again, transforms the new IRs on
the control thread and hands them to the audio thread lock-free, which installs them with a
cross-fade of --crossfade ms. A reload must keep the routing and fit in --max-ir (the longest
initial IR by default). `quit` on stdin, SIGINT or SIGTERM stop cleanly.

Report: every --report seconds (0: only at exit) on stderr, the callback's time against the
period (mean and max), JACK's DSP load and the xruns so far.

Sample rate: IRs whose file has a rate other than the server's are refused (no resampling);
--ignore-rate only warns. Server: $JACK_DEFAULT_SERVER or the default one; never started.";

/// `convolve live`'s arguments.
#[derive(clap::Args, Debug)]
pub struct LiveArgs {
    /// IR files whose channels are the IRs (see the routing rules below)
    #[arg(
        value_name = "IR",
        required_unless_present = "config",
        conflicts_with = "config"
    )]
    pub irs: Vec<PathBuf>,
    /// A routing file: one `INPUT OUTPUT FILE [CHANNEL]` line per (input, output) pair
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Input ports, for IR files
    #[arg(
        short,
        long,
        default_value_t = 1,
        value_name = "N",
        conflicts_with = "config"
    )]
    pub inputs: usize,
    /// The JACK client's name
    #[arg(long, default_value = "convolve")]
    pub name: String,
    /// Zero latency, or one partition of it for less CPU
    #[arg(long, value_enum, default_value = "zero")]
    pub latency: LatencyArg,
    /// The engine's block length in samples (default: the JACK period)
    #[arg(long, value_name = "SAMPLES")]
    pub partition: Option<usize>,
    /// The cross-fade of a reload, in milliseconds
    #[arg(long, default_value_t = 50.0, value_name = "MS")]
    pub crossfade: f64,
    /// The longest IR a reload may bring, in seconds (default: the longest initial IR)
    #[arg(long, value_name = "SECONDS")]
    pub max_ir: Option<f64>,
    /// Background threads for the IRs' long partitions, so that the JACK thread
    /// computes only the head (0: everything on the JACK thread). The output is the same bits
    #[arg(long, default_value_t = 0, value_name = "N")]
    pub workers: usize,
    /// Warn instead of refusing IRs whose sample rate is not the server's
    #[arg(long)]
    pub ignore_rate: bool,
    /// Connect the source ports matching this JACK regex to in_1, in_2, ... in order
    #[arg(long, value_name = "PATTERN")]
    pub connect_in: Option<String>,
    /// Connect out_1, out_2, ... to the destination ports matching this JACK regex, in order
    #[arg(long, value_name = "PATTERN")]
    pub connect_out: Option<String>,
    /// Seconds between load reports on stderr (0: only at exit)
    #[arg(long, default_value_t = 10.0, value_name = "SECONDS")]
    pub report: f64,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug)]
pub enum LatencyArg {
    Zero,
    Block,
}

/// Runs the client until SIGINT, SIGTERM, `quit` or the server's end.
pub fn run(args: &LiveArgs) -> Result<()> {
    let stop = Arc::new(AtomicBool::new(false));
    let reload = Arc::new(AtomicBool::new(false));
    listen(&stop, &reload)?;

    let source = match &args.config {
        Some(path) => IrSource::Config(path.clone()),
        None => IrSource::Files {
            paths: args.irs.clone(),
            inputs: args.inputs,
        },
    };
    let irs = source.load()?;
    let (client, _status) =
        Client::new(&args.name, ClientOptions::NO_START_SERVER).map_err(|e| {
            anyhow::anyhow!("cannot connect to the JACK server ({e}); is jackd running?")
        })?;
    let rate = client.sample_rate();
    check_rate(&irs, rate, args.ignore_rate)?;
    let period = client.buffer_size() as usize;
    let seconds = |s: f64| (s * rate as f64).round() as usize;
    let options = Options {
        block: args.partition.unwrap_or(period).max(1),
        latency: match args.latency {
            LatencyArg::Zero => Latency::Zero,
            LatencyArg::Block => Latency::Block,
        },
        crossfade: seconds(args.crossfade.max(0.0) / 1000.0),
        capacity: args.max_ir.map_or(0, seconds),
        workers: args.workers,
    };
    let matrix = Matrix::new(&irs, &options).context("cannot build the convolvers")?;
    let (capacity, latency) = (matrix.capacity(), matrix.latency());
    let running = matrix.running_workers();
    if running < args.workers {
        eprintln!(
            "live: {running} of {} worker thread(s) running (the system refused the others, or the IRs are too short to need them); the JACK thread does their work",
            args.workers
        );
    }
    // The control thread's twin, laid out alike, whose only use is `prepare` on a reload: the
    // audio thread then installs the spectra without transforming them.
    let twin = Matrix::new(
        &irs,
        &Options {
            workers: 0,
            ..options
        },
    )
    .context("cannot build the convolvers")?;

    let stats = Arc::new(Stats::default());
    let (to_audio, incoming) = rtrb::RingBuffer::new(1);
    let (used, mut from_audio) = rtrb::RingBuffer::new(1);
    let inputs = (1..=irs.inputs)
        .map(|k| client.register_port(&format!("in_{k}"), AudioIn::default()))
        .collect::<Result<Vec<_>, _>>()?;
    let outputs = (1..=irs.outputs)
        .map(|k| client.register_port(&format!("out_{k}"), AudioOut::default()))
        .collect::<Result<Vec<_>, _>>()?;
    let in_names: Vec<String> = inputs.iter().filter_map(|p| p.name().ok()).collect();
    let out_names: Vec<String> = outputs.iter().filter_map(|p| p.name().ok()).collect();
    // Declared before `active`, so dropped after the client is deactivated.
    let _latency = latency::report(&client, &inputs, &outputs, latency)?;
    let audio = Audio {
        matrix,
        inputs,
        outputs,
        incoming,
        used,
        held: None,
        stats: Arc::clone(&stats),
    };
    let active = client.activate_async(
        Notifications {
            stats: Arc::clone(&stats),
        },
        audio,
    )?;
    let client = active.as_client();
    connect(client, args.connect_in.as_deref(), &in_names, true);
    connect(client, args.connect_out.as_deref(), &out_names, false);
    eprintln!(
        "live: {} in x {} out, {} IR(s) of up to {} taps at {rate} Hz, period {period}, partition {}, latency {latency} samples; SIGHUP or `reload` swaps the IRs",
        irs.inputs,
        irs.outputs,
        irs.routes.len(),
        irs.longest(),
        options.block,
    );

    let mut report = Report::new(rate);
    let mut last_report = Instant::now();
    let mut pending: Option<Instant> = None;
    let every = Duration::from_secs_f64(args.report.max(0.0));
    let mut to_audio = to_audio;
    while !stop.load(Ordering::Relaxed) {
        std::thread::sleep(Duration::from_millis(20));
        if stats.shutdown.load(Ordering::Relaxed) {
            eprintln!("{}", report.line(&stats, client.cpu_load(), "at exit"));
            bail!("the JACK server stopped the client");
        }
        if let Ok(old) = from_audio.pop() {
            drop(old); // freed here, never on the audio thread
            if let Some(t) = pending.take() {
                eprintln!(
                    "live: IRs swapped ({} swapped, {} refused so far), handed over in {:.0} ms",
                    stats.swaps.load(Ordering::Relaxed),
                    stats.refused.load(Ordering::Relaxed),
                    t.elapsed().as_secs_f64() * 1000.0
                );
            }
        }
        if pending.is_none() && reload.swap(false, Ordering::Relaxed) {
            let prepared = prepare(&source, &irs, rate, capacity, args.ignore_rate)
                .and_then(|new| Ok(twin.prepare(&new)?));
            match prepared {
                Ok(set) => {
                    if to_audio.push(Box::new(set)).is_ok() {
                        pending = Some(Instant::now());
                    }
                }
                Err(e) => eprintln!("live: reload refused, the IRs are unchanged: {e:#}"),
            }
        }
        if !every.is_zero() && last_report.elapsed() >= every {
            last_report = Instant::now();
            eprintln!("{}", report.line(&stats, client.cpu_load(), "so far"));
        }
    }
    let load = client.cpu_load();
    active
        .deactivate()
        .map_err(|e| anyhow::anyhow!("cannot deactivate the client: {e}"))?;
    eprintln!("{}", report.line(&stats, load, "at exit"));
    Ok(())
}

/// SIGINT and SIGTERM set `stop`, SIGHUP sets `reload`; so do `quit` and `reload` on stdin.
fn listen(stop: &Arc<AtomicBool>, reload: &Arc<AtomicBool>) -> Result<()> {
    use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
    for (signal, flag) in [(SIGINT, stop), (SIGTERM, stop), (SIGHUP, reload)] {
        signal_hook::flag::register(signal, Arc::clone(flag))
            .context("cannot install the signal handlers")?;
    }
    let (stop, reload) = (Arc::clone(stop), Arc::clone(reload));
    std::thread::spawn(move || {
        for line in std::io::stdin().lock().lines() {
            let Ok(line) = line else { break };
            match line.trim() {
                "reload" => reload.store(true, Ordering::Relaxed),
                "quit" | "exit" => stop.store(true, Ordering::Relaxed),
                "" => {}
                other => eprintln!("live: `{other}`? commands: reload, quit"),
            }
        }
    });
    Ok(())
}

/// Refuses (or with `ignore` warns about) IRs recorded at another rate than the server's.
fn check_rate(irs: &IrSet, rate: u32, ignore: bool) -> Result<()> {
    match irs.rate {
        Some(r) if r != rate && ignore => {
            eprintln!("warning: the IRs are at {r} Hz, the server at {rate} Hz; used unresampled");
            Ok(())
        }
        Some(r) if r != rate => bail!(
            "the IRs are at {r} Hz, the JACK server at {rate} Hz (resample them, or --ignore-rate)"
        ),
        _ => Ok(()),
    }
}

/// Reads the IRs again and checks that the running matrix can take them.
fn prepare(
    source: &IrSource,
    first: &IrSet,
    rate: u32,
    capacity: usize,
    ignore: bool,
) -> Result<IrSet> {
    let new = source.load()?;
    check_rate(&new, rate, ignore)?;
    if !new.same_routing(first) {
        bail!("a reload must route the same inputs to the same outputs");
    }
    if new.longest() > capacity {
        bail!(
            "an IR of {} taps is over the capacity of {capacity} (start with --max-ir)",
            new.longest()
        );
    }
    Ok(new)
}

/// Connects our ports in order to the ports matching `pattern` (sources for our inputs,
/// destinations for our outputs); a pattern matching nothing is a warning.
fn connect(client: &Client, pattern: Option<&str>, ours: &[String], inputs: bool) {
    let Some(pattern) = pattern else { return };
    let flags = if inputs {
        PortFlags::IS_OUTPUT
    } else {
        PortFlags::IS_INPUT
    };
    let own = format!("{}:", client.name());
    let theirs: Vec<String> = client
        .ports(Some(pattern), Some("audio"), flags)
        .into_iter()
        .filter(|p| !p.starts_with(&own))
        .collect();
    if theirs.is_empty() {
        eprintln!("warning: no port matches `{pattern}`; nothing connected");
    }
    for (mine, other) in ours.iter().zip(&theirs) {
        let (from, to) = if inputs { (other, mine) } else { (mine, other) };
        if let Err(e) = client.connect_ports_by_name(from, to) {
            eprintln!("warning: cannot connect {from} to {to}: {e}");
        }
    }
}

/// The load report: the callback's time against the audio time it processed.
struct Report {
    rate: f64,
    last_ns: u64,
    last_frames: u64,
    worst_ns: u64,
    worst_frames: u64,
}

impl Report {
    fn new(rate: u32) -> Self {
        Report {
            rate: f64::from(rate),
            last_ns: 0,
            last_frames: 0,
            worst_ns: 0,
            worst_frames: 1,
        }
    }

    /// One line: the load since the last line (mean and worst call) and the totals.
    fn line(&mut self, s: &Stats, jack_load: f32, when: &str) -> String {
        let calls = s.calls.load(Ordering::Relaxed);
        let ns = s.busy_ns.load(Ordering::Relaxed);
        let frames = s.frames.load(Ordering::Relaxed);
        let max_ns = s.max_ns.swap(0, Ordering::Relaxed);
        let max_frames = s.max_frames.load(Ordering::Relaxed).max(1);
        let load = |ns: u64, frames: u64| ns as f64 * 1e-9 * self.rate / frames.max(1) as f64;
        let interval = load(ns - self.last_ns, frames - self.last_frames);
        if load(max_ns, max_frames) >= load(self.worst_ns, self.worst_frames) {
            (self.worst_ns, self.worst_frames) = (max_ns, max_frames);
        }
        let text = format!(
            "live {when}: {:.1} s of audio in {calls} calls; load {:.1}% (mean {:.1}%, worst call {:.1}%: {:.0} us of {:.0} us), JACK DSP load {jack_load:.1}%, xruns {}, IR swaps {}",
            frames as f64 / self.rate,
            interval * 100.0,
            load(ns, frames) * 100.0,
            load(self.worst_ns, self.worst_frames) * 100.0,
            self.worst_ns as f64 / 1000.0,
            self.worst_frames as f64 / self.rate * 1e6,
            s.xruns.load(Ordering::Relaxed),
            s.swaps.load(Ordering::Relaxed),
        );
        (self.last_ns, self.last_frames) = (ns, frames);
        text
    }
}
