//! Fuzz target `burnpack`: see `harness::burnpack`.
#![no_main]

#[path = "../harness.rs"]
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| harness::burnpack(data));
