//! A typed, read-only view of a User resource, for applications that consume provisioned
//! users.

use serde_json::Value;

use crate::error::{Error, Result};
use crate::resource::Resource;
use crate::schema::ENTERPRISE_USER_URN;

/// A User's most used attributes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    /// `id`.
    pub id: String,
    /// `userName`, as sent (case preserved).
    pub user_name: String,
    /// `externalId`.
    pub external_id: Option<String>,
    /// `active` (absent counts as active).
    pub active: bool,
    /// `displayName`.
    pub display_name: Option<String>,
    /// `name.givenName`.
    pub given_name: Option<String>,
    /// `name.familyName`.
    pub family_name: Option<String>,
    /// The primary email, else the first.
    pub email: Option<String>,
    /// Enterprise `department`.
    pub department: Option<String>,
}

impl TryFrom<&Resource> for User {
    type Error = Error;
    fn try_from(r: &Resource) -> Result<Self> {
        if !r.resource_type().eq_ignore_ascii_case("User") {
            return Err(Error::Misuse {
                detail: format!("a {} is not a User", r.resource_type()),
            });
        }
        let a = r.attributes();
        let s = |v: Option<&Value>| v.and_then(Value::as_str).map(str::to_owned);
        let name = a.get("name");
        let email = a.get("emails").and_then(Value::as_array).and_then(|items| {
            items
                .iter()
                .find(|e| e.get("primary") == Some(&Value::Bool(true)))
                .or_else(|| items.first())
                .and_then(|e| s(e.get("value")))
        });
        Ok(Self {
            id: r.id().as_str().to_owned(),
            user_name: s(a.get("userName")).ok_or_else(|| Error::MissingRequired {
                path: "userName".into(),
            })?,
            external_id: s(a.get("externalId")),
            active: a.get("active").and_then(Value::as_bool).unwrap_or(true),
            display_name: s(a.get("displayName")),
            given_name: s(name.and_then(|n| n.get("givenName"))),
            family_name: s(name.and_then(|n| n.get("familyName"))),
            email,
            department: s(a.get(ENTERPRISE_USER_URN).and_then(|e| e.get("department"))),
        })
    }
}

/// A typed view of a Group: display name and member count (members stay in the resource's
/// [`crate::group::MemberList`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupSummary {
    /// `id`.
    pub id: String,
    /// `displayName`.
    pub display_name: Option<String>,
    /// `externalId`.
    pub external_id: Option<String>,
    /// Number of members.
    pub member_count: usize,
}

impl TryFrom<&Resource> for GroupSummary {
    type Error = Error;
    fn try_from(r: &Resource) -> Result<Self> {
        let members = r.members().ok_or_else(|| Error::Misuse {
            detail: format!("a {} has no members", r.resource_type()),
        })?;
        Ok(Self {
            id: r.id().as_str().to_owned(),
            display_name: r
                .attribute("displayName")
                .and_then(Value::as_str)
                .map(str::to_owned),
            external_id: r.external_id().map(str::to_owned),
            member_count: members.len(),
        })
    }
}
