//! `clip.video`'s `taskArgs`: `video_id`, `storage_key` or `url`; `segments` (`[{"start", "end"}]`, in
//! seconds) or `segment_seconds`; `accuracy`, `copy` (the default) or `exact`.

use serde_json::{Map, Value, json};

use crate::domain::object_key::ObjectKey;
use crate::domain::task::{ClipAccuracy, ClipCut, ClipSource, ClipTask, Segment, TaskArgError, ms_of_seconds, secs};
use crate::domain::video::{SourceUrl, VideoId};

pub(crate) const CLIP_ARGS: [&str; 6] = ["video_id", "storage_key", "url", "segments", "segment_seconds", "accuracy"];

pub(crate) fn parse_clip_args(map: &Map<String, Value>) -> Result<ClipTask, TaskArgError> {
    let source = match (text(map, "video_id")?, text(map, "storage_key")?, text(map, "url")?) {
        (Some(id), None, None) => {
            ClipSource::Video(VideoId::parse(&id).ok_or_else(|| TaskArgError::new("video_id", "must be a video's id"))?)
        }
        (None, Some(key), None) => {
            ClipSource::Key(ObjectKey::parse(&key).map_err(|err| TaskArgError::new("storage_key", err.to_string()))?)
        }
        (None, None, Some(url)) => {
            ClipSource::Url(SourceUrl::parse(&url).map_err(|err| TaskArgError::new("url", err.to_string()))?)
        }
        (None, None, None) => return Err(TaskArgError::new("video_id", "field required (or storage_key, or url)")),
        (_, _, Some(_)) => return Err(TaskArgError::new("url", "give one of video_id, storage_key or url")),
        (Some(_), Some(_), None) => {
            return Err(TaskArgError::new("storage_key", "give one of video_id, storage_key or url"));
        }
    };
    let cut = match (map.get("segments").filter(|v| !v.is_null()), map.get("segment_seconds").filter(|v| !v.is_null()))
    {
        (Some(segments), None) => ClipCut::Segments(segment_list(segments)?),
        (None, Some(length)) => ClipCut::Every {
            length_ms: length
                .as_f64()
                .and_then(ms_of_seconds)
                .ok_or_else(|| TaskArgError::new("segment_seconds", "must be a number of seconds"))?,
        },
        (Some(_), Some(_)) => {
            return Err(TaskArgError::new("segment_seconds", "give segments or segment_seconds, not both"));
        }
        (None, None) => return Err(TaskArgError::new("segments", "field required (or segment_seconds)")),
    };
    let accuracy = match text(map, "accuracy")? {
        None => ClipAccuracy::Copy,
        Some(raw) => ClipAccuracy::parse(&raw).ok_or_else(|| TaskArgError::new("accuracy", "must be copy or exact"))?,
    };
    ClipTask::new(source, cut, accuracy)
}

pub(crate) fn clip_args_view(task: &ClipTask) -> Value {
    let mut view = json!({ "accuracy": task.accuracy().as_str() });
    match task.source() {
        ClipSource::Video(id) => view["video_id"] = json!(id.to_string()),
        ClipSource::Key(key) => view["storage_key"] = json!(key.as_str()),
        ClipSource::Url(url) => view["url"] = json!(url.as_str()),
    }
    match task.cut() {
        ClipCut::Segments(segments) => {
            view["segments"] =
                segments.iter().map(|s| json!({ "start": secs(s.start_ms), "end": secs(s.end_ms) })).collect();
        }
        ClipCut::Every { length_ms } => view["segment_seconds"] = json!(secs(*length_ms)),
    }
    view
}

fn text(map: &Map<String, Value>, key: &str) -> Result<Option<String>, TaskArgError> {
    match map.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(TaskArgError::new(key, "must be a string")),
    }
}

fn segment_list(value: &Value) -> Result<Vec<Segment>, TaskArgError> {
    let Value::Array(items) = value else {
        return Err(TaskArgError::new("segments", "must be a list of {\"start\", \"end\"} in seconds"));
    };
    items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let bound = |name: &str| {
                item.get(name)
                    .and_then(Value::as_f64)
                    .and_then(ms_of_seconds)
                    .ok_or_else(|| TaskArgError::new(format!("segments[{i}].{name}"), "must be a number of seconds"))
            };
            Ok(Segment { start_ms: bound("start")?, end_ms: bound("end")? })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: Value) -> Result<ClipTask, TaskArgError> {
        parse_clip_args(args.as_object().unwrap())
    }

    #[test]
    fn arguments_round_trip_through_the_view() {
        for args in [
            json!({"storage_key": "videos/a.mp4", "segments": [{"start": 1.5, "end": 4.0}], "accuracy": "exact"}),
            json!({"video_id": "7d1c1ad4-6e55-4b5f-8a0e-4bb8f6d5a111", "segment_seconds": 10.0, "accuracy": "copy"}),
            json!({"url": "https://www.youtube.com/watch?v=Z3TMbaX_X0k", "segment_seconds": 30.0, "accuracy": "copy"}),
        ] {
            let task = parse(args.clone()).unwrap();
            assert_eq!(clip_args_view(&task), args);
        }
        let defaulted = parse(json!({"storage_key": "videos/a.mp4", "segment_seconds": 5})).unwrap();
        assert_eq!(defaulted.accuracy(), ClipAccuracy::Copy);
    }

    #[test]
    fn each_problem_names_its_field() {
        for (args, field) in [
            (json!({"segment_seconds": 5}), "video_id"),
            (json!({"video_id": "nope", "segment_seconds": 5}), "video_id"),
            (json!({"storage_key": "../x", "segment_seconds": 5}), "storage_key"),
            (json!({"storage_key": "videos/a.mp4", "video_id": "x", "segment_seconds": 5}), "storage_key"),
            (json!({"url": "ftp://example.com/v", "segment_seconds": 5}), "url"),
            (json!({"url": "https://example.com/v", "video_id": "x", "segment_seconds": 5}), "url"),
            (json!({"storage_key": "videos/a.mp4"}), "segments"),
            (json!({"storage_key": "videos/a.mp4", "segments": [{"start": "0", "end": 1}]}), "segments[0].start"),
            (json!({"storage_key": "videos/a.mp4", "segments": [{"start": 0, "end": -1}]}), "segments[0].end"),
            (json!({"storage_key": "videos/a.mp4", "segments": [], "segment_seconds": 1}), "segment_seconds"),
            (json!({"storage_key": "videos/a.mp4", "segment_seconds": 5, "accuracy": "fast"}), "accuracy"),
        ] {
            assert_eq!(parse(args.clone()).unwrap_err().field, field, "{args}");
        }
    }
}
