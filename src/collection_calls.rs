//! The calls of a `*_many` write: one sObject Collections call per group of 200 records, one
//! after another or several at once, their results put back in input order.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Mutex;

use crate::error::{ApiError, Error, RecordResult, Result};

/// The most calls a `*_many` write makes at once.
pub const MAX_CONCURRENCY: usize = 16;

/// The `errorCode` of the results standing for the records of a call that failed as a whole
/// while later calls, made at the same time, succeeded (see [`crate::SObject::concurrency`]):
/// Salesforce refused the call, so its records were not saved.
pub const CALL_FAILED: &str = "SFREST_CALL_FAILED";

/// The `errorCode` of the results standing for the records of a call that was sent but whose
/// answer never came or could not be read (a timeout, a broken connection): Salesforce may
/// have saved them. Check (query by a field you set) before sending them again.
pub const OUTCOME_UNKNOWN: &str = "SFREST_OUTCOME_UNKNOWN";

/// One call's outcome: its records' results, or why the call failed.
type Outcome = Result<Vec<RecordResult>>;

/// Makes `call(k)` for each group `k` of `sizes` (its number of records), `width` at a time,
/// starting them in input order. After a failure no further call starts, and the calls under
/// way finish. Returns every result in input order, or [`Error::Partial`] with the results of
/// the groups up to the last one that succeeded or may have been applied (a failed group among
/// them stands for its records with [`CALL_FAILED`] or [`OUTCOME_UNKNOWN`]), or the bare error
/// when no group succeeded.
pub(crate) fn run<F>(sizes: &[usize], width: usize, call: F) -> Result<Vec<RecordResult>>
where
    F: Fn(usize) -> Outcome + Sync,
{
    let width = width.clamp(1, MAX_CONCURRENCY).min(sizes.len());
    if width <= 1 {
        return run_serial(sizes, call);
    }
    let mut outcomes: Vec<Option<Outcome>> = (0..sizes.len()).map(|_| None).collect();
    run_at_once(&mut outcomes, width, &call);
    assemble(sizes, outcomes)
}

/// [`run`] one call at a time: the calls need not be shareable between threads.
pub(crate) fn run_serial<F>(sizes: &[usize], mut call: F) -> Result<Vec<RecordResult>>
where
    F: FnMut(usize) -> Outcome,
{
    let mut outcomes: Vec<Option<Outcome>> = (0..sizes.len()).map(|_| None).collect();
    for (k, slot) in outcomes.iter_mut().enumerate() {
        let outcome = call(k);
        let failed = outcome.is_err();
        *slot = Some(outcome);
        if failed {
            break;
        }
    }
    assemble(sizes, outcomes)
}

/// `width` workers take the groups in order until they run out or one fails.
fn run_at_once<F>(outcomes: &mut [Option<Outcome>], width: usize, call: &F)
where
    F: Fn(usize) -> Outcome + Sync,
{
    let total = outcomes.len();
    let next = AtomicUsize::new(0);
    let stop = AtomicBool::new(false);
    let slots = Mutex::new(outcomes);
    let work = || loop {
        if stop.load(Ordering::SeqCst) {
            break;
        }
        let k = next.fetch_add(1, Ordering::SeqCst);
        if k >= total {
            break;
        }
        let outcome = call(k);
        if outcome.is_err() {
            stop.store(true, Ordering::SeqCst);
        }
        if let Ok(mut slots) = slots.lock() {
            slots[k] = Some(outcome);
        }
    };
    std::thread::scope(|s| {
        for _ in 1..width {
            // A thread that cannot start leaves its share to the others.
            let _ = std::thread::Builder::new()
                .name("sfrest-collections".into())
                .spawn_scoped(s, work);
        }
        // This thread works too, so the calls are made even when no thread could start.
        work();
    });
}

fn assemble(sizes: &[usize], outcomes: Vec<Option<Outcome>>) -> Result<Vec<RecordResult>> {
    let started = outcomes.iter().filter(|o| o.is_some()).count();
    // The results reach the last group that succeeded, or that was sent and may have been
    // applied: the caller must hear of those records, the ones after it were not saved.
    let last = outcomes.iter().rposition(|o| match o {
        Some(Ok(_)) => true,
        Some(Err(e)) => may_have_applied(e),
        None => false,
    });
    let mut first_error = None;
    let mut results = Vec::with_capacity(sizes.iter().sum());
    for (k, outcome) in outcomes.into_iter().enumerate() {
        if last.is_none_or(|last| k > last) {
            if let Some(Err(e)) = outcome {
                first_error.get_or_insert(e);
            }
            continue;
        }
        match outcome {
            Some(Ok(more)) => results.extend(more),
            Some(Err(e)) => {
                results.extend(unsaved(sizes[k], &e));
                first_error.get_or_insert(e);
            }
            None => {}
        }
    }
    match first_error {
        None => Ok(results),
        // Nothing saved nor perhaps saved, or one call made in all: its error says it all.
        Some(e) if last.is_none() || started == 1 => Err(e),
        Some(e) => Err(Error::Partial {
            results,
            job_ids: Vec::new(),
            source: Box::new(e),
        }),
    }
}

/// Whether a call that failed with `e` may still have been applied: it was sent, and its
/// answer was lost or unreadable. An answer Salesforce gave (an API error) says it was not.
fn may_have_applied(e: &Error) -> bool {
    match e {
        Error::Timeout { .. }
        | Error::Transport { .. }
        | Error::Unexpected { .. }
        | Error::Json { .. }
        | Error::BodyTooLarge { .. } => true,
        // A 2xx that could not be read, or a gateway's page (502, 504, an HTML 5xx): the
        // request may have reached Salesforce and been applied.
        Error::UnexpectedBody { status, .. } => (200..300).contains(status) || *status >= 500,
        Error::NotRetried { source, .. } => may_have_applied(source),
        _ => false,
    }
}

/// The results standing for the `n` records of a call that failed as a whole.
fn unsaved(n: usize, why: &Error) -> Vec<RecordResult> {
    let error = if may_have_applied(why) {
        ApiError {
            error_code: OUTCOME_UNKNOWN.to_string(),
            message: format!(
                "the call carrying this record was sent, but its answer was lost, so it may have been saved: {why}"
            ),
            ..ApiError::default()
        }
    } else {
        ApiError {
            error_code: CALL_FAILED.to_string(),
            message: format!("the call carrying this record failed: {why}"),
            ..ApiError::default()
        }
    };
    vec![
        RecordResult {
            id: None,
            success: false,
            errors: vec![error],
            created: None,
        };
        n
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn refused() -> Error {
        Error::Api {
            method: "POST",
            path: "/services/data/v66.0/composite/sobjects".into(),
            status: 403,
            errors: vec![ApiError {
                error_code: "REQUEST_LIMIT_EXCEEDED".into(),
                message: "TotalRequests Limit exceeded.".into(),
                ..ApiError::default()
            }],
        }
    }

    fn timed_out() -> Error {
        Error::Timeout {
            method: "POST",
            path: "/services/data/v66.0/composite/sobjects".into(),
            origin: "https://x.my.salesforce.com".into(),
            setting: None,
            after: Duration::from_secs(10),
        }
    }

    fn codes(results: &[RecordResult]) -> Vec<&str> {
        results
            .iter()
            .map(|r| r.errors.first().map_or("ok", |e| e.error_code.as_str()))
            .collect()
    }

    #[test]
    fn a_refused_call_and_a_lost_answer_are_told_apart() {
        // No call succeeded, but the second may have been applied: its records are named.
        let out = assemble(&[2, 3], vec![Some(Err(refused())), Some(Err(timed_out()))]);
        let Err(Error::Partial {
            results, source, ..
        }) = out
        else {
            panic!("{out:?}");
        };
        assert_eq!(
            codes(&results),
            [
                CALL_FAILED,
                CALL_FAILED,
                OUTCOME_UNKNOWN,
                OUTCOME_UNKNOWN,
                OUTCOME_UNKNOWN
            ]
        );
        assert_eq!(source.status(), Some(403));
        // A gateway's 502 page: perhaps applied too.
        let gateway = Error::UnexpectedBody {
            method: "POST",
            path: "/services/data/v66.0/composite/sobjects".into(),
            status: 502,
            problem: "an HTML page".into(),
            excerpt: String::new(),
        };
        let ok = vec![RecordResult {
            id: Some("001Hx0000000001AAA".into()),
            success: true,
            errors: Vec::new(),
            created: None,
        }];
        let out = assemble(&[1, 1], vec![Some(Ok(ok)), Some(Err(gateway))]);
        let Err(Error::Partial { results, .. }) = out else {
            panic!("{out:?}");
        };
        assert_eq!(codes(&results)[1], OUTCOME_UNKNOWN);
    }

    #[test]
    fn one_call_in_all_keeps_its_own_error() {
        let out = assemble(&[150], vec![Some(Err(timed_out()))]);
        assert!(matches!(out, Err(Error::Timeout { .. })), "{out:?}");
        let out = assemble(&[200, 10], vec![Some(Err(refused())), None]);
        assert!(matches!(out, Err(Error::Api { .. })), "{out:?}");
    }
}
