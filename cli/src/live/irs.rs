//! The impulse responses of `convolve live`: which input feeds which output through which IR,
//! read from audio files or a small routing file, and read again on `reload`.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

use crate::formats::{self, ReadOptions};

/// Inputs and outputs are capped so the audio callback can hold its port slices in arrays.
pub const MAX_PORTS: usize = 64;

/// One convolution: `input` through `taps` into `output` (ports counted from 0).
#[derive(Debug, Clone, PartialEq)]
pub struct Route {
    pub input: usize,
    pub output: usize,
    pub taps: Vec<f32>,
}

/// Every route, with the port counts and the IRs' sample rate (when their format has one).
#[derive(Debug, Clone, PartialEq)]
pub struct IrSet {
    pub inputs: usize,
    pub outputs: usize,
    pub rate: Option<u32>,
    pub routes: Vec<Route>,
}

/// Where the IRs come from, kept so that `reload` reads the same files again.
#[derive(Debug, Clone)]
pub enum IrSource {
    /// Audio files whose channels, in order, are the IRs; `inputs` input ports.
    Files { paths: Vec<PathBuf>, inputs: usize },
    /// A routing file: one `INPUT OUTPUT FILE [CHANNEL]` line per route.
    Config(PathBuf),
}

impl IrSource {
    /// Reads every IR; the same call serves the start and each reload.
    pub fn load(&self) -> Result<IrSet> {
        match self {
            IrSource::Files { paths, inputs } => from_files(paths, *inputs),
            IrSource::Config(path) => from_config(path),
        }
    }
}

impl IrSet {
    /// The longest IR, in taps.
    pub fn longest(&self) -> usize {
        self.routes.iter().map(|r| r.taps.len()).max().unwrap_or(0)
    }

    /// Whether `other` routes the same inputs to the same outputs (a reload may change the
    /// IRs, not the ports or the routing).
    pub fn same_routing(&self, other: &IrSet) -> bool {
        self.inputs == other.inputs
            && self.outputs == other.outputs
            && self.routes.len() == other.routes.len()
            && self
                .routes
                .iter()
                .zip(&other.routes)
                .all(|(a, b)| (a.input, a.output) == (b.input, b.output))
    }
}

/// The channels of `paths` in order: K channels and N inputs give N = 1: input 1 into K
/// outputs; K = N: input c into output c; K = N x M: input i into output o through channel
/// i x M + o (input-major, as true-stereo files are stored: LL, LR, RL, RR).
fn from_files(paths: &[PathBuf], inputs: usize) -> Result<IrSet> {
    if inputs == 0 || inputs > MAX_PORTS {
        bail!("--inputs {inputs}: between 1 and {MAX_PORTS} inputs");
    }
    let mut irs = Vec::new();
    let mut rate = None;
    for path in paths {
        let (channels, r) = read_ir(path)?;
        rate = agree(rate, r, path)?;
        irs.extend(channels);
    }
    let k = irs.len();
    // (outputs, channels per input): channel c goes from input c / per to output c % per,
    // or with one IR per input, from input c to output c
    let (outputs, per) = if inputs == 1 {
        (k, k)
    } else if k == inputs {
        (k, 0)
    } else if k % inputs == 0 {
        (k / inputs, k / inputs)
    } else {
        bail!(
            "{k} IR channels for {inputs} inputs: give one IR per input (parallel) or one per (input, output) pair (a multiple of {inputs})"
        );
    };
    let pair = |c: usize| c.checked_div(per).map_or((c, c), |i| (i, c % per));
    if outputs > MAX_PORTS {
        bail!("{outputs} outputs: at most {MAX_PORTS}");
    }
    let routes = irs
        .into_iter()
        .enumerate()
        .map(|(c, taps)| {
            let (input, output) = pair(c);
            Route {
                input,
                output,
                taps,
            }
        })
        .collect();
    Ok(IrSet {
        inputs,
        outputs,
        rate,
        routes,
    })
}

/// A routing file: `INPUT OUTPUT FILE [CHANNEL]` per line (ports and channels from 1, the
/// file relative to the routing file); blank lines and `#` comments are skipped.
fn from_config(path: &Path) -> Result<IrSet> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read `{}`", path.display()))?;
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut routes = Vec::new();
    let mut rate = None;
    for (n, line) in text.lines().enumerate() {
        let line = line.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        let at = || format!("`{}` line {}", path.display(), n + 1);
        let words: Vec<&str> = line.split_whitespace().collect();
        if !(3..=4).contains(&words.len()) {
            bail!("{}: expected `INPUT OUTPUT FILE [CHANNEL]`", at());
        }
        let number = |w: &str, what: &str| -> Result<usize> {
            match w.parse::<usize>() {
                Ok(v) if (1..=MAX_PORTS).contains(&v) => Ok(v - 1),
                _ => bail!(
                    "{}: {what} `{w}` is not a number from 1 to {MAX_PORTS}",
                    at()
                ),
            }
        };
        let input = number(words[0], "input")?;
        let output = number(words[1], "output")?;
        let channel = words.get(3).map_or(Ok(0), |w| number(w, "channel"))?;
        if routes
            .iter()
            .any(|r: &Route| (r.input, r.output) == (input, output))
        {
            bail!(
                "{}: input {} to output {} twice",
                at(),
                input + 1,
                output + 1
            );
        }
        let file = dir.join(words[2]);
        let (mut channels, r) = read_ir(&file)?;
        rate = agree(rate, r, &file)?;
        if channel >= channels.len() {
            bail!(
                "{}: `{}` has {} channel(s), not {}",
                at(),
                file.display(),
                channels.len(),
                channel + 1
            );
        }
        routes.push(Route {
            input,
            output,
            taps: channels.swap_remove(channel),
        });
    }
    if routes.is_empty() {
        bail!("`{}` routes nothing", path.display());
    }
    Ok(IrSet {
        inputs: routes.iter().map(|r| r.input + 1).max().unwrap_or(0),
        outputs: routes.iter().map(|r| r.output + 1).max().unwrap_or(0),
        rate,
        routes,
    })
}

/// Every channel of one file as f32, and its sample rate.
fn read_ir(path: &Path) -> Result<(Vec<Vec<f32>>, Option<u32>)> {
    let mut source = formats::open::<f32>(path, &ReadOptions::default())?;
    let rate = source.sample_rate();
    let channels = formats::read_all(source.as_mut(), path)?;
    if let Some((c, _)) = channels
        .iter()
        .enumerate()
        .find(|(_, ch)| ch.iter().any(|v| !v.is_finite()))
    {
        bail!(
            "`{}` channel {} holds NaN or infinity: it would be in every output sample",
            path.display(),
            c + 1
        );
    }
    Ok((channels, rate))
}

/// The one sample rate of all IR files that have one.
fn agree(known: Option<u32>, new: Option<u32>, path: &Path) -> Result<Option<u32>> {
    match (known, new) {
        (Some(a), Some(b)) if a != b => bail!(
            "`{}` is at {b} Hz, the IRs before it at {a} Hz",
            path.display()
        ),
        (Some(a), _) => Ok(Some(a)),
        (None, b) => Ok(b),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write_wav(path: &Path, channels: &[Vec<f32>], rate: u32) {
        let mut bytes = Vec::new();
        let frames = channels[0].len();
        let data = (frames * channels.len() * 4) as u32;
        let block = (channels.len() * 4) as u16;
        bytes.extend_from_slice(b"RIFF");
        bytes.extend_from_slice(&(36 + data).to_le_bytes());
        bytes.extend_from_slice(b"WAVEfmt ");
        bytes.extend_from_slice(&16u32.to_le_bytes());
        bytes.extend_from_slice(&3u16.to_le_bytes());
        bytes.extend_from_slice(&(channels.len() as u16).to_le_bytes());
        bytes.extend_from_slice(&rate.to_le_bytes());
        bytes.extend_from_slice(&(rate * u32::from(block)).to_le_bytes());
        bytes.extend_from_slice(&block.to_le_bytes());
        bytes.extend_from_slice(&32u16.to_le_bytes());
        bytes.extend_from_slice(b"data");
        bytes.extend_from_slice(&data.to_le_bytes());
        for i in 0..frames {
            for ch in channels {
                bytes.extend_from_slice(&ch[i].to_le_bytes());
            }
        }
        std::fs::write(path, bytes).unwrap();
    }

    fn channel(c: usize) -> Vec<f32> {
        (0..5).map(|i| (c * 10 + i) as f32).collect()
    }

    fn pairs(set: &IrSet) -> Vec<(usize, usize, f32)> {
        set.routes
            .iter()
            .map(|r| (r.input, r.output, r.taps[0]))
            .collect()
    }

    #[test]
    fn files_route_mono_parallel_and_matrix() {
        let dir = tempfile::tempdir().unwrap();
        let four = dir.path().join("four.wav");
        write_wav(&four, &(0..4).map(channel).collect::<Vec<_>>(), 48000);
        let files = |inputs| IrSource::Files {
            paths: vec![four.clone()],
            inputs,
        };
        let mono = files(1).load().unwrap();
        assert_eq!((mono.inputs, mono.outputs, mono.rate), (1, 4, Some(48000)));
        assert_eq!(
            pairs(&mono),
            [(0, 0, 0.0), (0, 1, 10.0), (0, 2, 20.0), (0, 3, 30.0)]
        );
        let stereo = files(2).load().unwrap();
        assert_eq!((stereo.inputs, stereo.outputs), (2, 2));
        assert_eq!(
            pairs(&stereo),
            [(0, 0, 0.0), (0, 1, 10.0), (1, 0, 20.0), (1, 1, 30.0)]
        );
        let parallel = files(4).load().unwrap();
        assert_eq!(
            pairs(&parallel),
            [(0, 0, 0.0), (1, 1, 10.0), (2, 2, 20.0), (3, 3, 30.0)]
        );
        let err = files(3).load().unwrap_err().to_string();
        assert!(err.contains("4 IR channels for 3 inputs"), "{err}");
        assert_eq!(mono.routes[2].taps, channel(2));
        assert!(stereo.same_routing(&files(2).load().unwrap()));
        assert!(!stereo.same_routing(&parallel));
    }

    #[test]
    fn config_routes_pairs_and_refuses_bad_lines() {
        let dir = tempfile::tempdir().unwrap();
        write_wav(&dir.path().join("a.wav"), &[channel(0), channel(1)], 44100);
        write_wav(&dir.path().join("b.wav"), &[channel(5)], 44100);
        let config = dir.path().join("routes.txt");
        let load = |text: &str| {
            std::fs::write(&config, text).unwrap();
            IrSource::Config(config.clone()).load()
        };
        let set = load("# true stereo\n1 1 a.wav\n1 2 a.wav 2\n\n2 3 b.wav  # right\n").unwrap();
        assert_eq!((set.inputs, set.outputs, set.rate), (2, 3, Some(44100)));
        assert_eq!(pairs(&set), [(0, 0, 0.0), (0, 1, 10.0), (1, 2, 50.0)]);
        for (text, needle) in [
            ("1 1\n", "expected `INPUT OUTPUT FILE [CHANNEL]`"),
            ("0 1 a.wav\n", "input `0` is not a number"),
            ("1 1 a.wav 3\n", "has 2 channel(s), not 3"),
            ("1 1 a.wav\n1 1 b.wav\n", "input 1 to output 1 twice"),
            ("# nothing\n", "routes nothing"),
            ("1 1 missing.wav\n", "missing.wav"),
        ] {
            let err = format!("{:#}", load(text).unwrap_err());
            assert!(err.contains(needle), "{text:?}: {err}");
        }
    }

    #[test]
    fn rates_must_agree_and_nan_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a.wav");
        let b = dir.path().join("b.wav");
        write_wav(&a, &[channel(0)], 48000);
        write_wav(&b, &[channel(1)], 44100);
        let both = IrSource::Files {
            paths: vec![a.clone(), b.clone()],
            inputs: 1,
        };
        let err = both.load().unwrap_err().to_string();
        assert!(
            err.contains("at 44100 Hz, the IRs before it at 48000 Hz"),
            "{err}"
        );
        write_wav(&b, &[vec![0.0, f32::NAN]], 48000);
        let err = IrSource::Files {
            paths: vec![b],
            inputs: 1,
        }
        .load()
        .unwrap_err()
        .to_string();
        assert!(err.contains("NaN or infinity"), "{err}");
    }
}
