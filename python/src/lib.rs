//! `ieval._ieval`: the Rust side of the Python package. The scorer runs in-process with the
//! GIL released; every error becomes a Python exception (no panic crosses the boundary).

use pyo3::prelude::*;

// The CLI of the root crate, compiled in for the `ieval` console script (`ieval._cli`).
mod api;
#[allow(dead_code, clippy::all)]
#[path = "../../src/cli/mod.rs"]
mod cli;
mod sequences;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Run the `ieval` command line on `argv` (program name first) in this process and return
/// its exit status. For the console script only: it starts the global worker pool, which
/// can be done once per process.
#[pyfunction]
fn _cli_main(py: Python<'_>, argv: Vec<std::ffi::OsString>) -> i32 {
    py.detach(|| {
        let code = std::panic::catch_unwind(|| cli::main(argv)).unwrap_or_else(|_| {
            eprintln!("ieval: internal error (a panic; please report it)");
            101
        });
        use std::io::Write;
        let _ = std::io::stdout().flush();
        let _ = std::io::stderr().flush();
        code
    })
}

#[pymodule]
fn _ieval(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    // The tidy table's columns, from the one list `--format csv` writes.
    m.add("TIDY_COLUMNS", ieval::score::report::TIDY_COLUMNS.to_vec())?;
    m.add_function(wrap_pyfunction!(_cli_main, m)?)?;
    api::register(m)?;
    sequences::register(m)?;
    Ok(())
}
