//! The query page the CPU benchmarks parse: `n` Accounts with the six fields of scenario 3
//! (247 bytes a record), shaped as the fake org and Salesforce send them. Std only: the
//! preserve-order baseline crate (bench/preserve-order-baseline) includes this file too.

/// A query page of `n` records, as its JSON bytes.
pub fn page(n: usize) -> Vec<u8> {
    let mut s = String::with_capacity(n * 330);
    s.push_str(&format!(
        "{{\"totalSize\":{n},\"done\":false,\"nextRecordsUrl\":\"/services/data/v66.0/query/01gxx0000004C92AAE-2000\",\"records\":["
    ));
    for i in 0..n {
        if i > 0 {
            s.push(',');
        }
        let id = format!("001RO{:013}", 3_000_000 + i);
        s.push_str(&format!(
            "{{\"attributes\":{{\"type\":\"Account\",\"url\":\"/services/data/v66.0/sobjects/Account/{id}\"}},\
             \"Id\":\"{id}\",\"Name\":\"Account {i:06}\",\"Industry\":\"Energy\",\"BillingCity\":\"San Francisco\",\
             \"AnnualRevenue\":{}.0,\"NumberOfEmployees\":{}}}",
            1000 + i * 7,
            i % 5000
        ));
    }
    s.push_str("]}");
    s.into_bytes()
}
