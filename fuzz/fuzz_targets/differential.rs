#![no_main]
//! Fuzz target: see `jitgate::unstable::fuzzing::differential`.
libfuzzer_sys::fuzz_target!(|data: &[u8]| jitgate::unstable::fuzzing::differential(data));
