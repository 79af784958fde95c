//! The User, Group and EnterpriseUser schemas of RFC 7643 §4 and §8.7, as data.
//!
//! Four deliberate corrections to the §8.7.1 listing, each backed by the RFC's own prose:
//! `addresses` has a `primary` sub-attribute (§4.1.2 lists it); Group `members` has a
//! `display` sub-attribute (§4.2 lists it; Okta sends it); `members.value` is `caseExact`,
//! since it holds a resource `id`, which is case-exact (§3.1) — this also lets
//! `members[value eq "…"]` use the member index; and Group `displayName` is required, as §4.2
//! says ("REQUIRED") where the listing says `"required": false`.

use super::{AttributeDef, AttributeType as T, Mutability as M, ResourceType, Returned as R};
use super::{Schema, SchemaExtension, Uniqueness as U};

/// URN of the core User schema.
pub const USER_URN: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
/// URN of the core Group schema.
pub const GROUP_URN: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
/// URN of the Enterprise User extension.
pub const ENTERPRISE_USER_URN: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

fn s(name: &str, desc: &str) -> AttributeDef {
    AttributeDef::new(name, T::String).with_description(desc)
}

fn multi_sub(kind: &str, value_ty: T, value_desc: &str, types: &[&str]) -> Vec<AttributeDef> {
    let mut value = AttributeDef::new("value", value_ty).with_description(value_desc);
    if value_ty == T::Reference {
        value = value.with_reference_types(&["external"]);
    }
    vec![
        value,
        s("display", "A human-readable name, primarily used for display purposes.  READ-ONLY.")
            .with_description(format!(
                "A human-readable name, primarily used for display purposes of the {kind}.  READ-ONLY."
            )),
        s(
            "type",
            &format!("A label indicating the attribute's function, e.g., {}.", types.join(", ")),
        )
        .with_canonical_values(types),
        AttributeDef::new("primary", T::Boolean).with_description(format!(
            "A Boolean value indicating the 'primary' or preferred attribute value for this attribute, e.g., the preferred {kind}.  The primary attribute value 'true' MUST appear no more than once."
        )),
    ]
}

/// The core User schema (RFC 7643 §4.1, §8.7.1).
pub fn user_schema() -> Schema {
    let name = AttributeDef::new("name", T::Complex)
        .with_description("The components of the user's real name.  Providers MAY return just the full name as a single string in the formatted sub-attribute, or they MAY return just the individual component attributes using the other sub-attributes, or they MAY return both.  If both variants are returned, they SHOULD be describing the same name, with the formatted name indicating how the component attributes should be combined.")
        .with_sub_attributes(vec![
            s("formatted", "The full name, including all middle names, titles, and suffixes as appropriate, formatted for display (e.g., 'Ms. Barbara J Jensen, III')."),
            s("familyName", "The family name of the User, or last name in most Western languages (e.g., 'Jensen' given the full name 'Ms. Barbara J Jensen, III')."),
            s("givenName", "The given name of the User, or first name in most Western languages (e.g., 'Barbara' given the full name 'Ms. Barbara J Jensen, III')."),
            s("middleName", "The middle name(s) of the User (e.g., 'Jane' given the full name 'Ms. Barbara J Jensen, III')."),
            s("honorificPrefix", "The honorific prefix(es) of the User, or title in most Western languages (e.g., 'Ms.' given the full name 'Ms. Barbara J Jensen, III')."),
            s("honorificSuffix", "The honorific suffix(es) of the User, or suffix in most Western languages (e.g., 'III' given the full name 'Ms. Barbara J Jensen, III')."),
        ]);
    let mut addresses_subs = vec![
        s(
            "formatted",
            "The full mailing address, formatted for display or use with a mailing label.  This attribute MAY contain newlines.",
        ),
        s(
            "streetAddress",
            "The full street address component, which may include house number, street name, P.O. box, and multi-line extended street address information.  This attribute MAY contain newlines.",
        ),
        s("locality", "The city or locality component."),
        s("region", "The state or region component."),
        s("postalCode", "The zip code or postal code component."),
        s("country", "The country name component."),
        s(
            "type",
            "A label indicating the attribute's function, e.g., 'work' or 'home'.",
        )
        .with_canonical_values(&["work", "home", "other"]),
    ];
    addresses_subs.push(
        AttributeDef::new("primary", T::Boolean).with_description(
            "A Boolean value indicating the 'primary' or preferred attribute value for this attribute, e.g., the preferred mailing address.  The primary attribute value 'true' MUST appear no more than once.",
        ),
    );
    let groups = AttributeDef::new("groups", T::Complex)
        .with_multi_valued()
        .with_mutability(M::ReadOnly)
        .with_description("A list of groups to which the user belongs, either through direct membership, through nested groups, or dynamically calculated.")
        .with_sub_attributes(vec![
            s("value", "The identifier of the User's group.").with_mutability(M::ReadOnly),
            AttributeDef::new("$ref", T::Reference)
                .with_description("The URI of the corresponding 'Group' resource to which the user belongs.")
                .with_reference_types(&["User", "Group"])
                .with_mutability(M::ReadOnly),
            s("display", "A human-readable name, primarily used for display purposes.  READ-ONLY.")
                .with_mutability(M::ReadOnly),
            s("type", "A label indicating the attribute's function, e.g., 'direct' or 'indirect'.")
                .with_canonical_values(&["direct", "indirect"])
                .with_mutability(M::ReadOnly),
        ]);
    let multi = |n: &str, desc: &str, subs: Vec<AttributeDef>| {
        AttributeDef::new(n, T::Complex)
            .with_multi_valued()
            .with_description(desc)
            .with_sub_attributes(subs)
    };
    Schema {
        id: USER_URN.to_owned(),
        name: "User".to_owned(),
        description: "User Account".to_owned(),
        attributes: vec![
            s("userName", "Unique identifier for the User, typically used by the user to directly authenticate to the service provider.  Each User MUST include a non-empty userName value.  This identifier MUST be unique across the service provider's entire set of Users.  REQUIRED.")
                .with_required()
                .with_uniqueness(U::Server),
            name,
            s("displayName", "The name of the User, suitable for display to end-users.  The name SHOULD be the full name of the User being described, if known."),
            s("nickName", "The casual way to address the user in real life, e.g., 'Bob' or 'Bobby' instead of 'Robert'.  This attribute SHOULD NOT be used to represent a User's username (e.g., 'bjensen' or 'mpepperidge')."),
            AttributeDef::new("profileUrl", T::Reference)
                .with_description("A fully qualified URL pointing to a page representing the User's online profile.")
                .with_reference_types(&["external"]),
            s("title", "The user's title, such as \"Vice President.\""),
            s("userType", "Used to identify the relationship between the organization and the user.  Typical values used might be 'Contractor', 'Employee', 'Intern', 'Temp', 'External', and 'Unknown', but any value may be used."),
            s("preferredLanguage", "Indicates the User's preferred written or spoken language.  Generally used for selecting a localized user interface; e.g., 'en_US' specifies the language English and country US."),
            s("locale", "Used to indicate the User's default location for purposes of localizing items such as currency, date time format, or numerical representations."),
            s("timezone", "The User's time zone in the 'Olson' time zone database format, e.g., 'America/Los_Angeles'."),
            AttributeDef::new("active", T::Boolean)
                .with_description("A Boolean value indicating the User's administrative status."),
            s("password", "The User's cleartext password.  This attribute is intended to be used as a means to specify an initial password when creating a new User or to reset an existing User's password.")
                .with_mutability(M::WriteOnly)
                .with_returned(R::Never),
            multi(
                "emails",
                "Email addresses for the user.  The value SHOULD be canonicalized by the service provider, e.g., 'bjensen@example.com' instead of 'bjensen@EXAMPLE.COM'.  Canonical type values of 'work', 'home', and 'other'.",
                multi_sub("email address", T::String, "Email addresses for the user.  The value SHOULD be canonicalized by the service provider, e.g., 'bjensen@example.com' instead of 'bjensen@EXAMPLE.COM'.  Canonical type values of 'work', 'home', and 'other'.", &["work", "home", "other"]),
            ),
            multi(
                "phoneNumbers",
                "Phone numbers for the User.  The value SHOULD be canonicalized by the service provider according to the format specified in RFC 3966, e.g., 'tel:+1-201-555-0123'.  Canonical type values of 'work', 'home', 'mobile', 'fax', 'pager', and 'other'.",
                multi_sub("phone number", T::String, "Phone number of the User.", &["work", "home", "mobile", "fax", "pager", "other"]),
            ),
            multi(
                "ims",
                "Instant messaging addresses for the User.",
                multi_sub("messenger", T::String, "Instant messaging address for the User.", &["aim", "gtalk", "icq", "xmpp", "msn", "skype", "qq", "yahoo"]),
            ),
            multi(
                "photos",
                "URLs of photos of the User.",
                multi_sub("photo", T::Reference, "URL of a photo of the User.", &["photo", "thumbnail"]),
            ),
            multi(
                "addresses",
                "A physical mailing address for this User.  Canonical type values of 'work', 'home', and 'other'.  This attribute is a complex type with the following sub-attributes.",
                addresses_subs,
            ),
            groups,
            multi(
                "entitlements",
                "A list of entitlements for the User that represent a thing the User has.",
                multi_sub("entitlement", T::String, "The value of an entitlement.", &[]),
            ),
            multi(
                "roles",
                "A list of roles for the User that collectively represent who the User is, e.g., 'Student', 'Faculty'.",
                multi_sub("role", T::String, "The value of a role.", &[]),
            ),
            multi(
                "x509Certificates",
                "A list of certificates issued to the User.",
                multi_sub("certificate", T::Binary, "The value of an X.509 certificate.", &[]),
            ),
        ],
    }
}

/// The core Group schema (RFC 7643 §4.2, §8.7.1).
pub fn group_schema() -> Schema {
    Schema {
        id: GROUP_URN.to_owned(),
        name: "Group".to_owned(),
        description: "Group".to_owned(),
        attributes: vec![
            s("displayName", "A human-readable name for the Group.  REQUIRED.").with_required(),
            AttributeDef::new("members", T::Complex)
                .with_multi_valued()
                .with_description("A list of members of the Group.")
                .with_sub_attributes(vec![
                    s("value", "Identifier of the member of this Group.")
                        .with_case_exact()
                        .with_mutability(M::Immutable),
                    AttributeDef::new("$ref", T::Reference)
                        .with_description("The URI corresponding to a SCIM resource that is a member of this Group.")
                        .with_reference_types(&["User", "Group"])
                        .with_mutability(M::Immutable),
                    s("display", "A human-readable name, primarily used for display purposes."),
                    s("type", "A label indicating the type of resource, e.g., 'User' or 'Group'.")
                        .with_canonical_values(&["User", "Group"])
                        .with_mutability(M::Immutable),
                ]),
        ],
    }
}

/// The Enterprise User extension (RFC 7643 §4.3, §8.7.1).
pub fn enterprise_user_schema() -> Schema {
    Schema {
        id: ENTERPRISE_USER_URN.to_owned(),
        name: "EnterpriseUser".to_owned(),
        description: "Enterprise User".to_owned(),
        attributes: vec![
            s("employeeNumber", "Numeric or alphanumeric identifier assigned to a person, typically based on order of hire or association with an organization."),
            s("costCenter", "Identifies the name of a cost center."),
            s("organization", "Identifies the name of an organization."),
            s("division", "Identifies the name of a division."),
            s("department", "Identifies the name of a department."),
            AttributeDef::new("manager", T::Complex)
                .with_description("The User's manager.  A complex type that optionally allows service providers to represent organizational hierarchy by referencing the 'id' attribute of another User.")
                .with_sub_attributes(vec![
                    s("value", "The id of the SCIM resource representing the User's manager."),
                    AttributeDef::new("$ref", T::Reference)
                        .with_description("The URI of the SCIM resource representing the User's manager.")
                        .with_reference_types(&["User"]),
                    s("displayName", "The displayName of the User's manager.  OPTIONAL and READ-ONLY.")
                        .with_mutability(M::ReadOnly),
                ]),
        ],
    }
}

/// `id`, `externalId` and `meta` (RFC 7643 §3.1).
pub(super) fn common_attribute_defs() -> Vec<AttributeDef> {
    let dt = |n: &str, d: &str| {
        AttributeDef::new(n, T::DateTime)
            .with_description(d)
            .with_mutability(M::ReadOnly)
    };
    vec![
        s("id", "A unique identifier for a SCIM resource as defined by the service provider.")
            .with_case_exact()
            .with_mutability(M::ReadOnly)
            .with_returned(R::Always)
            .with_uniqueness(U::Server),
        s("externalId", "A String that is an identifier for the resource as defined by the provisioning client.")
            .with_case_exact(),
        AttributeDef::new("meta", T::Complex)
            .with_description("A complex attribute containing resource metadata.")
            .with_mutability(M::ReadOnly)
            .with_sub_attributes(vec![
                s("resourceType", "The name of the resource type of the resource.")
                    .with_case_exact()
                    .with_mutability(M::ReadOnly),
                dt("created", "The \"DateTime\" that the resource was added to the service provider."),
                dt("lastModified", "The most recent DateTime that the details of this resource were updated at the service provider."),
                AttributeDef::new("location", T::Reference)
                    .with_description("The URI of the resource being returned.")
                    .with_case_exact()
                    .with_mutability(M::ReadOnly)
                    .with_reference_types(&["uri"]),
                s("version", "The version of the resource being returned.")
                    .with_case_exact()
                    .with_mutability(M::ReadOnly),
            ]),
    ]
}

pub(super) fn standard_resource_types() -> Vec<ResourceType> {
    vec![
        ResourceType {
            name: "User".to_owned(),
            endpoint: "/Users".to_owned(),
            description: "User Account".to_owned(),
            schema: USER_URN.to_owned(),
            extensions: vec![SchemaExtension {
                schema: ENTERPRISE_USER_URN.to_owned(),
                required: false,
            }],
        },
        ResourceType {
            name: "Group".to_owned(),
            endpoint: "/Groups".to_owned(),
            description: "Group".to_owned(),
            schema: GROUP_URN.to_owned(),
            extensions: Vec::new(),
        },
    ]
}
