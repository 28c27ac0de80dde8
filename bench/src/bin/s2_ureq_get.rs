//! Scenario 2, the floor: a bare ureq agent making the same GET with the same headers as sfrest
//! (Authorization, Accept, Accept-Encoding: gzip, Sforce-Call-Options, User-Agent), reading the
//! body and parsing it as JSON, N times over one keep-alive connection.
//!
//! `s2_ureq_get RECORD_ID [N=2000]`. It logs in itself with one password-grant POST from the
//! same `SF_*` variables (the login is not timed) and trusts `SF_CA_FILE` for https.

use std::time::Instant;

use serde_json::Value;
use sfrest_bench::fail;
use ureq::tls::{Certificate, PemItem, RootCerts, TlsConfig};

fn var(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| fail(&format!("{name} is not set")))
}

fn main() {
    let id = std::env::args()
        .nth(1)
        .unwrap_or_else(|| fail(&"usage: s2_ureq_get RECORD_ID [N]"));
    let n = sfrest_bench::arg_usize(2, 2000);
    let version = std::env::var("SF_API_VERSION").unwrap_or_else(|_| "66.0".into());

    let mut config = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0);
    if let Ok(ca) = std::env::var("SF_CA_FILE") {
        let pem = std::fs::read(&ca).unwrap_or_else(|e| fail(&format!("{ca}: {e}")));
        let roots: Vec<Certificate<'static>> = ureq::tls::parse_pem(&pem)
            .filter_map(|item| match item {
                Ok(PemItem::Certificate(c)) => Some(c),
                _ => None,
            })
            .collect();
        config = config.tls_config(
            TlsConfig::builder()
                .root_certs(RootCerts::new_with_certs(&roots))
                .build(),
        );
    }
    let agent = config.build().new_agent();

    let password = format!(
        "{}{}",
        var("SF_PASSWORD"),
        std::env::var("SF_SECURITY_TOKEN").unwrap_or_default()
    );
    let login = agent
        .post(format!("{}/services/oauth2/token", var("SF_LOGIN_URL")))
        .send_form([
            ("grant_type", "password"),
            ("client_id", &var("SF_CLIENT_ID")),
            ("client_secret", &var("SF_CLIENT_SECRET")),
            ("username", &var("SF_USERNAME")),
            ("password", &password),
        ])
        .and_then(|mut r| r.body_mut().read_to_vec())
        .unwrap_or_else(|e| fail(&e));
    let login: Value = serde_json::from_slice(&login).unwrap_or_else(|e| fail(&e));
    let token = login["access_token"].as_str().unwrap_or_default();
    let instance = login["instance_url"].as_str().unwrap_or_default();
    let url = format!("{instance}/services/data/v{version}/sobjects/Account/{id}");
    let bearer = format!("Bearer {token}");
    let user_agent = "sfrest-bench-ureq";

    // UREQ_PER_CALL_TIMEOUT=1 adds what sfrest adds to each call, a whole-call timeout
    // (`timeout_global`), to show its cost (see BENCHMARKS.md, scenario 2).
    let per_call_timeout = std::env::var("UREQ_PER_CALL_TIMEOUT").is_ok_and(|v| v == "1");
    let get = || -> Value {
        let mut req = agent.get(&url);
        if per_call_timeout {
            req = req
                .config()
                .timeout_global(Some(std::time::Duration::from_secs(30)))
                .build();
        }
        let mut resp = req
            .header("Authorization", &bearer)
            .header("Accept", "application/json")
            .header("Accept-Encoding", "gzip")
            .header("Sforce-Call-Options", "client=sfrest")
            .header("User-Agent", user_agent)
            .call()
            .unwrap_or_else(|e| fail(&e));
        if resp.status() != 200 {
            fail(&format!("GET answered {}", resp.status()));
        }
        let body = resp.body_mut().read_to_vec().unwrap_or_else(|e| fail(&e));
        serde_json::from_slice(&body).unwrap_or_else(|e| fail(&e))
    };
    get();
    let t = Instant::now();
    for _ in 0..n {
        std::hint::black_box(get());
    }
    let s = sfrest_bench::secs(t);
    println!(
        "{{\"calls\":{n},\"secs\":{s:.6},\"calls_per_sec\":{:.1}}}",
        n as f64 / s
    );
}
