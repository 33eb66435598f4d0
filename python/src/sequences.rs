//! Token-tag sequences in, counts out: the core of `ieval.seqeval` and `ieval.nervaluate`.

use pyo3::prelude::*;

/// Add this module's functions to `ieval._ieval`.
pub fn register(_m: &Bound<'_, PyModule>) -> PyResult<()> {
    Ok(())
}
