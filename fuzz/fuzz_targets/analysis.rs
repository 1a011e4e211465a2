#![no_main]
//! Fuzz target: see `jitgate::unstable::fuzzing::analysis`.
libfuzzer_sys::fuzz_target!(|data: &[u8]| jitgate::unstable::fuzzing::analysis(data));
