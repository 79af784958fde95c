//! Entry points for fuzz targets and differential tests. Not a stable API.

/// Functions the fuzz targets drive.
pub mod fuzzing {
    use crate::c14n;
    use crate::error::Error;
    use crate::xml::{Document, Limits};

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
