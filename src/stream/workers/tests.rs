//! The workers against the one-thread engine: late, unclaimed and forked jobs.

use std::sync::atomic::Ordering;

use crate::{StreamBuilder, StreamConvolver};

fn pair(workers: usize) -> (StreamConvolver<f64>, StreamConvolver<f64>) {
    pair_with(workers, 32, 6000)
}

/// Two convolvers of a `taps`-tap kernel at block `block`, without and with `workers`.
fn pair_with(
    workers: usize,
    block: usize,
    taps: usize,
) -> (StreamConvolver<f64>, StreamConvolver<f64>) {
    let h: Vec<f64> = (0..taps)
        .map(|i| ((i * 7919) % 1000) as f64 / 1000.0 - 0.5)
        .collect();
    let b = StreamBuilder::new(block).channels(2);
    let one = b.build(&h).unwrap();
    let many = b.worker_threads(workers).build(&h).unwrap();
    assert!(!many.bg.shared.lanes.is_empty());
    (one, many)
}

/// Streams `blocks` blocks into both, comparing bits.
fn compare(one: &mut StreamConvolver<f64>, many: &mut StreamConvolver<f64>, blocks: usize) {
    let n = one.p0;
    compare_chunks(one, many, blocks, n);
}

/// Streams `chunks` chunks of `n` samples into both, comparing bits.
fn compare_chunks(
    one: &mut StreamConvolver<f64>,
    many: &mut StreamConvolver<f64>,
    chunks: usize,
    n: usize,
) {
    for k in 0..chunks {
        let x: Vec<f64> = (0..n).map(|i| ((k * n + i) as f64 * 0.37).sin()).collect();
        for c in 0..2 {
            let (mut a, mut b) = (vec![0.0; n], vec![0.0; n]);
            one.process_channel(c, &x, &mut a).unwrap();
            many.process_channel(c, &x, &mut b).unwrap();
            let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(&a), bits(&b), "block {k}");
        }
    }
}

/// A head of 15 partitions of 256: its tail of 13 goes to the workers.
fn long_head(workers: usize) -> (StreamConvolver<f64>, StreamConvolver<f64>) {
    let (one, many) = pair_with(workers, 256, 24_000);
    let tail = &many.bg.shared.lanes[0];
    assert!(tail.tail && !tail.here);
    (one, many)
}

#[test]
fn the_head_tail_on_a_worker_gives_the_same_bits() {
    let (mut one, mut many) = long_head(1);
    compare(&mut one, &mut many, 200);
    // Calls that cut blocks anywhere: the tail is taken at each block's last one.
    compare_chunks(&mut one, &mut many, 150, 100);
    // Late: the audio thread waits for the worker's sum.
    many.bg.shared.stall.store(3000, Ordering::Relaxed);
    compare(&mut one, &mut many, 20);
    // Never claimed: the audio thread computes it.
    many.bg.shared.stall.store(usize::MAX, Ordering::Relaxed);
    compare(&mut one, &mut many, 20);
}

#[test]
fn jobs_no_worker_takes_are_computed_by_the_audio_thread() {
    let (mut one, mut many) = pair(2);
    many.bg.shared.stall.store(usize::MAX, Ordering::Relaxed);
    compare(&mut one, &mut many, 300);
    // Every posted job ran, on this thread (a small head tail is never posted).
    for lane in many.bg.shared.lanes.iter().filter(|l| !l.here) {
        assert!(lane.posted.load(Ordering::Relaxed) > 0);
        assert!(
            lane.idle()
                || lane.posted.load(Ordering::Relaxed) - lane.done.load(Ordering::Relaxed) == 1
        );
    }
}

#[test]
fn late_jobs_a_worker_has_started_are_waited_for() {
    let (mut one, mut many) = pair(1);
    // Each job sleeps 3 ms once claimed: far past the deadline of the short lanes.
    many.bg.shared.stall.store(3000, Ordering::Relaxed);
    compare(&mut one, &mut many, 200);
    many.bg.shared.stall.store(0, Ordering::Relaxed);
    compare(&mut one, &mut many, 100);
}

/// Forks; the child streams 200 blocks through `many` and must give `one`'s bits
/// without workers. Returns in the parent once the child has passed.
#[cfg(unix)]
fn fork_matches(one: &StreamConvolver<f64>, many: &mut StreamConvolver<f64>) {
    let x: Vec<f64> = (0..32 * 200).map(|i| (i as f64 * 0.11).cos()).collect();
    let mut want = vec![0.0; x.len()];
    let mut got = vec![0.0; x.len()];
    let mut expected = one.try_clone().unwrap();
    for (a, b) in x.chunks(32).zip(want.chunks_mut(32)) {
        expected.process(a, b).unwrap();
    }
    // SAFETY: the child only runs this thread's code on memory it owns, allocating
    // nothing, then `_exit`s.
    let pid = unsafe { libc::fork() };
    assert!(pid >= 0);
    if pid == 0 {
        for (a, b) in x.chunks(32).zip(got.chunks_mut(32)) {
            many.process(a, b).unwrap();
        }
        // The child says it has no workers, and computes the same bits without them.
        let same = many.running_workers() == 0
            && want
                .iter()
                .zip(&got)
                .all(|(a, b)| a.to_bits() == b.to_bits());
        // SAFETY: ends the child without running the parent's destructors or harness.
        unsafe { libc::_exit(if same { 0 } else { 1 }) };
    }
    let mut status = 0;
    // SAFETY: waits for the child just made.
    assert_eq!(unsafe { libc::waitpid(pid, &mut status, 0) }, pid);
    assert!(
        libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0,
        "{status}"
    );
}

/// Streams `warm` blocks, then `stalled` with workers that sleep 20 ms in each job (the fork
/// is likely to catch one mid-job), forks (`fork_matches`), and streams `warm` more in the
/// parent, whose workers carry on.
#[cfg(unix)]
fn fork_mid_job(
    one: &mut StreamConvolver<f64>,
    many: &mut StreamConvolver<f64>,
    warm: usize,
    stalled: usize,
) {
    compare(one, many, warm);
    many.bg.shared.stall.store(20_000, Ordering::Relaxed);
    compare(one, many, stalled);
    assert_eq!(many.running_workers(), many.bg.workers);
    fork_matches(one, many);
    many.bg.shared.stall.store(0, Ordering::Relaxed);
    compare(one, many, warm);
}

#[cfg(unix)]
#[test]
fn a_forked_child_computes_the_same_without_threads() {
    let (mut one, mut many) = pair(2);
    fork_mid_job(&mut one, &mut many, 50, 3);
}

/// Jobs no worker claimed, forked at every block of the longest lane's period: the child
/// restarts each from the input rings and computes the same bits.
#[cfg(unix)]
#[test]
fn a_forked_child_completes_the_jobs_pending_at_every_phase() {
    let (mut one, mut many) = pair(1);
    many.bg.shared.stall.store(usize::MAX, Ordering::Relaxed);
    let longest = many.bg.segments().map(|s| s.spec.size).max().unwrap();
    for _ in 0..longest / 32 + 1 {
        compare(&mut one, &mut many, 1);
        fork_matches(&one, &mut many);
    }
}

/// A head tail a worker is summing when the process forks: the child sums it again.
#[cfg(unix)]
#[test]
fn a_forked_child_redoes_a_head_tail_in_flight() {
    let (mut one, mut many) = long_head(1);
    fork_mid_job(&mut one, &mut many, 30, 1);
}
