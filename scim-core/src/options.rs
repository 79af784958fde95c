//! Processing policy and limits.

use scim_filter::{AttrName, AttrPath};

/// What to do with attributes the schema does not define.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum UnknownAttributes {
    /// Drop them silently (the default: identity providers send unmapped attributes).
    #[default]
    Ignore,
    /// Answer 400 `invalidSyntax`, naming the attribute.
    Reject,
}

/// A filter attribute alias of the lenient dialect: in filters over resources of
/// `resource_type`, the bare attribute name `alias` (no schema URN, no sub-attribute, matched
/// case-insensitively) is read as `target`, unless the resource type's schemas define an
/// attribute of that name.
///
/// The default table holds one alias, User `email` → `emails.value`: Okta's admin guides tell
/// the admin to enter `email` as the "Unique identifier field for users", and Okta then looks
/// users up with `filter=email eq "jane@example.com"`.
///
/// ```
/// use scim_core::{FilterAlias, Options};
/// use scim_core::scim_filter::{AttrName, AttrPath};
/// let opts = Options::default().with_filter_alias(FilterAlias::new(
///     "User",
///     AttrName::new("mail")?,
///     "emails.value".parse::<AttrPath>()?,
/// ));
/// assert_eq!(opts.filter_aliases().len(), 2); // `email` and `mail`
/// # Ok::<(), scim_core::scim_filter::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilterAlias {
    resource_type: String,
    alias: AttrName,
    target: AttrPath,
}

impl FilterAlias {
    /// In filters over `resource_type` (a resource type name such as `User`, matched
    /// case-insensitively), read the attribute `alias` as `target`.
    pub fn new(resource_type: &str, alias: AttrName, target: AttrPath) -> Self {
        Self {
            resource_type: resource_type.to_owned(),
            alias,
            target,
        }
    }

    /// The resource type the alias applies to.
    pub fn resource_type(&self) -> &str {
        &self.resource_type
    }

    /// The name as identity providers write it.
    pub fn alias(&self) -> &AttrName {
        &self.alias
    }

    /// The attribute path it stands for.
    pub fn target(&self) -> &AttrPath {
        &self.target
    }
}

/// The default alias table: User `email` → `emails.value`.
fn default_filter_aliases() -> Vec<FilterAlias> {
    let alias = AttrName::new("email").ok();
    let target = AttrPath::parse("emails.value").ok();
    alias
        .zip(target)
        .map(|(a, t)| FilterAlias::new("User", a, t))
        .into_iter()
        .collect()
}

/// Policy and limits for processing requests.
///
/// ```
/// use scim_core::{Options, UnknownAttributes};
/// let strict = Options::default()
///     .with_lenient(false)
///     .with_unknown_attributes(UnknownAttributes::Reject);
/// assert!(!strict.lenient());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    lenient: bool,
    unknown_attributes: UnknownAttributes,
    max_patch_operations: usize,
    max_depth: usize,
    max_values: usize,
    max_string_bytes: usize,
    max_results: usize,
    default_count: usize,
    filter_aliases: Vec<FilterAlias>,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            lenient: true,
            unknown_attributes: UnknownAttributes::Ignore,
            max_patch_operations: 1_000,
            max_depth: 16,
            max_values: 200_000,
            max_string_bytes: 64 * 1024,
            max_results: 1_000,
            default_count: 100,
            filter_aliases: default_filter_aliases(),
        }
    }
}

impl Options {
    /// Lenient input for known identity-provider dialects (on by default): booleans sent as
    /// `"True"`/`"False"` strings, a single value where an array is expected, plain string
    /// member ids, unknown non-URN schema URIs in `schemas`, Entra's value-selected `remove`
    /// on `members`, unquoted filter values, and the filter attribute aliases of
    /// [`Options::filter_aliases`] (by default `email` for `emails.value` on User). Operation
    /// names are always matched case-insensitively.
    ///
    /// With lenient input off, no alias applies: `email eq "x"` names an attribute the User
    /// schema does not define, which (as for any undefined attribute) is absent from every
    /// resource, so the filter matches nothing (200 with `totalResults` 0).
    #[must_use]
    pub fn with_lenient(mut self, on: bool) -> Self {
        self.lenient = on;
        self
    }

    /// Policy for attributes the schema does not define.
    #[must_use]
    pub fn with_unknown_attributes(mut self, policy: UnknownAttributes) -> Self {
        self.unknown_attributes = policy;
        self
    }

    /// Most operations in one PATCH request (default 1,000).
    #[must_use]
    pub fn with_max_patch_operations(mut self, n: usize) -> Self {
        self.max_patch_operations = n;
        self
    }

    /// Deepest JSON nesting accepted in a resource or PATCH value (default 16).
    #[must_use]
    pub fn with_max_depth(mut self, n: usize) -> Self {
        self.max_depth = n;
        self
    }

    /// Most values in one multi-valued attribute of a request (default 200,000).
    #[must_use]
    pub fn with_max_values(mut self, n: usize) -> Self {
        self.max_values = n;
        self
    }

    /// Longest string value accepted, in bytes (default 64 KiB).
    #[must_use]
    pub fn with_max_string_bytes(mut self, n: usize) -> Self {
        self.max_string_bytes = n;
        self
    }

    /// Largest page returned by a query (`count` is capped to it; default 1,000). Advertised
    /// as `filter.maxResults`.
    #[must_use]
    pub fn with_max_results(mut self, n: usize) -> Self {
        self.max_results = n;
        self
    }

    /// Page size when a query has no `count` (default 100, capped by `max_results`).
    #[must_use]
    pub fn with_default_count(mut self, n: usize) -> Self {
        self.default_count = n;
        self
    }

    /// Adds a filter attribute alias (replacing one with the same resource type and alias
    /// name). Aliases apply only with lenient input on ([`Options::with_lenient`]).
    #[must_use]
    pub fn with_filter_alias(mut self, alias: FilterAlias) -> Self {
        self.filter_aliases.retain(|a| {
            !(a.resource_type.eq_ignore_ascii_case(&alias.resource_type) && a.alias == alias.alias)
        });
        self.filter_aliases.push(alias);
        self
    }

    /// Empties the filter attribute alias table (lenient input stays on otherwise).
    #[must_use]
    pub fn without_filter_aliases(mut self) -> Self {
        self.filter_aliases.clear();
        self
    }

    /// The filter attribute alias table (default: User `email` → `emails.value`). It is applied
    /// when lenient input is on: see [`FilterAlias`] and
    /// [`Scim::query_filter`](crate::Scim::query_filter).
    pub fn filter_aliases(&self) -> &[FilterAlias] {
        &self.filter_aliases
    }

    /// Whether lenient dialect input is on.
    pub fn lenient(&self) -> bool {
        self.lenient
    }

    /// Unknown-attribute policy.
    pub fn unknown_attributes(&self) -> UnknownAttributes {
        self.unknown_attributes
    }

    /// PATCH operation limit.
    pub fn max_patch_operations(&self) -> usize {
        self.max_patch_operations
    }

    /// JSON depth limit.
    pub fn max_depth(&self) -> usize {
        self.max_depth
    }

    /// Multi-valued attribute size limit.
    pub fn max_values(&self) -> usize {
        self.max_values
    }

    /// String size limit.
    pub fn max_string_bytes(&self) -> usize {
        self.max_string_bytes
    }

    /// Page size cap.
    pub fn max_results(&self) -> usize {
        self.max_results
    }

    /// Default page size.
    pub fn default_count(&self) -> usize {
        self.default_count.min(self.max_results)
    }
}
