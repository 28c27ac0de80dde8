//! Scenario 1, sfrest: a cron-style one-off. Log in, query 10 opportunities, print them as
//! JSON, exit. Timed as a whole process (hyperfine).

fn main() {
    let sf = sfrest_bench::client();
    let page = sf
        .query(
            "SELECT Account.Name, Name, StageName, Amount, CloseDate FROM Opportunity \
             WHERE IsClosed = false ORDER BY CloseDate ASC LIMIT 10",
        )
        .unwrap_or_else(|e| sfrest_bench::fail(&e));
    println!(
        "{}",
        serde_json::to_string_pretty(&page["records"]).unwrap_or_default()
    );
}
