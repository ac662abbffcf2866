//! Atomic output: a temporary file next to the destination, renamed over it only when complete,
//! and removed on every error path and on SIGINT/SIGTERM, so a failed run leaves nothing behind.
//! Stdout (`-`) is written as the result is computed: what was sent before an error stays sent.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use anyhow::{Context, Result, bail};
use tempfile::NamedTempFile;

use crate::dtype::Dtype;
use crate::formats::{self, Format, Layout, NpySink, RawSink, Sink, TextSink, WavFormat, WavSink};
use crate::sample::Sample;

/// Temporary files being written, for the signal thread to delete.
static PENDING: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

/// On SIGINT or SIGTERM, deletes the partial outputs and exits with 128 + the signal, as a
/// shell reports a process killed by it. Unnamed scratch files vanish with the process.
#[cfg(unix)]
pub fn remove_partial_outputs_on_signals() -> Result<()> {
    use signal_hook::consts::{SIGINT, SIGTERM};
    let mut signals = signal_hook::iterator::Signals::new([SIGINT, SIGTERM])
        .context("cannot install the signal handlers")?;
    std::thread::spawn(move || {
        if let Some(signal) = signals.forever().next() {
            let pending = PENDING.lock().unwrap_or_else(|e| e.into_inner());
            for path in pending.iter() {
                let _ = std::fs::remove_file(path);
            }
            std::process::exit(128 + signal);
        }
    });
    Ok(())
}

/// Elsewhere the temporary file is removed on every error path, not on a console interrupt.
#[cfg(not(unix))]
pub fn remove_partial_outputs_on_signals() -> Result<()> {
    Ok(())
}

fn set_pending(path: &Path, pending: bool) {
    let mut list = PENDING.lock().unwrap_or_else(|e| e.into_inner());
    if pending {
        list.push(path.to_path_buf());
    } else {
        list.retain(|p| p != path);
    }
}

/// An io error's message without the temporary path some wrappers add to it.
fn os_message(e: &io::Error) -> String {
    match e.raw_os_error() {
        Some(code) => io::Error::from_raw_os_error(code).to_string(),
        None => e.kind().to_string(),
    }
}

/// Refuses an output that is one of the inputs, also through a symbolic or hard link: the
/// rename at the end would replace the input.
pub fn refuse_overwriting(output: &Path, inputs: &[&Path]) -> Result<()> {
    let Ok(out) = std::fs::metadata(output) else {
        return Ok(()); // a new file cannot be an input
    };
    for input in inputs {
        let Ok(inp) = std::fs::metadata(input) else {
            continue;
        };
        #[cfg(unix)]
        let same = {
            use std::os::unix::fs::MetadataExt;
            out.dev() == inp.dev() && out.ino() == inp.ino()
        };
        #[cfg(not(unix))]
        let same = out.len() == inp.len()
            && std::fs::canonicalize(output).ok() == std::fs::canonicalize(input).ok();
        if same {
            bail!(
                "the output `{}` is the input `{}`; writing it would destroy the input, choose another name",
                output.display(),
                input.display()
            );
        }
    }
    Ok(())
}

/// What an output file holds, for the sink that writes it.
#[derive(Clone, Copy, Debug)]
pub struct OutputShape {
    /// Channels.
    pub channels: usize,
    /// Frames, when known before the first is written (not for a streamed WAV on stdin).
    pub frames: Option<u64>,
    /// Sample rate of a WAV.
    pub rate: u32,
    /// dtype of a `.npy`.
    pub dtype: Dtype,
    /// Layout of a 2-D `.npy`; `None` writes mono as 1-D.
    pub layout: Option<Layout>,
    /// Sample encoding and dither of a WAV.
    pub wav: WavFormat,
}

/// An output file being written: a temporary file in the destination's directory, renamed
/// over the destination by [`Output::commit`] and deleted if dropped before; or stdout.
pub struct Output {
    /// `Some` until [`Output::commit`] takes it; `None` for stdout.
    temp: Option<NamedTempFile>,
    path: PathBuf,
    format: Format,
    /// Text written with tabs.
    tsv: bool,
}

/// The output's format: `--output-format` (an extension) if given, else the path's extension;
/// WAV for stdout. Returns the format and whether text is tab-separated.
pub fn output_format(path: &Path, forced: Option<&str>) -> Result<(Format, bool)> {
    let named = match forced {
        Some(ext) => PathBuf::from(format!("output.{ext}")),
        None if formats::is_stdio(path) => PathBuf::from("output.wav"),
        None => path.to_path_buf(),
    };
    let format = Format::of(&named).map_err(|e| match forced {
        Some(ext) => anyhow::anyhow!(
            "--output-format {ext:?}: not a format; use wav, npy, txt, csv, tsv, dat, f32, raw or f64"
        ),
        None => e.into(),
    })?;
    let tsv = named
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("tsv"));
    Ok((format, tsv))
}

impl Output {
    /// Checks the format and creates the temporary file (nothing, for stdout).
    pub fn create(path: &Path, forced: Option<&str>) -> Result<Output> {
        let (format, tsv) = output_format(path, forced)?;
        if formats::is_stdio(path) {
            return Ok(Output {
                temp: None,
                path: path.to_path_buf(),
                format,
                tsv,
            });
        }
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        if !dir.is_dir() {
            bail!(
                "cannot write `{}`: the directory `{}` does not exist",
                path.display(),
                dir.display()
            );
        }
        let temp = tempfile::Builder::new()
            .prefix(".convolve-partial-")
            .tempfile_in(dir)
            .map_err(|e| {
                anyhow::anyhow!("cannot write `{}`: {}", path.display(), os_message(&e))
            })?;
        set_pending(temp.path(), true);
        Ok(Output {
            temp: Some(temp),
            path: path.to_path_buf(),
            format,
            tsv,
        })
    }

    /// Whether this output is stdout.
    pub fn is_stdout(&self) -> bool {
        formats::is_stdio(&self.path)
    }

    fn temp(&self) -> &NamedTempFile {
        self.temp
            .as_ref()
            .expect("the temporary file lives until commit")
    }

    /// A sink writing this output's format.
    pub fn sink<T: Sample>(&self, shape: OutputShape) -> Result<Box<dyn Sink<T>>> {
        if self.is_stdout() {
            let w = BufWriter::with_capacity(1 << 16, io::stdout());
            // A pipe cannot seek back to fill in a WAV's sizes: they stay unset (0xFFFFFFFF),
            // as ffmpeg writes to a pipe.
            return match self.format {
                Format::Wav => WavSink::streamed(w, shape.channels, shape.rate, shape.wav)
                    .map(|s| Box::new(s) as Box<dyn Sink<T>>),
                _ => self.sink_on(w, shape),
            }
            .context("stdout");
        }
        let file = self.reopen()?;
        let w = BufWriter::with_capacity(1 << 16, file);
        match self.format {
            Format::Wav => WavSink::new(w, shape.channels, shape.rate, shape.wav)
                .map(|s| Box::new(s) as Box<dyn Sink<T>>),
            _ => self.sink_on(w, shape),
        }
        .with_context(|| format!("`{}`", self.path.display()))
    }

    /// A sink of any format but WAV on `w`.
    fn sink_on<T: Sample, W: Write + 'static>(
        &self,
        w: W,
        shape: OutputShape,
    ) -> Result<Box<dyn Sink<T>>> {
        Ok(match self.format {
            Format::Npy => {
                let Some(frames) = shape.frames else {
                    bail!(
                        "a .npy header holds the length, which a streamed WAV on stdin does not tell before it ends; write WAV, text or raw output, or save the signal to a file first"
                    );
                };
                Box::new(NpySink::new(
                    w,
                    shape.dtype,
                    frames,
                    shape.channels,
                    shape.layout,
                )?)
            }
            Format::Text => Box::new(TextSink::new(w, if self.tsv { b'\t' } else { b',' })),
            Format::RawF32 => Box::new(RawSink::new(w, 4)),
            Format::RawF64 => Box::new(RawSink::new(w, 8)),
            Format::Wav => unreachable!("WAV sinks are made by `sink`"),
        })
    }

    /// An unnamed scratch file in the output's directory (deleted when closed), for a pass
    /// whose result is as large as the output.
    pub fn scratch_file(&self) -> Result<File> {
        let temp_dir = std::env::temp_dir();
        let dir = match &self.temp {
            Some(t) => t.path().parent().unwrap_or(Path::new(".")),
            None => &temp_dir,
        };
        tempfile::tempfile_in(dir).map_err(|e| {
            anyhow::anyhow!(
                "cannot write a scratch file next to `{}`: {}",
                self.path.display(),
                os_message(&e)
            )
        })
    }

    /// A second handle on the temporary file, for writers that take a `File`.
    pub fn reopen(&self) -> Result<File> {
        self.temp().as_file().try_clone().map_err(|e| {
            anyhow::anyhow!("cannot write `{}`: {}", self.path.display(), os_message(&e))
        })
    }

    /// The final path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Renames the complete file over the destination (stdout: nothing to do).
    pub fn commit(mut self) -> Result<()> {
        let Some(temp) = self.temp.take() else {
            return Ok(());
        };
        let path = self.path.clone();
        let temp_path = temp.path().to_path_buf();
        // A temporary file is private (0600); the result should have a regular file's mode.
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let _ = temp
                .as_file()
                .set_permissions(std::fs::Permissions::from_mode(0o644));
        }
        let result = temp.persist(&path);
        set_pending(&temp_path, false);
        result.map_err(|e| {
            anyhow::anyhow!(
                "cannot write `{}`: {}",
                path.display(),
                os_message(&e.error)
            )
        })?;
        Ok(())
    }
}

impl Drop for Output {
    fn drop(&mut self) {
        if let Some(temp) = &self.temp {
            set_pending(temp.path(), false);
        }
    }
}
