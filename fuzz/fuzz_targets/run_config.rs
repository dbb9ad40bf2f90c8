//! Fuzz target `run_config`: see `harness::run_config`.
#![no_main]

#[path = "../harness.rs"]
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| harness::run_config(data));
