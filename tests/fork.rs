//! A process forked after the global thread pool started (Python's `multiprocessing` on Linux,
//! gunicorn, joblib) computes in the child with the same results instead of waiting forever for
//! pool threads that did not survive the fork. Each child is given 60 s and killed after that,
//! so a regression fails the test rather than hanging the suite.
#![cfg(all(unix, feature = "rayon", feature = "ndarray"))]

mod common;

use std::time::{Duration, Instant};

use common::{pool, random_vec, rng};
use convolve::{Method, Mode, convolve_with, correlate_with};
use ndarray::Array2;

/// Runs `child` in a forked child; true when it returned true within the time limit.
fn in_forked_child(child: impl FnOnce() -> bool) -> bool {
    // SAFETY: the child runs only `child` and then `_exit`s, never returning into the test
    // harness; the harness's other threads are not used by the child.
    let pid = unsafe { libc::fork() };
    assert!(pid >= 0, "fork failed");
    if pid == 0 {
        let ok = std::panic::catch_unwind(std::panic::AssertUnwindSafe(child)).unwrap_or(false);
        // SAFETY: ends the child without running the parent's atexit handlers or destructors.
        unsafe { libc::_exit(if ok { 0 } else { 1 }) };
    }
    let start = Instant::now();
    loop {
        let mut status = 0;
        // SAFETY: `pid` is our child; `status` is a valid out-pointer.
        let done = unsafe { libc::waitpid(pid, &mut status, libc::WNOHANG) };
        if done == pid {
            return libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0;
        }
        if start.elapsed() > Duration::from_secs(60) {
            // SAFETY: kills and reaps our own child.
            unsafe {
                libc::kill(pid, libc::SIGKILL);
                libc::waitpid(pid, &mut status, 0);
            }
            return false;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn a_forked_child_computes_what_the_parent_computes() {
    // 10^5 x 10^3 is split over the pool in the parent (predicted far above the threshold).
    let mut rng = rng(11);
    let (a, v): (Vec<f64>, Vec<f64>) = (random_vec(&mut rng, 100_000), random_vec(&mut rng, 1_000));
    let big: Vec<f64> = random_vec(&mut rng, 300_000);
    let img = Array2::from_shape_vec((300, 400), random_vec::<f64>(&mut rng, 120_000)).unwrap();
    let ker = Array2::from_shape_vec((9, 9), random_vec::<f64>(&mut rng, 81)).unwrap();
    let run_all = || {
        (
            [
                Method::Auto,
                Method::Direct,
                Method::OverlapAdd,
                Method::Fft,
            ]
            .map(|m| convolve_with(&a, &v, Mode::Full, m).unwrap()),
            correlate_with(&big, &big, Mode::Same, Method::Fft).unwrap(),
            convolve::nd::convolve(img.view(), ker.view(), Mode::Same).unwrap(),
        )
    };
    let want = run_all();
    convolve::release_buffers();
    assert!(
        in_forked_child(|| {
            let got = run_all();
            convolve::release_buffers();
            got == want
        }),
        "the forked child hung or computed other values"
    );
    // A child's own pool is used as usual.
    assert!(in_forked_child(|| pool(2).install(run_all) == want));
    // And the parent is unaffected.
    assert!(run_all() == want);
}
