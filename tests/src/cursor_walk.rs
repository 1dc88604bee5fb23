//! Walking a listing page by page through its cursors, the way a client does, checking each page
//! as it goes: what every store's listings must do alike.

use std::future::Future;

use jobsmith::ports::{Page, Slice};
use jobsmith::test_support::fixtures::{after, offset};

/// A page as a walk reads it: its items, its cursor, and its total when it has one.
pub trait Walked<T> {
    fn parts(self) -> (Vec<T>, Option<String>, Option<u64>);
}

impl<T> Walked<T> for Page<T> {
    fn parts(self) -> (Vec<T>, Option<String>, Option<u64>) {
        (self.items, self.next_cursor, Some(self.total))
    }
}

impl<T> Walked<T> for Slice<T> {
    fn parts(self) -> (Vec<T>, Option<String>, Option<u64>) {
        (self.items, self.next_cursor, None)
    }
}

/// Reads the first page at `limit` and then each `next_cursor` until there is none; returns the
/// items' ids in the order read. Every page holds at most `limit` items and, when it counts,
/// the whole `total`; a page with no items offers no cursor, and the walk ends within
/// `total + 1` pages.
pub async fn walk<T, Id, P, Fut>(
    what: &str,
    limit: u32,
    total: usize,
    mut page_at: impl FnMut(jobsmith::ports::PageRequest) -> Fut,
    id_of: impl Fn(&T) -> Id,
) -> Vec<Id>
where
    P: Walked<T>,
    Fut: Future<Output = P>,
{
    let mut seen = Vec::new();
    let mut page = page_at(offset(0, limit)).await;
    for round in 0.. {
        assert!(round <= total + 1, "{what}, limit {limit}: cursors never end");
        let (items, cursor, counted) = page.parts();
        assert!(items.len() <= limit as usize, "{what}, limit {limit}: page over the limit");
        if let Some(counted) = counted {
            assert_eq!(counted as usize, total, "{what}, limit {limit}: total on a cursor page");
        }
        seen.extend(items.iter().map(&id_of));
        let Some(cursor) = cursor else { break };
        assert!(!items.is_empty(), "{what}, limit {limit}: an empty page must not offer a cursor");
        page = page_at(after(&cursor, limit)).await;
    }
    seen
}
