//! List queries (RFC 7644 §3.4.2, §3.4.3): filter, sort, paging and projection, from query
//! parameters or a `POST /.search` body.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::{Error, Result};
use crate::filter::{ParsedFilter, parse_filter};
use crate::projection::split_top_level;

/// URN of the SearchRequest message.
pub const SEARCH_REQUEST_URN: &str = "urn:ietf:params:scim:api:messages:2.0:SearchRequest";

/// `sortOrder`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortOrder {
    /// `ascending` (the default).
    #[default]
    Ascending,
    /// `descending`.
    Descending,
}

/// A parsed list query.
///
/// ```
/// use scim_core::query::ListQuery;
/// let q = ListQuery::from_params(
///     [("filter", "userName eq \"bjensen\""), ("startIndex", "0"), ("count", "-5")],
///     true,
/// )
/// .unwrap();
/// assert_eq!(q.start_index(), 1); // values below 1 are treated as 1
/// assert_eq!(q.count(), Some(0)); // negative counts are treated as 0
/// ```
#[derive(Debug, Clone, Default)]
pub struct ListQuery {
    filter_text: Option<String>,
    filter: Option<ParsedFilter>,
    pub(crate) sort_by: Option<String>,
    pub(crate) sort_order: SortOrder,
    start_index: usize,
    count: Option<usize>,
    pub(crate) attributes: Vec<String>,
    pub(crate) excluded_attributes: Vec<String>,
}

fn clamp_index(n: i64) -> usize {
    usize::try_from(n.max(1)).unwrap_or(usize::MAX)
}

fn clamp_count(n: i64) -> usize {
    usize::try_from(n.max(0)).unwrap_or(usize::MAX)
}

fn parse_int(name: &str, v: &str) -> Result<i64> {
    let t = v.trim();
    t.parse::<i64>().or_else(|_| {
        // Out-of-range integers saturate; anything else is an error.
        if !t.is_empty()
            && t.trim_start_matches('-')
                .bytes()
                .all(|b| b.is_ascii_digit())
        {
            Ok(if t.starts_with('-') {
                i64::MIN
            } else {
                i64::MAX
            })
        } else {
            Err(Error::invalid_value(
                name,
                format!("'{v}' is not an integer"),
            ))
        }
    })
}

impl ListQuery {
    /// An empty query: everything, first page.
    pub fn new() -> Self {
        Self {
            start_index: 1,
            ..Self::default()
        }
    }

    /// From decoded query parameters (`filter`, `sortBy`, `sortOrder`, `startIndex`, `count`,
    /// `attributes`, `excludedAttributes`; names matched case-insensitively, others ignored).
    /// `lenient` accepts unquoted filter values.
    pub fn from_params<'a, I>(params: I, lenient: bool) -> Result<Self>
    where
        I: IntoIterator<Item = (&'a str, &'a str)>,
    {
        let mut q = Self::new();
        for (k, v) in params {
            match k.to_ascii_lowercase().as_str() {
                "filter" => q = q.with_filter(v, lenient)?,
                "sortby" => q.sort_by = Some(v.trim().to_owned()).filter(|s| !s.is_empty()),
                "sortorder" => q.sort_order = parse_order(v)?,
                "startindex" => q.start_index = clamp_index(parse_int("startIndex", v)?),
                "count" => q.count = Some(clamp_count(parse_int("count", v)?)),
                "attributes" => q.attributes = list(v),
                "excludedattributes" => q.excluded_attributes = list(v),
                _ => {}
            }
        }
        Ok(q)
    }

    /// From a `POST /.search` body (RFC 7644 §3.4.3).
    pub fn from_search_request(body: &Value, lenient: bool) -> Result<Self> {
        let req: SearchRequest = serde_json::from_value(body.clone())
            .map_err(|e| Error::invalid_syntax(format!("invalid SearchRequest: {e}")))?;
        if !req
            .schemas
            .iter()
            .any(|s| s.eq_ignore_ascii_case(SEARCH_REQUEST_URN))
        {
            return Err(Error::invalid_syntax(format!(
                "'schemas' must contain {SEARCH_REQUEST_URN}"
            )));
        }
        let mut q = Self::new();
        if let Some(f) = &req.filter {
            q = q.with_filter(f, lenient)?;
        }
        q.sort_by = req.sort_by.clone();
        if let Some(o) = &req.sort_order {
            q.sort_order = parse_order(o)?;
        }
        if let Some(s) = req.start_index {
            q.start_index = clamp_index(s);
        }
        q.count = req.count.map(clamp_count);
        q.attributes = req.attributes.unwrap_or_default();
        q.excluded_attributes = req.excluded_attributes.unwrap_or_default();
        Ok(q)
    }

    /// Sets the filter.
    pub fn with_filter(mut self, text: &str, lenient: bool) -> Result<Self> {
        if text.trim().is_empty() {
            return Ok(self);
        }
        self.filter = Some(parse_filter(text, lenient)?);
        self.filter_text = Some(text.to_owned());
        Ok(self)
    }

    /// Sets `startIndex` (values below 1 count as 1).
    #[must_use]
    pub fn with_start_index(mut self, i: i64) -> Self {
        self.start_index = clamp_index(i);
        self
    }

    /// Sets `count` (negative values count as 0).
    #[must_use]
    pub fn with_count(mut self, c: i64) -> Self {
        self.count = Some(clamp_count(c));
        self
    }

    /// Sets `sortBy` and `sortOrder`.
    #[must_use]
    pub fn with_sort(mut self, by: &str, order: SortOrder) -> Self {
        self.sort_by = Some(by.to_owned());
        self.sort_order = order;
        self
    }

    /// The same query without `sortBy` (and with the default order).
    #[must_use]
    pub fn without_sort(mut self) -> Self {
        self.sort_by = None;
        self.sort_order = SortOrder::default();
        self
    }

    /// The filter text, if any. Stores that translate filters (e.g. to SQL) take the parsed
    /// tree from [`Scim::query_filter`](crate::Scim::query_filter) rather than parsing this
    /// text again: it has the dialect's attribute aliases applied.
    pub fn filter_text(&self) -> Option<&str> {
        self.filter_text.as_deref()
    }

    /// The parsed filter, as written (before the lenient dialect's attribute aliases, which
    /// depend on the resource type: stores that translate filters use
    /// [`Scim::query_filter`](crate::Scim::query_filter)).
    pub fn filter(&self) -> Option<&scim_filter::Filter> {
        self.filter.as_ref().map(|f| &f.ast)
    }

    /// `sortBy`.
    pub fn sort_by(&self) -> Option<&str> {
        self.sort_by.as_deref()
    }

    /// `sortOrder`.
    pub fn sort_order(&self) -> SortOrder {
        self.sort_order
    }

    /// 1-based `startIndex`.
    pub fn start_index(&self) -> usize {
        self.start_index.max(1)
    }

    /// `count`, if given.
    pub fn count(&self) -> Option<usize> {
        self.count
    }

    /// `attributes`.
    pub fn attributes(&self) -> &[String] {
        &self.attributes
    }

    /// `excludedAttributes`.
    pub fn excluded_attributes(&self) -> &[String] {
        &self.excluded_attributes
    }
}

fn parse_order(v: &str) -> Result<SortOrder> {
    match v.trim().to_ascii_lowercase().as_str() {
        "" | "ascending" => Ok(SortOrder::Ascending),
        "descending" => Ok(SortOrder::Descending),
        _ => Err(Error::invalid_value(
            "sortOrder",
            format!("'{v}' is neither 'ascending' nor 'descending'"),
        )),
    }
}

fn list(v: &str) -> Vec<String> {
    split_top_level(v)
        .into_iter()
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// The `POST /.search` body (RFC 7644 §3.4.3).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SearchRequest {
    /// Must contain [`SEARCH_REQUEST_URN`].
    #[serde(default)]
    pub schemas: Vec<String>,
    /// Attributes to return.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attributes: Option<Vec<String>>,
    /// Attributes to leave out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub excluded_attributes: Option<Vec<String>>,
    /// The filter.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filter: Option<String>,
    /// Sort attribute.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sort_by: Option<String>,
    /// `ascending` or `descending`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sort_order: Option<String>,
    /// 1-based start index.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_index: Option<i64>,
    /// Page size.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<i64>,
}
