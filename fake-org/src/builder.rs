//! [`FakeOrgBuilder`]: an org with your own schema (saved describe results), your own records,
//! and the settings a test needs, started in one go.

use std::path::Path;
use std::sync::Arc;

use crate::data::{self, Pending};
use crate::org::{write, Org};
use crate::schema::{self, LoadError, ObjectDef};
use crate::zone::TimeZone;
use crate::{http, seed, tls, FakeOrg, Host};

/// Sets up a fake org before it starts: see [`FakeOrg::builder`].
///
/// ```no_run
/// # fn main() -> Result<(), sfrest_fake_org::LoadError> {
/// let org = sfrest_fake_org::FakeOrg::builder()
///     .describe_file("tests/schema/Invoice__c.json")?
///     .records("Invoice__c", &serde_json::json!([{"Name": "INV-1", "Amount__c": 12.5}]))?
///     .without_sample_data()
///     .start();
/// # Ok(()) }
/// ```
#[derive(Default)]
pub struct FakeOrgBuilder {
    loaded: Vec<&'static ObjectDef>,
    pending: Vec<Pending>,
    no_sample_data: bool,
    time_zone: TimeZone,
    ports: (u16, u16),
    /// The loopback ports the org names itself by, when it is reached through a proxy.
    public_ports: Option<(u16, u16)>,
    tls: Option<(String, String)>,
}

impl std::fmt::Debug for FakeOrgBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FakeOrgBuilder")
            .field(
                "objects",
                &self.loaded.iter().map(|o| o.name).collect::<Vec<_>>(),
            )
            .field("records", &self.pending.len())
            .field("sample_data", &!self.no_sample_data)
            .field("time_zone", &self.time_zone.name)
            .finish_non_exhaustive()
    }
}

fn read_json(path: &Path) -> Result<serde_json::Value, LoadError> {
    read_data(path).map(|(json, _)| json)
}

/// A JSON file and, when it is an object, its keys in the order written.
fn read_data(path: &Path) -> Result<(serde_json::Value, Vec<String>), LoadError> {
    let shown = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|e| LoadError::new(format!("{shown}: {e}")))?;
    let json = serde_json::from_slice(&bytes)
        .map_err(|e| LoadError::new(format!("{shown}: not valid JSON: {e}")))?;
    Ok((json, data::key_order(&bytes)))
}

/// The `.json` files of a folder, sorted by name, or the path itself when it is a file.
fn json_files(path: &Path) -> Result<Vec<std::path::PathBuf>, LoadError> {
    if !path.is_dir() {
        return Ok(vec![path.to_path_buf()]);
    }
    let entries =
        std::fs::read_dir(path).map_err(|e| LoadError::new(format!("{}: {e}", path.display())))?;
    let mut files: Vec<_> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_file() && p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    if files.is_empty() {
        return Err(LoadError::new(format!(
            "{}: no .json files in this folder",
            path.display()
        )));
    }
    Ok(files)
}

impl FakeOrgBuilder {
    /// Loads the sObject described in a saved describe result: the answer of
    /// `GET /services/data/vXX.X/sobjects/{Type}/describe` (e.g. `sf.Invoice__c.describe()` in
    /// simple-salesforce), or what `sf sobject describe --sobject Invoice__c --json` prints.
    /// A folder loads every `.json` file in it, in name order. Repeatable.
    ///
    /// The object is then served with the describe's fields, types, lengths, picklist values,
    /// required fields, external ids and relationships; its describe answer is the saved one.
    /// A describe of Account, Contact or Opportunity replaces the fake org's own definition.
    /// Load an object's describe before its records.
    pub fn describe_file(mut self, path: impl AsRef<Path>) -> Result<Self, LoadError> {
        for file in json_files(path.as_ref())? {
            let json = read_json(&file)?;
            let def =
                schema::load_describe(&json).map_err(|e| e.context(&file.display().to_string()))?;
            self.add(def)?;
        }
        Ok(self)
    }

    /// Loads an sObject from a describe result already in memory (see
    /// [`FakeOrgBuilder::describe_file`]).
    pub fn describe(mut self, describe: &serde_json::Value) -> Result<Self, LoadError> {
        let def = schema::load_describe(describe)?;
        self.add(def)?;
        Ok(self)
    }

    fn add(&mut self, def: &'static ObjectDef) -> Result<(), LoadError> {
        if self
            .pending
            .iter()
            .any(|p| p.sobject.eq_ignore_ascii_case(def.name))
        {
            return Err(LoadError::new(format!(
                "the describe of {} comes after records of it: load describes first",
                def.name
            )));
        }
        match self
            .loaded
            .iter()
            .position(|o| o.name.eq_ignore_ascii_case(def.name))
        {
            Some(i) => self.loaded[i] = def,
            None => self.loaded.push(def),
        }
        Ok(())
    }

    /// The object definitions loaded so far (with the standard objects).
    fn schema(&self) -> Result<&'static schema::Schema, LoadError> {
        schema::build_schema(&self.loaded)
    }

    /// Adds records of `sobject`: a JSON array of objects of field names to values (or one
    /// object). Dates and datetimes as Salesforce writes them; a lookup as a record id, as
    /// `@ref` (the `referenceId` in `attributes`, or the `Id` another loaded record was given),
    /// or as `"Account__r": {"Ext_Id__c": "ACME-1"}` (an external id). The audit fields
    /// (`CreatedDate`, `LastModifiedDate`, `SystemModstamp`, `CreatedById`, ...) may be set,
    /// as with Salesforce's "Set Audit Fields upon Record Creation". Values are checked
    /// against the schema (types, lengths, restricted picklists, required fields) as a
    /// Salesforce import would check them.
    pub fn records(
        mut self,
        sobject: &str,
        records: &serde_json::Value,
    ) -> Result<Self, LoadError> {
        let schema = self.schema()?;
        let more = data::from_records(schema, sobject, records)?;
        self.pending.extend(more);
        Ok(self)
    }

    /// Adds the records of a data file or of every `.json` file of a folder: either an object
    /// keyed by sObject type (`{"Invoice__c": [{...}, ...]}`), or what `sf data export tree`
    /// writes (`{"records": [...]}` with `attributes.referenceId`, nested child records, and
    /// `--plan` files, whose listed files are read from the plan's folder).
    pub fn data_file(mut self, path: impl AsRef<Path>) -> Result<Self, LoadError> {
        let schema = self.schema()?;
        for file in json_files(path.as_ref())? {
            let (json, keys) = read_data(&file)?;
            let dir = file.parent().unwrap_or(Path::new("."));
            let more = data::from_file(schema, &json, &keys, dir, &read_data)
                .map_err(|e| e.context(&file.display().to_string()))?;
            self.pending.extend(more);
        }
        Ok(self)
    }

    /// Starts without the sample Accounts, Contacts and Opportunities: the org holds only
    /// what the test loads. Default: the sample data is there.
    pub fn without_sample_data(mut self) -> Self {
        self.no_sample_data = true;
        self
    }

    /// The org's time zone, in which date literals (`TODAY`, `LAST_N_DAYS:7`) are evaluated:
    /// `UTC` (the default), a fixed offset (`+02:00`, `GMT-05:00`) or a common Salesforce time
    /// zone id (`America/Los_Angeles`, `Europe/Paris`, ...; see [`FakeOrg::set_time_zone`]).
    pub fn time_zone(mut self, zone: &str) -> Result<Self, LoadError> {
        self.time_zone = TimeZone::parse(zone).ok_or_else(|| {
            LoadError::new(format!(
                "unknown time zone {zone:?} (use UTC, +hh:mm or a name like America/Los_Angeles)"
            ))
        })?;
        Ok(self)
    }

    /// Listens on these loopback ports (the login host, My Domain); default 0 and 0
    /// (ephemeral ports).
    pub fn ports(mut self, login: u16, my_domain: u16) -> Self {
        self.ports = (login, my_domain);
        self
    }

    /// Names itself by these loopback ports (the login host, My Domain) in what it sends: the
    /// token answer's `instance_url`, identity and describe URLs. For an org reached through a
    /// proxy that forwards those ports to the ones it listens on (the benchmarks' latency
    /// proxy). Default: the ports it listens on.
    pub fn public_ports(mut self, login: u16, my_domain: u16) -> Self {
        self.public_ports = Some((login, my_domain));
        self
    }

    /// Serves https with this certificate chain (PEM, leaf first) and key (PEM); default
    /// plain http.
    pub fn tls(mut self, cert_chain_pem: &str, key_pem: &str) -> Self {
        self.tls = Some((cert_chain_pem.to_owned(), key_pem.to_owned()));
        self
    }

    /// Starts the org.
    ///
    /// # Panics
    /// When the listeners cannot be bound, the TLS material cannot be used, or a record
    /// cannot be loaded (a lookup to a record that is not there): mistakes in the test.
    pub fn start(self) -> FakeOrg {
        match self.try_start() {
            Ok(org) => org,
            Err(e) => panic!("fake-org: cannot start: {e}"),
        }
    }

    /// Starts the org, or says why it cannot (records that cannot be loaded are
    /// `InvalidData` errors).
    pub fn try_start(self) -> std::io::Result<FakeOrg> {
        let invalid = |e: LoadError| std::io::Error::new(std::io::ErrorKind::InvalidData, e);
        let schema = self.schema().map_err(invalid)?;
        let tls = match &self.tls {
            Some((cert, key)) => Some(Arc::new(tls::TlsServer::from_pem(cert, key)?)),
            None => None,
        };
        let login = std::net::TcpListener::bind(("127.0.0.1", self.ports.0))?;
        let my_domain = std::net::TcpListener::bind(("127.0.0.1", self.ports.1))?;
        let addrs = vec![login.local_addr()?, my_domain.local_addr()?];
        let scheme = if tls.is_some() { "https" } else { "http" };
        let named = match self.public_ports {
            Some((login, my_domain)) => vec![
                std::net::SocketAddr::from(([127, 0, 0, 1], login)),
                std::net::SocketAddr::from(([127, 0, 0, 1], my_domain)),
            ],
            None => addrs.clone(),
        };
        let org = Arc::new(Org::new(
            format!("{scheme}://{}", named[0]),
            format!("{scheme}://{}", named[1]),
            schema,
            self.time_zone.clone(),
        ));
        {
            let _schema = schema::enter(schema);
            let mut store = write(&org.store);
            if !self.no_sample_data {
                seed::seed_sample_data(&mut store);
                crate::tooling::seed(&mut store);
                crate::blob::seed(&mut store);
            }
            data::insert_all(&mut store, &self.pending).map_err(invalid)?;
        }
        org.bulk.attach(&org);
        let mut fake = FakeOrg {
            org: org.clone(),
            addrs,
            threads: Vec::new(),
            tls: tls.clone(),
        };
        fake.threads.push(http::serve_with(
            login,
            Host::Login,
            org.clone(),
            tls.clone(),
        )?);
        fake.threads
            .push(http::serve_with(my_domain, Host::MyDomain, org, tls)?);
        Ok(fake)
    }
}

impl FakeOrg {
    /// The `.env` lines that log a client in to this org with the username-password flow:
    /// `SF_LOGIN_URL`, `SF_CLIENT_ID`, `SF_CLIENT_SECRET`, `SF_USERNAME`, `SF_PASSWORD` and
    /// `SF_SECURITY_TOKEN`, single-quoted (the password has characters a shell would read).
    ///
    /// ```no_run
    /// let org = sfrest_fake_org::FakeOrg::start();
    /// std::fs::write("target/fake-org.env", org.env_block()).unwrap();
    /// ```
    pub fn env_block(&self) -> String {
        let c = self.credentials();
        [
            ("SF_LOGIN_URL", self.login_url()),
            ("SF_CLIENT_ID", c.client_id),
            ("SF_CLIENT_SECRET", c.client_secret),
            ("SF_USERNAME", c.username),
            ("SF_PASSWORD", c.password),
            ("SF_SECURITY_TOKEN", c.security_token),
        ]
        .iter()
        .map(|(k, v)| format!("{k}='{v}'\n"))
        .collect()
    }

    /// The name of the org's time zone (`UTC`, `Europe/Paris`, `+02:00`).
    pub fn time_zone_name(&self) -> String {
        self.org.time_zone().name
    }

    /// The sObject types this org serves, in index order (the standard objects first).
    pub fn sobject_types(&self) -> Vec<String> {
        self.org
            .schema
            .objects
            .iter()
            .map(|o| o.name.to_owned())
            .collect()
    }
}
