//! Speed checks, ignored by default: `cargo test -p fake-org --release --test perf -- --ignored --nocapture`.
mod common;

use std::time::Instant;

use common::*;
use sfrest_fake_org::FakeOrg;

#[test]
#[ignore]
fn million_row_query_pages() {
    let org = FakeOrg::start();
    org.set_record_requests(false);
    let t = Instant::now();
    org.seed_bulk("Account", 1_000_000);
    println!("seed 1M accounts: {:?}", t.elapsed());
    let token = login(&org);
    let auth = format!("Bearer {token}");
    let mut conn = Conn::open(&org.instance_url());
    let t = Instant::now();
    let mut url = format!(
        "/services/data/v66.0/query?q={}",
        enc("SELECT Id, Name, Industry FROM Account")
    );
    let (mut rows, mut pages) = (0usize, 0usize);
    loop {
        let r = conn.request("GET", &url, &[("Authorization", &auth)], b"");
        assert_eq!(r.status, 200);
        let j = r.json();
        rows += j["records"].as_array().unwrap().len();
        pages += 1;
        match j["nextRecordsUrl"].as_str() {
            Some(next) => url = next.to_owned(),
            None => break,
        }
    }
    assert_eq!(rows, 1_000_020);
    println!("query 1M rows in {pages} pages: {:?}", t.elapsed());
    let t = Instant::now();
    let r = query(
        &org,
        &token,
        "SELECT COUNT() FROM Account WHERE Name LIKE 'Account 001%'",
    );
    assert_eq!(r.json()["totalSize"], 1000);
    println!("LIKE count over 1M: {:?}", t.elapsed());
    let t = Instant::now();
    let r = query(
        &org,
        &token,
        "SELECT Id, Name FROM Account ORDER BY Name DESC LIMIT 10",
    );
    assert_eq!(r.json()["records"][0]["Name"], "Wonka Foods");
    println!("ORDER BY Name over 1M: {:?}", t.elapsed());
}

#[test]
#[ignore]
fn two_thousand_sequential_gets() {
    let org = FakeOrg::start();
    let token = login(&org);
    let id = org.insert("Account", serde_json::json!({"Name": "Perf"}));
    let auth = format!("Bearer {token}");
    let mut conn = Conn::open(&org.instance_url());
    let url = format!("/services/data/v66.0/sobjects/Account/{id}");
    let t = Instant::now();
    for _ in 0..2000 {
        let r = conn.request("GET", &url, &[("Authorization", &auth)], b"");
        assert_eq!(r.status, 200);
    }
    println!("2000 keep-alive GETs: {:?}", t.elapsed());
}
