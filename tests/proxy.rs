//! `HTTPS_PROXY` / `HTTP_PROXY` / `NO_PROXY` are honoured: ureq's default configuration, which
//! the SDK's transport starts from, reads them (`ureq::Proxy::try_from_env`) when a client is
//! built. ureq sends every request through an http proxy as a `CONNECT host:port` tunnel, for
//! http and https targets alike. ureq has no loopback exception; sfrest adds one: a call to
//! this machine's loopback is made directly, whatever the proxy variables say. One test, since
//! it sets process environment variables.

mod common;
#[path = "common/pki.rs"]
mod pki;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;

use common::password_builder;
use sfrest_fake_org::FakeOrg;

/// A minimal http proxy on 127.0.0.1: `CONNECT host:port` tunnels (and absolute-form requests,
/// relayed as they are), counted, with the targets they asked for.
struct TestProxy {
    url: String,
    tunnels: Arc<AtomicUsize>,
    targets: Arc<Mutex<Vec<String>>>,
}

impl TestProxy {
    fn start() -> TestProxy {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let tunnels = Arc::new(AtomicUsize::new(0));
        let targets = Arc::new(Mutex::new(Vec::new()));
        let (t, g) = (tunnels.clone(), targets.clone());
        thread::spawn(move || {
            for client in listener.incoming().flatten() {
                let (t, g) = (t.clone(), g.clone());
                thread::spawn(move || {
                    let _ = relay(client, &t, &g);
                });
            }
        });
        TestProxy {
            url,
            tunnels,
            targets,
        }
    }

    fn count(&self) -> usize {
        self.tunnels.load(Ordering::SeqCst)
    }
}

/// A name no resolver knows: the test proxy tunnels `NAME:port` to `127.0.0.1:port`.
const NAME: &str = "org.proxy.test";

fn relay(
    client: TcpStream,
    count: &AtomicUsize,
    targets: &Mutex<Vec<String>>,
) -> std::io::Result<()> {
    let mut reader = BufReader::new(client.try_clone()?);
    let mut head = Vec::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 {
            return Ok(());
        }
        let end = line == "\r\n";
        head.push(line);
        if end {
            break;
        }
    }
    let mut parts = head[0].split_whitespace();
    let (method, target) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    count.fetch_add(1, Ordering::SeqCst);
    targets.lock().unwrap().push(format!("{method} {target}"));
    let (authority, forward) = if method == "CONNECT" {
        (target.to_string(), None)
    } else {
        // Absolute form: http://host:port/path, forwarded as it came.
        let rest = target.strip_prefix("http://").unwrap_or(target);
        let authority = rest.split('/').next().unwrap_or("").to_string();
        (authority, Some(head.concat()))
    };
    let upstream = TcpStream::connect(authority.replace(NAME, "127.0.0.1"))?;
    let mut to_client = client.try_clone()?;
    match forward {
        None => to_client.write_all(b"HTTP/1.1 200 Connection Established\r\n\r\n")?,
        Some(head) => (&upstream).write_all(head.as_bytes())?,
    }
    // Whatever the client sent past the head is already in the reader's buffer.
    let mut up_writer = upstream.try_clone()?;
    let pump = thread::spawn(move || {
        let _ = std::io::copy(&mut reader, &mut up_writer);
        let _ = up_writer.shutdown(Shutdown::Write);
    });
    let _ = std::io::copy(&mut (&upstream).take(u64::MAX), &mut to_client);
    let _ = to_client.shutdown(Shutdown::Both);
    let _ = pump.join();
    Ok(())
}

fn clear_proxy_env() {
    for name in [
        "ALL_PROXY",
        "all_proxy",
        "HTTPS_PROXY",
        "https_proxy",
        "HTTP_PROXY",
        "http_proxy",
        "NO_PROXY",
        "no_proxy",
    ] {
        std::env::remove_var(name);
    }
}

#[test]
fn proxy_variables_are_honoured() {
    let pki = pki::pki(&[NAME, "127.0.0.1"]);
    let org = FakeOrg::start_tls(&pki.chain_pem, &pki.key_pem);
    let ca = common::env_file("proxy-ca", "").with_file_name("ca.pem");
    std::fs::write(&ca, &pki.ca_pem).unwrap();
    let port = org.login_url().rsplit(':').next().unwrap().to_string();
    let by_name = format!("https://{NAME}:{port}");
    // The org by a name that only the proxy knows (a host elsewhere, as far as the client can
    // tell), or by its loopback address.
    let named = || password_builder(&org).login_url(&by_name).ca_file(&ca);
    let local = || password_builder(&org).ca_file(&ca);
    let proxy = TestProxy::start();

    // Without proxy variables, nothing goes through the proxy.
    clear_proxy_env();
    local().build().unwrap().limits().unwrap();
    assert_eq!(proxy.count(), 0);

    // HTTPS_PROXY: the login and the calls go through it, as CONNECT tunnels with TLS end to
    // end (the proxy sees only the tunnel's target).
    std::env::set_var("HTTPS_PROXY", &proxy.url);
    let sf = named().build().unwrap();
    let page = sf.query("SELECT Id FROM Account LIMIT 2").unwrap();
    assert_eq!(page["records"].as_array().unwrap().len(), 2);
    let through = proxy.count();
    assert!(through > 0, "nothing went through the proxy");
    assert!(
        proxy
            .targets
            .lock()
            .unwrap()
            .iter()
            .any(|t| t == &format!("CONNECT {NAME}:{port}")),
        "{:?}",
        proxy.targets.lock().unwrap()
    );
    assert_eq!(org.plain_http_attempts(), 0);

    // An org on this machine's loopback is called directly whatever the variables say: a
    // proxy elsewhere could not reach it (so the fake org works behind a corporate proxy).
    local().build().unwrap().limits().unwrap();
    assert_eq!(
        proxy.count(),
        through,
        "a loopback org went through the proxy"
    );

    // Whatever else is configured: a leftover SF_INSTANCE_URL elsewhere (unused by a login
    // flow) once made the loopback login go through the proxy.
    local()
        .instance_url("https://acme.my.salesforce.com")
        .build()
        .unwrap()
        .limits()
        .unwrap();
    assert_eq!(
        proxy.count(),
        through,
        "a loopback login went through the proxy"
    );

    // So is one reached with a ready access token, whose login URL (never used) is the default.
    let token = org.issue_access_token();
    let sf = sfrest::Client::builder()
        .access_token(token.as_str())
        .instance_url(org.instance_url())
        .ca_file(&ca)
        .build()
        .unwrap();
    sf.limits().unwrap();
    assert_eq!(
        proxy.count(),
        through,
        "a loopback instance reached with an access token went through the proxy"
    );

    // A remote login host whose token answer names a plain-http instance on loopback is not
    // believed: through the proxy, the token would travel in clear to the proxy's machine.
    let plain = org.instance_url().replacen("https://", "http://", 1);
    org.fail_next_on(
        "/services/oauth2/token",
        1,
        sfrest_fake_org::Fault::Json {
            status: 200,
            body: serde_json::json!({
                "access_token": "00DFAKE!plain-http-bait",
                "instance_url": plain,
                "token_type": "Bearer",
            }),
        },
    );
    let err = named().build().unwrap_err();
    assert!(matches!(err, sfrest::Error::Refused { .. }), "{err:?}");
    assert!(!format!("{err:?}").contains("plain-http-bait"));
    assert_eq!(org.plain_http_attempts(), 0);

    // HTTP_PROXY alone works the same way.
    clear_proxy_env();
    std::env::set_var("HTTP_PROXY", &proxy.url);
    named().build().unwrap().limits().unwrap();
    assert!(proxy.count() > through);
    clear_proxy_env();
    // NO_PROXY is ureq's (`Proxy::try_from_env`); testing it here would take a second name
    // that resolves to this machine without asking DNS, which no portable set-up has.
}
