//! What kind of work a run does, recorded on each execution so that one family's runs can be
//! listed without reading every job (seed 002's jobs are the scrape runs, seed 000's the clip runs).

use serde::{Deserialize, Serialize};

use super::TaskFunction;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RunKind {
    /// Also what a run recorded before kinds were kept reads back as.
    #[default]
    Script,
    Scrape,
    Clip,
    Cleanup,
}

impl RunKind {
    pub const ALL: [RunKind; 4] = [Self::Script, Self::Scrape, Self::Clip, Self::Cleanup];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Script => "script",
            Self::Scrape => "scrape",
            Self::Clip => "clip",
            Self::Cleanup => "cleanup",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == raw)
    }
}

impl TaskFunction {
    pub fn run_kind(self) -> RunKind {
        match self {
            Self::ScriptBash | Self::ScriptPython => RunKind::Script,
            Self::ScrapeProfile | Self::ScrapeHashtag => RunKind::Scrape,
            Self::ClipVideo => RunKind::Clip,
            Self::CleanupVideos | Self::CleanupExecutions => RunKind::Cleanup,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_read_back_their_storage_words() {
        for kind in RunKind::ALL {
            assert_eq!(RunKind::parse(kind.as_str()), Some(kind));
        }
        assert_eq!(RunKind::parse("scrapes"), None);
    }

    #[test]
    fn every_function_has_the_kind_its_family_says() {
        for function in TaskFunction::ALL {
            let family = function.catalog_entry().name.split('.').next().unwrap_or_default();
            assert_eq!(function.run_kind().as_str(), family, "{function:?}");
        }
    }
}
