//! A token endpoint answer: the first byte picks the status, the rest is the body.
#![no_main]

use libfuzzer_sys::fuzz_target;

const STATUSES: [u16; 6] = [200, 201, 400, 401, 403, 500];

fuzz_target!(|data: &[u8]| {
    let Some((first, body)) = data.split_first() else {
        return;
    };
    let status = STATUSES[usize::from(*first) % STATUSES.len()];
    let answer = sfrest::fuzzing::token_answer(status, body);
    if status >= 300 {
        assert!(answer.is_some());
    }
});
