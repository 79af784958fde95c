//! The embedded [`Store`]: SQLite (bundled) in WAL mode, with migrations run at open.
//!
//! One writer connection (behind a mutex, `BEGIN IMMEDIATE` transactions, so concurrent
//! writers in this process and in other processes serialize) and a small pool of reader
//! connections (WAL lets them read while a write is in progress). Statements run on the task
//! that awaits the store's future: they are short (indexed lookups and single-resource
//! writes), bounded by the busy timeout, and the crate owns no thread pool or runtime.
//!
//! # Durability
//!
//! By default `synchronous = NORMAL`: a committed change survives a crash of the process
//! (`kill -9`) but the last transactions may be lost on power failure or an OS crash.
//! [`SqliteOptions::with_full_sync`] makes every commit durable against those as well, at the
//! cost of an fsync per write.
//!
//! # Layout
//!
//! Every table carries `org_id`. SCIM resources live in `resources` with their canonical JSON
//! (write-only attributes included) and key columns for the indexed filter attributes (values
//! folded per the schema's `caseExact`), `emails` (one row per email value), `members` (one row
//! per group member, so a change to a 100,000-member group writes only the difference),
//! `unique_values` (the uniqueness index: `userName` case-insensitively, under a `UNIQUE`
//! constraint) and `resource_text`, an FTS5 trigram index for `co`. The provisioning queue is
//! `changes`.

use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use rusqlite::{
    Connection, OpenFlags, OptionalExtension, Transaction, TransactionBehavior, config::DbConfig,
    params,
};
use saml_sp::time::{TimeProvider, UnixTime};
use saml_sp::{ReplayCache, ReplayRefusal};
use scim_core::group::{GroupRef, Member};
use scim_core::list::Page;
use scim_core::meta::Conditions;
use scim_core::patch::PatchRequest;
use scim_core::query::ListQuery;
use scim_core::store::{ResourceStore, StoreFuture as ScimFuture};
use scim_core::{RenderOptions, Resource, Scim, UniqueValue};
use serde_json::{Value, json};

use self::group::{BatchRunner, GroupQueue, GroupWrite, Job, Ran};
use super::sql_filter::{self, Attr, CaseRules, Kind, Param};
use super::{
    IdpSettings, IntegrationSettings, NewSession, OrgId, OrgSlug, Organization, RequestState,
    SecretHash, Session, SignInUser, Store, StoreError, StoreFuture,
};
use crate::audit::{AuditEvent, AuditKind, AuditPage, AuditQuery, AuditRecord};
use crate::provisioning::{
    Change, ChangeId, ChangeKind, ChangeSignal, ClaimedBatch, Counts, FailedChange, Progress,
    ProvisionEvent, user_snapshot,
};

mod group;

/// Schema migrations, applied in order; `PRAGMA user_version` is the number applied.
const MIGRATIONS: &[&str] = &[
    r#"
CREATE TABLE organizations (
    id INTEGER PRIMARY KEY,
    slug TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    is_default INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    push_start INTEGER,
    push_started_at INTEGER
);
CREATE UNIQUE INDEX organizations_one_default ON organizations(is_default) WHERE is_default = 1;

CREATE TABLE integration_settings (
    org_id INTEGER PRIMARY KEY REFERENCES organizations(id),
    sso_url TEXT NOT NULL,
    issuer TEXT NOT NULL,
    certificates TEXT NOT NULL,
    metadata_xml TEXT,
    token_hash BLOB NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);

CREATE TABLE resources (
    seq INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL REFERENCES organizations(id),
    rtype TEXT NOT NULL,
    id TEXT NOT NULL,
    user_name_key TEXT,
    external_id_key TEXT,
    display_name_key TEXT,
    active INTEGER,
    doc TEXT NOT NULL,
    provisioned INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX resources_id ON resources(org_id, rtype, id);
CREATE INDEX resources_user_name ON resources(org_id, rtype, user_name_key);
CREATE INDEX resources_external_id ON resources(org_id, rtype, external_id_key);
CREATE INDEX resources_display_name ON resources(org_id, rtype, display_name_key);
CREATE INDEX resources_active ON resources(org_id, rtype, active);

CREATE TABLE emails (
    org_id INTEGER NOT NULL,
    res INTEGER NOT NULL,
    value_key TEXT NOT NULL
);
CREATE INDEX emails_value ON emails(org_id, value_key);
CREATE INDEX emails_res ON emails(res);

CREATE VIRTUAL TABLE resource_text USING fts5(
    user_name, external_id, display_name, id, emails,
    tokenize = 'trigram case_sensitive 1', content = '', contentless_delete = 1
);

CREATE TABLE members (
    org_id INTEGER NOT NULL,
    group_seq INTEGER NOT NULL,
    pos INTEGER NOT NULL,
    value TEXT NOT NULL,
    display TEXT,
    ref TEXT,
    type TEXT,
    PRIMARY KEY (group_seq, value)
) WITHOUT ROWID;
CREATE INDEX members_value ON members(org_id, value);
CREATE INDEX members_pos ON members(group_seq, pos);

CREATE TABLE unique_values (
    org_id INTEGER NOT NULL,
    rtype TEXT NOT NULL,
    attribute TEXT NOT NULL,
    key TEXT NOT NULL,
    res INTEGER NOT NULL,
    PRIMARY KEY (org_id, rtype, attribute, key)
) WITHOUT ROWID;
CREATE INDEX unique_values_res ON unique_values(res);

CREATE TABLE changes (
    change_id INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id INTEGER NOT NULL,
    kind TEXT NOT NULL,
    resource_id TEXT NOT NULL,
    payload TEXT NOT NULL,
    state INTEGER NOT NULL DEFAULT 0,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL DEFAULT 0,
    lease_until INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    queued_at INTEGER NOT NULL,
    done_at INTEGER
);
CREATE INDEX changes_pending ON changes(org_id, change_id) WHERE state = 0;
CREATE INDEX changes_state ON changes(org_id, state, change_id);

CREATE TABLE sessions (
    id_hash BLOB PRIMARY KEY,
    org_id INTEGER NOT NULL,
    user_id TEXT NOT NULL,
    user_name TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX sessions_user ON sessions(org_id, user_id);
CREATE INDEX sessions_expiry ON sessions(expires_at);

CREATE TABLE request_states (
    org_id INTEGER NOT NULL,
    request_id TEXT NOT NULL,
    relay_state TEXT,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    PRIMARY KEY (org_id, request_id)
) WITHOUT ROWID;

CREATE TABLE replay (
    org_id INTEGER NOT NULL,
    key TEXT NOT NULL,
    expires_at INTEGER NOT NULL,
    PRIMARY KEY (org_id, key)
) WITHOUT ROWID;

CREATE TABLE audit (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id INTEGER NOT NULL,
    at INTEGER NOT NULL,
    kind TEXT NOT NULL,
    action TEXT NOT NULL,
    actor TEXT,
    subject TEXT,
    detail TEXT NOT NULL
);
CREATE INDEX audit_org ON audit(org_id, seq);
CREATE INDEX audit_kind ON audit(org_id, kind, seq);
"#,
    r#"
CREATE TABLE store_meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
ALTER TABLE organizations ADD COLUMN lease_until INTEGER NOT NULL DEFAULT 0;
"#,
    // Databases written before write-only values were kept out of stored documents hold the
    // `password` of each user Okta created or synced, in clear text. The migration runs with
    // `secure_delete` on, so the old cells are zeroed rather than left in free space.
    r#"
UPDATE resources SET doc = json_remove(doc, '$.attributes.password')
WHERE rtype = 'user' AND json_type(doc, '$.attributes.password') IS NOT NULL;
"#,
];

/// Queue states.
const PENDING: i64 = 0;
const APPLIED: i64 = 1;
const FAILED: i64 = 2;

/// Options for [`SqliteStore::open_with`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SqliteOptions {
    readers: usize,
    busy_timeout: Duration,
    full_sync: bool,
}

impl Default for SqliteOptions {
    fn default() -> Self {
        Self {
            readers: 4,
            busy_timeout: Duration::from_secs(5),
            full_sync: false,
        }
    }
}

impl SqliteOptions {
    /// Reader connections (default 4, at least 1).
    #[must_use]
    pub fn with_readers(mut self, n: usize) -> Self {
        self.readers = n.clamp(1, 64);
        self
    }

    /// How long a statement waits for a lock held by another connection (default 5 s).
    #[must_use]
    pub fn with_busy_timeout(mut self, d: Duration) -> Self {
        self.busy_timeout = d;
        self
    }

    /// `synchronous = FULL`: every commit is fsynced (see the module docs).
    #[must_use]
    pub fn with_full_sync(mut self) -> Self {
        self.full_sync = true;
        self
    }
}

/// The SQLite [`Store`]. Cheap to clone (shared state).
#[derive(Clone)]
pub struct SqliteStore {
    inner: Arc<Inner>,
}

struct Inner {
    path: PathBuf,
    writer: Mutex<Connection>,
    readers: Vec<Mutex<Connection>>,
    next_reader: AtomicUsize,
    scim: Arc<Scim>,
    clock: Arc<dyn TimeProvider>,
    user_rules: CaseRules,
    group_rules: CaseRules,
    user_schema: String,
    group_schema: String,
    signal: ChangeSignal,
    /// SCIM writes waiting for a group commit.
    group: GroupQueue,
}

impl fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SqliteStore")
            .field("path", &self.inner.path)
            .field("readers", &self.inner.readers.len())
            .finish_non_exhaustive()
    }
}

fn db(operation: &'static str) -> impl Fn(rusqlite::Error) -> StoreError {
    move |e| StoreError::Backend {
        operation,
        detail: e.to_string(),
    }
}

impl From<StoreError> for scim_core::Error {
    fn from(e: StoreError) -> Self {
        Self::Storage {
            detail: e.to_string(),
        }
    }
}

/// Nanoseconds since the epoch (saturating), the stored form of instants.
fn nanos(t: UnixTime) -> i64 {
    t.as_unix_seconds()
        .saturating_mul(1_000_000_000)
        .saturating_add(i64::from(t.subsec_nanos()))
}

fn from_nanos(n: i64) -> UnixTime {
    let secs = n.div_euclid(1_000_000_000);
    let sub = u32::try_from(n.rem_euclid(1_000_000_000)).unwrap_or(0);
    UnixTime::from_unix_parts(secs, sub).unwrap_or(UnixTime::UNIX_EPOCH)
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic while holding a connection leaves at worst an open transaction, which rusqlite
    // rolls back when the `Transaction` is dropped; the connection itself stays usable.
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

fn ready<'a, T: Send + 'a, E: Send + 'a>(
    f: impl FnOnce() -> Result<T, E> + Send + 'a,
) -> std::pin::Pin<Box<dyn Future<Output = Result<T, E>> + Send + 'a>> {
    Box::pin(async move { f() })
}

/// Removes the `writeOnly` attributes and sub-attributes of resource type `rt_name` (core
/// schema and extensions) from `attrs`.
fn strip_write_only(
    reg: &scim_core::schema::SchemaRegistry,
    rt_name: &str,
    attrs: &mut serde_json::Map<String, Value>,
) {
    use scim_core::schema::Mutability;
    let Some(rt) = reg.resource_type(rt_name) else {
        return;
    };
    let core = reg.schema(&rt.schema).map(|s| (None, s));
    let extensions = rt
        .extensions
        .iter()
        .filter_map(|e| reg.schema(&e.schema).map(|s| (Some(e.schema.as_str()), s)));
    for (urn, schema) in core.into_iter().chain(extensions) {
        let target = match urn {
            None => Some(&mut *attrs),
            Some(u) => attrs.get_mut(u).and_then(Value::as_object_mut),
        };
        let Some(target) = target else {
            continue;
        };
        for def in &schema.attributes {
            if def.mutability == Mutability::WriteOnly {
                target.remove(&def.name);
                continue;
            }
            for sub in &def.sub_attributes {
                if sub.mutability != Mutability::WriteOnly {
                    continue;
                }
                match target.get_mut(&def.name) {
                    Some(Value::Object(o)) => {
                        o.remove(&sub.name);
                    }
                    Some(Value::Array(items)) => {
                        for item in items.iter_mut().filter_map(Value::as_object_mut) {
                            item.remove(&sub.name);
                        }
                    }
                    _ => {}
                }
            }
        }
    }
}

fn case_rules(scim: &Scim, rt_name: &str) -> CaseRules {
    let reg = scim.registry();
    let exact = |name: &str, sub: Option<&str>| -> bool {
        let Some(rt) = reg.resource_type(rt_name) else {
            return false;
        };
        let Some(r) = reg.resolve(rt, None, name) else {
            return false;
        };
        match sub {
            Some(s) => r.def.sub_attribute(s).is_some_and(|d| d.case_exact),
            None => r.def.case_exact,
        }
    };
    CaseRules {
        user_name_exact: exact("userName", None),
        external_id_exact: exact("externalId", None),
        display_name_exact: exact("displayName", None),
        id_exact: exact("id", None),
        email_exact: exact("emails", Some("value")),
    }
}

fn configure(conn: &Connection, opts: &SqliteOptions) -> Result<(), StoreError> {
    conn.busy_timeout(opts.busy_timeout)
        .map_err(db("set busy timeout"))?;
    conn.pragma_update(None, "journal_mode", "WAL")
        .map_err(db("enable WAL"))?;
    conn.pragma_update(
        None,
        "synchronous",
        if opts.full_sync { "FULL" } else { "NORMAL" },
    )
    .map_err(db("set synchronous"))?;
    conn.pragma_update(None, "foreign_keys", "ON")
        .map_err(db("enable foreign keys"))?;
    // The query planner stability guarantee: a plan never depends on bound values. Without
    // it SQLite marks `col = ?` terms as "re-plan when the value moves into or out of 0..=1",
    // and since the statement cache clears bindings between uses, every statement of the
    // organization with id 1 was re-parsed and re-planned on each execution.
    conn.set_db_config(DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG, true)
        .map_err(db("enable the query planner stability guarantee"))?;
    conn.set_prepared_statement_cache_capacity(64);
    Ok(())
}

fn migrate(conn: &mut Connection) -> Result<(), StoreError> {
    let supported = i64::try_from(MIGRATIONS.len()).unwrap_or(i64::MAX);
    // Values a migration removes (see the third one) are overwritten, not left in free pages.
    conn.pragma_update(None, "secure_delete", true)
        .map_err(db("enable secure delete for the migrations"))?;
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(db("begin migration"))?;
    let version: i64 = tx
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .map_err(db("read schema version"))?;
    if version > supported {
        return Err(StoreError::SchemaTooNew {
            found: version,
            supported,
        });
    }
    for (i, sql) in MIGRATIONS.iter().enumerate() {
        let n = i64::try_from(i).unwrap_or(i64::MAX).saturating_add(1);
        if n <= version {
            continue;
        }
        tx.execute_batch(sql).map_err(db("apply migration"))?;
        tx.pragma_update(None, "user_version", n)
            .map_err(db("record schema version"))?;
    }
    tx.commit().map_err(db("commit migration"))?;
    conn.pragma_update(None, "secure_delete", false)
        .map_err(db("restore secure delete after the migrations"))
}

impl SqliteStore {
    /// Opens (creating if needed) the database at `path` with default options and runs the
    /// migrations. `scim` supplies every SCIM rule; `clock` stamps queue entries, sessions and
    /// audit records.
    pub fn open(
        path: impl AsRef<Path>,
        scim: Arc<Scim>,
        clock: Arc<dyn TimeProvider>,
    ) -> Result<Self, StoreError> {
        Self::open_with(path, scim, clock, &SqliteOptions::default())
    }

    /// [`open`](Self::open) with options.
    pub fn open_with(
        path: impl AsRef<Path>,
        scim: Arc<Scim>,
        clock: Arc<dyn TimeProvider>,
        opts: &SqliteOptions,
    ) -> Result<Self, StoreError> {
        let path = path.as_ref().to_path_buf();
        let mut writer = Connection::open(&path).map_err(db("open database"))?;
        configure(&writer, opts)?;
        migrate(&mut writer)?;
        let mut readers = Vec::with_capacity(opts.readers);
        for _ in 0..opts.readers.max(1) {
            let c = Connection::open_with_flags(
                &path,
                OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
            )
            .map_err(db("open reader"))?;
            configure(&c, opts)?;
            readers.push(Mutex::new(c));
        }
        let reg = scim.registry();
        let schema_of = |name: &str| {
            reg.resource_type(name)
                .map(|rt| rt.schema.clone())
                .unwrap_or_default()
        };
        let store = Self {
            inner: Arc::new(Inner {
                user_rules: case_rules(&scim, "User"),
                group_rules: case_rules(&scim, "Group"),
                user_schema: schema_of("User"),
                group_schema: schema_of("Group"),
                path,
                writer: Mutex::new(writer),
                readers,
                next_reader: AtomicUsize::new(0),
                scim,
                clock,
                signal: ChangeSignal::new(),
                group: GroupQueue::default(),
            }),
        };
        store.check_key_rules()?;
        Ok(store)
    }

    /// Key columns hold values folded per the schema's `caseExact` and `uniqueness`. When the
    /// schema registry changed those rules, or scim-core its uniqueness keys
    /// ([`scim_core::uniqueness::KEY_RULES`]), since the keys were written, every key is
    /// rebuilt (one transaction) so filters and uniqueness follow the new rules.
    fn check_key_rules(&self) -> Result<(), StoreError> {
        let inner = &self.inner;
        let fingerprint = format!(
            "{:?}|{:?}|{}",
            inner.user_rules,
            inner.group_rules,
            scim_core::uniqueness::KEY_RULES
        );
        inner.write(|tx| {
            let stored: Option<String> = tx
                .query_row(
                    "SELECT value FROM store_meta WHERE key = 'key_rules'",
                    [],
                    |r| r.get(0),
                )
                .optional()
                .map_err(db("read key rules"))?;
            if stored.as_deref() == Some(fingerprint.as_str()) {
                return Ok(());
            }
            let rows: Vec<(i64, i64, String, String)> = {
                let mut stmt = tx
                    .prepare("SELECT seq, org_id, rtype, doc FROM resources ORDER BY seq")
                    .map_err(db("rebuild keys"))?;
                let rows = stmt
                    .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
                    .map_err(db("rebuild keys"))?;
                rows.collect::<Result<_, _>>().map_err(db("rebuild keys"))?
            };
            tx.execute("DELETE FROM unique_values", [])
                .map_err(db("rebuild keys"))?;
            for (seq, org, rtype, doc) in rows {
                let res = OrgResources {
                    inner: Arc::clone(inner),
                    org,
                };
                let rebuilt = (|| -> ScimResult<()> {
                    let (r, _) = res.decode(tx, seq, &doc, false, false)?;
                    let (_, kind) = res.type_key(r.resource_type())?;
                    let keys = res.keys(&r, kind);
                    tx.execute(
                        "UPDATE resources SET user_name_key = ?, external_id_key = ?, display_name_key = ?, active = ? WHERE seq = ?",
                        params![keys.user_name, keys.external_id, keys.display_name, keys.active, seq],
                    )
                    .map_err(db("rebuild keys"))?;
                    res.write_index(tx, seq, r.id().as_str(), &keys, Row::Existing)?;
                    res.write_uniques(
                        tx,
                        &rtype,
                        seq,
                        &res.scim().unique_values(&r),
                        Row::Existing,
                    )
                })();
                rebuilt.map_err(|e| StoreError::Corrupt {
                    what: "resource keys",
                    detail: format!("rebuilding resource {seq} under the current schema: {e}"),
                })?;
            }
            tx.execute(
                "INSERT INTO store_meta(key, value) VALUES ('key_rules', ?) \
                 ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                [&fingerprint],
            )
            .map_err(db("record key rules"))?;
            Ok(())
        })
    }

    /// The SCIM engine.
    pub fn scim(&self) -> &Scim {
        &self.inner.scim
    }

    /// The query plan SQLite chooses for a filter over one organization's resources (one line
    /// per step, as `EXPLAIN QUERY PLAN` prints it), to check which indexes serve it. The
    /// filter is planned as queries plan it, with the lenient dialect's attribute aliases
    /// applied ([`Scim::rewrite_filter`]).
    pub fn explain_filter(
        &self,
        org: OrgId,
        resource_type: &str,
        filter: &str,
    ) -> Result<Vec<String>, StoreError> {
        let res = OrgResources {
            inner: Arc::clone(&self.inner),
            org: org.get(),
        };
        let (tk, kind) = res
            .type_key(resource_type)
            .map_err(|e| StoreError::InvalidInput {
                what: "resource type",
                detail: e.to_string(),
            })?;
        let f = scim_filter::Filter::parse(filter).map_err(|e| StoreError::InvalidInput {
            what: "filter",
            detail: e.to_string(),
        })?;
        let f =
            res.scim()
                .rewrite_filter(resource_type, &f)
                .map_err(|e| StoreError::InvalidInput {
                    what: "filter",
                    detail: e.to_string(),
                })?;
        let plan = res.plan(&f, kind);
        let sql = format!(
            "EXPLAIN QUERY PLAN SELECT r.seq FROM resources r WHERE r.org_id = ? AND r.rtype = ? AND ({}) ORDER BY r.seq",
            plan.sql
        );
        self.inner.read(|conn| {
            let mut stmt = conn.prepare(&sql).map_err(db("explain"))?;
            let mut values: Vec<rusqlite::types::Value> = vec![org.get().into(), tk.clone().into()];
            values.extend(plan.params.iter().map(param_value));
            let rows = stmt
                .query_map(rusqlite::params_from_iter(values), |r| {
                    r.get::<_, String>(3)
                })
                .map_err(db("explain"))?;
            rows.collect::<Result<Vec<_>, _>>().map_err(db("explain"))
        })
    }
}

/// The `filter=userName eq "..."` lookup, the request Okta sends before every create.
const USER_NAME_LOOKUP_SQL: &str = "SELECT seq, doc FROM resources WHERE org_id = ? AND rtype = 'user' AND user_name_key = ? ORDER BY seq";

fn param_value(p: &Param) -> rusqlite::types::Value {
    match p {
        Param::Text(s) => rusqlite::types::Value::Text(s.clone()),
        Param::Int(i) => rusqlite::types::Value::Integer(*i),
    }
}

impl Inner {
    fn now(&self) -> UnixTime {
        self.clock.now()
    }

    fn read<T, E: From<StoreError>>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, E>,
    ) -> Result<T, E> {
        let n = self.readers.len().max(1);
        let start = self.next_reader.fetch_add(1, Ordering::Relaxed) % n;
        for i in 0..n {
            if let Some(m) = self.readers.get((start + i) % n) {
                if let Ok(conn) = m.try_lock() {
                    return f(&conn);
                }
            }
        }
        match self.readers.get(start) {
            Some(m) => f(&lock(m)),
            None => f(&lock(&self.writer)),
        }
    }

    /// A read that needs one snapshot across several statements.
    fn read_tx<T, E: From<StoreError>>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, E>,
    ) -> Result<T, E> {
        self.read(|conn| {
            let tx = conn
                .unchecked_transaction()
                .map_err(db("begin read transaction"))?;
            let out = f(&tx)?;
            tx.finish().map_err(db("end read transaction"))?;
            Ok(out)
        })
    }

    fn write<T, E: From<StoreError>>(
        &self,
        f: impl FnOnce(&Transaction<'_>) -> Result<T, E>,
    ) -> Result<T, E> {
        let mut conn = lock(&self.writer);
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(db("begin write transaction"))?;
        let out = f(&tx)?;
        tx.commit().map_err(db("commit"))?;
        Ok(out)
    }
}

impl BatchRunner for Inner {
    fn queue(&self) -> &GroupQueue {
        &self.group
    }

    /// One `BEGIN IMMEDIATE` transaction for the batch, a savepoint per write. A write that
    /// fails is rolled back to its savepoint; an error that ends the transaction itself (the
    /// commit, or SQLite rolling back on I/O failure) fails every write of the batch.
    fn run_batch(&self, jobs: &mut [Box<dyn Job>]) {
        let abort = |jobs: &mut [Box<dyn Job>], e: StoreError| {
            for job in jobs.iter_mut() {
                job.abort(&e);
            }
        };
        let mut conn = lock(&self.writer);
        let tx = match conn.transaction_with_behavior(TransactionBehavior::Immediate) {
            Ok(tx) => tx,
            Err(e) => return abort(jobs, db("begin write transaction")(e)),
        };
        let step = |sql: &str| tx.prepare_cached(sql).and_then(|mut s| s.execute([]));
        let mut notify = false;
        for job in jobs.iter_mut() {
            if let Err(e) = step("SAVEPOINT scim_write") {
                return abort(jobs, db("begin write")(e));
            }
            let ended = match job.run(&tx) {
                Ran::Kept { notify: n } => {
                    notify |= n;
                    step("RELEASE scim_write")
                }
                Ran::Failed => {
                    step("ROLLBACK TO scim_write").and_then(|_| step("RELEASE scim_write"))
                }
            };
            if let Err(e) = ended {
                return abort(jobs, db("end write")(e));
            }
            if tx.is_autocommit() {
                return abort(
                    jobs,
                    StoreError::Backend {
                        operation: "write",
                        detail: "the transaction was rolled back".into(),
                    },
                );
            }
        }
        if let Err(e) = tx.commit() {
            return abort(jobs, db("commit")(e));
        }
        drop(conn);
        for job in jobs.iter_mut() {
            job.committed();
        }
        if notify {
            self.signal.notify();
        }
    }
}

fn org_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<(i64, String, String, bool, i64)> {
    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
}

fn to_org(row: (i64, String, String, bool, i64)) -> Result<Organization, StoreError> {
    let (id, slug, display_name, is_default, created) = row;
    Ok(Organization {
        id: OrgId::new(id),
        slug: OrgSlug::try_from(slug.as_str()).map_err(|e| StoreError::Corrupt {
            what: "organization",
            detail: e.to_string(),
        })?,
        display_name,
        is_default,
        created_at: from_nanos(created),
    })
}

const ORG_COLUMNS: &str = "id, slug, display_name, is_default, created_at";

fn append_audit_tx(tx: &Connection, org: i64, e: &AuditEvent) -> Result<(), StoreError> {
    tx.prepare_cached(
        "INSERT INTO audit(org_id, at, kind, action, actor, subject, detail) VALUES (?, ?, ?, ?, ?, ?, ?)",
    )
    .and_then(|mut s| {
        s.execute(params![
            org,
            nanos(e.at),
            e.kind.as_str(),
            e.action,
            e.actor,
            e.subject,
            e.detail
        ])
    })
    .map_err(db("append audit record"))?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// SCIM resources of one organization
// ---------------------------------------------------------------------------------------------

/// Key columns of a resource row.
struct Keys {
    user_name: Option<String>,
    external_id: Option<String>,
    display_name: Option<String>,
    active: Option<i64>,
    emails: Vec<String>,
}

/// The text of a string value. Key columns index strings only: the schema makes these
/// attributes strings, and a value of another JSON type never equals a string needle.
fn scalar_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        _ => None,
    }
}

/// `active` as stored in its key column (see `sql_filter`): NULL absent or null, 0/1 a JSON
/// boolean, 2 another non-empty value, 3 an empty one.
fn active_code(v: Option<&Value>) -> Option<i64> {
    match v? {
        Value::Null => None,
        Value::Bool(b) => Some(i64::from(*b)),
        Value::String(s) if s.is_empty() => Some(3),
        Value::Array(a) if a.iter().all(Value::is_null) => Some(3),
        Value::Object(o) if o.values().all(Value::is_null) => Some(3),
        _ => Some(2),
    }
}

/// Whether a resource row already has index entries (emails, text, unique values) to replace.
/// A new row has none: `delete_tx` removes a deleted row's entries, so a reused `seq` starts
/// clean.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Row {
    New,
    Existing,
}

/// A resource's state as the worker's payload needs it.
struct Loaded {
    seq: i64,
    resource: Resource,
    /// Stored members with their positions (groups only, when loaded).
    positions: HashMap<String, i64>,
}

struct OrgResources {
    inner: Arc<Inner>,
    org: i64,
}

impl fmt::Debug for OrgResources {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OrgResources")
            .field("org", &self.org)
            .finish_non_exhaustive()
    }
}

type ScimResult<T> = Result<T, scim_core::Error>;

impl OrgResources {
    fn scim(&self) -> &Scim {
        &self.inner.scim
    }

    fn type_key(&self, resource_type: &str) -> ScimResult<(String, Kind)> {
        let name = self.scim().resource_type(resource_type)?.name.clone();
        let kind = if name.eq_ignore_ascii_case("User") {
            Kind::User
        } else if name.eq_ignore_ascii_case("Group") {
            Kind::Group
        } else {
            Kind::Other
        };
        Ok((name.to_ascii_lowercase(), kind))
    }

    fn rules(&self, kind: Kind) -> &CaseRules {
        match kind {
            Kind::Group => &self.inner.group_rules,
            Kind::User | Kind::Other => &self.inner.user_rules,
        }
    }

    fn plan(&self, f: &scim_filter::Filter, kind: Kind) -> sql_filter::Plan {
        sql_filter::translate(
            f,
            kind,
            self.rules(kind),
            self.org,
            &self.inner.user_schema,
            &self.inner.group_schema,
        )
    }

    fn not_found(&self, resource_type: &str, id: &str) -> scim_core::Error {
        scim_core::Error::NotFound {
            resource_type: self
                .scim()
                .resource_type(resource_type)
                .map_or_else(|_| resource_type.to_owned(), |r| r.name.clone()),
            id: id.to_owned(),
        }
    }

    fn keys(&self, res: &Resource, kind: Kind) -> Keys {
        let rules = self.rules(kind);
        let a = |n: &str| res.attribute(n).and_then(scalar_text);
        let (user_name, active, emails) = if kind == Kind::User {
            let emails = match res.attribute("emails") {
                Some(Value::Array(items)) => items
                    .iter()
                    .filter_map(|e| e.get("value").and_then(scalar_text))
                    .map(|v| rules.key(Attr::Email, &v))
                    .collect(),
                _ => Vec::new(),
            };
            (
                a("userName").map(|v| rules.key(Attr::UserName, &v)),
                active_code(res.attribute("active")),
                emails,
            )
        } else {
            (None, None, Vec::new())
        };
        Keys {
            user_name,
            external_id: a("externalId").map(|v| rules.key(Attr::ExternalId, &v)),
            display_name: a("displayName").map(|v| rules.key(Attr::DisplayName, &v)),
            active,
            emails,
        }
    }

    /// The stored document: the storage JSON without the member list and without write-only
    /// values. Nothing reads those back (they are never returned, and the provisioning queue
    /// leaves them out), and the `password` Okta sends on every create and on password sync
    /// must not sit in the database in clear text.
    fn doc(&self, res: &Resource) -> String {
        let mut doc = res.to_storage_json();
        if let Some(o) = doc.as_object_mut() {
            o.insert("members".into(), Value::Null);
            if let Some(attrs) = o.get_mut("attributes").and_then(Value::as_object_mut) {
                strip_write_only(self.scim().registry(), res.resource_type(), attrs);
            }
        }
        doc.to_string()
    }

    fn load(
        &self,
        conn: &Connection,
        tk: &str,
        id: &str,
        with_members: bool,
    ) -> ScimResult<Option<Loaded>> {
        let row: Option<(i64, String)> = conn
            .prepare_cached(
                "SELECT seq, doc FROM resources WHERE org_id = ? AND rtype = ? AND id = ?",
            )
            .and_then(|mut s| {
                s.query_row(params![self.org, tk, id], |r| Ok((r.get(0)?, r.get(1)?)))
                    .optional()
            })
            .map_err(db("read resource"))?;
        let Some((seq, doc)) = row else {
            return Ok(None);
        };
        let (resource, positions) = self.decode(conn, seq, &doc, tk == "group", with_members)?;
        Ok(Some(Loaded {
            seq,
            resource,
            positions,
        }))
    }

    fn decode(
        &self,
        conn: &Connection,
        seq: i64,
        doc: &str,
        is_group: bool,
        with_members: bool,
    ) -> ScimResult<(Resource, HashMap<String, i64>)> {
        let mut v: Value = serde_json::from_str(doc).map_err(|e| StoreError::Corrupt {
            what: "resource",
            detail: e.to_string(),
        })?;
        let mut positions = HashMap::new();
        if is_group {
            let mut list = Vec::new();
            if with_members {
                let mut stmt = conn
                    .prepare_cached(
                        "SELECT value, display, ref, type, pos FROM members WHERE group_seq = ? ORDER BY pos",
                    )
                    .map_err(db("read members"))?;
                let rows = stmt
                    .query_map([seq], |r| {
                        Ok((
                            r.get::<_, String>(0)?,
                            r.get::<_, Option<String>>(1)?,
                            r.get::<_, Option<String>>(2)?,
                            r.get::<_, Option<String>>(3)?,
                            r.get::<_, i64>(4)?,
                        ))
                    })
                    .map_err(db("read members"))?;
                for row in rows {
                    let (value, display, reference, member_type, pos) =
                        row.map_err(db("read members"))?;
                    positions.insert(value.clone(), pos);
                    list.push(
                        Member {
                            value,
                            reference,
                            display,
                            member_type,
                        }
                        .to_json(),
                    );
                }
            }
            if let Some(o) = v.as_object_mut() {
                o.insert("members".into(), Value::Array(list));
            }
        }
        Ok((Resource::from_storage_json(&v)?, positions))
    }

    fn groups_of_conn(&self, conn: &Connection, user_id: &str) -> ScimResult<Vec<GroupRef>> {
        let mut stmt = conn
            .prepare_cached(
                "SELECT g.id, CASE WHEN json_type(g.doc, '$.attributes.displayName') = 'text' \
                 THEN json_extract(g.doc, '$.attributes.displayName') END \
                 FROM members m JOIN resources g ON g.seq = m.group_seq \
                 WHERE m.org_id = ? AND m.value = ? ORDER BY g.id",
            )
            .map_err(db("read groups of user"))?;
        let rows = stmt
            .query_map(params![self.org, user_id], |r| {
                Ok(GroupRef {
                    id: r.get(0)?,
                    display: r.get(1)?,
                })
            })
            .map_err(db("read groups of user"))?;
        let mut out = Vec::new();
        for row in rows {
            out.push(row.map_err(db("read groups of user"))?);
        }
        Ok(out)
    }

    fn with_groups(&self, conn: &Connection, mut r: Resource) -> ScimResult<Resource> {
        if r.resource_type().eq_ignore_ascii_case("User") {
            let groups = self.groups_of_conn(conn, r.id().as_str())?;
            r.set_groups(groups);
        }
        Ok(r)
    }

    fn check_unique(
        &self,
        conn: &Connection,
        tk: &str,
        values: &[UniqueValue],
        except: Option<i64>,
    ) -> ScimResult<()> {
        let mut stmt = conn
            .prepare_cached(
                "SELECT res FROM unique_values WHERE org_id = ? AND rtype = ? AND attribute = ? AND key = ?",
            )
            .map_err(db("check uniqueness"))?;
        for u in values {
            let owner: Option<i64> = stmt
                .query_row(params![self.org, tk, u.attribute, u.key], |r| r.get(0))
                .optional()
                .map_err(db("check uniqueness"))?;
            if let Some(o) = owner {
                if Some(o) != except {
                    return Err(scim_core::Error::Uniqueness {
                        attribute: u.attribute.clone(),
                        value: u.value.clone(),
                    });
                }
            }
        }
        Ok(())
    }

    fn write_uniques(
        &self,
        tx: &Connection,
        tk: &str,
        seq: i64,
        values: &[UniqueValue],
        row: Row,
    ) -> ScimResult<()> {
        if row == Row::Existing {
            tx.prepare_cached("DELETE FROM unique_values WHERE res = ?")
                .and_then(|mut s| s.execute([seq]))
                .map_err(db("write uniqueness index"))?;
        }
        let mut ins = tx
            .prepare_cached(
                "INSERT INTO unique_values(org_id, rtype, attribute, key, res) VALUES (?, ?, ?, ?, ?)",
            )
            .map_err(db("write uniqueness index"))?;
        for u in values {
            match ins.execute(params![self.org, tk, u.attribute, u.key, seq]) {
                Ok(_) => {}
                Err(rusqlite::Error::SqliteFailure(e, _))
                    if e.code == rusqlite::ErrorCode::ConstraintViolation =>
                {
                    return Err(scim_core::Error::Uniqueness {
                        attribute: u.attribute.clone(),
                        value: u.value.clone(),
                    });
                }
                Err(e) => return Err(db("write uniqueness index")(e).into()),
            }
        }
        Ok(())
    }

    /// Writes the key columns, emails and text index of a resource row.
    fn write_index(
        &self,
        tx: &Connection,
        seq: i64,
        id: &str,
        keys: &Keys,
        row: Row,
    ) -> ScimResult<()> {
        let e = db("write filter index");
        if row == Row::Existing {
            tx.prepare_cached("DELETE FROM emails WHERE res = ?")
                .and_then(|mut s| s.execute([seq]))
                .map_err(&e)?;
            tx.prepare_cached("DELETE FROM resource_text WHERE rowid = ?")
                .and_then(|mut s| s.execute([seq]))
                .map_err(&e)?;
        }
        {
            let mut ins = tx
                .prepare_cached("INSERT INTO emails(org_id, res, value_key) VALUES (?, ?, ?)")
                .map_err(&e)?;
            for v in &keys.emails {
                ins.execute(params![self.org, seq, v]).map_err(&e)?;
            }
        }
        tx.prepare_cached(
            "INSERT INTO resource_text(rowid, user_name, external_id, display_name, id, emails) VALUES (?, ?, ?, ?, ?, ?)",
        )
        .and_then(|mut s| {
            s.execute(params![
                seq,
                keys.user_name,
                keys.external_id,
                keys.display_name,
                id,
                keys.emails.join("\n")
            ])
        })
        .map_err(&e)?;
        Ok(())
    }

    fn insert_members<'m>(
        &self,
        tx: &Connection,
        seq: i64,
        first_pos: i64,
        members: impl Iterator<Item = &'m Member>,
    ) -> ScimResult<()> {
        let mut ins = tx
            .prepare_cached(
                "INSERT OR REPLACE INTO members(org_id, group_seq, pos, value, display, ref, type) VALUES (?, ?, ?, ?, ?, ?, ?)",
            )
            .map_err(db("write members"))?;
        let mut pos = first_pos;
        for m in members {
            ins.execute(params![
                self.org,
                seq,
                pos,
                m.value,
                m.display,
                m.reference,
                m.member_type
            ])
            .map_err(db("write members"))?;
            pos = pos.saturating_add(1);
        }
        Ok(())
    }

    fn render(&self, r: &Resource) -> Value {
        self.scim()
            .render(r, RenderOptions::default())
            .unwrap_or(Value::Null)
    }

    fn create_tx(&self, tx: &Connection, resource: Resource) -> ScimResult<Resource> {
        let (tk, kind) = self.type_key(resource.resource_type())?;
        let id = resource.id().as_str().to_owned();
        let exists: Option<i64> = tx
            .prepare_cached("SELECT seq FROM resources WHERE org_id = ? AND rtype = ? AND id = ?")
            .and_then(|mut s| {
                s.query_row(params![self.org, tk, id], |r| r.get(0))
                    .optional()
            })
            .map_err(db("create resource"))?;
        if exists.is_some() {
            return Err(scim_core::Error::Uniqueness {
                attribute: "id".into(),
                value: id,
            });
        }
        let uniques = self.scim().unique_values(&resource);
        self.check_unique(tx, &tk, &uniques, None)?;
        let keys = self.keys(&resource, kind);
        tx.prepare_cached(
            "INSERT INTO resources(org_id, rtype, id, user_name_key, external_id_key, display_name_key, active, doc) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .and_then(|mut s| {
            s.execute(params![
                self.org,
                tk,
                id,
                keys.user_name,
                keys.external_id,
                keys.display_name,
                keys.active,
                self.doc(&resource)
            ])
        })
        .map_err(db("create resource"))?;
        let seq = tx.last_insert_rowid();
        self.write_index(tx, seq, &id, &keys, Row::New)?;
        self.write_uniques(tx, &tk, seq, &uniques, Row::New)?;
        let mut events = Vec::new();
        match kind {
            Kind::User => events.push(ProvisionEvent::UserCreated(user_snapshot(
                self.render(&resource),
            ))),
            Kind::Group => {
                events.push(ProvisionEvent::GroupCreated {
                    group_id: id.clone(),
                    display_name: display_name(&resource).unwrap_or_default(),
                    external_id: resource.external_id().map(str::to_owned),
                });
                if let Some(members) = resource.members() {
                    self.insert_members(tx, seq, 0, members.iter())?;
                    events.extend(members.iter().map(|m| ProvisionEvent::MemberAdded {
                        group_id: id.clone(),
                        member_id: m.value.clone(),
                    }));
                }
            }
            Kind::Other => {}
        }
        let now = self.inner.now();
        enqueue(tx, self.org, &events, now)?;
        let detail = match kind {
            Kind::Group => format!(
                "{} ({} members)",
                display_name(&resource).unwrap_or_default(),
                resource.members().map_or(0, |m| m.len())
            ),
            _ => resource
                .attribute("userName")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned(),
        };
        append_audit_tx(
            tx,
            self.org,
            &AuditEvent::new(now, AuditKind::ScimChange, format!("{tk}.created"))
                .with_subject(id)
                .with_detail(detail),
        )?;
        self.with_groups(tx, resource)
    }

    /// The shared read-modify-write of PUT and PATCH.
    fn update_tx(
        &self,
        tx: &Connection,
        resource_type: &str,
        id: &str,
        conditions: &Conditions,
        apply: impl FnOnce(&Self, &Connection, &str, i64, &Resource) -> ScimResult<Resource>,
    ) -> ScimResult<(Resource, bool)> {
        let (tk, kind) = self.type_key(resource_type)?;
        let old = self
            .load(tx, &tk, id, true)?
            .ok_or_else(|| self.not_found(resource_type, id))?;
        conditions.check(&old.resource.etag())?;
        let new = apply(self, tx, &tk, old.seq, &old.resource)?;
        if new.meta().revision == old.resource.meta().revision && new == old.resource {
            return Ok((self.with_groups(tx, new)?, false));
        }
        let keys = self.keys(&new, kind);
        tx.prepare_cached(
            "UPDATE resources SET user_name_key = ?, external_id_key = ?, display_name_key = ?, active = ?, doc = ? WHERE seq = ?",
        )
        .and_then(|mut s| {
            s.execute(params![
                keys.user_name,
                keys.external_id,
                keys.display_name,
                keys.active,
                self.doc(&new),
                old.seq
            ])
        })
        .map_err(db("update resource"))?;
        self.write_index(tx, old.seq, id, &keys, Row::Existing)?;
        self.write_uniques(
            tx,
            &tk,
            old.seq,
            &self.scim().unique_values(&new),
            Row::Existing,
        )?;
        let now = self.inner.now();
        let mut events = Vec::new();
        let mut summary = String::new();
        match kind {
            Kind::User => {
                let was = is_active(&old.resource);
                let is = is_active(&new);
                let snap = user_snapshot(self.render(&new));
                let (ev, action) = match (was, is) {
                    (true, false) => (ProvisionEvent::UserDeactivated(snap), "user.deactivated"),
                    (false, true) => (ProvisionEvent::UserReactivated(snap), "user.reactivated"),
                    _ => (ProvisionEvent::UserUpdated(snap), "user.updated"),
                };
                if !is {
                    // Deactivation ends access now, not when the queue gets there.
                    tx.prepare_cached("DELETE FROM sessions WHERE org_id = ? AND user_id = ?")
                        .and_then(|mut s| s.execute(params![self.org, id]))
                        .map_err(db("revoke sessions"))?;
                }
                events.push(ev);
                summary.push_str(action);
            }
            Kind::Group => {
                let before = display_name(&old.resource);
                let after = display_name(&new);
                if before != after {
                    events.push(ProvisionEvent::GroupRenamed {
                        group_id: id.to_owned(),
                        display_name: after.unwrap_or_default(),
                        previous: before,
                    });
                }
                let (added, removed) =
                    self.sync_members(tx, old.seq, id, &old, &new, &mut events)?;
                summary = format!("group.updated (+{added} -{removed} members)");
            }
            Kind::Other => summary = format!("{tk}.updated"),
        }
        enqueue(tx, self.org, &events, now)?;
        let action = summary.split(' ').next().unwrap_or_default().to_owned();
        append_audit_tx(
            tx,
            self.org,
            &AuditEvent::new(now, AuditKind::ScimChange, action)
                .with_subject(id)
                .with_detail(summary),
        )?;
        Ok((self.with_groups(tx, new)?, true))
    }

    /// Writes the member difference between `old` and `new`; returns (added, removed).
    fn sync_members(
        &self,
        tx: &Connection,
        seq: i64,
        id: &str,
        old: &Loaded,
        new: &Resource,
        events: &mut Vec<ProvisionEvent>,
    ) -> ScimResult<(usize, usize)> {
        let empty = scim_core::group::MemberList::new();
        let old_list = old.resource.members().unwrap_or(&empty);
        let new_list = new.members().unwrap_or(&empty);
        let mut removed = 0;
        {
            let mut del = tx
                .prepare_cached("DELETE FROM members WHERE group_seq = ? AND value = ?")
                .map_err(db("write members"))?;
            for m in old_list.iter() {
                if !new_list.contains(&m.value) {
                    del.execute(params![seq, m.value])
                        .map_err(db("write members"))?;
                    events.push(ProvisionEvent::MemberRemoved {
                        group_id: id.to_owned(),
                        member_id: m.value.clone(),
                    });
                    removed += 1;
                }
            }
        }
        // Kept members must keep their relative order; otherwise rewrite the positions.
        let mut last = i64::MIN;
        let mut in_order = true;
        for m in new_list.iter() {
            if let Some(p) = old.positions.get(&m.value) {
                if *p < last {
                    in_order = false;
                    break;
                }
                last = *p;
            }
        }
        let mut added = 0;
        if in_order {
            let mut next = old
                .positions
                .values()
                .max()
                .map_or(0, |m| m.saturating_add(1));
            let mut upd = tx
                .prepare_cached(
                    "UPDATE members SET display = ?, ref = ?, type = ? WHERE group_seq = ? AND value = ?",
                )
                .map_err(db("write members"))?;
            for m in new_list.iter() {
                match old_list.get(&m.value) {
                    Some(prev) if prev == m => {}
                    Some(_) => {
                        upd.execute(params![m.display, m.reference, m.member_type, seq, m.value])
                            .map_err(db("write members"))?;
                    }
                    None => {
                        self.insert_members(tx, seq, next, std::iter::once(m))?;
                        next = next.saturating_add(1);
                    }
                }
            }
        } else {
            tx.prepare_cached("DELETE FROM members WHERE group_seq = ?")
                .and_then(|mut s| s.execute([seq]))
                .map_err(db("write members"))?;
            self.insert_members(tx, seq, 0, new_list.iter())?;
        }
        for m in new_list.iter() {
            if !old_list.contains(&m.value) {
                events.push(ProvisionEvent::MemberAdded {
                    group_id: id.to_owned(),
                    member_id: m.value.clone(),
                });
                added += 1;
            }
        }
        Ok((added, removed))
    }

    fn delete_tx(
        &self,
        tx: &Connection,
        resource_type: &str,
        id: &str,
        conditions: &Conditions,
    ) -> ScimResult<()> {
        let (tk, kind) = self.type_key(resource_type)?;
        let old = self
            .load(tx, &tk, id, false)?
            .ok_or_else(|| self.not_found(resource_type, id))?;
        conditions.check(&old.resource.etag())?;
        let seq = old.seq;
        let e = db("delete resource");
        for sql in [
            "DELETE FROM resources WHERE seq = ?",
            "DELETE FROM emails WHERE res = ?",
            "DELETE FROM resource_text WHERE rowid = ?",
            "DELETE FROM unique_values WHERE res = ?",
            "DELETE FROM members WHERE group_seq = ?",
        ] {
            tx.prepare_cached(sql)
                .and_then(|mut s| s.execute([seq]))
                .map_err(&e)?;
        }
        let now = self.inner.now();
        // A deleted resource leaves every group it was a member of.
        let groups: Vec<(i64, String)> = {
            let mut stmt = tx
                .prepare_cached(
                    "SELECT g.seq, g.doc FROM members m JOIN resources g ON g.seq = m.group_seq WHERE m.org_id = ? AND m.value = ?",
                )
                .map_err(&e)?;
            let rows = stmt
                .query_map(params![self.org, id], |r| Ok((r.get(0)?, r.get(1)?)))
                .map_err(&e)?;
            rows.collect::<Result<_, _>>().map_err(&e)?
        };
        for (gseq, doc) in groups {
            tx.prepare_cached("DELETE FROM members WHERE group_seq = ? AND value = ?")
                .and_then(|mut s| s.execute(params![gseq, id]))
                .map_err(&e)?;
            let touched = touch_doc(&doc, now);
            tx.prepare_cached("UPDATE resources SET doc = ? WHERE seq = ?")
                .and_then(|mut s| s.execute(params![touched, gseq]))
                .map_err(&e)?;
        }
        let event = match kind {
            Kind::User => {
                tx.prepare_cached("DELETE FROM sessions WHERE org_id = ? AND user_id = ?")
                    .and_then(|mut s| s.execute(params![self.org, id]))
                    .map_err(&e)?;
                Some(ProvisionEvent::UserDeleted {
                    user_id: id.to_owned(),
                    user_name: old
                        .resource
                        .attribute("userName")
                        .and_then(Value::as_str)
                        .map(str::to_owned),
                })
            }
            Kind::Group => Some(ProvisionEvent::GroupDeleted {
                group_id: id.to_owned(),
                display_name: display_name(&old.resource),
            }),
            Kind::Other => None,
        };
        enqueue(tx, self.org, event.as_slice(), now)?;
        append_audit_tx(
            tx,
            self.org,
            &AuditEvent::new(now, AuditKind::ScimChange, format!("{tk}.deleted")).with_subject(id),
        )?;
        Ok(())
    }

    /// `Some(value)` when the filter is exactly `userName eq "value"` (Okta's and Entra's
    /// lookup before every create).
    fn user_name_eq<'f>(&self, f: &'f scim_filter::Filter) -> Option<&'f str> {
        let scim_filter::Filter::Compare(c) = f else {
            return None;
        };
        let p = c.path();
        let core = p
            .schema()
            .is_none_or(|u| u.as_str().eq_ignore_ascii_case(&self.inner.user_schema));
        (core
            && c.op() == scim_filter::CompareOp::Eq
            && p.sub_attr().is_none()
            && p.attr().as_str().eq_ignore_ascii_case("userName"))
        .then(|| c.value().as_str())
        .flatten()
    }

    /// The fast path for `userName eq "..."`: one indexed statement, no count query.
    fn user_name_lookup(&self, conn: &Connection, name: &str, q: &ListQuery) -> ScimResult<Page> {
        let key = self.inner.user_rules.key(Attr::UserName, name);
        let mut stmt = conn
            .prepare_cached(USER_NAME_LOOKUP_SQL)
            .map_err(db("look up userName"))?;
        let rows = stmt
            .query_map(params![self.org, key], |r| {
                Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?))
            })
            .map_err(db("look up userName"))?;
        let mut all = Vec::new();
        for row in rows {
            all.push(row.map_err(db("look up userName"))?);
        }
        let options = self.scim().options();
        let count = q
            .count()
            .unwrap_or(options.default_count())
            .min(options.max_results());
        let start = q.start_index();
        let range = scim_core::list::page_range(all.len(), start, count);
        let mut resources = Vec::new();
        for (seq, doc) in all.get(range).unwrap_or_default() {
            let r = self.decode(conn, *seq, doc, false, false)?.0;
            resources.push(self.with_groups(conn, r)?);
        }
        Ok(Page {
            total_results: all.len(),
            start_index: start,
            resources,
            omit_resources: q.count() == Some(0),
        })
    }

    fn query_conn(
        &self,
        conn: &Connection,
        resource_type: &str,
        q: &ListQuery,
    ) -> ScimResult<Page> {
        let (tk, kind) = self.type_key(resource_type)?;
        // The tree scim-core evaluates, with the dialect's attribute aliases applied (Okta's
        // `email eq "..."` is `emails.value eq "..."`), so SQL selects what memory would.
        let filter = self.scim().query_filter(resource_type, q)?;
        if kind == Kind::User && q.sort_by().is_none() {
            if let Some(name) = filter.as_ref().and_then(|f| self.user_name_eq(f)) {
                return self.user_name_lookup(conn, name, q);
            }
        }
        let plan = match &filter {
            Some(f) => self.plan(f, kind),
            None => sql_filter::Plan {
                sql: "1".into(),
                params: Vec::new(),
                exact: true,
            },
        };
        let members_excluded = q.excluded_attributes().iter().any(|a| {
            let a = a.to_ascii_lowercase();
            a == "members" || a.ends_with(":members")
        });
        let filter_needs_members = mentions(filter.as_ref(), "members");
        let mut values: Vec<rusqlite::types::Value> = vec![self.org.into(), tk.clone().into()];
        values.extend(plan.params.iter().map(param_value));
        let base = format!(
            "FROM resources r WHERE r.org_id = ? AND r.rtype = ? AND ({})",
            plan.sql
        );
        let is_group = kind == Kind::Group;
        let load_rows = |sql: &str, vals: Vec<rusqlite::types::Value>, members: bool| {
            let mut stmt = conn.prepare_cached(sql).map_err(db("query resources"))?;
            let rows = stmt
                .query_map(rusqlite::params_from_iter(vals), |r| {
                    Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?))
                })
                .map_err(db("query resources"))?;
            let mut out = Vec::new();
            for row in rows {
                let (seq, doc) = row.map_err(db("query resources"))?;
                out.push(self.decode(conn, seq, &doc, is_group, members)?.0);
            }
            Ok::<_, scim_core::Error>(out)
        };
        if plan.exact && q.sort_by().is_none() {
            let total: i64 = conn
                .prepare_cached(&format!("SELECT count(*) {base}"))
                .and_then(|mut s| {
                    s.query_row(rusqlite::params_from_iter(values.clone()), |r| r.get(0))
                })
                .map_err(db("count resources"))?;
            let total = usize::try_from(total).unwrap_or(0);
            let options = self.scim().options();
            let count = q
                .count()
                .unwrap_or(options.default_count())
                .min(options.max_results());
            let start = q.start_index();
            let mut resources = Vec::new();
            if count > 0 && start <= total {
                let mut vals = values;
                vals.push(i64::try_from(count).unwrap_or(i64::MAX).into());
                vals.push(
                    i64::try_from(start.saturating_sub(1))
                        .unwrap_or(i64::MAX)
                        .into(),
                );
                resources = load_rows(
                    &format!("SELECT r.seq, r.doc {base} ORDER BY r.seq LIMIT ? OFFSET ?"),
                    vals,
                    !members_excluded,
                )?;
            }
            let resources = resources
                .into_iter()
                .map(|r| self.with_groups(conn, r))
                .collect::<ScimResult<Vec<_>>>()?;
            return Ok(Page {
                total_results: total,
                start_index: start,
                resources,
                omit_resources: q.count() == Some(0),
            });
        }
        // In memory: the candidates SQL narrowed, then scim-core's own filter, sort and paging.
        let mut candidates = load_rows(
            &format!("SELECT r.seq, r.doc {base} ORDER BY r.seq"),
            values,
            filter_needs_members && !members_excluded,
        )?;
        if kind == Kind::User && mentions(filter.as_ref(), "groups") {
            // `groups` is derived from membership rows; filters on it need it filled in.
            candidates = candidates
                .into_iter()
                .map(|r| self.with_groups(conn, r))
                .collect::<ScimResult<Vec<_>>>()?;
        }
        let mut page = self.scim().query(resource_type, candidates.iter(), q)?;
        let mut out = Vec::with_capacity(page.resources.len());
        for r in page.resources {
            let r = if is_group && !members_excluded && !filter_needs_members {
                match self.load(conn, &tk, r.id().as_str(), true)? {
                    Some(l) => l.resource,
                    None => r,
                }
            } else {
                r
            };
            out.push(self.with_groups(conn, r)?);
        }
        page.resources = out;
        Ok(page)
    }
}

/// Whether the filter reads the attribute `name` (anywhere, in any case).
fn mentions(filter: Option<&scim_filter::Filter>, name: &str) -> bool {
    let mut found = false;
    if let Some(f) = filter {
        f.for_each_path(&mut |p| found |= p.attr() == name);
    }
    found
}

fn display_name(r: &Resource) -> Option<String> {
    r.attribute("displayName")
        .and_then(Value::as_str)
        .map(str::to_owned)
}

fn is_active(r: &Resource) -> bool {
    active_code(r.attribute("active")) != Some(0)
}

/// Moves `meta.lastModified` to `now` and bumps the revision in a stored document.
fn touch_doc(doc: &str, now: UnixTime) -> String {
    let Ok(mut v) = serde_json::from_str::<Value>(doc) else {
        return doc.to_owned();
    };
    if let Some(meta) = v.get_mut("meta").and_then(Value::as_object_mut) {
        let n = i128::from(nanos(now));
        meta.insert("lastModified".into(), Value::String(n.to_string()));
        let rev = meta.get("revision").and_then(Value::as_u64).unwrap_or(0);
        meta.insert("revision".into(), json!(rev.saturating_add(1)));
    }
    v.to_string()
}

/// Appends queue entries in the caller's transaction and starts a new push when the
/// organization's queue was empty.
fn enqueue(
    tx: &Connection,
    org: i64,
    events: &[ProvisionEvent],
    now: UnixTime,
) -> Result<(), StoreError> {
    if events.is_empty() {
        return Ok(());
    }
    let e = db("queue change");
    let idle: bool = tx
        .prepare_cached("SELECT NOT EXISTS (SELECT 1 FROM changes WHERE org_id = ? AND state = 0)")
        .and_then(|mut s| s.query_row([org], |r| r.get(0)))
        .map_err(&e)?;
    let mut ins = tx
        .prepare_cached(
            "INSERT INTO changes(org_id, kind, resource_id, payload, queued_at) VALUES (?, ?, ?, ?, ?)",
        )
        .map_err(&e)?;
    let mut first_id = None;
    for ev in events {
        ins.execute(params![
            org,
            ev.kind().as_str(),
            ev.resource_id(),
            ev.to_payload().to_string(),
            nanos(now)
        ])
        .map_err(&e)?;
        first_id.get_or_insert(tx.last_insert_rowid());
    }
    if idle {
        tx.prepare_cached(
            "UPDATE organizations SET push_start = ?, push_started_at = ? WHERE id = ?",
        )
        .and_then(|mut s| s.execute(params![first_id, nanos(now), org]))
        .map_err(&e)?;
    }
    Ok(())
}

impl OrgResources {
    /// A copy for a queued write, which must own everything it uses.
    fn detached(&self) -> Self {
        Self {
            inner: Arc::clone(&self.inner),
            org: self.org,
        }
    }

    /// Queues a PUT or PATCH (`apply` computes the new resource from the stored one) for the
    /// next group commit.
    fn grouped_update<F>(
        &self,
        resource_type: &str,
        id: &str,
        conditions: &Conditions,
        apply: F,
    ) -> ScimFuture<'static, Resource>
    where
        F: FnOnce(&Self, &Connection, &str, i64, &Resource) -> ScimResult<Resource>
            + Send
            + 'static,
    {
        let (resource_type, id, conditions) =
            (resource_type.to_owned(), id.to_owned(), conditions.clone());
        self.grouped(move |me, tx| me.update_tx(tx, &resource_type, &id, &conditions, apply))
    }

    /// Queues a write for the next group commit (see [`group`]).
    fn grouped<T, F>(&self, write: F) -> ScimFuture<'static, T>
    where
        T: Send + 'static,
        F: FnOnce(&Self, &Connection) -> ScimResult<(T, bool)> + Send + 'static,
    {
        let me = self.detached();
        Box::pin(GroupWrite::new(Arc::clone(&self.inner), move |conn| {
            write(&me, conn)
        }))
    }
}

impl ResourceStore for OrgResources {
    fn create(&self, resource: Resource) -> ScimFuture<'_, Resource> {
        self.grouped(move |me, tx| Ok((me.create_tx(tx, resource)?, true)))
    }

    fn get<'a>(&'a self, resource_type: &'a str, id: &'a str) -> ScimFuture<'a, Resource> {
        ready(move || {
            let (tk, _) = self.type_key(resource_type)?;
            self.inner.read_tx(|conn| {
                let l = self
                    .load(conn, &tk, id, true)?
                    .ok_or_else(|| self.not_found(resource_type, id))?;
                self.with_groups(conn, l.resource)
            })
        })
    }

    fn replace<'a>(
        &'a self,
        resource_type: &'a str,
        id: &'a str,
        body: &'a Value,
        conditions: &'a Conditions,
    ) -> ScimFuture<'a, Resource> {
        let body = body.clone();
        self.grouped_update(resource_type, id, conditions, move |s, tx, tk, seq, cur| {
            let new = s.scim().replace(cur, &body)?;
            s.check_unique(tx, tk, &s.scim().unique_values(&new), Some(seq))?;
            Ok(new)
        })
    }

    fn patch<'a>(
        &'a self,
        resource_type: &'a str,
        id: &'a str,
        request: &'a PatchRequest,
        conditions: &'a Conditions,
    ) -> ScimFuture<'a, Resource> {
        let request = request.clone();
        self.grouped_update(resource_type, id, conditions, move |s, tx, tk, seq, cur| {
            let mut new = cur.clone();
            s.scim().patch_checked(&mut new, &request, |vals| {
                s.check_unique(tx, tk, vals, Some(seq))
            })?;
            Ok(new)
        })
    }

    fn delete<'a>(
        &'a self,
        resource_type: &'a str,
        id: &'a str,
        conditions: &'a Conditions,
    ) -> ScimFuture<'a, ()> {
        let (resource_type, id, conditions) =
            (resource_type.to_owned(), id.to_owned(), conditions.clone());
        self.grouped(move |me, tx| {
            me.delete_tx(tx, &resource_type, &id, &conditions)?;
            Ok(((), true))
        })
    }

    fn query<'a>(&'a self, resource_type: &'a str, query: &'a ListQuery) -> ScimFuture<'a, Page> {
        ready(move || {
            self.inner
                .read_tx(|conn| self.query_conn(conn, resource_type, query))
        })
    }

    fn is_unique<'a>(
        &'a self,
        resource_type: &'a str,
        value: &'a UniqueValue,
        except: Option<&'a str>,
    ) -> ScimFuture<'a, bool> {
        ready(move || {
            let (tk, _) = self.type_key(resource_type)?;
            self.inner.read(|conn| {
                let except_seq = match except {
                    Some(id) => self.load(conn, &tk, id, false)?.map(|l| l.seq),
                    None => None,
                };
                Ok(self
                    .check_unique(conn, &tk, std::slice::from_ref(value), except_seq)
                    .is_ok())
            })
        })
    }

    fn groups_of<'a>(&'a self, user_id: &'a str) -> ScimFuture<'a, Vec<GroupRef>> {
        ready(move || self.inner.read(|conn| self.groups_of_conn(conn, user_id)))
    }
}

// ---------------------------------------------------------------------------------------------
// Replay cache
// ---------------------------------------------------------------------------------------------

struct SqliteReplayCache {
    inner: Arc<Inner>,
    org: i64,
}

impl fmt::Debug for SqliteReplayCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SqliteReplayCache")
            .field("org", &self.org)
            .finish_non_exhaustive()
    }
}

impl ReplayCache for SqliteReplayCache {
    /// Atomic: the check and the insert are one `BEGIN IMMEDIATE` transaction. A database
    /// error refuses the assertion ([`ReplayRefusal::Full`]): forgetting an id would reopen a
    /// replay window.
    fn check_and_record(
        &self,
        key: &str,
        expires_at: UnixTime,
        now: UnixTime,
    ) -> Result<(), ReplayRefusal> {
        let r: Result<bool, StoreError> = self.inner.write(|tx| {
            let e = db("replay cache");
            let existing: Option<i64> = tx
                .prepare_cached("SELECT expires_at FROM replay WHERE org_id = ? AND key = ?")
                .and_then(|mut s| s.query_row(params![self.org, key], |r| r.get(0)).optional())
                .map_err(&e)?;
            if existing.is_some_and(|x| nanos(now) < x) {
                return Ok(false);
            }
            tx.prepare_cached(
                "INSERT INTO replay(org_id, key, expires_at) VALUES (?, ?, ?) \
                 ON CONFLICT(org_id, key) DO UPDATE SET expires_at = excluded.expires_at",
            )
            .and_then(|mut s| s.execute(params![self.org, key, nanos(expires_at)]))
            .map_err(&e)?;
            Ok(true)
        });
        match r {
            Ok(true) => Ok(()),
            Ok(false) => Err(ReplayRefusal::AlreadyUsed),
            Err(_) => Err(ReplayRefusal::Full),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The Store
// ---------------------------------------------------------------------------------------------

fn settings_row(
    org: i64,
    r: &rusqlite::Row<'_>,
) -> rusqlite::Result<Result<IntegrationSettings, StoreError>> {
    let certs: String = r.get(2)?;
    let hash: Vec<u8> = r.get(4)?;
    let certificates =
        serde_json::from_str::<Vec<String>>(&certs).map_err(|e| StoreError::Corrupt {
            what: "integration settings",
            detail: e.to_string(),
        });
    let token_hash = <[u8; 32]>::try_from(hash.as_slice()).map_err(|_| StoreError::Corrupt {
        what: "integration settings",
        detail: "token hash is not 32 bytes".into(),
    });
    let sso_url: String = r.get(0)?;
    let issuer: String = r.get(1)?;
    let metadata_xml: Option<String> = r.get(3)?;
    let created: i64 = r.get(5)?;
    let updated: i64 = r.get(6)?;
    Ok((|| {
        Ok(IntegrationSettings {
            org: OrgId::new(org),
            idp: IdpSettings {
                sso_url,
                issuer,
                certificates: certificates?,
                metadata_xml,
            },
            token_hash: SecretHash::from_bytes(token_hash?),
            created_at: from_nanos(created),
            updated_at: from_nanos(updated),
        })
    })())
}

fn counts(conn: &Connection, org: i64, from: i64) -> Result<Counts, StoreError> {
    let mut stmt = conn
        .prepare_cached(
            "SELECT state, count(*) FROM changes WHERE org_id = ? AND change_id >= ? GROUP BY state",
        )
        .map_err(db("count changes"))?;
    let rows = stmt
        .query_map(params![org, from], |r| {
            Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?))
        })
        .map_err(db("count changes"))?;
    let mut c = Counts::default();
    for row in rows {
        let (state, n) = row.map_err(db("count changes"))?;
        let n = u64::try_from(n).unwrap_or(0);
        match state {
            PENDING => c.queued = n,
            APPLIED => c.applied = n,
            FAILED => c.failed = n,
            _ => {}
        }
    }
    Ok(c)
}

impl Store for SqliteStore {
    fn create_organization<'a>(
        &'a self,
        slug: &'a OrgSlug,
        display_name: &'a str,
        is_default: bool,
    ) -> StoreFuture<'a, Organization> {
        ready(move || {
            let now = self.inner.now();
            self.inner.write(|tx| {
                let exists: bool = tx
                    .query_row(
                        "SELECT EXISTS (SELECT 1 FROM organizations WHERE slug = ?)",
                        [slug.as_str()],
                        |r| r.get(0),
                    )
                    .map_err(db("create organization"))?;
                if exists {
                    return Err(StoreError::Conflict {
                        what: "organization",
                        value: slug.as_str().to_owned(),
                    });
                }
                if is_default {
                    tx.execute("UPDATE organizations SET is_default = 0 WHERE is_default = 1", [])
                        .map_err(db("create organization"))?;
                }
                tx.execute(
                    "INSERT INTO organizations(slug, display_name, is_default, created_at) VALUES (?, ?, ?, ?)",
                    params![slug.as_str(), display_name, is_default, nanos(now)],
                )
                .map_err(db("create organization"))?;
                Ok(Organization {
                    id: OrgId::new(tx.last_insert_rowid()),
                    slug: slug.clone(),
                    display_name: display_name.to_owned(),
                    is_default,
                    created_at: from_nanos(nanos(now)),
                })
            })
        })
    }

    fn organization_by_slug<'a>(&'a self, slug: &'a str) -> StoreFuture<'a, Option<Organization>> {
        ready(move || {
            self.inner.read(|conn| {
                conn.prepare_cached(&format!(
                    "SELECT {ORG_COLUMNS} FROM organizations WHERE slug = ?"
                ))
                .and_then(|mut s| s.query_row([slug], org_row).optional())
                .map_err(db("read organization"))?
                .map(to_org)
                .transpose()
            })
        })
    }

    fn organization(&self, org: OrgId) -> StoreFuture<'_, Option<Organization>> {
        ready(move || {
            self.inner.read(|conn| {
                conn.prepare_cached(&format!(
                    "SELECT {ORG_COLUMNS} FROM organizations WHERE id = ?"
                ))
                .and_then(|mut s| s.query_row([org.get()], org_row).optional())
                .map_err(db("read organization"))?
                .map(to_org)
                .transpose()
            })
        })
    }

    fn default_organization(&self) -> StoreFuture<'_, Option<Organization>> {
        ready(move || {
            self.inner.read(|conn| {
                conn.prepare_cached(&format!(
                    "SELECT {ORG_COLUMNS} FROM organizations WHERE is_default = 1"
                ))
                .and_then(|mut s| s.query_row([], org_row).optional())
                .map_err(db("read organization"))?
                .map(to_org)
                .transpose()
            })
        })
    }

    fn organizations(&self) -> StoreFuture<'_, Vec<Organization>> {
        ready(move || {
            self.inner.read(|conn| {
                let mut stmt = conn
                    .prepare_cached(&format!(
                        "SELECT {ORG_COLUMNS} FROM organizations ORDER BY slug"
                    ))
                    .map_err(db("list organizations"))?;
                let rows = stmt
                    .query_map([], org_row)
                    .map_err(db("list organizations"))?;
                rows.map(|r| r.map_err(db("list organizations")).and_then(to_org))
                    .collect()
            })
        })
    }

    fn set_default_organization(&self, org: OrgId) -> StoreFuture<'_, ()> {
        ready(move || {
            self.inner.write(|tx| {
                tx.execute(
                    "UPDATE organizations SET is_default = 0 WHERE is_default = 1",
                    [],
                )
                .map_err(db("set default organization"))?;
                let n = tx
                    .execute(
                        "UPDATE organizations SET is_default = 1 WHERE id = ?",
                        [org.get()],
                    )
                    .map_err(db("set default organization"))?;
                if n == 0 {
                    return Err(StoreError::NotFound {
                        what: "organization",
                        key: org.to_string(),
                    });
                }
                Ok(())
            })
        })
    }

    fn integration_settings(&self, org: OrgId) -> StoreFuture<'_, Option<IntegrationSettings>> {
        ready(move || {
            self.inner.read(|conn| {
                conn.prepare_cached(
                    "SELECT sso_url, issuer, certificates, metadata_xml, token_hash, created_at, updated_at \
                     FROM integration_settings WHERE org_id = ?",
                )
                .and_then(|mut s| s.query_row([org.get()], |r| settings_row(org.get(), r)).optional())
                .map_err(db("read integration settings"))?
                .transpose()
            })
        })
    }

    fn save_integration_settings<'a>(
        &'a self,
        org: OrgId,
        idp: &'a IdpSettings,
        token_hash: SecretHash,
    ) -> StoreFuture<'a, IntegrationSettings> {
        ready(move || {
            let now = nanos(self.inner.now());
            let certs =
                serde_json::to_string(&idp.certificates).map_err(|e| StoreError::InvalidInput {
                    what: "certificates",
                    detail: e.to_string(),
                })?;
            self.inner.write(|tx| {
                tx.execute(
                    "INSERT INTO integration_settings(org_id, sso_url, issuer, certificates, metadata_xml, token_hash, created_at, updated_at) \
                     VALUES (?, ?, ?, ?, ?, ?, ?, ?) \
                     ON CONFLICT(org_id) DO UPDATE SET sso_url = excluded.sso_url, issuer = excluded.issuer, \
                     certificates = excluded.certificates, metadata_xml = excluded.metadata_xml, \
                     token_hash = excluded.token_hash, updated_at = excluded.updated_at",
                    params![
                        org.get(),
                        idp.sso_url,
                        idp.issuer,
                        certs,
                        idp.metadata_xml,
                        token_hash.as_bytes().as_slice(),
                        now,
                        now
                    ],
                )
                .map_err(|e| match e {
                    rusqlite::Error::SqliteFailure(f, _)
                        if f.code == rusqlite::ErrorCode::ConstraintViolation =>
                    {
                        StoreError::NotFound {
                            what: "organization",
                            key: org.to_string(),
                        }
                    }
                    other => db("save integration settings")(other),
                })?;
                tx.query_row(
                    "SELECT sso_url, issuer, certificates, metadata_xml, token_hash, created_at, updated_at \
                     FROM integration_settings WHERE org_id = ?",
                    [org.get()],
                    |r| settings_row(org.get(), r),
                )
                .map_err(db("save integration settings"))?
            })
        })
    }

    fn verify_scim_token<'a>(&'a self, org: OrgId, token: &'a str) -> StoreFuture<'a, bool> {
        ready(move || {
            let presented = SecretHash::of(token);
            let stored: Option<Vec<u8>> = self.inner.read(|conn| {
                conn.prepare_cached("SELECT token_hash FROM integration_settings WHERE org_id = ?")
                    .and_then(|mut s| s.query_row([org.get()], |r| r.get(0)).optional())
                    .map_err(db("read SCIM token"))
            })?;
            Ok(stored
                .and_then(|h| <[u8; 32]>::try_from(h.as_slice()).ok())
                .is_some_and(|h| SecretHash::from_bytes(h).ct_eq(&presented)))
        })
    }

    fn resources(&self, org: OrgId) -> Arc<dyn ResourceStore> {
        Arc::new(OrgResources {
            inner: Arc::clone(&self.inner),
            org: org.get(),
        })
    }

    fn sign_in_user<'a>(
        &'a self,
        org: OrgId,
        user_name: &'a str,
    ) -> StoreFuture<'a, Option<SignInUser>> {
        ready(move || {
            let key = self.inner.user_rules.key(Attr::UserName, user_name);
            let row: Option<(String, String, Option<i64>, bool)> = self.inner.read(|conn| {
                conn.prepare_cached(
                    "SELECT id, doc, active, provisioned FROM resources \
                     WHERE org_id = ? AND rtype = 'user' AND user_name_key = ? ORDER BY seq LIMIT 1",
                )
                .and_then(|mut s| {
                    s.query_row(params![org.get(), key], |r| {
                        Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
                    })
                    .optional()
                })
                .map_err(db("read user for sign-in"))
            })?;
            Ok(row.map(|(id, doc, active, provisioned)| {
                let stored_name = serde_json::from_str::<Value>(&doc)
                    .ok()
                    .and_then(|d| {
                        d.get("attributes")
                            .and_then(|a| a.get("userName"))
                            .and_then(Value::as_str)
                            .map(str::to_owned)
                    })
                    .unwrap_or_else(|| user_name.to_owned());
                SignInUser {
                    id,
                    user_name: stored_name,
                    active: active != Some(0),
                    provisioned,
                }
            }))
        })
    }

    fn create_session<'a>(&'a self, org: OrgId, session: &'a NewSession) -> StoreFuture<'a, ()> {
        ready(move || {
            self.inner.write(|tx| {
                let exists: bool = tx
                    .prepare_cached(
                        "SELECT EXISTS (SELECT 1 FROM resources WHERE org_id = ? AND rtype = 'user' AND id = ?)",
                    )
                    .and_then(|mut s| s.query_row(params![org.get(), session.user_id], |r| r.get(0)))
                    .map_err(db("create session"))?;
                if !exists {
                    return Err(StoreError::NotFound {
                        what: "user",
                        key: session.user_id.clone(),
                    });
                }
                tx.prepare_cached(
                    "INSERT INTO sessions(id_hash, org_id, user_id, user_name, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)",
                )
                .and_then(|mut s| {
                    s.execute(params![
                        session.id_hash.as_bytes().as_slice(),
                        org.get(),
                        session.user_id,
                        session.user_name,
                        nanos(session.created_at),
                        nanos(session.expires_at)
                    ])
                })
                .map_err(db("create session"))?;
                Ok(())
            })
        })
    }

    fn session(
        &self,
        org: OrgId,
        id_hash: SecretHash,
        now: UnixTime,
    ) -> StoreFuture<'_, Option<Session>> {
        ready(move || {
            let row: Option<(Vec<u8>, String, String, i64, i64)> = self.inner.read(|conn| {
                conn.prepare_cached(
                    "SELECT s.id_hash, s.user_id, s.user_name, s.created_at, s.expires_at FROM sessions s \
                     JOIN resources u ON u.org_id = s.org_id AND u.rtype = 'user' AND u.id = s.user_id \
                     WHERE s.id_hash = ? AND s.org_id = ? AND s.expires_at > ? AND u.active IS NOT 0",
                )
                .and_then(|mut s| {
                    s.query_row(
                        params![id_hash.as_bytes().as_slice(), org.get(), nanos(now)],
                        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
                    )
                    .optional()
                })
                .map_err(db("read session"))
            })?;
            Ok(
                row.and_then(|(stored, user_id, user_name, created, expires)| {
                    // The lookup was by primary key; compare the bytes once more in constant time.
                    let stored = <[u8; 32]>::try_from(stored.as_slice()).ok()?;
                    SecretHash::from_bytes(stored)
                        .ct_eq(&id_hash)
                        .then(|| Session {
                            org,
                            user_id,
                            user_name,
                            created_at: from_nanos(created),
                            expires_at: from_nanos(expires),
                        })
                }),
            )
        })
    }

    fn revoke_session(&self, org: OrgId, id_hash: SecretHash) -> StoreFuture<'_, ()> {
        ready(move || {
            self.inner.write(|tx| {
                tx.execute(
                    "DELETE FROM sessions WHERE id_hash = ? AND org_id = ?",
                    params![id_hash.as_bytes().as_slice(), org.get()],
                )
                .map_err(db("revoke session"))?;
                Ok(())
            })
        })
    }

    fn revoke_user_sessions<'a>(&'a self, org: OrgId, user_id: &'a str) -> StoreFuture<'a, u64> {
        ready(move || {
            self.inner.write(|tx| {
                let n = tx
                    .execute(
                        "DELETE FROM sessions WHERE org_id = ? AND user_id = ?",
                        params![org.get(), user_id],
                    )
                    .map_err(db("revoke sessions"))?;
                Ok(u64::try_from(n).unwrap_or(0))
            })
        })
    }

    fn save_request_state<'a>(
        &'a self,
        org: OrgId,
        state: &'a RequestState,
    ) -> StoreFuture<'a, ()> {
        ready(move || {
            self.inner.write(|tx| {
                tx.execute(
                    "INSERT INTO request_states(org_id, request_id, relay_state, created_at, expires_at) VALUES (?, ?, ?, ?, ?)",
                    params![
                        org.get(),
                        state.request_id,
                        state.relay_state,
                        nanos(state.created_at),
                        nanos(state.expires_at)
                    ],
                )
                .map_err(|e| match e {
                    rusqlite::Error::SqliteFailure(f, _)
                        if f.code == rusqlite::ErrorCode::ConstraintViolation =>
                    {
                        StoreError::Conflict {
                            what: "request id",
                            value: state.request_id.clone(),
                        }
                    }
                    other => db("save request state")(other),
                })?;
                Ok(())
            })
        })
    }

    fn take_request_state<'a>(
        &'a self,
        org: OrgId,
        request_id: &'a str,
        now: UnixTime,
    ) -> StoreFuture<'a, Option<RequestState>> {
        ready(move || {
            let row: Option<(Option<String>, i64, i64)> = self.inner.write(|tx| {
                tx.query_row(
                    "DELETE FROM request_states WHERE org_id = ? AND request_id = ? \
                     RETURNING relay_state, created_at, expires_at",
                    params![org.get(), request_id],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                )
                .optional()
                .map_err(db("take request state"))
            })?;
            Ok(row.and_then(|(relay_state, created, expires)| {
                (nanos(now) < expires).then(|| RequestState {
                    request_id: request_id.to_owned(),
                    relay_state,
                    created_at: from_nanos(created),
                    expires_at: from_nanos(expires),
                })
            }))
        })
    }

    fn replay_cache(&self, org: OrgId) -> Arc<dyn ReplayCache> {
        Arc::new(SqliteReplayCache {
            inner: Arc::clone(&self.inner),
            org: org.get(),
        })
    }

    fn purge_expired(&self, now: UnixTime) -> StoreFuture<'_, u64> {
        ready(move || {
            let t = nanos(now);
            self.inner.write(|tx| {
                let mut n = 0_usize;
                for sql in [
                    "DELETE FROM sessions WHERE expires_at <= ?",
                    "DELETE FROM request_states WHERE expires_at <= ?",
                    "DELETE FROM replay WHERE expires_at <= ?",
                ] {
                    n = n.saturating_add(tx.execute(sql, [t]).map_err(db("purge expired"))?);
                }
                Ok(u64::try_from(n).unwrap_or(u64::MAX))
            })
        })
    }

    fn append_audit<'a>(&'a self, org: OrgId, event: &'a AuditEvent) -> StoreFuture<'a, ()> {
        ready(move || self.inner.write(|tx| append_audit_tx(tx, org.get(), event)))
    }

    fn audit_log<'a>(&'a self, org: OrgId, query: &'a AuditQuery) -> StoreFuture<'a, AuditPage> {
        ready(move || {
            let limit = query.limit.min(AuditQuery::MAX_LIMIT);
            let fetch = i64::try_from(limit).unwrap_or(i64::MAX).saturating_add(1);
            let before = query.before.unwrap_or(i64::MAX);
            let kind = query.kind.map(AuditKind::as_str);
            self.inner.read(|conn| {
                let mut stmt = conn
                    .prepare_cached(
                        "SELECT seq, at, kind, action, actor, subject, detail FROM audit \
                         WHERE org_id = ? AND seq < ? AND (?3 IS NULL OR kind = ?3) ORDER BY seq DESC LIMIT ?",
                    )
                    .map_err(db("read audit log"))?;
                let rows = stmt
                    .query_map(params![org.get(), before, kind, fetch], |r| {
                        Ok((
                            r.get::<_, i64>(0)?,
                            r.get::<_, i64>(1)?,
                            r.get::<_, String>(2)?,
                            r.get::<_, String>(3)?,
                            r.get::<_, Option<String>>(4)?,
                            r.get::<_, Option<String>>(5)?,
                            r.get::<_, String>(6)?,
                        ))
                    })
                    .map_err(db("read audit log"))?;
                let mut records = Vec::new();
                for row in rows {
                    let (seq, at, kind, action, actor, subject, detail) =
                        row.map_err(db("read audit log"))?;
                    records.push(AuditRecord {
                        seq,
                        event: AuditEvent {
                            at: from_nanos(at),
                            kind: AuditKind::parse(&kind).unwrap_or(AuditKind::Other),
                            action,
                            actor,
                            subject,
                            detail,
                        },
                    });
                }
                let next_before = if records.len() > limit {
                    records.truncate(limit);
                    records.last().map(|r| r.seq)
                } else {
                    None
                };
                Ok(AuditPage {
                    records,
                    next_before,
                })
            })
        })
    }

    fn change_signal(&self) -> ChangeSignal {
        self.inner.signal.clone()
    }

    fn claim_batch(
        &self,
        max: usize,
        lease: Duration,
        now: UnixTime,
    ) -> StoreFuture<'_, Option<ClaimedBatch>> {
        ready(move || {
            let t = nanos(now);
            let until = now.saturating_add(lease);
            self.inner.write(|tx| {
                let e = db("claim changes");
                // The oldest due head of an organization's queue whose organization holds no
                // live lease (one batch per organization at a time keeps changes in order).
                let org: Option<i64> = tx
                    .prepare_cached(
                        "SELECT h.org_id FROM \
                           (SELECT org_id, min(change_id) AS head FROM changes WHERE state = 0 GROUP BY org_id) h \
                         JOIN changes c ON c.change_id = h.head \
                         JOIN organizations o ON o.id = h.org_id \
                         WHERE c.next_attempt_at <= ?1 AND o.lease_until <= ?1 \
                         ORDER BY h.head LIMIT 1",
                    )
                    .and_then(|mut s| s.query_row([t], |r| r.get(0)).optional())
                    .map_err(&e)?;
                let Some(org) = org else {
                    return Ok(None);
                };
                let limit = i64::try_from(max.max(1)).unwrap_or(i64::MAX);
                let rows: Vec<(i64, String, String, i64, i64)> = {
                    let mut stmt = tx
                        .prepare_cached(
                            "SELECT change_id, kind, payload, queued_at, attempts FROM changes \
                             WHERE org_id = ? AND state = 0 ORDER BY change_id LIMIT ?",
                        )
                        .map_err(&e)?;
                    let rows = stmt
                        .query_map(params![org, limit], |r| {
                            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
                        })
                        .map_err(&e)?;
                    rows.collect::<Result<_, _>>().map_err(&e)?
                };
                let mut changes = Vec::with_capacity(rows.len());
                let mut last = i64::MIN;
                for (id, kind, payload, queued, attempts) in rows {
                    let kind = ChangeKind::parse(&kind).ok_or_else(|| StoreError::Corrupt {
                        what: "provisioning change",
                        detail: format!("unknown kind '{kind}'"),
                    })?;
                    let payload: Value = serde_json::from_str(&payload).map_err(|err| {
                        StoreError::Corrupt {
                            what: "provisioning change",
                            detail: err.to_string(),
                        }
                    })?;
                    changes.push(Change {
                        id: ChangeId::new(id),
                        org: OrgId::new(org),
                        event: ProvisionEvent::from_payload(kind, &payload)?,
                        queued_at: from_nanos(queued),
                        attempts: u32::try_from(attempts).unwrap_or(u32::MAX),
                    });
                    last = id;
                }
                tx.prepare_cached(
                    "UPDATE changes SET lease_until = ? WHERE org_id = ? AND state = 0 AND change_id <= ?",
                )
                .and_then(|mut s| s.execute(params![nanos(until), org, last]))
                .map_err(&e)?;
                tx.prepare_cached("UPDATE organizations SET lease_until = ? WHERE id = ?")
                    .and_then(|mut s| s.execute(params![nanos(until), org]))
                    .map_err(&e)?;
                Ok(Some(ClaimedBatch {
                    org: OrgId::new(org),
                    changes,
                    lease_until: until,
                }))
            })
        })
    }

    fn release_leases(&self) -> StoreFuture<'_, u64> {
        ready(move || {
            self.inner.write(|tx| {
                let e = db("release leases");
                tx.execute(
                    "UPDATE changes SET lease_until = 0 WHERE state = 0 AND lease_until > 0",
                    [],
                )
                .map_err(&e)?;
                let n = tx
                    .execute(
                        "UPDATE organizations SET lease_until = 0 WHERE lease_until > 0",
                        [],
                    )
                    .map_err(&e)?;
                Ok(u64::try_from(n).unwrap_or(0))
            })
        })
    }

    fn complete_changes<'a>(
        &'a self,
        org: OrgId,
        changes: &'a [ChangeId],
        now: UnixTime,
    ) -> StoreFuture<'a, ()> {
        ready(move || {
            self.inner.write(|tx| {
                let e = db("complete changes");
                let mut done = tx
                    .prepare_cached(
                        "UPDATE changes SET state = 1, done_at = ?, lease_until = 0, last_error = NULL \
                         WHERE change_id = ? AND org_id = ? AND state = 0 RETURNING kind, resource_id",
                    )
                    .map_err(&e)?;
                let mut prov = tx
                    .prepare_cached(
                        "UPDATE resources SET provisioned = 1 WHERE org_id = ? AND rtype = 'user' AND id = ?",
                    )
                    .map_err(&e)?;
                for id in changes {
                    let row: Option<(String, String)> = done
                        .query_row(params![nanos(now), id.get(), org.get()], |r| {
                            Ok((r.get(0)?, r.get(1)?))
                        })
                        .optional()
                        .map_err(&e)?;
                    if let Some((kind, resource)) = row {
                        if kind == ChangeKind::UserCreated.as_str() {
                            prov.execute(params![org.get(), resource]).map_err(&e)?;
                        }
                    }
                }
                // The organization's batch is settled: its queue may be claimed again.
                tx.prepare_cached("UPDATE organizations SET lease_until = 0 WHERE id = ?")
                    .and_then(|mut s| s.execute([org.get()]))
                    .map_err(&e)?;
                Ok(())
            })
        })
    }

    fn record_failure<'a>(
        &'a self,
        org: OrgId,
        change: ChangeId,
        reason: &'a str,
        retry_at: Option<UnixTime>,
        release: &'a [ChangeId],
        now: UnixTime,
    ) -> StoreFuture<'a, ()> {
        ready(move || {
            self.inner.write(|tx| {
                let e = db("record provisioning failure");
                match retry_at {
                    Some(at) => tx.execute(
                        "UPDATE changes SET attempts = attempts + 1, last_error = ?, next_attempt_at = ?, lease_until = 0 \
                         WHERE change_id = ? AND org_id = ? AND state = 0",
                        params![reason, nanos(at), change.get(), org.get()],
                    ),
                    None => tx.execute(
                        "UPDATE changes SET attempts = attempts + 1, last_error = ?, state = 2, done_at = ?, lease_until = 0 \
                         WHERE change_id = ? AND org_id = ? AND state = 0",
                        params![reason, nanos(now), change.get(), org.get()],
                    ),
                }
                .map_err(&e)?;
                let mut rel = tx
                    .prepare_cached(
                        "UPDATE changes SET lease_until = 0 WHERE change_id = ? AND org_id = ? AND state = 0",
                    )
                    .map_err(&e)?;
                for id in release {
                    rel.execute(params![id.get(), org.get()]).map_err(&e)?;
                }
                // The organization's batch is settled: its queue may be claimed again.
                tx.prepare_cached("UPDATE organizations SET lease_until = 0 WHERE id = ?")
                    .and_then(|mut s| s.execute([org.get()]))
                    .map_err(&e)?;
                Ok(())
            })
        })
    }

    fn progress(&self, org: OrgId) -> StoreFuture<'_, Progress> {
        ready(move || {
            self.inner.read_tx(|conn| {
                let (push_start, started): (Option<i64>, Option<i64>) = conn
                    .prepare_cached("SELECT push_start, push_started_at FROM organizations WHERE id = ?")
                    .and_then(|mut s| s.query_row([org.get()], |r| Ok((r.get(0)?, r.get(1)?))).optional())
                    .map_err(db("read progress"))?
                    .unwrap_or((None, None));
                let total = counts(conn, org.get(), i64::MIN)?;
                let current_push = match push_start {
                    Some(from) => counts(conn, org.get(), from)?,
                    None => Counts::default(),
                };
                let (retrying, last_error): (i64, Option<String>) = conn
                    .prepare_cached(
                        "SELECT count(*), (SELECT last_error FROM changes WHERE org_id = ?1 AND state = 0 AND attempts > 0 \
                         ORDER BY change_id LIMIT 1) FROM changes WHERE org_id = ?1 AND state = 0 AND attempts > 0",
                    )
                    .and_then(|mut s| s.query_row([org.get()], |r| Ok((r.get(0)?, r.get(1)?))))
                    .map_err(db("read progress"))?;
                Ok(Progress {
                    current_push,
                    push_started_at: started.map(from_nanos),
                    total,
                    retrying: u64::try_from(retrying).unwrap_or(0),
                    last_error,
                })
            })
        })
    }

    fn failed_changes(&self, org: OrgId, limit: usize) -> StoreFuture<'_, Vec<FailedChange>> {
        ready(move || {
            self.inner.read(|conn| {
                let mut stmt = conn
                    .prepare_cached(
                        "SELECT change_id, kind, resource_id, attempts, last_error, done_at FROM changes \
                         WHERE org_id = ? AND state = 2 ORDER BY change_id DESC LIMIT ?",
                    )
                    .map_err(db("read failed changes"))?;
                let rows = stmt
                    .query_map(
                        params![org.get(), i64::try_from(limit).unwrap_or(i64::MAX)],
                        |r| {
                            Ok((
                                r.get::<_, i64>(0)?,
                                r.get::<_, String>(1)?,
                                r.get::<_, String>(2)?,
                                r.get::<_, i64>(3)?,
                                r.get::<_, Option<String>>(4)?,
                                r.get::<_, Option<i64>>(5)?,
                            ))
                        },
                    )
                    .map_err(db("read failed changes"))?;
                let mut out = Vec::new();
                for row in rows {
                    let (id, kind, resource_id, attempts, reason, at) =
                        row.map_err(db("read failed changes"))?;
                    out.push(FailedChange {
                        id: ChangeId::new(id),
                        kind: ChangeKind::parse(&kind).ok_or_else(|| StoreError::Corrupt {
                            what: "provisioning change",
                            detail: format!("unknown kind '{kind}'"),
                        })?,
                        resource_id,
                        attempts: u32::try_from(attempts).unwrap_or(u32::MAX),
                        reason: reason.unwrap_or_default(),
                        failed_at: from_nanos(at.unwrap_or(0)),
                    });
                }
                Ok(out)
            })
        })
    }

    fn retry_failed(&self, org: OrgId, now: UnixTime) -> StoreFuture<'_, u64> {
        ready(move || {
            let n = self.inner.write(|tx| {
                let n = tx
                    .execute(
                        "UPDATE changes SET state = 0, attempts = 0, next_attempt_at = ?, lease_until = 0, done_at = NULL \
                         WHERE org_id = ? AND state = 2",
                        params![nanos(now), org.get()],
                    )
                    .map_err(db("retry failed changes"))?;
                Ok::<_, StoreError>(u64::try_from(n).unwrap_or(0))
            })?;
            if n > 0 {
                self.inner.signal.notify();
            }
            Ok(n)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use scim_core::ids::SequentialIds;
    use scim_core::query::ListQuery;
    use scim_core::time::{FixedClock, Timestamp};
    use std::future::Future;
    use std::task::{Context, Poll, Waker};

    fn block_on<F: Future>(f: F) -> F::Output {
        let mut f = std::pin::pin!(f);
        let mut cx = Context::from_waker(Waker::noop());
        loop {
            if let Poll::Ready(v) = f.as_mut().poll(&mut cx) {
                return v;
            }
            std::thread::yield_now();
        }
    }

    /// Statements come from the cache, which clears their bindings between uses; a plan that
    /// depended on bound values would be re-prepared on every use (it was, for organization 1).
    #[test]
    fn cached_statements_are_not_re_prepared_between_uses() {
        let dir = std::env::temp_dir().join(format!("okta-sqlite-qpsg-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let clock = Arc::new(FixedClock::new(
            Timestamp::from_unix_seconds(1_800_000_000).unwrap(),
        ));
        let scim = Arc::new(Scim::new(clock, Arc::new(SequentialIds::new("u"))));
        let store = SqliteStore::open(
            dir.join("store.db"),
            Arc::clone(&scim),
            Arc::new(saml_sp::time::SystemTimeProvider),
        )
        .unwrap();
        let slug = OrgSlug::try_from("acme").unwrap();
        let org = block_on(store.create_organization(&slug, "Acme", true)).unwrap();
        assert_eq!(org.id.get(), 1);
        let res = store.resources(org.id);
        for name in ["a@example.com", "b@example.com"] {
            let user = scim
                .create("User", &json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": name}))
                .unwrap();
            block_on(res.create(user)).unwrap();
        }
        for i in 0..20 {
            let filter = format!("userName eq \"{}@example.com\"", ["a", "b"][i % 2]);
            let q = ListQuery::from_params([("filter", filter.as_str())], true).unwrap();
            assert_eq!(block_on(res.query("User", &q)).unwrap().total_results, 1);
        }
        let mut executions = 0;
        for reader in &store.inner.readers {
            let conn = lock(reader);
            let stmt = conn.prepare_cached(USER_NAME_LOOKUP_SQL).unwrap();
            assert_eq!(stmt.get_status(rusqlite::StatementStatus::RePrepare), 0);
            executions += stmt.get_status(rusqlite::StatementStatus::Run);
        }
        assert_eq!(executions, 20);
        drop(store);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
