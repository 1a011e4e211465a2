#![no_main]
//! Fuzz target: see `jitgate::unstable::fuzzing::sign_in_log`.
libfuzzer_sys::fuzz_target!(|data: &[u8]| jitgate::unstable::fuzzing::sign_in_log(data));
