//! Bulk API 2.0 parallel results (`resultPages`, API 58.0+) against the fake org: the same CSV
//! as the pages read one by one, one header row, at most N pages at a time, the version rule
//! and the fallback for older versions.

mod common;

use std::io::Write;
use std::time::Duration;

use common::{org_and_client, password_builder};
use sfrest::{Bulk, Client};
use sfrest_fake_org::{FakeOrg, Fault};

const SOQL: &str = "SELECT Id, Name, BillingCity FROM Account ORDER BY Name";

fn fast(sf: &Client) -> Bulk {
    sf.bulk()
        .poll_interval(Duration::from_millis(5), Duration::from_millis(20))
}

/// An org of 2,520 Accounts whose result pages hold 300 records: 9 pages, 2 listings.
fn paged_org() -> (FakeOrg, Client) {
    let (org, sf) = org_and_client();
    org.seed_bulk("Account", 2500);
    org.set_bulk_result_page_size(300);
    (org, sf)
}

fn count(org: &FakeOrg, suffix: &str) -> usize {
    org.requests()
        .iter()
        .filter(|r| r.method == "GET" && r.path.ends_with(suffix))
        .count()
}

#[test]
fn parallel_pages_give_the_same_csv_as_one_by_one() {
    let (org, sf) = paged_org();
    let expected = org.count("Account");
    let mut sequential = Vec::new();
    let n1 = fast(&sf)
        .parallel_downloads(1)
        .query(SOQL, &mut sequential)
        .unwrap();
    assert_eq!(count(&org, "/resultPages"), 0);

    org.clear_requests();
    let mut parallel = Vec::new();
    let n4 = fast(&sf).query(SOQL, &mut parallel).unwrap();
    assert_eq!((n1 as usize, n4 as usize), (expected, expected));
    assert_eq!(parallel, sequential, "same bytes, same order");
    let text = String::from_utf8(parallel).unwrap();
    assert_eq!(text.matches("\"Id\",\"Name\",\"BillingCity\"").count(), 1);
    assert_eq!(text.lines().count(), expected + 1);
    // 9 pages of 300, listed five at a time.
    assert_eq!(count(&org, "/resultPages"), 2);
    assert_eq!(count(&org, "/results"), expected.div_ceil(300));
    assert!(org
        .requests()
        .iter()
        .filter(|r| r.path.ends_with("/results"))
        .all(|r| r.query.starts_with("locator=")));
}

#[test]
fn any_parallelism_keeps_the_order() {
    let (org, sf) = paged_org();
    let mut reference = Vec::new();
    fast(&sf)
        .parallel_downloads(1)
        .query(SOQL, &mut reference)
        .unwrap();
    for n in [2, 3, 9, 20] {
        let mut out = Vec::new();
        fast(&sf)
            .parallel_downloads(n)
            .query(SOQL, &mut out)
            .unwrap();
        assert!(out == reference, "parallel_downloads({n}) changed the CSV");
    }
    // An empty result: the header row alone.
    org.set_bulk_result_page_size(50_000);
    let mut out = Vec::new();
    let n = fast(&sf)
        .query("SELECT Id FROM Account WHERE Name = 'nobody'", &mut out)
        .unwrap();
    assert_eq!(n, 0);
    assert_eq!(String::from_utf8(out).unwrap(), "\"Id\"\n");
}

/// Page `i` is not asked for before page `i - N` is written: while the caller's writer holds
/// the first page, at most N result requests have reached the org.
#[test]
fn at_most_n_pages_are_held_at_once() {
    let (org, sf) = paged_org();
    struct Slow<'a> {
        org: &'a FakeOrg,
        writes: usize,
        seen_during_first: usize,
    }
    impl Write for Slow<'_> {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            if self.writes == 0 {
                // Give the downloaders every chance to run ahead.
                std::thread::sleep(Duration::from_millis(400));
                self.seen_during_first = count(self.org, "/results");
            }
            self.writes += 1;
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    org.clear_requests();
    let mut slow = Slow {
        org: &org,
        writes: 0,
        seen_during_first: 0,
    };
    fast(&sf)
        .parallel_downloads(3)
        .query(SOQL, &mut slow)
        .unwrap();
    assert!(
        (1..=3).contains(&slow.seen_during_first),
        "{} result requests while the first page was being written",
        slow.seen_during_first
    );
    assert_eq!(count(&org, "/results"), 9);
}

#[test]
fn versions_before_58_read_the_pages_one_by_one() {
    let org = FakeOrg::start();
    org.seed_bulk("Account", 700);
    org.set_bulk_result_page_size(300);
    let sf = password_builder(&org).api_version("57.0").build().unwrap();
    org.clear_requests();
    let mut out = Vec::new();
    let n = fast(&sf).query(SOQL, &mut out).unwrap();
    assert_eq!(n as usize, org.count("Account"));
    assert_eq!(
        count(&org, "/resultPages"),
        0,
        "no call that cannot succeed"
    );
    assert_eq!(count(&org, "/results"), 3);
}

#[test]
fn the_org_serves_result_pages_as_salesforce() {
    let (_org, sf) = paged_org();
    let job = fast(&sf).start_query(SOQL, false).unwrap();
    let id = job.info().id.clone();
    // Not complete yet: the fake org keeps a query job InProgress until its first poll.
    let early = sf
        .get(&format!("jobs/query/{id}/resultPages"), &[])
        .unwrap_err();
    assert_eq!(early.error_code(), Some("INVALIDJOBSTATE"));
    job.wait().unwrap();

    let first = sf
        .get(&format!("jobs/query/{id}/resultPages"), &[])
        .unwrap();
    let urls = first["resultPages"].as_array().unwrap();
    assert_eq!(urls.len(), 5, "at most five a listing");
    assert_eq!(first["done"], false);
    let next = first["nextRecordsUrl"].as_str().unwrap();
    assert!(next.starts_with(&format!(
        "/services/data/v66.0/jobs/query/{id}/resultPages?locator="
    )));
    let last = sf.get(next, &[]).unwrap();
    assert_eq!(last["resultPages"].as_array().unwrap().len(), 4);
    assert_eq!(last["done"], true);
    assert!(last["nextRecordsUrl"].is_null());
    // The lower-case spelling of the docs' example works too.
    let lower = sf
        .get(&format!("jobs/query/{id}/resultpages"), &[])
        .unwrap();
    assert_eq!(lower, first);

    // Another API version than the job's: 409, for the listing and for the results.
    let base = format!("/services/data/v60.0/jobs/query/{id}");
    for path in [format!("{base}/resultPages"), format!("{base}/results")] {
        let e = sf.get(&path, &[]).unwrap_err();
        assert_eq!(e.status(), Some(409), "{path}: {e}");
    }
    // Before 58.0 the resource does not exist.
    let e = sf
        .get(
            &format!("/services/data/v57.0/jobs/query/{id}/resultPages"),
            &[],
        )
        .unwrap_err();
    assert_eq!(e.status(), Some(404));
}

#[test]
fn a_job_of_another_version_falls_back_to_the_locator() {
    let (org, sf) = paged_org();
    let old = password_builder(&org).api_version("60.0").build().unwrap();
    let job = fast(&old).start_query(SOQL, false).unwrap().wait().unwrap();
    // Read with a client of another version, the results are refused with 409 like the
    // listing: the error says so (no silent partial file).
    let again = fast(&sf).query_job(&job.info().id).unwrap();
    let e = again.results(Vec::new()).unwrap_err();
    assert_eq!(e.status(), Some(409), "{e}");
    // With the job's own version, in parallel.
    let mut out = Vec::new();
    let n = job.results(&mut out).unwrap();
    assert_eq!(n as usize, org.count("Account"));
}

#[test]
fn a_failed_page_is_an_error_naming_the_job() {
    let (org, sf) = paged_org();
    let job = fast(&sf).start_query(SOQL, false).unwrap().wait().unwrap();
    let id = job.info().id.clone();
    org.fail_next_on(
        &format!("/services/data/v66.0/jobs/query/{id}/results"),
        1,
        Fault::Json {
            status: 400,
            body: serde_json::json!([{"errorCode": "INVALIDLOCATOR", "message": "Invalid locator"}]),
        },
    );
    let e = job.results(Vec::new()).unwrap_err();
    assert_eq!(e.error_code(), Some("INVALIDLOCATOR"));
    assert!(e.to_string().contains(&id), "{e}");
}

#[test]
fn the_org_takes_its_time_when_asked() {
    let (org, sf) = org_and_client();
    org.seed_bulk("Account", 400);
    org.set_bulk_polls_until_complete(0);
    org.set_bulk_query_time(Duration::from_millis(300));
    org.set_bulk_result_rate(2_000); // 420 records: at least 210 ms
    let started = std::time::Instant::now();
    let job = fast(&sf)
        .start_query("SELECT Id FROM Account", false)
        .unwrap();
    let done = job.wait().unwrap();
    let waited = started.elapsed();
    assert!(waited >= Duration::from_millis(300), "{waited:?}");
    let t = std::time::Instant::now();
    done.results(Vec::new()).unwrap();
    assert!(
        t.elapsed() >= Duration::from_millis(200),
        "{:?}",
        t.elapsed()
    );
}

/// The benchmarks' latency proxy forwards other ports to the org: the org then names itself by
/// the proxy's ports, so that every call after the login goes through the proxy too.
#[test]
fn the_org_names_itself_by_the_ports_of_a_proxy_in_front() {
    // The login host named as it listens (a free port found first), My Domain as port 2.
    let free = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let org = FakeOrg::builder()
        .ports(free, 0)
        .public_ports(free, 2)
        .start();
    let c = org.credentials();
    let sf = Client::builder()
        .login_url(org.login_url())
        .client_id(c.client_id)
        .client_secret(c.client_secret)
        .username(c.username)
        .password(c.password)
        .security_token(c.security_token)
        .build()
        .unwrap();
    assert_eq!(sf.instance_url(), "http://127.0.0.1:2");
}

/// While a job runs (for over a second), `Bulk::query` opens the connections its pages will be
/// downloaded on, by unauthenticated `GET /services/data/` (no token sent, no API call spent),
/// so that the downloads start on open connections.
#[test]
fn a_running_job_opens_the_download_connections_meanwhile() {
    let (org, sf) = paged_org();
    org.set_bulk_polls_until_complete(0);
    // The warm-up starts after a second: 1.5 s more for it to finish, however loaded the
    // machine is.
    org.set_bulk_query_time(Duration::from_millis(2500));
    org.clear_requests();
    let (used, _) = org.api_usage();
    let n = fast(&sf)
        .parallel_downloads(3)
        .query(SOQL, Vec::new())
        .unwrap();
    assert_eq!(n as usize, org.count("Account"));

    let requests = org.requests();
    let warm: Vec<_> = requests
        .iter()
        .filter(|r| r.path == "/services/data/")
        .collect();
    assert_eq!(
        warm.len(),
        4,
        "one per page downloaded at once, one for the listing"
    );
    for r in &warm {
        assert_eq!(r.method, "GET");
        assert_eq!(r.header("authorization"), None, "no token on a warm-up");
    }
    let distinct: std::collections::HashSet<u64> = warm.iter().map(|r| r.connection).collect();
    assert_eq!(
        distinct.len(),
        4,
        "the warm-ups are in flight together, one a connection"
    );
    let authenticated = requests
        .iter()
        .filter(|r| r.header("authorization").is_some())
        .count() as u64;
    assert_eq!(
        org.api_usage().0 - used,
        authenticated,
        "warm-ups spend no API call"
    );

    let listing = requests
        .iter()
        .position(|r| r.path.ends_with("/resultPages"))
        .expect("the pages were listed");
    // Connections that carried the job's creation, a poll or a warm-up.
    let opened_before: std::collections::HashSet<u64> = requests[..listing]
        .iter()
        .chain(warm.iter().copied())
        .map(|r| r.connection)
        .collect();
    // The first pages at once (later ones may overlap the next listing, a fourth call).
    let first_pages: Vec<_> = requests[listing..]
        .iter()
        .filter(|r| r.path.ends_with("/results"))
        .take(3)
        .collect();
    assert_eq!(first_pages.len(), 3);
    for r in first_pages {
        assert!(
            opened_before.contains(&r.connection),
            "{} came on a connection opened after the job completed",
            r.path
        );
    }
}

/// A job done within a second (a small result, most likely one page), or pages read one by
/// one, open no extra connection.
#[test]
fn no_warm_up_for_a_quick_job_or_one_page_at_a_time() {
    let (org, sf) = paged_org();
    org.set_bulk_polls_until_complete(0);
    org.set_bulk_query_time(Duration::from_millis(300));
    fast(&sf).query(SOQL, Vec::new()).unwrap();
    org.set_bulk_query_time(Duration::from_millis(1100));
    fast(&sf)
        .parallel_downloads(1)
        .query(SOQL, Vec::new())
        .unwrap();
    assert_eq!(count(&org, "/services/data/"), 0);
}

/// A result page answered 503 once is fetched again (as any GET), whether the pages are read
/// one at a time or at once: the export does not fail for one transient error.
#[test]
fn a_page_answered_503_once_is_fetched_again() {
    let (org, sf) = paged_org();
    let mut expected = Vec::new();
    fast(&sf).query(SOQL, &mut expected).unwrap();
    for parallel in [1, 4] {
        let job = fast(&sf)
            .parallel_downloads(parallel)
            .start_query(SOQL, false)
            .unwrap()
            .wait()
            .unwrap();
        let path = format!("/services/data/v66.0/jobs/query/{}/results", job.info().id);
        org.fail_next_on(
            &path,
            1,
            Fault::Status {
                status: 503,
                content_type: "text/html".into(),
                body: "<html>Service Unavailable</html>".into(),
            },
        );
        org.clear_requests();
        let mut out = Vec::new();
        job.results(&mut out).unwrap();
        assert_eq!(out, expected, "{parallel}: the same CSV");
        assert_eq!(
            count(&org, "/results"),
            org.count("Account").div_ceil(300) + 1,
            "{parallel}: one page fetched twice"
        );
    }
}

/// Pages downloaded at once wait their turn in memory, so one over `max_page_bytes` ends the
/// export with an error naming the limit; read one at a time, the same page streams.
#[test]
fn a_page_over_max_page_bytes_is_an_error_naming_the_limit() {
    let (_org, sf) = paged_org();
    let err = fast(&sf)
        .max_page_bytes(4_000)
        .query(SOQL, Vec::new())
        .unwrap_err();
    let text = err.to_string();
    assert!(text.contains("Bulk::max_page_bytes"), "{text}");
    assert!(text.contains("parallel_downloads(1)"), "{text}");
    let n = fast(&sf)
        .max_page_bytes(4_000)
        .parallel_downloads(1)
        .query(SOQL, Vec::new())
        .unwrap();
    assert!(n > 2_000);
}
