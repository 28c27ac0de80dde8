//! `sfrest-fake-org` binary: serves a fake Salesforce org until killed.

use std::time::{Duration, Instant};

const USAGE: &str =
    "usage: sfrest-fake-org [--port P] [--schema PATH]... [--data PATH]... [--time-zone Z]
                       [--no-sample-data] [--records N] [--tls-cert FILE --tls-key FILE]

  --port P          login host on 127.0.0.1:P, My Domain host on P+1 (default: ephemeral ports)
  --schema PATH     load sObjects from saved describe results: a file, or every .json file
                    of a folder (GET sobjects/Type/describe, or sf sobject describe --json)
  --data PATH       load records: {\"Type\": [records]} or sf data export tree files (or plan),
                    a file or every .json file of a folder
  --time-zone Z     the org's time zone for date literals: UTC (default), +02:00,
                    America/Los_Angeles, ...
  --no-sample-data  start without the sample Accounts, Contacts and Opportunities
  --records N       seed N extra synthetic Accounts (\"Account 000001\", ...)
  --tls-cert FILE   serve https on both ports with this PEM certificate chain (leaf first)
  --tls-key FILE    and this PEM private key (both or neither)
  --public-port P   name itself by 127.0.0.1:P (login) and P+1 (My Domain) in what it sends
                    (instance_url...): for a proxy forwarding those ports to --port P
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
    let mut builder = sfrest_fake_org::FakeOrg::builder();
    let mut schema_paths: Vec<String> = Vec::new();
    let mut data_paths: Vec<String> = Vec::new();
    let mut public_port: Option<u16> = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let value = |v: Option<String>| {
            v.unwrap_or_else(|| {
                eprintln!("sfrest-fake-org: {arg} needs a value\n{USAGE}");
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
            "--schema" => schema_paths.push(value(args.next())),
            "--data" => data_paths.push(value(args.next())),
            "--time-zone" => builder = loaded(builder.time_zone(&value(args.next()))),
            "--no-sample-data" => builder = builder.without_sample_data(),
            "--tls-cert" => tls_cert = Some(read_pem(&value(args.next()))),
            "--tls-key" => tls_key = Some(read_pem(&value(args.next()))),
            "--bulk-query-ms" => query_ms = Some(number(&arg, &value(args.next()))),
            "--bulk-result-rate" => result_rate = Some(number(&arg, &value(args.next()))),
            "--public-port" => match value(args.next()).parse::<u16>() {
                Ok(p) if p < u16::MAX => public_port = Some(p),
                _ => fail("--public-port must be a number below 65535"),
            },
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
    // Describes first, whatever the order on the command line: records need their types.
    for p in &schema_paths {
        builder = loaded(builder.describe_file(p));
    }
    for p in &data_paths {
        builder = loaded(builder.data_file(p));
    }
    let (login_port, my_domain_port) = port.map_or((0, 0), |p| (p, p + 1));
    builder = builder.ports(login_port, my_domain_port);
    if let Some(p) = public_port {
        builder = builder.public_ports(p, p.saturating_add(1));
    }
    match (tls_cert, tls_key) {
        (None, None) => {}
        (Some(cert), Some(key)) => builder = builder.tls(&cert, &key),
        _ => fail("--tls-cert and --tls-key go together"),
    }
    let org = match builder.try_start() {
        Ok(org) => org,
        Err(e) if e.kind() == std::io::ErrorKind::InvalidData => {
            eprintln!("sfrest-fake-org: {e}");
            std::process::exit(2);
        }
        Err(e) => {
            eprintln!("sfrest-fake-org: cannot listen: {e}");
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
    let objects: Vec<String> = org
        .sobject_types()
        .into_iter()
        .map(|t| {
            let n = org.count(&t);
            format!("{t} ({n})")
        })
        .collect();
    println!("fake Salesforce org running (Ctrl-C stops it)");
    println!("login URL:      {}", org.login_url());
    println!("My Domain URL:  {}", org.my_domain_url());
    println!("REST API:       {}/services/data/v66.0", org.instance_url());
    println!("objects:        {}", objects.join(", "));
    println!("time zone:      {}", org.time_zone_name());
    println!("refresh_token:  {}", org.issue_refresh_token());
    println!();
    println!("# paste into .env (username-password flow):");
    print!("{}", org.env_block());
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

/// The builder, or the load error and exit status 2.
fn loaded(
    r: Result<sfrest_fake_org::FakeOrgBuilder, sfrest_fake_org::LoadError>,
) -> sfrest_fake_org::FakeOrgBuilder {
    r.unwrap_or_else(|e| {
        eprintln!("sfrest-fake-org: {e}");
        std::process::exit(2)
    })
}

fn fail(msg: &str) -> ! {
    eprintln!("sfrest-fake-org: {msg}\n{USAGE}");
    std::process::exit(2)
}
