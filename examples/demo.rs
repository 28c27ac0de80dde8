//! The whole flow against the bundled fake org, no credentials needed:
//!
//! ```text
//! cargo run --example demo
//! ```
//!
//! It logs in with username + password + security token (the original Salesforce guides' flow),
//! lists the next opportunities to close, then creates, updates and deletes an Account.

use serde_json::json;
use sfrest::Client;
use sfrest_fake_org::FakeOrg;

fn main() -> Result<(), sfrest::Error> {
    // A Salesforce org emulated on 127.0.0.1, with sample Accounts, Contacts and Opportunities.
    let org = FakeOrg::start();
    let creds = org.credentials();
    println!(
        "fake org at {} (My Domain {})",
        org.login_url(),
        org.my_domain_url()
    );

    // With a real org these come from .env and the call is `Client::from_env()?`.
    let sf = Client::builder()
        .login_url(org.login_url())
        .client_id(creds.client_id)
        .client_secret(creds.client_secret)
        .username(creds.username)
        .password(creds.password)
        .security_token(creds.security_token)
        .build()?;
    println!(
        "logged in: instance {}, API v{}",
        sf.instance_url(),
        sf.api_version()
    );

    let page = sf.query(
        "SELECT Account.Name, Name, StageName, CloseDate FROM Opportunity \
         WHERE IsClosed = false ORDER BY CloseDate ASC LIMIT 10",
    )?;
    println!("\nthe next {} opportunities to close:", page["totalSize"]);
    for opp in page["records"].as_array().into_iter().flatten() {
        // Values are serde_json::Value: as_str() gives the text without JSON quotes.
        let text = |v: &serde_json::Value| v.as_str().unwrap_or("-").to_string();
        println!(
            "  {}  {:<28} {:<36} {}",
            text(&opp["CloseDate"]),
            text(&opp["Account"]["Name"]),
            text(&opp["Name"]),
            text(&opp["StageName"])
        );
    }
    println!();

    let created = sf.post(
        "sobjects/Account",
        &json!({"Name": "Acme", "Industry": "Energy"}),
    )?;
    let id = created["id"].as_str().unwrap_or_default().to_string();
    println!("created Account {id}");

    sf.patch(
        &format!("sobjects/Account/{id}"),
        &json!({"Name": "Acme 2"}),
    )?;
    let acct = sf.get(
        &format!("sobjects/Account/{id}"),
        &[("fields", "Name,Industry")],
    )?;
    println!(
        "updated: Name = {}, Industry = {}",
        acct["Name"].as_str().unwrap_or_default(),
        acct["Industry"].as_str().unwrap_or_default()
    );

    sf.delete(&format!("sobjects/Account/{id}"))?;
    match sf.get(&format!("sobjects/Account/{id}"), &[]) {
        Err(e) if e.error_code() == Some("ENTITY_IS_DELETED") => {
            println!("deleted; reading it again says: {e}")
        }
        other => println!("unexpected: {other:?}"),
    }
    if let Some((used, max)) = sf.api_usage() {
        println!("API requests used today: {used} of {max}");
    }
    Ok(())
}
