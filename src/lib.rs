//! ieval: an evaluation harness for information extraction on news.

/// `FromStr` for an enum of unit variants from their names; any other name is refused
/// with the list of names.
#[macro_export]
macro_rules! from_names {
    ($ty:ident, $what:literal, $list:literal, { $($name:literal => $var:ident),+ $(,)? }) => {
        impl ::std::str::FromStr for $ty {
            type Err = ::std::string::String;
            fn from_str(s: &str) -> ::std::result::Result<Self, ::std::string::String> {
                match s {
                    $($name => Ok($ty::$var),)+
                    other => Err(format!(concat!("unknown ", $what, " {:?} (expected ", $list, ")"), other)),
                }
            }
        }
    };
}

pub mod align;
#[cfg(feature = "analysis")]
pub mod analysis;
pub mod coref;
pub mod error;
pub mod hash;
pub mod model;
mod names;
pub mod tags;
pub mod text;

pub use error::{Error, Result};
pub mod formats;
pub mod inputs;
pub mod output;
pub mod report;
pub mod schemas;
pub mod score;
pub mod shard;
pub mod stats;
pub mod suite;
pub mod table;
