#![no_main]
//! Fuzz target: see `jitgate::fuzzing::load`.
libfuzzer_sys::fuzz_target!(|data: &[u8]| jitgate::fuzzing::load(data));
