//! Records by id, many at a time: sObject Collections retrieve (`POST composite/sobjects/{Type}`).

use serde::de::DeserializeOwned;
use serde_json::{json, Value};

use std::time::Instant;

use crate::error::{Error, Result};
use crate::request::Request;
use crate::response::into_json;
use crate::transport::Body;
use crate::url::encode_path_segment;
use crate::SObject;

/// Ids per retrieve call: Salesforce's maximum for the POST form.
pub const RETRIEVE_SIZE: usize = 2000;

/// Whether `id` looks like a Salesforce record id: 15 or 18 ASCII letters and digits.
pub(crate) fn well_formed(id: &str) -> bool {
    matches!(id.len(), 15 | 18) && id.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// [`Error::InvalidArgument`] naming the first of `ids` that is not a record id (a blank cell,
/// two ids in one, a name), before anything is sent.
pub(crate) fn check_ids<S: AsRef<str>>(sobject: &str, call: &str, ids: &[S]) -> Result<()> {
    match ids
        .iter()
        .map(AsRef::as_ref)
        .enumerate()
        .find(|(_, id)| !well_formed(id))
    {
        Some((n, bad)) => Err(Error::InvalidArgument {
            message: format!(
                "{sobject} {call}: id {bad:?} (number {} of {}) is not a record id: ids are 15 or 18 letters and digits",
                n + 1,
                ids.len()
            ),
        }),
        None => Ok(()),
    }
}

impl SObject {
    /// Reads records by id, in calls of at most 2,000 ids: one entry per id, in the order
    /// given, `None` where no record has that id or it cannot be read. A duplicated id is
    /// answered twice, as Salesforce does. `fields` are API names (an empty list reads `Id`
    /// only); an unknown field fails the call. Each call is a read, though Salesforce has it
    /// sent as a POST: it gets the GET timeout and is retried like a GET.
    ///
    /// Every id is checked first: one that is not 15 or 18 letters and digits is
    /// [`Error::InvalidArgument`] naming it, before anything is sent.
    ///
    /// ```no_run
    /// # let sf = sfrest::Client::from_env()?;
    /// let ids = vec!["001RO000003oLnnYAE".to_string(), "001RO000003oLnoYAE".to_string()];
    /// for (id, rec) in ids.iter().zip(sf.sobject("Account").get_many(&ids, &["Name"])?) {
    ///     match rec {
    ///         Some(rec) => println!("{id}: {}", rec["Name"]),
    ///         None => println!("{id}: no such account"),
    ///     }
    /// }
    /// # Ok::<_, sfrest::Error>(())
    /// ```
    pub fn get_many<S: AsRef<str>>(
        &self,
        ids: &[S],
        fields: &[&str],
    ) -> Result<Vec<Option<Value>>> {
        check_ids(self.name(), "get_many", ids)?;
        let fields: Vec<&str> = if fields.is_empty() {
            vec!["Id"]
        } else {
            fields.to_vec()
        };
        let path = format!("composite/sobjects/{}", encode_path_segment(self.name()));
        let mut out = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(RETRIEVE_SIZE) {
            let chunk: Vec<&str> = chunk.iter().map(AsRef::as_ref).collect();
            let body = serde_json::to_vec(&json!({"ids": chunk, "fields": fields}))
                .map_err(|e| Error::json("cannot serialize the ids", e))?;
            let v = self.read_by_post(&path, &body)?;
            let Value::Array(items) = v else {
                return Err(Error::Unexpected {
                    message: format!(
                        "POST /{path} answered {} instead of an array of records",
                        crate::excerpt::excerpt(v.to_string().as_bytes())
                    ),
                });
            };
            if items.len() != chunk.len() {
                return Err(Error::Unexpected {
                    message: format!(
                        "POST /{path} answered {} entries for {} ids",
                        items.len(),
                        chunk.len()
                    ),
                });
            }
            out.extend(items.into_iter().map(|v| (!v.is_null()).then_some(v)));
        }
        Ok(out)
    }

    /// One retrieve call. It reads, so it is treated as a GET although sent as a POST: the GET
    /// timeout, and retries on transient failures as the retry policy allows GETs.
    fn read_by_post(&self, path: &str, body: &[u8]) -> Result<Value> {
        let client = self.client();
        let config = &client.inner.auth.config;
        let timeout = config.get_timeout;
        let deadline = Instant::now() + timeout;
        let req = Request {
            method: "POST",
            path,
            params: &[],
            body: Some(Body {
                content_type: "application/json",
                bytes: body,
            }),
            headers: &[],
            changes_org: false,
        };
        let mut attempt = 0;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(Error::Timeout {
                    method: "POST",
                    path: format!("/{path}"),
                    origin: client.session().origin.to_string(),
                    setting: client.instance_setting(),
                    after: timeout,
                });
            }
            let outcome = client.call_within(&req, left);
            // With retry_writes on, the call retried itself already, as a GET would be.
            let wait = if config.retry.retry_writes {
                None
            } else {
                config.retry.wait("GET", attempt, &outcome, deadline)
            };
            match wait {
                Some(wait) => {
                    attempt += 1;
                    log::warn!(
                        "POST {path} (a read): retry {attempt} of {} in {} ms",
                        config.retry.max_retries,
                        wait.as_millis()
                    );
                    std::thread::sleep(wait);
                }
                None => {
                    let (reply, shown) = outcome?;
                    return into_json("POST", &shown, &reply);
                }
            }
        }
    }

    /// [`SObject::get_many`], each record read into `T`.
    pub fn get_many_as<T: DeserializeOwned, S: AsRef<str>>(
        &self,
        ids: &[S],
        fields: &[&str],
    ) -> Result<Vec<Option<T>>> {
        self.get_many(ids, fields)?
            .into_iter()
            .zip(ids)
            .map(|(rec, id)| {
                rec.map(|v| {
                    serde_json::from_value(v).map_err(|e| {
                        Error::json(
                            format!(
                                "cannot read {} {} as the requested type",
                                self.name(),
                                id.as_ref()
                            ),
                            e,
                        )
                    })
                })
                .transpose()
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::well_formed;

    #[test]
    fn ids_are_15_or_18_alphanumerics() {
        assert!(well_formed("001RO000003oLnn"));
        assert!(well_formed("001RO000003oLnnYAE"));
        for bad in [
            "",
            "001RO000003oLn",
            "001RO000003oLnnYA",
            "001RO000003oLnn-AE",
            "001RO000003oLnnYAÉ",
        ] {
            assert!(!well_formed(bad), "{bad}");
        }
    }
}
