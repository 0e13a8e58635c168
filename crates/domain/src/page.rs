//! Pages of a list read newest first (keyset pagination): how many items a page holds,
//! the key a page starts after, and the key the next page starts after.
//!
//! A page is "the items whose key is below the key it starts after", never "the items
//! after position n": an item added while a client pages does not shift the later pages,
//! and the stores answer it from an index.

use chrono::{DateTime, Utc};

use crate::billing_ops::AuditEntry;
use crate::error::ParseError;
use crate::ids::InvoiceId;
use crate::invoice::InvoiceSummary;

/// How many items a page holds: 1 to [`PageSize::MAX`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PageSize(u32);

impl PageSize {
    /// The largest page.
    pub const MAX: u32 = 200;
    /// The page size when none is asked for.
    pub const DEFAULT: PageSize = PageSize(50);

    pub fn new(size: u32) -> Result<Self, ParseError> {
        if (1..=Self::MAX).contains(&size) {
            Ok(Self(size))
        } else {
            Err(ParseError::new(
                "limit",
                format!("must be from 1 to {}, not {size}", Self::MAX),
            ))
        }
    }

    pub fn get(self) -> u32 {
        self.0
    }

    /// The size as a count of items.
    pub fn count(self) -> usize {
        usize::try_from(self.0).unwrap_or(usize::MAX)
    }
}

impl Default for PageSize {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// Which page of a list to read: at most `size` items, those after `after` (the key of
/// the previous page's last item), from the start when `None`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageRequest<K> {
    pub size: PageSize,
    pub after: Option<K>,
}

impl<K> PageRequest<K> {
    /// The first page.
    pub fn first(size: PageSize) -> Self {
        Self { size, after: None }
    }

    /// The page after the item whose key is `key`.
    pub fn after(size: PageSize, key: K) -> Self {
        Self {
            size,
            after: Some(key),
        }
    }
}

impl<K> Default for PageRequest<K> {
    fn default() -> Self {
        Self::first(PageSize::DEFAULT)
    }
}

/// One page of a list: its items, and the key the next page starts after (the key of
/// this page's last item) when more follow, `None` on the last page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page<T, K> {
    pub items: Vec<T>,
    pub next: Option<K>,
}

impl<T, K> Page<T, K> {
    /// The page from the items read in order after the request's key, up to `size + 1`
    /// of them: the one beyond `size` only tells that another page follows.
    pub fn from_probe(mut items: Vec<T>, size: PageSize, key_of: impl Fn(&T) -> K) -> Self {
        let more = items.len() > size.count();
        items.truncate(size.count());
        let next = if more { items.last().map(key_of) } else { None };
        Self { items, next }
    }

    /// The requested page of a whole list, ordered newest first (by key, descending)
    /// whatever its order: the stores that hold the whole list (the in-memory fakes, the
    /// cached invoice list) page it with this.
    pub fn newest_first(
        all: impl IntoIterator<Item = T>,
        request: &PageRequest<K>,
        key_of: impl Fn(&T) -> K,
    ) -> Self
    where
        K: Ord,
    {
        let mut keyed: Vec<(K, T)> = all
            .into_iter()
            .map(|item| (key_of(&item), item))
            .filter(|(key, _)| request.after.as_ref().is_none_or(|after| key < after))
            .collect();
        keyed.sort_by(|a, b| b.0.cmp(&a.0));
        keyed.truncate(request.size.count().saturating_add(1));
        let probe = keyed.into_iter().map(|(_, item)| item).collect();
        Self::from_probe(probe, request.size, key_of)
    }

    /// The page with each item changed by `f`.
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U, K> {
        Page {
            items: self.items.into_iter().map(f).collect(),
            next: self.next,
        }
    }
}

/// Where an invoice stands in its customer's list, newest first: by creation time, then
/// by number.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct InvoiceKey {
    pub created_at: DateTime<Utc>,
    pub id: InvoiceId,
}

impl InvoiceKey {
    pub fn of(invoice: &InvoiceSummary) -> Self {
        Self {
            created_at: invoice.created_at,
            id: invoice.id.clone(),
        }
    }
}

/// Where an audit entry stands in its customer's log: its sequence number in the store,
/// which grows with every entry recorded, so newest first is highest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct AuditKey(pub i64);

/// A page of a customer's invoices.
pub type InvoicePage = Page<InvoiceSummary, InvoiceKey>;
/// A page of a customer's audit log.
pub type AuditPage = Page<AuditEntry, AuditKey>;

#[cfg(test)]
mod tests {
    use super::*;

    fn size(n: u32) -> PageSize {
        PageSize::new(n).unwrap()
    }

    #[test]
    fn a_page_holds_one_to_two_hundred() {
        assert!(PageSize::new(0).is_err());
        assert!(PageSize::new(201).is_err());
        assert_eq!(PageSize::new(1).unwrap().get(), 1);
        assert_eq!(PageSize::new(200).unwrap().get(), 200);
        assert_eq!(PageSize::default().get(), 50);
    }

    #[test]
    fn pages_of_a_whole_list_walk_it_newest_first_once() {
        let all = [3, 9, 1, 7, 5];
        let mut seen = Vec::new();
        let mut request = PageRequest::first(size(2));
        loop {
            let page = Page::newest_first(all, &request, |n: &i32| *n);
            assert!(page.items.len() <= 2);
            seen.extend(page.items);
            match page.next {
                Some(key) => request = PageRequest::after(size(2), key),
                None => break,
            }
        }
        assert_eq!(seen, [9, 7, 5, 3, 1]);
    }

    #[test]
    fn a_full_last_page_has_no_next() {
        let page = Page::newest_first([1, 2], &PageRequest::first(size(2)), |n: &i32| *n);
        assert_eq!(page.items, [2, 1]);
        assert_eq!(page.next, None);
        let page = Page::from_probe(vec![5, 4, 3], size(2), |n: &i32| *n);
        assert_eq!((page.items, page.next), (vec![5, 4], Some(4)));
    }
}
