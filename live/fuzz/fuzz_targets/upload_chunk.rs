//! Fuzz target: `live::__private::fuzz::upload_chunk` must never panic on any input.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| live::__private::fuzz::upload_chunk(data));
