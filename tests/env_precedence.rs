//! `from_env` finds `.env` from the current directory up, and real variables win over the file.
//! One test in its own process, since it changes the environment and the current directory.

mod common;

use sfrest::Client;
use sfrest_fake_org::FakeOrg;

#[test]
fn dotenv_is_found_upwards_and_real_env_wins() {
    let org = FakeOrg::start();
    let path = common::env_file("upwards", &common::password_env(&org));
    let nested = path.parent().unwrap().join("a").join("b");
    std::fs::create_dir_all(&nested).unwrap();
    std::env::set_current_dir(&nested).unwrap();

    let sf = Client::from_env().unwrap();
    assert_eq!(sf.instance_url(), org.instance_url());
    assert_eq!(sf.api_version(), "66.0");

    // The real environment wins over the file.
    std::env::set_var("SF_API_VERSION", "67.0");
    std::env::set_var("SF_SECURITY_TOKEN", "not-the-token");
    let sf = Client::builder()
        .load_env()
        .unwrap()
        .api_version("67.0")
        .build();
    let err = sf.unwrap_err();
    assert_eq!(
        err.error_code(),
        Some("invalid_grant"),
        "the wrong token from the environment was used: {err}"
    );
    std::env::remove_var("SF_SECURITY_TOKEN");
    let sf = Client::from_env().unwrap();
    assert_eq!(sf.api_version(), "67.0");

    // A .env found by searching that everyone can write is an error naming it and why, not
    // settings: another user could have pointed them at a server of theirs.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o666)).unwrap();
        let err = Client::from_env().unwrap_err();
        assert!(
            matches!(err, sfrest::Error::InvalidConfig { .. }),
            "{err:?}"
        );
        let text = err.to_string();
        assert!(text.contains(&path.display().to_string()), "{text}");
        assert!(text.contains("writable by everyone"), "{text}");
        // Named explicitly, it is the caller's choice (with the chmod warning).
        Client::from_env_file(&path).unwrap();
    }
}
