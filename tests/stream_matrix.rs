//! `StreamMatrix`: every output is the sum over inputs of the one-shot `Full` convolutions
//! with the pair's kernel, in every engine configuration, for shapes 1 × 1 to 4 × 3, floats,
//! complex and exact integers; a 1 × 1 matrix is bit for bit a `StreamConvolver`; workers,
//! clones, states and prepared kernels change no bit; cross-faded swaps settle on the new
//! kernels; bad shapes are errors.

mod common;

use common::stream::{STREAM_MODES as MODES, builder};
use common::{TestElem, assert_close, random_vec, rng};
use convolve::num_complex::Complex;
use convolve::{ConvError, Element, Head, Mode, StreamBuilder, StreamMatrix, convolve};
use rand::RngExt;
use rand_chacha::ChaCha8Rng;
use std::ops::Add;

/// Streams `xs` (one signal per input, of one length) in random chunks and flushes; returns
/// each output without the latency.
fn stream<T: Element + PartialEq>(
    m: &mut StreamMatrix<T>,
    xs: &[Vec<T>],
    r: &mut ChaCha8Rng,
    max_chunk: usize,
) -> Vec<Vec<T>> {
    let n = xs[0].len();
    let mut outs = vec![vec![T::default(); n + m.tail_len()]; m.outputs()];
    let mut at = 0;
    while at < n {
        let len = r.random_range(1..=max_chunk).min(n - at);
        let ins: Vec<&[T]> = xs.iter().map(|x| &x[at..at + len]).collect();
        let mut os: Vec<&mut [T]> = outs.iter_mut().map(|o| &mut o[at..at + len]).collect();
        m.process(&ins, &mut os).unwrap();
        at += len;
    }
    let mut tails: Vec<&mut [T]> = outs.iter_mut().map(|o| &mut o[at..]).collect();
    m.flush(&mut tails).unwrap();
    let latency = m.latency();
    for o in &mut outs {
        assert!(o[..latency].iter().all(|&e| e == T::default()));
        o.drain(..latency);
    }
    outs
}

/// The sum the oracle takes: numpy's, wrapping for integers.
trait Sum: Element {
    fn plus(self, other: Self) -> Self;
}

macro_rules! sum {
    ($($t:ty: $f:ident),*) => {$(
        impl Sum for $t {
            fn plus(self, other: Self) -> Self {
                self.$f(other)
            }
        }
    )*};
}
sum!(i32: wrapping_add, i64: wrapping_add, f32: add, f64: add);
sum!(Complex<f32>: add, Complex<f64>: add);

/// Output `o` of the one-shot sums, at the length `n + longest - 1` the stream produces.
fn oracle<T: Sum>(xs: &[Vec<T>], kernels: &[Vec<T>], outputs: usize) -> Vec<Vec<T>> {
    let longest = kernels.iter().map(Vec::len).max().unwrap();
    let len = xs[0].len() + longest - 1;
    (0..outputs)
        .map(|o| {
            let mut sum = vec![T::default(); len];
            for (i, x) in xs.iter().enumerate() {
                let k = &kernels[i * outputs + o];
                if k.is_empty() {
                    continue;
                }
                for (s, v) in sum.iter_mut().zip(convolve(x, k, Mode::Full).unwrap()) {
                    *s = s.plus(v);
                }
            }
            sum
        })
        .collect()
}

fn check<T: TestElem + Sum + PartialEq>(
    seed: u64,
    (ins, outs): (usize, usize),
    m: usize,
    block: usize,
) {
    let mut r = rng(seed);
    let n = m + 3 * block + 500;
    let kernels: Vec<Vec<T>> = (0..ins * outs)
        .map(|_| {
            let len = r.random_range(1..=m);
            random_vec(&mut r, len)
        })
        .collect();
    let xs: Vec<Vec<T>> = (0..ins).map(|_| random_vec(&mut r, n)).collect();
    let want = oracle(&xs, &kernels, outs);
    // The tolerance of one pair, scaled by the number of inputs summed.
    let x_all: Vec<T> = xs.concat();
    let k_all: Vec<T> = kernels.concat();
    for mode in MODES {
        let mut matrix = builder(block, mode)
            .build_matrix(ins, outs, &kernels)
            .unwrap();
        let max_chunk = [1, 3, block, 3 * block + 1][r.random_range(0..4)];
        let got = stream(&mut matrix, &xs, &mut r, max_chunk);
        for (o, (g, w)) in got.iter().zip(&want).enumerate() {
            let what = format!(
                "{} {ins}x{outs} m={m} block={block} {mode:?} chunk<={max_chunk} output {o}",
                T::NAME
            );
            assert_close(g, w, &x_all, &k_all, &what);
        }
    }
}

#[test]
fn matrices_equal_the_sums_of_one_shot_convolutions() {
    let shapes = [(1, 1), (1, 2), (2, 1), (2, 2), (3, 2), (4, 3)];
    for (i, &shape) in shapes.iter().enumerate() {
        for (j, &(m, block)) in [(5, 4), (300, 16), (5000, 64)].iter().enumerate() {
            check::<f64>(100 + 10 * i as u64 + j as u64, shape, m, block);
        }
    }
    check::<f32>(200, (2, 2), 3000, 32);
    check::<Complex<f64>>(201, (2, 3), 700, 8);
    check::<Complex<f32>>(202, (3, 2), 900, 16);
}

#[test]
fn long_true_stereo_kernels() {
    check::<f64>(300, (2, 2), 60_000, 256);
    check::<f32>(301, (2, 2), 40_000, 64);
}

/// Every bit pattern equally likely: the limbs must make the summed products exact too.
#[test]
fn integer_matrices_are_exact() {
    let mut r = rng(400);
    let (ins, outs) = (3, 2);
    let full_i32 = |r: &mut ChaCha8Rng, len| (0..len).map(|_| r.random::<i32>()).collect();
    let full_i64 = |r: &mut ChaCha8Rng, len| (0..len).map(|_| r.random::<i64>()).collect();
    let k32: Vec<Vec<i32>> = (0..6).map(|i| full_i32(&mut r, 100 + 500 * i)).collect();
    let x32: Vec<Vec<i32>> = (0..ins).map(|_| full_i32(&mut r, 4000)).collect();
    let k64: Vec<Vec<i64>> = (0..6).map(|i| full_i64(&mut r, 50 + 300 * i)).collect();
    let x64: Vec<Vec<i64>> = (0..ins).map(|_| full_i64(&mut r, 3000)).collect();
    for mode in MODES {
        let mut m = builder(64, mode).build_matrix(ins, outs, &k32).unwrap();
        assert_eq!(stream(&mut m, &x32, &mut r, 100), oracle(&x32, &k32, outs));
        let mut m = builder(32, mode).build_matrix(ins, outs, &k64).unwrap();
        assert_eq!(stream(&mut m, &x64, &mut r, 50), oracle(&x64, &k64, outs));
    }
}

/// A 1 × 1 matrix runs the same engine as a one-channel convolver: the same bits.
#[test]
fn one_by_one_is_a_stream_convolver() {
    let mut r = rng(500);
    let h: Vec<f32> = random_vec(&mut r, 20_000);
    let x: Vec<f32> = random_vec(&mut r, 30_000);
    for mode in MODES {
        let mut conv = builder(128, mode).build(&h).unwrap();
        let mut matrix = builder(128, mode).build_matrix(1, 1, &[&h]).unwrap();
        let (mut a, mut b) = (vec![0.0; x.len()], vec![0.0; x.len()]);
        for (at, len) in (0..x.len()).step_by(500).map(|at| (at, 500)) {
            conv.process(&x[at..at + len], &mut a[at..at + len])
                .unwrap();
            matrix
                .process(&[&x[at..at + len]], &mut [&mut b[at..at + len]])
                .unwrap();
        }
        assert!(a.iter().zip(&b).all(|(p, q)| p.to_bits() == q.to_bits()));
    }
}

/// Exact equality, telling -0.0 from 0.0.
fn same_bits(a: &[Vec<f64>], b: &[Vec<f64>]) -> bool {
    a.iter()
        .flatten()
        .zip(b.iter().flatten())
        .all(|(p, q)| p.to_bits() == q.to_bits())
}

/// Workers, a clone, a state carried into another matrix, prepared kernels and cross-faded
/// swaps: the same bits as the one-thread matrix with `set_kernels`.
#[test]
fn workers_states_and_prepared_kernels_change_no_bit() {
    let mut r = rng(600);
    let (ins, outs, m) = (2, 3, 12_000);
    let make = |workers| {
        StreamBuilder::new(64)
            .capacity(m)
            .crossfade(200)
            .head(Head::Fft)
            .worker_threads(workers)
    };
    let kernels: Vec<Vec<f64>> = (0..ins * outs).map(|_| random_vec(&mut r, m)).collect();
    for workers in [1, 2] {
        let mut one = make(0).build_matrix(ins, outs, &kernels).unwrap();
        let mut many = make(workers).build_matrix(ins, outs, &kernels).unwrap();
        let mut copies = vec![];
        for step in 0..300 {
            let len = r.random_range(1..=200);
            let xs: Vec<Vec<f64>> = (0..ins).map(|_| random_vec(&mut r, len)).collect();
            let ins_: Vec<&[f64]> = xs.iter().map(Vec::as_slice).collect();
            let mut a = vec![vec![0.0; len]; outs];
            let mut b = vec![vec![0.0; len]; outs];
            one.process(
                &ins_,
                &mut a.iter_mut().map(|v| &mut v[..]).collect::<Vec<_>>(),
            )
            .unwrap();
            many.process(
                &ins_,
                &mut b.iter_mut().map(|v| &mut v[..]).collect::<Vec<_>>(),
            )
            .unwrap();
            assert!(same_bits(&a, &b), "workers {workers} step {step}");
            if step % 60 == 30 {
                let swap: Vec<Vec<f64>> = (0..ins * outs)
                    .map(|_| {
                        let len = r.random_range(0..=m);
                        random_vec(&mut r, len)
                    })
                    .collect();
                one.set_kernels(&swap).unwrap();
                let mut prepared = many.prepare_kernels(&swap).unwrap();
                many.set_prepared(&mut prepared).unwrap();
            }
            if step == 100 {
                copies.push((one.try_clone().unwrap(), many.clone()));
            }
            if step == 200 {
                let mut moved = make(workers).build_matrix(ins, outs, &kernels).unwrap();
                moved.load_state(&one.save_state().unwrap()).unwrap();
                many = moved;
            }
        }
        for (mut a, mut b) in copies {
            let mut ta = vec![vec![0.0; a.tail_len()]; outs];
            let mut tb = vec![vec![0.0; b.tail_len()]; outs];
            a.flush(&mut ta.iter_mut().map(|v| &mut v[..]).collect::<Vec<_>>())
                .unwrap();
            b.flush(&mut tb.iter_mut().map(|v| &mut v[..]).collect::<Vec<_>>())
                .unwrap();
            assert!(same_bits(&ta, &tb), "clone, workers {workers}");
        }
    }
}

/// Called after `T` samples, every output from `T + fade_delay + crossfade` on is the whole
/// past convolved with the new kernels.
#[test]
fn crossfaded_swaps_settle_on_the_new_kernels() {
    let mut r = rng(700);
    let (ins, outs, m, fade) = (2, 2, 3000, 256);
    let old: Vec<Vec<f64>> = (0..4).map(|_| random_vec(&mut r, m)).collect();
    let new: Vec<Vec<f64>> = (0..4).map(|_| random_vec(&mut r, m / 2)).collect();
    let n = 20_000;
    let xs: Vec<Vec<f64>> = (0..ins).map(|_| random_vec(&mut r, n)).collect();
    let mut matrix = StreamBuilder::new(64)
        .crossfade(fade)
        .build_matrix(ins, outs, &old)
        .unwrap();
    let split = 5000;
    let mut got = vec![vec![0.0; n]; outs];
    for (from, to) in [(0, split), (split, n)] {
        if from == split {
            matrix.set_kernels(&new).unwrap();
        }
        let ins_: Vec<&[f64]> = xs.iter().map(|x| &x[from..to]).collect();
        let mut os: Vec<&mut [f64]> = got.iter_mut().map(|o| &mut o[from..to]).collect();
        matrix.process(&ins_, &mut os).unwrap();
    }
    let want = oracle(&xs, &new, outs);
    let settled = split + matrix.fade_delay() + fade;
    for (o, (g, w)) in got.iter().zip(&want).enumerate() {
        let (x_all, k_all) = (xs.concat(), new.concat());
        assert_close(
            &g[settled..],
            &w[settled..n],
            &x_all,
            &k_all,
            &format!("{o}"),
        );
    }
}

#[test]
fn empty_pairs_contribute_nothing() {
    let mut r = rng(800);
    let x: Vec<f64> = random_vec(&mut r, 1000);
    let mut y: Vec<f64> = random_vec(&mut r, 1000);
    let k: Vec<f64> = random_vec(&mut r, 100);
    // Input 1 reaches nothing (its infinity and NaN reach no output); input 0 reaches
    // output 1 only.
    (y[10], y[500]) = (f64::INFINITY, f64::NAN);
    let kernels = [vec![], k.clone(), vec![], vec![]];
    let mut m = StreamBuilder::new(32).build_matrix(2, 2, &kernels).unwrap();
    let (mut a, mut b) = (vec![1.0; 1000], vec![0.0; 1000]);
    m.process(&[&x, &y], &mut [&mut a, &mut b]).unwrap();
    assert!(a.iter().all(|&v| v == 0.0));
    let want = convolve(&x, &k, Mode::Full).unwrap();
    assert_close(&b, &want[..1000], &x, &k, "pair 0 -> 1");
}

#[test]
fn bad_shapes_are_errors() {
    let k = [[1.0f64; 4]; 4];
    let b = || StreamBuilder::new(16);
    assert!(matches!(
        b().build_matrix(0, 2, &k[..0]),
        Err(ConvError::EmptyInput { argument: "inputs" })
    ));
    assert!(matches!(
        b().build_matrix(2, 0, &k[..0]),
        Err(ConvError::EmptyInput {
            argument: "outputs"
        })
    ));
    assert!(matches!(
        b().build_matrix(2, 2, &k[..3]),
        Err(ConvError::MatrixShape {
            what: "kernels",
            expected: 4,
            got: 3
        })
    ));
    assert!(matches!(
        b().channels(2).build_matrix(2, 2, &k),
        Err(ConvError::MatrixShape {
            what: "channels",
            ..
        })
    ));
    let empty: [&[f64]; 4] = [&[], &[], &[], &[]];
    assert!(matches!(
        b().build_matrix(2, 2, &empty),
        Err(ConvError::EmptyInput { argument: "kernel" })
    ));
    assert!(matches!(
        b().capacity(3).build_matrix(2, 2, &k),
        Err(ConvError::KernelLength {
            capacity: 3,
            got: 4
        })
    ));
    assert!(matches!(
        b().build_matrix(usize::MAX, 2, &k),
        Err(ConvError::MatrixShape { .. })
    ));
    let mut m = b().build_matrix(2, 2, &k).unwrap();
    let (x, mut o1, mut o2) = ([1.0; 8], [0.0; 8], [0.0; 7]);
    assert!(matches!(
        m.process(&[&x], &mut [&mut o1, &mut o2[..]]),
        Err(ConvError::MatrixShape {
            what: "inputs",
            expected: 2,
            got: 1
        })
    ));
    assert!(matches!(
        m.process(&[&x, &x], &mut [&mut o1]),
        Err(ConvError::MatrixShape {
            what: "outputs",
            ..
        })
    ));
    assert!(matches!(
        m.process(&[&x, &x], &mut [&mut o1, &mut o2[..]]),
        Err(ConvError::OutputLength {
            expected: 8,
            got: 7
        })
    ));
    assert!(matches!(
        m.process(&[&x, &x[..7]], &mut [&mut o1, &mut [0.0; 8]]),
        Err(ConvError::OutputLength { .. })
    ));
    assert!(m.set_kernels(&k[..2]).is_err());
    assert!(m.set_kernels(&[[1.0; 5]; 4]).is_err());
    // A plain convolver's prepared kernel does not fit a matrix of the same sizes.
    let plain = StreamBuilder::new(16).build(&[1.0f64; 4]).unwrap();
    let mut foreign = plain.prepare_kernel(&[1.0; 4]).unwrap();
    assert!(matches!(
        m.set_prepared(&mut foreign),
        Err(ConvError::PreparedKernel { .. })
    ));
    // Nor a plain convolver's state.
    assert!(m.load_state(&plain.save_state().unwrap()).is_err());
    // Nothing was consumed by the failed calls.
    assert_eq!(m.position(), 0);
}

#[test]
fn matrices_can_move_to_the_audio_thread() {
    fn send<S: Send>(s: S) -> S {
        s
    }
    let m = StreamBuilder::new(16)
        .worker_threads(1)
        .build_matrix(2, 2, &[[1.0f32; 64]; 4])
        .unwrap();
    let mut m = std::thread::spawn(move || send(m)).join().unwrap();
    let mut out = [0.0; 4];
    m.process(&[&[1.0; 4], &[0.0; 4]], &mut [&mut out, &mut [0.0; 4]])
        .unwrap();
    for (got, want) in out.iter().zip([1.0, 2.0, 3.0, 4.0]) {
        assert!((got - want).abs() < 1e-5, "{out:?}");
    }
}
