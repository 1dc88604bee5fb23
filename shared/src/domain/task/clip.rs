//! `clip.video`: cutting a stored video into clips with ffmpeg, at the bounds the user asks for or
//! into pieces of a fixed length, either fast at keyframes or exact to the frame.

use serde::{Deserialize, Serialize};

use super::TaskArgError;
use crate::domain::object_key::ObjectKey;
use crate::domain::video::{SourceUrl, VideoId};

/// The most clips one run cuts: a 10-hour video in 6-minute pieces.
pub const MAX_CLIPS: usize = 100;
/// Shorter than this is less than a frame at most frame rates.
pub const MIN_CLIP_MS: u64 = 100;
/// A day of video: anything longer is a mistyped number.
pub const MAX_POSITION_MS: u64 = 24 * 3600 * 1000;

/// Where the video comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClipSource {
    /// A scraped video's stored file.
    Video(VideoId),
    /// Any stored file under `videos/`.
    Key(ObjectKey),
    /// A video's page, fetched with yt-dlp into the run's work folder for the cut and not kept:
    /// only the clips are stored.
    Url(SourceUrl),
}

/// One clip's bounds, in milliseconds from the start of the video.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Segment {
    pub start_ms: u64,
    pub end_ms: u64,
}

impl Segment {
    pub fn duration_ms(self) -> u64 {
        self.end_ms - self.start_ms
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClipCut {
    Segments(Vec<Segment>),
    /// Back-to-back pieces of this length; the last one ends with the video.
    Every {
        length_ms: u64,
    },
}

/// The user's choice between speed and precision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClipAccuracy {
    /// No re-encoding: each clip starts at the keyframe at or before its start. Fast, and the
    /// bounds measured are reported as they came out.
    Copy,
    /// Re-encoded (H.264 and AAC): every clip starts and ends on the frame asked for.
    Exact,
}

impl ClipAccuracy {
    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "copy" => Some(Self::Copy),
            "exact" => Some(Self::Exact),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Copy => "copy",
            Self::Exact => "exact",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClipTask {
    source: ClipSource,
    cut: ClipCut,
    accuracy: ClipAccuracy,
}

impl ClipTask {
    /// Checks every bound: each segment at least [`MIN_CLIP_MS`] long, within [`MAX_POSITION_MS`],
    /// at most [`MAX_CLIPS`] of them; a storage key under `videos/`.
    pub fn new(source: ClipSource, cut: ClipCut, accuracy: ClipAccuracy) -> Result<Self, TaskArgError> {
        if let ClipSource::Key(key) = &source
            && !key.as_str().starts_with("videos/")
        {
            return Err(TaskArgError::new("storage_key", "must name a stored video, under videos/"));
        }
        match &cut {
            ClipCut::Segments(segments) => {
                if segments.is_empty() {
                    return Err(TaskArgError::new("segments", "must list at least one segment"));
                }
                if segments.len() > MAX_CLIPS {
                    return Err(TaskArgError::new("segments", format!("at most {MAX_CLIPS} segments")));
                }
                for (i, segment) in segments.iter().enumerate() {
                    if segment.end_ms > MAX_POSITION_MS {
                        return Err(TaskArgError::new(format!("segments[{i}].end"), "must be at most 86400 seconds"));
                    }
                    if segment.end_ms < segment.start_ms.saturating_add(MIN_CLIP_MS) {
                        return Err(TaskArgError::new(
                            format!("segments[{i}].end"),
                            "must be at least 0.1 seconds after start",
                        ));
                    }
                }
            }
            ClipCut::Every { length_ms } => {
                if !(MIN_CLIP_MS..=MAX_POSITION_MS).contains(length_ms) {
                    return Err(TaskArgError::new("segment_seconds", "must be from 0.1 to 86400 seconds"));
                }
            }
        }
        Ok(Self { source, cut, accuracy })
    }

    pub fn source(&self) -> &ClipSource {
        &self.source
    }

    pub fn cut(&self) -> &ClipCut {
        &self.cut
    }

    pub fn accuracy(&self) -> ClipAccuracy {
        self.accuracy
    }

    /// The folder under `clips/` this task's clips go to: the video's id, or the stored file's
    /// name without its extension. A page's video is named only once yt-dlp has read the page
    /// (its id is derived from the platform's, as a scraped video's is), so `None` for a URL.
    pub fn video_folder(&self) -> Option<String> {
        match &self.source {
            ClipSource::Video(id) => Some(id.to_string()),
            ClipSource::Key(key) => {
                let name = key.segments().last().unwrap_or_default();
                let stem = name.rsplit_once('.').map_or(name, |(stem, _)| stem);
                Some(if stem.is_empty() { "video".to_owned() } else { stem.to_owned() })
            }
            ClipSource::Url(_) => None,
        }
    }

    /// What a job view calls the video before a run has named it: its folder, or the page.
    pub fn video_label(&self) -> String {
        match &self.source {
            ClipSource::Url(url) => url.as_str().to_owned(),
            _ => self.video_folder().unwrap_or_default(),
        }
    }

    /// The segments to cut from a video `duration_ms` long: asked-for segments that start
    /// inside it, ends held to it; or the back-to-back pieces. `Err` names the first segment
    /// that starts past the end, or says that the pieces would be too many.
    pub fn plan(&self, duration_ms: u64) -> Result<Vec<Segment>, String> {
        match &self.cut {
            ClipCut::Segments(segments) => segments
                .iter()
                .enumerate()
                .map(|(i, s)| {
                    if s.start_ms >= duration_ms {
                        Err(format!(
                            "segment {} starts at {} s, after the video ends at {} s",
                            i + 1,
                            secs(s.start_ms),
                            secs(duration_ms)
                        ))
                    } else {
                        Ok(Segment { start_ms: s.start_ms, end_ms: s.end_ms.min(duration_ms) })
                    }
                })
                .collect(),
            ClipCut::Every { length_ms } => {
                let count = duration_ms.div_ceil(*length_ms);
                if count > MAX_CLIPS as u64 {
                    return Err(format!(
                        "{count} pieces of {} s in a {} s video: at most {MAX_CLIPS}",
                        secs(*length_ms),
                        secs(duration_ms)
                    ));
                }
                Ok((0..count)
                    .map(|n| Segment { start_ms: n * length_ms, end_ms: ((n + 1) * length_ms).min(duration_ms) })
                    .collect())
            }
        }
    }
}

/// Seconds as a plain decimal: `12.5`.
pub fn secs(ms: u64) -> f64 {
    ms as f64 / 1000.0
}

/// Seconds as a client writes them (`12`, `12.5`) into milliseconds; `None` for a negative,
/// non-finite or past-a-day value.
pub fn ms_of_seconds(seconds: f64) -> Option<u64> {
    if !seconds.is_finite() || seconds < 0.0 || seconds > secs(MAX_POSITION_MS) {
        return None;
    }
    Some((seconds * 1000.0).round() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key_source() -> ClipSource {
        ClipSource::Key(ObjectKey::parse("videos/a.mp4").unwrap())
    }

    fn seg(start_ms: u64, end_ms: u64) -> Segment {
        Segment { start_ms, end_ms }
    }

    #[test]
    fn bounds_are_checked() {
        let ok = ClipTask::new(key_source(), ClipCut::Segments(vec![seg(0, 1000)]), ClipAccuracy::Copy);
        assert!(ok.is_ok());
        let cases = [
            (ClipCut::Segments(vec![]), "segments"),
            (ClipCut::Segments(vec![seg(0, 1000), seg(500, 550)]), "segments[1].end"),
            (ClipCut::Segments(vec![seg(1000, 500)]), "segments[0].end"),
            (ClipCut::Segments(vec![seg(0, MAX_POSITION_MS + 1)]), "segments[0].end"),
            (ClipCut::Segments(vec![seg(0, 1000); MAX_CLIPS + 1]), "segments"),
            (ClipCut::Every { length_ms: 50 }, "segment_seconds"),
        ];
        for (cut, field) in cases {
            let err = ClipTask::new(key_source(), cut.clone(), ClipAccuracy::Exact).unwrap_err();
            assert_eq!(err.field, field, "{cut:?}");
        }
        let elsewhere = ClipSource::Key(ObjectKey::parse("clips/a.mp4").unwrap());
        let err = ClipTask::new(elsewhere, ClipCut::Every { length_ms: 1000 }, ClipAccuracy::Copy).unwrap_err();
        assert_eq!(err.field, "storage_key");
    }

    #[test]
    fn plans_hold_to_the_videos_length() {
        let task = ClipTask::new(key_source(), ClipCut::Every { length_ms: 4000 }, ClipAccuracy::Copy).unwrap();
        assert_eq!(task.plan(10_000).unwrap(), [seg(0, 4000), seg(4000, 8000), seg(8000, 10_000)]);
        assert_eq!(task.plan(8000).unwrap(), [seg(0, 4000), seg(4000, 8000)]);
        assert!(task.plan(4000 * (MAX_CLIPS as u64 + 1)).unwrap_err().contains("at most 100"));
        let asked = ClipTask::new(
            key_source(),
            ClipCut::Segments(vec![seg(1000, 3000), seg(9000, 12_000)]),
            ClipAccuracy::Copy,
        )
        .unwrap();
        assert_eq!(asked.plan(10_000).unwrap(), [seg(1000, 3000), seg(9000, 10_000)]);
        assert_eq!(asked.plan(5000).unwrap_err(), "segment 2 starts at 9 s, after the video ends at 5 s");
    }

    #[test]
    fn seconds_read_as_milliseconds() {
        assert_eq!(ms_of_seconds(12.5), Some(12_500));
        assert_eq!(ms_of_seconds(0.0), Some(0));
        for bad in [-1.0, f64::NAN, f64::INFINITY, 86_401.0] {
            assert_eq!(ms_of_seconds(bad), None, "{bad}");
        }
    }
}
