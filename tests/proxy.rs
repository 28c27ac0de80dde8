//! `HTTPS_PROXY` / `HTTP_PROXY` / `NO_PROXY` are honoured: ureq's default configuration, which
//! the SDK's transport starts from, reads them (`ureq::Proxy::try_from_env`) when a client is
//! built. ureq sends every request through an http proxy as a `CONNECT host:port` tunnel, for
//! http and https targets alike, and has no built-in loopback exception: only `NO_PROXY` skips
//! the proxy. One test, since it sets process environment variables.

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
    let upstream = TcpStream::connect(&authority)?;
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
    let org = FakeOrg::start();
    let proxy = TestProxy::start();

    // Without proxy variables, nothing goes through the proxy.
    clear_proxy_env();
    let sf = password_builder(&org).build().unwrap();
    sf.limits().unwrap();
    assert_eq!(proxy.count(), 0);

    // HTTPS_PROXY: the login and the calls go through it.
    std::env::set_var("HTTPS_PROXY", &proxy.url);
    let sf = password_builder(&org).build().unwrap();
    let page = sf.query("SELECT Id FROM Account LIMIT 2").unwrap();
    assert_eq!(page["records"].as_array().unwrap().len(), 2);
    let through = proxy.count();
    assert!(through > 0, "nothing went through the proxy");
    let my_domain = org.my_domain_url().replace("http://", "");
    assert!(
        proxy
            .targets
            .lock()
            .unwrap()
            .iter()
            .any(|t| t == &format!("CONNECT {my_domain}")),
        "{:?}",
        proxy.targets.lock().unwrap()
    );

    // NO_PROXY=127.0.0.1: straight to the org.
    std::env::set_var("NO_PROXY", "127.0.0.1");
    let sf = password_builder(&org).build().unwrap();
    sf.limits().unwrap();
    assert_eq!(proxy.count(), through, "NO_PROXY was not honoured");

    // HTTP_PROXY alone works the same way.
    clear_proxy_env();
    std::env::set_var("HTTP_PROXY", &proxy.url);
    let sf = password_builder(&org).build().unwrap();
    sf.limits().unwrap();
    let after_http = proxy.count();
    assert!(after_http > through);

    // https through the proxy: a CONNECT tunnel, with TLS end to end to the org (the proxy
    // sees only the tunnel's target).
    clear_proxy_env();
    std::env::set_var("HTTPS_PROXY", &proxy.url);
    let pki = pki::pki(&["127.0.0.1"]);
    let tls_org = FakeOrg::start_tls(&pki.chain_pem, &pki.key_pem);
    let ca = common::env_file("proxy-ca", "").with_file_name("ca.pem");
    std::fs::write(&ca, &pki.ca_pem).unwrap();
    let sf = password_builder(&tls_org).ca_file(&ca).build().unwrap();
    sf.limits().unwrap();
    assert!(proxy.count() > after_http);
    assert!(tls_org.login_count() == 1);
    assert_eq!(tls_org.plain_http_attempts(), 0);
    clear_proxy_env();
}
