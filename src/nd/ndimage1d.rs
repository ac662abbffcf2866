//! `scipy.ndimage.correlate1d` / `convolve1d` along one axis, the passes of its separable
//! filters (`gaussian_filter`, `uniform_filter`), without extending the whole array.
//!
//! [`super::correlate_ndimage`] with a kernel shaped along one axis would extend the input on
//! every axis first and then convolve the copy. Here each output line is computed from its
//! own input line, extended by the [`Border`] into a scratch buffer:
//!
//! * along the last (contiguous) axis, each line is extended into one scratch line and
//!   convolved with the crate's vectorized direct kernel;
//! * along any other axis, the output rows (lines along the last axis) are computed in column
//!   blocks: a ring of the `m` extended input rows an output row needs (each input row copied
//!   in once per block, by the border rule), summed by the same kernel across the contiguous
//!   axis, so the vector lanes run along memory.
//!
//! Both sum the `m` products of each output in the order [`super::correlate_ndimage`]'s
//! direct method sums them. For kernels longer than 128 taps where the cost model predicts a
//! transform to be cheaper, the call goes through [`super::correlate_ndimage_with`] instead.
//!
//! The input may be stored in a narrower type than the sums run in ([`Widen`]):
//! `f32` data filtered with `f64` weights is summed in `f64` and rounded once per output,
//! which is what scipy.ndimage does for `float32` arrays.
//!
//! Threads: output lines (or rows) are cut into bands over rayon's pool; the column blocks do
//! not depend on the bands, so every output is the same sum at any thread count.

use ndarray::{Array, ArrayView, Dimension};

use crate::alloc::{try_zeroed, try_zeroed_output};
use crate::element::Element;
use crate::engine::reversed_conj;
use crate::error::ConvError;
use crate::method::Method;

use super::boundary::{Border, border_source};
use super::contiguous::{shaped, slice, standard};
use super::ndimage::{centres, ndimage};
use super::{parallel, strategy};

pub use super::widen::Widen;

/// `scipy.ndimage.correlate1d(input, weights, axis, mode, cval, origin)`: the correlation of
/// every line of `input` along `axis` with `weights`, shaped like `input`, the lines extended
/// beyond their ends by `border`, the kernel's centre at `weights.len() / 2 + origin`.
///
/// The same values as [`correlate_ndimage`](super::correlate_ndimage) with `weights` shaped
/// along `axis`, without extending the whole array first. The products are summed in `T`, the
/// weights' type; `input` may be stored in `T` or a narrower type ([`Widen`]: `f32` data with
/// `f64` weights is summed in `f64` and rounded once, as scipy.ndimage computes `float32`).
/// Complex weights are conjugated, as scipy does.
///
/// ```
/// use convolve::nd::{self, Border};
/// use ndarray::array;
/// let image = array![[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]];
/// // Even kernel, centre at 1: each row plus the one above (the first row repeated).
/// let down = nd::correlate1d_ndimage(image.view(), &[1.0, 1.0], 0, Border::Nearest, 0)?;
/// assert_eq!(down, array![[2.0, 4.0, 6.0], [5.0, 7.0, 9.0]]);
/// // f32 data, f64 sums: 0.1 + 0.2 rounded once.
/// let narrow = array![0.1f32, 0.2];
/// let sum = nd::correlate1d_ndimage(narrow.view(), &[1.0f64, 1.0], 0, Border::Constant(0.0), -1)?;
/// assert_eq!(sum[0], (0.1f32 as f64 + 0.2f32 as f64) as f32);
/// # Ok::<(), convolve::ConvError>(())
/// ```
///
/// # Errors
/// [`ConvError::EmptyInput`] for an empty `input` or `weights`, [`ConvError::Axes`] for an
/// `axis` out of range, [`ConvError::Origin`] for an `origin` outside
/// `-(m / 2) ..= (m - 1) / 2`, [`ConvError::Allocation`] when the output or a scratch buffer
/// cannot be allocated.
pub fn correlate1d_ndimage<S: Widen<T>, T: Element, D: Dimension>(
    input: ArrayView<S, D>,
    weights: &[T],
    axis: usize,
    border: Border<T>,
    origin: isize,
) -> Result<Array<S, D>, ConvError> {
    filter1d(input, weights, axis, border, origin, Method::Auto, false)
}

/// `scipy.ndimage.convolve1d(input, weights, axis, mode, cval, origin)`: as
/// [`correlate1d_ndimage`] with the weights reversed (not conjugated) and the origin mirrored
/// (`-o`, and one further left for an even kernel), as scipy does.
///
/// ```
/// use convolve::nd::{self, Border};
/// use ndarray::array;
/// let a = array![[1, 2, 4, 8]];
/// let diff = nd::convolve1d_ndimage(a.view(), &[1, -1], 1, Border::Reflect, 0)?;
/// assert_eq!(diff, array![[1, 2, 4, 0]]);
/// # Ok::<(), convolve::ConvError>(())
/// ```
///
/// # Errors
/// As [`correlate1d_ndimage`].
pub fn convolve1d_ndimage<S: Widen<T>, T: Element, D: Dimension>(
    input: ArrayView<S, D>,
    weights: &[T],
    axis: usize,
    border: Border<T>,
    origin: isize,
) -> Result<Array<S, D>, ConvError> {
    filter1d(input, weights, axis, border, origin, Method::Auto, true)
}

/// [`correlate1d_ndimage`] with a chosen [`Method`]: `Direct` sums line by line, `Fft` and
/// `OverlapAdd` extend the input and transform as [`correlate_ndimage_with`] does, `Auto`
/// sums line by line up to 128 taps and above that takes a transform where the N-D cost
/// model predicts it cheaper.
///
/// [`correlate_ndimage_with`]: super::correlate_ndimage_with
///
/// ```
/// use convolve::{Method, nd::{self, Border}};
/// use ndarray::Array2;
/// let a = Array2::from_shape_fn((40, 30), |(i, j)| ((i * 7 + j * 3) % 11) as f64);
/// let w: Vec<f64> = (0..9).map(|k| 1.0 / (1.0 + k as f64)).collect();
/// let direct = nd::correlate1d_ndimage_with(a.view(), &w, 0, Border::Wrap, 2, Method::Direct)?;
/// let fft = nd::correlate1d_ndimage_with(a.view(), &w, 0, Border::Wrap, 2, Method::Fft)?;
/// assert!(direct.iter().zip(&fft).all(|(d, f)| (d - f).abs() < 1e-12));
/// # Ok::<(), convolve::ConvError>(())
/// ```
///
/// # Errors
/// As [`correlate1d_ndimage`].
pub fn correlate1d_ndimage_with<S: Widen<T>, T: Element, D: Dimension>(
    input: ArrayView<S, D>,
    weights: &[T],
    axis: usize,
    border: Border<T>,
    origin: isize,
    method: Method,
) -> Result<Array<S, D>, ConvError> {
    filter1d(input, weights, axis, border, origin, method, false)
}

/// [`convolve1d_ndimage`] with a chosen [`Method`], as [`correlate1d_ndimage_with`].
///
/// ```
/// use convolve::{Method, nd::{self, Border}};
/// use ndarray::array;
/// let a = array![1, 2, 3];
/// let out = nd::convolve1d_ndimage_with(a.view(), &[1, 10, 100], 0, Border::Nearest, 0, Method::Direct)?;
/// assert_eq!(out, array![112, 123, 233]);
/// # Ok::<(), convolve::ConvError>(())
/// ```
///
/// # Errors
/// As [`correlate1d_ndimage`].
pub fn convolve1d_ndimage_with<S: Widen<T>, T: Element, D: Dimension>(
    input: ArrayView<S, D>,
    weights: &[T],
    axis: usize,
    border: Border<T>,
    origin: isize,
    method: Method,
) -> Result<Array<S, D>, ConvError> {
    filter1d(input, weights, axis, border, origin, method, true)
}

/// Up to this kernel length `Method::Auto` always sums line by line: the transform path
/// extends, copies and transforms the whole array, and at 2048² the line sums beat it at
/// every `m` of 15 to 65 by 3-10x (docs/PERFORMANCE.md, "Images"); the direct kernels are
/// AVX2 + FMA on both project machines. Longer kernels follow the N-D cost model.
pub(super) const LINE_SUM_MAX_TAPS: usize = 128;

/// The array `(outer, n, inner)` of a row-major shape cut at `axis`.
fn split_at_axis(shape: &[usize], axis: usize) -> (usize, usize, usize) {
    let outer = shape[..axis].iter().product();
    let inner = shape[axis + 1..].iter().product();
    (outer, shape[axis], inner)
}

pub(super) fn filter1d<S: Widen<T>, T: Element, D: Dimension>(
    input: ArrayView<S, D>,
    weights: &[T],
    axis: usize,
    border: Border<T>,
    origin: isize,
    method: Method,
    flip: bool,
) -> Result<Array<S, D>, ConvError> {
    let shape = input.shape().to_vec();
    if axis >= shape.len() {
        return Err(ConvError::Axes {
            axes: vec![axis],
            ndim: shape.len(),
        });
    }
    if shape.contains(&0) {
        return Err(ConvError::EmptyInput { argument: "input" });
    }
    if weights.is_empty() {
        return Err(ConvError::EmptyInput {
            argument: "weights",
        });
    }
    let m = weights.len();
    let centre = centres(&[origin], &[m], flip)?[0];
    // The extended input convolved in `valid` mode: the problem the cost model knows.
    let mut ext_shape = shape.clone();
    ext_shape[axis] += m - 1;
    let mut kernel_shape = vec![1; shape.len()];
    kernel_shape[axis] = m;
    let lo: Vec<usize> = kernel_shape.iter().map(|k| k - 1).collect();
    let est = strategy::estimate(T::KIND, &ext_shape, &kernel_shape, &lo, &shape);
    let method = match method {
        Method::Auto if m <= LINE_SUM_MAX_TAPS => Method::Direct,
        Method::Auto => est.cheapest(true),
        m => m,
    };
    if method != Method::Direct {
        return transformed(input, weights, axis, border, origin, method, flip);
    }
    // The kernel as the convolution's second operand: `out[i] = Σ_j kernel[j]·ext[i + m-1-j]`.
    let kernel = if flip {
        crate::alloc::try_copy(weights)?
    } else {
        reversed_conj(weights)?
    };
    let ad = standard(&input)?;
    let a = slice(&ad);
    let mut out = try_zeroed_output::<S>(a.len())?;
    let (outer, n, inner) = split_at_axis(&shape, axis);
    let line = Line {
        n,
        before: centre,
        kernel: &kernel,
        border: &border,
    };
    let bands = parallel::bands(est.direct);
    if inner == 1 {
        along_lines(a, &line, &mut out, bands)?;
    } else {
        across_rows(a, outer, inner, &line, &mut out, bands)?;
    }
    Ok(shaped(input.raw_dim(), &shape, out))
}

/// The transform methods: the kernel shaped along `axis`, through [`ndimage`].
fn transformed<S: Widen<T>, T: Element, D: Dimension>(
    input: ArrayView<S, D>,
    weights: &[T],
    axis: usize,
    border: Border<T>,
    origin: isize,
    method: Method,
    flip: bool,
) -> Result<Array<S, D>, ConvError> {
    let ndim = input.ndim();
    let mut w_dim = input.raw_dim();
    w_dim.slice_mut().fill(1);
    w_dim[axis] = weights.len();
    let w = Array::from_shape_vec(w_dim, crate::alloc::try_copy(weights)?)
        .expect("the weights fill their shape");
    let mut origins = vec![0; ndim];
    origins[axis] = origin;
    let mut wide = crate::alloc::try_uninit(input.len())?;
    wide.extend(input.iter().map(|&x| x.widen()));
    let wide = Array::from_shape_vec(input.raw_dim(), wide).expect("one value per element");
    let out = ndimage(wide.view(), w.view(), border, &origins, method, flip)?;
    let mut narrow = crate::alloc::try_uninit(out.len())?;
    narrow.extend(out.iter().map(|&t| S::narrow(t)));
    Ok(Array::from_shape_vec(input.raw_dim(), narrow).expect("one value per element"))
}

/// One filtered line: its length, the kernel (as the convolution's second operand), how many
/// extended samples precede the first input sample, and the border rule.
struct Line<'a, T> {
    n: usize,
    before: usize,
    kernel: &'a [T],
    border: &'a Border<T>,
}

impl<T: Element> Line<'_, T> {
    /// The source index of extended index `e` (`None`: the constant).
    fn source(&self, e: usize) -> Option<usize> {
        border_source(e as i128 - self.before as i128, self.n, self.border)
    }

    fn fill(&self) -> T {
        match self.border {
            Border::Constant(v) => *v,
            _ => T::default(),
        }
    }
}

/// Along the last axis: each line of `a` (of `line.n` samples) extended into a scratch line
/// and convolved in `valid` mode.
fn along_lines<S: Widen<T>, T: Element>(
    a: &[S],
    line: &Line<'_, T>,
    out: &mut [S],
    bands: usize,
) -> Result<(), ConvError> {
    let (n, m) = (line.n, line.kernel.len());
    let after = m - 1 - line.before;
    let left: Vec<Option<usize>> = (0..line.before).map(|e| line.source(e)).collect();
    let right: Vec<Option<usize>> = (0..after)
        .map(|e| line.source(line.before + n + e))
        .collect();
    let fill = line.fill();
    let cuts = parallel::even_cuts(a.len() / n, bands);
    parallel::for_each_band(out, n, &cuts, |first, part| {
        let mut ext = try_zeroed::<T>(n + m - 1)?;
        let mut sums = try_zeroed::<T>(n)?;
        for (l, o) in part.chunks_exact_mut(n).enumerate() {
            let src = &a[(first + l) * n..][..n];
            let (head, rest) = ext.split_at_mut(line.before);
            let (body, tail) = rest.split_at_mut(n);
            for (x, s) in head.iter_mut().zip(&left) {
                *x = s.map_or(fill, |s| src[s].widen());
            }
            for (x, &s) in body.iter_mut().zip(src) {
                *x = s.widen();
            }
            for (x, s) in tail.iter_mut().zip(&right) {
                *x = s.map_or(fill, |s| src[s].widen());
            }
            T::direct_rows(&[(&ext, line.kernel)], m - 1, &mut sums);
            for (o, &s) in o.iter_mut().zip(&sums) {
                *o = S::narrow(s);
            }
        }
        Ok(())
    })
}

/// The column block of the rows pass: the ring of `m` extended rows of this many elements
/// stays within about 256 KiB, which L2 holds on both project machines; never below 64
/// columns. A function of `m` and the row length only, so that the blocks (and with them
/// each output's sum) do not depend on the thread count.
fn column_block<T>(m: usize, inner: usize) -> usize {
    let fit = (256 * 1024) / (m * std::mem::size_of::<T>()).max(1);
    fit.max(64).next_multiple_of(16).min(inner)
}

/// Along any axis but the last: `a` is `outer` slabs of `line.n` rows of `inner` elements;
/// output row `i` of a slab sums the `m` extended rows `i ..= i + m - 1`, across the row.
fn across_rows<S: Widen<T>, T: Element>(
    a: &[S],
    outer: usize,
    inner: usize,
    line: &Line<'_, T>,
    out: &mut [S],
    bands: usize,
) -> Result<(), ConvError> {
    let (n, m) = (line.n, line.kernel.len());
    let block = column_block::<T>(m, inner);
    let sources: Vec<Option<usize>> = (0..n + m - 1).map(|e| line.source(e)).collect();
    let fill = line.fill();
    let cuts = parallel::even_cuts(outer * n, bands);
    parallel::for_each_band(out, inner, &cuts, |first, part| {
        let rows = part.len() / inner;
        let mut ring = try_zeroed::<T>(m * block)?;
        let mut sums = try_zeroed::<T>(block)?;
        for c0 in (0..inner).step_by(block) {
            let width = block.min(inner - c0);
            // The slab whose rows the ring holds, and the next extended row it lacks.
            let (mut slab, mut next) = (usize::MAX, 0);
            for r in first..first + rows {
                let (o, i) = (r / n, r % n);
                if o != slab {
                    (slab, next) = (o, i);
                }
                while next < i + m {
                    let dst = &mut ring[(next % m) * block..][..width];
                    match sources[next] {
                        None => dst.fill(fill),
                        Some(s) => {
                            let src = &a[(o * n + s) * inner + c0..][..width];
                            for (d, &x) in dst.iter_mut().zip(src) {
                                *d = x.widen();
                            }
                        }
                    }
                    next += 1;
                }
                let pairs: Vec<(&[T], &[T])> = (0..m)
                    .map(|j| {
                        let e = i + m - 1 - j;
                        (&ring[(e % m) * block..][..width], &line.kernel[j..=j])
                    })
                    .collect();
                T::direct_rows(&pairs, 0, &mut sums[..width]);
                let dst = &mut part[(r - first) * inner + c0..][..width];
                for (d, &s) in dst.iter_mut().zip(&sums[..width]) {
                    *d = S::narrow(s);
                }
            }
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_blocks_depend_on_the_kernel_and_row_only() {
        assert_eq!(column_block::<f64>(31, 10), 10);
        assert_eq!(column_block::<f64>(31, 100_000), 1072);
        assert_eq!(column_block::<f64>(10_000, 100_000), 64);
        assert_eq!(split_at_axis(&[2, 3, 4, 5], 1), (2, 3, 20));
        assert_eq!(split_at_axis(&[7], 0), (1, 7, 1));
    }
}
