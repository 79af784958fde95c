//! The server's own database (`app.sqlite3` in the data directory): members with their roles,
//! groups and memberships as the provisioning worker applied them, the ids of applied changes,
//! web sessions and one-time sign-in tokens.
//!
//! The integration's store (SCIM resources, queue, settings, audit log) lives in its own file;
//! this one is what the application itself reads, like any host application embedding the
//! integration would have. Every write that applies a provisioning change records the change id
//! in the same transaction, so a change delivered twice takes effect once.

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rusqlite::{Connection, OptionalExtension as _, Transaction, params};

use crate::site::OrgName;

/// How long a writer waits for another process (a CLI command beside `serve`) to finish.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// A failure of the application database.
#[derive(Debug, thiserror::Error)]
pub(crate) enum DbError {
    /// SQLite refused or failed.
    #[error("application database: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// A blocking database task died.
    #[error("application database task failed: {0}")]
    Task(String),
    /// The database holds a value this program does not write.
    #[error("application database holds an unexpected value: {0}")]
    Corrupt(String),
}

/// A member's role in an organization.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Role {
    /// Created with the organization; may do everything, including changing roles.
    Owner,
    /// May change the integration settings and read the admin pages.
    Admin,
    /// May sign in and see the organization home page.
    Member,
}

impl Role {
    /// The stored and displayed name.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::Owner => "Owner",
            Self::Admin => "Admin",
            Self::Member => "Member",
        }
    }

    /// Parses a stored or submitted role name.
    pub(crate) fn parse(text: &str) -> Option<Self> {
        match text {
            "Owner" => Some(Self::Owner),
            "Admin" => Some(Self::Admin),
            "Member" => Some(Self::Member),
            _ => None,
        }
    }

    /// Whether this role may see and use the admin pages.
    pub(crate) fn is_admin(self) -> bool {
        matches!(self, Self::Owner | Self::Admin)
    }
}

/// One member of an organization.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Member {
    /// Row id.
    pub(crate) id: i64,
    /// The organization.
    pub(crate) org: String,
    /// Lowercase email address (= SCIM `userName` = SAML NameID).
    pub(crate) email: String,
    /// Name to show.
    pub(crate) display_name: String,
    /// The SCIM resource id when the member was provisioned.
    pub(crate) scim_id: Option<String>,
    /// The member's role.
    pub(crate) role: Role,
    /// Whether the member may sign in.
    pub(crate) active: bool,
    /// Whether the "Connect GitHub" step was already offered.
    pub(crate) github_step_seen: bool,
    /// Whether the member connected GitHub (pressed Connect).
    pub(crate) github_connected: bool,
    /// Unix seconds of the last sign-in.
    pub(crate) signed_in_at: Option<i64>,
}

/// One provisioned group.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Group {
    /// SCIM resource id.
    pub(crate) scim_id: String,
    /// Display name.
    pub(crate) display_name: String,
    /// Number of members.
    pub(crate) members: i64,
}

/// The application database, shared by the request handlers and the provisioner.
#[derive(Clone, Debug)]
pub(crate) struct Db {
    conn: Arc<Mutex<Connection>>,
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS members (
    id INTEGER PRIMARY KEY,
    org TEXT NOT NULL,
    email TEXT NOT NULL,
    display_name TEXT NOT NULL,
    scim_id TEXT,
    role TEXT NOT NULL,
    active INTEGER NOT NULL,
    github_step_seen INTEGER NOT NULL DEFAULT 0,
    github_connected INTEGER NOT NULL DEFAULT 0,
    signed_in_at INTEGER,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    UNIQUE (org, email)
);
CREATE UNIQUE INDEX IF NOT EXISTS members_by_scim_id ON members (org, scim_id) WHERE scim_id IS NOT NULL;
CREATE TABLE IF NOT EXISTS groups (
    org TEXT NOT NULL,
    scim_id TEXT NOT NULL,
    display_name TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (org, scim_id)
);
CREATE TABLE IF NOT EXISTS memberships (
    org TEXT NOT NULL,
    group_scim_id TEXT NOT NULL,
    member_scim_id TEXT NOT NULL,
    PRIMARY KEY (org, group_scim_id, member_scim_id)
);
CREATE TABLE IF NOT EXISTS applied_changes (
    org TEXT NOT NULL,
    change_id TEXT NOT NULL,
    applied_at INTEGER NOT NULL,
    PRIMARY KEY (org, change_id)
);
CREATE TABLE IF NOT EXISTS web_sessions (
    id_digest TEXT PRIMARY KEY,
    org TEXT NOT NULL,
    member_id INTEGER NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    via_saml INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS web_sessions_by_member ON web_sessions (member_id);
CREATE TABLE IF NOT EXISTS signin_tokens (
    token_digest TEXT PRIMARY KEY,
    org TEXT NOT NULL,
    member_id INTEGER NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    expires_at INTEGER NOT NULL
);
";

const MEMBER_COLUMNS: &str = "id, org, email, display_name, scim_id, role, active, \
     github_step_seen, github_connected, signed_in_at";

fn member_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<Member> {
    let role: String = row.get(5)?;
    Ok(Member {
        id: row.get(0)?,
        org: row.get(1)?,
        email: row.get(2)?,
        display_name: row.get(3)?,
        scim_id: row.get(4)?,
        // An unknown stored role reads as the least privileged one.
        role: Role::parse(&role).unwrap_or(Role::Member),
        active: row.get(6)?,
        github_step_seen: row.get(7)?,
        github_connected: row.get(8)?,
        signed_in_at: row.get(9)?,
    })
}

impl Db {
    /// Opens (creating if needed) the database at `path`, in WAL mode, and runs migrations.
    pub(crate) fn open(path: &Path) -> Result<Self, DbError> {
        let conn = Connection::open(path)?;
        conn.busy_timeout(BUSY_TIMEOUT)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.execute_batch(SCHEMA)?;
        Ok(Self {
            conn: Arc::new(Mutex::new(conn)),
        })
    }

    /// Runs `f` on the connection in a blocking task.
    pub(crate) async fn call<T, F>(&self, f: F) -> Result<T, DbError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T, DbError> + Send + 'static,
    {
        let conn = Arc::clone(&self.conn);
        tokio::task::spawn_blocking(move || {
            let mut guard = conn
                .lock()
                .map_err(|_| DbError::Task("a database task panicked".to_owned()))?;
            f(&mut guard)
        })
        .await
        .map_err(|e| DbError::Task(e.to_string()))?
    }
}

/// Creates a local member (the first Owner) or returns the existing one with that email.
pub(crate) fn ensure_local_member(
    conn: &Connection,
    org: &OrgName,
    email: &str,
    display_name: &str,
    role: Role,
    now: i64,
) -> Result<Member, DbError> {
    let email = email.to_lowercase();
    conn.execute(
        "INSERT INTO members (org, email, display_name, role, active, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, 1, ?5, ?5) ON CONFLICT (org, email) DO NOTHING",
        params![org.as_str(), email, display_name, role.as_str(), now],
    )?;
    member_by_email(conn, org.as_str(), &email)?
        .ok_or_else(|| DbError::Corrupt(format!("member {email} vanished after insert")))
}

/// The member of `org` with this email (case-insensitive).
pub(crate) fn member_by_email(
    conn: &Connection,
    org: &str,
    email: &str,
) -> Result<Option<Member>, DbError> {
    Ok(conn
        .query_row(
            &format!("SELECT {MEMBER_COLUMNS} FROM members WHERE org = ?1 AND email = ?2"),
            params![org, email.to_lowercase()],
            member_from_row,
        )
        .optional()?)
}

/// The member with this row id in `org`.
pub(crate) fn member_by_id(
    conn: &Connection,
    org: &str,
    id: i64,
) -> Result<Option<Member>, DbError> {
    Ok(conn
        .query_row(
            &format!("SELECT {MEMBER_COLUMNS} FROM members WHERE org = ?1 AND id = ?2"),
            params![org, id],
            member_from_row,
        )
        .optional()?)
}

/// Every member of `org`, owners and admins first, then by email.
pub(crate) fn members(conn: &Connection, org: &str) -> Result<Vec<Member>, DbError> {
    Ok(members_page(conn, org, 0, i64::MAX)?.0)
}

/// One page of the members of `org` (owners and admins first, then by email) and how many
/// there are in all.
pub(crate) fn members_page(
    conn: &Connection,
    org: &str,
    offset: i64,
    limit: i64,
) -> Result<(Vec<Member>, i64), DbError> {
    let total: i64 = conn.query_row(
        "SELECT COUNT(*) FROM members WHERE org = ?1",
        params![org],
        |row| row.get(0),
    )?;
    let mut statement = conn.prepare(&format!(
        "SELECT {MEMBER_COLUMNS} FROM members WHERE org = ?1
         ORDER BY CASE role WHEN 'Owner' THEN 0 WHEN 'Admin' THEN 1 ELSE 2 END, email
         LIMIT ?2 OFFSET ?3"
    ))?;
    let rows = statement.query_map(params![org, limit, offset], member_from_row)?;
    Ok((rows.collect::<Result<_, _>>()?, total))
}

/// One page of the provisioned members of `org` (by email) and how many there are in all.
pub(crate) fn provisioned_members(
    conn: &Connection,
    org: &str,
    offset: i64,
    limit: i64,
) -> Result<(Vec<Member>, i64), DbError> {
    let total: i64 = conn.query_row(
        "SELECT COUNT(*) FROM members WHERE org = ?1 AND scim_id IS NOT NULL",
        params![org],
        |row| row.get(0),
    )?;
    let mut statement = conn.prepare(&format!(
        "SELECT {MEMBER_COLUMNS} FROM members WHERE org = ?1 AND scim_id IS NOT NULL
         ORDER BY email LIMIT ?2 OFFSET ?3"
    ))?;
    let rows = statement.query_map(params![org, limit, offset], member_from_row)?;
    Ok((rows.collect::<Result<_, _>>()?, total))
}

/// Counts of the organization's members: (all, active).
pub(crate) fn member_counts(conn: &Connection, org: &str) -> Result<(i64, i64), DbError> {
    Ok(conn.query_row(
        "SELECT COUNT(*), COALESCE(SUM(active), 0) FROM members WHERE org = ?1",
        params![org],
        |row| Ok((row.get(0)?, row.get(1)?)),
    )?)
}

/// Every group of `org` with its member count, by name.
pub(crate) fn groups(conn: &Connection, org: &str) -> Result<Vec<Group>, DbError> {
    let mut statement = conn.prepare(
        "SELECT g.scim_id, g.display_name,
                (SELECT COUNT(*) FROM memberships m WHERE m.org = g.org AND m.group_scim_id = g.scim_id)
         FROM groups g WHERE g.org = ?1 ORDER BY g.display_name, g.scim_id",
    )?;
    let rows = statement.query_map(params![org], |row| {
        Ok(Group {
            scim_id: row.get(0)?,
            display_name: row.get(1)?,
            members: row.get(2)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The display names of the groups a provisioned member belongs to.
pub(crate) fn groups_of(
    conn: &Connection,
    org: &str,
    member_scim_id: &str,
) -> Result<Vec<String>, DbError> {
    let mut statement = conn.prepare(
        "SELECT g.display_name FROM memberships m
         JOIN groups g ON g.org = m.org AND g.scim_id = m.group_scim_id
         WHERE m.org = ?1 AND m.member_scim_id = ?2 ORDER BY g.display_name",
    )?;
    let rows = statement.query_map(params![org, member_scim_id], |row| row.get(0))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Changes a member's role; returns the member's email. Refuses to take the Owner role away
/// from the last Owner.
pub(crate) fn set_role(
    conn: &mut Connection,
    org: &str,
    member_id: i64,
    role: Role,
) -> Result<Result<String, &'static str>, DbError> {
    let tx = conn.transaction()?;
    let current: Option<(String, String)> = tx
        .query_row(
            "SELECT role, email FROM members WHERE org = ?1 AND id = ?2",
            params![org, member_id],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .optional()?;
    let Some((current, email)) = current else {
        return Ok(Err("no such member"));
    };
    if current == Role::Owner.as_str() && role != Role::Owner {
        let owners: i64 = tx.query_row(
            "SELECT COUNT(*) FROM members WHERE org = ?1 AND role = 'Owner' AND active = 1",
            params![org],
            |row| row.get(0),
        )?;
        if owners <= 1 {
            return Ok(Err("an organization keeps at least one Owner"));
        }
    }
    tx.execute(
        "UPDATE members SET role = ?3 WHERE org = ?1 AND id = ?2",
        params![org, member_id, role.as_str()],
    )?;
    tx.commit()?;
    Ok(Ok(email))
}

/// Records that a member signed in.
pub(crate) fn record_sign_in(conn: &Connection, member_id: i64, now: i64) -> Result<(), DbError> {
    conn.execute(
        "UPDATE members SET signed_in_at = ?2 WHERE id = ?1",
        params![member_id, now],
    )?;
    Ok(())
}

/// Marks the "Connect GitHub" step as offered to the member.
pub(crate) fn set_github_step_seen(conn: &Connection, member_id: i64) -> Result<(), DbError> {
    conn.execute(
        "UPDATE members SET github_step_seen = 1 WHERE id = ?1",
        params![member_id],
    )?;
    Ok(())
}

/// Marks that the member pressed "Connect GitHub".
pub(crate) fn set_github_connected(conn: &Connection, member_id: i64) -> Result<(), DbError> {
    conn.execute(
        "UPDATE members SET github_connected = 1 WHERE id = ?1",
        params![member_id],
    )?;
    Ok(())
}

// --- web sessions -------------------------------------------------------------------------

/// Stores a new session by the digest of its id.
pub(crate) fn create_session(
    conn: &Connection,
    org: &str,
    member_id: i64,
    id_digest: &str,
    now: i64,
    expires_at: i64,
    via_saml: bool,
) -> Result<(), DbError> {
    conn.execute(
        "INSERT INTO web_sessions (id_digest, org, member_id, via_saml, created_at, expires_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![id_digest, org, member_id, via_saml, now, expires_at],
    )?;
    // Expired sessions of anyone are swept on the way.
    conn.execute(
        "DELETE FROM web_sessions WHERE expires_at <= ?1",
        params![now],
    )?;
    Ok(())
}

/// The member of the live session with this id digest in `org`, if still active, and
/// whether the session came from a SAML sign-in.
pub(crate) fn session(
    conn: &Connection,
    org: &str,
    id_digest: &str,
    now: i64,
) -> Result<Option<(Member, bool)>, DbError> {
    let found: Option<(i64, bool)> = conn
        .query_row(
            "SELECT member_id, via_saml FROM web_sessions
             WHERE id_digest = ?1 AND org = ?2 AND expires_at > ?3",
            params![id_digest, org, now],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .optional()?;
    let Some((member_id, via_saml)) = found else {
        return Ok(None);
    };
    Ok(member_by_id(conn, org, member_id)?
        .filter(|member| member.active)
        .map(|member| (member, via_saml)))
}

/// Ends one session.
pub(crate) fn delete_session(conn: &Connection, id_digest: &str) -> Result<(), DbError> {
    conn.execute(
        "DELETE FROM web_sessions WHERE id_digest = ?1",
        params![id_digest],
    )?;
    Ok(())
}

// --- one-time sign-in tokens --------------------------------------------------------------

/// Stores a one-time sign-in token (by digest) for a member.
pub(crate) fn create_signin_token(
    conn: &Connection,
    org: &str,
    member_id: i64,
    token_digest: &str,
    expires_at: i64,
) -> Result<(), DbError> {
    conn.execute(
        "INSERT INTO signin_tokens (token_digest, org, member_id, expires_at) VALUES (?1, ?2, ?3, ?4)",
        params![token_digest, org, member_id, expires_at],
    )?;
    Ok(())
}

/// Whether an unexpired token with this digest exists in `org` (without using it).
pub(crate) fn signin_token_valid(
    conn: &Connection,
    org: &str,
    token_digest: &str,
    now: i64,
) -> Result<bool, DbError> {
    Ok(conn
        .query_row(
            "SELECT 1 FROM signin_tokens WHERE token_digest = ?1 AND org = ?2 AND expires_at > ?3",
            params![token_digest, org, now],
            |_| Ok(()),
        )
        .optional()?
        .is_some())
}

/// Uses up a one-time token: deletes it and returns its active member, in one transaction.
pub(crate) fn take_signin_token(
    conn: &mut Connection,
    org: &str,
    token_digest: &str,
    now: i64,
) -> Result<Option<Member>, DbError> {
    let tx = conn.transaction()?;
    let member_id: Option<i64> = tx
        .query_row(
            "DELETE FROM signin_tokens WHERE token_digest = ?1 AND org = ?2 AND expires_at > ?3
             RETURNING member_id",
            params![token_digest, org, now],
            |row| row.get(0),
        )
        .optional()?;
    let member = match member_id {
        Some(id) => member_by_id(&tx, org, id)?.filter(|m| m.active),
        None => None,
    };
    tx.commit()?;
    Ok(member)
}

// --- provisioning effects -----------------------------------------------------------------

/// Whether change `change_id` of `org` was already applied; call inside the applying
/// transaction.
pub(crate) fn change_applied(
    tx: &Transaction<'_>,
    org: &str,
    change_id: &str,
) -> Result<bool, DbError> {
    Ok(tx
        .query_row(
            "SELECT 1 FROM applied_changes WHERE org = ?1 AND change_id = ?2",
            params![org, change_id],
            |_| Ok(()),
        )
        .optional()?
        .is_some())
}

/// Records change `change_id` of `org` as applied; call inside the applying transaction.
pub(crate) fn mark_applied(
    tx: &Transaction<'_>,
    org: &str,
    change_id: &str,
    now: i64,
) -> Result<(), DbError> {
    tx.execute(
        "INSERT INTO applied_changes (org, change_id, applied_at) VALUES (?1, ?2, ?3)",
        params![org, change_id, now],
    )?;
    Ok(())
}

/// Number of changes applied for `org`.
pub(crate) fn applied_count(conn: &Connection, org: &str) -> Result<i64, DbError> {
    Ok(conn.query_row(
        "SELECT COUNT(*) FROM applied_changes WHERE org = ?1",
        params![org],
        |row| row.get(0),
    )?)
}

/// The user fields a provisioning event carries.
#[derive(Clone, Debug)]
pub(crate) struct ProvisionedUser {
    /// SCIM id.
    pub(crate) scim_id: String,
    /// `userName` (an email address).
    pub(crate) user_name: String,
    /// Name to show.
    pub(crate) display_name: String,
    /// SCIM `active`.
    pub(crate) active: bool,
}

/// Creates or updates a provisioned member. A member with the same email who is not yet
/// linked (the local Owner, say) is linked to the SCIM resource and keeps their role; a new
/// member gets the Member role.
pub(crate) fn upsert_user(
    tx: &Transaction<'_>,
    org: &str,
    user: &ProvisionedUser,
    now: i64,
) -> Result<(), DbError> {
    let email = user.user_name.to_lowercase();
    let by_scim: Option<i64> = tx
        .query_row(
            "SELECT id FROM members WHERE org = ?1 AND scim_id = ?2",
            params![org, user.scim_id],
            |row| row.get(0),
        )
        .optional()?;
    match by_scim {
        Some(id) => {
            // A userName change moves the member to the new address. Should another member
            // already hold it (SCIM's own uniqueness makes that unlikely), the address stays
            // and the second statement still applies the other fields.
            tx.execute(
                "UPDATE OR IGNORE members SET email = ?3, display_name = ?4, active = ?5, updated_at = ?6
                 WHERE org = ?1 AND id = ?2",
                params![org, id, email, user.display_name, user.active, now],
            )?;
            tx.execute(
                "UPDATE members SET display_name = ?3, active = ?4, updated_at = ?5
                 WHERE org = ?1 AND id = ?2",
                params![org, id, user.display_name, user.active, now],
            )?;
        }
        None => {
            tx.execute(
                "INSERT INTO members (org, email, display_name, scim_id, role, active, created_at, updated_at)
                 VALUES (?1, ?2, ?3, ?4, 'Member', ?5, ?6, ?6)
                 ON CONFLICT (org, email) DO UPDATE SET
                     scim_id = excluded.scim_id, display_name = excluded.display_name,
                     active = excluded.active, updated_at = excluded.updated_at",
                params![org, email, user.display_name, user.scim_id, user.active, now],
            )?;
        }
    }
    if !user.active {
        tx.execute(
            "DELETE FROM web_sessions WHERE member_id IN
                 (SELECT id FROM members WHERE org = ?1 AND scim_id = ?2)",
            params![org, user.scim_id],
        )?;
    }
    Ok(())
}

/// Removes a provisioned member. An Owner linked to a SCIM resource is only unlinked: the
/// organization keeps its Owner.
pub(crate) fn delete_user(tx: &Transaction<'_>, org: &str, scim_id: &str) -> Result<(), DbError> {
    tx.execute(
        "DELETE FROM memberships WHERE org = ?1 AND member_scim_id = ?2",
        params![org, scim_id],
    )?;
    tx.execute(
        "UPDATE members SET scim_id = NULL WHERE org = ?1 AND scim_id = ?2 AND role = 'Owner'",
        params![org, scim_id],
    )?;
    tx.execute(
        "DELETE FROM members WHERE org = ?1 AND scim_id = ?2",
        params![org, scim_id],
    )?;
    Ok(())
}

/// Creates or renames a group.
pub(crate) fn upsert_group(
    tx: &Transaction<'_>,
    org: &str,
    scim_id: &str,
    display_name: &str,
    now: i64,
) -> Result<(), DbError> {
    tx.execute(
        "INSERT INTO groups (org, scim_id, display_name, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?4)
         ON CONFLICT (org, scim_id) DO UPDATE SET display_name = excluded.display_name,
             updated_at = excluded.updated_at",
        params![org, scim_id, display_name, now],
    )?;
    Ok(())
}

/// Deletes a group and its memberships.
pub(crate) fn delete_group(tx: &Transaction<'_>, org: &str, scim_id: &str) -> Result<(), DbError> {
    tx.execute(
        "DELETE FROM memberships WHERE org = ?1 AND group_scim_id = ?2",
        params![org, scim_id],
    )?;
    tx.execute(
        "DELETE FROM groups WHERE org = ?1 AND scim_id = ?2",
        params![org, scim_id],
    )?;
    Ok(())
}

/// Adds (`true`) or removes (`false`) a membership.
pub(crate) fn set_membership(
    tx: &Transaction<'_>,
    org: &str,
    group_scim_id: &str,
    member_scim_id: &str,
    present: bool,
) -> Result<(), DbError> {
    if present {
        tx.execute(
            "INSERT OR IGNORE INTO memberships (org, group_scim_id, member_scim_id) VALUES (?1, ?2, ?3)",
            params![org, group_scim_id, member_scim_id],
        )?;
    } else {
        tx.execute(
            "DELETE FROM memberships WHERE org = ?1 AND group_scim_id = ?2 AND member_scim_id = ?3",
            params![org, group_scim_id, member_scim_id],
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn org() -> OrgName {
        OrgName::try_from("acme").unwrap()
    }

    fn open() -> Connection {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(SCHEMA).unwrap();
        conn
    }

    fn user(id: &str, email: &str, active: bool) -> ProvisionedUser {
        ProvisionedUser {
            scim_id: id.to_owned(),
            user_name: email.to_owned(),
            display_name: format!("User {id}"),
            active,
        }
    }

    #[test]
    fn provisioned_users_are_members_and_link_to_the_owner() {
        let mut conn = open();
        let owner =
            ensure_local_member(&conn, &org(), "Boss@Example.com", "Boss", Role::Owner, 1).unwrap();
        assert_eq!(owner.email, "boss@example.com");
        let tx = conn.transaction().unwrap();
        upsert_user(&tx, "acme", &user("u1", "ann@example.com", true), 2).unwrap();
        upsert_user(&tx, "acme", &user("u2", "BOSS@example.com", true), 2).unwrap();
        tx.commit().unwrap();
        let ann = member_by_email(&conn, "acme", "ANN@example.com")
            .unwrap()
            .unwrap();
        assert_eq!(ann.role, Role::Member);
        assert_eq!(ann.scim_id.as_deref(), Some("u1"));
        let boss = member_by_email(&conn, "acme", "boss@example.com")
            .unwrap()
            .unwrap();
        assert_eq!(boss.role, Role::Owner);
        assert_eq!(boss.scim_id.as_deref(), Some("u2"));
        assert_eq!(member_counts(&conn, "acme").unwrap(), (2, 2));
        // Another organization sees none of it.
        assert_eq!(member_counts(&conn, "other").unwrap(), (0, 0));
    }

    #[test]
    fn deactivation_ends_sessions_and_deletion_keeps_the_owner() {
        let mut conn = open();
        let tx = conn.transaction().unwrap();
        upsert_user(&tx, "acme", &user("u1", "ann@example.com", true), 2).unwrap();
        tx.commit().unwrap();
        let ann = member_by_email(&conn, "acme", "ann@example.com")
            .unwrap()
            .unwrap();
        create_session(&conn, "acme", ann.id, "s1", 3, 100, true).unwrap();
        let (member, via_saml) = session(&conn, "acme", "s1", 4).unwrap().unwrap();
        assert_eq!((member.id, via_saml), (ann.id, true));
        assert!(session(&conn, "other", "s1", 4).unwrap().is_none());
        assert!(session(&conn, "acme", "s1", 100).unwrap().is_none());
        let tx = conn.transaction().unwrap();
        upsert_user(&tx, "acme", &user("u1", "ann@example.com", false), 5).unwrap();
        tx.commit().unwrap();
        assert!(
            !member_by_email(&conn, "acme", "ann@example.com")
                .unwrap()
                .unwrap()
                .active
        );
        assert!(session(&conn, "acme", "s1", 6).unwrap().is_none());

        ensure_local_member(&conn, &org(), "boss@example.com", "Boss", Role::Owner, 1).unwrap();
        let tx = conn.transaction().unwrap();
        upsert_user(&tx, "acme", &user("u2", "boss@example.com", true), 2).unwrap();
        delete_user(&tx, "acme", "u2").unwrap();
        delete_user(&tx, "acme", "u1").unwrap();
        tx.commit().unwrap();
        let boss = member_by_email(&conn, "acme", "boss@example.com")
            .unwrap()
            .unwrap();
        assert_eq!(boss.scim_id, None);
        assert!(
            member_by_email(&conn, "acme", "ann@example.com")
                .unwrap()
                .is_none()
        );
    }

    #[test]
    fn groups_and_memberships() {
        let mut conn = open();
        let tx = conn.transaction().unwrap();
        upsert_user(&tx, "acme", &user("u1", "ann@example.com", true), 2).unwrap();
        upsert_group(&tx, "acme", "g1", "Engineering", 2).unwrap();
        set_membership(&tx, "acme", "g1", "u1", true).unwrap();
        set_membership(&tx, "acme", "g1", "u1", true).unwrap();
        upsert_group(&tx, "acme", "g1", "Eng", 3).unwrap();
        tx.commit().unwrap();
        assert_eq!(
            groups(&conn, "acme").unwrap(),
            vec![Group {
                scim_id: "g1".into(),
                display_name: "Eng".into(),
                members: 1
            }]
        );
        assert_eq!(
            groups_of(&conn, "acme", "u1").unwrap(),
            vec!["Eng".to_owned()]
        );
        let tx = conn.transaction().unwrap();
        set_membership(&tx, "acme", "g1", "u1", false).unwrap();
        delete_group(&tx, "acme", "g1").unwrap();
        tx.commit().unwrap();
        assert!(groups(&conn, "acme").unwrap().is_empty());
    }

    #[test]
    fn change_ids_are_recorded_once() {
        let mut conn = open();
        let tx = conn.transaction().unwrap();
        assert!(!change_applied(&tx, "acme", "7").unwrap());
        mark_applied(&tx, "acme", "7", 1).unwrap();
        assert!(change_applied(&tx, "acme", "7").unwrap());
        assert!(mark_applied(&tx, "acme", "7", 1).is_err());
        assert!(!change_applied(&tx, "other", "7").unwrap());
        tx.commit().unwrap();
        assert_eq!(applied_count(&conn, "acme").unwrap(), 1);
    }

    #[test]
    fn one_time_tokens_work_once_and_roles_keep_an_owner() {
        let mut conn = open();
        let owner =
            ensure_local_member(&conn, &org(), "boss@example.com", "Boss", Role::Owner, 1).unwrap();
        create_signin_token(&conn, "acme", owner.id, "t1", 50).unwrap();
        assert!(signin_token_valid(&conn, "acme", "t1", 10).unwrap());
        assert!(!signin_token_valid(&conn, "other", "t1", 10).unwrap());
        assert!(
            take_signin_token(&mut conn, "other", "t1", 10)
                .unwrap()
                .is_none()
        );
        assert_eq!(
            take_signin_token(&mut conn, "acme", "t1", 10)
                .unwrap()
                .unwrap()
                .id,
            owner.id
        );
        assert!(
            take_signin_token(&mut conn, "acme", "t1", 10)
                .unwrap()
                .is_none()
        );
        create_signin_token(&conn, "acme", owner.id, "t2", 50).unwrap();
        assert!(
            take_signin_token(&mut conn, "acme", "t2", 50)
                .unwrap()
                .is_none()
        );

        assert_eq!(
            set_role(&mut conn, "acme", owner.id, Role::Admin).unwrap(),
            Err("an organization keeps at least one Owner")
        );
        let tx = conn.transaction().unwrap();
        upsert_user(&tx, "acme", &user("u1", "ann@example.com", true), 2).unwrap();
        tx.commit().unwrap();
        let ann = member_by_email(&conn, "acme", "ann@example.com")
            .unwrap()
            .unwrap();
        assert_eq!(
            set_role(&mut conn, "acme", ann.id, Role::Owner).unwrap(),
            Ok("ann@example.com".to_owned())
        );
        assert_eq!(
            set_role(&mut conn, "acme", owner.id, Role::Member).unwrap(),
            Ok("boss@example.com".to_owned())
        );
        assert_eq!(
            set_role(&mut conn, "other", ann.id, Role::Member).unwrap(),
            Err("no such member")
        );
        let (page, total) = provisioned_members(&conn, "acme", 0, 10).unwrap();
        assert_eq!((page.len(), total), (1, 1));
        record_sign_in(&conn, owner.id, 5).unwrap();
        set_github_step_seen(&conn, owner.id).unwrap();
        let owner = member_by_id(&conn, "acme", owner.id).unwrap().unwrap();
        assert_eq!(owner.signed_in_at, Some(5));
        assert!(owner.github_step_seen);
    }
}
