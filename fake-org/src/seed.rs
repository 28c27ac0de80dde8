//! Deterministic sample data, and fast synthetic records for benchmarks.

use crate::schema::{self, ACCOUNT, CONTACT, OPPORTUNITY};
use crate::store::Store;
use crate::time::days_from_civil;
use crate::value::Value;

const INDUSTRIES: [&str; 10] = [
    "Technology",
    "Manufacturing",
    "Healthcare",
    "Finance",
    "Retail",
    "Energy",
    "Media",
    "Education",
    "Transportation",
    "Consulting",
];
const CITIES: [&str; 10] = [
    "San Francisco",
    "New York",
    "London",
    "Paris",
    "Berlin",
    "Tokyo",
    "Sydney",
    "Toronto",
    "Chicago",
    "Austin",
];
const TYPES: [&str; 4] = [
    "Customer - Direct",
    "Customer - Channel",
    "Prospect",
    "Partner",
];
const ACCOUNTS: [&str; 20] = [
    "Acme Corporation",
    "Globex Industries",
    "Initech",
    "Umbrella Health",
    "Stark Manufacturing",
    "Wayne Enterprises",
    "Wonka Foods",
    "Cyberdyne Systems",
    "Soylent Energy",
    "Tyrell Biotech",
    "O'Reilly Media",
    "Vandelay Imports",
    "Pied Piper",
    "Dunder Mifflin Paper",
    "Oceanic Airlines",
    "Massive Dynamic",
    "Aperture Science",
    "Café Müller GmbH",
    "Nakatomi Trading",
    "Blue Sun Retail",
];
const FIRST: [&str; 10] = [
    "Ann", "Bob", "Carla", "David", "Elena", "Farid", "Grace", "Hiro", "Ines", "José",
];
const LAST: [&str; 10] = [
    "Smith", "Johnson", "Garcia", "Chen", "Müller", "Okafor", "Rossi", "Tanaka", "Dubois", "Novak",
];
const TITLES: [&str; 5] = ["CEO", "VP Sales", "Buyer", "CTO", "Office Manager"];
const STAGES: [&str; 8] = [
    "Prospecting",
    "Qualification",
    "Needs Analysis",
    "Proposal/Price Quote",
    "Negotiation/Review",
    "Closed Won",
    "Closed Lost",
    "Value Proposition",
];

/// Milliseconds of 2025-01-06T09:00:00Z, when the sample data was "created".
fn base_ms() -> i64 {
    days_from_civil(2025, 1, 6) * 86_400_000 + 9 * 3_600_000
}

fn blank(obj: u8) -> Box<[Value]> {
    vec![Value::Null; schema::object(obj).fields.len()].into_boxed_slice()
}

fn set(v: &mut [Value], obj: u8, field: &str, value: Value) {
    v[schema::object(obj).idx(field)] = value;
}

/// Seeds 20 Accounts, 50 Contacts and 30 Opportunities, the same every time.
pub(crate) fn seed_sample_data(store: &mut Store) {
    let base = base_ms();
    for (i, name) in ACCOUNTS.iter().enumerate() {
        let mut v = blank(ACCOUNT);
        set(&mut v, ACCOUNT, "Name", Value::text(name));
        set(&mut v, ACCOUNT, "Industry", Value::text(INDUSTRIES[i % 10]));
        set(&mut v, ACCOUNT, "Type", Value::text(TYPES[i % 4]));
        set(
            &mut v,
            ACCOUNT,
            "BillingCity",
            Value::text(CITIES[(i * 3) % 10]),
        );
        if i % 5 != 4 {
            set(
                &mut v,
                ACCOUNT,
                "AnnualRevenue",
                Value::Num(((i as f64 + 1.0) * 2_500_000.0).round()),
            );
            set(
                &mut v,
                ACCOUNT,
                "NumberOfEmployees",
                Value::Int((i as i64 + 1) * 120),
            );
        }
        set(
            &mut v,
            ACCOUNT,
            "Phone",
            Value::text(&format!("(415) 555-01{i:02}")),
        );
        let slug: String = name
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .collect::<String>()
            .to_lowercase();
        set(
            &mut v,
            ACCOUNT,
            "Website",
            Value::text(&format!("https://www.{slug}.example")),
        );
        if i < 15 {
            set(
                &mut v,
                ACCOUNT,
                "Ext_Id__c",
                Value::text(&format!("ACME-{:04}", i + 1)),
            );
        }
        let created = base + i as i64 * 3_600_000;
        set(&mut v, ACCOUNT, "CreatedDate", Value::DateTime(created));
        set(
            &mut v,
            ACCOUNT,
            "LastModifiedDate",
            Value::DateTime(created + 86_400_000),
        );
        store.insert(ACCOUNT, v, created);
    }
    for i in 0..50usize {
        let mut v = blank(CONTACT);
        let (first, last) = (FIRST[i % 10], LAST[(i / 10 + i) % 10]);
        set(&mut v, CONTACT, "FirstName", Value::text(first));
        set(&mut v, CONTACT, "LastName", Value::text(last));
        let email_first: String = first
            .chars()
            .filter(char::is_ascii)
            .collect::<String>()
            .to_lowercase();
        let email_last: String = last
            .chars()
            .filter(char::is_ascii)
            .collect::<String>()
            .to_lowercase();
        set(
            &mut v,
            CONTACT,
            "Email",
            Value::text(&format!("{email_first}.{email_last}{i}@example.com")),
        );
        set(&mut v, CONTACT, "Title", Value::text(TITLES[i % 5]));
        set(
            &mut v,
            CONTACT,
            "Phone",
            Value::text(&format!("+1 415 555 02{i:02}")),
        );
        if i % 10 != 9 {
            set(
                &mut v,
                CONTACT,
                "AccountId",
                Value::Id(ACCOUNT, (i % 20) as u32),
            );
        }
        let created = base + 86_400_000 + i as i64 * 1_800_000;
        set(&mut v, CONTACT, "CreatedDate", Value::DateTime(created));
        set(
            &mut v,
            CONTACT,
            "LastModifiedDate",
            Value::DateTime(created),
        );
        store.insert(CONTACT, v, created);
    }
    let close_base = days_from_civil(2026, 1, 15) as i32;
    for i in 0..30usize {
        let mut v = blank(OPPORTUNITY);
        let account = i % 20;
        set(
            &mut v,
            OPPORTUNITY,
            "Name",
            Value::text(&format!("{} - Deal {}", ACCOUNTS[account], i + 1)),
        );
        set(&mut v, OPPORTUNITY, "StageName", Value::text(STAGES[i % 8]));
        set(
            &mut v,
            OPPORTUNITY,
            "CloseDate",
            Value::Date(close_base + i as i32 * 23),
        );
        set(
            &mut v,
            OPPORTUNITY,
            "Amount",
            Value::Num(5_000.0 * ((i * 7) % 40 + 1) as f64),
        );
        if i % 6 != 5 {
            set(
                &mut v,
                OPPORTUNITY,
                "AccountId",
                Value::Id(ACCOUNT, account as u32),
            );
        }
        let created = base + 2 * 86_400_000 + i as i64 * 3_600_000;
        set(&mut v, OPPORTUNITY, "CreatedDate", Value::DateTime(created));
        set(
            &mut v,
            OPPORTUNITY,
            "LastModifiedDate",
            Value::DateTime(created),
        );
        store.insert(OPPORTUNITY, v, created);
    }
}

/// Appends `n` synthetic records, numbered on from earlier calls.
pub(crate) fn seed_bulk(store: &mut Store, obj: u8, n: usize) {
    let start = store.tables[obj as usize].bulk_seq;
    store.tables[obj as usize].bulk_seq += n as u64;
    store.tables[obj as usize].rows.reserve(n);
    let base = base_ms() + 30 * 86_400_000;
    let accounts = store.table(ACCOUNT).rows.len() as u32;
    for k in 0..n as u64 {
        let seq = start + k + 1;
        let created = base + seq as i64 * 1000;
        let mut v = blank(obj);
        let i = seq as usize;
        match obj {
            ACCOUNT => {
                set(
                    &mut v,
                    obj,
                    "Name",
                    Value::text(&format!("Account {seq:06}")),
                );
                set(&mut v, obj, "Industry", Value::text(INDUSTRIES[i % 10]));
                set(&mut v, obj, "BillingCity", Value::text(CITIES[i / 10 % 10]));
                set(
                    &mut v,
                    obj,
                    "AnnualRevenue",
                    Value::Num((i % 100) as f64 * 10_000.0),
                );
                set(
                    &mut v,
                    obj,
                    "NumberOfEmployees",
                    Value::Int((i % 5000) as i64),
                );
            }
            CONTACT => {
                set(&mut v, obj, "FirstName", Value::text(FIRST[i % 10]));
                set(
                    &mut v,
                    obj,
                    "LastName",
                    Value::text(&format!("Contact {seq:06}")),
                );
                if accounts > 0 {
                    set(
                        &mut v,
                        obj,
                        "AccountId",
                        Value::Id(ACCOUNT, (i as u32) % accounts),
                    );
                }
            }
            _ => {
                set(
                    &mut v,
                    obj,
                    "Name",
                    Value::text(&format!("Opportunity {seq:06}")),
                );
                set(&mut v, obj, "StageName", Value::text(STAGES[i % 8]));
                set(
                    &mut v,
                    obj,
                    "CloseDate",
                    Value::Date(days_from_civil(2026, 1, 1) as i32 + (i % 730) as i32),
                );
                set(&mut v, obj, "Amount", Value::Num((i % 1000) as f64 * 100.0));
            }
        }
        set(&mut v, obj, "CreatedDate", Value::DateTime(created));
        set(&mut v, obj, "LastModifiedDate", Value::DateTime(created));
        store.insert(obj, v, created);
    }
}
