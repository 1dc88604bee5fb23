//! Walking a listing page by page through its cursors, the way a client does, checking each page
//! as it goes: what every store's listings must do alike.

use std::future::Future;

use jobsmith::ports::Page;
use jobsmith::test_support::fixtures::{after, offset};

/// Reads the first page at `limit` and then each `next_cursor` until there is none; returns the
/// items' ids in the order read. Every page holds at most `limit` items and the whole `total`;
/// a page with no items offers no cursor, and the walk ends within `total + 1` pages.
pub async fn walk<T, Id, Fut>(
    what: &str,
    limit: u32,
    total: usize,
    mut page_at: impl FnMut(jobsmith::ports::PageRequest) -> Fut,
    id_of: impl Fn(&T) -> Id,
) -> Vec<Id>
where
    Fut: Future<Output = Page<T>>,
{
    let mut seen = Vec::new();
    let mut page = page_at(offset(0, limit)).await;
    for round in 0.. {
        assert!(round <= total + 1, "{what}, limit {limit}: cursors never end");
        assert!(page.items.len() <= limit as usize, "{what}, limit {limit}: page over the limit");
        assert_eq!(page.total as usize, total, "{what}, limit {limit}: total on a cursor page");
        seen.extend(page.items.iter().map(&id_of));
        let Some(cursor) = page.next_cursor.take() else { break };
        assert!(!page.items.is_empty(), "{what}, limit {limit}: an empty page must not offer a cursor");
        page = page_at(after(&cursor, limit)).await;
    }
    seen
}
