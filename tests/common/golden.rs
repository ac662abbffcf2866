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
