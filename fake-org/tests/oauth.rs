mod common;

use base64::Engine;
use common::*;
use sfrest_fake_org::{FakeOrg, Host};

fn password_form<'a>(
    c: &'a sfrest_fake_org::Credentials,
    password: &'a str,
) -> Vec<(&'a str, &'a str)> {
    vec![
        ("grant_type", "password"),
        ("client_id", &c.client_id),
        ("client_secret", &c.client_secret),
        ("username", &c.username),
        ("password", password),
    ]
}

fn oauth_error(r: &Resp) -> (String, String) {
    assert_eq!(r.status, 400, "{}", r.text());
    let j = r.json();
    (
        j["error"].as_str().unwrap().to_owned(),
        j["error_description"].as_str().unwrap().to_owned(),
    )
}

#[test]
fn password_grant_success_shape_and_signature() {
    let org = FakeOrg::start();
    let c = org.credentials();
    let pw = format!("{}{}", c.password, c.security_token);
    let r = token_request(&org.login_url(), &password_form(&c, &pw));
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(
        r.header("content-type"),
        Some("application/json;charset=UTF-8")
    );
    let j = r.json();
    let obj = j.as_object().unwrap();
    let mut keys: Vec<&str> = obj.keys().map(String::as_str).collect();
    keys.sort();
    assert_eq!(
        keys,
        [
            "access_token",
            "id",
            "instance_url",
            "issued_at",
            "signature",
            "token_type"
        ]
    );
    let id = j["id"].as_str().unwrap();
    assert!(
        id.starts_with(&format!("{}/id/00D", org.login_url())),
        "{id}"
    );
    let user = id.rsplit('/').next().unwrap();
    assert!(user.starts_with("005") && user.len() == 18, "{user}");
    assert_eq!(j["instance_url"], org.instance_url());
    assert_eq!(org.instance_url(), org.my_domain_url());
    assert_eq!(j["token_type"], "Bearer");
    let token = j["access_token"].as_str().unwrap();
    let (org_part, secret) = token.split_once('!').unwrap();
    assert!(
        org_part.starts_with("00D") && org_part.len() == 15,
        "{org_part}"
    );
    assert!(secret.len() >= 90, "{}", secret.len());
    assert!(secret
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'_'));
    let issued_at: i64 = j["issued_at"].as_str().unwrap().parse().unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    assert!((now - issued_at).abs() < 60_000);
    // signature = base64(HMAC-SHA256(client_secret, id + issued_at))
    let sig = base64::engine::general_purpose::STANDARD
        .decode(j["signature"].as_str().unwrap())
        .unwrap();
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, c.client_secret.as_bytes());
    let msg = format!("{id}{}", j["issued_at"].as_str().unwrap());
    ring::hmac::verify(&key, msg.as_bytes(), &sig).expect("signature verifies");
    assert_eq!(org.login_count(), 1);
    // The token works on the instance.
    let r = get(&org, token, "/services/data/v66.0/limits");
    assert_eq!(r.status, 200);
}

#[test]
fn password_grant_errors() {
    let org = FakeOrg::start();
    let c = org.credentials();
    let good = format!("{}{}", c.password, c.security_token);
    // Missing security token from an untrusted IP.
    let r = token_request(&org.login_url(), &password_form(&c, &c.password));
    assert_eq!(
        oauth_error(&r),
        ("invalid_grant".into(), "authentication failure".into())
    );
    // Wrong password.
    let r = token_request(&org.login_url(), &password_form(&c, "nope"));
    assert_eq!(
        oauth_error(&r),
        ("invalid_grant".into(), "authentication failure".into())
    );
    // Unknown username.
    let mut form = password_form(&c, &good);
    form[3].1 = "someone@else.example";
    assert_eq!(
        oauth_error(&token_request(&org.login_url(), &form)).1,
        "authentication failure"
    );
    // Unknown consumer key.
    let mut form = password_form(&c, &good);
    form[1].1 = "3MVG9unknown";
    let r = token_request(&org.login_url(), &form);
    assert_eq!(
        oauth_error(&r),
        (
            "invalid_client_id".into(),
            "client identifier invalid".into()
        )
    );
    // Wrong secret.
    let mut form = password_form(&c, &good);
    form[2].1 = "wrong";
    let r = token_request(&org.login_url(), &form);
    assert_eq!(
        oauth_error(&r),
        ("invalid_client".into(), "invalid client credentials".into())
    );
    // A '+' sent unencoded is a space: the password no longer matches.
    let raw = format!(
        "grant_type=password&client_id={}&client_secret={}&username={}&password={}",
        enc(&c.client_id),
        enc(&c.client_secret),
        enc(&c.username),
        enc(&good).replace("%2B", "+")
    );
    let r = request(
        &org.login_url(),
        "POST",
        "/services/oauth2/token",
        &[("Content-Type", "application/x-www-form-urlencoded")],
        raw.as_bytes(),
    );
    assert_eq!(oauth_error(&r).1, "authentication failure");
    assert_eq!(org.login_count(), 0);
    // Trusted IP: the plain password works, and so does password+token.
    org.set_trusted_ip(true);
    assert_eq!(
        token_request(&org.login_url(), &password_form(&c, &c.password)).status,
        200
    );
    assert_eq!(
        token_request(&org.login_url(), &password_form(&c, &good)).status,
        200
    );
    assert_eq!(org.login_count(), 2);
    // Blocked flow: fails even with the right credentials.
    org.set_password_flow_blocked(true);
    let r = token_request(&org.login_url(), &password_form(&c, &good));
    assert_eq!(
        oauth_error(&r),
        ("invalid_grant".into(), "authentication failure".into())
    );
    assert_eq!(org.login_count(), 2);
}

#[test]
fn unsupported_grants_and_content_types() {
    let org = FakeOrg::start();
    let c = org.credentials();
    let expected = (
        "unsupported_grant_type".to_owned(),
        "grant type not supported".to_owned(),
    );
    let r = token_request(
        &org.login_url(),
        &[
            ("grant_type", "authorization_code"),
            ("client_id", &c.client_id),
        ],
    );
    assert_eq!(oauth_error(&r), expected);
    let r = token_request(&org.login_url(), &[("client_id", &c.client_id)]);
    assert_eq!(oauth_error(&r), expected);
    // Form fields sent as JSON: wrong content type.
    let body = serde_json::json!({"grant_type": "password", "client_id": c.client_id}).to_string();
    let r = request(
        &org.login_url(),
        "POST",
        "/services/oauth2/token",
        &[("Content-Type", "application/json")],
        body.as_bytes(),
    );
    assert_eq!(oauth_error(&r), expected);
    let r = request(&org.login_url(), "GET", "/services/oauth2/token", &[], b"");
    assert_eq!(oauth_error(&r).0, "invalid_request");
}

#[test]
fn client_credentials_only_on_my_domain() {
    let org = FakeOrg::start();
    let c = org.credentials();
    let form = [
        ("grant_type", "client_credentials"),
        ("client_id", c.client_id.as_str()),
        ("client_secret", c.client_secret.as_str()),
    ];
    let r = token_request(&org.login_url(), &form);
    assert_eq!(
        oauth_error(&r),
        (
            "invalid_grant".into(),
            "request not supported on this domain".into()
        )
    );
    let r = token_request(&org.my_domain_url(), &form);
    assert_eq!(r.status, 200, "{}", r.text());
    let j = r.json();
    assert_eq!(j["scope"], "api");
    assert_eq!(j["instance_url"], org.instance_url());
    assert!(j["signature"].is_string());
    // Id and secret in a Basic header instead.
    let basic = base64::engine::general_purpose::STANDARD
        .encode(format!("{}:{}", c.client_id, c.client_secret));
    let r = request(
        &org.my_domain_url(),
        "POST",
        "/services/oauth2/token",
        &[
            ("Content-Type", "application/x-www-form-urlencoded"),
            ("Authorization", &format!("Basic {basic}")),
        ],
        b"grant_type=client_credentials",
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let r = token_request(
        &org.my_domain_url(),
        &[
            ("grant_type", "client_credentials"),
            ("client_id", &c.client_id),
            ("client_secret", "bad"),
        ],
    );
    assert_eq!(oauth_error(&r).0, "invalid_client");
    assert_eq!(org.login_count(), 2);
    let hosts: Vec<Host> = org.requests().iter().map(|r| r.host).collect();
    assert_eq!(
        hosts,
        [Host::Login, Host::MyDomain, Host::MyDomain, Host::MyDomain]
    );
}

#[test]
fn refresh_token_grant() {
    let org = FakeOrg::start();
    let c = org.credentials();
    let rt = org.issue_refresh_token();
    let form = [
        ("grant_type", "refresh_token"),
        ("refresh_token", rt.as_str()),
        ("client_id", c.client_id.as_str()),
    ];
    let r = token_request(&org.login_url(), &form);
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(r.json()["scope"].as_str().unwrap().contains("api"));
    assert!(r.json().get("refresh_token").is_none());
    let r = token_request(
        &org.login_url(),
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", "5Aep861bogus"),
            ("client_id", &c.client_id),
        ],
    );
    assert_eq!(
        oauth_error(&r),
        (
            "invalid_grant".into(),
            "expired access/refresh token".into()
        )
    );
    org.revoke_refresh_tokens();
    let r = token_request(&org.login_url(), &form);
    assert_eq!(
        oauth_error(&r),
        (
            "invalid_grant".into(),
            "expired access/refresh token".into()
        )
    );
    assert_eq!(org.login_count(), 1);
}

fn b64url(data: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(data)
}

/// An RS256 assertion signed with a key file from `keys/`.
fn assertion(pem: &str, claims: serde_json::Value) -> String {
    let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    let der = base64::engine::general_purpose::STANDARD
        .decode(body)
        .unwrap();
    let key = ring::signature::RsaKeyPair::from_pkcs8(&der).unwrap();
    let input = format!(
        "{}.{}",
        b64url(br#"{"alg":"RS256"}"#),
        b64url(claims.to_string().as_bytes())
    );
    let mut sig = vec![0; key.public().modulus_len()];
    key.sign(
        &ring::signature::RSA_PKCS1_SHA256,
        &ring::rand::SystemRandom::new(),
        input.as_bytes(),
        &mut sig,
    )
    .unwrap();
    format!("{input}.{}", b64url(&sig))
}

#[test]
fn jwt_bearer_grant() {
    let org = FakeOrg::start();
    let c = org.credentials();
    let trusted = include_str!("../keys/test-jwt-key.pem");
    let untrusted = include_str!("../keys/untrusted-key.pem");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let claims = |aud: &str, exp: u64| serde_json::json!({"iss": c.client_id, "sub": c.username, "aud": aud, "exp": exp.to_string()});
    let grant = |base: &str, jwt: String| {
        token_request(
            base,
            &[
                ("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"),
                ("assertion", &jwt),
            ],
        )
    };
    let r = grant(
        &org.login_url(),
        assertion(trusted, claims("https://login.salesforce.com", now + 180)),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let j = r.json();
    assert!(j.get("signature").is_none() && j.get("issued_at").is_none());
    assert_eq!(j["instance_url"], org.instance_url());
    assert_eq!(
        get(
            &org,
            j["access_token"].as_str().unwrap(),
            "/services/data/v66.0/limits"
        )
        .status,
        200
    );
    // Posting to My Domain works too, with the same audience.
    let r = grant(
        &org.my_domain_url(),
        assertion(trusted, claims("https://login.salesforce.com", now + 180)),
    );
    assert_eq!(r.status, 200);
    assert_eq!(org.login_count(), 2);

    let r = grant(
        &org.login_url(),
        assertion(untrusted, claims("https://login.salesforce.com", now + 180)),
    );
    assert_eq!(
        oauth_error(&r),
        ("invalid_grant".into(), "invalid assertion".into())
    );
    let r = grant(
        &org.login_url(),
        assertion(trusted, claims(&org.my_domain_url(), now + 180)),
    );
    assert_eq!(
        oauth_error(&r),
        ("invalid_grant".into(), "audience is invalid".into())
    );
    let r = grant(
        &org.login_url(),
        assertion(trusted, claims("https://login.salesforce.com", now - 600)),
    );
    assert_eq!(
        oauth_error(&r),
        ("invalid_grant".into(), "expired authorization code".into())
    );
    let r = grant(&org.login_url(), "not.a.jwt".into());
    assert_eq!(oauth_error(&r).1, "invalid assertion");
    assert_eq!(org.login_count(), 2);
}
