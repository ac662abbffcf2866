//! Atomic output: a temporary file next to the destination, renamed over it when complete.

use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use tempfile::NamedTempFile;

use crate::formats::{Format, NpySink, RawSink, Sink, TextSink, WavSink};
use crate::sample::Real;

/// An output file being written: a temporary file in the destination's directory, renamed
/// over the destination by [`Output::commit`] and deleted if dropped before.
pub struct Output {
    temp: NamedTempFile,
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
        let temp = tempfile::Builder::new()
            .prefix(".convolve-partial-")
            .tempfile_in(dir)
            .with_context(|| format!("cannot write in `{}`", dir.display()))?;
        Ok(Output {
            temp,
            path: path.to_path_buf(),
            format,
        })
    }

    /// A sink writing this output's format.
    pub fn sink<T: Real + npyz::AutoSerialize>(
        &self,
        channels: usize,
        rate: u32,
    ) -> Result<Box<dyn Sink<T>>> {
        let file = self.temp.as_file().try_clone().context("temporary file")?;
        let w = BufWriter::with_capacity(1 << 16, file);
        Ok(match self.format {
            Format::Wav => Box::new(WavSink::new(w, channels, rate)?),
            Format::Npy => Box::new(NpySink::<T, _>::new(w, channels)?),
            Format::Text => Box::new(TextSink::new(w)),
            Format::RawF32 => Box::new(RawSink::new(w, 4)),
            Format::RawF64 => Box::new(RawSink::new(w, 8)),
        })
    }

    /// An unnamed scratch file in the output's directory (deleted when closed), for a pass
    /// whose result is as large as the output.
    pub fn scratch_file(&self) -> Result<File> {
        let dir = self.temp.path().parent().unwrap_or(Path::new("."));
        tempfile::tempfile_in(dir).with_context(|| format!("cannot write in `{}`", dir.display()))
    }

    /// A second handle on the temporary file, for writers that take a `File`.
    pub fn reopen(&self) -> Result<File> {
        self.temp.as_file().try_clone().context("temporary file")
    }

    /// The final path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Renames the complete file over the destination.
    pub fn commit(self) -> Result<()> {
        let path = self.path;
        // A temporary file is private (0600); the result should have a regular file's mode.
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let _ = self
                .temp
                .as_file()
                .set_permissions(std::fs::Permissions::from_mode(0o644));
        }
        self.temp
            .persist(&path)
            .map_err(|e| e.error)
            .with_context(|| format!("cannot write `{}`", path.display()))?;
        Ok(())
    }
}
