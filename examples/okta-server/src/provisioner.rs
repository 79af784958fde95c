//! The server's [`Provisioner`]: applies queued SCIM changes to the application's own members,
//! groups and memberships tables, which sign-in and the UI read.
//!
//! A batch is applied in one SQLite transaction that also records every change id; an id
//! already recorded is skipped. A batch delivered twice (after a crash between this commit and
//! the queue's acknowledgement, or an expired lease) therefore takes effect exactly once.

use std::sync::Arc;

use okta_integration::provisioning::{
    ClaimedBatch, ProvisionError, ProvisionEvent, ProvisionFuture, Provisioner, UserSnapshot,
};
use okta_integration::store::Store;
use rusqlite::Connection;
use saml_sp::time::TimeProvider;

use crate::db::{self, Db, DbError, ProvisionedUser};

/// Applies provisioning changes to the application database.
#[derive(Debug)]
pub(crate) struct AppProvisioner {
    db: Db,
    clock: Arc<dyn TimeProvider>,
    /// The integration store, to name a batch's organization.
    store: Arc<dyn Store>,
}

impl AppProvisioner {
    /// A provisioner writing to `db`; organization names come from `store`.
    pub(crate) fn new(db: Db, clock: Arc<dyn TimeProvider>, store: Arc<dyn Store>) -> Self {
        Self { db, clock, store }
    }
}

fn display_name(user: &UserSnapshot) -> String {
    if let Some(name) = user
        .display_name
        .as_deref()
        .filter(|n| !n.trim().is_empty())
    {
        return name.to_owned();
    }
    let parts: Vec<&str> = [user.given_name.as_deref(), user.family_name.as_deref()]
        .into_iter()
        .flatten()
        .filter(|p| !p.trim().is_empty())
        .collect();
    if parts.is_empty() {
        user.user_name.clone()
    } else {
        parts.join(" ")
    }
}

fn provisioned(user: &UserSnapshot, active: bool) -> ProvisionedUser {
    ProvisionedUser {
        scim_id: user.id.clone(),
        user_name: user.user_name.clone(),
        display_name: display_name(user),
        active,
    }
}

/// Applies every not-yet-applied change of `batch` in one transaction; returns how many took
/// effect (the rest had been applied before).
pub(crate) fn apply_batch(
    conn: &mut Connection,
    org: &str,
    batch: &ClaimedBatch,
    now: i64,
) -> Result<usize, DbError> {
    let tx = conn.transaction()?;
    let mut applied = 0;
    for change in &batch.changes {
        let id = change.id.get().to_string();
        if db::change_applied(&tx, org, &id)? {
            continue;
        }
        match &change.event {
            ProvisionEvent::UserCreated(user) | ProvisionEvent::UserUpdated(user) => {
                db::upsert_user(&tx, org, &provisioned(user, user.active), now)?;
            }
            ProvisionEvent::UserDeactivated(user) => {
                db::upsert_user(&tx, org, &provisioned(user, false), now)?;
            }
            ProvisionEvent::UserReactivated(user) => {
                db::upsert_user(&tx, org, &provisioned(user, true), now)?;
            }
            ProvisionEvent::UserDeleted { user_id, .. } => db::delete_user(&tx, org, user_id)?,
            ProvisionEvent::GroupCreated {
                group_id,
                display_name,
                ..
            }
            | ProvisionEvent::GroupRenamed {
                group_id,
                display_name,
                ..
            } => db::upsert_group(&tx, org, group_id, display_name, now)?,
            ProvisionEvent::GroupDeleted { group_id, .. } => db::delete_group(&tx, org, group_id)?,
            ProvisionEvent::MemberAdded {
                group_id,
                member_id,
            } => db::set_membership(&tx, org, group_id, member_id, true)?,
            ProvisionEvent::MemberRemoved {
                group_id,
                member_id,
            } => db::set_membership(&tx, org, group_id, member_id, false)?,
            // A kind this server does not know yet is recorded as applied with no effect, so
            // the queue moves on; it is logged for the operator.
            other => {
                tracing::warn!(org, change = %change.id, kind = %other.kind(), "change kind not handled");
            }
        }
        db::mark_applied(&tx, org, &id, now)?;
        applied += 1;
    }
    tx.commit()?;
    Ok(applied)
}

impl Provisioner for AppProvisioner {
    fn apply<'a>(&'a self, batch: &'a ClaimedBatch) -> ProvisionFuture<'a> {
        Box::pin(async move {
            let org = self
                .store
                .organization(batch.org)
                .await
                .map_err(|e| ProvisionError::Batch {
                    reason: format!("cannot look up organization {}: {e}", batch.org),
                })?
                .map(|o| o.slug.as_str().to_owned());
            let Some(org) = org else {
                let first = batch.changes.first().map(|c| c.id);
                return Err(match first {
                    Some(change) => ProvisionError::Rejected {
                        change,
                        reason: format!("organization {} is unknown", batch.org),
                    },
                    None => ProvisionError::Batch {
                        reason: "empty batch of an unknown organization".to_owned(),
                    },
                });
            };
            let now = self.clock.now().as_unix_seconds();
            let owned = batch.clone();
            let org_name = org.clone();
            let result = self
                .db
                .call(move |conn| apply_batch(conn, &org_name, &owned, now))
                .await;
            match result {
                Ok(count) => {
                    tracing::debug!(org, count, "applied provisioning batch");
                    Ok(())
                }
                // Nothing of the batch committed: it is delivered again with backoff.
                Err(error) => Err(ProvisionError::Batch {
                    reason: error.to_string(),
                }),
            }
        })
    }
}
