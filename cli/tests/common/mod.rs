//! Helpers shared by the CLI's integration tests: running the binary, writing `.npy` files of
//! any dtype and layout byte by byte, reading results back through npyz's parser, and the
//! checks every failing run must pass.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;
use std::process::{Command, Output};

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Runs `convolve args…` in `dir`.
pub fn run(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_convolve"))
        .current_dir(dir)
        .args(args)
        .output()
        .expect("the binary runs")
}

/// Runs a command that must succeed with nothing on stdout or stderr.
pub fn ok(dir: &Path, args: &[&str]) {
    let out = run(dir, args);
    assert!(
        out.status.success(),
        "convolve {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.stderr.is_empty(),
        "{args:?}: stderr {:?}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.stdout.is_empty(), "{args:?}: stdout not quiet");
}

/// Every file in `dir` with its bytes.
pub fn snapshot(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap())
        .filter(|e| e.file_type().unwrap().is_file())
        .map(|e| {
            (
                e.file_name().to_string_lossy().into_owned(),
                fs::read(e.path()).unwrap(),
            )
        })
        .collect()
}

/// A failing run: exit status 1, one line on stderr containing `needle` and no panic text,
/// nothing on stdout, and the directory byte-identical afterwards (inputs untouched, no output,
/// no temporary).
pub fn fails(dir: &Path, args: &[&str], needle: &str) {
    let before = snapshot(dir);
    let out = run(dir, args);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{args:?}: {err}");
    assert_eq!(err.lines().count(), 1, "{args:?}: one line, got {err:?}");
    assert!(err.starts_with("error: "), "{args:?}: {err:?}");
    assert!(err.contains(needle), "{args:?}: {err:?} lacks {needle:?}");
    assert!(
        !err.contains("panicked") && !err.contains("RUST_BACKTRACE"),
        "{args:?}: {err:?}"
    );
    assert!(
        !err.contains(".convolve-partial"),
        "{args:?}: names a temporary: {err:?}"
    );
    assert!(out.stdout.is_empty(), "{args:?}: stdout");
    assert!(snapshot(dir) == before, "{args:?} changed the directory");
}

pub fn rng(seed: u64) -> ChaCha8Rng {
    ChaCha8Rng::seed_from_u64(seed)
}

/// `len` integers uniform in `lo..=hi`.
pub fn ints(len: usize, lo: i64, hi: i64, seed: u64) -> Vec<i64> {
    let mut r = rng(seed);
    (0..len).map(|_| r.random_range(lo..=hi)).collect()
}

/// `len` values uniform in -0.5..0.5.
pub fn noise(len: usize, seed: u64) -> Vec<f64> {
    let mut r = rng(seed);
    (0..len).map(|_| r.random_range(-0.5..0.5)).collect()
}

/// Writes a `.npy` version 1.0 holding `data` (already encoded) under `descr`, `shape` and
/// `fortran` order, as numpy lays it out.
pub fn write_npy(path: &Path, descr: &str, fortran: bool, shape: &[u64], data: &[u8]) {
    let shape = match shape {
        [n] => format!("({n},)"),
        s => format!(
            "({})",
            s.iter().map(u64::to_string).collect::<Vec<_>>().join(", ")
        ),
    };
    let order = if fortran { "True" } else { "False" };
    let mut header =
        format!("{{'descr': '{descr}', 'fortran_order': {order}, 'shape': {shape}, }}");
    while !(10 + header.len() + 1).is_multiple_of(64) {
        header.push(' ');
    }
    header.push('\n');
    let mut bytes = b"\x93NUMPY\x01\x00".to_vec();
    bytes.extend_from_slice(&(header.len() as u16).to_le_bytes());
    bytes.extend_from_slice(header.as_bytes());
    bytes.extend_from_slice(data);
    fs::write(path, bytes).unwrap();
}

/// A `.npy` parsed by npyz: `(descr, fortran order, shape, data bytes)`.
pub fn read_npy(path: &Path) -> (String, bool, Vec<u64>, Vec<u8>) {
    let bytes = fs::read(path).unwrap();
    let npy = npyz::NpyFile::new(&bytes[..]).unwrap();
    let descr = npy.dtype().descr().trim_matches('\'').to_string();
    let shape = npy.shape().to_vec();
    let fortran = npy.order() == npyz::Order::Fortran;
    let size = match &npy.dtype() {
        npyz::DType::Plain(ts) => ts.size_field() as usize,
        _ => panic!("plain dtype expected"),
    };
    let count: u64 = shape.iter().product();
    let data = bytes[bytes.len() - (count as usize) * size..].to_vec();
    (descr, fortran, shape, data)
}

/// `channels` (all of one length) stored as a 2-D array in `layout` and memory order:
/// element `(frame, channel)` of the logical signal.
pub fn layout_2d<T: Copy>(
    channels: &[Vec<T>],
    channels_first: bool,
    fortran: bool,
) -> (Vec<u64>, Vec<T>) {
    let (c, n) = (channels.len(), channels[0].len());
    let shape = if channels_first {
        vec![c as u64, n as u64]
    } else {
        vec![n as u64, c as u64]
    };
    let (rows, cols) = (shape[0] as usize, shape[1] as usize);
    let at = |i: usize, j: usize| {
        if channels_first {
            channels[i][j]
        } else {
            channels[j][i]
        }
    };
    let mut flat = Vec::with_capacity(rows * cols);
    if fortran {
        for j in 0..cols {
            for i in 0..rows {
                flat.push(at(i, j));
            }
        }
    } else {
        for i in 0..rows {
            for j in 0..cols {
                flat.push(at(i, j));
            }
        }
    }
    (shape, flat)
}

pub fn f64_bytes(x: &[f64]) -> Vec<u8> {
    x.iter().flat_map(|v| v.to_le_bytes()).collect()
}

pub fn bytes_f64(b: &[u8]) -> Vec<f64> {
    b.chunks_exact(8)
        .map(|c| f64::from_le_bytes(c.try_into().unwrap()))
        .collect()
}

/// Full convolution by the schoolbook sum in wrapping `i64` (numpy's integer arithmetic
/// modulo 2^64, which any narrower wrap-around is a reduction of).
pub fn naive_wrapping(a: &[i64], v: &[i64]) -> Vec<i64> {
    let mut out = vec![0i64; a.len() + v.len() - 1];
    for (i, &x) in a.iter().enumerate() {
        for (j, &y) in v.iter().enumerate() {
            out[i + j] = out[i + j].wrapping_add(x.wrapping_mul(y));
        }
    }
    out
}
