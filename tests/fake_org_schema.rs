//! sfrest against a fake org with a loaded schema, logged in from the org's printed .env block.
use sfrest::Client;
use sfrest_fake_org::FakeOrg;

#[test]
fn env_block_logs_in_and_the_loaded_object_is_served() {
    let org = FakeOrg::builder()
        .describe_file("examples/schema/Invoice__c.json")
        .unwrap()
        .records(
            "Invoice__c",
            &serde_json::json!([{"Name": "INV-1", "Invoice_Number__c": "N-1", "Amount__c": 12.5}]),
        )
        .unwrap()
        .without_sample_data()
        .start();
    let path = std::env::temp_dir().join(format!("sfrest-env-block-{}.env", std::process::id()));
    std::fs::write(&path, org.env_block()).unwrap();
    let sf = Client::from_env_file(&path).unwrap();
    std::fs::remove_file(&path).unwrap();
    let rows = sf
        .query_all("SELECT Name, Amount__c FROM Invoice__c")
        .unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["Amount__c"], 12.5);
    let id = sf
        .sobject("Invoice__c")
        .create(&serde_json::json!({"Name": "INV-2", "Status__c": "Sent"}))
        .unwrap();
    assert_eq!(
        org.get_record("Invoice__c", &id).unwrap()["Status__c"],
        "Sent"
    );
    let err = sf
        .sobject("Invoice__c")
        .create(&serde_json::json!({"Name": "INV-3", "Status__c": "Lost"}))
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST"),
        "{err}"
    );
    let d = sf.get("sobjects/Invoice__c/describe", &[]).unwrap();
    assert_eq!(d["fields"].as_array().unwrap().len(), 16);
}
