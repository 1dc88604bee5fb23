//! Which task function and job type a request names: each by an id field, or by a name field
//! that takes a name or an id.

use crate::domain::task::TaskFunction;
use crate::domain::trigger::JobType;
use crate::http::scheduler_api::problems::{INVALID, Problems};
use serde_json::Value;

/// A name or id given as a string or a number; anything else is an echoed view object.
pub(super) fn names_by_value(value: &Value) -> bool {
    value.is_string() || value.is_number()
}

/// What a request can name by `{noun}Id` or by `{noun}`.
pub(super) trait Named: Copy + PartialEq {
    const NOUN: &'static str;
    const ID_FIELD: &'static str;
    const NAME_FIELD: &'static str;

    fn every() -> Vec<Self>;
    fn id(self) -> i64;
    fn name(self) -> &'static str;
    /// The known values, as an unknown one's message lists them.
    fn known() -> String;
    /// Why this build refuses it, when it does.
    fn unavailable(self) -> Option<String> {
        None
    }

    fn from_id(id: i64) -> Option<Self> {
        Self::every().into_iter().find(|value| value.id() == id)
    }

    fn from_name(name: &str) -> Option<Self> {
        Self::every().into_iter().find(|value| value.name() == name)
    }
}

impl Named for TaskFunction {
    const NOUN: &'static str = "task function";
    const ID_FIELD: &'static str = "taskFunctionId";
    const NAME_FIELD: &'static str = "taskFunction";

    fn every() -> Vec<Self> {
        TaskFunction::ALL.to_vec()
    }

    fn id(self) -> i64 {
        TaskFunction::id(self)
    }

    fn name(self) -> &'static str {
        TaskFunction::name(self)
    }

    fn known() -> String {
        let listed: Vec<String> = TaskFunction::ALL.iter().map(|f| format!("{} ({})", f.id(), f.name())).collect();
        format!("known: {}", listed.join(", "))
    }

    fn unavailable(self) -> Option<String> {
        (!self.is_active()).then(|| format!("task function {} is not available in this build", self.name()))
    }
}

impl Named for JobType {
    const NOUN: &'static str = "job type";
    const ID_FIELD: &'static str = "jobTypeId";
    const NAME_FIELD: &'static str = "jobType";

    fn every() -> Vec<Self> {
        JobType::all().to_vec()
    }

    fn id(self) -> i64 {
        JobType::id(self)
    }

    fn name(self) -> &'static str {
        JobType::name(self)
    }

    fn known() -> String {
        "expected 1 (interval), 2 (cron) or 3 (date)".to_owned()
    }
}

/// The value the request names, if any; every unknown, disagreeing or unavailable one is a
/// problem on the field that named it.
pub(super) fn resolve<T: Named>(id: Option<i64>, named: Option<&Value>, problems: &mut Problems) -> Option<T> {
    let mut unknown = |field: &str, what: String| {
        problems.at("body", field, format!("unknown {} {what}; {}", T::NOUN, T::known()), INVALID);
    };
    let by_id = id.and_then(|id| {
        T::from_id(id).or_else(|| {
            unknown(T::ID_FIELD, id.to_string());
            None
        })
    });
    let by_name = match named {
        Some(Value::String(name)) => T::from_name(name).or_else(|| {
            unknown(T::NAME_FIELD, format!("'{name}'"));
            None
        }),
        Some(Value::Number(n)) => n.as_i64().and_then(T::from_id).or_else(|| {
            unknown(T::NAME_FIELD, n.to_string());
            None
        }),
        _ => None,
    };
    let (value, field) = match (by_id, by_name) {
        (Some(a), Some(b)) if a != b => {
            let message = format!("names {} but {} is {}", b.name(), T::ID_FIELD, a.id());
            problems.at("body", T::NAME_FIELD, message, INVALID);
            return None;
        }
        (Some(value), _) => (value, T::ID_FIELD),
        (None, Some(value)) => (value, T::NAME_FIELD),
        (None, None) => return None,
    };
    if let Some(why) = value.unavailable() {
        problems.at("body", field, why, INVALID);
        return None;
    }
    Some(value)
}
