//! A seeded sweep over every public entry point, method, mode, operation and element type,
//! printing one hash of the output bits per group and a total: run it before and after a
//! change that must not move a bit, and compare the two outputs.
//!
//!     cargo run --release --features ndarray --example bit_sweep > after.txt
//!
//! Only the public API is used, so the same file runs on older commits too. Errors are hashed
//! by their message, so a changed error shows as well.

use convolve::num_complex::Complex;
use convolve::{ConvError, Convolver, Element, Method, Mode, StreamBuilder};
use convolve::{Head, Latency, Partitioning};

const MODES: [Mode; 3] = [Mode::Full, Mode::Same, Mode::Valid];
const METHODS: [Method; 4] = [
    Method::Auto,
    Method::Direct,
    Method::Fft,
    Method::OverlapAdd,
];

/// FNV-1a over 64-bit words.
#[derive(Clone, Copy)]
struct Hash(u64);

impl Hash {
    fn new() -> Self {
        Hash(0xcbf2_9ce4_8422_2325)
    }
    fn word(&mut self, w: u64) {
        for b in w.to_le_bytes() {
            self.0 ^= u64::from(b);
            self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
        }
    }
    fn text(&mut self, s: &str) {
        for b in s.bytes() {
            self.word(u64::from(b));
        }
    }
}

/// A deterministic generator (PCG-style LCG, top bits).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 11
    }
    fn unit(&mut self) -> f64 {
        self.next() as f64 / (1u64 << 53) as f64 * 2.0 - 1.0
    }
}

/// What the sweep needs of an element type: random values and the output's bits.
trait Sample: Element {
    fn name() -> String;
    fn random(rng: &mut Rng, big: bool) -> Self;
    fn bits(self, h: &mut Hash);
    fn special(i: usize) -> Option<Self>;
}

impl Sample for f32 {
    fn name() -> String {
        "f32".into()
    }
    fn random(rng: &mut Rng, big: bool) -> Self {
        (rng.unit() * if big { 1e30 } else { 1.0 }) as f32
    }
    fn bits(self, h: &mut Hash) {
        h.word(u64::from(self.to_bits()));
    }
    fn special(i: usize) -> Option<Self> {
        [f32::NAN, f32::INFINITY, f32::NEG_INFINITY].get(i).copied()
    }
}

impl Sample for f64 {
    fn name() -> String {
        "f64".into()
    }
    fn random(rng: &mut Rng, big: bool) -> Self {
        rng.unit() * if big { 1e150 } else { 1.0 }
    }
    fn bits(self, h: &mut Hash) {
        h.word(self.to_bits());
    }
    fn special(i: usize) -> Option<Self> {
        [f64::NAN, f64::INFINITY, f64::NEG_INFINITY].get(i).copied()
    }
}

impl<F: Sample + Copy> Sample for Complex<F>
where
    Complex<F>: Element,
{
    fn name() -> String {
        format!("complex<{}>", F::name())
    }
    fn random(rng: &mut Rng, big: bool) -> Self {
        Complex::new(F::random(rng, big), F::random(rng, big))
    }
    fn bits(self, h: &mut Hash) {
        self.re.bits(h);
        self.im.bits(h);
    }
    fn special(i: usize) -> Option<Self> {
        F::special(i).map(|s| Complex::new(s, F::random(&mut Rng(i as u64), false)))
    }
}

impl Sample for i32 {
    fn name() -> String {
        "i32".into()
    }
    fn random(rng: &mut Rng, big: bool) -> Self {
        let r = rng.next() as i64;
        (if big { r } else { r % 201 - 100 }) as i32
    }
    fn bits(self, h: &mut Hash) {
        h.word(self as u32 as u64);
    }
    fn special(_: usize) -> Option<Self> {
        None
    }
}

impl Sample for i64 {
    fn name() -> String {
        "i64".into()
    }
    fn random(rng: &mut Rng, big: bool) -> Self {
        let r = rng.next() as i64;
        if big { r >> 10 } else { r % 2001 - 1000 }
    }
    fn bits(self, h: &mut Hash) {
        h.word(self as u64);
    }
    fn special(_: usize) -> Option<Self> {
        None
    }
}

fn vector<T: Sample>(rng: &mut Rng, len: usize, big: bool, specials: bool) -> Vec<T> {
    let mut v: Vec<T> = (0..len).map(|_| T::random(rng, big)).collect();
    if specials {
        for i in 0..3 {
            if let Some(s) = T::special(i) {
                let at = (rng.next() as usize) % len;
                v[at] = s;
            }
        }
    }
    v
}

fn hash_result<T: Sample>(h: &mut Hash, r: Result<Vec<T>, ConvError>) {
    match r {
        Ok(v) => {
            h.word(v.len() as u64);
            for x in v {
                x.bits(h);
            }
        }
        Err(e) => h.text(&e.to_string()),
    }
}

/// (n, m, big values, non-finite values, largest product the direct method is run on).
fn sizes() -> Vec<(usize, usize, bool, bool)> {
    let mut s = vec![];
    for n in 1..=12 {
        for m in 1..=12 {
            s.push((n, m, false, false));
        }
    }
    s.extend([
        (100, 3, false, false),
        (3, 100, false, false),
        (257, 64, false, false),
        (1000, 17, false, true),
        (1000, 1000, false, false),
        (1000, 1000, true, false),
        (4099, 513, false, false),
        (20_000, 64, false, false),
        (100_000, 3, false, false),
        (100_000, 1024, false, false),
        (30_000, 30_000, false, false),
        (200_000, 16_384, false, false),
        (1024, 200_000, false, false),
    ]);
    s
}

fn sweep_1d<T: Sample>(rng: &mut Rng, total: &mut Hash) {
    for (n, m, big, specials) in sizes() {
        let a: Vec<T> = vector(rng, n, big, specials);
        let v: Vec<T> = vector(rng, m, big, specials);
        let mut h = Hash::new();
        for mode in MODES {
            hash_result(&mut h, convolve::convolve(&a, &v, mode));
            hash_result(&mut h, convolve::correlate(&a, &v, mode));
            for method in METHODS {
                if method == Method::Direct && n * m > 2_000_000_000 / 1000 {
                    continue;
                }
                hash_result(&mut h, convolve::convolve_with(&a, &v, mode, method));
                hash_result(&mut h, convolve::correlate_with(&a, &v, mode, method));
                if n * m <= 100_000_000 {
                    let (long, short) = if n >= m { (&a, &v) } else { (&v, &a) };
                    let r = Convolver::new(short, long.len(), mode, method)
                        .and_then(|mut c| c.process(long));
                    hash_result(&mut h, r);
                    let r = Convolver::new_correlation(short, long.len(), mode, method)
                        .and_then(|mut c| c.process(long));
                    hash_result(&mut h, r);
                }
            }
        }
        println!(
            "1d {} {n}x{m} big={big} nonfinite={specials} {:016x}",
            T::name(),
            h.0
        );
        total.word(h.0);
    }
}

fn sweep_stream<T: Sample>(rng: &mut Rng, total: &mut Hash) {
    for &(taps, block) in &[
        (1usize, 1usize),
        (7, 4),
        (300, 64),
        (5000, 128),
        (20_000, 512),
    ] {
        let kernel: Vec<T> = vector(rng, taps, false, false);
        let second: Vec<T> = vector(rng, taps, false, false);
        let signal: Vec<T> = vector(rng, 6 * block + taps, false, false);
        for latency in [Latency::Zero, Latency::Block] {
            for partitioning in [Partitioning::NonUniform, Partitioning::Uniform] {
                for head in [Head::Auto, Head::Direct, Head::Fft] {
                    for crossfade in [0, block / 2 + 1] {
                        let mut h = Hash::new();
                        let built = StreamBuilder::new(block)
                            .latency(latency)
                            .partitioning(partitioning)
                            .head(head)
                            .channels(2)
                            .crossfade(crossfade)
                            .build(&kernel);
                        let mut conv = match built {
                            Ok(c) => c,
                            Err(e) => {
                                h.text(&e.to_string());
                                total.word(h.0);
                                continue;
                            }
                        };
                        for channel in 0..2 {
                            let mut out = vec![T::default(); signal.len()];
                            let mut at = 0;
                            let mut step = 1 + channel;
                            while at < signal.len() {
                                let end = (at + step).min(signal.len());
                                if at > signal.len() / 2 && channel == 0 && crossfade > 0 {
                                    conv.set_kernel(&second).unwrap();
                                }
                                conv.process_channel(channel, &signal[at..end], &mut out[at..end])
                                    .unwrap();
                                at = end;
                                step = (step * 3 + 1) % (2 * block + 3) + 1;
                            }
                            let mut tail = vec![T::default(); conv.tail_len()];
                            conv.flush_channel(channel, &mut tail).unwrap();
                            out.extend(tail);
                            hash_result(&mut h, Ok(out));
                        }
                        println!(
                            "stream {} taps={taps} block={block} {latency:?} {partitioning:?} \
                             {head:?} fade={crossfade} {:016x}",
                            T::name(),
                            h.0
                        );
                        total.word(h.0);
                    }
                }
            }
        }
    }
}

#[cfg(feature = "ndarray")]
fn sweep_nd<T: Sample>(rng: &mut Rng, total: &mut Hash) {
    use convolve::nd::{self, Boundary};
    use ndarray::{Array, IxDyn};
    let hash_array = |h: &mut Hash, r: Result<Array<T, IxDyn>, ConvError>| {
        if let Ok(a) = &r {
            for &s in a.shape() {
                h.word(s as u64);
            }
        }
        hash_result(h, r.map(|a| a.iter().copied().collect()))
    };
    let shapes: &[(&[usize], &[usize])] = &[
        (&[5, 7], &[3, 2]),
        (&[2, 3], &[4, 5]),
        (&[64, 64], &[5, 5]),
        (&[200, 150], &[9, 11]),
        (&[300, 300], &[63, 63]),
        (&[600, 400], &[15, 1]),
        (&[16, 16, 8], &[3, 3, 3]),
        (&[40, 30, 20], &[9, 9, 5]),
    ];
    for &(xs, ys) in shapes {
        let a = Array::from_shape_vec(
            IxDyn(xs),
            vector::<T>(rng, xs.iter().product(), false, false),
        )
        .unwrap();
        let v = Array::from_shape_vec(
            IxDyn(ys),
            vector::<T>(rng, ys.iter().product(), false, false),
        )
        .unwrap();
        let mut h = Hash::new();
        for mode in MODES {
            for method in METHODS {
                hash_array(&mut h, nd::convolve_with(a.view(), v.view(), mode, method));
                hash_array(&mut h, nd::correlate_with(a.view(), v.view(), mode, method));
            }
            hash_array(&mut h, nd::convolve(a.view(), v.view(), mode));
            hash_array(&mut h, nd::correlate(a.view(), v.view(), mode));
            let axes: Vec<usize> = (0..xs.len()).step_by(2).collect();
            hash_array(&mut h, nd::convolve_axes(a.view(), v.view(), mode, &axes));
            if xs.len() == 2 {
                let a2 = a.view().into_dimensionality::<ndarray::Ix2>().unwrap();
                let v2 = v.view().into_dimensionality::<ndarray::Ix2>().unwrap();
                let fill = T::random(rng, false);
                for boundary in [
                    Boundary::Fill(T::default()),
                    Boundary::Fill(fill),
                    Boundary::Wrap,
                    Boundary::Symm,
                ] {
                    hash_array(
                        &mut h,
                        nd::convolve2d(a2, v2, mode, boundary).map(|r| r.into_dyn()),
                    );
                    hash_array(
                        &mut h,
                        nd::correlate2d(a2, v2, mode, boundary).map(|r| r.into_dyn()),
                    );
                }
                let column: Vec<T> = vector(rng, ys[0], false, false);
                let row: Vec<T> = vector(rng, ys[1], false, false);
                hash_array(
                    &mut h,
                    nd::convolve_separable(a2, &column, &row, mode).map(|r| r.into_dyn()),
                );
            }
        }
        println!("nd {} {xs:?}x{ys:?} {:016x}", T::name(), h.0);
        total.word(h.0);
    }
}

#[cfg(not(feature = "ndarray"))]
fn sweep_nd<T: Sample>(_: &mut Rng, _: &mut Hash) {}

fn sweep<T: Sample>(total: &mut Hash) {
    let mut rng = Rng(0x5eed ^ T::name().len() as u64);
    sweep_1d::<T>(&mut rng, total);
    if !T::name().starts_with('i') {
        sweep_stream::<T>(&mut rng, total);
    }
    sweep_nd::<T>(&mut rng, total);
}

fn main() {
    let mut total = Hash::new();
    sweep::<f32>(&mut total);
    sweep::<f64>(&mut total);
    sweep::<Complex<f32>>(&mut total);
    sweep::<Complex<f64>>(&mut total);
    sweep::<i32>(&mut total);
    sweep::<i64>(&mut total);
    println!("total {:016x}", total.0);
}
