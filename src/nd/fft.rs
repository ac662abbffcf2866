//! The N-D transform methods: one zero-padded transform of each input, and overlap-add over
//! tiles of the larger input.
//!
//! A transform of shape `L` runs the 1-D transform of the element's domain along the last axis
//! (the real transform of `fft/real.rs` for real types, `L/2 + 1` bins; `rustfft` for complex
//! ones), then complex `rustfft` transforms along each other axis. In 2-D the spectrum is
//! stored transposed (bin-major), so that the first axis's lines are contiguous and transformed
//! in one batched call; in more dimensions, lines along a leading axis are strided, so they are
//! gathered 16 at a time into a contiguous buffer and transformed in one batched call.
//! Work on lines that are known to be zero (forward: beyond the input's extent on an axis not
//! yet transformed) or not needed (inverse: outside the kept box on an axis already
//! transformed back) is skipped, which saves most of the cost when the kernel is small.

use num_complex::Complex;
use num_traits::{FromPrimitive, Zero};

use crate::alloc::try_zeroed;
use crate::element::private::Scalar;
use crate::error::ConvError;
use crate::fft::{
    ComplexPlans, FftFloat, TransformKind, Transformable, cyclic_len, fast_len, give, multiply,
    multiply_scaled, take,
};

use super::index::{Odometer, strides};
use super::parallel;

type Freq<T> = <<T as Transformable>::Transform as TransformKind>::F;
type Sample<T> = <<T as Transformable>::Transform as TransformKind>::Sample;

/// Lines gathered per batched transform along a leading axis: 16 complex values of each row
/// make a 256-byte (f64) contiguous read.
const LINES: usize = 16;

/// A forward and inverse N-D transform of one shape, with its working buffers (from the 1-D
/// transforms' per-thread pool, and returned to it on drop, so that fresh buffers are not
/// page-faulted in on every call: docs/PERFORMANCE.md, "Why transform buffers are pooled").
pub(crate) struct Transform<T: Scalar> {
    lens: Vec<usize>,
    spec_shape: Vec<usize>,
    last: <T::Transform as TransformKind>::Plans,
    lead: Vec<ComplexPlans<Freq<T>>>,
    scratch: Vec<Complex<Freq<T>>>,
    row: Vec<Sample<T>>,
    lines: Vec<Complex<Freq<T>>>,
}

impl<T: Scalar> Transform<T> {
    pub(crate) fn new(lens: &[usize]) -> Result<Self, ConvError> {
        let d = lens.len();
        let last_len = lens[d - 1];
        let last = T::Transform::plans(last_len);
        let lead: Vec<_> = lens[..d - 1]
            .iter()
            .map(|&l| Freq::<T>::complex_plans(l))
            .collect();
        let mut scratch_len = T::Transform::scratch_len(&last);
        for p in &lead {
            scratch_len = scratch_len
                .max(p.forward_fft().get_inplace_scratch_len())
                .max(p.inverse_fft().get_inplace_scratch_len());
        }
        let mut spec_shape = lens.to_vec();
        spec_shape[d - 1] = T::Transform::spec_len(last_len);
        // Leading-axis lines (N-D) or rows of bins (2-D) gathered at a time.
        let longest_lead = lens[..d - 1].iter().copied().max().unwrap_or(0);
        let longest_line = if d == 2 { spec_shape[1] } else { longest_lead };
        Ok(Transform {
            lens: lens.to_vec(),
            spec_shape,
            last,
            lead,
            scratch: take(scratch_len)?,
            row: take(last_len)?,
            lines: take(LINES * longest_line)?,
        })
    }

    /// A buffer for a spectrum of this shape, from the thread's pool when it has one (its
    /// contents unspecified: [`TransformKind::forward`] overwrites them). Hand it back with
    /// [`give`].
    pub(crate) fn spectrum(&self) -> Result<Vec<Complex<Freq<T>>>, ConvError> {
        take(self.spec_size())
    }

    /// Bins of the spectrum.
    pub(crate) fn spec_size(&self) -> usize {
        self.spec_shape.iter().product()
    }

    /// `1 / (number of points)`: the normalization of the inverse.
    fn scale(&self) -> Freq<T> {
        let points = self.lens.iter().map(|&l| l as f64).product::<f64>();
        Freq::<T>::from_f64(points.recip()).expect("a float")
    }

    /// The spectrum of the box `start .. start + extent` of `src` (shape `src_shape`),
    /// zero-padded to the transform's shape.
    pub(crate) fn forward(
        &mut self,
        src: &[T],
        src_shape: &[usize],
        start: &[usize],
        extent: &[usize],
        spec: &mut [Complex<Freq<T>>],
    ) {
        if self.lens.len() == 2 {
            self.forward_2d(src, src_shape[1], start, extent, spec);
            return;
        }
        let d = self.lens.len();
        let last = d - 1;
        let s = self.spec_shape[last];
        let src_strides = strides(src_shape);
        let spec_strides = strides(&self.spec_shape);
        spec.fill(Complex::zero());
        let mut r = Odometer::new(&vec![0; last], &extent[..last]);
        while let Some(idx) = r.current() {
            let mut off = start[last];
            let mut at = 0;
            for a in 0..last {
                off += (start[a] + idx[a]) * src_strides[a];
                at += idx[a] * spec_strides[a];
            }
            crate::fft::load(
                &src[off..off + extent[last]],
                &mut self.row,
                num_traits::One::one(),
            );
            T::Transform::forward(
                &self.last,
                &mut self.row,
                &mut spec[at..at + s],
                &mut self.scratch,
            );
            r.advance();
        }
        for a in (0..last).rev() {
            let fft = self.lead[a].forward_fft();
            along_axis(
                fft,
                &self.spec_shape,
                a,
                &vec![0; a],
                &extent[..a],
                spec,
                &mut self.lines,
                &mut self.scratch,
            );
        }
    }

    /// Transforms `spec` back (destroying it) and hands each row of the kept box
    /// `keep_lo .. keep_lo + keep_len` to `sink` with its leading index.
    pub(crate) fn inverse(
        &mut self,
        spec: &mut [Complex<Freq<T>>],
        keep_lo: &[usize],
        keep_len: &[usize],
        mut sink: impl FnMut(&[usize], &[Sample<T>]),
    ) {
        if self.lens.len() == 2 {
            self.inverse_2d(spec, keep_lo, keep_len, sink);
            return;
        }
        let d = self.lens.len();
        let last = d - 1;
        let s = self.spec_shape[last];
        for a in 0..last {
            let fft = self.lead[a].inverse_fft();
            along_axis(
                fft,
                &self.spec_shape,
                a,
                &keep_lo[..a],
                &keep_len[..a],
                spec,
                &mut self.lines,
                &mut self.scratch,
            );
        }
        let spec_strides = strides(&self.spec_shape);
        let mut r = Odometer::new(&keep_lo[..last], &keep_len[..last]);
        while let Some(idx) = r.current() {
            let at: usize = (0..last).map(|a| idx[a] * spec_strides[a]).sum();
            T::Transform::inverse(
                &self.last,
                &mut spec[at..at + s],
                &mut self.row,
                &mut self.scratch,
            );
            sink(
                idx,
                &self.row[keep_lo[last]..keep_lo[last] + keep_len[last]],
            );
            r.advance();
        }
    }
}

impl<T: Scalar> Transform<T> {
    /// [`TransformKind::forward`] in 2-D, where the spectrum is stored transposed (bin-major, `s`
    /// lines of `lens[0]` values), so that the transforms along the first axis run on
    /// contiguous lines in one batched call. Rows are transformed `LINES` at a time and
    /// written into the spectrum 16 values at a time; rows beyond the extent are zero.
    /// The strided gathers and scatters this layout avoids were a large share of a 2-D call
    /// (docs/PERFORMANCE.md, "Why the 2-D spectrum is stored transposed").
    fn forward_2d(
        &mut self,
        src: &[T],
        width: usize,
        start: &[usize],
        extent: &[usize],
        spec: &mut [Complex<Freq<T>>],
    ) {
        let (l0, s) = (self.lens[0], self.spec_shape[1]);
        let mut r0 = 0;
        while r0 < extent[0] {
            let rows = LINES.min(extent[0] - r0);
            for (c, bins) in self.lines.chunks_exact_mut(s).take(rows).enumerate() {
                let off = (start[0] + r0 + c) * width + start[1];
                crate::fft::load(
                    &src[off..off + extent[1]],
                    &mut self.row,
                    num_traits::One::one(),
                );
                T::Transform::forward(&self.last, &mut self.row, bins, &mut self.scratch);
            }
            for (b, line) in spec.chunks_exact_mut(l0).enumerate() {
                for (c, v) in line[r0..r0 + rows].iter_mut().enumerate() {
                    *v = self.lines[c * s + b];
                }
            }
            r0 += rows;
        }
        for line in spec.chunks_exact_mut(l0) {
            line[extent[0]..].fill(Complex::zero());
        }
        self.lead[0]
            .forward_fft()
            .process_with_scratch(spec, &mut self.scratch);
    }

    /// [`TransformKind::inverse`] of a spectrum laid out by [`Self::forward_2d`].
    fn inverse_2d(
        &mut self,
        spec: &mut [Complex<Freq<T>>],
        keep_lo: &[usize],
        keep_len: &[usize],
        mut sink: impl FnMut(&[usize], &[Sample<T>]),
    ) {
        let (l0, s) = (self.lens[0], self.spec_shape[1]);
        self.lead[0]
            .inverse_fft()
            .process_with_scratch(spec, &mut self.scratch);
        let (end, cols) = (
            keep_lo[0] + keep_len[0],
            keep_lo[1]..keep_lo[1] + keep_len[1],
        );
        let mut r0 = keep_lo[0];
        while r0 < end {
            let rows = LINES.min(end - r0);
            for (b, line) in spec.chunks_exact(l0).enumerate() {
                for (c, &v) in line[r0..r0 + rows].iter().enumerate() {
                    self.lines[c * s + b] = v;
                }
            }
            for (c, bins) in self.lines.chunks_exact_mut(s).take(rows).enumerate() {
                T::Transform::inverse(&self.last, bins, &mut self.row, &mut self.scratch);
                sink(&[r0 + c], &self.row[cols.clone()]);
            }
            r0 += rows;
        }
    }
}

impl<T: Scalar> Drop for Transform<T> {
    fn drop(&mut self) {
        give(std::mem::take(&mut self.scratch));
        give(std::mem::take(&mut self.row));
        give(std::mem::take(&mut self.lines));
    }
}

/// Transforms every line along `axis` whose indices on the axes before it lie in the box
/// `outer_lo .. outer_lo + outer_len`.
#[allow(clippy::too_many_arguments)]
fn along_axis<F: FftFloat>(
    fft: &dyn rustfft::Fft<F>,
    shape: &[usize],
    axis: usize,
    outer_lo: &[usize],
    outer_len: &[usize],
    data: &mut [Complex<F>],
    lines: &mut [Complex<F>],
    scratch: &mut [Complex<F>],
) {
    let len = shape[axis];
    let inner: usize = shape[axis + 1..].iter().product();
    let outer_strides = strides(&shape[..axis]);
    let mut o = Odometer::new(outer_lo, outer_len);
    while let Some(idx) = o.current() {
        let block: usize = idx.iter().zip(&outer_strides).map(|(i, s)| i * s).sum();
        let base = block * len * inner;
        let mut col0 = 0;
        while col0 < inner {
            let cc = LINES.min(inner - col0);
            for i in 0..len {
                let src = &data[base + i * inner + col0..][..cc];
                for (c, &v) in src.iter().enumerate() {
                    lines[c * len + i] = v;
                }
            }
            fft.process_with_scratch(&mut lines[..cc * len], scratch);
            for i in 0..len {
                let dst = &mut data[base + i * inner + col0..][..cc];
                for (c, v) in dst.iter_mut().enumerate() {
                    *v = lines[c * len + i];
                }
            }
            col0 += cc;
        }
        o.advance();
    }
}

/// The transform shape for keeping the box `lo .. lo + len` of `x * y` free of wrap-around.
pub(crate) fn lens(
    x_shape: &[usize],
    y_shape: &[usize],
    lo: &[usize],
    len: &[usize],
) -> Result<Vec<usize>, ConvError> {
    (0..x_shape.len())
        .map(|a| {
            let (n, m) = (x_shape[a], y_shape[a]);
            // scipy's `same` can keep a window narrower than the longer input, but both
            // inputs must still fit in the transform.
            let hi = (lo[a] + len[a]).max(n).max(m);
            cyclic_len(n, m, lo[a], hi)
        })
        .collect()
}

/// The 1-D length whose error bound in [`crate::exact`] covers an N-D transform of these
/// lengths: the bound counts one level per factor of two, and a row-column transform has
/// the levels of all its axes (its `‖X‖₂ = √L‖x‖₂` holds with `L` the total point count).
pub(crate) fn equivalent_len(lens: &[usize]) -> usize {
    let levels: u32 = lens
        .iter()
        .map(|&l| usize::BITS - (l.max(2) - 1).leading_zeros())
        .sum();
    1usize.checked_shl(levels).unwrap_or(usize::MAX)
}

/// `out = (x * y)[lo .. lo + len]` per axis by one transform of each input.
pub(crate) fn window<T: Scalar>(
    x: &[T],
    x_shape: &[usize],
    y: &[T],
    y_shape: &[usize],
    lo: &[usize],
    len: &[usize],
    out: &mut [T],
) -> Result<(), ConvError> {
    let lens = lens(x_shape, y_shape, lo, len)?;
    let mut tr = Transform::<T>::new(&lens)?;
    let mut xs = tr.spectrum()?;
    let mut ys = tr.spectrum()?;
    let zero = vec![0; lens.len()];
    tr.forward(x, x_shape, &zero, x_shape, &mut xs);
    tr.forward(y, y_shape, &zero, y_shape, &mut ys);
    let scale = tr.scale();
    multiply_scaled(&mut xs, &ys, scale);
    let out_strides = strides(len);
    let last = lens.len() - 1;
    tr.inverse(&mut xs, lo, len, |idx, row| {
        let off: usize = (0..last).map(|a| (idx[a] - lo[a]) * out_strides[a]).sum();
        for (o, &t) in out[off..off + len[last]].iter_mut().zip(row) {
            *o = T::from_sample(t);
        }
    });
    give(xs);
    give(ys);
    Ok(())
}

/// Tile shape and transform shape of overlap-add with transforms of about `factor · m` points
/// per axis, or one transform over an axis where that is no shorter.
pub(crate) fn tiles(
    x_shape: &[usize],
    y_shape: &[usize],
    factor: usize,
) -> Result<(Vec<usize>, Vec<usize>), ConvError> {
    let mut block = Vec::with_capacity(x_shape.len());
    let mut lens = Vec::with_capacity(x_shape.len());
    for (&n, &m) in x_shape.iter().zip(y_shape) {
        let overflow = ConvError::LengthOverflow { a_len: n, v_len: m };
        let whole = fast_len(n.max(m) + m.min(n) - 1).ok_or(overflow.clone())?;
        let tile = fast_len(m.saturating_mul(factor).max(16)).ok_or(overflow)?;
        if tile >= whole || m > n {
            block.push(n);
            lens.push(whole);
        } else {
            block.push(tile - m + 1);
            lens.push(tile);
        }
    }
    Ok((block, lens))
}

/// `out = (x * y)[lo .. lo + len]` by overlap-add over tiles of `x`, with the output cut
/// along its first axis into up to `bands` bands computed in parallel (see
/// [`super::parallel`]).
#[allow(clippy::too_many_arguments)]
pub(crate) fn overlap_add<T: Scalar>(
    x: &[T],
    x_shape: &[usize],
    y: &[T],
    y_shape: &[usize],
    lo: &[usize],
    len: &[usize],
    tiling: &(Vec<usize>, Vec<usize>),
    out: &mut [T],
    bands: usize,
) -> Result<(), ConvError> {
    let d = x_shape.len();
    let (block, lens) = tiling;
    let mut tr = Transform::<T>::new(lens)?;
    let mut ys = tr.spectrum()?;
    let zero = vec![0; d];
    tr.forward(y, y_shape, &zero, y_shape, &mut ys);
    let scale = tr.scale();
    for b in ys.iter_mut() {
        *b = *b * scale;
    }
    let row_len: usize = len[1..].iter().product();
    // Tile rows (tiles of one first-axis index) that reach the kept box, shared out evenly;
    // each cut falls where a tile row starts. A tile row reaches only the first `m0 - 1` rows
    // of the next one when blocks are at least that long (always, by `tiles`).
    let (b0, m0) = (block[0], y_shape[0]);
    let first_tile = lo[0].saturating_sub(m0 - 1) / b0;
    let end_tile = (lo[0] + len[0]).min(x_shape[0]).div_ceil(b0);
    let tile_rows = end_tile.saturating_sub(first_tile);
    let mut cuts: Vec<usize> = parallel::even_cuts(tile_rows, bands)
        .into_iter()
        .map(|c| (first_tile + c) * b0)
        .filter(|&full| full > lo[0] && full < lo[0] + len[0])
        .map(|full| full - lo[0])
        .collect();
    cuts.dedup();
    if cuts.is_empty() || b0 + 1 < m0 || d == 1 {
        let plain = Handover {
            defer_rows: 0,
            spill_rows: 0,
        };
        band(x, x_shape, y_shape, lo, len, tiling, &ys, tr, 0, out, plain)?;
        give(ys);
        return Ok(());
    }
    drop(tr);
    let ends: Vec<usize> = cuts.iter().copied().chain([len[0]]).collect();
    let firsts: Vec<usize> = [0].into_iter().chain(cuts.iter().copied()).collect();
    let parts = parallel::map_bands(out, row_len, &cuts, |first, part| {
        let b = firsts
            .iter()
            .position(|&f| f == first)
            .expect("a band start");
        let rows = ends[b] - first;
        let handover = Handover {
            defer_rows: if b == 0 { 0 } else { rows.min(m0 - 1) },
            spill_rows: (len[0] - ends[b]).min(m0 - 1),
        };
        let tr = Transform::<T>::new(lens)?;
        band(
            x, x_shape, y_shape, lo, len, tiling, &ys, tr, first, part, handover,
        )
    })?;
    // Each band's first rows: the previous band's spill (the sum, in tile order, of the tile
    // row before the cut), then this band's deferred contributions in the order they came:
    // exactly the additions one thread makes, in its order.
    for (b, &cut) in cuts.iter().enumerate() {
        let (spill, _) = &parts[b];
        let (_, deferred) = &parts[b + 1];
        let base = cut * row_len;
        let rows = &mut out[base..base + spill.len()];
        rows.copy_from_slice(spill);
        for (off, values) in deferred {
            for (o, &v) in rows[*off..*off + values.len()].iter_mut().zip(values) {
                *o = T::add(*o, v);
            }
        }
    }
    give(ys);
    Ok(())
}

/// How a band of [`overlap_add`] hands rows over to its neighbours, so that no tile is
/// transformed twice: the tile row before a cut is computed by the band above it, which sums
/// its contributions below the cut (`spill_rows` rows) into a spill buffer; the band below
/// defers its own contributions to its first `defer_rows` rows, to be added after the spill.
#[derive(Clone, Copy)]
struct Handover {
    defer_rows: usize,
    spill_rows: usize,
}

/// What a band hands over: its spill rows (summed) and its deferred contributions (offset in
/// the band's output and values, in the order one thread would add them).
type Handed<T> = (Vec<T>, Vec<(usize, Vec<T>)>);

/// Output rows `first .. first + out.len() / row_len` (along the first axis of the kept box)
/// of [`overlap_add`], `ys` the kernel's scaled spectrum: every tile that reaches them, in
/// the order one thread visits all tiles, each adding its rows in the band; with a
/// [`Handover`], tiles starting above the band are left to the band above, and the rows it
/// names are handed over instead of added.
#[allow(clippy::too_many_arguments)]
fn band<T: Scalar>(
    x: &[T],
    x_shape: &[usize],
    y_shape: &[usize],
    lo: &[usize],
    len: &[usize],
    (block, _): &(Vec<usize>, Vec<usize>),
    ys: &[Complex<Freq<T>>],
    mut tr: Transform<T>,
    first: usize,
    out: &mut [T],
    handover: Handover,
) -> Result<Handed<T>, ConvError> {
    let d = x_shape.len();
    let last = d - 1;
    let out_strides = strides(len);
    let rows = out.len() / out_strides[0];
    // This band as a box of the full convolution, with the spill rows below it.
    let mut band_lo = lo.to_vec();
    let mut band_len = len.to_vec();
    band_lo[0] += first;
    band_len[0] = rows + handover.spill_rows;
    let mut spill = try_zeroed(handover.spill_rows * out_strides[0])?;
    let mut deferred = Vec::new();
    let mut spec = tr.spectrum()?;
    let zero = vec![0; d];
    let counts: Vec<usize> = (0..d).map(|a| x_shape[a].div_ceil(block[a])).collect();
    let mut tile = Odometer::new(&zero, &counts);
    while let Some(t) = tile.current() {
        let start: Vec<usize> = (0..d).map(|a| t[a] * block[a]).collect();
        let above = handover.defer_rows > 0 && start[0] < band_lo[0];
        let below = handover.spill_rows > 0 && start[0] >= band_lo[0] + rows;
        if above || below {
            // The band above (this band starts where a tile row starts) or the band below
            // computes it; the spill holds only the tile row before the cut.
            tile.advance();
            continue;
        }
        let extent: Vec<usize> = (0..d)
            .map(|a| block[a].min(x_shape[a] - start[a]))
            .collect();
        // This tile's linear result covers full indices start .. start + extent + m - 1.
        let mut keep_lo = Vec::with_capacity(d);
        let mut keep_len = Vec::with_capacity(d);
        for a in 0..d {
            let from = band_lo[a].max(start[a]);
            let to = (band_lo[a] + band_len[a]).min(start[a] + extent[a] + y_shape[a] - 1);
            keep_lo.push(from.saturating_sub(start[a]));
            keep_len.push(to.saturating_sub(from));
        }
        if keep_len.iter().all(|&l| l > 0) {
            tr.forward(x, x_shape, &start, &extent, &mut spec);
            multiply(&mut spec, ys);
            let first_col = start[last] + keep_lo[last] - band_lo[last];
            tr.inverse(&mut spec, &keep_lo, &keep_len, |idx, row| {
                // Row along the first axis (0 in 1-D, where the row is the whole box) and
                // offset within it.
                let r0 = if last == 0 {
                    0
                } else {
                    start[0] + idx[0] - band_lo[0]
                };
                let rest: usize = (1..last)
                    .map(|a| (start[a] + idx[a] - band_lo[a]) * out_strides[a])
                    .sum::<usize>()
                    + first_col;
                let values = row.iter().map(|&v| T::from_sample(v));
                let (target, off) = if r0 >= rows {
                    (&mut spill[..], (r0 - rows) * out_strides[0] + rest)
                } else if r0 < handover.defer_rows {
                    let off = r0 * out_strides[0] + rest;
                    deferred.push((off, values.collect()));
                    return;
                } else {
                    (&mut out[..], r0 * out_strides[0] + rest)
                };
                for (o, v) in target[off..off + row.len()].iter_mut().zip(values) {
                    *o = T::add(*o, v);
                }
            });
        }
        tile.advance();
    }
    give(spec);
    Ok((spill, deferred))
}
