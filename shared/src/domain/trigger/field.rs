//! The list grammar that EventBridge cron fields and APScheduler cron fields share: `*`, `*/s`,
//! `v`, `a-b`, `a-b/s` and `a/s`, joined by commas. Each dialect brings its own bounds and names.

/// One comma-separated part of a field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Item {
    Star,
    StarStep(u32),
    Value(u32),
    Range(u32, u32),
    RangeStep(u32, u32, u32),
    /// `a/s`: from `a` to the field's maximum.
    OpenStep(u32, u32),
}

/// Bounds and names of one field in one dialect.
pub struct FieldSpec {
    /// How messages name the field, e.g. `day-of-week`.
    pub label: &'static str,
    pub min: u32,
    pub max: u32,
    /// Names accepted in place of numbers; `names[i]` stands for `name_base + i`.
    pub names: &'static [&'static str],
    pub name_base: u32,
}

const MONTHS: &[&str] = &["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];

pub const MINUTES: FieldSpec = FieldSpec::numeric("minutes", 0, 59);
pub const HOURS: FieldSpec = FieldSpec::numeric("hours", 0, 23);
pub const DAY_OF_MONTH: FieldSpec = FieldSpec::numeric("day-of-month", 1, 31);
pub const MONTH: FieldSpec = FieldSpec { label: "month", min: 1, max: 12, names: MONTHS, name_base: 1 };
/// EventBridge (Quartz) numbering: 1 = SUN … 7 = SAT.
pub const DAY_OF_WEEK: FieldSpec = FieldSpec {
    label: "day-of-week",
    min: 1,
    max: 7,
    names: &["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"],
    name_base: 1,
};
/// EventBridge accepts no year outside this range.
pub const YEAR: FieldSpec = FieldSpec::numeric("year", 1970, 2199);

impl FieldSpec {
    pub const fn numeric(label: &'static str, min: u32, max: u32) -> FieldSpec {
        FieldSpec { label, min, max, names: &[], name_base: 0 }
    }

    pub const fn relabel(&self, label: &'static str) -> FieldSpec {
        FieldSpec { label, min: self.min, max: self.max, names: self.names, name_base: self.name_base }
    }

    /// A message about this field, prefixed with its label unless the caller's location
    /// already names it.
    fn fail(&self, message: String) -> String {
        if self.label.is_empty() { message } else { format!("{}: {message}", self.label) }
    }

    fn range_text(&self) -> String {
        let mut text = format!("{}-{}", self.min, self.max);
        if let (Some(first), Some(last)) = (self.names.first(), self.names.last()) {
            text.push_str(&format!(" or {first}-{last}"));
        }
        text
    }

    /// A single number or name.
    pub fn value(&self, raw: &str) -> Result<u32, String> {
        if !raw.is_empty() && raw.bytes().all(|b| b.is_ascii_digit()) {
            return match raw.parse::<u32>() {
                Ok(v) if (self.min..=self.max).contains(&v) => Ok(v),
                _ => Err(self.fail(format!("{raw} is out of range {}", self.range_text()))),
            };
        }
        let position = self.names.iter().position(|n| n.eq_ignore_ascii_case(raw));
        match position.and_then(|i| u32::try_from(i).ok()) {
            Some(i) => Ok(self.name_base + i),
            None => Err(self.fail(format!("'{raw}' is not a value; use {}", self.range_text()))),
        }
    }

    fn step(&self, raw: &str) -> Result<u32, String> {
        match raw.parse::<u32>() {
            Ok(step) if step >= 1 && raw.bytes().all(|b| b.is_ascii_digit()) => Ok(step),
            _ => Err(self.fail(format!("step '{raw}' must be a whole number of at least 1"))),
        }
    }

    fn item(&self, part: &str) -> Result<Item, String> {
        let (base, step) = match part.split_once('/') {
            Some((base, step)) => (base, Some(self.step(step)?)),
            None => (part, None),
        };
        if base == "*" {
            return Ok(step.map_or(Item::Star, Item::StarStep));
        }
        if let Some((from, to)) = base.split_once('-') {
            let (from, to) = (self.value(from)?, self.value(to)?);
            if from > to {
                return Err(self.fail(format!("range {base} runs backwards; write the smaller value first")));
            }
            return Ok(match step {
                Some(step) => Item::RangeStep(from, to, step),
                None => Item::Range(from, to),
            });
        }
        let value = self.value(base)?;
        Ok(match step {
            Some(step) => Item::OpenStep(value, step),
            None => Item::Value(value),
        })
    }

    /// A comma-separated list of items.
    pub fn list(&self, text: &str) -> Result<Vec<Item>, String> {
        if text.is_empty() {
            return Err(self.fail("is empty".to_string()));
        }
        text.split(',')
            .map(|part| {
                if part.is_empty() {
                    Err(self.fail(format!("'{text}' has an empty list entry")))
                } else {
                    self.item(part)
                }
            })
            .collect()
    }

    /// Every value the items select, sorted and without duplicates.
    pub fn values(&self, items: &[Item]) -> Vec<u32> {
        let mut out = Vec::new();
        for item in items {
            let (from, to, step) = match *item {
                Item::Star => (self.min, self.max, 1),
                Item::StarStep(step) => (self.min, self.max, step),
                Item::Value(v) => (v, v, 1),
                Item::Range(from, to) => (from, to, 1),
                Item::RangeStep(from, to, step) => (from, to, step),
                Item::OpenStep(from, step) => (from, self.max, step),
            };
            out.extend((from..=to).step_by(step as usize));
        }
        out.sort_unstable();
        out.dedup();
        out
    }

    /// The items in EventBridge's spelling. `*/s` becomes `min/s`, the form AWS documents.
    pub fn render(&self, items: &[Item]) -> String {
        items
            .iter()
            .map(|item| match *item {
                Item::Star => "*".to_string(),
                Item::StarStep(step) => format!("{}/{step}", self.min),
                Item::Value(v) => v.to_string(),
                Item::Range(from, to) => format!("{from}-{to}"),
                Item::RangeStep(from, to, step) => format!("{from}-{to}/{step}"),
                Item::OpenStep(from, step) => format!("{from}/{step}"),
            })
            .collect::<Vec<_>>()
            .join(",")
    }
}

/// Sorted values as inclusive runs: `1,2,3,5` gives `(1, 3), (5, 5)`.
fn runs(values: &[u32]) -> Vec<(u32, u32)> {
    let mut runs: Vec<(u32, u32)> = Vec::new();
    for &v in values {
        match runs.last_mut() {
            Some((_, end)) if *end + 1 == v => *end = v,
            _ => runs.push((v, v)),
        }
    }
    runs
}

/// Sorted values written as runs: `1,2,3,5` becomes `1-3,5`.
pub fn compress(values: &[u32]) -> String {
    join_runs(values, |v| v.to_string())
}

/// Like [`compress`], each value written by `name`.
pub fn join_runs(values: &[u32], name: impl Fn(u32) -> String) -> String {
    runs(values)
        .into_iter()
        .map(|(from, to)| if from == to { name(from) } else { format!("{}-{}", name(from), name(to)) })
        .collect::<Vec<_>>()
        .join(",")
}
