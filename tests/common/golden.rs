//! Reading the golden files the scripts write (`scripts/golden_nd.py`,
//! `scripts/golden_ndimage.py`): records `<tag> <shape> | <values>`.

use ndarray::{ArrayD, IxDyn};

use super::TestElem;

/// A shape (comma-separated, `-` for a 0-d array) and its row-major values, still as text.
pub type Record = (Vec<usize>, Vec<String>);

/// The record of `line`, which must start with `tag`.
pub fn array_record(line: &str, tag: &str) -> Record {
    let rest = line.strip_prefix(tag).expect("record tag").trim();
    let (shape, values) = rest.split_once('|').expect("shape | values");
    let shape = shape.trim();
    let shape = if shape == "-" {
        Vec::new()
    } else {
        shape.split(',').map(|d| d.parse().unwrap()).collect()
    };
    (
        shape,
        values.split_whitespace().map(str::to_string).collect(),
    )
}

/// The record as an array of `T`.
pub fn array<T: TestElem>((shape, values): &Record) -> ArrayD<T> {
    let data = values.iter().map(|s| T::parse(s)).collect();
    ArrayD::from_shape_vec(IxDyn(shape), data).unwrap()
}

/// One case of `tests/data/ndimage_golden.txt` (`scripts/golden_ndimage.py`).
pub struct NdimageCase {
    pub func: String,
    pub dtype: String,
    pub mode: String,
    pub cval: f64,
    pub origin: Vec<isize>,
    pub input: Record,
    pub weights: Record,
    /// The result's shape and values, or scipy's error message.
    pub out: Result<Record, String>,
}

/// Every case of the scipy.ndimage golden file.
pub fn ndimage_cases() -> Vec<NdimageCase> {
    let text = include_str!("../data/ndimage_golden.txt");
    let mut lines = text.lines().filter(|l| !l.starts_with('#'));
    let mut cases = Vec::new();
    while let Some(head) = lines.next() {
        let h: Vec<&str> = head.split_whitespace().collect();
        assert_eq!(h[0], "case");
        let input = array_record(lines.next().unwrap(), "input ");
        let weights = array_record(lines.next().unwrap(), "weights ");
        let last = lines.next().unwrap();
        let out = match last.strip_prefix("err ") {
            Some(msg) => Err(msg.to_string()),
            None => Ok(array_record(last, "out ")),
        };
        cases.push(NdimageCase {
            func: h[1].to_string(),
            dtype: h[2].to_string(),
            mode: h[3].to_string(),
            cval: h[4].parse().unwrap(),
            origin: h[5].split(',').map(|o| o.parse().unwrap()).collect(),
            input,
            weights,
            out,
        });
    }
    cases
}
