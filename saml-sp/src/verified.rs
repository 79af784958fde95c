//! Proof types: values that only the verifier can create.
//!
//! [`Verified<T>`] wraps something read from a subtree whose signature checked out against a
//! configured key; [`Authenticated`] is a verified assertion that also passed every protocol
//! check. Both have crate-private constructors, so grepping for `Verified::new` and
//! `Authenticated::new` finds every place one is made.

use std::ops::Deref;

use crate::assertion::{Assertion, Attribute, NameId};
use crate::time::UnixTime;

/// A value built only from signed content.
#[derive(Clone, Debug)]
pub struct Verified<T> {
    inner: T,
}

impl<T> Verified<T> {
    /// Only the verification path (`response::verify_document`) calls this.
    pub(crate) fn new(inner: T) -> Self {
        Self { inner }
    }

    /// The verified value.
    pub fn get(&self) -> &T {
        &self.inner
    }

    /// Unwraps the verified value.
    pub fn into_inner(self) -> T {
        self.inner
    }
}

impl<T> Deref for Verified<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.inner
    }
}

/// A successful SAML sign-in: a signed assertion from the configured IdP that passed every
/// check (issuer, destination, recipient, time windows, audience, `InResponseTo`, one-time use).
///
/// Every value comes from the signed subtree.
#[derive(Clone, Debug)]
pub struct Authenticated {
    assertion: Assertion,
    in_response_to: Option<String>,
    not_on_or_after: UnixTime,
}

impl Authenticated {
    /// Only `validate::validate` calls this.
    pub(crate) fn new(
        assertion: Verified<Assertion>,
        in_response_to: Option<String>,
        not_on_or_after: UnixTime,
    ) -> Self {
        Self {
            assertion: assertion.into_inner(),
            in_response_to,
            not_on_or_after,
        }
    }

    /// The whole verified assertion.
    pub fn assertion(&self) -> &Assertion {
        &self.assertion
    }

    /// The IdP entity ID (the assertion's `Issuer`, equal to the configured one).
    pub fn issuer(&self) -> &str {
        // Validation refuses an assertion without an issuer, so this is never empty.
        self.assertion.issuer().unwrap_or_default()
    }

    /// The subject's `NameID`.
    pub fn name_id(&self) -> &NameId {
        self.assertion.name_id()
    }

    /// `SessionIndex` of the first `AuthnStatement`, if any.
    pub fn session_index(&self) -> Option<&str> {
        self.assertion.session_index()
    }

    /// `AuthnInstant` of the first `AuthnStatement`, if any.
    pub fn authn_instant(&self) -> Option<UnixTime> {
        self.assertion.authn_instant()
    }

    /// `SessionNotOnOrAfter` of the first `AuthnStatement`, if any.
    pub fn session_not_on_or_after(&self) -> Option<UnixTime> {
        self.assertion.session_not_on_or_after()
    }

    /// The attributes, in document order.
    pub fn attributes(&self) -> &[Attribute] {
        self.assertion.attributes()
    }

    /// The `InResponseTo` that matched our request (`None` for an IdP-initiated sign-in).
    pub fn in_response_to(&self) -> Option<&str> {
        self.in_response_to.as_deref()
    }

    /// The assertion ID (already recorded in the replay cache).
    pub fn assertion_id(&self) -> &str {
        self.assertion.id()
    }

    /// When this assertion stops being acceptable (the bearer confirmation's `NotOnOrAfter`).
    pub fn not_on_or_after(&self) -> UnixTime {
        self.not_on_or_after
    }
}
