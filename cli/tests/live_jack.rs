//! `convolve live` against a real JACK server: jackd's dummy driver at 48 kHz, period 256,
//! started here under a unique name and killed at the end (also when the test fails).
//!
//! A player client plays seeded noise into the convolver's two inputs and a recorder client
//! records its two outputs, both indexed by JACK's frame time, so the recording lines up with
//! the input sample for sample (the convolver has zero latency). The recording must equal the
//! one-shot convolution with a 10 s stereo IR before a `reload`, and with the reloaded IR once
//! its cross-fade is over, and with `--latency block` shifted by the latency it announces (in
//! its log and to JACK, as its ports' latency ranges), within ε·log2(n)·‖x‖·‖h‖; with no xrun (a run that had one, which
//! on a shared machine may not be the convolver's doing, is repeated, at most 5 times; in every
//! run the convolver's slowest callback must fit in the period).
//!
//! jackd missing: a failure under CI (`CI` set), a skip elsewhere.
#![cfg(all(feature = "jack", unix))]

mod common;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use convolve::{Mode, convolve};
use jack::{AudioIn, AudioOut, Client, ClientOptions, Control, LatencyType, Port, ProcessScope};

const RATE: u32 = 48_000;
const PERIOD: usize = 256;
const SIGNAL_LEN: usize = 8 * RATE as usize;
/// The reload is asked for once this much has been recorded; everything before it is
/// checked against the first IR.
const RELOAD_AT: usize = 5 * RATE as usize / 2;
/// From here on the output must be the second IR's (the fade is 20 ms).
const SETTLED_AT: usize = 6 * RATE as usize;
const NOT_STARTED: u64 = u64::MAX;
/// Runs of a session allowed to have xruns before it fails (see `without_xruns`).
const ATTEMPTS: usize = 5;

/// Children that are sent SIGTERM, then killed, when the test ends in any way.
struct Reaper(Vec<Child>);

impl Drop for Reaper {
    fn drop(&mut self) {
        for child in self.0.iter_mut().rev() {
            // SAFETY: kill(2) on the pid of a child we have not yet waited for.
            unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
            let deadline = Instant::now() + Duration::from_secs(5);
            while Instant::now() < deadline {
                if let Ok(Some(_)) = child.try_wait() {
                    break;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

fn jackd() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .chain([PathBuf::from("/usr/bin"), PathBuf::from("/usr/sbin")])
        .map(|d| d.join("jackd"))
        .find(|p| p.is_file())
}

/// Starts jackd (real-time scheduling first, then without it) and waits for it to answer.
fn start_server(name: &str, log: &Path, reaper: &mut Reaper) -> Result<(), String> {
    let jackd = jackd().ok_or("jackd is not installed (apt-get install jackd2)")?;
    for realtime in [true, false] {
        let mut cmd = Command::new(&jackd);
        cmd.arg("-n").arg(name);
        if !realtime {
            cmd.arg("--no-realtime");
        }
        cmd.args([
            "-d",
            "dummy",
            "-r",
            &RATE.to_string(),
            "-p",
            &PERIOD.to_string(),
        ])
        .env("JACK_NO_AUDIO_RESERVATION", "1")
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(log).unwrap())
        .stderr(std::fs::File::create(log.with_extension("err")).unwrap());
        reaper
            .0
            .push(cmd.spawn().map_err(|e| format!("cannot run jackd: {e}"))?);
        let deadline = Instant::now() + Duration::from_secs(15);
        while Instant::now() < deadline {
            if Client::new("probe", ClientOptions::NO_START_SERVER).is_ok() {
                return Ok(());
            }
            if let Ok(Some(_)) = reaper.0.last_mut().unwrap().try_wait() {
                break; // it exited: try without real-time scheduling
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        drop(reaper.0.pop().map(|c| Reaper(vec![c])));
    }
    Err(format!(
        "jackd did not start; its log: {}",
        std::fs::read_to_string(log.with_extension("err")).unwrap_or_default()
    ))
}

/// The frame time at which the player began, shared with the recorder.
struct Clock {
    /// Set by the test once everything is connected; silence before.
    go: AtomicBool,
    start: AtomicU64,
    recorded: AtomicUsize,
    xruns: AtomicU32,
}

struct Player {
    ports: Vec<Port<AudioOut>>,
    signal: Vec<Vec<f32>>,
    clock: Arc<Clock>,
}

impl jack::ProcessHandler for Player {
    fn process(&mut self, _: &Client, ps: &ProcessScope) -> Control {
        if !self.clock.go.load(Ordering::Acquire) {
            for port in &mut self.ports {
                port.as_mut_slice(ps).fill(0.0);
            }
            return Control::Continue;
        }
        let now = u64::from(ps.last_frame_time());
        let start = match self.clock.start.load(Ordering::Acquire) {
            NOT_STARTED => {
                self.clock.start.store(now, Ordering::Release);
                now
            }
            s => s,
        };
        let at = (now.wrapping_sub(start) & 0xffff_ffff) as usize;
        for (port, x) in self.ports.iter_mut().zip(&self.signal) {
            let out = port.as_mut_slice(ps);
            out.fill(0.0);
            let from = at.min(x.len());
            let to = (at + out.len()).min(x.len());
            out[..to - from].copy_from_slice(&x[from..to]);
        }
        Control::Continue
    }
}

struct Recorder {
    ports: Vec<Port<AudioIn>>,
    recording: Vec<Vec<f32>>,
    clock: Arc<Clock>,
}

impl jack::ProcessHandler for Recorder {
    fn process(&mut self, _: &Client, ps: &ProcessScope) -> Control {
        let start = self.clock.start.load(Ordering::Acquire);
        if start == NOT_STARTED {
            return Control::Continue;
        }
        let at = (u64::from(ps.last_frame_time()).wrapping_sub(start) & 0xffff_ffff) as usize;
        let mut end = at;
        for (port, y) in self.ports.iter().zip(&mut self.recording) {
            let input = port.as_slice(ps);
            let from = at.min(y.len());
            let to = (at + input.len()).min(y.len());
            y[from..to].copy_from_slice(&input[..to - from]);
            end = to;
        }
        self.clock.recorded.store(end, Ordering::Release);
        Control::Continue
    }
}

struct Xruns(Arc<Clock>);

impl jack::NotificationHandler for Xruns {
    fn xrun(&mut self, _: &Client) -> Control {
        self.0.xruns.fetch_add(1, Ordering::Relaxed);
        Control::Continue
    }
}

/// A decaying stereo IR of seeded noise, `len` taps.
fn ir(len: usize, seed: u64) -> Vec<Vec<f32>> {
    (0..2)
        .map(|c| {
            common::noise(len, seed + c)
                .iter()
                .enumerate()
                .map(|(i, v)| (v * (-(i as f64) / (len as f64 / 6.0)).exp()) as f32)
                .collect()
        })
        .collect()
}

fn write_wav(path: &Path, channels: &[Vec<f32>]) {
    let spec = hound::WavSpec {
        channels: channels.len() as u16,
        sample_rate: RATE,
        bits_per_sample: 32,
        sample_format: hound::SampleFormat::Float,
    };
    let mut w = hound::WavWriter::create(path, spec).unwrap();
    for i in 0..channels[0].len() {
        for c in channels {
            w.write_sample(c[i]).unwrap();
        }
    }
    w.finalize().unwrap();
}

/// One output's expected signal: the sum of the one-shot convolutions of its routes
/// `(input, IR)`, and the bound on the stream's error: 2·ε·log2(n)·Σ‖x‖·‖h‖ (f32 arithmetic).
fn expected(routes: &[(&[f32], &[f32])]) -> (Vec<f64>, f64) {
    let mut want = vec![0.0f64; SIGNAL_LEN];
    let mut tol = 0.0;
    for (x, h) in routes {
        let xd: Vec<f64> = x.iter().map(|&v| f64::from(v)).collect();
        let hd: Vec<f64> = h.iter().map(|&v| f64::from(v)).collect();
        let full = convolve(&xd, &hd, Mode::Full).unwrap();
        for (w, v) in want.iter_mut().zip(full) {
            *w += v;
        }
        let norm = |v: &[f64]| v.iter().map(|a| a * a).sum::<f64>().sqrt();
        let n = (x.len() + h.len()) as f64;
        tol += 2.0 * f64::from(f32::EPSILON) * n.log2() * norm(&xd) * norm(&hd);
    }
    (want, tol)
}

/// The largest difference between `got` and `want` over `range`, and where it is.
fn error(got: &[f32], want: &[f64], range: std::ops::Range<usize>) -> (f64, usize) {
    range
        .map(|i| ((f64::from(got[i]) - want[i]).abs(), i))
        .fold((0.0, 0), |a, b| if b.0 > a.0 { b } else { a })
}

/// Runs a session until one has no xrun, at most `ATTEMPTS` times. An xrun loses a period of
/// input, whose absence then stays in the output for the IR's length; on a machine shared with
/// other work the server can miss a deadline that is not the convolver's. Every attempt's
/// xruns are printed, and in every attempt the convolver's slowest callback (its own report)
/// must have finished within the period.
fn without_xruns(what: &str, dir: &Path, mut run: impl FnMut(usize) -> Session) -> Session {
    for attempt in 1..=ATTEMPTS {
        let s = run(attempt);
        eprintln!(
            "{what}, attempt {attempt}: {} xruns ({} before the reload, if any)",
            s.all_xruns, s.steady_xruns
        );
        let worst: f64 = s
            .log
            .lines()
            .rfind(|l| l.starts_with("live at exit"))
            .and_then(|l| l.split("worst call ").nth(1))
            .and_then(|t| t.split('%').next())
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("no worst call in {}", s.log));
        assert!(
            worst < 100.0,
            "{what}: a callback took {worst}% of its period"
        );
        if s.all_xruns == 0 {
            return s;
        }
    }
    // jackd's own lines say who was late: "JackTimedDriver::Process XRun = 30 usec" is the
    // driver's timer waking late (the machine), "client = NAME was not finished" a client
    let said: Vec<String> = ["jackd.log", "jackd.err"]
        .iter()
        .flat_map(|f| {
            std::fs::read_to_string(dir.join(f))
                .unwrap_or_default()
                .lines()
                .map(String::from)
                .collect::<Vec<_>>()
        })
        .filter(|l| l.contains("XRun"))
        .collect();
    panic!(
        "{what}: xruns in each of {ATTEMPTS} runs at period {PERIOD}; jackd's last xrun lines:\n{}",
        said[said.len().saturating_sub(8)..].join("\n")
    );
}

fn wait_for(what: &str, seconds: u64, mut ready: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(seconds);
    while !ready() {
        assert!(
            Instant::now() < deadline,
            "timed out after {seconds} s waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn send(stdin: &mut ChildStdin, line: &str) {
    stdin.write_all(line.as_bytes()).unwrap();
    stdin.flush().unwrap();
}

/// What one session recorded.
struct Session {
    recording: Vec<Vec<f32>>,
    /// Xruns before the reload (or the end), and in all.
    steady_xruns: u32,
    all_xruns: u32,
    log: String,
    /// The latency ranges JACK holds for the convolver's `out_1` (capture) and `in_1`
    /// (playback): the player's and recorder's own ports are at 0, so both are its delay.
    latency: [(u32, u32); 2],
}

/// Runs `convolve live ARGS` as client `name`, plays `signal` through it and records its two
/// outputs; at `RELOAD_AT` calls `before_reload` (which rewrites the IR files) and sends
/// `reload`, when given one.
fn session(
    name: &str,
    server: &str,
    dir: &Path,
    args: &[&str],
    signal: &[Vec<f32>],
    before_reload: Option<&dyn Fn()>,
) -> Session {
    let log = dir.join(format!("{name}.log"));
    let mut live = Command::new(env!("CARGO_BIN_EXE_convolve"))
        .args(["live", "--name", name, "--crossfade", "20", "--report", "2"])
        .args(args)
        .current_dir(dir)
        .env("JACK_DEFAULT_SERVER", server)
        .stdin(Stdio::piped())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .unwrap();
    let mut stdin = live.stdin.take().unwrap();
    let mut reaper = Reaper(vec![live]);
    let live_log = || std::fs::read_to_string(&log).unwrap_or_default();

    let clock = Arc::new(Clock {
        go: AtomicBool::new(false),
        start: AtomicU64::new(NOT_STARTED),
        recorded: AtomicUsize::new(0),
        xruns: AtomicU32::new(0),
    });
    let player_name = format!("{name}-player");
    let recorder_name = format!("{name}-recorder");
    let (player, _) = Client::new(&player_name, ClientOptions::USE_EXACT_NAME).unwrap();
    let (recorder, _) = Client::new(&recorder_name, ClientOptions::USE_EXACT_NAME).unwrap();
    // Its ports exist before it is active, and JACK refuses connections to an inactive
    // client's ports: wait for the line it prints once active.
    wait_for("convolve live to be active", 120, || {
        let log = live_log();
        log.contains("swaps the IRs") || log.contains("error")
    });
    assert!(!live_log().contains("error"), "{}", live_log());
    let play_ports: Vec<_> = (1..=2)
        .map(|k| {
            player
                .register_port(&format!("out_{k}"), AudioOut::default())
                .unwrap()
        })
        .collect();
    let rec_ports: Vec<_> = (1..=2)
        .map(|k| {
            recorder
                .register_port(&format!("in_{k}"), AudioIn::default())
                .unwrap()
        })
        .collect();
    let recorder = recorder
        .activate_async(
            Xruns(Arc::clone(&clock)),
            Recorder {
                ports: rec_ports,
                // -0.0, not 0.0: written now, so that no page is first touched (faulted in)
                // by the real-time callback
                recording: vec![vec![-0.0; SIGNAL_LEN]; 2],
                clock: Arc::clone(&clock),
            },
        )
        .unwrap();
    let player = player
        .activate_async(
            (),
            Player {
                ports: play_ports,
                signal: signal.to_vec(),
                clock: Arc::clone(&clock),
            },
        )
        .unwrap();
    for k in 1..=2 {
        let c = recorder.as_client();
        c.connect_ports_by_name(&format!("{player_name}:out_{k}"), &format!("{name}:in_{k}"))
            .unwrap();
        c.connect_ports_by_name(
            &format!("{name}:out_{k}"),
            &format!("{recorder_name}:in_{k}"),
        )
        .unwrap();
    }
    // start once the new connections have settled (a graph change can itself cost a cycle):
    // the player starts the clock in its next cycle, the recorder follows its count
    // (the server may report xruns while the graph changes: wait for a quiet second)
    let mut xruns_at_start = clock.xruns.load(Ordering::Relaxed);
    let mut quiet_since = Instant::now();
    wait_for("a second without xruns", 30, || {
        let now = clock.xruns.load(Ordering::Relaxed);
        if now != xruns_at_start {
            (xruns_at_start, quiet_since) = (now, Instant::now());
        }
        quiet_since.elapsed() >= Duration::from_secs(1)
    });
    clock.go.store(true, Ordering::Release);
    wait_for("the first part of the recording", 30, || {
        clock.recorded.load(Ordering::Acquire) >= RELOAD_AT
    });
    let steady_xruns = clock.xruns.load(Ordering::Relaxed) - xruns_at_start;
    if let Some(rewrite) = before_reload {
        rewrite();
        send(&mut stdin, "reload\n");
    }
    wait_for("the whole recording", 60, || {
        clock.recorded.load(Ordering::Acquire) >= SIGNAL_LEN
    });
    let all_xruns = clock.xruns.load(Ordering::Relaxed) - xruns_at_start;
    let range = |port: &str, mode| {
        let c = recorder.as_client();
        let port = c.port_by_name(&format!("{name}:{port}")).unwrap();
        port.get_latency_range(mode)
    };
    let latency = [
        range("out_1", LatencyType::Capture),
        range("in_1", LatencyType::Playback),
    ];
    let (_, _, rec) = recorder.deactivate().unwrap();
    drop(player.deactivate());
    send(&mut stdin, "quit\n");
    let live = &mut reaper.0[0];
    wait_for("convolve live to exit", 20, || {
        matches!(live.try_wait(), Ok(Some(_)))
    });
    let status = live.wait().unwrap();
    let log = live_log();
    eprintln!("{log}");
    assert!(status.success(), "convolve live failed: {log}");
    assert!(log.contains("live at exit"), "{log}");
    Session {
        recording: rec.recording,
        steady_xruns,
        all_xruns,
        log,
        latency,
    }
}

#[test]
fn live_convolves_stereo_streams_and_reloads_with_a_crossfade() {
    let server = format!("convolve-test-{}", std::process::id());
    // SAFETY: this binary's only test sets the variable before it starts a thread or a JACK
    // client that reads the environment.
    unsafe { std::env::set_var("JACK_DEFAULT_SERVER", &server) };
    let dir = tempfile::tempdir().unwrap();
    let mut reaper = Reaper(Vec::new());
    if let Err(why) = start_server(&server, &dir.path().join("jackd.log"), &mut reaper) {
        assert!(std::env::var_os("CI").is_none(), "{why}");
        eprintln!("skipped: {why}");
        return;
    }
    let signal: Vec<Vec<f32>> = (0..2)
        .map(|c| {
            common::noise(SIGNAL_LEN, 10 + c)
                .iter()
                .map(|&v| v as f32)
                .collect()
        })
        .collect();

    // 1. a 10 s stereo IR, in_c -> out_c: exact all along, no xrun
    let room = ir(10 * RATE as usize, 1);
    write_wav(&dir.path().join("room.wav"), &room);
    let s = without_xruns("10 s stereo IR", dir.path(), |k| {
        let args = ["--inputs", "2", "room.wav"];
        session(
            &format!("long{k}"),
            &server,
            dir.path(),
            &args,
            &signal,
            None,
        )
    });
    assert_eq!(
        s.latency,
        [(0, 0); 2],
        "zero latency reported as {:?}",
        s.latency
    );
    for c in 0..2 {
        let (want, tol) = expected(&[(&signal[c], &room[c])]);
        let (err, at) = error(&s.recording[c], &want, 0..SIGNAL_LEN);
        assert!(
            err <= tol,
            "10 s IR, channel {c}: error {err:e} > {tol:e} at {at}"
        );
    }

    // 2. --latency block: the same output, delayed by the latency the client announces
    let short = ir(RATE as usize, 5);
    write_wav(&dir.path().join("short.wav"), &short);
    let s = without_xruns("--latency block", dir.path(), |k| {
        let args = ["--inputs", "2", "--latency", "block", "short.wav"];
        session(
            &format!("block{k}"),
            &server,
            dir.path(),
            &args,
            &signal,
            None,
        )
    });
    let d: usize = s
        .log
        .split("latency ")
        .nth(1)
        .and_then(|t| t.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no latency in {}", s.log));
    assert!(d > 0, "--latency block announced no latency");
    let d32 = u32::try_from(d).unwrap();
    assert_eq!(
        s.latency,
        [(d32, d32); 2],
        "JACK holds {:?}, not {d}",
        s.latency
    );
    for c in 0..2 {
        let (want, tol) = expected(&[(&signal[c], &short[c])]);
        assert!(s.recording[c][..d].iter().all(|&v| v == 0.0));
        let (err, at) = error(&s.recording[c][d..], &want, 0..SIGNAL_LEN - d);
        assert!(
            err <= tol,
            "--latency block, channel {c}: error {err:e} > {tol:e} at {at}"
        );
    }

    // 3. true stereo (in_i -> out_o through its own 1 s IR) from a routing file, reloaded
    // mid-stream: the first IRs' sum before, the second's once the 20 ms fade is over
    let left = dir.path().join("left.wav");
    let right = dir.path().join("right.wav");
    let first = [ir(RATE as usize, 20), ir(RATE as usize, 22)];
    let second = [ir(RATE as usize, 30), ir(RATE as usize, 32)];
    std::fs::write(
        dir.path().join("routes.txt"),
        "1 1 left.wav 1\n1 2 left.wav 2\n2 1 right.wav 1\n2 2 right.wav 2\n",
    )
    .unwrap();
    let write_irs = |irs: &[Vec<Vec<f32>>; 2]| {
        write_wav(&left, &irs[0]);
        write_wav(&right, &irs[1]);
    };
    let s = without_xruns("true stereo with a reload", dir.path(), |k| {
        write_irs(&first);
        let args = ["--config", "routes.txt"];
        let rewrite = || write_irs(&second);
        session(
            &format!("stereo{k}"),
            &server,
            dir.path(),
            &args,
            &signal,
            Some(&rewrite),
        )
    });
    assert!(s.log.contains("IRs swapped"), "{}", s.log);
    for o in 0..2 {
        let routes = |irs: &[Vec<Vec<f32>>; 2]| {
            expected(&[(&signal[0], &irs[0][o]), (&signal[1], &irs[1][o])])
        };
        let (want, tol) = routes(&first);
        let (err, at) = error(&s.recording[o], &want, 0..RELOAD_AT);
        assert!(
            err <= tol,
            "output {o} before the reload: error {err:e} > {tol:e} at {at}"
        );
        // the check can fail: the old IRs' output is far from the new one's
        assert!(error(&s.recording[o], &want, SETTLED_AT..SIGNAL_LEN).0 > 100.0 * tol);
        let (want, tol) = routes(&second);
        let (err, at) = error(&s.recording[o], &want, SETTLED_AT..SIGNAL_LEN);
        assert!(
            err <= tol,
            "output {o} after the reload: error {err:e} > {tol:e} at {at}"
        );
    }
}
