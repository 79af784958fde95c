//! Errors of this crate's API (configuration, settings, storage). Errors caused by requests
//! never surface here: [`OktaIntegration::handle`](crate::OktaIntegration::handle) renders them
//! into responses.

/// A configuration value given to [`OktaIntegration::builder`](crate::OktaIntegration::builder)
/// is invalid (API misuse, found at `build()`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The base URL is not `http(s)://host[:port]`.
    #[error("invalid base URL {url:?}: {detail}")]
    BaseUrl {
        /// The URL as given.
        url: String,
        /// What is wrong.
        detail: &'static str,
    },
    /// The base path is not `/segment[/segment…]` (or empty).
    #[error("invalid base path {path:?}: must start with '/' and contain no '?', '#' or '//'")]
    BasePath {
        /// The path as given.
        path: String,
    },
    /// The default organization is not a valid organization name.
    #[error("invalid default organization {name:?}: one DNS label of [a-z0-9-]")]
    DefaultOrganization {
        /// The name as given.
        name: String,
    },
    /// Another value is out of range.
    #[error("invalid {what}: {detail}")]
    InvalidValue {
        /// Which option.
        what: &'static str,
        /// Why.
        detail: &'static str,
    },
}

/// An error of this crate's API.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Invalid configuration.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The random source failed.
    #[error("the system random source failed")]
    Random,
    /// The store failed (detail for logs only).
    #[error("storage: {0}")]
    Store(String),
    /// The organization does not exist.
    #[error("unknown organization {0:?}")]
    UnknownOrganization(String),
    /// The actor may not change the integration settings (only Owner and Admin may).
    #[error("only an Owner or Admin of the organization may change the integration settings")]
    Forbidden,
    /// The settings form has errors (per field).
    #[error("the integration settings are invalid")]
    InvalidSettings(crate::settings::SettingsErrors),
}
