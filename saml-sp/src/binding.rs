//! Encoding and decoding of SAML messages for the HTTP-POST and HTTP-Redirect bindings.
//!
//! - **HTTP-POST** (SAML bindings §3.5): the message is the base64 of the XML, sent as the form
//!   field `SAMLResponse` or `SAMLRequest`. [`decode_post_value`] tolerates what real IdPs and
//!   proxies do to it: line breaks (CR/LF), spaces and tabs anywhere, missing padding and a UTF-8
//!   byte-order mark in front of the text.
//! - **HTTP-Redirect** (SAML bindings §3.4): the message is raw DEFLATE (RFC 1951, no zlib
//!   header), then base64, then URL-encoded into the query string. [`decode_redirect_value`]
//!   reverses the first two steps with an explicit cap on the inflated size (a few kilobytes of
//!   DEFLATE can expand to gigabytes), and [`RedirectQuery::parse`] splits a whole query string.
//!
//! Every decoder checks [`DecodeLimits`] before doing work proportional to the input, and every
//! failure is a typed [`BindingError`].
//!
//! ```
//! use saml_sp::binding::{decode_redirect_value, encode_redirect_value, DecodeLimits};
//!
//! let xml = b"<samlp:AuthnRequest xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol\"/>";
//! let encoded = encode_redirect_value(xml)?;
//! assert_eq!(decode_redirect_value(&encoded, &DecodeLimits::default())?, xml);
//! # Ok::<(), saml_sp::binding::BindingError>(())
//! ```

use std::borrow::Cow;
use std::io::Write as _;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use flate2::{Compression, Decompress, FlushDecompress, Status};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC};

/// Characters percent-encoded in query-string values: everything except the RFC 3986
/// unreserved characters `A-Z a-z 0-9 - . _ ~`.
pub(crate) const QUERY_VALUE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Size limits for decoding a binding value.
///
/// ```
/// use saml_sp::binding::DecodeLimits;
///
/// let limits = DecodeLimits::default().with_max_decoded_bytes(64 * 1024);
/// assert_eq!(limits.max_decoded_bytes(), 64 * 1024);
/// assert_eq!(limits.max_encoded_bytes(), DecodeLimits::DEFAULT_MAX_ENCODED_BYTES);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DecodeLimits {
    max_encoded_bytes: usize,
    max_decoded_bytes: usize,
}

impl DecodeLimits {
    /// Default for [`max_encoded_bytes`](Self::max_encoded_bytes): 1 MiB, room for the base64
    /// of a document at the default decoded limit plus line breaks.
    pub const DEFAULT_MAX_ENCODED_BYTES: usize = 1024 * 1024;
    /// Default for [`max_decoded_bytes`](Self::max_decoded_bytes): 512 KiB, the same as the XML
    /// reader's default [`Limits::max_bytes`](crate::Limits::max_bytes).
    pub const DEFAULT_MAX_DECODED_BYTES: usize = 512 * 1024;

    /// Longest accepted encoded value (or query string), in bytes.
    pub const fn max_encoded_bytes(&self) -> usize {
        self.max_encoded_bytes
    }

    /// Largest accepted decoded message (after base64 and, for HTTP-Redirect, inflation).
    pub const fn max_decoded_bytes(&self) -> usize {
        self.max_decoded_bytes
    }

    /// Sets [`max_encoded_bytes`](Self::max_encoded_bytes).
    #[must_use]
    pub const fn with_max_encoded_bytes(mut self, max: usize) -> Self {
        self.max_encoded_bytes = max;
        self
    }

    /// Sets [`max_decoded_bytes`](Self::max_decoded_bytes).
    #[must_use]
    pub const fn with_max_decoded_bytes(mut self, max: usize) -> Self {
        self.max_decoded_bytes = max;
        self
    }
}

impl Default for DecodeLimits {
    fn default() -> Self {
        Self {
            max_encoded_bytes: Self::DEFAULT_MAX_ENCODED_BYTES,
            max_decoded_bytes: Self::DEFAULT_MAX_DECODED_BYTES,
        }
    }
}

/// A binding value or query string could not be decoded.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BindingError {
    /// The encoded value is longer than [`DecodeLimits::max_encoded_bytes`].
    #[error("encoded value is {size} bytes, over the limit of {limit}")]
    EncodedTooLarge {
        /// Length of the value, in bytes.
        size: usize,
        /// The limit.
        limit: usize,
    },
    /// The decoded message would be larger than [`DecodeLimits::max_decoded_bytes`].
    #[error("decoded message is over the limit of {limit} bytes")]
    DecodedTooLarge {
        /// The limit.
        limit: usize,
    },
    /// The value is not base64 (after removing whitespace).
    #[error("invalid base64 in {field}")]
    Base64 {
        /// The parameter that held it (`SAMLResponse`, `SAMLRequest`, `Signature`).
        field: &'static str,
    },
    /// The value is not a complete raw DEFLATE stream.
    #[error("invalid DEFLATE data: {detail}")]
    Deflate {
        /// What is wrong.
        detail: &'static str,
    },
    /// The query string is not an acceptable HTTP-Redirect query.
    #[error("redirect query: {detail}")]
    Query {
        /// What is wrong.
        detail: &'static str,
    },
    /// A query parameter is not UTF-8 after percent-decoding.
    #[error("query parameter {param} is not UTF-8")]
    NotUtf8 {
        /// The parameter.
        param: &'static str,
    },
    /// Compressing the message failed (never expected for in-memory output).
    #[error("compressing the message failed")]
    Compression,
}

impl BindingError {
    /// The stable snake_case name of the failed check: `input_size`, `base64`, `deflate`,
    /// `redirect_query` or `compression`.
    ///
    /// ```
    /// use saml_sp::binding::{decode_post_value, DecodeLimits};
    /// let err = decode_post_value("not base64!", &DecodeLimits::default()).unwrap_err();
    /// assert_eq!(err.check(), "base64");
    /// ```
    pub fn check(&self) -> &'static str {
        match self {
            Self::EncodedTooLarge { .. } | Self::DecodedTooLarge { .. } => "input_size",
            Self::Base64 { .. } => "base64",
            Self::Deflate { .. } => "deflate",
            Self::Query { .. } | Self::NotUtf8 { .. } => "redirect_query",
            Self::Compression => "compression",
        }
    }
}

/// Decodes an HTTP-POST form value (`SAMLResponse` or `SAMLRequest`) into the message bytes.
///
/// The value is the form field after URL-decoding (web frameworks do that). Spaces, tabs, CR and
/// LF anywhere are ignored, as is a UTF-8 byte-order mark in front; padding may be missing. The
/// decoded document is returned as is (it may itself start with a byte-order mark, which the XML
/// reader accepts).
///
/// ```
/// use saml_sp::binding::{decode_post_value, DecodeLimits};
///
/// let value = "PHNhbWxwOlJlc3Bvbn\r\nNlLz4=\r\n";
/// assert_eq!(decode_post_value(value, &DecodeLimits::default())?, b"<samlp:Response/>");
/// # Ok::<(), saml_sp::binding::BindingError>(())
/// ```
pub fn decode_post_value(
    value: impl AsRef<[u8]>,
    limits: &DecodeLimits,
) -> Result<Vec<u8>, BindingError> {
    decode_base64_lenient(value.as_ref(), "SAMLResponse", limits)
}

/// Decodes an HTTP-Redirect value (`SAMLRequest` or `SAMLResponse` after URL-decoding): lenient
/// base64 as in [`decode_post_value`], then raw DEFLATE with the inflated size capped at
/// [`DecodeLimits::max_decoded_bytes`].
///
/// ```
/// use saml_sp::binding::{decode_redirect_value, BindingError, DecodeLimits};
///
/// // "<a/>" deflated, then base64.
/// assert_eq!(decode_redirect_value("s0nUtwMA", &DecodeLimits::default())?, b"<a/>");
/// let tiny = DecodeLimits::default().with_max_decoded_bytes(3);
/// assert_eq!(
///     decode_redirect_value("s0nUtwMA", &tiny),
///     Err(BindingError::DecodedTooLarge { limit: 3 })
/// );
/// # Ok::<(), BindingError>(())
/// ```
pub fn decode_redirect_value(value: &str, limits: &DecodeLimits) -> Result<Vec<u8>, BindingError> {
    // The compressed form is never larger than the inflated limit in practice (DEFLATE's worst
    // case expansion is tiny), so the decoded-size cap also bounds the base64 step.
    let compressed = decode_base64_lenient(value.as_bytes(), "SAMLRequest", limits)?;
    inflate_raw(&compressed, limits.max_decoded_bytes)
}

/// Encodes a message for the HTTP-POST binding: plain base64, no line breaks.
///
/// ```
/// use saml_sp::binding::encode_post_value;
/// assert_eq!(encode_post_value(b"<samlp:Response/>"), "PHNhbWxwOlJlc3BvbnNlLz4=");
/// ```
pub fn encode_post_value(message: &[u8]) -> String {
    STANDARD.encode(message)
}

/// Encodes a message for the HTTP-Redirect binding: raw DEFLATE, then base64 (not yet
/// URL-encoded; [`crate::authn_request`] builds whole URLs).
///
/// ```
/// use saml_sp::binding::encode_redirect_value;
/// assert_eq!(encode_redirect_value(b"<a/>")?, "s0nUtwMA");
/// # Ok::<(), saml_sp::binding::BindingError>(())
/// ```
pub fn encode_redirect_value(message: &[u8]) -> Result<String, BindingError> {
    let mut encoder = flate2::write::DeflateEncoder::new(Vec::new(), Compression::default());
    encoder
        .write_all(message)
        .map_err(|_| BindingError::Compression)?;
    let compressed = encoder.finish().map_err(|_| BindingError::Compression)?;
    Ok(STANDARD.encode(compressed))
}

/// Percent-encodes a query-string value (everything but RFC 3986 unreserved characters).
pub(crate) fn encode_query_value(value: &str) -> String {
    percent_encoding::utf8_percent_encode(value, QUERY_VALUE).to_string()
}

/// Base64 that tolerates whitespace, a leading byte-order mark and missing padding.
///
/// Checks the encoded length against `max_encoded_bytes` and the decoded length against
/// `max_decoded_bytes` before decoding.
pub(crate) fn decode_base64_lenient(
    text: &[u8],
    field: &'static str,
    limits: &DecodeLimits,
) -> Result<Vec<u8>, BindingError> {
    if text.len() > limits.max_encoded_bytes {
        return Err(BindingError::EncodedTooLarge {
            size: text.len(),
            limit: limits.max_encoded_bytes,
        });
    }
    // Four base64 characters carry three bytes, and whitespace carries none: this estimate can
    // only overshoot, so checking it first keeps the allocation within the limit.
    let body = text.strip_prefix(BOM).unwrap_or(text);
    let significant = body.iter().filter(|b| !b.is_ascii_whitespace()).count();
    let decoded_estimate = significant.div_ceil(4) * 3;
    if decoded_estimate.saturating_sub(2) > limits.max_decoded_bytes {
        return Err(BindingError::DecodedTooLarge {
            limit: limits.max_decoded_bytes,
        });
    }
    let decoded =
        crate::base64::decode_lenient(text, field).map_err(|_| BindingError::Base64 { field })?;
    if decoded.len() > limits.max_decoded_bytes {
        return Err(BindingError::DecodedTooLarge {
            limit: limits.max_decoded_bytes,
        });
    }
    Ok(decoded)
}

/// Inflates a complete raw DEFLATE stream, refusing output over `max_out` bytes and any bytes
/// after the end of the stream.
fn inflate_raw(input: &[u8], max_out: usize) -> Result<Vec<u8>, BindingError> {
    const CHUNK: usize = 32 * 1024;
    let mut inflater = Decompress::new(false);
    let mut out = Vec::with_capacity(input.len().saturating_mul(4).min(max_out).min(CHUNK));
    loop {
        let consumed = usize::try_from(inflater.total_in()).unwrap_or(usize::MAX);
        let rest = input.get(consumed..).unwrap_or_default();
        if out.capacity() == out.len() {
            // Room for at most one byte past the limit, which is enough to detect overflow.
            let room = (max_out + 1).saturating_sub(out.len()).min(CHUNK);
            if room == 0 {
                return Err(BindingError::DecodedTooLarge { limit: max_out });
            }
            out.reserve_exact(room);
        }
        let before = (inflater.total_in(), inflater.total_out());
        let status = inflater
            .decompress_vec(rest, &mut out, FlushDecompress::None)
            .map_err(|_| BindingError::Deflate {
                detail: "corrupt stream",
            })?;
        if out.len() > max_out {
            return Err(BindingError::DecodedTooLarge { limit: max_out });
        }
        match status {
            Status::StreamEnd => break,
            Status::Ok | Status::BufError => {
                let progressed = (inflater.total_in(), inflater.total_out()) != before;
                if !progressed && out.capacity() > out.len() {
                    return Err(BindingError::Deflate {
                        detail: "stream ends early",
                    });
                }
            }
        }
    }
    if usize::try_from(inflater.total_in()).ok() != Some(input.len()) {
        return Err(BindingError::Deflate {
            detail: "data after the end of the stream",
        });
    }
    Ok(out)
}

/// Which message an HTTP-Redirect query carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum MessageKind {
    /// A `SAMLRequest` parameter (AuthnRequest, LogoutRequest).
    Request,
    /// A `SAMLResponse` parameter (LogoutResponse).
    Response,
}

impl MessageKind {
    /// The query parameter name: `SAMLRequest` or `SAMLResponse`.
    pub const fn param(self) -> &'static str {
        match self {
            Self::Request => "SAMLRequest",
            Self::Response => "SAMLResponse",
        }
    }
}

/// An HTTP-Redirect query string, split and decoded (SAML bindings §3.4.4).
///
/// Parsing does not check the signature (that needs the sender's key); it keeps
/// [`signed_octets`](Self::signed_octets), the exact bytes a signature covers, which are built
/// from the parameters **as they were encoded in the query** (§3.4.4.1), never re-encoded.
///
/// ```
/// use saml_sp::binding::{DecodeLimits, MessageKind, RedirectQuery};
///
/// let query = RedirectQuery::parse(
///     "SAMLRequest=s0nUtwMA&RelayState=%2Fhome&SigAlg=x&Signature=AQID&other=1",
///     &DecodeLimits::default(),
/// )?;
/// assert_eq!(query.kind(), MessageKind::Request);
/// assert_eq!(query.message(), b"<a/>");
/// assert_eq!(query.relay_state(), Some("/home"));
/// assert_eq!(query.sig_alg(), Some("x"));
/// assert_eq!(query.signature(), Some(&[1u8, 2, 3][..]));
/// assert_eq!(query.signed_octets(), Some("SAMLRequest=s0nUtwMA&RelayState=%2Fhome&SigAlg=x"));
/// # Ok::<(), saml_sp::binding::BindingError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RedirectQuery {
    kind: MessageKind,
    message: Vec<u8>,
    relay_state: Option<String>,
    sig_alg: Option<String>,
    signature: Option<Vec<u8>>,
    signed_octets: Option<String>,
}

impl RedirectQuery {
    /// Most bytes of RelayState accepted (SAML bindings §3.4.3 sets 80; some IdPs send more,
    /// so the cap is looser but still bounded).
    pub const MAX_RELAY_STATE_BYTES: usize = 1024;

    /// Splits `query` (the part of the URL after `?`, without `#fragment`), percent-decodes the
    /// SAML parameters and inflates the message.
    ///
    /// Exactly one of `SAMLRequest` / `SAMLResponse` must be present; no SAML parameter may be
    /// repeated; `Signature` requires `SigAlg`. Other parameters are ignored. As in HTML forms,
    /// `+` decodes to a space.
    pub fn parse(query: &str, limits: &DecodeLimits) -> Result<Self, BindingError> {
        if query.len() > limits.max_encoded_bytes {
            return Err(BindingError::EncodedTooLarge {
                size: query.len(),
                limit: limits.max_encoded_bytes,
            });
        }
        let mut request: Option<&str> = None;
        let mut response: Option<&str> = None;
        let mut relay_state: Option<&str> = None;
        let mut sig_alg: Option<&str> = None;
        let mut signature: Option<&str> = None;
        for pair in query.split('&').filter(|pair| !pair.is_empty()) {
            let (name, raw) = pair.split_once('=').unwrap_or((pair, ""));
            let slot = match name {
                "SAMLRequest" => &mut request,
                "SAMLResponse" => &mut response,
                "RelayState" => &mut relay_state,
                "SigAlg" => &mut sig_alg,
                "Signature" => &mut signature,
                _ => continue,
            };
            if slot.replace(raw).is_some() {
                return Err(BindingError::Query {
                    detail: "a SAML parameter is repeated",
                });
            }
        }
        let (kind, raw_message) = match (request, response) {
            (Some(raw), None) => (MessageKind::Request, raw),
            (None, Some(raw)) => (MessageKind::Response, raw),
            (None, None) => {
                return Err(BindingError::Query {
                    detail: "no SAMLRequest or SAMLResponse parameter",
                });
            }
            (Some(_), Some(_)) => {
                return Err(BindingError::Query {
                    detail: "both SAMLRequest and SAMLResponse",
                });
            }
        };
        if signature.is_some() && sig_alg.is_none() {
            return Err(BindingError::Query {
                detail: "Signature without SigAlg",
            });
        }

        let message_text = form_decode(raw_message, kind.param())?;
        let compressed = decode_base64_lenient(message_text.as_bytes(), kind.param(), limits)?;
        let message = inflate_raw(&compressed, limits.max_decoded_bytes)?;

        let relay_state_raw = relay_state;
        let relay_state = relay_state_raw
            .map(|raw| form_decode(raw, "RelayState"))
            .transpose()?
            .map(Cow::into_owned);
        if relay_state
            .as_ref()
            .is_some_and(|state| state.len() > Self::MAX_RELAY_STATE_BYTES)
        {
            return Err(BindingError::Query {
                detail: "RelayState is too long",
            });
        }
        let sig_alg_decoded = sig_alg
            .map(|raw| form_decode(raw, "SigAlg"))
            .transpose()?
            .map(Cow::into_owned);
        let signature = signature
            .map(|raw| {
                let text = form_decode(raw, "Signature")?;
                decode_base64_lenient(text.as_bytes(), "Signature", limits)
            })
            .transpose()?;

        // §3.4.4.1: the signed octets are the parameters in this order, as received.
        let signed_octets = sig_alg.map(|alg| {
            let mut octets = format!("{}={raw_message}", kind.param());
            if let Some(state) = relay_state_raw {
                octets.push_str("&RelayState=");
                octets.push_str(state);
            }
            octets.push_str("&SigAlg=");
            octets.push_str(alg);
            octets
        });

        Ok(Self {
            kind,
            message,
            relay_state,
            sig_alg: sig_alg_decoded,
            signature,
            signed_octets,
        })
    }

    /// Whether the query carried `SAMLRequest` or `SAMLResponse`.
    pub fn kind(&self) -> MessageKind {
        self.kind
    }

    /// The inflated message (XML bytes, not yet parsed).
    pub fn message(&self) -> &[u8] {
        &self.message
    }

    /// The decoded `RelayState`, if present.
    pub fn relay_state(&self) -> Option<&str> {
        self.relay_state.as_deref()
    }

    /// The decoded `SigAlg` URI, if present.
    pub fn sig_alg(&self) -> Option<&str> {
        self.sig_alg.as_deref()
    }

    /// The decoded `Signature` bytes, if present.
    pub fn signature(&self) -> Option<&[u8]> {
        self.signature.as_deref()
    }

    /// The exact octets a query signature covers, when `SigAlg` is present.
    pub fn signed_octets(&self) -> Option<&str> {
        self.signed_octets.as_deref()
    }

    /// Consumes the query, returning the message bytes.
    pub fn into_message(self) -> Vec<u8> {
        self.message
    }
}

/// `application/x-www-form-urlencoded` value decoding: `+` is a space, then percent-decoding.
fn form_decode<'a>(raw: &'a str, param: &'static str) -> Result<Cow<'a, str>, BindingError> {
    if !raw.contains(['+', '%']) {
        return Ok(Cow::Borrowed(raw));
    }
    let spaced = raw.replace('+', " ");
    let decoded = percent_encoding::percent_decode_str(&spaced)
        .decode_utf8()
        .map_err(|_| BindingError::NotUtf8 { param })?;
    Ok(Cow::Owned(decoded.into_owned()))
}

#[cfg(test)]
mod tests;
