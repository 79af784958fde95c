//! Options that weaken verification, for IdPs that cannot do better yet.
//!
//! Set through [`SpConfigBuilder::dangerous`](crate::SpConfigBuilder::dangerous).
//!
//! Nothing here is on by default, and each option says what it costs.

use crate::dsig::Policy;

/// Opt-ins that accept legacy cryptography or an IdP that leaves out a required check.
///
/// ```
/// use saml_sp::danger::DangerousOptions;
///
/// // An old OneLogin app still signing with RSA-SHA1:
/// let legacy = DangerousOptions::default().allow_sha1();
/// assert!(legacy.sha1_allowed());
/// assert!(!legacy.rsa_1024_allowed());
/// assert!(!legacy.missing_audience_restriction_allowed());
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DangerousOptions {
    allow_sha1: bool,
    allow_rsa_1024: bool,
    allow_missing_audience_restriction: bool,
}

impl DangerousOptions {
    /// Accepts `rsa-sha1` signatures and `sha1` digests.
    ///
    /// # Security Warning
    ///
    /// SHA-1 has practical chosen-prefix collisions (SHA-1 is a Shambles, 2020). An attacker who
    /// can get the IdP to sign a document of their choosing may be able to make a second document
    /// with the same digest. Enable this only for an IdP that cannot be moved to SHA-256, and
    /// plan to turn it off.
    #[must_use]
    pub const fn allow_sha1(mut self) -> Self {
        self.allow_sha1 = true;
        self
    }

    /// Accepts RSA keys of 1024 to 2047 bits (with RSA-SHA1, RSA-SHA256 or RSA-SHA512).
    ///
    /// # Security Warning
    ///
    /// 1024-bit RSA is within reach of well-funded attackers and below every current
    /// recommendation (NIST SP 800-131A disallows it for signatures). Enable this only for a
    /// legacy IdP key you cannot rotate.
    #[must_use]
    pub const fn allow_rsa_1024(mut self) -> Self {
        self.allow_rsa_1024 = true;
        self
    }

    /// Accepts an assertion without any `AudienceRestriction`.
    ///
    /// The SAML Web Browser SSO profile (SAML profiles §4.1.4.2) requires the assertion to carry
    /// an `AudienceRestriction` naming the SP, and by default an assertion without one is refused
    /// (check `audience`). Some IdPs and test IdPs leave it out. With this option such an
    /// assertion is accepted; an `AudienceRestriction` that is present must still name our
    /// entity ID.
    ///
    /// # Security Warning
    ///
    /// The audience is what binds an assertion to one SP. Without it, an assertion the same IdP
    /// issued for another SP can be replayed to us: only the `Recipient`/`Destination` URL is
    /// left to tell the two apart, and it is whatever the other app registration at the IdP was
    /// given (a second registration of this application, a test copy, or one set up by anyone
    /// who may administer apps at the IdP). Enable this only for an IdP that cannot be made to
    /// send an audience, and keep our ACS URL unique to this SP at that IdP.
    #[must_use]
    pub const fn allow_missing_audience_restriction(mut self) -> Self {
        self.allow_missing_audience_restriction = true;
        self
    }

    /// Whether SHA-1 is accepted.
    pub const fn sha1_allowed(&self) -> bool {
        self.allow_sha1
    }

    /// Whether RSA keys under 2048 bits are accepted.
    pub const fn rsa_1024_allowed(&self) -> bool {
        self.allow_rsa_1024
    }

    /// Whether an assertion without `AudienceRestriction` is accepted.
    pub const fn missing_audience_restriction_allowed(&self) -> bool {
        self.allow_missing_audience_restriction
    }

    pub(crate) fn policy(self) -> Policy {
        Policy {
            allow_sha1: self.allow_sha1,
            allow_rsa_1024: self.allow_rsa_1024,
        }
    }
}
