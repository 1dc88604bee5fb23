//! Listings: one index partition read in key order, with filters. Pages walk it with `Limit`
//! (DynamoDB cannot skip, so an offset is read and discarded, from whichever end is nearer);
//! totals are `Select: COUNT` queries over the same partition and filters. Nothing here scans.

use aws_sdk_dynamodb::operation::query::builders::QueryFluentBuilder;
use aws_sdk_dynamodb::types::Select;

use super::DynamoStore;
use super::cursor;
use super::errors::backend;
use super::expr::{Expr, Item, s, text};
use super::keys::Index;
use crate::adapters::offset_walk::OffsetWalk;
use crate::ports::{Page, PageRequest, Slice, StoreError, StoreResult};

/// Items one request asks for at most; DynamoDB also stops at 1 MB.
const MAX_PAGE: u64 = 1_000;
/// What a request under a selective filter asks for at least, so that a filter that drops most
/// items does not cost a request per item.
const FILTERED_PAGE: u64 = 50;

/// What a listing's items are, for checking cursors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    Jobs,
    Executions,
    Videos,
    /// A video's hashtag items, in `videos_by_hashtag`.
    VideoTags,
}

/// One partition of an index, in the order the port promises.
pub(super) struct Listing {
    pub index: &'static Index,
    pub kind: Kind,
    pub partition: String,
    /// Only sort keys strictly below this.
    pub before: Option<String>,
    /// Only sort keys at or above this. With `before` too, the range is `BETWEEN` both, which
    /// includes `before` itself: only bounds that no key equals (a bare time prefix) go together.
    pub after: Option<String>,
    /// Ascending sort keys (oldest first) or descending (newest first).
    pub forward: bool,
    filters: Vec<String>,
    /// The names and values `filters` use.
    expr: Expr,
    selective: bool,
}

impl Listing {
    /// `filters` are ANDed; `selective` says whether they may drop many items (not just the
    /// few expired ones).
    pub fn new(
        index: &'static Index,
        kind: Kind,
        partition: String,
        forward: bool,
        filters: Vec<String>,
        expr: Expr,
        selective: bool,
    ) -> Self {
        Self { index, kind, partition, before: None, after: None, forward, filters, expr, selective }
    }

    pub fn before(mut self, bound: String) -> Self {
        self.before = Some(bound);
        self
    }

    pub fn after(mut self, bound: Option<String>) -> Self {
        self.after = bound;
        self
    }

    /// A start key outside the range (a cursor from before the range moved up) is refused by
    /// DynamoDB; the listing then starts at the range's beginning.
    fn within(&self, start: Option<Item>) -> Option<Item> {
        let after = self.after.as_deref();
        start.filter(|key| after.is_none_or(|after| text(key, self.index.sk).is_some_and(|sk| sk >= after)))
    }

    /// A query of this listing in direction `forward`, with its key condition and filters.
    fn query(
        &self,
        store: &DynamoStore,
        forward: bool,
        start: Option<Item>,
        projection: &[&str],
    ) -> QueryFluentBuilder {
        let mut expr = self.expr.clone();
        let mut condition = format!("{} = {}", expr.name(self.index.pk), expr.value("partition", s(&self.partition)));
        let range = match (&self.after, &self.before) {
            (Some(after), Some(before)) => {
                let (after, before) = (expr.value("after", s(after)), expr.value("before", s(before)));
                Some(format!("BETWEEN {after} AND {before}"))
            }
            (Some(after), None) => Some(format!(">= {}", expr.value("after", s(after)))),
            (None, Some(before)) => Some(format!("< {}", expr.value("before", s(before)))),
            (None, None) => None,
        };
        if let Some(range) = range {
            condition += &format!(" AND {} {range}", expr.name(self.index.sk));
        }
        let projection =
            (!projection.is_empty()).then(|| projection.iter().map(|a| expr.name(a)).collect::<Vec<_>>().join(", "));
        let filter = (!self.filters.is_empty()).then(|| self.filters.join(" AND "));
        store
            .client
            .query()
            .table_name(&store.table)
            .index_name(self.index.name)
            .key_condition_expression(condition)
            .set_filter_expression(filter)
            .set_projection_expression(projection)
            .set_expression_attribute_names(expr.names())
            .set_expression_attribute_values(expr.values())
            .scan_index_forward(forward)
            .set_exclusive_start_key(self.within(start))
    }
}

/// Start of a page, key-present `LastEvaluatedKey` only: an empty map means none.
fn next_start(key: Option<Item>) -> Option<Item> {
    key.filter(|k| !k.is_empty())
}

impl DynamoStore {
    /// How many items the listing holds: `Select: COUNT` pages (1 MB of items read each).
    pub(super) async fn count(&self, listing: &Listing) -> StoreResult<u64> {
        let mut total = 0u64;
        let mut start = None;
        loop {
            let out = listing
                .query(self, listing.forward, start, &[])
                .select(Select::Count)
                .send()
                .await
                .map_err(|e| backend("count query", e))?;
            total += u64::try_from(out.count).unwrap_or(0);
            start = match next_start(out.last_evaluated_key) {
                Some(key) => Some(key),
                None => return Ok(total),
            };
        }
    }

    /// Skips `skip` items from `start` in direction `forward`, then returns up to `take`, and
    /// whether another item follows them (read as one item beyond the page).
    pub(super) async fn walk(
        &self,
        listing: &Listing,
        mut start: Option<Item>,
        forward: bool,
        mut skip: u64,
        take: u64,
    ) -> StoreResult<(Vec<Item>, bool)> {
        let mut items = Vec::new();
        if take == 0 {
            return Ok((items, false));
        }
        let floor = if listing.selective { FILTERED_PAGE } else { 1 };
        loop {
            let wanted = skip.saturating_add(take - items.len() as u64).saturating_add(1);
            let limit = i32::try_from(wanted.clamp(floor, MAX_PAGE)).unwrap_or(i32::MAX);
            let out =
                listing.query(self, forward, start, &[]).limit(limit).send().await.map_err(|e| backend("query", e))?;
            for item in out.items.unwrap_or_default() {
                if skip > 0 {
                    skip -= 1;
                } else if items.len() as u64 == take {
                    return Ok((items, true));
                } else {
                    items.push(item);
                }
            }
            start = match next_start(out.last_evaluated_key) {
                Some(key) => Some(key),
                None => return Ok((items, false)),
            };
        }
    }

    /// Every item of the listing, in its order; only `projection` when it names attributes.
    pub(super) async fn collect(&self, listing: &Listing, projection: &[&str]) -> StoreResult<Vec<Item>> {
        let mut items = Vec::new();
        let mut start = None;
        loop {
            let out = listing
                .query(self, listing.forward, start, projection)
                .send()
                .await
                .map_err(|e| backend("query", e))?;
            items.extend(out.items.unwrap_or_default());
            start = match next_start(out.last_evaluated_key) {
                Some(key) => Some(key),
                None => return Ok(items),
            };
        }
    }

    /// At most `limit` of the listing's first items: one query, for work done a batch at a time.
    pub(super) async fn first(&self, listing: &Listing, limit: i32) -> StoreResult<Vec<Item>> {
        Ok(self.first_page(listing, limit).await?.0)
    }

    /// [`DynamoStore::first`], and whether the listing may hold more: false only when the query
    /// read to its end.
    pub(super) async fn first_page(&self, listing: &Listing, limit: i32) -> StoreResult<(Vec<Item>, bool)> {
        let out = listing
            .query(self, listing.forward, None, &[])
            .limit(limit)
            .send()
            .await
            .map_err(|e| backend("query", e))?;
        Ok((out.items.unwrap_or_default(), next_start(out.last_evaluated_key).is_some()))
    }

    /// One page of the listing, by cursor or by offset, with the listing's total. The count and
    /// the page are two reads (DynamoDB has no snapshot), sent together when the page does not
    /// depend on the total.
    pub(super) async fn page(&self, listing: &Listing, request: &PageRequest) -> StoreResult<Page<Item>> {
        let limit = u64::from(request.limit);
        let start = request.cursor.as_deref().map(|raw| cursor::decode(raw, listing)).transpose()?;
        let (items, total, more) = if start.is_some() || request.offset == 0 {
            let (total, (items, more)) =
                tokio::try_join!(self.count(listing), self.walk(listing, start, listing.forward, 0, limit))?;
            (items, total, more)
        } else {
            let total = self.count(listing).await?;
            match OffsetWalk::plan(total, request.offset, request.limit) {
                OffsetWalk::Empty => (Vec::new(), total, false),
                OffsetWalk::Forward { skip, take } => {
                    self.check_walk(skip)?;
                    let (items, more) = self.walk(listing, None, listing.forward, skip, take).await?;
                    (items, total, more)
                }
                OffsetWalk::Backward { skip, take } => {
                    self.check_walk(skip)?;
                    let (mut items, _) = self.walk(listing, None, !listing.forward, skip, take).await?;
                    items.reverse();
                    (items, total, skip > 0)
                }
            }
        };
        let next_cursor = next_cursor(listing, &items, more);
        Ok(Page { items, total, next_cursor })
    }

    /// A page without the `COUNT` query: from the cursor, or past the offset read forward.
    pub(super) async fn slice(&self, listing: &Listing, request: &PageRequest) -> StoreResult<Slice<Item>> {
        let start = request.cursor.as_deref().map(|raw| cursor::decode(raw, listing)).transpose()?;
        let skip = if start.is_some() { 0 } else { request.offset };
        self.check_walk(skip)?;
        let (items, more) = self.walk(listing, start, listing.forward, skip, u64::from(request.limit)).await?;
        let next_cursor = next_cursor(listing, &items, more);
        Ok(Slice { items, next_cursor })
    }

    /// The cost cap on offsets: reading more than this many items only to discard them is
    /// refused: the client pages by cursor instead.
    fn check_walk(&self, skip: u64) -> StoreResult<()> {
        if skip > self.max_offset_walk { Err(StoreError::OffsetTooDeep) } else { Ok(()) }
    }
}

/// The cursor after a page's last item, when more follow.
fn next_cursor(listing: &Listing, items: &[Item], more: bool) -> Option<String> {
    if more { items.last().and_then(|last| cursor::encode(listing, last)) } else { None }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::adapters::aws::dynamo::keys::JOBS_BY_CREATED;

    fn start_at(sk: &str) -> Option<Item> {
        Some([(JOBS_BY_CREATED.sk.to_owned(), s(sk))].into_iter().collect())
    }

    #[test]
    fn a_start_key_below_the_range_starts_the_listing_over() {
        // DynamoDB refuses a start key outside the key condition (moto does not check).
        let listing =
            Listing::new(&JOBS_BY_CREATED, Kind::Jobs, "JOBS".to_owned(), true, Vec::new(), Expr::default(), false)
                .after(Some("0005".to_owned()));
        assert_eq!(listing.within(start_at("0004#a")), None);
        assert_eq!(listing.within(start_at("0005#a")), start_at("0005#a"));
        let unbounded =
            Listing::new(&JOBS_BY_CREATED, Kind::Jobs, "JOBS".to_owned(), true, Vec::new(), Expr::default(), false);
        assert_eq!(unbounded.within(start_at("0004#a")), start_at("0004#a"));
    }
}
