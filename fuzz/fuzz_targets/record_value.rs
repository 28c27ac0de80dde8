//! A query record, as `query_iter` makes it a `Value`: the fast parser must agree with
//! serde_json on every input.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        if let Some(diff) = sfrest::fuzzing::record_disagreement(text) {
            panic!("{text:?}: {diff}");
        }
    }
});
