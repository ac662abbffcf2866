//! The last two axes of a separable `scipy.ndimage` filter in one pass over the image:
//! scipy's order (the column pass along axis `-2`, then the row pass along axis `-1`), with
//! no intermediate image.
//!
//! Output rows are computed in groups of [`ROWS`] down each band. For a group, the column
//! pass sums the `m0 + ROWS - 1` input rows that reach it ([`super::combine`]: SIMD across
//! the columns, each loaded vector serving the whole group), the rows above and below the
//! image picked by the border rule (or a row of the constant), into one row buffer per output
//! row. The intermediate is rounded to the stored type as scipy stores it between passes;
//! then the buffer's ends are filled by the row border (the padding of the strip) and the
//! row pass runs the crate's 1-D direct kernel over it, in `valid` mode, straight into the
//! output.
//!
//! When the input is stored narrower than the sums (`f32` data, `f64` sums), the column pass
//! reads it in place, widening each value as it loads it and rounding each sum as it stores
//! it; where it cannot (complex data, or a column border constant that is no `f32`), the
//! input rows a group needs are widened once into a ring of `m0 + ROWS - 1` rows. Wide images
//! are cut into column tiles so that the rows the column pass reads stay within
//! [`WINDOW_BYTES`]; each tile computes the intermediate over its outputs' reach (and the
//! sources of their padding at the image's edges).
//!
//! Every intermediate value is one chain over the column taps in a fixed order, and every
//! output one chain over the row taps, whatever the group, tile or band holding it: bands of
//! output rows run on rayon's threads with the same bits as one thread. For `f32` images
//! summed in `f64` with a symmetric kernel of odd length (a Gaussian), the row pass (and the
//! column pass up to a radius of 4) add the taps in pairs about the centre before weighting
//! them ([`super::folded_x86`]), on CPUs with AVX2 and FMA; the passes take the multiply-add
//! chain over the taps otherwise.

use std::any::TypeId;
use std::mem::MaybeUninit;

use crate::alloc::try_zeroed;
use crate::arith::ElementKind;
use crate::element::Element;
use crate::error::ConvError;
use crate::simd::{VectorLoop, run_vectorized};

use super::boundary::{Border, border_source};
use super::combine::{ROWS, combine_block_from, combine_from};
#[cfg(target_arch = "x86_64")]
use super::folded_x86 as folded;
use super::parallel;
use super::widen::Widen;

/// Bytes of the input rows (or widened ring rows) one group of output rows reads: with the
/// row buffers, well inside a 512 KiB L2 cache (Zen 3's; the Xeon's is larger).
const WINDOW_BYTES: usize = 256 << 10;

/// Column tiles are multiples of this many outputs.
const TILE_ALIGN: usize = 64;

/// One axis of the fused filter: its length, the correlation's coefficients
/// (`out[i] = Σ_j coef[j] · x[i + j - before]`, already conjugated) and its border.
pub(super) struct Axis<'a, T> {
    pub n: usize,
    pub coef: &'a [T],
    pub before: usize,
    pub border: Border<T>,
}

impl<T: Element> Axis<'_, T> {
    /// The source of each extended index `e` (position `e - before`), `None` for the constant.
    fn sources(&self) -> Vec<Option<usize>> {
        let reach = self.n + self.coef.len() - 1;
        (0..reach)
            .map(|e| border_source(e as i128 - self.before as i128, self.n, &self.border))
            .collect()
    }

    fn fill(&self) -> T {
        match self.border {
            Border::Constant(v) => v,
            _ => T::default(),
        }
    }
}

/// Output columns `c0 .. c1`; the column pass computes columns `lo .. hi` (the outputs'
/// reach inside the image and their padding's sources) into a buffer whose index 0 is
/// column `base` (negative where it starts in the padding).
#[derive(Clone, Copy, Debug, PartialEq)]
struct Tile {
    c0: usize,
    c1: usize,
    lo: usize,
    hi: usize,
    base: isize,
    len: usize,
}

/// The column tiles of a row of `row.n` outputs (`src`: the row axis' sources), for a column
/// pass over `window_rows` rows of `elem` bytes: one tile when the rows fit in
/// [`WINDOW_BYTES`], when the row border wraps (the left edge's padding would come from the
/// right end) or when a tile would be under four times the row kernel. A function of the
/// shapes only, so each output's tile does not depend on the thread count.
fn tiles<T: Element>(
    row: &Axis<'_, T>,
    src: &[Option<usize>],
    window_rows: usize,
    elem: usize,
) -> Vec<Tile> {
    let (n, m) = (row.n, row.coef.len());
    let fit = WINDOW_BYTES / (window_rows * elem).max(1) / TILE_ALIGN * TILE_ALIGN;
    let width = if fit >= n || fit < 4 * m || matches!(row.border, Border::Wrap) {
        n
    } else {
        fit
    };
    let after = m - 1 - row.before;
    (0..n)
        .step_by(width)
        .map(|c0| {
            let c1 = (c0 + width).min(n);
            // Extended indices c0 .. c1 + m - 1 are columns c0 - before .. c1 + after.
            let reach = src[c0..c1 + m - 1].iter().flatten();
            let lo = *reach
                .clone()
                .min()
                .expect("every output reaches its own column");
            let hi = *reach.max().expect("every output reaches its own column") + 1;
            let first = c0 as isize - row.before as isize;
            let base = first.min(lo as isize);
            let end = ((c1 + after) as isize).max(hi as isize);
            Tile {
                c0,
                c1,
                lo,
                hi,
                base,
                len: (end - base) as usize,
            }
        })
        .collect()
}

/// What every band shares: the shapes, the kernels in the order the sums take them, the
/// borders' sources and the tiles.
pub(super) struct Plan<T> {
    n0: usize,
    n1: usize,
    /// The column kernel reversed (the combine's order: the latest row first).
    column: Vec<T>,
    /// The row kernel as the 1-D direct kernel's second operand.
    row: Vec<T>,
    row_before: usize,
    src0: Vec<Option<usize>>,
    src1: Vec<Option<usize>>,
    fill0: T,
    fill1: T,
    tiles: Vec<Tile>,
    /// Whether the column pass reads the input rows in place (see [`reads_in_place`]).
    in_place: bool,
    /// The folded chains for `f32` rows summed in `f64` with a symmetric kernel
    /// ([`super::folded_x86`]): the column pass's (when read in place, up to
    /// [`folded::COLUMN_RADIUS`]) and the row pass's, with their half-weights.
    #[cfg(target_arch = "x86_64")]
    fold0: Option<(folded::Column, Vec<f64>)>,
    #[cfg(target_arch = "x86_64")]
    fold1: Option<(folded::Row, Vec<f64>)>,
}

impl<T: Element> Plan<T> {
    /// The plan for input rows of `S` filtered along `column` (axis `-2`) then `row` (axis
    /// `-1`).
    pub(super) fn new<S: Widen<T>>(column: &Axis<'_, T>, row: &Axis<'_, T>) -> Self {
        let src1 = row.sources();
        let slots = column.coef.len() + ROWS - 1;
        let in_place = reads_in_place::<S, T>(column.fill());
        // In place, the column pass reads rows of `S`; widened, the ring's rows of `T`.
        let elem = if in_place {
            size_of::<S>()
        } else {
            size_of::<T>()
        };
        let tiles = tiles(row, &src1, slots, elem);
        #[cfg(target_arch = "x86_64")]
        let (fold0, fold1) = (
            folding::<S, T>(column.coef)
                .filter(|(_, h)| in_place && h.len() - 1 <= folded::COLUMN_RADIUS)
                .map(|((k, _), h)| (k, h)),
            folding::<S, T>(row.coef).map(|((_, k), h)| (k, h)),
        );
        Plan {
            n0: column.n,
            n1: row.n,
            column: column.coef.iter().rev().copied().collect(),
            row: row.coef.iter().rev().copied().collect(),
            row_before: row.before,
            src0: column.sources(),
            src1,
            fill0: column.fill(),
            fill1: row.fill(),
            tiles,
            in_place,
            #[cfg(target_arch = "x86_64")]
            fold0,
            #[cfg(target_arch = "x86_64")]
            fold1,
        }
    }
}

/// The folded kernels and half-weights for `f32` rows summed in `f64` with a symmetric
/// `coef` of radius 1 ..= [`folded::MAX_RADIUS`] on a CPU with AVX2 and FMA.
#[cfg(target_arch = "x86_64")]
fn folding<S: 'static, T: Element>(
    coef: &[T],
) -> Option<((folded::Column, folded::Row), Vec<f64>)> {
    if !same::<S, f32>() || T::KIND != ElementKind::F64 {
        return None;
    }
    let h = folded::half_weights(bytemuck::try_cast_slice::<T, f64>(coef).ok()?)?;
    Some((folded::kernels(h.len() - 1)?, h))
}

/// Whether the column pass reads rows of `S` in place, widening each value as it loads it
/// ([`combine_from`]): when `S` is `T`, or for `f32` rows summed in `f64` whose column border
/// constant `fill` is an `f32` (so that its row can be stored as one). Otherwise (complex
/// `f32`, or a constant such as 0.1) the rows are widened into a ring first. Reading in place
/// halves the bytes the combine reads and skips two passes over each row: at 512² `f32`,
/// k = 3, the widening and the rounding took 17 % of the time on AMD EPYC Zen 4.
fn reads_in_place<S: Widen<T>, T: Element>(fill: T) -> bool {
    same::<S, T>()
        || (same::<S, f32>()
            && same::<T, f64>()
            && bytemuck::bytes_of(&S::narrow(fill).widen()) == bytemuck::bytes_of(&fill))
}

/// Whether `S` and `T` are one type (then slices of one are slices of the other).
fn same<S: 'static, T: 'static>() -> bool {
    TypeId::of::<S>() == TypeId::of::<T>()
}

/// The filter of the slabs of `x` (each `n0 × n1`, row-major, one after the other) into
/// `out` (the same shape, every element written), the output rows cut into `bands` bands.
pub(super) fn run<S: Widen<T>, T: Element>(
    plan: &Plan<T>,
    x: &[S],
    out: &mut [MaybeUninit<S>],
    bands: usize,
) -> Result<(), ConvError> {
    let rows = out.len() / plan.n1;
    let cuts = parallel::even_cuts(rows, bands);
    parallel::for_each_band(out, plan.n1, &cuts, |first, part| {
        band(plan, x, first, part)
    })
}

/// The scratch of one band: the ring of widened rows (empty when the rows are read in place),
/// a row of the column border's constant, the row buffers and the row pass's sums (when
/// narrowed to `S` afterwards).
struct Scratch<S, T> {
    ring: Vec<T>,
    stride: usize,
    constant: Vec<S>,
    bufs: Vec<Vec<T>>,
    sums: Vec<T>,
}

/// The output rows `first ..` of [`run`] into `out`, tile by tile.
fn band<S: Widen<T>, T: Element>(
    plan: &Plan<T>,
    x: &[S],
    first: usize,
    out: &mut [MaybeUninit<S>],
) -> Result<(), ConvError> {
    let in_place = plan.in_place;
    let width = plan.tiles.iter().map(|t| t.hi - t.lo).max().unwrap_or(0);
    let len = plan.tiles.iter().map(|t| t.len).max().unwrap_or(0);
    let slots = plan.column.len() + ROWS - 1;
    // Rows a multiple of 64 bytes apart plus one line, so that they do not share L1 sets.
    let stride = (width * size_of::<T>()).next_multiple_of(64) / size_of::<T>().max(1)
        + 64 / size_of::<T>().max(1);
    let mut s = Scratch {
        ring: try_zeroed(if in_place { 0 } else { slots * stride })?,
        stride,
        constant: try_zeroed(width)?,
        bufs: (0..ROWS)
            .map(|_| try_zeroed(len))
            .collect::<Result<_, _>>()?,
        sums: try_zeroed(if same::<S, T>() { 0 } else { plan.n1 })?,
    };
    s.constant.fill(S::narrow(plan.fill0));
    for tile in &plan.tiles {
        band_tile(plan, x, first, out, tile, &mut s);
    }
    Ok(())
}

/// One tile of [`band`].
fn band_tile<S: Widen<T>, T: Element>(
    plan: &Plan<T>,
    x: &[S],
    first: usize,
    out: &mut [MaybeUninit<S>],
    tile: &Tile,
    s: &mut Scratch<S, T>,
) {
    let (n0, n1, m0) = (plan.n0, plan.n1, plan.column.len());
    let in_place = plan.in_place;
    let w = tile.hi - tile.lo;
    let rows = out.len() / n1;
    let slots = m0 + ROWS - 1;
    // The slab whose extended rows the ring holds, and the next extended row it lacks.
    let (mut slab, mut next) = (usize::MAX, 0);
    let mut r = 0;
    while r < rows {
        let (o, i) = ((first + r) / n0, (first + r) % n0);
        let group = if r + ROWS <= rows && i + ROWS <= n0 {
            ROWS
        } else {
            1
        };
        // Extended rows i ..= top reach this group.
        let top = i + group + m0 - 2;
        if !in_place {
            if o != slab {
                (slab, next) = (o, i);
            }
            next = next.max(i);
            while next <= top {
                let dst = &mut s.ring[(next % slots) * s.stride..][..w];
                match plan.src0[next] {
                    None => dst.fill(plan.fill0),
                    Some(sr) => widen(&x[(o * n0 + sr) * n1 + tile.lo..][..w], dst),
                }
                next += 1;
            }
        }
        let at = (tile.lo as isize - tile.base) as usize;
        let bufs = s.bufs.iter_mut().map(|b| &mut b[at..][..w]);
        if in_place {
            let row = |e: usize| -> &[S] {
                match plan.src0[e] {
                    None => &s.constant[..w],
                    Some(sr) => &x[(o * n0 + sr) * n1 + tile.lo..][..w],
                }
            };
            let taps: Vec<&[S]> = (0..m0 + group - 1).map(|k| row(top - k)).collect();
            #[cfg(target_arch = "x86_64")]
            if let Some((k, h)) = &plan.fold0
                && let Some(taps) = super::combine::same_rows::<S, f32>(&taps)
            {
                let mut outs: Vec<&mut [f64]> = bufs
                    .take(group)
                    .map(|b| bytemuck::try_cast_slice_mut(b).expect("folded plans sum in f64"))
                    .collect();
                // SAFETY: `folded::kernels` returns only kernels this CPU supports.
                unsafe { k(taps, h, &mut outs) };
            } else {
                column_pass(&taps, &plan.column, bufs, group);
            }
            #[cfg(not(target_arch = "x86_64"))]
            column_pass(&taps, &plan.column, bufs, group);
        } else {
            let row = |e: usize| &s.ring[(e % slots) * s.stride..][..w];
            let taps: Vec<&[T]> = (0..m0 + group - 1).map(|k| row(top - k)).collect();
            column_pass(&taps, &plan.column, bufs, group);
            for b in &mut s.bufs[..group] {
                run_vectorized(Round::<S, T> {
                    v: &mut b[at..][..w],
                    _s: std::marker::PhantomData,
                });
            }
        }
        for q in 0..group {
            let dst = &mut out[(r + q) * n1 + tile.c0..][..tile.c1 - tile.c0];
            row_pass::<S, T>(plan, tile, &mut s.bufs[q], &mut s.sums, dst);
        }
        r += group;
    }
}

/// The column pass of `group` output rows (1 or [`ROWS`]) from `taps` (the latest row first)
/// into the first `group` of `bufs`, each sum rounded to `R` ([`combine_from`]).
fn column_pass<'a, R: Widen<T>, T: Element>(
    taps: &[&[R]],
    coef: &[T],
    mut bufs: impl Iterator<Item = &'a mut [T]>,
    group: usize,
) {
    if group == ROWS {
        let out = [(); ROWS].map(|()| bufs.next().expect("ROWS buffers"));
        combine_block_from(taps, coef, out);
    } else {
        combine_from(taps, coef, bufs.next().expect("a buffer"));
    }
}

/// One output row of a tile from its buffer of column-pass sums (already rounded to `S`, as
/// scipy stores the intermediate): padded by the row border, then the row kernel over it.
fn row_pass<S: Widen<T>, T: Element>(
    plan: &Plan<T>,
    tile: &Tile,
    buf: &mut [T],
    sums: &mut [T],
    dst: &mut [MaybeUninit<S>],
) {
    let (n1, m1, before) = (plan.n1, plan.row.len(), plan.row_before);
    let base = tile.base;
    // The padding: the extended indices of this tile outside the image.
    let first = tile.c0 as isize - before as isize;
    let pads =
        (tile.c0..before.min(tile.c1 + m1 - 1)).chain((before + n1).max(tile.c0)..tile.c1 + m1 - 1);
    for e in pads {
        let v = plan.src1[e].map_or(plan.fill1, |sc| buf[(sc as isize - base) as usize]);
        buf[(e as isize - before as isize - base) as usize] = v;
    }
    let ext = &buf[(first - base) as usize..][..tile.c1 - tile.c0 + m1 - 1];
    if same::<S, T>() {
        // SAFETY: `S` is `T` ([`same`]), so the two slices have one layout.
        let dst = unsafe { &mut *(dst as *mut [MaybeUninit<S>] as *mut [MaybeUninit<T>]) };
        T::direct_uninit(ext, &plan.row, m1 - 1, dst);
    } else {
        #[cfg(target_arch = "x86_64")]
        if let Some((k, h)) = &plan.fold1
            && let Ok(ext) = bytemuck::try_cast_slice::<T, f64>(ext)
        {
            // SAFETY: a folded plan's `S` is `f32` ([`folding`]), so the two slices have one
            // layout.
            let dst = unsafe { &mut *(dst as *mut [MaybeUninit<S>] as *mut [MaybeUninit<f32>]) };
            // SAFETY: `folded::kernels` returns only kernels this CPU supports.
            unsafe { k(ext, h, dst) };
            return;
        }
        #[cfg(target_arch = "x86_64")]
        if let (Some(k), true) = (super::narrow_x86::narrowing_row(), same::<S, f32>())
            && let Ok(ext) = bytemuck::try_cast_slice::<T, f64>(ext)
            && let Ok(y) = bytemuck::try_cast_slice::<T, f64>(&plan.row)
            && T::KIND == ElementKind::F64
        {
            // SAFETY: `S` is `f32` ([`same`]), so the two slices have one layout.
            let dst = unsafe { &mut *(dst as *mut [MaybeUninit<S>] as *mut [MaybeUninit<f32>]) };
            // SAFETY: `narrowing_row` returns only kernels this CPU supports.
            unsafe { k(ext, y, dst) };
            return;
        }
        let sums = &mut sums[..dst.len()];
        T::direct(ext, &plan.row, m1 - 1, sums);
        run_vectorized(Narrow {
            from: sums,
            to: dst,
        });
    }
}

/// `dst = src` widened.
fn widen<S: Widen<T>, T: Element>(src: &[S], dst: &mut [T]) {
    run_vectorized(Widening { src, dst });
}

struct Widening<'a, S, T> {
    src: &'a [S],
    dst: &'a mut [T],
}

impl<S: Widen<T>, T: Element> VectorLoop for Widening<'_, S, T> {
    type Out = ();
    #[inline(always)]
    fn run(self) {
        for (d, &x) in self.dst.iter_mut().zip(self.src) {
            *d = x.widen();
        }
    }
}

/// Each value rounded to `S` and widened back, as scipy stores an intermediate pass.
struct Round<'a, S, T> {
    v: &'a mut [T],
    _s: std::marker::PhantomData<S>,
}

impl<S: Widen<T>, T: Element> VectorLoop for Round<'_, S, T> {
    type Out = ();
    #[inline(always)]
    fn run(self) {
        for t in self.v.iter_mut() {
            *t = S::narrow(*t).widen();
        }
    }
}

struct Narrow<'a, S, T> {
    from: &'a [T],
    to: &'a mut [MaybeUninit<S>],
}

impl<S: Widen<T>, T: Element> VectorLoop for Narrow<'_, S, T> {
    type Out = ();
    #[inline(always)]
    fn run(self) {
        for (d, &t) in self.to.iter_mut().zip(self.from) {
            d.write(S::narrow(t));
        }
    }
}
