//! The tag decoder: random tag sequences through every scheme and policy, and the anchor
//! tools' chunkers on random tag strings.
//!
//! What is asserted (what really holds, see `ieval::tags`):
//! - lenient chunks lie within the sequence, are sorted, do not overlap, and cover exactly
//!   the non-`O` tokens;
//! - strict chunks lie within the sequence, are sorted and do not overlap, and every lenient
//!   chunk strict decoding does not keep is reported as `DroppedByStrict`;
//! - violations point at tokens of the sequence; decoding at an offset shifts everything;
//! - the lenient chunks, encoded in the scheme and decoded again (either policy), come
//!   back unchanged and without violations (bare labels: adjacent chunks of one label merge);
//! - the compat chunkers return chunks within the sequence and never panic.
//! The body is `ieval_fuzz::tags` (fuzz/src/tags.rs), which the regression tests replay.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| ieval_fuzz::run("tags", ieval_fuzz::scratch(), data));
