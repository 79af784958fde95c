//! Integration settings: the three values an admin copies from Okta, validated per field.
//!
//! - **Identity Provider Single Sign-On URL**: an absolute `http` or `https` URL.
//! - **Identity Provider Issuer**: non-empty, no whitespace or control characters.
//! - **X.509 Certificate**: one or more certificates, PEM with or without the BEGIN/END lines,
//!   any line endings. Each must parse as X.509 with a key the verifier can use. A certificate
//!   that has expired (or is not yet valid) is accepted with an explicit warning: SAML
//!   verification pins the key, and Okta's own certificates outlive their dates in practice,
//!   but the admin should know.
//! - Optionally **IdP metadata XML**: fills whichever of the three fields are left empty.
//!
//! [`validate_settings`] is pure; saving (with the Owner/Admin check and a new SCIM token) is
//! [`OktaIntegration::save_settings`](crate::OktaIntegration::save_settings).

use std::fmt;
use std::future::Future;
use std::pin::Pin;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use saml_sp::Certificate;
use saml_sp::metadata::IdpMetadata;
use saml_sp::time::UnixTime;

use crate::auth::ScimToken;
use crate::store::{IdpSettings, Organization};

/// Longest accepted value of a single-line field.
pub const MAX_FIELD_LEN: usize = 2048;
/// Longest accepted certificate text.
pub const MAX_CERTIFICATE_TEXT: usize = 64 * 1024;
/// Longest accepted metadata XML.
pub const MAX_METADATA_XML: usize = 256 * 1024;
/// Most certificates in one setting (key rollover needs two).
pub const MAX_CERTIFICATES: usize = 8;

/// The settings form as submitted (raw text of each field).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SettingsForm {
    /// Identity Provider Single Sign-On URL.
    pub sso_url: String,
    /// Identity Provider Issuer.
    pub issuer: String,
    /// X.509 certificate(s), PEM or bare base64.
    pub certificate: String,
    /// Optional IdP metadata XML.
    pub metadata_xml: String,
}

/// A field of the form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SettingsField {
    /// [`SettingsForm::sso_url`].
    SsoUrl,
    /// [`SettingsForm::issuer`].
    Issuer,
    /// [`SettingsForm::certificate`].
    Certificate,
    /// [`SettingsForm::metadata_xml`].
    MetadataXml,
}

impl SettingsField {
    /// The form field name (`sso_url`, `issuer`, `certificate`, `metadata_xml`).
    pub fn name(self) -> &'static str {
        match self {
            Self::SsoUrl => "sso_url",
            Self::Issuer => "issuer",
            Self::Certificate => "certificate",
            Self::MetadataXml => "metadata_xml",
        }
    }
}

/// One problem with one field, in words for the admin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// The field.
    pub field: SettingsField,
    /// What to fix.
    pub message: String,
}

/// Every problem of a submitted form.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SettingsErrors {
    /// The problems, in field order.
    pub errors: Vec<FieldError>,
}

impl SettingsErrors {
    /// The first message for `field`, for an inline error.
    pub fn for_field(&self, field: SettingsField) -> Option<&str> {
        self.errors
            .iter()
            .find(|e| e.field == field)
            .map(|e| e.message.as_str())
    }

    fn push(&mut self, field: SettingsField, message: impl Into<String>) {
        self.errors.push(FieldError {
            field,
            message: message.into(),
        });
    }
}

impl fmt::Display for SettingsErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.errors.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{}: {}", e.field.name(), e.message)?;
        }
        Ok(())
    }
}

/// A certificate that passed validation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateInfo {
    /// Normalized PEM (64-column lines, LF).
    pub pem: String,
    /// Start of validity.
    pub not_before: UnixTime,
    /// End of validity.
    pub not_after: UnixTime,
}

/// A non-blocking remark on valid settings (shown next to the field).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SettingsWarning {
    /// The field.
    pub field: SettingsField,
    /// What the admin should know.
    pub message: String,
}

/// Settings that passed validation, ready to save.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidatedSettings {
    /// The values to store.
    pub idp: IdpSettings,
    /// Details of each certificate.
    pub certificates: Vec<CertificateInfo>,
    /// Warnings (e.g. an expired certificate).
    pub warnings: Vec<SettingsWarning>,
}

/// The result of a successful save: the new SCIM token, shown exactly once.
#[derive(Debug)]
pub struct SavedSettings {
    /// The new SCIM bearer token; the previous one no longer works.
    pub token: ScimToken,
    /// What was saved, with warnings.
    pub settings: ValidatedSettings,
}

/// A role in an organization, as the host application knows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Role {
    /// Owner: may change the integration settings.
    Owner,
    /// Admin: may change the integration settings.
    Admin,
    /// Any other member.
    Member,
}

/// Who is changing the settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    /// A signed-in user of the host application, by the host's user id; the [`RoleLookup`]
    /// hook decides.
    User(String),
    /// The machine's operator (a command-line tool with access to the data directory), who
    /// holds every right already.
    Operator,
}

/// The future of [`RoleLookup::role`].
pub type RoleFuture<'a> = Pin<Box<dyn Future<Output = Option<Role>> + Send + 'a>>;

/// The host hook deciding a user's role in an organization. Only [`Role::Owner`] and
/// [`Role::Admin`] may change the integration settings; `None` (not a member) may not.
///
/// ```
/// use okta_integration::settings::{Role, RoleFuture, RoleLookup};
/// use okta_integration::store::Organization;
///
/// struct Everyone;
/// impl RoleLookup for Everyone {
///     fn role<'a>(&'a self, _org: &'a Organization, user: &'a str) -> RoleFuture<'a> {
///         let role = if user == "alice" { Role::Owner } else { Role::Member };
///         Box::pin(async move { Some(role) })
///     }
/// }
/// ```
pub trait RoleLookup: Send + Sync {
    /// The role of host user `user` in `org`.
    fn role<'a>(&'a self, org: &'a Organization, user: &'a str) -> RoleFuture<'a>;
}

/// Validates a submitted form at time `now` (for certificate dates).
///
/// ```
/// use okta_integration::settings::{validate_settings, SettingsField, SettingsForm};
/// use saml_sp::time::UnixTime;
///
/// let form = SettingsForm {
///     sso_url: "ftp://okta.example/sso".into(),
///     issuer: "".into(),
///     certificate: "not a certificate".into(),
///     metadata_xml: "".into(),
/// };
/// let errors = validate_settings(&form, UnixTime::from_unix_seconds(1_900_000_000)).unwrap_err();
/// assert_eq!(
///     errors.for_field(SettingsField::SsoUrl),
///     Some("Enter the Identity Provider Single Sign-On URL: an http:// or https:// address.")
/// );
/// assert_eq!(errors.for_field(SettingsField::Issuer), Some("Enter the Identity Provider Issuer."));
/// assert!(errors.for_field(SettingsField::Certificate).is_some());
/// ```
pub fn validate_settings(
    form: &SettingsForm,
    now: UnixTime,
) -> Result<ValidatedSettings, SettingsErrors> {
    let mut errors = SettingsErrors::default();
    let mut sso_url = form.sso_url.trim().to_owned();
    let mut issuer = form.issuer.trim().to_owned();
    let mut cert_text = form.certificate.trim().to_owned();
    let metadata = form.metadata_xml.trim();
    let mut metadata_xml = None;

    if !metadata.is_empty() {
        if metadata.len() > MAX_METADATA_XML {
            errors.push(
                SettingsField::MetadataXml,
                format!(
                    "The metadata is larger than {} KiB.",
                    MAX_METADATA_XML / 1024
                ),
            );
        } else {
            match IdpMetadata::parse(metadata.as_bytes()) {
                Ok(md) => {
                    if sso_url.is_empty() {
                        let url = md.redirect_sso_url().or_else(|| md.post_sso_url());
                        url.unwrap_or_default().clone_into(&mut sso_url);
                    }
                    if issuer.is_empty() {
                        md.entity_id().clone_into(&mut issuer);
                    }
                    if cert_text.is_empty() {
                        cert_text = md.signing_certificates_pem().join("\n");
                    }
                    metadata_xml = Some(metadata.to_owned());
                }
                Err(e) => {
                    tracing::info!(check = e.check(), error = %e, "IdP metadata refused");
                    errors.push(
                        SettingsField::MetadataXml,
                        "This is not IdP metadata we can read: paste the XML of the \
                         Identity Provider metadata link from Okta's Sign On tab.",
                    );
                }
            }
        }
    }

    if !is_http_url(&sso_url) {
        errors.push(
            SettingsField::SsoUrl,
            "Enter the Identity Provider Single Sign-On URL: an http:// or https:// address.",
        );
    }

    if issuer.is_empty() {
        errors.push(SettingsField::Issuer, "Enter the Identity Provider Issuer.");
    } else if issuer.len() > MAX_FIELD_LEN
        || issuer.chars().any(|c| c.is_whitespace() || c.is_control())
    {
        errors.push(
            SettingsField::Issuer,
            "The Identity Provider Issuer is a single value without spaces, such as http://www.okta.com/exk…",
        );
    }

    let mut certificates = Vec::new();
    let mut warnings = Vec::new();
    if cert_text.is_empty() {
        errors.push(
            SettingsField::Certificate,
            "Paste the X.509 certificate from Okta.",
        );
    } else if cert_text.len() > MAX_CERTIFICATE_TEXT {
        errors.push(
            SettingsField::Certificate,
            "The certificate text is too long.",
        );
    } else {
        match read_certificates(&cert_text) {
            Ok(infos) => {
                for (i, info) in infos.iter().enumerate() {
                    let which = if infos.len() > 1 {
                        format!("Certificate {} ", i + 1)
                    } else {
                        "The certificate ".to_owned()
                    };
                    if info.not_after <= now {
                        warnings.push(SettingsWarning {
                            field: SettingsField::Certificate,
                            message: format!(
                                "{which}expired on {}. Sign-in keeps working with its key, but \
                                 download the current certificate from Okta soon.",
                                date(info.not_after)
                            ),
                        });
                    } else if info.not_before > now {
                        warnings.push(SettingsWarning {
                            field: SettingsField::Certificate,
                            message: format!(
                                "{which}is not valid before {}.",
                                date(info.not_before)
                            ),
                        });
                    }
                }
                certificates = infos;
            }
            Err(message) => errors.push(SettingsField::Certificate, message),
        }
    }

    if !errors.errors.is_empty() {
        return Err(errors);
    }
    Ok(ValidatedSettings {
        idp: IdpSettings {
            sso_url,
            issuer,
            certificates: certificates.iter().map(|c| c.pem.clone()).collect(),
            metadata_xml,
        },
        certificates,
        warnings,
    })
}

fn date(t: UnixTime) -> String {
    t.to_xs_datetime().get(..10).unwrap_or_default().to_owned()
}

/// An absolute http(s) URL with a host and no whitespace.
fn is_http_url(url: &str) -> bool {
    if url.len() > MAX_FIELD_LEN || url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return false;
    }
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"));
    match rest {
        Some(r) => {
            let host = r.split(['/', '?', '#']).next().unwrap_or_default();
            !host.is_empty() && !host.contains('@')
        }
        None => false,
    }
}

const PEM_BEGIN: &str = "-----BEGIN CERTIFICATE-----";
const PEM_END: &str = "-----END CERTIFICATE-----";

/// Reads every certificate of the text (PEM blocks, or one bare base64 certificate).
fn read_certificates(text: &str) -> Result<Vec<CertificateInfo>, String> {
    let text = text.trim_start_matches('\u{feff}');
    let mut blocks = Vec::new();
    if text.contains(PEM_BEGIN) {
        let mut rest = text;
        while let Some(start) = rest.find(PEM_BEGIN) {
            let after = rest.get(start + PEM_BEGIN.len()..).unwrap_or_default();
            let end = after
                .find(PEM_END)
                .ok_or("A BEGIN CERTIFICATE line has no matching END CERTIFICATE line.")?;
            blocks.push(after.get(..end).unwrap_or_default());
            rest = after.get(end + PEM_END.len()..).unwrap_or_default();
        }
    } else if text.contains("-----BEGIN ") {
        return Err(if text.contains("PRIVATE KEY-----") {
            "This is a private key, not a certificate: paste the X.509 Certificate from the \
             identity provider's setup instructions."
                .to_owned()
        } else {
            "This is not a certificate: paste the X.509 Certificate (BEGIN CERTIFICATE) from the \
             identity provider's setup instructions."
                .to_owned()
        });
    } else {
        blocks.push(text);
    }
    if blocks.len() > MAX_CERTIFICATES {
        return Err(format!(
            "At most {MAX_CERTIFICATES} certificates can be configured."
        ));
    }
    let many = blocks.len() > 1;
    let label = |i: usize| {
        if many {
            format!("Certificate {}", i + 1)
        } else {
            "The certificate".to_owned()
        }
    };
    let weak_key = |i: usize| {
        format!(
            "{} has a key that cannot verify sign-ins (RSA of at least 2048 bits or \
             ECDSA P-256/P-384 is needed).",
            label(i)
        )
    };
    let mut out = Vec::new();
    for (i, block) in blocks.into_iter().enumerate() {
        let compact: String = block.chars().filter(|c| !c.is_whitespace()).collect();
        let der = STANDARD
            .decode(compact.as_bytes())
            .map_err(|_| format!("{} is not a PEM certificate (base64 text).", label(i)))?;
        let (_, cert) = x509_parser::parse_x509_certificate(&der)
            .map_err(|_| format!("{} is not an X.509 certificate.", label(i)))?;
        // RSA keys under 2048 bits are refused by the verifier (without a dangerous opt-in),
        // so they are not usable here either.
        if let Ok(x509_parser::public_key::PublicKey::RSA(rsa)) = cert.public_key().parsed() {
            if rsa.key_size() < 2048 {
                return Err(weak_key(i));
            }
        }
        let validity = cert.validity();
        let not_before = UnixTime::from_unix_seconds(validity.not_before.timestamp());
        let not_after = UnixTime::from_unix_seconds(validity.not_after.timestamp());
        // The verifier's own reading: the key must be one it can use (RSA >= 2048, P-256/384).
        Certificate::from_der(&der).map_err(|e| {
            tracing::info!(error = %e, "IdP certificate refused");
            weak_key(i)
        })?;
        out.push(CertificateInfo {
            pem: to_pem(&compact),
            not_before,
            not_after,
        });
    }
    Ok(out)
}

fn to_pem(b64: &str) -> String {
    let mut pem = String::from(PEM_BEGIN);
    pem.push('\n');
    let bytes = b64.as_bytes();
    for chunk in bytes.chunks(64) {
        pem.push_str(std::str::from_utf8(chunk).unwrap_or_default());
        pem.push('\n');
    }
    pem.push_str(PEM_END);
    pem.push('\n');
    pem
}

/// The values the admin types into Okta for one organization.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OktaValues {
    /// Single sign-on URL (ACS): `http(s)://ORG.BASE/okta/auth`.
    pub acs_url: String,
    /// Audience URI (SP entity ID): `http(s)://ORG.BASE`.
    pub audience_uri: String,
    /// SCIM connector base URL: `http(s)://ORG.BASE/okta/scim`.
    pub scim_base_url: String,
    /// SP metadata URL.
    pub metadata_url: String,
    /// SP-initiated sign-in URL.
    pub login_url: String,
    /// Unique identifier field for users: `userName`.
    pub unique_identifier_field: &'static str,
    /// Application username format: email.
    pub application_username: &'static str,
}

/// The saved settings, for showing the form again (no token: it is never shown twice).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CurrentSettings {
    /// The organization.
    pub org: Organization,
    /// The saved values.
    pub idp: IdpSettings,
    /// When the settings (and the current token) were saved.
    pub updated_at: UnixTime,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data(rel: &str) -> String {
        let p = format!(
            "{}/../saml-sp/tests/data/generated/{rel}",
            env!("CARGO_MANIFEST_DIR")
        );
        std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{p}: {e}"))
    }

    fn form(cert: &str) -> SettingsForm {
        SettingsForm {
            sso_url: "https://acme.okta.com/app/acme_app/exk1/sso/saml".into(),
            issuer: "http://www.okta.com/exk1".into(),
            certificate: cert.into(),
            metadata_xml: String::new(),
        }
    }

    #[test]
    fn accepts_pem_with_and_without_armour_and_crlf() {
        let pem = data("keys/idp-rsa2048.crt");
        let now = UnixTime::from_unix_seconds(1_900_000_000);
        let ok = validate_settings(&form(&pem), now).unwrap();
        assert_eq!(ok.idp.certificates.len(), 1);
        let bare: String = pem
            .lines()
            .filter(|l| !l.starts_with("-----"))
            .collect::<Vec<_>>()
            .join("\r\n");
        let ok2 = validate_settings(&form(&bare), now).unwrap();
        assert_eq!(ok2.idp.certificates, ok.idp.certificates);
        // Two certificates (rollover).
        let two = format!("{pem}\n{}", data("keys/idp-rsa3072.crt"));
        assert_eq!(
            validate_settings(&form(&two), now)
                .unwrap()
                .certificates
                .len(),
            2
        );
    }

    #[test]
    fn expired_certificate_is_a_warning() {
        let pem = data("keys/idp-rsa2048.crt");
        let far = UnixTime::from_unix_seconds(32_000_000_000);
        let ok = validate_settings(&form(&pem), far).unwrap();
        assert_eq!(ok.warnings.len(), 1);
        assert!(
            ok.warnings[0]
                .message
                .starts_with("The certificate expired on ")
        );
    }

    #[test]
    fn weak_key_refused() {
        let pem = data("keys/idp-rsa1024.crt");
        let err =
            validate_settings(&form(&pem), UnixTime::from_unix_seconds(1_900_000_000)).unwrap_err();
        assert_eq!(err.errors.len(), 1);
        assert!(
            err.for_field(SettingsField::Certificate)
                .unwrap()
                .contains("cannot verify sign-ins")
        );
    }

    #[test]
    fn field_errors() {
        let mut f = form("MIIB");
        f.sso_url = "https://".into();
        f.issuer = "has space".into();
        let err = validate_settings(&f, UnixTime::from_unix_seconds(0)).unwrap_err();
        let fields: Vec<_> = err.errors.iter().map(|e| e.field).collect();
        assert_eq!(
            fields,
            [
                SettingsField::SsoUrl,
                SettingsField::Issuer,
                SettingsField::Certificate
            ]
        );
        let mut f = form("");
        f.metadata_xml = "<not-metadata/>".into();
        let err = validate_settings(&f, UnixTime::from_unix_seconds(0)).unwrap_err();
        assert!(err.for_field(SettingsField::MetadataXml).is_some());
    }

    #[test]
    fn metadata_fills_empty_fields() {
        let cert = data("keys/idp-rsa2048.crt");
        let b64: String = cert.lines().filter(|l| !l.starts_with("-----")).collect();
        let xml = format!(
            r#"<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="http://www.okta.com/exkMETA"><md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"><md:KeyDescriptor use="signing"><ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:X509Data><ds:X509Certificate>{b64}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor><md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="https://acme.okta.com/app/x/sso/saml"/></md:IDPSSODescriptor></md:EntityDescriptor>"#
        );
        let f = SettingsForm {
            metadata_xml: xml,
            ..SettingsForm::default()
        };
        let ok = validate_settings(&f, UnixTime::from_unix_seconds(1_900_000_000)).unwrap();
        assert_eq!(ok.idp.issuer, "http://www.okta.com/exkMETA");
        assert_eq!(ok.idp.sso_url, "https://acme.okta.com/app/x/sso/saml");
        assert_eq!(ok.idp.certificates.len(), 1);
        assert!(ok.idp.metadata_xml.is_some());
    }
}
