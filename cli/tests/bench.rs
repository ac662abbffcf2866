//! `convolve bench`'s machine-readable outputs: JSON that parses with the header a comparison
//! needs, CSV with its columns, min <= median <= max everywhere, and its argument errors.
//! Nothing here asserts on a timing (which method wins is the machine's business); the
//! bisection itself is unit-tested on synthetic costs in cli/src/bench/bisect.rs.

mod common;

use common::run;
use serde_json::Value;

/// Runs a quick bench on tiny sizes, without Python, and returns stdout.
fn bench(args: &[&str]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let mut all = vec!["bench", "--quick", "--no-python", "--repeats", "3"];
    all.extend_from_slice(args);
    let out = run(dir.path(), &all);
    assert!(
        out.status.success(),
        "{all:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn ordered(s: &Value) -> bool {
    let f = |k: &str| s[k].as_f64().unwrap();
    0.0 < f("min") && f("min") <= f("median") && f("median") <= f("max")
}

#[test]
fn json_has_the_header_and_ordered_stats() {
    let text = bench(&[
        "--format",
        "json",
        "--sizes",
        "300:8,300:200,64:64",
        "--mode",
        "same",
        "--dtype",
        "f32",
    ]);
    let v: Value = serde_json::from_str(&text).expect("bench --format json prints JSON");
    let h = &v["header"];
    assert!(!h["cpu"].as_str().unwrap().is_empty(), "{h}");
    assert!(h["threads"].as_u64().unwrap() >= 1, "{h}");
    assert!(!h["profile"].as_str().unwrap().is_empty(), "{h}");
    assert!(
        h["simd"].is_array() && h["date"].as_str().unwrap().ends_with('Z'),
        "{h}"
    );
    assert!(
        h["command"].as_str().unwrap().contains("--format json"),
        "{h}"
    );
    assert_eq!(h["convolve_version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(
        (h["repeats"].as_u64(), h["mode"].as_str()),
        (Some(3), Some("same"))
    );
    assert!(h["python"].is_null());
    let cells = v["cells"].as_array().unwrap();
    assert_eq!(cells.len(), 3);
    let methods = ["direct", "fft", "overlap-add"];
    for (c, (n, m)) in cells.iter().zip([(300, 8), (300, 200), (64, 64)]) {
        assert_eq!((c["n"].as_u64(), c["m"].as_u64()), (Some(n), Some(m)));
        assert_eq!(
            (c["dtype"].as_str(), c["mode"].as_str()),
            (Some("f32"), Some("same"))
        );
        for k in methods.iter().chain(&["auto"]) {
            assert!(ordered(&c["methods"][k]), "{k}: {c}");
        }
        assert!(methods.contains(&c["fastest"].as_str().unwrap()), "{c}");
        assert!(methods.contains(&c["auto_picks"].as_str().unwrap()), "{c}");
        let ratio = c["auto_over_best"].as_f64().unwrap();
        let auto = c["methods"]["auto"]["median"].as_f64().unwrap();
        let best = c["methods"][c["fastest"].as_str().unwrap()]["median"]
            .as_f64()
            .unwrap();
        assert!((ratio - auto / best).abs() <= 1e-9 * ratio, "{c}");
        assert!(c["spread"].as_f64().unwrap() >= 1.0 && c["noisy"].is_boolean());
        assert!(c["tied_with"].is_array() && c["python"].is_null());
    }
    // n = 300 has two kernel lengths: whatever the machine says, each crossover found there
    // is bracketed inside them and names two different methods.
    for x in v["crossovers"].as_array().unwrap() {
        assert_eq!(x["n"], 300, "{x}");
        let (lo, m) = (x["m_low"].as_u64().unwrap(), x["m"].as_u64().unwrap());
        assert!(8 <= lo && lo < m && m <= 200, "{x}");
        assert_ne!(x["from"], x["to"]);
        assert!(x.get("model_m").is_some(), "{x}");
    }
    let auto = &v["auto"];
    assert_eq!(auto["cells"], 3);
}

#[test]
fn threads_option_sets_the_pool() {
    let text = bench(&["--format", "json", "--sizes", "100:4", "--threads", "1"]);
    let v: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["header"]["threads"], 1);
    assert_eq!(v["crossovers"].as_array().map(Vec::len), Some(0));
}

#[test]
fn csv_has_header_lines_and_one_row_per_cell_and_method() {
    let text = bench(&["--format", "csv", "--sizes", "200:16,1000:3"]);
    let comments: Vec<&str> = text.lines().take_while(|l| l.starts_with('#')).collect();
    for key in [
        "# cpu: ",
        "# threads: ",
        "# simd: ",
        "# date: ",
        "# repeats: 3",
        "# command: ",
    ] {
        assert!(comments.iter().any(|l| l.starts_with(key)), "{key}: {text}");
    }
    let mut lines = text.lines().skip(comments.len());
    let columns = "n,m,dtype,mode,method,min_s,median_s,max_s,spread,fastest,tied_with,auto_picks,auto_over_best";
    assert_eq!(lines.next(), Some(columns));
    let rows: Vec<Vec<&str>> = lines
        .filter(|l| !l.starts_with('#'))
        .map(|l| l.split(',').collect())
        .collect();
    assert_eq!(rows.len(), 2 * 4, "{text}");
    for (r, method) in rows
        .iter()
        .zip(["direct", "fft", "overlap-add", "auto"].iter().cycle())
    {
        assert_eq!(r.len(), 13, "{r:?}");
        assert_eq!((r[2], r[3], r[4]), ("f64", "full", *method));
        let x: Vec<f64> = r[5..9].iter().map(|s| s.parse().unwrap()).collect();
        assert!(
            0.0 < x[0] && x[0] <= x[1] && x[1] <= x[2] && x[3] >= 1.0,
            "{r:?}"
        );
    }
    assert_eq!(
        (rows[0][0], rows[0][1], rows[7][0], rows[7][1]),
        ("200", "16", "1000", "3")
    );
}

#[test]
fn table_states_machine_and_settings_first() {
    let text = bench(&["--sizes", "100:4,100:50"]);
    let top: Vec<&str> = text.lines().take(4).collect();
    assert!(top[0].contains("3 batches"), "{text}");
    assert!(
        top[1].starts_with("machine: ") && top[1].contains("thread"),
        "{text}"
    );
    assert!(
        text.contains("n (signal)") && text.contains("auto/best"),
        "{text}"
    );
    assert!(
        text.contains("Crossovers") && text.contains("n =      100"),
        "{text}"
    );
}

#[test]
fn bad_bench_arguments_are_one_line_errors() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    for (args, needle, code) in [
        (
            &["bench", "--repeats", "0", "--sizes", "9:3"][..],
            "--repeats 0",
            1,
        ),
        (
            &["bench", "--threads", "0", "--sizes", "9:3"][..],
            "--threads 0",
            1,
        ),
        (
            &["bench", "--python", "/nonexistent/python", "--sizes", "9:3"][..],
            "--python",
            1,
        ),
        (
            &["bench", "--python", "/bin/true", "--sizes", "9:3"][..],
            "did not run",
            1,
        ),
        (
            &["bench", "--python", "x", "--no-python"][..],
            "cannot be used with",
            2,
        ),
        (&["bench", "--format", "xml"][..], "xml", 2),
    ] {
        let out = run(d, args);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(code), "{args:?}: {err}");
        assert!(
            err.contains(needle) && err.trim().lines().count() == 1,
            "{args:?}: {err}"
        );
        assert!(!err.contains("panicked"), "{args:?}: {err}");
    }
}
