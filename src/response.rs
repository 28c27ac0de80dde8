//! Reading Salesforce's REST answers: JSON on success, its error array on failure, and every
//! kind of body that is neither.

use serde_json::Value;

use crate::error::{ApiError, Error, Result};
use crate::excerpt::excerpt;
use crate::transport::Reply;

/// Turns a reply into its JSON value (`Value::Null` for an empty 2xx body such as 204) or into
/// the matching [`Error`].
pub(crate) fn into_json(method: &'static str, path: &str, reply: &Reply) -> Result<Value> {
    let status = reply.status;
    if (200..300).contains(&status) {
        if reply.body.iter().all(u8::is_ascii_whitespace) {
            return Ok(Value::Null);
        }
        return serde_json::from_slice(&reply.body).map_err(|e| Error::UnexpectedBody {
            method,
            path: path.to_string(),
            status,
            problem: format!("{} instead of JSON ({e})", describe(reply)),
            excerpt: excerpt(&reply.body),
        });
    }
    Err(status_error(method, path, reply))
}

/// The error for a reply that is not a success: [`Error::MultipleChoices`] for a 300 listing
/// record URLs, else [`api_error`].
pub(crate) fn status_error(method: &'static str, path: &str, reply: &Reply) -> Error {
    if reply.status == 300 {
        if let Ok(urls) = serde_json::from_slice::<Vec<String>>(&reply.body) {
            return Error::MultipleChoices {
                method,
                path: path.to_string(),
                urls: urls.iter().map(|u| crate::redact::text(u)).collect(),
            };
        }
    }
    api_error(method, path, reply)
}

/// The error for a non-2xx reply.
pub(crate) fn api_error(method: &'static str, path: &str, reply: &Reply) -> Error {
    let errors = serde_json::from_slice::<Value>(&reply.body)
        .ok()
        .and_then(|v| error_entries(&v));
    match errors {
        Some(errors) => Error::Api {
            method,
            path: path.to_string(),
            status: reply.status,
            errors,
        },
        None => Error::UnexpectedBody {
            method,
            path: path.to_string(),
            status: reply.status,
            problem: describe(reply),
            excerpt: excerpt(&reply.body),
        },
    }
}

/// Salesforce's error array, a lone error object, or an OAuth-style `{error, error_description}`,
/// with every live secret wiped out of it (an error page may echo the request's headers).
fn error_entries(v: &Value) -> Option<Vec<ApiError>> {
    let mut errors = raw_error_entries(v)?;
    for e in &mut errors {
        e.error_code = crate::redact::text(&e.error_code);
        e.message = crate::redact::text(&e.message);
        for f in &mut e.fields {
            *f = crate::redact::text(f);
        }
    }
    Some(errors)
}

fn raw_error_entries(v: &Value) -> Option<Vec<ApiError>> {
    match v {
        Value::Array(items) if !items.is_empty() => items
            .iter()
            .map(|item| serde_json::from_value::<ApiError>(item.clone()).ok())
            .collect::<Option<Vec<_>>>()
            .filter(|e| {
                e.iter()
                    .all(|e| !e.error_code.is_empty() || !e.message.is_empty())
            }),
        Value::Object(map) if map.contains_key("errorCode") => {
            serde_json::from_value::<ApiError>(v.clone())
                .ok()
                .map(|e| vec![e])
        }
        Value::Object(map) if map.contains_key("error") => Some(vec![ApiError {
            error_code: map["error"].as_str().unwrap_or_default().to_string(),
            message: map
                .get("error_description")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string(),
            fields: vec![],
            duplicate_result: None,
        }]),
        _ => None,
    }
}

/// A few words on what kind of body this is (its headers are the server's: no secret kept).
pub(crate) fn describe(reply: &Reply) -> String {
    crate::redact::text(&describe_raw(reply))
}

fn describe_raw(reply: &Reply) -> String {
    if (300..400).contains(&reply.status) {
        if let Some(location) = reply.header("location") {
            let to = crate::url::Origin::parse(location)
                .map(|o| format!("{}://{}:{}", o.scheme, o.host, o.port))
                .unwrap_or_else(|| crate::url::path_only(location).to_string());
            return format!(
                "a redirect to {to}, which sfrest does not follow (the session token stays on the instance URL); check SF_LOGIN_URL and SF_INSTANCE_URL (a My Domain change moves the org)"
            );
        }
    }
    let ct = reply
        .header("content-type")
        .unwrap_or("")
        .to_ascii_lowercase();
    let start = reply.body.iter().find(|b| !b.is_ascii_whitespace());
    if reply.body.is_empty() {
        "an empty body".into()
    } else if ct.contains("html") || start == Some(&b'<') {
        "an HTML page".into()
    } else if std::str::from_utf8(&reply.body).is_err() {
        "a body that is not UTF-8 text".into()
    } else if serde_json::from_slice::<serde::de::IgnoredAny>(&reply.body).is_ok() {
        "a JSON body that is not Salesforce's error array".into()
    } else if ct.contains("json") {
        "a malformed JSON body".into()
    } else if ct.is_empty() {
        "a body that is not JSON".into()
    } else {
        format!("a body of type {ct}")
    }
}

/// Parses `Sforce-Limit-Info: api-usage=10018/100000[; per-app-api-usage=...]`.
pub(crate) fn parse_api_usage(header: &str) -> Option<(u64, u64)> {
    let rest = header
        .split(';')
        .find_map(|part| part.trim().strip_prefix("api-usage="))?;
    let (used, max) = rest.trim().split_once('/')?;
    Some((used.trim().parse().ok()?, max.trim().parse().ok()?))
}

/// Parses the connected app's share from `Sforce-Limit-Info`:
/// `api-usage=25/5000; per-app-api-usage=17/250(appName=sample-connected-app)`.
pub(crate) fn parse_app_api_usage(header: &str) -> Option<(u64, u64)> {
    let rest = header
        .split(';')
        .find_map(|part| part.trim().strip_prefix("per-app-api-usage="))?;
    let counts = rest.split('(').next()?;
    let (used, max) = counts.trim().split_once('/')?;
    Some((used.trim().parse().ok()?, max.trim().parse().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn per_app_usage_is_read_apart_from_the_orgs() {
        let h = "api-usage=25/5000; per-app-api-usage=17/250(appName=sample-connected-app)";
        assert_eq!(parse_app_api_usage(h), Some((17, 250)));
        assert_eq!(parse_api_usage(h), Some((25, 5000)));
        assert_eq!(parse_app_api_usage("api-usage=25/5000"), None);
        assert_eq!(
            parse_app_api_usage("api-bursts=1/750;per-app-api-usage=3/9"),
            Some((3, 9))
        );
        assert_eq!(
            parse_app_api_usage("per-app-api-usage=x/9(appName=a)"),
            None
        );
    }

    fn reply(status: u16, ct: &str, body: &str) -> Reply {
        Reply {
            status,
            headers: [("content-type", ct)]
                .into_iter()
                .map(|(n, v)| (n.to_string(), v.to_string()))
                .collect(),
            body: body.as_bytes().to_vec(),
        }
    }

    #[test]
    fn error_arrays_keep_every_entry() {
        let r = reply(
            400,
            "application/json",
            r#"[{"message":"Required fields are missing: [Name]","errorCode":"REQUIRED_FIELD_MISSING","fields":["Name"]},{"message":"m2","errorCode":"X"}]"#,
        );
        let e = into_json("POST", "/services/data/v66.0/sobjects/Account", &r).unwrap_err();
        assert_eq!(e.error_code(), Some("REQUIRED_FIELD_MISSING"));
        let text = e.to_string();
        assert!(text.contains("POST /services/data/v66.0/sobjects/Account failed with 400: REQUIRED_FIELD_MISSING: Required fields are missing: [Name] (fields: Name); X: m2"), "{text}");
    }

    #[test]
    fn non_json_bodies_keep_status_and_excerpt() {
        let e = into_json(
            "GET",
            "/p",
            &reply(
                503,
                "text/html",
                "<html><body>We are down for maintenance</body></html>",
            ),
        )
        .unwrap_err();
        assert!(
            matches!(&e, Error::UnexpectedBody { status: 503, excerpt, .. } if excerpt == "We are down for maintenance"),
            "{e:?}"
        );
        assert!(e.is_retryable());
        let e = into_json("GET", "/p", &reply(500, "", "")).unwrap_err();
        assert_eq!(e.to_string(), "GET /p answered 500 with an empty body");
        let e = into_json("GET", "/p", &reply(200, "application/json", "{\"a\":")).unwrap_err();
        assert!(matches!(e, Error::UnexpectedBody { status: 200, .. }));
        assert!(e.to_string().contains("malformed JSON"), "{e}");
        // Valid JSON that is not an error array is not called malformed.
        let e = into_json(
            "GET",
            "/p",
            &reply(503, "application/json", r#"{"status":"maintenance"}"#),
        )
        .unwrap_err();
        let text = e.to_string();
        assert!(
            text.contains("a JSON body that is not Salesforce's error array"),
            "{text}"
        );
        assert!(!text.contains("malformed"), "{text}");
        assert!(e.is_retryable());
    }

    #[test]
    fn success_bodies() {
        assert_eq!(
            into_json("PATCH", "/p", &reply(204, "", "")).unwrap(),
            Value::Null
        );
        assert_eq!(
            into_json("GET", "/p", &reply(200, "application/json", "{\"a\":1}")).unwrap()["a"],
            1
        );
        let e = into_json(
            "PATCH",
            "/p",
            &reply(300, "application/json", r#"["/a","/b"]"#),
        )
        .unwrap_err();
        assert!(matches!(&e, Error::MultipleChoices { urls, .. } if urls.len() == 2));
        assert_eq!(e.status(), Some(300));
    }

    #[test]
    fn limit_info_parses() {
        assert_eq!(
            parse_api_usage("api-usage=10018/100000"),
            Some((10018, 100000))
        );
        assert_eq!(
            parse_api_usage("api-usage=17/15000; per-app-api-usage=17/250(appName=x)"),
            Some((17, 15000))
        );
        assert_eq!(parse_api_usage("per-app-api-usage=1/2"), None);
        assert_eq!(parse_api_usage("api-usage=x/2"), None);
    }
}
