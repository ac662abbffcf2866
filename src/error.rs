//! The one error type of the crate.

use std::alloc::Layout;
use std::fmt;
use std::mem::MaybeUninit;

/// Why a convolution could not be computed.
///
/// Every variant carries the numbers that caused it, so that a message can say what to change.
///
/// ```
/// use convolve::{convolve, ConvError, Mode};
/// let err = convolve::<f64>(&[], &[1.0], Mode::Full).unwrap_err();
/// assert_eq!(err, ConvError::EmptyInput { argument: "a" });
/// assert!(err.to_string().contains("empty"));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConvError {
    /// One of the inputs has no elements (numpy raises `ValueError` here too).
    EmptyInput {
        /// Which argument was empty: `"a"` or `"v"` (or the name used by the calling API).
        argument: &'static str,
    },
    /// A mode string was not one of `full`, `same`, `valid`.
    InvalidMode {
        /// The string that was given.
        got: String,
    },
    /// A method string was not one of `auto`, `direct`, `fft`, `overlap-add`.
    InvalidMethod {
        /// The string that was given.
        got: String,
    },
    /// The output length, or a buffer length derived from it, does not fit in `usize`.
    LengthOverflow {
        /// Length of the first input.
        a_len: usize,
        /// Length of the second input.
        v_len: usize,
    },
    /// A buffer of this many bytes could not be allocated.
    Allocation {
        /// Requested size in bytes.
        bytes: usize,
    },
    /// A caller-provided output buffer has the wrong length.
    OutputLength {
        /// The length the result needs.
        expected: usize,
        /// The length of the buffer that was passed.
        got: usize,
    },
    /// A caller-provided input has a length other than the one a plan was built for.
    InputLength {
        /// The length the plan was built for.
        expected: usize,
        /// The length that was passed.
        got: usize,
    },
    /// A block or chunk length of zero was requested.
    ZeroBlockLength,
    /// A kernel is longer than the capacity a streaming convolver was built for.
    KernelLength {
        /// The longest kernel the convolver can take without allocating.
        capacity: usize,
        /// The length of the kernel that was passed.
        got: usize,
    },
    /// A channel index is not below the number of channels.
    Channel {
        /// The index that was passed.
        index: usize,
        /// The number of channels.
        channels: usize,
    },
    /// N-D `Mode::Valid`: neither input is at least as large as the other in every dimension
    /// (scipy raises `ValueError` here too).
    ValidShape {
        /// Shape of the first input.
        a_shape: Vec<usize>,
        /// Shape of the second input.
        v_shape: Vec<usize>,
    },
    /// N-D inputs with different numbers of dimensions (only possible with `IxDyn`).
    Dimensionality {
        /// Dimensions of the first input.
        a_ndim: usize,
        /// Dimensions of the second input.
        v_ndim: usize,
    },
    /// An axis given to `nd::convolve_axes` is out of range, repeated, or the list is empty.
    Axes {
        /// The axes that were passed.
        axes: Vec<usize>,
        /// Number of dimensions of the inputs.
        ndim: usize,
    },
    /// A non-convolved axis of `nd::convolve_axes` whose lengths are neither equal nor 1.
    Broadcast {
        /// The axis.
        axis: usize,
        /// Its length in the first input.
        a_len: usize,
        /// Its length in the second input.
        v_len: usize,
    },
}

impl fmt::Display for ConvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConvError::EmptyInput { argument } => write!(
                f,
                "input `{argument}` is empty; convolution needs at least one element in each input"
            ),
            ConvError::InvalidMode { got } => write!(
                f,
                "unknown mode {got:?}; expected one of \"full\", \"same\", \"valid\""
            ),
            ConvError::InvalidMethod { got } => write!(
                f,
                "unknown method {got:?}; expected one of \"auto\", \"direct\", \"fft\", \"overlap-add\""
            ),
            ConvError::LengthOverflow { a_len, v_len } => write!(
                f,
                "inputs of lengths {a_len} and {v_len} give an output or buffer length that does not fit in usize"
            ),
            ConvError::Allocation { bytes } => {
                write!(f, "could not allocate a buffer of {bytes} bytes")
            }
            ConvError::OutputLength { expected, got } => write!(
                f,
                "output buffer has length {got}, but the result has length {expected}"
            ),
            ConvError::InputLength { expected, got } => write!(
                f,
                "input has length {got}, but this plan was built for length {expected}"
            ),
            ConvError::ZeroBlockLength => write!(f, "block length must be at least 1"),
            ConvError::KernelLength { capacity, got } => write!(
                f,
                "kernel has {got} taps, but this convolver was built for at most {capacity}; build it with a larger capacity"
            ),
            ConvError::Channel { index, channels } => write!(
                f,
                "channel {index} does not exist; this convolver has {channels} channel(s)"
            ),
            ConvError::ValidShape { a_shape, v_shape } => write!(
                f,
                "for mode \"valid\", one input must be at least as large as the other in every dimension; got shapes {a_shape:?} and {v_shape:?}"
            ),
            ConvError::Dimensionality { a_ndim, v_ndim } => write!(
                f,
                "inputs have {a_ndim} and {v_ndim} dimensions; they must have the same number"
            ),
            ConvError::Axes { axes, ndim } => write!(
                f,
                "axes {axes:?} are not a non-empty list of distinct axes below {ndim}"
            ),
            ConvError::Broadcast { axis, a_len, v_len } => write!(
                f,
                "axis {axis} is not convolved, so its lengths must be equal or 1; got {a_len} and {v_len}"
            ),
        }
    }
}

impl std::error::Error for ConvError {}

/// A zero-filled vector of `len` elements, reserved fallibly so that a huge request is an
/// `Err` instead of an abort.
pub(crate) fn try_zeroed<T: Copy + Default>(len: usize) -> Result<Vec<T>, ConvError> {
    let mut v = try_uninit(len)?;
    v.resize(len, T::default());
    Ok(v)
}

/// [`try_zeroed`] for result vectors: zeroed by the allocator (`calloc`), which skips the pass
/// over memory when it maps fresh pages (always for large buffers), since the kernel hands
/// them out zeroed. The pass cost a memory-bound convolution as much as a third of its time
/// (10^7 × 3 `f64`: 80 MB zeroed, then written again).
pub(crate) fn try_zeroed_output<T: ZeroBits>(len: usize) -> Result<Vec<T>, ConvError> {
    let layout = Layout::array::<T>(len).map_err(|_| allocation_error::<T>(len))?;
    if layout.size() == 0 {
        return Ok(Vec::new());
    }
    // SAFETY: the layout has a non-zero size.
    let ptr = unsafe { std::alloc::alloc_zeroed(layout) }.cast::<T>();
    if ptr.is_null() {
        return Err(allocation_error::<T>(len));
    }
    // SAFETY: `ptr` was allocated by the global allocator with the layout of `len` elements of
    // `T`, and every byte is zero, a valid `T` (`ZeroBits`), so all `len` elements are
    // initialized.
    let mut v = unsafe { Vec::from_raw_parts(ptr, len, len) };
    advise_huge_pages(&mut v);
    Ok(v)
}

/// The size from which [`try_zeroed_output`] gets fresh pages from the OS, already zero and
/// not yet touched, instead of a `memset`: glibc's allocator maps every block of at least
/// 32 MiB (`DEFAULT_MMAP_THRESHOLD_MAX` on 64-bit; smaller blocks come from its heap, which
/// `calloc` clears). Pages of such a block are zeroed by the OS on the first write, on
/// whichever thread writes, so a split problem writes them in parallel; below it, a split
/// problem zeroes each part on its own thread instead of `calloc` clearing all on one.
pub(crate) const FRESH_PAGES_BYTES: usize = 32 << 20;

/// Types whose all-zero bytes are a valid value, their zero: the element types and the
/// transforms' buffer types.
///
/// # Safety
/// Implement only for types for which every byte zero is a valid value.
pub unsafe trait ZeroBits: Copy {}

// SAFETY: IEEE 0.0, integer 0, and pairs of them (`Complex` is `#[repr(C)]`).
unsafe impl ZeroBits for f32 {}
unsafe impl ZeroBits for f64 {}
unsafe impl ZeroBits for i32 {}
unsafe impl ZeroBits for i64 {}
unsafe impl<T: ZeroBits> ZeroBits for num_complex::Complex<T> {}

/// An empty vector with room for `len` elements, reserved as in [`try_zeroed`].
pub(crate) fn try_uninit<T>(len: usize) -> Result<Vec<T>, ConvError> {
    let mut v = Vec::new();
    v.try_reserve_exact(len)
        .map_err(|_| allocation_error::<T>(len))?;
    advise_huge_pages(&mut v);
    Ok(v)
}

/// The error for a vector of `len` elements of `T` that cannot be allocated.
fn allocation_error<T>(len: usize) -> ConvError {
    ConvError::Allocation {
        bytes: len.saturating_mul(std::mem::size_of::<T>()),
    }
}

/// Zeroes `part` and returns it initialized.
#[inline]
pub(crate) fn zero<T: Copy + Default>(part: &mut [MaybeUninit<T>]) -> &mut [T] {
    part.fill(MaybeUninit::new(T::default()));
    // SAFETY: every element was just written; `MaybeUninit<T>` has `T`'s layout.
    unsafe { &mut *(part as *mut [MaybeUninit<T>] as *mut [T]) }
}

/// Asks Linux to back a large, not yet touched buffer with 2 MiB pages, as numpy does for its
/// arrays: a fresh 80 MB buffer otherwise takes about 20,000 page faults (0.7 µs each here) on
/// first touch, which made a memory-bound `n = 10^7`, 3-tap convolution 3.5x slower than
/// numpy's. Only advice: with transparent huge pages off it does nothing.
fn advise_huge_pages<T>(v: &mut Vec<T>) {
    #[cfg(target_os = "linux")]
    {
        const HUGE: usize = 2 << 20;
        let bytes = v.capacity() * std::mem::size_of::<T>();
        if bytes < 2 * HUGE {
            return;
        }
        // The 2 MiB-aligned part of the allocation.
        let start = (v.as_mut_ptr() as usize).next_multiple_of(HUGE);
        let end = (v.as_mut_ptr() as usize + bytes) / HUGE * HUGE;
        if end > start {
            // SAFETY: the range lies inside `v`'s allocation, which this function owns
            // exclusively; MADV_HUGEPAGE changes how pages are backed, never their contents.
            unsafe {
                libc::madvise(start as *mut libc::c_void, end - start, libc::MADV_HUGEPAGE);
            }
        }
    }
}
