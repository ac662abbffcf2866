//! Arrays as row-major slices and back.

use ndarray::{Array, ArrayView, CowArray, Dimension};

use crate::alloc::try_uninit;
use crate::error::ConvError;

/// The array in row-major order, borrowed when it already is; otherwise a copy, allocated
/// fallibly (a strided view of a huge array, or a broadcast one, is an `Err`, not an abort).
pub(super) fn standard<'a, T: Clone, D: Dimension>(
    a: &'a ArrayView<'_, T, D>,
) -> Result<CowArray<'a, T, D>, ConvError> {
    if a.is_standard_layout() {
        return Ok(CowArray::from(a.view()));
    }
    let data = row_major(a)?;
    Ok(CowArray::from(
        Array::from_shape_vec(a.raw_dim(), data).expect("the data has the shape's size"),
    ))
}

/// The elements of `a` in row-major order, in a fallibly allocated vector.
pub(super) fn row_major<T: Clone, D: Dimension>(
    a: &ArrayView<'_, T, D>,
) -> Result<Vec<T>, ConvError> {
    let mut data = try_uninit(a.len())?;
    data.extend(a.iter().cloned());
    Ok(data)
}

pub(super) fn slice<'a, T, D: Dimension>(a: &'a CowArray<'_, T, D>) -> &'a [T] {
    a.as_slice().expect("standard layout is contiguous")
}

/// `data` as an array of dimension type `D` and this shape.
pub(super) fn shaped<T, D: Dimension>(mut dim: D, shape: &[usize], data: Vec<T>) -> Array<T, D> {
    dim.slice_mut().copy_from_slice(shape);
    Array::from_shape_vec(dim, data).expect("the data has the shape's size")
}
