//! A stream copied mid-way (`Clone`, or `save_state` then `load_state` into a convolver built
//! the same way with another kernel) continues bit for bit as the original, for every element
//! type, during a cross-fade and per channel; the copies are independent afterwards.

mod common;

use common::{TestElem, random_vec, rng};
use convolve::num_complex::Complex;
use convolve::{Element, Latency, StreamBuilder, StreamConvolver};

fn run<T: Element>(conv: &mut StreamConvolver<T>, x: &[T], chunk: usize) -> Vec<T> {
    let mut out = vec![T::default(); x.len()];
    for c in 0..conv.channels() {
        for (xb, ob) in x.chunks(chunk).zip(out.chunks_mut(chunk)) {
            conv.process_channel(c, xb, ob).unwrap();
        }
    }
    out
}

fn check<T: TestElem>(seed: u64, b: StreamBuilder) {
    let mut r = rng(seed);
    let (k1, k2): (Vec<T>, Vec<T>) = (random_vec(&mut r, 700), random_vec(&mut r, 500));
    let x: Vec<T> = random_vec(&mut r, 3000);
    let mut a = b.build(&k1).unwrap();
    run(&mut a, &x[..1234], 37);
    a.set_kernel(&k2).unwrap(); // with a cross-fade: mid-fade from here on
    run(&mut a, &x[1234..1300], 5);
    let mut cloned = a.clone();
    let mut loaded = b.capacity(a.capacity()).build(&[T::default()]).unwrap();
    loaded.load_state(&a.save_state().unwrap()).unwrap();
    assert_eq!(loaded.save_state().unwrap(), a.save_state().unwrap());
    let want = run(&mut a, &x[1300..], 64);
    assert_eq!(run(&mut cloned, &x[1300..], 64), want, "clone");
    assert_eq!(run(&mut loaded, &x[1300..], 64), want, "load_state");
    let (mut ta, mut tb) = (
        vec![T::default(); a.tail_len()],
        vec![T::default(); a.tail_len()],
    );
    a.flush(&mut ta).unwrap();
    loaded.flush(&mut tb).unwrap();
    assert_eq!(ta, tb, "flush");
    // Independent: the original moved on (flushed), the clone did not.
    assert_ne!(a.position(), cloned.position());
}

#[test]
fn copies_continue_bit_for_bit() {
    let builders = [
        StreamBuilder::new(32),
        StreamBuilder::new(16)
            .capacity(900)
            .crossfade(200)
            .channels(2),
        StreamBuilder::new(64).latency(Latency::Block),
    ];
    for (i, b) in builders.into_iter().enumerate() {
        let s = 1000 + 10 * i as u64;
        check::<f32>(s, b);
        check::<f64>(s + 1, b);
        check::<Complex<f32>>(s + 2, b);
        check::<Complex<f64>>(s + 3, b);
        check::<i32>(s + 4, b);
        check::<i64>(s + 5, b);
    }
}

#[test]
fn a_state_loads_only_into_the_same_layout() {
    let a = StreamBuilder::new(32).build(&[1.0f64; 100]).unwrap();
    let state = a.save_state().unwrap();
    for other in [
        StreamBuilder::new(64).capacity(100),
        StreamBuilder::new(32).capacity(101),
        StreamBuilder::new(32).capacity(100).channels(2),
        StreamBuilder::new(32).capacity(100).crossfade(10),
        StreamBuilder::new(32).capacity(100).latency(Latency::Block),
    ] {
        let mut b = other.build(&[0.0f64]).unwrap();
        assert!(b.load_state(&state).is_err(), "{other:?}");
    }
    let mut f32s = StreamBuilder::new(32)
        .capacity(100)
        .build(&[0.0f32])
        .unwrap();
    assert!(f32s.load_state(&state).is_err());
    let mut same = StreamBuilder::new(32)
        .capacity(100)
        .build(&[0.0f64])
        .unwrap();
    same.load_state(&state).unwrap();
    assert_eq!(same.kernel_len(), 100);
}
