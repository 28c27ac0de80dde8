//! A short property-based run over the parsers that read what a server sends (the same entry
//! points as the cargo-fuzz targets in `fuzz/`): arbitrary bytes and near-valid JSON never
//! panic, and the answers keep their invariants. Case counts are kept small so that this runs
//! in a few seconds in a debug build; `fuzz/` is for long runs.

use proptest::collection::vec;
use proptest::prelude::*;
use serde_json::{json, Value};
use sfrest::fuzzing::{
    excerpt, limit_info, query_page, record_disagreement, rest_answer, token_answer,
};

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 200,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// Any JSON value, a few levels deep.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        ".{0,12}".prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 24, 6, |inner| {
        prop_oneof![
            vec(inner.clone(), 0..6).prop_map(Value::from),
            vec(("[a-zA-Z_]{1,8}", inner), 0..6)
                .prop_map(|kv| Value::Object(kv.into_iter().collect())),
        ]
    })
}

/// A JSON text, then damaged one way or another (or not at all).
fn near_json() -> impl Strategy<Value = Vec<u8>> {
    (
        json_value(),
        0usize..4,
        any::<prop::sample::Index>(),
        any::<u8>(),
    )
        .prop_map(|(v, how, at, byte)| {
            let mut text = serde_json::to_vec(&v).unwrap();
            let i = at.index(text.len() + 1);
            match how {
                0 => {}
                1 => text.truncate(i),
                2 => text.insert(i, byte),
                _ => {
                    if i < text.len() {
                        text[i] = byte;
                    }
                }
            }
            text
        })
}

fn content_type() -> impl Strategy<Value = Option<&'static str>> {
    prop::sample::select(vec![
        None,
        Some("application/json;charset=UTF-8"),
        Some("application/json"),
        Some("text/html"),
        Some("text/plain"),
        Some(""),
    ])
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn rest_answer_never_panics(status in 100u16..600, ct in content_type(), body in vec(any::<u8>(), 0..512)) {
        let answer = rest_answer(status, ct, &body);
        if !(200..300).contains(&status) {
            let text = answer.expect("a non-2xx answer is always an error");
            if status != 300 {
                prop_assert!(text.contains(&status.to_string()), "{status}: {text}");
            }
        }
    }

    #[test]
    fn rest_answer_reads_json(status in 100u16..600, ct in content_type(), body in near_json()) {
        let answer = rest_answer(status, ct, &body);
        // An empty (or all-whitespace) 2xx body reads as null, like a 204.
        let valid = serde_json::from_slice::<Value>(&body).is_ok()
            || body.iter().all(u8::is_ascii_whitespace);
        if (200..300).contains(&status) {
            prop_assert_eq!(answer.is_none(), valid, "{:?}", answer);
        } else {
            let text = answer.expect("a non-2xx answer is always an error");
            if status != 300 {
                prop_assert!(text.contains(&status.to_string()), "{status}: {text}");
            }
        }
    }

    #[test]
    fn error_arrays_are_reported_with_their_code(status in 400u16..600, code in "[A-Z_]{1,24}", message in ".{0,40}", fields in vec("[A-Za-z_]{1,10}", 0..3)) {
        let body = json!([{"errorCode": code, "message": message, "fields": fields}]).to_string();
        let text = rest_answer(status, Some("application/json"), body.as_bytes()).unwrap();
        prop_assert!(text.contains(&code), "{text}");
        prop_assert!(text.contains(&status.to_string()), "{text}");
    }

    #[test]
    fn token_answers_never_panic(status in 100u16..600, body in vec(any::<u8>(), 0..512)) {
        let answer = token_answer(status, &body);
        if !(200..300).contains(&status) {
            prop_assert!(answer.is_some());
        }
    }

    #[test]
    fn near_valid_token_answers_never_panic(
        status in prop::sample::select(vec![200u16, 400, 401, 500]),
        token in prop::option::of(".{0,20}"),
        instance in prop::option::of(prop::sample::select(vec![
            "https://x.my.salesforce.com", "http://127.0.0.1:9", "http://evil.example", "", "ftp://x", "https://",
        ])),
        error in prop::option::of("[a-z_]{1,20}"),
        extra in json_value(),
    ) {
        let mut map = serde_json::Map::new();
        if let Some(t) = token { map.insert("access_token".into(), t.into()); }
        if let Some(i) = instance { map.insert("instance_url".into(), i.into()); }
        if let Some(e) = error { map.insert("error".into(), e.into()); }
        map.insert("extra".into(), extra);
        let body = Value::Object(map).to_string();
        let answer = token_answer(status, body.as_bytes());
        if status != 200 {
            prop_assert!(answer.is_some());
        }
    }

    #[test]
    fn query_pages_count_their_records(
        records in vec(json_value(), 0..20),
        done in any::<bool>(),
        total in 0u64..1_000_000,
    ) {
        let records: Vec<Value> = records
            .into_iter()
            .map(|v| json!({"attributes": {"type": "Account"}, "Value__c": v}))
            .collect();
        let mut page = json!({"totalSize": total, "done": done, "records": records});
        if !done {
            page["nextRecordsUrl"] = "/services/data/v66.0/query/01gXX-2000".into();
        }
        prop_assert_eq!(query_page(page.to_string().as_bytes()), Some(records.len()));
    }

    #[test]
    fn records_parse_exactly_as_serde_json_parses_them(v in json_value(), pretty in any::<bool>()) {
        let text = if pretty { serde_json::to_string_pretty(&v) } else { serde_json::to_string(&v) };
        let text = text.unwrap();
        prop_assert_eq!(record_disagreement(&text), None, "{}", text);
    }

    #[test]
    fn damaged_records_fail_exactly_as_serde_json_fails(body in near_json()) {
        let text = String::from_utf8_lossy(&body);
        prop_assert_eq!(record_disagreement(&text), None, "{}", text);
    }

    #[test]
    fn numbers_parse_exactly_as_serde_json_parses_them(
        int in "-?(0|[1-9][0-9]{0,20})",
        frac in "(\\.[0-9]{1,20})?",
        exp in "([eE][+-]?[0-9]{1,3})?",
    ) {
        let text = format!("{{\"n\":[{int}{frac}{exp}]}}");
        prop_assert_eq!(record_disagreement(&text), None, "{}", text);
    }

    #[test]
    fn query_pages_never_panic(body in prop_oneof![vec(any::<u8>(), 0..512), near_json()]) {
        let _ = query_page(&body);
    }

    #[test]
    fn limit_info_reads_usage(used in any::<u64>(), max in any::<u64>(), pad in "[ ]{0,2}", before in "(per-app-api-usage=[0-9]{1,3}/[0-9]{1,3}\\(appName=x\\); ?)?") {
        let header = format!("{before}api-usage={pad}{used}/{max}{pad}");
        prop_assert_eq!(limit_info(&header), Some((used, max)));
    }

    #[test]
    fn limit_info_never_panics(header in ".{0,80}") {
        let _ = limit_info(&header);
    }

    #[test]
    fn excerpts_are_short_single_lines(body in prop_oneof![
        vec(any::<u8>(), 0..2048),
        "(<[a-z]{1,6}>|</[a-z]{1,6}>|<script>|</script>|<style>|[ \t\r\n]|.){0,200}".prop_map(String::into_bytes),
    ]) {
        let text = excerpt(&body);
        prop_assert!(text.chars().count() <= 201, "{}", text.chars().count());
        prop_assert!(!text.contains('\n') && !text.contains("  "), "{text:?}");
        prop_assert_eq!(text.trim(), text.as_str());
    }
}

/// A crash found by a fuzz target or this suite becomes a case here.
#[test]
fn regressions() {
    // None found so far; these are the edges the properties above lean on.
    assert_eq!(query_page(b""), None);
    assert_eq!(limit_info("api-usage=/"), None);
    assert_eq!(excerpt(b"<script>"), "");
    assert!(rest_answer(200, None, b"  \n").is_none());
    assert!(rest_answer(200, None, b"").is_none()); // found by rest_answer_reads_json
    assert!(rest_answer(599, None, b"").unwrap().contains("599"));
}
