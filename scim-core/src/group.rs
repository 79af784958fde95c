//! Group membership: an ordered member list indexed by `value`, so adding or removing one
//! member of a large group costs O(log n) and never rewrites the list.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use serde_json::{Map, Value, json};

/// One entry of Group `members` (RFC 7643 §4.2).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Member {
    /// The member's `id` (a User or Group id).
    pub value: String,
    /// The member's URI (`$ref`).
    pub reference: Option<String>,
    /// A human-readable name.
    pub display: Option<String>,
    /// `User` or `Group`.
    pub member_type: Option<String>,
}

impl Member {
    /// A member with only a value.
    pub fn new(value: impl Into<String>) -> Self {
        Self {
            value: value.into(),
            reference: None,
            display: None,
            member_type: None,
        }
    }

    /// The JSON form (`{"value":…, "$ref":…, "display":…, "type":…}`, absent fields left out).
    pub fn to_json(&self) -> Value {
        let mut m = Map::new();
        m.insert("value".into(), json!(self.value));
        if let Some(r) = &self.reference {
            m.insert("$ref".into(), json!(r));
        }
        if let Some(d) = &self.display {
            m.insert("display".into(), json!(d));
        }
        if let Some(t) = &self.member_type {
            m.insert("type".into(), json!(t));
        }
        Value::Object(m)
    }

    /// From a canonical member object (as produced by validation).
    pub(crate) fn from_canonical(obj: &Map<String, Value>) -> Option<Self> {
        let s = |k: &str| obj.get(k).and_then(Value::as_str).map(str::to_owned);
        Some(Self {
            value: s("value")?,
            reference: s("$ref"),
            display: s("display"),
            member_type: s("type"),
        })
    }
}

/// The ordered, value-indexed member list of a group.
///
/// Order is insertion order. Values are unique (an equal value added twice is kept once).
/// Cloning is O(1): the maps are shared until one of the copies changes, so a store can hand
/// out a copy of a large group and still change its own in place afterwards.
#[derive(Debug, Clone, Default)]
pub struct MemberList {
    by_seq: Arc<BTreeMap<u64, Member>>,
    by_value: Arc<HashMap<String, u64>>,
    next_seq: u64,
}

impl PartialEq for MemberList {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().zip(other.iter()).all(|(a, b)| a == b)
    }
}

impl Eq for MemberList {}

impl MemberList {
    /// An empty list.
    pub fn new() -> Self {
        Self::default()
    }

    /// Number of members.
    pub fn len(&self) -> usize {
        self.by_seq.len()
    }

    /// Whether the list is empty.
    pub fn is_empty(&self) -> bool {
        self.by_seq.is_empty()
    }

    /// Members in order.
    pub fn iter(&self) -> impl Iterator<Item = &Member> + '_ {
        self.by_seq.values()
    }

    /// Whether a member with this value exists.
    pub fn contains(&self, value: &str) -> bool {
        self.by_value.contains_key(value)
    }

    /// The member with this value.
    pub fn get(&self, value: &str) -> Option<&Member> {
        self.by_value.get(value).and_then(|s| self.by_seq.get(s))
    }

    /// Appends a member; returns `false` (and changes nothing) when the value is present.
    pub fn insert(&mut self, member: Member) -> bool {
        if self.by_value.contains_key(&member.value) {
            return false;
        }
        let seq = self.next_seq;
        self.next_seq = self.next_seq.saturating_add(1);
        Arc::make_mut(&mut self.by_value).insert(member.value.clone(), seq);
        Arc::make_mut(&mut self.by_seq).insert(seq, member);
        true
    }

    /// Removes the member with this value, returning its position key and the member.
    pub(crate) fn remove_entry(&mut self, value: &str) -> Option<(u64, Member)> {
        if !self.by_value.contains_key(value) {
            return None;
        }
        let seq = Arc::make_mut(&mut self.by_value).remove(value)?;
        Arc::make_mut(&mut self.by_seq)
            .remove(&seq)
            .map(|m| (seq, m))
    }

    /// Removes the member with this value.
    pub fn remove(&mut self, value: &str) -> Option<Member> {
        self.remove_entry(value).map(|(_, m)| m)
    }

    /// Puts a removed member back at its old position (undo).
    pub(crate) fn restore(&mut self, seq: u64, member: Member) {
        Arc::make_mut(&mut self.by_value).insert(member.value.clone(), seq);
        Arc::make_mut(&mut self.by_seq).insert(seq, member);
    }

    /// Replaces the member with this value in place (same position).
    pub(crate) fn replace_in_place(&mut self, value: &str, member: Member) -> Option<Member> {
        let seq = *self.by_value.get(value)?;
        if member.value != value {
            let index = Arc::make_mut(&mut self.by_value);
            index.remove(value);
            index.insert(member.value.clone(), seq);
        }
        Arc::make_mut(&mut self.by_seq).insert(seq, member)
    }

    /// The JSON array.
    pub fn to_json(&self) -> Value {
        Value::Array(self.iter().map(Member::to_json).collect())
    }
}

impl FromIterator<Member> for MemberList {
    fn from_iter<I: IntoIterator<Item = Member>>(iter: I) -> Self {
        let mut list = Self::new();
        for m in iter {
            list.insert(m);
        }
        list
    }
}

/// A group a user belongs to, for the derived, read-only `User.groups` attribute.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupRef {
    /// The group's id.
    pub id: String,
    /// The group's displayName.
    pub display: Option<String>,
}
