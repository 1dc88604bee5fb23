//! Offset pages that cost the same at either end of a listing, for the stores whose offset pages
//! step over every skipped row (SQLite's OFFSET, DynamoDB's query pages): past the middle, the far
//! end is nearer, so the page is read in the opposite order and reversed.

/// How to fetch the rows `offset..offset + limit` of `total`, in the listing's order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum OffsetWalk {
    Empty,
    /// Skip and take in the listing's order.
    Forward {
        skip: u64,
        take: u64,
    },
    /// Skip and take in the opposite order, then reverse.
    Backward {
        skip: u64,
        take: u64,
    },
}

impl OffsetWalk {
    /// The walk that steps over the fewer rows: never more than half the listing.
    pub(crate) fn plan(total: u64, offset: u64, limit: u32) -> Self {
        if limit == 0 || offset >= total {
            return Self::Empty;
        }
        let end = offset.saturating_add(u64::from(limit)).min(total);
        let take = end - offset;
        let skip_from_end = total - end;
        if offset > skip_from_end {
            Self::Backward { skip: skip_from_end, take }
        } else {
            Self::Forward { skip: offset, take }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::OffsetWalk::{self, Backward, Empty, Forward};

    #[test]
    fn offsets_past_the_middle_walk_from_the_end() {
        let plan = OffsetWalk::plan;
        assert_eq!(plan(100, 0, 10), Forward { skip: 0, take: 10 });
        assert_eq!(plan(100, 45, 10), Forward { skip: 45, take: 10 });
        assert_eq!(plan(100, 46, 10), Backward { skip: 44, take: 10 });
        assert_eq!(plan(100, 90, 10), Backward { skip: 0, take: 10 });
        assert_eq!(plan(100, 95, 10), Backward { skip: 0, take: 5 });
        assert_eq!(plan(100, 100, 10), Empty);
        assert_eq!(plan(0, 0, 10), Empty);
        assert_eq!(plan(5, 0, 0), Empty);
        assert_eq!(plan(3, 2, u32::MAX), Backward { skip: 0, take: 1 });
        assert_eq!(plan(u64::MAX, u64::MAX - 1, 10), Backward { skip: 0, take: 1 });
    }

    #[test]
    fn either_walk_covers_exactly_the_page_and_never_skips_more_than_half() {
        for total in 0..40u64 {
            for offset in 0..45u64 {
                for limit in 1..12u32 {
                    let walk = OffsetWalk::plan(total, offset, limit);
                    let rows: Vec<u64> = match walk {
                        Empty => vec![],
                        Forward { skip, take } => (skip..skip + take).collect(),
                        Backward { skip, take } => {
                            let mut r: Vec<u64> = (0..total).rev().skip(skip as usize).take(take as usize).collect();
                            r.reverse();
                            r
                        }
                    };
                    let expected: Vec<u64> = (0..total).skip(offset as usize).take(limit as usize).collect();
                    assert_eq!(rows, expected, "total {total} offset {offset} limit {limit}");
                    if let Forward { skip, .. } | Backward { skip, .. } = walk {
                        assert!(skip <= total / 2, "total {total} offset {offset} limit {limit}: skips {skip}");
                    }
                }
            }
        }
    }
}
