//! Entry points for fuzz targets and differential tests. Not a stable API.

/// Functions the fuzz targets and the fixture tests drive.
pub mod fuzzing {
    use crate::c14n;
    use crate::config::{Certificate, IdpConfig, SpConfig};
    use crate::danger::DangerousOptions;
    use crate::dsig::{self, DS};
    use crate::error::{Error, ShapeError};
    use crate::ids::{AcsUrl, EntityId};
    use crate::response::{self, Root};
    use crate::xml::{Document, Limits};

    /// A configuration trusting `certificates_pem`, with placeholder SP values (only the
    /// structure and signature checks use it).
    fn config(
        certificates_pem: &str,
        allow_sha1: bool,
        allow_rsa_1024: bool,
    ) -> Result<SpConfig, Error> {
        let mut danger = DangerousOptions::default();
        if allow_sha1 {
            danger = danger.allow_sha1();
        }
        if allow_rsa_1024 {
            danger = danger.allow_rsa_1024();
        }
        let idp = IdpConfig::new(
            EntityId::try_from("urn:placeholder:idp")?,
            Certificate::from_pem_bundle(certificates_pem)?,
        )?;
        Ok(SpConfig::builder(
            EntityId::try_from("urn:placeholder:sp")?,
            AcsUrl::try_from("https://placeholder.invalid/acs")?,
            idp,
        )
        .dangerous(danger)
        .build()?)
    }

    /// Runs the input decoding, structure and signature checks of
    /// [`SpConfig::verify_response`] (or of [`SpConfig::verify_assertion`] when `standalone`)
    /// without the protocol checks, and returns the verified `NameID` value.
    pub fn verify_signatures(
        input: &[u8],
        certificates_pem: &str,
        allow_sha1: bool,
        allow_rsa_1024: bool,
        standalone: bool,
    ) -> Result<String, Error> {
        let config = config(certificates_pem, allow_sha1, allow_rsa_1024)?;
        let xml = response::decode_input(input, config.limits())?;
        let doc = Document::parse(&xml, config.limits())?;
        let root = if standalone {
            Root::Assertion
        } else {
            Root::Response
        };
        let (verified, _) = response::verify_document(&doc, &config, root)?;
        Ok(verified.name_id().value().to_owned())
    }

    /// Verifies the `ds:Signature` child of the root element of `xml`, whatever the root is
    /// (XML-DSig checks only, no SAML shape).
    pub fn verify_root_signature(
        xml: &[u8],
        certificates_pem: &str,
        allow_sha1: bool,
        allow_rsa_1024: bool,
    ) -> Result<(), Error> {
        let config = config(certificates_pem, allow_sha1, allow_rsa_1024)?;
        let doc = Document::parse(xml, config.limits())?;
        let signature =
            doc.root()
                .child(DS, "Signature")
                .ok_or(Error::Shape(ShapeError::Missing {
                    element: "Signature",
                    parent: "root",
                }))?;
        dsig::verify_enveloped(signature, config.idp().keys(), config.danger.policy())?;
        Ok(())
    }

    /// Parses `data` with the default limits; returns the number of elements.
    pub fn parse_tree(data: &[u8]) -> Result<usize, Error> {
        let doc = Document::parse(data, &Limits::default())?;
        Ok(doc.elements().count())
    }

    /// Parses `data` and canonicalizes the whole document (exclusive c14n).
    pub fn c14n(data: &[u8], with_comments: bool) -> Result<Vec<u8>, Error> {
        let doc = Document::parse(data, &Limits::default())?;
        Ok(c14n::canonicalize_document(&doc, with_comments))
    }

    /// Exclusive c14n of the element reached from the root by `path` (1-based element child
    /// positions; empty = the root), leaving out its `ds:Signature` child when
    /// `enveloped_signature_removed`.
    pub fn c14n_element(
        data: &[u8],
        path: &[usize],
        enveloped_signature_removed: bool,
        with_comments: bool,
        inclusive_prefixes: &[&str],
    ) -> Result<Vec<u8>, Error> {
        let doc = Document::parse(data, &Limits::default())?;
        let mut element = doc.root();
        for position in path {
            element = element
                .child_elements()
                .nth(position.saturating_sub(1))
                .ok_or(Error::Shape(ShapeError::Missing {
                    element: "element at path",
                    parent: "document",
                }))?;
        }
        let exclude = if enveloped_signature_removed {
            element.child(DS, "Signature").map(|s| s.id())
        } else {
            None
        };
        let options = c14n::Options {
            with_comments,
            inclusive_prefixes,
        };
        Ok(c14n::canonicalize_to_vec(
            element.as_node(),
            exclude,
            &options,
        ))
    }

    /// Canonical form of every element of `data` taken as apex, concatenated (exercises the
    /// namespace handling at every depth).
    pub fn c14n_every_subtree(data: &[u8], inclusive_prefixes: &[&str]) -> Result<Vec<u8>, Error> {
        let doc = Document::parse(data, &Limits::default())?;
        let options = c14n::Options {
            with_comments: false,
            inclusive_prefixes,
        };
        let mut out = Vec::new();
        for element in doc.elements() {
            c14n::canonicalize(element.as_node(), None, &options, &mut out);
        }
        Ok(out)
    }
}
