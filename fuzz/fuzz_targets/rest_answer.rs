//! A REST answer: the first two bytes pick the status, the third the content type, the rest is
//! the body.
#![no_main]

use libfuzzer_sys::fuzz_target;

const CONTENT_TYPES: [Option<&str>; 4] = [
    None,
    Some("application/json;charset=UTF-8"),
    Some("text/html"),
    Some("text/plain"),
];

fuzz_target!(|data: &[u8]| {
    if data.len() < 3 {
        return;
    }
    let status = 100 + u16::from_le_bytes([data[0], data[1]]) % 500;
    let content_type = CONTENT_TYPES[usize::from(data[2]) % CONTENT_TYPES.len()];
    let answer = sfrest::fuzzing::rest_answer(status, content_type, &data[3..]);
    if !(200..300).contains(&status) {
        assert!(answer.is_some());
    }
});
