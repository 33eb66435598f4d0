//! OffsetIndex on random UTF-8: every conversion agrees with the standard library, round
//! trips at every boundary, and refuses offsets past the end or inside a character
//! (including offsets far beyond any text).
//! The body is `ieval_fuzz::offsets` (fuzz/src/offsets.rs), which the regression tests replay.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| ieval_fuzz::run("offsets", ieval_fuzz::scratch(), data));
