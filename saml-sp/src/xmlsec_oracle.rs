//! A differential oracle on libxmlsec1, for tests and fuzzing only (feature `xmlsec`).
//!
//! The verifier in this crate is written from scratch; this module asks an
//! established, independent implementation (libxmlsec1 over libxml2) the same
//! question, so tests can check one direction: every document this crate accepts
//! must also carry only signatures that libxmlsec1 finds valid with the same
//! configured certificate. The other direction is deliberately not checked: this
//! crate refuses many documents whose signatures are cryptographically fine
//! (wrapping, duplicate IDs, extra references, comments in `DigestValue`, ...).
//!
//! The oracle takes the key from the certificates it is given and never from the
//! document's `KeyInfo`. `ID` attributes of SAML `Response` and `Assertion`
//! elements are registered as XML IDs, as SAML requires; a duplicate among them
//! is reported as [`OracleError::DuplicateId`].
//!
//! Not for production: it links C libraries, and libxml2 is the second parser
//! this crate exists to avoid.

use std::sync::Mutex;

use base64::Engine as _;

const NS_DSIG: &str = "http://www.w3.org/2000/09/xmldsig#";
const NS_PROTOCOL: &str = "urn:oasis:names:tc:SAML:2.0:protocol";
const NS_ASSERTION: &str = "urn:oasis:names:tc:SAML:2.0:assertion";

/// libxml2 and libxmlsec1 keep global state; one oracle call runs at a time.
static LOCK: Mutex<()> = Mutex::new(());

/// Why libxmlsec1 did not confirm a document's signatures.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum OracleError {
    /// A certificate could not be decoded or loaded by libxmlsec1.
    #[error("certificate {index} could not be loaded")]
    Certificate {
        /// Position in the list given to the oracle.
        index: usize,
    },
    /// libxml2 refused the document (it is not well-formed XML).
    #[error("libxml2 could not parse the document")]
    Parse,
    /// Two SAML elements share an `ID`.
    #[error("duplicate ID attribute: {0}")]
    DuplicateId(String),
    /// The document holds no `ds:Signature` element.
    #[error("no ds:Signature element")]
    NoSignature,
    /// The signature at this position (document order, from 0) did not verify with any of the
    /// certificates.
    #[error("signature {index} did not verify with any configured certificate")]
    Invalid {
        /// Position of the `ds:Signature` in document order.
        index: usize,
    },
    /// A `Reference` names something outside the document; the oracle never lets libxmlsec1
    /// fetch it.
    #[error("Reference URI {0:?} is not a same-document reference")]
    ExternalReference(String),
    /// libxml2's XPath machinery failed.
    #[error("libxml2 XPath evaluation failed")]
    XPath,
}

/// Checks every `ds:Signature` in `xml` with libxmlsec1 and returns how many there are.
///
/// `certificates` are X.509 certificates in PEM, with or without the BEGIN/END lines
/// (whitespace anywhere is ignored). Each signature must verify with at least one of them.
///
/// # Errors
///
/// [`OracleError`] names the first reason libxmlsec1 did not confirm the document.
pub fn verify_every_signature(xml: &[u8], certificates: &[&str]) -> Result<usize, OracleError> {
    let ders = certificates
        .iter()
        .enumerate()
        .map(|(index, pem)| pem_to_der(pem).ok_or(OracleError::Certificate { index }))
        .collect::<Result<Vec<_>, _>>()?;
    let _guard = LOCK
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);

    let options = libxml::parser::ParserOptions {
        recover: false,
        no_net: true,
        no_error: true,
        no_warning: true,
        ..Default::default()
    };
    let doc = libxml::parser::Parser::default()
        .parse_string_with_options(xml, options)
        .map_err(|_| OracleError::Parse)?;

    let namespaces = [("p", NS_PROTOCOL), ("a", NS_ASSERTION)];
    for search in ["//p:Response", "//a:Assertion"] {
        use xmlsec::XmlSecDocumentExt as _;
        match doc.specify_idattr(search, "ID", Some(&namespaces)) {
            Ok(()) => {}
            Err(xmlsec::XmlSecError::Str(message)) if message.contains("duplicate ID") => {
                return Err(OracleError::DuplicateId(message));
            }
            // No such element in this document: nothing to register.
            Err(_) => {}
        }
    }

    let context = xmlsec::XmlXPathContext::new(&doc).map_err(|()| OracleError::XPath)?;
    context
        .register_namespace("ds", NS_DSIG)
        .map_err(|()| OracleError::XPath)?;
    let signatures = context
        .evaluate("//ds:Signature")
        .map_err(|()| OracleError::XPath)?
        .get_nodes_as_vec();
    if signatures.is_empty() {
        return Err(OracleError::NoSignature);
    }
    let references = context
        .evaluate("//ds:Reference")
        .map_err(|()| OracleError::XPath)?
        .get_nodes_as_vec();
    for reference in references {
        if let Some(uri) = reference.get_attribute("URI") {
            if !uri.is_empty() && !uri.starts_with('#') {
                return Err(OracleError::ExternalReference(uri));
            }
        }
    }
    for (index, signature) in signatures.iter().enumerate() {
        let mut verified = false;
        for (cert_index, der) in ders.iter().enumerate() {
            let key = xmlsec::XmlSecKey::from_memory(der, xmlsec::XmlSecKeyFormat::CertDer, None)
                .map_err(|_| OracleError::Certificate { index: cert_index })?;
            // A fresh context per attempt: a libxmlsec1 context serves one operation.
            let mut context = xmlsec::XmlSecSignatureContext::new();
            // The previous key, if any, is returned and dropped; there is none in a new context.
            drop(context.insert_key(key));
            if matches!(context.verify_node(signature), Ok(true)) {
                verified = true;
                break;
            }
        }
        if !verified {
            return Err(OracleError::Invalid { index });
        }
    }
    Ok(signatures.len())
}

fn pem_to_der(pem: &str) -> Option<Vec<u8>> {
    let body: String = pem
        .lines()
        .filter(|line| !line.trim_start().starts_with("-----"))
        .flat_map(str::chars)
        .filter(|c| !c.is_ascii_whitespace())
        .collect();
    base64::engine::general_purpose::STANDARD.decode(body).ok()
}
