//! IdP certificates -> public keys that ring can use.
//!
//! Only the subject public key is used: the certificate is pinned by configuration, so its
//! dates, issuer and extensions are not checked (IdP signing certificates are routinely
//! self-signed and often expired, and Okta, Entra and ADFS keep using them).

use x509_parser::oid_registry::{
    OID_EC_P256, OID_KEY_TYPE_EC_PUBLIC_KEY, OID_NIST_EC_P384, OID_PKCS1_RSAENCRYPTION,
};
use x509_parser::prelude::FromDer as _;
use x509_parser::public_key::PublicKey;

/// The kind of a trusted key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum KeyKind {
    /// RSA with a modulus of `bits` bits.
    Rsa { bits: usize },
    /// ECDSA on P-256.
    EcP256,
    /// ECDSA on P-384.
    EcP384,
}

/// A public key taken from a configured certificate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct TrustedKey {
    pub(crate) kind: KeyKind,
    /// The key in the form ring expects: an `RSAPublicKey` DER for RSA, the uncompressed point
    /// for ECDSA.
    pub(crate) public_key: Vec<u8>,
}

impl TrustedKey {
    /// Extracts the key of a DER certificate.
    pub(crate) fn from_certificate_der(der: &[u8]) -> Result<Self, String> {
        let (rest, cert) = x509_parser::certificate::X509Certificate::from_der(der)
            .map_err(|e| format!("not an X.509 certificate: {e}"))?;
        if !rest.is_empty() {
            return Err("trailing bytes after the certificate".to_owned());
        }
        let spki = cert.public_key();
        let algorithm = &spki.algorithm.algorithm;
        let public_key = spki.subject_public_key.data.to_vec();
        if *algorithm == OID_PKCS1_RSAENCRYPTION {
            let parsed = spki
                .parsed()
                .map_err(|e| format!("unreadable RSA key: {e}"))?;
            let PublicKey::RSA(rsa) = parsed else {
                return Err("unreadable RSA key".to_owned());
            };
            let modulus = rsa.modulus;
            let leading_zeros = modulus.iter().take_while(|b| **b == 0).count();
            let significant = modulus.get(leading_zeros..).unwrap_or_default();
            let bits = significant
                .first()
                .map_or(0, |b| significant.len() * 8 - b.leading_zeros() as usize);
            return Ok(Self {
                kind: KeyKind::Rsa { bits },
                public_key,
            });
        }
        if *algorithm == OID_KEY_TYPE_EC_PUBLIC_KEY {
            let curve = spki
                .algorithm
                .parameters
                .as_ref()
                .and_then(|p| p.as_oid().ok());
            let kind = match curve {
                Some(oid) if oid == OID_EC_P256 => KeyKind::EcP256,
                Some(oid) if oid == OID_NIST_EC_P384 => KeyKind::EcP384,
                _ => return Err("EC key on a curve other than P-256 or P-384".to_owned()),
            };
            return Ok(Self { kind, public_key });
        }
        Err(format!("unsupported public key algorithm {algorithm}"))
    }
}
