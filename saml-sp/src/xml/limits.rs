//! Budgets for reading untrusted XML.

/// Size and shape limits applied while reading a document.
///
/// Every budget is checked while the document is read, before any signature work, so a hostile
/// document costs at most a bounded amount of memory and time. Exceeding a budget is reported as
/// [`XmlError::LimitExceeded`](crate::XmlError::LimitExceeded) (check name `xml_limits`), except
/// the byte budget, which is [`XmlError::TooLarge`](crate::XmlError::TooLarge) (`input_size`).
///
/// The defaults are generous for real SAML traffic: a response from Okta or Entra with a few
/// dozen group values is 5-30 KB, about 100-300 elements, never deeper than 10 levels, and no
/// element carries more than a dozen attributes.
///
/// ```
/// use saml_sp::Limits;
///
/// let limits = Limits::default().with_max_depth(16).with_max_bytes(64 * 1024);
/// assert_eq!(limits.max_depth(), 16);
/// assert_eq!(limits.max_bytes(), 64 * 1024);
/// assert_eq!(limits.max_elements(), Limits::DEFAULT_MAX_ELEMENTS);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    max_bytes: usize,
    max_depth: usize,
    max_elements: usize,
    max_attributes: usize,
}

impl Limits {
    /// Default for [`max_bytes`](Self::max_bytes): 512 KiB of XML (after base64 decoding).
    pub const DEFAULT_MAX_BYTES: usize = 512 * 1024;
    /// Default for [`max_depth`](Self::max_depth): 32 nested elements.
    pub const DEFAULT_MAX_DEPTH: usize = 32;
    /// Default for [`max_elements`](Self::max_elements): 10,000 elements.
    pub const DEFAULT_MAX_ELEMENTS: usize = 10_000;
    /// Default for [`max_attributes`](Self::max_attributes): 64 attributes (namespace
    /// declarations included) on one element.
    pub const DEFAULT_MAX_ATTRIBUTES: usize = 64;

    /// Largest accepted document, in bytes.
    pub const fn max_bytes(&self) -> usize {
        self.max_bytes
    }

    /// Deepest accepted element nesting (the root element is at depth 1).
    pub const fn max_depth(&self) -> usize {
        self.max_depth
    }

    /// Most elements accepted in one document.
    pub const fn max_elements(&self) -> usize {
        self.max_elements
    }

    /// Most attributes (namespace declarations included) accepted on one element.
    pub const fn max_attributes(&self) -> usize {
        self.max_attributes
    }

    /// Sets [`max_bytes`](Self::max_bytes).
    #[must_use]
    pub const fn with_max_bytes(mut self, max_bytes: usize) -> Self {
        self.max_bytes = max_bytes;
        self
    }

    /// Sets [`max_depth`](Self::max_depth).
    #[must_use]
    pub const fn with_max_depth(mut self, max_depth: usize) -> Self {
        self.max_depth = max_depth;
        self
    }

    /// Sets [`max_elements`](Self::max_elements).
    #[must_use]
    pub const fn with_max_elements(mut self, max_elements: usize) -> Self {
        self.max_elements = max_elements;
        self
    }

    /// Sets [`max_attributes`](Self::max_attributes).
    #[must_use]
    pub const fn with_max_attributes(mut self, max_attributes: usize) -> Self {
        self.max_attributes = max_attributes;
        self
    }
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_bytes: Self::DEFAULT_MAX_BYTES,
            max_depth: Self::DEFAULT_MAX_DEPTH,
            max_elements: Self::DEFAULT_MAX_ELEMENTS,
            max_attributes: Self::DEFAULT_MAX_ATTRIBUTES,
        }
    }
}

/// Which budget of [`Limits`] a document exceeded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum XmlLimit {
    /// Element nesting ([`Limits::max_depth`]).
    Depth,
    /// Element count ([`Limits::max_elements`]).
    Elements,
    /// Attributes on one element ([`Limits::max_attributes`]).
    Attributes,
}

impl std::fmt::Display for XmlLimit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Depth => "element depth",
            Self::Elements => "element count",
            Self::Attributes => "attributes on one element",
        })
    }
}
