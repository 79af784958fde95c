//! ListResponse (RFC 7644 §3.4.2) and pagination arithmetic.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::resource::Resource;

/// URN of the ListResponse message.
pub const LIST_RESPONSE_URN: &str = "urn:ietf:params:scim:api:messages:2.0:ListResponse";

/// One page of query results, before rendering.
#[derive(Debug, Clone, PartialEq)]
pub struct Page {
    /// Number of resources matching the query (all pages).
    pub total_results: usize,
    /// 1-based index of the first resource in this page.
    pub start_index: usize,
    /// The resources of this page (empty when `count` was 0).
    pub resources: Vec<Resource>,
    /// Whether `Resources` is left out of the response (`count=0`).
    pub omit_resources: bool,
}

/// The wire form of a list response (also usable by clients to parse one).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ListResponse {
    /// `["urn:ietf:params:scim:api:messages:2.0:ListResponse"]`.
    pub schemas: Vec<String>,
    /// Total number of results.
    #[serde(rename = "totalResults")]
    pub total_results: u64,
    /// 1-based index of the first result.
    #[serde(rename = "startIndex")]
    pub start_index: u64,
    /// Number of results in this page.
    #[serde(rename = "itemsPerPage")]
    pub items_per_page: u64,
    /// The results.
    #[serde(rename = "Resources", default, skip_serializing_if = "Option::is_none")]
    pub resources: Option<Vec<Value>>,
}

impl ListResponse {
    /// A list response around rendered resources.
    pub fn new(total_results: usize, start_index: usize, resources: Option<Vec<Value>>) -> Self {
        let items = resources.as_ref().map_or(0, Vec::len);
        Self {
            schemas: vec![LIST_RESPONSE_URN.to_owned()],
            total_results: total_results as u64,
            start_index: start_index as u64,
            items_per_page: items as u64,
            resources,
        }
    }

    /// The JSON body; paging numbers are JSON integers.
    pub fn to_json(&self) -> Value {
        serde_json::to_value(self).unwrap_or(Value::Null)
    }
}

/// The index range (0-based, half-open) of a page: `start_index` is 1-based (values below 1
/// count as 1), `count` is the page size.
///
/// ```
/// use scim_core::list::page_range;
/// assert_eq!(page_range(10, 1, 3), 0..3);
/// assert_eq!(page_range(10, 9, 5), 8..10);
/// assert_eq!(page_range(10, 20, 5), 10..10);
/// ```
pub fn page_range(total: usize, start_index: usize, count: usize) -> std::ops::Range<usize> {
    let start = start_index.max(1).saturating_sub(1).min(total);
    let end = start.saturating_add(count).min(total);
    start..end
}
