//! The matcher and the per-document scorer on random mentions: each item is matched at
//! most once, partners point at each other, categories agree on both sides, counts add
//! up, and every profile scores without panicking.
//! The body is `ieval_fuzz::score` (fuzz/src/score.rs), which the regression tests replay.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| ieval_fuzz::run("score", ieval_fuzz::scratch(), data));
