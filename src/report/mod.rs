//! Rendering: plain tables as terminal text, Markdown, CSV, LaTeX and HTML; the
//! self-contained HTML report with its SVG charts, and the breakdowns it shows.

pub mod breakdown;
pub mod html;
pub mod intervals;
pub mod kept;
mod stats;
pub mod svg;

pub use stats::stats_tables;

pub use crate::table::{Align, Table, TableFormat};
