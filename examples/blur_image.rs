//! Gaussian blur of a PNG with `nd::convolve2d` (mirrored edges, output the input's size).
//!
//! ```text
//! cargo run --release --features ndarray --example blur_image -- [input.png] [output.png] [sigma]
//! ```
//!
//! Without an input path it blurs a synthesized test pattern (and writes that too, as
//! `pattern.png`, so the two can be compared). Each colour channel is convolved separately as
//! an `f32` image; `Method::Auto` picks the direct sum, the FFT or overlap-add by kernel size.

use std::error::Error;

use convolve::Mode;
use convolve::nd::{self, Boundary};
use image::{ImageBuffer, Rgb, RgbImage};
use ndarray::Array2;

/// A normalized 2-D Gaussian of standard deviation `sigma`, truncated at 3σ.
fn gaussian(sigma: f32) -> Array2<f32> {
    let radius = (3.0 * sigma).ceil().max(1.0) as usize;
    let size = 2 * radius + 1;
    let g = |i: usize| (-((i as f32 - radius as f32).powi(2)) / (2.0 * sigma * sigma)).exp();
    let k = Array2::from_shape_fn((size, size), |(i, j)| g(i) * g(j));
    let sum = k.sum();
    k / sum
}

/// Rings and a checkerboard: sharp edges in every direction.
fn pattern(width: u32, height: u32) -> RgbImage {
    ImageBuffer::from_fn(width, height, |x, y| {
        let (cx, cy) = (
            x as f32 - width as f32 / 2.0,
            y as f32 - height as f32 / 2.0,
        );
        let ring = (((cx * cx + cy * cy).sqrt() / 12.0) as u32).is_multiple_of(2);
        let check = (x / 32 + y / 32).is_multiple_of(2);
        Rgb([
            if ring { 230 } else { 30 },
            if check { 200 } else { 60 },
            ((x * 255) / width) as u8,
        ])
    })
}

fn main() -> Result<(), Box<dyn Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let input = match args.first() {
        Some(path) => image::open(path)?.to_rgb8(),
        None => {
            let p = pattern(320, 240);
            p.save("pattern.png")?;
            println!("no input given: wrote the test pattern to pattern.png");
            p
        }
    };
    let output = args.get(1).map_or("blurred.png", String::as_str);
    let sigma: f32 = args.get(2).map_or(Ok(3.0), |s| s.parse())?;
    let kernel = gaussian(sigma);
    let (w, h) = input.dimensions();

    let mut blurred = RgbImage::new(w, h);
    for c in 0..3 {
        let channel = Array2::from_shape_fn((h as usize, w as usize), |(y, x)| {
            input.get_pixel(x as u32, y as u32)[c] as f32
        });
        let out = nd::convolve2d(channel.view(), kernel.view(), Mode::Same, Boundary::Symm)?;
        for ((y, x), &v) in out.indexed_iter() {
            blurred.get_pixel_mut(x as u32, y as u32)[c] = v.round().clamp(0.0, 255.0) as u8;
        }
    }
    blurred.save(output)?;
    println!(
        "blurred {w}x{h} with a {}x{} Gaussian (sigma {sigma}) into {output}",
        kernel.nrows(),
        kernel.ncols()
    );
    Ok(())
}
