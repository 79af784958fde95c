//! The storage trait and an in-memory implementation.
//!
//! A [`ResourceStore`] holds one organization's resources. Its methods return boxed `Send`
//! futures, so it works with any executor and as `Arc<dyn ResourceStore>`. Every rule lives in
//! [`Scim`]: a store reads the current resource inside its transaction, calls
//! [`Scim::replace`] or [`Scim::patch`], checks uniqueness with [`Scim::unique_values`], and
//! writes the result together with whatever else it keeps (an SQL store adds its provisioning
//! queue entry in the same transaction). [`PatchOutcome`](crate::patch::PatchOutcome) names the
//! member values added and removed, so membership rows can be updated without rewriting a
//! large group.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};

use serde_json::Value;

use crate::error::{Error, Result};
use crate::group::GroupRef;
use crate::list::Page;
use crate::meta::Conditions;
use crate::patch::PatchRequest;
use crate::query::ListQuery;
use crate::resource::Resource;
use crate::{Scim, UniqueValue};

/// The future type of store methods.
pub type StoreFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T>> + Send + 'a>>;

/// Persistence of one organization's SCIM resources.
///
/// Resource types are named as in the schema registry (`User`, `Group`); ids are compared
/// exactly. Errors are [`Error`]s ready for the wire: [`Error::NotFound`] (404),
/// [`Error::Uniqueness`] (409), [`Error::PreconditionFailed`] (412), validation errors (400).
pub trait ResourceStore: Send + Sync {
    /// Stores a new resource built by [`Scim::create`], enforcing uniqueness atomically.
    fn create(&self, resource: Resource) -> StoreFuture<'_, Resource>;

    /// Reads one resource (users come with their derived `groups`).
    fn get<'a>(&'a self, resource_type: &'a str, id: &'a str) -> StoreFuture<'a, Resource>;

    /// PUT: replaces a resource with a request body (rules in [`Scim::replace`]).
    fn replace<'a>(
        &'a self,
        resource_type: &'a str,
        id: &'a str,
        body: &'a Value,
        conditions: &'a Conditions,
    ) -> StoreFuture<'a, Resource>;

    /// PATCH: applies a request atomically (rules in [`Scim::patch`]).
    fn patch<'a>(
        &'a self,
        resource_type: &'a str,
        id: &'a str,
        request: &'a PatchRequest,
        conditions: &'a Conditions,
    ) -> StoreFuture<'a, Resource>;

    /// DELETE. Deleting a user also removes it from every group.
    fn delete<'a>(
        &'a self,
        resource_type: &'a str,
        id: &'a str,
        conditions: &'a Conditions,
    ) -> StoreFuture<'a, ()>;

    /// A list query over one resource type, in a stable order.
    fn query<'a>(&'a self, resource_type: &'a str, query: &'a ListQuery) -> StoreFuture<'a, Page>;

    /// Whether a unique value is free (ignoring the resource `except`).
    fn is_unique<'a>(
        &'a self,
        resource_type: &'a str,
        value: &'a UniqueValue,
        except: Option<&'a str>,
    ) -> StoreFuture<'a, bool>;

    /// The groups a user is a direct member of.
    fn groups_of<'a>(&'a self, user_id: &'a str) -> StoreFuture<'a, Vec<GroupRef>>;
}

type Key = (String, String, String);

#[derive(Debug, Default)]
struct State {
    /// Per resource type (lower-case name): creation sequence → resource.
    by_type: HashMap<String, BTreeMap<u64, Resource>>,
    /// (type, id) → creation sequence.
    seq_of: HashMap<(String, String), u64>,
    next_seq: u64,
    /// (type, attribute, comparison key) → id.
    unique: HashMap<Key, String>,
    /// user id → ids of groups with that member.
    user_groups: HashMap<String, BTreeSet<String>>,
}

/// An in-memory [`ResourceStore`] for tests and small embeddings. One mutex guards all state,
/// so uniqueness checks and writes are atomic under concurrent requests.
///
/// The request handling of `POST /Users`, `PATCH /Users/{id}` and `GET /Users?filter=…`. The
/// futures are ready at once; any executor runs them (here a minimal one, to stay
/// dependency-free):
///
/// ```
/// use std::sync::Arc;
/// use scim_core::ids::SequentialIds;
/// use scim_core::meta::Conditions;
/// use scim_core::query::ListQuery;
/// use scim_core::store::{MemoryStore, ResourceStore};
/// use scim_core::time::SystemClock;
/// use scim_core::Scim;
/// use serde_json::json;
///
/// # fn block_on<F: std::future::Future>(f: F) -> F::Output {
/// #     let mut f = std::pin::pin!(f);
/// #     let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
/// #     loop { if let std::task::Poll::Ready(v) = f.as_mut().poll(&mut cx) { return v; } }
/// # }
/// # block_on(async {
/// let scim = Arc::new(Scim::new(Arc::new(SystemClock), Arc::new(SequentialIds::new("u"))));
/// let store = MemoryStore::new(scim.clone());
///
/// // POST /Users: the engine validates the body, the store enforces uniqueness.
/// let body = json!({
///     "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
///     "userName": "jane@example.com", "active": true
/// });
/// let jane = store.create(scim.create("User", &body)?).await?;
/// let again = store.create(scim.create("User", &body)?).await.unwrap_err();
/// assert_eq!(again.status(), 409);
///
/// // PATCH /Users/{id} (no If-Match header: no conditions)
/// let patch = scim.parse_patch(&json!({
///     "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
///     "Operations": [{"op": "replace", "value": {"active": false}}]
/// }))?;
/// store.patch("User", jane.id().as_str(), &patch, &Conditions::default()).await?;
///
/// // GET /Users?filter=…&count=10 (`true`: accept the lenient dialect, see `Options`)
/// let query = ListQuery::from_params(
///     [("filter", r#"userName eq "JANE@example.com" and active eq false"#), ("count", "10")],
///     true,
/// )?;
/// let page = store.query("User", &query).await?;
/// let body = scim.list_response(&page, None, None)?;
/// assert_eq!(body["totalResults"], 1);
/// assert_eq!(body["Resources"][0]["id"], jane.id().as_str());
/// # Ok::<(), scim_core::Error>(())
/// # })?;
/// # Ok::<(), scim_core::Error>(())
/// ```
#[derive(Debug)]
pub struct MemoryStore {
    scim: Arc<Scim>,
    state: Mutex<State>,
}

fn ready<'a, T: Send + 'a>(r: Result<T>) -> StoreFuture<'a, T> {
    Box::pin(std::future::ready(r))
}

impl MemoryStore {
    /// An empty store using `scim` for every rule.
    pub fn new(scim: Arc<Scim>) -> Self {
        Self {
            scim,
            state: Mutex::new(State::default()),
        }
    }

    /// The engine.
    pub fn scim(&self) -> &Scim {
        &self.scim
    }

    fn lock(&self) -> Result<MutexGuard<'_, State>> {
        self.state.lock().map_err(|_| Error::Storage {
            detail: "in-memory store lock poisoned".into(),
        })
    }

    fn type_key(&self, resource_type: &str) -> Result<String> {
        Ok(self
            .scim
            .resource_type(resource_type)?
            .name
            .to_ascii_lowercase())
    }

    fn not_found(&self, resource_type: &str, id: &str) -> Error {
        Error::NotFound {
            resource_type: self
                .scim
                .resource_type(resource_type)
                .map_or_else(|_| resource_type.to_owned(), |r| r.name.clone()),
            id: id.to_owned(),
        }
    }

    fn check_unique(
        st: &State,
        tk: &str,
        values: &[UniqueValue],
        except: Option<&str>,
    ) -> Result<()> {
        check_unique_in(&st.unique, tk, values, except)
    }

    fn with_groups(&self, st: &State, mut r: Resource) -> Resource {
        if r.resource_type().eq_ignore_ascii_case("User") {
            r.set_groups(groups_of(st, r.id().as_str()));
        }
        r
    }

    fn create_sync(&self, resource: Resource) -> Result<Resource> {
        let mut st = self.lock()?;
        let tk = self.type_key(resource.resource_type())?;
        let id = resource.id().as_str().to_owned();
        if st.seq_of.contains_key(&(tk.clone(), id.clone())) {
            return Err(Error::Uniqueness {
                attribute: "id".into(),
                value: id,
            });
        }
        let uniques = self.scim.unique_values(&resource);
        Self::check_unique(&st, &tk, &uniques, None)?;
        for u in uniques {
            st.unique
                .insert((tk.clone(), u.attribute, u.key), id.clone());
        }
        if let Some(members) = resource.members() {
            for m in members.iter() {
                st.user_groups
                    .entry(m.value.clone())
                    .or_default()
                    .insert(id.clone());
            }
        }
        let seq = st.next_seq;
        st.next_seq += 1;
        st.seq_of.insert((tk.clone(), id), seq);
        st.by_type
            .entry(tk)
            .or_default()
            .insert(seq, resource.clone());
        Ok(self.with_groups(&st, resource))
    }

    fn get_sync(&self, resource_type: &str, id: &str) -> Result<Resource> {
        let st = self.lock()?;
        let tk = self.type_key(resource_type)?;
        let r = lookup(&st, &tk, id)
            .cloned()
            .ok_or_else(|| self.not_found(resource_type, id))?;
        Ok(self.with_groups(&st, r))
    }

    /// Read-modify-write under the lock. `f` gets the current resource and a uniqueness
    /// check to run before it commits; it returns membership changes `(added, removed)` and
    /// leaves the resource untouched when it fails.
    fn update_sync(
        &self,
        resource_type: &str,
        id: &str,
        conditions: &Conditions,
        f: impl FnOnce(
            &mut Resource,
            &dyn Fn(&[UniqueValue]) -> Result<()>,
        ) -> Result<(Vec<String>, Vec<String>)>,
    ) -> Result<Resource> {
        let mut guard = self.lock()?;
        let st = &mut *guard;
        let tk = self.type_key(resource_type)?;
        let seq = *st
            .seq_of
            .get(&(tk.clone(), id.to_owned()))
            .ok_or_else(|| self.not_found(resource_type, id))?;
        let State {
            by_type,
            unique,
            user_groups,
            ..
        } = st;
        let current = by_type
            .get_mut(&tk)
            .and_then(|m| m.get_mut(&seq))
            .ok_or_else(|| self.not_found(resource_type, id))?;
        conditions.check(&current.etag())?;
        let old_uniques = self.scim.unique_values(current);
        let unique_ro: &HashMap<Key, String> = unique;
        let check = |values: &[UniqueValue]| check_unique_in(unique_ro, &tk, values, Some(id));
        let (added, removed) = f(current, &check)?;
        let new_uniques = self.scim.unique_values(current);
        let result = current.clone();
        for u in old_uniques {
            unique.remove(&(tk.clone(), u.attribute, u.key));
        }
        for u in new_uniques {
            unique.insert((tk.clone(), u.attribute, u.key), id.to_owned());
        }
        for v in added {
            user_groups.entry(v).or_default().insert(id.to_owned());
        }
        for v in removed {
            if let Some(set) = user_groups.get_mut(&v) {
                set.remove(id);
                if set.is_empty() {
                    user_groups.remove(&v);
                }
            }
        }
        Ok(self.with_groups(st, result))
    }

    fn delete_sync(&self, resource_type: &str, id: &str, conditions: &Conditions) -> Result<()> {
        let mut st = self.lock()?;
        let tk = self.type_key(resource_type)?;
        let seq = *st
            .seq_of
            .get(&(tk.clone(), id.to_owned()))
            .ok_or_else(|| self.not_found(resource_type, id))?;
        let current = lookup(&st, &tk, id).ok_or_else(|| self.not_found(resource_type, id))?;
        conditions.check(&current.etag())?;
        let uniques = self.scim.unique_values(current);
        let member_values: Vec<String> = current
            .members()
            .map(|m| m.iter().map(|x| x.value.clone()).collect())
            .unwrap_or_default();
        for u in uniques {
            st.unique.remove(&(tk.clone(), u.attribute, u.key));
        }
        for v in member_values {
            if let Some(set) = st.user_groups.get_mut(&v) {
                set.remove(id);
                if set.is_empty() {
                    st.user_groups.remove(&v);
                }
            }
        }
        // A deleted user (or group) leaves every group it was a member of.
        if let Some(groups) = st.user_groups.remove(id) {
            let now = self.scim.now();
            let gk = "group".to_owned();
            for g in groups {
                let gseq = st.seq_of.get(&(gk.clone(), g.clone())).copied();
                if let Some(gr) =
                    gseq.and_then(|s| st.by_type.get_mut(&gk).and_then(|m| m.get_mut(&s)))
                {
                    if let Some(list) = gr.members.as_mut() {
                        if list.remove(id).is_some() {
                            gr.meta.touch(now);
                        }
                    }
                }
            }
        }
        st.seq_of.remove(&(tk.clone(), id.to_owned()));
        if let Some(m) = st.by_type.get_mut(&tk) {
            m.remove(&seq);
        }
        Ok(())
    }

    fn query_sync(&self, resource_type: &str, q: &ListQuery) -> Result<Page> {
        let st = self.lock()?;
        let tk = self.type_key(resource_type)?;
        let empty = BTreeMap::new();
        let all = st.by_type.get(&tk).unwrap_or(&empty);
        let mut page = self.scim.query(resource_type, all.values(), q)?;
        page.resources = page
            .resources
            .into_iter()
            .map(|r| self.with_groups(&st, r))
            .collect();
        Ok(page)
    }
}

fn check_unique_in(
    unique: &HashMap<Key, String>,
    tk: &str,
    values: &[UniqueValue],
    except: Option<&str>,
) -> Result<()> {
    for u in values {
        if let Some(owner) = unique.get(&(tk.to_owned(), u.attribute.clone(), u.key.clone())) {
            if Some(owner.as_str()) != except {
                return Err(Error::Uniqueness {
                    attribute: u.attribute.clone(),
                    value: u.value.clone(),
                });
            }
        }
    }
    Ok(())
}

fn lookup<'s>(st: &'s State, tk: &str, id: &str) -> Option<&'s Resource> {
    let seq = st.seq_of.get(&(tk.to_owned(), id.to_owned()))?;
    st.by_type.get(tk)?.get(seq)
}

fn groups_of(st: &State, user_id: &str) -> Vec<GroupRef> {
    st.user_groups
        .get(user_id)
        .map(|set| {
            set.iter()
                .map(|g| GroupRef {
                    id: g.clone(),
                    display: lookup(st, "group", g)
                        .and_then(|r| r.attribute("displayName"))
                        .and_then(Value::as_str)
                        .map(str::to_owned),
                })
                .collect()
        })
        .unwrap_or_default()
}

impl ResourceStore for MemoryStore {
    fn create(&self, resource: Resource) -> StoreFuture<'_, Resource> {
        ready(self.create_sync(resource))
    }

    fn get<'a>(&'a self, resource_type: &'a str, id: &'a str) -> StoreFuture<'a, Resource> {
        ready(self.get_sync(resource_type, id))
    }

    fn replace<'a>(
        &'a self,
        resource_type: &'a str,
        id: &'a str,
        body: &'a Value,
        conditions: &'a Conditions,
    ) -> StoreFuture<'a, Resource> {
        let scim = Arc::clone(&self.scim);
        ready(
            self.update_sync(resource_type, id, conditions, move |current, check| {
                let new = scim.replace(current, body)?;
                check(&scim.unique_values(&new))?;
                let (added, removed) = match (current.members(), new.members()) {
                    (Some(old), Some(n)) => (
                        n.iter()
                            .filter(|m| !old.contains(&m.value))
                            .map(|m| m.value.clone())
                            .collect(),
                        old.iter()
                            .filter(|m| !n.contains(&m.value))
                            .map(|m| m.value.clone())
                            .collect(),
                    ),
                    _ => (Vec::new(), Vec::new()),
                };
                *current = new;
                Ok((added, removed))
            }),
        )
    }

    fn patch<'a>(
        &'a self,
        resource_type: &'a str,
        id: &'a str,
        request: &'a PatchRequest,
        conditions: &'a Conditions,
    ) -> StoreFuture<'a, Resource> {
        let scim = Arc::clone(&self.scim);
        ready(
            self.update_sync(resource_type, id, conditions, move |current, check| {
                let outcome = scim.patch_checked(current, request, check)?;
                Ok((outcome.members_added, outcome.members_removed))
            }),
        )
    }

    fn delete<'a>(
        &'a self,
        resource_type: &'a str,
        id: &'a str,
        conditions: &'a Conditions,
    ) -> StoreFuture<'a, ()> {
        ready(self.delete_sync(resource_type, id, conditions))
    }

    fn query<'a>(&'a self, resource_type: &'a str, query: &'a ListQuery) -> StoreFuture<'a, Page> {
        ready(self.query_sync(resource_type, query))
    }

    fn is_unique<'a>(
        &'a self,
        resource_type: &'a str,
        value: &'a UniqueValue,
        except: Option<&'a str>,
    ) -> StoreFuture<'a, bool> {
        let r = (|| {
            let st = self.lock()?;
            let tk = self.type_key(resource_type)?;
            Ok(Self::check_unique(&st, &tk, std::slice::from_ref(value), except).is_ok())
        })();
        ready(r)
    }

    fn groups_of<'a>(&'a self, user_id: &'a str) -> StoreFuture<'a, Vec<GroupRef>> {
        ready(self.lock().map(|st| groups_of(&st, user_id)))
    }
}
