//! One sObject type: records one at a time, and many at a time through sObject Collections.

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{json, Map, Value};

use crate::collection_calls::{self, MAX_CONCURRENCY};
use crate::error::{Error, RecordResult, Result};
use crate::url::encode_path_segment;
use crate::Client;

/// Records per sObject Collections call: Salesforce's maximum.
pub const COLLECTION_SIZE: usize = 200;

/// The outcome of [`SObject::upsert`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UpsertResult {
    /// The record's id.
    pub id: String,
    /// True when a record was created (201), false when one was updated (200).
    pub created: bool,
}

/// One sObject type, such as `Account`: see [`Client::sobject`].
#[derive(Clone, Debug)]
pub struct SObject {
    pub(crate) client: Client,
    pub(crate) name: String,
    all_or_none: bool,
    concurrency: usize,
}

impl Client {
    /// A handle on one sObject type.
    ///
    /// ```no_run
    /// use serde_json::json;
    /// # let sf = sfrest::Client::from_env()?;
    /// let acct = sf.sobject("Account");
    /// let id = acct.create(&json!({"Name": "Acme"}))?;
    /// acct.update(&id, &json!({"Industry": "Energy"}))?;
    /// let r = acct.upsert("Ext_Id__c", "A-17", &json!({"Name": "Acme"}))?;
    /// println!("{} created: {}", r.id, r.created);
    /// acct.delete(&id)?;
    /// # Ok::<_, sfrest::Error>(())
    /// ```
    pub fn sobject(&self, name: &str) -> SObject {
        SObject {
            client: self.clone(),
            name: name.to_string(),
            all_or_none: false,
            concurrency: 1,
        }
    }
}

impl SObject {
    /// The client this handle calls with.
    pub(crate) fn client(&self) -> &Client {
        &self.client
    }

    /// The sObject type's API name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// For the `*_many` calls: roll back every record of a call when one fails. Default
    /// `false`. Each call carries at most 200 records, so a larger input is all-or-none per
    /// group of 200, not as a whole.
    pub fn all_or_none(mut self, yes: bool) -> Self {
        self.all_or_none = yes;
        self
    }

    /// For the `*_many` calls: make up to `n` of their sObject Collections calls (200 records
    /// each) at once, over the shared connection pool, instead of one after another. Default
    /// 1; at most [`MAX_CONCURRENCY`] (16). On a 50 ms network, 10,000 records take about 50
    /// round trips one after another and about 13 four at a time.
    ///
    /// Results stay in input order. Records written at once can contend for the same parent
    /// record's lock (`UNABLE_TO_LOCK_ROW`, for example contacts of one account), as with the
    /// Bulk API's parallel mode: keep 1 for such data. When a call fails as a whole, no
    /// further call starts and those under way finish; [`Error::Partial`] then has the results
    /// up to the last call that succeeded or may have: the records of a call Salesforce
    /// refused stand with one error whose `error_code` is [`CALL_FAILED`](crate::CALL_FAILED)
    /// (not saved), those of a call whose answer was lost (a timeout, a broken connection)
    /// with [`OUTCOME_UNKNOWN`](crate::OUTCOME_UNKNOWN) (perhaps saved: check before sending
    /// them again). Records after `results.len()` were not saved. With more than one call at once, every
    /// call's body is made before the first call, so a record that cannot be serialized stops
    /// the write before anything is sent.
    ///
    /// ```no_run
    /// use serde_json::json;
    /// # let sf = sfrest::Client::from_env()?;
    /// let rows: Vec<_> = (0..10_000).map(|i| json!({"Name": format!("Acme {i}")})).collect();
    /// let results = sf.sobject("Account").concurrency(4).create_many(&rows)?;
    /// println!("{} saved", results.iter().filter(|r| r.success).count());
    /// # Ok::<_, sfrest::Error>(())
    /// ```
    pub fn concurrency(mut self, n: usize) -> Self {
        self.concurrency = n.clamp(1, MAX_CONCURRENCY);
        self
    }

    pub(crate) fn path(&self, rest: &str) -> String {
        let name = encode_path_segment(&self.name);
        if rest.is_empty() {
            format!("sobjects/{name}")
        } else {
            format!("sobjects/{name}/{rest}")
        }
    }

    /// The path of the record `id`, which must look like a record id: an empty one (a blank
    /// CSV cell) would address the type itself (`GET sobjects/Account`: its basic
    /// information), and a word such as `describe` another of its resources.
    pub(crate) fn record_path(&self, id: &str, what: &str) -> Result<String> {
        if !crate::retrieve::well_formed(id) {
            return Err(Error::InvalidArgument {
                message: format!(
                    "{} {what}: {id:?} is not a record id: ids are 15 or 18 letters and digits",
                    self.name
                ),
            });
        }
        Ok(self.path(id))
    }

    /// Creates a record and returns its id.
    pub fn create<B: Serialize + ?Sized>(&self, fields: &B) -> Result<String> {
        let v = self.client.post(&self.path(""), fields)?;
        id_of(&v, "create")
    }

    /// Reads a record; an empty `fields` reads every field. An `id` that is not 15 or 18
    /// letters and digits is [`Error::InvalidArgument`], before anything is sent (as for
    /// `update`, `delete` and `download`).
    pub fn get(&self, id: &str, fields: &[&str]) -> Result<Value> {
        let joined = fields.join(",");
        let params: Vec<(&str, &str)> = if fields.is_empty() {
            vec![]
        } else {
            vec![("fields", joined.as_str())]
        };
        self.client.get(&self.record_path(id, "get")?, &params)
    }

    /// Reads a record into `T`.
    pub fn get_as<T: DeserializeOwned>(&self, id: &str, fields: &[&str]) -> Result<T> {
        let v = self.get(id, fields)?;
        serde_json::from_value(v).map_err(|e| {
            Error::json(
                format!("cannot read {} {id} as the requested type", self.name),
                e,
            )
        })
    }

    /// Changes fields of a record.
    pub fn update<B: Serialize + ?Sized>(&self, id: &str, fields: &B) -> Result<()> {
        self.client
            .patch(&self.record_path(id, "update")?, fields)
            .map(drop)
    }

    /// Creates or updates the record whose external id field `ext_id_field` is `value`.
    /// Several matching records are [`Error::MultipleChoices`], listing their URLs.
    pub fn upsert<B: Serialize + ?Sized>(
        &self,
        ext_id_field: &str,
        value: &str,
        fields: &B,
    ) -> Result<UpsertResult> {
        for (what, text) in [("field", ext_id_field), ("value", value)] {
            if text.trim_matches('.').trim().is_empty() {
                return Err(Error::InvalidArgument {
                    message: format!(
                        "{} upsert: the external id {what} is {text:?}: give the field's API name and the value to match (an empty value would name no record)",
                        self.name
                    ),
                });
            }
        }
        let path = self.path(&format!(
            "{}/{}",
            encode_path_segment(ext_id_field),
            encode_path_segment(value)
        ));
        let body = serde_json::to_vec(fields)
            .map_err(|e| Error::json("cannot serialize the request body", e))?;
        let (reply, shown) = self.client.call(&crate::request::Request {
            method: "PATCH",
            path: &path,
            params: &[],
            body: Some(crate::transport::Body {
                content_type: "application/json",
                bytes: &body,
            }),
            headers: &[],
            changes_org: false,
        })?;
        let v = crate::response::into_json("PATCH", &shown, &reply)?;
        let created = match reply.status {
            201 => true,
            200 | 204 => v.get("created").and_then(Value::as_bool).unwrap_or(false),
            _ => false,
        };
        Ok(UpsertResult {
            id: id_of(&v, "upsert")?,
            created,
        })
    }

    /// Deletes a record.
    pub fn delete(&self, id: &str) -> Result<()> {
        self.client
            .delete(&self.record_path(id, "delete")?)
            .map(drop)
    }

    /// The type's fields and properties (`GET /sobjects/{name}/describe`).
    pub fn describe(&self) -> Result<Value> {
        self.client.get(&self.path("describe"), &[])
    }

    /// Creates records through sObject Collections, 200 a call; results in input order.
    ///
    /// Each call is bounded by the write timeout
    /// ([`ClientBuilder::write_timeout`](crate::ClientBuilder::write_timeout), default 10 s) and
    /// is not made again after a failure (unless
    /// [`retry_writes`](crate::ClientBuilder::retry_writes)): raise the timeout for objects
    /// whose triggers make a save of 200 records slow.
    pub fn create_many<B: Serialize>(&self, records: &[B]) -> Result<Vec<RecordResult>> {
        self.collection_write("POST", "composite/sobjects".to_string(), records)
    }

    /// Updates records (each carries its `Id`) through sObject Collections, 200 a call.
    ///
    /// Each call is bounded by the write timeout
    /// ([`ClientBuilder::write_timeout`](crate::ClientBuilder::write_timeout), default 10 s) and
    /// is not made again after a failure (unless
    /// [`retry_writes`](crate::ClientBuilder::retry_writes)): raise the timeout for objects
    /// whose triggers make a save of 200 records slow.
    pub fn update_many<B: Serialize>(&self, records: &[B]) -> Result<Vec<RecordResult>> {
        self.collection_write("PATCH", "composite/sobjects".to_string(), records)
    }

    /// Upserts records on an external id field through sObject Collections, 200 a call.
    ///
    /// Each call is bounded by the write timeout
    /// ([`ClientBuilder::write_timeout`](crate::ClientBuilder::write_timeout), default 10 s) and
    /// is not made again after a failure (unless
    /// [`retry_writes`](crate::ClientBuilder::retry_writes)): raise the timeout for objects
    /// whose triggers make a save of 200 records slow.
    pub fn upsert_many<B: Serialize>(
        &self,
        ext_id_field: &str,
        records: &[B],
    ) -> Result<Vec<RecordResult>> {
        let path = format!(
            "composite/sobjects/{}/{}",
            encode_path_segment(&self.name),
            encode_path_segment(ext_id_field)
        );
        self.collection_write("PATCH", path, records)
    }

    /// Deletes records by id through sObject Collections, 200 a call.
    ///
    /// Each call is bounded by the write timeout
    /// ([`ClientBuilder::write_timeout`](crate::ClientBuilder::write_timeout), default 10 s) and
    /// is not made again after a failure (unless
    /// [`retry_writes`](crate::ClientBuilder::retry_writes)): raise the timeout for objects
    /// whose triggers make a save of 200 records slow.
    ///
    /// Every id is checked first: one that is not 15 or 18 letters and digits is
    /// [`Error::InvalidArgument`] naming it, before anything is sent (a cell holding two ids
    /// would otherwise delete both and leave the results one short).
    pub fn delete_many(&self, ids: &[&str]) -> Result<Vec<RecordResult>> {
        crate::retrieve::check_ids(self.name(), "delete_many", ids)?;
        let flag = if self.all_or_none { "true" } else { "false" };
        let chunks: Vec<&[&str]> = ids.chunks(COLLECTION_SIZE).collect();
        let sizes: Vec<usize> = chunks.iter().map(|c| c.len()).collect();
        collection_calls::run(&sizes, self.concurrency, |k| {
            let joined = chunks[k].join(",");
            self.client
                .call_json(
                    "DELETE",
                    "composite/sobjects",
                    &[("ids", &joined), ("allOrNone", flag)],
                    None,
                    &[],
                )
                .and_then(|v| parse_results(v, chunks[k].len()))
        })
    }

    fn collection_write<B: Serialize>(
        &self,
        method: &'static str,
        path: String,
        records: &[B],
    ) -> Result<Vec<RecordResult>> {
        let chunks: Vec<&[B]> = records.chunks(COLLECTION_SIZE).collect();
        let sizes: Vec<usize> = chunks.iter().map(|c| c.len()).collect();
        let send = |body: &[u8], k: usize| {
            self.client
                .call_json(method, &path, &[], Some(body), &[])
                .and_then(|v| parse_results(v, sizes[k]))
        };
        if self.concurrency <= 1 {
            // Each body made when its call is: memory stays at one call's worth.
            return collection_calls::run_serial(&sizes, |k| send(&self.body(chunks[k])?, k));
        }
        // Calls at once share the bodies, made before the first call (so `B` need not be
        // `Sync`); a record that cannot be serialized stops the write before anything is sent.
        let bodies = chunks
            .iter()
            .map(|chunk| self.body(chunk))
            .collect::<Result<Vec<_>>>()?;
        collection_calls::run(&sizes, self.concurrency, |k| send(&bodies[k], k))
    }

    /// One sObject Collections call's body.
    fn body<B: Serialize>(&self, chunk: &[B]) -> Result<Vec<u8>> {
        let items = chunk
            .iter()
            .map(|rec| self.with_type(rec))
            .collect::<Result<Vec<_>>>()?;
        serde_json::to_vec(&json!({"allOrNone": self.all_or_none, "records": items}))
            .map_err(|e| Error::json("cannot serialize the records", e))
    }

    /// The record as a JSON object with `attributes.type` set, as Collections require.
    fn with_type<B: Serialize>(&self, rec: &B) -> Result<Value> {
        let v =
            serde_json::to_value(rec).map_err(|e| Error::json("cannot serialize a record", e))?;
        let Value::Object(mut map) = v else {
            return Err(Error::InvalidArgument {
                message: format!("a {} record must serialize to a JSON object", self.name),
            });
        };
        if !map.contains_key("attributes") {
            let mut attrs = Map::new();
            attrs.insert("type".into(), Value::String(self.name.clone()));
            map.insert("attributes".into(), Value::Object(attrs));
        }
        Ok(Value::Object(map))
    }
}

fn parse_results(v: Value, expected: usize) -> Result<Vec<RecordResult>> {
    let results: Vec<RecordResult> = serde_json::from_value(v)
        .map_err(|e| Error::json("cannot read the sObject Collections results", e))?;
    if results.len() != expected {
        return Err(Error::Unexpected {
            message: format!(
                "sObject Collections answered {} results for {expected} records",
                results.len()
            ),
        });
    }
    Ok(results)
}

pub(crate) fn id_of(v: &Value, what: &str) -> Result<String> {
    v.get("id")
        .and_then(Value::as_str)
        .map(str::to_string)
        .ok_or_else(|| Error::Unexpected {
            message: format!(
                "the {what} answer has no record id (API versions before 46.0 answer an upsert with 204 and no body: use 46.0 or later): {}",
                crate::excerpt::excerpt(v.to_string().as_bytes())
            ),
        })
}
