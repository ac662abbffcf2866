//! Arrays as row-major slices and back.

use ndarray::{Array, ArrayView, CowArray, Dimension};

/// The array in row-major order, borrowed when it already is.
pub(super) fn standard<'a, T: Clone, D: Dimension>(
    a: &'a ArrayView<'_, T, D>,
) -> CowArray<'a, T, D> {
    a.as_standard_layout()
}

pub(super) fn slice<'a, T, D: Dimension>(a: &'a CowArray<'_, T, D>) -> &'a [T] {
    a.as_slice().expect("standard layout is contiguous")
}

/// `data` as an array of dimension type `D` and this shape.
pub(super) fn shaped<T, D: Dimension>(mut dim: D, shape: &[usize], data: Vec<T>) -> Array<T, D> {
    dim.slice_mut().copy_from_slice(shape);
    Array::from_shape_vec(dim, data).expect("the data has the shape's size")
}
