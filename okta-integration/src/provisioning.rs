//! Asynchronous, batched provisioning: the queue's types, the host's [`Provisioner`] trait and
//! the [`Worker`] future that delivers queued changes to it.
//!
//! Every accepted SCIM write commits the resource and one or more [`Change`]s in one
//! transaction (see [`crate::store`]). The worker, a future the host spawns on its own runtime
//! (the library owns none), leases a batch of one organization's changes in change-id order,
//! hands it to the [`Provisioner`], and marks it applied. Delivery is **at least once**: a
//! crash between the host's commit and the acknowledgement, or a lease that expires, delivers
//! the same changes again with the same [`ChangeId`]s.
//!
//! # Exactly once, with the host's help
//!
//! The host records the ids it applied **in the same transaction as the effect** and skips ids
//! it has already seen. With SQL, a table `applied_changes(change_id INTEGER PRIMARY KEY)` and
//! an `INSERT OR IGNORE` (PostgreSQL: `ON CONFLICT DO NOTHING`) whose row count is checked
//! before applying the effect is enough. Then each change takes effect exactly once.
//!
//! A host that runs the only worker on its store calls
//! [`Store::release_leases`] at startup, so a batch leased
//! by a process that crashed is delivered again at once rather than after its lease.
//!
//! # Failures
//!
//! A failed batch is retried with exponential backoff ([`WorkerConfig`]); the organization's
//! later changes wait, so changes of one resource are never applied out of order. After
//! [`WorkerConfig::max_attempts`] (or at once for [`ProvisionError::Rejected`]) the change is
//! marked failed with its reason, visible through [`Store::failed_changes`] and
//! [`Store::progress`], and the queue moves on.
//!
//! ```no_run
//! # use std::sync::Arc;
//! # use okta_integration::provisioning::*;
//! # use okta_integration::store::Store;
//! # fn demo(store: Arc<dyn Store>, provisioner: Arc<dyn Provisioner>,
//! #         clock: Arc<dyn saml_sp::time::TimeProvider>) {
//! // The host's timer (here tokio's): the worker waits with it between polls and retries.
//! let worker = Worker::new(store, provisioner, clock, tokio::time::sleep, WorkerConfig::default());
//! let stop = worker.stop_handle();
//! let task = worker.run(); // spawn this future on the host's runtime
//! // ... on shutdown: stop.stop(); then await the task: it returns after the in-flight batch.
//! # drop(task);
//! # }
//! ```

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use saml_sp::time::{TimeProvider, UnixTime};
use serde_json::{Map, Value, json};

use crate::store::{OrgId, Store, StoreError};

/// A change's position in the queue: unique across organizations and increasing, so the host
/// can use it as an idempotency key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ChangeId(i64);

impl ChangeId {
    /// Wraps a stored id.
    pub const fn new(id: i64) -> Self {
        Self(id)
    }

    /// The integer.
    pub const fn get(self) -> i64 {
        self.0
    }
}

impl fmt::Display for ChangeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// The kind of a queued change.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ChangeKind {
    /// A user was created.
    UserCreated,
    /// A user's attributes changed (still active).
    UserUpdated,
    /// A user became inactive (`active: false`).
    UserDeactivated,
    /// A user became active again.
    UserReactivated,
    /// A user was deleted.
    UserDeleted,
    /// A group was created.
    GroupCreated,
    /// A group's `displayName` changed.
    GroupRenamed,
    /// A group was deleted.
    GroupDeleted,
    /// A member was added to a group.
    MemberAdded,
    /// A member was removed from a group.
    MemberRemoved,
}

impl ChangeKind {
    /// Every kind.
    pub const ALL: [Self; 10] = [
        Self::UserCreated,
        Self::UserUpdated,
        Self::UserDeactivated,
        Self::UserReactivated,
        Self::UserDeleted,
        Self::GroupCreated,
        Self::GroupRenamed,
        Self::GroupDeleted,
        Self::MemberAdded,
        Self::MemberRemoved,
    ];

    /// The stored name, e.g. `"user.deactivated"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::UserCreated => "user.created",
            Self::UserUpdated => "user.updated",
            Self::UserDeactivated => "user.deactivated",
            Self::UserReactivated => "user.reactivated",
            Self::UserDeleted => "user.deleted",
            Self::GroupCreated => "group.created",
            Self::GroupRenamed => "group.renamed",
            Self::GroupDeleted => "group.deleted",
            Self::MemberAdded => "member.added",
            Self::MemberRemoved => "member.removed",
        }
    }

    /// Parses a stored name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

impl fmt::Display for ChangeKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A user as it is after a change: the fields applications usually map, plus the whole SCIM
/// representation (without write-only attributes such as `password`).
#[derive(Debug, Clone, PartialEq)]
pub struct UserSnapshot {
    /// SCIM id.
    pub id: String,
    /// `userName` (Okta: the email), case preserved.
    pub user_name: String,
    /// `externalId` (Okta: the `00u…` user id).
    pub external_id: Option<String>,
    /// `displayName`.
    pub display_name: Option<String>,
    /// `name.givenName`.
    pub given_name: Option<String>,
    /// `name.familyName`.
    pub family_name: Option<String>,
    /// The primary email's value (else the first).
    pub email: Option<String>,
    /// `active` (absent counts as active).
    pub active: bool,
    /// The full SCIM representation.
    pub resource: Value,
}

/// What the host application is asked to do.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq)]
pub enum ProvisionEvent {
    /// Create the user.
    UserCreated(UserSnapshot),
    /// Update the user's attributes.
    UserUpdated(UserSnapshot),
    /// Deactivate the user (the snapshot carries the other attributes too). Sign-in and
    /// sessions were already stopped by the SCIM write itself.
    UserDeactivated(UserSnapshot),
    /// Reactivate the user (with the current attributes).
    UserReactivated(UserSnapshot),
    /// Delete the user and their memberships.
    UserDeleted {
        /// SCIM id.
        user_id: String,
        /// `userName` it had.
        user_name: Option<String>,
    },
    /// Create the group.
    GroupCreated {
        /// SCIM id.
        group_id: String,
        /// `displayName`.
        display_name: String,
        /// `externalId`.
        external_id: Option<String>,
    },
    /// Rename the group.
    GroupRenamed {
        /// SCIM id.
        group_id: String,
        /// The new `displayName`.
        display_name: String,
        /// The previous `displayName`.
        previous: Option<String>,
    },
    /// Delete the group and its memberships.
    GroupDeleted {
        /// SCIM id.
        group_id: String,
        /// `displayName` it had.
        display_name: Option<String>,
    },
    /// Add a member (a user id, as sent by the IdP) to a group.
    MemberAdded {
        /// SCIM id of the group.
        group_id: String,
        /// The member's `value` (a user's SCIM id).
        member_id: String,
    },
    /// Remove a member from a group.
    MemberRemoved {
        /// SCIM id of the group.
        group_id: String,
        /// The member's `value`.
        member_id: String,
    },
}

impl ProvisionEvent {
    /// The kind.
    pub fn kind(&self) -> ChangeKind {
        match self {
            Self::UserCreated(_) => ChangeKind::UserCreated,
            Self::UserUpdated(_) => ChangeKind::UserUpdated,
            Self::UserDeactivated(_) => ChangeKind::UserDeactivated,
            Self::UserReactivated(_) => ChangeKind::UserReactivated,
            Self::UserDeleted { .. } => ChangeKind::UserDeleted,
            Self::GroupCreated { .. } => ChangeKind::GroupCreated,
            Self::GroupRenamed { .. } => ChangeKind::GroupRenamed,
            Self::GroupDeleted { .. } => ChangeKind::GroupDeleted,
            Self::MemberAdded { .. } => ChangeKind::MemberAdded,
            Self::MemberRemoved { .. } => ChangeKind::MemberRemoved,
        }
    }

    /// The SCIM id of the resource the change is about (the group for membership changes).
    pub fn resource_id(&self) -> &str {
        match self {
            Self::UserCreated(u)
            | Self::UserUpdated(u)
            | Self::UserDeactivated(u)
            | Self::UserReactivated(u) => &u.id,
            Self::UserDeleted { user_id, .. } => user_id,
            Self::GroupCreated { group_id, .. }
            | Self::GroupRenamed { group_id, .. }
            | Self::GroupDeleted { group_id, .. }
            | Self::MemberAdded { group_id, .. }
            | Self::MemberRemoved { group_id, .. } => group_id,
        }
    }

    /// The JSON a store keeps for this event, read back by [`ProvisionEvent::from_payload`]
    /// (a host's own [`Store`] can keep queue entries in this form too).
    ///
    /// ```
    /// use okta_integration::provisioning::ProvisionEvent;
    ///
    /// let event = ProvisionEvent::MemberAdded {
    ///     group_id: "g1".to_owned(),
    ///     member_id: "u1".to_owned(),
    /// };
    /// let payload = event.to_payload();
    /// assert_eq!(payload, serde_json::json!({"id": "g1", "member": "u1"}));
    /// assert_eq!(ProvisionEvent::from_payload(event.kind(), &payload)?, event);
    /// # Ok::<(), okta_integration::store::StoreError>(())
    /// ```
    pub fn to_payload(&self) -> Value {
        let user = |u: &UserSnapshot| {
            json!({
                "id": u.id, "userName": u.user_name, "externalId": u.external_id,
                "displayName": u.display_name, "givenName": u.given_name,
                "familyName": u.family_name, "email": u.email, "active": u.active,
                "resource": u.resource,
            })
        };
        match self {
            Self::UserCreated(u)
            | Self::UserUpdated(u)
            | Self::UserDeactivated(u)
            | Self::UserReactivated(u) => user(u),
            Self::UserDeleted { user_id, user_name } => {
                json!({"id": user_id, "userName": user_name})
            }
            Self::GroupCreated {
                group_id,
                display_name,
                external_id,
            } => json!({"id": group_id, "displayName": display_name, "externalId": external_id}),
            Self::GroupRenamed {
                group_id,
                display_name,
                previous,
            } => json!({"id": group_id, "displayName": display_name, "previous": previous}),
            Self::GroupDeleted {
                group_id,
                display_name,
            } => json!({"id": group_id, "displayName": display_name}),
            Self::MemberAdded {
                group_id,
                member_id,
            }
            | Self::MemberRemoved {
                group_id,
                member_id,
            } => json!({"id": group_id, "member": member_id}),
        }
    }

    /// Reads back a payload written by [`ProvisionEvent::to_payload`] for an event of `kind`;
    /// a missing or mistyped field is [`StoreError::Corrupt`].
    pub fn from_payload(kind: ChangeKind, p: &Value) -> Result<Self, StoreError> {
        let bad = |field: &str| StoreError::Corrupt {
            what: "provisioning change",
            detail: format!("{kind}: missing or invalid '{field}'"),
        };
        let s = |k: &str| p.get(k).and_then(Value::as_str).map(str::to_owned);
        let req = |k: &str| s(k).ok_or_else(|| bad(k));
        let user = || -> Result<UserSnapshot, StoreError> {
            Ok(UserSnapshot {
                id: req("id")?,
                user_name: req("userName")?,
                external_id: s("externalId"),
                display_name: s("displayName"),
                given_name: s("givenName"),
                family_name: s("familyName"),
                email: s("email"),
                active: p
                    .get("active")
                    .and_then(Value::as_bool)
                    .ok_or_else(|| bad("active"))?,
                resource: p.get("resource").cloned().unwrap_or(Value::Null),
            })
        };
        Ok(match kind {
            ChangeKind::UserCreated => Self::UserCreated(user()?),
            ChangeKind::UserUpdated => Self::UserUpdated(user()?),
            ChangeKind::UserDeactivated => Self::UserDeactivated(user()?),
            ChangeKind::UserReactivated => Self::UserReactivated(user()?),
            ChangeKind::UserDeleted => Self::UserDeleted {
                user_id: req("id")?,
                user_name: s("userName"),
            },
            ChangeKind::GroupCreated => Self::GroupCreated {
                group_id: req("id")?,
                display_name: req("displayName")?,
                external_id: s("externalId"),
            },
            ChangeKind::GroupRenamed => Self::GroupRenamed {
                group_id: req("id")?,
                display_name: req("displayName")?,
                previous: s("previous"),
            },
            ChangeKind::GroupDeleted => Self::GroupDeleted {
                group_id: req("id")?,
                display_name: s("displayName"),
            },
            ChangeKind::MemberAdded => Self::MemberAdded {
                group_id: req("id")?,
                member_id: req("member")?,
            },
            ChangeKind::MemberRemoved => Self::MemberRemoved {
                group_id: req("id")?,
                member_id: req("member")?,
            },
        })
    }
}

/// The snapshot of a user as scim-core renders it (its JSON representation), for the user
/// events a store queues: names, the primary (else first) email, `active`, and the whole
/// rendered resource.
pub fn user_snapshot(rendered: Value) -> UserSnapshot {
    let s = |v: Option<&Value>| v.and_then(Value::as_str).map(str::to_owned);
    let o: &Map<String, Value> = match rendered.as_object() {
        Some(o) => o,
        None => &Map::new(),
    };
    let get_ci = |name: &str| {
        o.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    };
    let name = get_ci("name");
    let email = get_ci("emails").and_then(Value::as_array).and_then(|list| {
        list.iter()
            .find(|e| e.get("primary") == Some(&Value::Bool(true)))
            .or_else(|| list.first())
            .and_then(|e| e.get("value"))
            .and_then(Value::as_str)
            .map(str::to_owned)
    });
    let snap = UserSnapshot {
        id: s(get_ci("id")).unwrap_or_default(),
        user_name: s(get_ci("userName")).unwrap_or_default(),
        external_id: s(get_ci("externalId")),
        display_name: s(get_ci("displayName")),
        given_name: s(name.and_then(|n| n.get("givenName"))),
        family_name: s(name.and_then(|n| n.get("familyName"))),
        email,
        active: get_ci("active").and_then(Value::as_bool).unwrap_or(true),
        resource: Value::Null,
    };
    UserSnapshot {
        resource: rendered,
        ..snap
    }
}

/// One queued change as delivered to the [`Provisioner`].
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    /// Idempotency key.
    pub id: ChangeId,
    /// The organization.
    pub org: OrgId,
    /// What to do.
    pub event: ProvisionEvent,
    /// When the SCIM write committed.
    pub queued_at: UnixTime,
    /// Earlier failed deliveries.
    pub attempts: u32,
}

/// A leased batch: changes of one organization in change-id order.
#[derive(Debug, Clone, PartialEq)]
pub struct ClaimedBatch {
    /// The organization.
    pub org: OrgId,
    /// The changes.
    pub changes: Vec<Change>,
    /// The lease ends here; unacknowledged changes are delivered again afterwards.
    pub lease_until: UnixTime,
}

/// Change counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Counts {
    /// Waiting (or being delivered, or waiting for a retry).
    pub queued: u64,
    /// Applied by the host application.
    pub applied: u64,
    /// Failed for good.
    pub failed: u64,
}

/// Provisioning progress of one organization.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Progress {
    /// The current push: the changes queued since the queue was last empty.
    pub current_push: Counts,
    /// When the current push started (`None` before the first change).
    pub push_started_at: Option<UnixTime>,
    /// Every change ever queued for the organization.
    pub total: Counts,
    /// Queued changes that have failed at least once and wait for a retry.
    pub retrying: u64,
    /// The reason of the most recent failed delivery, if any change is retrying.
    pub last_error: Option<String>,
}

/// A change that failed for good.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FailedChange {
    /// The change.
    pub id: ChangeId,
    /// Its kind.
    pub kind: ChangeKind,
    /// The resource it was about.
    pub resource_id: String,
    /// Deliveries tried.
    pub attempts: u32,
    /// The reason the host gave last.
    pub reason: String,
    /// When it was given up.
    pub failed_at: UnixTime,
}

/// Errors a [`Provisioner`] reports, and errors of the worker.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum ProvisionError {
    /// `change` could not be applied now (e.g. the host's database is busy); the changes
    /// before it in the batch were applied. It is retried with backoff.
    #[error("change {change} failed: {reason}")]
    Change {
        /// The failed change.
        change: ChangeId,
        /// Why, for the progress page.
        reason: String,
    },
    /// `change` can never be applied (e.g. it names an unknown group); the changes before it
    /// were applied. It is marked failed at once and the queue moves on.
    #[error("change {change} rejected: {reason}")]
    Rejected {
        /// The rejected change.
        change: ChangeId,
        /// Why.
        reason: String,
    },
    /// The batch failed as a whole and nothing is known to be applied; it is delivered again
    /// with backoff (the host skips what it had applied, by change id).
    #[error("batch failed: {reason}")]
    Batch {
        /// Why.
        reason: String,
    },
    /// The store failed while the worker claimed or acknowledged changes.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The future type of [`Provisioner::apply`].
pub type ProvisionFuture<'a> =
    Pin<Box<dyn Future<Output = Result<(), ProvisionError>> + Send + 'a>>;

/// The host application's side of provisioning.
///
/// `apply` receives one organization's changes in order. It returns `Ok(())` when all of them
/// took effect. It must be idempotent by [`ChangeId`]: record applied ids in the same
/// transaction as their effect and skip ids already recorded (see the [module
/// documentation](self)).
pub trait Provisioner: Send + Sync {
    /// Applies a batch.
    fn apply<'a>(&'a self, batch: &'a ClaimedBatch) -> ProvisionFuture<'a>;
}

/// A runtime-agnostic sleep, supplied by the host (e.g. `|d| tokio::time::sleep(d)`).
pub trait Sleep: Send + Sync {
    /// A future that completes after `d`.
    fn sleep(&self, d: Duration) -> Pin<Box<dyn Future<Output = ()> + Send>>;
}

impl<F, Fut> Sleep for F
where
    F: Fn(Duration) -> Fut + Send + Sync,
    Fut: Future<Output = ()> + Send + 'static,
{
    fn sleep(&self, d: Duration) -> Pin<Box<dyn Future<Output = ()> + Send>> {
        Box::pin(self(d))
    }
}

#[derive(Debug, Default)]
struct SignalState {
    generation: u64,
    wakers: Vec<Waker>,
}

/// A runtime-agnostic "something changed" notification (std only): the store calls
/// [`ChangeSignal::notify`] after committing a change; the worker awaits
/// [`ChangeSignal::changed_since`]. Clones share one signal.
#[derive(Debug, Clone, Default)]
pub struct ChangeSignal {
    state: Arc<Mutex<SignalState>>,
}

impl ChangeSignal {
    /// A new signal.
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, SignalState> {
        // The state is a counter and a list of wakers: valid even after a panic elsewhere.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Signals a change and wakes every waiting future.
    pub fn notify(&self) {
        let wakers = {
            let mut st = self.lock();
            st.generation = st.generation.wrapping_add(1);
            std::mem::take(&mut st.wakers)
        };
        for w in wakers {
            w.wake();
        }
    }

    /// The current generation (incremented by each [`notify`](Self::notify)).
    pub fn generation(&self) -> u64 {
        self.lock().generation
    }

    /// A future that completes once the generation differs from `seen`.
    pub fn changed_since(&self, seen: u64) -> Changed {
        Changed {
            signal: self.clone(),
            seen,
        }
    }
}

/// Future returned by [`ChangeSignal::changed_since`].
#[derive(Debug)]
pub struct Changed {
    signal: ChangeSignal,
    seen: u64,
}

impl Future for Changed {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let mut st = self.signal.lock();
        if st.generation != self.seen {
            return Poll::Ready(());
        }
        if !st.wakers.iter().any(|w| w.will_wake(cx.waker())) {
            st.wakers.push(cx.waker().clone());
        }
        Poll::Pending
    }
}

/// Asks a running [`Worker`] to stop after its in-flight batch.
#[derive(Debug, Clone)]
pub struct StopHandle {
    stopped: Arc<AtomicBool>,
    signal: ChangeSignal,
}

impl StopHandle {
    /// Requests the stop; the worker's future returns after the batch it is delivering.
    pub fn stop(&self) {
        self.stopped.store(true, Ordering::SeqCst);
        self.signal.notify();
    }

    /// Whether a stop was requested.
    pub fn is_stopped(&self) -> bool {
        self.stopped.load(Ordering::SeqCst)
    }
}

/// Worker tuning. Required values have defaults; change them with the `with_*` methods.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkerConfig {
    batch_size: usize,
    lease: Duration,
    idle_poll: Duration,
    backoff_base: Duration,
    backoff_max: Duration,
    max_attempts: u32,
}

impl Default for WorkerConfig {
    fn default() -> Self {
        Self {
            batch_size: 500,
            lease: Duration::from_secs(60),
            idle_poll: Duration::from_secs(5),
            backoff_base: Duration::from_secs(1),
            backoff_max: Duration::from_secs(300),
            max_attempts: 10,
        }
    }
}

impl WorkerConfig {
    /// Changes per batch (default 500, at least 1).
    #[must_use]
    pub fn with_batch_size(mut self, n: usize) -> Self {
        self.batch_size = n.max(1);
        self
    }

    /// How long a claimed batch is leased (default 60 s); after that it is delivered again.
    #[must_use]
    pub fn with_lease(mut self, d: Duration) -> Self {
        self.lease = d;
        self
    }

    /// How often an idle worker looks for changes queued by other processes (default 5 s);
    /// changes queued in this process wake it at once.
    #[must_use]
    pub fn with_idle_poll(mut self, d: Duration) -> Self {
        self.idle_poll = d;
        self
    }

    /// Backoff after the first failure (default 1 s), doubled per attempt up to `max`
    /// (default 300 s).
    #[must_use]
    pub fn with_backoff(mut self, base: Duration, max: Duration) -> Self {
        self.backoff_base = base;
        self.backoff_max = max.max(base);
        self
    }

    /// Deliveries before a change is marked failed for good (default 10, at least 1).
    #[must_use]
    pub fn with_max_attempts(mut self, n: u32) -> Self {
        self.max_attempts = n.max(1);
        self
    }

    /// Changes per batch.
    pub fn batch_size(&self) -> usize {
        self.batch_size
    }

    /// Deliveries before giving up.
    pub fn max_attempts(&self) -> u32 {
        self.max_attempts
    }

    /// The delay before retry number `attempt` (1 for the first retry).
    pub fn backoff(&self, attempt: u32) -> Duration {
        let factor = 2_u32.saturating_pow(attempt.saturating_sub(1));
        self.backoff_base
            .checked_mul(factor)
            .unwrap_or(self.backoff_max)
            .min(self.backoff_max)
    }
}

/// What one [`Worker::run_once`] step did.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum StepOutcome {
    /// Nothing was due.
    Idle,
    /// A batch was delivered and all of it applied.
    Applied {
        /// The organization.
        org: OrgId,
        /// Changes applied.
        count: usize,
    },
    /// A batch was delivered and a change failed.
    Failed {
        /// The organization.
        org: OrgId,
        /// Changes applied before the failure.
        applied: usize,
        /// The failed change.
        change: ChangeId,
        /// Whether it was given up (else it is retried at `retry_at`).
        gave_up: bool,
        /// When it is retried.
        retry_at: Option<UnixTime>,
    },
}

/// The provisioning worker: a future the host spawns ([`Worker::run`]) or steps
/// ([`Worker::run_once`]).
pub struct Worker {
    store: Arc<dyn Store>,
    provisioner: Arc<dyn Provisioner>,
    clock: Arc<dyn TimeProvider>,
    sleep: Box<dyn Sleep>,
    config: WorkerConfig,
    stop: StopHandle,
}

impl fmt::Debug for Worker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Worker")
            .field("store", &self.store)
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl Worker {
    /// A worker over `store`, delivering to `provisioner`; `sleep` is the host runtime's timer.
    pub fn new(
        store: Arc<dyn Store>,
        provisioner: Arc<dyn Provisioner>,
        clock: Arc<dyn TimeProvider>,
        sleep: impl Sleep + 'static,
        config: WorkerConfig,
    ) -> Self {
        let signal = store.change_signal();
        Self {
            store,
            provisioner,
            clock,
            sleep: Box::new(sleep),
            config,
            stop: StopHandle {
                stopped: Arc::new(AtomicBool::new(false)),
                signal,
            },
        }
    }

    /// A handle to stop [`run`](Self::run) gracefully.
    pub fn stop_handle(&self) -> StopHandle {
        self.stop.clone()
    }

    /// Claims one due batch, delivers it and records the outcome.
    pub async fn run_once(&self) -> Result<StepOutcome, ProvisionError> {
        let now = self.clock.now();
        let Some(batch) = self
            .store
            .claim_batch(self.config.batch_size, self.config.lease, now)
            .await?
        else {
            return Ok(StepOutcome::Idle);
        };
        let org = batch.org;
        let ids: Vec<ChangeId> = batch.changes.iter().map(|c| c.id).collect();
        let result = self.provisioner.apply(&batch).await;
        let now = self.clock.now();
        let (failed, reason, permanent) = match result {
            Ok(()) => {
                self.store.complete_changes(org, &ids, now).await?;
                return Ok(StepOutcome::Applied {
                    org,
                    count: ids.len(),
                });
            }
            Err(ProvisionError::Change { change, reason }) => (change, reason, false),
            Err(ProvisionError::Rejected { change, reason }) => (change, reason, true),
            Err(ProvisionError::Batch { reason }) => match ids.first() {
                Some(first) => (*first, reason, false),
                None => return Ok(StepOutcome::Idle),
            },
            Err(ProvisionError::Store(e)) => match ids.first() {
                Some(first) => (*first, format!("provisioner storage error: {e}"), false),
                None => return Ok(StepOutcome::Idle),
            },
        };
        // A change id outside the batch is a host bug: blame the first change.
        let pos = ids.iter().position(|id| *id == failed).unwrap_or(0);
        let failed = ids.get(pos).copied().unwrap_or(failed);
        let (done, rest) = ids.split_at(pos);
        let release = rest.get(1..).unwrap_or(&[]);
        if !done.is_empty() {
            self.store.complete_changes(org, done, now).await?;
        }
        let attempts = batch
            .changes
            .get(pos)
            .map_or(0, |c| c.attempts)
            .saturating_add(1);
        let gave_up = permanent || attempts >= self.config.max_attempts;
        let retry_at = (!gave_up).then(|| now.saturating_add(self.config.backoff(attempts)));
        self.store
            .record_failure(org, failed, &reason, retry_at, release, now)
            .await?;
        Ok(StepOutcome::Failed {
            org,
            applied: done.len(),
            change: failed,
            gave_up,
            retry_at,
        })
    }

    /// Runs until stopped: delivers batches while any are due, then waits for a change
    /// signal, the idle poll interval, or the stop request. Store errors are retried after
    /// the idle interval (they are usually a busy or unreachable database), so the future
    /// only returns on stop.
    pub async fn run(self) {
        // The earliest retry this worker scheduled, so a short backoff is not stretched to the
        // idle poll interval.
        let mut next_retry: Option<UnixTime> = None;
        while !self.stop.is_stopped() {
            let seen = self.stop.signal.generation();
            match self.run_once().await {
                Ok(StepOutcome::Applied { .. }) => continue,
                Ok(StepOutcome::Failed { retry_at, .. }) => {
                    next_retry = match (next_retry, retry_at) {
                        (Some(a), Some(b)) => Some(a.min(b)),
                        (a, b) => a.or(b),
                    };
                    continue;
                }
                Ok(StepOutcome::Idle) | Err(_) => {}
            }
            if self.stop.is_stopped() {
                break;
            }
            let now = self.clock.now();
            let mut wait = self.config.idle_poll;
            if let Some(due) = next_retry {
                match due.duration_since(now) {
                    Some(d) if d > Duration::ZERO => wait = wait.min(d),
                    // Due now (and still not claimable: another worker holds the lease).
                    _ => next_retry = None,
                }
            }
            let mut changed = std::pin::pin!(self.stop.signal.changed_since(seen));
            let mut timer = self.sleep.sleep(wait);
            std::future::poll_fn(|cx| {
                if changed.as_mut().poll(cx).is_ready() || timer.as_mut().poll(cx).is_ready() {
                    Poll::Ready(())
                } else {
                    Poll::Pending
                }
            })
            .await;
        }
    }
}
