//! SAML 2.0 metadata (SAML metadata spec, `urn:oasis:names:tc:SAML:2.0:metadata`): our SP's
//! metadata out, an IdP's metadata in.
//!
//! - [`SpMetadataBuilder`] renders the `EntityDescriptor` an IdP admin uploads (or points at)
//!   to register this application: entity ID, the HTTP-POST Assertion Consumer Service, NameID
//!   formats, and optionally the certificate that signs our AuthnRequests.
//! - [`IdpMetadata::parse`] reads an IdP's `EntityDescriptor`: its entity ID (the `Issuer` to
//!   expect), its single sign-on endpoints by binding, and **every** signing certificate (IdPs
//!   publish two during a key rollover).
//!
//! Metadata signatures are not checked: fetch metadata over HTTPS from the IdP or take it from an
//! administrator, and pin what you read.
//!
//! ```
//! use saml_sp::metadata::IdpMetadata;
//!
//! # let cert = include_str!("../tests/data/sp/sp_test_cert.pem");
//! # let base64: String = cert.lines().filter(|l| !l.starts_with("-----")).collect();
//! let xml = format!(r#"<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata"
//!         entityID="http://www.okta.com/exk1">
//!     <md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
//!       <md:KeyDescriptor use="signing"><ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#">
//!         <ds:X509Data><ds:X509Certificate>{base64}</ds:X509Certificate></ds:X509Data>
//!       </ds:KeyInfo></md:KeyDescriptor>
//!       <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect"
//!           Location="https://example.okta.com/app/x/exk1/sso/saml"/>
//!     </md:IDPSSODescriptor>
//!   </md:EntityDescriptor>"#);
//!
//! let idp = IdpMetadata::parse(xml.as_bytes())?;
//! assert_eq!(idp.entity_id(), "http://www.okta.com/exk1");
//! assert_eq!(idp.redirect_sso_url(), Some("https://example.okta.com/app/x/exk1/sso/saml"));
//! assert_eq!(idp.signing_certificates().len(), 1);
//! # Ok::<(), saml_sp::metadata::MetadataError>(())
//! ```

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use crate::authn_request::{HTTP_POST_BINDING, HTTP_REDIRECT_BINDING, push_attr, push_escaped};
use crate::binding::{self, DecodeLimits};
use crate::config::{Certificate, IdpConfig};
use crate::error::{ConfigError, XmlError};
use crate::ids::EntityId;
use crate::time::UnixTime;
use crate::xml::{Document, Element, Limits};

/// `urn:oasis:names:tc:SAML:2.0:metadata`.
pub const METADATA_NS: &str = "urn:oasis:names:tc:SAML:2.0:metadata";
/// `http://www.w3.org/2000/09/xmldsig#`.
const DSIG_NS: &str = "http://www.w3.org/2000/09/xmldsig#";
/// The `protocolSupportEnumeration` token for SAML 2.0.
pub const SAML2_PROTOCOL: &str = "urn:oasis:names:tc:SAML:2.0:protocol";

/// Most signing certificates kept from one IdP's metadata.
pub const MAX_SIGNING_CERTIFICATES: usize = 16;
/// Largest accepted certificate (DER), in bytes.
pub const MAX_CERTIFICATE_BYTES: usize = 16 * 1024;
/// Longest accepted entity ID, URL or NameID format, in bytes.
pub const MAX_VALUE_LEN: usize = 2048;

/// Metadata could not be read or written.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MetadataError {
    /// The document is not acceptable XML (or exceeds the [`Limits`]).
    #[error(transparent)]
    Xml(#[from] XmlError),
    /// The root element is neither `md:EntityDescriptor` nor `md:EntitiesDescriptor`.
    #[error("root element is {{{namespace}}}{local}, expected md:EntityDescriptor")]
    WrongRoot {
        /// Namespace URI of the root (empty when none).
        namespace: String,
        /// Local name of the root.
        local: String,
    },
    /// No entity has an `IDPSSODescriptor` supporting SAML 2.0.
    #[error("no IDPSSODescriptor for SAML 2.0 in the metadata")]
    NoIdpDescriptor,
    /// Several entities describe a SAML 2.0 IdP; pick one with [`IdpMetadata::parse_entity`].
    #[error("{count} IdP entities in the metadata; name the one to use")]
    SeveralIdps {
        /// How many there are.
        count: usize,
    },
    /// The requested entity ID is not in the metadata.
    #[error("entity {entity_id:?} is not in the metadata")]
    EntityNotFound {
        /// The entity ID asked for.
        entity_id: String,
    },
    /// A required value is missing, empty, too long or contains characters that do not belong.
    #[error("invalid {what}: {detail}")]
    InvalidValue {
        /// Which value (`entityID`, `SingleSignOnService Location`, ...).
        what: &'static str,
        /// Why.
        detail: &'static str,
    },
    /// The IdP descriptor has no `SingleSignOnService`.
    #[error("the IdP has no SingleSignOnService")]
    NoSingleSignOnService,
    /// The IdP descriptor has no signing certificate (a `KeyDescriptor` with `use="signing"` or
    /// no `use`, holding an `X509Certificate`).
    #[error("the IdP has no signing certificate")]
    NoSigningCertificate,
    /// More signing certificates than [`MAX_SIGNING_CERTIFICATES`].
    #[error("more than {MAX_SIGNING_CERTIFICATES} signing certificates")]
    TooManyCertificates,
    /// A certificate is not a DER X.509 certificate in base64.
    #[error("certificate #{index} is not usable: {detail}")]
    Certificate {
        /// Position among the signing certificates (0-based), or 0 for the SP certificate.
        index: usize,
        /// Why.
        detail: &'static str,
    },
    /// The SP metadata settings are inconsistent (API misuse).
    #[error("SP metadata: {detail}")]
    Config {
        /// What is inconsistent.
        detail: &'static str,
    },
}

impl MetadataError {
    /// The stable snake_case check name: the XML reader's name for [`MetadataError::Xml`],
    /// `config` for [`MetadataError::Config`], `metadata` otherwise.
    ///
    /// ```
    /// use saml_sp::metadata::IdpMetadata;
    /// assert_eq!(IdpMetadata::parse(b"<a/>").unwrap_err().check(), "metadata");
    /// assert_eq!(IdpMetadata::parse(b"<a>").unwrap_err().check(), "xml_syntax");
    /// ```
    pub fn check(&self) -> &'static str {
        match self {
            Self::Xml(err) => err.check(),
            Self::Config { .. } => "config",
            _ => "metadata",
        }
    }
}

/// One SAML endpoint: a binding URI and a URL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Endpoint {
    binding: String,
    location: String,
}

impl Endpoint {
    /// The binding URI (for example [`HTTP_REDIRECT_BINDING`]).
    pub fn binding(&self) -> &str {
        &self.binding
    }

    /// The endpoint URL.
    pub fn location(&self) -> &str {
        &self.location
    }
}

/// What an IdP's metadata says about it, as far as a Service Provider needs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IdpMetadata {
    entity_id: String,
    valid_until: Option<UnixTime>,
    want_authn_requests_signed: bool,
    single_sign_on_services: Vec<Endpoint>,
    signing_certificates: Vec<Vec<u8>>,
    name_id_formats: Vec<String>,
}

impl IdpMetadata {
    /// Reads IdP metadata with the default [`Limits`]. The root is an `md:EntityDescriptor`, or
    /// an `md:EntitiesDescriptor` holding exactly one SAML 2.0 IdP.
    pub fn parse(xml: &[u8]) -> Result<Self, MetadataError> {
        Self::parse_with_limits(xml, &Limits::default())
    }

    /// Reads IdP metadata under `limits`.
    pub fn parse_with_limits(xml: &[u8], limits: &Limits) -> Result<Self, MetadataError> {
        let doc = Document::parse(xml, limits)?;
        let idps = idp_entities(&doc)?;
        match idps.as_slice() {
            [] => Err(MetadataError::NoIdpDescriptor),
            [(entity, descriptor)] => read_idp(*entity, *descriptor),
            several => Err(MetadataError::SeveralIdps {
                count: several.len(),
            }),
        }
    }

    /// Reads the IdP `entity_id` from metadata that may describe several entities.
    pub fn parse_entity(
        xml: &[u8],
        entity_id: &str,
        limits: &Limits,
    ) -> Result<Self, MetadataError> {
        let doc = Document::parse(xml, limits)?;
        idp_entities(&doc)?
            .into_iter()
            .find(|(entity, _)| entity.attribute("entityID").map(str::trim) == Some(entity_id))
            .map_or_else(
                || {
                    Err(MetadataError::EntityNotFound {
                        entity_id: entity_id.to_owned(),
                    })
                },
                |(entity, descriptor)| read_idp(entity, descriptor),
            )
    }

    /// The IdP's entity ID: the `Issuer` its responses carry.
    pub fn entity_id(&self) -> &str {
        &self.entity_id
    }

    /// The `validUntil` of the entity, if given. Callers refreshing metadata should refuse
    /// metadata past this time.
    pub fn valid_until(&self) -> Option<UnixTime> {
        self.valid_until
    }

    /// Whether the IdP asks for signed AuthnRequests (`WantAuthnRequestsSigned`).
    pub fn want_authn_requests_signed(&self) -> bool {
        self.want_authn_requests_signed
    }

    /// Every `SingleSignOnService`, in document order, duplicates removed.
    pub fn single_sign_on_services(&self) -> &[Endpoint] {
        &self.single_sign_on_services
    }

    /// The first single sign-on URL for `binding`.
    pub fn sso_url(&self, binding: &str) -> Option<&str> {
        self.single_sign_on_services
            .iter()
            .find(|endpoint| endpoint.binding == binding)
            .map(Endpoint::location)
    }

    /// The single sign-on URL for the HTTP-Redirect binding (where AuthnRequests usually go).
    pub fn redirect_sso_url(&self) -> Option<&str> {
        self.sso_url(HTTP_REDIRECT_BINDING)
    }

    /// The single sign-on URL for the HTTP-POST binding.
    pub fn post_sso_url(&self) -> Option<&str> {
        self.sso_url(HTTP_POST_BINDING)
    }

    /// Every signing certificate (DER), in document order, duplicates removed. Each parsed as
    /// an X.509 certificate; dates are not checked (IdPs routinely keep expired self-signed
    /// certificates, and trust comes from pinning, not from the certificate's validity).
    pub fn signing_certificates(&self) -> &[Vec<u8>] {
        &self.signing_certificates
    }

    /// The signing certificates as PEM text, for storing or for an IdP configuration.
    pub fn signing_certificates_pem(&self) -> Vec<String> {
        self.signing_certificates
            .iter()
            .map(|der| der_to_pem(der))
            .collect()
    }

    /// The `NameIDFormat`s the IdP lists, whitespace trimmed.
    pub fn name_id_formats(&self) -> &[String] {
        &self.name_id_formats
    }

    /// The trusted-IdP configuration for [`SpConfig::builder`](crate::SpConfig::builder): the
    /// entity ID as the expected issuer and every signing certificate.
    ///
    /// ```
    /// use saml_sp::metadata::IdpMetadata;
    ///
    /// # let cert = include_str!("../tests/data/sp/sp_test_cert.pem");
    /// # let base64: String = cert.lines().filter(|l| !l.starts_with("-----")).collect();
    /// # let xml = format!(r#"<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="http://www.okta.com/exk1"><md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"><md:KeyDescriptor><ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:X509Data><ds:X509Certificate>{base64}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor><md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="https://idp.example/sso"/></md:IDPSSODescriptor></md:EntityDescriptor>"#);
    /// let idp = IdpMetadata::parse(xml.as_bytes())?.idp_config()?;
    /// assert_eq!(idp.entity_id().as_str(), "http://www.okta.com/exk1");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn idp_config(&self) -> Result<IdpConfig, ConfigError> {
        let entity_id = EntityId::try_from(self.entity_id.as_str())?;
        let certificates = self
            .signing_certificates
            .iter()
            .enumerate()
            .map(|(index, der)| {
                Certificate::from_der(der).map_err(|err| match err {
                    ConfigError::Certificate { detail, .. } => {
                        ConfigError::Certificate { index, detail }
                    }
                    other => other,
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        IdpConfig::new(entity_id, certificates)
    }
}

/// The (EntityDescriptor, IDPSSODescriptor) pairs of every entity with a SAML 2.0 IdP role.
fn idp_entities(doc: &Document) -> Result<Vec<(Element<'_>, Element<'_>)>, MetadataError> {
    let root = doc.root();
    let entities: Vec<Element<'_>> = if root.is(METADATA_NS, "EntityDescriptor") {
        vec![root]
    } else if root.is(METADATA_NS, "EntitiesDescriptor") {
        // EntitiesDescriptor may nest; the reader's depth limit bounds the walk.
        doc.elements()
            .filter(|e| e.is(METADATA_NS, "EntityDescriptor"))
            .collect()
    } else {
        return Err(MetadataError::WrongRoot {
            namespace: root.namespace().to_owned(),
            local: root.local_name().to_owned(),
        });
    };
    Ok(entities
        .into_iter()
        .filter_map(|entity| {
            entity
                .child_elements()
                .find(|d| d.is(METADATA_NS, "IDPSSODescriptor") && supports_saml2(*d))
                .map(|descriptor| (entity, descriptor))
        })
        .collect())
}

fn supports_saml2(descriptor: Element<'_>) -> bool {
    descriptor
        .attribute("protocolSupportEnumeration")
        .is_some_and(|list| list.split_ascii_whitespace().any(|p| p == SAML2_PROTOCOL))
}

fn read_idp(entity: Element<'_>, descriptor: Element<'_>) -> Result<IdpMetadata, MetadataError> {
    let entity_id = checked_value("entityID", entity.attribute("entityID"))?;
    let valid_until = entity
        .attribute("validUntil")
        .map(|text| {
            UnixTime::parse_xs_datetime(text.trim()).map_err(|_| MetadataError::InvalidValue {
                what: "validUntil",
                detail: "not an xs:dateTime",
            })
        })
        .transpose()?;
    let want_authn_requests_signed = match descriptor
        .attribute("WantAuthnRequestsSigned")
        .map(str::trim)
    {
        None | Some("false" | "0") => false,
        Some("true" | "1") => true,
        Some(_) => {
            return Err(MetadataError::InvalidValue {
                what: "WantAuthnRequestsSigned",
                detail: "not a boolean",
            });
        }
    };

    let mut single_sign_on_services: Vec<Endpoint> = Vec::new();
    let mut signing_certificates: Vec<Vec<u8>> = Vec::new();
    let mut name_id_formats: Vec<String> = Vec::new();
    for child in descriptor.child_elements() {
        if child.namespace() != METADATA_NS {
            continue;
        }
        match child.local_name() {
            "SingleSignOnService" => {
                let endpoint = Endpoint {
                    binding: checked_value(
                        "SingleSignOnService Binding",
                        child.attribute("Binding"),
                    )?,
                    location: checked_value(
                        "SingleSignOnService Location",
                        child.attribute("Location"),
                    )?,
                };
                if !single_sign_on_services.contains(&endpoint) {
                    single_sign_on_services.push(endpoint);
                }
            }
            "KeyDescriptor" => {
                let usable = match child.attribute("use").map(str::trim) {
                    None | Some("signing") => true,
                    Some(_) => false,
                };
                if !usable {
                    continue;
                }
                for certificate in key_descriptor_certificates(child) {
                    let index = signing_certificates.len();
                    let der = certificate_der(&certificate.text(), index)?;
                    if !signing_certificates.contains(&der) {
                        if signing_certificates.len() == MAX_SIGNING_CERTIFICATES {
                            return Err(MetadataError::TooManyCertificates);
                        }
                        signing_certificates.push(der);
                    }
                }
            }
            "NameIDFormat" => {
                let format = checked_value("NameIDFormat", Some(&child.text()))?;
                if !name_id_formats.contains(&format) {
                    name_id_formats.push(format);
                }
            }
            _ => {}
        }
    }
    if single_sign_on_services.is_empty() {
        return Err(MetadataError::NoSingleSignOnService);
    }
    if signing_certificates.is_empty() {
        return Err(MetadataError::NoSigningCertificate);
    }
    Ok(IdpMetadata {
        entity_id,
        valid_until,
        want_authn_requests_signed,
        single_sign_on_services,
        signing_certificates,
        name_id_formats,
    })
}

/// `ds:KeyInfo/ds:X509Data/ds:X509Certificate` elements of a `KeyDescriptor`.
fn key_descriptor_certificates<'d>(
    key_descriptor: Element<'d>,
) -> impl Iterator<Item = Element<'d>> + 'd {
    key_descriptor
        .child_elements()
        .filter(|e| e.is(DSIG_NS, "KeyInfo"))
        .flat_map(|info| info.child_elements().filter(|e| e.is(DSIG_NS, "X509Data")))
        .flat_map(|data| {
            data.child_elements()
                .filter(|e| e.is(DSIG_NS, "X509Certificate"))
        })
}

/// A trimmed, non-empty value of at most [`MAX_VALUE_LEN`] bytes without control characters.
fn checked_value(what: &'static str, value: Option<&str>) -> Result<String, MetadataError> {
    let value = value.map(str::trim).ok_or(MetadataError::InvalidValue {
        what,
        detail: "missing",
    })?;
    let detail = if value.is_empty() {
        "empty"
    } else if value.len() > MAX_VALUE_LEN {
        "too long"
    } else if value.chars().any(char::is_control) {
        "contains control characters"
    } else {
        return Ok(value.to_owned());
    };
    Err(MetadataError::InvalidValue { what, detail })
}

/// Decodes certificate text (base64 with any whitespace, optionally inside PEM BEGIN/END lines)
/// and checks that it is one DER X.509 certificate.
fn certificate_der(text: &str, index: usize) -> Result<Vec<u8>, MetadataError> {
    let body = match text.split_once("-----BEGIN CERTIFICATE-----") {
        Some((_, rest)) => rest
            .split_once("-----END CERTIFICATE-----")
            .map(|(body, _)| body)
            .ok_or(MetadataError::Certificate {
                index,
                detail: "PEM END line missing",
            })?,
        None => text,
    };
    let limits = DecodeLimits::default()
        .with_max_encoded_bytes(MAX_CERTIFICATE_BYTES * 2)
        .with_max_decoded_bytes(MAX_CERTIFICATE_BYTES);
    let der =
        binding::decode_base64_lenient(body.as_bytes(), "certificate", &limits).map_err(|err| {
            MetadataError::Certificate {
                index,
                detail: if err.check() == "input_size" {
                    "too large"
                } else {
                    "not base64"
                },
            }
        })?;
    match x509_parser::parse_x509_certificate(&der) {
        Ok(([], _)) => Ok(der),
        Ok(_) => Err(MetadataError::Certificate {
            index,
            detail: "data after the certificate",
        }),
        Err(_) => Err(MetadataError::Certificate {
            index,
            detail: "not an X.509 certificate",
        }),
    }
}

fn der_to_pem(der: &[u8]) -> String {
    let encoded = STANDARD.encode(der);
    let mut pem = String::with_capacity(encoded.len() + encoded.len() / 64 + 60);
    pem.push_str("-----BEGIN CERTIFICATE-----\n");
    let mut rest = encoded.as_str();
    while !rest.is_empty() {
        let (line, tail) = rest.split_at(rest.len().min(64));
        pem.push_str(line);
        pem.push('\n');
        rest = tail;
    }
    pem.push_str("-----END CERTIFICATE-----\n");
    pem
}

/// Renders this SP's metadata: required values in [`new`](Self::new), options through `with_*`,
/// consistency checked by [`build`](Self::build).
///
/// ```
/// use saml_sp::metadata::SpMetadataBuilder;
///
/// let xml = SpMetadataBuilder::new("https://acme.example.com", "https://acme.example.com/okta/auth")
///     .with_name_id_format("urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress")
///     .build()?;
/// assert!(xml.contains(r#"entityID="https://acme.example.com""#));
/// assert!(xml.contains(r#"<md:AssertionConsumerService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="https://acme.example.com/okta/auth" index="0" isDefault="true"/>"#));
/// # Ok::<(), saml_sp::metadata::MetadataError>(())
/// ```
#[derive(Clone, Debug)]
pub struct SpMetadataBuilder {
    entity_id: String,
    acs_url: String,
    name_id_formats: Vec<String>,
    authn_requests_signed: bool,
    want_assertions_signed: bool,
    signing_certificate: Option<String>,
}

impl SpMetadataBuilder {
    /// Metadata for the SP `entity_id` with its HTTP-POST Assertion Consumer Service `acs_url`.
    pub fn new(entity_id: &str, acs_url: &str) -> Self {
        Self {
            entity_id: entity_id.to_owned(),
            acs_url: acs_url.to_owned(),
            name_id_formats: Vec::new(),
            authn_requests_signed: false,
            want_assertions_signed: false,
            signing_certificate: None,
        }
    }

    /// Adds a `NameIDFormat` (repeatable, kept in order).
    #[must_use]
    pub fn with_name_id_format(mut self, format: &str) -> Self {
        self.name_id_formats.push(format.to_owned());
        self
    }

    /// Sets `AuthnRequestsSigned` (needs [`with_signing_certificate`](Self::with_signing_certificate)).
    #[must_use]
    pub fn with_authn_requests_signed(mut self, signed: bool) -> Self {
        self.authn_requests_signed = signed;
        self
    }

    /// Sets `WantAssertionsSigned`. The verifier accepts a signature on the Response or on the
    /// Assertion either way; this only tells the IdP which to prefer.
    #[must_use]
    pub fn with_want_assertions_signed(mut self, want: bool) -> Self {
        self.want_assertions_signed = want;
        self
    }

    /// Publishes the certificate of the key that signs our AuthnRequests
    /// (`KeyDescriptor use="signing"`): PEM, or bare base64 of the DER, any whitespace.
    #[must_use]
    pub fn with_signing_certificate(mut self, certificate: &str) -> Self {
        self.signing_certificate = Some(certificate.to_owned());
        self
    }

    /// Checks the settings and renders the metadata XML (UTF-8, with an XML declaration).
    pub fn build(&self) -> Result<String, MetadataError> {
        let entity_id = checked_value("entityID", Some(&self.entity_id))?;
        let acs_url = checked_value("AssertionConsumerService Location", Some(&self.acs_url))?;
        let formats = self
            .name_id_formats
            .iter()
            .map(|format| checked_value("NameIDFormat", Some(format)))
            .collect::<Result<Vec<_>, _>>()?;
        let certificate = self
            .signing_certificate
            .as_deref()
            .map(|text| certificate_der(text, 0))
            .transpose()?;
        if self.authn_requests_signed && certificate.is_none() {
            return Err(MetadataError::Config {
                detail: "AuthnRequestsSigned needs a signing certificate",
            });
        }

        let mut xml = String::with_capacity(1024 + certificate.as_ref().map_or(0, |c| c.len() * 2));
        xml.push_str(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<md:EntityDescriptor xmlns:md=\"",
        );
        xml.push_str(METADATA_NS);
        xml.push('"');
        push_attr(&mut xml, "entityID", &entity_id);
        xml.push_str(">\n  <md:SPSSODescriptor");
        push_attr(
            &mut xml,
            "AuthnRequestsSigned",
            bool_str(self.authn_requests_signed),
        );
        push_attr(
            &mut xml,
            "WantAssertionsSigned",
            bool_str(self.want_assertions_signed),
        );
        push_attr(&mut xml, "protocolSupportEnumeration", SAML2_PROTOCOL);
        xml.push_str(">\n");
        if let Some(der) = &certificate {
            xml.push_str("    <md:KeyDescriptor use=\"signing\"><ds:KeyInfo xmlns:ds=\"");
            xml.push_str(DSIG_NS);
            xml.push_str("\"><ds:X509Data><ds:X509Certificate>");
            xml.push_str(&STANDARD.encode(der));
            xml.push_str("</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>\n");
        }
        for format in &formats {
            xml.push_str("    <md:NameIDFormat>");
            push_escaped(&mut xml, format, false);
            xml.push_str("</md:NameIDFormat>\n");
        }
        xml.push_str("    <md:AssertionConsumerService");
        push_attr(&mut xml, "Binding", HTTP_POST_BINDING);
        push_attr(&mut xml, "Location", &acs_url);
        xml.push_str(
            " index=\"0\" isDefault=\"true\"/>\n  </md:SPSSODescriptor>\n</md:EntityDescriptor>\n",
        );
        Ok(xml)
    }
}

fn bool_str(value: bool) -> &'static str {
    if value { "true" } else { "false" }
}

#[cfg(test)]
mod tests;
