#![no_main]
//! Fuzz target: see `jitgate::fuzzing::sign_in`.
libfuzzer_sys::fuzz_target!(|data: &[u8]| jitgate::fuzzing::sign_in(data));
