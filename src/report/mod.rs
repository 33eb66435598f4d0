//! Rendering: plain tables as terminal text, Markdown, CSV, LaTeX and HTML.

mod stats;
mod table;

pub use stats::stats_tables;

pub use table::{Align, Table, TableFormat};
