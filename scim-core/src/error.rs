//! The one error type of this crate, rendered as RFC 7644 §3.12 error JSON.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// The URN of the SCIM error message schema (RFC 7644 §3.12).
pub const ERROR_URN: &str = "urn:ietf:params:scim:api:messages:2.0:Error";

/// The `scimType` detail error keywords of RFC 7644 §3.12, Table 9.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ScimType {
    /// The filter syntax was invalid or the attribute and comparison combination is not supported.
    InvalidFilter,
    /// The filter yields more results than the server is willing to return.
    TooMany,
    /// One or more of the attribute values are already in use or are reserved.
    Uniqueness,
    /// The attempted modification is not compatible with the target attribute's mutability.
    Mutability,
    /// The request body structure was invalid or did not conform to the request schema.
    InvalidSyntax,
    /// The "path" attribute was invalid or malformed.
    InvalidPath,
    /// The specified "path" did not yield an attribute or attribute value that could be operated on.
    NoTarget,
    /// A required value was missing, or the value specified was not compatible.
    InvalidValue,
    /// The specified SCIM protocol version is not supported.
    InvalidVers,
    /// The request cannot be completed because of sensitive information in the request URI.
    Sensitive,
}

impl ScimType {
    /// The keyword as written on the wire, e.g. `"noTarget"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::InvalidFilter => "invalidFilter",
            Self::TooMany => "tooMany",
            Self::Uniqueness => "uniqueness",
            Self::Mutability => "mutability",
            Self::InvalidSyntax => "invalidSyntax",
            Self::InvalidPath => "invalidPath",
            Self::NoTarget => "noTarget",
            Self::InvalidValue => "invalidValue",
            Self::InvalidVers => "invalidVers",
            Self::Sensitive => "sensitive",
        }
    }

    /// Parses a wire keyword (case-insensitively).
    pub fn parse(s: &str) -> Option<Self> {
        const ALL: [ScimType; 10] = [
            ScimType::InvalidFilter,
            ScimType::TooMany,
            ScimType::Uniqueness,
            ScimType::Mutability,
            ScimType::InvalidSyntax,
            ScimType::InvalidPath,
            ScimType::NoTarget,
            ScimType::InvalidValue,
            ScimType::InvalidVers,
            ScimType::Sensitive,
        ];
        ALL.into_iter().find(|t| t.as_str().eq_ignore_ascii_case(s))
    }
}

impl std::fmt::Display for ScimType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Everything that can go wrong in SCIM processing, each with the context needed to say what
/// was wrong and where. [`Error::status`] and [`Error::scim_type`] give the HTTP status and the
/// RFC 7644 `scimType`; [`Error::to_json`] renders the §3.12 error body.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// The body is not valid JSON or not of the shape the request needs.
    #[error("{detail}")]
    InvalidSyntax {
        /// What was wrong, naming the place.
        detail: String,
    },
    /// A value has the wrong type or is not acceptable for its attribute.
    #[error("attribute '{path}': {detail}")]
    InvalidValue {
        /// The attribute path, e.g. `emails[0].value`.
        path: String,
        /// What was wrong with the value.
        detail: String,
    },
    /// A required attribute is missing.
    #[error("attribute '{path}' is required")]
    MissingRequired {
        /// The attribute path.
        path: String,
    },
    /// An attempt to change a readOnly or immutable attribute, or to remove a required one.
    #[error("attribute '{path}': {detail}")]
    Mutability {
        /// The attribute path.
        path: String,
        /// Why the change is not allowed.
        detail: String,
    },
    /// A PATCH path (or an `attributes` / `sortBy` path) is malformed or names no attribute.
    #[error("invalid path '{path}': {detail}")]
    InvalidPath {
        /// The path as sent.
        path: String,
        /// What is wrong with it.
        detail: String,
    },
    /// A PATCH path matched nothing that can be operated on.
    #[error("path '{path}' did not match {detail}")]
    NoTarget {
        /// The path as sent (empty when the path was missing).
        path: String,
        /// What was expected to match.
        detail: String,
    },
    /// A filter is malformed or uses an unsupported comparison.
    #[error("invalid filter: {detail}")]
    InvalidFilter {
        /// What is wrong, with the position when known.
        detail: String,
    },
    /// The query matches more resources than the server returns.
    #[error("the filter matches {matched} resources, more than the maximum of {max}")]
    TooMany {
        /// Number of matching resources.
        matched: usize,
        /// Configured maximum.
        max: usize,
    },
    /// A value of an attribute with `uniqueness: server` is already used.
    #[error("{attribute} '{value}' is already in use")]
    Uniqueness {
        /// Canonical attribute name, e.g. `userName`.
        attribute: String,
        /// The value that collides.
        value: String,
    },
    /// No resource with this id.
    #[error("{resource_type} '{id}' not found")]
    NotFound {
        /// Resource type name, e.g. `User`.
        resource_type: String,
        /// The id as requested.
        id: String,
    },
    /// An `If-Match` precondition failed.
    #[error("resource version {current} does not match the If-Match precondition")]
    PreconditionFailed {
        /// The current version (ETag) of the resource.
        current: String,
    },
    /// A configured size or count limit was exceeded by the request.
    #[error("{what} exceeds the limit of {limit}")]
    LimitExceeded {
        /// What was too large, e.g. `PATCH operations`.
        what: String,
        /// The limit.
        limit: usize,
    },
    /// A requested feature is not supported by this service provider.
    #[error("{detail}")]
    NotImplemented {
        /// Which feature.
        detail: String,
    },
    /// The storage layer failed; the detail is for logs, the wire gets a generic message.
    #[error("storage failure: {detail}")]
    Storage {
        /// Internal detail (not sent to clients).
        detail: String,
    },
    /// The embedding application used this API wrongly (a bug in the caller, not bad input).
    #[error("API misuse: {detail}")]
    Misuse {
        /// What was wrong.
        detail: String,
    },
}

impl Error {
    /// Shorthand for [`Error::InvalidSyntax`].
    pub fn invalid_syntax(detail: impl Into<String>) -> Self {
        Self::InvalidSyntax {
            detail: detail.into(),
        }
    }

    /// Shorthand for [`Error::InvalidValue`].
    pub fn invalid_value(path: impl Into<String>, detail: impl Into<String>) -> Self {
        Self::InvalidValue {
            path: path.into(),
            detail: detail.into(),
        }
    }

    /// Shorthand for [`Error::Mutability`].
    pub fn mutability(path: impl Into<String>, detail: impl Into<String>) -> Self {
        Self::Mutability {
            path: path.into(),
            detail: detail.into(),
        }
    }

    /// Shorthand for [`Error::InvalidPath`].
    pub fn invalid_path(path: impl Into<String>, detail: impl Into<String>) -> Self {
        Self::InvalidPath {
            path: path.into(),
            detail: detail.into(),
        }
    }

    /// Shorthand for [`Error::NoTarget`].
    pub fn no_target(path: impl Into<String>, detail: impl Into<String>) -> Self {
        Self::NoTarget {
            path: path.into(),
            detail: detail.into(),
        }
    }

    /// The HTTP status code this error is answered with.
    pub fn status(&self) -> u16 {
        match self {
            Self::InvalidSyntax { .. }
            | Self::InvalidValue { .. }
            | Self::MissingRequired { .. }
            | Self::Mutability { .. }
            | Self::InvalidPath { .. }
            | Self::NoTarget { .. }
            | Self::InvalidFilter { .. }
            | Self::TooMany { .. } => 400,
            Self::Uniqueness { .. } => 409,
            Self::NotFound { .. } => 404,
            Self::PreconditionFailed { .. } => 412,
            Self::LimitExceeded { .. } => 413,
            Self::NotImplemented { .. } => 501,
            Self::Storage { .. } | Self::Misuse { .. } => 500,
        }
    }

    /// The RFC 7644 `scimType`, when the RFC defines one for this error.
    pub fn scim_type(&self) -> Option<ScimType> {
        match self {
            Self::InvalidSyntax { .. } => Some(ScimType::InvalidSyntax),
            Self::InvalidValue { .. } | Self::MissingRequired { .. } => {
                Some(ScimType::InvalidValue)
            }
            Self::Mutability { .. } => Some(ScimType::Mutability),
            Self::InvalidPath { .. } => Some(ScimType::InvalidPath),
            Self::NoTarget { .. } => Some(ScimType::NoTarget),
            Self::InvalidFilter { .. } => Some(ScimType::InvalidFilter),
            Self::TooMany { .. } => Some(ScimType::TooMany),
            Self::Uniqueness { .. } => Some(ScimType::Uniqueness),
            Self::NotFound { .. }
            | Self::PreconditionFailed { .. }
            | Self::LimitExceeded { .. }
            | Self::NotImplemented { .. }
            | Self::Storage { .. }
            | Self::Misuse { .. } => None,
        }
    }

    /// The human-readable `detail` sent to the client. Internal failures get a generic text.
    pub fn detail(&self) -> String {
        match self {
            Self::Storage { .. } | Self::Misuse { .. } => "internal server error".to_owned(),
            other => other.to_string(),
        }
    }

    /// The wire form of this error.
    pub fn to_response(&self) -> ErrorResponse {
        ErrorResponse {
            schemas: vec![ERROR_URN.to_owned()],
            status: self.status().to_string(),
            scim_type: self.scim_type().map(|t| t.as_str().to_owned()),
            detail: Some(self.detail()),
        }
    }

    /// The RFC 7644 §3.12 JSON body: `{"schemas":[…Error], "status":"400", "scimType":…, "detail":…}`.
    ///
    /// ```
    /// let err = scim_core::Error::NotFound { resource_type: "User".into(), id: "42".into() };
    /// assert_eq!(err.status(), 404);
    /// assert_eq!(
    ///     err.to_json(),
    ///     serde_json::json!({
    ///         "schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"],
    ///         "status": "404",
    ///         "detail": "User '42' not found"
    ///     })
    /// );
    /// ```
    pub fn to_json(&self) -> Value {
        let mut body = json!({
            "schemas": [ERROR_URN],
            "status": self.status().to_string(),
            "detail": self.detail(),
        });
        if let (Some(t), Some(obj)) = (self.scim_type(), body.as_object_mut()) {
            obj.insert("scimType".to_owned(), Value::String(t.as_str().to_owned()));
        }
        body
    }
}

/// The RFC 7644 §3.12 error message, as it travels on the wire (both directions).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorResponse {
    /// Always `["urn:ietf:params:scim:api:messages:2.0:Error"]`.
    pub schemas: Vec<String>,
    /// The HTTP status code, as a string.
    pub status: String,
    /// The `scimType` keyword, if any.
    #[serde(rename = "scimType", skip_serializing_if = "Option::is_none", default)]
    pub scim_type: Option<String>,
    /// Human-readable detail.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub detail: Option<String>,
}

/// Result alias for this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;
