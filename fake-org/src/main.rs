//! `fake-org` binary: serves a fake Salesforce org until killed.

use std::time::{Duration, Instant};

const USAGE: &str = "usage: fake-org [--port P] [--records N] [--tls-cert FILE --tls-key FILE]

  --port P          login host on 127.0.0.1:P, My Domain host on P+1 (default: ephemeral ports)
  --records N       seed N extra synthetic Accounts (\"Account 000001\", ...)
  --tls-cert FILE   serve https on both ports with this PEM certificate chain (leaf first)
  --tls-key FILE    and this PEM private key (both or neither)
  --bulk-query-ms MS       a Bulk API 2.0 query job runs for at least MS ms (default 0)
  --bulk-result-rate N     query result pages are produced at N records/s per request
                           (default 0: at once)
  --bulk-polls N           a closed bulk job answers InProgress to its first N polls
                           (default 1; 0 for time alone to decide)
  --rotate-refresh-tokens  every refresh answer carries a new refresh token and the used one
                           stops working (the connected app's Refresh Token Rotation)
  --replication-id-limit N most ids one updated/deleted answer holds (default 600000)";

fn main() {
    let mut port: Option<u16> = None;
    let mut records: usize = 0;
    let mut tls_cert: Option<String> = None;
    let mut tls_key: Option<String> = None;
    let mut query_ms: Option<u64> = None;
    let mut result_rate: Option<u64> = None;
    let mut polls: Option<u32> = None;
    let mut rotate = false;
    let mut id_limit: Option<u64> = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let value = |v: Option<String>| {
            v.unwrap_or_else(|| {
                eprintln!("fake-org: {arg} needs a value\n{USAGE}");
                std::process::exit(2)
            })
        };
        match arg.as_str() {
            "--port" => match value(args.next()).parse::<u16>() {
                Ok(p) if p < u16::MAX => port = Some(p),
                _ => fail("--port must be a number below 65535"),
            },
            "--records" => match value(args.next()).parse::<usize>() {
                Ok(n) => records = n,
                Err(_) => fail("--records must be a number"),
            },
            "--tls-cert" => tls_cert = Some(read_pem(&value(args.next()))),
            "--tls-key" => tls_key = Some(read_pem(&value(args.next()))),
            "--bulk-query-ms" => query_ms = Some(number(&arg, &value(args.next()))),
            "--bulk-result-rate" => result_rate = Some(number(&arg, &value(args.next()))),
            "--bulk-polls" => {
                polls = Some(number(&arg, &value(args.next())).min(u64::from(u32::MAX)) as u32)
            }
            "--rotate-refresh-tokens" => rotate = true,
            "--replication-id-limit" => id_limit = Some(number(&arg, &value(args.next()))),
            "-h" | "--help" => {
                println!("{USAGE}");
                return;
            }
            other => fail(&format!("unknown argument {other}")),
        }
    }
    let (login_port, my_domain_port) = port.map_or((0, 0), |p| (p, p + 1));
    let started = match (tls_cert, tls_key) {
        (None, None) => sfrest_fake_org::FakeOrg::try_start_on(login_port, my_domain_port),
        (Some(cert), Some(key)) => {
            sfrest_fake_org::FakeOrg::try_start_tls_on(login_port, my_domain_port, &cert, &key)
        }
        _ => fail("--tls-cert and --tls-key go together"),
    };
    let org = match started {
        Ok(org) => org,
        Err(e) => {
            eprintln!("fake-org: cannot listen: {e}");
            std::process::exit(1);
        }
    };
    org.set_record_requests(false);
    if let Some(ms) = query_ms {
        org.set_bulk_query_time(Duration::from_millis(ms));
    }
    if let Some(rate) = result_rate {
        org.set_bulk_result_rate(rate);
    }
    if let Some(n) = polls {
        org.set_bulk_polls_until_complete(n);
    }
    org.set_refresh_token_rotation(rotate);
    if let Some(n) = id_limit {
        org.set_replication_id_limit(usize::try_from(n).unwrap_or(usize::MAX));
    }
    sfrest_fake_org::stats::enable(); // GET /__fake/stats, POST /__fake/reset on the login host
    if records > 0 {
        let t = Instant::now();
        org.seed_bulk("Account", records);
        eprintln!("seeded {records} Accounts in {:.1?}", t.elapsed());
    }
    let c = org.credentials();
    println!("fake Salesforce org running");
    println!("login URL:      {}", org.login_url());
    println!("My Domain URL:  {}", org.my_domain_url());
    println!("client_id:      {}", c.client_id);
    println!("client_secret:  {}", c.client_secret);
    println!("username:       {}", c.username);
    println!("password:       {}", c.password);
    println!("security_token: {}", c.security_token);
    println!("refresh_token:  {}", org.issue_refresh_token());
    loop {
        std::thread::sleep(Duration::from_secs(3600));
    }
}

fn number(arg: &str, v: &str) -> u64 {
    v.parse()
        .unwrap_or_else(|_| fail(&format!("{arg} must be a number")))
}

fn read_pem(path: &str) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| fail(&format!("cannot read {path}: {e}")))
}

fn fail(msg: &str) -> ! {
    eprintln!("fake-org: {msg}\n{USAGE}");
    std::process::exit(2)
}
