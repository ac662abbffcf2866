//! Streaming equals one-shot `Full`: random block sizes (1, odd, larger than the partition),
//! every latency and partitioning, kernels of 1 to 200,000 taps; reset, channels, kernel swap.

mod common;

use common::stream::{STREAM_MODES as MODES, builder, stream};
use common::{TestElem, assert_close, random_vec, rng};
use convolve::num_complex::Complex;
use convolve::{
    ConvError, Head, Latency, Mode, Partitioning, StreamBuilder, StreamConvolver, convolve,
};
use rand::RngExt;

fn check<T: TestElem>(
    seed: u64,
    m: usize,
    n: usize,
    block: usize,
    modes: &[(Latency, Partitioning, Head)],
) {
    let mut r = rng(seed);
    let h: Vec<T> = random_vec(&mut r, m);
    let x: Vec<T> = random_vec(&mut r, n);
    let want = convolve(&x, &h, Mode::Full).unwrap();
    for &mode in modes {
        let mut conv = builder(block, mode).build(&h).unwrap();
        let max_chunk = [1, 3, block, 3 * block + 1][r.random_range(0..4)];
        let got = stream(&mut conv, &x, &mut r, max_chunk);
        let what = format!(
            "{} m={m} n={n} block={block} {mode:?} chunk<={max_chunk}",
            T::NAME
        );
        assert_close(&got, &want, &x, &h, &what);
        // reset equals a fresh instance, exactly.
        conv.reset();
        let mut fresh = builder(block, mode).build(&h).unwrap();
        let mut r1 = rng(seed + 1);
        let mut r2 = rng(seed + 1);
        let a = stream(&mut conv, &x, &mut r1, max_chunk);
        let b = stream(&mut fresh, &x, &mut r2, max_chunk);
        assert_eq!(a, b, "{what}: reset");
    }
}

#[test]
fn short_kernels_all_modes_and_blocks() {
    let mut seed = 0;
    for m in [1, 2, 3, 5, 16, 31, 64, 65, 100, 257] {
        for block in [1, 2, 3, 7, 16, 32, 64, 100] {
            seed += 1;
            check::<f64>(seed, m, 3 * m + 2 * block + 11, block, &MODES);
        }
    }
}

#[test]
fn long_kernels_non_uniform() {
    let modes = [MODES[0], MODES[2], MODES[4]];
    for (i, (m, block)) in [
        (1000, 32),
        (4097, 64),
        (16_384, 128),
        (20_000, 7),
        (96_000, 64),
        (200_000, 512),
    ]
    .into_iter()
    .enumerate()
    {
        check::<f64>(100 + i as u64, m, m / 4 + 5000, block, &modes);
    }
}

#[test]
fn uniform_medium_kernels() {
    let modes = [MODES[1], MODES[3], MODES[5]];
    check::<f64>(200, 5000, 3000, 256, &modes);
    check::<f64>(201, 2049, 3000, 64, &modes);
}

#[test]
fn element_types() {
    for (i, &(m, block)) in [(1, 4), (50, 8), (700, 32), (3000, 64)].iter().enumerate() {
        let s = 300 + i as u64;
        check::<f32>(s, m, m + 500, block, &MODES);
        check::<Complex<f64>>(s, m, m + 500, block, &MODES);
        check::<Complex<f32>>(s, m, m + 500, block, &MODES);
    }
}

#[test]
fn channels_share_the_kernel_and_stay_independent() {
    let mut r = rng(400);
    let h: Vec<f64> = random_vec(&mut r, 3000);
    let left: Vec<f64> = random_vec(&mut r, 5000);
    let right: Vec<f64> = random_vec(&mut r, 5000);
    let mut conv = StreamBuilder::new(64).channels(2).build(&h).unwrap();
    let tail = conv.tail_len();
    let mut out = [vec![0.0; 5000 + tail], vec![0.0; 5000 + tail]];
    // Interleave the channels in blocks of different sizes.
    for (k, (l, rr)) in left.chunks(100).zip(right.chunks(100)).enumerate() {
        conv.process_channel(0, l, &mut out[0][k * 100..(k + 1) * 100])
            .unwrap();
        conv.process_channel(1, rr, &mut out[1][k * 100..(k + 1) * 100])
            .unwrap();
    }
    let [o0, o1] = &mut out;
    conv.flush_channel(0, &mut o0[5000..]).unwrap();
    conv.flush_channel(1, &mut o1[5000..]).unwrap();
    for (x, o) in [(&left, o0), (&right, o1)] {
        let want = convolve(x, &h, Mode::Full).unwrap();
        assert_close(o, &want, x, &h, "channel");
    }
    assert_eq!(
        conv.process_channel(2, &[1.0], &mut [0.0]),
        Err(ConvError::Channel {
            index: 2,
            channels: 2
        })
    );
}

#[test]
fn set_kernel_before_any_input_equals_building_with_it() {
    let mut r = rng(500);
    let old: Vec<f32> = random_vec(&mut r, 4000);
    let new: Vec<f32> = random_vec(&mut r, 2500);
    let x: Vec<f32> = random_vec(&mut r, 6000);
    for mode in MODES {
        let b = builder(64, mode);
        let mut swapped = b.capacity(4000).build(&old).unwrap();
        let mut junk = vec![0.0; 1000];
        swapped.process(&x[..1000], &mut junk).unwrap();
        swapped.reset();
        swapped.set_kernel(&new).unwrap();
        let got = stream(&mut swapped, &x, &mut rng(1), 200);
        let want = convolve(&x, &new, Mode::Full).unwrap();
        assert_close(&got, &want, &x, &new, "swap then stream");
    }
}

#[test]
fn set_kernel_mid_stream_settles_on_the_new_kernel() {
    // After the swap, once the old kernel's accumulated outputs have played (kernel length
    // plus the largest partition), the output is the whole past signal convolved with the new
    // kernel: nothing of the old one is left and no history was lost.
    let mut r = rng(501);
    let old: Vec<f64> = random_vec(&mut r, 3000);
    let new: Vec<f64> = random_vec(&mut r, 3000);
    let x: Vec<f64> = random_vec(&mut r, 20_000);
    let mut conv = StreamConvolver::new(&old, 32).unwrap();
    let mut out = vec![0.0; x.len()];
    conv.process(&x[..8000], &mut out[..8000]).unwrap();
    conv.set_kernel(&new).unwrap();
    conv.process(&x[8000..], &mut out[8000..]).unwrap();
    let want = convolve(&x, &new, Mode::Full).unwrap();
    let settled = 8000 + 3000 + 8192;
    assert_close(
        &out[settled..],
        &want[settled..x.len()],
        &x,
        &new,
        "settled",
    );
}

#[test]
fn errors_carry_numbers() {
    assert_eq!(
        StreamConvolver::<f64>::new(&[1.0], 0).err(),
        Some(ConvError::ZeroBlockLength)
    );
    assert_eq!(
        StreamConvolver::<f64>::new(&[], 4).err(),
        Some(ConvError::EmptyInput { argument: "kernel" })
    );
    let mut conv = StreamConvolver::new(&[1.0f64; 10], 4).unwrap();
    assert_eq!(
        conv.set_kernel(&[1.0; 11]),
        Err(ConvError::KernelLength {
            capacity: 10,
            got: 11
        })
    );
    assert_eq!(
        conv.process(&[1.0; 3], &mut [0.0; 2]),
        Err(ConvError::OutputLength {
            expected: 3,
            got: 2
        })
    );
    assert_eq!(
        StreamBuilder::new(64)
            .capacity(10)
            .build(&[1.0f64; 100])
            .err(),
        Some(ConvError::KernelLength {
            capacity: 10,
            got: 100
        })
    );
    let msg = ConvError::KernelLength {
        capacity: 10,
        got: 11,
    }
    .to_string();
    assert!(msg.contains("10") && msg.contains("11"), "{msg}");
}

#[test]
fn convolver_can_move_to_the_audio_thread() {
    fn send<S: Send>(s: S) -> S {
        s
    }
    let mut conv = send(StreamConvolver::new(&[1.0f32, 0.5], 16).unwrap());
    let handle = std::thread::spawn(move || {
        let mut out = [0.0; 2];
        conv.process(&[2.0, 0.0], &mut out).unwrap();
        out
    });
    assert_eq!(handle.join().unwrap(), [2.0, 1.0]);
}

/// `got` equals the documented fade mix `want` of the signal `x` convolved with `kernels`,
/// within `2·ε·log2(n)·‖x‖·max ‖kernel‖`.
fn assert_mix(got: &[f64], want: &[f64], x: &[f64], kernels: &[&[f64]], what: &str) {
    let norm = |h: &[f64]| h.iter().map(|v| v * v).sum::<f64>().sqrt();
    let largest = kernels.iter().map(|k| norm(k)).fold(0.0, f64::max);
    let tol = 2.0 * f64::EPSILON * (x.len() as f64).log2() * norm(x) * largest;
    let bad = got
        .iter()
        .zip(want)
        .enumerate()
        .find(|(_, (a, b))| (*a - *b).abs() > tol);
    assert!(bad.is_none(), "{what}: first mismatch {bad:?} tol {tol}");
}

/// The documented new-kernel gain `i` samples into the fade.
fn gain(i: usize, len: usize) -> f64 {
    0.5 - 0.5 * (std::f64::consts::PI * i as f64 / len as f64).cos()
}

#[test]
fn crossfade_mixes_old_and_new_then_equals_the_new_kernel() {
    let mut r = rng(600);
    for (i, &(m_old, m_new, block, fade, mode)) in [
        (3000, 2000, 64, 1000, MODES[0]),
        (5000, 5000, 32, 333, MODES[4]),
        (700, 1200, 100, 64, MODES[2]),
        (20_000, 9000, 128, 4096, MODES[0]),
        (50, 50, 7, 10, MODES[1]),
    ]
    .iter()
    .enumerate()
    {
        let old: Vec<f64> = random_vec(&mut r, m_old);
        let new: Vec<f64> = random_vec(&mut r, m_new);
        let mut conv = builder(block, mode)
            .capacity(m_old.max(m_new))
            .crossfade(fade)
            .build(&old)
            .unwrap();
        let delay = conv.fade_delay();
        let switch = 3 * block + 5 + i;
        let n = switch + delay + fade + m_new + 2000;
        let x: Vec<f64> = random_vec(&mut r, n);
        let mut got = vec![0.0; n];
        let max_chunk = [1, 3, block, 3 * block + 1][i % 4];
        let mut at = 0;
        while at < n {
            if at == switch {
                conv.set_kernel(&new).unwrap();
            }
            let mut len = r.random_range(1..=max_chunk).min(n - at);
            if at < switch {
                len = len.min(switch - at);
            }
            conv.process(&x[at..at + len], &mut got[at..at + len])
                .unwrap();
            at += len;
        }
        let lat = conv.latency();
        let y_old = convolve(&x, &old, Mode::Full).unwrap();
        let y_new = convolve(&x, &new, Mode::Full).unwrap();
        let what = format!("{m_old}->{m_new} block={block} fade={fade} {mode:?}");
        // The gain runs on output time (the convolver's sample count); output sample u is
        // the convolution at u - latency.
        let want: Vec<f64> = (lat..n)
            .map(|u| {
                let g = match u.checked_sub(switch + delay) {
                    None => 0.0,
                    Some(i) if i < fade => gain(i, fade),
                    Some(_) => 1.0,
                };
                (1.0 - g) * y_old[u - lat] + g * y_new[u - lat]
            })
            .collect();
        assert_mix(&got[lat..], &want, &x, &[&old, &new], &what);
        // After the fade: a fresh convolver with the new kernel fed the same signal.
        let mut fresh = builder(block, mode).build(&new).unwrap();
        let mut y = vec![0.0; n];
        fresh.process(&x, &mut y).unwrap();
        let after = switch + delay + fade + lat;
        assert_close(&got[after..], &y[after..], &x, &new, &what);
    }
}

/// A kernel change in the same call as the previous fade's last sample starts a new fade from
/// the kernel then playing (a finished fade is not "running" before the next call clears it).
#[test]
fn crossfade_right_after_a_fade_starts_from_the_playing_kernel() {
    let mut r = rng(601);
    let (block, fade, m) = (64, 200, 500);
    let kernels: Vec<Vec<f64>> = (0..3).map(|_| random_vec(&mut r, m)).collect();
    let mut conv = builder(block, MODES[0])
        .crossfade(fade)
        .build(&kernels[0])
        .unwrap();
    let delay = conv.fade_delay();
    let first = 3 * block;
    let second = first + delay + fade;
    let n = second + delay + fade + 1000;
    let x: Vec<f64> = random_vec(&mut r, n);
    let mut got = vec![0.0; n];
    // Calls end exactly at each switch.
    conv.process(&x[..first], &mut got[..first]).unwrap();
    conv.set_kernel(&kernels[1]).unwrap();
    conv.process(&x[first..second], &mut got[first..second])
        .unwrap();
    conv.set_kernel(&kernels[2]).unwrap();
    conv.process(&x[second..], &mut got[second..]).unwrap();

    let y: Vec<Vec<f64>> = kernels
        .iter()
        .map(|k| convolve(&x, k, Mode::Full).unwrap())
        .collect();
    let mix = |u: usize, switch: usize, from: &[f64], to: &[f64]| {
        let g = match u.checked_sub(switch + delay) {
            None => 0.0,
            Some(i) if i < fade => gain(i, fade),
            Some(_) => 1.0,
        };
        (1.0 - g) * from[u] + g * to[u]
    };
    let want: Vec<f64> = (0..n)
        .map(|u| {
            if u < second {
                mix(u, first, &y[0], &y[1])
            } else {
                mix(u, second, &y[1], &y[2])
            }
        })
        .collect();
    let refs: Vec<&[f64]> = kernels.iter().map(Vec::as_slice).collect();
    assert_mix(&got, &want, &x, &refs, "two fades");
}

/// A flush during a cross-fade to a shorter kernel returns the whole tail of the mix: the
/// fading old kernel's longer tail is in it, and nothing is left after it.
#[test]
fn flush_mid_fade_covers_the_longer_kernel() {
    let mut r = rng(602);
    let (block, fade) = (32, 400);
    let (old, new) = (random_vec(&mut r, 700), random_vec(&mut r, 20));
    for mode in MODES {
        let build = || {
            builder(block, mode)
                .crossfade(fade)
                .capacity(700)
                .build(&old)
                .unwrap()
        };
        let (mut flushed, mut streamed) = (build(), build());
        let x: Vec<f64> = random_vec(&mut r, 300);
        let mut sink = vec![0.0; x.len()];
        for conv in [&mut flushed, &mut streamed] {
            conv.process(&x, &mut sink).unwrap();
            conv.set_kernel(&new).unwrap();
        }
        let tail_len = flushed.tail_len();
        assert_eq!(tail_len, 699 + flushed.latency(), "{mode:?}");
        let mut tail = vec![0.0; tail_len];
        flushed.flush(&mut tail).unwrap();
        // The same stream fed zeros for well past the tail.
        let zeros = vec![0.0; tail_len + 500];
        let mut after = vec![0.0; zeros.len()];
        streamed.process(&zeros, &mut after).unwrap();
        let scale = x.iter().map(|v| v * v).sum::<f64>().sqrt()
            * old.iter().map(|v| v * v).sum::<f64>().sqrt();
        let tol = 1e-12 * scale;
        for (i, (a, b)) in tail.iter().zip(&after).enumerate() {
            assert!((a - b).abs() <= tol, "{mode:?} {i}: {a} {b}");
        }
        // The fading old kernel's tail goes on well past the new kernel's (which a tail of
        // `19 + latency` would have cut)...
        let cut = 19 + flushed.latency() + 50;
        assert!(tail[cut..].iter().any(|v| v.abs() > tol), "{mode:?}");
        // ...and nothing comes after it.
        assert!(after[tail_len..].iter().all(|v| v.abs() <= tol), "{mode:?}");
        // Once the fade has played out, only the new kernel's tail is left.
        let mut rest = vec![0.0; 2 * fade + 2000];
        flushed.process(&vec![0.0; rest.len()], &mut rest).unwrap();
        assert_eq!(flushed.tail_len(), 19 + flushed.latency(), "{mode:?}");
    }
}
