//! Discovery documents (RFC 7644 §4, RFC 7643 §5): ServiceProviderConfig, ResourceTypes and
//! Schemas.

use serde_json::{Value, json};

use crate::list::ListResponse;
use crate::schema::SchemaRegistry;

/// URN of the ServiceProviderConfig schema.
pub const SERVICE_PROVIDER_CONFIG_URN: &str =
    "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig";

/// An authentication scheme advertised in the ServiceProviderConfig.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthenticationScheme {
    /// `oauthbearertoken`, `httpbasic`, …
    pub scheme_type: String,
    /// Display name.
    pub name: String,
    /// Description.
    pub description: String,
    /// Specification URI.
    pub spec_uri: Option<String>,
    /// Documentation URI.
    pub documentation_uri: Option<String>,
    /// Whether this is the preferred scheme.
    pub primary: bool,
}

impl AuthenticationScheme {
    /// Bearer tokens (RFC 6750), as Okta and Entra use them.
    pub fn bearer_token() -> Self {
        Self {
            scheme_type: "oauthbearertoken".into(),
            name: "OAuth Bearer Token".into(),
            description: "Authentication scheme using the OAuth Bearer Token Standard".into(),
            spec_uri: Some("http://www.rfc-editor.org/info/rfc6750".into()),
            documentation_uri: None,
            primary: true,
        }
    }
}

/// The configurable ServiceProviderConfig (RFC 7643 §5).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceProviderConfig {
    /// `documentationUri`.
    pub documentation_uri: Option<String>,
    /// `patch.supported`.
    pub patch: bool,
    /// `bulk.supported`.
    pub bulk: bool,
    /// `bulk.maxOperations`.
    pub bulk_max_operations: u64,
    /// `bulk.maxPayloadSize` in bytes.
    pub bulk_max_payload_size: u64,
    /// `filter.supported`.
    pub filter: bool,
    /// `filter.maxResults`.
    pub filter_max_results: u64,
    /// `changePassword.supported`.
    pub change_password: bool,
    /// `sort.supported`.
    pub sort: bool,
    /// `etag.supported`.
    pub etag: bool,
    /// `authenticationSchemes`.
    pub authentication_schemes: Vec<AuthenticationScheme>,
}

impl Default for ServiceProviderConfig {
    /// What this crate implements: PATCH, filter (max 1,000), sort, ETags, password changes;
    /// no bulk; bearer-token authentication.
    fn default() -> Self {
        Self {
            documentation_uri: None,
            patch: true,
            bulk: false,
            bulk_max_operations: 1000,
            bulk_max_payload_size: 1_048_576,
            filter: true,
            filter_max_results: 1000,
            change_password: true,
            sort: true,
            etag: true,
            authentication_schemes: vec![AuthenticationScheme::bearer_token()],
        }
    }
}

impl ServiceProviderConfig {
    /// The `/ServiceProviderConfig` document.
    pub fn to_json(&self, base_url: Option<&str>) -> Value {
        let schemes: Vec<Value> = self
            .authentication_schemes
            .iter()
            .map(|a| {
                let mut v = json!({
                    "type": a.scheme_type,
                    "name": a.name,
                    "description": a.description,
                    "primary": a.primary,
                });
                if let Some(o) = v.as_object_mut() {
                    if let Some(s) = &a.spec_uri {
                        o.insert("specUri".into(), json!(s));
                    }
                    if let Some(d) = &a.documentation_uri {
                        o.insert("documentationUri".into(), json!(d));
                    }
                }
                v
            })
            .collect();
        let mut doc = json!({
            "schemas": [SERVICE_PROVIDER_CONFIG_URN],
            "patch": {"supported": self.patch},
            "bulk": {
                "supported": self.bulk,
                "maxOperations": self.bulk_max_operations,
                "maxPayloadSize": self.bulk_max_payload_size,
            },
            "filter": {"supported": self.filter, "maxResults": self.filter_max_results},
            "changePassword": {"supported": self.change_password},
            "sort": {"supported": self.sort},
            "etag": {"supported": self.etag},
            "authenticationSchemes": schemes,
        });
        if let Some(o) = doc.as_object_mut() {
            if let Some(d) = &self.documentation_uri {
                o.insert("documentationUri".into(), json!(d));
            }
            if let Some(b) = base_url {
                o.insert(
                    "meta".into(),
                    json!({
                        "resourceType": "ServiceProviderConfig",
                        "location": format!("{}/ServiceProviderConfig", b.trim_end_matches('/')),
                    }),
                );
            }
        }
        doc
    }
}

/// `GET /Schemas`: a ListResponse of every schema document.
pub fn schemas_list(registry: &SchemaRegistry, base_url: Option<&str>) -> Value {
    let docs: Vec<Value> = registry
        .schemas()
        .iter()
        .map(|s| s.to_json(base_url))
        .collect();
    ListResponse::new(docs.len(), 1, Some(docs)).to_json()
}

/// `GET /ResourceTypes`: a ListResponse of every resource type (User first).
pub fn resource_types_list(registry: &SchemaRegistry, base_url: Option<&str>) -> Value {
    let docs: Vec<Value> = registry
        .resource_types()
        .iter()
        .map(|r| r.to_json(base_url))
        .collect();
    ListResponse::new(docs.len(), 1, Some(docs)).to_json()
}
