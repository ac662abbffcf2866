//! Cost profiles: the cost models' rates fitted to one CPU.
//!
//! The models of `strategy.rs` (1-D), `nd/strategy.rs` (N-D and the separable passes) and
//! `stream/layout.rs` (the partition sizes) hold per-element rates measured on one machine.
//! Another CPU moves them by different amounts (wider vectors speed up the direct sum more than
//! the transforms), which moves every crossover. A profile is a set of scale factors on those
//! rates, measured by [`crate::tune()`] on the CPU it runs on and saved as a small text file:
//!
//! - `CONVOLVE_PROFILE=path` reads that file; `CONVOLVE_PROFILE=none` (or empty) uses the
//!   shipped rates;
//! - otherwise [`Profile::default_path`] (the user's cache directory) is read if it exists.
//!
//! The first cost decision loads it; a profile written on another CPU (its `cpu` line differs
//! from this one's) or by another version of the format is ignored, and [`Profile::status`]
//! says why. [`Profile::activate`] replaces the active one at any time.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{Mutex, Once};

use crate::arith::ElementKind;
use crate::error::ConvError;

/// The file format's version: a file with another is ignored.
const VERSION: u32 = 1;

/// Scale factors on one cost model's three families of rates.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Scales {
    /// The direct sums' rates (per multiply-add, per output, their fixed cost).
    pub direct: f64,
    /// The transforms' `N log2 N` rates.
    pub transform: f64,
    /// The rest of a transform method: the spectrum product per bin, per block or tile, and
    /// the fixed cost of a call.
    pub product: f64,
}

/// The scale factors of every cost model, fitted to one CPU by [`crate::tune()`].
///
/// ```
/// use convolve::Profile;
/// let shipped = Profile::shipped();
/// let text = shipped.to_string();
/// assert_eq!(Profile::parse(&text).unwrap(), shipped);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Profile {
    /// The CPU it was measured on (`/proc/cpuinfo`'s model name on Linux).
    pub cpu: String,
    /// Seconds since the Unix epoch when it was measured (0 for the shipped one).
    pub created: u64,
    /// The 1-D model's scales for `f64` (complex and integer rates follow them).
    pub f64: Scales,
    /// The 1-D model's scales for `f32` (and `Complex<f32>`).
    pub f32: Scales,
    /// The N-D model's scales for `f64` (complex and integer rates follow them).
    pub nd_f64: Scales,
    /// The N-D model's scales for `f32`.
    pub nd_f32: Scales,
    /// The separable passes' column rates for `f64` and `f32` (their row pass is the 1-D
    /// model's).
    pub separable: [f64; 2],
    /// The streaming layout's transform rate.
    pub stream_transform: f64,
    /// The streaming layout's spectrum multiply-add rate.
    pub stream_mac: f64,
}

/// The shipped rates are the geometric mean of the two CPUs the project has measured: the
/// models' constants are an AMD Zen 3's fit (factors 1), and each factor here is the square
/// root of the median of three `convolve tune` runs on the project's Intel Xeon with AVX-512
/// (docs/PERFORMANCE.md, "Cost profiles"), so neither CPU is off by more than the square root
/// of their disagreement. `convolve tune` replaces them with this CPU's own.
const SHIPPED: Profile = Profile {
    cpu: String::new(),
    created: 0,
    f64: Scales {
        direct: 1.15,
        transform: 1.48,
        product: 1.59,
    },
    f32: Scales {
        direct: 1.18,
        transform: 1.45,
        product: 1.53,
    },
    nd_f64: Scales {
        direct: 1.22,
        transform: 1.24,
        product: 1.23,
    },
    nd_f32: Scales {
        direct: 1.16,
        transform: 1.11,
        product: 1.46,
    },
    // Not the geometric mean: the Xeon's separable rate moved 2.5x between runs (2.7-6.9 for
    // f64), and the passes' transposes, not the constant, are what to fix there (issue 23).
    separable: [1.0, 1.0],
    stream_transform: 1.42,
    stream_mac: 1.53,
};

impl Profile {
    /// The rates the crate ships with.
    pub fn shipped() -> Profile {
        Profile {
            cpu: cpu_name(),
            ..SHIPPED
        }
    }

    /// Reads a profile written by [`Profile::save`] (or `convolve tune`).
    ///
    /// # Errors
    /// [`ConvError::Profile`] when the file cannot be read or is not a profile of this format.
    pub fn load(path: &Path) -> Result<Profile, ConvError> {
        let text = std::fs::read_to_string(path).map_err(|e| ConvError::Profile {
            reason: format!("cannot read {}: {e}", path.display()),
        })?;
        Profile::parse(&text).map_err(|e| match e {
            ConvError::Profile { reason } => ConvError::Profile {
                reason: format!("{}: {reason}", path.display()),
            },
            other => other,
        })
    }

    /// Parses the text of a profile file (what [`fmt::Display`] writes).
    ///
    /// # Errors
    /// [`ConvError::Profile`] naming the first line that is not `key = value` of this
    /// format, a missing key, or a factor that is not a positive finite number.
    pub fn parse(text: &str) -> Result<Profile, ConvError> {
        let bad = |reason: String| ConvError::Profile { reason };
        let mut values = std::collections::HashMap::new();
        for (i, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let (key, value) = line
                .split_once('=')
                .ok_or_else(|| bad(format!("line {}: {line:?} is not `key = value`", i + 1)))?;
            values.insert(key.trim().to_string(), value.trim().to_string());
        }
        let get = |key: &str| {
            values
                .get(key)
                .ok_or_else(|| bad(format!("no `{key}` line")))
        };
        let version: u32 = get("version")?
            .parse()
            .map_err(|_| bad("`version` is not a number".into()))?;
        if version != VERSION {
            return Err(bad(format!(
                "format version {version}, this build reads version {VERSION} (run `convolve tune` again)"
            )));
        }
        let factor = |key: &str| -> Result<f64, ConvError> {
            let text = get(key)?;
            match text.parse::<f64>() {
                Ok(x) if x.is_finite() && x > 0.0 => Ok(x),
                _ => Err(bad(format!(
                    "`{key} = {text}` is not a positive finite number"
                ))),
            }
        };
        let scales = |prefix: &str| -> Result<Scales, ConvError> {
            Ok(Scales {
                direct: factor(&format!("{prefix}.direct"))?,
                transform: factor(&format!("{prefix}.transform"))?,
                product: factor(&format!("{prefix}.product"))?,
            })
        };
        Ok(Profile {
            cpu: get("cpu")?.clone(),
            created: get("created")?
                .parse()
                .map_err(|_| bad("`created` is not a number".into()))?,
            f64: scales("f64")?,
            f32: scales("f32")?,
            nd_f64: scales("nd.f64")?,
            nd_f32: scales("nd.f32")?,
            separable: [factor("separable.f64")?, factor("separable.f32")?],
            stream_transform: factor("stream.transform")?,
            stream_mac: factor("stream.mac")?,
        })
    }

    /// Writes the profile to `path` (its folder is created), through a temporary file renamed
    /// into place, so that a reader never sees half a file.
    ///
    /// # Errors
    /// [`ConvError::Profile`] when the folder or file cannot be written.
    pub fn save(&self, path: &Path) -> Result<(), ConvError> {
        let fail = |e: std::io::Error| ConvError::Profile {
            reason: format!("cannot write {}: {e}", path.display()),
        };
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(fail)?;
        }
        let mut temp = path.as_os_str().to_owned();
        temp.push(format!(".{}.tmp", std::process::id()));
        std::fs::write(&temp, self.to_string()).map_err(fail)?;
        std::fs::rename(&temp, path).map_err(|e| {
            let _ = std::fs::remove_file(&temp);
            fail(e)
        })
    }

    /// Where `convolve tune` writes the profile and the crate looks for it: the user's cache
    /// directory (`$XDG_CACHE_HOME` or `~/.cache` on Linux, `~/Library/Caches` on macOS,
    /// `%LOCALAPPDATA%` on Windows), `convolve/profile-v1.txt`; `None` without one.
    /// `CONVOLVE_PROFILE` overrides it (see [`Profile::status`]).
    pub fn default_path() -> Option<PathBuf> {
        dirs::cache_dir().map(|d| d.join("convolve").join(format!("profile-v{VERSION}.txt")))
    }

    /// Makes this profile the one every later cost decision uses, in this process.
    pub fn activate(&self) {
        let _ = active::load();
        active::set(self, format!("activated in this process ({})", self.cpu));
    }

    /// The profile cost decisions use now.
    pub fn active() -> Profile {
        active::load()
    }

    /// Where the active profile came from, or why the one found was not used, in one line.
    pub fn status() -> String {
        let _ = active::load();
        active::status()
    }
}

impl fmt::Display for Profile {
    /// The profile file's text: `key = value` lines, with comments that say what it is.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "# convolve cost profile: scale factors on the cost models' rates, measured by\n\
             # `convolve tune` on the CPU below (ignored on any other). Delete to use the\n\
             # shipped rates; CONVOLVE_PROFILE=none ignores it."
        )?;
        writeln!(f, "version = {VERSION}")?;
        writeln!(f, "cpu = {}", self.cpu)?;
        writeln!(f, "created = {}", self.created)?;
        for (prefix, s) in [
            ("f64", self.f64),
            ("f32", self.f32),
            ("nd.f64", self.nd_f64),
            ("nd.f32", self.nd_f32),
        ] {
            writeln!(f, "{prefix}.direct = {:.4}", s.direct)?;
            writeln!(f, "{prefix}.transform = {:.4}", s.transform)?;
            writeln!(f, "{prefix}.product = {:.4}", s.product)?;
        }
        writeln!(f, "separable.f64 = {:.4}", self.separable[0])?;
        writeln!(f, "separable.f32 = {:.4}", self.separable[1])?;
        writeln!(f, "stream.transform = {:.4}", self.stream_transform)?;
        writeln!(f, "stream.mac = {:.4}", self.stream_mac)
    }
}

/// This CPU's name: `/proc/cpuinfo`'s first `model name` on Linux, else the architecture.
pub fn cpu_name() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find_map(|l| l.strip_prefix("model name"))
                .and_then(|rest| rest.split_once(':'))
                .map(|(_, name)| name.trim().to_string())
        })
        .unwrap_or_else(|| std::env::consts::ARCH.to_string())
}

/// The active profile: its factors in atomics, so that a cost decision reads them without a
/// lock (the 1-D model runs on every call whose choice is not remembered), and a generation
/// that changes with them, so that remembered choices are forgotten.
mod active {
    use super::*;

    /// The factors, as `f64` bits, in the order of [`pack`].
    static FACTORS: [AtomicU64; FIELDS] = [const { AtomicU64::new(0) }; FIELDS];
    /// Bumped by every [`set`]; remembered choices carry the generation they were made in.
    static GENERATION: AtomicU32 = AtomicU32::new(0);
    static LOAD: Once = Once::new();
    static INFO: Mutex<(String, String, u64)> = Mutex::new((String::new(), String::new(), 0));

    const FIELDS: usize = 16;

    fn pack(p: &Profile) -> [f64; FIELDS] {
        let s = |s: Scales| [s.direct, s.transform, s.product];
        let mut out = [0.0; FIELDS];
        let all = [s(p.f64), s(p.f32), s(p.nd_f64), s(p.nd_f32)];
        for (i, x) in all.iter().flatten().enumerate() {
            out[i] = *x;
        }
        out[12..].copy_from_slice(&[
            p.separable[0],
            p.separable[1],
            p.stream_transform,
            p.stream_mac,
        ]);
        out
    }

    /// Loads the profile the environment names, once, before the first read.
    pub(super) fn load() -> Profile {
        LOAD.call_once(|| {
            let (profile, status) = from_environment();
            set(&profile, status);
        });
        let x: Vec<f64> = FACTORS
            .iter()
            .map(|a| f64::from_bits(a.load(Ordering::Relaxed)))
            .collect();
        let s = |i: usize| Scales {
            direct: x[i],
            transform: x[i + 1],
            product: x[i + 2],
        };
        let info = INFO.lock().unwrap_or_else(|e| e.into_inner());
        Profile {
            cpu: info.0.clone(),
            created: info.2,
            f64: s(0),
            f32: s(3),
            nd_f64: s(6),
            nd_f32: s(9),
            separable: [x[12], x[13]],
            stream_transform: x[14],
            stream_mac: x[15],
        }
    }

    pub(super) fn set(p: &Profile, status: String) {
        for (a, x) in FACTORS.iter().zip(pack(p)) {
            a.store(x.to_bits(), Ordering::Relaxed);
        }
        *INFO.lock().unwrap_or_else(|e| e.into_inner()) = (p.cpu.clone(), status, p.created);
        GENERATION.fetch_add(1, Ordering::Release);
    }

    pub(super) fn status() -> String {
        INFO.lock().unwrap_or_else(|e| e.into_inner()).1.clone()
    }

    /// One factor, loading the profile first if no decision has yet.
    pub(crate) fn factor(index: usize) -> f64 {
        LOAD.call_once(|| {
            let (profile, status) = from_environment();
            set(&profile, status);
        });
        f64::from_bits(FACTORS[index].load(Ordering::Relaxed))
    }

    pub(crate) fn generation() -> u32 {
        GENERATION.load(Ordering::Acquire)
    }

    /// The profile `CONVOLVE_PROFILE` or the cache directory names, and why it is the one
    /// (the crate's unit tests always take the shipped rates: they check choices made with
    /// them).
    fn from_environment() -> (Profile, String) {
        let shipped = |why: String| (Profile::shipped(), format!("shipped rates ({why})"));
        if cfg!(test) {
            return shipped("unit tests".into());
        }
        let path = match std::env::var_os("CONVOLVE_PROFILE") {
            Some(v) if v.is_empty() || v == "none" => {
                return shipped("CONVOLVE_PROFILE=none".into());
            }
            Some(v) => PathBuf::from(v),
            None => match Profile::default_path() {
                Some(p) if p.exists() => p,
                Some(p) => {
                    return shipped(format!(
                        "no profile at {}; `convolve tune` writes one",
                        p.display()
                    ));
                }
                None => return shipped("no cache directory".into()),
            },
        };
        match Profile::load(&path) {
            Ok(p) if p.cpu == cpu_name() => {
                let status = format!("profile {} (measured on this CPU)", path.display());
                (p, status)
            }
            Ok(p) => shipped(format!(
                "{} was measured on {:?}, not this CPU; run `convolve tune`",
                path.display(),
                p.cpu
            )),
            Err(e) => shipped(format!("ignored: {e}")),
        }
    }
}

pub(crate) use active::generation;

/// The active 1-D scales of `kind`.
pub(crate) fn one_d(kind: ElementKind) -> Scales {
    let base = match kind {
        ElementKind::F32 | ElementKind::ComplexF32 => 3,
        _ => 0,
    };
    scales_at(base)
}

/// The active N-D scales of `kind`.
#[cfg(feature = "ndarray")]
pub(crate) fn nd(kind: ElementKind) -> Scales {
    let base = match kind {
        ElementKind::F32 | ElementKind::ComplexF32 => 9,
        _ => 6,
    };
    scales_at(base)
}

/// The active separable column-pass scale of `kind`.
#[cfg(feature = "ndarray")]
pub(crate) fn separable(kind: ElementKind) -> f64 {
    match kind {
        ElementKind::F32 | ElementKind::ComplexF32 => active::factor(13),
        _ => active::factor(12),
    }
}

/// The active streaming layout's `(transform, mac)` scales.
pub(crate) fn stream() -> (f64, f64) {
    (active::factor(14), active::factor(15))
}

fn scales_at(i: usize) -> Scales {
    Scales {
        direct: active::factor(i),
        transform: active::factor(i + 1),
        product: active::factor(i + 2),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_round_trips_and_bad_files_say_why() {
        let mut p = Profile::shipped();
        p.f32.direct = 0.5;
        p.separable = [2.25, 3.5];
        p.created = 1_800_000_000;
        assert_eq!(Profile::parse(&p.to_string()).unwrap(), p);
        let text = p.to_string();
        let reason = |t: &str| match Profile::parse(t) {
            Err(ConvError::Profile { reason }) => reason,
            other => panic!("{other:?}"),
        };
        assert!(reason(&text.replace("version = 1", "version = 9")).contains("version 9"));
        assert!(
            reason(&text.replace("f64.direct = 1.1500", "f64.direct = -1")).contains("f64.direct")
        );
        assert!(reason(&text.replace("stream.mac = 1.5300", "")).contains("stream.mac"));
        assert!(reason("version = 1\nnonsense").contains("line 2"));
    }

    #[test]
    fn save_then_load() {
        let dir = std::env::temp_dir().join(format!("convolve-profile-{}", std::process::id()));
        let path = dir.join("sub").join("p.txt");
        let mut p = Profile::shipped();
        p.nd_f64.transform = 1.75;
        p.save(&path).unwrap();
        assert_eq!(Profile::load(&path).unwrap(), p);
        std::fs::remove_dir_all(&dir).unwrap();
        assert!(matches!(
            Profile::load(&path),
            Err(ConvError::Profile { .. })
        ));
    }
}
