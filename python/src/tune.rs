//! `convolve.tune()`: the crate's `tune`, with the GIL released, and the profile saved where
//! the crate looks for it.

use std::path::PathBuf;

use pyo3::exceptions::PyOSError;
use pyo3::prelude::*;

use crate::conv_error;

/// Measures this CPU (`quick`: about 10 s, else under a minute), activates the profile in
/// this process, and saves it to `path` (default: where every later process looks) unless
/// `save` is false. Returns the profile's text and the path written (`None` when not saved).
#[pyfunction]
#[pyo3(signature = (quick, path, save))]
pub fn tune(
    py: Python<'_>,
    quick: bool,
    path: Option<PathBuf>,
    save: bool,
) -> PyResult<(String, Option<PathBuf>)> {
    let effort = if quick {
        convolve::Effort::Quick
    } else {
        convolve::Effort::Full
    };
    let profile = py
        .detach(|| convolve::tune_with(effort, &mut |_| {}))
        .map_err(conv_error)?;
    if !save {
        return Ok((profile.to_string(), None));
    }
    let path = match path.or_else(convolve::Profile::default_path) {
        Some(p) => p,
        None => {
            return Err(PyOSError::new_err(
                "this system has no cache directory for the profile; pass path=",
            ));
        }
    };
    profile
        .save(&path)
        .map_err(|e| PyOSError::new_err(e.to_string()))?;
    Ok((profile.to_string(), Some(path)))
}

/// Where the active profile came from (or why the one found was not used), and its text.
#[pyfunction]
pub fn profile_status() -> (String, String) {
    (
        convolve::Profile::status(),
        convolve::Profile::active().to_string(),
    )
}
