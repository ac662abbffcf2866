//! The N-D cost model's inputs on the bench grid, for fitting its constants
//! (`scripts/fit_nd_costs.py`).

use crate::arith::ElementKind;

use super::fft::{lens, tiles as tiles_with};
use super::strategy::{TILE_FACTORS, estimate, out_rows, tiles};
use super::{blocked, direct};

/// The model's inputs and predictions at every point of the `auto_nd` and `auto_3d` bench
/// groups (`benches/nd.rs`), one JSON object per line, for fitting [`Costs`] to their medians
/// (`cargo run --release --features ndarray --example nd_model_inputs`): the direct kernel's
/// counts, the FFT lengths, and overlap-add's tile count and lengths at every tile factor.
pub(crate) fn model_inputs(out: &mut impl std::io::Write) -> std::io::Result<()> {
    let grid_2d = [512, 2048, 4096].map(|n| (vec![n; 2], &[3, 5, 7, 9, 11, 13, 15, 31, 63][..]));
    let grid_3d = [64, 128].map(|n| (vec![n; 3], &[3, 5, 9][..]));
    for (kind, name) in [(ElementKind::F32, "f32"), (ElementKind::F64, "f64")] {
        for (image, kernels) in grid_2d.iter().chain(&grid_3d) {
            for &k in kernels.iter() {
                let kernel = vec![k; image.len()];
                let w = super::window::per_axis(image, &kernel, crate::mode::Mode::Same);
                let e = estimate(kind, image, &kernel, &w.lo, &w.len);
                let chosen = tiles(kind, image, &kernel).expect("grid sizes fit");
                let mut oa_pick = 0;
                let oa: Vec<String> = TILE_FACTORS
                    .iter()
                    .enumerate()
                    .map(|(i, &f)| {
                        let (block, lens) = tiles_with(image, &kernel, f).expect("grid sizes fit");
                        if (&block, &lens) == (&chosen.0, &chosen.1) {
                            oa_pick = i;
                        }
                        let count: usize = image
                            .iter()
                            .zip(&block)
                            .map(|(n, b)| n.div_ceil(*b))
                            .product();
                        format!("[{count},{lens:?}]")
                    })
                    .collect();
                writeln!(
                    out,
                    "{{\"kind\":\"{name}\",\"image\":{image:?},\"k\":{k},\"blocked\":{},\
                     \"macs\":{},\"outputs\":{},\"fft_lens\":{:?},\"oa\":[{}],\"oa_pick\":{oa_pick},\
                     \"out_rows\":{},\"predicted\":[{},{},{}],\"auto\":\"{}\"}}",
                    blocked::kernel_side(kind, image, &kernel).is_some(),
                    direct::macs(image, &kernel, &w.lo, &w.len),
                    w.len.iter().product::<usize>(),
                    lens(image, &kernel, &w.lo, &w.len).expect("grid sizes fit"),
                    oa.join(","),
                    out_rows(image, &kernel, &w.lo, &w.len),
                    e.direct,
                    e.fft.unwrap_or(f64::NAN),
                    e.overlap_add.unwrap_or(f64::NAN),
                    e.cheapest(true),
                )?;
            }
        }
    }
    Ok(())
}
