//! The ServiceProviderConfig, ResourceType and Schema schemas of RFC 7643 §5, §6, §7 and
//! §8.7.2, as data.
//!
//! These describe the discovery documents themselves (`/ServiceProviderConfig`,
//! `/ResourceTypes`, `/Schemas`); they are not resource schemas and are not part of
//! [`SchemaRegistry::standard`](super::SchemaRegistry::standard), so `/Schemas` does not
//! serve them.
//!
//! The attributes follow the §8.7.2 listing, with these corrections where the listing
//! contradicts the RFC's normative prose:
//!
//! - ServiceProviderConfig has an `etag` attribute (§5: "etag … REQUIRED"; the listing
//!   leaves it out). Its description and sub-attribute follow the listing's `sort`.
//! - `authenticationSchemes` has a `type` sub-attribute (§5: "type  The authentication
//!   scheme. … REQUIRED"; the listing leaves it out), with §5's values as canonical values,
//!   and a `primary` sub-attribute (the default sub-attribute of a multi-valued attribute,
//!   §2.4; the §8.5 example sends it).
//! - ResourceType `schemaExtensions` is multi-valued and optional (§6: "A list of URIs of the
//!   resource type's schema extensions.  OPTIONAL."; §8.6 sends it as an array and leaves it
//!   out of the Group type) where the listing says `"multiValued": false, "required": true`.
//! - Schema `attributes.subAttributes.referenceTypes` is multi-valued (§7: "A multi-valued
//!   array of JSON strings"), as `attributes.referenceTypes` is in the listing; the
//!   listing's copy under `subAttributes` says `"multiValued": false`.
//!
//! Kept as listed: the Schema `description` attribute repeats the description of `name`
//! ("The schema's human-readable name. …"); `attributes.subAttributes` itself has
//! sub-attributes, which §2.3.8 forbids other schemas; `type`'s canonical values leave out
//! `binary`. Descriptions are the listing's text, with each line break inside a string read
//! as one space.
//!
//! This crate's rendering ([`AttributeDef::to_json`]) writes `caseExact` for every
//! non-complex, non-boolean attribute, so the integer attributes `maxOperations`,
//! `maxPayloadSize` and `maxResults` carry `"caseExact": false`, which the listing omits.

use super::Schema;
use super::{AttributeDef, AttributeType as T, Mutability as M, RESOURCE_TYPE_URN, SCHEMA_URN};
use crate::discovery::SERVICE_PROVIDER_CONFIG_URN;

/// A read-only attribute (every attribute of these schemas is read-only, §5–§7).
fn ro(name: &str, ty: T, desc: &str) -> AttributeDef {
    AttributeDef::new(name, ty)
        .with_description(desc)
        .with_mutability(M::ReadOnly)
}

fn supported() -> AttributeDef {
    ro(
        "supported",
        T::Boolean,
        "A Boolean value specifying whether or not the operation is supported.",
    )
    .with_required()
}

fn feature(name: &str, desc: &str, subs: Vec<AttributeDef>) -> AttributeDef {
    ro(name, T::Complex, desc)
        .with_required()
        .with_sub_attributes(subs)
}

fn service_provider_config_schema() -> Schema {
    let max = |name: &str, desc: &str| ro(name, T::Integer, desc).with_required();
    Schema {
        id: SERVICE_PROVIDER_CONFIG_URN.to_owned(),
        name: "Service Provider Configuration".to_owned(),
        description: "Schema for representing the service provider's configuration".to_owned(),
        attributes: vec![
            ro(
                "documentationUri",
                T::Reference,
                "An HTTP-addressable URL pointing to the service provider's human-consumable help documentation.",
            )
            .with_reference_types(&["external"]),
            feature(
                "patch",
                "A complex type that specifies PATCH configuration options.",
                vec![supported()],
            ),
            feature(
                "bulk",
                "A complex type that specifies bulk configuration options.",
                vec![
                    supported(),
                    max(
                        "maxOperations",
                        "An integer value specifying the maximum number of operations.",
                    ),
                    max(
                        "maxPayloadSize",
                        "An integer value specifying the maximum payload size in bytes.",
                    ),
                ],
            ),
            feature(
                "filter",
                "A complex type that specifies FILTER options.",
                vec![
                    supported(),
                    max(
                        "maxResults",
                        "An integer value specifying the maximum number of resources returned in a response.",
                    ),
                ],
            ),
            feature(
                "changePassword",
                "A complex type that specifies configuration options related to changing a password.",
                vec![supported()],
            ),
            feature(
                "sort",
                "A complex type that specifies sort result options.",
                vec![supported()],
            ),
            // Not in the §8.7.2 listing; REQUIRED by §5.
            feature(
                "etag",
                "A complex type that specifies ETag configuration options.",
                vec![supported()],
            ),
            ro(
                "authenticationSchemes",
                T::Complex,
                "A complex type that specifies supported authentication scheme properties.",
            )
            .with_multi_valued()
            .with_required()
            .with_sub_attributes(vec![
                // Not in the §8.7.2 listing; REQUIRED by §5.
                ro(
                    "type",
                    T::String,
                    "The authentication scheme.  This specification defines the values 'oauth', 'oauth2', 'oauthbearertoken', 'httpbasic', and 'httpdigest'.",
                )
                .with_required()
                .with_canonical_values(&[
                    "oauth",
                    "oauth2",
                    "oauthbearertoken",
                    "httpbasic",
                    "httpdigest",
                ]),
                ro(
                    "name",
                    T::String,
                    "The common authentication scheme name, e.g., HTTP Basic.",
                )
                .with_required(),
                ro(
                    "description",
                    T::String,
                    "A description of the authentication scheme.",
                )
                .with_required(),
                ro(
                    "specUri",
                    T::Reference,
                    "An HTTP-addressable URL pointing to the authentication scheme's specification.",
                )
                .with_reference_types(&["external"]),
                ro(
                    "documentationUri",
                    T::Reference,
                    "An HTTP-addressable URL pointing to the authentication scheme's usage documentation.",
                )
                .with_reference_types(&["external"]),
                // Not in the §8.7.2 listing; §2.4's `primary`, sent by §8.5.
                ro(
                    "primary",
                    T::Boolean,
                    "A Boolean value indicating the 'primary' or preferred authentication scheme.",
                ),
            ]),
        ],
    }
}

fn resource_type_schema() -> Schema {
    Schema {
        id: RESOURCE_TYPE_URN.to_owned(),
        name: "ResourceType".to_owned(),
        description: "Specifies the schema that describes a SCIM resource type".to_owned(),
        attributes: vec![
            ro(
                "id",
                T::String,
                "The resource type's server unique id. May be the same as the 'name' attribute.",
            ),
            ro(
                "name",
                T::String,
                "The resource type name.  When applicable, service providers MUST specify the name, e.g., 'User'.",
            )
            .with_required(),
            ro(
                "description",
                T::String,
                "The resource type's human-readable description.  When applicable, service providers MUST specify the description.",
            ),
            ro(
                "endpoint",
                T::Reference,
                "The resource type's HTTP-addressable endpoint relative to the Base URL, e.g., '/Users'.",
            )
            .with_reference_types(&["uri"])
            .with_required(),
            ro(
                "schema",
                T::Reference,
                "The resource type's primary/base schema URI.",
            )
            .with_reference_types(&["uri"])
            .with_required()
            .with_case_exact(),
            // The listing says single-valued and required; §6 says a list, OPTIONAL.
            ro(
                "schemaExtensions",
                T::Complex,
                "A list of URIs of the resource type's schema extensions.",
            )
            .with_multi_valued()
            .with_sub_attributes(vec![
                ro("schema", T::Reference, "The URI of a schema extension.")
                    .with_reference_types(&["uri"])
                    .with_required()
                    .with_case_exact(),
                ro(
                    "required",
                    T::Boolean,
                    "A Boolean value that specifies whether or not the schema extension is required for the resource type.  If true, a resource of this type MUST include this schema extension and also include any attributes declared as required in this schema extension. If false, a resource of this type MAY omit this schema extension.",
                )
                .with_required(),
            ]),
        ],
    }
}

/// The sub-attributes of `attributes` (and, without `subAttributes`, of
/// `attributes.subAttributes`): the attribute characteristics of §7.
fn characteristics() -> Vec<AttributeDef> {
    vec![
        ro("name", T::String, "The attribute's name.")
            .with_required()
            .with_case_exact(),
        ro(
            "type",
            T::String,
            "The attribute's data type. Valid values include 'string', 'complex', 'boolean', 'decimal', 'integer', 'dateTime', 'reference'.",
        )
        .with_required()
        .with_canonical_values(&[
            "string",
            "complex",
            "boolean",
            "decimal",
            "integer",
            "dateTime",
            "reference",
        ]),
        ro(
            "multiValued",
            T::Boolean,
            "A Boolean value indicating an attribute's plurality.",
        )
        .with_required(),
        ro(
            "description",
            T::String,
            "A human-readable description of the attribute.",
        )
        .with_case_exact(),
        ro(
            "required",
            T::Boolean,
            "A boolean value indicating whether or not the attribute is required.",
        ),
        ro(
            "canonicalValues",
            T::String,
            "A collection of canonical values.  When applicable, service providers MUST specify the canonical types, e.g., 'work', 'home'.",
        )
        .with_multi_valued()
        .with_case_exact(),
        ro(
            "caseExact",
            T::Boolean,
            "A Boolean value indicating whether or not a string attribute is case sensitive.",
        ),
        ro(
            "mutability",
            T::String,
            "Indicates whether or not an attribute is modifiable.",
        )
        .with_case_exact()
        .with_canonical_values(&["readOnly", "readWrite", "immutable", "writeOnly"]),
        ro(
            "returned",
            T::String,
            "Indicates when an attribute is returned in a response (e.g., to a query).",
        )
        .with_case_exact()
        .with_canonical_values(&["always", "never", "default", "request"]),
        ro("uniqueness", T::String, "Indicates how unique a value must be.")
            .with_case_exact()
            .with_canonical_values(&["none", "server", "global"]),
        // Multi-valued in both places (§7); the listing's copy under subAttributes says not.
        ro(
            "referenceTypes",
            T::String,
            "Used only with an attribute of type 'reference'.  Specifies a SCIM resourceType that a reference attribute MAY refer to, e.g., 'User'.",
        )
        .with_multi_valued()
        .with_case_exact(),
    ]
}

fn schema_schema() -> Schema {
    let mut attribute_subs = characteristics();
    attribute_subs.push(
        ro(
            "subAttributes",
            T::Complex,
            "Used to define the sub-attributes of a complex attribute.",
        )
        .with_multi_valued()
        .with_sub_attributes(characteristics()),
    );
    Schema {
        id: SCHEMA_URN.to_owned(),
        name: "Schema".to_owned(),
        description: "Specifies the schema that describes a SCIM schema".to_owned(),
        attributes: vec![
            ro(
                "id",
                T::String,
                "The unique URI of the schema. When applicable, service providers MUST specify the URI.",
            )
            .with_required(),
            ro(
                "name",
                T::String,
                "The schema's human-readable name. When applicable, service providers MUST specify the name, e.g., 'User'.",
            )
            .with_required(),
            // The listing repeats `name`'s description here; kept as printed.
            ro(
                "description",
                T::String,
                "The schema's human-readable name.  When applicable, service providers MUST specify the name, e.g., 'User'.",
            ),
            ro(
                "attributes",
                T::Complex,
                "A complex attribute that includes the attributes of a schema.",
            )
            .with_multi_valued()
            .with_required()
            .with_sub_attributes(attribute_subs),
        ],
    }
}

/// The schemas of the three discovery resources (RFC 7643 §8.7.2): ServiceProviderConfig,
/// ResourceType and Schema, in that order.
///
/// They are not in [`SchemaRegistry::standard`](super::SchemaRegistry::standard) and `/Schemas`
/// does not serve them; they describe (and the tests check) the documents that
/// [`crate::discovery`] produces. See the module documentation for where they differ from the
/// RFC's listing.
///
/// ```
/// use scim_core::schema::{RESOURCE_TYPE_URN, service_provider_schemas};
/// let schemas = service_provider_schemas();
/// let resource_type = schemas.iter().find(|s| s.id == RESOURCE_TYPE_URN).unwrap();
/// let endpoint = resource_type.attribute("endpoint").unwrap();
/// assert!(endpoint.required);
/// assert_eq!(endpoint.reference_types, ["uri"]);
/// // Rendered the way /Schemas renders a schema.
/// let doc = resource_type.to_json(None);
/// assert_eq!(doc["attributes"][4]["caseExact"], true);
/// ```
pub fn service_provider_schemas() -> Vec<Schema> {
    vec![
        service_provider_config_schema(),
        resource_type_schema(),
        schema_schema(),
    ]
}
