//! Atomic output: a temporary file next to the destination, renamed over it only when complete,
//! and removed on every error path and on SIGINT/SIGTERM, so a failed run leaves nothing behind.

use std::fs::File;
use std::io::{self, BufWriter};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use anyhow::{Context, Result, bail};
use tempfile::NamedTempFile;

use crate::dtype::Dtype;
use crate::formats::{Format, Layout, NpySink, RawSink, Sink, TextSink, WavSink};
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
    /// Frames (known before the first is written).
    pub frames: u64,
    /// Sample rate of a WAV.
    pub rate: u32,
    /// dtype of a `.npy`.
    pub dtype: Dtype,
    /// Layout of a 2-D `.npy`; `None` writes mono as 1-D.
    pub layout: Option<Layout>,
}

/// An output file being written: a temporary file in the destination's directory, renamed
/// over the destination by [`Output::commit`] and deleted if dropped before.
pub struct Output {
    /// `Some` until [`Output::commit`] takes it.
    temp: Option<NamedTempFile>,
    path: PathBuf,
    format: Format,
}

impl Output {
    /// Checks the format and creates the temporary file.
    pub fn create(path: &Path) -> Result<Output> {
        let format = Format::of(path)?;
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
        })
    }

    fn temp(&self) -> &NamedTempFile {
        self.temp
            .as_ref()
            .expect("the temporary file lives until commit")
    }

    /// A sink writing this output's format.
    pub fn sink<T: Sample>(&self, shape: OutputShape) -> Result<Box<dyn Sink<T>>> {
        let file = self.reopen()?;
        let w = BufWriter::with_capacity(1 << 16, file);
        let tsv = self
            .path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("tsv"));
        let sink: Result<Box<dyn Sink<T>>> = match self.format {
            Format::Wav => {
                WavSink::new(w, shape.channels, shape.rate).map(|s| Box::new(s) as Box<dyn Sink<T>>)
            }
            Format::Npy => NpySink::new(w, shape.dtype, shape.frames, shape.channels, shape.layout)
                .map(|s| Box::new(s) as Box<dyn Sink<T>>),
            Format::Text => Ok(Box::new(TextSink::new(w, if tsv { b'\t' } else { b',' }))),
            Format::RawF32 => Ok(Box::new(RawSink::new(w, 4))),
            Format::RawF64 => Ok(Box::new(RawSink::new(w, 8))),
        };
        sink.with_context(|| format!("`{}`", self.path.display()))
    }

    /// An unnamed scratch file in the output's directory (deleted when closed), for a pass
    /// whose result is as large as the output.
    pub fn scratch_file(&self) -> Result<File> {
        let dir = self.temp().path().parent().unwrap_or(Path::new("."));
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

    /// Renames the complete file over the destination.
    pub fn commit(mut self) -> Result<()> {
        let temp = self
            .temp
            .take()
            .expect("the temporary file lives until commit");
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
