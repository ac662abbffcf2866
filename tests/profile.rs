//! Cost profiles: an active profile changes Auto's choices, `tune` fits one on this CPU, and a
//! saved profile reads back. One test, since the active profile is the process's.

use convolve::{Effort, Method, Mode, Profile, choose_method, choose_method_for, tune_with};

#[test]
fn profiles_move_autos_choices_and_tune_fits_one() {
    // Where the shipped rates pick the direct sum, a CPU whose direct sums are 20x slower
    // (relative to its transforms) makes Auto pick a transform method, and back.
    let (n, m) = (100_000, 32);
    let shipped = Profile::active();
    assert_eq!(choose_method(n, m, Mode::Full), Method::Direct);
    let mut slow_direct = shipped.clone();
    slow_direct.f64.direct = 20.0;
    slow_direct.activate();
    assert_eq!(Profile::active(), slow_direct);
    assert_eq!(choose_method(n, m, Mode::Full), Method::OverlapAdd);
    // f32 has scales of its own, still the shipped ones.
    assert_eq!(choose_method_for::<f32>(n, m, Mode::Full), Method::Direct);
    shipped.activate();
    assert_eq!(choose_method(n, m, Mode::Full), Method::Direct);

    let mut lines = Vec::new();
    let tuned = tune_with(Effort::Quick, &mut |l| lines.push(l.to_string())).unwrap();
    assert_eq!(Profile::active(), tuned, "tune activates what it measured");
    assert_eq!(tuned.cpu, convolve::cpu_name());
    assert!(lines.len() >= 3, "{lines:?}");
    let all = [
        tuned.f64.direct,
        tuned.f64.transform,
        tuned.f64.product,
        tuned.f32.direct,
        tuned.nd_f64.transform,
        tuned.separable[0],
        tuned.stream_transform,
        tuned.stream_mac,
    ];
    assert!(all.iter().all(|&x| (0.1..=10.0).contains(&x)), "{tuned:?}");
    // A long signal through a 3-tap kernel is direct on any CPU within the factors' range.
    assert_eq!(choose_method(1_000_000, 3, Mode::Full), Method::Direct);

    let path =
        std::env::temp_dir().join(format!("convolve-test-profile-{}.txt", std::process::id()));
    tuned.save(&path).unwrap();
    let back = Profile::load(&path).unwrap();
    std::fs::remove_file(&path).unwrap();
    // The file keeps four decimals.
    assert!((back.f64.direct / tuned.f64.direct - 1.0).abs() < 1e-3);
    assert_eq!(back.cpu, tuned.cpu);
}
