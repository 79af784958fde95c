//! The algorithm allow-list: XML-DSig URIs mapped to `&'static` descriptors.
//!
//! Anything not in these tables (HMAC, MD5, DSA, RSA-PSS, inclusive c14n, XPath/XSLT transforms,
//! unknown URIs) is refused. SHA-1 entries exist but are only usable when
//! [`DangerousOptions::allow_sha1`](crate::danger::DangerousOptions::allow_sha1) is set, and RSA
//! keys of 1024 to 2047 bits only with
//! [`DangerousOptions::allow_rsa_1024`](crate::danger::DangerousOptions::allow_rsa_1024).

use ring::{digest, signature};

use super::keys::KeyKind;

/// A digest method.
#[derive(Debug)]
pub(crate) struct DigestAlgorithm {
    pub(crate) uri: &'static str,
    pub(crate) ring: &'static digest::Algorithm,
    pub(crate) sha1: bool,
}

/// The digest methods we know.
pub(crate) static DIGESTS: &[DigestAlgorithm] = &[
    DigestAlgorithm {
        uri: "http://www.w3.org/2001/04/xmlenc#sha256",
        ring: &digest::SHA256,
        sha1: false,
    },
    DigestAlgorithm {
        uri: "http://www.w3.org/2001/04/xmldsig-more#sha384",
        ring: &digest::SHA384,
        sha1: false,
    },
    DigestAlgorithm {
        uri: "http://www.w3.org/2001/04/xmlenc#sha512",
        ring: &digest::SHA512,
        sha1: false,
    },
    DigestAlgorithm {
        uri: "http://www.w3.org/2000/09/xmldsig#sha1",
        ring: &digest::SHA1_FOR_LEGACY_USE_ONLY,
        sha1: true,
    },
];

/// The hash inside a signature method.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Hash {
    Sha1,
    Sha256,
    Sha384,
    Sha512,
}

/// Public-key family of a signature method.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Family {
    Rsa,
    Ecdsa,
}

/// A signature method.
#[derive(Debug)]
pub(crate) struct SignatureAlgorithm {
    pub(crate) uri: &'static str,
    pub(crate) family: Family,
    pub(crate) hash: Hash,
}

/// The signature methods we know.
pub(crate) static SIGNATURES: &[SignatureAlgorithm] = &[
    SignatureAlgorithm {
        uri: "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
        family: Family::Rsa,
        hash: Hash::Sha256,
    },
    SignatureAlgorithm {
        uri: "http://www.w3.org/2001/04/xmldsig-more#rsa-sha384",
        family: Family::Rsa,
        hash: Hash::Sha384,
    },
    SignatureAlgorithm {
        uri: "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512",
        family: Family::Rsa,
        hash: Hash::Sha512,
    },
    SignatureAlgorithm {
        uri: "http://www.w3.org/2000/09/xmldsig#rsa-sha1",
        family: Family::Rsa,
        hash: Hash::Sha1,
    },
    SignatureAlgorithm {
        uri: "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256",
        family: Family::Ecdsa,
        hash: Hash::Sha256,
    },
    SignatureAlgorithm {
        uri: "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha384",
        family: Family::Ecdsa,
        hash: Hash::Sha384,
    },
];

/// What the caller allows beyond the safe defaults.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Policy {
    pub(crate) allow_sha1: bool,
    pub(crate) allow_rsa_1024: bool,
}

/// Why a key cannot check a signature method.
pub(crate) type KeyProblem = &'static str;

impl SignatureAlgorithm {
    /// The ring verification algorithm for this method and a key of `kind`.
    pub(crate) fn for_key(
        &self,
        kind: KeyKind,
        policy: Policy,
    ) -> Result<&'static dyn signature::VerificationAlgorithm, KeyProblem> {
        match (self.family, kind) {
            (Family::Rsa, KeyKind::Rsa { bits }) if bits >= 2048 => Ok(match self.hash {
                Hash::Sha1 => &signature::RSA_PKCS1_2048_8192_SHA1_FOR_LEGACY_USE_ONLY,
                Hash::Sha256 => &signature::RSA_PKCS1_2048_8192_SHA256,
                Hash::Sha384 => &signature::RSA_PKCS1_2048_8192_SHA384,
                Hash::Sha512 => &signature::RSA_PKCS1_2048_8192_SHA512,
            }),
            (Family::Rsa, KeyKind::Rsa { bits }) if bits >= 1024 => {
                if !policy.allow_rsa_1024 {
                    return Err("RSA key under 2048 bits, which is not enabled");
                }
                match self.hash {
                    Hash::Sha1 => Ok(&signature::RSA_PKCS1_1024_8192_SHA1_FOR_LEGACY_USE_ONLY),
                    Hash::Sha256 => Ok(&signature::RSA_PKCS1_1024_8192_SHA256_FOR_LEGACY_USE_ONLY),
                    Hash::Sha512 => Ok(&signature::RSA_PKCS1_1024_8192_SHA512_FOR_LEGACY_USE_ONLY),
                    Hash::Sha384 => Err("RSA-SHA384 needs a key of at least 2048 bits"),
                }
            }
            (Family::Rsa, KeyKind::Rsa { .. }) => Err("RSA key under 1024 bits"),
            // ring pairs each curve with its own hash for the fixed-length (r || s) encoding
            // that XML-DSig uses, which is also what every IdP emits.
            (Family::Ecdsa, KeyKind::EcP256) => match self.hash {
                Hash::Sha256 => Ok(&signature::ECDSA_P256_SHA256_FIXED),
                _ => Err("a P-256 key signs with ECDSA-SHA256 only"),
            },
            (Family::Ecdsa, KeyKind::EcP384) => match self.hash {
                Hash::Sha384 => Ok(&signature::ECDSA_P384_SHA384_FIXED),
                _ => Err("a P-384 key signs with ECDSA-SHA384 only"),
            },
            (Family::Rsa, _) => Err("the key is not an RSA key"),
            (Family::Ecdsa, _) => Err("the key is not a P-256 or P-384 key"),
        }
    }
}

/// Finds a digest method by URI.
pub(crate) fn digest(uri: &str) -> Option<&'static DigestAlgorithm> {
    DIGESTS.iter().find(|d| d.uri == uri)
}

/// Finds a signature method by URI.
pub(crate) fn signature(uri: &str) -> Option<&'static SignatureAlgorithm> {
    SIGNATURES.iter().find(|s| s.uri == uri)
}
