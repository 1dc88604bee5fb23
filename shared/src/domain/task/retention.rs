//! `cleanup.videos`'s arguments: the rules (`domain::retention`), the folder under `videos/` they
//! apply to, and whether to only report what would go.

use serde::{Deserialize, Serialize};

use super::{StorageFolder, TaskArgError};
use crate::domain::retention::RetentionRules;

/// Where every scraped video lies, and the prefix a run covers when it is given none.
pub const VIDEOS_ROOT: &str = "videos/";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "RetentionFields", into = "RetentionFields")]
pub struct RetentionTask {
    rules: RetentionRules,
    /// None: all of `videos/`.
    folder: Option<StorageFolder>,
    dry_run: bool,
}

/// The arguments before they are checked, and the stored form, checked again when read.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RetentionFields {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub older_than_days: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub keep_newest: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_bytes: Option<u64>,
    /// `videos/` or a folder under it, such as `videos/profile/khaby.lame/`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prefix: Option<String>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub dry_run: bool,
}

impl TryFrom<RetentionFields> for RetentionTask {
    type Error = TaskArgError;

    fn try_from(fields: RetentionFields) -> Result<Self, Self::Error> {
        let rules = RetentionRules::new(fields.older_than_days, fields.keep_newest, fields.max_bytes)
            .map_err(|e| TaskArgError::new(e.field(), e.to_string()))?;
        let folder = fields.prefix.as_deref().map(folder_of).transpose()?.flatten();
        Ok(Self { rules, folder, dry_run: fields.dry_run })
    }
}

impl From<RetentionTask> for RetentionFields {
    fn from(task: RetentionTask) -> Self {
        Self {
            older_than_days: task.rules.older_than_days().map(u64::from),
            keep_newest: task.rules.keep_newest().map(u64::from),
            max_bytes: task.rules.max_bytes(),
            prefix: task.folder.is_some().then(|| task.prefix()),
            dry_run: task.dry_run,
        }
    }
}

/// The folder a prefix names under `videos/`, held to what a scrape's folder may be; none for
/// `videos/` itself. The trailing `/` is optional: the prefix is always a whole folder, so that
/// `videos/a` never covers `videos/ab/`.
fn folder_of(prefix: &str) -> Result<Option<StorageFolder>, TaskArgError> {
    let outside = || TaskArgError::new("prefix", "must be videos/ or a folder under it, such as videos/profile/name/");
    let rest = prefix.strip_prefix(VIDEOS_ROOT).or_else(|| (prefix == "videos").then_some("")).ok_or_else(outside)?;
    if rest.is_empty() {
        return Ok(None);
    }
    StorageFolder::parse(rest.strip_suffix('/').unwrap_or(rest))
        .map(Some)
        .map_err(|e| TaskArgError::new("prefix", e.to_string()))
}

impl RetentionTask {
    pub fn rules(&self) -> &RetentionRules {
        &self.rules
    }

    /// The object prefix the run covers: `videos/` or `videos/<folder>/`.
    pub fn prefix(&self) -> String {
        match &self.folder {
            Some(folder) => format!("{VIDEOS_ROOT}{folder}/"),
            None => VIDEOS_ROOT.to_owned(),
        }
    }

    /// Report what would go, and remove nothing.
    pub fn dry_run(&self) -> bool {
        self.dry_run
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn task(fields: RetentionFields) -> Result<RetentionTask, TaskArgError> {
        RetentionTask::try_from(fields)
    }

    fn with_prefix(prefix: &str) -> Result<RetentionTask, TaskArgError> {
        task(RetentionFields { keep_newest: Some(3), prefix: Some(prefix.to_owned()), ..RetentionFields::default() })
    }

    #[test]
    fn prefixes_are_whole_folders_under_videos() {
        for (given, prefix) in [
            ("videos/", "videos/"),
            ("videos", "videos/"),
            ("videos/profile/khaby.lame", "videos/profile/khaby.lame/"),
            ("videos/drive-1/", "videos/drive-1/"),
        ] {
            assert_eq!(with_prefix(given).map(|t| t.prefix()), Ok(prefix.to_owned()), "{given}");
        }
        for bad in ["clips/", "", "/videos/a", "videos/../clips", "videos/a//b", "videos//", "videos/a b", "videosx/"] {
            assert_eq!(with_prefix(bad).map_err(|e| e.field), Err("prefix".to_owned()), "{bad:?}");
        }
    }

    #[test]
    fn each_bad_rule_is_named() {
        let err = task(RetentionFields::default()).unwrap_err();
        assert_eq!(err.field, "older_than_days");
        assert!(err.message.contains("at least one"), "{err}");
        let err = task(RetentionFields { max_bytes: Some(0), ..RetentionFields::default() }).unwrap_err();
        assert_eq!(err.field, "max_bytes");
        let err = task(RetentionFields { keep_newest: Some(0), ..RetentionFields::default() }).unwrap_err();
        assert_eq!(err.field, "keep_newest");
    }

    #[test]
    fn the_stored_form_round_trips_and_is_checked_again() {
        let fields = RetentionFields {
            older_than_days: Some(30),
            max_bytes: Some(1 << 40),
            prefix: Some("videos/profile/a/".to_owned()),
            dry_run: true,
            ..RetentionFields::default()
        };
        let task = task(fields.clone()).unwrap();
        assert_eq!(RetentionFields::from(task.clone()), fields);
        let text = serde_json::to_string(&task).unwrap();
        assert_eq!(serde_json::from_str::<RetentionTask>(&text).unwrap(), task);
        assert!(serde_json::from_str::<RetentionTask>(r#"{"older_than_days":0}"#).is_err());
        assert!(serde_json::from_str::<RetentionTask>(r#"{"keep_newest":1,"prefix":"../x"}"#).is_err());
    }
}
