//! Schemas as data (RFC 7643 §2, §6, §7): attribute definitions, resource types, and the
//! registry that validation, PATCH, queries and discovery all read from.

mod core;
mod discovery;

use serde_json::{Map, Value, json};

use crate::error::{Error, Result};

pub use self::core::{
    ENTERPRISE_USER_URN, GROUP_URN, USER_URN, enterprise_user_schema, group_schema, user_schema,
};
pub use self::discovery::service_provider_schemas;

/// URN of the schema that describes schemas (RFC 7643 §7).
pub const SCHEMA_URN: &str = "urn:ietf:params:scim:schemas:core:2.0:Schema";
/// URN of the ResourceType schema (RFC 7643 §6).
pub const RESOURCE_TYPE_URN: &str = "urn:ietf:params:scim:schemas:core:2.0:ResourceType";

/// The data type of an attribute (RFC 7643 §2.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AttributeType {
    /// A sequence of Unicode characters.
    String,
    /// `true` or `false`.
    Boolean,
    /// A real number with at least one digit to the left and right of the period.
    Decimal,
    /// A whole number.
    Integer,
    /// An `xsd:dateTime` value, e.g. `2008-01-23T04:56:22Z`.
    DateTime,
    /// Base64-encoded binary data.
    Binary,
    /// A URI for a resource.
    Reference,
    /// A singular or multi-valued attribute whose value is a set of sub-attributes.
    Complex,
}

impl AttributeType {
    /// The name used in schema documents.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::String => "string",
            Self::Boolean => "boolean",
            Self::Decimal => "decimal",
            Self::Integer => "integer",
            Self::DateTime => "dateTime",
            Self::Binary => "binary",
            Self::Reference => "reference",
            Self::Complex => "complex",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        [
            Self::String,
            Self::Boolean,
            Self::Decimal,
            Self::Integer,
            Self::DateTime,
            Self::Binary,
            Self::Reference,
            Self::Complex,
        ]
        .into_iter()
        .find(|t| t.as_str().eq_ignore_ascii_case(s))
    }
}

/// When an attribute may be changed (RFC 7643 §2.2 "mutability").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Mutability {
    /// Set by the service provider only; client values are ignored.
    ReadOnly,
    /// May be updated and read at any time (the default).
    ReadWrite,
    /// May be set once (at creation or when unassigned) and never changed afterwards.
    Immutable,
    /// May be set but is never returned.
    WriteOnly,
}

impl Mutability {
    /// The name used in schema documents.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ReadOnly => "readOnly",
            Self::ReadWrite => "readWrite",
            Self::Immutable => "immutable",
            Self::WriteOnly => "writeOnly",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        [
            Self::ReadOnly,
            Self::ReadWrite,
            Self::Immutable,
            Self::WriteOnly,
        ]
        .into_iter()
        .find(|t| t.as_str().eq_ignore_ascii_case(s))
    }
}

/// When an attribute is returned (RFC 7643 §2.2 "returned").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Returned {
    /// Always returned, even when excluded.
    Always,
    /// Never returned.
    Never,
    /// Returned unless excluded, or unless `attributes` names other attributes (the default).
    Default,
    /// Returned only when named in `attributes`.
    Request,
}

impl Returned {
    /// The name used in schema documents.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Always => "always",
            Self::Never => "never",
            Self::Default => "default",
            Self::Request => "request",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        [Self::Always, Self::Never, Self::Default, Self::Request]
            .into_iter()
            .find(|t| t.as_str().eq_ignore_ascii_case(s))
    }
}

/// How unique a value must be (RFC 7643 §2.2 "uniqueness").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Uniqueness {
    /// No uniqueness (the default).
    None,
    /// Unique within the service provider's current set of resources of this type.
    Server,
    /// Globally unique.
    Global,
}

impl Uniqueness {
    /// The name used in schema documents.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Server => "server",
            Self::Global => "global",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        [Self::None, Self::Server, Self::Global]
            .into_iter()
            .find(|t| t.as_str().eq_ignore_ascii_case(s))
    }
}

/// One attribute definition with all RFC 7643 §2.2 characteristics.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttributeDef {
    /// Canonical attribute name.
    pub name: String,
    /// Data type.
    pub ty: AttributeType,
    /// Whether the attribute is multi-valued.
    pub multi_valued: bool,
    /// Human-readable description.
    pub description: String,
    /// Whether the attribute is required.
    pub required: bool,
    /// Suggested values (not enforced, as RFC 7643 §2.2 allows).
    pub canonical_values: Vec<String>,
    /// Whether string comparison is case-sensitive.
    pub case_exact: bool,
    /// Mutability.
    pub mutability: Mutability,
    /// When the attribute is returned.
    pub returned: Returned,
    /// Uniqueness.
    pub uniqueness: Uniqueness,
    /// For `reference` attributes: the resource types or `external` / `uri` it may point at.
    pub reference_types: Vec<String>,
    /// For `complex` attributes: the sub-attributes.
    pub sub_attributes: Vec<Self>,
}

impl AttributeDef {
    /// A new attribute with the RFC 7643 §2.2 defaults (single-valued, optional, readWrite,
    /// returned by default, not unique, case-insensitive).
    pub fn new(name: impl Into<String>, ty: AttributeType) -> Self {
        Self {
            name: name.into(),
            ty,
            multi_valued: false,
            description: String::new(),
            required: false,
            canonical_values: Vec::new(),
            case_exact: false,
            mutability: Mutability::ReadWrite,
            returned: Returned::Default,
            uniqueness: Uniqueness::None,
            reference_types: Vec::new(),
            sub_attributes: Vec::new(),
        }
    }

    /// Builder: sets the description.
    #[must_use]
    pub fn with_description(mut self, d: impl Into<String>) -> Self {
        self.description = d.into();
        self
    }

    /// Builder: makes the attribute multi-valued.
    #[must_use]
    pub fn with_multi_valued(mut self) -> Self {
        self.multi_valued = true;
        self
    }

    /// Builder: makes the attribute required.
    #[must_use]
    pub fn with_required(mut self) -> Self {
        self.required = true;
        self
    }

    /// Builder: makes string comparison case-sensitive.
    #[must_use]
    pub fn with_case_exact(mut self) -> Self {
        self.case_exact = true;
        self
    }

    /// Builder: sets the mutability.
    #[must_use]
    pub fn with_mutability(mut self, m: Mutability) -> Self {
        self.mutability = m;
        self
    }

    /// Builder: sets the returned characteristic.
    #[must_use]
    pub fn with_returned(mut self, r: Returned) -> Self {
        self.returned = r;
        self
    }

    /// Builder: sets the uniqueness.
    #[must_use]
    pub fn with_uniqueness(mut self, u: Uniqueness) -> Self {
        self.uniqueness = u;
        self
    }

    /// Builder: sets the canonical values.
    #[must_use]
    pub fn with_canonical_values(mut self, values: &[&str]) -> Self {
        self.canonical_values = values.iter().map(|v| (*v).to_owned()).collect();
        self
    }

    /// Builder: sets the reference types.
    #[must_use]
    pub fn with_reference_types(mut self, types: &[&str]) -> Self {
        self.reference_types = types.iter().map(|v| (*v).to_owned()).collect();
        self
    }

    /// Builder: sets the sub-attributes (for complex attributes).
    #[must_use]
    pub fn with_sub_attributes(mut self, subs: Vec<Self>) -> Self {
        self.sub_attributes = subs;
        self
    }

    /// Case-insensitive lookup of a sub-attribute.
    pub fn sub_attribute(&self, name: &str) -> Option<&Self> {
        self.sub_attributes
            .iter()
            .find(|a| a.name.eq_ignore_ascii_case(name))
    }

    /// The RFC 7643 §7 JSON representation.
    pub fn to_json(&self) -> Value {
        let mut m = Map::new();
        m.insert("name".into(), json!(self.name));
        m.insert("type".into(), json!(self.ty.as_str()));
        if self.ty == AttributeType::Complex {
            m.insert(
                "subAttributes".into(),
                Value::Array(self.sub_attributes.iter().map(Self::to_json).collect()),
            );
        }
        m.insert("multiValued".into(), json!(self.multi_valued));
        m.insert("description".into(), json!(self.description));
        m.insert("required".into(), json!(self.required));
        if !self.canonical_values.is_empty() {
            m.insert("canonicalValues".into(), json!(self.canonical_values));
        }
        if self.ty != AttributeType::Complex && self.ty != AttributeType::Boolean {
            m.insert("caseExact".into(), json!(self.case_exact));
        }
        m.insert("mutability".into(), json!(self.mutability.as_str()));
        m.insert("returned".into(), json!(self.returned.as_str()));
        if self.ty != AttributeType::Complex && self.ty != AttributeType::Boolean {
            m.insert("uniqueness".into(), json!(self.uniqueness.as_str()));
        }
        if self.ty == AttributeType::Reference {
            m.insert("referenceTypes".into(), json!(self.reference_types));
        }
        Value::Object(m)
    }

    /// Parses an attribute definition from its RFC 7643 §7 JSON representation (keys are
    /// matched case-insensitively; missing characteristics take the §2.2 defaults).
    pub fn from_json(value: &Value) -> Result<Self> {
        Self::from_json_at(value, "attributes", 0)
    }

    fn from_json_at(value: &Value, at: &str, depth: usize) -> Result<Self> {
        if depth > 2 {
            return Err(Error::invalid_value(
                at,
                "sub-attributes nest deeper than one level",
            ));
        }
        let obj = value
            .as_object()
            .ok_or_else(|| Error::invalid_value(at, "attribute definition must be an object"))?;
        let get = |k: &str| {
            obj.iter()
                .find(|(key, _)| key.eq_ignore_ascii_case(k))
                .map(|(_, v)| v)
        };
        let str_of = |k: &str| -> Result<Option<&str>> {
            match get(k) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::String(s)) => Ok(Some(s.as_str())),
                Some(_) => Err(Error::invalid_value(
                    format!("{at}.{k}"),
                    "must be a string",
                )),
            }
        };
        let bool_of = |k: &str, default: bool| -> Result<bool> {
            match get(k) {
                None | Some(Value::Null) => Ok(default),
                Some(Value::Bool(b)) => Ok(*b),
                Some(_) => Err(Error::invalid_value(
                    format!("{at}.{k}"),
                    "must be a boolean",
                )),
            }
        };
        let strings_of = |k: &str| -> Result<Vec<String>> {
            match get(k) {
                None | Some(Value::Null) => Ok(Vec::new()),
                Some(Value::Array(items)) => items
                    .iter()
                    .map(|v| {
                        v.as_str().map(str::to_owned).ok_or_else(|| {
                            Error::invalid_value(format!("{at}.{k}"), "must be an array of strings")
                        })
                    })
                    .collect(),
                Some(_) => Err(Error::invalid_value(
                    format!("{at}.{k}"),
                    "must be an array",
                )),
            }
        };
        let name = str_of("name")?.ok_or_else(|| Error::invalid_value(at, "missing 'name'"))?;
        crate::ids::AttrName::try_from(name)?;
        let here = format!("{at}.{name}");
        let ty = match str_of("type")? {
            None => AttributeType::String,
            Some(t) => AttributeType::parse(t).ok_or_else(|| {
                Error::invalid_value(format!("{here}.type"), format!("unknown type '{t}'"))
            })?,
        };
        let mut def = Self::new(name, ty);
        def.multi_valued = bool_of("multiValued", false)?;
        def.description = str_of("description")?.unwrap_or_default().to_owned();
        def.required = bool_of("required", false)?;
        def.canonical_values = strings_of("canonicalValues")?;
        def.case_exact = bool_of("caseExact", false)?;
        if let Some(m) = str_of("mutability")? {
            def.mutability = Mutability::parse(m).ok_or_else(|| {
                Error::invalid_value(format!("{here}.mutability"), format!("unknown value '{m}'"))
            })?;
        }
        if let Some(r) = str_of("returned")? {
            def.returned = Returned::parse(r).ok_or_else(|| {
                Error::invalid_value(format!("{here}.returned"), format!("unknown value '{r}'"))
            })?;
        }
        if let Some(u) = str_of("uniqueness")? {
            def.uniqueness = Uniqueness::parse(u).ok_or_else(|| {
                Error::invalid_value(format!("{here}.uniqueness"), format!("unknown value '{u}'"))
            })?;
        }
        def.reference_types = strings_of("referenceTypes")?;
        if ty == AttributeType::Complex {
            match get("subAttributes") {
                Some(Value::Array(items)) => {
                    for item in items {
                        def.sub_attributes
                            .push(Self::from_json_at(item, &here, depth + 1)?);
                    }
                }
                None | Some(Value::Null) => {}
                Some(_) => {
                    return Err(Error::invalid_value(
                        format!("{here}.subAttributes"),
                        "must be an array",
                    ));
                }
            }
            if def
                .sub_attributes
                .iter()
                .any(|s| s.ty == AttributeType::Complex)
            {
                return Err(Error::invalid_value(
                    here,
                    "a complex attribute cannot contain a complex sub-attribute (RFC 7643 §2.3.8)",
                ));
            }
        }
        Ok(def)
    }
}

/// A schema: a URN, a name, and its attribute definitions (RFC 7643 §7).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Schema {
    /// The schema URN, e.g. `urn:ietf:params:scim:schemas:core:2.0:User`.
    pub id: String,
    /// Human-readable name.
    pub name: String,
    /// Human-readable description.
    pub description: String,
    /// The attributes.
    pub attributes: Vec<AttributeDef>,
}

impl Schema {
    /// Case-insensitive lookup of a top-level attribute.
    pub fn attribute(&self, name: &str) -> Option<&AttributeDef> {
        self.attributes
            .iter()
            .find(|a| a.name.eq_ignore_ascii_case(name))
    }

    /// The `/Schemas/{id}` document (RFC 7643 §7 and §8.7.1), with `meta` for `base_url`
    /// (`location` = `{base_url}/Schemas/{id}`) when one is given.
    pub fn to_json(&self, base_url: Option<&str>) -> Value {
        let mut doc = json!({
            "schemas": [SCHEMA_URN],
            "id": self.id,
            "name": self.name,
            "description": self.description,
            "attributes": self.attributes.iter().map(AttributeDef::to_json).collect::<Vec<_>>(),
        });
        if let (Some(base), Some(obj)) = (base_url, doc.as_object_mut()) {
            obj.insert(
                "meta".into(),
                json!({
                    "resourceType": "Schema",
                    "location": format!("{}/Schemas/{}", base.trim_end_matches('/'), self.id),
                }),
            );
        }
        doc
    }

    /// Parses a schema document (as served by `/Schemas`), for registering custom schemas.
    pub fn from_json(value: &Value) -> Result<Self> {
        let obj = value
            .as_object()
            .ok_or_else(|| Error::invalid_syntax("a schema document must be a JSON object"))?;
        let get = |k: &str| {
            obj.iter()
                .find(|(key, _)| key.eq_ignore_ascii_case(k))
                .and_then(|(_, v)| v.as_str())
        };
        let id = get("id").ok_or_else(|| Error::invalid_value("id", "schema id is required"))?;
        crate::ids::SchemaUrn::try_from(id)?;
        let attributes = match obj
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("attributes"))
            .map(|(_, v)| v)
        {
            Some(Value::Array(items)) => items
                .iter()
                .map(AttributeDef::from_json)
                .collect::<Result<Vec<_>>>()?,
            _ => return Err(Error::invalid_value("attributes", "must be an array")),
        };
        Ok(Self {
            id: id.to_owned(),
            name: get("name").unwrap_or_default().to_owned(),
            description: get("description").unwrap_or_default().to_owned(),
            attributes,
        })
    }
}

/// A schema extension of a resource type (RFC 7643 §6 `schemaExtensions`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemaExtension {
    /// The extension schema URN.
    pub schema: String,
    /// Whether resources of this type must include the extension.
    pub required: bool,
}

/// A resource type (RFC 7643 §6), e.g. `User` at `/Users`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceType {
    /// The resource type's id and name, e.g. `User`.
    pub name: String,
    /// Endpoint relative to the base URL, e.g. `/Users`.
    pub endpoint: String,
    /// Human-readable description.
    pub description: String,
    /// The core schema URN.
    pub schema: String,
    /// The extension schemas.
    pub extensions: Vec<SchemaExtension>,
}

impl ResourceType {
    /// The `/ResourceTypes/{name}` document (RFC 7643 §6, §8.6).
    pub fn to_json(&self, base_url: Option<&str>) -> Value {
        let mut doc = json!({
            "schemas": [RESOURCE_TYPE_URN],
            "id": self.name,
            "name": self.name,
            "endpoint": self.endpoint,
            "description": self.description,
            "schema": self.schema,
        });
        if let Some(obj) = doc.as_object_mut() {
            if !self.extensions.is_empty() {
                obj.insert(
                    "schemaExtensions".into(),
                    Value::Array(
                        self.extensions
                            .iter()
                            .map(|e| json!({"schema": e.schema, "required": e.required}))
                            .collect(),
                    ),
                );
            }
            if let Some(base) = base_url {
                obj.insert(
                    "meta".into(),
                    json!({
                        "location": format!("{}/ResourceTypes/{}", base.trim_end_matches('/'), self.name),
                        "resourceType": "ResourceType",
                    }),
                );
            }
        }
        doc
    }
}

/// The common attributes every resource has (RFC 7643 §3.1): `id`, `externalId`, `meta`.
pub fn common_attributes() -> &'static [AttributeDef] {
    static COMMON: std::sync::OnceLock<Vec<AttributeDef>> = std::sync::OnceLock::new();
    COMMON.get_or_init(core::common_attribute_defs)
}

/// The set of schemas and resource types a service provider serves.
///
/// ```
/// use scim_core::schema::{SchemaRegistry, USER_URN};
/// let registry = SchemaRegistry::standard();
/// let user = registry.resource_type("user").unwrap();
/// assert_eq!(user.endpoint, "/Users");
/// assert!(registry.schema(USER_URN).unwrap().attribute("USERNAME").is_some());
/// ```
#[derive(Debug, Clone)]
pub struct SchemaRegistry {
    schemas: Vec<Schema>,
    resource_types: Vec<ResourceType>,
}

impl SchemaRegistry {
    /// User (with the EnterpriseUser extension, optional) and Group, as RFC 7643 defines them.
    pub fn standard() -> Self {
        Self {
            schemas: vec![user_schema(), group_schema(), enterprise_user_schema()],
            resource_types: core::standard_resource_types(),
        }
    }

    /// A builder starting from [`SchemaRegistry::standard`], for adding custom schemas,
    /// extensions and resource types.
    pub fn builder() -> SchemaRegistryBuilder {
        SchemaRegistryBuilder {
            inner: Self::standard(),
        }
    }

    /// Case-insensitive lookup of a schema by URN.
    pub fn schema(&self, urn: &str) -> Option<&Schema> {
        self.schemas.iter().find(|s| s.id.eq_ignore_ascii_case(urn))
    }

    /// All schemas, in registration order.
    pub fn schemas(&self) -> &[Schema] {
        &self.schemas
    }

    /// Case-insensitive lookup of a resource type by name (e.g. `User`).
    pub fn resource_type(&self, name: &str) -> Option<&ResourceType> {
        self.resource_types
            .iter()
            .find(|r| r.name.eq_ignore_ascii_case(name))
    }

    /// Case-insensitive lookup of a resource type by endpoint (e.g. `/Users` or `Users`).
    pub fn resource_type_by_endpoint(&self, endpoint: &str) -> Option<&ResourceType> {
        let e = endpoint.trim_start_matches('/');
        self.resource_types
            .iter()
            .find(|r| r.endpoint.trim_start_matches('/').eq_ignore_ascii_case(e))
    }

    /// All resource types (User first, as clients expect).
    pub fn resource_types(&self) -> &[ResourceType] {
        &self.resource_types
    }

    /// The core schema of a resource type.
    pub fn core_schema(&self, rt: &ResourceType) -> Result<&Schema> {
        self.schema(&rt.schema).ok_or_else(|| Error::Misuse {
            detail: format!(
                "resource type {} names unknown schema {}",
                rt.name, rt.schema
            ),
        })
    }

    /// Resolves an attribute of a resource type: `urn` (optional; core or extension URN) plus
    /// the attribute name. Without a URN, core attributes and the common attributes are searched.
    pub fn resolve<'a>(
        &'a self,
        rt: &ResourceType,
        urn: Option<&str>,
        name: &str,
    ) -> Option<Resolved<'a>> {
        match urn {
            None => {
                if let Some(def) = common_attributes()
                    .iter()
                    .find(|a| a.name.eq_ignore_ascii_case(name))
                {
                    return Some(Resolved {
                        extension: None,
                        def,
                    });
                }
                let core = self.schema(&rt.schema)?;
                core.attribute(name).map(|def| Resolved {
                    extension: None,
                    def,
                })
            }
            Some(u) if u.eq_ignore_ascii_case(&rt.schema) => self.resolve(rt, None, name),
            Some(u) => {
                let ext = rt
                    .extensions
                    .iter()
                    .find(|e| e.schema.eq_ignore_ascii_case(u))?;
                let schema = self.schema(&ext.schema)?;
                schema.attribute(name).map(|def| Resolved {
                    extension: Some(schema.id.as_str()),
                    def,
                })
            }
        }
    }

    /// The canonical URN of a schema the resource type uses (core or extension), if `urn` names one.
    pub fn canonical_schema_of<'a>(&'a self, rt: &'a ResourceType, urn: &str) -> Option<&'a str> {
        if rt.schema.eq_ignore_ascii_case(urn) {
            return Some(rt.schema.as_str());
        }
        rt.extensions
            .iter()
            .find(|e| e.schema.eq_ignore_ascii_case(urn))
            .map(|e| e.schema.as_str())
    }
}

/// An attribute found by [`SchemaRegistry::resolve`].
#[derive(Debug, Clone, Copy)]
pub struct Resolved<'a> {
    /// The extension URN the attribute lives under, or `None` for core/common attributes.
    pub extension: Option<&'a str>,
    /// The definition.
    pub def: &'a AttributeDef,
}

/// Builder for a [`SchemaRegistry`] with custom schemas and resource types.
///
/// ```
/// use scim_core::schema::{AttributeDef, AttributeType, Schema, SchemaRegistry};
/// let ext = Schema {
///     id: "urn:example:params:scim:schemas:extension:acme:2.0:User".into(),
///     name: "AcmeUser".into(),
///     description: "Acme user extension".into(),
///     attributes: vec![AttributeDef::new("badge", AttributeType::String)],
/// };
/// let registry = SchemaRegistry::builder()
///     .with_schema(ext)
///     .with_extension("User", "urn:example:params:scim:schemas:extension:acme:2.0:User", false)
///     .build()
///     .unwrap();
/// assert_eq!(registry.resource_type("User").unwrap().extensions.len(), 2);
/// ```
#[derive(Debug, Clone)]
#[must_use]
pub struct SchemaRegistryBuilder {
    inner: SchemaRegistry,
}

impl SchemaRegistryBuilder {
    /// Adds (or replaces, by URN) a schema.
    pub fn with_schema(mut self, schema: Schema) -> Self {
        self.inner
            .schemas
            .retain(|s| !s.id.eq_ignore_ascii_case(&schema.id));
        self.inner.schemas.push(schema);
        self
    }

    /// Adds (or replaces, by name) a resource type.
    pub fn with_resource_type(mut self, rt: ResourceType) -> Self {
        self.inner
            .resource_types
            .retain(|r| !r.name.eq_ignore_ascii_case(&rt.name));
        self.inner.resource_types.push(rt);
        self
    }

    /// Adds an extension schema to an existing resource type.
    pub fn with_extension(mut self, resource_type: &str, schema: &str, required: bool) -> Self {
        if let Some(rt) = self
            .inner
            .resource_types
            .iter_mut()
            .find(|r| r.name.eq_ignore_ascii_case(resource_type))
        {
            rt.extensions
                .retain(|e| !e.schema.eq_ignore_ascii_case(schema));
            rt.extensions.push(SchemaExtension {
                schema: schema.to_owned(),
                required,
            });
        } else {
            // Recorded so that build() reports the unknown resource type.
            self.inner.resource_types.push(ResourceType {
                name: resource_type.to_owned(),
                endpoint: String::new(),
                description: String::new(),
                schema: String::new(),
                extensions: vec![SchemaExtension {
                    schema: schema.to_owned(),
                    required,
                }],
            });
        }
        self
    }

    /// Checks consistency: every resource type names registered schemas, names are unique and
    /// valid, and every endpoint starts with `/`.
    pub fn build(self) -> Result<SchemaRegistry> {
        let reg = self.inner;
        for s in &reg.schemas {
            crate::ids::SchemaUrn::try_from(s.id.as_str())?;
            for a in &s.attributes {
                crate::ids::AttrName::try_from(a.name.as_str())?;
            }
        }
        for rt in &reg.resource_types {
            if rt.schema.is_empty() || !rt.endpoint.starts_with('/') {
                return Err(Error::Misuse {
                    detail: format!(
                        "resource type '{}' is not registered or has no endpoint/schema",
                        rt.name
                    ),
                });
            }
            let mut all = vec![rt.schema.as_str()];
            all.extend(rt.extensions.iter().map(|e| e.schema.as_str()));
            for urn in all {
                if reg.schema(urn).is_none() {
                    return Err(Error::Misuse {
                        detail: format!(
                            "resource type '{}' uses unregistered schema {urn}",
                            rt.name
                        ),
                    });
                }
            }
        }
        Ok(reg)
    }
}

#[cfg(test)]
mod tests;
