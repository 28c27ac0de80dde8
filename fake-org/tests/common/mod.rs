//! A tiny raw HTTP/1.1 client for the tests.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use sfrest_fake_org::FakeOrg;

pub mod bulk_api;
pub mod clock;

/// A response as read off the wire.
#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    /// Body bytes as sent (still gzip-compressed if the server compressed them).
    pub raw: Vec<u8>,
}

impl Resp {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The body, gunzipped when Content-Encoding says gzip.
    pub fn body(&self) -> Vec<u8> {
        if self.header("content-encoding") == Some("gzip") {
            let mut out = Vec::new();
            flate2::read::GzDecoder::new(&self.raw[..])
                .read_to_end(&mut out)
                .expect("valid gzip");
            out
        } else {
            self.raw.clone()
        }
    }

    pub fn text(&self) -> String {
        String::from_utf8(self.body()).expect("utf-8 body")
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body()).unwrap_or_else(|e| {
            panic!(
                "body is not JSON ({e}): {}",
                String::from_utf8_lossy(&self.body())
            )
        })
    }
}

/// A keep-alive connection.
pub struct Conn {
    reader: BufReader<TcpStream>,
    host: String,
}

impl Conn {
    pub fn open(base: &str) -> Conn {
        let host = base.trim_start_matches("http://").to_owned();
        let stream = TcpStream::connect(&host).expect("connect");
        stream
            .set_read_timeout(Some(Duration::from_secs(20)))
            .unwrap();
        Conn {
            reader: BufReader::new(stream),
            host,
        }
    }

    pub fn send_raw(&mut self, bytes: &[u8]) {
        self.reader.get_mut().write_all(bytes).expect("write");
    }

    /// Sends a request with Content-Length and reads the response.
    pub fn request(
        &mut self,
        method: &str,
        target: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> Resp {
        let mut head = format!("{method} {target} HTTP/1.1\r\nHost: {}\r\n", self.host);
        for (n, v) in headers {
            head.push_str(&format!("{n}: {v}\r\n"));
        }
        if !body.is_empty() || matches!(method, "POST" | "PATCH" | "PUT") {
            head.push_str(&format!("Content-Length: {}\r\n", body.len()));
        }
        head.push_str("\r\n");
        let mut bytes = head.into_bytes();
        bytes.extend_from_slice(body);
        self.send_raw(&bytes);
        self.read_response(method == "HEAD").expect("a response")
    }

    /// Reads one response; `None` when the server closed the connection first.
    pub fn read_response(&mut self, head_only: bool) -> Option<Resp> {
        let mut line = String::new();
        if self.reader.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let status: u16 = line.split(' ').nth(1)?.parse().ok()?;
        let mut headers = Vec::new();
        loop {
            let mut h = String::new();
            self.reader.read_line(&mut h).ok()?;
            let h = h.trim_end();
            if h.is_empty() {
                break;
            }
            let (n, v) = h.split_once(':')?;
            headers.push((n.trim().to_owned(), v.trim().to_owned()));
        }
        let len = headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
            .map(|(_, v)| v.parse::<usize>().expect("numeric content-length"));
        let mut raw = Vec::new();
        if !head_only && status != 204 {
            match len {
                Some(n) => {
                    raw.resize(n, 0);
                    self.reader.read_exact(&mut raw).ok()?;
                }
                None => {
                    self.reader.read_to_end(&mut raw).ok()?;
                }
            }
        }
        Some(Resp {
            status,
            headers,
            raw,
        })
    }

    /// True when the server has closed the connection (read returns EOF).
    pub fn is_closed(&mut self) -> bool {
        let mut buf = [0u8; 1];
        matches!(self.reader.read(&mut buf), Ok(0) | Err(_))
    }
}

/// One request on a fresh connection.
pub fn request(
    base: &str,
    method: &str,
    target: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Resp {
    Conn::open(base).request(method, target, headers, body)
}

/// Percent-encodes a form value.
pub fn enc(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// POSTs a form to the token endpoint of `base`.
pub fn token_request(base: &str, form: &[(&str, &str)]) -> Resp {
    let body: Vec<String> = form
        .iter()
        .map(|(k, v)| format!("{k}={}", enc(v)))
        .collect();
    request(
        base,
        "POST",
        "/services/oauth2/token",
        &[("Content-Type", "application/x-www-form-urlencoded")],
        body.join("&").as_bytes(),
    )
}

/// The token endpoint's answer to a password-grant login as the test user.
pub fn password_login(org: &FakeOrg) -> Resp {
    let c = org.credentials();
    let password = format!("{}{}", c.password, c.security_token);
    token_request(
        &org.login_url(),
        &[
            ("grant_type", "password"),
            ("client_id", &c.client_id),
            ("client_secret", &c.client_secret),
            ("username", &c.username),
            ("password", &password),
        ],
    )
}

/// Logs in with the password grant and returns the access token.
pub fn login(org: &FakeOrg) -> String {
    let r = password_login(org);
    assert_eq!(r.status, 200, "login failed: {}", r.text());
    r.json()["access_token"]
        .as_str()
        .expect("access_token")
        .to_owned()
}

/// GETs an API path with a bearer token.
pub fn get(org: &FakeOrg, token: &str, target: &str) -> Resp {
    let auth = format!("Bearer {token}");
    request(
        &org.instance_url(),
        "GET",
        target,
        &[("Authorization", &auth)],
        b"",
    )
}

/// Sends a JSON body with a bearer token.
pub fn send_json(org: &FakeOrg, token: &str, method: &str, target: &str, body: &str) -> Resp {
    let auth = format!("Bearer {token}");
    request(
        &org.instance_url(),
        method,
        target,
        &[
            ("Authorization", &auth),
            ("Content-Type", "application/json"),
        ],
        body.as_bytes(),
    )
}

/// Runs a query and returns the response.
pub fn query(org: &FakeOrg, token: &str, soql: &str) -> Resp {
    get(
        org,
        token,
        &format!("/services/data/v66.0/query?q={}", enc(soql)),
    )
}

/// The single REST error of an error body: (errorCode, message).
pub fn rest_error(r: &Resp) -> (String, String) {
    let j = r.json();
    let e = &j
        .as_array()
        .unwrap_or_else(|| panic!("error body is not an array: {j}"))[0];
    (
        e["errorCode"].as_str().unwrap_or("").to_owned(),
        e["message"].as_str().unwrap_or("").to_owned(),
    )
}

/// The keys of each record of a query answer's `records`, in the order the server wrote them
/// (serde_json's `Map` sorts its keys, so a parsed `Value` cannot tell).
#[allow(dead_code)]
pub fn record_keys(text: &str) -> Vec<Vec<String>> {
    use serde::de::{Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
    use std::fmt;

    struct Keys;
    impl<'de> Visitor<'de> for Keys {
        type Value = Vec<String>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a record")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<Vec<String>, A::Error> {
            let mut keys = Vec::new();
            while let Some(k) = m.next_key::<String>()? {
                m.next_value::<IgnoredAny>()?;
                keys.push(k);
            }
            Ok(keys)
        }
    }
    struct Record(Vec<String>);
    impl<'de> serde::Deserialize<'de> for Record {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            d.deserialize_map(Keys).map(Record)
        }
    }
    struct Records;
    impl<'de> Visitor<'de> for Records {
        type Value = Vec<Vec<String>>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a query answer")
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut s: A) -> Result<Self::Value, A::Error> {
            let mut out = Vec::new();
            while let Some(Record(keys)) = s.next_element()? {
                out.push(keys);
            }
            Ok(out)
        }
        fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<Self::Value, A::Error> {
            let mut out = Vec::new();
            while let Some(k) = m.next_key::<String>()? {
                if k == "records" {
                    out = m.next_value_seed(RecordsSeed)?;
                } else {
                    m.next_value::<IgnoredAny>()?;
                }
            }
            Ok(out)
        }
    }
    struct RecordsSeed;
    impl<'de> serde::de::DeserializeSeed<'de> for RecordsSeed {
        type Value = Vec<Vec<String>>;
        fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            d.deserialize_seq(Records)
        }
    }
    let mut de = serde_json::Deserializer::from_str(text);
    de.deserialize_map(Records)
        .expect("a query answer with records")
}
