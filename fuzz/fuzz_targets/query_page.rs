//! A query page, as `query_iter` reads it.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = sfrest::fuzzing::query_page(data);
});
