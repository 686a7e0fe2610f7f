//! Cursor pagination: `?cursor=&limit=` in, `{ "items": [...], "next_cursor": ... }` out. A
//! cursor is opaque to clients (base64 of the last id seen) so its form can change later.

use base64::Engine;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::error::ApiError;
use crate::services::PageRequest;

pub const DEFAULT_LIMIT: u32 = 50;
pub const MAX_LIMIT: u32 = 200;

#[derive(Debug, Deserialize, IntoParams)]
pub struct PageQuery {
    /// Opaque cursor from a previous page's `next_cursor`.
    pub cursor: Option<String>,
    /// Items per page, 1–200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
}

impl PageQuery {
    pub fn to_request(&self) -> Result<PageRequest, ApiError> {
        let limit = self.limit.unwrap_or(DEFAULT_LIMIT);
        if !(1..=MAX_LIMIT).contains(&limit) {
            return Err(ApiError::invalid(
                "limit",
                format!("must be between 1 and {MAX_LIMIT}"),
            ));
        }
        let after = match self.cursor.as_deref().filter(|c| !c.is_empty()) {
            None => None,
            Some(c) => Some(
                decode_cursor(c)
                    .ok_or_else(|| ApiError::invalid("cursor", "is not a cursor this API issued"))?,
            ),
        };
        Ok(PageRequest {
            after,
            limit: i64::from(limit),
        })
    }
}

fn encode_cursor(id: i64) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("id:{id}"))
}

fn decode_cursor(cursor: &str) -> Option<i64> {
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(cursor)
        .ok()?;
    let text = String::from_utf8(bytes).ok()?;
    text.strip_prefix("id:")?.parse().ok()
}

/// One page of a list.
#[derive(Debug, Serialize, ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

impl<T> Page<T> {
    /// Build a page from rows fetched with [`PageRequest::fetch_limit`] (one more than asked).
    pub fn from_rows<R>(
        mut rows: Vec<R>,
        page: PageRequest,
        id_of: impl Fn(&R) -> i64,
        to_item: impl Fn(R) -> T,
    ) -> Page<T> {
        let more = rows.len() as i64 > page.limit;
        rows.truncate(page.limit as usize);
        let next_cursor = if more {
            rows.last().map(|r| encode_cursor(id_of(r)))
        } else {
            None
        };
        Page {
            items: rows.into_iter().map(to_item).collect(),
            next_cursor,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_garbage_is_refused() {
        assert_eq!(decode_cursor(&encode_cursor(42)), Some(42));
        assert_eq!(decode_cursor("not-a-cursor"), None);
        let q = PageQuery {
            cursor: Some("zzz".into()),
            limit: None,
        };
        assert!(q.to_request().is_err());
    }

    #[test]
    fn limits_are_bounded() {
        assert!(
            PageQuery {
                cursor: None,
                limit: Some(0)
            }
            .to_request()
            .is_err()
        );
        assert!(
            PageQuery {
                cursor: None,
                limit: Some(201)
            }
            .to_request()
            .is_err()
        );
        assert_eq!(
            PageQuery {
                cursor: None,
                limit: None
            }
            .to_request()
            .unwrap()
            .limit,
            50
        );
    }

    #[test]
    fn a_page_knows_whether_more_follow() {
        let req = PageRequest {
            after: None,
            limit: 2,
        };
        let page = Page::from_rows(vec![1i64, 2, 3], req, |r| *r, |r| r);
        assert_eq!(page.items, vec![1, 2]);
        assert_eq!(page.next_cursor.as_deref().and_then(decode_cursor), Some(2));
        let page = Page::from_rows(vec![1i64, 2], req, |r| *r, |r| r);
        assert!(page.next_cursor.is_none());
    }
}
