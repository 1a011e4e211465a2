#![no_main]
//! Fuzz target: see `jitgate::fuzzing::filter`.
libfuzzer_sys::fuzz_target!(|data: &[u8]| jitgate::fuzzing::filter(data));
