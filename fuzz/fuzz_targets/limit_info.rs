//! A `Sforce-Limit-Info` header.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(header) = std::str::from_utf8(data) {
        let _ = sfrest::fuzzing::limit_info(header);
    }
});
