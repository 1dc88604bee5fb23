//! `AuditLog`: each entry is one item in the table's `AUDIT` partition, sorted on
//! `<at ms>#<id>`, so that a page newest first is one `Query` of the table read backwards. The
//! entry is one JSON `body` attribute: nothing filters on its fields and it is always read whole.
//! The item sets no index key attribute, so it is in no index.
//!
//! Cursors carry the key of a page's last item in the layout of `cursor`'s (base64url of
//! `{"v": 1, "key": {...}}`), so that every cursor of the table looks alike and each listing
//! refuses the others'. That module's codec is bound to index listings (four key attributes,
//! checked per `Kind`); an audit key is the table's two, checked here.

use std::collections::BTreeMap;

use async_trait::async_trait;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};

use super::DynamoStore;
use super::errors::{backend, corrupt};
use super::execution_item::truncate;
use super::expr::{Expr, Item, key, s, text};
use super::keys::{AUDIT_PARTITION, PK, SK, audit_sk, is_audit_sk, ms};
use crate::domain::audit::AuditEntry;
use crate::ports::{AuditLog, AuditPage, MAX_AUDIT_PAGE, StoreError, StoreResult};

const BODY: &str = "body";
/// Bumped if the layout changes, so that an old cursor is refused rather than misread.
const CURSOR_VERSION: u8 = 1;

#[derive(Serialize, Deserialize)]
struct Cursor {
    v: u8,
    key: BTreeMap<String, String>,
}

/// The item of `entry`. Its time is cut to the millisecond in the body too, so that what is read
/// back is what the sort key ordered by, and a replacement whose time differs only below the
/// millisecond still lands on the same item.
fn item(entry: &AuditEntry) -> StoreResult<Item> {
    let at = truncate(entry.at);
    let body = serde_json::to_string(&AuditEntry { at, ..entry.clone() })
        .map_err(|e| StoreError::Backend(format!("encoding audit entry {}: {e}", entry.id)))?;
    let mut item = key(AUDIT_PARTITION.to_owned(), &audit_sk(ms(at), entry.id));
    item.insert(BODY.to_owned(), s(body));
    Ok(item)
}

fn decode(item: &Item) -> StoreResult<AuditEntry> {
    let sk = text(item, SK).unwrap_or_default();
    let body = text(item, BODY).ok_or_else(|| corrupt(format!("audit item {sk:?} without a body")))?;
    serde_json::from_str(body).map_err(|e| corrupt(format!("audit item {sk:?}: {e}")))
}

fn encode_cursor(item: &Item) -> StoreResult<String> {
    let attr = |name: &str| text(item, name).map(|v| (name.to_owned(), v.to_owned()));
    let (Some(pk), Some(sk)) = (attr(PK), attr(SK)) else {
        return Err(corrupt("audit item without its key"));
    };
    let json = serde_json::to_vec(&Cursor { v: CURSOR_VERSION, key: BTreeMap::from([pk, sk]) })
        .map_err(|e| StoreError::Backend(format!("encoding audit cursor: {e}")))?;
    Ok(URL_SAFE_NO_PAD.encode(json))
}

/// The `ExclusiveStartKey` a cursor names: exactly an audit item's key.
fn decode_cursor(raw: &str) -> StoreResult<Item> {
    let bytes = URL_SAFE_NO_PAD.decode(raw).map_err(|_| StoreError::BadCursor)?;
    let cursor: Cursor = serde_json::from_slice(&bytes).map_err(|_| StoreError::BadCursor)?;
    let fits = cursor.v == CURSOR_VERSION
        && cursor.key.len() == 2
        && cursor.key.get(PK).is_some_and(|pk| pk == AUDIT_PARTITION)
        && cursor.key.get(SK).is_some_and(|sk| is_audit_sk(sk));
    if !fits {
        return Err(StoreError::BadCursor);
    }
    Ok(cursor.key.into_iter().map(|(k, v)| (k, s(v))).collect())
}

#[async_trait]
impl AuditLog for DynamoStore {
    async fn record(&self, entry: &AuditEntry) -> StoreResult<()> {
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item(entry)?))
            .send()
            .await
            .map_err(|e| backend("put audit entry", e))?;
        Ok(())
    }

    /// Consistent reads, since an admin looks at the log right after an attempt. The query asks
    /// for one item beyond the page, to tell whether another page follows; one that stops at
    /// DynamoDB's 1 MB first is followed up.
    async fn list_audit(&self, cursor: Option<&str>, limit: u32) -> StoreResult<AuditPage> {
        let mut start = cursor.map(decode_cursor).transpose()?;
        let limit = limit.clamp(1, MAX_AUDIT_PAGE) as usize;
        let mut expr = Expr::default();
        let condition = format!("{} = {}", expr.name(PK), expr.value("partition", s(AUDIT_PARTITION)));
        let mut items = Vec::new();
        while items.len() <= limit {
            let wanted = i32::try_from(limit + 1 - items.len()).unwrap_or(i32::MAX);
            let out = self
                .client
                .query()
                .table_name(&self.table)
                .key_condition_expression(&condition)
                .set_expression_attribute_names(expr.names())
                .set_expression_attribute_values(expr.values())
                .scan_index_forward(false)
                .consistent_read(true)
                .limit(wanted)
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(|e| backend("query audit log", e))?;
            items.extend(out.items.unwrap_or_default());
            start = out.last_evaluated_key.filter(|k| !k.is_empty());
            if start.is_none() {
                break;
            }
        }
        let more = items.len() > limit;
        items.truncate(limit);
        let next_cursor = match items.last() {
            Some(last) if more => Some(encode_cursor(last)?),
            _ => None,
        };
        let entries = items.iter().map(decode).collect::<StoreResult<Vec<_>>>()?;
        Ok(AuditPage { entries, next_cursor })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::audit::AuditId;

    fn bad(raw: &str) -> bool {
        matches!(decode_cursor(raw), Err(StoreError::BadCursor))
    }

    fn raw_cursor(v: u8, key: &[(&str, &str)]) -> String {
        let key = key.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(&Cursor { v, key }).unwrap())
    }

    #[test]
    fn cursors_name_exactly_an_audit_key() {
        let sk = audit_sk(-5, AuditId::generate());
        let item =
            Item::from([(PK.to_owned(), s(AUDIT_PARTITION)), (SK.to_owned(), s(&sk)), (BODY.to_owned(), s("{}"))]);
        let cursor = encode_cursor(&item).unwrap();
        let want = Item::from([(PK.to_owned(), s(AUDIT_PARTITION)), (SK.to_owned(), s(&sk))]);
        assert_eq!(decode_cursor(&cursor).unwrap(), want, "the key, without the body");
        assert!(bad(&raw_cursor(1, &[(PK, "JOBS"), (SK, &sk)])), "another partition");
        assert!(bad(&raw_cursor(1, &[(PK, AUDIT_PARTITION), (SK, "JOB")])), "another item's sort key");
        assert!(bad(&raw_cursor(2, &[(PK, AUDIT_PARTITION), (SK, &sk)])), "another layout");
        assert!(bad(&raw_cursor(1, &[(PK, AUDIT_PARTITION), (SK, &sk), ("jobs_pk", "JOBS")])), "an index key");
        assert!(bad(&raw_cursor(1, &[(PK, AUDIT_PARTITION)])));
    }
}
