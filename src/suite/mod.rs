//! Suites: suite files ([`spec`]), the runner that evaluates every system on every dataset
//! ([`runner`], with [`command`] for system commands), and the results store it writes
//! ([`store`], with the content hashes of [`hash`]). The store's contract is in `suites/README.md`;
//! `ieval compare`, `table` and `report` read it through [`store::Store`].

pub mod command;
pub mod hash;
pub mod merge;
pub mod runner;
pub mod spec;
pub mod store;

pub use merge::{Merged, merge_shards};
pub use runner::{Event, Observer, RunOptions, RunReport, Silent, UnitOutcome, run};
pub use spec::{Suite, Task};
pub use store::{CountKey, CountRow, Filter, Manifest, Status, Store, Unit, UnitCounts, UnitMeta};
