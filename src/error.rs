//! The one error type of the crate.

use std::fmt;

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
    /// The call was stopped by the flag of an enclosing
    /// [`interruptible`](crate::interruptible) before it finished; its output is incomplete.
    Interrupted,
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
    /// A caller-provided input has a length other than the one a [`crate::Convolver`] was built for.
    InputLength {
        /// The length the convolver was built for.
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
    /// A streaming matrix was given the wrong number of `what`: `"kernels"` (one per input
    /// and output pair), `"inputs"` or `"outputs"` (one block per port), or `"channels"` (a
    /// matrix is one group of ports).
    MatrixShape {
        /// What was counted.
        what: &'static str,
        /// How many the matrix has.
        expected: usize,
        /// How many were passed.
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
    /// A border mode name was not one of `scipy.ndimage`'s (`reflect`, `constant`, `nearest`,
    /// `mirror`, `wrap`, `grid-mirror`, `grid-constant`, `grid-wrap`).
    InvalidBorder {
        /// The string that was given.
        got: String,
    },
    /// `nd::correlate_ndimage` / `nd::convolve_ndimage`: the origins are not one per axis, or
    /// one puts the kernel's centre outside the kernel (scipy requires
    /// `-(m / 2) <= origin <= (m - 1) / 2` for a kernel of length `m`, after `convolve` has
    /// flipped it).
    Origin {
        /// The origins that were passed.
        origin: Vec<isize>,
        /// The shape of the weights.
        weights_shape: Vec<usize>,
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
    /// [`StreamConvolver::load_state`](crate::StreamConvolver::load_state) got bytes that are
    /// not a state saved from a convolver built the same way, or are corrupted.
    InvalidState {
        /// What did not match: `"header"` (not a state, another version, element type or byte
        /// order), `"layout"` (another block length, capacity, channel count or option),
        /// `"length"`, or the field that is out of range.
        what: &'static str,
    },
    /// [`StreamConvolver::set_prepared`](crate::StreamConvolver::set_prepared) got a
    /// [`PreparedKernel`](crate::PreparedKernel) it cannot install.
    PreparedKernel {
        /// `"layout"` (prepared by a convolver with another block length, capacity, channel
        /// count, latency, head, cross-fade or partitioning) or `"installed"` (already
        /// installed once: it now holds the replaced spectra).
        what: &'static str,
    },
    /// A cost profile ([`Profile`](crate::Profile)) could not be read, parsed or written.
    Profile {
        /// What went wrong, naming the file.
        reason: String,
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
            ConvError::Interrupted => write!(f, "interrupted before the result was complete"),
            ConvError::Allocation { bytes } => {
                write!(f, "could not allocate a buffer of {bytes} bytes")
            }
            ConvError::OutputLength { expected, got } => write!(
                f,
                "output buffer has length {got}, but the result has length {expected}"
            ),
            ConvError::InputLength { expected, got } => write!(
                f,
                "input has length {got}, but this convolver was built for length {expected}"
            ),
            ConvError::ZeroBlockLength => write!(f, "block length must be at least 1"),
            ConvError::KernelLength { capacity, got } => write!(
                f,
                "kernel has {got} taps, but this convolver was built for at most {capacity}; build it with a larger capacity"
            ),
            ConvError::MatrixShape {
                what,
                expected,
                got,
            } => write!(
                f,
                "this streaming matrix takes {expected} {what}, got {got}"
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
            ConvError::InvalidBorder { got } => write!(
                f,
                "unknown mode {got:?}; expected one of \"reflect\", \"constant\", \"nearest\", \"mirror\", \"wrap\", \"grid-mirror\", \"grid-constant\", \"grid-wrap\""
            ),
            ConvError::Origin {
                origin,
                weights_shape,
            } => write!(
                f,
                "invalid origin {origin:?} for weights of shape {weights_shape:?}: there must be one origin per axis, each with -(m // 2) <= origin <= (m - 1) // 2 for the axis length m of the weights"
            ),
            ConvError::Axes { axes, ndim } => write!(
                f,
                "axes {axes:?} are not a non-empty list of distinct axes below {ndim}"
            ),
            ConvError::Broadcast { axis, a_len, v_len } => write!(
                f,
                "axis {axis} is not convolved, so its lengths must be equal or 1; got {a_len} and {v_len}"
            ),
            ConvError::InvalidState { what } => write!(
                f,
                "not a saved state of this stream convolver ({what} does not match): load it into one built with the same element type, block length, capacity, channels and options"
            ),
            ConvError::PreparedKernel { what } => write!(
                f,
                "cannot install this prepared kernel ({what}): prepare it again with this convolver's prepare_kernel"
            ),
            ConvError::Profile { reason } => write!(f, "cost profile: {reason}"),
        }
    }
}

impl std::error::Error for ConvError {}
