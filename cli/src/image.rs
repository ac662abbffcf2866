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
use crate::formats::{self, Format};
use crate::output::Output;
use crate::sample::Real;

/// Reads both images, convolves (or correlates) them, writes the result.
pub fn apply_images<T: Real + npyz::AutoSerialize>(files: &Files<'_>, job: &Job) -> Result<Report> {
    ensure!(
        Format::of(files.output)? == Format::Npy,
        "`{}`: --image writes a 2-D array, so the output must be a .npy file",
        files.output.display()
    );
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
    let peak = out.iter().fold(0.0f64, |p, x| p.max(x.to_f64().abs()));
    let scale = if job.normalize && peak > 0.0 {
        T::from_f64(1.0 / peak)
    } else {
        T::from_f64(1.0)
    };

    let output = Output::create(files.output)?;
    {
        use npyz::WriterBuilder;
        let file = output.reopen()?;
        let (rows, cols) = out.dim();
        let mut writer = npyz::WriteOptions::new()
            .default_dtype()
            .shape(&[rows as u64, cols as u64])
            .writer(BufWriter::new(file))
            .begin_nd()
            .context("writing .npy header")?;
        for &x in out.iter() {
            writer.push(&(x * scale)).context("writing .npy data")?;
        }
        writer.finish().context("finishing .npy")?;
    }
    output.commit()?;
    Ok(Report {
        channels: 1,
        signal_frames: a.len() as u64,
        kernel_frames: v.len(),
        kernel_channels: 1,
        out_frames: out.len() as u64,
        method: job.method,
        block_len: None,
        peak,
        seconds: start.elapsed().as_secs_f64(),
    })
}

/// A 2-D float32/float64 `.npy` (C or Fortran order) as an array of `T`.
fn read_2d<T: Real>(path: &Path) -> Result<Array2<T>> {
    let file = File::open(path).with_context(|| format!("cannot open `{}`", path.display()))?;
    let npy = formats::npy_header(path, file)?;
    let shape = npy.shape().to_vec();
    let (rows, cols) = match shape.as_slice() {
        [r, c] => (*r as usize, *c as usize),
        _ => bail!(
            "`{}`: --image needs 2-D arrays, this one has shape {shape:?}",
            path.display()
        ),
    };
    let order = npy.order();
    let values: Vec<T> = match formats::npy_float_bytes(path, &npy)? {
        4 => npy
            .into_vec::<f32>()
            .context("reading .npy data")?
            .into_iter()
            .map(T::from_f32)
            .collect(),
        _ => npy
            .into_vec::<f64>()
            .context("reading .npy data")?
            .into_iter()
            .map(T::from_f64)
            .collect(),
    };
    let array = match order {
        npyz::Order::C => Array2::from_shape_vec((rows, cols), values),
        npyz::Order::Fortran => Array2::from_shape_vec((cols, rows), values)
            .map(|a| a.reversed_axes().as_standard_layout().into_owned()),
    };
    array.with_context(|| {
        format!(
            "`{}`: shape {shape:?} does not match its data",
            path.display()
        )
    })
}
