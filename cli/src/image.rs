//! `apply --image`: two 2-D `.npy` arrays through the library's N-D engine
//! (`convolve::nd`, scipy.signal.convolve / correlate semantics), written as a 2-D `.npy`.
//!
//! Images are held in memory (the N-D transforms need whole arrays); the 1-D streaming path
//! reads a 2-D `.npy` as `(frames, channels)` instead.

use std::fs::File;
use std::io::BufWriter;
use std::path::Path;
use std::time::Instant;

use anyhow::{Context, Result, bail, ensure};
use convolve::nd;
use ndarray::Array2;

use crate::apply::{Files, Job, Report};
use crate::dtype::Dtype;
use crate::formats::{Format, Layout, NpyArray, NpySink};
use crate::output::{Output, refuse_overwriting};
use crate::sample::Sample;

/// Reads both images, convolves (or correlates) them, writes the result.
pub fn apply_images<T: Sample>(files: &Files<'_>, job: &Job, out_dtype: Dtype) -> Result<Report> {
    ensure!(
        Format::of(files.output)? == Format::Npy,
        "`{}`: --image writes a 2-D array, so the output must be a .npy file",
        files.output.display()
    );
    refuse_overwriting(files.output, &[files.signal, files.kernel])?;
    let start = Instant::now();
    let a: Array2<T> = read_2d(files.signal)?;
    let v: Array2<T> = read_2d(files.kernel)?;
    let out = if job.correlate {
        nd::correlate_with(a.view(), v.view(), job.mode, job.method)
    } else {
        nd::convolve_with(a.view(), v.view(), job.mode, job.method)
    }
    .with_context(|| {
        format!(
            "`{}` {:?} with `{}` {:?}",
            files.signal.display(),
            a.dim(),
            files.kernel.display(),
            v.dim()
        )
    })?;
    let mut peak = 0.0f64;
    let mut non_finite = 0;
    for x in out.iter() {
        let a = x.magnitude();
        if a.is_finite() {
            peak = peak.max(a);
        } else {
            non_finite += 1;
        }
    }
    let scale = match job.normalize {
        Some(target) if peak > 0.0 => target / peak,
        _ => 1.0,
    };

    let output = Output::create(files.output, files.output_format)?;
    let (rows, cols) = out.dim();
    let sink = NpySink::new(
        BufWriter::new(output.reopen()?),
        out_dtype,
        rows as u64,
        cols,
        Some(Layout::FramesFirst),
    )?;
    sink.write_all_values(out.iter().map(|&x| x.scaled(scale)))?;
    output.commit()?;
    Ok(Report {
        channels: 1,
        signal_channels: 1,
        signal_frames: a.len() as u64,
        kernel_frames: v.len(),
        kernel_channels: 1,
        out_frames: out.len() as u64,
        method: job.method,
        block_len: None,
        peak,
        non_finite,
        seconds: start.elapsed().as_secs_f64(),
        clipping: None,
    })
}

/// A 2-D `.npy` of any real dtype (C or Fortran order) as an array of `T`.
fn read_2d<T: Sample>(path: &Path) -> Result<Array2<T>> {
    let mut file = File::open(path).with_context(|| format!("cannot open `{}`", path.display()))?;
    let npy = NpyArray::parse(path, &file)?;
    let (rows, cols) = match npy.shape.as_slice() {
        [r, c] => (*r as usize, *c as usize),
        _ => bail!(
            "`{}`: --image needs 2-D arrays, this one has shape {}",
            path.display(),
            npy.shape_text()
        ),
    };
    if rows == 0 || cols == 0 {
        bail!("`{}` is empty: shape {}", path.display(), npy.shape_text());
    }
    let values: Vec<T> = npy.read_values(path, &mut file)?;
    let array = if npy.fortran {
        Array2::from_shape_vec((cols, rows), values)
            .map(|a| a.reversed_axes().as_standard_layout().into_owned())
    } else {
        Array2::from_shape_vec((rows, cols), values)
    };
    array.with_context(|| {
        format!(
            "`{}`: shape {} does not match its data",
            path.display(),
            npy.shape_text()
        )
    })
}
