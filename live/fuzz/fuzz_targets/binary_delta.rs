//! Fuzz target: `live::__private::fuzz::binary_delta` must never panic on any input.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| live::__private::fuzz::binary_delta(data));
