//! Service Provider and IdP configuration.
//!
//! Required values are constructor arguments; options are `with_*` methods; the whole is
//! checked once by [`SpConfigBuilder::build`]. There is no way to build a verifier without an
//! IdP issuer and at least one IdP certificate.

use std::sync::Arc;
use std::time::Duration;

use crate::danger::DangerousOptions;
use crate::dsig::TrustedKey;
use crate::error::ConfigError;
use crate::ids::{AcsUrl, EntityId};
use crate::replay::{InMemoryReplayCache, ReplayCache};
use crate::xml::Limits;

/// An IdP signing certificate (only its public key is used; see the crate docs on pinning).
///
/// ```
/// use saml_sp::Certificate;
///
/// // Bare base64, as IdP admin screens and metadata show it, is accepted as well as PEM.
/// assert!(Certificate::from_pem("not a certificate").is_err());
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Certificate {
    key: TrustedKey,
}

const PEM_BEGIN: &str = "-----BEGIN CERTIFICATE-----";
const PEM_END: &str = "-----END CERTIFICATE-----";

impl Certificate {
    /// Reads one certificate in PEM, with or without the BEGIN/END lines, with any whitespace
    /// and line ends (and a leading BOM).
    pub fn from_pem(text: &str) -> Result<Self, ConfigError> {
        let mut all = Self::from_pem_bundle(text)?;
        match all.len() {
            1 => Ok(all.remove(0)),
            n => Err(ConfigError::Certificate {
                index: 0,
                detail: format!("expected one certificate, found {n}"),
            }),
        }
    }

    /// Reads every certificate of a PEM text (several BEGIN/END blocks), or one bare base64
    /// certificate.
    pub fn from_pem_bundle(text: &str) -> Result<Vec<Self>, ConfigError> {
        let text = text.trim_start_matches('\u{feff}');
        let mut blocks = Vec::new();
        if text.contains(PEM_BEGIN) {
            let mut rest = text;
            while let Some(start) = rest.find(PEM_BEGIN) {
                let after = rest.get(start + PEM_BEGIN.len()..).unwrap_or_default();
                let end = after
                    .find(PEM_END)
                    .ok_or_else(|| ConfigError::Certificate {
                        index: blocks.len(),
                        detail: "BEGIN CERTIFICATE without END CERTIFICATE".to_owned(),
                    })?;
                blocks.push(after.get(..end).unwrap_or_default());
                rest = after.get(end + PEM_END.len()..).unwrap_or_default();
            }
        } else if let Some(label) = other_pem_label(text) {
            // Typically the SP's own private key pasted by mistake: say what it is.
            return Err(ConfigError::Certificate {
                index: 0,
                detail: format!("this is a PEM \"{label}\", not a CERTIFICATE"),
            });
        } else {
            blocks.push(text);
        }
        blocks
            .into_iter()
            .enumerate()
            .map(|(index, block)| {
                let der = crate::base64::decode_lenient(block.as_bytes(), "certificate").map_err(
                    |_| ConfigError::Certificate {
                        index,
                        detail: "not valid base64".to_owned(),
                    },
                )?;
                Self::from_der_indexed(&der, index)
            })
            .collect()
    }

    /// Reads a DER certificate.
    pub fn from_der(der: &[u8]) -> Result<Self, ConfigError> {
        Self::from_der_indexed(der, 0)
    }

    fn from_der_indexed(der: &[u8], index: usize) -> Result<Self, ConfigError> {
        TrustedKey::from_certificate_der(der)
            .map(|key| Self { key })
            .map_err(|detail| ConfigError::Certificate { index, detail })
    }
}

/// The label of the first PEM block (`-----BEGIN <label>-----`) of `text`, if there is one.
fn other_pem_label(text: &str) -> Option<&str> {
    let after = text.split_once("-----BEGIN ")?.1;
    let label = after.split_once("-----")?.0.trim();
    (!label.is_empty() && label.len() <= 64 && !label.contains('\n')).then_some(label)
}

/// The identity provider we trust: its entity ID (the expected `Issuer`) and signing
/// certificates (several during a key rollover; a signature by any of them is accepted).
///
/// ```
/// use saml_sp::{EntityId, IdpConfig};
///
/// let issuer = EntityId::try_from("http://www.okta.com/exk1")?;
/// // Fails closed: no certificate, no verifier.
/// assert_eq!(IdpConfig::new(issuer, []).unwrap_err().to_string(),
///            "at least one IdP certificate is required");
/// # Ok::<(), saml_sp::ConfigError>(())
/// ```
#[derive(Clone, Debug)]
pub struct IdpConfig {
    entity_id: EntityId,
    keys: Vec<TrustedKey>,
}

impl IdpConfig {
    /// An IdP with its issuer and its signing certificates (at least one).
    pub fn new(
        entity_id: EntityId,
        certificates: impl IntoIterator<Item = Certificate>,
    ) -> Result<Self, ConfigError> {
        let keys: Vec<TrustedKey> = certificates.into_iter().map(|c| c.key).collect();
        if keys.is_empty() {
            return Err(ConfigError::NoCertificate);
        }
        Ok(Self { entity_id, keys })
    }

    /// The IdP entity ID.
    pub fn entity_id(&self) -> &EntityId {
        &self.entity_id
    }

    pub(crate) fn keys(&self) -> &[TrustedKey] {
        &self.keys
    }
}

/// Everything needed to verify responses for one SP and one IdP.
///
/// Built by [`SpConfig::builder`]; verification is done by
/// [`SpConfig::verify_response`](crate::SpConfig::verify_response) and
/// [`SpConfig::verify_assertion`](crate::SpConfig::verify_assertion).
#[derive(Clone, Debug)]
pub struct SpConfig {
    pub(crate) entity_id: EntityId,
    pub(crate) acs_url: AcsUrl,
    pub(crate) idp: IdpConfig,
    pub(crate) clock_skew: Duration,
    pub(crate) max_assertion_lifetime: Duration,
    pub(crate) limits: Limits,
    pub(crate) allow_unsolicited: bool,
    pub(crate) replay_cache: Arc<dyn ReplayCache>,
    pub(crate) danger: DangerousOptions,
}

impl SpConfig {
    /// Starts a configuration: our entity ID (the audience), our ACS URL (the expected
    /// Destination and Recipient) and the trusted IdP.
    pub fn builder(entity_id: EntityId, acs_url: AcsUrl, idp: IdpConfig) -> SpConfigBuilder {
        SpConfigBuilder {
            config: Self {
                entity_id,
                acs_url,
                idp,
                clock_skew: SpConfigBuilder::DEFAULT_CLOCK_SKEW,
                max_assertion_lifetime: SpConfigBuilder::DEFAULT_MAX_ASSERTION_LIFETIME,
                limits: Limits::default(),
                allow_unsolicited: false,
                replay_cache: Arc::new(InMemoryReplayCache::default()),
                danger: DangerousOptions::default(),
            },
        }
    }

    /// Our entity ID.
    pub fn entity_id(&self) -> &EntityId {
        &self.entity_id
    }

    /// Our ACS URL.
    pub fn acs_url(&self) -> &AcsUrl {
        &self.acs_url
    }

    /// The trusted IdP.
    pub fn idp(&self) -> &IdpConfig {
        &self.idp
    }

    /// The tolerated clock difference.
    pub fn clock_skew(&self) -> Duration {
        self.clock_skew
    }

    /// The longest accepted assertion lifetime (from `IssueInstant` to `NotOnOrAfter`).
    pub fn max_assertion_lifetime(&self) -> Duration {
        self.max_assertion_lifetime
    }

    /// The XML limits.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// Whether IdP-initiated (unsolicited) responses are accepted.
    pub fn unsolicited_allowed(&self) -> bool {
        self.allow_unsolicited
    }
}

/// Options of an [`SpConfig`]; see [`SpConfig::builder`].
#[derive(Debug)]
pub struct SpConfigBuilder {
    config: SpConfig,
}

impl SpConfigBuilder {
    /// Default clock skew: 3 minutes.
    pub const DEFAULT_CLOCK_SKEW: Duration = Duration::from_secs(180);
    /// Largest clock skew accepted by [`build`](Self::build): 10 minutes.
    pub const MAX_CLOCK_SKEW: Duration = Duration::from_secs(600);

    /// Tolerated difference between our clock and the IdP's (default 3 minutes, at most 10).
    #[must_use]
    pub fn with_clock_skew(mut self, skew: Duration) -> Self {
        self.config.clock_skew = skew;
        self
    }

    /// Default maximum assertion lifetime: 24 hours.
    pub const DEFAULT_MAX_ASSERTION_LIFETIME: Duration = Duration::from_secs(24 * 3600);

    /// The longest time from an Assertion's `IssueInstant` to the `NotOnOrAfter` of its
    /// `Conditions` or of its bearer `SubjectConfirmationData` (default 24 hours; must not be
    /// zero). A longer assertion is refused (check `lifetime`).
    ///
    /// The replay cache keeps each accepted assertion until its `NotOnOrAfter`, so this bound
    /// is also how long an entry can stay: an assertion valid until the year 9999 would
    /// otherwise keep its entry for ever, and could be replayed as soon as the cache is lost
    /// (a restart of an in-memory cache). IdPs send far shorter windows: Okta and Google
    /// 5 to 10 minutes, Entra ID about 1 hour 5 minutes, ADFS up to 1 hour. Raise it only for an
    /// IdP that needs it (some test IdPs issue assertions valid for years).
    ///
    /// ```
    /// use std::time::Duration;
    /// use saml_sp::SpConfigBuilder;
    ///
    /// assert_eq!(SpConfigBuilder::DEFAULT_MAX_ASSERTION_LIFETIME, Duration::from_secs(86_400));
    /// ```
    #[must_use]
    pub fn with_max_assertion_lifetime(mut self, lifetime: Duration) -> Self {
        self.config.max_assertion_lifetime = lifetime;
        self
    }

    /// XML size and shape limits (default [`Limits::default`]).
    #[must_use]
    pub fn with_limits(mut self, limits: Limits) -> Self {
        self.config.limits = limits;
        self
    }

    /// Accepts IdP-initiated responses (no `InResponseTo`) when no request is expected.
    ///
    /// Okta's "My Apps" dashboard, Entra's "My Apps" and most IdP portals sign users in this
    /// way, so integrations usually need it.
    ///
    /// # Security Warning: login CSRF
    ///
    /// An unsolicited response is not bound to the browser that receives it. An attacker can
    /// sign in to the IdP with their own account, capture the resulting response, and make a
    /// victim's browser post it (an auto-submitting form on any web page). The victim is then
    /// signed in to the application as the attacker, and may store data in the attacker's
    /// account. Mitigate by starting a fresh session on every SAML sign-in, showing who is
    /// signed in, and preferring SP-initiated sign-in where the IdP allows it.
    ///
    /// Enabling this never weakens SP-initiated checks: when a request ID is expected the
    /// response must carry it, and an `InResponseTo` naming a request we do not expect is always
    /// refused.
    #[must_use]
    pub fn allow_unsolicited_responses(mut self, allow: bool) -> Self {
        self.config.allow_unsolicited = allow;
        self
    }

    /// Replaces the in-memory replay cache (for example with one shared by several servers).
    #[must_use]
    pub fn with_replay_cache(mut self, cache: Arc<dyn ReplayCache>) -> Self {
        self.config.replay_cache = cache;
        self
    }

    /// Enables options that weaken verification (legacy cryptography, a missing audience); see
    /// [`DangerousOptions`].
    #[must_use]
    pub fn dangerous(mut self, options: DangerousOptions) -> Self {
        self.config.danger = options;
        self
    }

    /// Checks the configuration.
    pub fn build(self) -> Result<SpConfig, ConfigError> {
        if self.config.clock_skew > Self::MAX_CLOCK_SKEW {
            return Err(ConfigError::InvalidValue {
                what: "clock skew",
                detail: "more than 10 minutes",
            });
        }
        if self.config.max_assertion_lifetime.is_zero() {
            return Err(ConfigError::InvalidValue {
                what: "max assertion lifetime",
                detail: "zero",
            });
        }
        if self.config.limits.max_bytes() == 0
            || self.config.limits.max_depth() < 8
            || self.config.limits.max_elements() < 16
            || self.config.limits.max_attributes() < 8
        {
            return Err(ConfigError::InvalidValue {
                what: "limits",
                detail: "too small for any SAML response",
            });
        }
        Ok(self.config)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::fixture;

    fn pem() -> String {
        String::from_utf8(fixture("bench/idp.crt")).unwrap()
    }

    fn body(pem: &str) -> String {
        pem.lines().filter(|l| !l.starts_with("-----")).collect()
    }

    #[test]
    fn pem_with_or_without_armor_and_any_whitespace() {
        let pem = pem();
        let reference = Certificate::from_pem(&pem).unwrap();
        assert_eq!(
            reference.key.kind,
            crate::dsig::keys::KeyKind::Rsa { bits: 2048 }
        );
        let bare = body(&pem);
        assert_eq!(Certificate::from_pem(&bare).unwrap(), reference);
        let crlf = pem.replace('\n', "\r\n");
        assert_eq!(Certificate::from_pem(&crlf).unwrap(), reference);
        let spaced: String = bare
            .chars()
            .enumerate()
            .flat_map(|(i, c)| {
                if i % 10 == 9 {
                    vec![c, ' ', '\t']
                } else {
                    vec![c]
                }
            })
            .collect();
        assert_eq!(
            Certificate::from_pem(&format!("\u{feff}\n  {spaced}  \n")).unwrap(),
            reference
        );
        let bundle = format!("{pem}\n{pem}");
        assert_eq!(Certificate::from_pem_bundle(&bundle).unwrap().len(), 2);
        assert!(matches!(
            Certificate::from_pem(&bundle),
            Err(ConfigError::Certificate { index: 0, .. })
        ));
    }

    #[test]
    fn unusable_certificates_are_config_errors() {
        assert_eq!(
            Certificate::from_pem("not base64 at all!"),
            Err(ConfigError::Certificate {
                index: 0,
                detail: "not valid base64".to_owned()
            })
        );
        assert!(matches!(
            Certificate::from_pem("aGVsbG8="),
            Err(ConfigError::Certificate { index: 0, .. })
        ));
        // A private key (or any other PEM block) pasted instead of the certificate says so.
        assert_eq!(
            Certificate::from_pem("-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----\n"),
            Err(ConfigError::Certificate {
                index: 0,
                detail: "this is a PEM \"PRIVATE KEY\", not a CERTIFICATE".to_owned()
            })
        );
        let truncated = format!("{PEM_BEGIN}\nMIIB\n");
        assert!(matches!(
            Certificate::from_pem(&truncated),
            Err(ConfigError::Certificate { .. })
        ));
    }

    #[test]
    fn no_certificate_no_verifier() {
        let issuer = EntityId::try_from("http://www.okta.com/exk1").unwrap();
        assert_eq!(
            IdpConfig::new(issuer, []).unwrap_err(),
            ConfigError::NoCertificate
        );
    }

    #[test]
    fn builder_checks_skew_and_limits() {
        let idp = IdpConfig::new(
            EntityId::try_from("http://www.okta.com/exk1").unwrap(),
            [Certificate::from_pem(&pem()).unwrap()],
        )
        .unwrap();
        let builder = || {
            SpConfig::builder(
                EntityId::try_from("https://sp.example").unwrap(),
                AcsUrl::try_from("https://sp.example/acs").unwrap(),
                idp.clone(),
            )
        };
        let config = builder().build().unwrap();
        assert_eq!(config.clock_skew(), Duration::from_secs(180));
        assert_eq!(config.max_assertion_lifetime(), Duration::from_secs(86_400));
        assert_eq!(
            builder()
                .with_max_assertion_lifetime(Duration::ZERO)
                .build()
                .unwrap_err(),
            ConfigError::InvalidValue {
                what: "max assertion lifetime",
                detail: "zero"
            }
        );
        assert!(!config.unsolicited_allowed());
        assert_eq!(
            builder()
                .with_clock_skew(Duration::from_secs(601))
                .build()
                .unwrap_err(),
            ConfigError::InvalidValue {
                what: "clock skew",
                detail: "more than 10 minutes"
            }
        );
        assert!(
            builder()
                .with_limits(Limits::default().with_max_depth(2))
                .build()
                .is_err()
        );
    }
}
