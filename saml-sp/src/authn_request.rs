//! `AuthnRequest` for SP-initiated sign-in (SAML core §3.4.1), sent through the HTTP-Redirect
//! or HTTP-POST binding.
//!
//! The request ID comes from an injected [`IdGenerator`] and `IssueInstant` from a `now`
//! parameter, so output is reproducible in tests. Keep [`AuthnRequest::id`] (for example in the
//! user's session, keyed by RelayState): the response must carry it as `InResponseTo`.
//!
//! ```
//! use saml_sp::authn_request::AuthnRequestBuilder;
//! use saml_sp::random::SystemRandomIdGenerator;
//! use saml_sp::time::{SystemTimeProvider, TimeProvider};
//!
//! let request = AuthnRequestBuilder::new(
//!     "https://app.example.com",
//!     "https://app.example.com/okta/auth",
//!     "https://example.okta.com/app/example/exk1/sso/saml",
//! )
//! .with_name_id_format("urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress")
//! .build(&SystemRandomIdGenerator::new(), SystemTimeProvider.now())?;
//!
//! let url = request.redirect_url(Some("return-to-dashboard"))?;
//! assert!(url.starts_with("https://example.okta.com/app/example/exk1/sso/saml?SAMLRequest="));
//! assert!(url.ends_with("&RelayState=return-to-dashboard"));
//! # Ok::<(), saml_sp::authn_request::AuthnRequestError>(())
//! ```

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use ring::signature::{RSA_PKCS1_SHA256, RsaKeyPair};

use crate::binding::{self, BindingError, DecodeLimits};
use crate::ids::RequestId;
use crate::random::{self, IdGenerator, RandomError};
use crate::time::UnixTime;

/// `urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST`, the binding the response comes back on.
pub const HTTP_POST_BINDING: &str = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST";
/// `urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect`.
pub const HTTP_REDIRECT_BINDING: &str = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect";
/// The `SigAlg` of a redirect signed with [`SpSigningKey`]: RSA PKCS#1 v1.5 with SHA-256.
pub const RSA_SHA256_SIG_ALG: &str = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256";

const PROTOCOL_NS: &str = "urn:oasis:names:tc:SAML:2.0:protocol";
const ASSERTION_NS: &str = "urn:oasis:names:tc:SAML:2.0:assertion";

/// Longest accepted configuration value (entity ID, URL, NameID format), in bytes.
pub const MAX_VALUE_LEN: usize = 2048;
/// Longest RelayState the bindings allow (SAML bindings §3.4.3 and §3.5.3), in bytes.
pub const MAX_RELAY_STATE_LEN: usize = 80;

/// An `AuthnRequest` could not be built or encoded.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AuthnRequestError {
    /// A configuration value is empty, too long, or has characters that do not belong in it.
    #[error("invalid {what}: {detail}")]
    InvalidValue {
        /// Which value (`SP entity ID`, `ACS URL`, `IdP SSO URL`, `NameID format`).
        what: &'static str,
        /// Why.
        detail: &'static str,
    },
    /// The ID generator returned something that is not an `xs:ID` (an XML name without colon)
    /// of at most 256 bytes.
    #[error("generated request ID {id:?} is not a valid SAML ID")]
    InvalidId {
        /// The value returned by the generator (truncated to 64 characters).
        id: String,
    },
    /// RelayState is longer than [`MAX_RELAY_STATE_LEN`].
    #[error("RelayState is {len} bytes, over the limit of {MAX_RELAY_STATE_LEN}")]
    RelayStateTooLong {
        /// Its length in bytes.
        len: usize,
    },
    /// The random source failed.
    #[error(transparent)]
    Random(#[from] RandomError),
    /// Encoding the message failed.
    #[error(transparent)]
    Encoding(#[from] BindingError),
    /// The SP signing key could not be read.
    #[error("SP signing key: {detail}")]
    Key {
        /// Why.
        detail: &'static str,
    },
    /// Signing failed.
    #[error("signing the request failed")]
    Signing,
}

/// The settings of an `AuthnRequest`: required values in [`new`](Self::new), options through
/// `with_*`, checked by [`build`](Self::build).
///
/// ```
/// use saml_sp::authn_request::AuthnRequestBuilder;
/// use saml_sp::random::{IdGenerator, RandomError};
/// use saml_sp::time::UnixTime;
///
/// #[derive(Debug)]
/// struct FixedId;
/// impl IdGenerator for FixedId {
///     fn fill(&self, dest: &mut [u8]) -> Result<(), RandomError> {
///         dest.fill(0x42);
///         Ok(())
///     }
/// }
///
/// let request = AuthnRequestBuilder::new("https://sp.example", "https://sp.example/acs", "https://idp.example/sso")
///     .with_force_authn(true)
///     .build(&FixedId, UnixTime::from_unix_seconds(1_700_000_000))?;
/// assert_eq!(request.id(), "_4242424242424242424242424242424242424242");
/// assert!(request.xml().contains(r#"IssueInstant="2023-11-14T22:13:20Z""#));
/// assert!(request.xml().contains(r#"ForceAuthn="true""#));
/// # Ok::<(), saml_sp::authn_request::AuthnRequestError>(())
/// ```
#[derive(Clone, Debug)]
pub struct AuthnRequestBuilder {
    sp_entity_id: String,
    acs_url: String,
    idp_sso_url: String,
    name_id_format: Option<String>,
    force_authn: bool,
    is_passive: bool,
}

impl AuthnRequestBuilder {
    /// A request from the SP `sp_entity_id` (the `Issuer`), asking for the response at `acs_url`
    /// (HTTP-POST), sent to the IdP's single sign-on URL `idp_sso_url` (the `Destination`).
    pub fn new(sp_entity_id: &str, acs_url: &str, idp_sso_url: &str) -> Self {
        Self {
            sp_entity_id: sp_entity_id.to_owned(),
            acs_url: acs_url.to_owned(),
            idp_sso_url: idp_sso_url.to_owned(),
            name_id_format: None,
            force_authn: false,
            is_passive: false,
        }
    }

    /// Asks for a NameID of this format (a `NameIDPolicy` with `AllowCreate="true"`).
    #[must_use]
    pub fn with_name_id_format(mut self, format: &str) -> Self {
        self.name_id_format = Some(format.to_owned());
        self
    }

    /// Sets `ForceAuthn`: the IdP must authenticate the user again even with a session.
    #[must_use]
    pub fn with_force_authn(mut self, force_authn: bool) -> Self {
        self.force_authn = force_authn;
        self
    }

    /// Sets `IsPassive`: the IdP must not interact with the user (fails if no session).
    #[must_use]
    pub fn with_is_passive(mut self, is_passive: bool) -> Self {
        self.is_passive = is_passive;
        self
    }

    /// Checks the settings, draws a fresh ID from `ids` and renders the request at `now`.
    pub fn build(
        &self,
        ids: &dyn IdGenerator,
        now: UnixTime,
    ) -> Result<AuthnRequest, AuthnRequestError> {
        check_value("SP entity ID", &self.sp_entity_id)?;
        check_value("ACS URL", &self.acs_url)?;
        check_value("IdP SSO URL", &self.idp_sso_url)?;
        if !self.idp_sso_url.starts_with("https://") && !self.idp_sso_url.starts_with("http://") {
            return Err(AuthnRequestError::InvalidValue {
                what: "IdP SSO URL",
                detail: "must be an http or https URL",
            });
        }
        if self.idp_sso_url.contains('#') {
            return Err(AuthnRequestError::InvalidValue {
                what: "IdP SSO URL",
                detail: "must not have a fragment",
            });
        }
        if let Some(format) = &self.name_id_format {
            check_value("NameID format", format)?;
        }
        let id = ids.new_id()?;
        let request_id =
            RequestId::try_from(id.as_str()).map_err(|_| AuthnRequestError::InvalidId {
                id: id.chars().take(64).collect(),
            })?;

        let mut xml = String::with_capacity(768);
        xml.push_str("<samlp:AuthnRequest xmlns:samlp=\"");
        xml.push_str(PROTOCOL_NS);
        xml.push_str("\" xmlns:saml=\"");
        xml.push_str(ASSERTION_NS);
        xml.push('"');
        push_attr(&mut xml, "ID", &id);
        push_attr(&mut xml, "Version", "2.0");
        push_attr(&mut xml, "IssueInstant", &now.to_xs_datetime());
        push_attr(&mut xml, "Destination", &self.idp_sso_url);
        push_attr(&mut xml, "AssertionConsumerServiceURL", &self.acs_url);
        push_attr(&mut xml, "ProtocolBinding", HTTP_POST_BINDING);
        if self.force_authn {
            push_attr(&mut xml, "ForceAuthn", "true");
        }
        if self.is_passive {
            push_attr(&mut xml, "IsPassive", "true");
        }
        xml.push_str("><saml:Issuer>");
        push_escaped(&mut xml, &self.sp_entity_id, false);
        xml.push_str("</saml:Issuer>");
        if let Some(format) = &self.name_id_format {
            xml.push_str("<samlp:NameIDPolicy");
            push_attr(&mut xml, "Format", format);
            push_attr(&mut xml, "AllowCreate", "true");
            xml.push_str("/>");
        }
        xml.push_str("</samlp:AuthnRequest>");

        Ok(AuthnRequest {
            id: request_id,
            issue_instant: now,
            destination: self.idp_sso_url.clone(),
            xml,
        })
    }
}

/// A rendered `AuthnRequest`, ready to send.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuthnRequest {
    id: RequestId,
    issue_instant: UnixTime,
    destination: String,
    xml: String,
}

impl AuthnRequest {
    /// The request ID: the `InResponseTo` to expect in the response.
    pub fn id(&self) -> &str {
        self.id.as_str()
    }

    /// The request ID as the value [`SpConfig::verify_response`](crate::SpConfig::verify_response)
    /// expects back.
    pub fn request_id(&self) -> &RequestId {
        &self.id
    }

    /// The `IssueInstant`.
    pub fn issue_instant(&self) -> UnixTime {
        self.issue_instant
    }

    /// The IdP single sign-on URL the request is sent to.
    pub fn destination(&self) -> &str {
        &self.destination
    }

    /// The request XML (UTF-8, no XML declaration).
    pub fn xml(&self) -> &str {
        &self.xml
    }

    /// The HTTP-Redirect URL (send it as a `302 Location`), unsigned.
    ///
    /// `relay_state` comes back unchanged with the response; use an opaque value of at most
    /// [`MAX_RELAY_STATE_LEN`] bytes (for example from [`IdGenerator::new_relay_state`]).
    pub fn redirect_url(&self, relay_state: Option<&str>) -> Result<String, AuthnRequestError> {
        self.redirect(relay_state, None)
    }

    /// The HTTP-Redirect URL with a query-string signature (`SigAlg` = [`RSA_SHA256_SIG_ALG`])
    /// over `SAMLRequest=..&RelayState=..&SigAlg=..` exactly as encoded in the URL (SAML
    /// bindings §3.4.4.1). Use this when the IdP requires signed requests.
    ///
    /// ```
    /// use saml_sp::authn_request::{AuthnRequestBuilder, SpSigningKey};
    /// use saml_sp::random::SystemRandomIdGenerator;
    /// use saml_sp::time::UnixTime;
    ///
    /// # let pem = include_str!("../tests/data/sp/sp_test_key.pem");
    /// let key = SpSigningKey::from_pem(pem)?;
    /// let request = AuthnRequestBuilder::new("https://sp.example", "https://sp.example/acs", "https://idp.example/sso")
    ///     .build(&SystemRandomIdGenerator::new(), UnixTime::from_unix_seconds(1_700_000_000))?;
    /// let url = request.signed_redirect_url(Some("abc"), &key)?;
    /// assert!(url.contains("&RelayState=abc&SigAlg=http%3A%2F%2Fwww.w3.org%2F2001%2F04%2Fxmldsig-more%23rsa-sha256&Signature="));
    /// # Ok::<(), saml_sp::authn_request::AuthnRequestError>(())
    /// ```
    pub fn signed_redirect_url(
        &self,
        relay_state: Option<&str>,
        key: &SpSigningKey,
    ) -> Result<String, AuthnRequestError> {
        self.redirect(relay_state, Some(key))
    }

    /// Builds the redirect URL, signed when `key` is given.
    fn redirect(
        &self,
        relay_state: Option<&str>,
        key: Option<&SpSigningKey>,
    ) -> Result<String, AuthnRequestError> {
        check_relay_state(relay_state)?;
        let value = binding::encode_redirect_value(self.xml.as_bytes())?;
        let mut query = String::with_capacity(value.len() + 512);
        query.push_str("SAMLRequest=");
        query.push_str(&binding::encode_query_value(&value));
        if let Some(state) = relay_state {
            query.push_str("&RelayState=");
            query.push_str(&binding::encode_query_value(state));
        }
        if let Some(key) = key {
            query.push_str("&SigAlg=");
            query.push_str(&binding::encode_query_value(RSA_SHA256_SIG_ALG));
            let signature = key.sign(query.as_bytes())?;
            query.push_str("&Signature=");
            query.push_str(&binding::encode_query_value(&STANDARD.encode(signature)));
        }
        let separator = if self.destination.contains('?') {
            '&'
        } else {
            '?'
        };
        Ok(format!("{}{separator}{query}", self.destination))
    }

    /// The HTTP-POST binding form: the base64 `SAMLRequest` value and an auto-submitting HTML
    /// page (unsigned; IdPs that require signed requests take the signed redirect).
    ///
    /// ```
    /// use saml_sp::authn_request::AuthnRequestBuilder;
    /// use saml_sp::random::SystemRandomIdGenerator;
    /// use saml_sp::time::UnixTime;
    ///
    /// let request = AuthnRequestBuilder::new("https://sp.example", "https://sp.example/acs", "https://idp.example/sso?a=1&b=2")
    ///     .build(&SystemRandomIdGenerator::new(), UnixTime::from_unix_seconds(1_700_000_000))?;
    /// let form = request.post_form(Some("x\"y"))?;
    /// assert_eq!(form.action(), "https://idp.example/sso?a=1&b=2");
    /// let html = form.to_html();
    /// assert!(html.contains(r#"action="https://idp.example/sso?a=1&amp;b=2""#));
    /// assert!(html.contains(r#"name="RelayState" value="x&quot;y""#));
    /// # Ok::<(), saml_sp::authn_request::AuthnRequestError>(())
    /// ```
    pub fn post_form(&self, relay_state: Option<&str>) -> Result<PostForm, AuthnRequestError> {
        check_relay_state(relay_state)?;
        Ok(PostForm {
            action: self.destination.clone(),
            saml_request: binding::encode_post_value(self.xml.as_bytes()),
            relay_state: relay_state.map(str::to_owned),
        })
    }
}

/// An HTTP-POST binding form for an `AuthnRequest`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PostForm {
    action: String,
    saml_request: String,
    relay_state: Option<String>,
}

impl PostForm {
    /// Where the form posts to (the IdP single sign-on URL).
    pub fn action(&self) -> &str {
        &self.action
    }

    /// The `SAMLRequest` field value (base64 of the request XML).
    pub fn saml_request(&self) -> &str {
        &self.saml_request
    }

    /// The `RelayState` field value, if any.
    pub fn relay_state(&self) -> Option<&str> {
        self.relay_state.as_deref()
    }

    /// A complete HTML page that posts the form on load (with a button when scripts are off).
    /// Every value is HTML-escaped. Serve it with `Content-Type: text/html; charset=utf-8`.
    pub fn to_html(&self) -> String {
        let mut html = String::with_capacity(self.saml_request.len() + 640);
        html.push_str(
            "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">\
             <meta name=\"referrer\" content=\"no-referrer\"><title>Signing in</title></head>\n\
             <body onload=\"document.forms[0].submit()\">\n<form method=\"post\" action=\"",
        );
        push_html_escaped(&mut html, &self.action);
        html.push_str("\">\n<input type=\"hidden\" name=\"SAMLRequest\" value=\"");
        push_html_escaped(&mut html, &self.saml_request);
        html.push_str("\">\n");
        if let Some(state) = &self.relay_state {
            html.push_str("<input type=\"hidden\" name=\"RelayState\" value=\"");
            push_html_escaped(&mut html, state);
            html.push_str("\">\n");
        }
        html.push_str(
            "<noscript><p>Press the button to continue signing in.</p>\
             <button type=\"submit\">Continue</button></noscript>\n</form></body></html>\n",
        );
        html
    }
}

/// The SP's RSA private key, for signing HTTP-Redirect requests with RSA-SHA256.
///
/// Its `Debug` output never shows key material.
pub struct SpSigningKey {
    pair: RsaKeyPair,
}

impl SpSigningKey {
    /// Reads a PEM key: `BEGIN PRIVATE KEY` (PKCS#8) or `BEGIN RSA PRIVATE KEY` (PKCS#1).
    /// Encrypted keys are not supported. RSA keys of 2048 to 4096 bits are accepted.
    pub fn from_pem(pem: &str) -> Result<Self, AuthnRequestError> {
        let (label, der) = pem_block(pem)?;
        match label {
            "PRIVATE KEY" => Self::from_pkcs8_der(&der),
            "RSA PRIVATE KEY" => Self::from_pkcs1_der(&der),
            _ => Err(AuthnRequestError::Key {
                detail: "expected a PRIVATE KEY or RSA PRIVATE KEY PEM block",
            }),
        }
    }

    /// Reads a DER PKCS#8 `PrivateKeyInfo` holding an RSA key.
    pub fn from_pkcs8_der(der: &[u8]) -> Result<Self, AuthnRequestError> {
        RsaKeyPair::from_pkcs8(der)
            .map(|pair| Self { pair })
            .map_err(|_| AuthnRequestError::Key {
                detail: "not a usable RSA PKCS#8 key (2048-4096 bits)",
            })
    }

    /// Reads a DER PKCS#1 `RSAPrivateKey`.
    pub fn from_pkcs1_der(der: &[u8]) -> Result<Self, AuthnRequestError> {
        RsaKeyPair::from_der(der)
            .map(|pair| Self { pair })
            .map_err(|_| AuthnRequestError::Key {
                detail: "not a usable RSA PKCS#1 key (2048-4096 bits)",
            })
    }

    /// The public key as a DER PKCS#1 `RSAPublicKey` (what verifiers such as `ring` take).
    pub fn public_key_der(&self) -> &[u8] {
        use ring::signature::KeyPair as _;
        self.pair.public_key().as_ref()
    }

    /// RSA PKCS#1 v1.5 SHA-256 signature of `message`.
    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, AuthnRequestError> {
        let mut signature = vec![0u8; self.pair.public().modulus_len()];
        self.pair
            .sign(
                &RSA_PKCS1_SHA256,
                &random::blinding_rng(),
                message,
                &mut signature,
            )
            .map_err(|_| AuthnRequestError::Signing)?;
        Ok(signature)
    }
}

impl fmt::Debug for SpSigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SpSigningKey")
            .field("bits", &(self.pair.public().modulus_len() * 8))
            .finish_non_exhaustive()
    }
}

/// The label and DER body of the first PEM block in `pem`.
fn pem_block(pem: &str) -> Result<(&str, Vec<u8>), AuthnRequestError> {
    const NOT_PEM: AuthnRequestError = AuthnRequestError::Key {
        detail: "not a PEM block",
    };
    let after_begin = pem.split_once("-----BEGIN ").ok_or(NOT_PEM)?.1;
    let (label, rest) = after_begin.split_once("-----").ok_or(NOT_PEM)?;
    let end_marker = format!("-----END {label}-----");
    let (body, _) = rest.split_once(&end_marker).ok_or(NOT_PEM)?;
    if body.contains(':') {
        return Err(AuthnRequestError::Key {
            detail: "encrypted PEM keys are not supported",
        });
    }
    let der = binding::decode_base64_lenient(body.as_bytes(), "PEM", &DecodeLimits::default())
        .map_err(|_| NOT_PEM)?;
    Ok((label, der))
}

fn check_value(what: &'static str, value: &str) -> Result<(), AuthnRequestError> {
    let detail = if value.is_empty() {
        "must not be empty"
    } else if value.len() > MAX_VALUE_LEN {
        "is too long"
    } else if value.chars().any(|c| c.is_whitespace() || c.is_control()) {
        "must not contain whitespace or control characters"
    } else {
        return Ok(());
    };
    Err(AuthnRequestError::InvalidValue { what, detail })
}

fn check_relay_state(relay_state: Option<&str>) -> Result<(), AuthnRequestError> {
    match relay_state {
        Some(state) if state.len() > MAX_RELAY_STATE_LEN => {
            Err(AuthnRequestError::RelayStateTooLong { len: state.len() })
        }
        _ => Ok(()),
    }
}

pub(crate) fn push_attr(out: &mut String, name: &str, value: &str) {
    out.push(' ');
    out.push_str(name);
    out.push_str("=\"");
    push_escaped(out, value, true);
    out.push('"');
}

/// XML escaping for text (`&`, `<`, `>`) and, in attributes, also `"`.
pub(crate) fn push_escaped(out: &mut String, value: &str, attribute: bool) {
    for c in value.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' if attribute => out.push_str("&quot;"),
            _ => out.push(c),
        }
    }
}

fn push_html_escaped(out: &mut String, value: &str) {
    for c in value.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::xml::{Document, Limits};

    const PROTOCOL: &str = "urn:oasis:names:tc:SAML:2.0:protocol";
    const ASSERTION: &str = "urn:oasis:names:tc:SAML:2.0:assertion";

    #[derive(Debug)]
    struct Fixed(String);

    impl IdGenerator for Fixed {
        fn fill(&self, _dest: &mut [u8]) -> Result<(), RandomError> {
            Err(RandomError::Unavailable)
        }

        fn new_id(&self) -> Result<String, RandomError> {
            Ok(self.0.clone())
        }
    }

    proptest! {
        /// Whatever the (valid) settings, the request is well-formed XML that our own reader
        /// parses back to exactly the values given.
        #[test]
        fn request_xml_parses_back_to_its_values(
            entity_id in "[!-~]{1,80}",
            acs in "https://[a-z]{1,12}\\.example/[!-~]{0,40}",
            sso in "https?://[a-z]{1,12}\\.example/[!-\"$-~]{0,40}",
            format in proptest::option::of("[!-~]{1,60}"),
            id in "[A-Za-z_][A-Za-z0-9_.-]{0,40}",
            secs in 0i64..4_000_000_000,
            force in any::<bool>(),
            passive in any::<bool>(),
        ) {
            let mut builder = AuthnRequestBuilder::new(&entity_id, &acs, &sso)
                .with_force_authn(force)
                .with_is_passive(passive);
            if let Some(format) = &format {
                builder = builder.with_name_id_format(format);
            }
            let now = UnixTime::from_unix_seconds(secs);
            let request = builder.build(&Fixed(id.clone()), now).unwrap();
            let doc = Document::parse(request.xml().as_bytes(), &Limits::default()).unwrap();
            let root = doc.root();
            prop_assert!(root.is(PROTOCOL, "AuthnRequest"));
            prop_assert_eq!(root.attribute("ID"), Some(id.as_str()));
            prop_assert_eq!(root.attribute("Destination"), Some(sso.as_str()));
            prop_assert_eq!(root.attribute("AssertionConsumerServiceURL"), Some(acs.as_str()));
            prop_assert_eq!(root.attribute("ProtocolBinding"), Some(HTTP_POST_BINDING));
            let instant = root.attribute("IssueInstant").map(UnixTime::parse_xs_datetime);
            prop_assert_eq!(instant, Some(Ok(now)));
            prop_assert_eq!(root.attribute("ForceAuthn"), force.then_some("true"));
            prop_assert_eq!(root.attribute("IsPassive"), passive.then_some("true"));
            let issuer = root.child(ASSERTION, "Issuer").unwrap();
            prop_assert_eq!(issuer.text(), entity_id.as_str());
            let policy = root.child(PROTOCOL, "NameIDPolicy");
            prop_assert_eq!(policy.and_then(|p| p.attribute("Format")), format.as_deref());
        }
    }

    #[test]
    fn escaping() {
        let mut out = String::new();
        push_escaped(&mut out, "a&b<c>d\"e'", true);
        assert_eq!(out, "a&amp;b&lt;c&gt;d&quot;e'");
        out.clear();
        push_escaped(&mut out, "a&b<c>d\"e'", false);
        assert_eq!(out, "a&amp;b&lt;c&gt;d\"e'");
        out.clear();
        push_html_escaped(&mut out, "a&b<c>d\"e'");
        assert_eq!(out, "a&amp;b&lt;c&gt;d&quot;e&#39;");
    }

    #[test]
    fn pem_parsing_errors() {
        assert_eq!(
            pem_block("no pem here").unwrap_err(),
            AuthnRequestError::Key {
                detail: "not a PEM block"
            }
        );
        assert_eq!(
            pem_block("-----BEGIN PRIVATE KEY-----\nAAAA\n").unwrap_err(),
            AuthnRequestError::Key {
                detail: "not a PEM block"
            }
        );
        assert_eq!(
            pem_block("-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nAAAA\n-----END RSA PRIVATE KEY-----")
                .unwrap_err(),
            AuthnRequestError::Key {
                detail: "encrypted PEM keys are not supported"
            }
        );
        let (label, der) =
            pem_block("junk\n-----BEGIN PRIVATE KEY-----\r\nAQID\r\n-----END PRIVATE KEY-----\n")
                .unwrap();
        assert_eq!(label, "PRIVATE KEY");
        assert_eq!(der, [1, 2, 3]);
    }
}
