//! Processing policy and limits.

/// What to do with attributes the schema does not define.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum UnknownAttributes {
    /// Drop them silently (the default: identity providers send unmapped attributes).
    #[default]
    Ignore,
    /// Answer 400 `invalidSyntax`, naming the attribute.
    Reject,
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
        }
    }
}

impl Options {
    /// Lenient input for known identity-provider dialects (on by default): booleans sent as
    /// `"True"`/`"False"` strings, a single value where an array is expected, plain string
    /// member ids, unknown non-URN schema URIs in `schemas`, Entra's value-selected `remove`
    /// on `members`. Operation names are always matched case-insensitively.
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
