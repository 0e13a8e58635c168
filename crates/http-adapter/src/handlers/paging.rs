//! Pages of the lists (contract §13): `limit` and `cursor` in, `next_cursor` out.
//!
//! A cursor is opaque to clients: the base64url (no padding) of the sort key of the
//! previous page's last item, tagged with its list, e.g. `inv|<created_at>|<invoice_id>`
//! or `audit|<entry id>`. One list's cursor is refused by the other. The key only tells
//! where the next page starts: every page is still read within the token's customer.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, SecondsFormat, Utc};
use portal_domain::{AuditKey, InvoiceId, InvoiceKey, PageRequest, PageSize, ParseError};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::error::ApiError;

#[derive(Debug, Deserialize, IntoParams)]
pub struct PageQuery {
    /// Items per page, 1 to 200; 50 when absent.
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page; the first page when absent.
    pub cursor: Option<String>,
}

impl PageQuery {
    /// The page asked for. A limit out of range or a cursor that is not one of this
    /// list's is a 400 `bad_request`, like any other malformed query parameter.
    pub fn request<K: CursorKey>(&self) -> Result<PageRequest<K>, ApiError> {
        let size = match self.limit {
            Some(limit) => PageSize::new(limit).map_err(|e| ApiError::bad_query(&e))?,
            None => PageSize::DEFAULT,
        };
        let after = match self.cursor.as_deref() {
            Some(cursor) => Some(decode(cursor).ok_or_else(|| {
                ApiError::bad_query(&ParseError::new(
                    "cursor",
                    "is not a next_cursor of this list",
                ))
            })?),
            None => None,
        };
        Ok(PageRequest { size, after })
    }
}

/// A list's sort key, as the text inside its cursors.
pub trait CursorKey: Sized {
    /// Tells this list's cursors from another list's.
    const LIST: &'static str;
    fn to_text(&self) -> String;
    fn from_text(text: &str) -> Option<Self>;
}

impl CursorKey for InvoiceKey {
    const LIST: &'static str = "inv";

    fn to_text(&self) -> String {
        // Every digit of the time: the next page starts exactly after this invoice.
        let at = self.created_at.to_rfc3339_opts(SecondsFormat::AutoSi, true);
        format!("{at}|{}", self.id)
    }

    fn from_text(text: &str) -> Option<Self> {
        let (at, id) = text.split_once('|')?;
        Some(Self {
            created_at: DateTime::parse_from_rfc3339(at).ok()?.with_timezone(&Utc),
            id: InvoiceId::parse(id).ok()?,
        })
    }
}

impl CursorKey for AuditKey {
    const LIST: &'static str = "audit";

    fn to_text(&self) -> String {
        self.0.to_string()
    }

    fn from_text(text: &str) -> Option<Self> {
        text.parse().ok().map(AuditKey)
    }
}

/// The cursor of the page after the item whose key is `key`.
pub fn encode<K: CursorKey>(key: &K) -> String {
    URL_SAFE_NO_PAD.encode(format!("{}|{}", K::LIST, key.to_text()))
}

fn decode<K: CursorKey>(cursor: &str) -> Option<K> {
    let text = String::from_utf8(URL_SAFE_NO_PAD.decode(cursor).ok()?).ok()?;
    K::from_text(text.strip_prefix(K::LIST)?.strip_prefix('|')?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn query(limit: Option<u32>, cursor: Option<&str>) -> PageQuery {
        PageQuery {
            limit,
            cursor: cursor.map(str::to_owned),
        }
    }

    #[test]
    fn a_cursor_names_the_key_it_was_made_of() {
        let key = InvoiceKey {
            created_at: Utc.timestamp_opt(1_767_225_600, 123_456_789).unwrap(),
            id: InvoiceId::parse("INV202601001").unwrap(),
        };
        let cursor = encode(&key);
        assert!(
            cursor
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_".contains(c))
        );
        let page: PageRequest<InvoiceKey> = query(Some(2), Some(&cursor)).request().unwrap();
        assert_eq!(page.after, Some(key));
        assert_eq!(page.size.get(), 2);
        let page: PageRequest<AuditKey> =
            query(None, Some(&encode(&AuditKey(42)))).request().unwrap();
        assert_eq!(
            (page.after, page.size),
            (Some(AuditKey(42)), PageSize::DEFAULT)
        );
    }

    #[test]
    fn garbage_another_lists_cursor_and_limits_out_of_range_are_bad_requests() {
        let audit_cursor = encode(&AuditKey(42));
        for bad in [
            query(None, Some("garbage!")),
            query(None, Some("")),
            query(None, Some(&URL_SAFE_NO_PAD.encode("inv|yesterday|INV1"))),
            query(None, Some(&audit_cursor)),
            query(Some(0), None),
            query(Some(201), None),
        ] {
            let err = bad.request::<InvoiceKey>().unwrap_err();
            assert_eq!((err.status.as_u16(), err.code), (400, "bad_request"));
        }
    }
}
