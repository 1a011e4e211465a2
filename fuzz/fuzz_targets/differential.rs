#![no_main]
//! Fuzz target: see `jitgate::fuzzing::differential`.
libfuzzer_sys::fuzz_target!(|data: &[u8]| jitgate::fuzzing::differential(data));
