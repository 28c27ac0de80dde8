//! The one-line excerpt of a body shown in errors.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = sfrest::fuzzing::excerpt(data);
    assert!(text.chars().count() <= 201);
    assert!(!text.contains('\n'));
});
