//! Building expressions: every attribute goes through a `#name` placeholder (several of ours,
//! such as `name` and `status`, are DynamoDB reserved words), and only the placeholders an
//! expression uses are sent, since DynamoDB refuses unused ones.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;

pub(super) type Item = HashMap<String, AttributeValue>;

#[derive(Debug, Clone, Default)]
pub(super) struct Expr {
    names: HashMap<String, String>,
    values: HashMap<String, AttributeValue>,
}

impl Expr {
    /// The placeholder for attribute `attr` (our attribute names are `[a-z0-9_]`, valid as is).
    pub fn name(&mut self, attr: &str) -> String {
        let placeholder = format!("#{attr}");
        self.names.insert(placeholder.clone(), attr.to_owned());
        placeholder
    }

    pub fn value(&mut self, key: &str, value: AttributeValue) -> String {
        let placeholder = format!(":{key}");
        self.values.insert(placeholder.clone(), value);
        placeholder
    }

    pub fn names(&self) -> Option<HashMap<String, String>> {
        (!self.names.is_empty()).then(|| self.names.clone())
    }

    pub fn values(&self) -> Option<HashMap<String, AttributeValue>> {
        (!self.values.is_empty()).then(|| self.values.clone())
    }

    /// An item whose TTL, if it has one, has not passed.
    pub fn unexpired(&mut self, now_secs: i64) -> String {
        let expires = self.name(super::keys::EXPIRES_AT);
        let now = self.value("now", n(now_secs));
        format!("(attribute_not_exists({expires}) OR {expires} > {now})")
    }

    /// An item that is there and has not expired: what every read and update treats as existing.
    pub fn live(&mut self, now_secs: i64) -> String {
        let pk = self.name(super::keys::PK);
        format!("attribute_exists({pk}) AND {}", self.unexpired(now_secs))
    }

    /// `SET` each of `attrs` that `item` holds, `REMOVE` each it lacks: writes those attributes
    /// to exactly what `item` says and leaves every other attribute alone.
    pub fn set_or_remove(&mut self, item: &Item, attrs: &[&str]) -> String {
        let mut set = Vec::new();
        let mut remove = Vec::new();
        for attr in attrs {
            let name = self.name(attr);
            match item.get(*attr) {
                Some(value) => set.push(format!("{name} = {}", self.value(&format!("v_{attr}"), value.clone()))),
                None => remove.push(name),
            }
        }
        let mut clauses = Vec::new();
        if !set.is_empty() {
            clauses.push(format!("SET {}", set.join(", ")));
        }
        if !remove.is_empty() {
            clauses.push(format!("REMOVE {}", remove.join(", ")));
        }
        clauses.join(" ")
    }
}

pub(super) fn s(value: impl Into<String>) -> AttributeValue {
    AttributeValue::S(value.into())
}

pub(super) fn n(value: impl ToString) -> AttributeValue {
    AttributeValue::N(value.to_string())
}

/// The string attribute `attr` of `item`, if it is one.
pub(super) fn text<'a>(item: &'a Item, attr: &str) -> Option<&'a str> {
    item.get(attr).and_then(|v| v.as_s().ok()).map(String::as_str)
}

/// The number attribute `attr` of `item`, if it is one that fits.
pub(super) fn number<T: std::str::FromStr>(item: &Item, attr: &str) -> Option<T> {
    item.get(attr).and_then(|v| v.as_n().ok()).and_then(|raw| raw.parse().ok())
}

pub(super) fn key(pk: String, sk: &str) -> Item {
    HashMap::from([(super::keys::PK.to_owned(), s(pk)), (super::keys::SK.to_owned(), s(sk))])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_or_remove_writes_exactly_the_listed_attributes() {
        let item = HashMap::from([("a".to_owned(), s("x")), ("b".to_owned(), n(2)), ("c".to_owned(), n(3))]);
        let mut e = Expr::default();
        assert_eq!(e.set_or_remove(&item, &["a", "b", "gone"]), "SET #a = :v_a, #b = :v_b REMOVE #gone");
        assert_eq!(e.names().map(|n| n.len()), Some(3), "only the listed attributes are named");
        assert_eq!(e.values().map(|v| v.len()), Some(2), "only present attributes get values");
        let mut e = Expr::default();
        assert_eq!(e.set_or_remove(&item, &["gone"]), "REMOVE #gone");
        assert_eq!(e.values(), None, "no values at all is sent as none, which DynamoDB requires");
    }

    #[test]
    fn reads_typed_attributes() {
        let item = HashMap::from([("s".to_owned(), s("x")), ("n".to_owned(), n(-7))]);
        assert_eq!(text(&item, "s"), Some("x"));
        assert_eq!(text(&item, "n"), None);
        assert_eq!(number::<i64>(&item, "n"), Some(-7));
        assert_eq!(number::<u32>(&item, "n"), None);
    }
}
